"""Public face of the array-module selection (see :mod:`gan_backend._backend`).

``get_xp()`` returns numpy or cupy according to ``GAN_BACKEND=numpy|cupy|auto``;
``available_backends()`` lists what works here; mixing numpy and cupy arrays raises
``TypeError`` (:func:`check_same_backend`).
"""
from gan_backend._backend import (  # noqa: F401
    ENV_VAR,
    BackendUnavailableError,
    array_module,
    available_backends,
    check_same_backend,
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
    "get_xp",
    "to_device",
    "to_numpy",
]
