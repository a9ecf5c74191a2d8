"""Numerical limits, derivatives and conjugates for generators without closed forms.

Used by :func:`fdiv.from_callable` and by :func:`fdiv.dual` when the dual is not a
registry entry. Accuracy is that of careful double-precision numerics (about 1e-10
relative for conjugates, 1e-9 for central differences), not the last digit.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["central_derivative", "numeric_limit", "numeric_conjugate", "generic_activation"]

EPS = float(np.finfo(np.float64).eps)
_H = 6e-6  # ~eps^(1/3): balances truncation O(h^2) and rounding O(eps/h) of central differences
_K = np.arange(0, 301, dtype=np.float64)
_S = np.linspace(-690.0, 690.0, 2761)  # log-x grid for bracketing the supremum (step 1/2)


def central_derivative(fn):
    """x -> (fn(x(1+h)) - fn(x(1-h))) / (2 x h), relative step h = 6e-6 (~1e-10 accurate).

    At a kink this is the mean of the one-sided derivatives (0 for |x - 1| at 1).
    """
    def fprime(x):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            return (fn(x * (1.0 + _H)) - fn(x * (1.0 - _H))) / (2.0 * _H * x)
    return fprime


def numeric_limit(fun, at: str, noise=None, what: str = "limit") -> float:
    """lim fun(x) as x -> 0+ (``at="zero"``) or x -> inf (``at="inf"``), possibly +-inf.

    fun is sampled at x = 10^-k (resp. 10^k), k = 0..300. The limit is the last value of
    the first run of at least five successive changes below 1e-12 relative (or the
    rounding level given by ``noise(x, v)``); failing that, a geometric tail (ratios
    <= 0.9) is extrapolated; a tail of same-signed, non-shrinking changes means +-inf.
    Points where ``noise`` exceeds 1e-9 relative (cancellation) are not used. Raises
    ValueError when undecided.
    """
    x = 10.0 ** (-_K) if at == "zero" else 10.0 ** _K
    with np.errstate(all="ignore"):
        v = np.asarray(fun(x), dtype=np.float64) * np.ones_like(x)
        nz = np.zeros_like(v) if noise is None else np.asarray(noise(x, v), dtype=np.float64)
    usable = np.isfinite(v) & (nz <= 1e-9 * (1.0 + np.abs(v)))
    stop = len(v) if usable.all() else int(np.argmin(usable))
    # An infinite sample past a long finite run is f overflowing in floating point (e.g.
    # (1 - x)^2 / x at x = 1e200, whose slope tends to 1), not the limit: the finite run
    # decides. Only when it is too short to decide does the infinity stand for the limit.
    infinite = v[stop:][np.isinf(v[stop:])]
    v, nz = v[:stop], nz[:stop]
    if len(v) < 6:
        if infinite.size:
            return float(infinite[0])
        raise ValueError(f"could not determine the {what} numerically (too few usable samples)")
    d = np.diff(v)
    tol = 1e-12 * np.maximum(1.0, np.abs(v[1:])) + 8.0 * (nz[1:] + nz[:-1])
    small = np.abs(d) <= tol
    for k in range(len(d) - 4):
        if small[k:k + 5].all():
            end = k + 5
            while end < len(d) and small[end]:
                end += 1
            # a limit below the resolution of the sequence's own scale is 0 (x log x -> 0)
            return 0.0 if abs(v[end]) <= 1e-12 * max(1.0, float(np.abs(v).max())) else float(v[end])
    tail = d[-5:]
    ratios = tail[1:] / tail[:-1]
    if (ratios > 0).all() and (ratios <= 0.9).all():
        r = ratios[-1]
        return float(v[-1] + tail[-1] * r / (1.0 - r))
    if (tail > 0).all():
        return math.inf
    if (tail < 0).all():
        return -math.inf
    raise ValueError(f"could not determine the {what} numerically; pass it explicitly")


def _scalar(fn, x: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.asarray(fn(np.asarray([x], dtype=np.float64)), dtype=np.float64).ravel()[0])


def _sup_one(t: float, f, fprime, X, F, f_zero: float) -> float:
    """sup_{x>0} t x - f(x) for one t below the domain's right end (unimodal in log x)."""
    from scipy.optimize import brentq, minimize_scalar  # lazy: keeps `import fdiv` fast (B6)

    with np.errstate(all="ignore"):
        H = t * X - F
    H[np.isnan(H)] = -np.inf
    i = int(np.argmax(H))
    best = max(float(H[i]), -f_zero)
    lo, up = _S[max(i - 1, 0)], _S[min(i + 1, len(_S) - 1)]

    def h(s):
        x = math.exp(s)
        return t * x - _scalar(f, x)

    g_lo, g_up = _scalar(fprime, math.exp(lo)) - t, _scalar(fprime, math.exp(up)) - t
    if np.isfinite(g_lo) and np.isfinite(g_up) and g_lo < 0 < g_up:
        s = brentq(lambda s: _scalar(fprime, math.exp(s)) - t, lo, up, xtol=1e-15, rtol=4 * EPS)
    else:
        s = minimize_scalar(lambda s: -h(s), bounds=(lo, up), method="bounded",
                            options={"xatol": 1e-13}).x
    val = h(s)
    return max(best, val) if np.isfinite(val) else best


def numeric_conjugate(f, fprime, f_zero: float, hi: float, value_at_hi: float):
    """t -> sup_{x>0} (t x - f(x)) by a log-x grid bracket refined by Brent's root finder on
    f'(x) = t (bounded Brent maximisation when f' gives no sign change); +inf for t > hi,
    ``value_at_hi`` at t = hi, and max(., -f(0)) accounts for the supremum at x -> 0+."""
    X = np.exp(_S)
    with np.errstate(all="ignore"):
        F = np.asarray(f(X), dtype=np.float64)
    F = np.where(np.isnan(F), np.inf, F)

    def conjugate(t):
        t = np.asarray(t, dtype=np.float64)
        out = np.where(t > hi, math.inf, np.where(t == hi, value_at_hi, np.nan))
        inside = np.isfinite(t) & (t < hi)
        vals = {u: _sup_one(float(u), f, fprime, X, F, f_zero) for u in np.unique(t[inside])}
        if vals:
            out[inside] = [vals[u] for u in t[inside]]
        return out
    return conjugate


def value_at_right_end(f, hi: float) -> float:
    """f*(hi) = lim_{x->inf} (hi x - f(x)) (nondecreasing in x), finite or +inf."""
    if not math.isfinite(hi):
        return math.inf
    return numeric_limit(lambda x: hi * x - f(x), "inf",
                         noise=lambda x, v: EPS * (np.abs(hi * x) + np.abs(hi * x - v)),
                         what="conjugate at the right end of its domain")


def generic_activation(f, fprime):
    """f-GAN helpers for the choice g(v) = f'(e^v) (onto the interior of dom f*):
    f*(g(v)) = e^v f'(e^v) - f(e^v); derivatives by central differences in v."""
    def act(v):
        return fprime(np.exp(np.asarray(v, dtype=np.float64)))

    def cact(v):
        x = np.exp(np.asarray(v, dtype=np.float64))
        return x * fprime(x) - f(x)

    def act_prime(v):
        v = np.asarray(v, dtype=np.float64)
        h = 1e-4 * np.maximum(1.0, np.abs(v))
        return (act(v + h) - act(v - h)) / (2.0 * h)

    def cact_prime(v):
        return np.exp(np.asarray(v, dtype=np.float64)) * act_prime(v)

    return act, act_prime, cact, cact_prime
