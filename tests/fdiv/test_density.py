"""fdiv.density_divergence against closed forms (parameters drawn by hypothesis): each value
within the returned ``.error``, and ``.error`` at most 1e-8 relative; +inf cases detected; the
singular part f'(inf) Q(p = 0); bad input."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import fdiv

LOG2 = math.log(2.0)
FLOAT_MAX = np.finfo(np.float64).max


#: the closed forms' own error: 50-digit mpmath (a relative 1e-48 or so), far below any error
#: bar of a float64 quadrature; it matters only where the exact value is 0 (q = p)
REF_TOL = 1e-40


#: the error's rounding floor on these Gaussians: the log-densities' rounding propagated through the
#: integrand (fdiv._density.LOG_DENSITY_ULPS eps times ∫ sensitivity, of order 1e-14 for KL at q = p);
#: an error bar may not beat it, so the 1e-8 relative requirement holds above it
FLOOR = 1e-13


def _check(res, exact, rel=1e-8):
    if res.error_kind == "exact":  # q and p are one distribution: D_f = f(1) = 0, no quadrature
        assert res.value == 0 and res.error == 0 and abs(exact) <= REF_TOL, (res, exact)
        return
    assert res.error_kind == "quadrature"
    assert abs(mp.mpf(res.value) - exact) <= res.error + REF_TOL, (res, exact, res.value - exact)
    assert res.error <= rel * abs(exact) + FLOOR, (res.error, exact)


# --- Gaussian closed forms (any dimension; m mean vectors, s covariance matrices) ---------------
# Evaluated in mpmath at 50 digits from the exact float inputs: in float64, 2 − 2 BC and
# exp(·) − 1 cancel (for σ 2.25 against 2.125, 2 − 2 BC = 1.6e-3 loses 4e-16, twice the
# quadrature's own error bar), so a float64 reference could fail a correct result.
mp.mp.dps = 50


def _mp(m, s):
    """Mean vector and covariance as mpmath matrices (``s`` may already be one: an exact σ²)."""
    s = s if isinstance(s, mp.matrix) else mp.matrix([[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(s)])
    return mp.matrix([mp.mpf(float(v)) for v in np.ravel(m)]), s


def _quad(d, a, e):
    """dᵀ a⁻¹ e."""
    return (d.T * mp.lu_solve(a, e))[0]


def kl_normal(m1, s1, m2, s2):
    (m1, s1), (m2, s2) = _mp(m1, s1), _mp(m2, s2)
    i2s1 = mp.inverse(s2) * s1
    trace = mp.fsum(i2s1[i, i] for i in range(s1.rows))
    d = m2 - m1
    return 0.5 * (trace + _quad(d, s2, d) - s1.rows + mp.log(mp.det(s2) / mp.det(s1)))


def hellinger_normal(m1, s1, m2, s2):
    """∫(√q − √p)² = 2 − 2 BC, BC the Bhattacharyya coefficient."""
    (m1, s1), (m2, s2) = _mp(m1, s1), _mp(m2, s2)
    sb, d = (s1 + s2) / 2, m1 - m2
    log_bc = mp.log(mp.det(s1) * mp.det(s2)) / 4 - mp.log(mp.det(sb)) / 2 - _quad(d, sb, d) / 8
    return -2 * mp.expm1(log_bc)


def pearson_normal(m1, s1, m2, s2):
    """∫q²/p − 1, finite iff A = 2 S1^-1 − S2^-1 is positive definite (else +inf): the
    Gaussian power integral with exponents 2 and −1, less one (expm1 of its log: exact near 0)."""
    log_int = gauss_power_log_integral([(2, m1, s1), (-1, m2, s2)])
    return math.inf if log_int == mp.inf else mp.expm1(log_int)


CLOSED = {"kl": kl_normal, "squared_hellinger": hellinger_normal, "pearson_chi2": pearson_normal}

_mean = st.floats(-3, 3)
_sd = st.floats(0.4, 2.5)


@settings(max_examples=25)
@given(m1=_mean, m2=_mean, s1=_sd, s2=_sd)
@pytest.mark.parametrize("name", list(CLOSED))
def test_1d_gaussians_match_closed_forms(name, m1, m2, s1, s2):
    exact = CLOSED[name](np.array([m1]), mp.matrix([[mp.mpf(s1) ** 2]]), np.array([m2]), mp.matrix([[mp.mpf(s2) ** 2]]))
    res = fdiv.density_divergence(name, stats.norm(m1, s1), stats.norm(m2, s2))
    if exact == math.inf:
        assert res.value == math.inf and res.error_kind == "exact"
    elif exact > FLOAT_MAX:  # finite, beyond the floats (χ² = e^1176 near σ_q² = 2σ_p²): +inf is its float
        assert res.value == math.inf
    else:
        _check(res, exact)


@settings(max_examples=8)
@given(seed=st.integers(0, 2**32 - 1))
@pytest.mark.parametrize("name", list(CLOSED))
def test_2d_normals_match_closed_forms(name, seed):
    rng = np.random.default_rng(seed)
    m1, m2 = rng.uniform(-1.5, 1.5, 2), rng.uniform(-1.5, 1.5, 2)
    a, b = rng.normal(size=(2, 2)) * 0.6, rng.normal(size=(2, 2)) * 0.6
    s1, s2 = a @ a.T + 0.3 * np.eye(2), b @ b.T + 0.3 * np.eye(2)
    exact = CLOSED[name](m1, s1, m2, s2)
    res = fdiv.density_divergence(name, stats.multivariate_normal(m1, s1), stats.multivariate_normal(m2, s2))
    if exact == math.inf:
        assert res.value == math.inf and res.error_kind == "exact"
    elif exact > FLOAT_MAX:  # finite, beyond the floats (χ² = e^1176 near σ_q² = 2σ_p²): +inf is its float
        assert res.value == math.inf
    else:
        _check(res, exact)


@settings(max_examples=20)
@given(m=_mean, s=_sd, ratio=st.floats(1.45, 4.0))
def test_pearson_infinite_when_denominator_too_narrow_1d(m, s, ratio):
    """∫q²/p = inf iff σ_q² ≥ 2 σ_p² (ratio = σ_q/σ_p ≥ √2); below √2 it is finite."""
    res = fdiv.density_divergence("pearson_chi2", stats.norm(m, s * ratio), stats.norm(m + 0.3, s))
    assert res.value == math.inf and "positive definite" in res.reason
    neyman = fdiv.density_divergence("neyman_chi2", stats.norm(m + 0.3, s), stats.norm(m, s * ratio))
    assert neyman.value == math.inf


def test_pearson_infinite_2d_and_finite_just_inside():
    q = stats.multivariate_normal([0.0, 0.0], [[3.0, 0.0], [0.0, 1.0]])
    p = stats.multivariate_normal([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    assert fdiv.density_divergence("pearson_chi2", q, p).value == math.inf
    q = stats.multivariate_normal([0.2, 0.0], [[1.5, 0.3], [0.3, 1.0]])
    exact = pearson_normal(np.array([0.2, 0.0]), np.array([[1.5, 0.3], [0.3, 1.0]]), np.zeros(2), np.eye(2))
    _check(fdiv.density_divergence("pearson_chi2", q, p), exact)


def test_pearson_divergence_detected_by_tail_growth_for_a_callable_free_pair():
    """A Gaussian over a Laplace denominator: q²/p ~ exp(-x² + |x|) decays (finite); a Laplace
    over a Gaussian: q²/p ~ exp(-2|x| + x²/2) grows (+inf, detected from the tail shells)."""
    res = fdiv.density_divergence("pearson_chi2", stats.laplace(0, 1), stats.norm(0, 1))
    assert res.value == math.inf and ("tail" in res.reason or "exceeds the largest float" in res.reason)
    res = fdiv.density_divergence("pearson_chi2", stats.norm(0, 1), stats.laplace(0, 1))
    # ∫ φ²/(e^{-|x|}/2) = 2 ∫ φ(x)² e^{|x|} = (2/√π) e^{1/4} Φ(1/√2) ... computed with mpmath below
    import mpmath as mp

    mp.mp.dps = 30
    want = float(mp.quad(lambda x: 2 * mp.npdf(x) ** 2 * mp.e ** abs(x), [-mp.inf, 0, mp.inf]) - 1)
    _check(res, want)


@settings(max_examples=25)
@given(m=_mean, delta=st.floats(0.01, 5.0), s=_sd)
def test_tv_equal_variance_gaussians(m, delta, s):
    """Σ|q − p| (no ½) = 2 (2 Φ(δ / 2σ) − 1) = 2 erf(δ / (2√2 σ)), in mpmath (2 Φ − 1 cancels
    in float64 for small δ)."""
    gap = mp.mpf(m + delta) - mp.mpf(m)   # the means' distance as the distributions hold it
    exact = 2 * mp.erf(gap / (2 * mp.sqrt(2) * mp.mpf(s)))
    _check(fdiv.density_divergence("tv", stats.norm(m, s), stats.norm(m + delta, s)), exact)


@settings(max_examples=25)
@given(a=st.floats(-5, 5), w1=st.floats(0.1, 3), gap=st.floats(0.0, 3), w2=st.floats(0.1, 3))
def test_disjoint_uniforms_tv_js_singular_part(a, w1, gap, w2):
    q, p = stats.uniform(a, w1), stats.uniform(a + w1 + gap, w2)
    tv = fdiv.density_divergence("tv", q, p)
    _check(tv, 2.0)
    assert abs(tv.singular - 1.0) <= tv.error  # f'(inf) Q(p = 0) = 1 * 1
    js = fdiv.density_divergence("js", q, p)
    _check(js, 2 * LOG2)
    assert abs(js.singular - LOG2) <= js.error  # f'(inf) = log 2
    kl = fdiv.density_divergence("kl", q, p)
    assert kl.value == math.inf and kl.error_kind == "exact" and "Q(p = 0) > 0" in kl.reason
    assert fdiv.density_divergence("reverse_kl", q, p).value == math.inf


@settings(max_examples=20)
@given(a=st.floats(-5, 5), w=st.floats(0.2, 3), frac=st.floats(0.1, 0.9))
def test_nested_uniforms_singular_part(a, w, frac):
    """q = U(a, a + w), p = U(a + (1 - frac) w, a + w): Q(p = 0) = 1 - frac and q/p = frac on
    p's support (where P has all its mass), so D_f = (1 - frac) f'(inf) + f(frac)."""
    q, p = stats.uniform(a, w), stats.uniform(a + (1 - frac) * w, frac * w)
    for name in ("tv", "js", "squared_hellinger"):
        g = fdiv.get(name)
        res = fdiv.density_divergence(name, q, p)
        _check(res, (1 - frac) * g.slope_inf + float(g.f(frac)))
        assert abs(res.singular - (1 - frac) * g.slope_inf) <= res.error + 1e-15


def test_mixtures_kl_matches_scipy_quad():
    from scipy.integrate import quad

    q = fdiv.DensityMixture([0.2, 0.5, 0.3], [stats.norm(-2, 0.7), stats.norm(0.5, 1.0), stats.norm(3, 0.5)])
    p = fdiv.DensityMixture([0.3, 0.7], [stats.norm(-1, 1.5), stats.norm(2, 1.2)])
    res = fdiv.density_divergence("kl", q, p)
    want, _ = quad(lambda x: float(q.pdf([x])[0] * (q.logpdf([x])[0] - p.logpdf([x])[0])), -30, 30,
                   points=[-2, 0.5, 3], epsabs=0, epsrel=1e-12, limit=500)
    assert abs(res.value - want) <= res.error + 1e-12 * want and res.error <= 1e-9 * want


def test_callable_densities_with_bounds():
    def q(x):
        return np.where(np.abs(x[:, 0]) <= 1, 0.75 * (1 - x[:, 0] ** 2), 0.0)  # Epanechnikov

    def p(x):
        return np.full(x.shape[0], 0.25)  # U(-2, 2)

    res = fdiv.density_divergence("kl", q, p, bounds=(-2, 2))
    # KL = ∫_{-1}^{1} q log(q / (1/4)), by mpmath
    import mpmath as mp

    want = float(mp.quad(lambda x: 0.75 * (1 - x * x) * mp.log(3 * (1 - x * x)), [-1, 1]))
    _check(res, want)
    # in 2-D: q(x, y) = q(x) / 2 and p = 1/4 on [-1, 1]^2, so q/p = 3 (1 - x^2) / 2
    two_d = fdiv.density_divergence("kl", lambda x: q(x) * 0.5, lambda x: np.full(x.shape[0], 0.25),
                                    bounds=[(-1, 1), (-1, 1)], rtol=1e-9)
    _check(two_d, want - LOG2)


def test_three_dimensions_is_labelled_a_standard_error():
    q = stats.multivariate_normal(np.zeros(3), np.eye(3))
    p = stats.multivariate_normal(np.full(3, 0.5), np.eye(3) * 1.2)
    res = fdiv.density_divergence("kl", q, p, n_samples=200_000, rng=1)
    exact = kl_normal(np.zeros(3), np.eye(3), np.full(3, 0.5), np.eye(3) * 1.2)
    assert res.error_kind == "standard error" and 0 < res.error < 0.01
    assert abs(res.value - exact) <= 5 * res.error


# --- bad input --------------------------------------------------------------------------------
def test_callable_without_bounds_is_refused_with_a_message_that_says_so():
    with pytest.raises(ValueError, match="`q` is a callable density: pass `bounds`"):
        fdiv.density_divergence("kl", lambda x: np.ones(len(x)), stats.norm())


def test_negative_or_nan_density_names_q_or_p_and_value():
    with pytest.raises(ValueError, match=r"`p` must be a finite, nonnegative density; got -0\.5"):
        fdiv.density_divergence("kl", lambda x: np.full(len(x), 0.5), lambda x: np.full(len(x), -0.5),
                                bounds=(0, 2))
    with pytest.raises(ValueError, match=r"`q` must be a finite, nonnegative density; got nan"):
        fdiv.density_divergence("kl", lambda x: np.full(len(x), np.nan), stats.uniform(0, 2), bounds=(0, 2))


def test_mass_off_one_names_density_and_mass():
    with pytest.raises(ValueError, match=r"`q` must have mass 1.*got mass 1\.1"):
        fdiv.density_divergence("kl", lambda x: np.full(len(x), 0.55), stats.uniform(0, 2), bounds=(0, 2))
    with pytest.raises(ValueError, match=r"`p` must have mass 1.*got mass 0\.9"):  # truncated by bounds
        fdiv.density_divergence("kl", stats.uniform(0, 2), stats.norm(0, 1), bounds=(-1.6448536, 2))


def test_dimension_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"same dimension.*\(n, 1\) and \(n, 2\)"):
        fdiv.density_divergence("kl", stats.norm(), stats.multivariate_normal([0, 0]))
    with pytest.raises(ValueError, match=r"`bounds`.*2 pair\(s\).*\(n, 1\)"):
        fdiv.density_divergence("kl", stats.norm(), stats.norm(), bounds=[(0, 1), (0, 1)])


@pytest.mark.parametrize(("kw", "needle"), [
    ({"rtol": 0.0}, "`rtol`"), ({"rtol": 2.0}, "`rtol`"), ({"bounds": (1, 0)}, "`bounds`"),
    ({"bounds": "x"}, "`bounds`"), ({"mass_tol": -1.0}, "`mass_tol`"),
    # used only in 3 or more dimensions, checked in every one (they were silently ignored in 1-D)
    ({"n_samples": 0}, "`n_samples`"), ({"n_samples": 2.5}, "`n_samples`"), ({"rng": "x"}, "`rng`"),
    ({"rng": -1}, "`rng`"), ({"rng": 1.5}, "`rng`"),
])
def test_bad_keywords(kw, needle):
    with pytest.raises(ValueError, match=needle):
        fdiv.density_divergence("kl", stats.norm(), stats.norm(1), **kw)


def test_bad_distributions_and_mixtures():
    with pytest.raises(ValueError, match="`q` must be a frozen"):
        fdiv.density_divergence("kl", stats.poisson(3), stats.norm())
    with pytest.raises(ValueError, match="`p` must be a frozen"):
        fdiv.density_divergence("kl", stats.norm(), np.ones(3))
    with pytest.raises(ValueError, match=r"`p` must be a frozen distribution \(e\.g\. scipy\.stats\.norm\(loc"):
        fdiv.density_divergence("kl", stats.norm(), stats.norm)
    with pytest.raises(ValueError, match=r"`weights` must sum to 1.*0\.9"):
        fdiv.DensityMixture([0.5, 0.4], [stats.norm(), stats.norm(1)])
    with pytest.raises(ValueError, match="share one dimension"):
        fdiv.DensityMixture([0.5, 0.5], [stats.norm(), stats.multivariate_normal([0, 0])])
    with pytest.raises(ValueError, match="`f`"):
        fdiv.density_divergence(3, stats.norm(), stats.norm())


def test_polynomial_tails_are_integrated_to_infinity():
    """Student t and Cauchy: ranges of ±1e5 to ±6e14 (1e-15 of the mass outside), tails still
    contributing past them; references by mpmath on (-inf, inf)."""
    import mpmath as mp

    mp.mp.dps = 30

    def t3(x):
        return 6 * mp.sqrt(3) / (mp.pi * (3 + x * x) ** 2)

    def phi(x):
        return mp.npdf(x)

    def cauchy(x):
        return 1 / (mp.pi * (1 + x * x))

    cases = [
        ("kl", stats.t(3), stats.norm(), lambda x: t3(x) * mp.log(t3(x) / phi(x))),
        ("kl", stats.norm(), stats.cauchy(), lambda x: phi(x) * mp.log(phi(x) / cauchy(x))),
        ("squared_hellinger", stats.cauchy(), stats.t(3), lambda x: (mp.sqrt(cauchy(x)) - mp.sqrt(t3(x))) ** 2),
    ]
    for name, q, p, integrand in cases:
        want = float(mp.quad(integrand, [-mp.inf, -10, 0, 10, mp.inf]))
        _check(fdiv.density_divergence(name, q, p), want)


def test_divergence_found_in_the_tails_is_labelled_divergent():
    res = fdiv.density_divergence("kl", stats.cauchy(), stats.norm())   # q log(q/p) ~ const at infinity
    assert res.value == math.inf and res.error_kind == "divergent" and "tail" in res.reason


def test_one_distribution_is_exactly_zero_however_it_is_written():
    """D_f(P||P) = f(1) = 0 exactly, with error 0, for P given twice (positional or keyword
    parameters, a mixture, a multivariate normal); a distribution that differs in the last bit
    of a parameter is integrated, and its error bar covers the exact value."""
    same = [(stats.norm(0.5, 2), stats.norm(loc=0.5, scale=2)),
            (stats.t(3, 1.0, 2.0), stats.t(df=3, loc=1.0, scale=2.0)),
            (fdiv.DensityMixture([0.3, 0.7], [stats.norm(-1, 0.5), stats.norm(2, 1)]),
             fdiv.DensityMixture([0.3, 0.7], [stats.norm(-1, 0.5), stats.norm(2, 1)])),
            (stats.multivariate_normal([0, 1], [[1, 0.2], [0.2, 2]]),
             stats.multivariate_normal([0, 1], [[1, 0.2], [0.2, 2]]))]
    for name in ("kl", "squared_hellinger", "pearson_chi2", "tv"):
        for q, p in same:
            res = fdiv.density_divergence(name, q, p)
            assert (res.value, res.error, res.error_kind) == (0.0, 0.0, "exact"), (name, res)
    s2 = np.nextafter(2.0, 3.0)
    res = fdiv.density_divergence("kl", stats.norm(0.5, 2), stats.norm(0.5, s2))
    assert res.error_kind == "quadrature"
    _check(res, kl_normal(np.array([0.5]), mp.matrix([[4]]), np.array([0.5]), mp.matrix([[mp.mpf(s2) ** 2]])))


def test_error_bar_covers_near_equal_pairs():
    """Near-equal Gaussians (means and scales 1e-9 to 1e-2 relative apart; values 1e-19 to
    1e-5): the rounding of the log-densities, not the quadrature, limits the accuracy there, and
    the error bar includes it (fdiv._density.LOG_DENSITY_ULPS). Without that term the bar was
    too small in 33 of 180 such cases, by up to 5×. Exact values: 50-digit mpmath."""
    rng = np.random.default_rng(20261206)
    for name in ("kl", "squared_hellinger", "pearson_chi2"):
        for _ in range(12):
            m1, s1 = rng.uniform(-3, 3), rng.uniform(0.4, 2.5)
            m2 = m1 + 10 ** rng.uniform(-9, -2) * rng.choice([-1, 1])
            s2 = s1 * (1 + 10 ** rng.uniform(-9, -2) * rng.choice([0, 1]))
            exact = CLOSED[name](np.array([m1]), mp.matrix([[mp.mpf(s1) ** 2]]), np.array([m2]),
                                 mp.matrix([[mp.mpf(s2) ** 2]]))
            res = fdiv.density_divergence(name, stats.norm(m1, s1), stats.norm(m2, s2))
            assert abs(mp.mpf(res.value) - exact) <= res.error, (name, m1, s1, m2, s2, res, exact)


@pytest.mark.parametrize("name", sorted(fdiv.names()))
def test_sensitivity_partials_match_the_generators_derivative(name):
    """The closed-form ∂t/∂(log q) behind the error's rounding term equals q·f'(q/p) from the
    registry's own f_prime (an independent formula) to 1e-12, and a central difference of the
    closed term in log q to 1e-6 (the difference's own truncation)."""
    from fdiv._density_terms import _CLOSED, _PARTIAL

    g = fdiv.get(name)
    rng = np.random.default_rng(3)
    lq = rng.uniform(-3, 1, 64)
    lp = lq + rng.uniform(-2, 2, 64)
    q, p = np.exp(lq), np.exp(lp)
    closed = _PARTIAL[name](lq, lp, q, p)
    np.testing.assert_allclose(closed, q * np.asarray(g.f_prime(q / p)), rtol=1e-12, atol=1e-14)
    h = 1e-6
    fd = (_CLOSED[name](lq + h, lp, np.exp(lq + h), p) - _CLOSED[name](lq - h, lp, np.exp(lq - h), p)) / (2 * h)
    np.testing.assert_allclose(closed, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bad", [stats.norm(0, np.nan), stats.norm(np.inf, 1), stats.norm(0, -1.0),
                                 stats.t(-2.0), stats.norm(0, 0.0)])
