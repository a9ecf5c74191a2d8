"""The run axis (gan_backend.engine.batched) against separate trainings.

Reference: :class:`gan_backend.engine.train.GanTrainer` run by run, with the same data,
weights and seed. Every run of a batch draws from its own generator exactly what the
single trainer draws, so in float64 the only differences are the order of terms in
matrix products and column sums (~1e-16 relative per operation): after 200 steps the
parameters must agree to 1e-10 (observed ~1e-15).
"""
import dataclasses

import numpy as np
import pytest

from gan_backend.engine import _backend
from gan_backend.engine._backend import BackendUnavailableError
from gan_backend.engine.batched import (BatchedGanTrainer, check_batch_runs, train_classifiers_batched,
                                 train_gans_batched)
from gan_backend.engine.config import GanConfig
from gan_backend.engine.train import GanTrainer, TrainingDivergedError, train_classifier

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
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max(initial=0.0))


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
    {"n_critic": 2, "unrolled": 2, "activation": "tanh", "shared_batch": True, "lookahead_adam": "persistent"},
    {"unrolled": 3, "lookahead_adam": "persistent"},
    {"shared_batch": True},
    {"unrolled": 2, "lookahead_adam": "persistent", "lr_decay_start": 0.25},
    {"n_critic": 2, "lr_decay_start": 0.0},
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
    from gan_backend.engine.objectives import FGan

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


@pytest.mark.parametrize("mode", ["copied", "persistent"])
def test_dropping_a_run_keeps_the_others_lookahead_state(mode):
    """A run dropped from the batch (a divergence) leaves the others as they were, the
    look-ahead copy's own Adam state included when it persists across steps."""
    cfg = dataclasses.replace(CFG, unrolled=2, lookahead_adam=mode, shared_batch=True)
    xs, weights = _runs()
    seeds = [21, 22, 23]
    bt = BatchedGanTrainer(xs, cfg, weights=weights, rngs=seeds)
    ref = [GanTrainer(x, cfg, weights=w, rng=s) for x, w, s in zip(xs, weights, seeds)]
    for _ in range(5):
        bt.step()
    bt._drop(np.array([0, 2], dtype=np.intp))
    for _ in range(5):
        bt.step()
    for r, i in enumerate((0, 2)):
        for _ in range(10):
            ref[i].step()
        assert _close(bt.G.params[r], ref[i].G.params) <= TOL
        assert _close(bt.opt_ahead.m[0][r], ref[i].opt_ahead.m[0]) <= TOL
        assert bt.opt_ahead.t == ref[i].opt_ahead.t


