"""The building blocks of proofs_check: slack conventions, the runner, the report helpers."""
import math
import sys
import time

import numpy as np
import pytest
from hypothesis import strategies as st

from proofs_check import Check, Derivation, Statement, check, eq, ge, le, truth
from proofs_check._lemmas import sqrt_sum_part
from proofs_check._runner import derived_seed, jsonable, run_row
from proofs_check.tolerances import rel_tol_sum, sum_tol


@pytest.mark.parametrize("a, b, slack", [(1.0, 2.0, 1.0), (2.0, 1.0, -1.0), (math.inf, math.inf, 0.0),
                                         (1.0, math.inf, math.inf), (math.inf, 1.0, -math.inf)])
def test_le_slack(a, b, slack):
    p = le("x", a, b)
    assert p.slack == slack
    assert p.holds == (slack >= 0)


def test_le_within_tolerance_and_nan():
    assert le("x", 1.0 + 1e-15, 1.0, tol=1e-14).holds
    assert not le("x", 1.0 + 1e-13, 1.0, tol=1e-14).holds
    assert not le("x", math.nan, 1.0, tol=1.0).holds
    assert not eq("x", math.nan, math.nan, tol=1.0).holds


def test_eq_and_ge_and_truth():
    assert eq("x", 2.0, 2.0).slack == 0.0
    assert eq("x", 1.0, 3.0).slack == -2.0
    assert eq("x", math.inf, math.inf).holds and not eq("x", math.inf, 1.0, tol=1e300).holds
    g = ge("x", 3.0, 1.0)
    assert g.holds and g.slack == 2.0 and g.lhs == 3.0 and g.relation == ">="
    assert truth("t", True).holds and not truth("t", False).holds


@pytest.mark.parametrize("tol", [math.inf, math.nan, -1e-12, True, "1e-9", None])
def test_a_tolerance_that_is_not_finite_and_nonnegative_is_an_error(tol):
    """An infinite tol made a part that cannot fail: ``eq("x", 1.0, inf, tol=inf)`` held (slack
    −inf >= −inf), as did any ``tol = rtol * |rhs|`` at rhs = inf; a NaN tol one that cannot
    hold, a negative one a sharper inequality than written."""
    for part in (le, ge, eq):
        with pytest.raises(ValueError, match=r"`tol` of part 'x' must be a finite real number >= 0"):
            part("x", 1.0, math.inf, tol)


@pytest.mark.parametrize("side", ["2.5", np.array([1.0, 2.0]), np.array([]), 1 + 2j, np.complex128(1.0), None,
                                  [1.0], (1.0,)])
def test_a_side_that_is_not_a_real_scalar_is_an_error(side):
    """A string was read as its number (le("x", "2.5", 1) failed as if 2.5 were computed), a
    NumPy complex lost its imaginary part with a warning, and an array raised float()'s
    message without the part's name."""
    for part in (le, ge, eq):
        with pytest.raises(ValueError, match=r"`lhs` of part 'x' must be a real number"):
            part("x", side, 1.0)
        with pytest.raises(ValueError, match=r"`rhs` of part 'x' must be a real number"):
            part("x", 1.0, side)


def test_sides_of_any_real_kind_are_accepted():
    import mpmath
    import sympy

    for v in (2, np.float32(2.0), np.int64(2), np.array(2.0), sympy.Rational(2), sympy.Float(2.0), mpmath.mpf(2)):
        assert le("x", v, 3.0).slack == 1.0 and eq("x", 2.0, v).slack == 0.0


@pytest.mark.parametrize("value", [math.nan, 1.0, 0, None, "yes", np.array([True, False]), [True]])
def test_truth_of_something_that_is_not_a_bool_is_an_error(value):
    """``truth("x", nan)`` held: a NaN is truthy. A number, a string, a container or an array
    of several booleans is not the outcome of one comparison."""
    with pytest.raises(ValueError, match=r"`value` of part 'x' must be a bool"):
        truth("x", value)


def test_truth_accepts_bools_of_every_kind_and_rejects_undecided_sympy_relations():
    import sympy

    x = sympy.Symbol("x")
    assert truth("x", np.bool_(True)).holds and truth("x", np.array(True)).holds
    assert truth("x", sympy.Integer(1) < 2).holds and not truth("x", sympy.Eq(sympy.Integer(1), 2)).holds
    with pytest.raises(ValueError, match=r"`value` of part 'x' must be a bool"):
        truth("x", x < 1)


