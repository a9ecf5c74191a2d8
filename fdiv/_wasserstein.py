"""Wasserstein distances between finite measures with equal totals (docs/theory.md §4, S19, S20).

The transport LP is solved by POT's network simplex (``ot.emd``), exact to round-off and free
of feasibility tolerances; the Kantorovich-Rubinstein dual by HiGHS, as an independent check.

``W_1(q, p) = min_{pi >= 0, pi 1 = q, pi^T 1 = p} sum_ij pi_ij d(x_i, x_j)``
``          = max_{g_i - g_j <= d(x_i, x_j)} sum_i g_i (q_i - p_i)``   (Kantorovich-Rubinstein)
and, on the real line, ``= sum_i |F_q(x_i) - F_p(x_i)| (x_{i+1} - x_i)`` with F the cumulative masses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

from fdiv._validate import as_mass, as_real, check_same_shape, points_of, support_points

__all__ = ["wasserstein1", "wasserstein1_lp", "wasserstein1_dual", "wasserstein", "wasserstein_samples",
           "TransportResult", "PotentialResult", "WassersteinResult", "TOTAL_RTOL", "HIGHS_FEASIBILITY_TOL",
           "MAX_LP_SIZE", "MAX_ITER"]

TOTAL_RTOL = 1e-12
"""Totals must agree: ``|sum q - sum p| <= TOTAL_RTOL * max(sum q, sum p)`` (compensated sums)."""
HIGHS_FEASIBILITY_TOL = 1e-7
"""HiGHS's default primal/dual feasibility tolerance: the dual LP's value is accurate to about
this times ``total mass * diameter`` (in practice the simplex answer is exact to round-off)."""
MAX_LP_SIZE = 250_000
"""Default limit on ``n * n`` (dual constraints) for :func:`wasserstein1_dual` (HiGHS). The
primal solvers have no limit: they hold the ``n * m`` cost matrix and plan (8 bytes each)."""
MAX_ITER = 10**9
"""Iteration limit passed to POT's network simplex (``numItermax``); reaching it is an error."""
_METRICS = {"euclidean": "euclidean", "cityblock": "cityblock", "chebyshev": "chebyshev"}


#: masses whose total could pass this are scaled by a power of two first (exact), so that no
#: sum overflows; the result is scaled back (to +inf if it exceeds the float range).
_BIG = 2.0 ** 960


def _pow2_exponent(largest: float, count: int, limit: float = _BIG) -> int:
    """0, or the ``k > 0`` for which ``2**-k`` brings ``count * largest`` below ``limit``
    (``largest`` finite; the product is never formed, so it cannot overflow). Scales are
    carried as exponents: ``2**k`` itself overflows for the ``k`` that subnormal data need."""
    e = math.frexp(largest)[1] + max(0, int(count) - 1).bit_length()
    return max(0, e - math.frexp(limit)[1] + 1)


def _scaled(a: np.ndarray, k: int) -> np.ndarray:
    """``a * 2**-k`` (exact unless the result is subnormal); ``a`` itself for ``k = 0``."""
    return np.ldexp(a, -k) if k else a