def test_frozen_distribution_with_invalid_parameters_names_the_argument(bad):
    with pytest.raises(ValueError, match="`p` has invalid parameters"):
        fdiv.density_divergence("kl", stats.norm(0, 1), bad)


# --- integrands peaked far from both densities ---------------------------------------------------
def gauss_power_log_integral(terms):
    """log ∫ Π_k N(x; μ_k, Σ_k)^{e_k} dx for exponents summing to 1, in 50-digit mpmath: the
    product is exp(−½ xᵀAx + bᵀx − c/2) times Π |2πΣ_k|^{−e_k/2}, A = Σ e_k Σ_k⁻¹ (+inf unless
    positive definite), b = Σ e_k Σ_k⁻¹ μ_k, c = Σ e_k μ_kᵀ Σ_k⁻¹ μ_k; the (2π) factors cancel."""
    d = len(terms[0][1])
    a, b, c, logdet = mp.zeros(d, d), mp.zeros(d, 1), mp.mpf(0), mp.mpf(0)
    for e, m, s in terms:
        m, s = _mp(m, s)
        inv = mp.inverse(s)
        a += e * inv
        b += e * inv * m
        c += e * (m.T * inv * m)[0]
        logdet += e * mp.log(mp.det(s))
    if min(mp.eigsy((a + a.T) / 2)[0]) <= 0:
        return mp.inf
    return -logdet / 2 - mp.log(mp.det(a)) / 2 + _quad(b, a, b) / 2 - c / 2


