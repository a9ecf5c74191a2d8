"""Wasserstein-1 with huge support points or masses: the value is finite or +inf, never NaN.

Reference: the 1-D formula ``Σ |F_q − F_p| (x_{i+1} − x_i)`` in mpmath at 60 digits on the exact
float inputs (no overflow there), rounded to a float (+inf beyond DBL_MAX). ``RTOL = 1e-13``
for the CDF kernel (a few ulps of the terms; no cancellation in these cases) and ``LP_RTOL =
1e-9`` for the HiGHS LPs, which see the data scaled by powers of two (exact) and solve to
their feasibility tolerance relative to mass x diameter.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import fdiv
from tests.fdiv._wasserstein_reference import ref_wp_1d

RTOL = 1e-13
LP_RTOL = 1e-9
mp.mp.dps = 60
DBL_MAX = np.finfo(float).max


def ref_w1(q, p, x) -> float:
    tot = mp.mpf(0)
    F = mp.mpf(0)
    for i in range(len(x) - 1):
        F += mp.mpf(float(q[i])) - mp.mpf(float(p[i]))
        tot += abs(F) * (mp.mpf(float(x[i + 1])) - mp.mpf(float(x[i])))
    return math.inf if tot > DBL_MAX else float(tot)


def _cases():
    rng = np.random.default_rng(31)
    out = [
        ([1.0, 0.0], [0.0, 1.0], [-1e308, 1e308]),            # 2e308: +inf
        ([1e-300, 0.0], [0.0, 1e-300], [-1e308, 1e308]),      # finite: 2e8
        ([1e308, 0.0], [0.0, 1e308], [0.0, 10.0]),            # +inf
        ([1e308, 0.0], [0.0, 1e308], [0.0, 1e-300]),          # finite: 1e8
        ([1e308, 1e308, 0.0], [0.0, 1e308, 1e308], [0.0, 1.0, 2.0]),   # totals overflow: inf
        ([1e308, 1e308, 0.0], [0.0, 1e308, 1e308], [0.0, 1e-300, 2e-300]),  # finite, 4e8
        ([0.5, 0.5], [0.5, 0.5], [-DBL_MAX, DBL_MAX]),        # 0
    ]
    for _ in range(5):  # held-out: random huge magnitudes
        n = 5
        q = rng.random(n) * 10.0 ** rng.uniform(280, 307)
        p = rng.permutation(q)
        x = np.sort(rng.uniform(-1, 1, n)) * 10.0 ** rng.uniform(290, 308)
        out.append((q, p, x))
    return out


CASES = _cases()


@pytest.mark.parametrize("i", range(len(CASES)))
def test_wasserstein1_never_nan(i):
    q, p, x = CASES[i]
    got = fdiv.wasserstein1(q, p, x)
    want = ref_w1(q, p, x)
    assert not math.isnan(got)
    if want == math.inf:
        assert got == math.inf
    else:
        assert got == pytest.approx(want, rel=RTOL, abs=0)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_lp_and_dual_never_nan(i):
    q, p, x = CASES[i]
    want = ref_w1(q, p, x)
    for fn in (fdiv.wasserstein1_lp, fdiv.wasserstein1_dual):
        got = fn(q, p, x).value
        assert not math.isnan(got), fn.__name__
        if want == math.inf:
            assert got == math.inf, fn.__name__
        else:
            assert got == pytest.approx(want, rel=LP_RTOL, abs=0), fn.__name__


def test_lp_plan_keeps_marginals_at_huge_scale():
    q, p = [1e300, 2e300, 0.0], [0.0, 1e300, 2e300]
    res = fdiv.wasserstein1_lp(q, p, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(res.plan.sum(axis=1), q, rtol=1e-9)
    np.testing.assert_allclose(res.plan.sum(axis=0), p, rtol=1e-9)
    assert res.value == pytest.approx(3e300, rel=LP_RTOL)  # |F| = 1, 2 on unit gaps


def test_unequal_totals_still_rejected_when_sums_overflow():
    with pytest.raises(ValueError, match="equal total"):
        fdiv.wasserstein1([1e308, 1e308, 1e308], [1e308, 1e308, 0.0], [0.0, 1.0, 2.0])


# --- W_p on weighted points (fdiv.wasserstein) at extreme scales --------------------------------
# W_p scales exactly with the points (W_p(s x, s y) = s W_p(x, y)) and W_p^p linearly with the
# masses. Scaling by a power of two is exact in floating point, so the reference is the same
# call at scale 1 times the power of two; the results must match to rounding (below 1e-14
# relative), with W_p^p +inf or 0 exactly where it leaves the float range.


def _wp_case(dim):
    rng = np.random.default_rng(40 + dim)
    return np.full(5, 0.2), np.full(4, 0.25), rng.standard_normal((5, dim)), rng.standard_normal((4, dim))


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("order", [1, 2, 3.5])
@pytest.mark.parametrize("k", [700, 1000, -700, -1000])
def test_wasserstein_points_at_extreme_scales(dim, order, k):
    # Before: at 2^1000 the costs overflowed and POT reported the problem infeasible
    # (RuntimeError); at 2^-700 they underflowed to 0 and W_p came out 0.0.
    q, p, x, y = _wp_case(dim)
    ref = fdiv.wasserstein(q, p, x, y, order=order)
    got = fdiv.wasserstein(q, p, np.ldexp(x, k), np.ldexp(y, k), order=order)
    assert got.value == pytest.approx(math.ldexp(ref.value, k), rel=1e-14)
    with mp.workdps(30):
        exact_cost = mp.mpf(ref.cost) * mp.mpf(2) ** (k * order)
    expected = math.inf if exact_cost > DBL_MAX else float(exact_cost)
    assert got.cost == pytest.approx(expected, rel=1e-14) if 0 < expected < math.inf else got.cost == expected


@pytest.mark.parametrize("k", [1000, -1030])
def test_wasserstein_masses_at_extreme_scales(k):
    # Before: masses of 2^1000 made POT report the problem infeasible, and subnormal masses
    # (2^-1030 ~ 1e-310) crashed the interpreter inside POT's network simplex (SIGSEGV).
    q, p, x, y = _wp_case(2)
    ref = fdiv.wasserstein(q, p, x, y, order=2)
    got = fdiv.wasserstein(np.ldexp(q, k), np.ldexp(p, k), x, y, order=2)
    # subnormal masses keep 51 of 53 bits (0.2 * 2^-1030): 1e-15 relative, 2e-15 in the cost
    assert got.cost == pytest.approx(math.ldexp(ref.cost, k), rel=4e-15)
    assert got.value == pytest.approx(ref.value * 2.0 ** (k / 2), rel=4e-15)
    assert got.plan.sum() == pytest.approx(math.ldexp(1.0, k), rel=4e-15)


def test_zero_measures_have_zero_transport_cost():
    # Before: wasserstein1_lp of two zero measures raised "Problem infeasible" from POT.
    z = np.zeros(3)
    assert fdiv.wasserstein1_lp(z, z, [0.0, 1.0, 2.0]).value == 0.0
    assert fdiv.wasserstein1_dual(z, z, [0.0, 1.0, 2.0]).value == 0.0
    assert fdiv.wasserstein(z, z, [0.0, 1.0, 2.0]).value == 0.0


@pytest.mark.parametrize("order", [1, 2, 7.5, 50, 400, 1e4])
@pytest.mark.parametrize("gap", [1e-7, 1e-200, 0.75])
def test_large_orders_in_1d_move_mass_over_small_distances(order, gap):
    """W_p in 1-D at large orders where the transport is over distances far below the points'
    scale (points at -1 and 2 beside moves within a cluster of width ~gap at 0):
    ``|x - y|**order`` underflows, and ``W_50`` came out 0.0. Against the exact quantile
    coupling at RTOL; ``cost`` (W_p^p) is the correctly rounded float (0 below the range)."""
    rng = np.random.default_rng(int(order) + 3)
    x = np.array([-1.0, -2 * gap, 0.0, gap, 2.0])
    q = rng.dirichlet(np.ones(5))
    p = q.copy()
    p[1], p[2] = 0.25 * q[1], q[2] + 0.75 * q[1]  # mass moves within the cluster only
    p[3], p[2] = 0.5 * q[3], p[2] + 0.5 * q[3]
    got = fdiv.wasserstein(q, p, x, order=order)
    value, cost = ref_wp_1d(q, p, x, x, order)
    assert got.value == pytest.approx(float(value), rel=RTOL, abs=0)
    if cost < mp.mpf(2) ** -1075:
        assert got.cost == 0.0
    else:
        assert got.cost == pytest.approx(float(cost), rel=1e-12, abs=0)  # W_p^p: the order times the value's error


@pytest.mark.parametrize("order", [1, 2, 3.5])
@pytest.mark.parametrize("move", [1e-4, 1e-8, 1e-12])
def test_1d_wp_of_measures_that_nearly_agree(order, move):
    """W_p in 1-D between a measure and the same one with a fraction ``move`` of a few masses
    shifted to the next point: against the exact quantile coupling at RTOL. With cumulative
    sums in floats, prefix sums that are equal in exact arithmetic came out an ulp apart and the
    sliver between them paired far points: relative errors up to 3e-5 (move 1e-8) and 1.2
    (move 1e-12, order 3.5)."""
    rng = np.random.default_rng(17)
    for _ in range(5):
        x = np.sort(rng.uniform(0, 10, 40))
        q = rng.dirichlet(np.ones(40))
        p = q.copy()
        for i in rng.integers(0, 39, 3):
            a = q[i] * move * rng.uniform(0.01, 0.5)
            p[i] -= a
            p[i + 1] += a
        value, _ = ref_wp_1d(q, p, x, x, order)
        assert fdiv.wasserstein(q, p, x, order=order).value == pytest.approx(float(value), rel=RTOL, abs=0)


@pytest.mark.parametrize("order", [1, 2, 50, 1e4])
@pytest.mark.parametrize("d", [1e-200, 1e-3, 1e200])
@pytest.mark.parametrize("mass", [1.0, 1e-300])
def test_large_orders_in_2d_two_points(order, d, mass):
    """One pair of points in the plane: ``W_p = mass^(1/p) d`` for every order and scale
    (before, ``W_p`` was 0.0 from order 10,000 on at every distance: the cost of the only pair
    underflowed; now the distances are measured in units of the largest when that happens)."""
    got = fdiv.wasserstein([mass, 0.0], [0.0, mass], [[0.0, 0.0], [d, 0.0]], order=order)
    exact = mp.mpf(mass) ** (1 / mp.mpf(order)) * mp.mpf(d)
    assert got.value == pytest.approx(float(exact), rel=RTOL, abs=0)


def test_large_orders_in_2d_raise_where_the_costs_underflow():
    """In the plane, where the optimal plan moves mass over 1e-7 beside points at distance 1,
    ``|x - y|**order`` underflows from order 50 on even in units of the largest distance, so
    the cost is not determined in float64: a ValueError naming `order`, not 0.0 as before;
    order 30 is still exact."""
    q, p = [0.5, 0.5, 0.0], [0.5, 0.0, 0.5]
    pts = [[0.0, 0.0], [1.0, 0.0], [1.0 + 1e-7, 0.0]]
    gap = (1.0 + 1e-7) - 1.0
    for order in (50, 1e4):
        with pytest.raises(ValueError, match="`order`=.* is too large for these points"):
            fdiv.wasserstein(q, p, pts, order=order)
    assert fdiv.wasserstein(q, p, pts, order=30).value == pytest.approx(0.5 ** (1 / 30) * gap, rel=RTOL)
    assert fdiv.wasserstein(q, p, [0.0, 1.0, 1.0 + 1e-7], order=1e4).value == pytest.approx(
        float(mp.mpf(0.5) ** (mp.mpf(1) / 10000) * mp.mpf(gap)), rel=RTOL)  # 1-D: exact at any order