def test_check_reports_worst_part():
    c = check(le("a", 0.0, 1.0), [le("b", 0.0, 0.5), eq("c", 1.0, 1.0)], note="x")
    assert c.holds and c.worst.name == "c" and c.detail == {"note": "x"}
    c = check(le("a", 0.0, 1.0), le("b", 2.0, 0.5))
    assert not c.holds and c.worst.name == "b" and c.lhs == 2.0 and c.rhs == 0.5 and c.slack == -1.5
    with pytest.raises(ValueError):
        Check(())


def test_sqrt_sum_part_rounding_below_zero():
    """A divergence computed as -1e-17 (round-off) counts as 0; far below 0 it fails."""
    assert sqrt_sum_part("x", 1.0, 1e-16, -1e-17, 1e-15, 1.0, 1e-16).holds
    assert not sqrt_sum_part("x", 1.0, 1e-16, -1e-3, 1e-15, 1.0, 1e-16).holds
    assert not sqrt_sum_part("x", 4.5, 1e-16, 1.0, 1e-16, 1.0, 1e-16).holds  # sqrt 4.5 > 1 + 1


def test_tolerances_scale():
    assert rel_tol_sum(10) == 10 * rel_tol_sum(1)
    assert sum_tol(4, 1.0, math.inf, 2.0) == pytest.approx(rel_tol_sum(4) * 3.0)


def test_jsonable_and_seed():
    doc = jsonable({"a": np.array([1.0, np.inf]), "b": (np.float64(-np.inf), np.nan, np.int64(3), np.bool_(True))})
    assert doc == {"a": [1.0, "inf"], "b": ["-inf", "nan", 3, True]}
    assert derived_seed(0, "S1") == derived_seed(0, "S1") != derived_seed(1, "S1") != derived_seed(0, "S2")


def _true_statement():
    return Statement("T-true", "x*x >= 0", "test", "x real", st.floats(-1e6, 1e6), lambda x: check(ge("x^2 >= 0", x * x, 0.0)))


def test_runner_holds_and_counts():
    o = run_row(_true_statement(), instances=25, seed=3)
    assert o.verdict == "HOLDS" and o.holds and o.ok and o.instances == 25 and o.violations == 0
    assert o.counterexample is None and o.worst_slack >= 0


def test_runner_refutes_with_shrunk_counterexample():
    s = Statement("T-false", "x < 10", "test", "x integer", st.integers(0, 1000),
                  lambda x: check(le("x <= 10", x, 10)), expect="refuted")
    o = run_row(s, instances=50, seed=0)
    assert o.verdict == "REFUTED" and o.ok and not o.holds
    assert o.counterexample["instance"] == 11  # hypothesis shrinks to the boundary
    assert o.counterexample["lhs"] == 11 and o.counterexample["slack"] == -1


def test_runner_reports_exceptions_and_missing_library():
    def boom(x):
        raise ValueError(f"bad {x}")

    o = run_row(Statement("T-err", "raises", "test", "-", st.integers(0, 5), boom), instances=10, seed=0)
    assert o.verdict == "ERROR" and o.errors == o.instances == 6  # 0..5: the space is exhausted
    assert "ValueError" in o.counterexample["exception"]
    o = run_row(Statement("T-missing", "strategy fails", "test", "-", st.deferred(lambda: 1 / 0), lambda x: None),
                instances=5, seed=0)
    assert o.verdict == "ERROR" and "ZeroDivisionError" in o.error and not o.ok


def test_false_statement_expected_to_hold_fails():
    s = Statement("T-fails", "x < 10", "test", "-", st.integers(0, 1000), lambda x: check(le("x <= 10", x, 10)))
    o = run_row(s, instances=60, seed=1)
    assert o.verdict == "FAILS" and o.violations > 0 and o.counterexample["instance"] == 11 and not o.ok


def test_seeded_run_does_not_depend_on_process_history():
    """Hypothesis draws constants from the local modules loaded so far; runs use none of them,
    so the same seed gives the same run in the CLI, a worker process or a notebook."""
    from hypothesis.internal.conjecture import providers

    from proofs_check._runner import _history_free_generation

    import gan_backend  # noqa: F401 - a local package full of literals
    assert len(providers._get_local_constants()) > 0
    with _history_free_generation():
        assert len(providers._get_local_constants()) == 0
    assert len(providers._get_local_constants()) > 0


