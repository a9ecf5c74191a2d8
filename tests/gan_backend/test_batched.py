"""The run axis (gan_backend.batched) against separate trainings.

Reference: :class:`gan_backend.train.GanTrainer` run by run, with the same data,
weights and seed. Every run of a batch draws from its own generator exactly what the
single trainer draws, so in float64 the only differences are the order of terms in
matrix products and column sums (~1e-16 relative per operation): after 200 steps the
parameters must agree to 1e-10 (observed ~1e-15).
"""
import dataclasses

import numpy as np
import pytest

from gan_backend import _backend
from gan_backend._backend import BackendUnavailableError
from gan_backend.batched import (BatchedGanTrainer, check_batch_runs, train_classifiers_batched,
                                 train_gans_batched)
from gan_backend.config import GanConfig
from gan_backend.train import GanTrainer, TrainingDivergedError, train_classifier

TOL = 1e-10
CFG = GanConfig(dtype="float64", batch_size=64, epochs=20)  # 640 points: 10 steps/epoch


def _runs(n_runs=3, n=640, scale=1.0):
    xs = [np.random.default_rng(100 + r).normal(size=(n, 2)) * scale * (r + 1) for r in range(n_runs)]
    w = np.random.default_rng(7).dirichlet(np.ones(n))
    weights = [None, w] + [None] * (n_runs - 2)
    return xs, weights


def _separate(xs, weights, seeds, cfg, epochs=None):
    out = []
    for x, w, s in zip(xs, weights, seeds):
        tr = GanTrainer(x, cfg, weights=w, rng=s)
        tr.run(epochs)
        out.append(tr)
    return out


