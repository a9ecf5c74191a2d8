"""Registry of training methods for ``python -m gan_backend sample --method``.

A method is a module in this package with ``NAME`` (str) and
``fit(x, *, T, config, rng, progress=False) -> Sampler``, where a Sampler is any object
with ``.sample(n, rng) -> ndarray (n, d)`` (a :class:`~gan_backend.Generator`, a
mixture, ...). Modules are discovered on first use; adding a file adds a method.

>>> "vanilla" in names()
True
"""
from __future__ import annotations

import importlib
import pkgutil
import types

__all__ = ["get", "names"]

_REGISTRY: dict[str, types.ModuleType] | None = None


def _registry() -> dict[str, types.ModuleType]:
    global _REGISTRY
    if _REGISTRY is None:
        reg = {}
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{__name__}.{info.name}")
            if isinstance(getattr(mod, "NAME", None), str) and callable(getattr(mod, "fit", None)):
                reg[mod.NAME] = mod
        _REGISTRY = reg
    return _REGISTRY


def names() -> list[str]:
    """Registered method names, sorted (``vanilla`` first when present)."""
    return sorted(_registry(), key=lambda n: (n != "vanilla", n))


def get(name: str) -> types.ModuleType:
    """The method module registered as ``name`` (has ``NAME`` and ``fit``)."""
    try:
        return _registry()[name]
    except KeyError:
        raise ValueError(f"`method` must be one of {', '.join(names())}; got {name!r}") from None