def gauss_power_integral(terms):
    """∫ Π_k N(x; μ_k, Σ_k)^{e_k} dx (:func:`gauss_power_log_integral`, exponentiated)."""
    return mp.exp(gauss_power_log_integral(terms))


def _near_threshold(rng, d, expo, eps):
    """Gaussians x, y with ∫ x^e y^(1−e) (e = expo > 1) just finite: A = e Λx + (1 − e) Λy has
    smallest eigenvalue eps times Λx's scale, so its peak sits of order 1/eps from both."""
    r = rng.normal(size=(d, d)) * 0.7
    sx = r @ r.T + 0.4 * np.eye(d)
    w, v = np.linalg.eigh(np.linalg.inv(sx))
    root = v @ np.diag(np.sqrt(w)) @ v.T  # Λx^{1/2}
    rot = np.linalg.qr(rng.normal(size=(d, d)))[0]
    t = np.concatenate([[eps], rng.uniform(0.3, expo - 0.3, d - 1)])
    lam_y = root @ rot @ np.diag((expo - t) / (expo - 1)) @ rot.T @ root
    sy = np.linalg.inv(lam_y)
    sy = 0.5 * (sy + sy.T)
    return rng.uniform(-2, 2, d), sx, rng.uniform(-2, 2, d), sy


