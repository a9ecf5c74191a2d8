"""Cross-references to code that exists but has no page of its own are not errors.

With ``nitpicky`` every unresolved Python reference is a warning (an error under ``-W``). A
docstring may legitimately name a private helper, a module-level constant or an instance
attribute that the reference does not document; this handler looks the target up in the code
(importing modules, following attributes, and for instance attributes the ``self.<name> =``
assignments of the class) and, when it exists, renders it as plain code. A reference to a
name that exists nowhere still fails the build.
"""
from __future__ import annotations

import importlib
import inspect


def _lookup(path: str):
    """The object at dotted ``path`` (longest importable module prefix, then attributes)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:  # noqa: BLE001 - a module failing to import cannot resolve a reference
            return None
        for i, attr in enumerate(parts[cut:], cut):
            if hasattr(obj, attr):
                obj = getattr(obj, attr)
                continue
            if inspect.isclass(obj) and i == len(parts) - 1 and _assigns(obj, attr):
                return obj
            return None
        return obj
    return None


def _assigns(cls, attr: str) -> bool:
    try:
        return f"self.{attr}" in inspect.getsource(cls)
    except (OSError, TypeError):
        return False


def exists(target: str, scopes: list[str]) -> bool:
    """Whether ``target`` names code, looked up as written and inside each enclosing scope
    (a dotted module, class or function path) from the innermost out."""
    target = target.lstrip("~.")
    candidates = [target]
    for scope in scopes:
        parts = scope.split(".")
        candidates += [".".join(parts[:k] + [target]) for k in range(len(parts), 0, -1)]
    return any(_lookup(c) is not None for c in candidates)


def _scopes(node) -> list[str]:
    """The object whose docstring holds the reference (autodoc writes it into the node's source
    as ``docstring of <dotted path>``), then the page's current module and class."""
    scopes = []
    source = node.source or ""
    if "docstring of " in source:
        scopes.append(source.rsplit("docstring of ", 1)[1].split(":")[0].strip())
    row = node.parent
    while row is not None and row.tagname != "row":
        row = row.parent
    module, cls = node.get("py:module"), node.get("py:class")
    if row is not None:  # an autosummary table: the row names the summarised object
        name = row.children[0].astext().strip()
        scopes.append(f"{module}.{name}" if module else name)
    if module:
        scopes.append(f"{module}.{cls}" if cls else module)
    return scopes


def _missing(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    if exists(node.get("reftarget", ""), _scopes(node)):
        return contnode
    return None


def setup(app):
    app.connect("missing-reference", _missing)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
