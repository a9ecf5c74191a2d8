"""Wasserstein-1 between finite measures with equal totals (docs/theory.md §4, S19, S20).

``W_1(q, p) = min_{pi >= 0, pi 1 = q, pi^T 1 = p} sum_ij pi_ij d(x_i, x_j)``
``          = max_{g_i - g_j <= d(x_i, x_j)} sum_i g_i (q_i - p_i)``   (Kantorovich-Rubinstein)
and, on the real line, ``= sum_i |F_q(x_i) - F_p(x_i)| (x_{i+1} - x_i)`` with F the cumulative masses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

from fdiv._validate import as_mass, as_real, check_same_shape

__all__ = ["wasserstein1", "wasserstein1_lp", "wasserstein1_dual", "TransportResult", "PotentialResult",
           "TOTAL_RTOL", "HIGHS_FEASIBILITY_TOL", "MAX_LP_SIZE"]

TOTAL_RTOL = 1e-12
"""Totals must agree: ``|sum q - sum p| <= TOTAL_RTOL * max(sum q, sum p)`` (compensated sums)."""
HIGHS_FEASIBILITY_TOL = 1e-7
"""HiGHS's default primal/dual feasibility tolerance: the LP values are accurate to about this
times ``total mass * diameter`` (in practice the simplex answer is usually exact to round-off)."""
MAX_LP_SIZE = 250_000
"""Default limit on ``n * n`` (transport plan entries / dual constraints) for the LP solvers."""
_METRICS = {"euclidean": "euclidean", "cityblock": "cityblock", "chebyshev": "chebyshev"}


#: masses whose total could pass this are scaled by a power of two first (exact), so that no
#: sum overflows; the result is scaled back (to +inf if it exceeds the float range).
_BIG = 2.0 ** 960


def _pow2_scale(largest: float, count: int, limit: float = _BIG) -> float:
    """1.0, or the power of two ``2**-k`` that brings ``count * largest`` below ``limit``
    (``largest`` finite; the product is never formed, so it cannot overflow)."""
    e = math.frexp(largest)[1] + max(0, int(count) - 1).bit_length()
    k = e - math.frexp(limit)[1] + 1
    return 1.0 if k <= 0 else math.ldexp(1.0, -k)


def _masses(q, p) -> tuple[np.ndarray, np.ndarray, float]:
    """Validated masses and the power of two they were scaled by (1.0 unless huge)."""
    q, p = as_mass("q", q), as_mass("p", p)
    check_same_shape("q", q, "p", p)
    if q.ndim != 1:
        raise ValueError(f"`q` and `p` must be 1-D; got shape {q.shape}")
    scale = _pow2_scale(max(float(q.max()), float(p.max())), q.size)
    if scale != 1.0:
        q, p = q * scale, p * scale
    tq, tp = _neumaier_sum(q), _neumaier_sum(p)
    if abs(tq - tp) > TOTAL_RTOL * max(tq, tp):
        raise ValueError(f"`q` and `p` must have equal total mass; got sum(q)={tq / scale!r}, "
                         f"sum(p)={tp / scale!r}")
    return q, p, scale


def _times(value: float, *scales: float) -> float:
    """``value`` times the inverse scales; +inf (never an exception) beyond the float range."""
    with np.errstate(over="ignore"):
        out = np.float64(value)
        for s in scales:
            out = out / np.float64(s)
    return float(out)


@njit(cache=True, inline="always")
def _two_sum(s, comp, v):  # pragma: no cover - compiled
    """Knuth's TwoSum: ``(s + v, comp + exact rounding error of s + v)``. Kept in this file
    (not shared) because Numba's disk cache only tracks changes to the caller's own file."""
    s1 = s + v
    bp = s1 - s
    return s1, comp + ((s - (s1 - bp)) + (v - bp))


@njit(cache=True)
def _neumaier_sum(a):  # pragma: no cover - compiled
    """Compensated sum: error ~ eps * |sum| + n * eps**2 * sum |a| (math.fsum is 30x slower)."""
    s = 0.0
    c = 0.0
    for v in a:
        s, c = _two_sum(s, c, v)
    return s + c


@njit(cache=True)
def _w1_sorted(q, p, x):  # pragma: no cover - compiled
    """sum_i |sum_{j<=i} (q_j - p_j)| (x_{i+1} - x_i), Neumaier-compensated throughout."""
    s = 0.0  # running CDF difference, compensation c
    c = 0.0
    tot = 0.0
    tc = 0.0
    for i in range(q.size - 1):
        s, c = _two_sum(s, c, q[i])
        s, c = _two_sum(s, c, -p[i])
        term = abs(s + c) * (x[i + 1] - x[i])
        tot, tc = _two_sum(tot, tc, term)
        if tot == np.inf:  # the exact value exceeds the float range (tc is NaN from here)
            return np.inf
    return tot + tc


def wasserstein1(q, p, x) -> float:
    """W_1 between masses ``q`` and ``p`` on the strictly increasing 1-D support ``x`` (exact).

    ``W_1 = sum_i |F_q(x_i) - F_p(x_i)| (x_{i+1} - x_i)``, evaluated in one pass with
    compensated (Neumaier) sums, so the result is accurate to a few ulps of the terms even when
    q and p nearly cancel. ``q`` and ``p`` must have equal totals to ``TOTAL_RTOL``.

    Examples
    --------
    >>> wasserstein1([1.0, 0.0], [0.0, 1.0], [0.0, 2.5])  # W_1(delta_0, delta_2.5), S19
    2.5
    """
    q, p, mscale = _masses(q, p)
    xs = _as_real("x", x)
    if xs.shape != q.shape:
        raise ValueError(f"`x` must have the shape of `q` {q.shape}; got {xs.shape}")
    if not np.isfinite(xs).all():
        raise ValueError(f"`x` must be finite; got {xs[~np.isfinite(xs)][0]!r}")
    bad = xs[1:] <= xs[:-1]
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"`x` must be strictly increasing; got x[{i}]={xs[i]!r} >= x[{i + 1}]={xs[i + 1]!r}")
    # x_{i+1} - x_i overflows only for |x| ~ 1e308: halve the support (exact there)
    xscale = 1.0 if abs(float(xs[0])) < _BIG and abs(float(xs[-1])) < _BIG else 0.5
    return _times(_w1_sorted(q, p, xs * xscale if xscale != 1.0 else xs), mscale, xscale)


@dataclass(frozen=True, eq=False)
class TransportResult:
    """Primal LP solution: ``value`` = sum plan * cost; ``plan`` (n, n) with marginals (q, p);
    ``residual`` = max marginal violation; ``status``/``message`` from HiGHS (0 = optimal).

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> res = fdiv.wasserstein1_lp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    >>> round(res.value, 12), res.plan.round(12).tolist(), res.residual <= 1e-12
    (2.0, [[0.0, 1.0], [0.0, 0.0]], True)
    """

    value: float
    plan: np.ndarray
    residual: float
    status: int
    message: str


@dataclass(frozen=True, eq=False)
class PotentialResult:
    """Kantorovich-Rubinstein dual solution: ``value`` = sum potential * (q - p) with
    ``potential`` 1-Lipschitz for the metric; ``status``/``message`` from HiGHS (0 = optimal).

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> res = fdiv.wasserstein1_dual(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    >>> round(res.value, 12), res.status
    (2.0, 0)
    """

    value: float
    potential: np.ndarray
    status: int
    message: str


def _as_real(name: str, x) -> np.ndarray:
    return as_real(name, x, contiguous=True)


def _unit_scale(largest: float) -> float:
    """The power of two that maps ``largest`` (finite, >= 0) into [0.5, 1); 1.0 for 0."""
    if largest == 0.0:
        return 1.0
    return math.ldexp(1.0, -math.frexp(largest)[1])


def _setup(q, p, points, metric, max_size):
    # HiGHS works with absolute tolerances (1e-7) and treats costs beyond 1e20 as infinite:
    # masses and coordinates are scaled by powers of two (exact; every metric here is
    # 1-homogeneous) so that the largest of each lies in [0.5, 1), and the results back
    q, p, mscale = _masses(q, p)
    lp_scale = _unit_scale(max(float(q.max()), float(p.max())))
    q, p, mscale = q * lp_scale, p * lp_scale, mscale * lp_scale
    pts = _as_real("points", points)
    pts = pts[:, None] if pts.ndim == 1 else pts
    if pts.ndim != 2 or pts.shape[0] != q.size or not np.isfinite(pts).all():
        raise ValueError(f"`points` must be finite with shape ({q.size},) or ({q.size}, d); got {np.shape(points)}")
    if metric not in _METRICS:
        raise ValueError(f"`metric` must be one of {sorted(_METRICS)}; got {metric!r}")
    if q.size * q.size > max_size:
        raise ValueError(f"LP of size n*n = {q.size ** 2} exceeds `max_size`={max_size}; for 1-D supports "
                         "use fdiv.wasserstein1 (exact CDF formula)")
    pscale = _unit_scale(float(np.max(np.abs(pts))))
    if pscale != 1.0:
        pts = pts * pscale
    return q, p, pts, mscale, pscale


def _solve(*args, **kw):
    res = linprog(*args, method="highs", **kw)
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed (status {res.status}): {res.message}")
    return res


def wasserstein1_lp(q, p, points, metric: str = "euclidean", *, max_size: int = MAX_LP_SIZE) -> TransportResult:
    """W_1 by the transport LP (HiGHS) on the finite support ``points`` ((n,) or (n, d)).

    Only rows with ``q > 0`` and columns with ``p > 0`` enter the LP; ``plan`` is returned on
    the full (n, n) support. Raises ``ValueError`` if ``n * n > max_size`` and ``RuntimeError``
    if HiGHS does not report an optimal solution (no fallback).

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> x = np.array([0.0, 1.0, 3.0])
    >>> q, p = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    >>> res = fdiv.wasserstein1_lp(q, p, x)
    >>> round(res.value, 12), res.status
    (1.5, 0)
    >>> bool(np.isclose(res.value, fdiv.wasserstein1(q, p, x)))   # S20: LP = 1-D CDF formula
    True
    """
    q, p, pts, mscale, pscale = _setup(q, p, points, metric, max_size)
    rows, cols = np.flatnonzero(q), np.flatnonzero(p)
    cost = cdist(pts[rows], pts[cols], metric=_METRICS[metric])
    nr, nc = rows.size, cols.size
    a_eq = sp.vstack([sp.kron(sp.eye(nr), np.ones((1, nc))), sp.kron(np.ones((1, nr)), sp.eye(nc))])
    res = _solve(cost.ravel(), A_eq=a_eq.tocsr(), b_eq=np.concatenate([q[rows], p[cols]]), bounds=(0, None))
    plan = np.zeros((q.size, q.size))
    plan[np.ix_(rows, cols)] = res.x.reshape(nr, nc)
    residual = max(np.abs(plan.sum(1) - q).max(), np.abs(plan.sum(0) - p).max())
    with np.errstate(over="ignore"):
        plan = plan / mscale if mscale != 1.0 else plan
    return TransportResult(_times(res.fun, mscale, pscale), plan, _times(residual, mscale),
                           int(res.status), str(res.message))


def wasserstein1_dual(q, p, points, metric: str = "euclidean", *, max_size: int = MAX_LP_SIZE) -> PotentialResult:
    """W_1 by the Kantorovich-Rubinstein dual LP: max ``sum g (q - p)`` s.t. ``g_i - g_j <= d_ij``.

    Solved (HiGHS) on the points where ``q != p``, with the first such potential pinned to 0;
    the potential is extended to all points by the McShane formula ``g(x) = min_j g_j + d(x, x_j)``,
    which keeps it 1-Lipschitz and the value unchanged. Errors as :func:`wasserstein1_lp`.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> x = np.array([0.0, 1.0, 3.0])
    >>> q, p = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    >>> res = fdiv.wasserstein1_dual(q, p, x)
    >>> round(res.value, 12)                                   # S20: dual = primal
    1.5
    >>> bool(np.all(np.abs(np.diff(res.potential)) <= np.diff(x) + 1e-12))   # 1-Lipschitz
    True
    """
    q, p, pts, mscale, pscale = _setup(q, p, points, metric, max_size)
    idx = np.flatnonzero(q != p)
    if idx.size < 2:  # q == p up to a difference within TOTAL_RTOL: nothing to transport
        return PotentialResult(0.0, np.zeros(q.size), 0, "q == p: nothing to transport")
    d = cdist(pts[idx], pts[idx], metric=_METRICS[metric])
    i, j = np.nonzero(~np.eye(idx.size, dtype=bool))
    k = np.arange(i.size)
    a_ub = sp.csr_matrix((np.r_[np.ones(i.size), -np.ones(i.size)], (np.r_[k, k], np.r_[i, j])),
                         shape=(i.size, idx.size))
    bounds = [(0.0, 0.0)] + [(None, None)] * (idx.size - 1)
    res = _solve(-(q[idx] - p[idx]), A_ub=a_ub, b_ub=d[i, j], bounds=bounds)
    g = (res.x[None, :] + cdist(pts, pts[idx], metric=_METRICS[metric])).min(axis=1)
    g[idx] = res.x
    with np.errstate(over="ignore"):
        g = g / pscale if pscale != 1.0 else g
    return PotentialResult(_times(-res.fun, mscale, pscale), g, int(res.status), str(res.message))
