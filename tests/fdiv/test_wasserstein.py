"""fdiv.wasserstein1 (1-D CDF formula) and the transport LPs (THEORY §4, S19, S20)."""
import math
from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdiv
from fdiv import wasserstein1, wasserstein1_dual, wasserstein1_lp
from fdiv._wasserstein import HIGHS_FEASIBILITY_TOL
from tests.fdiv._wasserstein_reference import ref_wp_1d

RTOL = 1e-13


def lp_atol(points, total=1.0):
    """LP values are exact up to HiGHS's feasibility tolerance, times the mass moved and the diameter."""
    pts = np.asarray(points, dtype=float).reshape(len(points), -1)
    diam = max(np.ptp(pts, axis=0).max(), 1.0)
    return 10 * HIGHS_FEASIBILITY_TOL * total * diam


def mp_w1(q, p, x):
    """Independent reference: sum |F_q - F_p| dx in exact (400-bit) arithmetic from the binary inputs."""
    with mp.workprec(400):
        F, tot = mp.mpf(0), mp.mpf(0)
        for i in range(len(x) - 1):
            F += mp.mpf(q[i]) - mp.mpf(p[i])
            tot += abs(F) * (mp.mpf(x[i + 1]) - mp.mpf(x[i]))
        return tot


@st.composite
def instance_1d(draw, k=2, max_n=12):
    """k probability vectors (built normalised, zeros allowed) on a sorted support of dyadic points."""
    n = draw(st.integers(1, max_n))
    ints = draw(st.lists(st.integers(-10**4, 10**4), min_size=n, max_size=n, unique=True))
    x = np.sort(np.array(ints, dtype=float)) / 8.0
    ms = []
    for _ in range(k):
        a = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=float)
        a[draw(st.integers(0, n - 1))] += 1.0  # never all zero
        ms.append(a / a.sum())
    return x, ms


@st.composite
def instance_2d(draw, max_n=8):
    n = draw(st.integers(1, max_n))
    pts = np.array(draw(st.lists(st.tuples(st.integers(-40, 40), st.integers(-40, 40)),
                                 min_size=n, max_size=n, unique=True)), dtype=float) / 4.0
    ms = []
    for _ in range(2):
        a = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), dtype=float)
        a[draw(st.integers(0, n - 1))] += 1.0
        ms.append(a / a.sum())
    return pts, ms


def test_dirac_example():
    """S19 flavour: W_1(delta_0, delta_theta) = |theta|, exactly."""
    assert wasserstein1([1.0, 0.0], [0.0, 1.0], [0.0, 2.5]) == 2.5
    assert wasserstein1([0.0, 1.0], [1.0, 0.0], [-0.3, 0.0]) == 0.3


@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda t: t != 0))
def test_s19_dirac_times_uniform_lp(theta):
    """S19: W_1(delta_0 x U[0,1], delta_theta x U[0,1]) = |theta| (uniform on m grid points)."""
    m = 5
    u = (np.arange(m) + 0.5) / m
    pts = np.concatenate([np.c_[np.zeros(m), u], np.c_[np.full(m, theta), u]])
    q, p = np.r_[np.full(m, 1 / m), np.zeros(m)], np.r_[np.zeros(m), np.full(m, 1 / m)]
    res = wasserstein1_lp(q, p, pts)
    np.testing.assert_allclose(res.value, abs(theta), rtol=1e-12, atol=lp_atol(pts))
    np.testing.assert_allclose(wasserstein1_dual(q, p, pts).value, abs(theta), rtol=1e-12, atol=lp_atol(pts))
    x = np.sort([0.0, theta])
    assert wasserstein1(*(([1.0, 0.0], [0.0, 1.0]) if theta > 0 else ([0.0, 1.0], [1.0, 0.0])), x) == abs(theta)


@given(instance_1d())
def test_matches_exact_reference(inst):
    x, (q, p) = inst
    np.testing.assert_allclose(wasserstein1(q, p, x), float(mp_w1(q, p, x)), rtol=RTOL, atol=0)