#: (f, the exponent e of the far integrand x^e y^(1−e), whether q is x, D_f from I = ∫ x^e y^(1−e))
_POWER_CASES = [("pearson_chi2", 2.0, True, lambda i: i - 1), ("neyman_chi2", 2.0, False, lambda i: i - 1),
                ("alpha(3)", 3.0, True, lambda i: (i - 1) / 6), ("alpha(-1)", 2.0, False, lambda i: (i - 1) / 2)]


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), log_eps=st.floats(-3.0, -0.5), d=st.sampled_from([1, 2]))
@pytest.mark.parametrize("case", _POWER_CASES, ids=[c[0] for c in _POWER_CASES])
def test_integrand_peaked_far_from_both_densities(case, seed, log_eps, d):
    """f with a power end (f(u) ~ u^a, a > 1 or a < 0) between Gaussians near the threshold of
    finiteness: p f(q/p) is a Gaussian bump some 1/eps standard deviations from both q and p
    (eps down to 1e-3), outside the 1e-15 box of either. Before the range took in that bump, 2-D
    pearson_chi2 between random Gaussians returned 6.0e68 for 3.2e70 with an error bar of 1.5e58.
    Exact: 50-digit mpmath; a value beyond the float range must come back as +inf."""
    name, expo, q_is_x, value_of = case
    mx, sx, my, sy = _near_threshold(np.random.default_rng(seed), d, expo, 10.0 ** log_eps)
    exact = value_of(gauss_power_integral([(expo, mx, sx), (1 - expo, my, sy)]))
    x, y = stats.multivariate_normal(mx, sx), stats.multivariate_normal(my, sy)
    res = fdiv.density_divergence(name, *((x, y) if q_is_x else (y, x)))
    if exact > mp.mpf(np.finfo(np.float64).max):
        assert res.value == math.inf, (res, exact)
    else:
        _check(res, exact)


