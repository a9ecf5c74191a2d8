"""AdaGAN weights from a discriminator, TopKLast β and β schedules (docs/theory.md §3, S12, S14)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import fdiv
from tests.fdiv.test_mixture import EPS, mp_lambda, scan_lambda

d_values = st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-12, 1.0), st.floats(0.0, 1.0))


@st.composite
def discriminators(draw, min_size=1):
    d = np.array(draw(st.lists(d_values, min_size=min_size, max_size=30)))
    assume(np.any(d > 1e-300))  # some finite h = (1 - d)/d
    return d


betas = st.one_of(st.just(1.0), st.floats(1e-3, 1.0))


def _h(d):
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(d > 0, (1 - d) / np.where(d > 0, d, 1), np.inf)


# --------------------------------------------------------------------------- star / dagger
@given(discriminators(), betas)
def test_star_weights_match_mpmath_and_sum_to_one(d, beta):
    """§3: w_i = (λ* − (1−β)h_i)_+/(Nβ) with Σ w = 1; λ* against a 50-digit bisection."""
    res = fdiv.weights_from_discriminator(d, beta)
    n = d.size
    assert np.all(res.w >= 0)
    assert math.fsum(res.w) == pytest.approx(1.0, abs=1e-12)
    assert res.residual <= 1e-12
    assert res.active == int(np.count_nonzero(res.w))
    if beta < 1:
        b = (1 - beta) * _h(d)
        fin = np.isfinite(b)
        ref, _, _ = mp_lambda(np.ones(fin.sum()), b[fin], n * beta, "star")
        assert res.lam == pytest.approx(float(ref), rel=64 * (n + 2) * EPS)
        assert np.all(res.w[d == 0] == 0)
        # D = 1 (h = 0) carries the largest weight, and weights decrease with h
        order = np.argsort(_h(d), kind="stable")
        assert np.all(np.diff(res.w[order]) <= 1e-15)
    else:
        np.testing.assert_allclose(res.w, 1 / n, rtol=1e-15)


@given(discriminators(), st.floats(1e-3, 0.999))
def test_dagger_weights_match_mpmath(d, beta):
    """§3 R† analogue: w_i = (1 − λ†(1−β)h_i)_+/(Nβ) with Σ w = 1 (50-digit bisection)."""
    n = d.size
    ones = int(np.count_nonzero(d == 1))
    assume(ones < n * beta and np.count_nonzero(np.isfinite(_h(d))) > n * beta)
    res = fdiv.weights_from_discriminator(d, beta, kind="dagger")
    assert np.all(res.w >= 0)
    assert math.fsum(res.w) == pytest.approx(1.0, abs=1e-12)
    assert np.all(res.w[d == 0] == 0)
    h = _h(d)
    fin = np.isfinite(h)
    # λ(1−β) solves Σ(1 − μ h)_+ = Nβ on the exact h: the reference never rounds (1−β)h
    mu, A, _ = mp_lambda(np.ones(fin.sum()), h[fin], n * beta, "dagger")
    assume(A != n * beta)  # a root within 1e-50 of a breakpoint: the reference's set is ambiguous
    with mpmath.workdps(50):
        ref = mu / (1 - mpmath.mpf(float(beta)))
    cond = float((A + n * beta) / abs(A - n * beta))
    assert res.lam == pytest.approx(float(ref), rel=64 * (n + 2) * EPS * cond)


@pytest.mark.parametrize("kind, fn", [("star", fdiv.r_star), ("dagger", fdiv.r_dagger)])
def test_weights_equal_optimal_component_with_exact_discriminator(kind, fn):
    """§3 ↔ S12/S14: with p_data uniform on N points and the optimal discriminator
    D = p_d/(p_d + p_g) (S8), the weights are exactly R*_β (resp. R†_β) of (p_d, p_g)."""
    rng = np.random.default_rng(11)
    n = 500
    pd = np.full(n, 1.0 / n)
    pg = rng.dirichlet(np.ones(n) * 0.3)
    beta = 0.35
    d = pd / (pd + pg)
    w = fdiv.weights_from_discriminator(d, beta, kind=kind)
    r = fn(pd, pg, beta)
    assert w.lam == pytest.approx(r.lam, rel=1e-12)
    np.testing.assert_allclose(w.w, r.r, rtol=1e-9, atol=1e-15)


def test_large_n_against_sort_and_scan():
    rng = np.random.default_rng(5)
    d = rng.beta(0.5, 0.5, size=200_000)
    d[:100] = 0.0
    d[100:200] = 1.0
    for beta in (0.01, 0.2, 0.7):
        b = (1 - beta) * _h(d)
        fin = np.isfinite(b)
        star = fdiv.weights_from_discriminator(d, beta)
        assert star.lam == pytest.approx(scan_lambda(np.ones(fin.sum()), b[fin], d.size * beta, "star"), rel=1e-12)
        dag = fdiv.weights_from_discriminator(d, beta, kind="dagger")
        assert dag.lam == pytest.approx(scan_lambda(np.ones(fin.sum()), b[fin], d.size * beta, "dagger"), rel=1e-11)


def test_boundary_cases_table():
    """Case table of fdiv._weights: D = 0 → 0; D = 1 → largest; β = 1 → uniform (0·∞ := 0)."""
    d = np.array([1.0, 0.5, 0.0])
    star = fdiv.weights_from_discriminator(d, 0.5)
    np.testing.assert_allclose(star.w, [2 / 3, 1 / 3, 0.0], rtol=1e-15)
    assert star.lam == 1.0
    dag = fdiv.weights_from_discriminator(d, 0.5, kind="dagger")
    assert dag.w[2] == 0.0 and dag.w[0] == dag.w.max()
    for kind in ("star", "dagger"):
        uni = fdiv.weights_from_discriminator(d, 1.0, kind=kind)
        np.testing.assert_allclose(uni.w, 1 / 3, rtol=1e-15)
        assert uni.lam == 1.0


def test_dagger_at_lambda_zero():
    """Exactly βN points with d > 0: λ† = 0 and those points share the mass equally."""
    d = np.array([0.0, 0.0, 0.3, 0.6])
    res = fdiv.weights_from_discriminator(d, 0.5, kind="dagger")
    assert res.lam == 0.0
    np.testing.assert_allclose(res.w, [0, 0, 0.5, 0.5], rtol=1e-15)


def test_failures_are_loud():
    """No silent fallback to uniform weights (docs/theory.md §3 pitfalls)."""
    with pytest.raises(ValueError, match="every point"):
        fdiv.weights_from_discriminator([0.0, 0.0], 0.5)
    with pytest.raises(ValueError, match=r"d == 1.*2/4 = 0\.5 >= beta = 0\.5"):
        fdiv.weights_from_discriminator([1.0, 1.0, 0.2, 0.3], 0.5, kind="dagger")
    with pytest.raises(ValueError, match="d > 0"):
        fdiv.weights_from_discriminator([0.0, 0.0, 0.0, 0.3], 0.5, kind="dagger")


def test_result_is_frozen():
    res = fdiv.weights_from_discriminator([0.2, 0.7], 0.5)
    with pytest.raises(ValueError):
        res.w[0] = 0.0
    with pytest.raises(AttributeError):
        res.lam = 0.0


@pytest.mark.parametrize(
    "d, beta, kind, match",
    [
        # d is a probability, not a mass: every bad value gets the same message, with its index
        ([0.5, -0.1], 0.5, "star", r"^`d` must contain probabilities in \[0, 1\]; got -0.1 at index 1$"),
        ([0.5, 1.5], 0.5, "star", r"^`d` must contain probabilities in \[0, 1\]; got 1.5 at index 1$"),
        ([0.5, np.nan], 0.5, "star", r"^`d` must contain probabilities in \[0, 1\]; got nan at index 1$"),
        ([0.5, np.inf], 0.5, "star", r"^`d` must contain probabilities in \[0, 1\]; got inf at index 1$"),
        ([[0.5, 0.5]], 0.5, "star", "1-D"),
        ([], 0.5, "star", "empty"),
        ([0.5], 0.0, "star", "beta"),
        ([0.5], 2.0, "star", "beta"),
        ([0.5], 0.5, "best", "kind"),
        ([0.5], 0.5, None, "kind"),
    ],
)
def test_bad_input(d, beta, kind, match):
    with pytest.raises(ValueError, match=match):
        fdiv.weights_from_discriminator(d, beta, kind=kind)


# --------------------------------------------------------------------------- TopKLast
def _achievable(d):
    """Zero counts reachable by some β in (0, 1): #{h ≥ v} for distinct finite h values v
    above the smallest, and #{d = 0} (ν above every finite h)."""
    h = _h(d)
    v = np.unique(h[np.isfinite(h)])
    n_inf = int(np.count_nonzero(~np.isfinite(h)))
    return sorted({int(np.count_nonzero(h >= x)) for x in v[1:]} | {n_inf})


