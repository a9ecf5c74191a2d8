"""Finite mixtures of samplers: ``G = sum_j w_j G_j`` (docs/theory.md §3, Algorithm 1).

A :class:`Mixture` is immutable: :meth:`Mixture.add` returns a new mixture
``(1 - beta) G + beta Q`` and leaves ``G`` untouched, so the AdaGAN step records can
keep every intermediate model without copying. Sampling is exact: the number of
points drawn from each component is multinomial with the component weights (one
``rng.multinomial`` call), each component is sampled once for its count, and the
rows are shuffled so that the output is an i.i.d. sample of the mixture.

>>> import numpy as np
>>> class Point:
...     def __init__(self, c): self.c = np.asarray(c, float)
...     def sample(self, n, rng=None): return np.tile(self.c, (n, 1))
>>> g = Mixture.single(Point([0, 0])).add(Point([1, 1]), 0.25)
>>> g.weights.tolist()
[0.75, 0.25]
>>> x = g.sample(10_000, rng=0)
>>> bool(abs(x[:, 0].mean() - 0.25) < 0.02)
True
"""
from __future__ import annotations

import numbers
from typing import Protocol, Sequence

import numpy as np

from gan_backend.engine._validate import as_rng, positive_int

__all__ = ["Sampler", "Mixture"]

# |sum(weights) - 1| tolerated at construction; larger errors are a caller's bug and raise.
_WEIGHT_SUM_TOL = 1e-9


class Sampler(Protocol):
    """Anything with ``sample(n, rng) -> (n, d) ndarray`` (a Generator, a Mixture, ...)."""

    def sample(self, n: int, rng=None) -> np.ndarray:  # pragma: no cover - protocol
        ...


def _check_n(n) -> int:
    return positive_int("n", n)


class Mixture:
    """Mixture ``sum_j w_j G_j`` of samplers with nonnegative weights summing to one.

    Parameters
    ----------
    components : sequence of samplers
        Objects with ``sample(n, rng) -> (n, d)``.
    weights : array_like
        One nonnegative finite weight per component; ``|sum - 1| <= 1e-9`` (no silent
        renormalisation: a vector that is not a probability raises ``ValueError``).

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend import Mixture
    >>> class Point:
    ...     def __init__(self, c): self.c = np.asarray(c, float)
    ...     def sample(self, n, rng=None): return np.tile(self.c, (n, 1))
    >>> g = Mixture([Point([0, 0]), Point([1, 1])], [0.75, 0.25])
    >>> x = g.sample(10_000, rng=0)
    >>> bool(abs(x[:, 0].mean() - 0.25) < 0.02)      # component 2 drawn with weight 1/4
    True
    """

    __slots__ = ("_components", "_weights")

    def __init__(self, components: Sequence[Sampler], weights) -> None:
        comps = tuple(components)
        try:
            w = np.array(weights, dtype=np.float64, copy=True).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`weights` must be an array of real numbers; got {weights!r:.80}") from exc
        if not comps:
            raise ValueError("`components` must not be empty")
        if w.size != len(comps):
            raise ValueError(
                f"`weights` must have one entry per component; got {w.size} weights "
                f"for {len(comps)} components"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"`weights` must be finite and nonnegative; got {w.tolist()!r:.200}")
        if abs(w.sum() - 1.0) > _WEIGHT_SUM_TOL:
            raise ValueError(f"`weights` must sum to 1; got sum {w.sum()!r}")
        for j, c in enumerate(comps):
            if not callable(getattr(c, "sample", None)):
                raise ValueError(f"`components[{j}]` has no callable `sample(n, rng)`; got {type(c).__name__}")
        w.setflags(write=False)
        self._components = comps
        self._weights = w

    @classmethod
    def single(cls, component: Sampler) -> "Mixture":
        """The one-component mixture ``G = component`` (AdaGAN step t = 1, beta_1 = 1)."""
        return cls((component,), (1.0,))

    @property
    def components(self) -> tuple:
        return self._components

    @property
    def weights(self) -> np.ndarray:
        """Read-only float64 vector of component weights."""
        return self._weights

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        w = ", ".join(f"{v:.3g}" for v in self._weights)
        return f"Mixture({len(self)} components, weights=[{w}])"

    def add(self, component: Sampler, beta) -> "Mixture":
        """Return ``(1 - beta) * self + beta * component`` (docs/theory.md §3 mixture update).

        ``beta`` must lie in (0, 1]; with ``beta = 1`` the old components keep weight 0.
        """
        if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
            raise ValueError(f"`beta` must be a real number in (0, 1]; got {beta!r}")
        b = float(beta)
        if not (0.0 < b <= 1.0):
            raise ValueError(f"`beta` must lie in (0, 1]; got {beta!r}")
        w = np.append((1.0 - b) * self._weights, b)
        # (1-b)*sum(w) + b is 1 up to rounding; the constructor checks it.
        return Mixture(self._components + (component,), w)

    def counts(self, n: int, rng=None) -> np.ndarray:
        """Multinomial number of points per component for a sample of size ``n``."""
        n = _check_n(n)
        return as_rng(rng).multinomial(n, self._weights)

    def sample(self, n: int, rng=None) -> np.ndarray:
        """``n`` i.i.d. points of the mixture: multinomial counts, then each component.

        Returns an ``(n, d)`` float array; rows are shuffled so that consecutive rows are
        independent draws (not grouped by component).
        """
        n = _check_n(n)
        gen = as_rng(rng)
        counts = gen.multinomial(n, self._weights)
        parts = []
        for j, (comp, k) in enumerate(zip(self._components, counts)):
            if k == 0:
                continue
            xs = np.asarray(comp.sample(int(k), gen))
            if xs.ndim != 2 or xs.shape[0] != k:
                raise ValueError(
                    f"component {j} returned shape {xs.shape} for sample({int(k)}); expected ({int(k)}, d)"
                )
            parts.append(xs)
        dims = {p.shape[1] for p in parts}
        if len(dims) != 1:
            raise ValueError(f"components return points of different dimensions {sorted(dims)}")
        x = np.concatenate(parts, axis=0)
        return x[gen.permutation(n)]