@pytest.mark.parametrize("extra", [{}, {"d_maxout": 3, "activation": "elu"}])
def test_batched_classifiers_equal_separate_ones(extra):
    """Also with a maxout discriminator (the mixture classifier's architecture is D's)."""
    xs, _ = _runs(n_runs=3)
    fakes = [x[::-1] * 0.5 + 1.0 for x in xs]
    cfg = dataclasses.replace(CFG, lr_d=1e-3, **extra)
    got = train_classifiers_batched(xs, fakes, cfg, rngs=[7, 8, 9], epochs=5)
    for c, x, f, s in zip(got, xs, fakes, [7, 8, 9]):
        ref = train_classifier(x, f, cfg, rng=s, epochs=5)  # fused kernels (float64) or readable (maxout)
        assert c.net.architecture == ref.net.architecture
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
    (gan_backend.engine.objectives.FGan); trained together, every run must keep its own factor,
    so a batch of runs equals the separate trainings (the cap acts here: data of scale 15)."""
    cfg = GanConfig(dtype="float64", batch_size=64, epochs=2, objective="fgan:kl")
    seeds = [0, 1, 2]
    xs = [np.random.default_rng(s).normal(size=(640, 2)) * 15 for s in seeds]
    out = train_gans_batched(xs, cfg, rngs=seeds)
    for g, x, s in zip(out, xs, seeds):
        tr = GanTrainer(x, cfg, rng=s)
        tr.run()
        assert _close(g.net.params, tr.G.params) <= TOL


# --- every configuration the engine accepts: the run axis equals the serial trainer ---------

def _objectives():
    from gan_backend.engine.objectives import objective_names

    out = []
    for name in objective_names():
        base = GanConfig.for_objective(name) if name == "wgan" else GanConfig(objective=name)
        out.append(pytest.param(dataclasses.replace(base, dtype="float64", batch_size=16, epochs=2), id=name))
    return out


#: A batch-normalised G against a maxout D compounds two ill-conditioned steps: the serial
#: trainer itself moves by 1e-9 after 8 steps when its initial G parameters move by one ulp
#: (measured: 9.7e-10 with tanh, 7e-11 with relu), so rounding-level differences in the
#: batched products reach ~6e-10 there. Everywhere else the runs agree to 1e-16 to 5e-11.
BN_MAXOUT_TOL = 1e-8


def _architectures():
    base = GanConfig(dtype="float64", batch_size=16, epochs=2)
    cases = {f"activation-{a}": {"activation": a} for a in ("relu", "leaky_relu", "tanh", "elu", "sigmoid")}
    cases.update({
        "g_batchnorm": {"g_batchnorm": True},
        "d_maxout": {"d_maxout": 3},
        "batchnorm-maxout-tanh": {"g_batchnorm": True, "d_maxout": 2, "activation": "tanh"},
        "batchnorm-maxout-unrolled": {"g_batchnorm": True, "d_maxout": 3, "unrolled": 2, "n_critic": 2},
        "unrolled": {"unrolled": 3},
        "unrolled-reference-protocol": {"unrolled": 3, "shared_batch": True, "lookahead_adam": "persistent"},
        "widths-latent": {"latent_dim": 3, "g_hidden": (7,), "d_hidden": (6, 5, 4)},
        "glorot": {"init": "glorot"},
        "init_std": {"init_std": 0.3},
        "rmsprop-clip": {"optimizer": "rmsprop", "clip": 0.05},
        "sgd": {"optimizer": "sgd", "lr_g": 1e-2, "lr_d": 1e-2},
        "sgd-lr-decay": {"optimizer": "sgd", "lr_g": 1e-2, "lr_d": 1e-2, "lr_decay_start": 0.0},
        "rmsprop-lr-decay": {"optimizer": "rmsprop", "clip": 0.05, "lr_decay_start": 0.5},
        "adam-betas": {"beta1": 0.0, "beta2": 0.9},
        "standardize": {"standardize": True},
        "d_center": {"d_center": 2.0},
        "d_center-fgan-tv": {"objective": "fgan:tv", "d_center": 3.0, "standardize": True},
    })
    return [pytest.param(dataclasses.replace(base, **kw), id=k) for k, kw in cases.items()]


def _assert_runs_equal_serial(cfg, n_runs=2, n=64):
    """train_gans_batched against train_gan run by run: same networks (architecture,
    parameters, BatchNorm statistics), same samples, same divergences (float64, TOL;
    BN_MAXOUT_TOL for a batch-normalised G with a maxout D). A wrong network or a dropped
    field gives differences of order 1e-2 to 1."""
    from gan_backend.engine.train import train_gan

    tol = BN_MAXOUT_TOL if cfg.g_batchnorm and cfg.d_maxout > 1 else TOL
    xs = [np.random.default_rng(40 + r).normal(size=(n, 2)) * (r + 1) for r in range(n_runs)]
    w = np.random.default_rng(9).dirichlet(np.ones(n))
    weights = [w] + [None] * (n_runs - 1)
    seeds = [21 + r for r in range(n_runs)]
    with np.errstate(all="ignore"):
        got = train_gans_batched(xs, cfg, weights=weights, rngs=seeds)
        for g, x, wt, s in zip(got, xs, weights, seeds):
            try:
                ref = train_gan(x, cfg, weights=wt, rng=s)
            except TrainingDivergedError as exc:
                assert isinstance(g, TrainingDivergedError) and str(g) == str(exc)
                continue
            assert not isinstance(g, Exception), g
            assert g.net.architecture == ref.net.architecture
            assert len(g.net.norms) == len(ref.net.norms) == (len(cfg.g_hidden) if cfg.g_batchnorm else 0)
            assert _close(g.net.params, ref.net.params) <= tol
            assert _close(g.net.state, ref.net.state) <= tol
            assert _close(g.sample(5, rng=3), ref.sample(5, rng=3)) <= tol


@pytest.mark.parametrize("cfg", _architectures())
def test_run_axis_equals_serial_for_every_architecture(cfg):
    _assert_runs_equal_serial(cfg)


@pytest.mark.parametrize("cfg", _objectives())
def test_run_axis_equals_serial_for_every_objective(cfg):
    _assert_runs_equal_serial(cfg)


def test_batchnorm_maxout_config_of_the_issue():
    """GanConfig(g_batchnorm=True, d_maxout=5): the batched generator is the serial one
    (before the shared factory it had no BatchNorm layers: 66 instead of 82 parameters)."""
    from gan_backend.engine.train import train_gan

    cfg = GanConfig(g_batchnorm=True, d_maxout=5, dtype="float64", batch_size=32, epochs=2)
    x = np.random.default_rng(0).normal(size=(128, 2))
    (g,) = train_gans_batched([x], cfg, rngs=[0])
    ref = train_gan(x, cfg, rng=0)
    # G 5 -> 10 -> 5 -> 2: 60 + 55 + 12 dense parameters, 2 * (10 + 5) BatchNorm ones
    assert g.net.params.size == ref.net.params.size == 60 + 55 + 12 + 30
    assert g.config.g_batchnorm and len(g.net.norms) == 2
    assert _close(g.sample(50, rng=1), ref.sample(50, rng=1)) <= TOL


def test_run_axis_knows_every_config_field():
    """A field added to GanConfig must be honoured by the run axis (and listed in
    RUN_AXIS_FIELDS) or refused there: this fails until one of the two is decided."""
    from gan_backend.engine.batched import RUN_AXIS_FIELDS

    assert RUN_AXIS_FIELDS == {f.name for f in dataclasses.fields(GanConfig)}


def test_run_axis_refuses_a_field_it_does_not_know():
    from gan_backend.engine.batched import check_run_axis

    @dataclasses.dataclass(frozen=True)
    class SpectralConfig(GanConfig):
        spectral_norm: bool = False

    x = np.random.default_rng(0).normal(size=(64, 2))
    cfg = SpectralConfig(dtype="float64", batch_size=16, epochs=1)
    assert check_run_axis(cfg) is cfg  # left at its default: nothing is dropped
    bad = dataclasses.replace(cfg, spectral_norm=True)
    with pytest.raises(ValueError, match="`spectral_norm` = True is not supported by the run axis"):
        train_gans_batched([x, x], bad, rngs=[0, 1])
    with pytest.raises(ValueError, match="`spectral_norm`"):
        train_classifiers_batched([x], [x], bad, rngs=[0])


@pytest.mark.parametrize("kw", [{"batchnorm": True}, {"maxout": 3}, {"batchnorm": True, "maxout": 2,
                                                                     "activation": "elu"}])
def test_run_axis_network_is_its_runs_side_by_side(kw):
    """An MLP with runs=R computes, run by run, what the single MLP of the same parameters
    computes (forward, backward, parameter gradients, BatchNorm statistics); the single MLP
    is checked against finite differences and PyTorch in test_layers*.py."""
    from gan_backend.engine.mlp import MLP

    R, rows, sizes = 3, 7, (4, 6, 5, 2)
    net = MLP(sizes, dtype="float64", runs=R, **kw)
    for r in range(R):
        net.init_run(r, np.random.default_rng(r), "normal", 0.8)
    rng = np.random.default_rng(9)
    x, dy = rng.normal(size=(R, rows, 4)), rng.normal(size=(R, rows, 2))
    y = net.forward(x)
    dx = net.backward(dy)
    for r in range(R):
        one = MLP(sizes, dtype="float64", **kw)
        one.init(np.random.default_rng(r), "normal", 0.8)
        assert np.array_equal(one.params, net.network(r).params)  # the same draws
        assert _close(one.forward(x[r]), y[r]) <= 1e-14
        assert _close(one.backward(dy[r]), dx[r]) <= 1e-14
        assert _close(one.grads, net.grads[r]) <= 1e-14
        assert _close(one.state, net.state[r]) <= 1e-14
    kept = net.take(np.array([2, 0]))
    assert kept.runs == 2 and np.array_equal(kept.params, net.params[[2, 0]])
    assert np.array_equal(kept.state, net.state[[2, 0]])
    with pytest.raises(ValueError, match="init_run"):
        net.init(np.random.default_rng(0))
    with pytest.raises(ValueError, match="`runs`"):
        MLP(sizes, runs=0)
