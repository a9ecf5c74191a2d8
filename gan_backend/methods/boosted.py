"""Boosted AdaGAN: beta_t = 1/t and R* data weights (THEORY.md §3, S12).

``fit`` returns the mixture ``G_T``; ``trajectory`` yields ``G_1, ..., G_T`` (one run
gives the T = 3 and T = 10 rows of the table).
"""
from __future__ import annotations

from gan_backend.adagan import AdaGanOptions, ScheduleBeta, last_model, mixture_trajectory

NAME = "boosted"
HELP = "AdaGAN, beta_t = 1/t, R* weights from a mixture discriminator"


def trajectory(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None,
               heldout=None):
    """Yield a :class:`~gan_backend.adagan.Snapshot` (mixture ``G_t``) for t = 1..T.

    ``heldout`` is accepted for a uniform method signature and not used.
    """
    import fdiv

    return mixture_trajectory(x, T=T, config=config, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                              weights=None, options=options, rng=rng, progress=progress)


def fit(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None):
    """Train the Boosted AdaGAN mixture of ``T`` GANs on ``x``; returns a ``Mixture``."""
    return last_model(trajectory(x, T=T, config=config, rng=rng, progress=progress, options=options))
