"""The objects of a proof check: a numerical comparison (:class:`Part`), the verdict on one
instance (:class:`Check`), and the two kinds of report rows (:class:`Statement`, checked on
generated instances, and :class:`Derivation`, a fixed list of symbolic or grid cases). Rows
are plain data; :func:`proofs_check._runner.run_row` runs them (this module imports nothing
from the runner).

Slack convention (one for the whole package): a part compares ``lhs`` with ``rhs``;
``slack >= -tol`` means it holds.

- inequality ``lhs <= rhs``: ``slack = rhs - lhs`` (``+inf`` when ``rhs = +inf``, ``0`` when both
  sides are the same infinity, ``-inf`` when only ``lhs`` is ``+inf``);
- equality ``lhs == rhs``: ``slack = -|lhs - rhs|`` (0 when both are the same infinity);
- a NaN anywhere gives ``slack = nan``, which never holds.

The sides are real scalars of any kind (Python, NumPy, sympy, mpmath) and ``tol`` is finite and
``>= 0`` (an infinite one would make a part that cannot fail); anything else raises
``ValueError`` naming the part and the argument, as does a :func:`truth` value that is not a bool.
"""
from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np
from hypothesis.strategies import SearchStrategy

__all__ = ["Part", "Check", "Statement", "Derivation", "le", "ge", "eq", "truth", "check", "as_check",
           "ID_PATTERN", "EXPECT"]

ID_PATTERN = r"[A-Za-z][A-Za-z0-9_.]*(-[A-Za-z0-9_.]+)*"
"""Row ids: a letter, then letters, digits, ``_`` and ``.``, in ``-``-separated groups (``S11-kl``,
``U1``, ``dpi-markov``). ``--only S11`` also selects ``S11-kl``: the groups make that prefix rule exact."""

EXPECT = ("holds", "refuted")
"""The values of ``expect``: the row must hold on every instance, or (a known-false variant) be refuted."""


@dataclass(frozen=True)
class Part:
    """One comparison ``lhs (relation) rhs`` with its slack and tolerance.

    Examples
    --------
    >>> from proofs_check import le
    >>> p = le("lhs <= rhs", 1.0, 1.5)
    >>> p.relation, p.slack, p.holds
    ('<=', 0.5, True)
    """

    name: str
    relation: str  # "<=", "==" or "is"
    lhs: float
    rhs: float
    slack: float
    tol: float

    @property
    def holds(self) -> bool:
        return not math.isnan(self.slack) and self.slack >= -self.tol

    @property
    def margin(self) -> float:
        """``slack + tol``: the distance to a violation (nan counts as the worst)."""
        return -math.inf if math.isnan(self.slack) else self.slack + self.tol


_NOT_A_NUMBER = (str, bytes, list, tuple, dict, set)


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    text = repr(x)
    return text if len(text) <= 80 else f"a {type(x).__name__}"


def _f(x, side: str = "lhs", name: str = "?") -> float:
    """``x`` (a side of part ``name``) as a float: a real number of any kind (Python, NumPy,
    sympy, mpmath) or a 0-d array; a string, a complex number, a container or an array of
    one or more dimensions raises ``ValueError`` naming the part and the side."""
    bad = (x is None or isinstance(x, _NOT_A_NUMBER) or (isinstance(x, np.ndarray) and x.ndim > 0)
           or (isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real)))
    if not bad:
        try:
            return float(x)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"`{side}` of part {name!r} must be a real number (a scalar; for an array, one "
                     f"element or a reduction such as max); got {_describe(x)}")


def _tol(tol, name: str) -> float:
    """``tol`` of part ``name``: a finite real ``>= 0`` (an infinite one would make a part that
    cannot fail, a NaN one a part that cannot hold)."""
    t = math.nan
    if not isinstance(tol, (bool, np.bool_)):
        try:
            t = _f(tol, "tol", name)
        except ValueError:
            pass
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"`tol` of part {name!r} must be a finite real number >= 0; got {_describe(tol)}")
    return t


def _truth_value(value, name: str) -> bool:
    """``value`` of a :func:`truth` part: a bool (Python, NumPy, 0-d bool array) or an object
    with a decided truth value (sympy's ``true``/``false``); a number (a NaN would count as
    true), a container or an undecided sympy relation raises ``ValueError``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype == bool:
        return bool(value)
    if not (value is None or isinstance(value, (numbers.Number, np.ndarray) + _NOT_A_NUMBER)):
        try:
            return bool(value)
        except TypeError:  # e.g. a sympy relation with free symbols
            pass
    raise ValueError(f"`value` of part {name!r} must be a bool (the result of a comparison); got "
                     f"{_describe(value)}")


def le(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs <= rhs`` within ``tol`` (see the module docstring for infinities).

    Examples
    --------
    >>> from proofs_check import le
    >>> le("inf <= inf", float("inf"), float("inf")).slack   # holds in the extended reals
    0.0
    """
    a, b = _f(lhs, "lhs", name), _f(rhs, "rhs", name)
    return Part(name, "<=", a, b, _le_slack(a, b), _tol(tol, name))


