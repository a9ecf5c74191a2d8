"""Every report row of proofs_check inside the test suite (``pytest -k S12`` runs S12).

- statements expected to hold run under hypothesis with the active profile (``ci``: derandomised,
  60 examples), the check asserting on every instance;
- known-false variants must be refuted with a counterexample carrying its numbers;
- symbolic derivations and the S9 grid demonstration must hold case by case.
"""

import pytest
from hypothesis import given, settings

import proofs_check
from proofs_check import Derivation, Statement
import proofs_check._runner as runner

ROWS = proofs_check.rows()
HOLDING = [r for r in ROWS if isinstance(r, Statement) and r.expect == "holds"]
REFUTED = [r for r in ROWS if r.expect == "refuted"]
DERIVED = [r for r in ROWS if isinstance(r, Derivation)]


def _ids(rows):
    return [r.id for r in rows]


@pytest.mark.parametrize("stmt", HOLDING, ids=_ids(HOLDING))
def test_statement_holds(stmt):
    """Each theorem check holds on every generated instance (its docstring: the row's title)."""

    @given(stmt.strategy)
    def prop(instance):
        c = stmt.check(instance)
        assert c.holds, f"{stmt.id}: {c.worst} on {runner.jsonable(instance)}"

    prop()


@pytest.fixture
def quick_shrink(monkeypatch):
    monkeypatch.setattr(runner, "SHRINK_BUDGET", 25)  # the counterexample need not be minimal here


@pytest.mark.parametrize("stmt", REFUTED, ids=_ids(REFUTED))
def test_known_false_variant_is_refuted(stmt, quick_shrink):
    n = min(settings.default.max_examples, 30)
    o = runner.run_row(stmt, instances=n, seed=0)
    assert o.verdict == "REFUTED", (o.verdict, o.error, o.counterexample)
    cx = o.counterexample
    assert cx is not None and "instance" in cx and "exception" not in cx
    assert cx["slack"] == "-inf" or cx["slack"] < -cx["tol"]
    assert any(not p["holds"] for p in cx["parts"])


@pytest.mark.parametrize("row", DERIVED, ids=_ids(DERIVED))
def test_derivation_holds(row):
    o = runner.run_row(row, instances=1, seed=0)
    assert o.error is None, o.error
    assert o.verdict == "HOLDS", o.counterexample
    assert o.instances > 0


def test_every_theory_statement_is_present():
    ids = {r.id for r in ROWS}
    assert {f"S{k}" for k in range(1, 21)} <= ids
    assert {"S11-kl", "S11-pearson_chi2", "S13-not-abs-cont", "S14-no-assumption"} <= ids
    assert {"S7-sym", "S8-sym", "S9-sym", "S9-demo"} <= ids
    for name in proofs_check.symbolic.GENERATORS:
        assert f"S6-sym-{name}" in ids


def test_rows_are_documented():
    for r in ROWS:
        assert r.title and r.source and r.assumptions, r.id
        assert r.expect in ("holds", "refuted")
