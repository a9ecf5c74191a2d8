"""Conjugates f* and f-GAN activations of the registry and the alpha family.

Reference f*(t) = sup_{x>0} (t x - f(x)) is computed at test time in mpmath from the
definition, never from fdiv's closed forms: bisection in s = log x on f'(e^s) = t (f' written
out by hand from the docs/theory.md §0 table, used only to locate the maximiser), then t x - f(x);
if f'(0+) >= t the supremum is the limit at x -> 0+, if f'(inf) <= t it is the limit at
x -> inf, read at x = e^1000 and e^2000 with 2060 digits (unbounded growth means +inf).
Generating script: ``ref_conj`` below (mp.mp.dps = 50 plus guard digits for tiny |t|).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdiv
from tests.fdiv.test_registry import MP_F, assert_close, mp_alpha

mp.mp.dps = 50

#: Hand-written f' for locating the maximiser only (the value comes from MP_F).
MP_FPRIME = {
    "kl": lambda x: mp.log(x) + 1,
    "reverse_kl": lambda x: -1 / x,
    "tv": lambda x: mp.sign(x - 1),
    "js": lambda x: mp.log(2 * x / (x + 1)),
    "squared_hellinger": lambda x: 1 - 1 / mp.sqrt(x),
    "pearson_chi2": lambda x: 2 * (x - 1),
    "neyman_chi2": lambda x: 1 - 1 / x ** 2,
    "jeffreys": lambda x: mp.log(x) + 1 - 1 / x,
    "triangular": lambda x: 1 - 4 / (x + 1) ** 2,
    "gan": lambda x: mp.log(x / (x + 1)),
    "log_trick": lambda x: -1 / (x * (x + 1)),
}


def mp_alpha_prime(a):
    a = mp.mpf(a)
    return (lambda x: mp.log(x)) if a == 1 else (lambda x: (x ** (a - 1) - 1) / (a - 1))


def ref_conj(F, dF, t, S=2000, dps=60):
    """sup_{x>0} t x - F(x) over x in [e^-S, e^S] (see the module docstring); ``dps`` must
    cover any cancellation inside F and dF there (e.g. x F(1/x) needs ~S/2.3 more digits)."""
    t = mp.mpf(t)
    extra = int(max(0, -mp.log10(abs(t)))) if t != 0 else 0
    with mp.workdps(dps + extra):
        g = lambda s: dF(mp.exp(s)) - t  # noqa: E731
        if g(-S) >= 0:
            with mp.workdps(dps + S):
                return -F(mp.exp(-S))
        if g(S) <= 0:
            with mp.workdps(dps + S):
                X1, X2 = mp.exp(S / 2), mp.exp(S)
                v1, v2 = t * X1 - F(X1), t * X2 - F(X2)
                return mp.inf if v2 - v1 > 1 else v2
        lo, hi = mp.mpf(-S), mp.mpf(S)
        tol = mp.mpf(10) ** (-(mp.mp.dps - 10))
        while hi - lo > tol:
            mid = (lo + hi) / 2
            if g(mid) > 0:
                hi = mid
            else:
                lo = mid
        x = mp.exp((lo + hi) / 2)
        return t * x - F(x)


def check_conj(value, ref, what):
    # The bisection reference leaves |error| <~ 1e-50 where f* = 0 (kink of tv at x = 1).
    if ref not in (mp.inf, -mp.inf) and abs(ref) < 1e-40:
        assert abs(float(value)) < 1e-40, (what, value, ref)
    else:
        assert_close(value, ref, what=what)


T_POINTS = [-1e6, -700.0, -50.0, -3.5, -3.0, -2.5, -2.0, -1.0, -0.5, -1e-8, -1e-300, 0.0,
            1e-300, 1e-8, 0.2, 0.25, 0.3, 0.69, math.log(2), math.nextafter(math.log(2), 1),
            0.99, 1.0, 1.5, 5.0, 50.0, 700.0, 709.0, 710.5]


@pytest.mark.parametrize("name", fdiv.names())
def test_conjugate_matches_mpmath_supremum(name):
    g = fdiv.get(name)
    for t in T_POINTS:
        check_conj(g.conjugate(t), ref_conj(MP_F[name], MP_FPRIME[name], t), (name, t))


@pytest.mark.parametrize("a", [-3.0, -1.0, -1e-9, 0.0, 1e-9, 0.3, 0.5, 1.0, 1 + 1e-9, 2.0, 5.0])
def test_alpha_conjugate_matches_mpmath_supremum(a):
    g = fdiv.alpha(a)
    ts = [-1e3, -10.0, -1.0, -0.5, -1e-8, 0.0, 1e-8, 0.3, 0.9, 1.0, 1.2, 10.0, 100.0]
    hi = g.conjugate_domain[1]
    # At the closed end t = hi (a < 0) the reference's limit x -> inf converges like x^a:
    # usable for a = -1, -3, not for a = -1e-9 (checked there through the closed form -1/a).
    ts += [hi] if math.isfinite(hi) and a <= -1 else []
    for t in ts:
        check_conj(g.conjugate(t), ref_conj(mp_alpha(a), mp_alpha_prime(a), t), (a, t))


def test_alpha_closed_end_value():
    """a < 0: f*(1/(1-a)) = lim_{x->inf} (x^a - 1 + a)/(a(1-a)) = -1/a, the limit of f* from
    inside the domain (f* is continuous on its closed domain). Where 1/(1-a) is a float
    (a = -1, -3, -7) conjugate_domain[1] is that end and f* there is exactly -1/a; otherwise
    it is the largest float inside, where f* lies below -1/a (test_alpha_end.py checks the
    value against mpmath)."""
    for a in (-1.0, -3.0, -7.0):
        g = fdiv.alpha(a)
        hi = g.conjugate_domain[1]
        assert hi == 1 / (1 - a) and g.conjugate(hi) == -1 / a
    for a in (-1e-9, -0.5, -4.0):
        g = fdiv.alpha(a)
        hi = g.conjugate_domain[1]
        assert g.conjugate(hi) <= -1 / a and g.conjugate(math.nextafter(hi, math.inf)) == math.inf
        if a <= -0.5:  # for a -> 0- the approach is like z^{a/(a-1)}: far too slow to see
            assert g.conjugate(math.nextafter(hi, 0.0)) == pytest.approx(-1 / a, rel=1e-5)


def test_conjugate_boundary_examples():
    tv, pe, ne, tr = (fdiv.get(n) for n in ("tv", "pearson_chi2", "neyman_chi2", "triangular"))
    t = np.array([-5.0, -1.0, -0.3, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(tv.conjugate(t), [-1.0, -1.0, -0.3, 0.5, 1.0, math.inf])
    assert pe.conjugate(-3.0) == -1.0 and pe.conjugate(2.0) == 3.0
    assert ne.conjugate(1.0) == 2.0 and ne.conjugate(1.0 + 1e-15) == math.inf
    assert tr.conjugate(1.0) == 3.0 and tr.conjugate(-3.0) == -1.0 and tr.conjugate(-7.0) == -1.0
    assert fdiv.get("log_trick").conjugate(0.0) == 0.0
    assert fdiv.get("squared_hellinger").conjugate(1.0) == math.inf
    assert fdiv.get("gan").conjugate(0.0) == math.inf
    # js: fl(log 2) < log 2 lies inside the open domain, so f* is finite (about 37.6) there.
    assert 37 < fdiv.get("js").conjugate(math.log(2)) < 38


@pytest.mark.parametrize("name", fdiv.names())
def test_conjugate_at_infinities_and_domain(name):
    g = fdiv.get(name)
    lo, hi = g.conjugate_domain
    assert g.conjugate(-math.inf) == -g.f_zero and g.conjugate(math.inf) == math.inf
    # f*(t) >= -f(0) for every t, so the limit at -inf is approached from above: +0.0 (not
    # -0.0) when f(0) = 0, as a very negative finite t gives (1 / f*(-inf) is +inf)
    assert math.copysign(1.0, g.conjugate(-math.inf)) == math.copysign(1.0, g.conjugate(-1e300) + 0.0)
    assert lo == -math.inf and hi == g.slope_inf
    if math.isfinite(hi):
        at_hi = g.conjugate(hi)
        assert math.isfinite(at_hi) == g.conjugate_domain_closed or name == "js"
        assert g.conjugate(math.nextafter(hi, math.inf)) == math.inf
    assert not np.isnan(g.conjugate(np.linspace(-1e3, 1e3, 2001))).any()


@pytest.mark.parametrize("name", ["tv", "js", "squared_hellinger", "pearson_chi2", "neyman_chi2",
                                  "jeffreys", "triangular"])
def test_conjugate_near_zero_is_exact(name):
    """f(1) = f'(1) = 0 gives f*(t) = t + O(t^2): exact in float64 for |t| <= 1e-300."""
    g = fdiv.get(name)
    for t in (1e-300, -1e-300, 5e-324):
        assert g.conjugate(t) == t


