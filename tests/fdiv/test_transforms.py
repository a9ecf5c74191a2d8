"""Transforms: dual f°(x) = x f(1/x) (S2, S3), shift f + c(x-1) (S4), normalized f0 (S5).

References: mpmath values of x F(1/x) from the docs/theory.md §0 formulas and the mpmath
supremum ``ref_conj`` of tests/fdiv/test_conjugate.py (its docstring has the script).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdiv
from tests.fdiv.test_conjugate import MP_FPRIME, check_conj, ref_conj
from tests.fdiv.test_registry import MP_F, assert_close, mp_alpha, mp_f

ALL = fdiv.names()
PAIRS = {"kl": "reverse_kl", "reverse_kl": "kl", "pearson_chi2": "neyman_chi2",
         "neyman_chi2": "pearson_chi2", "tv": "tv", "js": "js", "jeffreys": "jeffreys",
         "squared_hellinger": "squared_hellinger", "triangular": "triangular", "gan": "gan"}
#: Numerical conjugates (dual(log_trick), from_callable) agree to this relative accuracy.
NUMERIC_RTOL = 1e-9


def mp_dual(F):
    return lambda x: x * F(1 / x)


def mp_dual_prime(F, dF):
    return lambda x: F(1 / x) - dF(1 / x) / x


# --- dual ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
def test_dual_f_matches_mpmath(name):
    d = fdiv.dual(fdiv.get(name))
    assert d.name == f"dual({name})"
    for x in [1e-300, 1e-20, 1e-3, 0.3, 0.999, 1.5, 7.0, 1e5, 1e20, 1e300]:
        assert_close(d.f(x), mp_f(mp_dual(MP_F[name]), x), what=(name, x))


@pytest.mark.parametrize("name", ALL)
def test_dual_conjugate_matches_mpmath(name):
    d = fdiv.dual(fdiv.get(name))
    F, dF = mp_dual(MP_F[name]), mp_dual_prime(MP_F[name], MP_FPRIME[name])
    rtol = NUMERIC_RTOL if name not in PAIRS else None
    for t in [-50.0, -3.0, -1.0, -0.2, 0.0, 0.3, 0.69, 1.0, 2.0, 20.0]:
        ref = ref_conj(F, dF, t, S=200, dps=200)  # x F(1/x) cancels ~S/2.3 digits
        if rtol is None:
            check_conj(d.conjugate(t), ref, (name, t))
        elif ref == mp.inf:
            assert d.conjugate(t) == math.inf
        else:
            assert float(d.conjugate(t)) == pytest.approx(float(ref), rel=rtol, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_dual_swaps_limits_and_is_an_involution(name):
    g = fdiv.get(name)
    d = fdiv.dual(g)
    assert d.f_zero == g.slope_inf and d.slope_inf == g.f_zero
    assert d.conjugate_domain == (-math.inf, g.f_zero)
    assert d.f_one_prime == pytest.approx(float(g.f(1.0) - g.f_prime(1.0)), abs=1e-9)
    assert d.hilbertian == g.hilbertian and d.dual_of is g and fdiv.dual(d) is g
    if name in PAIRS:
        partner = fdiv.get(PAIRS[name])
        assert d.conjugate_domain_closed == partner.conjugate_domain_closed
        x = np.array([0.01, 0.5, 2.0, 30.0])
        np.testing.assert_array_equal(d.f(x), partner.f(x))
        assert d is not partner  # a new object with its own name


def test_dual_is_not_a_registry_entry_but_alpha_dual_keeps_the_kernel():
    d = fdiv.dual(fdiv.get("kl"))
    with pytest.raises(ValueError, match="`name`"):
        fdiv.get(d.name)
    da = fdiv.dual(fdiv.alpha(0.3))
    assert da.alpha_param == pytest.approx(0.7) and da.name == "dual(alpha(0.3))"
    x = np.array([1e-3, 0.4, 3.0, 1e3])
    np.testing.assert_allclose(da.f(x), x * fdiv.alpha(0.3).f(1 / x), rtol=1e-13)
    assert fdiv.dual(da) is fdiv.alpha(0.3)


@given(st.lists(st.tuples(st.floats(1e-6, 1.0), st.floats(1e-6, 1.0)), min_size=1, max_size=20),
       st.sampled_from(ALL + ["alpha(0.3)", "alpha(-1.5)"]))
def test_s2_dual_swaps_arguments(masses, name):
    """S2: D_f(P||Q) = D_{f°}(Q||P), computed with the dual's own f (no argument swap)."""
    q, p = (np.array(c) for c in zip(*masses))
    g = fdiv.get(name)
    d = fdiv.dual(g)
    lhs = float(np.sum(q * g.f(p / q)))  # D_f(P||Q) = sum q f(p/q)
    rhs = float(np.sum(p * d.f(q / p)))  # D_{f°}(Q||P) = sum p f°(q/p)
    scale = float(np.sum(np.abs(q * g.f(p / q))))
    assert abs(lhs - rhs) <= 1e-12 * scale + 1e-300


def test_s3_self_dual_generators_are_symmetric():
    q, p = np.array([0.2, 0.5, 0.3]), np.array([0.6, 0.1, 0.3])
    for name in ("tv", "js", "squared_hellinger", "jeffreys", "triangular", "gan"):
        g = fdiv.get(name)
        assert np.sum(p * g.f(q / p)) == pytest.approx(np.sum(q * g.f(p / q)), rel=1e-13)


