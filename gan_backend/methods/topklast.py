"""TopKLast r AdaGAN (r = 0.5): beta_t chosen from the discriminator so that about r*N
data weights are zeroed (``fdiv.topklast_beta``, whose docstring states the reading of
the slides that is implemented), R* data weights (THEORY.md §3).
"""
from __future__ import annotations

from gan_backend.adagan import AdaGanOptions, TopKLastBeta, last_model, mixture_trajectory

NAME = "topklast"
HELP = "AdaGAN, beta_t zeroing about r*N weights (r = 0.5), R* weights"

R = 0.5


def trajectory(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None,
               heldout=None, r: float = R):
    """Yield a :class:`~gan_backend.adagan.Snapshot` (mixture ``G_t``) for t = 1..T."""
    return mixture_trajectory(x, T=T, config=config, beta=TopKLastBeta(r), weights=None,
                              options=options, rng=rng, progress=progress)


def fit(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None, r: float = R):
    """Train the TopKLast-r mixture of ``T`` GANs on ``x``; returns a ``Mixture``."""
    return last_model(trajectory(x, T=T, config=config, rng=rng, progress=progress, options=options, r=r))