# --- properties ------------------------------------------------------------------------
#: Fenchel-Young slack allowed, relative to |f(x)| + |f*(t)| + |t x| (a few ulps each).
FY_RTOL = 1e-14
#: f*(f'(x)) = x f'(x) - f(x): relative to |x f'(x)| + |f(x)| (f' rounding times x = df*/dt).
IDENTITY_RTOL = 1e-12

GENERATORS = fdiv.names() + ["alpha(-2.0)", "alpha(0.0)", "alpha(0.3)", "alpha(1.0)",
                             "alpha(2.5)"]
xs = st.floats(-6.0, 6.0).map(lambda e: 10.0 ** e)
ts = st.floats(-50.0, 50.0, allow_nan=False)


@given(name=st.sampled_from(GENERATORS), x=xs, t=ts)
def test_fenchel_young(name, x, t):
    """THEORY §0: f(x) + f*(t) >= t x for all x > 0, t."""
    g = fdiv.get(name)
    fx, ft = float(g.f(x)), float(g.conjugate(t))
    if ft == math.inf:
        return
    assert fx + ft - t * x >= -FY_RTOL * (abs(fx) + abs(ft) + abs(t * x))


@given(name=st.sampled_from(GENERATORS), x=st.floats(-4.0, 4.0).map(lambda e: 10.0 ** e))
def test_conjugate_at_derivative(name, x):
    """Equality in Fenchel-Young at t = f'(x): f*(f'(x)) = x f'(x) - f(x) (S6's maximiser)."""
    g = fdiv.get(name)
    fp, fx = float(g.f_prime(x)), float(g.f(x))
    lhs, rhs = float(g.conjugate(fp)), x * fp - fx
    assert abs(lhs - rhs) <= IDENTITY_RTOL * (abs(x * fp) + abs(fx))