def test_accurate_when_q_and_p_nearly_cancel():
    rng = np.random.default_rng(7)
    n = 4000
    x = np.cumsum(rng.uniform(0.1, 1.0, n))
    q = rng.random(n)
    q /= q.sum()
    d = rng.standard_normal(n) * 1e-12
    p = np.abs(q + (d - d.mean()))
    ref = float(mp_w1(q, p, x))
    assert ref < 1e-7
    np.testing.assert_allclose(wasserstein1(q, p, x), ref, rtol=RTOL, atol=0)


def test_matches_sorted_samples_quantile_formula():
    """Equal-weight empirical measures: W_1 = mean |x_(i) - y_(i)| (independent formula)."""
    rng = np.random.default_rng(11)
    for n in (1, 7, 500):
        xs, ys = rng.normal(size=n), rng.normal(1.0, 2.0, size=n)
        ref = math.fsum(np.abs(np.sort(xs) - np.sort(ys))) / n
        support = np.unique(np.r_[xs, ys])
        q = np.bincount(np.searchsorted(support, xs), minlength=support.size) / n
        p = np.bincount(np.searchsorted(support, ys), minlength=support.size) / n
        # rtol: the masses k/n are rounded, each by at most half an ulp
        np.testing.assert_allclose(wasserstein1(q, p, support), ref, rtol=1e-12, atol=0)


@given(instance_1d())
def test_s20_primal_equals_dual_equals_cdf_formula(inst):
    """S20: on a grid, W_1 primal (transport LP) = KR dual and, in 1-D, = sum |F_P - F_Q| dx."""
    x, (q, p) = inst
    w = wasserstein1(q, p, x)
    primal, dual = wasserstein1_lp(q, p, x), wasserstein1_dual(q, p, x)
    tol = lp_atol(x)
    assert abs(primal.value - w) <= tol and abs(dual.value - w) <= tol
    plan = primal.plan
    assert plan.min() >= -tol and primal.residual <= 10 * HIGHS_FEASIBILITY_TOL and primal.status == 0
    assert abs((plan * np.abs(x[:, None] - x[None, :])).sum() - primal.value) <= tol
    g = dual.potential
    assert (g[:, None] - g[None, :] - np.abs(x[:, None] - x[None, :])).max() <= tol  # 1-Lipschitz
    assert abs(g @ (q - p) - dual.value) <= tol



@pytest.mark.parametrize("exponent", [12, 20, 27, 33, 40, 46])
def test_dual_is_accurate_when_q_and_p_differ_by_little(exponent):
    """S20 where q and p differ by masses of 2^-exponent (equal totals, exactly): the dual
    LP's value and the primal's against the exact 400-bit CDF formula at RTOL, in 1-D, and
    against each other in 2-D. The dual used to be scaled by the masses, so a difference
    below HiGHS's absolute tolerance (1e-7) fell under it and the value came out as -W_1."""
    rng = np.random.default_rng(exponent)
    n = 17
    x = np.sort(rng.choice(np.arange(-400, 400), n, replace=False)) / 16.0
    q = np.round(rng.dirichlet(np.ones(n)) * 2.0 ** 40) / 2.0 ** 40
    p = q.copy()
    e = 2.0 ** -exponent
    for i, j in ((2, 11), (5, 3), (14, 8)):
        p[i] -= e  # every q_i exceeds 2^-12 here, so these stay nonnegative and exact
        p[j] += e
    assert math.fsum(q) == math.fsum(p)
    ref = float(mp_w1(q, p, x))
    for route in (wasserstein1(q, p, x), wasserstein1_lp(q, p, x).value, wasserstein1_dual(q, p, x).value):
        assert route == pytest.approx(ref, rel=RTOL, abs=0)
    pts = np.column_stack([x, rng.choice(np.arange(-64, 64), n) / 8.0])
    primal, dual = wasserstein1_lp(q, p, pts), wasserstein1_dual(q, p, pts)
    assert primal.value > 0 and dual.value == pytest.approx(primal.value, rel=1e-12, abs=0)


