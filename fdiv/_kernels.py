r"""Numba kernels of :func:`fdiv.divergence`: one exact, stable term per registry generator.

Every kernel computes, for each row ``r`` of C-contiguous ``(rows, n)`` float64 arrays and the
columns ``[c0, c1)``, the pieces of docs/theory.md §0

    D_f(q||p) = sum_{p_i>0} p_i f(q_i/p_i) + f'(inf) sum_{p_i=0} q_i

as ``out[r] = (S_hi, S_lo, T_hi, T_lo)`` with ``D = S + B*T`` (``B`` from :data:`KERNELS`).
``S`` sums the *term* ``t(q_i, p_i)`` of the generator, every case of §0 written out as an
explicit branch (table below). ``B`` is nonzero only for kl and reverse_kl, whose terms
``q log(q/p)`` and ``-p log(q/p)`` change sign and cancel to second order when q ~ p: there
(``q/p`` within a factor sqrt 2 of 1) the term is split into the normalised generator
``p (f(x) - f'(1)(x-1))`` (>= 0, O((q-p)^2/p)), summed in ``S``, and its linear part
``q - p``, summed exactly in ``T``. Far from q = p the raw term goes to ``S`` unsplit (splitting
it would cancel ``p`` against ``-p`` when q << p). All other terms have one sign (gan <= 0,
the rest >= 0). Inputs are already validated (finite, >= 0) by :mod:`fdiv._divergence`.

Term table (``d = q - p``, ``s = q + p``, ``L = log(q/p)``; columns: ``q, p > 0`` |
``q = 0 < p`` (``f(0) p``) | ``p = 0 < q`` (``f'(inf) q``); ``q = p = 0`` always gives 0):

==================  ===============================  =============  ==================
name                 q, p > 0                         q = 0 < p      p = 0 < q
==================  ===============================  =============  ==================
kl (B = +1)          q L                              0              inf
reverse_kl (B = -1)  -p L                             inf            0
tv                   |d|                              p              q
js                   q log(2q/s) + p log(2p/s)        p log 2        q log 2
squared_hellinger    (d / (sqrt q + sqrt p))^2        p              q
pearson_chi2         (d/p) d                          p              inf
neyman_chi2          (d/q) d                          inf            q
jeffreys             d L                              inf            inf
triangular           (d/s) d                          p              q
gan                  -(q log(s/q) + p log(s/p))       0              0
log_trick            p log(s/q)                       inf            0
alpha(a)             p f_a(q/p)                       p/a | inf      q/(1-a) | inf
==================  ===============================  =============  ==================

Numerics (strict IEEE, no fast-math flags; ``error_model="numpy"`` so that division is IEEE and
the term loops vectorise):

- ``log(a/b)`` is never formed from an overflowing or underflowing quotient: :func:`_lr`
  splits both numbers into exponent and mantissa (bit casts), so that
  ``log(a/b) = k log 2 + 2 atanh(v)`` with ``|v| <= 3 - 2 sqrt 2`` and ``atanh(v) - v`` from
  fdlibm's minimax polynomial (error < 2^-58). When ``k = 0`` (``a/b`` within a factor
  sqrt 2 of 1) ``v`` is ``(a-b)/(a+b)`` rounded once from the exact difference, so terms of
  nearly equal masses keep full relative accuracy (``kl``: ``d v + 2 q (atanh v - v)``,
  no cancellation).
- Terms of the form ``c log(a/b)`` with ``a ~ b`` known through an exact difference
  (``log(s/q)`` with ``s - q = p``) use the atanh series of ``(a-b)/(a+b)`` (:func:`_xlog_near`).
- Products that could overflow although the term is finite (``q L`` with ``q`` near the
  largest double) are formed on masses scaled by ``2^-64`` when ``max(q, p) > 2^1000`` and
  scaled back at the end (an overflow then means that the term itself overflows).
- Fast and general terms: a block of :data:`BLOCK` pairs is first computed with a branch-free
  term that assumes masses in ``{0} U [2^-1022, 2^1001)`` (vectorised, no subnormal or
  scaling logic); an integer test on the bits flags any other mass, and the block is then
  recomputed with the general term, which also notes invalid masses (negative, NaN, inf) in
  ``out[r, 4]`` for the caller to report (the kernels never raise).
- Sums: blocks are summed in 8 interleaved lanes, block totals with TwoSum, so 10^7-term
  sums are accurate to a few ulps relative to the sum of |terms| (the terms have one sign
  except the far terms of kl / reverse_kl, whose cancellation is bounded for measures that
  far apart); ``T`` (which cancels to O(eps) when q = p(1 + eps)) is summed in 8 Kahan lanes.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from fdiv._bitcast import bits64, float64_of_bits  # vectorisable bit casts

__all__ = ["KERNELS", "BLOCK", "NOUT", "alpha_rows", "log_ratio"]

#: terms per block (a small stack-like buffer; no n-sized temporaries).
BLOCK = 512
#: columns of ``out``: (S_hi, S_lo, T_hi, T_lo, bad); ``bad`` = 1.0 when a mass of the row
#: is negative, NaN or infinite (noted in the same pass; the caller then raises).
NOUT = 5

_JIT = dict(cache=True, nogil=True, error_model="numpy")
_INLINE = dict(cache=True, error_model="numpy", inline="always")

INF = math.inf
LOG2 = math.log(2.0)
# fdlibm e_log.c: log(1+f) = 2s + s R(s^2), s = f/(2+f), |s| <= 3 - 2 sqrt 2 = 0.1716.
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SQRT2 = 1.4142135623730951
#: |v| bound of the atanh polynomial (3 - 2 sqrt 2, rounded up).
_VMAX = 0.17157287525381
_TINY = 2.2250738585072014e-308  # smallest normal
_TWO54 = 18014398509481984.0
_MANT = (1 << 52) - 1
_ONE_BITS = 0x3FF0000000000000
#: masses above BIG are scaled by 2^-64 inside the log-based terms.
_BIG = 2.0 ** 1000
_DOWN = 2.0 ** -64
_UP = 2.0 ** 64
_MAXF = 1.7976931348623157e308


# --- log ratio ---------------------------------------------------------------------------
@njit(**_INLINE)
def _split(x):
    """x = 2^e m with m in [1, 2), for finite x > 0 (subnormals included)."""
    sub = x < _TINY
    xs = x * _TWO54 if sub else x
    bits = bits64(xs)
    e = (bits >> 52) - (1023 + 54 if sub else 1023)
    m = float64_of_bits((bits & _MANT) | _ONE_BITS)
    return e, m


@njit(**_INLINE)
def _split_n(x):
    """:func:`_split` for normal x (the fast path)."""
    bits = bits64(x)
    return (bits >> 52) - 1023, float64_of_bits((bits & _MANT) | _ONE_BITS)


@njit(**_INLINE)
def _lg_poly(z):
    """fdlibm's R(z) ~ 2z/3 + 2z^2/5 + ..., ``2 (atanh(v) - v) = v R(v^2)`` for
    |v| <= 0.1716 (minimax, relative error < 2^-58)."""
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    return t1 + t2


@njit(**_INLINE)
def _atanh_m(v):
    """atanh(v) - v for |v| <= 0.1716."""
    return 0.5 * v * _lg_poly(v * v)


@njit(**_INLINE)
def _lr_parts(ea, ma, eb, mb):
    k = ea - eb
    hi = ma > mb * _SQRT2
    lo = ma * _SQRT2 < mb
    ma = ma * 0.5 if hi else (ma * 2.0 if lo else ma)
    k = k + 1 if hi else (k - 1 if lo else k)
    v = (ma - mb) / (ma + mb)
    return k, v, _atanh_m(v)


@njit(**_INLINE)
def _lr(a, b):
    """``(k, v, e)`` with ``log(a/b) = k log 2 + 2 (v + e)``, ``e = atanh(v) - v``, for finite
    a, b > 0 (any ratio: the quotient a/b is never formed).

    ``k = 0`` iff a/b lies in [1/sqrt 2, sqrt 2]; then ``v = fl((a-b)/(a+b))`` exactly as if
    the exponent range were unbounded (a and b are scaled by the same power of 2).
    Zero input gives garbage, never a trap; callers select it away.
    """
    ea, ma = _split(a)
    eb, mb = _split(b)
    return _lr_parts(ea, ma, eb, mb)


@njit(**_INLINE)
def _lr_n(a, b):
    """:func:`_lr` for normal a, b (the fast path)."""
    ea, ma = _split_n(a)
    eb, mb = _split_n(b)
    return _lr_parts(ea, ma, eb, mb)


@njit(**_INLINE)
def _lr_value(k, v, e):
    dk = float(k)
    return dk * _LN2_HI + (2.0 * v + (2.0 * e + dk * _LN2_LO))


@njit(**_INLINE)
def _xlog_near(c, num, cs, nums, dens, k, v, e):
    """c log(a/b) for c >= 0, given ``num = a - b`` exactly, ``_lr(a, b)`` and the ratios'
    ingredients ``cs, nums, dens`` = c, num, a + b (rounded) all scaled by one power of two
    (so that a + b cannot overflow). Near a = b (``w = num/den`` at most 0.1716 in size) it
    is the atanh series ``2 num (c/den) (1 + (atanh(w) - w)/w)`` (full relative accuracy, and
    no underflow of w can lose the product: num (c/den) is formed without w); else ``c``
    times the _lr value (far from 1, the rounding of ``den`` is harmless). ``c`` and ``num``
    enter unscaled: a scaled small mass could turn subnormal and lose digits, and the
    products overflow only when the term itself does."""
    w = nums / dens
    near = 2.0 * (num * (cs / dens)) * (1.0 + 0.5 * _lg_poly(w * w))
    return near if abs(w) <= _VMAX else c * _lr_value(k, v, e)


@njit(cache=True, error_model="numpy")
def log_ratio(a, b, out):
    """``out[i] = log(a[i]/b[i])`` through :func:`_lr` (exposed for tests)."""
    for i in range(a.size):
        k, v, e = _lr(a[i], b[i])
        out[i] = _lr_value(k, v, e)


# --- range predicates and scaling ----------------------------------------------------------
@njit(**_INLINE)
def _valid(x, y):
    """Both masses finite and >= 0 (False for NaN)."""
    return (x >= 0.0) & (x <= _MAXF) & (y >= 0.0) & (y <= _MAXF)


@njit(**_INLINE)
def _fast_ok(x, lo, hi):
    """x is +0.0 or a positive double with biased exponent in [lo, hi]. One integer test on
    the bits (negative, NaN and inf fail it), far cheaper than chained float compares."""
    bits = bits64(x)
    return (bits == 0) | (np.uint64((bits >> 52) - lo) <= np.uint64(hi - lo))


@njit(**_INLINE)
def _special(x, y):
    """Not both in {0} U [2^-1022, 2^1001): the fast terms do not apply (subnormal or huge
    masses) or the input is invalid (negative, NaN, inf)."""
    return not (_fast_ok(x, 1, 2023) & _fast_ok(y, 1, 2023))


@njit(**_INLINE)
def _scale(q, p):
    """(down, up, shift) = (2^-64, 2^64, 64) when a mass exceeds 2^1000 (so that q log(q/p),
    q + p etc. cannot overflow while the term is finite), else (1, 1, 0). Logs are never
    taken of a scaled mass (it may have become subnormal): a log of a scaled sum against an
    unscaled mass gets +-``shift`` added to its k (see :func:`_lr_shift`)."""
    big = max(q, p) > _BIG
    return (_DOWN if big else 1.0), (_UP if big else 1.0), (64 if big else 0)


@njit(**_INLINE)
def _lr_shift(a, b, shift):
    """_lr of (a 2^shift, b): log(a/b) + shift log 2, exactly (shift is added to k)."""
    k, v, e = _lr(a, b)
    return k + shift, v, e


# --- terms -------------------------------------------------------------------------------
# Each generator: ``_<name>_pos`` (q, p > 0, possibly scaled by 2^-64; log(q/p) passed as
# _lr's (k, v, e) where needed), ``_<name>_cases`` (the §0 branches around it), then the fast
# term ``_f_<name>`` (masses in {0} U [2^-1022, 2^1001), see _special) and the general term
# ``_t_<name>`` (any finite masses: subnormal-safe log ratio, 2^-64 scaling).

@njit(**_INLINE)
def _kl_pos(q, p, k, v, e):
    """(t, u), t + u = q log(q/p): near q = p, t = q 2 atanh(v) - d = d v + 2 q e >= 0
    (p g(q/p), g(x) = x log x - x + 1) and u = d; elsewhere t = q log(q/p), u = 0."""
    d = q - p
    near = d * v + 2.0 * q * e
    far = q * _lr_value(k, v, e)
    return (near if k == 0 else far), (d if k == 0 else 0.0)


@njit(**_INLINE)
def _kl_cases(q, p, t, u):
    both = (q > 0.0) & (p > 0.0)
    return (t if both else (0.0 if p > 0.0 else (INF if q > 0.0 else 0.0))), (u if both else 0.0)


@njit(**_INLINE)
def _f_kl(q, p):
    k, v, e = _lr_n(q, p)
    t, u = _kl_pos(q, p, k, v, e)
    return _kl_cases(q, p, t, u)


@njit(**_INLINE)
def _t_kl(q, p):
    k, v, e = _lr(q, p)
    dn, up, _ = _scale(q, p)
    if k != 0:  # far: q L overflows only with the term; a scaled tiny q would lose digits
        dn = 1.0
        up = 1.0
    t, u = _kl_pos(q * dn, p * dn, k, v, e)
    return _kl_cases(q, p, t * up, u * up)


@njit(**_INLINE)
def _reverse_kl_pos(q, p, k, v, e):
    """(t, u), t - u = -p log(q/p): near q = p, t = d - p 2 atanh(v) = d v - 2 p e >= 0
    (p g(q/p), g(x) = x - 1 - log x; |2pe| <= 0.06 d v) and u = d; elsewhere u = 0."""
    d = q - p
    near = d * v - 2.0 * p * e
    far = -(p * _lr_value(k, v, e))
    return (near if k == 0 else far), (d if k == 0 else 0.0)


@njit(**_INLINE)
def _reverse_kl_cases(q, p, t, u):
    both = (q > 0.0) & (p > 0.0)
    return (t if both else (INF if p > 0.0 else 0.0)), (u if both else 0.0)


@njit(**_INLINE)
def _f_reverse_kl(q, p):
    k, v, e = _lr_n(q, p)
    t, u = _reverse_kl_pos(q, p, k, v, e)
    return _reverse_kl_cases(q, p, t, u)


@njit(**_INLINE)
def _t_reverse_kl(q, p):
    k, v, e = _lr(q, p)
    dn, up, _ = _scale(q, p)
    if k != 0:  # far: p L overflows only with the term (as in _t_kl)
        dn = 1.0
        up = 1.0
    t, u = _reverse_kl_pos(q * dn, p * dn, k, v, e)
    return _reverse_kl_cases(q, p, t * up, u * up)


@njit(**_INLINE)
def _t_tv(q, p):
    return abs(q - p)


# js near q = p: q log(2q/s) + p log(2p/s) = (s/2) sum_k u^2k / (k (2k-1)), u = d/s,
# = (d u / 2) P(u^2) with P(w) = sum_{j>=0} w^j / ((j+1)(2j+1)); |u| <= 0.1716 -> 11 terms.
_J0, _J1, _J2, _J3, _J4, _J5, _J6, _J7, _J8, _J9, _J10 = (
    1.0 / ((j + 1) * (2 * j + 1)) for j in range(11))


@njit(**_INLINE)
def _js_series(w):
    return _J0 + w * (_J1 + w * (_J2 + w * (_J3 + w * (_J4 + w * (_J5 + w * (
        _J6 + w * (_J7 + w * (_J8 + w * (_J9 + w * _J10)))))))))


@njit(**_INLINE)
def _js_pos(q, p, l1, l2):
    """q log(2q/s) + p log(2p/s) >= 0 with l1, l2 = _lr(2q, s), _lr(2p, s) (used far
    from q = p, where the two logs are >= 0.157 in size)."""
    s = q + p
    d = q - p
    u = d / s
    near = 0.5 * d * u * _js_series(u * u)
    far = q * _lr_value(l1[0], l1[1], l1[2]) + p * _lr_value(l2[0], l2[1], l2[2])
    return near if abs(u) <= _VMAX else far


@njit(**_INLINE)
def _js_cases(q, p, t):
    return t if (q > 0.0) & (p > 0.0) else LOG2 * (q + p)


@njit(**_INLINE)
def _f_js(q, p):
    s = q + p
    return _js_cases(q, p, _js_pos(q, p, _lr_n(2.0 * q, s), _lr_n(2.0 * p, s)))


@njit(**_INLINE)
def _t_js(q, p):
    dn, up, sh = _scale(q, p)
    qs, ps = q * dn, p * dn
    s = qs + ps                          # log(2q/s) = log(q/s) + log 2, s scaled by 2^-sh
    return _js_cases(q, p, _js_pos(qs, ps, _lr_shift(q, s, 1 - sh), _lr_shift(p, s, 1 - sh)) * up)


@njit(**_INLINE)
def _f_squared_hellinger(q, p):
    """d^2 / (sqrt q + sqrt p)^2 = d^2 / (s + 2 sqrt(q p)): one square root (q p stays in
    range because the fast path has masses in [2^-500, 2^501), see _special_h)."""
    d = q - p
    t = (d * d) / ((q + p) + 2.0 * math.sqrt(q * p))
    return t if q + p > 0.0 else 0.0


@njit(**_INLINE)
def _special_h(x, y):
    """Not both in {0} U [2^-500, 2^501): then q p may leave the double range."""
    return not (_fast_ok(x, 523, 1524) & _fast_ok(y, 523, 1524))


@njit(**_INLINE)
def _t_squared_hellinger(q, p):
    """(sqrt q - sqrt p)^2 <= max(q, p): the bound (a float) caps the few-ulp rounding of
    t^2, which would otherwise overflow for a mass near the largest double."""
    r = math.sqrt(q) + math.sqrt(p)
    t = (q - p) / r
    return min(t * t, max(q, p)) if r > 0.0 else 0.0


@njit(**_INLINE)
def _f_pearson_chi2(q, p):
    """((q-p)/p)(q-p): with p >= 2^-1022, q/p overflowing means the term overflows."""
    d = q - p
    return (d / p) * d if p > 0.0 else (INF if q > 0.0 else 0.0)


@njit(**_INLINE)
def _t_pearson_chi2(q, p):
    d = q - p
    r = d / p
    a = d / math.sqrt(p)          # subnormal p: d/p may overflow while d^2/p does not
    t = r * d if abs(r) <= _MAXF else a * a
    return t if p > 0.0 else (INF if q > 0.0 else 0.0)


@njit(**_INLINE)
def _f_neyman_chi2(q, p):
    d = q - p
    return (d / q) * d if q > 0.0 else (INF if p > 0.0 else 0.0)


@njit(**_INLINE)
def _t_neyman_chi2(q, p):
    d = q - p
    r = d / q
    a = d / math.sqrt(q)
    t = r * d if abs(r) <= _MAXF else a * a
    return t if q > 0.0 else (INF if p > 0.0 else 0.0)


@njit(**_INLINE)
def _jeffreys_cases(q, p, t):
    return t if (q > 0.0) & (p > 0.0) else (INF if q + p > 0.0 else 0.0)


@njit(**_INLINE)
def _f_jeffreys(q, p):
    k, v, e = _lr_n(q, p)
    return _jeffreys_cases(q, p, (q - p) * _lr_value(k, v, e))


@njit(**_INLINE)
def _t_jeffreys(q, p):
    k, v, e = _lr(q, p)
    dn, up, _ = _scale(q, p)
    return _jeffreys_cases(q, p, ((q * dn - p * dn) * _lr_value(k, v, e)) * up)


@njit(**_INLINE)
def _f_triangular(q, p):
    d = q - p
    s = q + p
    return (d / s) * d if s > 0.0 else 0.0


@njit(**_INLINE)
def _t_triangular(q, p):
    dn, up, _ = _scale(q, p)
    return _f_triangular(q * dn, p * dn) * up


@njit(**_INLINE)
def _gan_pos(q, p, qs, ps, lq, lp):
    """-(q log(s/q) + p log(s/p)) <= 0; lq, lp = _lr(s, q), _lr(s, p); qs, ps = q, p scaled
    by one power of two (see :func:`_xlog_near`). Both logs are >= 0 and each comes from its
    exact difference (s - q = p, s - p = q)."""
    ss = qs + ps
    a = _xlog_near(q, p, qs, ps, qs + ss, lq[0], lq[1], lq[2])
    b = _xlog_near(p, q, ps, qs, ps + ss, lp[0], lp[1], lp[2])
    return -(a + b)


@njit(**_INLINE)
def _f_gan(q, p):
    s = q + p
    t = _gan_pos(q, p, q, p, _lr_n(s, q), _lr_n(s, p))
    return t if (q > 0.0) & (p > 0.0) else 0.0


@njit(**_INLINE)
def _t_gan(q, p):
    dn, up, sh = _scale(q, p)
    qs, ps = q * dn, p * dn
    s = qs + ps
    t = _gan_pos(q, p, qs, ps, _lr_shift(s, q, sh), _lr_shift(s, p, sh))
    return t if (q > 0.0) & (p > 0.0) else 0.0


@njit(**_INLINE)
def _log_trick_pos(q, p, qs, ps, lq):
    """p log(s/q) >= 0, lq = _lr(s, q); qs, ps as in :func:`_gan_pos`."""
    return _xlog_near(p, p, ps, ps, qs + (qs + ps), lq[0], lq[1], lq[2])


@njit(**_INLINE)
def _log_trick_cases(q, p, t):
    return t if (q > 0.0) & (p > 0.0) else (INF if p > 0.0 else 0.0)


@njit(**_INLINE)
def _f_log_trick(q, p):
    return _log_trick_cases(q, p, _log_trick_pos(q, p, q, p, _lr_n(q + p, q)))


@njit(**_INLINE)
def _t_log_trick(q, p):
    dn, up, sh = _scale(q, p)
    qs, ps = q * dn, p * dn
    return _log_trick_cases(q, p, _log_trick_pos(q, p, qs, ps, _lr_shift(qs + ps, q, sh)))


# --- alpha(a) (scalar: branches on a and on |L|) ------------------------------------------
@njit(**_INLINE)
def _exprel(z):
    """(e^z - 1)/z, 1 at z = 0."""
    return math.expm1(z) / z if z != 0.0 else 1.0


@njit(cache=True, error_model="numpy")
def _mul_exp(c, t):
    """c e^t for c >= 0 without spurious overflow of e^t (c tiny, t > 709); |t| is at most
    a few thousand here, so four steps of e^{+-700} reach the range of exp (a bounded loop:
    garbage input cannot hang)."""
    for _ in range(4):
        if t > 700.0:
            c *= 1.0142320547350045e304  # e^700
            t -= 700.0
        elif t < -700.0:
            c *= 9.859676543759770e-305  # e^-700
            t += 700.0
    return c * math.exp(t)


@njit(cache=True, error_model="numpy")
def _pow_term(c, q, p, a, L):
    """c (q/p)^a: by pow on the rounded ratio (error ~ |a|/2 ulp) when q/p and the power are
    normal doubles, else via e^{a L} (error ~ |a L| ulp)."""
    x = q / p
    if _TINY <= x <= _MAXF:
        y = x ** a
        if _TINY <= y <= _MAXF:
            return c * y
    return _mul_exp(c, a * L)


@njit(cache=True, error_model="numpy")
def _t_alpha(q, p, a):
    """p f_a(q/p), f_a(x) = (x^a - 1 - a(x-1)) / (a(a-1)) (a = 0, 1: the limits)."""
    if q == 0.0 or p == 0.0:
        if q == p:
            return 0.0
        if q == 0.0:                     # p f(0): f(0) = 1/a (a > 0), inf (a <= 0)
            return p / a if a > 0.0 else INF
        return q / (1.0 - a) if a < 1.0 else INF   # q f'(inf)
    k, v, e = _lr(q, p)
    L = _lr_value(k, v, e)
    b = a - 1.0
    dn, up, _ = _scale(q, p)
    qs = q * dn
    ps = p * dn
    ds = qs - ps
    aa = max(1.0, abs(a))
    if abs(L) * aa < 0.25:
        # p f = p sum_{j>=2} c_j L^j / j!, c_j = 1 + a + ... + a^(j-2); |c_j L^j/j!| <= (aL)^j/j!
        term = 0.5 * L * L
        c = 1.0
        tot = 0.0
        for j in range(2, 40):
            tot += c * term
            term *= L / (j + 1)
            c = 1.0 + a * c
            if abs(term) * max(1.0, abs(c)) <= 1e-18 * abs(tot):
                break
        return (ps * tot) * up
    if a <= 0.5:
        # p (x^a - 1)/a - d over (a - 1)
        if abs(a * L) <= 1.0:
            ex = ps * L * _exprel(a * L)
        else:
            ex = (_pow_term(ps, q, p, a, L) - ps) / a
            if not abs(ex) < INF:
                # p x^a/a overflows, p x^a/(a(a-1)) need not (a < 0, x tiny): divide first
                c = (ps / a) / b
                return ((_pow_term(c, q, p, a, L) - c) - ds / b) * up
        return ((ex - ds) / b) * up
    # q (x^b - 1)/b - d over a
    if abs(b * L) <= 1.0:
        ex = qs * L * _exprel(b * L)
    else:
        ex = (_pow_term(qs, q, p, b, L) - qs) / b
        if not abs(ex) < INF:
            # q x^b/b overflows, q x^b/(a b) need not (large a): divide first
            c = (qs / a) / b
            return ((_pow_term(c, q, p, b, L) - c) - ds / a) * up
    return ((ex - ds) / a) * up


# --- block sums ------------------------------------------------------------------------------
@njit(**_INLINE)
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(**_INLINE)
def _lanes(buf, m):
    """buf[0:m] summed in 8 interleaved lanes (pipelined, SIMD-friendly)."""
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    j = 0
    while j + 8 <= m:
        a0 += buf[j]
        a1 += buf[j + 1]
        a2 += buf[j + 2]
        a3 += buf[j + 3]
        a4 += buf[j + 4]
        a5 += buf[j + 5]
        a6 += buf[j + 6]
        a7 += buf[j + 7]
        j += 8
    while j < m:
        a0 += buf[j]
        j += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


@njit(**_INLINE)
def _kahan(s, c, x):
    """One Kahan step: s + x with the running compensation c."""
    y = x - c
    t = s + y
    return t, (t - s) - y


@njit(**_INLINE)
def _kahan_lanes(buf, m):
    """buf[0:m] summed in 8 compensated (Kahan) lanes: returns (hi, lo), error about
    2 ulp |sum| + O(m ulp^2) sum |buf| (the T of kl / reverse_kl cancels to O(eps^2))."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = 0.0
    j = 0
    while j + 8 <= m:
        s0, c0 = _kahan(s0, c0, buf[j])
        s1, c1 = _kahan(s1, c1, buf[j + 1])
        s2, c2 = _kahan(s2, c2, buf[j + 2])
        s3, c3 = _kahan(s3, c3, buf[j + 3])
        s4, c4 = _kahan(s4, c4, buf[j + 4])
        s5, c5 = _kahan(s5, c5, buf[j + 5])
        s6, c6 = _kahan(s6, c6, buf[j + 6])
        s7, c7 = _kahan(s7, c7, buf[j + 7])
        j += 8
    h, lo = _two_sum(s0, s1)
    for x in (s2, s3, s4, s5, s6, s7):
        h, e = _two_sum(h, x)
        lo += e
    lo -= ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))
    while j < m:
        h, e = _two_sum(h, buf[j])
        lo += e
        j += 1
    return h, lo


