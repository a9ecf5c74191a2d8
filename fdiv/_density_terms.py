r"""The integrand ``p f(q/p)`` of :func:`fdiv.density_divergence`, from log-densities.

Where both densities are positive the term is computed from ``lq = log q`` and ``lp = log p``
in a form that neither overflows nor loses the small differences where ``q ~ p``: the registry
generators have closed forms below (e.g. kl ``q (lq - lp)``, js with ``logaddexp``); any other
generator is evaluated as ``p f(exp(lq - lp))``, where a ratio beyond the float range gives
``q f'(inf)``. The boundary cases of docs/theory.md §0 are applied pointwise:

=====================  ===============================  ==================
case                   term                             channel
=====================  ===============================  ==================
``q > 0, p > 0``       ``p f(q/p)``                     regular
``q = 0 < p``          ``p f(0)``                       regular
``p = 0 < q``          ``q f'(inf)``                    singular
``q = p = 0``          ``0``                            —
=====================  ===============================  ==================
"""
from __future__ import annotations

import numpy as np

from fdiv._registry import REGISTRY

__all__ = ["terms"]

_LOG2 = float(np.log(2.0))


def _kl(lq, lp, q, p):
    return q * (lq - lp)


def _reverse_kl(lq, lp, q, p):
    return p * (lp - lq)


def _jeffreys(lq, lp, q, p):
    return (q - p) * (lq - lp)


def _tv(lq, lp, q, p):
    return np.abs(q - p)


def _hellinger(lq, lp, q, p):
    return (np.exp(0.5 * lq) - np.exp(0.5 * lp)) ** 2


def _chi2(lnum, lden, den):
    """``(num - den)^2 / den`` = ``den expm1(d)^2`` with ``d = lnum - lden``; for d > 0 in
    log form ``exp(2 lnum - lden) (1 - e^{-d})^2`` (no overflow of the ratio)."""
    d = lnum - lden
    out = np.empty_like(d)
    neg = d <= 0
    out[neg] = den[neg] * np.expm1(d[neg]) ** 2
    pos = ~neg
    dp = d[pos]
    out[pos] = np.exp(2.0 * lnum[pos] - lden[pos]) * (-np.expm1(-dp)) ** 2
    return out


def _pearson(lq, lp, q, p):
    return _chi2(lq, lp, p)


def _neyman(lq, lp, q, p):
    return _chi2(lp, lq, q)


def _js(lq, lp, q, p):
    m = np.logaddexp(lq, lp)
    return q * (_LOG2 + lq - m) + p * (_LOG2 + lp - m)


def _triangular(lq, lp, q, p):
    return (q - p) ** 2 / (q + p)


def _gan(lq, lp, q, p):
    m = np.logaddexp(lq, lp)
    return q * (lq - m) + p * (lp - m)


def _log_trick(lq, lp, q, p):
    return p * (np.logaddexp(lq, lp) - lq)


_CLOSED = {"kl": _kl, "reverse_kl": _reverse_kl, "jeffreys": _jeffreys, "tv": _tv,
           "squared_hellinger": _hellinger, "pearson_chi2": _pearson, "neyman_chi2": _neyman,
           "js": _js, "triangular": _triangular, "gan": _gan, "log_trick": _log_trick}


def _generic(g):
    def term(lq, lp, q, p):
        r = np.exp(lq - lp)
        big = np.isinf(r)
        out = p * np.asarray(g.f(np.where(big, 1.0, r)), dtype=np.float64)
        if big.any():
            out[big] = q[big] * g.slope_inf
        return out
    return term


def closed_form(g):
    """The term function ``(lq, lp, q, p) -> p f(q/p)`` for generator ``g`` (both positive)."""
    if REGISTRY.get(g.name) is g:
        return _CLOSED[g.name]
    return _generic(g)


def terms(g, fn, lq: np.ndarray, lp: np.ndarray):
    """``(regular, singular)`` terms at points with log-densities ``lq``, ``lp`` (``-inf`` = 0)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        q, p = np.exp(lq), np.exp(lp)
        has_q, has_p = lq > -np.inf, lp > -np.inf  # a density is 0 only where its log is -inf
        reg = np.zeros(lq.shape)
        sing = np.zeros(lq.shape)
        both = has_q & has_p
        if both.all():
            reg = fn(lq, lp, q, p)
        elif both.any():
            reg[both] = fn(lq[both], lp[both], q[both], p[both])
        only_p = has_p & ~has_q
        if only_p.any():  # p may underflow to 0 while positive: p f(0) is +inf when f(0) is
            reg[only_p] = np.inf if g.f_zero == np.inf else p[only_p] * g.f_zero
        only_q = has_q & ~has_p
        if only_q.any():
            sing[only_q] = np.inf if g.slope_inf == np.inf else q[only_q] * g.slope_inf
    return reg, sing
