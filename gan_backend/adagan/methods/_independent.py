"""Independently trained GANs, trained on first use and cached, so that several methods
(Vanilla, Best of T, Ensemble) combine one shared set instead of training their own.

With ``batch_runs=R`` the GANs are trained in lockstep blocks of up to R
(:func:`gan_backend.engine.batched.train_gans_batched`, one batched step advancing the block):
asking for GAN k trains GANs k..min(T, k + R - 1) together, each with its own stream,
so GAN i is the serial one to rounding whatever R is."""
from __future__ import annotations

import numpy as np

from gan_backend.engine._validate import as_rng, optional_positive_int, positive_int
from gan_backend.adagan import AdaGanError
from gan_backend.engine import batched, train

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
    batch_runs : int, optional
        Train the GANs in lockstep blocks of up to this many (None: one by one with
        :func:`gan_backend.train_gan`). A GAN of a block that diverges raises its
        :class:`~gan_backend.adagan.AdaGanError` when it or a later GAN is asked for, as
        in the serial case.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend.engine.config import GanConfig
    >>> x = np.random.default_rng(0).normal(size=(128, 2))
    >>> cfg = GanConfig(epochs=1, batch_size=64, dtype="float64")
    >>> one, two = IndependentGans(x, 3, cfg, seed=5), IndependentGans(x, 3, cfg, seed=5, batch_runs=2)
    >>> bool(np.allclose(one[2].net.params, two[2].net.params, rtol=0, atol=1e-12))
    True
    """

    def __init__(self, x, T, config, *, seed: int | None = None, rng=None, first=None, progress: bool = False,
                 batch_runs: int | None = None):
        self.x = x
        self.T = positive_int("T", T)
        self.batch_runs = optional_positive_int("batch_runs", batch_runs)
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
        while len(self._gans) <= i:
            if self.batch_runs is None:
                self._train_one()
            else:
                self._train_block()
        for k, g in enumerate(self._gans[:i + 1], start=1):  # as serially: GAN i needs GANs 1..i-1
            if isinstance(g, Exception):
                raise failed_gan(k, g) from g
        return self._gans[i]

    def _train_one(self) -> None:
        k = len(self._gans) + 1
        try:
            g = train.train_gan(self.x, self.config, rng=self.rng_of(k), progress=self.progress)
        except Exception as exc:
            raise failed_gan(k, exc) from exc
        self._gans.append(g)

    def _train_block(self) -> None:
        """GANs k..min(T, k + batch_runs - 1) in lockstep; a diverged one keeps its error."""
        ks = range(len(self._gans) + 1, min(self.T, len(self._gans) + self.batch_runs) + 1)
        try:
            block = batched.train_gans_batched([self.x] * len(ks), self.config, rngs=[self.rng_of(k) for k in ks])
        except Exception as exc:
            raise failed_gan(ks[0], exc) from exc
        self._gans.extend(block)

    def __iter__(self):
        for i in range(self.T):
            yield self[i]


def failed_gan(k: int, exc: Exception) -> AdaGanError:
    """The error of independent GAN ``k`` whose training raised ``exc``."""
    return AdaGanError(f"independent GAN {k}: training failed: {type(exc).__name__}: {exc}")


def independent(x, T, config, rng, components, progress=False):
    """``components`` when given (checked to hold at least ``T`` GANs), else a fresh
    :class:`IndependentGans` seeded from ``rng``."""
    if components is None:
        return IndependentGans(x, T, config, rng=rng, progress=progress)
    if len(components) < T:
        raise ValueError(f"`components` must hold at least T = {T} GANs; got {len(components)}")
    return components
