r"""The alpha family f_a(x) = (x^a - 1 - a(x-1)) / (a(a-1)) for every real a.

Derivation (b = a - 1):

- f_a'(x) = (x^b - 1)/b, f_a''(x) = x^{a-2} > 0; f_a(1) = f_a'(1) = 0.
- Limits: a -> 1 gives x log x - x + 1 (KL type), a -> 0 gives x - 1 - log x (reverse-KL type).
  Written with exprel(z) = (e^z - 1)/z (value 1 at z = 0) these limits are the same formulas
  evaluated at a = 1 and a = 0, and nothing cancels near a = 0 or a = 1:
  ``f = (L exprel(a L) - (x-1)) / (a-1)`` (a <= 1/2), ``f = (x L exprel(b L) - (x-1)) / a``
  (a > 1/2), ``f' = L exprel(b L)``, with L = log x.
- f(0) = 1/a for a > 0, +inf for a <= 0; f'(inf) = 1/(1-a) for a < 1, +inf for a >= 1.
- Conjugate: with z = 1 + b t, x* = z^{1/b} and f*(t) = (z^{a/b} - 1)/a where z > 0. Writing
  c = log(z)/b = t log1prel(b t): f*(t) = c exprel(a c) (= e^t - 1 at a = 1, -log(1-t) at a = 0).
    * a > 1: domain R; f*(t) = -1/a (= -f(0)) for t <= -1/b (z <= 0: sup at x -> 0+).
    * 0 <= a < 1: domain (-inf, 1/(1-a)), open (t x - f -> inf at the end).
    * a < 0: domain (-inf, 1/(1-a)], closed, f*(1/(1-a)) = -1/a. ``conjugate_domain[1]`` is
      the largest float inside (1/(1-a) is rarely a float), where f* is finite.
- f-GAN activation g(v) = f'(e^v) = v exprel(b v) (= v at a = 1), onto the interior of the
  domain (clipped at the closed end 1/(1-a) for a < 0 so that rounding cannot pass it);
  f*(g(v)) = v exprel(a v), g'(v) = e^{b v}, (f* o g)'(v) = e^{a v}.
- Hilbertian only for a = 1/2, where f = 2 (sqrt x - 1)^2 (twice squared Hellinger).

Objects are cached per float ``a`` so that ``alpha(a) is alpha(a)`` and
``fdiv.get(alpha(a).name) is alpha(a)``.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from fdiv._exact import two_prod, two_sum
from fdiv._fdivergence import FDivergence, Formulas, check_finite_real
from fdiv._generators_stable import exprel, log1prel

INF = math.inf


def alpha(a) -> FDivergence:
    """The alpha-divergence generator ``(x^a - 1 - a(x-1)) / (a(a-1))`` for finite real ``a``.

    ``a = 1`` and ``a = 0`` are the limits ``x log x - x + 1`` and ``x - 1 - log x``.

    Examples
    --------
    >>> import fdiv
    >>> float(fdiv.alpha(0.5).f(4.0))  # 2 (sqrt(4) - 1)^2
    2.0
    >>> fdiv.alpha(0.5) is fdiv.alpha(0.5)
    True
    """
    return _alpha(check_finite_real(a, "a") + 0.0)  # + 0.0 maps -0.0 to 0.0


def _v_exprel(c: float, v):
    """``v exprel(c v) = (e^{c v} - 1)/c`` for any v, ±inf included: the product form near
    ``c v = 0``, ``expm1(c v)/c`` further out (its limits -1/c and ±inf are then exact, where
    ``v * exprel(c v)`` would meet inf/inf), and ``e^{c v - log|c|}`` where e^{c v} alone
    overflows but the quotient does not (|c| > 1)."""
    if c == 0.0:
        return v * 1.0
    cv = c * v
    far = np.abs(cv) > 0.5
    near = v * exprel(np.where(far, 0.0, cv))
    out = np.where(far, np.expm1(cv) / c, near)
    if abs(c) > 1.0:
        big = cv > 700.0
        out = np.where(big, math.copysign(1.0, c) * np.exp(np.where(big, cv, 0.0) - math.log(abs(c))),
                       out)
    return out


def _f_beyond_power(a: float, b: float, x, L):
    """alpha(a)'s f where ``x^a`` may overflow (``a L > 700``) but f need not: from
    ``f = x^a/(a b) − x/b + 1/a``, with ``x^a/(a b) = y (y/(a b))``, ``y = x^{a/2}`` (correctly
    rounded power, finite for every float x); where that head overflows (a > 1) as
    ``(x/b) expm1(b L − log a) + 1/a``, and where x/b overflows too as
    ``exp(L − log b + log expm1(b L − log a))``. +inf only where f itself exceeds the range."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        xs = np.where(a * L > 700.0, x, 1.0)
        Ls = np.log(xs)
        y = np.power(xs, 0.5 * a)
        ab = a * b
        head = y * (y / ab) if math.isfinite(ab) else y * ((y / a) / b)
        tail = xs / b
        val = head - tail + 1.0 / a
        if a > 1.0:
            u = np.maximum(b * Ls - math.log(a), 0.0)
            via_tail = tail * np.expm1(u) + 1.0 / a
            via_log = np.exp(Ls - math.log(b) + np.log(np.where(u > 0.0, np.expm1(u), 1.0)))
            val = np.where(np.isfinite(head), val, np.where(np.isfinite(tail), via_tail, via_log))
    return val


