"""The fused kernels (gan_backend.engine.fused) against the readable layers.

Reference: the same trainer with ``fused=False`` (Dense/activation layers, MLP, Adam of
gan_backend.engine.layers/mlp/optim, themselves checked against finite differences and
PyTorch). Both consume the same random draws in the same order, so after the same
steps they must hold the same parameters, gradients and Adam moments up to rounding:
in float64 the only differences are the order of terms inside BLAS products and
column sums (~1e-16 relative per operation), far below the 1e-10 asked for.
"""
import dataclasses

import numpy as np
import pytest

from gan_backend.engine import fused
from gan_backend.engine.config import GanConfig
from gan_backend.engine.mlp import discriminator_net, generator_net
from gan_backend.engine.train import GanTrainer, train_classifier

TOL64 = 1e-10  # float64: rounding-order differences only (observed ~1e-14)
BASE = GanConfig(dtype="float64", batch_size=64, epochs=1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(1500, 2)) * 4.0 + rng.integers(0, 3, size=(1500, 1)) * 6.0
    w = rng.random(1500) ** 3
    return x, w / w.sum()


def _state(tr):
    return {"G": tr.G.params, "D": tr.D.params, "dG": tr.G.grads, "dD": tr.D.grads,
            "mG": tr.opt_g.m[0], "vG": tr.opt_g.v[0], "mD": tr.opt_d.m[0], "vD": tr.opt_d.v[0]}


