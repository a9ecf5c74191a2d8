"""Numerics of the divergence kernels: the log ratio, long sums, nearly equal measures, threads.

Long inputs are built from a few distinct values placed at random, so that the exact
divergence is a short mpmath sum ``sum_v count(v) p_v f(q_v/p_v)`` while the kernels still
sum millions of terms (on several threads).
"""
from __future__ import annotations

import math
import numpy as np
import pytest
from mpmath import mp, mpf

import fdiv
from fdiv import _divergence, _kernels
from tests.fdiv._divergence_reference import generator

RTOL = 1e-13


def _log_ratio(a, b):
    out = np.empty(len(a))
    _kernels.log_ratio(np.asarray(a, dtype=float), np.asarray(b, dtype=float), out)
    return out


def test_log_ratio_against_mpmath():
    """log(a/b) for ratios up to 1e±600 and subnormal operands, without forming a/b:
    within 2 ulp of the exact value (mpmath, 50 digits)."""
    rng = np.random.default_rng(11)
    a = np.concatenate([10.0 ** rng.uniform(-300, 300, 300), [5e-324, 1e-310, 1.7e308, 1.0]])
    b = np.concatenate([10.0 ** rng.uniform(-300, 300, 300), [1.7e308, 3e-320, 5e-324, 1.0]])
    got = _log_ratio(a, b)
    with mp.workdps(50):
        want = np.array([float(mp.log(mpf(x) / mpf(y))) for x, y in zip(a, b)])
    err = np.abs(got - want)
    assert np.all(err <= 2 * np.spacing(np.abs(want)) + 0.0)


def test_log_ratio_near_one_relative_accuracy():
    """Near a = b the result keeps full relative accuracy (it is 2 atanh((a-b)/(a+b)))."""
    b = np.full(5, 0.7)
    a = b * (1 + np.array([1e-15, -3e-12, 1e-8, 2e-5, -0.1]))
    got = _log_ratio(a, b)
    with mp.workdps(50):
        want = np.array([float(mp.log(mpf(x) / mpf(y))) for x, y in zip(a, b)])
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)


def _exact_from_values(spec, q, p):
    """Reference D_f for arrays made of few distinct (q_i, p_i) pairs (a pair is coded
    by the indices of its values among the few distinct q and p values)."""
    qv, qi = np.unique(q, return_inverse=True)
    pv, pi = np.unique(p, return_inverse=True)
    counts = np.bincount(qi * len(pv) + pi, minlength=len(qv) * len(pv))
    f, f0, sl = generator(spec)
    with mp.workdps(60):
        total = mpf(0)
        for code in np.flatnonzero(counts):
            c = int(counts[code])
            qk, pk = float(qv[code // len(pv)]), float(pv[code % len(pv)])
            if pk > 0 and qk > 0:
                total += c * mpf(pk) * f(mpf(qk) / mpf(pk))
            elif pk > 0:
                if f0 == math.inf:
                    return math.inf
                total += c * mpf(pk) * f0
            elif qk > 0:
                if sl == math.inf:
                    return math.inf
                total += c * mpf(qk) * sl
        return float(total)


def _long(n, rng, delta):
    """p uniform, q = p (1 +- delta) on random halves; both normalised up to rounding;
    one position holds zeros on both sides."""
    c = 1.0 / n
    sign = rng.random(n) < 0.5
    q = np.where(sign, c * (1 + delta), c * (1 - delta))
    p = np.full(n, c)
    q[0] = p[0] = 0.0
    return q, p


@pytest.mark.parametrize("spec", fdiv.names() + [("alpha", 0.5), ("alpha", -1.0)], ids=str)
def test_long_sum_nearly_equal_measures(spec):
    """3e6 terms with q = p (1 +- 1e-4): D ~ 1e-8 is the difference of terms ~1e-4/n,
    so the sum must cancel the linear parts exactly (kl: T = sum (q - p), Kahan lanes)
    and sum the small parts to a few ulps; the threaded column split is used here."""
    rng = np.random.default_rng(2)
    n = 3_000_000
    assert n >= _divergence.PARALLEL_MIN
    q, p = _long(n, rng, 1e-4)
    f = fdiv.alpha(spec[1]) if isinstance(spec, tuple) else spec
    got = fdiv.divergence(f, q, p)
    want = _exact_from_values(spec, q, p)
    assert abs(got - want) <= RTOL * abs(want), (got, want)


@pytest.mark.parametrize("spec", ["kl", "tv", "js", "reverse_kl", "squared_hellinger"])
def test_long_sum_far_apart(spec):
    rng = np.random.default_rng(4)
    n = 2_000_003
    q = np.where(rng.random(n) < 0.3, 3e-7, 1e-7)
    p = np.where(rng.random(n) < 0.5, 2e-7, 5e-8)
    got = fdiv.divergence(spec, q, p)
    want = _exact_from_values(spec, q, p)
    assert abs(got - want) <= RTOL * abs(want), (got, want)


def test_threaded_row_split_equals_row_by_row():
    rng = np.random.default_rng(9)
    q, p = rng.random((16, 20_000)), rng.random((16, 20_000))
    q[:, ::5] = 0.0
    assert q.size >= _divergence.PARALLEL_MIN
    for name in ("kl", "js", "alpha(2.0)"):
        batch = fdiv.divergence(name, q, p)
        rows = [fdiv.divergence(name, q[i], p[i]) for i in range(16)]
        np.testing.assert_array_equal(batch, rows)


def test_threaded_column_split_matches_single_thread(monkeypatch):
    rng = np.random.default_rng(10)
    q, p = rng.random(1_000_001), rng.random(1_000_001)
    multi = fdiv.divergence("kl", q, p)
    monkeypatch.setattr(_divergence, "_threads", lambda: 1)
    single = fdiv.divergence("kl", q, p)
    assert multi == pytest.approx(single, rel=1e-15)


@pytest.mark.parametrize("name", fdiv.names())
def test_fast_and_general_terms_agree(name):
    """Blocks with a subnormal or huge mass switch to the general term for the whole
    block; the same pairs elsewhere use the fast term: the two must agree."""
    rng = np.random.default_rng(12)
    q = rng.random(1100) * 3
    p = rng.random(1100)
    q[::9] = 0.0
    p[::13] = 0.0
    base = fdiv.divergence(name, q, p)
    q2, p2 = np.append(q, 5e-324), np.append(p, 5e-324)  # a last block with a subnormal pair
    q2 = np.concatenate([q2[-1:], q2[:-1]])               # ... moved to the first block
    p2 = np.concatenate([p2[-1:], p2[:-1]])
    extra = fdiv.divergence(name, [5e-324], [5e-324])
    got = fdiv.divergence(name, q2, p2)
    if math.isinf(base):
        assert got == base
    else:
        assert got == pytest.approx(base + extra, rel=1e-14)


def test_threaded_path_in_a_forked_child():
    """The worker pool is rebuilt after fork (a child inherits no pool threads)."""
    import multiprocessing as mp_

    if "fork" not in mp_.get_all_start_methods():
        pytest.skip("no fork on this platform")
    q = np.full(600_000, 1.0 / 600_000)
    fdiv.divergence("tv", q, q)  # the parent's pool exists now
    ctx = mp_.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(fdiv.divergence, ("js", q, q[::-1].copy())).get(timeout=120)
    assert got == 0.0
