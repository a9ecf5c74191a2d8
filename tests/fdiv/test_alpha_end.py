"""alpha(a) conjugate at and near the right end of its domain, against mpmath.

For a < 1 and a float t the exact value is ``f*(t) = (z^{a/(a-1)} - 1)/a`` with
``z = 1 + (a-1) t`` when z > 0, ``-1/a`` at z = 0 for a < 0, and +inf otherwise (THEORY §0);
mpmath evaluates it at 60 digits on the exact float inputs. ``RTOL = 1e-13``: the computed z is
a double-double (a few ulps of z), and f* depends on z through ``z^{a/(a-1)}``, so its relative
error is ~|a/(a-1)| ulps plus the rounding of ``a - 1`` (both far below 1e-13 for |a| <= 10).
Most a values of the sweep are drawn at random (held-out cases).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import fdiv

RTOL = 1e-13
mp.mp.dps = 60


def ref_conj(a: float, t: float) -> float:
    A, T = mp.mpf(a), mp.mpf(t)
    z = 1 + (A - 1) * T
    if z < 0 or (z == 0 and a >= 0):
        return math.inf
    if z == 0:
        return float(-1 / A)
    if a == 0:
        return float(-mp.log(z))
    return float((mp.power(z, A / (A - 1)) - 1) / A)


def _points(hi: float):
    out = [hi]
    for k in (1, 2, 7, 100, 10**6):
        t = hi
        for _ in range(k if k < 10 else 0):
            t = math.nextafter(t, -math.inf)
        if k >= 10:
            t = hi - k * math.ulp(hi)
        out.append(t)
    out += [math.nextafter(hi, math.inf), math.nextafter(math.nextafter(hi, math.inf), math.inf)]
    return out


_rng = np.random.default_rng(1212)
A_SWEEP = [0.3, -0.7, 1e-5, -1e-5, 0.5, -1.0, -3.0, 0.9, 0.999] + [
    float(x) for x in _rng.uniform(-4.0, 0.99, size=16)]


@pytest.mark.parametrize("a", A_SWEEP)
def test_conjugate_near_right_end(a):
    g = fdiv.alpha(a)
    hi = g.conjugate_domain[1]
    for t in _points(hi):
        got, want = float(g.conjugate(t)), ref_conj(a, t)
        if want == math.inf:
            assert got == math.inf, (a, t, got)
        else:
            assert got == pytest.approx(want, rel=RTOL), (a, t, got, want)


@pytest.mark.parametrize("a", A_SWEEP)
def test_right_end_is_on_the_right_side(a):
    """Closed domain (a < 0): hi is the largest float where f* is finite; open domain: f* is
    +inf from the first float at or beyond 1/(1-a) on, finite below it."""
    g = fdiv.alpha(a)
    hi = g.conjugate_domain[1]
    up = math.nextafter(hi, math.inf)
    if a < 0:
        assert g.conjugate_domain_closed
        assert math.isfinite(ref_conj(a, hi)) and ref_conj(a, up) == math.inf
        assert math.isfinite(g.conjugate(hi)) and g.conjugate(up) == math.inf
    else:
        assert abs(hi - 1 / (1 - mp.mpf(a))) <= math.ulp(hi)  # the nearest float, or next to it
        assert g.conjugate(up) == math.inf


@pytest.mark.parametrize("a", A_SWEEP)
def test_fenchel_young_at_the_end(a):
    """f(x) + f*(hi) >= hi x for large x: fails when hi lies beyond the true end."""
    g = fdiv.alpha(a)
    hi = g.conjugate_domain[1]
    ft = float(g.conjugate(hi))
    if ft == math.inf:
        return
    for x in (1e3, 1e8, 1e15, 1e30):
        fx = mp.mpf(float(g.f(x)))
        lhs = fx + mp.mpf(ft) - mp.mpf(hi) * x
        assert lhs >= -1e-13 * (abs(fx) + abs(ft) + hi * x), (a, x)


def test_examples_just_inside_the_end():
    assert math.isfinite(fdiv.alpha(1e-5).conjugate(fdiv.alpha(1e-5).conjugate_domain[1])) == (
        1 / (1 - mp.mpf(1e-5)) > fdiv.alpha(1e-5).conjugate_domain[1])
    g = fdiv.alpha(0.3)
    t = math.nextafter(g.conjugate_domain[1], 0.0)
    assert float(g.conjugate(t)) == pytest.approx(ref_conj(0.3, t), rel=RTOL)
