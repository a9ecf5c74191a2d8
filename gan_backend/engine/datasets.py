"""Toy data sets of docs/theory.md §3: Gaussian mixture, ring, 5×5 grid (all 2-D).

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

Geometry of the ring and the grid
---------------------------------
``ring`` and ``grid`` take their geometry as parameters (``radius`` / ``spacing``, ``std``,
``modes``), and ``geometry`` names a set of defaults (:data:`GEOMETRIES`):

===========  ==============================================  ===============================
geometry     ring                                            grid
===========  ==============================================  ===============================
default      radius 15, std ``sqrt(15 / v(K))``, K = 8       spacing 5 (means ±10), std
                                                             ``sqrt(15 / v(25))``, K = 25
``pacgan``   radius 1, std 0.01, K = 8                       spacing 2 (means {−4..4}²),
                                                             std 0.05, K = 25
===========  ==============================================  ===============================

The ``pacgan`` settings are the two benchmarks of the mode-collapse literature (unrolled
GAN, VEEGAN, PacGAN Table 1: Lin et al., "PacGAN: The power of two samples in generative
adversarial networks", NeurIPS 2018). A grid's K must be a square s², its means
``spacing · ({0..s−1} − (s−1)/2)²``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from gan_backend.engine._validate import as_rng, positive_int

__all__ = ["ToyData", "make_dataset", "mode_variance", "DATASETS", "GEOMETRIES", "RING_RADIUS", "GRID_MEANS",
           "GRID_SPACING"]

RING_RADIUS = 15.0
GRID_SPACING = 5.0
GRID_MEANS = np.array([(a, b) for a in (-10.0, -5.0, 0.0, 5.0, 10.0) for b in (-10.0, -5.0, 0.0, 5.0, 10.0)])
_V = {1: 3, 2: 3, 3: 8, 4: 20, 5: 10}

#: geometry name -> dataset name -> default parameters (None: the variance schedule's std)
GEOMETRIES = {
    "default": {"ring": {"radius": RING_RADIUS, "std": None, "modes": 8},
                "grid": {"spacing": GRID_SPACING, "std": None, "modes": 25}},
    "pacgan": {"ring": {"radius": 1.0, "std": 0.01, "modes": 8},
               "grid": {"spacing": 2.0, "std": 0.05, "modes": 25}},
}


def mode_variance(k: int) -> float:
    """Per-coordinate variance ``15 / v(K)`` of each mode (docs/theory.md §3).

    >>> mode_variance(1), mode_variance(3), mode_variance(10)
    (5.0, 1.875, 0.05)
    """
    positive_int("modes", k)
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


def _gmm_means(k, rng):
    return rng.uniform(-15.0, 15.0, size=(k, 2))


def _ring_means(k, rng, radius=RING_RADIUS):
    theta = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
    return radius * np.column_stack((np.cos(theta), np.sin(theta)))


def _grid_means(k, rng, spacing=GRID_SPACING):
    side = int(round(np.sqrt(k)))
    if side * side != k:
        raise ValueError(f"`modes` must be a square (25 for the 5x5 grid) for the grid; got {k!r}")
    axis = spacing * (np.arange(side) - (side - 1) / 2.0)
    return np.array([(a, b) for a in axis for b in axis])


#: name -> (default number of modes, means(K, rng))
DATASETS = {"gmm": (5, _gmm_means), "ring": (8, _ring_means), "grid": (25, _grid_means)}


def _pos_float(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (np.isfinite(v) and v > 0):
        raise ValueError(f"`{name}` must be a positive finite number; got {v!r}")
    return float(v)


def make_dataset(name: str, n: int, *, modes: int | None = None, rng=None, geometry: str = "default",
                 radius: float | None = None, spacing: float | None = None,
                 std: float | None = None) -> ToyData:
    """Draw ``n`` points of the toy set ``name`` with ``modes`` = K modes.

    Parameters
    ----------
    name : {"gmm", "ring", "grid"}
    n : int
        Number of points (≥ 1).
    modes : int, optional
        Number of modes K ≥ 1 (default 5 for gmm, 8 for ring; the grid has 25; a grid's K
        must be a square).
    rng : numpy.random.Generator, int or None
    geometry : {"default", "pacgan"}
        Defaults of ``radius``/``spacing``/``std``/``modes`` for ring and grid
        (:data:`GEOMETRIES`); only ``"default"`` for gmm.
    radius : float, optional
        Ring radius (ring only).
    spacing : float, optional
        Distance between neighbouring grid means (grid only).
    std : float, optional
        Per-coordinate standard deviation of every mode (ring and grid; default: the
        geometry's, or ``sqrt(15 / v(K))`` of :func:`mode_variance`).

    Examples
    --------
    >>> d = make_dataset("ring", 1000, modes=4, rng=0)
    >>> d.x.shape, d.means.shape, round(d.std ** 2, 6)
    ((1000, 2), (4, 2), 0.75)
    >>> g = make_dataset("grid", 10, geometry="pacgan", rng=0)
    >>> float(g.means.min()), float(g.means.max()), g.std
    (-4.0, 4.0, 0.05)
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be a dataset, one of {', '.join(DATASETS)}; got {name!r}")
    positive_int("n", n)
    if geometry not in GEOMETRIES:
        raise ValueError(f"`geometry` must be one of {', '.join(GEOMETRIES)}; got {geometry!r}")
    if name not in ("ring", "grid"):
        for pname, pv in (("radius", radius), ("spacing", spacing), ("std", std)):
            if pv is not None:
                raise ValueError(f"`{pname}` applies to ring and grid only; got {pname}={pv!r} for {name!r}")
        if geometry != "default":
            raise ValueError(f"`geometry` {geometry!r} applies to ring and grid only; got it for {name!r}")
    elif (name == "ring" and spacing is not None) or (name == "grid" and radius is not None):
        bad = "spacing" if name == "ring" else "radius"
        raise ValueError(f"`{bad}` does not apply to {name!r}; got {bad}={spacing if name == 'ring' else radius!r}")
    default, means_fn = DATASETS[name]
    geo = GEOMETRIES[geometry].get(name, {})
    k = geo.get("modes", default) if modes is None else modes
    positive_int("modes", k)
    rng = as_rng(rng)
    if name == "ring":
        means = means_fn(int(k), rng, geo["radius"] if radius is None else _pos_float("radius", radius))
    elif name == "grid":
        means = means_fn(int(k), rng, geo["spacing"] if spacing is None else _pos_float("spacing", spacing))
    else:
        means = means_fn(int(k), rng)
    if std is not None:
        std = _pos_float("std", std)
    elif geo.get("std") is not None:
        std = float(geo["std"])
    else:
        std = float(np.sqrt(mode_variance(int(k))))
    labels = rng.integers(0, means.shape[0], size=int(n))
    x = means[labels] + std * rng.standard_normal((int(n), 2))
    return ToyData(name=name, x=x, means=means, std=std, labels=labels)
