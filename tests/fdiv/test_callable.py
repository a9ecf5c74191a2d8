"""from_callable: a user's convex f with numerical f', limits and conjugate.

Exact registry generators serve as references (their conjugates are checked against
mpmath in test_conjugate.py); numerical results must agree to ``NUMERIC_RTOL``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdiv

#: Numerical conjugates: grid bracket + Brent, central-difference f' (~1e-10); the value
#: at a closed right end is a limit extrapolated from x <= 1e6 (~1e-8 for triangular).
NUMERIC_RTOL = 1e-9
T = np.array([-50.0, -3.5, -3.0, -2.0, -1.0, -0.3, 0.0, 0.3, 0.69, 0.99, 1.0, 2.0, 10.0])


@pytest.mark.parametrize("name", fdiv.names())
def test_reproduces_registry_generators(name):
    g = fdiv.get(name)
    u = fdiv.from_callable(g.f, name="u")
    assert u.name == "u" and u.alpha_param is None and not u.hilbertian
    assert u.f_zero == pytest.approx(g.f_zero, rel=1e-12, abs=1e-14)
    assert u.slope_inf == pytest.approx(g.slope_inf, rel=1e-12, abs=1e-14)
    assert u.conjugate_domain_closed == g.conjugate_domain_closed
    assert u.f_one_prime == pytest.approx(g.f_one_prime, abs=1e-9)
    exact, approx = g.conjugate(T), u.conjugate(T)
    assert ((exact == math.inf) == (approx == math.inf)).all(), (exact, approx)
    fin = np.isfinite(exact)
    rtol = 2e-8 if name == "triangular" else NUMERIC_RTOL  # closed-end limit f*(1) = 3
    np.testing.assert_allclose(approx[fin], exact[fin], rtol=rtol, atol=1e-12)
    x = np.array([1e-3, 0.5, 2.0, 1e3])
    # central differences lose ~eps |f| / (x h |f'|): 1e-8 for pearson at x = 1e-3
    np.testing.assert_allclose(u.f_prime(x), g.f_prime(x), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name, fn", [
    ("neyman_chi2", lambda x: (1.0 - x) ** 2 / x),
    ("triangular", lambda x: (x - 1.0) ** 2 / (x + 1.0)),
    ("squared_hellinger", lambda x: (np.sqrt(x) - 1.0) ** 2),
])
def test_limits_of_f_written_so_that_it_overflows(name, fn):
    # f as a user writes it overflows for x beyond about 1e154 ((1 - x)^2 is inf there) while
    # f(x)/x still tends to a finite slope. Before, that overflow was read as f'(inf) = inf:
    # the conjugate domain became all of R and f*(t) came out finite for t > 1, where it is +inf.
    g, u = fdiv.get(name), fdiv.from_callable(fn, name="u")
    assert u.slope_inf == pytest.approx(g.slope_inf, rel=1e-12) and u.f_zero == pytest.approx(g.f_zero, rel=1e-12)
    assert u.conjugate_domain == pytest.approx(g.conjugate_domain, rel=1e-12)
    exact, approx = g.conjugate(T), u.conjugate(T)
    assert ((exact == math.inf) == (approx == math.inf)).all(), (exact, approx)
    fin = np.isfinite(exact)
    np.testing.assert_allclose(approx[fin], exact[fin], rtol=2e-8, atol=1e-12)  # closed-end limits as above


def test_a_function_that_overflows_because_it_diverges_still_has_infinite_limits():
    u = fdiv.from_callable(lambda x: x ** 2 - 2 * x + 1, name="sq")  # overflows at 1e155: genuinely superlinear
    assert u.slope_inf == math.inf and u.conjugate(1e6) < math.inf
    # exp(1/x) overflows near 0: there the infinity is the limit
    v = fdiv.from_callable(lambda x: np.exp(1.0 / x) + math.e * (x - 1.0) - math.e, name="e")
    assert v.f_zero == math.inf and v.slope_inf == pytest.approx(math.e, rel=1e-12)


def test_user_function_with_given_derivative_and_limits():
    u = fdiv.from_callable(lambda x: x ** 1.5, name="pow", fprime=lambda x: 1.5 * np.sqrt(x),
                           f_zero=0.0, slope_inf=math.inf)
    # sup t x - x^1.5 at x = (2t/3)^2: f*(t) = 4 t^3 / 27 for t > 0, 0 below.
    t = np.array([-2.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(u.conjugate(t), np.where(t > 0, 4 * t ** 3 / 27, 0.0),
                               rtol=1e-12, atol=1e-15)
    assert u.f_prime(4.0) == 3.0


def test_scalar_only_callable_and_default_name():
    def hellinger(x):
        return (math.sqrt(x) - 1.0) ** 2

    u = fdiv.from_callable(hellinger)
    assert u.name == "hellinger" and u.f_zero == 1.0 and u.slope_inf == pytest.approx(1.0)
    assert u.conjugate(0.5) == pytest.approx(1.0, rel=1e-10)  # t / (1 - t)


@pytest.mark.parametrize("fn, where", [
    (np.sqrt, None),                                             # concave
    (lambda x: np.sin(x) + x, None),
    (lambda x: (x - 1) ** 2 - 0.5 * np.exp(-((x - 3.0) ** 2) * 50), "x="),   # dent near 3
    (lambda x: -x * np.log(x), None),
])
def test_non_convex_raises_naming_x(fn, where):
    with pytest.raises(ValueError, match=r"`fn` is not convex.*x=") as exc:
        fdiv.from_callable(fn, name="bad")
    if where == "x=":
        x = float(str(exc.value).rsplit("x=", 1)[1])
        assert 2.0 < x < 4.0


def test_bad_input_raises():
    with pytest.raises(ValueError, match="`fn` must be finite.*x=1.0"):
        fdiv.from_callable(lambda x: 1.0 / (x - 1.0) ** 2, name="pole")
    with pytest.raises(ValueError, match="`fn` must be callable"):
        fdiv.from_callable(3.0)
    with pytest.raises(ValueError, match="`name`"):
        fdiv.from_callable(lambda x: x * np.log(x), name=5)
    with pytest.raises(ValueError, match="`f_zero`"):
        fdiv.from_callable(lambda x: x * np.log(x), name="k", f_zero=math.nan)


@given(e=st.floats(1.1, 3.0), x=st.floats(-3.0, 3.0).map(lambda s: 10.0 ** s),
       t=st.floats(-5.0, 5.0))
def test_fenchel_young_and_maximiser_for_powers(e, x, t):
    """Fenchel-Young f(x) + f*(t) >= t x (one-sided, numerical slack) and equality at f'(x)."""
    u = fdiv.from_callable(lambda y: y ** e - 1.0, name="pow")
    fx, ft = float(u.f(x)), float(u.conjugate(t))
    assert fx + ft - t * x >= -1e-12 * (abs(fx) + abs(ft) + abs(t * x))
    fp = float(u.f_prime(x))
    assert float(u.conjugate(fp)) == pytest.approx(x * fp - fx, rel=1e-9, abs=1e-12)


