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

from gan_backend.adagan.methods import best_of, boosted, ensemble, topklast, vanilla
from gan_backend.adagan.methods._adagan import (
    AdaGanOptions, ScheduleBeta, TopKLastBeta, TopKUniform, adagan_trajectory, gan_classifier, gan_trainer,
)
from gan_backend.adagan.methods._independent import IndependentGans
from gan_backend.adagan.methods._method import Method, Snapshot, last_model

__all__ = [
    "REGISTRY", "get", "names", "Method", "Snapshot", "last_model", "AdaGanOptions", "ScheduleBeta",
    "TopKLastBeta", "TopKUniform", "adagan_trajectory", "gan_classifier", "gan_trainer", "IndependentGans",
]

#: name -> Method, in the seed table's row order.
REGISTRY: dict[str, Method] = {
    m.name: m for m in (vanilla.METHOD, best_of.METHOD, ensemble.METHOD, topklast.METHOD, boosted.METHOD)
}


def names() -> list[str]:
    """Registered method names, in the seed table's row order."""
    return list(REGISTRY)


def get(name: str) -> Method:
    """The :class:`Method` registered as ``name``."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"`method` must be one of {', '.join(REGISTRY)}; got {name!r}") from None
