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

__all__ = ["terms", "sensitivity", "densities", "closed_form", "partial_form"]

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


# ∂t/∂(log q) of each closed form (t = p f(q/p) is 1-homogeneous in (q, p), so
# ∂t/∂(log p) = t − ∂t/∂(log q)); m = log(q + p).
def _d_kl(lq, lp, q, p):
    return q * (lq - lp + 1.0)


def _d_reverse_kl(lq, lp, q, p):
    return -p


def _d_jeffreys(lq, lp, q, p):
    return q * (lq - lp) + (q - p)


def _d_tv(lq, lp, q, p):
    return np.sign(q - p) * q


def _d_hellinger(lq, lp, q, p):
    a = np.exp(0.5 * lq)
    return (a - np.exp(0.5 * lp)) * a


def _d_pearson(lq, lp, q, p):
    # t = (q − p)²/p: q ∂t/∂q = 2q(q − p)/p = 2[t + (q − p)]
    return 2.0 * (_chi2(lq, lp, p) + (q - p))


def _d_neyman(lq, lp, q, p):
    # t = (p − q)²/q = p²/q − 2p + q: q ∂t/∂q = q − p²/q = 2(q − p) − t
    return 2.0 * (q - p) - _chi2(lp, lq, q)


def _d_js(lq, lp, q, p):
    return q * (_LOG2 + lq - np.logaddexp(lq, lp))


def _d_triangular(lq, lp, q, p):
    return q * (q - p) * (q + 3.0 * p) / (q + p) ** 2


def _d_gan(lq, lp, q, p):
    return q * (lq - np.logaddexp(lq, lp))


def _d_log_trick(lq, lp, q, p):
    return -p * p / (q + p)


_PARTIAL = {"kl": _d_kl, "reverse_kl": _d_reverse_kl, "jeffreys": _d_jeffreys, "tv": _d_tv,
            "squared_hellinger": _d_hellinger, "pearson_chi2": _d_pearson, "neyman_chi2": _d_neyman,
            "js": _d_js, "triangular": _d_triangular, "gan": _d_gan, "log_trick": _d_log_trick}


def _at_ratio(g, fn, weight: str):
    """``w·fn(q/p)`` with ``w`` = q or p (``weight``), from the log-densities; where the ratio
    overflows, its limit ``q f'(∞)`` (for ``p f(r)`` and ``q f'(r)`` alike)."""
    def evaluate(lq, lp, q, p):
        r = np.exp(lq - lp)
        big = np.isinf(r)
        out = (q if weight == "q" else p) * np.asarray(fn(np.where(big, 1.0, r)), dtype=np.float64)
        if big.any():
            out[big] = q[big] * g.slope_inf
        return out
    return evaluate


def _d_generic(g):
    return _at_ratio(g, g.f_prime, "q")


def _generic(g):
    return _at_ratio(g, g.f, "p")


def _alpha_parameter(g):
    """``a`` when ``g`` is the registry's ``alpha(a)``, else None."""
    if not (g.name.startswith("alpha(") and g.name.endswith(")")):
        return None
    from fdiv._generators_alpha import alpha

    try:
        a = float(g.name[6:-1])
    except ValueError:
        return None
    return a if alpha(a) is g else None


#: |log q − log p| beyond which alpha(a)'s term is taken in log form: the ratio is then at least
#: e^30 from 1, so the sum below cancels at most a factor of a few (a near 1), while the ratio
#: form ``p f(q/p)`` loses the term once p underflows (log p = −900, log q = −500: p = 0 but the
#: alpha(1.5) term is e^−300) or the ratio overflows.
_ALPHA_LOG_FORM = 30.0


