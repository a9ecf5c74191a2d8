"""Running a report row: hypothesis drives the instances, this module tallies the verdicts.

A :class:`~proofs_check._core.Statement` is run in up to two hypothesis passes, both seeded from
``(seed, id)`` so that a run is reproducible:

1. *count*: ``instances`` generated instances, each checked, none raising; hypothesis'
   ``target`` steers the search towards the smallest slack (the hardest instances);
2. *shrink* (only when pass 1 saw a violation, or for a known-false variant): the same search
   through ``@given`` raising on the first violation, so that hypothesis' own failure path
   shrinks it (as it shrinks any failing test) to the counterexample that is reported with its
   numbers.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import math
import numbers
import os
import sysconfig
import time
import traceback
from dataclasses import dataclass, is_dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed as hyp_seed, settings, target

from proofs_check._pyrepr import pyrepr
from proofs_check._core import Check, Derivation, Statement, as_check
from proofs_check._interrupt import caused_by_interrupt, interrupts_kept, raise_if_interrupted

__all__ = ["Outcome", "run_row", "run_property", "run_cases", "derived_seed", "jsonable",
           "DEFAULT_MIN_SEARCH"]

DEFAULT_MIN_SEARCH = 500
"""A known-false variant not refuted within ``instances`` examples keeps searching up to this
many, so that small ``--instances`` still refute it."""

SHRINK_BUDGET: int | None = None
"""Checks allowed to the shrinker after the first counterexample (None: hypothesis' own limits,
so a counterexample is shrunk exactly as a plain ``@given`` test shrinks it). A number caps the
shrinking deterministically (tests use a small one for speed): beyond it, candidates are no
longer reported as failing, and shrinking ends with the smallest counterexample found so far."""


@dataclass(frozen=True)
class Outcome:
    """The result of one report row (see the JSON schema in docs/contract.md, plus extras).

    Examples
    --------
    >>> import proofs_check
    >>> o = proofs_check.run_row(proofs_check.get("S1-gan"), instances=5, seed=0)   # a known-false variant
    >>> o.id, o.verdict, o.ok
    ('S1-gan', 'REFUTED', True)
    """

    id: str
    title: str
    kind: str
    expect: str
    instances: int
    violations: int
    errors: int
    worst_slack: float | None  # slack of the instance with the smallest relative slack
    counterexample: dict | None
    seconds: float
    source: str = ""
    notes: str = ""
    error: str | None = None  # the row could not run at all (missing library function, ...)
    loose: str = ""  # where the slides are loose on this point
    worst_rel_slack: float | None = None  # slack / (1 + |lhs| + |rhs|) at that instance

    @property
    def holds(self) -> bool:
        return self.error is None and self.instances > 0 and self.violations == 0 and self.errors == 0

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "ERROR"
        if self.expect == "refuted":
            return "REFUTED" if self.violations > 0 else "NOT REFUTED"
        if self.errors and not self.violations:
            return "ERROR"
        return "HOLDS" if self.holds else "FAILS"

    @property
    def ok(self) -> bool:
        return self.verdict in ("HOLDS", "REFUTED")

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "holds": self.holds, "instances": self.instances,
            "violations": self.violations, "worst_slack": jsonable(self.worst_slack),
            "worst_rel_slack": jsonable(self.worst_rel_slack),
            "counterexample": jsonable(self.counterexample), "kind": self.kind,
            "expect": self.expect, "verdict": self.verdict, "errors": self.errors,
            "source": self.source, "notes": self.notes, "loose": self.loose, "error": self.error,
            "seconds": round(self.seconds, 3),
        }


def jsonable(x: Any) -> Any:
    """Plain JSON data: arrays to lists, dataclasses to dicts, FDivergence objects to their
    name; non-finite floats to the strings "inf", "-inf", "nan" (strict JSON has none)."""
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if hasattr(x, "name") and hasattr(x, "conjugate"):  # an fdiv.FDivergence
        return str(x.name)
    if is_dataclass(x) and not isinstance(x, type):
        return {k: jsonable(getattr(x, k)) for k in x.__dataclass_fields__}
    return repr(x)


def derived_seed(seed: int, row_id: str) -> int:
    """A 64-bit seed for one row: different rows explore differently, a run is reproducible."""
    return int.from_bytes(hashlib.sha256(f"{int(seed)}:{row_id}".encode()).digest()[:8], "little")


def _settings(max_examples: int, shrink: bool) -> settings:
    phases = [Phase.explicit, Phase.generate, Phase.target] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=max(int(max_examples), 1), database=None, deadline=None,
                    derandomize=False, phases=phases, verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                    print_blob=False)


class _Found(Exception):
    pass


@contextlib.contextmanager
def _history_free_generation():
    """Make a seeded run independent of what ran before it in the process.

    Hypothesis mixes into generation the literal constants of every *local* module loaded so far
    (``sys.modules``), so the same seed would draw differently depending on which modules a
    previous row, a notebook or a worker happened to import. This uses hypothesis' global
    constants only, for the duration of a run (private API: skipped if it changes)."""
    try:
        from hypothesis.internal.conjecture import providers

        original, cache, empty = providers._get_local_constants, providers.CONSTANTS_CACHE, providers.Constants()
    except (ImportError, AttributeError):  # pragma: no cover - another hypothesis version
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def _relative(c: Check) -> float:
    """Slack relative to the size of the compared values: ``slack / (1 + |lhs| + |rhs|)``
    (finite sides only; nan -> -inf). Used to pick the worst instance across scales."""
    if math.isnan(c.slack):
        return -math.inf
    size = sum(abs(v) for v in (c.lhs, c.rhs) if math.isfinite(v))
    return c.slack / (1.0 + size) if math.isfinite(c.slack) else c.slack


def _record(tally: dict, c: Check) -> None:
    """Keep the slack of the instance with the smallest relative slack."""
    rel = _relative(c)
    if rel < tally["worst_rel"]:
        tally["worst_rel"], tally["worst"] = rel, (c.slack if not math.isnan(c.slack) else -math.inf)


#: where a frame is not the place to show for an exception: the standard library, installed
#: packages (hypothesis, NumPy, ...) and this package's own plumbing
_NOT_THE_PLACE = tuple(os.path.join(os.path.abspath(d), "") for d in {
    sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})
_PLUMBING = {os.path.abspath(f) for f in (__file__, inspect.getfile(as_check))}


def _row_files(row) -> set:
    """The source files of ``row``'s check (or cases) function, partials and wrappers undone."""
    files = set()
    for fn in (getattr(row, "check", None), getattr(row, "cases", None)):
        while isinstance(fn, functools.partial):
            fn = fn.func
        code = getattr(inspect.unwrap(fn), "__code__", None) if callable(fn) else None
        if code is not None:
            files.add(os.path.abspath(code.co_filename))
    return files