def test_gan_helpers_of_user_function():
    u = fdiv.from_callable(lambda x: x * np.log(x) - x + 1.0, name="kl0")
    v = np.linspace(-6.0, 6.0, 13)
    t = u.activation(v)
    np.testing.assert_allclose(t, v, rtol=1e-8, atol=1e-9)          # f'(e^v) = v
    np.testing.assert_allclose(u.conjugate_activation(v), np.expm1(v), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(u.activation_prime(v), 1.0, rtol=1e-6)
    np.testing.assert_allclose(u.conjugate_activation_prime(v), np.exp(v), rtol=1e-6)
    assert np.isfinite(u.conjugate(t)).all()


def test_transforms_of_user_function():
    u = fdiv.from_callable(lambda x: (x - 1.0) ** 2, name="chi2")
    d = fdiv.dual(u)
    assert d.name == "dual(chi2)" and d.f_zero == u.slope_inf and fdiv.dual(d) is u
    x = np.array([0.1, 2.0, 5.0])
    np.testing.assert_allclose(d.f(x), (1 - x) ** 2 / x, rtol=1e-13)
    ney = fdiv.get("neyman_chi2")
    t = np.array([-3.0, 0.0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(d.conjugate(t), ney.conjugate(t), rtol=1e-8)
    assert d.conjugate_domain_closed
