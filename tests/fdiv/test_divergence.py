"""fdiv.divergence against an independent mpmath reference (docs/theory.md §0 conventions).

Every registry entry and several alpha(a) are checked on held-out cases, including the
boundary cases of §0 (zeros on either side, disjoint supports, single points), tiny and
subnormal masses, ratios 1e300 and beyond, masses near the top of the double range,
unnormalised measures and nearly equal measures, at ``rtol=1e-13, atol=0``.
The reference (``_divergence_reference.reference``) evaluates the definition
``sum_{p>0} p f(q/p) + f'(inf) q(p=0)`` at 60 digits from the generator table of §0.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import fdiv
from tests.fdiv._divergence_reference import reference

RTOL = 1e-13
NAMES = ["kl", "reverse_kl", "tv", "js", "squared_hellinger", "pearson_chi2", "neyman_chi2",
         "jeffreys", "triangular", "gan", "log_trick"]
ALPHAS = [-2.0, -0.5, 0.0, 1e-12, 0.25, 0.5, 0.75, 1.0 - 1e-12, 1.0, 1.5, 3.0]
SPECS = NAMES + [("alpha", a) for a in ALPHAS]


def _f(spec):
    return fdiv.alpha(spec[1]) if isinstance(spec, tuple) else spec


def _id(spec):
    return f"alpha({spec[1]!r})" if isinstance(spec, tuple) else spec


def _vec(rng, n, zeros=0.25):
    x = rng.random(n)
    x[rng.random(n) < zeros] = 0.0
    return x


def _cases():
    rng = np.random.default_rng(20261121)
    c = {}
    q, p = _vec(rng, 40), _vec(rng, 40)
    c["random_normalised"] = (q / q.sum(), p / p.sum())
    c["unnormalised"] = (1e3 * _vec(rng, 30), 1e-2 * _vec(rng, 30))
    p = rng.random(25) + 0.05
    c["near_equal"] = (p * (1 + 1e-7 * rng.standard_normal(25)), p)
    q = p * (1 + 1e-4 * rng.standard_normal(25))
    c["near_equal_normalised"] = (q / q.sum(), p / p.sum())
    c["nearly_equal_with_zeros"] = (np.array([0.3, 0.0, 0.2 + 1e-12, 0.5 - 1e-12]),
                                    np.array([0.3, 0.0, 0.2, 0.5]))
    c["tiny_masses"] = (1e-300 * _vec(rng, 12), 1e-300 * _vec(rng, 12))
    c["subnormal"] = (np.array([5e-324, 1e-310, 3e-320, 2.5e-308, 0.0]),
                      np.array([1e-315, 1e-310, 7e-322, 1e-300, 4e-323]))
    c["ratio_1e300"] = (np.array([1e-150, 1e150, 0.5]), np.array([1e150, 1e-150, 0.5]))
    c["ratio_1e600"] = (np.array([1e-300, 1e300, 1.0]), np.array([1e300, 1e-300, 1.0]))
    c["ratio_1e300_small_side"] = (np.array([1e-300, 1.0]), np.array([1.0, 1.0]))
    c["huge_masses"] = (np.array([1e305, 3e300, 1.0, 1.7e308]),
                        np.array([2e304, 1e306, 2.0, 1.6e308]))
    c["huge_against_tiny"] = (np.array([9.86e-305, 1.5e305, 1.0, 3e-320]),
                              np.array([2.14e301, 1e-300, 3.0, 1.2e308]))
    c["disjoint"] = (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.25, 0.75]))
    c["q_zero_where_p_positive"] = (np.array([0.0, 0.6, 0.4]), np.array([0.2, 0.3, 0.5]))
    c["p_zero_where_q_positive"] = (np.array([0.2, 0.3, 0.5]), np.array([0.0, 0.6, 0.4]))
    c["single_point"] = (np.array([3.0]), np.array([2.0]))
    c["single_q_zero"] = (np.array([0.0]), np.array([2.0]))
    c["single_p_zero"] = (np.array([3.0]), np.array([0.0]))
    c["single_both_zero"] = (np.array([0.0]), np.array([0.0]))
    c["all_zero"] = (np.zeros(7), np.zeros(7))
    q = _vec(rng, 20)
    c["equal"] = (q, q.copy())
    return c


CASES = _cases()


def _check(got, want, rtol=RTOL):
    assert not math.isnan(got)
    if math.isinf(want):
        assert got == want
    elif want == 0.0:
        assert got == 0.0
    else:
        assert abs(got - want) <= rtol * abs(want), (got, want, (got - want) / want)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_matches_mpmath_reference(spec, case):
    q, p = CASES[case]
    got = fdiv.divergence(_f(spec), q, p)
    assert isinstance(got, float)
    _check(got, reference(spec, q, p))


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_equal_measures_exactly_zero(spec):
    """f(1) = 0 for every generator except gan (-log 4) and log_trick (log 2): D(q||q) = 0
    exactly, whatever the masses (S1 with equality, also unnormalised)."""
    q = CASES["equal"][0]
    f = fdiv.get(spec) if isinstance(spec, str) else fdiv.alpha(spec[1])
    d = fdiv.divergence(f, q, q)
    if spec in ("gan", "log_trick"):
        _check(d, float(f.f(1.0)) * math.fsum(q))
    else:
        assert d == 0.0


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_boundary_values_exact(spec):
    """The singular parts alone: q = (a, 0), p = (0, b) gives f'(inf) a + f(0) b."""
    f = fdiv.get(spec) if isinstance(spec, str) else fdiv.alpha(spec[1])
    a, b = 0.75, 2.5
    d = fdiv.divergence(f, [a, 0.0], [0.0, b])
    want = (a * f.slope_inf if f.slope_inf != math.inf else math.inf) + (
        b * f.f_zero if f.f_zero != math.inf else math.inf)
    _check(d, want, rtol=4e-16)


