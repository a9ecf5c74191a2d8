"""The package's layers import one way: engine < metrics < adagan < experiments < cli.

Every ``import`` statement of every module under ``gan_backend/`` (function-level ones
included) is read with :mod:`ast` and resolved to the layer it names. A module may import its
own layer and the layers below it, never one above. ``from gan_backend import NAME`` of a
non-module name imports the top package, which loads engine, metrics and adagan, so it counts
as an adagan-level import.
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


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
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
