"""Regular grids of axis-aligned cells in 1-D and 2-D (any dimension works).

A :class:`Grid` is the product of regular partitions ``lo[k] = e_0 < e_1 < ... < e_n[k] = hi[k]``
of each axis. Cells are numbered in C order (the last axis varies fastest), which is the order of
:attr:`Grid.points` and of the ``mass`` of a :class:`fdiv.Discrete` built on the grid; reshape a
mass vector to :attr:`Grid.shape` to get the usual ``[i, j]`` layout (``i`` along axis 0 = x).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from fdiv._validate import describe

__all__ = ["Grid"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Grid:
    """Regular grid with ``n[k]`` equal cells on ``[lo[k], hi[k]]`` along axis ``k``.

    Parameters
    ----------
    lo, hi : tuple of float
        Per-axis bounds, finite, ``lo[k] < hi[k]``.
    n : tuple of int
        Per-axis number of cells, ``n[k] >= 1``.

    Examples
    --------
    >>> g = Grid.regular(0.0, 1.0, 4)
    >>> g.points[:, 0].tolist(), g.cell_volume
    ([0.125, 0.375, 0.625, 0.875], 0.25)
    >>> Grid.regular_2d((0, -1), (2, 1), (2, 4)).shape
    (2, 4)
    """

    lo: tuple[float, ...]
    hi: tuple[float, ...]
    n: tuple[int, ...]

    def __post_init__(self):
        lo, hi, n = (tuple(np.atleast_1d(v).tolist()) for v in (self.lo, self.hi, self.n))
        if not (len(lo) == len(hi) == len(n) >= 1):
            raise ValueError(f"`lo`, `hi` and `n` must have one entry per axis; got {lo}, {hi}, {n}")
        for k, (a, b, m) in enumerate(zip(lo, hi, n)):
            if not (_is_real(a) and _is_real(b) and a < b):
                raise ValueError(f"axis {k}: need finite `lo` < `hi`; got lo={describe(a)}, hi={describe(b)}")
            if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
                raise ValueError(f"axis {k}: `n` must be a positive integer; got {m!r}")
        object.__setattr__(self, "lo", tuple(float(a) for a in lo))
        object.__setattr__(self, "hi", tuple(float(b) for b in hi))
        object.__setattr__(self, "n", tuple(int(m) for m in n))

    @classmethod
    def regular(cls, lo: float, hi: float, n: int) -> "Grid":
        """1-D grid of ``n`` equal cells on ``[lo, hi]``."""
        return cls((lo,), (hi,), (n,))

    @classmethod
    def regular_2d(cls, lo, hi, n) -> "Grid":
        """2-D grid; each of ``lo``, ``hi``, ``n`` is a scalar (square grid) or a per-axis pair."""
        return cls(_pair("lo", lo), _pair("hi", hi), _pair("n", n))

    @property
    def ndim(self) -> int:
        return len(self.n)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n

    @property
    def size(self) -> int:
        return math.prod(self.n)

    @property
    def cell_volume(self) -> float:
        """Common volume (length in 1-D, area in 2-D) of every cell (+inf if beyond the floats)."""
        return math.prod(_width(a, b, m) for a, b, m in zip(self.lo, self.hi, self.n))

    @cached_property
    def edges(self) -> tuple[np.ndarray, ...]:
        """Per-axis cell edges, ``n[k] + 1`` values from ``lo[k]`` to ``hi[k]`` (exact ends)."""
        return tuple(_readonly(_edges(a, b, m)) for a, b, m in zip(self.lo, self.hi, self.n))

    @cached_property
    def centres(self) -> tuple[np.ndarray, ...]:
        """Per-axis cell centres (midpoints of consecutive edges)."""
        return tuple(_readonly(_midpoints(e)) for e in self.edges)

    @cached_property
    def points(self) -> np.ndarray:
        """Cell centres, shape ``(size, ndim)``, C order."""
        mesh = np.meshgrid(*self.centres, indexing="ij")
        return _readonly(np.stack([m.ravel() for m in mesh], axis=1))


# An axis from -1e308 to 1e308 has a length beyond the floats: its widths, edges and centres
# are computed on the halved axis (halving is exact there) and doubled back.
def _width(a: float, b: float, m: int) -> float:
    w = (b - a) / m
    return w if math.isfinite(w) else 2.0 * ((0.5 * b - 0.5 * a) / m)


def _edges(a: float, b: float, m: int) -> np.ndarray:
    if math.isfinite(b - a):
        return np.linspace(a, b, m + 1)
    return 2.0 * np.linspace(0.5 * a, 0.5 * b, m + 1)


def _midpoints(e: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        mid = 0.5 * (e[:-1] + e[1:])
    if np.isfinite(mid).all():
        return mid
    return 0.5 * e[:-1] + 0.5 * e[1:]  # each half exact at these magnitudes


def _is_real(v) -> bool:
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # a huge int or Fraction
        return False


def _pair(name: str, v) -> tuple:
    if np.ndim(v) > 1 or np.size(v) not in (1, 2):
        raise ValueError(f"`{name}` must be a scalar or a pair; got {v!r}")
    return tuple(np.broadcast_to(np.asarray(v), (2,)).tolist())