def test_known_values():
    """Hand-checkable values: TV has no 1/2, JS is 2x the usual JSD (docs/theory.md §0)."""
    q, p = [1.0, 0.0], [0.0, 1.0]
    assert fdiv.divergence("tv", q, p) == 2.0
    assert fdiv.divergence("js", q, p) == 2 * math.log(2)
    assert fdiv.divergence("squared_hellinger", q, p) == 2.0
    assert fdiv.divergence("triangular", q, p) == 2.0
    assert fdiv.divergence("gan", q, p) == 0.0          # js - log 4
    assert fdiv.divergence("kl", q, p) == math.inf
    assert fdiv.divergence("reverse_kl", q, p) == math.inf
    assert fdiv.divergence("pearson_chi2", [0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.25 ** 2 / 0.25 + 0.25 ** 2 / 0.75, rel=1e-15)


def test_s19_wgan_example_js_kl():
    """S19: disjoint P_0, P_theta: JS (no 1/2) = 2 log 2, KL = +inf, W-independent of theta."""
    grid = np.zeros(10)
    q, p = grid.copy(), grid.copy()
    q[2], p[7] = 1.0, 1.0
    assert fdiv.divergence("js", q, p) == pytest.approx(2 * math.log(2), rel=1e-15)
    assert fdiv.divergence("kl", q, p) == math.inf


def test_gan_is_js_minus_log4_on_probabilities():
    """S8 constant: D_gan = D_js - log 4 for normalised q, p (registry js has no 1/2)."""
    q, p = CASES["random_normalised"]
    assert fdiv.divergence("gan", q, p) == pytest.approx(
        fdiv.divergence("js", q, p) - math.log(4), rel=1e-14)


def test_docstring_examples():
    import doctest

    from fdiv import _divergence

    res = doctest.testmod(_divergence, optionflags=doctest.ELLIPSIS)
    assert res.attempted >= 4 and res.failed == 0