def _where(exc: BaseException, row) -> str | None:
    """``FILE:LINE in FUNCTION`` of the frame to show for ``exc``: the deepest in the row's own
    source file (a user's check or strategy), else the deepest outside the standard library,
    installed packages and this package's plumbing; None when there is none."""
    frames = [(os.path.abspath(f.filename), f) for f in traceback.extract_tb(exc.__traceback__)]
    own = _row_files(row)
    picks = [f for path, f in frames if path in own] or [
        f for path, f in frames if path not in _PLUMBING and not path.startswith(_NOT_THE_PLACE)]
    if not picks:
        return None
    f = picks[-1]
    path = os.path.relpath(f.filename) if os.path.abspath(f.filename).startswith(os.getcwd() + os.sep) else f.filename
    return f"{path}:{f.lineno} in {f.name}"


def _error_text(exc: BaseException, row) -> str:
    """``Type: message`` of an exception a row raised, with the place it came from (:func:`_where`).
    An exception caused by Ctrl-C is not the row's: it is raised again as KeyboardInterrupt, so
    that the run stops as interrupted instead of reporting the row as an ERROR."""
    if caused_by_interrupt(exc):
        raise KeyboardInterrupt from exc
    where = _where(exc, row)
    return f"{type(exc).__name__}: {exc}" + (f" (at {where})" if where else "")


def _safe_check(stmt: Statement, inst) -> tuple[Check | None, str | None]:
    try:
        return as_check(stmt.check(inst), row=stmt.id, instance=inst), None
    except Exception as exc:  # noqa: BLE001 - any failure of the library on a valid instance is reported
        return None, _error_text(exc, stmt)


def _describe(inst, c: Check | None, err: str | None) -> dict:
    out: dict[str, Any] = {"instance": jsonable(inst), "instance_repr": pyrepr(inst)}
    if err is not None:
        out["exception"] = err
        return out
    w = c.worst
    out.update(part=w.name, relation=w.relation, lhs=w.lhs, rhs=w.rhs, slack=w.slack, tol=w.tol,
               parts=[{"name": p.name, "relation": p.relation, "lhs": p.lhs, "rhs": p.rhs,
                       "slack": p.slack, "tol": p.tol, "holds": p.holds} for p in c.parts])
    out.update(dict(c.detail))
    return jsonable(out)