def test_totals_that_differ_within_the_tolerance_agree_to_delta_times_diameter():
    """Totals differing by delta <= TOTAL_RTOL (relatively) leave W_1 defined to about
    delta times the diameter: the CDF formula, the primal LP, the dual LP and the quantile
    formula stay within that of each other (plus a few ulps of the value), also where W_1
    itself is near delta (q and p close), the case that exposed the dual's scaling."""
    rng = np.random.default_rng(5)
    for trial in range(40):
        n = int(rng.integers(3, 20))
        x = np.unique(np.round(rng.uniform(-5, 5, n), 6))
        q = rng.dirichlet(np.ones(x.size))
        p = q * (1 + rng.uniform(-1, 1, x.size) * 1e-9) if trial % 2 else rng.dirichlet(np.ones(x.size))
        p = p / p.sum() * (1 + rng.uniform(-0.9, 0.9) * 1e-12)
        delta = abs(math.fsum(q) - math.fsum(p))
        values = [wasserstein1(q, p, x), wasserstein1_lp(q, p, x).value, wasserstein1_dual(q, p, x).value,
                  fdiv.wasserstein(q, p, x).value]
        assert min(values) >= 0
        assert max(values) - min(values) <= 1.01 * delta * np.ptp(x) + 8 * np.spacing(max(values)), values

@given(instance_2d())
def test_s20_primal_equals_dual_in_2d(inst):
    pts, (q, p) = inst
    tol = lp_atol(pts)
    for metric in ("euclidean", "cityblock", "chebyshev"):
        primal, dual = wasserstein1_lp(q, p, pts, metric), wasserstein1_dual(q, p, pts, metric)
        assert abs(primal.value - dual.value) <= tol
    shifted = wasserstein1_lp(q, p, pts + np.array([3.25, -7.5]))  # translation invariance
    assert abs(shifted.value - wasserstein1_lp(q, p, pts).value) <= tol


@pytest.mark.parametrize(("metric", "value"), [("euclidean", 5.0), ("cityblock", 7.0), ("chebyshev", 4.0)])
def test_two_points_in_the_plane(metric, value):
    pts = [[0.0, 0.0], [3.0, 4.0]]
    assert math.isclose(wasserstein1_lp([2.0, 0.0], [0.0, 2.0], pts, metric).value, 2 * value, rel_tol=1e-12)
    assert math.isclose(wasserstein1_dual([2.0, 0.0], [0.0, 2.0], pts, metric).value, 2 * value, rel_tol=1e-12)


def test_equal_measures_give_zero():
    q = [0.25, 0.75, 0.0]
    assert wasserstein1(q, q, [0.0, 1.0, 2.0]) == 0.0
    assert wasserstein1_dual(q, q, [0.0, 1.0, 2.0]).value == 0.0
    assert abs(wasserstein1_lp(q, q, [0.0, 1.0, 2.0]).value) <= lp_atol([0.0, 2.0])


@given(instance_1d(), st.integers(-10**6, 10**6))
def test_translation_invariance_and_symmetry(inst, shift):
    x, (q, p) = inst  # dyadic x and integer shifts: x + shift is exact, so equality is exact
    w = wasserstein1(q, p, x)
    assert wasserstein1(q, p, x + shift) == w
    assert wasserstein1(p, q, x) == w  # IEEE rounding is sign-symmetric


@given(instance_1d(k=3))
def test_triangle_inequality(inst):
    x, (a, b, c) = inst
    ab, bc, ac = wasserstein1(a, b, x), wasserstein1(b, c, x), wasserstein1(a, c, x)
    assert ac <= ab + bc + 1e-13 * (ab + bc)  # each value is accurate to a few ulps


def test_unnormalised_measures_with_equal_totals():
    assert wasserstein1([3.0, 0.0, 1.0], [0.0, 4.0, 0.0], [0.0, 1.0, 3.0]) == 5.0


