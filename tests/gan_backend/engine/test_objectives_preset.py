"""The ``objectives`` preset: one variant per GAN objective of the engine; every variant
builds a valid GanConfig that trains a few finite steps."""
import dataclasses

import numpy as np
import pytest

import fdiv
from gan_backend import GanTrainer
from gan_backend.engine.config import WGAN_DEFAULTS
from gan_backend.experiments.presets import get_preset


def test_every_objective_is_a_variant():
    p = get_preset("objectives")
    objectives = {p.gan_config(v).objective for v in p.variant_names}
    expected = {"minimax", "nonsaturating", "wgan",
                *(f"fgan:{f}" for f in [*fdiv.names(), "alpha(-1)", "alpha(0.5)", "alpha(2)"])}
    assert objectives == expected
    assert p.methods == ("vanilla", "boosted") and p.modes == (5, 10) and p.T == 10
    w = p.gan_config("wgan")
    assert {k: getattr(w, k) for k in WGAN_DEFAULTS} == WGAN_DEFAULTS


@pytest.mark.parametrize("variant", get_preset("objectives").variant_names)
def test_each_variant_takes_finite_steps(variant):
    cfg = dataclasses.replace(get_preset("objectives").gan_config(variant), batch_size=32)
    x = np.random.default_rng(0).normal(size=(256, 2)) * 3.0
    tr = GanTrainer(x, cfg, rng=1)
    for _ in range(5):
        tr.step()
    assert np.isfinite(tr.G.params).all() and np.isfinite(tr.D.params).all()
