"""Boosted AdaGAN: beta_t = 1/t and R* data weights (docs/theory.md §3, S12)."""
from __future__ import annotations

import fdiv

from gan_backend.adagan.methods._adagan import ScheduleBeta, adagan_trajectory
from gan_backend.adagan.methods._method import Method

NAME = "boosted"


def trajectory(x, *, T, config=None, rng=None, progress=False, options=None, first=None, engine=None,
               weight_delay: bool = False):
    """Yield a :class:`Snapshot` (mixture ``G_t``) for t = 1..T, starting from ``first`` when given.
    ``weight_delay``: train G_t on step t - 1's data weights (the reference code until its
    commit b54202d; off by default)."""
    return adagan_trajectory(NAME, x, T=T, config=config, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                             options=options, rng=rng, progress=progress, first=first, engine=engine,
                             weight_delay=weight_delay)


METHOD = Method(name=NAME, help="AdaGAN, beta_t = 1/t, R* weights from a mixture discriminator",
                trajectory=trajectory, options=(("weight_delay", False),))
