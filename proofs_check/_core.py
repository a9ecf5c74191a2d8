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
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from hypothesis.strategies import SearchStrategy

__all__ = ["Part", "Check", "Statement", "Derivation", "le", "ge", "eq", "truth", "check"]


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


def _f(x) -> float:
    return float(x)


def le(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs <= rhs`` within ``tol`` (see the module docstring for infinities).

    Examples
    --------
    >>> from proofs_check import le
    >>> le("inf <= inf", float("inf"), float("inf")).slack   # holds in the extended reals
    0.0
    """
    a, b = _f(lhs), _f(rhs)
    if math.isnan(a) or math.isnan(b):
        s = math.nan
    elif a == b:  # also both +inf or both -inf
        s = 0.0
    else:
        s = b - a
    return Part(name, "<=", a, b, s, float(tol))


def ge(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs >= rhs`` within ``tol`` (reported as written: ``slack = lhs - rhs``).

    Examples
    --------
    >>> from proofs_check import ge
    >>> p = ge("D >= 0", -1e-14, 0.0, tol=1e-12)
    >>> p.holds, p.slack < 0                      # within tolerance, slack reported as written
    (True, True)
    """
    p = le(name, rhs, lhs, tol)
    return Part(name, ">=", p.rhs, p.lhs, p.slack, p.tol)


def eq(name: str, lhs, rhs, tol: float = 0.0) -> Part:
    """Part for ``lhs == rhs`` within ``tol``: ``slack = -|lhs - rhs|``.

    Examples
    --------
    >>> from proofs_check import eq
    >>> eq("a = b", 1.0, 1.0 + 1e-13, tol=1e-12).holds, eq("a = b", 1.0, 1.1).holds
    (True, False)
    """
    a, b = _f(lhs), _f(rhs)
    if math.isnan(a) or math.isnan(b):
        s = math.nan
    elif a == b:
        s = 0.0
    else:
        s = -abs(a - b)
    return Part(name, "==", a, b, s, float(tol))


def truth(name: str, value: bool, lhs=math.nan, rhs=math.nan) -> Part:
    """Part for a logical condition (``slack`` 0 when true, -inf when false); ``lhs``/``rhs``
    carry the numbers that decided it, for the report.

    Examples
    --------
    >>> from proofs_check import truth
    >>> truth("lambda* = 1", True).slack, truth("lambda* = 1", False).slack
    (0.0, -inf)
    """
    return Part(name, "is", _f(lhs), _f(rhs), 0.0 if value else -math.inf, 0.0)


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
        ``check(instance) -> Check``.
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
