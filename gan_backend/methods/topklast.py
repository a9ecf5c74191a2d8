"""TopKLast r AdaGAN (r = 0.5), in one of two readings (THEORY.md §3 asks to state which):

- ``reading="slides"`` (default, the table's): R* data weights with beta_t chosen from the
  discriminator so that about r*N weights are zero (``fdiv.topklast_beta``, whose
  docstring states the exact rule; the slides' two phrasings coincide at r = 0.5).
  Caveat seen in practice: when the current mixture misses more than (1 - r) of the data,
  the zeroed points must include missed ones (h = (1-D)/D ~ 0), which forces lambda* ~ 0
  and hence beta_t ~ 0: the new component enters the mixture with negligible weight.
- ``reading="reference"``: the public reference code's ``topk`` rule: uniform data
  weights on the ceil(r*N) points with the largest D(x) (:class:`~gan_backend.adagan.TopKUniform`)
  and beta_t = 1/t.
"""
from __future__ import annotations

from gan_backend.adagan import (
    AdaGanOptions, ScheduleBeta, TopKLastBeta, TopKUniform, last_model, mixture_trajectory,
)

NAME = "topklast"
HELP = "AdaGAN, beta_t zeroing about r*N weights (r = 0.5), R* weights"

R = 0.5
READINGS = ("slides", "reference")


def trajectory(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None,
               heldout=None, r: float = R, reading: str = "slides"):
    """Yield a :class:`~gan_backend.adagan.Snapshot` (mixture ``G_t``) for t = 1..T.

    ``heldout`` is accepted for a uniform method signature and not used.
    """
    if reading == "slides":
        beta, weights = TopKLastBeta(r), None
    elif reading == "reference":
        import fdiv

        beta, weights = ScheduleBeta(fdiv.beta_schedule("boosted")), TopKUniform(r)
    else:
        raise ValueError(f"`reading` must be one of {READINGS}; got {reading!r}")
    return mixture_trajectory(x, T=T, config=config, beta=beta, weights=weights,
                              options=options, rng=rng, progress=progress)


def fit(x, *, T, config, rng=None, progress=False, options: AdaGanOptions | None = None, r: float = R,
        reading: str = "slides"):
    """Train the TopKLast-r mixture of ``T`` GANs on ``x``; returns a ``Mixture``."""
    return last_model(trajectory(x, T=T, config=config, rng=rng, progress=progress, options=options,
                                 r=r, reading=reading))
