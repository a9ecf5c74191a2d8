"""Special arguments of the elementwise methods: -0.0, NaN, ±inf, ±1e308 (THEORY §0: never NaN
for valid input; the limit where one exists).

Generators: every registry entry and alpha(a) on a sweep of a (including 0, 1 and values
either side). References: for alpha the closed forms ``g(v) = (e^{(a-1)v} - 1)/(a-1)`` and
``f*(g(v)) = (e^{a v} - 1)/a`` evaluated in mpmath (50 digits), ``RTOL = 1e-13``
(expm1/exp and one division: a few ulps).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import fdiv

RTOL = 1e-13
DBL_MAX = np.finfo(float).max
A_SWEEP = [-3.0, -0.7, -1e-9, 0.0, 1e-9, 0.3, 0.5, 1.0, 1 + 1e-9, 2.0, 5.0, 12.5]
GENS = fdiv.names() + [f"alpha({a!r})" for a in A_SWEEP]
V = np.array([-np.inf, -DBL_MAX, -1e308, -1e300, -1e20, -1000.0, -710.0, -40.0, -1.0, -0.0, 0.0,
              1e-300, 1.0, 40.0, 710.0, 1000.0, 1e20, 1e300, 1e308, DBL_MAX, np.inf])
X = np.array([-0.0, 0.0, 5e-324, 1e-300, 1e-20, 1.0, 1e20, 1e300, DBL_MAX, np.inf])
mp.mp.dps = 50


@pytest.mark.parametrize("name", GENS)
def test_no_nan_at_special_arguments(name):
    g = fdiv.get(name)
    for meth in ("activation", "activation_prime", "conjugate_activation",
                 "conjugate_activation_prime", "conjugate"):
        y = np.asarray(getattr(g, meth)(V))
        assert not np.isnan(y).any(), (meth, V[np.isnan(y)])
    for meth in ("f", "f_prime"):
        y = np.asarray(getattr(g, meth)(X))
        assert not np.isnan(y).any(), (meth, X[np.isnan(y)])


@pytest.mark.parametrize("name", GENS)
def test_negative_zero_nan_and_infinity(name):
    g = fdiv.get(name)
    assert g.f_prime(-0.0) == g.f_prime(0.0) and g.f(-0.0) == g.f_zero
    assert math.isnan(g.conjugate(math.nan))
    assert g.f_prime(math.inf) == g.slope_inf
    # f(inf) = lim f: +inf for f'(inf) > 0; the infimum -f*(0) for f'(inf) = 0
    want = math.inf if g.slope_inf > 0 else -float(g.conjugate(0.0))
    assert g.f(math.inf) == want
    if g.slope_inf == 0:  # the limit is approached from above: f decreases to it
        assert g.f(1e12) >= want


@pytest.mark.parametrize("name", fdiv.names())
def test_activation_limits_are_the_domain_end(name):
    """g_f maps onto the interior of dom f*: g_f(+inf) is its right end (THEORY §0: f'(inf))."""
    g = fdiv.get(name)
    assert g.activation(math.inf) == g.conjugate_domain[1]
    assert g.activation(-math.inf) < g.activation(-1.0)


def _mp_ratio(c, v):
    c, v = mp.mpf(c), mp.mpf(v)
    if c == 0:
        return v
    return (mp.exp(c * v) - 1) / c


def _as_float(x):
    return math.copysign(math.inf, x) if abs(x) > DBL_MAX else float(x)


@pytest.mark.parametrize("a", A_SWEEP)
def test_alpha_gan_helpers_against_mpmath(a):
    g = fdiv.alpha(a)
    hi = g.conjugate_domain[1]
    for v in [-1e308, -1e20, -1000.0, -700.0, -3.0, 0.5, 3.0, 700.0, 1000.0, 1e20, 1e308]:
        want_g = min(_as_float(_mp_ratio(a - 1, v)), hi)
        want_c = _as_float(_mp_ratio(a, v))
        got_g, got_c = float(g.activation(v)), float(g.conjugate_activation(v))
        for got, want, what in ((got_g, want_g, "activation"), (got_c, want_c, "conj_act")):
            if math.isinf(want):
                assert got == want, (what, v)
            else:
                assert got == pytest.approx(want, rel=RTOL, abs=1e-300), (what, v, got, want)


@pytest.mark.parametrize("name", GENS)
def test_negative_x_is_refused_naming_x_and_nan_passes_through(name):
    """f and f' are defined on [0, inf] (THEORY §0): x < 0 is bad input, never a number
    (pearson_chi2's formula would give (-1 - 1)^2 = 4), and -0.0 is 0."""
    g = fdiv.get(name)
    for meth in (g.f, g.f_prime):
        for bad in (-1.0, -5e-324, -np.inf, [0.5, -2.0, 3.0]):
            with pytest.raises(ValueError, match=r"`x` must be >= 0"):
                meth(bad)
        assert math.isnan(meth(math.nan))
        y = meth(np.array([math.nan, 1.0]))
        assert math.isnan(y[0]) and not math.isnan(y[1])
