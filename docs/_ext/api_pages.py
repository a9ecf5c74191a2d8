"""Generate one API page per package from its ``__all__`` (``docs/_generated/api/<pkg>.rst``).

The pages are written when the configuration is read, before autosummary scans the sources, so
a name added to a package's ``__all__`` appears in the reference with no edit to the docs.
"""
from __future__ import annotations

import importlib
import pkgutil
import types

from _gen import GENERATED, write_if_changed

PACKAGES = ("fdiv", "proofs_check", "gan_backend")


def public_names(package: str) -> list[str]:
    """The names of ``package.__all__``, in their order."""
    return list(importlib.import_module(package).__all__)


def _page(package: str) -> str:
    mod = importlib.import_module(package)
    title = f"``{package}``"
    funcs, classes, modules = [], [], []
    for name in public_names(package):
        obj = getattr(mod, name)
        (modules if isinstance(obj, types.ModuleType) else classes if isinstance(obj, type) else funcs).append(name)
    lines = [title, "=" * len(title), "", f".. automodule:: {package}", "   :no-members:", "",
             f".. currentmodule:: {package}", ""]
    for heading, names in (("Functions and objects", funcs), ("Classes", classes), ("Submodules", modules)):
        if not names:
            continue
        lines += [heading, "-" * len(heading), "", ".. autosummary::", "   :toctree: generated",
                  "   :nosignatures:", ""]
        lines += [f"   {n}" for n in names] + [""]
    return "\n".join(lines)


def public_submodules(package: str) -> list[str]:
    """Public submodules (no leading underscore, not ``__main__``) that declare ``__all__`` and are
    not already listed in the package's ``__all__`` (under their own name or another one). A subpackage without an ``__all__`` of its
    own (a layer such as ``gan_backend.engine``), or whose name the package's ``__all__`` gives to
    another object (``gan_backend.adagan``), is entered and its modules are listed instead."""
    pkg = importlib.import_module(package)
    listed = {f"{package}.{n}" for n in pkg.__all__}
    exported = {id(getattr(pkg, n)) for n in pkg.__all__ if hasattr(pkg, n)}  # e.g. gan_backend.backend
    out = []
    stack = [pkg]
    while stack:
        parent = stack.pop()
        for info in pkgutil.iter_modules(parent.__path__):
            full = f"{parent.__name__}.{info.name}"
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(full)
            if info.ispkg and (full in listed or not hasattr(mod, "__all__")):
                stack.append(mod)
            elif full not in listed and id(mod) not in exported and hasattr(mod, "__all__"):
                out.append(full)
    return sorted(out)


def _modules_page(package: str, modules: list[str]) -> str:
    title = f"``{package}`` modules"
    lines = [title, "=" * len(title), "",
             f"The public modules of ``{package}`` beside the names it exports, each documented from",
             "its own ``__all__``.", "", ".. autosummary::", "   :toctree: generated", ""]
    return "\n".join(lines + [f"   {m}" for m in modules] + [""])


def _generate(app, config) -> None:
    expected = set()
    for package in PACKAGES:
        expected |= {f"{package}.{n}" for n in public_names(package)} | set(public_submodules(package))
    stubs = GENERATED / "api" / "generated"
    for stale in stubs.glob("*.rst") if stubs.is_dir() else []:  # a name that left __all__
        if stale.stem not in expected:
            stale.unlink()
    for package in PACKAGES:
        page = _page(package)
        modules = public_submodules(package)
        if modules:
            write_if_changed(GENERATED / "api" / f"{package}_modules.rst", _modules_page(package, modules))
            page += f"\nMore modules\n------------\n\n.. toctree::\n\n   {package}_modules\n"
        write_if_changed(GENERATED / "api" / f"{package}.rst", page)


def _exported_objects() -> set[int]:
    """Identities of the objects in the packages' ``__all__`` (documented on the package pages)."""
    out = set()
    for package in PACKAGES:
        mod = importlib.import_module(package)
        out |= {id(getattr(mod, n)) for n in mod.__all__ if hasattr(mod, n)}
    return out


def _skip_reexports(app, what, name, obj, skip, options):
    """A submodule page does not describe again an object that its package exports (it has its
    page under the package's name; a second description would be a duplicate)."""
    if what == "module" and id(obj) in _exported_objects():
        return True
    return None


def setup(app):
    app.connect("config-inited", _generate)
    app.connect("autodoc-skip-member", _skip_reexports)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