def test_pearson_mixture_numerator_with_one_far_peaked_pair():
    """A two-component numerator against one Gaussian, one pair near the threshold: ∫ q²/p is
    the sum over component pairs (i, j) of w_i w_j ∫ N_i N_j / p (gauss_power_integral)."""
    rng = np.random.default_rng(77)
    m0, s0, mp_, sp = _near_threshold(rng, 2, 2.0, 0.01)
    m1, s1 = np.array([1.0, -0.5]), 0.6 * sp
    w = (0.3, 0.7)
    comps = [(m0, s0), (m1, s1)]
    integral = mp.fsum(w[i] * w[j] * gauss_power_integral([(1, *comps[i]), (1, *comps[j]), (-1, mp_, sp)])
                       for i in range(2) for j in range(2))
    q = fdiv.DensityMixture(w, [stats.multivariate_normal(m, s) for m, s in comps])
    _check(fdiv.density_divergence("pearson_chi2", q, stats.multivariate_normal(mp_, sp)), integral - 1)


@pytest.mark.parametrize("a", [3.0, 2.0, 1.5, -1.0, -0.5, 1.0, 0.0])
def test_alpha_term_where_the_ratio_overflows(a):
    """alpha(a)'s integrand p f(q/p) and its partial q f'(q/p) at log-densities whose ratio
    (or its a-th power) leaves the float range while the term does not: against 50-digit
    mpmath of (q^a p^(1−a) − a q − (1−a) p)/(a(a−1)) (a = 1, 0: the kl / reverse-kl forms) to
    1e-13 relative (a few roundings of exp and log)."""
    from fdiv._density_terms import closed_form, densities, partial_form

    g = fdiv.alpha(a)
    lq = np.array([-500.0, -900.0, -30.0, -700.0, -1.0])
    lp = np.array([-900.0, -500.0, -740.0, -20.0, -1.2])
    q, p = densities(lq, lp)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # as fdiv._density_terms.terms
        term, part = closed_form(g)(lq, lp, q, p), partial_form(g)(lq, lp, q, p)
    for i in range(lq.size):
        mq, mpp = mp.exp(mp.mpf(lq[i])), mp.exp(mp.mpf(lp[i]))
        if a == 1.0:
            t, d = mq * (lq[i] - lp[i]) - mq + mpp, mq * (lq[i] - lp[i])
        elif a == 0.0:
            t, d = mpp * (lp[i] - lq[i]) - mpp + mq, mq - mpp
        else:
            main = mp.exp(a * mp.mpf(lq[i]) + (1 - a) * mp.mpf(lp[i]))
            t, d = (main - a * mq - (1 - a) * mpp) / (a * (a - 1)), (main - mq) / (a - 1)
        for got, want in ((term[i], t), (part[i], d)):
            if abs(want) > mp.mpf(np.finfo(np.float64).max):
                assert got == math.inf * mp.sign(want), (a, i, got, want)
            else:
                assert abs(mp.mpf(got) - want) <= 1e-13 * abs(want) + mp.mpf(1e-320), (a, i, got, want)


