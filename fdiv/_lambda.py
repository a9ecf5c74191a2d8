"""Exact solvers for the λ of R*_β and R†_β (docs/theory.md S12, S14): Numba kernels.

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

Finding the active set (O(n) whatever the data, no sort): the breakpoints are nonnegative
floats, whose IEEE-754 bit patterns, read as int64, are ordered like the values.

1. Pass 1 over the caller's arrays buckets every breakpoint by the top 14 bits under the sign
   (8 buckets per binade), with per-bucket counts and sums of a and b; a scan of the bucket
   edges (sign of Φ) locates the single bucket that contains the root.
2. Pass 2 sums a and b over every breakpoint below that bucket with compensated (TwoSum)
   summation and copies the bucket's elements out.
3. Within the copied bucket, levels of at most 4096 buckets of equal width *in bit space*
   between its min and max repeat the search on ever smaller sets; the bit-space span shrinks
   by the bucket count at every level, so there are at most ⌈52/12⌉ + 1 levels (ties
   included: a set holding one value is resolved directly).
4. The search ends with a threshold set ``{t < θ}`` or ``{t ≤ θ}``; its sums over the copied
   bucket are taken again with compensated summation, so the closed form is accurate to a
   few ulps whatever n (plain running sums drift like n ε on many equal terms).

Memory traffic is two reads of ``a`` and ``b`` plus work on the root's bucket.

Boundary cases (explicit, never through NaN):
- ``a_i = 0``: never active (``λ·0 − b_i ≤ 0``; ``0 − λ b_i ≤ 0``); its breakpoint is +inf.
- ``b_i = 0 < a_i``: breakpoint 0, always active (``λ > 0`` for R*, ``μ > 0`` for R†); for R†
  these terms are the missed mass ``p_data(p_model = 0)`` that must stay below β.
- ``b_i = +inf`` (AdaGAN weights with D(x_i) = 0): never active.
- ``b_i = −0.0`` is read as +0.0.

Kernels take raw contiguous float64 arrays and do no validation (docs/contributing.md): the public
functions in :mod:`fdiv._mixture` and :mod:`fdiv._weights` validate first.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["active_sums", "dagger_component", "lambda_star", "lambda_dagger"]

_TOP_BITS = 14  # level 0: buckets by the top 14 bits under the sign (8 per binade)
_TOP_SHIFT = 63 - _TOP_BITS
_MAX_BUCKET_BITS = 12  # later levels: at most 4096 buckets
_MIN_BUCKET_BITS = 4


@intrinsic
def _bits(typingctx, x):
    """IEEE-754 bit pattern of a float64 as int64 (monotone in x for x >= +0.0)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def _float(typingctx, v):
    """Inverse of :func:`_bits`."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@njit(cache=True, error_model="numpy", inline="always")
def _breakpoint(ai, bi):
    """``t = b/a`` (``-0.0`` read as ``+0.0``); +inf where ``a = 0`` (never active)."""
    return bi / ai + 0.0 if ai > 0.0 else np.inf


@njit(cache=True, error_model="numpy", inline="always")
def _root_at_or_below(x, A, B, c, d):
    """``Φ(x) >= 0`` for ``x > 0``, i.e. ``(A − c) x >= B + d``, decided on mantissas and
    exponents (``frexp``) so that neither the product nor the quotient ``(B + d)/x`` can
    underflow or overflow (subnormal masses, breakpoints near 1e308)."""
    lhs = A - c
    rhs = B + d
    if not lhs > 0.0:
        return lhs == 0.0 and rhs <= 0.0
    if not rhs > 0.0:
        return True
    m1, e1 = math.frexp(lhs)
    m2, e2 = math.frexp(x)
    m3, e3 = math.frexp(rhs)
    return m1 * m2 >= math.ldexp(m3, e3 - e1 - e2)


@njit(cache=True, error_model="numpy", inline="always")
def _two_sum(s, comp, v):
    """Knuth's TwoSum: ``(s + v, comp + rounding error of s + v)``."""
    s1 = s + v
    bp = s1 - s
    return s1, comp + ((s - (s1 - bp)) + (v - bp))


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
def _scan(blo, s, nb, A, B, c, d, cnt, SA, SB):
    """Find the bucket that may straddle the root, testing Φ at bucket lower edges.

    Returns ``(k, A, B)``: ``k = -1`` when the root lies at or below every candidate (all
    inactive: the active set is the base), else ``k`` and the base sums with every bucket
    below ``k`` added. Edges at 0 are skipped: the root is > 0.
    """
    pending = -1
    for k in range(nb):
        if cnt[k] == 0:
            continue
        x = _float(blo + (k << s))
        if pending < 0:
            if x > 0.0 and _root_at_or_below(x, A, B, c, d):
                return -1, A, B
        else:
            An = A + SA[pending]
            Bn = B + SB[pending]
            if x > 0.0 and _root_at_or_below(x, An, Bn, c, d):
                return pending, A, B
            A = An
            B = Bn
        pending = k
    return pending, A, B


