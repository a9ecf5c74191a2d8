"""Layers and MLP: every hand-written derivative against central finite differences.

float64, h = 1e-6: the central-difference error is O(h²) + O(eps/h) ~ 1e-10 relative,
so rtol = 1e-6 leaves a wide margin while catching any wrong term.
"""
import numpy as np
import pytest

from gan_backend.engine.layers import ACTIVATIONS, ELU, Dense, LeakyReLU, ReLU, Sigmoid, Tanh, check_dtype
from gan_backend.engine.mlp import MLP
from tests.gan_backend._gradcheck import finite_diff

RTOL, ATOL = 1e-6, 1e-9


def _to_np(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _away_from_kinks(rng, shape, xp):
    """Inputs with |x| >= 0.05, so no finite-difference step crosses a ReLU kink."""
    x = rng.standard_normal(shape)
    x = np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + 0.05 * (x == 0), x)
    return xp.asarray(x)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_input_gradient(name, xp):
    rng = np.random.default_rng(1)
    layer = ACTIVATIONS[name](dtype="float64", xp=xp)
    x = _away_from_kinks(rng, (7, 4), xp)
    w = xp.asarray(rng.standard_normal((7, 4)))

    def loss():
        return float((layer.forward(x) * w).sum())

    loss()
    dx = layer.backward(w)
    num = finite_diff(loss, x)
    np.testing.assert_allclose(_to_np(dx), _to_np(num), rtol=RTOL, atol=ATOL)