#: z-score allowed of an importance-sampling estimate: 5 standard errors (two-sided chance 6e-7
#: per case for a Gaussian estimate; the rng is fixed, so the test is deterministic)
Z_ALLOWED = 5.0


@pytest.mark.parametrize("case", _POWER_CASES, ids=[c[0] for c in _POWER_CASES])
@pytest.mark.parametrize("seed,eps", [(0, 0.3), (1, 0.1), (2, 0.03)])
def test_importance_sampling_reaches_the_far_bump_in_3d(case, seed, eps):
    """3-D (importance sampling): the proposal includes the far bump of p f(q/p). Without it,
    pearson_chi2 of the first case came out as 1.9e12 ± 9.1e11 for 8.4e24 (the bump holding the
    integral was never sampled). Now within Z_ALLOWED standard errors, with a standard error
    below 1 % of the value (the estimate is useful, not merely covered)."""
    name, expo, q_is_x, value_of = case
    mx, sx, my, sy = _near_threshold(np.random.default_rng(seed), 3, expo, eps)
    exact = value_of(gauss_power_integral([(expo, mx, sx), (1 - expo, my, sy)]))
    x, y = stats.multivariate_normal(mx, sx), stats.multivariate_normal(my, sy)
    res = fdiv.density_divergence(name, *((x, y) if q_is_x else (y, x)), n_samples=60_000, rng=seed)
    assert res.error_kind == "standard error"
    assert abs(mp.mpf(res.value) - exact) <= Z_ALLOWED * res.error, (res, exact)
    assert res.error <= 1e-2 * abs(exact), (res, exact)