@njit(cache=True, error_model="numpy")
def _level0(a, b, c, d, ids):
    """First pass over the caller's arrays: breakpoints bucketed by their top bits
    (``ids[i]``: the bucket, -1 for a zero breakpoint, ``2**14`` for +inf).

    Returns ``(k, A0, B0, m, cnt)``: the root's bucket (-1: none), the plain sums over zero
    breakpoints (always active) and the buckets below ``k``, the number of candidates
    (breakpoints in (0, inf)) and the bucket counts.
    """
    nb = 1 << _TOP_BITS
    cnt = np.zeros(nb, np.int64)
    SA = np.zeros(nb)
    SB = np.zeros(nb)
    A0 = 0.0
    B0 = 0.0
    m = 0
    for i in range(a.size):
        ai = a[i]
        bi = b[i]
        ti = _breakpoint(ai, bi)
        if ti == 0.0:
            A0 += ai
            B0 += bi
            ids[i] = -1
        elif ti < np.inf:
            k = _bits(ti) >> _TOP_SHIFT
            cnt[k] += 1
            SA[k] += ai
            SB[k] += bi
            m += 1
            ids[i] = k
        else:
            ids[i] = nb
    k, A, B = _scan(0, _TOP_SHIFT, nb, A0, B0, c, d, cnt, SA, SB)
    return k, A, B, m, cnt


@njit(cache=True, error_model="numpy")
def _gather0(a, b, ids, k0, ot, oa, ob):
    """Second pass: compensated sums over the base (zero breakpoints and buckets below
    ``k0``) and the candidates of bucket ``k0`` copied out. Returns ``(A, B, lo, hi)``.

    Branch-free selection (about half the terms are kept, unpredictably), two TwoSum lanes
    per sum to halve the add-latency chain; ``b = +inf`` only where ``t = +inf`` (never
    kept): ``min()`` avoids ``0 * inf``."""
    big = np.finfo(np.float64).max
    sa0 = 0.0
    ca0 = 0.0
    sb0 = 0.0
    cb0 = 0.0
    sa1 = 0.0
    ca1 = 0.0
    sb1 = 0.0
    cb1 = 0.0
    lo = np.inf
    hi = 0.0
    w = 0
    n = a.size
    for i in range(0, n - 1, 2):
        keep0 = 1.0 if ids[i] < k0 else 0.0
        keep1 = 1.0 if ids[i + 1] < k0 else 0.0
        sa0, ca0 = _two_sum(sa0, ca0, a[i] * keep0)
        sa1, ca1 = _two_sum(sa1, ca1, a[i + 1] * keep1)
        sb0, cb0 = _two_sum(sb0, cb0, min(b[i], big) * keep0)
        sb1, cb1 = _two_sum(sb1, cb1, min(b[i + 1], big) * keep1)
    if n % 2 == 1:
        keep0 = 1.0 if ids[n - 1] < k0 else 0.0
        sa0, ca0 = _two_sum(sa0, ca0, a[n - 1] * keep0)
        sb0, cb0 = _two_sum(sb0, cb0, min(b[n - 1], big) * keep0)
    for i in range(n):
        if ids[i] == k0:
            ti = _breakpoint(a[i], b[i])
            ot[w] = ti
            oa[w] = a[i]
            ob[w] = b[i]
            lo = min(lo, ti)
            hi = max(hi, ti)
            w += 1
    sa, ca = _two_sum(sa0, ca0 + ca1, sa1)
    sb, cb = _two_sum(sb0, cb0 + cb1, sb1)
    return sa + ca, sb + cb, lo, hi


@njit(cache=True, error_model="numpy")
def _base_only(a, b):
    """Compensated sums over the zero breakpoints (the active set when no candidate is)."""
    sa = 0.0
    ca = 0.0
    sb = 0.0
    cb = 0.0
    for i in range(a.size):
        if a[i] > 0.0 and _breakpoint(a[i], b[i]) == 0.0:
            sa, ca = _two_sum(sa, ca, a[i])
            sb, cb = _two_sum(sb, cb, b[i])
    return sa + ca, sb + cb


@njit(cache=True, error_model="numpy")
def _locate(t, a, b, m, blo, bhi, s, A, B, c, d, cnt, SA, SB):
    """Histogram ``t[:m]`` (all in [lo, hi]) into buckets of width ``1 << s`` in bit space
    and find the root's bucket (see :func:`_scan`)."""
    nb = ((bhi - blo) >> s) + 1
    for k in range(nb):
        cnt[k] = 0
        SA[k] = 0.0
        SB[k] = 0.0
    for j in range(m):
        k = (_bits(t[j]) - blo) >> s
        cnt[k] += 1
        SA[k] += a[j]
        SB[k] += b[j]
    return _scan(blo, s, nb, A, B, c, d, cnt, SA, SB)