def _close(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


def test_batch_equals_separate_trainings_after_200_steps():
    xs, weights = _runs()
    seeds = [11, 12, 13]
    bt = BatchedGanTrainer(xs, CFG, weights=weights, rngs=seeds)
    gens = bt.run()
    ref = _separate(xs, weights, seeds, CFG)
    assert bt.steps_per_epoch * CFG.epochs == 200 and bt.opt_g.t == 200
    for r, tr in enumerate(ref):
        assert _close(gens[r].net.params, tr.G.params) <= TOL
        assert _close(bt.D.params[r], tr.D.params) <= TOL
        assert _close(bt.opt_d.m[0][r], tr.opt_d.m[0]) <= TOL
        # the same draws: each run's generator ends in the single trainer's state
        assert bt.rngs[r].bit_generator.state == tr.rng.bit_generator.state


@pytest.mark.parametrize("extra", [
    {"n_critic": 2, "unrolled": 2, "activation": "tanh"},
    {"objective": "minimax", "init": "glorot"},
])
def test_batch_equals_separate_variants(extra):
    cfg = dataclasses.replace(CFG, epochs=4, **extra)
    xs, weights = _runs()
    seeds = [1, 2, 3]
    gens = train_gans_batched(xs, cfg, weights=weights, rngs=seeds)
    for g, tr in zip(gens, _separate(xs, weights, seeds, cfg)):
        assert _close(g.net.params, tr.G.params) <= TOL


def test_grouping_does_not_change_a_run():
    """A run's numbers do not depend on which runs share its batch."""
    cfg = dataclasses.replace(CFG, epochs=2)
    xs, weights = _runs(n_runs=3)
    whole = train_gans_batched(xs, cfg, weights=weights, rngs=[4, 5, 6])
    pairs = train_gans_batched(xs, cfg, weights=weights, rngs=[4, 5, 6], batch_runs=2)
    for a, b in zip(whole, pairs):
        assert np.array_equal(a.net.params, b.net.params)


@pytest.fixture
def exact_fgan_gradient(monkeypatch):
    """f-GAN objectives with ``grad_cap=None`` (the exact gradient, which overflows on some
    seeds): a real divergence, to check how a diverged run is reported."""
    from gan_backend.objectives import FGan

    monkeypatch.setattr(FGan.__init__, "__kwdefaults__", {**FGan.__init__.__kwdefaults__, "grad_cap": None})

def test_diverged_run_is_reported_and_dropped(exact_fgan_gradient):
    """fgan:reverse_kl with the non-saturating generator loss and the exact (uncapped) gradient blows up on data of scale 15
    for seed 3 (the single trainer raises in epoch 1) and trains for seeds 0 and 1."""
    cfg = GanConfig(dtype="float64", batch_size=64, epochs=3, objective="fgan:reverse_kl")
    seeds = [0, 3, 1]
    xs = [np.random.default_rng(s).normal(size=(640, 2)) * 15 for s in seeds]
    with np.errstate(all="ignore"):
        with pytest.raises(TrainingDivergedError) as single:
            GanTrainer(xs[1], cfg, rng=3).run()
        out = train_gans_batched(xs, cfg, rngs=seeds)
        ref = [GanTrainer(xs[i], cfg, rng=seeds[i]) for i in (0, 2)]
        for tr in ref:
            tr.run()
    assert isinstance(out[1], TrainingDivergedError)
    assert str(out[1]) == str(single.value)
    for g, tr in zip((out[0], out[2]), ref):
        assert _close(g.net.params, tr.G.params) <= TOL


def test_batched_classifiers_equal_separate_ones():
    xs, _ = _runs(n_runs=3)
    fakes = [x[::-1] * 0.5 + 1.0 for x in xs]
    cfg = dataclasses.replace(CFG, lr_d=1e-3)
    got = train_classifiers_batched(xs, fakes, cfg, rngs=[7, 8, 9], epochs=5)
    for c, x, f, s in zip(got, xs, fakes, [7, 8, 9]):
        ref = train_classifier(x, f, cfg, rng=s, epochs=5)  # fused kernels (float64)
        assert _close(c.net.params, ref.net.params) <= TOL
    with pytest.raises(ValueError, match="`batch_runs`"):
        train_classifiers_batched(xs, fakes, cfg, batch_runs=0)


def test_bad_input_names_the_setting(monkeypatch):
    xs, _ = _runs(n_runs=2)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="`--batch-runs` must be a positive integer"):
            check_batch_runs(bad, "--batch-runs")
    with pytest.raises(ValueError, match="`batch_runs`"):
        train_gans_batched(xs, CFG, batch_runs=0)
    with pytest.raises(ValueError, match="same shape"):
        BatchedGanTrainer([xs[0], xs[1][:320]], CFG)
    with pytest.raises(ValueError, match="one entry per run"):
        train_gans_batched(xs, CFG, rngs=[1])
    # CuPy asked for but missing: the setting is named, no silent NumPy fallback
    monkeypatch.setitem(_backend._CUPY_CACHE, "cupy", (None, "CuPy is not importable (test)"))
    monkeypatch.setenv("GAN_BACKEND", "cupy")
    with pytest.raises(BackendUnavailableError, match="GAN_BACKEND"):
        train_gans_batched(xs, CFG, rngs=[1, 2])


@pytest.mark.gpu
def test_cupy_batch_matches_numpy(cupy, monkeypatch):
    cfg = dataclasses.replace(CFG, epochs=2)
    xs, weights = _runs(n_runs=3)
    monkeypatch.setenv("GAN_BACKEND", "numpy")
    a = train_gans_batched(xs, cfg, weights=weights, rngs=[1, 2, 3])
    monkeypatch.setenv("GAN_BACKEND", "cupy")
    b = train_gans_batched(xs, cfg, weights=weights, rngs=[1, 2, 3])
    for ga, gb in zip(a, b):
        assert type(gb.net.params).__module__.startswith("cupy")
        np.testing.assert_allclose(cupy.asnumpy(gb.net.params), ga.net.params, rtol=1e-9, atol=1e-11)


def test_capped_fgan_gradient_is_per_run():
    """The f-GAN loss caps the length of each minibatch gradient by one common factor
    (gan_backend.objectives.FGan); trained together, every run must keep its own factor,
    so a batch of runs equals the separate trainings (the cap acts here: data of scale 15)."""
    cfg = GanConfig(dtype="float64", batch_size=64, epochs=2, objective="fgan:kl")
    seeds = [0, 1, 2]
    xs = [np.random.default_rng(s).normal(size=(640, 2)) * 15 for s in seeds]
    out = train_gans_batched(xs, cfg, rngs=seeds)
    for g, x, s in zip(out, xs, seeds):
        tr = GanTrainer(x, cfg, rng=s)
        tr.run()
        assert _close(g.net.params, tr.G.params) <= TOL
