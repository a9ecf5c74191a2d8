"""The training methods, as an explicit registry of frozen :class:`Method` objects.

Each method (``sample --method``, the rows of the coverage table) is one
:class:`Method`: name, help line, trajectory (one model per ``t = 1..T``), how many GANs
it trains, what the table shares with it (the independent GANs or only the first GAN),
and its options. ``fit`` is written once, on top of the trajectory. A method built from
the existing pieces (e.g. another beta schedule over :func:`adagan_trajectory`) is one
entry of ``REGISTRY`` below; nothing else in the package names methods.

>>> names()[0], get("boosted").gans(10)
('vanilla', 10)
"""
from __future__ import annotations

from gan_backend.methods import best_of, boosted, ensemble, topklast, vanilla
from gan_backend.methods._adagan import (
    AdaGanOptions, ScheduleBeta, TopKLastBeta, TopKUniform, adagan_trajectory, gan_classifier, gan_trainer,
)
from gan_backend.methods._independent import IndependentGans
from gan_backend.methods._method import Method, Snapshot, last_model

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
