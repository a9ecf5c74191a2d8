"""W_1 and W_p on POT's network simplex (docs/theory.md §4, S20): the inputs that made the
former HiGHS transport LP report "infeasible", an independent LP, W_2 against the Gaussian
closed form, 5,000 points per side, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

import fdiv


def _independent_lp(q, p, x, y):
    """Transport LP by HiGHS: supply rows ``<= q``, demand columns ``>= p`` shrunk by 1e-13 so
    that the supply covers it whatever the rounding of the totals. HiGHS's presolve declares
    such instances (masses down to 1e-35) infeasible, so it is off; tolerances are at their
    tightest (1e-10) and masses scaled to a largest value of 1."""
    s = 1.0 / max(q.max(), p.max())
    q, p = q * s, p * s
    r, c = np.flatnonzero(q > 0), np.flatnonzero(p > 0)
    cost = cdist(x[r], y[c])
    nr, nc = r.size, c.size
    a = sp.vstack([sp.kron(sp.eye(nr), np.ones((1, nc))), -sp.kron(np.ones((1, nr)), sp.eye(nc))]).tocsr()
    b = np.concatenate([q[r], -p[c] * (q.sum() / p.sum()) * (1 - 1e-13)])
    res = linprog(cost.ravel(), A_ub=a, b_ub=b, bounds=(0, None), method="highs",
                  options=dict(presolve=False, primal_feasibility_tolerance=1e-10,
                               dual_feasibility_tolerance=1e-10))
    assert res.status == 0, res.message
    return res.fun / s


def _reported_1d():
    g = fdiv.Grid.regular(-8, 8, 40)
    p = fdiv.gaussian_mixture(g, [-2, 2.5], [0.6, 0.8], [0.4, 0.6]).normalized().mass
    q = fdiv.gaussian_mixture(g, [-2.2], [1.0], [1.0]).normalized().mass
    return q, p, g.points


def _reported_2d():
    g = fdiv.Grid.regular_2d(-8, 8, 20)
    p = fdiv.gaussian_mixture(g, [[-2, 0], [2.5, 1]], [0.6, 0.8], [0.4, 0.6]).normalized().mass.ravel()
    q = fdiv.gaussian_mixture(g, [[-2.2, 0.3]], [1.0], [1.0]).normalized().mass.ravel()
    return q, p, g.points


def test_reported_1d_input_is_solved_and_equals_cdf_formula_and_independent_lp():
    q, p, x = _reported_1d()
    res = fdiv.wasserstein1_lp(q, p, x)
    assert res.status == 0
    exact = fdiv.wasserstein1(q, p, x)
    assert abs(exact - 2.9) < 1e-6
    assert res.value == pytest.approx(exact, rel=1e-12, abs=0)
    assert res.value == pytest.approx(_independent_lp(q, p, x, x), rel=1e-9, abs=0)
    assert fdiv.wasserstein1_dual(q, p, x).value == pytest.approx(exact, rel=1e-9, abs=0)  # S20
    assert fdiv.wasserstein(q, p, x).value == pytest.approx(exact, rel=1e-12, abs=0)


def test_reported_2d_input_is_solved_and_equals_independent_lp():
    q, p, x = _reported_2d()
    res = fdiv.wasserstein1_lp(q, p, x)
    ref = _independent_lp(q, p, x, x)
    assert res.value == pytest.approx(ref, rel=1e-9, abs=0)
    np.testing.assert_allclose(res.plan.sum(axis=1), q, rtol=0, atol=1e-15)
    assert fdiv.wasserstein(q, p, x).value == pytest.approx(res.value, rel=1e-12, abs=0)
    assert fdiv.wasserstein1_dual(q, p, x).value == pytest.approx(res.value, rel=1e-7, abs=0)  # HiGHS 1e-7


def test_weighted_points_on_two_supports_equal_independent_lp():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(25, 3)) + 0.4
    q, p = rng.random(30), rng.random(25)
    q, p = q / q.sum(), p / p.sum() * 1.0
    p *= q.sum() / p.sum()
    res = fdiv.wasserstein(q, p, x, y)
    assert res.value == pytest.approx(_independent_lp(q, p, x, y), rel=1e-9, abs=0)
    assert res.plan.shape == (30, 25)


def test_w1_2d_grid_agrees_with_kr_dual():
    """S20 in 2-D through the public names: POT primal = HiGHS KR dual."""
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(12, 2))
    q, p = rng.random(12), rng.random(12)
    q, p = q / q.sum(), p / p.sum()
    assert fdiv.wasserstein1_lp(q, p, pts).value == pytest.approx(
        fdiv.wasserstein1_dual(q, p, pts).value, rel=1e-7)


def test_w2_of_gaussian_samples_matches_closed_form():
    """W_2^2(N(m1, S1), N(m2, S2)) = |m1 - m2|^2 + tr(S1 + S2 - 2 (S2^1/2 S1 S2^1/2)^1/2);
    the empirical W_2 of n-point samples is biased upwards by O(n^-1/2) in 2-D, so the check
    is a band (0.85, 1.25) around the closed form at n = 800, seeds fixed."""
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(11)
    m1, m2 = rng.uniform(-2, 2, 2), rng.uniform(-2, 2, 2)
    a, b = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    s1, s2 = a @ a.T + 0.5 * np.eye(2), b @ b.T + 0.5 * np.eye(2)
    r2 = sqrtm(s2).real
    w2 = math.sqrt(np.sum((m1 - m2) ** 2) + np.trace(s1 + s2 - 2 * sqrtm(r2 @ s1 @ r2).real))
    n = 800
    xs = rng.multivariate_normal(m1, s1, size=n)
    ys = rng.multivariate_normal(m2, s2, size=n)
    got = fdiv.wasserstein_samples(xs, ys, order=2).value
    assert 0.85 * w2 < got < 1.25 * w2 + 0.3, (got, w2)


def test_w2_in_1d_is_exact_quantile_formula():
    """1-D: the quantile formula; for equal-size samples W_p^p = mean |x_(i) - y_(i)|^p."""
    rng = np.random.default_rng(5)
    xs, ys = rng.normal(size=501), rng.normal(1.0, 2.0, size=501)
    want = np.mean(np.abs(np.sort(xs) - np.sort(ys)) ** 3) ** (1 / 3)
    assert fdiv.wasserstein_samples(xs, ys, order=3).value == pytest.approx(want, rel=1e-12)
    # and against POT's network simplex on the same points, as 2-D points with a zero column
    x2, y2 = np.c_[xs[:60], np.zeros(60)], np.c_[ys[:60], np.zeros(60)]
    assert fdiv.wasserstein_samples(xs[:60], ys[:60], order=2).value == pytest.approx(
        fdiv.wasserstein_samples(x2, y2, order=2).value, rel=1e-10)


@pytest.mark.slow
def test_five_thousand_points_per_side_run():
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=(5000, 2)), rng.normal(size=(5000, 2)) + [3.0, 4.0]
    res = fdiv.wasserstein_samples(xs, ys)
    assert 4.5 < res.value < 5.5 and res.plan.shape == (5000, 5000)


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: fdiv.wasserstein([0.5, 0.5], [1.0], [[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0, 0.0]]),
     r"same dimension.*\(2, 2\) and \(1, 3\)"),
    (lambda: fdiv.wasserstein([0.5, 0.5], [0.7], [[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0]]),
     r"equal total.*sum\(q\)=1\.0, sum\(p\)=0\.7"),
    (lambda: fdiv.wasserstein([0.5, 0.5], [1.0], [0.0, 1.0], [0.0], order=0.5), "`order`.*0.5"),
    (lambda: fdiv.wasserstein([0.5, 0.5], [1.0], [0.0, 1.0, 2.0], [0.0]), "`x`.*shape"),
    (lambda: fdiv.wasserstein([0.5, 0.5], [0.5, 0.5], [0.0, 1.0], [0.0]), "`y`.*shape"),
    (lambda: fdiv.wasserstein([0.5, -0.5], [0.5, 0.5], [0.0, 1.0]), "`q`.*-0.5"),
    (lambda: fdiv.wasserstein1_lp([0.5, 0.5], [0.5, 0.2], [0.0, 1.0]), r"sum\(q\)=1\.0, sum\(p\)=0\.7"),
    (lambda: fdiv.wasserstein_samples(np.zeros((3, 2)), np.zeros((0, 2))), "at least one point"),
])
def test_bad_input_names_parameter_and_values(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()