@pytest.mark.parametrize("name,ends", [("pearson_chi2", (2.0,)), ("neyman_chi2", (-1.0,)), ("alpha(3)", (3.0,)),
                                       ("alpha(6)", (6.0,)), ("alpha(-5)", (-5.0,)), ("alpha(0.5)", ()),
                                       ("kl", ()), ("reverse_kl", ()), ("jeffreys", ()), ("tv", ()), ("js", ())])
def test_power_ends_of_the_generators(name, ends):
    """The exponents of f(u) ~ u^a (a > 1 at ∞, a < 0 at 0) that decide where the far bump is
    looked for; alpha(6) overflows at u = 1e60 and is measured on the next pair of points. A
    relative 1e-3 is the logarithmic factor's share of the measured slope (f's lower-order terms)."""
    from fdiv._density import _power_ends

    got = _power_ends(fdiv.get(name))
    assert len(got) == len(ends) and all(abs(a - b) <= 1e-3 * abs(b) for a, b in zip(got, ends)), got


@pytest.mark.parametrize("k", [-1000, -700, 700, 1000])
@pytest.mark.parametrize("name", list(CLOSED))
def test_the_unit_of_length_does_not_matter(name, k):
    """D_f is invariant under a common change of units. Before, a normal of scale 2^-700
    had SciPy's std() = sqrt(scale**2) = 0: the quadrature hung (KL) or raised LinAlgError
    (pearson_chi2); at 2^1000 squaring the scale raised OverflowError. Both distributions
    are now rescaled together by a power of two (exact), so the closed form at unit scale
    is the reference, with the same error bars."""
    s = 2.0 ** k
    for (m1, s1), (m2, s2) in (((0.0, 1.0), (0.7, 1.3)), ((0.2, 1.2), (0.0, 0.8))):
        res = fdiv.density_divergence(name, stats.norm(m1 * s, s1 * s), stats.norm(m2 * s, s2 * s))
        exact = CLOSED[name](np.array([m1]), mp.matrix([[mp.mpf(s1) ** 2]]), np.array([m2]),
                             mp.matrix([[mp.mpf(s2) ** 2]]))
        if exact == math.inf:
            assert res.value == math.inf and res.error_kind == "exact"
        else:
            _check(res, exact)


