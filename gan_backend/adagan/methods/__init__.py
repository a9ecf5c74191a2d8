"""The training methods, as an explicit registry of frozen :class:`Method` objects.

Each method (``sample --method``, the rows of the coverage table) is one
:class:`Method`: name, help line, trajectory (one model per ``t = 1..T``, taking exactly
its parameters) and its options. ``fit`` is written once, on top of the trajectory. A
method built from the existing pieces (e.g. another beta schedule over
:func:`adagan_trajectory`) is one module here and one entry of ``REGISTRY`` below; what
an experiment shares with it and what it costs there is the experiment's
(:mod:`gan_backend.experiments.method_policy`).

>>> names()[0], "components" in get("vanilla").parameters, "components" in get("boosted").parameters
('vanilla', True, False)
"""
from __future__ import annotations

import importlib
import pkgutil

from gan_backend.adagan.methods._adagan import (
    AdaGanOptions, ScheduleBeta, TopKLastBeta, TopKUniform, adagan_trajectory, gan_classifier, gan_trainer,
)
from gan_backend.adagan.methods._independent import IndependentGans
from gan_backend.adagan.methods._method import Method, Snapshot, last_model

__all__ = [
    "REGISTRY", "get", "names", "Method", "Snapshot", "last_model", "AdaGanOptions", "ScheduleBeta",
    "TopKLastBeta", "TopKUniform", "adagan_trajectory", "gan_classifier", "gan_trainer", "IndependentGans",
    "WEIGHT_DELAY", "check_weight_delay", "SEED_ORDER", "discover",
]

#: The method option that trains each AdaGAN component on the previous step's data weights
#: (:func:`gan_backend.adagan.adagan_steps`, ``weight_delay``).
WEIGHT_DELAY = "weight_delay"

#: The seed table's methods, in its row order (the registry lists them first).
SEED_ORDER = ("vanilla", "best_of", "ensemble", "topklast", "boosted")


def discover() -> dict[str, Method]:
    """name -> Method of every public module of this package that defines ``METHOD``."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        method = getattr(importlib.import_module(f"{__name__}.{info.name}"), "METHOD", None)
        if isinstance(method, Method):
            if method.name in found:
                raise ValueError(f"two methods are named {method.name!r} ({info.name})")
            found[method.name] = method
    order = [n for n in SEED_ORDER if n in found] + sorted(set(found) - set(SEED_ORDER))
    return {n: found[n] for n in order}


#: name -> Method, the seed table's rows first in its order, then any other method by name.
REGISTRY: dict[str, Method] = discover()


def names() -> list[str]:
    """Registered method names, in the seed table's row order."""
    return list(REGISTRY)


def get(name: str) -> Method:
    """The :class:`Method` registered as ``name``."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"`method` must be one of {', '.join(REGISTRY)}; got {name!r}") from None


def check_weight_delay(name: str, weight_delay) -> bool:
    """``weight_delay`` for method ``name``, checked: a bool, and True only for a method with
    data weights (one that declares the option: Boosted, TopKLast); anything else is a
    ``ValueError`` naming ``weight_delay``.

    >>> check_weight_delay("boosted", True), check_weight_delay("vanilla", False)
    (True, False)
    """
    if not isinstance(weight_delay, bool):
        raise ValueError(f"`weight_delay` must be True or False; got {weight_delay!r}")
    if weight_delay and WEIGHT_DELAY not in get(name).option_names:
        having = [m for m, method in REGISTRY.items() if WEIGHT_DELAY in method.option_names]
        raise ValueError(f"`weight_delay` applies to the methods with data weights ({', '.join(having)}); "
                         f"got method {name!r}")
    return weight_delay