@given(name=st.sampled_from(GENERATORS), v=st.floats(-30.0, 30.0))
def test_activation_maps_into_domain(name, v):
    """g_f(v) lies where f* is finite (|v| <= 30: further out 1 - e^{-v} rounds to the open
    end 1 for squared_hellinger; conjugate_activation stays finite there, tested below)."""
    g = fdiv.get(name)
    t = g.activation(v)
    lo, hi = g.conjugate_domain
    assert t <= hi and math.isfinite(g.conjugate(t))


@given(name=st.sampled_from(GENERATORS), v=st.floats(-10.0, 10.0))
def test_conjugate_activation_is_conjugate_of_activation(name, v):
    g = fdiv.get(name)
    ref = float(g.conjugate(g.activation(v)))
    assert float(g.conjugate_activation(v)) == pytest.approx(ref, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("name", fdiv.names())
def test_conjugate_activation_finite_everywhere(name):
    v = np.linspace(-700.0, 700.0, 14001)
    g = fdiv.get(name)
    for fn in (g.activation, g.activation_prime, g.conjugate_activation,
               g.conjugate_activation_prime):
        out = fn(v)
        assert out.dtype == np.float64 and not np.isnan(out).any(), fn
    assert np.isfinite(g.conjugate_activation(v)).all()


def _central(fn, v):
    h = 1e-6 * max(1.0, abs(v))
    return (float(fn(v + h)) - float(fn(v - h))) / (2 * h)


@given(name=st.sampled_from(GENERATORS), v=st.floats(-20.0, 20.0))
def test_activation_derivatives_match_finite_differences(name, v):
    g = fdiv.get(name)
    for fn, dfn in ((g.activation, g.activation_prime),
                    (g.conjugate_activation, g.conjugate_activation_prime)):
        fd, d = _central(fn, v), float(dfn(v))
        assert abs(d - fd) <= 1e-6 * abs(fd) + 1e-8 * (1.0 + abs(float(fn(v))))


def test_gan_objective_js_constant():
    """S7: with D = sigmoid(v), E_P[g] - E_Q[f*(g)] = E_P log D + E_Q log(1-D) + 2 log 2."""
    js = fdiv.get("js")
    v = np.linspace(-8.0, 8.0, 33)
    d = 1.0 / (1.0 + np.exp(-v))
    np.testing.assert_allclose(js.activation(v), np.log(d) + math.log(2), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(-js.conjugate_activation(v), np.log(1 - d) + math.log(2),
                               rtol=1e-13, atol=1e-15)
    assert (js.activation(np.linspace(-40, 40, 81)) <= math.log(2)).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_gan_helpers_keep_float32(name):
    g = fdiv.get(name)
    v64 = np.linspace(-20.0, 20.0, 81)
    v32 = v64.astype(np.float32)
    for fn in (g.activation, g.activation_prime, g.conjugate_activation,
               g.conjugate_activation_prime):
        out = fn(v32)
        assert out.dtype == np.float32 and not np.isnan(out).any()
        np.testing.assert_allclose(out, fn(v32.astype(np.float64)), rtol=2e-5, atol=1e-6)
    assert isinstance(g.activation(1.0), np.float64)
