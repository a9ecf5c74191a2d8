r"""Log-space f-GAN loss weights: ``log g_f'(v)`` and ``log (f*∘g_f)'(v)``.

The f-GAN discriminator loss ``−(E_Q g_f(V) − E_P f*(g_f(V)))`` has per-sample gradient
weights ``g_f'(v)`` (numerator sample) and ``(f*∘g_f)'(v) = x*(v) g_f'(v)`` (denominator
sample), both strictly positive. For the exponential entries they overflow long before
the loss is meaningless: kl's ``(f*∘g_f)'(v) = e^{v−1}`` is ``inf`` in float32 from
``v ≈ 89`` and in float64 from ``v ≈ 710``, and a freshly initialised toy discriminator
outputs ``|v|`` in the hundreds. Their logarithms are finite for every finite ``v``
(they are at most linear in ``v``), so a training loop can rescale a whole minibatch's
gradient by a common factor (``exp(cap − max log weight)``) *before* exponentiating and
keep the exact direction with a bounded length.

Forms, per registry entry (``sp`` = softplus, ``a`` the alpha parameter, ``b = a − 1``):

=================  ===============================  ====================================
entry              log g_f'(v)                      log (f*∘g_f)'(v)
=================  ===============================  ====================================
kl, jeffreys,      0                                kl: v − 1; pearson: log(1 + v/2)
pearson_chi2                                        (−inf for v ≤ −2); jeffreys:
                                                    u + v − 1, u = W(e^{1−v})
reverse_kl         −v                               0
tv                 log 4 − 2|v| − 2 log1p(e^{−2|v|})  same
js, gan            −sp(v)                           −sp(−v)
squared_hellinger  −v                               v
neyman_chi2        −v                               −v/2
triangular         log 8 − 2 sp(v) − sp(−v)         log 8 − 2 sp(−v) − sp(v)
log_trick          logaddexp(−v − sp(v), −2 sp(v))  −sp(v) + log1p(σ(v))
alpha(a)           b v                              a v
=================  ===============================  ====================================

Any other :class:`~fdiv.FDivergence` (transforms, user callables) falls back to the log
of its own ``activation_prime`` / ``conjugate_activation_prime``, which is exact wherever
those do not overflow.
"""
from __future__ import annotations

import math

import numpy as np

from fdiv._generators_stable import sigmoid, softplus, wright_omega

__all__ = ["fgan_log_weights"]

_LOG4 = math.log(4.0)
_LOG8 = math.log(8.0)


def _zero(v):
    """log 1 = 0, the limit at ±inf included (``0 * v`` is NaN there); NaN for NaN."""
    return np.where(np.isnan(v), np.nan, 0.0)


def _log_sech2(v):
    a = np.abs(v)
    return _LOG4 - 2.0 * a - 2.0 * np.log1p(np.exp(-2.0 * a))


def _pearson(v):
    return np.where(v > -2.0, np.log(np.maximum(1.0 + 0.5 * v, 0.0)), np.where(np.isnan(v), np.nan, -np.inf))


def _jeffreys(v):
    # x* = 1/u with u + log u = 1 - v, so log x* = -log u = u - (1 - v). The difference form
    # is exact for v > 0 (u < 1, where -log u would lose e^{-v}'s relative accuracy) and
    # within 1e-12 relative down to v = -2^16; below, u ~ -v and the difference cancels
    # (v = -1e300 gave -1.0 for -690.8), so -log u is taken there (and -inf at v = -inf).
    u = wright_omega(1.0 - v)
    out = u + v - 1.0
    far = v < -(2.0 ** 16)
    if far.any():  # rare in training: the logarithm only where it is used
        out = np.where(far, -np.log(np.where(far, u, 1.0)), out)
    return out


#: name -> (log g_f'(v), log (f* o g_f)'(v)) for the registry entries
_FORMS = {
    "kl": (_zero, lambda v: v - 1.0),
    "reverse_kl": (lambda v: -v, _zero),
    "tv": (_log_sech2, _log_sech2),
    "js": (lambda v: -softplus(v), lambda v: -softplus(-v)),
    "squared_hellinger": (lambda v: -v, lambda v: v * 1.0),
    "pearson_chi2": (_zero, _pearson),
    "neyman_chi2": (lambda v: -v, lambda v: -0.5 * v),
    "jeffreys": (_zero, _jeffreys),
    "triangular": (lambda v: _LOG8 - 2.0 * softplus(v) - softplus(-v),
                   lambda v: _LOG8 - 2.0 * softplus(-v) - softplus(v)),
    "gan": (lambda v: -softplus(v), lambda v: -softplus(-v)),
    "log_trick": (lambda v: np.logaddexp(-v - softplus(v), -2.0 * softplus(v)),
                  lambda v: -softplus(v) + np.log1p(sigmoid(v))),
}


def _forms(f):
    from fdiv._generators_alpha import alpha
    from fdiv._registry import is_registry_entry

    a = getattr(f, "alpha_param", None)
    if a is not None and alpha(a) is f:
        b = a - 1.0
        return (_zero if b == 0 else (lambda v: b * v)), (_zero if a == 0 else (lambda v: a * v))
    if isinstance(getattr(f, "name", None), str) and is_registry_entry(f):
        return _FORMS[f.name]
    return (lambda v: np.log(f.activation_prime(v)),
            lambda v: np.log(f.conjugate_activation_prime(v)))


def fgan_log_weights(f, v):
    r"""``(log g_f'(v), log (f*∘g_f)'(v))`` in float64, finite for every finite ``v``.

    These are the logarithms of :meth:`FDivergence.activation_prime` and
    :meth:`FDivergence.conjugate_activation_prime` (both derivatives are positive),
    written so that neither overflows: the per-sample gradient weights of an f-GAN loss
    can be rescaled in log space before they are exponentiated. ``-inf`` means a weight
    of exactly 0 (pearson_chi2 below ``v = −2``).

    Parameters
    ----------
    f : FDivergence
        A registry entry, ``fdiv.alpha(a)``, or any other FDivergence (then the logs of
        its own derivatives are taken, exact only where those do not overflow).
    v : array_like
        Discriminator outputs (any shape).

    Returns
    -------
    log_g_prime, log_conj_prime : ndarray
        Same shape as ``v``, float64.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> lg, lc = fdiv.fgan_log_weights(fdiv.get("kl"), np.array([0.0, 1000.0]))
    >>> lc.tolist()  # log e^{v-1}; e^{999} itself overflows float64
    [-1.0, 999.0]
    >>> lg, lc = fdiv.fgan_log_weights(fdiv.get("js"), np.array([0.3]))
    >>> bool(np.allclose(np.exp(lc), fdiv.get("js").conjugate_activation_prime(0.3)))
    True
    """
    if not callable(getattr(f, "activation_prime", None)):
        raise ValueError(f"`f` must be an fdiv.FDivergence; got {f!r:.80}")
    x = np.asarray(v, dtype=np.float64)
    lg, lc = _forms(f)
    with np.errstate(all="ignore"):
        return np.asarray(lg(x), dtype=np.float64), np.asarray(lc(x), dtype=np.float64)
