r"""The known 2-D pairs (Q, P) of the ``bound`` command and their exact ``D_f(Q‖P)``.

==========  ==============================================  ==========================
pair        Q (numerator)              P                    KL(Q‖P)
==========  ==============================================  ==========================
gauss       N((0.8, 0.4), I)           N(0, I)              |μ|²/2 = 0.4
mixture     N(0, I)                    ½N((±1.5, 0), I)     0.587 (grid)
disjoint    U([0, 1]²)                 U([0.75, 1.75]×[0, 1])  +inf (Q has mass where p = 0)
==========  ==============================================  ==========================

Equal covariances keep both density ratios ``dQ/dP`` and ``dP/dQ`` square-integrable
(every registry f is finite on gauss and mixture, the χ² pair included) with moderate
sampling variance of the variational terms.

**Exact values on a grid.** The Gaussian pairs are discretised by the *exact* cell
masses of :func:`fdiv.gaussian_mixture` on a square grid, plus one cell for the mass
outside it; :func:`fdiv.divergence` of these masses is a coarsening of the pair, so by
the data-processing inequality it is ≤ the true ``D_f`` and increases under refinement
(for finite ``D_f``). The reported ``grid_error`` is the change from the grid with half
as many cells per axis to the fine one; for a midpoint-type O(h²) convergence that
exceeds the fine grid's own error by about a factor 3, so it is a conservative bound.
The uniform pair's grid is aligned with the box edges (densities constant on every
cell), so its grid value is exact (``grid_error = 0``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import fdiv

__all__ = ["Pair", "PAIRS", "get_pair", "exact_divergence"]


@dataclass(frozen=True)
class Pair:
    """One pair: isotropic Gaussian mixtures (``kind="gauss"``) or uniform boxes."""

    name: str
    kind: str
    q: tuple   # gauss: (weights, means, std); box: (lo, hi)
    p: tuple

    def sample(self, n: int, rng: np.random.Generator):
        """``(x_q, x_p)``, ``n`` points of each, shape (n, 2)."""
        return _sample(self.kind, self.q, n, rng), _sample(self.kind, self.p, n, rng)


def _sample(kind, spec, n, rng):
    if kind == "box":
        lo, hi = (np.asarray(a, dtype=np.float64) for a in spec)
        return lo + (hi - lo) * rng.random((n, 2))
    w, means, std = spec
    k = rng.choice(len(w), size=n, p=np.asarray(w))
    return np.asarray(means, dtype=np.float64)[k] + std * rng.standard_normal((n, 2))


PAIRS = {
    "gauss": Pair("gauss", "gauss", ((1.0,), ((0.8, 0.3),), 1.0), ((1.0,), ((0.0, 0.0),), 1.0)),
    "mixture": Pair("mixture", "gauss", ((1.0,), ((0.0, 0.0),), 1.0),
                    ((0.5, 0.5), ((-1.4, 0.0), (1.4, 0.0)), 0.9)),
    "disjoint": Pair("disjoint", "box", ((0.0, 0.0), (1.0, 1.0)), ((0.75, 0.0), (1.75, 1.0))),
}


def get_pair(name: str) -> Pair:
    try:
        return PAIRS[name]
    except (KeyError, TypeError):
        raise ValueError(f"`pair` must be one of {', '.join(PAIRS)}; got {name!r}") from None


def _masses(pair: Pair, cells: int):
    if pair.kind == "box":
        # cells of side 0.05 on [-0.25, 2] x [0, 1]: the box edges 0, 0.75, 1, 1.75 are cell edges
        h = 0.05
        xs = np.arange(-0.25, 2.0, h) + h / 2
        ys = np.arange(0.0, 1.0, h) + h / 2
        X, Y = np.meshgrid(xs, ys, indexing="ij")

        def box(spec):
            (x0, y0), (x1, y1) = spec
            inside = (X > x0) & (X < x1) & (Y > y0) & (Y < y1)
            return inside.ravel() / inside.sum()

        return box(pair.q), box(pair.p)
    grid = fdiv.Grid((-8.0, -8.0), (8.0, 8.0), (cells, cells))

    def mix(spec):
        w, means, std = spec
        d = fdiv.gaussian_mixture(grid, np.asarray(means), np.full(len(w), std), np.asarray(w))
        return np.append(d.mass, d.outside)

    return mix(pair.q), mix(pair.p)


def exact_divergence(f, pair: Pair, cells: int = 480) -> tuple[float, float]:
    """``(D_f(Q‖P) on the fine grid, grid_error)`` for a registry f or FDivergence."""
    fine = float(fdiv.divergence(f, *_masses(pair, cells)))
    if pair.kind == "box":
        return fine, 0.0
    coarse = float(fdiv.divergence(f, *_masses(pair, cells // 2)))
    err = abs(fine - coarse) if np.isfinite(fine) and np.isfinite(coarse) else 0.0
    return fine, err
