"""proofs_check: every statement S1-S20 of docs/theory.md checked numerically and symbolically.

Run ``python -m proofs_check`` for the report. Programmatic use::

    >>> import proofs_check
    >>> s12 = proofs_check.get("S12")
    >>> s12.id, s12.expect
    ('S12', 'holds')
    >>> outcome = proofs_check.run_row(s12, instances=20, seed=1)   # doctest: +SKIP
    >>> outcome.verdict                                     # doctest: +SKIP
    'HOLDS'

Statements (:class:`Statement`) carry a hypothesis strategy that constructs instances satisfying
their assumptions (public in :mod:`proofs_check.strategies`) and a check returning both sides
of the (in)equality and the slack; known-false variants (``expect == "refuted"``) must be
refuted by a counterexample; :class:`Derivation` rows are symbolic (:mod:`proofs_check.symbolic`)
or grid demonstrations (:mod:`proofs_check.demos`).
"""
from proofs_check import strategies
from proofs_check._core import Check, Derivation, Part, Statement, as_check, check, eq, ge, le, truth
from proofs_check._plugins import PluginError, statement
from proofs_check._registry import get, rows, select
from proofs_check._report import summary, table
from proofs_check._runner import Outcome, run_row

__all__ = ["Statement", "Derivation", "Check", "Part", "Outcome", "check", "as_check", "eq", "ge", "le", "truth",
           "rows", "get", "select", "run", "run_row", "strategies", "table", "summary", "statement", "PluginError"]


def run(ids: str | None = None, *, instances: int = 200, seed: int = 0) -> list[Outcome]:
    """Run the rows selected by ``ids`` (comma-separated; all when None) and return outcomes.

    Examples
    --------
    >>> import proofs_check
    >>> [(o.id, o.verdict) for o in proofs_check.run("S1-gan,S1-log_trick", instances=5)]
    [('S1-gan', 'REFUTED'), ('S1-log_trick', 'REFUTED')]
    """
    return [run_row(r, instances=instances, seed=seed) for r in select(ids)]
