"""Ensemble baseline: T independent GANs on uniform data weights, mixed uniformly
(the AdaGAN loop with uniform weights and beta_t = 1/t, THEORY.md §3)."""
from __future__ import annotations

from gan_backend.adagan import AdaGanOptions, ScheduleBeta, last_model, mixture_trajectory

NAME = "ensemble"
HELP = "uniform mixture of T independent GANs"


def trajectory(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None,
               heldout=None):
    """Yield a :class:`~gan_backend.adagan.Snapshot` (uniform mixture of t GANs) for t = 1..T."""
    import fdiv

    return mixture_trajectory(x, T=T, config=config, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                              weights="uniform", options=options, rng=rng, progress=progress)


def fit(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None):
    """Train ``T`` independent GANs on ``x``; returns their uniform ``Mixture``."""
    return last_model(trajectory(x, T=T, config=config, rng=rng, progress=progress, options=options))
