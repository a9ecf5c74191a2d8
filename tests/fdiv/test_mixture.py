"""R*_β and R†_β (docs/theory.md S12–S15): exact λ against independent references, theorem
properties, optimality by brute force over the simplex, boundary cases and bad input.

References:
- ``mp_lambda``: plain bisection in mpmath (50 digits, 200 halvings) on the same float inputs;
- ``scan_lambda``: sort-and-scan (NumPy argsort) locating the linear piece, then the closed form
  with correctly rounded ``math.fsum`` sums (held-out large-N instances).
Neither shares code with the bucket search of :mod:`fdiv._lambda`.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import fdiv
from fdiv import _lambda

EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- references
def mp_lambda(a, b, beta, kind):
    """λ by mpmath bisection at 50 digits on ``Σ(λa−b)_+ = β`` (star) or ``Σ(a−λb)_+ = β``
    (dagger), to 45 significant digits (geometric midpoints while the bracket spans more than
    a factor 4, so brackets like [0, 1e300] are fine); also returns the active sums (A, B)."""
    with mpmath.workdps(50):
        A = [mpmath.mpf(float(x)) for x in a]
        B = [mpmath.mpf(float(y)) for y in b]
        be = mpmath.mpf(float(beta))
        if kind == "star":
            def excess(lam):
                return sum((lam * x - y for x, y in zip(A, B) if lam * x > y), mpmath.mpf(0)) - be
            hi = (be + sum(B)) / sum(A)
        else:
            def excess(lam):
                return be - sum((x - lam * y for x, y in zip(A, B) if x > lam * y), mpmath.mpf(0))
            hi = max(x / y for x, y in zip(A, B) if y > 0 and x > 0)
        lo = mpmath.mpf(0)
        for _ in range(5000):
            if hi - lo <= mpmath.mpf(10) ** -45 * hi:
                break
            mid = mpmath.sqrt(lo * hi) if lo > 0 and hi > 4 * lo else (lo + hi) / 2
            if excess(mid) < 0:
                lo = mid
            else:
                hi = mid
        lam = (lo + hi) / 2
        if kind == "star":
            act = [(x, y) for x, y in zip(A, B) if lam * x > y]
        else:
            act = [(x, y) for x, y in zip(A, B) if x > lam * y]
        return lam, sum(x for x, _ in act), sum(y for _, y in act)


def scan_lambda(a, b, beta, kind):
    """λ by sort-and-scan (O(n log n)) and the closed form with ``math.fsum`` sums."""
    pos = a > 0
    a, b = a[pos], b[pos]
    t = b / a
    order = np.argsort(t, kind="stable")
    ts, As, Bs = t[order], np.cumsum(a[order]), np.cumsum(b[order])
    n = ts.size
    if kind == "star":  # F(λ) on (ts[k], ts[k+1]] uses the k+1 smallest breakpoints
        for k in range(n):
            lam = (beta + Bs[k]) / As[k]
            if k + 1 == n or lam <= ts[k + 1]:
                act = order[: k + 1]
                return (beta + math.fsum(b[act])) / math.fsum(a[act])
    # dagger: active iff t < 1/λ, i.e. the k smallest breakpoints for λ in [1/ts[k], 1/ts[k-1])
    for k in range(n, 0, -1):
        if k < n and ts[k] == ts[k - 1]:
            continue
        Bk = Bs[k - 1]
        if Bk == 0:
            break
        lam = (As[k - 1] - beta) / Bk
        if lam * ts[k - 1] < 1.0 and (k == n or lam * ts[k] >= 1.0):
            act = order[:k]
            return math.fsum(np.concatenate((a[act], [-beta]))) / math.fsum(b[act])
    raise AssertionError("no linear piece found")


# --------------------------------------------------------------------------- strategies
@st.composite
def masses(draw, n, zeros=True):
    vals = draw(st.lists(
        st.one_of(st.just(0.0), st.floats(1e-6, 1.0), st.floats(1e-300, 1e-6)) if zeros
        else st.floats(1e-6, 1.0),
        min_size=n, max_size=n))
    x = np.array(vals)
    if x.sum() == 0:
        x[draw(st.integers(0, n - 1))] = 1.0
    return x / x.sum()


betas = st.one_of(st.just(1.0), st.just(0.5), st.floats(1e-3, 1.0), st.floats(1e-12, 1e-3))


@st.composite
def star_instances(draw):
    """(p_data, p_model, beta): random, sparse, disjoint or tied supports."""
    n = draw(st.integers(1, 12))
    shape = draw(st.sampled_from(["random", "sparse", "disjoint", "equal", "proportional"]))
    pd = draw(masses(n))
    if shape == "disjoint" and n >= 2:
        cut = draw(st.integers(1, n - 1))
        pd = np.r_[draw(masses(cut, zeros=False)), np.zeros(n - cut)]
        pm = np.r_[np.zeros(cut), draw(masses(n - cut, zeros=False))]
    elif shape == "equal":
        pm = pd.copy()
    elif shape == "proportional":  # many tied breakpoints
        c = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n)))
        pm = pd * c / (pd * c).sum()
    else:
        pm = draw(masses(n))
    return pd, pm, draw(betas)


@st.composite
def dagger_instances(draw):
    """(p_data, p_model, beta) with S14's assumption p_data(p_model = 0) < beta built in."""
    pd, pm, _ = draw(star_instances())
    missed = float(pd[pm == 0].sum())
    assume(missed < 1.0 - 1e-9)
    u = draw(st.floats(1e-6, 1.0))
    beta = min(1.0, missed + (1.0 - missed) * u)
    assume(beta > missed)
    assume(beta == 1.0 or beta < float(pd.sum()))  # else no root for these floats (r_dagger raises)
    return pd, pm, beta


