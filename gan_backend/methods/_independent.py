"""Independently trained GANs, trained on first use and cached, so that several methods
(Vanilla, Best of T, Ensemble) combine one shared set instead of training their own."""
from __future__ import annotations

import numpy as np

from gan_backend._validate import as_rng, positive_int
from gan_backend.adagan import AdaGanError

__all__ = ["IndependentGans"]


class IndependentGans:
    """``T`` GANs trained independently on ``x`` with ``config``.

    GAN ``i`` (1-based) is trained with ``numpy.random.default_rng([seed, i])``, so each
    one depends only on ``(seed, i)``: training GAN 5 does not require GANs 1-4, and a GAN
    trained elsewhere with the same stream can be passed in as ``first`` (GAN 1).

    Parameters
    ----------
    x : array_like, shape (N, d)
    T : int
    config : GanConfig
    seed : int, optional
        Base seed of the GAN streams (default: drawn from ``rng``).
    rng : Generator | int | None
        Used only to draw ``seed`` when it is not given.
    first : Sampler, optional
        GAN 1, already trained.
    """

    def __init__(self, x, T, config, *, seed: int | None = None, rng=None, first=None, progress: bool = False):
        self.x = x
        self.T = positive_int("T", T)
        self.config = config
        self.seed = int(as_rng(rng).integers(2**63)) if seed is None else int(seed)
        self.progress = progress
        self._gans: list = [] if first is None else [first]

    def rng_of(self, i: int) -> np.random.Generator:
        """The training stream of GAN ``i`` (1-based)."""
        return np.random.default_rng([self.seed, int(i)])

    def __len__(self) -> int:
        return self.T

    def __getitem__(self, i: int):
        """GAN ``i + 1`` (0-based index), training it and the ones before it if needed."""
        if not 0 <= i < self.T:
            raise IndexError(f"GAN index {i} outside 0..{self.T - 1}")
        from gan_backend.train import train_gan

        while len(self._gans) <= i:
            k = len(self._gans) + 1
            try:
                g = train_gan(self.x, self.config, rng=self.rng_of(k), progress=self.progress)
            except Exception as exc:
                raise AdaGanError(f"independent GAN {k}: training failed: {type(exc).__name__}: {exc}") from exc
            self._gans.append(g)
        return self._gans[i]

    def __iter__(self):
        for i in range(self.T):
            yield self[i]


def independent(x, T, config, rng, components, progress=False):
    """``components`` when given (checked to hold at least ``T`` GANs), else a fresh
    :class:`IndependentGans` seeded from ``rng``."""
    if components is None:
        return IndependentGans(x, T, config, rng=rng, progress=progress)
    if len(components) < T:
        raise ValueError(f"`components` must hold at least T = {T} GANs; got {len(components)}")
    return components
