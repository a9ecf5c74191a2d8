"""Wasserstein-1 with huge support points or masses: the value is finite or +inf, never NaN.

Reference: the 1-D formula ``Σ |F_q − F_p| (x_{i+1} − x_i)`` in mpmath at 60 digits on the exact
float inputs (no overflow there), rounded to a float (+inf beyond DBL_MAX). ``RTOL = 1e-13``
for the CDF kernel (a few ulps of the terms; no cancellation in these cases) and ``LP_RTOL =
1e-9`` for the HiGHS LPs, which see the data scaled by powers of two (exact) and solve to
their feasibility tolerance relative to mass x diameter.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import fdiv

RTOL = 1e-13
LP_RTOL = 1e-9
mp.mp.dps = 60
DBL_MAX = np.finfo(float).max


def ref_w1(q, p, x) -> float:
    tot = mp.mpf(0)
    F = mp.mpf(0)
    for i in range(len(x) - 1):
        F += mp.mpf(float(q[i])) - mp.mpf(float(p[i]))
        tot += abs(F) * (mp.mpf(float(x[i + 1])) - mp.mpf(float(x[i])))
    return math.inf if tot > DBL_MAX else float(tot)


def _cases():
    rng = np.random.default_rng(31)
    out = [
        ([1.0, 0.0], [0.0, 1.0], [-1e308, 1e308]),            # 2e308: +inf
        ([1e-300, 0.0], [0.0, 1e-300], [-1e308, 1e308]),      # finite: 2e8
        ([1e308, 0.0], [0.0, 1e308], [0.0, 10.0]),            # +inf
        ([1e308, 0.0], [0.0, 1e308], [0.0, 1e-300]),          # finite: 1e8
        ([1e308, 1e308, 0.0], [0.0, 1e308, 1e308], [0.0, 1.0, 2.0]),   # totals overflow: inf
        ([1e308, 1e308, 0.0], [0.0, 1e308, 1e308], [0.0, 1e-300, 2e-300]),  # finite, 4e8
        ([0.5, 0.5], [0.5, 0.5], [-DBL_MAX, DBL_MAX]),        # 0
    ]
    for _ in range(5):  # held-out: random huge magnitudes
        n = 5
        q = rng.random(n) * 10.0 ** rng.uniform(280, 307)
        p = rng.permutation(q)
        x = np.sort(rng.uniform(-1, 1, n)) * 10.0 ** rng.uniform(290, 308)
        out.append((q, p, x))
    return out


CASES = _cases()


@pytest.mark.parametrize("i", range(len(CASES)))
def test_wasserstein1_never_nan(i):
    q, p, x = CASES[i]
    got = fdiv.wasserstein1(q, p, x)
    want = ref_w1(q, p, x)
    assert not math.isnan(got)
    if want == math.inf:
        assert got == math.inf
    else:
        assert got == pytest.approx(want, rel=RTOL, abs=0)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_lp_and_dual_never_nan(i):
    q, p, x = CASES[i]
    want = ref_w1(q, p, x)
    for fn in (fdiv.wasserstein1_lp, fdiv.wasserstein1_dual):
        got = fn(q, p, x).value
        assert not math.isnan(got), fn.__name__
        if want == math.inf:
            assert got == math.inf, fn.__name__
        else:
            assert got == pytest.approx(want, rel=LP_RTOL, abs=0), fn.__name__


def test_lp_plan_keeps_marginals_at_huge_scale():
    q, p = [1e300, 2e300, 0.0], [0.0, 1e300, 2e300]
    res = fdiv.wasserstein1_lp(q, p, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(res.plan.sum(axis=1), q, rtol=1e-9)
    np.testing.assert_allclose(res.plan.sum(axis=0), p, rtol=1e-9)
    assert res.value == pytest.approx(3e300, rel=LP_RTOL)  # |F| = 1, 2 on unit gaps


def test_unequal_totals_still_rejected_when_sums_overflow():
    with pytest.raises(ValueError, match="equal total"):
        fdiv.wasserstein1([1e308, 1e308, 1e308], [1e308, 1e308, 0.0], [0.0, 1.0, 2.0])
