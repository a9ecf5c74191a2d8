"""A user's report rows: statement modules (``--statements MODULE``), the ``@statement`` decorator
and the entry-point group ``proofs_check.statements``.

A statement module exposes its rows as a module-level ``STATEMENTS`` list (or tuple) of
:class:`~proofs_check.Statement` / :class:`~proofs_check.Derivation`, through the
:func:`statement` decorator, or both. An installed distribution declares rows with::

    [project.entry-points."proofs_check.statements"]
    mine = "my_package.statements"          # a module (STATEMENTS and/or decorated rows)

or an object inside a module (``"my_package.statements:ROWS"``): a row, a list of rows, or a
callable returning a list.

Every failure to load is a :class:`PluginError` (a ``ValueError``) whose one-line message names
the module or entry point: an import error, a module without rows, an entry that is not a row,
an id used twice (among the user's rows or with a built-in row).
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import types
from typing import Any, Callable, Iterable

from hypothesis.strategies import SearchStrategy

from proofs_check._core import Derivation, Statement

__all__ = ["ENTRY_POINT_GROUP", "PluginError", "statement", "load_module", "entry_point_rows", "user_rows"]

ENTRY_POINT_GROUP = "proofs_check.statements"
_DECORATED = "__proofs_check_rows__"  # module attribute: the rows made by @statement, in order


class PluginError(ValueError):
    """A statement module or entry point that cannot provide rows (one-line message naming it).

    Examples
    --------
    >>> import proofs_check
    >>> from proofs_check._plugins import load_module
    >>> try:
    ...     load_module("no_such_statement_module")
    ... except proofs_check.PluginError as exc:
    ...     print(exc)
    --statements 'no_such_statement_module': cannot import it: ModuleNotFoundError: No module named 'no_such_statement_module'
    """


def statement(id: str, title: str, *, strategy: SearchStrategy, expect: str = "holds", source: str = "",
              assumptions: str = "", notes: str = "", min_search: int = 0, loose: str = "",
              kind: str = "property") -> Callable[[Callable], Statement]:
    """Decorator: turn a check function into a :class:`~proofs_check.Statement` row of its module.

    The decorated name is bound to the :class:`~proofs_check.Statement` (so it can be given to
    :func:`proofs_check.run_row` or :func:`proofs_check.testing.as_test`); the row is also
    registered with its module, which ``--statements MODULE`` then loads beside any
    ``STATEMENTS`` list. The fields are validated as by :class:`~proofs_check.Statement`.

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> import proofs_check
    >>> @proofs_check.statement("U-square", "x^2 >= 0", strategy=st.floats(-1e3, 1e3))
    ... def square_nonnegative(v):
    ...     return proofs_check.check(proofs_check.ge("x^2 >= 0", v * v, 0.0))
    >>> square_nonnegative.id, square_nonnegative.expect
    ('U-square', 'holds')
    >>> proofs_check.run_row(square_nonnegative, instances=20, seed=0).verdict
    'HOLDS'
    """
    def register(fn: Callable) -> Statement:
        row = Statement(id, title, source or f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}",
                        assumptions, strategy, fn, expect=expect, notes=notes, kind=kind, min_search=min_search,
                        loose=loose)
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        if module is not None:
            rows = module.__dict__.setdefault(_DECORATED, [])
            rows.append(row)
        return row

    return register


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _rows_of(module: types.ModuleType, label: str) -> list:
    """The rows of a module: its ``STATEMENTS`` then its decorated rows (each once, in order)."""
    listed = getattr(module, "STATEMENTS", None)
    if listed is not None and not isinstance(listed, (list, tuple)):
        raise PluginError(f"{label}: STATEMENTS must be a list or tuple of Statement/Derivation rows; got "
                          f"{type(listed).__name__}")
    out, seen = [], set()
    for row in [*(listed or ()), *getattr(module, _DECORATED, ())]:
        if id(row) not in seen:
            seen.add(id(row))
            out.append(row)
    return _checked(out, label)


def _checked(rows: Iterable, label: str) -> list:
    rows = list(rows)
    for k, row in enumerate(rows):
        if not isinstance(row, (Statement, Derivation)):
            raise PluginError(f"{label}: entry {k} is {row!r:.60} ({type(row).__name__}), not a proofs_check "
                              "Statement or Derivation")
    if not rows:
        raise PluginError(f"{label}: no rows (define a module-level STATEMENTS list, or decorate checks with "
                          "@proofs_check.statement)")
    return rows


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or "/" in spec


def _import_path(path: str) -> types.ModuleType:
    """Import a ``.py`` file under a name derived from its absolute path (the same in every worker)."""
    full = os.path.abspath(path)
    digest = hashlib.sha256(full.encode()).hexdigest()[:12]
    stem = "".join(c if c.isalnum() else "_" for c in os.path.splitext(os.path.basename(full))[0])
    name = f"proofs_check_user_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {full!r} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_module(spec: str) -> list:
    """The rows of a statement module: an importable module name or a path to a ``.py`` file.

    Raises :class:`PluginError` (one line naming ``spec``) when it cannot be imported or has no rows.
    """
    label = f"--statements {spec!r}"
    if not isinstance(spec, str) or not spec.strip():
        raise PluginError(f"{label}: give a module name or a path to a .py file")
    if _is_path(spec):
        if not os.path.isfile(spec):
            raise PluginError(f"{label}: no such file")
    try:
        module = _import_path(spec) if _is_path(spec) else importlib.import_module(spec)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, SystemExit, ... in the user's module
        raise PluginError(f"{label}: cannot import it: {_one_line(exc)}") from None
    return _rows_of(module, label)


def _entry_points() -> list:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def entry_point_rows() -> list[tuple[str, list]]:
    """``(label, rows)`` for every entry point of the group ``proofs_check.statements``."""
    out = []
    for ep in sorted(_entry_points(), key=lambda e: (e.name, e.value)):
        dist = getattr(getattr(ep, "dist", None), "name", None)
        label = f"entry point {ep.name} = {ep.value!r}" + (f" (distribution {dist})" if dist else "")
        try:
            obj: Any = ep.load()
            if callable(obj) and not isinstance(obj, (types.ModuleType, list, tuple)):
                obj = obj()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            raise PluginError(f"{label}: cannot load it: {_one_line(exc)}") from None
        if isinstance(obj, types.ModuleType):
            rows = _rows_of(obj, label)
        elif isinstance(obj, (Statement, Derivation)):
            rows = [obj]
        elif isinstance(obj, (list, tuple)):
            rows = _checked(obj, label)
        else:
            raise PluginError(f"{label}: it is {type(obj).__name__}; expected a module, a list of rows or a "
                              "callable returning one")
        out.append((label, rows))
    return out


def user_rows(sources: Iterable[str] = (), *, plugins: bool = True, builtin: Iterable = ()) -> list:
    """Every user row: the installed entry points (unless ``plugins`` is false), then each
    ``--statements`` source in order. Ids must be unique among these and ``builtin`` rows."""
    groups = entry_point_rows() if plugins else []
    groups += [(f"--statements {s!r}", load_module(s)) for s in sources]
    owner = {r.id: "built-in rows" for r in builtin}
    out = []
    for label, rows in groups:
        for row in rows:
            if row.id in owner:
                raise PluginError(f"{label}: row id {row.id!r} is already used by {owner[row.id]}")
            owner[row.id] = label
            out.append(row)
    return out
