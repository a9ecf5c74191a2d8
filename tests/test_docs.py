"""The documentation: the site builds with warnings as errors, every public name has a numpydoc
docstring whose examples run, the theory page holds every statement, and no file of the
repository refers to a document outside it."""
from __future__ import annotations

import doctest
import importlib
import inspect
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from numpydoc.docscrape import get_doc_object

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGES = ("fdiv", "proofs_check", "gan_backend")
STATEMENTS = [f"S{k}" for k in range(1, 21)]


def _public(package: str):
    mod = importlib.import_module(package)
    return [(f"{package}.{name}", getattr(mod, name)) for name in mod.__all__]


PUBLIC = [item for package in PACKAGES for item in _public(package)]


def _documented(obj) -> bool:
    """Modules, classes and callables carry their own docstring; constants are documented by
    the API page's listing (their ``__doc__`` is their type's)."""
    return isinstance(obj, types.ModuleType) or inspect.isclass(obj) or callable(obj)


# --------------------------------------------------------------------------- the built site
def test_site_builds_without_warnings(tmp_path):
    """The whole site, exactly as ``make docs`` builds it (``-W --keep-going -n``): a broken
    cross-reference, a docstring that numpydoc or docutils cannot parse, a theory statement
    citing a report row that does not exist, or a public name that cannot be imported fails."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
           "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"sphinx failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    html = tmp_path / "html"
    api = "".join(p.read_text(encoding="utf-8") for p in (html / "_generated" / "api").glob("*.html"))
    for full, obj in PUBLIC:
        assert f'id="{full}"' in api or (html / "_generated" / "api" / "generated" / f"{full}.html").is_file(), \
            f"{full} is missing from the API reference"
    theory = (html / "theory.html").read_text(encoding="utf-8")
    for sid in STATEMENTS:
        assert f'id="{sid.lower()}"' in theory, f"theory page has no anchor for {sid}"
        assert f'href="checks.html#row-{sid.lower()}"' in theory, f"theory page does not link {sid} to its row"


# --------------------------------------------------------------------------- docstrings
@pytest.mark.parametrize("full, obj", [p for p in PUBLIC if _documented(p[1])], ids=[p[0] for p in PUBLIC
                                                                                     if _documented(p[1])])
def test_public_name_has_numpydoc_docstring_with_running_example(full, obj):
    """Every public name (``__all__``) has a numpydoc docstring with a summary and an Examples
    section holding at least one ``>>>`` example, and all of its examples pass as doctests."""
    doc = inspect.getdoc(obj)
    assert doc, f"{full} has no docstring"
    parsed = get_doc_object(obj)
    assert parsed["Summary"], f"{full}: numpydoc finds no summary line"
    examples = "\n".join(parsed["Examples"]) if not isinstance(obj, types.ModuleType) else doc
    assert ">>>" in examples, f"{full}: no example ('>>>') in its Examples section"
    module = obj if isinstance(obj, types.ModuleType) else inspect.getmodule(obj)
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(obj, full, module=module, globs={"np": np, **vars(module)}) if t.examples]
    assert tests, f"{full}: doctest finds no example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{full}: {result.failed} of {result.attempted} doctest examples fail"


# --------------------------------------------------------------------------- executed pages
#: docs pages whose ```python blocks run, in order, in one namespace (their asserts are checks).
EXECUTED_PAGES = ["checking-your-own-inequality.md"]
_PY_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_page_code_blocks_run(page, capsys):
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = _PY_BLOCK.findall(text)
    assert len(blocks) >= 5, f"{page}: expected its python blocks, found {len(blocks)}"
    namespace: dict = {"__name__": f"docs_{page}"}
    for k, block in enumerate(blocks):
        code = compile(block, f"{page} (python block {k + 1})", "exec")
        exec(code, namespace)  # noqa: S102 - the page is part of the repository


def test_executed_pages_are_in_the_toctree():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in EXECUTED_PAGES:
        assert f"\n{page[:-3]}\n" in index, f"{page} is not in docs/index.md's toctree"


# --------------------------------------------------------------------------- the theory page
def test_theory_page_holds_every_statement_and_convention():
    """Every S1-S20 has its own section citing its report rows; every boundary case of §0 is
    written out (finite supports, conjugate domains, dual and normalised forms, registry)."""
    text = (DOCS / "theory.md").read_text(encoding="utf-8")
    import proofs_check

    ids = {r.id for r in proofs_check.rows()}
    for sid in STATEMENTS:
        assert f"({sid.lower()})=\n### {sid} " in text, f"no section for {sid}"
        assert f"```{{proofs-rows}} {sid}\n```" in text, f"{sid} cites no proofs_check row"
        assert sid in ids, f"proofs_check has no row {sid}"
    for case in ("f(0) := \\lim_{x\\to 0^+} f(x)", "f'(\\infty) := \\lim_{x\\to\\infty}", "0\\cdot\\infty := 0",
                 "| $0$ | $0$ | $0$ |", "| $>0$ | $0$ |", "| $0$ | $>0$ |", "never NaN",
                 "f^*(t) := \\sup_{x>0}", "Fenchel", "f^\\circ(x) := x\\,f(1/x)", "f_0(x) := f(x) - f'(1)(x-1)"):
        assert case in text, f"§0 case missing from the theory page: {case}"
    import fdiv

    for name in fdiv.names():
        assert f"| `{name}` |" in text, f"registry generator {name} missing from the theory page"


# --------------------------------------------------------------------------- the architecture page
_DOTTED = re.compile(r"`(gan_backend(?:\.\w+)+)`")


def _resolve(dotted: str):
    """The object a dotted name names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def test_architecture_page_names_what_exists_in_the_layers_it_states():
    """Every ``gan_backend.…`` name on the architecture page exists, and its table lists the
    layers in the order the import-layering test enforces."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    names = set(_DOTTED.findall(text))
    assert len(names) > 20
    missing = []
    for dotted in sorted(names):
        try:
            _resolve(dotted)
        except (ImportError, AttributeError):
            missing.append(dotted)
    assert not missing, f"architecture page names what does not exist: {missing}"
    from tests.gan_backend.test_layering import ORDER

    rows = re.findall(r"^\| (\d) \| `gan_backend\.(\w+)` \|", text, flags=re.M)
    assert [name for _, name in rows] == list(ORDER)
    for path in re.findall(r"`(gan_backend/[\w/]+\.py|gan_backend/[\w/]+/)`", text):
        assert (ROOT / path).exists(), f"architecture page names a missing path: {path}"


# --------------------------------------------------------------------------- outside references
_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".hypothesis", ".pytest_cache", "build", "runs", "out",
              "dask-worker-space", "_build", "_generated"}
_TEXT = {".py", ".md", ".ipynb", ".toml", ".txt", ".cfg", ".ini", ".sh", ".rst", ".yml", ".yaml", ".json"}
# The file that must name what it looks for: this test (its patterns and its probe).
_EXEMPT = {Path("tests/test_docs.py")}
# A document named in capitals (the convention of README.md), a path into docs/, an absolute
# path on a development machine, or the folder beside the repository.
_CAPS_DOC = re.compile(r"(?<![\w.-])((?:[\w.-]+/)*[A-Z][A-Z0-9_-]*\.(?:md|rst|txt))(?![\w-])")
_DOCS_PATH = re.compile(r"(?<![\w.-])docs/([\w-]+)(\.md|\.rst|\.ipynb)?(?![\w/-])")
_OUTSIDE = re.compile(r"(/work/|/home/|/Users/|shared folder|beside this repository)")


def _repo_text_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.endswith(".egg-info")]
        for name in filenames:
            path = Path(dirpath) / name
            if path.suffix in _TEXT or name in ("Makefile", "run"):
                yield path


def _outside_references(path: Path, names: set[str]) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    bad = []
    for m in _CAPS_DOC.finditer(text):
        ref = m.group(1)
        if not ((ROOT / ref).is_file() or (path.parent / ref).is_file() or ("/" not in ref and ref in names)):
            bad.append(ref)
    for m in _DOCS_PATH.finditer(text):
        if m.group(1).startswith("_"):  # build outputs (docs/_build, docs/_generated)
            continue
        page = DOCS / m.group(1)
        if not (page.is_dir() or any(page.with_suffix(s).is_file() for s in (".md", ".rst", ".ipynb"))):
            bad.append(m.group(0))
    bad += [m.group(0) for m in _OUTSIDE.finditer(text)]
    return bad


def test_reference_scanner_finds_outside_documents(tmp_path):
    """The scanner below flags a document that is not in the repository and accepts one that is."""
    probe = tmp_path / "probe.py"
    probe.write_text('"""See NOTES_ELSEWHERE.md §2, README.md, docs/theory.md §0, docs/nowhere and /work/x."""\n',
                     encoding="utf-8")
    assert _outside_references(probe, {"README.md"}) == ["NOTES_ELSEWHERE.md", "docs/nowhere", "/work/"]


def test_no_reference_to_a_document_outside_the_repository():
    """No file of the repository cites a document that is not in it (point such a reference at the
    page of docs/ that holds the text)."""
    files = [p for p in _repo_text_files() if p.relative_to(ROOT) not in _EXEMPT]
    names = {p.name for p in files}
    found = {str(p.relative_to(ROOT)): refs for p in files if (refs := _outside_references(p, names))}
    assert not found, "references to documents outside the repository:\n" + "\n".join(
        f"  {path}: {sorted(set(refs))}" for path, refs in sorted(found.items()))


# --------------------------------------------------------------------------- generated pages
def _ext(name: str):
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_cli_page_lists_every_command_and_option():
    """Every sub-command of ``python -m gan_backend`` and every option of every parser is on the
    CLI page (read from the parsers themselves, so a new command file shows up by itself)."""
    from gan_backend.cli.parser import build_parser
    from proofs_check.__main__ import _parser

    page = _ext("cli_pages").page()
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    assert sub.choices, "gan_backend has no commands"
    parsers = [(f"python -m gan_backend {name}", p) for name, p in sub.choices.items()]
    parsers.append(("python -m proofs_check", _parser()))
    for prog, parser in parsers:
        assert f"`{prog}`" in page, f"{prog} missing from the CLI page"
        for action in parser._actions:
            for opt in action.option_strings:
                if opt not in ("-h", "--help"):
                    assert f"`{opt}`" in page, f"{prog} {opt} missing from the CLI page"
    assert "`python -m benchmarks`" in page and "`--smoke`" in page


def test_experiments_page_includes_whatever_results_exist(tmp_path, monkeypatch):
    """No results folder: a sentence, no error. Folders present: each shows its command
    (``command.txt`` or the first command quoted in its Markdown), its Markdown with headings
    moved below the section's, its CSV tables (large ones linked) and its figures."""
    results_page = _ext("results_page")
    monkeypatch.setattr(results_page, "ROOT", tmp_path)
    monkeypatch.setattr(results_page, "RESULTS", tmp_path / "results")
    assert results_page.experiments_page().startswith("No results")
    a, b, c = (tmp_path / "results" / n for n in ("a", "b", "c"))
    for d in (a, b, c):
        d.mkdir(parents=True)
    (a / "command.txt").write_text("python -m gan_backend critic --seed 0 --out results/a\n", encoding="utf-8")
    (a / "small.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (a / "big.csv").write_text("x\n" + "".join(f"{k}\n" for k in range(results_page.MAX_CSV_ROWS + 1)),
                               encoding="utf-8")
    (a / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (b / "table.md").write_text("# Table\n\nMade by `python -m gan_backend table --preset smoke --out results/b`.\n",
                                encoding="utf-8")
    (c / "metrics.json").write_text("{}", encoding="utf-8")
    page = results_page.experiments_page()
    assert "```bash\npython -m gan_backend critic --seed 0 --out results/a\n```" in page
    assert "```{csv-table} small.csv\n:file: ../results/a/small.csv" in page
    assert "{download}`big.csv (" in page and "```{figure} ../results/a/fig.png" in page
    assert "```bash\npython -m gan_backend table --preset smoke --out results/b\n```" in page
    assert "\n### Table\n" in page
    section_c = page.split("## `results/c/`")[1]
    assert "not recorded" in section_c and "metrics.json <../results/c/metrics.json>" in section_c
