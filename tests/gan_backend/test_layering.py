"""The package's layers import one way: engine < metrics < adagan < experiments < cli.

Every ``import`` statement of every module under ``gan_backend/`` (function-level ones
included) is read with :mod:`ast` and resolved to the layer it names. A module may import its
own layer and the layers below it, never one above. ``from gan_backend import NAME`` of a
non-module name imports the top package, which loads engine, metrics and adagan, so it counts
as an adagan-level import.

Also: an import inside a function carries ``# lazy: <reason>`` on its line, no module imports a
private name (``from x import _y``) from another, and the module-level imports form no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "gan_backend"
ORDER = ("engine", "metrics", "adagan", "experiments", "cli")
RANK = {name: i for i, name in enumerate(ORDER)}


def _layer(module: str) -> str | None:
    """The layer of a dotted module name under gan_backend; None for other packages."""
    parts = module.split(".")
    if parts[0] != "gan_backend":
        return None
    if len(parts) == 1:
        return "adagan"  # the top package re-exports engine, metrics and adagan names
    if parts[1] == "__main__":
        return "cli"
    return parts[1] if parts[1] in RANK else "top-level module " + parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _nodes(tree: ast.AST, module_level: bool):
    """Every node of ``tree``; with ``module_level`` none inside a function body."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not (module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))):
            stack.extend(ast.iter_child_nodes(node))


def _imports(path: Path, module_level: bool = False) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file (with ``module_level``, of those
    run when the module is imported: not inside a function), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in _nodes(tree, module_level):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for a in node.names:  # ``from pkg import sub`` imports the submodule pkg.sub when it is one
                sub = f"{base}.{a.name}"
                is_module = (ROOT.parent / sub.replace(".", "/")).with_suffix(".py").is_file() or \
                    (ROOT.parent / sub.replace(".", "/") / "__init__.py").is_file()
                out.append((node.lineno, sub if is_module else base))
    return out


def _modules():
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def test_layer_resolution():
    """The resolver itself: a layer above is named, a module outside the package is ignored."""
    assert _layer("gan_backend.engine.train") == "engine"
    assert _layer("gan_backend.experiments.avb.train") == "experiments"
    assert _layer("gan_backend") == "adagan" and _layer("gan_backend.__main__") == "cli"
    assert _layer("numpy.linalg") is None
    assert _layer("gan_backend" + ".train") == "top-level module train"  # a module outside the layers
    assert RANK["engine"] < RANK["metrics"] < RANK["adagan"] < RANK["experiments"] < RANK["cli"]


def test_only_the_five_layers_and_the_entry_points_at_top_level():
    top = {p.name for p in ROOT.iterdir() if not p.name.startswith("__pycache__")}
    assert top == {"__init__.py", "__main__.py", *ORDER}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_go_down(path):
    own = _layer(_module_name(path))
    if path == ROOT / "__init__.py":
        own = "adagan"
    elif path == ROOT / "__main__.py":
        own = "cli"
    assert own in RANK, f"{path} is outside the five layers"
    bad = []
    for line, mod in _imports(path):
        layer = _layer(mod)
        if layer is None:
            continue
        if layer not in RANK:
            bad.append(f"line {line}: {mod} ({layer}, not in a layer)")
        elif RANK[layer] > RANK[own]:
            bad.append(f"line {line}: {mod} ({layer} is above {own})")
    assert not bad, f"{path.relative_to(ROOT.parent)} imports upwards: " + "; ".join(bad)


# --- where imports sit, and what they import ----------------------------------------------

#: The mark a function-level import carries on its own line, with its reason
#: (``# lazy: matplotlib costs ~0.4 s at CLI start-up``, ``# lazy: cycle A <-> B``).
LAZY_MARK = "# lazy:"


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, text) of every import statement inside a function body of ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child.lineno, lines[child.lineno - 1].strip()))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def unmarked_lazy_imports(source: str) -> list[str]:
    """The function-level imports of ``source`` whose line has no ``# lazy: <reason>``."""
    out = []
    for line, text in function_level_imports(source):
        _, mark, reason = text.partition(LAZY_MARK)
        if not mark or not reason.strip():
            out.append(f"line {line}: {text}")
    return out