@given(st.lists(st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-6, 1.0)), min_size=2, max_size=30)
       .map(np.array).filter(lambda d: np.any(d > 0)), st.floats(0.0, 1.0))
def test_topklast_zeroes_the_closest_count(d, r):
    """TopKLast (§3): at β = topklast_beta(d, r) the star weights vanish on exactly the
    achievable count closest to ⌈rN⌉ (ties to the larger count)."""
    h = _h(d)
    fin = np.unique(h[np.isfinite(h)])
    assume(fin.size < 2 or np.min(np.diff(fin) / np.maximum(fin[1:], 1e-300)) > 1e-6)  # resolvable gaps
    beta = fdiv.topklast_beta(d, r)
    assert 0 < beta <= 1
    zeros = int(np.count_nonzero(fdiv.weights_from_discriminator(d, beta).w == 0))
    k = math.ceil(round(r * d.size, 9))
    counts = _achievable(d)
    best = min(counts, key=lambda z: (abs(z - k), -z))
    assert zeros == best


def test_topklast_half():
    """TopKLast0.5 on distinct outputs zeroes exactly half of the points (both readings)."""
    d = np.linspace(0.05, 0.95, 10)
    beta = fdiv.topklast_beta(d, 0.5)
    w = fdiv.weights_from_discriminator(d, beta).w
    assert np.count_nonzero(w == 0) == 5
    assert np.all(w[d >= 0.55] > 0)  # the points the model misses (large D) are kept