@njit(**_INLINE)
def _invalid(x, y):
    return not _valid(x, y)


@njit(**_INLINE)
def _add(acc, buf, m, ok):
    """acc = (S_hi, S_lo, ok) plus the block buf[0:m]."""
    hi, e = _two_sum(acc[0], _lanes(buf, m))
    return hi, acc[1] + e, acc[2] & ok


@njit(**_INLINE)
def _add2(acc, buf, bufu, m, ok):
    """acc = (S_hi, S_lo, T_hi, T_lo, ok) plus the blocks buf[0:m] (S) and bufu[0:m] (T)."""
    shi, e = _two_sum(acc[0], _lanes(buf, m))
    h, l = _kahan_lanes(bufu, m)
    thi, f = _two_sum(acc[2], h)
    return shi, acc[1] + e, thi, acc[3] + (f + l), acc[4] & ok


@njit(**_INLINE)
def _store(out, r, shi, slo, thi, tlo, ok):
    """Row results; a low part next to an infinite high part is TwoSum's NaN, dropped."""
    out[r, 0] = shi
    out[r, 1] = slo if abs(shi) <= _MAXF else 0.0
    out[r, 2] = thi
    out[r, 3] = tlo if abs(thi) <= _MAXF else 0.0
    out[r, 4] = 0.0 if ok else 1.0


