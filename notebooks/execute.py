"""Execute, clear or check the notebooks of this directory.

``python notebooks/execute.py [--quick] [--inplace] [--clear] [NOTEBOOK ...]``

Each notebook runs top to bottom in a fresh IPython kernel that is started with *this*
interpreter (``sys.executable``, through a kernelspec written to a temporary directory, so a
``python3`` kernelspec of another environment is never picked up), with the repository root
first on ``PYTHONPATH`` (the checkout's code is imported, not an installed copy) and the
working directory ``notebooks/`` (where Jupyter would start it). ``--quick`` sets
``TOOLKIT_QUICK=1``, the one switch the notebooks read to choose small settings; without it
they use their full settings. ``--inplace`` writes the executed notebook (outputs kept) back;
``--clear`` only strips outputs and execution counts (the form the notebooks are committed
in). Exit status 1 when a cell raises (the error names the notebook and the cell).

``make notebooks`` runs ``--inplace`` on every notebook; ``make notebooks-clear`` strips them
again before committing (the test suite checks that committed notebooks carry no outputs).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
#: the environment variable the notebooks read to choose their small settings
QUICK_ENV = "TOOLKIT_QUICK"
KERNEL_NAME = "toolkit-python"
#: seconds one cell may run before the execution fails
CELL_TIMEOUT = 600


def notebooks() -> list[Path]:
    """Every ``*.ipynb`` under ``notebooks/`` (checkpoints excluded), sorted."""
    return sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def kernel_env(*, quick: bool) -> dict[str, str]:
    """The kernel's environment: this one, the repository root first on ``PYTHONPATH``, and
    ``TOOLKIT_QUICK`` set to ``1`` (quick) or removed (full settings)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop(QUICK_ENV, None)
    if quick:
        env[QUICK_ENV] = "1"
    return env


def _write_kernelspec(directory: Path) -> None:
    spec = directory / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }))


def execute(nb, *, quick: bool, timeout: int = CELL_TIMEOUT, cwd: Path = NOTEBOOKS):
    """Run ``nb`` (a ``NotebookNode``) in a fresh kernel of this interpreter; returns it with
    its outputs. Raises ``nbclient.exceptions.CellExecutionError`` at the first failing cell."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="toolkit-kernels-") as tmp:
        _write_kernelspec(Path(tmp))
        km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[tmp]))
        client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, timeout=timeout,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute(env=kernel_env(quick=quick), cwd=str(cwd))
    return nb


def clear(nb):
    """Strip outputs, execution counts, execution metadata and the kernel's version details
    (``language_info`` keeps only the language's name), in place; returns ``nb``."""
    nb.metadata["language_info"] = {"name": nb.metadata.get("language_info", {}).get("name", "python")}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python notebooks/execute.py", description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", type=Path, metavar="NOTEBOOK", help="default: every notebook here")
    p.add_argument("--quick", action="store_true", help=f"small settings ({QUICK_ENV}=1)")
    p.add_argument("--inplace", action="store_true", help="write the executed notebooks back (outputs kept)")
    p.add_argument("--clear", action="store_true", help="only clear outputs (no execution)")
    args = p.parse_args(argv)
    paths = args.paths or notebooks()
    for path in paths:
        if not path.is_file():
            print(f"execute.py: error: NOTEBOOK: no such file: {path}", file=sys.stderr)
            return 2
    from nbclient.exceptions import CellExecutionError

    failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if args.clear:
            nbformat.write(clear(nb), path)
            print(f"cleared  {path}")
            continue
        t0 = time.perf_counter()
        try:
            execute(nb, quick=args.quick)
        except CellExecutionError as exc:
            failed += 1
            print(f"FAILED   {path}:\n{exc}", file=sys.stderr)
            continue
        if args.inplace:
            nbformat.write(nb, path)
        print(f"ok       {path}  ({time.perf_counter() - t0:.1f} s{', written' if args.inplace else ''})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
