"""BatchNorm and Maxout layers, and MLPs built with them: derivatives against central
finite differences (float64, h = 1e-6: error ~1e-10 relative, rtol 1e-6 as in
test_layers.py), values against direct formulas, and their use through GanConfig."""
import numpy as np
import pytest

from gan_backend.engine.config import GanConfig
from gan_backend.engine.generator import Generator
from gan_backend.engine.layers import BatchNorm, Maxout
from gan_backend.engine.mlp import MLP, discriminator_net, generator_net
from gan_backend.engine.train import GanTrainer
from tests.gan_backend._gradcheck import finite_diff

RTOL, ATOL = 1e-6, 1e-9


def _to_np(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(training, xp):
    rng = np.random.default_rng(11)
    bn = BatchNorm(4, dtype="float64", xp=xp)
    bn.gamma[...] = xp.asarray(rng.uniform(0.5, 2.0, 4))
    bn.beta[...] = xp.asarray(rng.standard_normal(4))
    bn.running_mean[...] = xp.asarray(rng.standard_normal(4))
    bn.running_var[...] = xp.asarray(rng.uniform(0.5, 2.0, 4))
    bn.training = training
    bn.momentum = 1e-300  # finite differences must not move the running statistics measurably
    x = xp.asarray(3.0 * rng.standard_normal((9, 4)) + 1.0)
    w = xp.asarray(rng.standard_normal((9, 4)))

    def loss():
        return float((bn.forward(x) * w).sum())

    loss()
    dx = bn.backward(w)
    np.testing.assert_allclose(_to_np(dx), finite_diff(loss, x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_to_np(bn.dgamma), finite_diff(loss, bn.gamma), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_to_np(bn.dbeta), finite_diff(loss, bn.beta), rtol=RTOL, atol=ATOL)


def test_batchnorm_values_and_running_statistics():
    rng = np.random.default_rng(12)
    x = 5.0 + 2.0 * rng.standard_normal((50, 3))
    bn = BatchNorm(3, momentum=0.25)
    y = bn.forward(x)
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.25 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.75 + 0.25 * x.var(0, ddof=1), rtol=1e-12)
    bn.training = False  # evaluation: each row on its own, with the running statistics
    np.testing.assert_allclose(bn.forward(x[:1]), (x[:1] - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))


def test_maxout_gradients_and_values(xp):
    rng = np.random.default_rng(13)
    layer = Maxout(3, dtype="float64", xp=xp)
    x = xp.asarray(rng.standard_normal((5, 6)))  # continuous: no ties within 2h
    w = xp.asarray(rng.standard_normal((5, 2)))
    np.testing.assert_array_equal(_to_np(layer.forward(x)), _to_np(x).reshape(5, 2, 3).max(axis=2))

    def loss():
        return float((layer.forward(x) * w).sum())

    loss()
    np.testing.assert_allclose(_to_np(layer.backward(w)), finite_diff(loss, x), rtol=RTOL, atol=ATOL)
    with pytest.raises(ValueError, match="multiple of 3"):
        layer.forward(xp.zeros((2, 4)))


@pytest.mark.parametrize("kw", [dict(batchnorm=True), dict(maxout=4), dict(batchnorm=True, maxout=2)])
def test_mlp_with_batchnorm_or_maxout_end_to_end_gradients(kw, xp):
    rng = np.random.default_rng(14)
    net = MLP((3, 6, 5, 2), activation="tanh", dtype="float64", xp=xp, **kw)
    net.init(rng, "glorot")
    net.params[...] = net.params + xp.asarray(0.1 * rng.standard_normal(net.params.shape))
    for bn in net.norms:
        bn.momentum = 1e-300
    x = xp.asarray(rng.standard_normal((8, 3)))
    w = xp.asarray(rng.standard_normal((8, 2)))

    def loss():
        return float((net.forward(x) * w).sum())

    loss()
    dx = net.backward(w)
    np.testing.assert_allclose(_to_np(dx), finite_diff(loss, x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_to_np(net.grads), finite_diff(loss, net.params), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("g_output", ["sigmoid", "tanh"])
def test_bounded_batchnorm_generator_gradients_and_range(g_output, xp):
    """G from the factory with batch norm and a bounded output (``GanConfig.g_output``):
    end-to-end derivatives against finite differences, outputs inside the bound, and
    sigmoid = (tanh(a/2) + 1)/2 of the last Dense layer's output."""
    rng = np.random.default_rng(16)
    c = GanConfig(latent_dim=3, g_hidden=(6, 5), g_batchnorm=True, g_output=g_output, activation="leaky_relu",
                  dtype="float64")
    net = generator_net(c, 4, xp=xp)
    assert net.output_activation == g_output and len(net.norms) == 2
    net.init(rng, "glorot")
    net.params[...] = net.params + xp.asarray(0.1 * rng.standard_normal(net.params.shape))
    for bn in net.norms:
        bn.momentum = 1e-300
    z = xp.asarray(rng.standard_normal((8, 3)))
    w = xp.asarray(rng.standard_normal((8, 4)))

    def loss():
        return float((net.forward(z) * w).sum())

    loss()
    dz = net.backward(w)
    np.testing.assert_allclose(_to_np(dz), finite_diff(loss, z), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_to_np(net.grads), finite_diff(loss, net.params), rtol=RTOL, atol=ATOL)
    y = _to_np(net.forward(z))
    low = 0.0 if g_output == "sigmoid" else -1.0
    assert np.all(y > low) and np.all(y < 1.0)
    # the last Dense layer's output, by hand from the layers before the output activation
    h = z
    for layer in net.layers[:-1]:
        h = layer.forward(h)
    h = _to_np(h)
    want = (np.tanh(h / 2) + 1) / 2 if g_output == "sigmoid" else np.tanh(h)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="`g_output`"):
        GanConfig(g_output="softplus")


def test_parameter_counts_and_builders():
    c = GanConfig(g_hidden=(7, 4), d_hidden=(6,), g_batchnorm=True, d_maxout=5)
    g, d = generator_net(c, 2), discriminator_net(c, 2)
    assert g.params.size == (5 * 7 + 7) + 2 * 7 + (7 * 4 + 4) + 2 * 4 + (4 * 2 + 2) and len(g.norms) == 2
    assert d.params.size == (2 * 30 + 30) + (6 * 1 + 1) and not d.norms  # 6 units x 5 pieces
    default = generator_net(GanConfig(), 2)
    assert default.sizes == (5, 10, 5, 2) and default.params.size == 60 + 55 + 12 and not default.norms
    for bad, match in ((dict(d_maxout=0), "`d_maxout`"), (dict(g_batchnorm=1), "`g_batchnorm`")):
        with pytest.raises(ValueError, match=match):
            GanConfig(**bad)


def test_batchnorm_generator_trains_samples_saves_and_loads(tmp_path):
    """Training runs through BatchNorm/Maxout nets; sampling uses the running statistics
    (a sample of 1 equals the same code in a batch), and save/load keeps them."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((512, 2))
    c = GanConfig(g_hidden=(8, 8), d_hidden=(8,), g_batchnorm=True, d_maxout=3, epochs=2, batch_size=64,
                  dtype="float64")
    gen = GanTrainer(x, c, rng=0).run()
    assert np.abs(gen.net.norms[0].running_mean).sum() > 0  # statistics were tracked
    np.testing.assert_allclose(gen.sample(1, rng=3), gen.sample(5, rng=3)[:1], rtol=1e-12)
    again = Generator.load(gen.save(tmp_path / "g"))
    np.testing.assert_array_equal(again.sample(50, rng=4), gen.sample(50, rng=4))
    assert gen.net.norms[0].training  # predict restored training mode


def test_identity_leaves_out_late_fields_at_default():
    """Stored runs' configs (presets' run_config) keep the keys they had before ``g_output``,
    ``standardize``, ``d_center``, ``shared_batch``, ``lookahead_adam`` and ``lr_decay_start``
    existed; set away from its default each is part of the identity."""
    import dataclasses

    c = GanConfig()
    late = ("g_output", "standardize", "d_center", "shared_batch", "lookahead_adam", "lr_decay_start")
    assert c.identity() == {k: v for k, v in dataclasses.asdict(c).items() if k not in late}
    assert GanConfig(g_output="sigmoid").identity()["g_output"] == "sigmoid"
    assert GanConfig(standardize=True).identity()["standardize"] is True
    assert GanConfig(d_center=0.5).identity()["d_center"] == 0.5
    assert GanConfig(shared_batch=True).identity()["shared_batch"] is True
    assert GanConfig(unrolled=1, lookahead_adam="persistent").identity()["lookahead_adam"] == "persistent"
    assert GanConfig(lr_decay_start=0.25).identity()["lr_decay_start"] == 0.25