def private_names_imported(source: str) -> list[str]:
    """``from MODULE import _name`` statements of ``source``: a private name (leading
    underscore, not a dunder) taken from another module, a private submodule included.
    Public names of private modules (``from pkg._module import name``) are not counted."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    out.append((node.lineno, f"from {'.' * node.level}{node.module or ''} import {alias.name}"))
    return [f"line {line}: {text}" for line, text in sorted(out)]


def test_the_import_checks_catch_offenders():
    """The two checks below fail on an offending module (and only on it)."""
    bad = (
        "import os\n"
        "from gan_backend.engine._validate import positive_int\n"
        "def f():\n"
        "    import json\n"
        "    from matplotlib import pyplot  # lazy: matplotlib is slow to import\n"
        "    from matplotlib import colors  # lazy:\n"
        "    g = lambda: __import__('x')\n"
        "    class C:\n"
        "        def m(self):\n"
        "            from gan_backend.engine.train import _helper\n"
        "    return json, pyplot, colors, g, C\n"
        "from gan_backend.metrics import _kde\n"
        "from . import __version__\n"
    )
    assert [t for _, t in function_level_imports(bad)] == [
        "import json", "from matplotlib import pyplot  # lazy: matplotlib is slow to import",
        "from matplotlib import colors  # lazy:", "from gan_backend.engine.train import _helper"]
    assert unmarked_lazy_imports(bad) == ["line 4: import json", "line 6: from matplotlib import colors  # lazy:",
                                          "line 10: from gan_backend.engine.train import _helper"]
    assert private_names_imported(bad) == ["line 10: from gan_backend.engine.train import _helper",
                                           "line 12: from gan_backend.metrics import _kde"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_at_the_top_unless_marked_lazy(path):
    """Imports sit at the top of the module; one inside a function says why on its line
    (``# lazy: <reason>``: a module that is slow to import or optional, or an import cycle)."""
    bad = unmarked_lazy_imports(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT.parent)}: function-level imports without '{LAZY_MARK} <reason>': " + \
        "; ".join(bad)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_no_private_name_imported_across_modules(path):
    bad = private_names_imported(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT.parent)} imports private names: " + "; ".join(bad)


def import_cycle(graph: dict) -> list | None:
    """One cycle ``[a, b, ..., a]`` of the directed graph ``{node: set of nodes}``, or None."""
    state: dict = {}  # node -> "open" while on the search path, "done" after

    def search(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = search(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = search(start, [start])
            if found:
                return found
    return None


def test_import_cycle_finder():
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"a"}}) == ["a", "a"]


def module_graph() -> dict:
    """module -> the gan_backend modules it imports when it is imported (module-level
    imports, with the packages that importing them initialises; not its own packages,
    which are initialising already, unless it names them)."""
    mods = {_module_name(p): p for p in _modules()}
    graph = {}
    for name, path in mods.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        named = {m for _, m in _imports(path, module_level=True) if m in mods}
        loaded = {".".join(m.split(".")[:i]) for m in named for i in range(1, m.count(".") + 2)}
        graph[name] = ((loaded - own) | named) & mods.keys() - {name}
    return graph


def test_no_import_cycle_between_modules():
    """Module-level imports form no cycle (a lazy import that breaks one says so)."""
    cycle = import_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


#: the most lines of code (blank lines, comment lines and the docstring not counted) of one
#: function under gan_backend/experiments/
MAX_EXPERIMENT_FUNCTION_LINES = 60


def function_sizes(source: str) -> list[tuple[str, int]]:
    """(name, lines of code) of every function of ``source``, nested ones included."""
    lines = source.splitlines()
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip = set()
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                skip = set(range(first.lineno, first.end_lineno + 1))
            code = [i for i in range(node.lineno, node.end_lineno + 1)
                    if i not in skip and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#")]
            out.append((node.name, len(code)))
    return out


def test_function_sizes_counts_code_lines_only():
    src = 'def f(a):\n    """Doc.\n\n    more doc\n    """\n    # note\n\n    return a\n'
    assert function_sizes(src) == [("f", 2)]


@pytest.mark.parametrize("path", [p for p in _modules() if "experiments" in p.relative_to(ROOT).parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_experiment_functions_are_short(path):
    long = [(n, k) for n, k in function_sizes(path.read_text(encoding="utf-8")) if k > MAX_EXPERIMENT_FUNCTION_LINES]
    assert not long, f"{path.relative_to(ROOT.parent)}: functions over {MAX_EXPERIMENT_FUNCTION_LINES} lines: {long}"
