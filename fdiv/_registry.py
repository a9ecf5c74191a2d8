"""Registry of the generators of docs/theory.md §0: one dict both dispatches and lists the names."""
from __future__ import annotations

import math
import re

from fdiv._fdivergence import FDivergence
from fdiv._generators_alpha import alpha
from fdiv._generators_log import GAN, JEFFREYS, JS, KL, LOG_TRICK, REVERSE_KL
from fdiv._generators_power import NEYMAN_CHI2, PEARSON_CHI2, SQUARED_HELLINGER, TRIANGULAR, TV

__all__ = ["get", "names", "alpha", "is_registry_entry", "REGISTRY", "DUAL_NAME"]

#: name -> FDivergence, in the order of docs/theory.md §0.
REGISTRY: dict[str, FDivergence] = {
    g.name: g
    for g in (KL, REVERSE_KL, TV, JS, SQUARED_HELLINGER, PEARSON_CHI2, NEYMAN_CHI2,
              JEFFREYS, TRIANGULAR, GAN, LOG_TRICK)
}

#: name -> name of the registry entry equal to its dual x f(1/x) (log_trick has none).
DUAL_NAME: dict[str, str] = {
    "kl": "reverse_kl", "reverse_kl": "kl", "pearson_chi2": "neyman_chi2",
    "neyman_chi2": "pearson_chi2", "tv": "tv", "js": "js", "squared_hellinger": "squared_hellinger",
    "jeffreys": "jeffreys", "triangular": "triangular", "gan": "gan",
}

_ALPHA_NAME = re.compile(r"alpha\((.+)\)")


def names() -> list[str]:
    """Names of the registry generators, in the order of docs/theory.md §0.

    Examples
    --------
    >>> import fdiv
    >>> fdiv.names()[:3]
    ['kl', 'reverse_kl', 'tv']
    """
    return list(REGISTRY)


def get(name: str) -> FDivergence:
    """The registry generator called ``name`` (also ``"alpha(<a>)"`` -> ``alpha(a)``).

    Raises
    ------
    ValueError
        If ``name`` is not a registry name; the message lists the valid names.

    Examples
    --------
    >>> import fdiv
    >>> float(fdiv.get("neyman_chi2").conjugate(1.0))
    2.0
    """
    if isinstance(name, str):
        entry = REGISTRY.get(name)
        if entry is not None:
            return entry
        m = _ALPHA_NAME.fullmatch(name)
        if m is not None:
            try:
                a = float(m.group(1))
            except ValueError:
                a = None
            if a is not None and math.isfinite(a):
                return alpha(a)
    raise ValueError(
        f"`name` must be one of {', '.join(REGISTRY)} or 'alpha(<a>)'; got {name!r}")


def is_registry_entry(f: FDivergence) -> bool:
    """True iff ``f`` is one of the registry objects (not a transform of one)."""
    return REGISTRY.get(f.name) is f