CASES = {
    "nonsaturating-relu": {},
    "minimax-tanh": {"objective": "minimax", "activation": "tanh"},
    "leaky-ncritic2": {"activation": "leaky_relu", "n_critic": 2},
    "elu-unrolled3": {"activation": "elu", "unrolled": 3},
    "sigmoid-glorot": {"activation": "sigmoid", "init": "glorot", "d_hidden": (20, 7, 9)},
    "tanh-unrolled2-shared": {"activation": "tanh", "objective": "minimax", "unrolled": 2, "shared_batch": True},
    "unrolled3-persistent": {"unrolled": 3, "lookahead_adam": "persistent"},
    "reference-protocol": {"activation": "tanh", "unrolled": 2, "n_critic": 2, "shared_batch": True,
                           "lookahead_adam": "persistent"},
    "shared-no-lookahead": {"shared_batch": True, "n_critic": 2},
    "lr-decay": {"lr_decay_start": 0.0},
    "lr-decay-persistent": {"unrolled": 2, "lookahead_adam": "persistent", "n_critic": 2, "lr_decay_start": 0.1},
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_equals_readable_float64(data, case, weighted):
    x, w = data
    cfg = dataclasses.replace(BASE, **CASES[case])
    weights = w if weighted else None
    fast = GanTrainer(x, cfg, weights=weights, rng=5)
    ref = GanTrainer(x, cfg, weights=weights, rng=5, fused=False)
    assert fast.fused and not ref.fused
    for step in range(8):
        fast.step(value=step == 7)
        ref.step(value=step == 7)
    a, b = _state(fast), _state(ref)
    if cfg.unrolled:  # the look-ahead copy and its optimiser too
        for tr, st in ((fast, a), (ref, b)):
            st.update({"A": tr.D_ahead.params, "mA": tr.opt_ahead.m[0], "vA": tr.opt_ahead.v[0]})
        ahead_t = 8 * cfg.unrolled if cfg.lookahead_adam == "persistent" else 8 * cfg.n_critic + cfg.unrolled
        assert fast.opt_ahead.t == ref.opt_ahead.t == ahead_t
    for k in a:
        scale = max(1.0, float(np.abs(b[k]).max()))
        assert np.abs(a[k] - b[k]).max() <= TOL64 * scale, k
    assert (fast.opt_d.t, fast.opt_g.t) == (ref.opt_d.t, ref.opt_g.t) == (8 * cfg.n_critic, 8)
    # the same draws in the same order: the generators' states agree
    assert fast.rng.bit_generator.state == ref.rng.bit_generator.state
    # the reported losses are the readable objective's values
    np.testing.assert_allclose(fast.last_losses, ref.last_losses, rtol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fused_float32_close_and_deterministic(data, activation):
    """Float32: the kernels agree with the readable layers to rounding (BLAS order; for tanh
    also the kernels' rational tanh, at most 6.1 ulp from the exact one, against np.tanh)."""
    x, _ = data
    cfg = dataclasses.replace(BASE, dtype="float32", batch_size=128, activation=activation)
    runs = [GanTrainer(x, cfg, rng=3) for _ in range(2)]
    ref = GanTrainer(x, cfg, rng=3, fused=False)
    for _ in range(20):
        for tr in (*runs, ref):
            tr.step()
    # same seed: bit-identical
    assert np.array_equal(runs[0].G.params, runs[1].G.params)
    assert np.array_equal(runs[0].D.params, runs[1].D.params)
    # float32 rounding (eps 6e-8) amplified over 20 Adam steps stays far below 1e-3
    np.testing.assert_allclose(runs[0].G.params, ref.G.params, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(runs[0].D.params, ref.D.params, rtol=1e-3, atol=1e-4)


def test_mixed_paths_continue_one_training(data):
    """The fused path works on the readable objects' buffers: alternating the two gives
    the same training as either alone (float64)."""
    x, _ = data
    mixed = GanTrainer(x, BASE, rng=9)
    ref = GanTrainer(x, BASE, rng=9, fused=False)
    for step in range(6):
        if step % 2:
            mixed.step()
        else:  # one readable step on the same trainer
            fused, mixed._fused = mixed._fused, False
            mixed.step()
            mixed._fused = fused
        ref.step()
    assert np.abs(mixed.G.params - ref.G.params).max() <= TOL64
    assert np.abs(mixed.D.params - ref.D.params).max() <= TOL64


def test_classifier_fused_equals_readable(data, monkeypatch):
    x, _ = data
    real, fake = x[:700], x[700:] + 1.0
    cfg = dataclasses.replace(BASE, lr_d=1e-3)
    fast = train_classifier(real, fake, cfg, rng=2, epochs=3)
    monkeypatch.setattr(fused, "supports_classifier", lambda config, xp, *nets: False)
    ref = train_classifier(real, fake, cfg, rng=2, epochs=3)
    assert np.abs(fast.net.params - ref.net.params).max() <= TOL64


def test_unsupported_configurations_use_the_layers(data):
    x, _ = data
    wgan = GanConfig.for_objective("wgan", dtype="float64", batch_size=64)
    assert not GanTrainer(x, wgan, rng=0).fused
    fgan = dataclasses.replace(BASE, objective="fgan:js")
    assert not GanTrainer(x, fgan, rng=0).fused
    with pytest.raises(ValueError, match="`fused`"):
        GanTrainer(x, wgan, rng=0, fused=True)
    with pytest.raises(ValueError, match="`fused`"):
        GanTrainer(x, BASE, rng=0, fused="yes")


@pytest.mark.parametrize("extra", [{"g_batchnorm": True}, {"d_maxout": 3}])
def test_batchnorm_and_maxout_train_on_the_readable_layers(data, extra):
    """The kernels implement plain Dense + activation stacks only: a batch-normalised G
    or a maxout D must run the readable layers (and ``fused=True`` must refuse)."""
    x, _ = data
    cfg = dataclasses.replace(BASE, **extra)
    nets = (generator_net(cfg, 2), discriminator_net(cfg, 2))
    assert not fused.supports(cfg, np, nets)
    assert fused.supports(BASE, np, (generator_net(BASE, 2), discriminator_net(BASE, 2)))
    assert not GanTrainer(x, cfg, rng=0).fused
    with pytest.raises(ValueError, match="fused"):
        GanTrainer(x, cfg, rng=0, fused=True)
    if "d_maxout" in extra:
        assert not fused.supports_classifier(cfg, np, nets[1])


def test_float32_tanh_is_within_7_ulp_and_keeps_the_special_values():
    """The kernels' float32 tanh (fused._tanh32) against the float64 tanh: every float32 of
    [5.5, 6.2] (where the error peaks: 6.88 ulp at 5.827876, the maximum over every float32 of
    [4e-4, 8), measured once exhaustively) and 2^24 inputs spread over every binade of
    [1e-30, 3e38] and both signs; 7 ulp of the float32 result allowed. Odd, NaN -> NaN,
    ±inf -> ±1."""
    from gan_backend.engine.fused import tanh32

    rng = np.random.default_rng(0)
    mags = 10.0 ** rng.uniform(-30, 38.5, size=2**23)
    mags = mags[mags < np.finfo(np.float32).max]
    x = np.concatenate((mags, -mags)).astype(np.float32)
    peak = np.arange(np.float32(5.5).view(np.uint32), np.float32(6.2).view(np.uint32), dtype=np.uint32)
    x = np.concatenate((x, rng.normal(0, 3, size=2**23).astype(np.float32), peak.view(np.float32)))
    got = tanh32(x).astype(np.float64)
    ref = np.tanh(x.astype(np.float64))
    ulp = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert ulp.max() <= 7.0, (ulp.max(), x[np.argmax(ulp)])
    assert ulp.max() > 6.5  # the peak is in the sample: the bound is tight, not loose
    np.testing.assert_array_equal(tanh32(-x), -tanh32(x))
    special = tanh32(np.array([np.nan, np.inf, -np.inf, 0.0], np.float32))
    assert np.isnan(special[0]) and special[1] == 1.0 and special[2] == -1.0 and special[3] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m", [1, 3])
def test_input_gradient_product_equals_numpy(dtype, m):
    """``_mm_nt`` (out = d @ w.T): with an inner dimension of 1 it is a loop of single
    products, which must equal NumPy's bit for bit; otherwise BLAS, to rounding."""
    rng = np.random.default_rng(3)
    d = rng.standard_normal((37, m)).astype(dtype)
    w = rng.standard_normal((11, m)).astype(dtype)
    out = np.full((37, 11), np.nan, dtype)
    fused._mm_nt(d, w, out)
    if m == 1:
        assert np.array_equal(out, d * w.T)
    else:
        np.testing.assert_allclose(out, d @ w.T, rtol=1e-5 if dtype == np.float32 else 1e-13)