def _rtol(n, cond=1.0):
    """Closed-form round-off: n-term naive sums (≤ n ε each), amplified by the condition
    number (A + β)/(A − β) of the dagger's subtraction; 16x margin."""
    return 16 * (n + 2) * EPS * cond


def _residual_tol(n, cancelled, beta):
    """|Σr − 1| bound: r_i = (λa_i − b_i)/β (or (a_i − λb_i)/β) cancels terms of total size
    ``β + 2·cancelled`` down to β, so round-off is relative to (β + 2·cancelled)/β."""
    return 16 * (n + 2) * EPS * (1 + 2 * cancelled / beta)


# --------------------------------------------------------------------------- λ exactness
@given(star_instances())
def test_lambda_star_matches_mpmath(inst):
    """S12: λ* is the root of Σ(λ p_d − (1−β) p_g)_+ = β (50-digit bisection reference)."""
    pd, pm, beta = inst
    res = fdiv.r_star(pd, pm, beta)
    ref, _, _ = mp_lambda(pd, (1 - beta) * pm, beta, "star")
    assert res.lam == pytest.approx(float(ref), rel=_rtol(pd.size), abs=0)


@given(dagger_instances())
def test_lambda_dagger_matches_mpmath(inst):
    """S14: λ† is the root of Σ(p_d − λ(1−β) p_g)_+ = β (50-digit bisection reference)."""
    pd, pm, beta = inst
    res = fdiv.r_dagger(pd, pm, beta)
    if beta == 1.0:
        assert res.lam == 1.0
        return
    ref, A, _ = mp_lambda(pd, (1 - beta) * pm, beta, "dagger")
    cond = float((A + beta) / abs(A - beta))
    assert res.lam == pytest.approx(float(ref), rel=_rtol(pd.size, cond), abs=0)


def _large(kind, rng, n):
    pd = rng.gamma(0.3, size=n)
    pm = rng.gamma(0.3, size=n)
    pd[rng.random(n) < 0.2] = 0.0
    pm[rng.random(n) < 0.02] = 0.0
    if kind == "ties":
        pm = pd * rng.choice([0.25, 1.0, 4.0], size=n)
    if kind == "wide":  # breakpoints over ~600 binades (deep bucket search)
        pm = pd * np.exp(rng.uniform(-200, 200, size=n))
    return pd / pd.sum(), pm / pm.sum()