def _alpha_far(a: float, stable, partial: bool):
    """alpha(a)'s ``p f(q/p)`` (or its partial ``q f'(q/p)``): the generator's own form at the
    ratio (``stable``) near q = p, and ``(q^a p^(1-a) - a q - (1-a) p) / (a(a-1))`` (partial in
    log q: ``(q^a p^(1-a) - q)/(a-1)``), with the power as ``exp(a log q + (1-a) log p)``, where
    the ratio is far from 1 or the ratio form is not finite. Far from both densities (see
    ``fdiv._density._tilted``) q and p may both be tiny and their ratio beyond the float range,
    while the term is not. a = 1 and a = 0 are the kl- and reverse-kl-type limits
    ``q log(q/p) - q + p`` and ``p log(p/q) - p + q``."""
    def evaluate(lq, lp, q, p):
        out = np.asarray(stable(lq, lp, q, p), dtype=np.float64)
        bad = ~np.isfinite(out) | (np.abs(lq - lp) > _ALPHA_LOG_FORM)
        if bad.any():
            lq, lp, q, p = lq[bad], lp[bad], q[bad], p[bad]
            with np.errstate(over="ignore", under="ignore"):
                if a == 1.0:
                    out[bad] = q * (lq - lp) if partial else q * (lq - lp) - q + p
                elif a == 0.0:
                    out[bad] = q - p if partial else p * (lp - lq) - p + q
                else:
                    main = np.exp(a * lq + (1.0 - a) * lp)
                    out[bad] = (main - q) / (a - 1.0) if partial else (main - a * q - (1.0 - a) * p) / (a * (a - 1.0))
        return out
    return evaluate


def _form(g, table: dict, generic, partial: bool):
    """The registry's closed form from ``table``, alpha(a)'s with its log form far from q = p,
    or ``generic`` (the generator evaluated at the ratio)."""
    if REGISTRY.get(g.name) is g:
        return table[g.name]
    a = _alpha_parameter(g)
    return generic if a is None else _alpha_far(a, generic, partial)


def closed_form(g):
    """The term function ``(lq, lp, q, p) -> p f(q/p)`` for generator ``g`` (both positive)."""
    return _form(g, _CLOSED, _generic(g), partial=False)


def partial_form(g):
    """``(lq, lp, q, p) -> ∂(p f(q/p))/∂(log q) = q f'(q/p)`` for generator ``g``."""
    return _form(g, _PARTIAL, _d_generic(g), partial=True)


def densities(lq: np.ndarray, lp: np.ndarray):
    """``(q, p)`` from their logs (underflow to 0 allowed)."""
    with np.errstate(under="ignore"):
        return np.exp(lq), np.exp(lp)


def terms(g, fn, lq: np.ndarray, lp: np.ndarray, q=None, p=None):
    """``(regular, singular)`` terms at points with log-densities ``lq``, ``lp`` (``-inf`` = 0);
    ``q``, ``p`` are the densities when the caller has them already."""
    if q is None or p is None:
        q, p = densities(lq, lp)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
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


def sensitivity(g, lq: np.ndarray, lp: np.ndarray, reg: np.ndarray, sing: np.ndarray, q=None, p=None,
                part=None) -> np.ndarray:
    r"""How much the term moves when the log-densities carry their rounding: with
    ``a = ∂t/∂(log q)`` and ``b = ∂t/∂(log p) = t − a`` (``t = p f(q/p)`` is 1-homogeneous),
    ``|a| (1 + |log q|) + |b| (1 + |log p|)``: an error of ``c ulp(1 + |log q|)`` in ``log q``
    and likewise in ``log p`` moves the term by at most ``c·eps`` times this, to first order.
    Where q ≈ p the term is second order in ``log q − log p`` but ``a`` and ``b`` are first
    order, so the rounding of the log-densities dominates the rounding of the term itself.
    Boundary terms: ``p f(0)`` moves with ``log p`` only, ``q f'(∞)`` with ``log q`` only.
    Non-finite partials (an overflowing ratio) count as 0: the term itself is then infinite or
    handled as a boundary case."""
    if q is None or p is None:
        q, p = densities(lq, lp)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        has_q, has_p = lq > -np.inf, lp > -np.inf
        out = np.zeros(lq.shape)
        both = has_q & has_p
        if both.any():
            part = partial_form(g) if part is None else part  # callers integrating pass it once
            a = np.asarray(part(lq[both], lp[both], q[both], p[both]), dtype=np.float64)
            a = np.where(np.isfinite(a), a, 0.0)
            b = reg[both] - a
            b = np.where(np.isfinite(b), b, 0.0)
            out[both] = np.abs(a) * (1.0 + np.abs(lq[both])) + np.abs(b) * (1.0 + np.abs(lp[both]))
        only_p = has_p & ~has_q
        out[only_p] = np.abs(reg[only_p]) * (1.0 + np.abs(lp[only_p]))
        only_q = has_q & ~has_p
        out[only_q] = np.abs(sing[only_q]) * (1.0 + np.abs(lq[only_q]))
        out[~np.isfinite(out)] = 0.0
    return out
