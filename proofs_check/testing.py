"""Report rows as ordinary pytest tests.

>>> from proofs_check.testing import as_test
>>> callable(as_test)
True

``test_mine = as_test(MY_STATEMENT)`` in a test module gives pytest a test that runs the row's
check through hypothesis' ``@given`` on the row's strategy: the hypothesis settings profile in
force (``max_examples`` aside, which is ``instances``), its example database and its shrinking
behave as in any hypothesis test, except the per-example ``deadline``, which is off (the first
call of a check compiles fdiv's numba kernels and would miss any deadline once).
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable

from hypothesis import given, settings

from proofs_check._core import Check, Derivation, Statement, as_check
from proofs_check._pyrepr import pyrepr

__all__ = ["as_test", "failure_message"]


def _num(v: float) -> str:
    return repr(float(v))


def failure_message(row: Statement | Derivation, instance, c: Check) -> str:
    """The message of a violated row: the row, the violated parts with both sides, slack and
    tolerance, and the instance as Python source (``np.array([...])``, pasteable).

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> from proofs_check import Statement, check, le
    >>> from proofs_check.testing import failure_message
    >>> row = Statement("U1", "x <= 10", "-", "-", st.integers(), lambda v: check(le("x <= 10", v, 10)))
    >>> print(failure_message(row, 11, row.check(11)))
    row 'U1' (x <= 10) is violated:
      x <= 10: lhs = 11.0, rhs = 10.0, slack = -1.0 (tol 0.0)
    instance = 11
    """
    bad = [p for p in c.parts if not p.holds] or [c.worst]
    lines = [f"row {row.id!r} ({row.title}) is violated:"]
    lines += [f"  {p.name}: lhs = {_num(p.lhs)}, rhs = {_num(p.rhs)}, slack = {_num(p.slack)} (tol {_num(p.tol)})"
              for p in bad]
    lines.append(f"instance = {pyrepr(instance)}")
    return "\n".join(lines)


def _name(row_id: str) -> str:
    return "test_" + re.sub(r"\W", "_", row_id)


def _digest(row) -> bytes:
    """Distinguishes rows in hypothesis' example database (the wrapper's source is shared)."""
    fn = getattr(row, "check", None) or getattr(row, "cases", None)
    where = f"{row.id}|{getattr(fn, '__module__', '')}|{getattr(fn, '__qualname__', '')}"
    return hashlib.sha256(where.encode()).digest()


def as_test(statement: Statement | Derivation, *, instances: int = 100) -> Callable[[], None]:
    """A function pytest collects as an ordinary test of ``statement``.

    - ``expect == "holds"``: a hypothesis test (``@given(statement.strategy)``, ``max_examples =
      instances``) whose body checks one instance; a violation fails it with
      :func:`failure_message` (the row, both sides, the slack, the instance), and hypothesis
      shrinks the instance first and prints its own "Falsifying example" as usual.
    - ``expect == "refuted"``: the test searches ``max(instances, statement.min_search)``
      instances through ``@given`` and passes at the first counterexample; it fails, saying
      so, when none is found.
    - a :class:`~proofs_check.Derivation`: its fixed cases, the first failing one fails the
      test (``expect == "refuted"``: the test fails when every case holds).

    A check returning something other than a :class:`~proofs_check.Check` or a ``bool`` fails
    with a ``TypeError`` naming the row, the instance and the value; an exception of the check
    propagates (hypothesis shrinks it like any failure). Settings other than ``max_examples``
    and ``deadline`` (off: a first call may compile numba kernels) come from the active
    hypothesis profile; the example database is keyed per row.

    Parameters
    ----------
    statement : Statement or Derivation
    instances : int
        Examples per run (positive).

    Examples
    --------
    In a test module, ``test_square = as_test(ROW)`` is collected by pytest; calling the
    function runs it:

    >>> from hypothesis import strategies as st
    >>> from proofs_check import Statement, check, le
    >>> from proofs_check.testing import as_test
    >>> row = Statement("U-small", "x <= 10", "-", "-", st.integers(0, 100), lambda v: check(le("x <= 10", v, 10)))
    >>> test_small = as_test(row, instances=50)
    >>> test_small.__name__
    'test_U_small'
    >>> try:
    ...     test_small()
    ... except AssertionError as exc:
    ...     print(str(exc).splitlines()[-1])
    instance = 11
    """
    if not isinstance(statement, (Statement, Derivation)):
        raise ValueError(f"`statement` must be a proofs_check Statement or Derivation; got {statement!r:.80}")
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 1:
        raise ValueError(f"`instances` must be a positive integer; got {instances!r}")
    row = statement
    if isinstance(row, Derivation):
        test = _derivation_test(row)
    elif row.expect == "holds":
        def body(instance):
            c = as_check(row.check(instance), row=row.id, instance=instance)
            if not c.holds:
                raise AssertionError(failure_message(row, instance, c))

        body._hypothesis_internal_add_digest = _digest(row)
        body.__name__ = body.__qualname__ = _name(row.id)  # hypothesis' "Falsifying example: test_...(...)"
        test = settings(max_examples=instances, deadline=None)(given(row.strategy)(body))
    else:
        test = _refutation_test(row, max(instances, row.min_search))
    test.__name__ = test.__qualname__ = _name(row.id)
    test.__doc__ = f"{row.id}: {row.title} (expect {row.expect}; proofs_check.testing.as_test)"
    return test


class _Refuted(Exception):
    """Raised inside the search at the first counterexample (hypothesis then shrinks it)."""


def _refutation_test(row: Statement, n: int) -> Callable[[], None]:
    def search(instance):
        c = as_check(row.check(instance), row=row.id, instance=instance)
        if not c.holds:
            raise _Refuted(failure_message(row, instance, c))

    search._hypothesis_internal_add_digest = _digest(row)
    searching = settings(max_examples=n, deadline=None)(given(row.strategy)(search))

    def test():
        try:
            searching()
        except _Refuted:
            return
        raise AssertionError(f"row {row.id!r} ({row.title}) is a known-false variant, but no counterexample was "
                             f"found in {n} instances")

    return test


def _derivation_test(row: Derivation) -> Callable[[], None]:
    def test():
        bad = None
        for label, c in row.cases():
            c = as_check(c, row=row.id, instance=label)
            if not c.holds and bad is None:
                bad = (label, c)
        if row.expect == "holds" and bad is not None:
            raise AssertionError(failure_message(row, bad[0], bad[1]))
        if row.expect == "refuted" and bad is None:
            raise AssertionError(f"row {row.id!r} ({row.title}) is a known-false variant, but every case holds")

    return test