@njit(cache=True, error_model="numpy")
def _gather(t, a, b, m, blo, s, k, ot, oa, ob):
    """Copy the elements of bucket ``k`` to the front of ``(ot, oa, ob)`` (may alias the
    inputs: the write index never passes the read index). Returns ``(count, min, max)``."""
    w = 0
    lo = np.inf
    hi = 0.0
    for j in range(m):
        tj = t[j]
        if ((_bits(tj) - blo) >> s) == k:
            ot[w] = tj
            oa[w] = a[j]
            ob[w] = b[j]
            lo = min(lo, tj)
            hi = max(hi, tj)
            w += 1
    return w, lo, hi


@njit(cache=True, error_model="numpy")
def _refine(t, a, b, m, x, inclusive):
    """Compensated sums of a and b over ``t[:m] < x`` (``<= x`` when ``inclusive``).

    The set is the search's own threshold set, so a root sitting on a breakpoint never
    switches to a neighbouring piece whose line may be degenerate.
    """
    sa = 0.0
    ca = 0.0
    sb = 0.0
    cb = 0.0
    for j in range(m):
        if t[j] < x or (inclusive and t[j] == x):
            sa, ca = _two_sum(sa, ca, a[j])
            sb, cb = _two_sum(sb, cb, b[j])
    return sa + ca, sb + cb


@njit(cache=True, error_model="numpy")
def active_sums(a, b, c, d):
    """Sums ``(A, B, n_candidates)`` of a and b over the active set at the root of Φ.

    ``Φ(x) = (A(x) − c) x − B(x) − d``; ``(c, d) = (0, β)`` gives λ* = (B + β)/A and
    ``(c, d) = (β, 0)`` gives λ† = (A − β)/B (module docstring). ``n_candidates`` counts the
    breakpoints in (0, inf), which the search had to place. ``A`` and ``B`` are compensated
    sums (a few ulps whatever n).
    """
    ids = np.empty(a.size, np.int16)
    k0, A, B, m0, cnt0 = _level0(a, b, c, d, ids)
    if k0 < 0:  # every candidate inactive: only the zero breakpoints
        A, B = _base_only(a, b)
        return A, B, m0
    m1 = cnt0[k0]
    t1 = np.empty(m1)
    a1 = np.empty(m1)
    b1 = np.empty(m1)
    A0, B0, lo, hi = _gather0(a, b, ids, k0, t1, a1, b1)
    # the level-0 bucket (t1, a1, b1) is kept for the final compensated sums; deeper levels
    # work on a copy that they compact in place
    t2 = t1.copy()
    a2 = a1.copy()
    b2 = b1.copy()
    size = m1
    cnt = np.empty(1 << _MAX_BUCKET_BITS, np.int64)
    SA = np.empty(1 << _MAX_BUCKET_BITS)
    SB = np.empty(1 << _MAX_BUCKET_BITS)
    A = A0
    B = B0
    while True:
        if lo == hi:  # one distinct breakpoint left: all active or all inactive
            inclusive = not _root_at_or_below(lo, A, B, c, d)
            break
        blo = _bits(lo)
        s = _shift_for(_bits(hi) - blo, size)
        k, A, B = _locate(t2, a2, b2, size, blo, _bits(hi), s, A, B, c, d, cnt, SA, SB)
        if k < 0:  # the root is at or below lo: active set {t < lo}
            inclusive = False
            break
        size, lo, hi = _gather(t2, a2, b2, size, blo, s, k, t2, a2, b2)
    Ar, Br = _refine(t1, a1, b1, m1, lo, inclusive)
    return A0 + Ar, B0 + Br, m0


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
def dagger_component(a, b, num, den, scale, out):
    """``out_i = (a_i − λ b_i)_+ / scale`` with ``λ = num/den``; returns ``(Σ out,
    #{out_i > 0})`` (compensated sum). The components for β < 1 are formed by
    :mod:`fdiv._component`, accurate however small β is.

    ``b_i = 0`` gives ``a_i / scale`` whatever λ; ``b_i = +inf`` gives 0 (also at λ = 0).
    When λ overflows (``den`` subnormal: p_model ~ 1e-310 where p_data is not), ``λ b_i`` is
    formed as ``(b_i num)/den``, exact where it matters (the terms that stay active).
    """
    lam = num / den
    ratio = not lam < np.inf
    s = 0.0
    comp = 0.0
    k = 0
    for i in range(a.size):
        bi = b[i]
        v = 0.0
        if bi == 0.0:
            v = a[i]
        elif bi < np.inf:
            v = a[i] - ((bi * num) / den if ratio else lam * bi)
        if v > 0.0:
            v = v / scale
            k += 1
        else:
            v = 0.0
        out[i] = v
        s, comp = _two_sum(s, comp, v)
    return s + comp, k
