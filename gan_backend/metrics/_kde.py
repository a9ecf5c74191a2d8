"""Gaussian kernel density estimation: the Numba kernel behind :mod:`gan_backend.metrics.coverage`.

An isotropic Gaussian KDE with bandwidth ``h`` on points ``x_1..x_N`` in ``R^d`` has

    log p_h(y) = logsumexp_i( -|y - x_i|^2 / (2 h^2) ) - log N - (d/2) log(2 pi h^2).

The kernel evaluates the log-sum-exp for MANY bandwidths in one pass over the points
(the held-out likelihood search of docs/theory.md §3 asks for a whole grid of them):

* Stability: the running maximum of a log-sum-exp is the nearest point for every
  bandwidth at once, so a first pass finds ``d2min = min_i |y - x_i|^2`` and the second
  sums ``exp(-(|y - x_i|^2 - d2min) c_k)`` with ``c_k = 1/(2 h_k^2)``. The nearest point
  contributes exactly 1, so the sum is ``>= 1``, its log is finite, and the result is
  finite for every finite input (never ``-inf``, never NaN).
* Truncation: a term with exponent ``a = (|y - x_i|^2 - d2min) c_k > TRUNCATION`` (= 50)
  is skipped. Each skipped term is below ``e^-50 ~ 1.9e-22`` times the nearest point's
  term, so the relative error of the sum is below ``N * 1.9e-22`` (``2e-16`` at N = 10^6),
  i.e. below double-precision round-off for every N this project uses. Bandwidths are
  visited widest first, so the first skipped bandwidth ends the loop for that pair.
* Bandwidths in ratio 2 (``c_{k+1} = 4 c_k`` exactly, as on the ``2^k`` grid of
  :func:`gan_backend.metrics.coverage.coverage`): ``exp(-4a) = (exp(-a)^2)^2``, so the kernel
  squares twice instead of calling ``exp``, for at most ``MAX_CHAIN`` consecutive
  bandwidths, then calls ``exp`` afresh. Squaring multiplies the relative error by 4,
  so the error stays below ``4^MAX_CHAIN`` (= 256) ulps ~ 6e-14 relative.

Strict IEEE semantics (no fast-math flags, docs/contributing.md); the kernels take raw contiguous
arrays and validate nothing: :func:`kde_logpdf` (and the public functions of
:mod:`gan_backend.metrics.coverage`) coerce and validate once.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from gan_backend.engine._validate import as_points

__all__ = ["kde_logpdf", "TRUNCATION", "MAX_CHAIN"]

#: Terms with exponent above this are skipped (each is < e^-50 of the largest term).
TRUNCATION = 50.0
#: At most this many consecutive ``exp(-4a) = (exp(-a)^2)^2`` steps before a fresh ``exp``.
MAX_CHAIN = 4
#: Queries per parallel work item (one scratch buffer of N distances per item).
_BLOCK = 32


@njit(parallel=True, cache=True)
def _gauss_logsumexp(queries, points_t, coefs, chain, out):  # pragma: no cover - numba
    """out[k, j] = log sum_i exp(-|queries[j] - points[i]|^2 * coefs[k]).

    queries: (m, d); points_t: (d, n) (points transposed, C-contiguous); coefs: (K,)
    positive finite, ascending (widest bandwidth first); chain[k]: coefs[k] == 4*coefs[k-1]
    exactly; out: (K, m).
    """
    m, d = queries.shape
    n = points_t.shape[1]
    nk = coefs.shape[0]
    nblocks = (m + _BLOCK - 1) // _BLOCK
    for b in prange(nblocks):
        dist = np.empty(n)
        acc = np.empty(nk)
        for j in range(b * _BLOCK, min(m, (b + 1) * _BLOCK)):
            # squared distances to every point, coordinate by coordinate (vectorisable)
            q0 = queries[j, 0]
            for i in range(n):
                t = q0 - points_t[0, i]
                dist[i] = t * t
            for a in range(1, d):
                qa = queries[j, a]
                for i in range(n):
                    t = qa - points_t[a, i]
                    dist[i] += t * t
            d2min = np.inf
            for i in range(n):
                d2min = min(d2min, dist[i])
            for k in range(nk):
                acc[k] = 0.0
            for i in range(n):
                delta = dist[i] - d2min
                e = 1.0
                run = 0
                for k in range(nk):
                    a = delta * coefs[k]
                    if a > TRUNCATION:
                        break
                    if chain[k] and run < MAX_CHAIN:
                        e = e * e
                        e = e * e
                        run += 1
                    else:
                        e = math.exp(-a)
                        run = 0
                    acc[k] += e
            for k in range(nk):
                out[k, j] = math.log(acc[k]) - d2min * coefs[k]


def kde_logpdf(queries, points, bandwidths) -> np.ndarray:
    """Log-density of the isotropic Gaussian KDE on ``points`` at ``queries``.

    Parameters
    ----------
    queries : array_like, shape (m, d)
    points : array_like, shape (n, d), n >= 1
        The KDE's centres (equal weights 1/n).
    bandwidths : float or array_like, shape (K,)
        Kernel standard deviations ``h > 0`` (kernel covariance ``h^2 I``).

    Returns
    -------
    ndarray
        Shape (m,) for a scalar bandwidth, (K, m) for a 1-D array of bandwidths:
        ``log p_h(y) = logsumexp_i(-|y - x_i|^2/(2h^2)) - log n - (d/2) log(2 pi h^2)``.

    Raises
    ------
    ValueError
        Non-finite or wrongly shaped inputs, dimension mismatch, empty ``points``, or a
        bandwidth that is not positive and finite (or so small that ``1/(2h^2)`` overflows).

    Examples
    --------
    One centre: the KDE is the normal density N(x, h^2 I).

    >>> import numpy as np
    >>> lp = kde_logpdf([[0.0, 0.0]], [[0.0, 0.0]], 1.0)
    >>> bool(np.isclose(lp[0], -np.log(2 * np.pi)))
    True
    """
    q = as_points("queries", queries)
    x = as_points("points", points)
    if x.shape[0] == 0:
        raise ValueError("`points` must hold at least one point; got shape (0, d)")
    if q.shape[1] != x.shape[1]:
        raise ValueError(
            f"`queries` and `points` must have the same dimension; got {q.shape[1]} and {x.shape[1]}"
        )
    scalar = np.ndim(bandwidths) == 0
    h = np.atleast_1d(np.asarray(bandwidths, dtype=np.float64))
    if h.ndim != 1 or h.size == 0:
        raise ValueError(f"`bandwidths` must be a positive number or a 1-D array; got shape {h.shape}")
    with np.errstate(over="ignore", divide="ignore"):
        coefs = 0.5 / (h * h)
    bad = ~(np.isfinite(h) & (h > 0) & np.isfinite(coefs))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"`bandwidths` must be positive and finite (and 1/(2h^2) finite); got {h[i]!r}")
    d = x.shape[1]
    order = np.argsort(coefs, kind="stable")  # widest bandwidth first
    c_sorted = np.ascontiguousarray(coefs[order])
    chain = np.zeros(c_sorted.size, dtype=np.bool_)
    chain[1:] = c_sorted[1:] == 4.0 * c_sorted[:-1]
    out_sorted = np.empty((c_sorted.size, q.shape[0]))
    if q.shape[0]:
        _gauss_logsumexp(q, np.ascontiguousarray(x.T), c_sorted, chain, out_sorted)
    out = np.empty_like(out_sorted)
    out[order] = out_sorted
    out -= (np.log(x.shape[0]) + 0.5 * d * np.log(2.0 * np.pi * h * h))[:, None]
    return out[0] if scalar else out