@pytest.mark.parametrize(("args", "needle"), [
    (([1.0, 0.0], [0.0, 1.0], [0.0, 0.0]), "strictly increasing"),
    (([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 2.0, 1.0]), "strictly increasing"),
    (([1.0, 0.0], [0.0, 1.0], [0.0, np.nan]), "`x`"),
    (([1.0, 0.0], [0.0, 1.0], [0.0, 1.0, 2.0]), "`x`"),
    (([1.0, 0.0], [0.0, 0.5], [0.0, 1.0]), r"sum\(q\)=1\.0, sum\(p\)=0\.5"),
    (([1.5, -0.5], [0.0, 1.0], [0.0, 1.0]), "`q`.*-0.5"),
    (([1.0, 0.0], [np.inf, 1.0], [0.0, 1.0]), "`p`"),
    (([1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0]), "same shape"),
])
def test_wasserstein1_bad_input(args, needle):
    with pytest.raises(ValueError, match=needle):
        wasserstein1(*args)


def test_lp_bad_input():
    q, p, pts = [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 2.0]
    for fn in (wasserstein1_lp, wasserstein1_dual):
        with pytest.raises(ValueError, match="max_size.*wasserstein1"):  # opt-in for the primal
            fn(q, p, pts, max_size=8)
        with pytest.raises(ValueError, match="metric"):
            fn(q, p, pts, metric="sqeuclidean")
        with pytest.raises(ValueError, match="points"):
            fn(q, p, [0.0, 1.0])
        with pytest.raises(ValueError, match="sum"):
            fn(q, [0.0, 0.0, 2.0], pts)


def test_solver_failure_raises(monkeypatch):
    """No silent fallback: a non-optimal HiGHS status (dual) or POT result code (primal) is an error."""
    fake = SimpleNamespace(status=2, message="The problem is infeasible.", x=None, fun=None)
    monkeypatch.setattr(fdiv._wasserstein, "linprog", lambda *a, **k: fake)
    with pytest.raises(RuntimeError, match="status 2.*infeasible"):
        wasserstein1_dual([1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 1.0, 2.0])
    import ot

    monkeypatch.setattr(ot, "emd", lambda a, b, m, **k: (np.zeros(m.shape), {
        "result_code": 2, "warning": "numItermax reached before optimality", "cost": 0.0}))
    with pytest.raises(RuntimeError, match="result code 2.*numItermax"):
        wasserstein1_lp([1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 1.0, 2.0])


def _nearly_equal_dyadic(rng, n, move):
    """q (multiples of 2^-30) and p = q with three masses of about ``move`` times q_i shifted to
    the next point (multiples of 2^-50): exact in floats, so the totals are equal exactly."""
    q = np.round(rng.dirichlet(np.ones(n)) * 2.0 ** 30) / 2.0 ** 30
    p = q.copy()
    for i in rng.integers(0, n - 1, 3):
        a = np.round(q[i] * move * rng.uniform(0.01, 0.5) * 2.0 ** 50) / 2.0 ** 50
        p[i] -= a
        p[i + 1] += a
    assert math.fsum(q) == math.fsum(p) and (p >= 0).all()
    return q, p


@pytest.mark.parametrize("move", [1e-4, 1e-8, 1e-11])
def test_w1_in_the_plane_of_measures_that_nearly_agree(move):
    """W_1 on one support in the plane between a measure and the same one with small masses
    moved: the transport LP (POT), the dual LP (HiGHS, on q - p) and ``fdiv.wasserstein`` agree
    to RTOL. Solved on q and p themselves, the simplex's flows were differences of masses of
    order 1 and W_1 came out up to 1e-4 off (move 1e-11); both now move q - p alone."""
    rng = np.random.default_rng(8)
    for _ in range(8):
        pts = rng.uniform(0, 10, (25, 2))
        q, p = _nearly_equal_dyadic(rng, 25, move)
        dual = wasserstein1_dual(q, p, pts).value
        primal = wasserstein1_lp(q, p, pts)
        assert primal.value == pytest.approx(dual, rel=RTOL, abs=0)
        assert fdiv.wasserstein(q, p, pts).value == pytest.approx(dual, rel=RTOL, abs=0)
        np.testing.assert_array_equal(primal.plan.sum(axis=1), q)  # the marginals, exactly here
        np.testing.assert_array_equal(primal.plan.sum(axis=0), p)