def test_dense_gradients(xp):
    rng = np.random.default_rng(2)
    for n_in, n_out in ((3, 4), (4, 1), (1, 3)):
        layer = Dense(n_in, n_out, dtype="float64", xp=xp)
        layer.init(rng, "normal", 0.8)
        layer.b[...] = xp.asarray(rng.standard_normal(n_out))
        x = xp.asarray(rng.standard_normal((6, n_in)))
        w = xp.asarray(rng.standard_normal((6, n_out)))

        def loss():
            return float((layer.forward(x) * w).sum())

        loss()
        dx = layer.backward(w)
        np.testing.assert_allclose(_to_np(dx), finite_diff(loss, x), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(_to_np(layer.dW), finite_diff(loss, layer.W), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(_to_np(layer.db), finite_diff(loss, layer.b), rtol=RTOL, atol=ATOL)


def test_dense_backward_writes_not_accumulates(xp):
    rng = np.random.default_rng(3)
    layer = Dense(2, 3, dtype="float64", xp=xp)
    layer.init(rng)
    x = xp.asarray(rng.standard_normal((5, 2)))
    dy = xp.asarray(rng.standard_normal((5, 3)))
    layer.forward(x)
    layer.backward(dy)
    first = _to_np(layer.dW).copy()
    layer.backward(dy)
    np.testing.assert_array_equal(_to_np(layer.dW), first)
    assert layer.backward(dy, need_dx=False) is None


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output_activation", [None, "sigmoid"])
def test_mlp_end_to_end_gradients(activation, output_activation, xp):
    rng = np.random.default_rng(4)
    net = MLP((3, 6, 5, 2), activation=activation, output_activation=output_activation,
              dtype="float64", xp=xp)
    net.init(rng, "glorot")
    net.params[...] = net.params + xp.asarray(0.1 * rng.standard_normal(net.params.shape))
    x = _away_from_kinks(rng, (8, 3), xp)
    w = xp.asarray(rng.standard_normal((8, 2)))

    def loss():
        return float((net.forward(x) * w).sum())

    loss()
    dx = net.backward(w)
    np.testing.assert_allclose(_to_np(dx), finite_diff(loss, x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_to_np(net.grads), finite_diff(loss, net.params), rtol=RTOL, atol=ATOL)
    # input-only backward leaves the parameter gradients alone
    before = _to_np(net.grads).copy()
    net.forward(x)
    dx2 = net.backward(2 * w, param_grads=False)
    np.testing.assert_allclose(_to_np(dx2), 2 * _to_np(dx), rtol=1e-12)
    np.testing.assert_array_equal(_to_np(net.grads), before)


def test_activation_values_and_stability():
    x = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(ReLU().forward(x.copy()), [[0, 0, 0, 1, 1000]])
        np.testing.assert_allclose(LeakyReLU(0.1).forward(x.copy()), [[-100, -0.1, 0, 1, 1000]])
        np.testing.assert_allclose(Tanh().forward(x.copy()), np.tanh(x))
        np.testing.assert_allclose(Sigmoid().forward(x.copy()), [[0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1]])
        np.testing.assert_allclose(ELU().forward(x.copy()), [[-1, np.expm1(-1), 0, 1, 1000]])


def test_inplace_flag_controls_mutation():
    x = np.array([[-1.0, 2.0]])
    ReLU().forward(x)
    np.testing.assert_array_equal(x, [[-1.0, 2.0]])
    ReLU(inplace=True).forward(x)
    np.testing.assert_array_equal(x, [[0.0, 2.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_dtype_is_kept(dtype):
    net = MLP((2, 4, 1), dtype=dtype)
    net.init(np.random.default_rng(0))
    y = net.forward(np.ones((3, 2), dtype=dtype))
    assert y.dtype == np.dtype(dtype) and net.params.dtype == np.dtype(dtype)
    net.backward(np.ones((3, 1), dtype=dtype))
    assert net.grads.dtype == np.dtype(dtype)


def test_float32_matches_float64():
    rng = np.random.default_rng(5)
    n64 = MLP((2, 50, 30, 1), dtype="float64")
    n64.init(rng)
    n32 = MLP((2, 50, 30, 1), dtype="float32")
    n32.params[...] = n64.params
    x = rng.standard_normal((64, 2))
    np.testing.assert_allclose(n32.forward(x.astype(np.float32)), n64.forward(x), rtol=1e-4, atol=1e-3)


def test_flat_parameter_views():
    net = MLP((2, 3, 1), dtype="float64")
    net.params[:] = np.arange(net.params.size)
    np.testing.assert_array_equal(net.dense[0].W, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(net.dense[0].b, [6, 7, 8])
    np.testing.assert_array_equal(net.dense[1].W, [[9], [10], [11]])
    clone = net.clone()
    clone.params[0] = -1
    assert net.params[0] == 0


def test_inits():
    rng = np.random.default_rng(6)
    d = Dense(400, 300, dtype="float64")
    d.init(rng, "normal", 0.8)
    assert abs(d.W.std() - 0.8) < 0.01 and abs(d.W.mean()) < 0.01 and not d.b.any()
    d.init(rng, "glorot")
    a = np.sqrt(6 / 700)
    assert d.W.min() >= -a and d.W.max() <= a and abs(d.W.std() - a / np.sqrt(3)) < 0.005


@pytest.mark.parametrize("bad", [
    dict(sizes=(2,)), dict(sizes=(2, 0, 1)), dict(sizes=(2, 1), activation="swish"),
    dict(sizes=(2, 1), output_activation="softmax"), dict(sizes=(2, 1), dtype="int32"),
    dict(sizes=(2, 1), dtype="float16"),
])
def test_mlp_rejects_bad_arguments(bad):
    sizes = bad.pop("sizes")
    with pytest.raises(ValueError, match="`(sizes|activation|output_activation|dtype)`"):
        MLP(sizes, **bad)


def test_layer_validation():
    with pytest.raises(ValueError, match="`alpha`"):
        LeakyReLU(1.5)
    with pytest.raises(ValueError, match="`alpha`"):
        ELU(0.0)
    with pytest.raises(ValueError, match="`init`"):
        Dense(2, 2).init(np.random.default_rng(0), "he")
    assert check_dtype("float32") is np.float32