def _masses(q, p) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated masses and the exponent ``k`` of the power of two ``2**-k`` they were
    scaled by (0 unless huge). Two Discrete measures' supports are checked by the caller
    (:func:`support_points`, which both callers run first)."""
    q, p = as_mass("q", q), as_mass("p", p)
    check_same_shape("q", q, "p", p)
    if q.ndim != 1:
        raise ValueError(f"`q` and `p` must be 1-D; got shape {q.shape}")
    k = _pow2_exponent(max(float(q.max()), float(p.max())), q.size)
    q, p = _scaled(q, k), _scaled(p, k)
    tq, tp = _neumaier_sum(q), _neumaier_sum(p)
    if abs(tq - tp) > TOTAL_RTOL * max(tq, tp):
        raise ValueError(f"`q` and `p` must have equal total mass (relative tolerance {TOTAL_RTOL:g}); got "
                         f"sum(q)={_times(tq, k)!r}, sum(p)={_times(tp, k)!r}")
    return q, p, k


def _times(value, *exponents: int):
    """``value * 2**(sum of exponents)``, correctly rounded (+inf, never an exception, beyond
    the float range; a subnormal or 0 below it); a float, or an array for an array."""
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(np.asarray(value, dtype=np.float64), int(sum(exponents)))
    return float(out) if out.ndim == 0 else out


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


def wasserstein1(q, p, x=None) -> float:
    """W_1 between masses ``q`` and ``p`` on the strictly increasing 1-D support ``x`` (exact).

    ``x`` has shape (n,) or (n, 1) (the ``points`` of a 1-D :class:`fdiv.Grid`); it may be
    omitted when ``q`` or ``p`` is a :class:`fdiv.Discrete` with a support or grid (both, when
    both are, on the same points).

    ``W_1 = sum_i |F_q(x_i) - F_p(x_i)| (x_{i+1} - x_i)``, evaluated in one pass with
    compensated (Neumaier) sums, so the result is accurate to a few ulps of the terms even when
    q and p nearly cancel. ``q`` and ``p`` must have equal totals to ``TOTAL_RTOL``.

    Examples
    --------
    >>> wasserstein1([1.0, 0.0], [0.0, 1.0], [0.0, 2.5])  # W_1(delta_0, delta_2.5), S19
    2.5
    """
    x = support_points("x", x, q, p)
    q, p, mscale = _masses(q, p)
    xs = _as_real("x", x)
    if xs.ndim == 2 and xs.shape[1] == 1:  # Grid.points of a 1-D grid
        xs = np.ascontiguousarray(xs[:, 0])
    if xs.shape != q.shape:
        raise ValueError(f"`x` must have the shape of `q` {q.shape}; got {xs.shape}")
    if not np.isfinite(xs).all():
        raise ValueError(f"`x` must be finite; got {xs[~np.isfinite(xs)][0]!r}")
    bad = xs[1:] <= xs[:-1]
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"`x` must be strictly increasing; got x[{i}]={xs[i]!r} >= x[{i + 1}]={xs[i + 1]!r}")
    # x_{i+1} - x_i overflows only for |x| ~ 1e308: halve the support (exact there)
    xk = 0 if abs(float(xs[0])) < _BIG and abs(float(xs[-1])) < _BIG else 1
    return _times(_w1_sorted(q, p, _scaled(xs, xk)), mscale, xk)


@dataclass(frozen=True, eq=False)
class TransportResult:
    """Primal LP solution: ``value`` = sum plan * cost; ``plan`` (n, n) with marginals (q, p);
    ``residual`` = max marginal violation; ``status`` 0 (optimal; anything else raises) and
    ``message`` from POT's network simplex.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> res = fdiv.wasserstein1_lp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    >>> round(res.value, 12), res.plan.round(12).tolist(), res.residual <= 1e-12
    (2.0, [[0.0, 1.0], [0.0, 0.0]], True)
    """

    value: float
    plan: np.ndarray = field(repr=False)
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


def _unit_exponent(largest: float) -> int:
    """The ``e`` for which ``largest * 2**-e`` (finite, >= 0) lies in [0.5, 1); 0 for 0."""
    return 0 if largest == 0.0 else math.frexp(largest)[1]


def _setup(q, p, points, metric, max_size):
    points = support_points("points", points, q, p)
    # HiGHS works with absolute tolerances (1e-7) and treats costs beyond 1e20 as infinite:
    # masses and coordinates are scaled by powers of two (exact; every metric here is
    # 1-homogeneous) so that the largest of each lies in [0.5, 1), and the results back
    q, p, mscale = _masses(q, p)
    lp_k = _unit_exponent(max(float(q.max()), float(p.max())))
    q, p, mscale = _scaled(q, lp_k), _scaled(p, lp_k), mscale + lp_k
    pts = _as_real("points", points)
    pts = pts[:, None] if pts.ndim == 1 else pts
    if pts.ndim != 2 or pts.shape[0] != q.size or not np.isfinite(pts).all():
        raise ValueError(f"`points` must be finite with shape ({q.size},) or ({q.size}, d); got {np.shape(points)}")
    if metric not in _METRICS:
        raise ValueError(f"`metric` must be one of {sorted(_METRICS)}; got {metric!r}")
    if max_size is not None and q.size * q.size > max_size:
        raise ValueError(f"LP of size n*n = {q.size ** 2} exceeds `max_size`={max_size}; for 1-D supports "
                         "use fdiv.wasserstein1 (exact CDF formula)")
    pscale = _unit_exponent(float(np.max(np.abs(pts))))
    return q, p, _scaled(pts, pscale), mscale, pscale


def _solve(*args, **kw):
    res = linprog(*args, method="highs", **kw)
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed (status {res.status}): {res.message}")
    return res


def _emd(a: np.ndarray, b: np.ndarray, cost: np.ndarray):
    """POT's network simplex on validated masses (equal totals to TOTAL_RTOL; POT rescales b by
    the ratio of the totals, a change within that tolerance). Raises unless optimal."""
    import ot

    plan, log = ot.emd(a, b, cost, numItermax=MAX_ITER, log=True, check_marginals=False)
    if log["result_code"] != 1:
        raise RuntimeError(f"POT's network simplex did not reach an optimum (result code "
                           f"{log['result_code']}): {log['warning']}")
    return plan, float(log["cost"])


def wasserstein1_lp(q, p, points=None, metric: str = "euclidean", *,
                    max_size: int | None = None) -> TransportResult:
    """W_1 by the transport LP (POT's network simplex) on the finite support ``points``.

    ``points`` has shape (n,) or (n, d); omitted, the support of ``q`` or ``p`` when it is a
    :class:`fdiv.Discrete` (as in :func:`wasserstein1`). The cost matrix and the plan are (n, n) float64 arrays
    (``16 n^2`` bytes: 400 MB at n = 5,000); ``max_size`` optionally caps ``n * n``. Raises
    ``ValueError`` for invalid input or totals that differ by more than ``TOTAL_RTOL`` (the
    message gives both), ``RuntimeError`` if the simplex does not reach an optimum (no fallback).
    The mass q and p share stays in place (the plan's diagonal) and only ``q - p`` is moved, so
    that measures which nearly agree keep their small ``W_1`` to a few ulps.
    For weighted points on two different supports, or W_p, use :func:`fdiv.wasserstein`.

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
    if not q.any():  # both measures zero (equal totals): nothing to transport
        return TransportResult(0.0, np.zeros((q.size, q.size)), 0.0, 0, "optimal")
    plan, value = _emd_w1_on_difference(q, p, pts, _METRICS[metric])
    residual = max(np.abs(plan.sum(1) - q).max(), np.abs(plan.sum(0) - p).max())
    return TransportResult(_times(value, mscale, pscale), _times(plan, mscale), _times(residual, mscale), 0, "optimal")


def _emd_w1_on_difference(q: np.ndarray, p: np.ndarray, pts: np.ndarray, metric: str):
    """An optimal W_1 plan between ``q`` and ``p`` on the points ``pts`` and its cost.

    W_1 depends on ``q - p`` alone (Kantorovich-Rubinstein), so the mass both share stays where
    it is (the diagonal ``min(q, p)``) and the network simplex moves only the difference, its
    positive part to its negative part, scaled by a power of two so that its largest entry lies
    in [0.5, 1) (exact). Solved on q and p themselves, the flows of measures that nearly agree
    were differences of numbers of order 1: ``W_1`` of measures differing by 1e-12 relatively
    came out 1 % off. Differences that are one-signed are within ``TOTAL_RTOL`` (checked by the
    caller): nothing to transport."""
    plan = np.diag(np.minimum(q, p))
    idx = np.flatnonzero(q != p)
    diff = q[idx] - p[idx]  # exact where q_i and p_i are within a factor 2 (Sterbenz), else rounded
    if not (diff > 0).any() or not (diff < 0).any():
        return plan, 0.0
    dk = _unit_exponent(float(np.abs(diff).max()))
    diff = np.ldexp(diff, -dk)
    sub, value = _emd_exact_flows(np.maximum(diff, 0.0), np.maximum(-diff, 0.0),
                                  cdist(pts[idx], pts[idx], metric=metric))
    plan[np.ix_(idx, idx)] += np.ldexp(sub, dk)
    return plan, _times(value, dk)


def wasserstein1_dual(q, p, points=None, metric: str = "euclidean", *,
                      max_size: int = MAX_LP_SIZE) -> PotentialResult:
    """W_1 by the Kantorovich-Rubinstein dual LP: max ``sum g (q - p)`` s.t. ``g_i - g_j <= d_ij``.

    Solved (HiGHS) on the points where ``q != p``, with the first such potential pinned to 0;
    the potential is extended to all points by the McShane formula ``g(x) = min_j g_j + d(x, x_j)``,
    which keeps it 1-Lipschitz and the value unchanged. Errors as :func:`wasserstein1_lp`.

    The objective depends on ``q - p`` alone, so it is scaled by a power of two (exact) that
    brings ``max |q - p|`` into [0.5, 1), and the points into [-1, 1): HiGHS's tolerances are
    absolute (``HIGHS_FEASIBILITY_TOL``), so the value is accurate to about that times
    ``sum |q - p|`` times the diameter, however small the difference between q and p. (Scaled
    by the masses, a difference below the tolerance would fall under it, and the value could
    come out as ``-W_1``.) Totals that differ by ``delta`` (at most ``TOTAL_RTOL`` relatively)
    leave ``W_1`` defined only to about ``delta`` times the diameter, by every route.

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
    # the difference is exact where q_i and p_i are within a factor 2 of each other (Sterbenz)
    # and correctly rounded elsewhere; scaled so that its largest entry lies in [0.5, 1)
    diff = q[idx] - p[idx]
    dk = _unit_exponent(float(np.abs(diff).max()))
    diff, mscale = np.ldexp(diff, -dk), mscale + dk
    d = cdist(pts[idx], pts[idx], metric=_METRICS[metric])
    i, j = np.nonzero(~np.eye(idx.size, dtype=bool))
    k = np.arange(i.size)
    a_ub = sp.csr_matrix((np.r_[np.ones(i.size), -np.ones(i.size)], (np.r_[k, k], np.r_[i, j])),
                         shape=(i.size, idx.size))
    bounds = [(0.0, 0.0)] + [(None, None)] * (idx.size - 1)
    res = _solve(-diff, A_ub=a_ub, b_ub=d[i, j], bounds=bounds)
    g = (res.x[None, :] + cdist(pts, pts[idx], metric=_METRICS[metric])).min(axis=1)
    g[idx] = res.x
    return PotentialResult(_times(-res.fun, mscale, pscale), _times(g, pscale), int(res.status), str(res.message))


# --- W_p on weighted points in any dimension ----------------------------------------------------
@dataclass(frozen=True, eq=False)
class WassersteinResult:
    r"""``W_p`` between two weighted point sets.

    Attributes
    ----------
    value : float
        ``W_p = cost ** (1 / order)``.
    cost : float
        The optimal transport cost ``min_pi sum_ij pi_ij |x_i - y_j|^order``.
    order : float
        ``p >= 1``.
    plan : ndarray or None
        The optimal plan ``(n, m)`` (None in 1-D, where the exact quantile formula is used).

    Examples
    --------
    >>> import fdiv
    >>> res = fdiv.wasserstein([1.0], [1.0], [[0.0, 0.0]], [[3.0, 4.0]], order=2)
    >>> res.value, res.cost
    (5.0, 25.0)
    """

    value: float
    cost: float
    order: float
    plan: np.ndarray | None = field(repr=False)


def _points(name: str, x, n: int | None) -> np.ndarray:
    arr = _as_real(name, x)
    arr = arr[:, None] if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[0] == 0 or (n is not None and arr.shape[0] != n):
        want = "(n,) or (n, d)" if n is None else f"({n},) or ({n}, d) (one point per mass)"
        raise ValueError(f"`{name}` must have shape {want}; got {np.shape(x)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must be finite; got {arr[~np.isfinite(arr)][0]!r}")
    return arr


def _order(order) -> float:
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, float, np.integer, np.floating)) \
            or not (1.0 <= float(order) < math.inf):
        raise ValueError(f"`order` must be a real number >= 1; got {order!r}")
    return float(order)


@njit(cache=True, inline="always")
def _dd_sub(ah, al, bh, bl):  # pragma: no cover - compiled
    """``(ah + al) - (bh + bl)`` as a normalised double-double (hi, lo): TwoSum of the high
    parts with the low parts' difference as the running error, then one renormalising step."""
    s, err = _two_sum(ah, al - bl, -bh)
    h = s + err
    return h, err - (h - s)


@njit(cache=True)
def _quantile_pieces(q, p, x, y):  # pragma: no cover - compiled
    """The quantile coupling of ``(x, q)`` and ``(y, p)`` (both sorted by point): walks the two
    lists together, each step pairing the remaining mass at ``x_i`` with that at ``y_j`` and
    taking the smaller, until either list ends. Returns the pieces' masses ``w`` and distances
    ``d`` (``W_p^p = sum w d**p``). The remaining masses are double-doubles, so a remainder that
    is exactly zero comes out zero whenever the masses it combines span fewer than about 106
    bits: with cumulative sums in floats instead, prefix sums that are equal came out an ulp
    apart, and the sliver between them paired far points (``W_3.5`` of measures differing by
    1e-12 relatively was off by 120 %)."""
    n, m = q.size, p.size
    w = np.empty(n + m)
    d = np.empty(n + m)
    k = 0
    i = j = 0
    ah, al = q[0], 0.0
    bh, bl = p[0], 0.0
    while True:
        dh, dl = _dd_sub(ah, al, bh, bl)
        if dh <= 0.0:  # the piece is a's remainder: x_i is used up
            w[k] = ah + al
            d[k] = abs(x[i] - y[j])
            k += 1
            bh, bl = -dh, -dl
            i += 1
            if i == n:
                break
            ah, al = q[i], 0.0
        else:  # b's remainder: y_j is used up
            w[k] = bh + bl
            d[k] = abs(x[i] - y[j])
            k += 1
            ah, al = dh, dl
            j += 1
            if j == m:
                break
            bh, bl = p[j], 0.0
    return w[:k], d[:k]


def _quantile_terms(q, p, x, y) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of ``int_0^T |F_q^-1(t) - F_p^-1(t)|^order dt`` (T the common total) in 1-D
    (:func:`_quantile_pieces` on the points sorted): masses ``w`` and distances ``d``, the
    cost being ``sum w d**order``."""
    iq, ip = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    return _quantile_pieces(np.ascontiguousarray(q[iq]), np.ascontiguousarray(p[ip]),
                            np.ascontiguousarray(x[iq]), np.ascontiguousarray(y[ip]))


#: the smallest normal float: a term ``w d**order`` below it has lost precision (or all of it)
_TINY = float(np.finfo(np.float64).tiny)


def _quantile_result(w: np.ndarray, d: np.ndarray, e: int, mk: int, order: float) -> WassersteinResult:
    """``W_p`` from the 1-D pieces (:func:`_quantile_terms`) of points scaled by ``2**-e`` and
    masses by ``2**-mk``. The terms ``w d**order`` are summed as they are unless one that counts
    (``w > 0``, ``d > 0``) would fall below the normal range (a large order with distances far
    below the points' scale: ``W_50`` of a transport over 1e-7 beside a point at distance 1 came
    out 0.0). Then the sum is taken in logarithms: with ``L_k = log2 w_k + order log2 d_k`` and
    ``t`` the largest term, ``W_p = d_t (w_t S)^(1/order)``, ``S = sum_k 2^(L_k - L_t)``, the
    distance ``d_t`` kept as a factor, so that ``W_p`` is within a few ulps when one term
    dominates (and otherwise within about ``|log2 d| 2^-53`` relatively); ``cost`` (``W_p^p``)
    is then rounded to the float range (0 below it, inf above)."""
    used = (w > 0) & (d > 0)
    if not used.any():
        return _wp(0.0, e, mk, order, None)
    terms = w * d ** order
    if terms[used].min() >= _TINY:
        return _wp(float(np.sum(terms)), e, mk, order, None)
    with np.errstate(divide="ignore"):
        log2_terms = np.log2(w[used]) + order * np.log2(d[used])
    k = int(np.argmax(log2_terms))
    top, w_top, d_top = float(log2_terms[k]), float(w[used][k]), float(d[used][k])
    # W_p = d_top (w_top S)^(1/p) with S = sum_k exp2(L_k - top) in [1, n]: d_top is kept as a
    # factor, so only the small logarithms of w_top and S are divided by the order
    log2_ws = math.log2(w_top) + math.log2(math.fsum(np.exp2(log2_terms - top)))
    value = _times_pow2(d_top, log2_ws / order + e + mk / order)
    with np.errstate(over="ignore", under="ignore"):
        cost = float(np.exp2(order * (math.log2(d_top) + e) + log2_ws + mk))
    return WassersteinResult(value, cost, order, None)


def wasserstein(q, p, x=None, y=None, *, order=1) -> WassersteinResult:
    r"""``W_p`` between the weighted points ``(x_i, q_i)`` and ``(y_j, p_j)``, Euclidean ground
    distance, any dimension.

    .. math::

        W_p = \Bigl(\min_{\pi \ge 0,\ \pi 1 = q,\ \pi^T 1 = p} \sum_{ij} \pi_{ij}
              \lVert x_i - y_j \rVert^p\Bigr)^{1/p}

    Parameters
    ----------
    q, p : array_like
        Nonnegative masses, shapes ``(n,)`` and ``(m,)``, with equal totals (relative
        difference at most ``TOTAL_RTOL``; they are not renormalised).
    x, y : array_like
        Points, shapes ``(n, d)`` and ``(m, d)`` (or ``(n,)``, ``(m,)`` in 1-D). ``y=None``
        means ``y = x`` (then ``m = n``). When ``q`` (``p``) is a :class:`fdiv.Discrete` with a
        support or grid, ``x`` (``y``) may be omitted: its points are used, so two Discrete
        measures on different supports need no points at all.
    order : float
        ``p >= 1``.

    Returns
    -------
    WassersteinResult
        ``.value`` (W_p), ``.cost`` (W_p^p), ``.plan``.

    Raises
    ------
    ValueError
        Invalid masses or points, dimensions of x and y that differ (naming both shapes), totals
        that differ (naming both), ``order < 1``; in 2 or more dimensions, an ``order`` so large
        that the costs ``|x - y|**order`` the optimal plan uses underflow float64 beside the
        largest distances (then ``W_p`` is not determined in float64; in 1-D it is exact).
    RuntimeError
        If POT's network simplex stops before an optimum (no fallback), or leaves out a point
        whose mass, far below the largest (beyond an ulp of it), could change the cost.

    Notes
    -----
    In 1-D the exact quantile formula ``int |F_q^{-1} - F_p^{-1}|^p`` is used (``O((n + m)
    log(n + m))``, no plan): the two sorted measures are walked together with their remaining
    masses in double-double, so measures that nearly agree keep their small ``W_p`` to a few
    ulps, and the terms are summed in logarithms where ``w |x - y|**p`` would fall below the
    float range (any order). Otherwise POT's network simplex (``ot.emd``) runs on the dense
    ``(n, m)`` cost matrix: memory ``16 n m`` bytes with the plan (400 MB for 5,000 points per
    side), time roughly cubic in the number of points (about 2 s at 2,000 per side here). Its
    flows are then recomputed exactly on the plan's support (the basis it found is optimal
    whatever the masses), so measures that nearly agree keep their small ``W_p`` to a few ulps;
    with ``order=1`` on one support (``y=None``) only ``q - p`` is moved, as in
    :func:`wasserstein1_lp`. When the costs the optimal plan uses have underflowed, the
    distances are measured again in units of the largest one (its cost exactly 1) and the
    problem solved again; if that is not enough, ``ValueError``.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> x = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> fdiv.wasserstein([0.5, 0.5], [0.5, 0.5], x, x + [0.0, 2.0]).value   # shift by 2
    2.0
    >>> fdiv.wasserstein([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 1.0, 3.0]).value
    1.5
    """
    x, y = points_of("x", x, q, "q"), points_of("y", y, p, "p")
    if x is None:
        raise ValueError("`x` (the points of q) is required unless `q` is a Discrete with a support or grid")
    q, p = as_mass("q", q), as_mass("p", p)
    for name, arr in (("q", q), ("p", p)):
        if arr.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D, one mass per point (the masses of a 2-D grid: "
                             f".ravel(), in the order of Grid.points); got shape {arr.shape}")
    order = _order(order)
    xs = _points("x", x, q.size)
    ys = xs if y is None else _points("y", y, p.size)
    if ys.shape[0] != p.size:
        raise ValueError(f"`p` must have one mass per point of y (y=None: of x); got shapes {p.shape} and "
                         f"{ys.shape}")
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"`x` and `y` must have the same dimension; got shapes {xs.shape} and {ys.shape}")
    big = max(float(q.max()), float(p.max()))
    mk = 0 if big == 0.0 or _PLAIN_COST[0] <= big <= _PLAIN_COST[1] else _unit_exponent(big)
    q, p = _scaled(q, mk), _scaled(p, mk)  # POT's simplex fails on huge and crashes on subnormal masses
    tq, tp = _neumaier_sum(q), _neumaier_sum(p)
    if abs(tq - tp) > TOTAL_RTOL * max(tq, tp):
        raise ValueError(f"`q` and `p` must have equal total mass (relative tolerance {TOTAL_RTOL:g}); got "
                         f"sum(q)={_times(tq, mk)!r}, sum(p)={_times(tp, mk)!r}")
    if tq == 0.0:
        return WassersteinResult(0.0, 0.0, order, None)
    e = _point_exponent(xs, ys, order)
    xs, ys = _scaled(xs, e), _scaled(ys, e)
    if xs.shape[1] == 1:
        return _quantile_result(*_quantile_terms(q, p, xs[:, 0], ys[:, 0]), e, mk, order)
    if order == 1.0 and (y is None or (ys.shape == xs.shape and np.array_equal(xs, ys))):
        plan, cost = _emd_w1_on_difference(q, p, xs, "euclidean")  # one support: move q - p alone
        return _wp(cost, e, mk, order, plan)
    if order == 2.0:
        m = cdist(xs, ys, metric="sqeuclidean")
    else:
        m = cdist(xs, ys, metric="euclidean")
        if order != 1.0:
            np.power(m, order, out=m)
    plan, cost = _emd_exact_flows(q, p, m)
    if not _lost_costs(plan, m, xs, ys, cost):
        return _wp(cost, e, mk, order, plan)
    # Costs the plan uses underflowed: measure distances in units of the largest one, so that
    # the largest cost is exactly 1 and the exponent range below it is all used (the plan
    # may then avoid the pairs that underflowed; W_p = dmax * cost**(1/p) from these costs).
    m = cdist(xs, ys, metric="euclidean")
    dmax = float(m.max())
    m /= dmax
    np.power(m, order, out=m)
    plan, cost = _emd_exact_flows(q, p, m)
    if _lost_costs(plan, m, xs, ys, cost):
        raise ValueError(f"`order`={order:g} is too large for these points: the optimal plan moves mass over "
                         f"distances whose cost |x - y|**order underflows float64 beside the largest "
                         f"distances, so W_p cannot be computed here; use a smaller order (or 1-D points, "
                         f"where W_p is exact for any order)")
    value = _times_pow2(dmax * cost ** (1.0 / order), e + mk / order)
    with np.errstate(over="ignore", under="ignore"):
        full = float(np.exp2(order * (math.log2(dmax) + e) + mk + math.log2(cost))) if cost > 0 else 0.0
    return WassersteinResult(value, full, order, _times(plan, mk))


def _emd_exact_flows(q: np.ndarray, p: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, float]:
    """POT's optimal plan with its flows recomputed exactly on the same support, and the cost
    they give (:func:`_exact_flows`); POT's own plan and cost where that is not possible.

    Raises ``RuntimeError`` when the plan leaves out points with positive mass altogether and
    their mass, moved at the largest cost of its row (column), could change the total by more
    than an ulp: the simplex's flows are floats, and a mass below an ulp of the largest ones
    vanishes in them (``q = [1e-17, 1, 0]``, ``p = [0, 1, 1e-17]`` came back with the first row
    empty and the cost of the second move alone). Below that bound the points are left out."""
    plan, value = _emd(q, p, cost)
    for name, mass, used, axis in (("q", q, plan.any(axis=1), 1), ("p", p, plan.any(axis=0), 0)):
        lost = (mass > 0) & ~used
        if not lost.any():
            continue
        worst = (cost[lost] if axis == 1 else cost[:, lost].T).max(axis=1)  # the lost points' largest costs
        if math.fsum(mass[lost] * worst) > 2.0 ** -52 * value:
            i = int(np.argmax(np.where(lost, mass, -1.0)))
            raise RuntimeError(f"POT's network simplex left out {int(lost.sum())} point(s) of `{name}` with positive "
                               f"mass (the largest: {name}[{i}] = {float(mass[i])!r}, against {float(mass.max())!r} at "
                               f"most) that could change the cost: its flows are floats, in which masses below an "
                               f"ulp of the largest vanish; W_p is not computed")
    exact = _exact_flows(plan, q, p)
    if exact is None:
        return plan, value
    ii, jj, flows = exact
    plan = np.zeros_like(plan)
    plan[ii, jj] = flows
    return plan, math.fsum(flows * cost[ii, jj])


def _exact_flows(plan: np.ndarray, q: np.ndarray, p: np.ndarray):
    """The flows on the support of a vertex ``plan`` that meet the marginals ``q`` and ``p``
    exactly, by peeling the leaves of the support (a forest) in exact integer arithmetic (every
    mass an integer multiple of the smallest ulp among them); rounded once each, as ``(rows,
    cols, flows)``. None where the support has a cycle, a flow comes out negative, or a
    component's supply and demand differ by more than the totals do; the caller then keeps the
    solver's flows.

    The network simplex's own flows are sums and differences of the masses in floats, so those
    of measures that nearly agree carried absolute errors of an ulp of the masses: W_2 in the
    plane of measures differing by 1e-11 relatively came out 0.2 % off. The support's basis is
    optimal whatever the marginals (optimality is a condition on the costs alone), so exact
    flows on it that are nonnegative are an optimal plan for the exact masses."""
    ii, jj = np.nonzero(plan)
    n = plan.shape[0]
    masses = np.concatenate([q, p])
    mant, expo = np.frexp(masses)
    mant = np.ldexp(mant, 53).astype(np.int64)  # exact: masses = mant * 2**(expo - 53)
    expo = expo.astype(np.int64) - 53
    low = int(expo[masses > 0].min()) if (masses > 0).any() else 0
    rem = [int(mv) << int(ev - low) if mv else 0 for mv, ev in zip(mant.tolist(), expo.tolist())]
    imbalance = abs(sum(rem[:n]) - sum(rem[n:]))
    ends = [(int(i), n + int(j)) for i, j in zip(ii, jj)]
    edges_at: list[list[int]] = [[] for _ in rem]
    for k, (a, b) in enumerate(ends):
        edges_at[a].append(k)
        edges_at[b].append(k)
    degree = [len(e) for e in edges_at]
    flow: list = [None] * len(ends)
    leaves = [v for v, d in enumerate(degree) if d == 1]
    while leaves:
        v = leaves.pop()
        if degree[v] != 1:
            continue
        k = next(k for k in edges_at[v] if flow[k] is None)
        u = ends[k][1] if ends[k][0] == v else ends[k][0]
        flow[k], rem[u], rem[v] = rem[v], rem[u] - rem[v], 0
        degree[v] -= 1
        degree[u] -= 1
        if degree[u] == 1:
            leaves.append(u)
    if any(f is None or f < 0 for f in flow) or sum(abs(r) for r in rem) > imbalance:
        return None
    # int / int is correctly rounded in Python, for integers beyond the float range too
    scale = 1 << -low if low < 0 else None
    return ii, jj, np.array([f / scale if scale else float(f << low) for f in flow], dtype=float)


def _lost_costs(plan: np.ndarray, m: np.ndarray, xs: np.ndarray, ys: np.ndarray, cost: float) -> bool:
    """Whether the optimal ``plan`` carries mass between distinct points whose cost ``m`` fell
    below the normal range (zero or subnormal) by enough to move the total ``cost`` by more than
    half an ulp: the transport cost, and the plan itself, are then not determined by the rounded
    costs. (Where the plan uses no such pair it is optimal for the true costs as well: these
    are larger than the rounded ones only on pairs it does not use.)"""
    ii, jj = np.nonzero(plan)
    lost = (m[ii, jj] < _TINY) & np.any(xs[ii] != ys[jj], axis=1)
    return bool(lost.any()) and float(plan[ii[lost], jj[lost]].sum()) * _TINY > 2.0 ** -53 * cost


#: Points whose largest coordinate ``M`` has ``M**order`` outside this range are rescaled by a
#: power of two before the costs ``|x - y|**order`` are formed: those would overflow to inf
#: or underflow to 0 (``W_p`` of points 1e-200 apart came out 0.0). Masses outside it are
#: rescaled too.
_PLAIN_COST = (1e-100, 1e100)


def _point_exponent(xs: np.ndarray, ys: np.ndarray, order: float) -> int:
    """0 when the costs of ``xs`` and ``ys`` are safe as they are, else the ``e`` that maps
    their largest coordinate into [0.5, 1) (``2**-e``)."""
    big = max(float(np.abs(xs).max()), float(np.abs(ys).max()))
    if big == 0.0:
        return 0
    log10 = order * math.log10(big)
    return 0 if math.log10(_PLAIN_COST[0]) <= log10 <= math.log10(_PLAIN_COST[1]) else _unit_exponent(big)


def _wp(cost: float, e: int, mk: int, order: float, plan) -> WassersteinResult:
    """The result of a transport cost computed on points scaled by ``2**-e`` and masses by
    ``2**-mk``: ``W_p^p`` times ``2**(e p + mk)``, ``W_p`` times ``2**(e + mk / p)`` and the
    plan times ``2**mk`` (each +inf beyond the float range, never an exception)."""
    value = cost ** (1.0 / order)
    if e == 0 and mk == 0:
        return WassersteinResult(value, cost, order, plan)
    return WassersteinResult(_times_pow2(value, e + mk / order), _times_pow2(cost, e * order + mk), order,
                             None if plan is None else _times(plan, mk))


def _times_pow2(value: float, t: float) -> float:
    """``value * 2**t`` for a real ``t``: the fraction of ``t`` as a factor in [1, 2), the
    integer part exactly (:func:`_times`)."""
    whole = math.floor(t)
    return _times(value * 2.0 ** (t - whole), whole)


def wasserstein_samples(xs, ys, *, order=1) -> WassersteinResult:
    """``W_p`` between the empirical measures of two samples (each point weighted ``1/n``).

    ``xs`` and ``ys`` have shapes ``(n, d)`` and ``(m, d)`` (or ``(n,)``, ``(m,)``); see
    :func:`fdiv.wasserstein` for the method, the memory cost and the errors.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> fdiv.wasserstein_samples(np.array([0.0, 1.0]), np.array([3.0, 2.0]), order=2).value
    2.0
    """
    n = np.shape(xs)[0] if np.ndim(xs) >= 1 else 0
    m = np.shape(ys)[0] if np.ndim(ys) >= 1 else 0
    if n == 0 or m == 0:
        raise ValueError(f"`xs` and `ys` must hold at least one point each; got shapes {np.shape(xs)} and "
                         f"{np.shape(ys)}")
    return wasserstein(np.full(n, 1.0 / n), np.full(m, 1.0 / m), xs, ys, order=order)