# --- shift and normalized ----------------------------------------------------------------
@given(st.sampled_from(ALL + ["alpha(2.0)"]), st.floats(-3.0, 3.0), st.floats(-20.0, 20.0))
def test_shift_conjugate_identity(name, c, t):
    """(f + c(x-1))*(t) = f*(t - c) + c, the conjugate form of S4."""
    g = fdiv.get(name)
    s = fdiv.shift(g, c)
    assert s.conjugate(t) == g.conjugate(t - c) + c
    assert s.conjugate_domain == (-math.inf, g.slope_inf + c)
    assert s.f_zero == g.f_zero - c and s.slope_inf == g.slope_inf + c


@pytest.mark.parametrize("name", ["kl", "tv", "neyman_chi2", "triangular", "gan"])
def test_shift_conjugate_against_numerical_supremum(name):
    """S4-type check with an independent numerical sup of f(x) + c(x-1)."""
    g, c = fdiv.get(name), 0.7
    s = fdiv.shift(g, c)
    num = fdiv.from_callable(lambda x: g.f(x) + c * (x - 1.0), name="num")
    t = np.array([-10.0, -2.0, -0.5, 0.0, 0.5, 1.0, 1.69, 1.7, 3.0])
    exact, approx = s.conjugate(t), num.conjugate(t)
    assert ((exact == math.inf) == (approx == math.inf)).all()
    fin = np.isfinite(exact)
    np.testing.assert_allclose(approx[fin], exact[fin], rtol=1e-8, atol=1e-10)


@given(st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=10).flatmap(
    lambda a: st.tuples(st.just(a), st.lists(st.floats(1e-3, 1.0), min_size=len(a),
                                             max_size=len(a)))),
       st.sampled_from(ALL), st.floats(-5.0, 5.0))
def test_s4_shift_leaves_the_divergence_unchanged(qp, name, c):
    """S4: D_{f + c(x-1)}(Q||P) = D_f(Q||P) for normalised Q, P."""
    q, p = (np.array(v) / np.sum(v) for v in qp)
    g, s = fdiv.get(name), fdiv.shift(fdiv.get(name), c)
    a, b = float(np.sum(p * g.f(q / p))), float(np.sum(p * s.f(q / p)))
    assert abs(a - b) <= 1e-12 * (float(np.sum(np.abs(p * g.f(q / p)))) + abs(c))


@given(st.sampled_from(ALL + ["alpha(-1.0)", "alpha(0.5)", "alpha(3.0)"]),
       st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=30))
def test_s5_normalized_generator(name, logs):
    """S5: f0 >= f0(1) (= f(1), 0 when f(1) = 0); nonincreasing on (0,1], nondecreasing on
    [1, inf)."""
    g = fdiv.get(name)
    n = fdiv.normalized(g)
    assert n.name == f"normalized({name})" and n.f_one_prime == 0.0
    x = np.sort(10.0 ** np.array(logs + [0.0]))
    y = n.f(x)
    f1 = float(g.f(1.0))
    tol = 1e-13 * (np.abs(y) + np.abs(g.f(x)) + np.abs(g.f_one_prime * (x - 1)))
    assert (y >= f1 - tol).all()
    left, right = x <= 1.0, x >= 1.0
    assert (np.diff(y[left]) <= tol[left][1:]).all()
    assert (np.diff(y[right]) >= -tol[right][1:]).all()


def test_normalized_tv_uses_subgradient_zero():
    tv = fdiv.get("tv")
    n = fdiv.normalized(tv)
    x = np.array([0.0, 0.5, 1.0, 4.0])
    np.testing.assert_array_equal(n.f(x), tv.f(x))
    assert n.conjugate(1.0) == 1.0 and n.conjugate_domain_closed


@pytest.mark.parametrize("name", ALL)
def test_transformed_gan_helpers(name):
    """Shifted / dual objects keep g_f into the domain and f*(g_f) consistent."""
    g = fdiv.get(name)
    v = np.linspace(-8.0, 8.0, 16)  # avoids v = -2, the kink of pearson's f*'' (FD error)
    for obj in (fdiv.shift(g, 0.3), fdiv.normalized(g), fdiv.dual(g)):
        t = obj.activation(v)
        conj = obj.conjugate(t)
        assert np.isfinite(conj).all(), obj
        np.testing.assert_allclose(obj.conjugate_activation(v), conj, rtol=1e-8, atol=1e-10)
        h = 1e-5
        fd = (obj.conjugate_activation(v + h) - obj.conjugate_activation(v - h)) / (2 * h)
        np.testing.assert_allclose(obj.conjugate_activation_prime(v), fd, rtol=1e-4, atol=1e-6)


def test_bad_input():
    kl = fdiv.get("kl")
    with pytest.raises(ValueError, match="`f`"):
        fdiv.dual("kl")
    with pytest.raises(ValueError, match="`f`"):
        fdiv.normalized(None)
    for bad in (math.nan, math.inf, "1", None):
        with pytest.raises(ValueError, match="`c`"):
            fdiv.shift(kl, bad)


def test_dual_alpha_matches_mpmath_dual():
    a = 2.5
    d = fdiv.dual(fdiv.alpha(a))
    F = mp_dual(mp_alpha(a))
    for x in [1e-10, 0.2, 1.3, 40.0]:
        assert_close(d.f(x), mp_f(F, x), rtol=1e-13, what=x)