@pytest.mark.parametrize("kind", ["random", "ties", "wide"])
@pytest.mark.parametrize("beta", [1e-6, 0.05, 0.3, 0.9, 1.0])
def test_large_n_against_sort_and_scan(kind, beta):
    """Held-out large-N instances (S12, S14): agreement with sort-and-scan + fsum."""
    rng = np.random.default_rng([7, int(beta * 1e6), len(kind)])
    pd, pm = _large(kind, rng, 100_000)
    b = (1 - beta) * pm
    star = fdiv.r_star(pd, pm, beta)
    assert star.lam == pytest.approx(scan_lambda(pd, b, beta, "star"), rel=1e-12, abs=0)
    assert star.residual <= _residual_tol(pd.size, float(b[star.r > 0].sum()), beta)
    if float(pd[pm == 0].sum()) < beta and beta < 1:
        dag = fdiv.r_dagger(pd, pm, beta)
        assert dag.lam == pytest.approx(scan_lambda(pd, b, beta, "dagger"), rel=1e-11, abs=0)
        lb_act = dag.lam * float(b[(dag.r > 0) & (b > 0)].sum())
        assert dag.residual <= _residual_tol(pd.size, lb_act, beta)


@pytest.mark.parametrize("beta", [0.3, 0.6, 0.9])
def test_subnormal_and_huge_breakpoints(beta):
    """Breakpoints t = b/a in the subnormal range (bucket 0 of the first level), next to zeros
    and to t ~ 1e300: the search still lands on the right piece (sort-and-scan reference)."""
    rng = np.random.default_rng(12)
    n = 20_000
    pd = rng.dirichlet(np.ones(n))
    pm = np.concatenate((np.full(n // 4, 1e-315), np.zeros(n // 4), rng.dirichlet(np.ones(n // 2))))
    pm[0] = 5e-324
    pm = pm / pm.sum()
    b = (1 - beta) * pm
    assert np.count_nonzero((b / np.where(pd > 0, pd, 1) < 2.2e-308) & (b > 0)) > n // 8
    assert fdiv.r_star(pd, pm, beta).lam == pytest.approx(scan_lambda(pd, b, beta, "star"), rel=1e-13)
    if beta >= 0.6:  # (at β = 0.3 the root needs the subnormal-b terms: λ† overflows, below)
        assert fdiv.r_dagger(pd, pm, beta).lam == pytest.approx(scan_lambda(pd, b, beta, "dagger"), rel=1e-12)
    # all candidates subnormal: the root's first-level bucket is bucket 0
    a = np.array([0.5, 0.25, 0.25])
    pm3 = np.array([1e-310, 3e-310, 1.0 - 4e-310])
    # λ† = 1.25e309 overflows: lam is +inf, but r (through (b·num)/den) is exact
    ref, _, _ = mp_lambda(a, (1 - 0.5) * pm3, 0.5, "dagger")
    assert ref > mpmath.mpf("1e309")
    res = fdiv.r_dagger(a, pm3, 0.5)
    assert res.lam == math.inf
    with mpmath.workdps(50):
        b3 = [mpmath.mpf(float(x)) for x in (1 - 0.5) * pm3]
        r_ref = [float(max(mpmath.mpf(float(x)) - ref * y, 0) / mpmath.mpf(0.5)) for x, y in zip(a, b3)]
    np.testing.assert_allclose(res.r, r_ref, rtol=1e-13)


def test_kernel_on_all_equal_breakpoints():
    """One distinct breakpoint (p_g = p_d, n = 10^5): the bucket search resolves the tie block."""
    n = 100_000
    pd = np.full(n, 1.0 / n)
    for beta in (0.01, 0.5, 1.0):
        assert fdiv.r_star(pd, pd, beta).lam == pytest.approx(1.0, rel=1e-13)
        assert fdiv.r_dagger(pd, pd, beta).lam == pytest.approx(1.0, rel=1e-13)


# --------------------------------------------------------------------------- theorems
@given(star_instances())
def test_r_star_is_probability_and_lambda_at_most_one(inst):
    """S12: R* is a probability vector, λ* ≤ 1, and (1−β)P_g + βR* = max(λ* P_d, (1−β)P_g)."""
    pd, pm, beta = inst
    res = fdiv.r_star(pd, pm, beta)
    assert np.all(res.r >= 0)
    b_act = float(((1 - beta) * pm)[res.r > 0].sum())
    assert res.residual <= _residual_tol(pd.size, b_act, beta)
    assert math.fsum(res.r) == pytest.approx(1.0, abs=_residual_tol(pd.size, b_act, beta))
    assert res.lam <= 1.0 + _rtol(pd.size)
    assert res.active == int(np.count_nonzero(res.r))
    mix = (1 - beta) * pm + beta * res.r
    np.testing.assert_allclose(mix, np.maximum(res.lam * pd, (1 - beta) * pm), rtol=1e-12, atol=1e-15)


@given(dagger_instances())
def test_r_dagger_below_data_and_lambda_at_least_one(inst):
    """S14: R† is a probability vector with βR† ≤ P_d and λ† ≥ 1."""
    pd, pm, beta = inst
    res = fdiv.r_dagger(pd, pm, beta)
    assert np.all(res.r >= 0)
    lb_act = res.lam * float(((1 - beta) * pm)[(res.r > 0) & (pm > 0)].sum())
    assert res.residual <= _residual_tol(pd.size, lb_act, beta)
    assert np.all(beta * res.r <= pd * (1 + 4 * EPS))
    if beta < 1:
        _, A, _ = mp_lambda(pd, (1 - beta) * pm, beta, "dagger")
        assert res.lam >= 1.0 - _rtol(pd.size, float((A + beta) / abs(A - beta)))


@given(star_instances())
def test_s13_lambda_star_one_iff_dominated(inst):
    """S13, exact form: 1 − λ* ≥ V := Σ((1−β)p_g − p_d)_+ (so λ* < 1 whenever V > 0), and
    λ* = 1 when V = 0, i.e. (1−β)p_g ≤ p_d everywhere."""
    pd, pm, beta = inst
    b = (1 - beta) * pm
    lam = fdiv.r_star(pd, pm, beta).lam
    violation = math.fsum(np.maximum(b - pd, 0.0))
    assert 1.0 - lam >= violation - _rtol(pd.size)
    if violation == 0.0:
        assert lam == pytest.approx(1.0, rel=_rtol(pd.size))


def test_s13_gap_without_absolute_continuity():
    """S13's slide condition P_d((1−β)dP_g > dP_d) = 0 holds here (P_g is not ≪ P_d), yet
    λ* = 0.7 < 1: the mass of P_g outside supp P_d is never removed (docs/theory.md S13)."""
    pd = np.array([0.5, 0.5, 0.0])
    pg = np.array([0.2, 0.2, 0.6])
    beta = 0.5
    on_support = pd > 0
    assert np.all((1 - beta) * pg[on_support] <= pd[on_support])  # slide condition holds
    res = fdiv.r_star(pd, pg, beta)
    assert res.lam == pytest.approx(0.7, rel=1e-15)
    np.testing.assert_allclose(res.r, [0.5, 0.5, 0.0], rtol=1e-15)
    assert np.any((1 - beta) * pg > pd)  # the exact condition fails, consistently


# --------------------------------------------------------------------------- optimality
def _simplex_grid(n, m):
    """All points of the simplex in R^n with coordinates in {0, 1/m, ..., 1} (stars and bars)."""
    from itertools import combinations

    pts = []
    for bars in combinations(range(m + n - 1), n - 1):
        edges = (-1,) + bars + (m + n - 1,)
        pts.append([edges[i + 1] - edges[i] - 1 for i in range(n)])
    return np.array(pts, dtype=float) / m


def _brute_min(objective, n, feasible=None):
    """Minimum of ``objective`` (batched over rows) on a dense simplex grid, refined by SLSQP
    from the 20 best grid points (softmax parametrisation keeps iterates on the simplex)."""
    from scipy.optimize import minimize

    grid = _simplex_grid(n, 120 if n == 3 else 40)
    if feasible is not None:
        grid = grid[feasible(grid)]
    vals = objective(grid)
    best = float(np.min(vals))
    for x0 in grid[np.argsort(vals)[:20]]:
        if not np.isfinite(vals).any():
            break
        res = minimize(lambda z: float(objective(np.clip(z, 0, None)[None])[0]), x0, method="SLSQP",
                       bounds=[(0, 1)] * n,
                       constraints=[{"type": "eq", "fun": lambda z: z.sum() - 1}]
                       + ([{"type": "ineq", "fun": lambda z: feasible(z[None], slack=True)[0]}]
                          if feasible is not None else []))
        z = np.clip(res.x, 0, None)
        z /= z.sum()
        if feasible is None or feasible(z[None])[0]:
            best = min(best, float(objective(z[None])[0]))
    return best


OPT_FS = ["kl", "reverse_kl", "js", "squared_hellinger", "pearson_chi2", "tv", "triangular"]


def _opt_instances():
    rng = np.random.default_rng(3)
    out = []
    for n in (3, 4):
        for beta in (0.2, 0.6):
            pd = rng.dirichlet(np.ones(n))
            pm = rng.dirichlet(np.ones(n) * 0.5)
            out.append((pd, pm, beta))
    pd = np.array([0.6, 0.4, 0.0])  # P_g not ≪ P_d
    out.append((pd, np.array([0.1, 0.3, 0.6]), 0.7))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fname", OPT_FS)
@pytest.mark.parametrize("inst", _opt_instances(), ids=lambda i: f"n{len(i[0])}b{i[2]}")
def test_r_star_optimal_over_simplex(fname, inst):
    """S12 and S15: R* (one vector for every f) minimises D_f((1−β)P_g + βR ‖ P_d) over all R."""
    pd, pm, beta = inst
    f = fdiv.get(fname)
    rs = fdiv.r_star(pd, pm, beta).r

    def objective(R):
        return np.asarray(fdiv.divergence(f, (1 - beta) * pm + beta * R, np.broadcast_to(pd, R.shape)))

    ours = float(objective(rs[None])[0])
    assert ours <= _brute_min(objective, pd.size) + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("fname", OPT_FS)
@pytest.mark.parametrize("inst", _opt_instances()[:-1], ids=lambda i: f"n{len(i[0])}b{i[2]}")
def test_r_dagger_optimal_over_feasible_set(fname, inst):
    """S14: R† (one vector for every f) minimises D_f(P_g ‖ (P_d − βR)/(1−β)) over βR ≤ P_d."""
    pd, pm, beta = inst
    f = fdiv.get(fname)
    rd = fdiv.r_dagger(pd, pm, beta).r

    def feasible(R, slack=False):
        gap = np.min(pd - beta * R, axis=-1)
        return gap if slack else gap >= -1e-15

    def objective(R):
        rest = np.clip(pd - beta * R, 0.0, None) / (1 - beta)
        return np.asarray(fdiv.divergence(f, np.broadcast_to(pm, R.shape), rest))

    ours = float(objective(rd[None])[0])
    assert ours <= _brute_min(objective, pd.size, feasible) + 1e-9


# --------------------------------------------------------------------------- boundary cases
def test_beta_one_gives_data():
    """β = 1: R*_1 = R†_1 = P_d (the new component replaces the model), λ = 1. R† keeps
    S14's rule even at β = 1: a missed mass of 1 raises."""
    pd = np.array([0.1, 0.0, 0.9])
    for pm, fns in (([0.0, 1.0, 0.0], (fdiv.r_star,)), ([0.2, 0.3, 0.5], (fdiv.r_star, fdiv.r_dagger))):
        for fn in fns:
            res = fn(pd, pm, 1.0)
            np.testing.assert_allclose(res.r, pd, rtol=1e-15)
            assert res.lam == pytest.approx(1.0, rel=1e-15)
    with pytest.raises(ValueError, match="missed mass 1.0 >= beta = 1.0"):
        fdiv.r_dagger(pd, [0.0, 1.0, 0.0], 1.0)


def test_equal_models_give_data():
    """p_model = p_data: λ* = λ† = 1 and R* = R† = P_d for every β."""
    pd = np.array([0.25, 0.0, 0.5, 0.25])
    for beta in (1e-9, 0.3, 0.999):
        for fn in (fdiv.r_star, fdiv.r_dagger):
            res = fn(pd, pd, beta)
            assert res.lam == pytest.approx(1.0, rel=1e-12)
            # r = (λa − (1−β)a)/β cancels down to β: round-off relative to 1/β
            np.testing.assert_allclose(res.r, pd, rtol=64 * EPS / beta, atol=0)


def test_disjoint_supports():
    """Disjoint supports: λ* = β and R* = P_d; R† does not exist (missed mass 1 ≥ β)."""
    pd = np.array([0.3, 0.7, 0.0])
    pm = np.array([0.0, 0.0, 1.0])
    res = fdiv.r_star(pd, pm, 0.4)
    assert res.lam == pytest.approx(0.4, rel=1e-15)
    np.testing.assert_allclose(res.r, pd, rtol=1e-15)
    with pytest.raises(ValueError, match=r"missed mass 1\.0 >= beta = 0\.4"):
        fdiv.r_dagger(pd, pm, 0.4)


def test_r_dagger_beta_above_float_total():
    """β < 1 but ≥ Σ p_data (round-off of the normalisation): no root exists, ValueError."""
    pd = np.array([0.7, 0.2, 0.1])  # sums to 1 − 2^-53
    with pytest.raises(ValueError, match="beta < sum"):
        fdiv.r_dagger(pd, [0.2, 0.3, 0.5], float(pd.sum()))


def test_r_dagger_assumption_boundary():
    """S14: missed mass < β works (λ† finite), missed mass == β raises, message has both."""
    pd = np.array([0.2, 0.3, 0.5])
    pm = np.array([0.0, 0.5, 0.5])
    res = fdiv.r_dagger(pd, pm, 0.25)
    assert np.isfinite(res.lam) and res.lam >= 1
    with pytest.raises(ValueError, match=r"0\.2 >= beta = 0\.2"):
        fdiv.r_dagger(pd, pm, 0.2)


def test_single_point():
    for fn in (fdiv.r_star, fdiv.r_dagger):
        res = fn([1.0], [1.0], 0.5)
        assert res.r.tolist() == [1.0] and res.lam == pytest.approx(1.0)


def test_result_is_frozen():
    res = fdiv.r_star([0.5, 0.5], [0.9, 0.1], 0.2)
    with pytest.raises(ValueError):
        res.r[0] = 1.0
    with pytest.raises(AttributeError):
        res.lam = 2.0


def test_kernel_does_not_touch_inputs():
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(1000))
    b = 0.7 * rng.dirichlet(np.ones(1000))
    a0, b0 = a.copy(), b.copy()
    _lambda.lambda_star(a, b, 0.3)
    _lambda.lambda_dagger(a, b, 0.3)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)


def test_negative_zero_in_model():
    """−0.0 in p_model is an ordinary zero (its bit pattern must not break the search)."""
    pd = np.array([0.5, 0.5])
    res = fdiv.r_star(pd, np.array([1.0, -0.0]), 0.5)
    assert res.lam == pytest.approx(fdiv.r_star(pd, np.array([1.0, 0.0]), 0.5).lam, rel=0)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [fdiv.r_star, fdiv.r_dagger])