def _exp_cv(c: float, v):
    """``e^{c v}``, 1 for c = 0 (also at v = ±inf, where 0 * inf would give NaN)."""
    return np.exp(c * v) if c != 0.0 else np.exp(0.0 * np.where(np.isfinite(v), v, 0.0))


def _one_plus_bt(a: float, t):
    """``1 + (a - 1) t`` for float a and t, to a few ulps of the result: ``a - 1`` exactly
    (TwoSum), its product with t exactly on mantissas (Dekker's TwoProduct on values in
    [1/2, 1), rescaled by an exact power of two, so no split overflows), then TwoSum. The
    sign is exact, so the domain end 1/(1-a) is decided for the float t. Where ``|(a-1) t|``
    exceeds the float range the result is ``±inf`` with the right sign."""
    b_hi, b_lo = two_sum(a, -1.0)
    t = np.asarray(t, dtype=np.float64)
    fin = np.isfinite(t)
    ts = np.where(fin, t, 0.0)
    mb, eb = math.frexp(b_hi)
    mt, et = np.frexp(ts)
    p0, e0 = two_prod(mb, mt)
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.ldexp(p0, eb + et)
        e = np.ldexp(e0, eb + et)
        s1, e1 = two_sum(1.0, p)
        z = s1 + ((e1 + e) + b_lo * ts)
        z = np.where(np.isinf(p), p, z)
        far = np.ones_like(ts) if b_hi == 0.0 else math.copysign(1.0, b_hi) * t
        return np.where(fin, z, far)


def _right_end(a: float) -> float:
    """The float end of the conjugate domain of alpha(a), a < 1: the largest float t with
    ``1 + (a-1) t >= 0`` when the domain is closed (a < 0), so that f*(hi) is finite; the
    nearest float to 1/(1-a) otherwise (f* is exact, finite or +inf, at every float)."""
    hi = 1.0 / (1.0 - a)
    if a >= 0.0:
        return hi
    while float(_one_plus_bt(a, np.float64(hi))) < 0.0:
        hi = math.nextafter(hi, -INF)
    while float(_one_plus_bt(a, np.float64(math.nextafter(hi, INF)))) >= 0.0:
        hi = math.nextafter(hi, INF)
    return hi


