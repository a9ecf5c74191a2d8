"""Array-module selection for :mod:`gan_backend`, in one place.

The engine is written against an "array module" ``xp`` (NumPy's API). Which module
that is gets decided here and nowhere else:

======================  ==========================================================
``GAN_BACKEND``         module returned by :func:`get_xp`
======================  ==========================================================
unset or ``numpy``      :mod:`numpy` (the default; always available)
``cupy``                :mod:`cupy`; :class:`BackendUnavailableError` if CuPy cannot
                        be imported or sees no GPU
``auto``                :mod:`cupy` when importable and a GPU is visible, else numpy
======================  ==========================================================

CuPy is imported lazily, inside a guard, only when asked for: a machine without it
never pays for (or fails on) the import. Arrays of the two libraries are never mixed
silently: :func:`check_same_backend` raises :class:`TypeError`, and the public entry
points of the engine call it once on their inputs.

Random numbers are always drawn from a host :class:`numpy.random.Generator` and moved
to the device with :func:`to_device`, so a seed gives the same stream on every backend.
"""
from __future__ import annotations

import importlib
import os
import types

import numpy as np
from scipy.special import expit as _scipy_expit

__all__ = [
    "BackendUnavailableError",
    "ENV_VAR",
    "available_backends",
    "cupy_status",
    "get_xp",
    "array_module",
    "check_same_backend",
    "to_device",
    "to_numpy",
    "expit",
]

ENV_VAR = "GAN_BACKEND"
_CHOICES = ("numpy", "cupy", "auto")


class BackendUnavailableError(RuntimeError):
    """The backend named by ``GAN_BACKEND`` cannot be used on this machine."""


def _try_cupy() -> tuple[types.ModuleType | None, str]:
    """Return ``(cupy, "")`` when CuPy imports and sees a GPU, else ``(None, reason)``."""
    try:
        cp = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a CUDA library failing at import
        return None, f"CuPy is not importable ({type(exc).__name__}: {exc})"
    try:
        n_gpu = cp.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return None, f"CuPy sees no usable GPU ({type(exc).__name__}: {exc})"
    if n_gpu < 1:
        return None, "CuPy sees no GPU"
    return cp, ""


_CUPY_CACHE: dict[str, tuple[types.ModuleType | None, str]] = {}


def cupy_status() -> tuple[types.ModuleType | None, str]:
    """``(cupy, "")`` when CuPy imports and sees a GPU, else ``(None, reason)``; tried once per
    process.

    Examples
    --------
    >>> cp, why = cupy_status()
    >>> (cp is None) == bool(why)
    True
    """
    if "cupy" not in _CUPY_CACHE:
        _CUPY_CACHE["cupy"] = _try_cupy()
    return _CUPY_CACHE["cupy"]


def available_backends() -> list[str]:
    """Names of the backends usable here: always ``"numpy"``, plus ``"cupy"`` with a GPU."""
    return ["numpy"] + (["cupy"] if cupy_status()[0] is not None else [])


def get_xp(name: str | None = None) -> types.ModuleType:
    """Return the array module selected by ``name`` or, when None, by ``$GAN_BACKEND``.

    Raises
    ------
    ValueError
        If the name is not one of ``numpy``, ``cupy``, ``auto``.
    BackendUnavailableError
        If ``cupy`` is asked for and CuPy (or a GPU) is not available.
    """
    source = "`backend`" if name is not None else f"environment variable {ENV_VAR}"
    choice = (name if name is not None else os.environ.get(ENV_VAR, "numpy")).strip().lower() or "numpy"
    if choice not in _CHOICES:
        raise ValueError(f"{source} must be one of {', '.join(_CHOICES)}; got {choice!r}")
    if choice == "numpy":
        return np
    cp, why = cupy_status()
    if cp is not None:
        return cp
    if choice == "auto":
        return np
    raise BackendUnavailableError(
        f"{source} asks for the CuPy backend, but {why}; install the `gpu` extra on a machine "
        f"with a CUDA GPU, or set {ENV_VAR}=numpy"
    )


def array_module(*arrays) -> types.ModuleType:
    """The module owning ``arrays`` (numpy or cupy), after :func:`check_same_backend`."""
    return check_same_backend(*arrays)


def _module_of(a) -> str | None:
    mod = type(a).__module__.split(".", 1)[0]
    if mod == "numpy":
        return "numpy"
    if mod == "cupy":
        return "cupy"
    return None


def check_same_backend(*arrays) -> types.ModuleType:
    """Raise :class:`TypeError` when NumPy and CuPy arrays are mixed; return their module.

    Python scalars, lists and None are ignored (they convert to either library).
    """
    seen = {m for m in (_module_of(a) for a in arrays if a is not None) if m is not None}
    if len(seen) > 1:
        kinds = ", ".join(f"{type(a).__module__}.{type(a).__name__}" for a in arrays if a is not None)
        raise TypeError(f"numpy and cupy arrays must not be mixed; got {kinds}")
    if seen == {"cupy"}:
        return importlib.import_module("cupy")
    return np


def to_device(a, xp: types.ModuleType, dtype=None):
    """``a`` as an array of module ``xp`` (no copy when it already is one, of that dtype)."""
    if xp is np:
        if _module_of(a) == "cupy":
            raise TypeError("a cupy array was given where the numpy backend is selected")
        return np.asarray(a, dtype=dtype)
    return xp.asarray(a, dtype=dtype)


def to_numpy(a) -> np.ndarray:
    """``a`` as a host NumPy array (``cupy.asnumpy`` for device arrays)."""
    if _module_of(a) == "cupy":
        return importlib.import_module("cupy").asnumpy(a)
    return np.asarray(a)


def expit(xp: types.ModuleType):
    """The logistic ufunc ``σ(v) = 1/(1+e^{-v})`` of ``xp`` (stable: never overflows).

    :func:`scipy.special.expit` for NumPy, :func:`cupyx.scipy.special.expit` for CuPy.
    """
    if xp is np:
        return _scipy_expit
    from cupyx.scipy.special import expit as _expit  # lazy: optional GPU dependency (CuPy)  # pragma: no cover

    return _expit
