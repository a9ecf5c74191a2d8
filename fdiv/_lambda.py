"""Exact solvers for the λ of R*_β and R†_β (THEORY.md S12, S14): Numba kernels.

Both mass equations are monotone and piecewise linear in λ, with breakpoints
``t_i = b_i / a_i`` (``a = p_data``, ``b = (1 − β) p_model``, or the AdaGAN weight form):

    R*  (S12):  F(λ) := Σ_i (λ a_i − b_i)_+ = β          (nondecreasing in λ)
    R†  (S14):  G(λ) := Σ_i (a_i − λ b_i)_+ = β          (nonincreasing in λ)

Term i of F is active iff ``t_i < λ``; term i of G is active iff ``t_i < μ := 1/λ``. With
``A(x) = Σ_{t_i < x} a_i`` and ``B(x) = Σ_{t_i < x} b_i`` both equations become the sign change
of one increasing function of ``x`` (``x = λ*`` or ``x = μ† = 1/λ†``):

    Φ(x) = (A(x) − c) x − B(x) − d,    R*: (c, d) = (0, β),   R†: (c, d) = (β, 0)

(for R†, ``Φ(μ)/μ = G(1/μ) − β``). Once the set of active terms is known, the root is closed
form: ``λ* = (β + B) / A`` and ``λ† = (A − β) / B``. No tolerance-driven iteration.

Finding the active set (expected and worst case O(n), no sort): the breakpoints are
nonnegative floats, whose IEEE-754 bit patterns, read as int64, are ordered like the values.
One pass histograms the breakpoints into at most 4096 buckets of equal width *in bit space*
(log-like across binades, linear within one), with per-bucket counts and sums of a and b;
a scan of the bucket edges locates the single bucket that contains the root; only that
bucket's elements are gathered and the step repeats on them. A last pass recomputes the
active sums with compensated (Neumaier) summation for the closed form. The bit-space span shrinks by
the bucket count at every level, so there are at most ⌈63/12⌉ + 1 levels whatever the data
(ties included: a bucket holding one value is resolved directly).

Boundary cases (explicit, never through NaN):
- ``a_i = 0``: never active (``λ·0 − b_i ≤ 0``; ``0 − λ b_i ≤ 0``); its breakpoint is +inf.
- ``b_i = 0 < a_i``: breakpoint 0, always active (``λ > 0`` for R*, ``μ > 0`` for R†); for R†
  these terms are the missed mass ``p_data(p_model = 0)`` that must stay below β.
- ``b_i = +inf`` (AdaGAN weights with D(x_i) = 0): never active.
- ``b_i = −0.0`` is read as +0.0.

Kernels take raw contiguous float64 arrays and do no validation (STYLE.md): the public
functions in :mod:`fdiv._mixture` and :mod:`fdiv._weights` validate first.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["active_sums", "star_component", "dagger_component", "lambda_star", "lambda_dagger"]

_MAX_BUCKET_BITS = 12  # at most 4096 buckets per level
_MIN_BUCKET_BITS = 4


@njit(cache=True, error_model="numpy")
def _breakpoints(a, b, t):
    """Write ``t_i = b_i / a_i`` (+inf where ``a_i = 0``) and return the always-active sums.

    Returns ``(A0, B0, m, tmin, tmax)``: sums of a and b over zero breakpoints (always
    active), the number ``m`` of candidates (breakpoints in (0, inf)) and their range.
    """
    n = a.size
    A0 = 0.0
    B0 = 0.0
    m = 0
    tmin = np.inf
    tmax = 0.0
    for i in range(n):
        ai = a[i]
        ti = b[i] / ai + 0.0 if ai > 0.0 else np.inf  # + 0.0 turns -0.0 into +0.0
        t[i] = ti
        if ti == 0.0:
            A0 += ai
            B0 += b[i]
        cand = ti > 0.0 and ti < np.inf
        m += cand
        tmin = min(tmin, ti if cand else np.inf)
        tmax = max(tmax, ti if cand else 0.0)
    return A0, B0, m, tmin, tmax


@njit(cache=True, error_model="numpy")
def _bits_to_float(v):
    buf = np.empty(1, np.int64)
    buf[0] = v
    return buf.view(np.float64)[0]


@njit(cache=True, error_model="numpy")
def _float_to_bits(x):
    buf = np.empty(1, np.float64)
    buf[0] = x
    return buf.view(np.int64)[0]


@njit(cache=True, error_model="numpy")
def _shift_for(span, m):
    """Smallest shift ``s`` with ``span >> s`` below the level's bucket count."""
    kb = _MIN_BUCKET_BITS
    while kb < _MAX_BUCKET_BITS and (1 << kb) < m:
        kb += 1
    s = 0
    while (span >> s) >= (1 << kb):
        s += 1
    return s


