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