def test_core_does_not_import_the_runner():
    """One-way dependency: _runner imports _core, never the reverse (no import circle)."""
    import ast
    import inspect

    import proofs_check._core as core

    tree = ast.parse(inspect.getsource(core))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in names if m.startswith("proofs_check")], names


def test_run_row_rejects_other_objects():
    with pytest.raises(TypeError, match="row"):
        run_row(object(), instances=1, seed=0)


@pytest.mark.parametrize("kw, needle", [({"instances": 0}, "`instances`"), ({"instances": -3}, "`instances`"),
                                        ({"instances": 2.5}, "`instances`"), ({"instances": True}, "`instances`"),
                                        ({"seed": "a"}, "`seed`"), ({"seed": 1.5}, "`seed`")])
def test_run_checks_instances_and_seed(kw, needle):
    """``run("S12", instances=0)`` reported HOLDS on one instance; a string seed raised int()'s
    message."""
    import proofs_check

    with pytest.raises(ValueError, match=needle):
        proofs_check.run("S12", **{"instances": 5, "seed": 0, **kw})


def _interrupted_import(_):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as ki:  # as CPython reports a Ctrl-C inside an extension's initialisation
        raise ImportError("initialization failed") from ki


@pytest.mark.parametrize("where", ["check", "strategy"])
def test_ctrl_c_inside_a_row_stops_the_run_instead_of_an_error_row(where):
    if where == "check":
        s = Statement("T-int", "-", "test", "-", st.integers(0, 5), _interrupted_import)
    else:
        s = Statement("T-int", "-", "test", "-", st.integers(0, 5).map(_interrupted_import), lambda x: True)
    with pytest.raises(KeyboardInterrupt):
        run_row(s, instances=5, seed=0)
    d = Derivation("T-int-d", "-", "test", "-", lambda: _interrupted_import(None))
    with pytest.raises(KeyboardInterrupt):
        run_row(d, instances=5, seed=0)


def test_a_ctrl_c_that_a_library_swallows_still_stops_the_row():
    """As hypothesis' garbage-collection callback does ("Exception ignored in ..."): the
    KeyboardInterrupt is dropped inside a library, yet the row must not finish as if no Ctrl-C
    had come."""
    import os
    import signal

    seen = []

    def swallowing(x):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs at a bytecode boundary of this loop
                time.sleep(0.001)
        except KeyboardInterrupt:
            seen.append(x)  # dropped, as a library would
        return True

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for row in (Statement("T-swallow", "-", "test", "-", st.integers(0, 5), swallowing),
                    Derivation("T-swallow-d", "-", "test", "-", lambda: ((str(i), swallowing(i)) for i in range(3)))):
            seen.clear()
            with pytest.raises(KeyboardInterrupt):
                run_row(row, instances=5, seed=0)
            assert len(seen) == 1  # stopped at the next instance, not at the end of the row
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is given back
        assert run_row(Statement("T-after", "-", "test", "-", st.integers(0, 5), lambda x: True),
                       instances=5, seed=0).verdict == "HOLDS"  # nothing pending afterwards
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_dropped_in_a_finaliser_stops_the_row_without_a_traceback():
    """Python drops a KeyboardInterrupt raised in ``__del__`` and prints "Exception ignored"
    with a traceback (as in hypothesis' gc callback): the row stops, and nothing is printed."""
    import gc
    import os
    import signal

    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs here, inside the finaliser
                time.sleep(0.001)

    def check_dropping_a_finaliser(x):
        Finalised()  # finalised at once: the Ctrl-C is raised inside __del__ and dropped
        gc.collect()
        return True

    reported = []  # what reaches the interpreter's hook (it prints "Exception ignored" and the traceback)
    previous, hook = signal.signal(signal.SIGINT, signal.default_int_handler), sys.unraisablehook
    sys.unraisablehook = reported.append
    try:
        with pytest.raises(KeyboardInterrupt):
            run_row(Statement("T-del", "-", "test", "-", st.integers(0, 5), check_dropping_a_finaliser),
                    instances=5, seed=0)
        assert sys.unraisablehook == reported.append  # given back
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook
    assert reported == [], [r.exc_value for r in reported]