@njit(cache=True, error_model="numpy")
def _locate(t, a, b, m, blo, bhi, s, A, B, c, d, cnt, SA, SB):
    """Histogram candidates ``t[:m]`` with bits in [blo, bhi] and find the root's bucket.

    Returns ``(k, A, B)``: ``k`` is the bucket that may straddle the root (-1: the root lies
    at or below every candidate, all inactive: the active set is ``{t < lo}``) and ``(A, B)``
    the active sums with every bucket below ``k`` added.
    """
    nb = ((bhi - blo) >> s) + 1
    for k in range(nb):
        cnt[k] = 0
        SA[k] = 0.0
        SB[k] = 0.0
    tb = t.view(np.int64)
    for j in range(m):
        v = tb[j]
        if v >= blo and v <= bhi:
            k = (v - blo) >> s
            cnt[k] += 1
            SA[k] += a[j]
            SB[k] += b[j]
    pending = -1
    for k in range(nb):
        if cnt[k] == 0:
            continue
        if pending < 0:
            x = _bits_to_float(blo + (k << s))
            if (A - c) * x - B - d >= 0.0:
                return -1, A, B
        else:
            x = _bits_to_float(blo + (k << s))
            An = A + SA[pending]
            Bn = B + SB[pending]
            if (An - c) * x - Bn - d >= 0.0:
                return pending, A, B
            A = An
            B = Bn
        pending = k
    return pending, A, B


@njit(cache=True, error_model="numpy")
def _gather(t, a, b, m, blo, bhi, s, k, ot, oa, ob):
    """Copy the candidates of bucket ``k`` to the front of ``(ot, oa, ob)`` (may alias the
    inputs: the write index never passes the read index). Returns ``(count, min, max)``."""
    tb = t.view(np.int64)
    w = 0
    lo = np.inf
    hi = 0.0
    for j in range(m):
        v = tb[j]
        if v >= blo and v <= bhi and ((v - blo) >> s) == k:
            tj = t[j]
            ot[w] = tj
            oa[w] = a[j]
            ob[w] = b[j]
            if tj < lo:
                lo = tj
            if tj > hi:
                hi = tj
            w += 1
    return w, lo, hi


@njit(cache=True, error_model="numpy")
def _step(ta, aa, ba, size, lo, hi, m, A, B, c, d, cnt, SA, SB):
    """One level on candidates in [lo, hi] among ``ta[:size]``.

    Returns ``(done, A, B, k, blo, bhi, s, inclusive)``; when not done, bucket ``k`` (bit
    range ``[blo, bhi]``, shift ``s``) holds the candidates still undecided; when done, the
    active set is ``{t <= lo}`` if ``inclusive`` else ``{t < lo}``.
    """
    blo = _float_to_bits(lo)
    bhi = _float_to_bits(hi)
    if lo == hi:  # one distinct breakpoint left: all active or all inactive
        inclusive = (A - c) * lo - B - d < 0.0
        if inclusive:
            tb = ta.view(np.int64)
            for j in range(size):
                if tb[j] == blo:
                    A += aa[j]
                    B += ba[j]
        return True, A, B, -1, blo, bhi, 0, inclusive
    s = _shift_for(bhi - blo, m)
    k, A, B = _locate(ta, aa, ba, size, blo, bhi, s, A, B, c, d, cnt, SA, SB)
    return k < 0, A, B, k, blo, bhi, s, False


@njit(cache=True, error_model="numpy")
def active_sums(a, b, c, d):
    """Sums ``(A, B, n_candidates)`` of a and b over the active set at the root of Φ.

    ``Φ(x) = (A(x) − c) x − B(x) − d``; ``(c, d) = (0, β)`` gives λ* = (B + β)/A and
    ``(c, d) = (β, 0)`` gives λ† = (A − β)/B (module docstring). ``n_candidates`` counts the
    breakpoints in (0, inf), which the search had to place.
    """
    n = a.size
    t = np.empty(n)
    A, B, m0, lo, hi = _breakpoints(a, b, t)
    cnt = np.empty(1 << _MAX_BUCKET_BITS, np.int64)
    SA = np.empty(1 << _MAX_BUCKET_BITS)
    SB = np.empty(1 << _MAX_BUCKET_BITS)
    # level 0 reads the caller's arrays; the undecided bucket is gathered into fresh ones,
    # which later levels compact in place
    done = m0 == 0  # then the active set {t = 0} is {t < lo} with lo = +inf
    inclusive = False
    if not done:
        done, A, B, k, blo, bhi, s, inclusive = _step(t, a, b, n, lo, hi, m0, A, B, c, d, cnt, SA, SB)
    if not done:
        size = cnt[k]
        ot = np.empty(size)
        oa = np.empty(size)
        ob = np.empty(size)
        size, lo, hi = _gather(t, a, b, n, blo, bhi, s, k, ot, oa, ob)
        while not done:
            done, A, B, k, blo, bhi, s, inclusive = _step(ot, oa, ob, size, lo, hi, size, A, B, c, d,
                                                          cnt, SA, SB)
            if not done:
                size, lo, hi = _gather(ot, oa, ob, size, blo, bhi, s, k, ot, oa, ob)
    A, B = _compensated_sums(t, a, b, lo, inclusive)
    return A, B, m0


