"""Registry: names, lookup, bad input, and f, f', f(0), f'(inf) against mpmath references.

References are computed at test time from the docs/theory.md §0 formulas written in mpmath
(independent of fdiv's rearranged float formulas) at >= 60 digits, and compared at
``rtol=1e-13, atol=0``. f' references use mpmath's numerical differentiation, never a
closed form. Generating snippet (what ``mp_f`` / ``mp_fprime`` below do)::

    import mpmath as mp
    mp.mp.dps = 50
    F = lambda x: -(x + 1) * mp.log((x + 1) / 2) + x * mp.log(x)       # js
    with mp.workdps(60 + 2 * abs(int(mp.log10(x)))):
        ref_f = F(mp.mpf(x))
        ref_fp = mp.diff(lambda s: F(x * mp.exp(s)), 0) / x            # x F'(x) / x
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import fdiv

mp.mp.dps = 50
RTOL = 1e-13

#: docs/theory.md §0 generators in mpmath (the table's formulas, not fdiv's rearrangements).
MP_F = {
    "kl": lambda x: x * mp.log(x),
    "reverse_kl": lambda x: -mp.log(x),
    "tv": lambda x: abs(x - 1),
    "js": lambda x: -(x + 1) * mp.log((x + 1) / 2) + x * mp.log(x),
    "squared_hellinger": lambda x: (mp.sqrt(x) - 1) ** 2,
    "pearson_chi2": lambda x: (x - 1) ** 2,
    "neyman_chi2": lambda x: (1 - x) ** 2 / x,
    "jeffreys": lambda x: (x - 1) * mp.log(x),
    "triangular": lambda x: (x - 1) ** 2 / (x + 1),
    "gan": lambda x: x * mp.log(x) - (x + 1) * mp.log(x + 1),
    "log_trick": lambda x: mp.log(1 + 1 / x),
}


def mp_alpha(a):
    """f_a in mpmath, with the a = 0 and a = 1 limits written out."""
    a = mp.mpf(a)
    if a == 0:
        return lambda x: x - 1 - mp.log(x)
    if a == 1:
        return lambda x: x * mp.log(x) - x + 1
    return lambda x: (x ** a - 1 - a * (x - 1)) / (a * (a - 1))


def _dps(x) -> int:
    return 60 + 2 * abs(int(mp.log10(x))) if x != 0 else 60


def mp_f(F, x):
    with mp.workdps(_dps(x)):
        return F(mp.mpf(x))


def mp_fprime(F, x):
    x = mp.mpf(x)
    with mp.workdps(_dps(x)):
        return mp.diff(lambda s: F(x * mp.exp(s)), 0) / x


def assert_close(value, ref, rtol=RTOL, what=""):
    """|value - ref| <= rtol |ref| with infinities and values beyond float range matched."""
    value = float(value)
    if ref in (mp.inf, -mp.inf) or abs(ref) > 1.7976931348623157e308:
        assert value == (math.inf if ref > 0 else -math.inf), (what, value, ref)
        return
    if abs(ref) < 2.2250738585072014e-308:  # reference underflows in float64
        assert abs(value) < 2.2250738585072014e-308 * 2, (what, value, ref)
        return
    err = abs((mp.mpf(value) - ref) / ref)
    assert err <= rtol, (what, value, float(ref), float(err))


X_POINTS = [1e-300, 1e-200, 1e-20, 1e-8, 1e-3, 0.1, 0.25, 1 / 3, 0.5, 0.6, 0.9, 0.999,
            1 - 1e-8, 1 + 1e-8, 1.001, 1.5, 1.7, 2.0, 3.0, 10.0, 1e3, 1e8, 1e20, 1e150, 1e300]


def test_names_in_theory_order():
    assert fdiv.names() == ["kl", "reverse_kl", "tv", "js", "squared_hellinger", "pearson_chi2",
                            "neyman_chi2", "jeffreys", "triangular", "gan", "log_trick"]
    names = fdiv.names()
    names.append("x")
    assert "x" not in fdiv.names()  # a copy


@pytest.mark.parametrize("name", fdiv.names())
def test_get_returns_the_same_object(name):
    g = fdiv.get(name)
    assert isinstance(g, fdiv.FDivergence)
    assert g.name == name and fdiv.get(name) is g
    assert repr(g) == f"FDivergence({name!r})"


@pytest.mark.parametrize("bad", ["K L", "chi3", "", "alpha(x)", "alpha(nan)", 3, None])
def test_unknown_name_raises_and_lists_choices(bad):
    with pytest.raises(ValueError, match="`name`") as exc:
        fdiv.get(bad)
    assert repr(bad) in str(exc.value) and "reverse_kl" in str(exc.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "0.5", True, None, 1j])
def test_alpha_rejects_non_finite_or_non_real(bad):
    with pytest.raises(ValueError, match="`a`"):
        fdiv.alpha(bad)


def test_alpha_objects_are_cached_and_named():
    a = fdiv.alpha(0.5)
    assert a is fdiv.alpha(np.float64(0.5)) and a.name == "alpha(0.5)" and a.alpha_param == 0.5
    assert fdiv.get(a.name) is a
    assert fdiv.alpha(-0.0) is fdiv.alpha(0) and fdiv.alpha(1).name == "alpha(1.0)"


def test_hilbertian_flags_match_theory():
    expected = {"js": True, "tv": True, "squared_hellinger": True, "triangular": True,
                "kl": False, "reverse_kl": False, "pearson_chi2": False, "neyman_chi2": False,
                "jeffreys": False, "gan": False, "log_trick": False}
    assert {n: fdiv.get(n).hilbertian for n in fdiv.names()} == expected
    # alpha(1/2) = 2 (sqrt x - 1)^2: twice squared Hellinger, a metric after sqrt.
    assert fdiv.alpha(0.5).hilbertian and not fdiv.alpha(2.0).hilbertian


@pytest.mark.parametrize("name", fdiv.names())
def test_f_matches_mpmath(name):
    g, F = fdiv.get(name), MP_F[name]
    for x in X_POINTS:
        assert_close(g.f(x), mp_f(F, x), what=(name, x))
    vals = g.f(np.array(X_POINTS))
    assert vals.dtype == np.float64 and vals.shape == (len(X_POINTS),)


@pytest.mark.parametrize("name", fdiv.names())
def test_f_prime_matches_mpmath_diff(name):
    g, F = fdiv.get(name), MP_F[name]
    for x in X_POINTS:
        assert_close(g.f_prime(x), mp_fprime(F, x), what=(name, x))


@pytest.mark.parametrize("name", fdiv.names())
def test_limits_f_zero_and_slope_inf(name):
    """f(0) = lim_{x->0+} f and f'(inf) = lim f(x)/x, by mpmath at x = 1e-k, 1e+k.

    Divergence to +inf is read off as unbounded growth between k = 100 and k = 400.
    """
    g, F = fdiv.get(name), MP_F[name]
    with mp.workdps(900):
        z1, z2 = F(mp.mpf(10) ** -100), F(mp.mpf(10) ** -400)
        s1, s2 = F(mp.mpf(10) ** 100) / mp.mpf(10) ** 100, F(mp.mpf(10) ** 400) / mp.mpf(10) ** 400
    ref_zero = mp.inf if z2 - z1 > 1 else z2
    ref_slope = mp.inf if s2 - s1 > 1 else s2
    assert_close(g.f_zero, ref_zero, rtol=1e-13, what="f_zero") if ref_zero != 0 else None
    assert_close(g.slope_inf, ref_slope, what="slope_inf") if ref_slope != 0 else None
    if ref_zero != mp.inf and abs(ref_zero) < 1e-50:
        assert g.f_zero == 0.0
    if ref_slope != mp.inf and abs(ref_slope) < 1e-50:
        assert g.slope_inf == 0.0
    assert g.f(0.0) == g.f_zero and g.conjugate_domain == (-math.inf, g.slope_inf)


@pytest.mark.parametrize("name", fdiv.names())
def test_f_one_prime_is_a_subgradient(name):
    g = fdiv.get(name)
    h = 1e-7
    left, right = (g.f(1.0) - g.f(1 - h)) / h, (g.f(1 + h) - g.f(1.0)) / h
    assert left - 1e-6 <= g.f_one_prime <= right + 1e-6
    if name != "tv":
        ref = float(mp_fprime(MP_F[name], 1.0))
        assert g.f_one_prime == pytest.approx(ref, rel=1e-15, abs=1e-40)  # mp.diff: ~1e-129 at 0


def test_f_prime_at_zero_is_the_limit():
    expected = {"kl": -math.inf, "reverse_kl": -math.inf, "tv": -1.0, "js": -math.inf,
                "squared_hellinger": -math.inf, "pearson_chi2": -2.0, "neyman_chi2": -math.inf,
                "jeffreys": -math.inf, "triangular": -3.0, "gan": -math.inf, "log_trick": -math.inf}
    assert {n: float(fdiv.get(n).f_prime(0.0)) for n in fdiv.names()} == expected
    assert fdiv.alpha(3.0).f_prime(0.0) == -0.5 and fdiv.alpha(0.5).f_prime(0.0) == -math.inf


@pytest.mark.parametrize("a", [-3.0, -1.0, -1e-9, 0.0, 1e-9, 0.3, 0.5, 1 - 1e-9, 1.0, 1 + 1e-9,
                               2.0, 5.0])
def test_alpha_f_and_f_prime_match_mpmath(a):
    g, F = fdiv.alpha(a), mp_alpha(a)
    for x in X_POINTS:
        assert_close(g.f(x), mp_f(F, x), what=("f", a, x))
        if 1e-100 < x < 1e100:
            assert_close(g.f_prime(x), mp_fprime(F, x), what=("f'", a, x))


@pytest.mark.parametrize("a", [-2.0, 0.0, 0.5, 1.0, 3.0])
def test_alpha_limits(a):
    g = fdiv.alpha(a)
    assert g.f_zero == (1 / a if a > 0 else math.inf)
    assert g.slope_inf == (1 / (1 - a) if a < 1 else math.inf)
    assert g.conjugate_domain_closed == (a < 0) and g.f_one_prime == 0.0


def test_alpha_special_cases_are_the_limits():
    """a = 1 and a = 0 are x log x - x + 1 and x - 1 - log x; a = 2, -1 are chi^2 / 2."""
    x = np.array([0.01, 0.5, 2.0, 7.0])
    np.testing.assert_allclose(fdiv.alpha(1).f(x), x * np.log(x) - x + 1, rtol=1e-14)
    np.testing.assert_allclose(fdiv.alpha(0).f(x), x - 1 - np.log(x), rtol=1e-14)
    np.testing.assert_allclose(fdiv.alpha(2).f(x), (x - 1) ** 2 / 2, rtol=1e-14)
    np.testing.assert_allclose(fdiv.alpha(-1).f(x), (x - 1) ** 2 / (2 * x), rtol=1e-14)
    np.testing.assert_allclose(fdiv.alpha(0.5).f(x), 2 * (np.sqrt(x) - 1) ** 2, rtol=1e-14)
    np.testing.assert_allclose(fdiv.alpha(1e-12).f(x), fdiv.alpha(0).f(x), rtol=1e-10)
    np.testing.assert_allclose(fdiv.alpha(1 + 1e-12).f(x), fdiv.alpha(1).f(x), rtol=1e-10)


def test_scalar_in_scalar_out_and_no_nan_at_edges():
    for name in fdiv.names():
        g = fdiv.get(name)
        y = g.f(2.0)
        assert isinstance(y, np.float64)
        edge = g.f(np.array([0.0, 5e-324, 1e-300, 1e300, 1.7e308]))
        assert not np.isnan(edge).any(), name
        assert not np.isnan(g.f_prime(np.array([5e-324, 1e-300, 1e300, 1.7e308]))).any(), name


@pytest.mark.parametrize("module", ["fdiv._registry", "fdiv._generators_alpha", "fdiv._transforms",
                                    "fdiv._callable"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


# --- aliases ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("alias", "name"), [
    ("KL", "kl"), ("Kullback-Leibler", "kl"), ("kullback_leibler", "kl"), ("relative entropy", "kl"),
    ("Reverse_KL", "reverse_kl"), ("REVERSE-KL", "reverse_kl"), ("chi2", "pearson_chi2"),
    ("Pearson", "pearson_chi2"), ("neyman", "neyman_chi2"), ("Hellinger", "squared_hellinger"),
    ("squared_hellinger", "squared_hellinger"), ("Jeffreys", "jeffreys"), ("symmetric_kl", "jeffreys"),
    ("JS", "js"), ("TV", "tv"), ("GAN", "gan"), ("Alpha(0.5)", "alpha(0.5)"), ("alpha(-2.0)", "alpha(-2.0)"),
    (" ALPHA(-0.7) ", "alpha(-0.7)"),
])
def test_alias_maps_to_registry_object_with_same_constant(alias, name):
    """An alias returns the registry object itself: its constant cannot differ."""
    assert fdiv.get(alias) is fdiv.get(name)
    q, p = np.array([0.2, 0.8, 0.0]), np.array([0.5, 0.25, 0.25])
    assert fdiv.divergence(alias, q, p) == fdiv.divergence(name, q, p)


def test_hellinger_alias_keeps_the_registry_constant():
    """'hellinger' is ∫(√q − √p)² (no ½): disjoint point masses give 2."""
    assert fdiv.divergence("hellinger", [1.0, 0.0], [0.0, 1.0]) == 2.0


@pytest.mark.parametrize(("alias", "entry"), [
    ("jsd", "'js'"), ("Jensen-Shannon", "'js'"), ("jensen_shannon_divergence", "'js'"),
    ("total_variation", "'tv'"), ("Total Variation", "'tv'"), ("tv_distance", "'tv'"),
])
def test_names_with_a_halved_constant_are_refused_naming_entry_and_factor(alias, entry):
    for call in (lambda: fdiv.get(alias), lambda: fdiv.divergence(alias, [0.5, 0.5], [0.5, 0.5])):
        with pytest.raises(ValueError, match="HALF") as exc:
            call()
        assert entry in str(exc.value) and "divide the value by 2" in str(exc.value)
        assert repr(alias) in str(exc.value)
