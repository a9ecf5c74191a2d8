"""Ensemble baseline: the uniform mixture of the first t of T independent GANs (docs/theory.md §3)."""
from __future__ import annotations

import numpy as np

from gan_backend.engine._validate import positive_int
from gan_backend.adagan.methods._independent import independent
from gan_backend.adagan.methods._method import Method, Snapshot
from gan_backend.adagan.mixture import Mixture

NAME = "ensemble"


def trajectory(x, *, T, config=None, rng=None, progress=False, components=None):
    """Yield a :class:`Snapshot` per t = 1..T: the uniform mixture of GANs 1..t."""
    T = positive_int("T", T)
    gans = independent(x, T, config, rng, components, progress)
    for t in range(1, T + 1):
        comps = [gans[i] for i in range(t)]
        yield Snapshot(t=t, model=Mixture(comps, np.full(t, 1.0 / t)),
                       model_id="gan1" if t == 1 else f"{NAME}{t}")


METHOD = Method(name=NAME, help="uniform mixture of T independent GANs", trajectory=trajectory)