@njit(cache=True, error_model="numpy")
def _compensated_sums(t, a, b, x, inclusive):
    """Compensated sums of a and b over the active set the search found (``t_i < x``, or
    ``t_i <= x`` when ``inclusive``): the search's bucket sums are plain running sums (error
    growing like n ε); this pass makes the closed form accurate to a few ulps whatever n.
    The set is the search's own (not re-derived from the root), so a root sitting on a
    breakpoint never switches to a neighbouring piece whose line may be degenerate.
    Branch-free TwoSum (Knuth) per term; the selection is a multiply by 0/1."""
    if inclusive:
        x = np.nextafter(x, np.inf)  # t <= x  <=>  t < nextafter(x)
    big = np.finfo(np.float64).max
    sa = 0.0
    ca = 0.0
    sb = 0.0
    cb = 0.0
    for i in range(t.size):
        keep = 1.0 if t[i] < x else 0.0
        v = a[i] * keep
        s1 = sa + v
        bp = s1 - sa
        ca += (sa - (s1 - bp)) + (v - bp)
        sa = s1
        v = min(b[i], big) * keep  # b = +inf only where t = +inf (never kept): no 0 * inf
        s1 = sb + v
        bp = s1 - sb
        cb += (sb - (s1 - bp)) + (v - bp)
        sb = s1
    return sa + ca, sb + cb


@njit(cache=True, error_model="numpy")
def lambda_star(a, b, beta):
    """λ* solving ``Σ (λ a_i − b_i)_+ = β`` (requires some ``a_i > 0`` with finite ``b_i``)."""
    A, B, _ = active_sums(a, b, 0.0, beta)
    return (B + beta) / A


@njit(cache=True, error_model="numpy")
def lambda_dagger(a, b, beta):
    """λ† solving ``Σ (a_i − λ b_i)_+ = β`` (requires ``Σ_{b_i=0} a_i < β``); returns
    ``(A − β)/B``, which is +inf or negative when the assumption fails (callers check)."""
    A, B, _ = active_sums(a, b, beta, 0.0)
    return (A - beta) / B


@njit(cache=True, error_model="numpy")
def star_component(a, b, lam, scale, out):
    """``out_i = (λ a_i − b_i)_+ / scale``; returns ``(Σ out, #{out_i > 0})`` (Neumaier sum)."""
    s = 0.0
    comp = 0.0
    k = 0
    for i in range(a.size):
        bi = b[i]
        v = 0.0
        if bi < np.inf:
            v = lam * a[i] - bi
        if v > 0.0:
            v = v / scale
            k += 1
        else:
            v = 0.0
        out[i] = v
        tt = s + v
        if abs(s) >= abs(v):
            comp += (s - tt) + v
        else:
            comp += (v - tt) + s
        s = tt
    return s + comp, k


@njit(cache=True, error_model="numpy")
def dagger_component(a, b, lam, scale, out):
    """``out_i = (a_i − λ b_i)_+ / scale``; returns ``(Σ out, #{out_i > 0})`` (Neumaier sum).

    ``b_i = 0`` gives ``a_i / scale`` whatever λ; ``b_i = +inf`` gives 0 (also at λ = 0).
    """
    s = 0.0
    comp = 0.0
    k = 0
    for i in range(a.size):
        bi = b[i]
        v = 0.0
        if bi == 0.0:
            v = a[i]
        elif bi < np.inf:
            v = a[i] - lam * bi
        if v > 0.0:
            v = v / scale
            k += 1
        else:
            v = 0.0
        out[i] = v
        tt = s + v
        if abs(s) >= abs(v):
            comp += (s - tt) + v
        else:
            comp += (v - tt) + s
        s = tt
    return s + comp, k
