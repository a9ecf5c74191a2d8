"""Figures 2 and 4 of the slides from stored runs (gan_backend.experiments.figures), and the
figure4 / faithful presets' settings."""
from __future__ import annotations

import numpy as np
import pytest

from gan_backend.experiments import get_preset
from gan_backend.experiments.figures import figure2, figure4, plot_coverage_panels
from gan_backend.experiments.report import coverage_curves
from gan_backend.experiments.store import StoredRun


def _run(method, modes, run, cov, variant=""):
    T = len(cov)
    return StoredRun(key=f"p/{variant}/{method}/K{modes}/run{run}", preset="p", method=method, modes=modes,
                     run=run, seed=1, data_seed=2, config={}, host="h", finished_at="t", timings={},
                     metrics={"t": list(range(1, T + 1)), "coverage": list(cov),
                              "coverage_reference": [c / 2 for c in cov]}, variant=variant)


def test_curves_per_estimator_and_variant():
    runs = [_run("boosted", 10, i, [0.1 * i, 0.2], v) for i in range(3) for v in ("a", "b")]
    held = coverage_curves(runs, by_variant=True)
    assert held[("a", 10)] == {1: [0.0, 0.1, 0.2], 2: [0.2, 0.2, 0.2]}
    ref = coverage_curves(runs, "reference")
    assert ref[("boosted", 10)][2] == [0.1] * 6


def test_figure2_and_figure4_from_runs(tmp_path):
    rng = np.random.default_rng(0)
    runs = [_run(m, 5, i, np.sort(rng.uniform(size=10)).tolist())
            for m in ("vanilla", "best_of", "ensemble", "boosted") for i in range(10)]
    p = figure2(runs, tmp_path / "f2.png")
    assert p is not None and p.stat().st_size > 5000
    assert figure4(runs, tmp_path / "f4.png") is None  # no GAN variants among these runs
    v = [_run("boosted", 10, i, rng.uniform(size=10).tolist(), var)
         for var in ("minimax", "nonsaturating", "minimax_unrolled5", "nonsaturating_unrolled5") for i in range(10)]
    p4 = figure4(v, tmp_path / "f4.png", coverage="reference")
    assert p4 is not None and p4.stat().st_size > 5000
    assert figure2(v, tmp_path / "none.png") is None
    with pytest.raises(ValueError, match="panels"):
        plot_coverage_panels({}, tmp_path / "x.png")


def test_faithful_and_figure4_presets():
    f = get_preset("faithful")
    assert (f.runs, f.T, f.n_train, f.gan_config().epochs, f.gan_config().batch_size) == (10, 10, 256_000, 15, 256)
    assert f.classifier_epochs is None and f.n_fake is None  # discriminator as in the paper preset
    paper = get_preset("paper")
    assert paper.runs == 35 and paper.with_(runs=10, name="faithful", reductions=f.reductions) == f
    g = get_preset("figure4")
    assert g.modes == (10,) and g.methods == ("boosted",) and g.runs == 10
    cfgs = {v: g.gan_config(v) for v in g.variant_names}
    assert {(c.objective, c.unrolled) for c in cfgs.values()} == {
        ("minimax", 0), ("nonsaturating", 0), ("minimax", 5), ("nonsaturating", 5)}
    assert all(c.epochs == 15 for c in cfgs.values()) and g.n_train == 256_000
    with pytest.raises(ValueError, match="variant"):
        g.gan_config("nope")
