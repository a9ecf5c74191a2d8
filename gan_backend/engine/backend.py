"""Public face of the array-module selection (see :mod:`gan_backend.engine._backend`).

``get_xp()`` returns numpy or cupy according to ``GAN_BACKEND=numpy|cupy|auto``;
``available_backends()`` lists what works here and ``cupy_status()`` why CuPy does not; mixing
numpy and cupy arrays raises ``TypeError`` (:func:`check_same_backend`).

Examples
--------
>>> import numpy as np
>>> from gan_backend.engine import backend
>>> "numpy" in backend.available_backends()
True
>>> backend.array_module(np.zeros(3)) is np
True
"""
from gan_backend.engine._backend import (  # noqa: F401
    ENV_VAR,
    BackendUnavailableError,
    array_module,
    available_backends,
    check_same_backend,
    cupy_status,
    get_xp,
    to_device,
    to_numpy,
)

__all__ = [
    "ENV_VAR",
    "BackendUnavailableError",
    "array_module",
    "available_backends",
    "check_same_backend",
    "cupy_status",
    "get_xp",
    "to_device",
    "to_numpy",
]