@pytest.mark.parametrize(
    "pd, pm, beta, match",
    [
        ([0.5, 0.5], [0.5, 0.5], 0.0, "beta"),
        ([0.5, 0.5], [0.5, 0.5], 1.5, "beta"),
        ([0.5, 0.5], [0.5, 0.5], True, "beta"),
        ([0.5, 0.5], [0.5, 0.5], "0.5", "beta"),
        ([0.5, 0.5], [0.5, 0.5], float("nan"), "beta"),
        ([0.5, 0.5], [0.5, 0.3, 0.2], 0.5, "same shape"),
        ([1.5, -0.5], [0.5, 0.5], 0.5, "p_data"),
        ([0.5, np.nan], [0.5, 0.5], 0.5, "p_data"),
        ([0.5, 0.5], [np.inf, 0.5], 0.5, "p_model"),
        ([0.5, 0.6], [0.5, 0.5], 0.5, "p_data"),
        ([[0.5, 0.5]], [[0.5, 0.5]], 0.5, "p_data"),
        ([], [], 0.5, "p_data"),
        (["a", "b"], [0.5, 0.5], 0.5, "p_data"),
    ],
)
def test_bad_input(fn, pd, pm, beta, match):
    with pytest.raises(ValueError, match=match):
        fn(pd, pm, beta)


# --------------------------------------------------------------------------- doctests
@pytest.mark.parametrize("module", ["fdiv._mixture", "fdiv._weights", "fdiv._schedules", "fdiv.bounds",
                                    "fdiv._oracle"])
def test_docstring_examples(module):
    """The numpydoc examples of the mixtures modules run as doctests (docs/contributing.md 9)."""
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0