@pytest.mark.parametrize("k", [-600, 600])
def test_other_families_mixtures_and_2d_normals_in_extreme_units(k):
    s = 2.0 ** k
    pairs = [
        (stats.gamma(2.0, scale=1.0), stats.gamma(3.0, scale=1.0), "kl"),
        (stats.t(3.0, scale=1.0), stats.norm(0.0, 1.0), "squared_hellinger"),
        (fdiv.DensityMixture([0.5, 0.5], [stats.norm(-1.0, 1.0), stats.norm(1.0, 1.0)]), stats.norm(0.0, 2.0), "kl"),
    ]
    for q, p, name in pairs:
        unit = fdiv.density_divergence(name, q, p)
        scaled = [_scaled(d, s) for d in (q, p)]
        got = fdiv.density_divergence(name, *scaled)
        assert abs(got.value - unit.value) <= got.error + unit.error, (name, got, unit)
    m = 2.0 ** (k // 2)  # the covariance m^2 = 2^k must itself be a float
    q2 = stats.multivariate_normal([0.0, 0.0], [[m * m, 0.0], [0.0, m * m]])
    p2 = stats.multivariate_normal([m, 0.0], [[m * m, 0.0], [0.0, m * m]])
    _check(fdiv.density_divergence("kl", q2, p2), kl_normal([0.0, 0.0], np.eye(2), [1.0, 0.0], np.eye(2)))


def _scaled(d, s):
    """The distribution of s X for a frozen SciPy distribution or a mixture of them."""
    if isinstance(d, fdiv.DensityMixture):
        return fdiv.DensityMixture(d.weights, [_scaled(c, s) for c in d.components])
    shapes, loc, scale = d.dist._parse_args(*d.args, **d.kwds)
    return d.dist(*shapes, loc=loc * s, scale=scale * s)


def test_a_density_callable_that_underflows_is_not_an_exact_infinity():
    """N(0, 1) against N(0, 1/4) as density callables on (-30, 30): the narrower one
    underflows to 0 at |x| > 19.3 while the other is still 1e-82. Before, that was reported
    as KL = +inf with error_kind "exact" (the true value is 0.8069). Now the same +inf is
    "divergent" and its reason says that p may only have underflowed; fdiv.LogDensity
    integrates the same pair exactly."""
    q, p = stats.norm(0.0, 1.0), stats.norm(0.0, 0.5)
    exact = kl_normal(np.array([0.0]), mp.matrix([[1]]), np.array([0.0]), mp.matrix([[mp.mpf(1) / 4]]))
    res = fdiv.density_divergence("kl", lambda x: q.pdf(x[:, 0]), lambda x: p.pdf(x[:, 0]), bounds=(-30, 30))
    assert res.value == math.inf and res.error_kind == "divergent"
    assert "unless `p` (a density callable) only underflowed to 0 there" in res.reason
    logs = [fdiv.LogDensity(lambda x, d=d: d.logpdf(x[:, 0])) for d in (q, p)]
    _check(fdiv.density_divergence("kl", *logs, bounds=(-30, 30)), exact)
    # 2-D: independent coordinates, so the KL is twice the 1-D one
    logs2 = [fdiv.LogDensity(lambda x, d=d: d.logpdf(x).sum(axis=1)) for d in (q, p)]
    _check(fdiv.density_divergence("kl", *logs2, bounds=[(-25, 25), (-25, 25)]), 2 * exact, rel=1e-7)


def test_log_density_zero_mass_where_the_other_has_some_is_an_exact_infinity():
    q = fdiv.LogDensity(lambda x: np.where(np.abs(x[:, 0]) <= 1, -math.log(2.0), -np.inf))
    p = fdiv.LogDensity(lambda x: np.where((x[:, 0] >= -1) & (x[:, 0] <= 0.5), -math.log(1.5), -np.inf))
    res = fdiv.density_divergence("kl", q, p, bounds=(-1, 1))
    assert res.value == math.inf and res.error_kind == "exact" and "Q(p = 0) > 0" in res.reason


@pytest.mark.parametrize("make, message", [
    (lambda: fdiv.LogDensity(3.0), "`fn` must be callable; got float 3.0"),
    (lambda: fdiv.density_divergence("kl", fdiv.LogDensity(lambda x: np.full(len(x), np.nan)), stats.norm(),
                                     bounds=(-1, 1)), "`q` must be a log-density below +inf; got nan at x = "),
    (lambda: fdiv.density_divergence("kl", stats.norm(), fdiv.LogDensity(lambda x: np.full(len(x), np.inf)),
                                     bounds=(-1, 1)), "`p` must be a log-density below +inf; got inf at x = "),
    (lambda: fdiv.density_divergence("kl", fdiv.LogDensity(lambda x: np.zeros(3)), stats.norm(), bounds=(-1, 1)),
     "`q` must return"),
    (lambda: fdiv.density_divergence("kl", fdiv.LogDensity(lambda x: x[:, 0]), stats.norm()),
     "`q` is a callable density: pass `bounds`"),
])
def test_log_density_bad_input(make, message):
    with pytest.raises(ValueError) as e:
        make()
    assert str(e.value).startswith(message), str(e.value)


def test_a_narrow_component_beside_a_wide_one_is_integrated_without_warnings():
    """A mixture of N(0, 1e-200²) and N(0, 1): the narrow component's z² overflows far from
    it (its log-density is -inf there, as it should be), which used to leak a RuntimeWarning.
    KL against N(0, 1) is 0.5 (log 0.5 − log(1e-200 √(2πe)) + log √(2π) + 0) + 0.5 log 0.5 +
    O(1e-200), computed here to the quadrature's error."""
    m = fdiv.DensityMixture([0.5, 0.5], [stats.norm(0.0, 1e-200), stats.norm(0.0, 1.0)])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = fdiv.density_divergence("kl", m, stats.norm(0.0, 1.0))
    # narrow half: E log(0.5 q_n / p) over q_n = log 0.5 - log(1e-200) - 1/2 + 0 (p ~ φ(0) there)
    exact = 0.5 * (math.log(0.5) - math.log(1e-200) - 0.5) + 0.5 * math.log(0.5)
    assert abs(res.value - exact) <= res.error + 1e-12 * abs(exact)