# --- one kernel per generator: (q, p, r0, r1, c0, c1, a, out) --------------------------------
# The same loop for every generator; only the terms differ. It is spelled out per generator
# because Numba cannot cache a kernel that takes the term as a function argument, and the
# kernels live in this one file because Numba's cache is invalidated by changes to the file of
# the cached function only. Per block of BLOCK pairs: the branch-free fast term (vectorised),
# and, only when _special flags a mass of the block, the general term (which also checks
# validity) for the whole block.

@njit(**_JIT)
def _rows_kl(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    bufu = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, 0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j], bufu[j] = _f_kl(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j], bufu[j] = _t_kl(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add2(acc, buf, bufu, qb.size, ok)
        _store(out, r, acc[0], acc[1], acc[2], acc[3], acc[4])


@njit(**_JIT)
def _rows_reverse_kl(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    bufu = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, 0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j], bufu[j] = _f_reverse_kl(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j], bufu[j] = _t_reverse_kl(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add2(acc, buf, bufu, qb.size, ok)
        _store(out, r, acc[0], acc[1], acc[2], acc[3], acc[4])


@njit(**_JIT)
def _rows_tv(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _t_tv(qb[j], pb[j])
                special |= _invalid(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_tv(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_js(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_js(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_js(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_squared_hellinger(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_squared_hellinger(qb[j], pb[j])
                special |= _special_h(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_squared_hellinger(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_pearson_chi2(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_pearson_chi2(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_pearson_chi2(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_neyman_chi2(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_neyman_chi2(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_neyman_chi2(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_jeffreys(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_jeffreys(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_jeffreys(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_triangular(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_triangular(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_triangular(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_gan(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_gan(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_gan(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def _rows_log_trick(q, p, r0, r1, c0, c1, a, out):
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            special = False
            for j in range(qb.size):
                buf[j] = _f_log_trick(qb[j], pb[j])
                special |= _special(qb[j], pb[j])
            ok = True
            if special:
                for j in range(qb.size):
                    buf[j] = _t_log_trick(qb[j], pb[j])
                    ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


@njit(**_JIT)
def alpha_rows(q, p, r0, r1, c0, c1, a, out):
    """The alpha(a) kernel (``a`` is the family parameter; scalar general terms)."""
    buf = np.empty(BLOCK)
    for r in range(r0, r1):
        acc = (0.0, 0.0, True)
        for b in range(c0, c1, BLOCK):
            qb, pb = q[r][b:min(b + BLOCK, c1)], p[r][b:min(b + BLOCK, c1)]
            ok = True
            for j in range(qb.size):
                buf[j] = _t_alpha(qb[j], pb[j], a)
                ok &= _valid(qb[j], pb[j])
            acc = _add(acc, buf, qb.size, ok)
        _store(out, r, acc[0], acc[1], 0.0, 0.0, acc[2])


#: registry name -> (kernel, B): ``D = S + B T`` (see the module docstring).
KERNELS = {
    "kl": (_rows_kl, 1.0),
    "reverse_kl": (_rows_reverse_kl, -1.0),
    "tv": (_rows_tv, 0.0),
    "js": (_rows_js, 0.0),
    "squared_hellinger": (_rows_squared_hellinger, 0.0),
    "pearson_chi2": (_rows_pearson_chi2, 0.0),
    "neyman_chi2": (_rows_neyman_chi2, 0.0),
    "jeffreys": (_rows_jeffreys, 0.0),
    "triangular": (_rows_triangular, 0.0),
    "gan": (_rows_gan, 0.0),
    "log_trick": (_rows_log_trick, 0.0),
}
