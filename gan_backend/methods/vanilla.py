"""``vanilla``: one GAN trained on the data (the baseline row of THEORY.md §3's table).

``T`` is accepted for a uniform interface and ignored: vanilla trains a single GAN.
"""
from __future__ import annotations

from gan_backend.generator import Generator
from gan_backend.train import train_gan

NAME = "vanilla"


def fit(x, *, T: int = 1, config=None, rng=None, progress: bool = False) -> Generator:
    """Train one GAN on ``x`` with ``config`` and return its generator."""
    return train_gan(x, config, rng=rng, progress=progress)