def run_property(stmt: Statement, *, instances: int, seed: int) -> Outcome:
    """Run a property-based row (two seeded hypothesis passes, see the module docstring)."""
    t0 = time.perf_counter()
    s = derived_seed(seed, stmt.id)
    tally = {"n": 0, "viol": 0, "err": 0, "worst": math.inf, "worst_rel": math.inf, "first": None,
             "first_err": None}

    def count(inst):
        raise_if_interrupted()
        c, err = _safe_check(stmt, inst)
        tally["n"] += 1
        if err is not None:
            tally["err"] += 1
            if tally["first_err"] is None:
                tally["first_err"] = (inst, err)
            return
        _record(tally, c)
        if not c.holds:
            tally["viol"] += 1
            if tally["first"] is None:
                tally["first"] = inst
        m = c.worst.margin
        if math.isfinite(m):
            target(-m / (1.0 + abs(c.lhs if math.isfinite(c.lhs) else 0.0)
                         + abs(c.rhs if math.isfinite(c.rhs) else 0.0)), label="relative margin")

    try:
        with _history_free_generation():
            hyp_seed(s)(_settings(instances, shrink=False)(given(stmt.strategy)(count)))()
    except Exception as exc:  # noqa: BLE001 - e.g. an fdiv name that has not landed yet
        return _outcome(stmt, tally, None, t0, error=_error_text(exc, stmt))

    cx = None
    want = tally["viol"] > 0 or tally["err"] > 0 or stmt.expect == "refuted"
    if want:
        only_genuine = tally["viol"] > 0 or stmt.expect == "refuted"
        budget = max(instances, stmt.min_search or DEFAULT_MIN_SEARCH) if stmt.expect == "refuted" else instances
        found: list = []
        calls = [0]

        def hunt(inst):
            raise_if_interrupted()
            if found:
                calls[0] += 1
                if SHRINK_BUDGET is not None and calls[0] > SHRINK_BUDGET:  # budget spent: only the final replay still fails
                    if jsonable(inst) == jsonable(found[0]):
                        raise _Found
                    return
            c, err = _safe_check(stmt, inst)
            bad = (c is not None and not c.holds) if only_genuine else err is not None
            if bad:
                found[:] = [inst]
                raise _Found

        try:
            with _history_free_generation():
                hyp_seed(s)(_settings(budget, shrink=True)(given(stmt.strategy)(hunt)))()
        except _Found:
            pass
        except Exception as exc:  # noqa: BLE001 - e.g. hypothesis' Flaky after the shrink budget
            if not found or caused_by_interrupt(exc):
                return _outcome(stmt, tally, None, t0, error=f"shrinking failed: {_error_text(exc, stmt)}")
        if not found and only_genuine and tally["first"] is not None:
            found = [tally["first"]]  # the shrinking pass did not meet it again: report it unshrunk
        if found:
            c, err = _safe_check(stmt, found[0])
            cx = _describe(found[0], c, err)
            if stmt.expect == "refuted" and tally["viol"] == 0 and c is not None and not c.holds:
                tally["viol"] = 1  # found in the longer search, not among the counted instances
                _record(tally, c)
                cx["found_in"] = f"extended search (up to {budget} instances)"
        elif not only_genuine and tally["first_err"] is not None:  # an exception that did not recur
            cx = _describe(tally["first_err"][0], None, tally["first_err"][1] + " (did not recur on re-run)")
    return _outcome(stmt, tally, cx, t0)


def _outcome(stmt, tally, cx, t0, error=None) -> Outcome:
    seen = tally["n"] > tally["err"]
    return Outcome(id=stmt.id, title=stmt.title, kind=stmt.kind, expect=stmt.expect,
                   instances=tally["n"], violations=tally["viol"], errors=tally["err"],
                   worst_slack=tally["worst"] if seen else None,
                   worst_rel_slack=tally["worst_rel"] if seen else None, counterexample=cx,
                   seconds=time.perf_counter() - t0,
                   source=stmt.source, notes=stmt.notes, error=error, loose=stmt.loose)


def run_row(row: Statement | Derivation, *, instances: int, seed: int) -> Outcome:
    """Run one report row: a :class:`Statement` on generated instances, a :class:`Derivation`
    on its fixed cases (which ignore ``instances`` and ``seed``).

    Examples
    --------
    >>> import proofs_check
    >>> o = proofs_check.run_row(proofs_check.get("S12"), instances=5, seed=0)
    >>> o.id, o.verdict, o.violations
    ('S12', 'HOLDS', 0)
    """
    if not isinstance(row, (Statement, Derivation)):
        raise TypeError(f"`row` must be a Statement or a Derivation; got {row!r:.80}")
    if isinstance(instances, (bool, np.bool_)) or not isinstance(instances, numbers.Integral) or instances < 1:
        raise ValueError(f"`instances` must be an integer >= 1; got {instances!r:.80}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be an integer; got {seed!r:.80}")
    with interrupts_kept():  # a Ctrl-C that a library swallows still stops the row
        out = run_property(row, instances=instances, seed=seed) if isinstance(row, Statement) else run_cases(row)
        raise_if_interrupted()
    return out


def run_cases(row: Derivation) -> Outcome:
    """Run a fixed-case row: every case is one instance; the first failing one is reported."""
    t0 = time.perf_counter()
    tally = {"n": 0, "viol": 0, "err": 0, "worst": math.inf, "worst_rel": math.inf}
    cx = None
    try:
        for label, c in row.cases():
            raise_if_interrupted()
            c = as_check(c, row=row.id, instance=label)
            tally["n"] += 1
            _record(tally, c)
            if not c.holds:
                tally["viol"] += 1
                if cx is None:
                    cx = _describe(label, c, None)
    except Exception as exc:  # noqa: BLE001
        return _outcome(row, tally, cx, t0, error=_error_text(exc, row))
    return _outcome(row, tally, cx, t0)
