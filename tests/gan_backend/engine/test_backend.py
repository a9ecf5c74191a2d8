"""Array-module selection: env switch, clean errors, no silent mixing, numpy/cupy parity."""
import numpy as np
import pytest

from gan_backend import GanConfig, GanTrainer, train_gan
from gan_backend.engine._backend import (
    BackendUnavailableError,
    available_backends,
    check_same_backend,
    get_xp,
    to_numpy,
)


class _FakeCupyArray:
    """Looks like a CuPy array to the type check (its class lives in a 'cupy' module)."""


_FakeCupyArray.__module__ = "cupy._core.core"


def test_default_and_forced_numpy(monkeypatch):
    monkeypatch.delenv("GAN_BACKEND", raising=False)
    assert get_xp() is np
    monkeypatch.setenv("GAN_BACKEND", "numpy")
    assert get_xp() is np
    assert get_xp("NumPy ") is np
    assert "numpy" in available_backends()


def test_unknown_backend_names_the_variable(monkeypatch):
    monkeypatch.setenv("GAN_BACKEND", "jax")
    with pytest.raises(ValueError, match="GAN_BACKEND must be one of numpy, cupy, auto; got 'jax'"):
        get_xp()
    with pytest.raises(ValueError, match="`backend`"):
        get_xp("torch")


def test_cupy_requested_but_absent_is_a_clear_error(monkeypatch):
    if "cupy" in available_backends():
        pytest.skip("CuPy with a GPU is available here")
    monkeypatch.setenv("GAN_BACKEND", "cupy")
    with pytest.raises(BackendUnavailableError, match="asks for the CuPy backend.*GAN_BACKEND=numpy"):
        get_xp()
    monkeypatch.setenv("GAN_BACKEND", "auto")
    assert get_xp() is np


def test_mixing_arrays_raises():
    a = np.zeros(3)
    assert check_same_backend(a, None, 3.0, [1, 2]) is np
    with pytest.raises(TypeError, match="numpy and cupy arrays must not be mixed"):
        check_same_backend(a, _FakeCupyArray())
    with pytest.raises(TypeError, match="must not be mixed"):
        GanTrainer(np.zeros((10, 2)), GanConfig(epochs=1), weights=_FakeCupyArray())


def test_trainer_runs_on_each_backend(xp):
    x = np.random.default_rng(0).normal(size=(512, 2))
    tr = GanTrainer(x, GanConfig(epochs=1, batch_size=64), rng=0)
    assert type(tr.D.params).__module__.split(".")[0] == xp.__name__
    g = tr.run()
    assert np.isfinite(g.sample(50, rng=0)).all()


@pytest.mark.gpu
def test_numpy_cupy_parity(cupy, monkeypatch):
    """Same seed, float64: the two backends draw the same host random numbers, so the
    trained generators agree up to floating-point reassociation in the kernels."""
    x = np.random.default_rng(0).normal(size=(2048, 2))
    cfg = GanConfig(epochs=2, batch_size=128, dtype="float64")
    monkeypatch.setenv("GAN_BACKEND", "numpy")
    a = train_gan(x, cfg, rng=3).sample(256, rng=1)
    monkeypatch.setenv("GAN_BACKEND", "cupy")
    g = train_gan(x, cfg, rng=3)
    assert type(g.net.params).__module__.startswith("cupy")
    b = g.sample(256, rng=1)
    np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-8)
    assert isinstance(to_numpy(g.net.params), np.ndarray)
