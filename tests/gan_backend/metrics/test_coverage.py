"""Coverage metric C (docs/theory.md §3), its KDE kernel, and mode statistics."""
import math

import numpy as np
import pytest
from scipy.special import logsumexp

from benchmarks.b4_coverage import IsotropicKDE, scipy_coverage, toy_case
from gan_backend.metrics._kde import kde_logpdf
from gan_backend.metrics.coverage import (
    GRID_EXPONENTS,
    bandwidth_grid,
    coverage,
    median_pairwise_distance,
    mode_stats,
    select_bandwidth,
)

SD10 = np.sqrt(15.0 / (3 * 10**2))  # docs/theory.md §3 variance 15/v(K), v(10) = 3*10^2


def _mixture(rng, means, n, sd=SD10):
    return means[rng.integers(0, len(means), n)] + sd * rng.normal(size=(n, len(means[0])))


@pytest.fixture(scope="module")
def ten_modes():
    rng = np.random.default_rng(2024)
    means = rng.uniform(-15, 15, size=(10, 2))
    return rng, means, _mixture(rng, means, 4000)


# ---------------------------------------------------------------- KDE kernel


def _direct_logpdf(q, x, h):
    """NumPy reference: log-sum-exp over an explicit (m, n) distance matrix."""
    d2 = ((q[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    d = x.shape[1]
    return logsumexp(-d2 / (2 * h * h), axis=1) - np.log(len(x)) - 0.5 * d * np.log(2 * np.pi * h * h)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_kde_kernel_matches_direct_logsumexp(d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=(700, d)) * rng.uniform(0.5, 3, size=d)
    q = np.concatenate([rng.normal(size=(150, d)) * 2, x[:10], 40 + rng.normal(size=(5, d))])
    hs = np.array([0.01, 0.3, 0.25, 1.7, 20.0])
    got = kde_logpdf(q, x, hs)
    assert got.shape == (hs.size, len(q))
    for k, h in enumerate(hs):
        want = _direct_logpdf(q, x, h)
        np.testing.assert_allclose(got[k], want, rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(kde_logpdf(q, x, h), got[k], rtol=0, atol=0)


def test_kde_kernel_ratio_two_grid_uses_squaring_chain_accurately():
    """The 2^k grid takes the exp-by-squaring path (MAX_CHAIN steps): still ~1e-13 accurate."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-15, 15, size=(1500, 2))
    q = rng.uniform(-20, 20, size=(200, 2))
    hs = bandwidth_grid(median_pairwise_distance(x, rng=0))
    got = kde_logpdf(q, x, hs)
    for k, h in enumerate(hs):
        np.testing.assert_allclose(got[k], _direct_logpdf(q, x, h), rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("h", [0.02, 0.15, 1.0, 6.0])
def test_kde_matches_scipy_gaussian_kde_with_scalar_covariance(h):
    """Independent implementation: scipy.stats.gaussian_kde with kernel covariance h^2 I."""
    rng = np.random.default_rng(11)
    x = _mixture(rng, rng.uniform(-15, 15, size=(5, 2)), 2000)
    q = np.concatenate([_mixture(rng, x[:5], 500), rng.uniform(-20, 20, size=(100, 2))])
    want = IsotropicKDE(x.T, h).logpdf(q.T)
    # atol 1e-10 on log-densities; rtol 1e-14 only matters far out, where |log p| ~ 1e6
    # (h = 0.02, distance ~ 20) and one ulp of the value is already ~1e-10
    np.testing.assert_allclose(kde_logpdf(q, x, h), want, rtol=1e-14, atol=1e-10)


def test_kde_single_point_is_normal_density_and_far_queries_stay_finite():
    h = 0.5
    q = np.array([[0.0, 0.0], [1.0, -2.0], [1e4, 1e4]])
    got = kde_logpdf(q, [[0.0, 0.0]], h)
    want = -(q**2).sum(axis=1) / (2 * h * h) - np.log(2 * np.pi * h * h)
    np.testing.assert_allclose(got, want, rtol=1e-15)
    assert np.all(np.isfinite(got))  # no -inf even 1e8 bandwidths away


def test_kde_no_queries():
    assert kde_logpdf(np.empty((0, 2)), [[0.0, 1.0]], [1.0, 2.0]).shape == (2, 0)


@pytest.mark.parametrize(
    "queries, points, bw, match",
    [
        ([[0.0, np.nan]], [[0.0, 0.0]], 1.0, "queries"),
        ([[0.0, 0.0]], [[np.inf, 0.0]], 1.0, "points"),
        ([0.0, 0.0], [[0.0, 0.0]], 1.0, "queries"),
        ([[0.0, 0.0]], [[0.0, 0.0, 0.0]], 1.0, "same dimension"),
        ([[0.0, 0.0]], np.empty((0, 2)), 1.0, "at least one point"),
        ([[0.0, 0.0]], [[0.0, 0.0]], 0.0, "bandwidths"),
        ([[0.0, 0.0]], [[0.0, 0.0]], [1.0, -1.0], "bandwidths"),
        ([[0.0, 0.0]], [[0.0, 0.0]], 1e-200, "bandwidths"),
        ([[0.0, 0.0]], [[0.0, 0.0]], [[1.0]], "bandwidths"),
        ([["a", "b"]], [[0.0, 0.0]], 1.0, "queries"),
    ],
)
def test_kde_bad_input(queries, points, bw, match):
    with pytest.raises(ValueError, match=match):
        kde_logpdf(queries, points, bw)


# ---------------------------------------------------------------- coverage


def test_coverage_orders_all_half_one_mode(ten_modes):
    """All modes > half the modes > one mode, and C ~ fraction of modes covered."""
    rng, means, data = ten_modes
    full = coverage(_mixture(rng, means, 4000), data, rng=1)
    half = coverage(_mixture(rng, means[:5], 4000), data, rng=1)
    one = coverage(_mixture(rng, means[:1], 4000), data, rng=1)
    assert full.c > half.c > one.c
    assert 0.9 < full.c <= 1.0
    assert 0.4 < half.c < 0.55
    assert 0.05 < one.c < 0.12
    assert full.loglik > half.loglik > one.loglik


def test_coverage_model_equal_to_data_is_about_095(ten_modes):
    """Model = data: C = P(p > t) with P_model(p > t) = 0.95, so C ~ 0.95 (the quantile), not 1.

    The out-of-sample threshold makes the expectation exactly 1 - THRESHOLD_QUANTILE up to the
    randomness of the samples; the reference code's in-sample threshold biases C downwards.
    """
    rng, means, data = ten_modes
    cs = [coverage(_mixture(rng, means, 4000), data, rng=s).c for s in range(3)]
    assert 0.92 < np.mean(cs) < 0.98


def test_coverage_result_fields_and_reproducibility(ten_modes):
    rng, means, data = ten_modes
    model = _mixture(rng, means[:7], 3001)
    a = coverage(model, data, rng=5)
    b = coverage(model, data, rng=np.random.default_rng(5))
    assert a.c == b.c and a.threshold == b.threshold and a.bandwidth == b.bandwidth
    assert (a.n_fit, a.n_heldout) == (1501, 1500)
    assert a.bandwidth_grid.shape == a.heldout_loglik.shape == (len(GRID_EXPONENTS),)
    np.testing.assert_array_equal(a.bandwidth_grid, a.median_distance * 2.0 ** np.array(GRID_EXPONENTS))
    assert a.bandwidth == a.bandwidth_grid[np.argmax(a.heldout_loglik)]
    assert not a.at_grid_edge
    assert a.data_logpdf.shape == (len(data),) and not a.data_logpdf.flags.writeable
    assert a.c == np.mean(a.data_logpdf > a.threshold)
    assert np.isclose(a.loglik, a.data_logpdf.mean())
    with pytest.raises(AttributeError):
        a.c = 1.0


def test_coverage_agrees_with_scipy_pipeline():
    """Independent pipeline (every density by scipy.stats.gaussian_kde): same C, h, t."""
    model, data = toy_case(1500, 1200, seed=3)
    ours = coverage(model, data, rng=9)
    c, h, t, ll = scipy_coverage(model, data, rng=9)
    assert ours.bandwidth == h
    assert ours.c == c
    assert abs(ours.threshold - t) < 1e-10
    assert abs(ours.loglik - ll) < 1e-9


def test_coverage_explicit_bandwidths(ten_modes):
    rng, means, data = ten_modes
    model = _mixture(rng, means, 1000)
    r = coverage(model, data, rng=0, bandwidths=[0.05, 0.1, 0.2])
    assert r.bandwidth in (0.05, 0.1, 0.2) and np.isnan(r.median_distance)
    single = coverage(model, data, rng=0, bandwidths=0.1)
    assert single.bandwidth == 0.1 and not single.at_grid_edge


def test_select_bandwidth_flags_grid_edge():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    sel = select_bandwidth(x[:200], x[200:], [5.0, 10.0, 20.0])  # all far too wide
    assert sel.bandwidth == 5.0 and sel.at_edge and sel.index == 0


@pytest.mark.parametrize(
    "model, data, kw, match",
    [
        (np.zeros((3, 2)), np.zeros((5, 2)), {}, "at least 4"),
        (np.ones((10, 2)), np.zeros((5, 2)), {}, "degenerate"),
        (np.random.default_rng(0).normal(size=(10, 2)), np.zeros((0, 2)), {}, "data_points"),
        (np.random.default_rng(0).normal(size=(10, 2)), np.zeros((5, 3)), {}, "same dimension"),
        (np.random.default_rng(0).normal(size=(10, 2)), [[np.nan, 0.0]], {}, "data_points"),
        (np.random.default_rng(0).normal(size=(10,)), np.zeros((5, 2)), {}, "model_samples"),
        (np.random.default_rng(0).normal(size=(10, 2)), np.zeros((5, 2)), {"bandwidths": [-1.0]}, "bandwidths"),
        (np.random.default_rng(0).normal(size=(10, 2)), np.zeros((5, 2)), {"bandwidths": []}, "bandwidths"),
        (np.random.default_rng(0).normal(size=(10, 2)), np.zeros((5, 2)), {"rng": "seed"}, "rng"),
    ],
)
def test_coverage_bad_input(model, data, kw, match):
    with pytest.raises(ValueError, match=match):
        coverage(model, data, **kw)


def test_median_pairwise_distance_small_sample_is_exact():
    x = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])  # distances 5, 5, 10
    assert median_pairwise_distance(x) == 5.0
    with pytest.raises(ValueError, match="at least 2"):
        median_pairwise_distance(x[:1])
    with pytest.raises(ValueError, match="subsample"):
        median_pairwise_distance(x, subsample=1)


# ---------------------------------------------------------------- mode statistics


def test_mode_stats_constructed():
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    sd = 0.5
    rng = np.random.default_rng(0)
    good = np.concatenate([means[0] + rng.uniform(-1, 1, size=(60, 2)),  # within 3 sd = 1.5
                           means[1] + rng.uniform(-1, 1, size=(30, 2)),
                           means[2] + rng.uniform(-1, 1, size=(4, 2))])  # 4 < 0.2*100/4 = 5
    bad = np.array([[5.0, 5.0], [2.0, 0.0], [10.0, 2.0], [-3.0, -3.0], [5.0, 0.0], [7.9, 10.0]])
    s = mode_stats(np.concatenate([good, bad]), means, sd)
    assert s.n_modes == 4
    np.testing.assert_array_equal(s.counts, [60, 30, 4, 0])
    np.testing.assert_array_equal(s.captured, [True, True, False, False])
    assert s.modes_captured == 2
    assert s.high_quality == pytest.approx(94 / 100)
    # a looser capture rule counts the third mode too; per-mode std changes the quality test
    assert mode_stats(np.concatenate([good, bad]), means, sd, min_share=0.1).modes_captured == 3
    # with std 1 for modes 1 and 3, [10, 2] and [7.9, 10] (distance 2 and 2.1 < 3) become good
    s2 = mode_stats(bad, means, [0.5, 1.0, 0.5, 1.0])
    assert s2.counts.tolist() == [0, 1, 0, 1]


def test_mode_stats_boundary_exactly_three_sigma_is_high_quality():
    s = mode_stats([[3.0, 0.0], [3.0000001, 0.0]], [[0.0, 0.0]], 1.0, min_share=0.5)
    assert s.high_quality == 0.5 and s.modes_captured == 1


@pytest.mark.parametrize(
    "samples, means, std, kw, match",
    [
        (np.zeros((0, 2)), np.zeros((1, 2)), 1.0, {}, "samples"),
        (np.zeros((3, 2)), np.zeros((0, 2)), 1.0, {}, "means"),
        (np.zeros((3, 2)), np.zeros((2, 3)), 1.0, {}, "same dimension"),
        (np.zeros((3, 2)), np.zeros((2, 2)), 0.0, {}, "std"),
        (np.zeros((3, 2)), np.zeros((2, 2)), [1.0, 1.0, 1.0], {}, "std"),
        (np.zeros((3, 2)), np.zeros((2, 2)), np.nan, {}, "std"),
        (np.zeros((3, 2)), np.zeros((2, 2)), 1.0, {"min_share": 0.0}, "min_share"),
        (np.zeros((3, 2)), np.zeros((2, 2)), 1.0, {"min_share": True}, "min_share"),
        ([[np.inf, 0.0]], np.zeros((2, 2)), 1.0, {}, "samples"),
    ],
)
def test_mode_stats_bad_input(samples, means, std, kw, match):
    with pytest.raises(ValueError, match=match):
        mode_stats(samples, means, std, **kw)


@pytest.mark.parametrize("module", ["gan_backend.metrics._kde", "gan_backend.metrics.coverage", "gan_backend.adagan.theory"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


# --- the public reference code's estimator -------------------------------------------------

def _reference_by_scipy(samples, data, seed):
    """The estimator as the issue states it, written independently with SciPy (dense
    squared distances, ``scipy.special.logsumexp``): shuffle; Gaussian KDE on the first
    1,000; bandwidth b0 * 2^k (k = -7..6, b0 = median distance of consecutive shuffled
    fitting samples) by the mean log-density of the next 500; t = 5th percentile at the
    1,000 fitting samples; C = 1 - mean(log p(real) <= t) on the first 500 data points.
    (scikit-learn's tree KDE is not used: it loses up to 60 nats at points far from every
    sample, where its sum of kernels underflows.)"""
    from scipy.spatial.distance import cdist
    from scipy.special import logsumexp

    def logpdf(q, pts, h):
        return (logsumexp(-cdist(q, pts, "sqeuclidean") / (2 * h * h), axis=1) - np.log(len(pts))
                - np.log(2 * np.pi * h * h))  # d = 2

    perm = np.random.default_rng(seed).permutation(len(samples))
    fit, sel = samples[perm[:1000]], samples[perm[1000:1500]]
    b0 = np.median(np.linalg.norm(fit[1:] - fit[:-1], axis=1))
    best_h, best_ll = None, -np.inf
    for k in range(-7, 7):
        h = b0 * 2.0**k
        ll = logpdf(sel, fit, h).mean()
        if ll > best_ll:
            best_h, best_ll = h, ll
    t = np.percentile(logpdf(fit, fit, best_h), 5)
    lp = logpdf(data[:500], fit, best_h)
    return 1.0 - np.mean(lp <= t), best_h, t, lp


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_coverage_reference_matches_an_independent_implementation(seed):
    from gan_backend import coverage_reference

    rng = np.random.default_rng(seed)
    means = rng.uniform(-15, 15, size=(5, 2))
    data = means[rng.integers(5, size=800)] + rng.normal(size=(800, 2))
    # a model that misses two of the five modes and is too wide on the others
    model = means[rng.integers(3, size=2000)] + 1.6 * rng.normal(size=(2000, 2))
    res = coverage_reference(model, data, rng=seed)
    c, h, t, lp = _reference_by_scipy(model, data, seed)
    assert res.bandwidth == pytest.approx(h, rel=1e-15)  # the same grid point
    # log-densities: our kernel's truncation (terms < e^-50 of the largest) and summation
    # order differ from SciPy's by round-off only (1e-12 relative is ~1e4 ulps)
    np.testing.assert_allclose(res.data_logpdf, lp, rtol=1e-12, atol=1e-12)
    assert res.threshold == pytest.approx(t, rel=1e-12)
    assert res.c == c  # no data point lies within round-off of t: identical counts
    assert 0.2 < res.c < 0.9  # the model misses modes: C is informative here


def test_coverage_reference_threshold_in_sample_and_validation():
    from gan_backend import coverage_reference
    from gan_backend.metrics.coverage import Collapsed, coverage_or_collapsed

    rng = np.random.default_rng(3)
    x = rng.normal(size=(1500, 2))
    res = coverage_reference(x, rng.normal(size=(500, 2)), rng=0)
    assert res.n_fit == 1000 and res.n_heldout == 500 and res.data_logpdf.shape == (500,)
    with pytest.raises(ValueError, match="model_samples"):
        coverage_reference(x[:1499], x, rng=0)
    with pytest.raises(ValueError, match="data"):
        coverage_reference(x, x[:499], rng=0)
    with pytest.raises(ValueError, match="sizes"):
        coverage_reference(x, x, rng=0, sizes=(0, 1000, 500))
    point = np.tile([[1.0, 2.0]], (1500, 1))
    got = coverage_or_collapsed(point, x, rng=0, estimator=coverage_reference)
    assert isinstance(got, Collapsed) and got.c == 0.0


@pytest.mark.parametrize("scale", [2.0 ** 700, 1e300, 1e-200, 1e-310])
@pytest.mark.parametrize("estimator", ["coverage", "coverage_reference"])
def test_coverage_is_the_same_in_any_units(scale, estimator):
    """C does not depend on the unit of length. Before, squared distances overflowed
    (median distance inf: a ValueError wrongly saying the samples coincide) or underflowed
    (median 0: DegenerateSamplesError, which the table turns into a collapsed model, C = 0).
    Now the points are rescaled by a power of two (exact) and the lengths and
    log-densities converted back."""
    from gan_backend.metrics import coverage as cov_mod

    fn = getattr(cov_mod, estimator)
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal((1600, 2)), rng.standard_normal((600, 2)) + [0.5, 0.0]
    ref = fn(x, y, rng=3)
    with np.errstate(over="raise", invalid="raise"):
        got = fn(x * scale, y * scale, rng=3)
    assert got.c == ref.c
    # rtol: the scaled coordinates (1e-310 is subnormal: 2^-1030 steps, ~1e-15 relative at
    # |x| ~ 1) and one rounding of the log shift d e log 2 (e up to 1030)
    assert got.bandwidth / scale == pytest.approx(ref.bandwidth, rel=1e-12)
    assert got.loglik + 2 * math.log(scale) == pytest.approx(ref.loglik, rel=1e-12)
    np.testing.assert_allclose(got.data_logpdf + 2 * math.log(scale), ref.data_logpdf, rtol=1e-11)
    assert not isinstance(cov_mod.coverage_or_collapsed(x * scale, y * scale, rng=3), cov_mod.Collapsed)
