"""The notebooks under ``notebooks/``: stored without outputs, public names only, and every one
runs top to bottom in a fresh kernel of this interpreter with ``TOOLKIT_QUICK=1``.

Execution goes through ``notebooks/execute.py`` (the same code ``make notebooks`` uses), so what
is tested here is what a person runs.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks_execute", ROOT / "notebooks" / "execute.py")
execute_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_mod)

NOTEBOOKS = execute_mod.notebooks()
IDS = [p.stem for p in NOTEBOOKS]
EXPECTED = {"theory_tour", "f_divergences", "mixtures", "adagan_coverage", "wgan_vs_js"}
PROJECT = ("fdiv", "proofs_check", "gan_backend")
_PRIVATE_PATH = re.compile(r"\b(?:%s)(?:\.\w+)*?\._\w" % "|".join(PROJECT))


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _root_name(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def private_uses(source: str) -> list[str]:
    """Every use of a private name of the project's packages in one code cell: ``import
    fdiv._x``, ``from fdiv._x import ...``, ``from fdiv import _x``, ``<project name>._x``
    (attributes of names bound by project imports, through any chain), ``getattr(<project
    name>, "_x")`` and strings naming ``fdiv._x``-style paths (``importlib.import_module``).
    IPython magics are translated first, so ``%time from fdiv._x import y`` is seen too."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    found: list[str] = []
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] in PROJECT:
                    if any(map(_private, parts)):
                        found.append(f"import {a.name}")
                    bound.add(a.asname or parts[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] in PROJECT:
                if any(map(_private, parts)):
                    found.append(f"from {node.module} import ...")
                for a in node.names:
                    if _private(a.name):
                        found.append(f"from {node.module} import {a.name}")
                    bound.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and _root_name(node.value) in bound:
            found.append(f"{ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) >= 2 and _root_name(node.args[0]) in bound
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
              and _private(node.args[1].value)):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _PRIVATE_PATH.search(node.value):
            found.append(repr(node.value))
    return found


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_notebooks_are_all_there():
    assert EXPECTED <= set(IDS), f"missing notebooks: {sorted(EXPECTED - set(IDS))}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} carry outputs or execution counts; "
                       f"run `make notebooks-clear` (python notebooks/execute.py --clear) before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_uses_public_names_only(path):
    nb = nbformat.read(path, as_version=4)
    bad = {i: uses for i, c in enumerate(nb.cells) if c.cell_type == "code" and (uses := private_uses(c.source))}
    assert not bad, f"{path.name}: private names of {', '.join(PROJECT)} in cells {bad}"


def test_private_name_check_catches_every_form():
    bad = [
        "from fdiv._mixture import r_star",
        "import proofs_check._report",
        "import gan_backend.metrics._kde as kde",
        "from fdiv import _lambda",
        "from gan_backend.experiments._x import y",
        "import fdiv\nv = fdiv._kernels.kl",
        "import proofs_check as pc\npc._wasserstein._s19(1)",
        "from gan_backend.metrics import coverage\ncoverage._readonly(1)",
        "import importlib\nimportlib.import_module('fdiv._lambda')",
        "import fdiv\ngetattr(fdiv, '_registry')",
        "%time from fdiv._grid import Grid",
    ]
    for src in bad:
        assert private_uses(src), src
    good = [
        "import fdiv\nfdiv.r_star([1.0], [1.0], 0.5)",
        "from gan_backend.metrics.coverage import coverage",
        "import numpy as np\nnp._NoValue",
        "import fdiv\nprint(fdiv.__name__, fdiv.__file__)",
        "x = object()\nx._private",
        "from proofs_check import symbolic\nsymbolic.GENERATORS['kl']._replace",
        "print('see fdiv.r_star and gan_backend.adagan')",
        "%matplotlib inline\nimport fdiv",
    ]
    for src in good:  # (an attribute of an item of a public object is that object's business)
        assert not private_uses(src), src


_IDENTITY = (
    "import json as _json, os as _os, sys as _sys, fdiv as _f, gan_backend as _g, proofs_check as _p\n"
    "print(_json.dumps({'exe': _sys.executable, 'cwd': _os.getcwd(), 'quick': _os.environ.get('TOOLKIT_QUICK'),\n"
    "                   'files': [m.__file__ for m in (_f, _g, _p)]}))")


def _check_identity(cell) -> None:
    """The kernel ran ``sys.executable``, imported the checkout's packages (not an installed
    copy), started in ``notebooks/`` and saw ``TOOLKIT_QUICK=1``."""
    out = json.loads(cell.outputs[0]["text"])
    assert out["exe"] == sys.executable
    assert Path(out["cwd"]) == ROOT / "notebooks"
    assert out["quick"] == "1"
    for f in out["files"]:
        assert Path(f).resolve().is_relative_to(ROOT), f


def test_a_broken_cell_fails_the_run(tmp_path):
    """A copy of a real notebook with a failing cell after its first code cell: execution stops
    there with ``CellExecutionError`` naming the error, and the later cells do not run."""
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    first = nb.cells.index(_code_cells(nb)[0])
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken cell')"))
    broken = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, broken)
    nb = nbformat.read(broken, as_version=4)
    with pytest.raises(CellExecutionError, match="deliberately broken cell"):
        execute_mod.execute(nb, quick=True)
    assert nb.cells[first].execution_count is not None
    assert all(c.execution_count is None for c in _code_cells(nb)[2:])


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_top_to_bottom_quick(path):
    """Every cell runs without error (a failing cell raises ``CellExecutionError`` here), in a
    kernel of this interpreter importing this checkout, and the notebook shows a figure."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_IDENTITY))  # checked after the run (same kernel)
    execute_mod.execute(nb, quick=True)
    _check_identity(nb.cells[-1])
    images = [o for c in _code_cells(nb) for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} rendered no figure"


def _results_tree(root: Path, *, good: bool) -> None:
    """A checkout-like tree (``pyproject.toml``, ``notebooks/``) with synthetic ``results/``:
    well-formed files, or malformed ones (wrong CSV columns, JSON without the entries)."""
    import matplotlib.image

    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    for sub in ("faithful", "critic", "bounds"):
        (root / "results" / sub).mkdir(parents=True)
    png = [[0.0, 1.0], [1.0, 0.0]]
    if good:
        (root / "results" / "faithful" / "table.csv").write_text(
            "method,label,T,modes,n_runs,median,p05,p95\n"
            "vanilla,Vanilla,1,5,10,0.7,0.5,0.8\n"
            "boosted,Boosted (T=3),3,5,10,0.93,0.81,1.0\n")
        (root / "results" / "critic" / "gradients.json").write_text(json.dumps({"critic": 0.25, "gan": 0.0125}))
        for name in ("faithful/figure2.png", "critic/critic.png", "bounds/kl_gauss.png"):
            matplotlib.image.imsave(root / "results" / name, png)
    else:
        (root / "results" / "faithful" / "table.csv").write_text("a,b\n1,2\n")
        (root / "results" / "critic" / "gradients.json").write_text(json.dumps({"critic": 0.25}))


@pytest.mark.slow
@pytest.mark.parametrize("good", [True, False], ids=["results-present", "results-malformed"])
def test_results_sections_read_committed_files(tmp_path, good):
    """The cells tagged ``results`` (after the ``setup`` cell) of the notebooks that read
    ``results/``, run against synthetic files: well-formed ones are shown (table rows beside the
    slides' cells, figures, the gradient ratio); malformed ones give a note, not an error. The
    missing-files case is the plain run above (this checkout may or may not have them)."""
    _results_tree(tmp_path, good=good)
    cells = []  # both notebooks' cells in one kernel (one start instead of two)
    for stem in ("adagan_coverage", "wgan_vs_js"):
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        tagged = [c for c in nb.cells if {"setup", "results"} & set(c.metadata.get("tags", []))]
        assert [c for c in tagged if "results" in c.metadata["tags"]], f"{stem}: no cell tagged 'results'"
        cells += tagged
    nb.cells = cells
    execute_mod.execute(nb, quick=True, cwd=tmp_path / "notebooks")
    outputs = [o for c in nb.cells for o in c.outputs]
    out = "".join(o.get("text", "") for o in outputs)
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    if good:
        assert "note:" not in out, out
        assert "Boosted (T=3)" in out and "0.93 (0.8;1.0)" in out and "0.91 (0.8;1.0)" in out, out  # ours, slides
        assert "ratio 20" in out, out
        assert images == 3
    else:
        assert out.count("note:") >= 2 and images == 0, out


def test_clear_strips_what_execution_adds(tmp_path):
    """``execute.py --clear`` (``make notebooks-clear``) leaves a notebook in the committed form."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1"), nbformat.v4.new_markdown_cell("text")])
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    nb.cells[0].execution_count = 1
    nb.cells[0].metadata["execution"] = {"shell.execute_reply": "2026-12-01T00:00:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert execute_mod.main(["--clear", str(path)]) == 0
    cleared = nbformat.read(path, as_version=4)
    assert cleared.metadata["language_info"] == {"name": "python"}
    cell = cleared.cells[0]
    assert cell.outputs == [] and cell.execution_count is None and "execution" not in cell.metadata
    assert cell.source == "1 + 1"


def test_cli_names_a_missing_notebook(tmp_path, capsys):
    assert execute_mod.main([str(tmp_path / "missing.ipynb")]) == 2
    assert "NOTEBOOK" in capsys.readouterr().err
