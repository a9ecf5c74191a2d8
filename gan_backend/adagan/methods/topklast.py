"""TopKLast r AdaGAN (r = 0.5), in one of two readings (docs/theory.md §3 asks to state which):

- ``reading="reference"`` (default, the table's: it is the rule that produced the seed table):
  the public reference code's ``topk`` rule: uniform data weights on the ceil(r*N) points
  with the largest D(x) (:class:`~gan_backend.adagan.methods.TopKUniform`) and beta_t = 1/t.
- ``reading="slides"``: R* data weights with beta_t chosen from the
  discriminator so that about r*N weights are zero (``fdiv.topklast_beta``, whose
  docstring states the exact rule; the slides' two phrasings coincide at r = 0.5).
  Caveat seen in practice: when the current mixture misses more than (1 - r) of the data,
  the zeroed points must include missed ones (h = (1-D)/D ~ 0), which forces lambda* ~ 0
  and hence beta_t ~ 0: the new component enters the mixture with negligible weight
  (measured on the quick table: beta_t between 1e-4 and 0.03), which is why it is not the default.
"""
from __future__ import annotations

import fdiv

from gan_backend.adagan.methods._adagan import ScheduleBeta, TopKLastBeta, TopKUniform, adagan_trajectory
from gan_backend.adagan.methods._method import Method

NAME = "topklast"
R = 0.5


def _slides(r):
    return TopKLastBeta(r), None


def _reference(r):
    return ScheduleBeta(fdiv.beta_schedule("boosted")), TopKUniform(r)


# reading -> (beta rule, weight rule) builder; the keys are the valid readings
_READINGS = {"reference": _reference, "slides": _slides}
READINGS = tuple(_READINGS)


def trajectory(x, *, T, config=None, rng=None, progress=False, options=None, first=None, engine=None,
               r: float = R, reading: str = "reference", weight_delay: bool = False):
    """Yield a :class:`Snapshot` (mixture ``G_t``) for t = 1..T, starting from ``first`` when given.
    ``weight_delay``: train G_t on step t - 1's data weights (the reference code until its
    commit b54202d; off by default)."""
    if reading not in _READINGS:
        raise ValueError(f"`reading` must be one of {READINGS}; got {reading!r}")
    beta, weights = _READINGS[reading](r)
    return adagan_trajectory(NAME, x, T=T, config=config, beta=beta, weights=weights,
                             options=options, rng=rng, progress=progress, first=first, engine=engine,
                             weight_delay=weight_delay)


METHOD = Method(name=NAME, trajectory=trajectory, options=(("r", R), ("reading", "reference"), ("weight_delay", False)),
                help="AdaGAN TopKLast r = 0.5 (default: uniform weights on the top r*N points by D, beta_t = 1/t)")
