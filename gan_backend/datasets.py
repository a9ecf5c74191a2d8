"""Toy data sets of THEORY.md §3: Gaussian mixture, ring, 5×5 grid (all 2-D).

Every set is an equal-weight mixture of K isotropic Gaussians with a common standard
deviation; a point's mode is drawn uniformly, then its offset N(0, std² I).

=========  ===========================================  ===========================
name       means                                        per-coordinate variance
=========  ===========================================  ===========================
``gmm``    i.i.d. uniform in [−15, 15]² (the paper's)   ``15 / v(K)``
``ring``   ``15 (cos 2πk/K, sin 2πk/K)``, k = 0..K−1     ``15 / v(K)``
           (radius 15, ``endpoint=False``: K distinct
           modes; the reference code's ``linspace(0,
           2π, K)`` put two modes on one spot)
``grid``   ``{−10, −5, 0, 5, 10}²`` (K = 25 fixed)        ``15 / v(25) = 0.008``
=========  ===========================================  ===========================

with the paper's schedule ``v(K) = 3`` (K = 1, 2), 8 (K = 3), 20 (K = 4), 10 (K = 5),
``3K²`` (K ≥ 6) (:func:`mode_variance`).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from gan_backend.generator import as_rng

__all__ = ["ToyData", "make_dataset", "mode_variance", "DATASETS", "RING_RADIUS", "GRID_MEANS"]

RING_RADIUS = 15.0
GRID_MEANS = np.array([(a, b) for a in (-10.0, -5.0, 0.0, 5.0, 10.0) for b in (-10.0, -5.0, 0.0, 5.0, 10.0)])
_V = {1: 3, 2: 3, 3: 8, 4: 20, 5: 10}


def mode_variance(k: int) -> float:
    """Per-coordinate variance ``15 / v(K)`` of each mode (THEORY.md §3).

    >>> mode_variance(1), mode_variance(3), mode_variance(10)
    (5.0, 1.875, 0.05)
    """
    _check_pos("modes", k)
    return 15.0 / _V.get(int(k), 3 * int(k) ** 2)


@dataclass(frozen=True, eq=False)
class ToyData:
    """A toy data set: points ``x`` (n, 2), mode ``means`` (K, 2), the common per-mode
    isotropic ``std``, each point's mode index ``labels`` (n,), and the set's ``name``.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend import make_dataset
    >>> d = make_dataset("gmm", 300, modes=3, rng=0)
    >>> d.name, d.x.shape, d.means.shape, sorted(np.unique(d.labels).tolist())
    ('gmm', (300, 2), (3, 2), [0, 1, 2])
    """

    name: str
    x: np.ndarray
    means: np.ndarray
    std: float
    labels: np.ndarray

    @property
    def modes(self) -> int:
        return self.means.shape[0]


def _check_pos(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {v!r}")


def _gmm_means(k, rng):
    return rng.uniform(-15.0, 15.0, size=(k, 2))


def _ring_means(k, rng):
    theta = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
    return RING_RADIUS * np.column_stack((np.cos(theta), np.sin(theta)))


def _grid_means(k, rng):
    if k != GRID_MEANS.shape[0]:
        raise ValueError(f"`modes` must be {GRID_MEANS.shape[0]} (or None) for the 5x5 grid; got {k!r}")
    return GRID_MEANS.copy()


#: name -> (default number of modes, means(K, rng))
DATASETS = {"gmm": (5, _gmm_means), "ring": (8, _ring_means), "grid": (25, _grid_means)}


def make_dataset(name: str, n: int, *, modes: int | None = None, rng=None) -> ToyData:
    """Draw ``n`` points of the toy set ``name`` with ``modes`` = K modes.

    Parameters
    ----------
    name : {"gmm", "ring", "grid"}
    n : int
        Number of points (≥ 1).
    modes : int, optional
        Number of modes K ≥ 1 (default 5 for gmm, 8 for ring; the grid has 25).
    rng : numpy.random.Generator, int or None

    Examples
    --------
    >>> d = make_dataset("ring", 1000, modes=4, rng=0)
    >>> d.x.shape, d.means.shape, round(d.std ** 2, 6)
    ((1000, 2), (4, 2), 0.75)
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be a dataset, one of {', '.join(DATASETS)}; got {name!r}")
    _check_pos("n", n)
    default, means_fn = DATASETS[name]
    k = default if modes is None else modes
    _check_pos("modes", k)
    rng = as_rng(rng)
    means = means_fn(int(k), rng)
    std = float(np.sqrt(mode_variance(int(k))))
    labels = rng.integers(0, means.shape[0], size=int(n))
    x = means[labels] + std * rng.standard_normal((int(n), 2))
    return ToyData(name=name, x=x, means=means, std=std, labels=labels)
