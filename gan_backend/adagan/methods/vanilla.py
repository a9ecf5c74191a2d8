"""Vanilla: one GAN trained on the data (the baseline row of docs/theory.md §3's table).

``T`` is accepted for a uniform interface; vanilla uses a single GAN (the first of the
shared independent GANs in the table).
"""
from __future__ import annotations

from gan_backend.engine._validate import positive_int
from gan_backend.adagan.methods._independent import independent
from gan_backend.adagan.methods._method import Method, Snapshot


def trajectory(x, *, T=1, config=None, rng=None, progress=False, components=None):
    """Yield one :class:`Snapshot`: GAN 1 (of ``components`` or freshly trained)."""
    positive_int("T", T)
    gans = independent(x, 1, config, rng, components, progress)
    yield Snapshot(t=1, model=gans[0], model_id="gan1")


METHOD = Method(name="vanilla", help="one GAN", trajectory=trajectory)