def _le_slack(a: float, b: float) -> float:
    """``b - a``, 0 when both are the same infinity, NaN when either is."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return 0.0 if a == b else b - a


def ge(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs >= rhs`` within ``tol`` (reported as written: ``slack = lhs - rhs``).

    Examples
    --------
    >>> from proofs_check import ge
    >>> p = ge("D >= 0", -1e-14, 0.0, tol=1e-12)
    >>> p.holds, p.slack < 0                      # within tolerance, slack reported as written
    (True, True)
    """
    a, b = _f(lhs, "lhs", name), _f(rhs, "rhs", name)
    return Part(name, ">=", a, b, _le_slack(b, a), _tol(tol, name))


def eq(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs == rhs`` within ``tol``: ``slack = -|lhs - rhs|``.

    Examples
    --------
    >>> from proofs_check import eq
    >>> eq("a = b", 1.0, 1.0 + 1e-13, tol=1e-12).holds, eq("a = b", 1.0, 1.1).holds
    (True, False)
    """
    a, b = _f(lhs, "lhs", name), _f(rhs, "rhs", name)
    t = _tol(tol, name)
    if math.isnan(a) or math.isnan(b):
        s = math.nan
    elif a == b:
        s = 0.0
    else:
        s = -abs(a - b)
    return Part(name, "==", a, b, s, t)


def truth(name: str, value: bool, lhs=math.nan, rhs=math.nan) -> Part:
    """Part for a logical condition (``slack`` 0 when true, -inf when false); ``lhs``/``rhs``
    carry the numbers that decided it, for the report.

    Examples
    --------
    >>> from proofs_check import truth
    >>> truth("lambda* = 1", True).slack, truth("lambda* = 1", False).slack
    (0.0, -inf)
    """
    ok = _truth_value(value, name)
    return Part(name, "is", _f(lhs, "lhs", name), _f(rhs, "rhs", name), 0.0 if ok else -math.inf, 0.0)


@dataclass(frozen=True)
class Check:
    """The verdict on one instance: every part must hold.

    ``lhs``, ``rhs``, ``slack`` and ``tol`` are those of the worst part (smallest margin);
    ``detail`` carries extra numbers for the report (plain floats, strings, lists).

    Examples
    --------
    >>> from proofs_check import check, ge, le
    >>> c = check(ge("D >= 0", 0.25, 0.0), le("D <= 2", 0.25, 2.0), n=3)
    >>> c.holds, c.slack, c.detail["n"]             # the worst part decides the slack
    (True, 0.25, 3)
    """

    parts: tuple[Part, ...]
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not self.parts:
            raise ValueError("`parts` must not be empty")

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.parts)

    @property
    def worst(self) -> Part:
        return min(self.parts, key=lambda p: p.margin)

    @property
    def lhs(self) -> float:
        return self.worst.lhs

    @property
    def rhs(self) -> float:
        return self.worst.rhs

    @property
    def slack(self) -> float:
        return self.worst.slack

    @property
    def tol(self) -> float:
        return self.worst.tol


def check(*parts: Part | Iterable[Part], **detail) -> Check:
    """Build a :class:`Check` from parts (or iterables of parts) and keyword details.

    Examples
    --------
    >>> from proofs_check import check, eq
    >>> check(eq("f(1) = 0", 0.0, 0.0), [eq("f0(1) = 0", 1e-17, 0.0, tol=1e-15)]).holds
    True
    """
    flat: list[Part] = []
    for p in parts:
        flat.extend([p] if isinstance(p, Part) else p)
    return Check(tuple(flat), detail)


def as_check(value, *, row: str = "?", instance=None) -> Check:
    """What a row's check returned, as a :class:`Check`.

    A :class:`Check` is returned as is; a bare ``bool`` (Python or NumPy) is accepted as a
    shorthand for ``check(truth("check returned True/False", value))`` (no sides, no slack: a
    violation is then reported without numbers). Anything else raises ``TypeError`` naming the
    row, the instance and what came back.

    Examples
    --------
    >>> from proofs_check import as_check
    >>> as_check(True).holds, as_check(False).holds
    (True, False)
    >>> as_check(0.5, row="U1", instance=3)
    Traceback (most recent call last):
    ...
    TypeError: row 'U1': the check returned 0.5 (float) on instance 3; it must return a proofs_check.Check (build one with check(le(...), ...)) or a bool
    """
    if isinstance(value, Check):
        return value
    if isinstance(value, (bool, np.bool_)):
        return Check((truth(f"check returned {bool(value)}", bool(value)),), {})
    shown = repr(value)
    shown = shown if len(shown) <= 200 else shown[:197] + "..."
    inst = repr(instance)
    inst = inst if len(inst) <= 300 else inst[:297] + "..."
    raise TypeError(f"row {row!r}: the check returned {shown} ({type(value).__name__}) on instance {inst}; it must "
                    "return a proofs_check.Check (build one with check(le(...), ...)) or a bool")


def _validate_row(row, call_field: str) -> None:
    """Field checks shared by :class:`Statement` and :class:`Derivation` (ValueError naming the
    field and the value)."""
    if not isinstance(row.id, str) or not re.fullmatch(ID_PATTERN, row.id):
        raise ValueError(f"`id` must be a string matching {ID_PATTERN} (e.g. 'U1', 'dpi-markov'); got {row.id!r}")
    if row.expect not in EXPECT:
        raise ValueError(f"`expect` must be one of {EXPECT}; got {row.expect!r} (row {row.id!r})")
    for name in ("title", "source", "assumptions", "notes", "kind", "loose"):
        if not isinstance(getattr(row, name), str):
            raise ValueError(f"`{name}` must be a string; got {getattr(row, name)!r} (row {row.id!r})")
    if not row.title.strip():
        raise ValueError(f"`title` must not be empty; got {row.title!r} (row {row.id!r})")
    if not callable(getattr(row, call_field)):
        raise ValueError(f"`{call_field}` must be callable; got {getattr(row, call_field)!r:.80} (row {row.id!r})")


@dataclass(frozen=True)
class Statement:
    """A statement checked on instances generated by a hypothesis strategy.

    Attributes
    ----------
    id : str
        ``"S1"`` .. ``"S20"`` (docs/theory.md), or ``"S11-kl"``-style for known-false variants and
        ``"S11-triangle"``-style for supporting statements.
    title, source, assumptions : str
        What is claimed, where (slides / paper), under which assumptions.
    strategy : SearchStrategy
        Constructs instances that satisfy the assumptions (no heavy filtering).
    check : callable
        ``check(instance) -> Check`` (or a ``bool``, the shorthand of :func:`as_check`; anything
        else makes that instance an error naming the row, the instance and the value).
    expect : {"holds", "refuted"}
        ``"refuted"`` for a known-false variant: the run must find a counterexample.
    notes : str
        How the check reads the statement, what it cross-checks.
    loose : str
        Where the slides are loose or inconsistent on this point (printed under the table).

    Examples
    --------
    >>> import proofs_check
    >>> s1 = proofs_check.get("S1")
    >>> s1.id, s1.expect, type(s1).__name__
    ('S1', 'holds', 'Statement')
    >>> proofs_check.run_row(s1, instances=5, seed=0).verdict
    'HOLDS'
    """

    id: str
    title: str
    source: str
    assumptions: str
    strategy: SearchStrategy
    check: Callable[[Any], Check]
    expect: str = "holds"
    notes: str = ""
    kind: str = "property"
    min_search: int = 0  # a refuted variant searches at least this many instances
    loose: str = ""

    def __post_init__(self):
        _validate_row(self, "check")
        if not isinstance(self.strategy, SearchStrategy):
            raise ValueError(f"`strategy` must be a hypothesis SearchStrategy (e.g. st.integers(), a "
                             f"proofs_check.strategies function called); got {self.strategy!r:.80} (row {self.id!r})")
        if isinstance(self.min_search, bool) or not isinstance(self.min_search, (int, np.integer)) \
                or not 0 <= self.min_search <= 10**6:
            raise ValueError(f"`min_search` must be an integer in [0, 1000000]; got {self.min_search!r} (row {self.id!r})")


@dataclass(frozen=True)
class Derivation:
    """A fixed list of cases (symbolic identities, grid demonstrations).

    ``cases()`` yields ``(label, Check)`` pairs; it does not depend on the instance count or
    the seed (symbolic results are exact, grid demonstrations are deterministic).

    Examples
    --------
    >>> import proofs_check
    >>> d = proofs_check.get("S8-sym")
    >>> type(d).__name__, d.kind, d.expect
    ('Derivation', 'symbolic', 'holds')
    """

    id: str
    title: str
    source: str
    assumptions: str
    cases: Callable[[], Iterable[tuple[str, Check]]]
    expect: str = "holds"
    notes: str = ""
    kind: str = "symbolic"
    loose: str = ""

    def __post_init__(self):
        _validate_row(self, "cases")
