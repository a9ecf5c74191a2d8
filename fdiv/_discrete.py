"""Finite-support nonnegative measures: gridded densities, histograms, mixtures (docs/theory.md §0).

Nothing here renormalises: a measure keeps the mass it was built with, and mass that fell outside a
grid is recorded in :attr:`Discrete.outside` instead of being dropped or folded back. Call
:meth:`Discrete.normalized` explicitly to condition on the support.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from fdiv._grid import Grid
from fdiv._validate import as_mass, as_real, check_beta, describe

__all__ = ["Discrete", "gaussian_mixture"]


def _check_grid(grid) -> Grid:
    if not isinstance(grid, Grid):
        raise ValueError(f"`grid` must be a fdiv.Grid; got {grid!r:.80}")
    return grid


def _floats(name: str, v) -> np.ndarray:
    return as_real(name, v)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Discrete:
    """Nonnegative finite measure ``sum_i mass[i] * delta_{support[i]}``.

    Parameters
    ----------
    mass : array_like, shape (n,)
        Finite nonnegative masses; stored as a read-only float64 copy; not renormalised.
    support : array_like, shape (n,) or (n, d), optional
        The support points. Omit when a ``grid`` is given (its cell centres are the support).
    grid : Grid, optional
        Grid whose cells carry ``mass`` (C order, ``mass.size == grid.size``).
    outside : float
        Mass of the underlying measure that lies outside ``grid`` and is *not* in ``mass``
        (recorded by :func:`gaussian_mixture` and :meth:`from_samples`); 0 by default.

    Examples
    --------
    >>> P = Discrete([0.5, 0.5, 0.0]); Q = Discrete([0.0, 0.5, 0.5])
    >>> P.mix(Q, 0.5).mass.tolist(), P.total
    ([0.25, 0.5, 0.25], 1.0)
    """

    mass: np.ndarray
    support: np.ndarray | None = None
    grid: Grid | None = None
    outside: float = 0.0

    def __post_init__(self):
        mass = as_mass("mass", self.mass)
        if mass.ndim != 1:
            raise ValueError(f"`mass` must be 1-D; got shape {mass.shape}")
        support = self.support
        if self.grid is not None:
            _check_grid(self.grid)
            if support is not None:
                raise ValueError("give `support` or `grid`, not both (a grid's support is its cell centres)")
            if mass.size != self.grid.size:
                raise ValueError(f"`mass` has {mass.size} entries but `grid` has {self.grid.size} cells")
            support = self.grid.points
        elif support is not None:
            support = _floats("support", support)
            support = support[:, None] if support.ndim == 1 else support
            if support.ndim != 2 or support.shape[0] != mass.size:
                raise ValueError(f"`support` must have shape ({mass.size},) or ({mass.size}, d); "
                                 f"got {np.shape(self.support)}")
            if not np.isfinite(support).all():
                raise ValueError("`support` must contain finite points")
            support = _readonly(support)
        if isinstance(self.outside, (bool, np.bool_)) or not isinstance(self.outside, numbers.Real):
            raise ValueError(f"`outside` must be a finite nonnegative mass; got {self.outside!r}")
        try:
            out = float(self.outside)
        except OverflowError:  # a huge int or Fraction
            out = math.inf
        if not (math.isfinite(out) and out >= 0):
            raise ValueError(f"`outside` must be a finite nonnegative mass; got {describe(self.outside)}")
        object.__setattr__(self, "mass", _readonly(mass))
        object.__setattr__(self, "support", support)
        object.__setattr__(self, "outside", out)

    def __repr__(self) -> str:
        where = self.grid if self.grid is not None else f"support of {self.mass.size} points"
        return f"Discrete(total={self.total!r}, outside={self.outside!r}, on {where})"

    @property
    def total(self) -> float:
        """Total mass ``sum(mass)`` (exactly rounded, :func:`math.fsum`; +inf beyond the
        floats); excludes ``outside``."""
        k = _total_exponent(self.mass)
        if k == 0:
            return math.fsum(self.mass)
        with np.errstate(over="ignore"):
            return float(np.ldexp(math.fsum(np.ldexp(self.mass, -k)), k))

    def _like(self, mass, outside: float) -> "Discrete":
        support = None if self.grid is not None else self.support
        return Discrete(mass, support=support, grid=self.grid, outside=outside)

    def normalized(self) -> "Discrete":
        """``mass / total``: the probability measure conditioned on the support (``outside`` -> 0).

        Raises ``ValueError`` when the total mass is 0.
        """
        k = _total_exponent(self.mass)  # masses whose total overflows: normalised on a scaled copy
        mass = np.ldexp(self.mass, -k) if k else self.mass
        t = math.fsum(mass)
        if t == 0.0:
            raise ValueError("cannot normalise a measure whose total mass is 0.0")
        return self._like(mass / t, 0.0)

    def _check_same_support(self, other: "Discrete") -> None:
        if not isinstance(other, Discrete):
            raise ValueError(f"`other` must be a Discrete; got {type(other).__name__}")
        same = self.mass.size == other.mass.size and self.grid == other.grid and (
            (self.support is None and other.support is None)
            or (self.support is not None and other.support is not None
                and np.array_equal(self.support, other.support)))
        if not same:
            raise ValueError(f"`other` must live on the same support/grid as self; got {other!r} and {self!r}")

    def mix(self, other: "Discrete", beta: float) -> "Discrete":
        """The mixture ``(1 - beta) * self + beta * other``, ``beta`` in (0, 1] (no renormalisation)."""
        b = check_beta(beta)
        self._check_same_support(other)
        return self._like((1.0 - b) * self.mass + b * other.mass, (1.0 - b) * self.outside + b * other.outside)

    def divergence(self, other: "Discrete", f) -> float:
        """``D_f(self || other) = fdiv.divergence(f, self.mass, other.mass)`` (docs/theory.md §0 order).

        Only the masses on the common support enter; ``outside`` is ignored.
        """
        from fdiv._divergence import divergence  # late: keeps this module importable on its own

        self._check_same_support(other)
        return divergence(f, self.mass, other.mass)

    @classmethod
    def from_density(cls, fn, grid: Grid) -> "Discrete":
        """Midpoint rule: ``mass[i] = fn(centre_i) * grid.cell_volume``.

        ``fn`` receives the 1-D array of centres for a 1-D grid and the ``(size, d)`` array
        :attr:`Grid.points` otherwise, and returns ``size`` finite nonnegative density values.
        The error is O(h^2) per unit mass, and so is the error of f-divergences computed from
        these masses against those of the densities (cell integrals, as :func:`gaussian_mixture`
        gives, smooth the densities and bias the divergence by O(h^2) with a larger constant).
        For the divergence of the densities themselves, with an error bound, use
        :func:`fdiv.density_divergence`.
        """
        pts = _check_grid(grid).points[:, 0] if grid.ndim == 1 else grid.points
        vals = as_mass("fn(points)", fn(pts))
        if vals.shape != (grid.size,):
            raise ValueError(f"`fn(points)` must have shape ({grid.size},); got {vals.shape}")
        return cls(vals * grid.cell_volume, grid=grid)

    @classmethod
    def from_samples(cls, x, grid: Grid, *, weights=None, allow_outside: bool = False) -> "Discrete":
        """Histogram: ``mass[i]`` = total weight of the samples in cell ``i``.

        Sample ``j`` carries ``weights[j]`` (default ``1/n``: the empirical measure); nothing is
        renormalised. Cells are half-open ``[e_k, e_{k+1})`` except the last one of each axis,
        which is closed. Samples outside the grid raise ``ValueError`` unless
        ``allow_outside=True``, in which case their weight is recorded in :attr:`outside`.
        """
        pts = _floats("x", x)
        pts = pts[:, None] if pts.ndim == 1 else pts
        if pts.ndim != 2 or pts.shape[1] != _check_grid(grid).ndim or pts.shape[0] == 0:
            raise ValueError(f"`x` must have shape (n,{grid.ndim}) with n >= 1; got {np.shape(x)}")
        if not np.isfinite(pts).all():
            raise ValueError(f"`x` must be finite; got {pts[~np.isfinite(pts).all(1)][0]!r}")
        w = np.full(pts.shape[0], 1.0 / pts.shape[0]) if weights is None else as_mass("weights", weights)
        if w.shape != (pts.shape[0],):
            raise ValueError(f"`weights` must have shape ({pts.shape[0]},); got {w.shape}")
        idx, inside = [], np.ones(pts.shape[0], dtype=bool)
        for k, e in enumerate(grid.edges):
            i = np.searchsorted(e, pts[:, k], side="right") - 1
            i[pts[:, k] == e[-1]] = e.size - 2  # the last cell is closed
            inside &= (i >= 0) & (i < e.size - 1)
            idx.append(i)
        if not inside.all() and not allow_outside:
            raise ValueError(f"{int((~inside).sum())} sample(s) of `x` lie outside the grid, e.g. "
                             f"{pts[~inside][0]!r}; pass allow_outside=True to record their mass")
        flat = np.ravel_multi_index(tuple(i[inside] for i in idx), grid.shape)
        mass = np.bincount(flat, weights=w[inside], minlength=grid.size)
        return cls(mass, grid=grid, outside=math.fsum(w[~inside]))


# Gauss-Legendre rule for narrow cells, where a difference of normal CDFs would cancel.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)
_INV_SQRT_2PI = 0.3989422804014327


def _total_exponent(mass: np.ndarray) -> int:
    """0, or the ``k`` for which the masses times ``2**-k`` sum without overflow (their largest
    times their count below 2**1000); the scaling is exact at those magnitudes."""
    big = float(mass.max()) if mass.size else 0.0
    if big < 2.0 ** 960:
        return 0
    return max(0, math.frexp(big)[1] + mass.size.bit_length() - 1000)


def _normal_interval(za: np.ndarray, zb: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """``P(za < Z < zb)`` for ``Z ~ N(0, 1)``, ``za < zb``, to a few ulps everywhere.

    ``dz`` is the width ``zb - za`` computed from the cell's edges (``(b - a) / s``), not by
    subtracting the rounded ``za`` and ``zb``, which would lose relative accuracy on narrow cells.

    The difference is taken between the *smaller* tail probabilities (upper tails when the cell's
    centre is right of 0, lower tails otherwise), so far-tail cells keep full relative accuracy.
    When that difference would still lose more than one bit (``B > A / 2``, only for cells of
    z-width below about 1.35), the density is integrated by a 12-point Gauss-Legendre rule instead
    (the log-density varies by less than ~1 over such a cell; the rule's error is < 1e-20).
    """
    right = za + zb > 0
    a = np.where(right, ndtr(-za), ndtr(zb))
    b = np.where(right, ndtr(-zb), ndtr(za))
    out = a - b
    narrow = b > 0.5 * a
    if narrow.any():
        half = 0.5 * dz[narrow]
        mid = za[narrow] + half
        z = mid[:, None] + half[:, None] * _GL_X
        out[narrow] = half * (np.exp(-0.5 * z * z) @ _GL_W) * _INV_SQRT_2PI
    return out


def gaussian_mixture(grid: Grid, means, covs_or_stds, weights) -> Discrete:
    """Exact cell masses of ``sum_k weights[k] * N(means[k], diag(stds[k]**2))`` on ``grid``.

    ``mass[i] = sum_k weights[k] * prod_axis P(cell_i's interval along the axis)`` with the interval
    probabilities from differences of normal tail probabilities (see :func:`_normal_interval`).
    The mixture's mass beyond the grid, ``sum_k weights[k] * (1 - prod_axis P(axis range))``, is
    computed directly (not by subtraction) and stored in ``.outside``; nothing is renormalised
    (``.total + .outside == sum(weights)`` up to round-off; call ``.normalized()`` to condition).

    Accuracy: each cell and ``.outside`` to relative ``~(4 + z**2) * eps`` where ``z`` is the cell's
    standardised distance from the component mean (the conditioning of the normal tail in its
    argument; 1e-13 up to ``|z| = 20``), until masses reach the subnormal range (< 2.2e-308).

    Parameters
    ----------
    grid : Grid
        1-D or 2-D (any ``d``) grid.
    means : array_like, shape (K, d) (or (K,) when d == 1)
    covs_or_stds : array_like
        Standard deviations: a scalar, shape (K,) (isotropic), or (K, d) (per axis); or diagonal
        covariance matrices of shape (K, d, d). Must be positive.
    weights : array_like, shape (K,)
        Nonnegative finite component weights (used as given).

    Examples
    --------
    >>> P = gaussian_mixture(Grid.regular(-40, 40, 8), [0.0], [1.0], [1.0])
    >>> P.total == 1.0 and P.outside == 0.0
    True
    """
    d = _check_grid(grid).ndim
    w = as_mass("weights", weights)
    K = w.size
    mu = _floats("means", means)
    mu = mu[:, None] if (mu.ndim == 1 and d == 1) else mu
    if w.ndim != 1 or mu.shape != (K, d) or not np.isfinite(mu).all():
        raise ValueError(f"`means` must be finite with shape ({K}, {d}) to match `weights` "
                         f"{w.shape} and the {d}-D grid; got {np.shape(means)}")
    s = _floats("covs_or_stds", covs_or_stds)
    if s.ndim == 3:
        if s.shape != (K, d, d):
            raise ValueError(f"`covs_or_stds` as covariances must have shape ({K}, {d}, {d}); got {s.shape}")
        off = s * (1 - np.eye(d))
        if np.any(off != 0):
            raise ValueError(f"`covs_or_stds` covariances must be diagonal; got off-diagonal {float(off[off != 0][0])!r}")
        var = np.diagonal(s, axis1=1, axis2=2)
        if not (np.isfinite(var) & (var > 0)).all():
            raise ValueError(f"`covs_or_stds` variances must be positive and finite; got {var.ravel()!r}")
        s = np.sqrt(var)
    try:
        s = np.broadcast_to(s[..., None] if s.ndim == 1 else s, (K, d))
    except ValueError:
        raise ValueError(f"`covs_or_stds` must be a scalar, ({K},), ({K}, {d}) or ({K}, {d}, {d}); "
                         f"got shape {np.shape(covs_or_stds)}") from None
    bad = ~(np.isfinite(s) & (s > 0))
    if bad.any():
        raise ValueError(f"`covs_or_stds` must be positive and finite; got {float(s[bad][0])!r}")
    per_axis, log_inside = [], np.zeros(K)
    for k, e in enumerate(grid.edges):
        sk = s[:, k:k + 1]
        # (K, n_k + 1); from halves (exact), as an edge minus a mean may exceed the floats
        z = (0.5 * e[None, :] - 0.5 * mu[:, k:k + 1]) / sk * 2.0
        per_axis.append(_normal_interval(z[:, :-1], z[:, 1:], np.diff(e)[None, :] / sk))
        # log P(axis range), from whichever of inside / both tails is small (no cancellation)
        # the axis's z-width from its halves (exact), as e[-1] - e[0] may exceed the floats
        inside = _normal_interval(z[:, 0], z[:, -1], (0.5 * e[-1] - 0.5 * e[0]) / sk[:, 0] * 2.0)
        tails = ndtr(z[:, 0]) + ndtr(-z[:, -1])
        with np.errstate(divide="ignore"):  # log(0) = -inf: component entirely off the grid
            log_inside += np.where(tails < 0.5, np.log1p(-np.minimum(tails, 0.5)), np.log(inside))
    mass = np.zeros(grid.size)
    for j in range(K):  # outer product over the axes (C order), one component at a time
        cell = per_axis[0][j]
        for p in per_axis[1:]:
            cell = np.multiply.outer(cell, p[j]).ravel()
        mass += w[j] * cell
    return Discrete(mass, grid=grid, outside=math.fsum(w * -np.expm1(log_inside)))
