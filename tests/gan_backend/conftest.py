"""Fixtures of the gan_backend tests: every backend test runs on each installed backend.

``xp`` is parametrised over numpy and cupy; the cupy case is skipped cleanly (not
failed) on machines without CuPy or without a GPU, so CI runs numpy only.
"""
import numpy as np
import pytest

from gan_backend.engine._backend import available_backends


def _cupy_or_skip():
    cp = pytest.importorskip("cupy")
    if "cupy" not in available_backends():
        pytest.skip("CuPy is installed but sees no GPU")
    return cp


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request, monkeypatch):
    """The array module under test; ``GAN_BACKEND`` is set to match."""
    monkeypatch.setenv("GAN_BACKEND", request.param)
    if request.param == "cupy":
        return _cupy_or_skip()
    return np


@pytest.fixture
def cupy():
    """CuPy, or a clean skip."""
    return _cupy_or_skip()



@pytest.fixture
def dense_macs_counted(monkeypatch):
    """A one-element list counting the multiply-adds of the readable Dense layers' products
    (forward, weight gradients, input gradients) as they are called."""
    from gan_backend.engine import layers

    count = [0]
    fwd, bwd = layers.Dense.forward, layers.Dense.backward

    def forward(self, x):
        count[0] += x.shape[0] * self.n_in * self.n_out
        return fwd(self, x)

    def backward(self, dy, *, param_grads=True, need_dx=True):
        count[0] += dy.shape[0] * self.n_in * self.n_out * (int(param_grads) + int(need_dx))
        return bwd(self, dy, param_grads=param_grads, need_dx=need_dx)

    monkeypatch.setattr(layers.Dense, "forward", forward)
    monkeypatch.setattr(layers.Dense, "backward", backward)
    return count