@pytest.mark.parametrize("r", [-0.1, 1.1, float("nan"), "0.5", True])
def test_topklast_bad_r(r):
    with pytest.raises(ValueError, match="`r`"):
        fdiv.topklast_beta([0.2, 0.4], r)


def test_topklast_all_zero_d():
    with pytest.raises(ValueError, match="every point"):
        fdiv.topklast_beta([0.0, 0.0], 0.5)


# --------------------------------------------------------------------------- schedules
def test_schedules():
    """§3: constant β (β_1 = 1) and Boosted β_t = 1/t."""
    c = fdiv.beta_schedule("constant", beta=0.25)
    assert [c.beta(t) for t in (1, 2, 10)] == [1.0, 0.25, 0.25]
    bst = fdiv.beta_schedule("boosted")
    assert [bst.beta(t) for t in (1, 2, 4)] == [1.0, 0.5, 0.25]
    # Boosted: the T components end with equal weights 1/T
    T = 7
    weights = np.array([1.0])
    for t in range(2, T + 1):
        b = bst.beta(t)
        weights = np.r_[(1 - b) * weights, b]
    np.testing.assert_allclose(weights, 1 / T, rtol=1e-14)
    with pytest.raises(AttributeError):
        c.value = 0.5


@pytest.mark.parametrize(
    "kind, params, match",
    [
        ("linear", {}, "kind"),
        ("constant", {}, "parameters"),
        ("constant", {"beta": 0.0}, "beta"),
        ("constant", {"beta": 1.5}, "beta"),
        ("boosted", {"beta": 0.5}, "parameters"),
    ],
)
def test_schedule_bad_input(kind, params, match):
    with pytest.raises(ValueError, match=match):
        fdiv.beta_schedule(kind, **params)


@pytest.mark.parametrize("t", [0, -1, 1.5, True])
def test_schedule_bad_t(t):
    with pytest.raises(ValueError, match="`t`"):
        fdiv.beta_schedule("boosted").beta(t)