@functools.lru_cache(maxsize=256)
def _alpha(a: float) -> FDivergence:
    b = a - 1.0
    hi = _right_end(a) if a < 1.0 else INF
    closed = a < 0.0
    fp_zero = -1.0 / b if b > 0 else -INF

    # Near x = 1 the closed forms cancel (f = O((x-1)^2)); there use the Taylor series in
    # L = log x: f = sum_{k>=2} c_k L^k / k!, c_k = (a^{k-1} - 1)/(a - 1) = 1 + a + ... + a^{k-2},
    # 24 terms for |L| max(1, |a|) < 1/4.
    scale = max(1.0, abs(a))

    def f(x):
        L = np.log(x)
        # x^a - 1 = expm1(a L) is exact near a = 0 / L = 0; far out, x^a by np.power is
        # correctly rounded while e^{a L} would inherit |a L| ulps from rounding L.
        if a <= 0.5:
            far = np.abs(a * L) > 1.0
            e = np.where(far, (np.power(x, a) - 1.0) / (a if a != 0 else 1.0), L * exprel(a * L))
            closed = (e - (x - 1.0)) / b
        else:
            far = np.abs(b * L) > 1.0
            e = np.where(far, (np.power(x, a) - x) / (b if b != 0 else 1.0), x * L * exprel(b * L))
            closed = (e - (x - 1.0)) / a
        if a != 0.0 and b != 0.0:
            closed = np.where(a * L > 700.0, _f_beyond_power(a, b, x, L), closed)
        near = np.abs(L) * scale < 0.25
        Ls = np.where(near, L, 0.0)
        series, term, c = 0.0 * L, 0.5 * Ls * Ls, 1.0
        for k in range(2, 26):
            series = series + c * term
            term = term * Ls / (k + 1)
            c = 1.0 + a * c
        return np.where(near, series, closed)

    def f_prime(x):
        L = np.log(x)
        return np.where(x == 0, fp_zero, L * exprel(b * L))

    def conjugate(t):
        # c = log(z)/b with z = 1 + b t. Where |b t| > 1/2, z comes from _one_plus_bt (exact
        # sign, a few ulps, ±inf beyond the range), so its sign decides the domain exactly for
        # the float t (the end 1/(1-a) is rarely a float) and log z keeps full accuracy as
        # z -> 0; elsewhere log1p keeps c = t (1 - b t/2 + ...) exact.
        with np.errstate(over="ignore", invalid="ignore"):
            bt = b * t
        z = _one_plus_bt(a, t)
        use_z = np.abs(bt) > 0.5
        absb = abs(b) or 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            # z = +inf: |b t| beyond the range, log z = log|b| + log|t| (+ log1p(1/(bt)) ~ 1e-308)
            log_z = np.where(z == INF, math.log(absb) + np.log(np.abs(t)), np.log(np.maximum(z, 0.0)))
            c_z = log_z / (b if b != 0 else 1.0)
            c = np.where(use_z, c_z, t * log1prel(np.maximum(np.where(use_z, 0.0, bt), -1.0)))
            ac = a * c
            val = np.where(np.isfinite(c), c * exprel(ac), np.expm1(ac) / (a if a != 0 else 1.0))
            # e^{ac} large (|ac| ulps lost by exp(ac)): z^{a/b}/a = (z/a) z^{1/b} = (z/a) e^{c},
            # exact up to the rounding of z and c; z/a ~ (b/a) t where z itself overflowed;
            # where e^{c} or z/a overflow alone, exp(log|z/a| + c), else exp(ac − log|a|)
            big = np.isfinite(ac) & (ac > 2.0)
            if a != 0.0:
                cb = np.where(big, c, 0.0)
                z_over_a = np.where(z == INF, (b / a) * t, z / a)
                prod = z_over_a * np.exp(cb)
                log_za = np.where(z == INF, math.log(abs(b / a) or 1.0) + np.log(np.abs(t)),
                                  np.log(np.abs(z)) - math.log(abs(a)))
                sign = math.copysign(1.0, a)
                alt = np.where(np.isinf(z_over_a), sign * np.exp(log_za + cb),
                               sign * np.exp(np.where(big, ac, 0.0) - math.log(abs(a))))
                val = np.where(big, np.where(np.isfinite(prod), prod, alt) - 1.0 / a, val)
        if b >= 0.0:
            return val
        # a < 1: beyond the end (z < 0) f* = +inf; at z = 0 it is -1/a (a < 0, closed) or +inf
        outside = np.where(use_z, (z < 0.0) | ((z == 0.0) & (a >= 0.0)), t > hi)
        return np.where(outside | np.isnan(t), np.where(np.isnan(t), np.nan, INF), val)

    return FDivergence(
        name=f"alpha({a!r})", formula=f"(x^a - 1 - a(x-1))/(a(a-1)), a={a!r}",
        formulas=Formulas(
            f=f, f_prime=f_prime, conjugate=conjugate,
            # np.minimum: at a closed end (a < 0) rounding must not step past hi, where f* = inf
            activation=lambda v: np.minimum(_v_exprel(b, v), hi),
            activation_prime=lambda v: _exp_cv(b, v),
            conjugate_activation=lambda v: _v_exprel(a, v),
            conjugate_activation_prime=lambda v: _exp_cv(a, v)),
        conjugate_domain=(-INF, hi), conjugate_domain_closed=closed,
        f_zero=1.0 / a if a > 0 else INF, slope_inf=1.0 / (1.0 - a) if a < 1.0 else INF,
        f_one_prime=0.0,
        hilbertian=(a == 0.5), alpha_param=a)