@pytest.mark.parametrize("order", [2, 3.5])
@pytest.mark.parametrize("move", [1e-4, 1e-11])
def test_wp_in_the_plane_of_measures_that_nearly_agree(order, move):
    """W_p (p > 1) in the plane, points on a line so that the exact 1-D quantile coupling (in
    mpmath) is the reference: at RTOL, and the 1-D route too. The network simplex's float flows
    put W_2 0.2 % off and W_3.5 0.9 % off at move 1e-11; the flows are now recomputed exactly
    on the simplex's support."""
    rng = np.random.default_rng(9)
    for _ in range(8):
        x = np.sort(rng.uniform(0, 10, 25))
        q, p = _nearly_equal_dyadic(rng, 25, move)
        with mp.workdps(60):
            exact = float(ref_wp_1d(q, p, x, x, order)[0])
        res = fdiv.wasserstein(q, p, np.column_stack([x, np.zeros(25)]), order=order)
        assert res.value == pytest.approx(exact, rel=RTOL, abs=0)
        assert fdiv.wasserstein(q, p, x, order=order).value == pytest.approx(exact, rel=RTOL, abs=0)
        np.testing.assert_array_equal(res.plan.sum(axis=1), q)


@pytest.mark.parametrize("small", [1e-10, 1e-14, 1e-17, 1e-300])
def test_masses_far_below_the_others_in_the_plane(small, order=2):
    """A mass ``small`` moved from (0, 0) to (2, 1) through (1, 0), beside a mass 1 that stays:
    W_2^2 = 3 small, W_1 = sqrt(5) small. The network simplex's float flows lost digits of the
    small mass (2.9992e-14 for 3e-14) and, below an ulp of 1, all of it (the cost of one leg,
    2e-17, for 3e-17). Now: exact where the plan keeps the point, a RuntimeError naming it
    where it does not; W_1 on one support moves q - p alone and is exact throughout."""
    q, p, pts = [small, 1.0, 0.0], [0.0, 1.0, small], [[0.0, 0.0], [1.0, 0.0], [2.0, 1.0]]
    if small >= 1e-14:
        assert fdiv.wasserstein(q, p, pts, order=order).cost == pytest.approx(3 * small, rel=RTOL, abs=0)
    else:
        with pytest.raises(RuntimeError, match=r"left out 1 point\(s\) of `q` .*q\[0\]"):
            fdiv.wasserstein(q, p, pts, order=order)
    assert wasserstein1_lp(q, p, pts).value == pytest.approx(math.sqrt(5) * small, rel=RTOL, abs=0)
    assert fdiv.wasserstein(q, p, pts).value == pytest.approx(math.sqrt(5) * small, rel=RTOL, abs=0)


def test_tail_masses_that_cannot_matter_are_not_an_error():
    """Discretised Gaussians with tail masses down to 1e-52: the simplex may leave those points
    out, but moved at their largest cost they change W_2^2 by less than an ulp, so the value is
    returned, and it equals the value without the tail points to RTOL."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((30, 2)), rng.standard_normal((30, 2)) + 1
    q, p = np.exp(-20 * (x ** 2).sum(1)), np.exp(-20 * ((y - 1) ** 2).sum(1))
    q, p = q / q.sum(), p / p.sum()
    full = fdiv.wasserstein(q, p, x, y, order=2).value
    kq, kp = q > 1e-30, p > 1e-30
    q2, p2 = q[kq], p[kp]
    trimmed = fdiv.wasserstein(q2 / math.fsum(q2) * math.fsum(p2), p2, x[kq], y[kp], order=2).value
    assert full == pytest.approx(trimmed, rel=1e-13)
