"""Registry of the generators of docs/theory.md §0: one dict both dispatches and lists the names."""
from __future__ import annotations

import math
import re

from fdiv._fdivergence import FDivergence
from fdiv._generators_alpha import alpha
from fdiv._generators_log import GAN, JEFFREYS, JS, KL, LOG_TRICK, REVERSE_KL
from fdiv._generators_power import NEYMAN_CHI2, PEARSON_CHI2, SQUARED_HELLINGER, TRIANGULAR, TV

__all__ = ["get", "names", "alpha", "is_registry_entry", "REGISTRY", "DUAL_NAME", "ALIASES", "REFUSED"]

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

#: other common names (compared after lower-casing and turning "-" and " " into "_") -> registry
#: name. Each keeps the registry's constant: "hellinger" is ∫(√q − √p)² (no ½), "chi2" is
#: Σ(q − p)²/p.
ALIASES: dict[str, str] = {
    **{a: "kl" for a in ("kullback_leibler", "kl_divergence", "relative_entropy", "forward_kl")},
    **{a: "reverse_kl" for a in ("reverse_kullback_leibler", "backward_kl", "rkl")},
    **{a: "pearson_chi2" for a in ("chi2", "chi_squared", "chi_square", "pearson", "pearson_chi_squared")},
    **{a: "neyman_chi2" for a in ("neyman", "neyman_chi_squared", "reverse_chi2")},
    **{a: "squared_hellinger" for a in ("hellinger", "hellinger_squared", "squared_hellinger_distance")},
    **{a: "jeffreys" for a in ("jeffreys_divergence", "symmetric_kl", "j_divergence")},
    **{a: "triangular" for a in ("triangular_discrimination",)},
    **{a: "log_trick" for a in ("logtrick",)},
}

_JS_HALF = ("is the usual Jensen-Shannon divergence JSD = (KL(Q||M) + KL(P||M))/2, which is HALF of "
            "this registry's 'js' (js = 2 JSD, docs/theory.md §0); use 'js' and divide the value by 2")
_TV_HALF = ("is usually the total variation distance sup|Q(A) - P(A)| = (1/2) sum|q - p|, which is HALF of "
            "this registry's 'tv' (tv = sum|q - p|, no 1/2, docs/theory.md §0); use 'tv' and divide the "
            "value by 2")
#: names refused because their usual constant differs from the registry's: name -> why.
REFUSED: dict[str, str] = {
    **{a: _JS_HALF for a in ("jsd", "jensen_shannon", "jensen_shannon_divergence", "js_divergence")},
    **{a: _TV_HALF for a in ("total_variation", "total_variation_distance", "tv_distance", "variational")},
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


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def get(name: str) -> FDivergence:
    """The registry generator called ``name`` (also ``"alpha(<a>)"`` -> ``alpha(a)``).

    Names are compared case-insensitively, with ``-`` and spaces read as ``_``. Besides the
    registry names, common aliases are accepted, each keeping the registry's constant:

    =================================================================  ==================
    alias                                                              registry entry
    =================================================================  ==================
    kullback_leibler, kl_divergence, relative_entropy, forward_kl      kl
    reverse_kullback_leibler, backward_kl, rkl                         reverse_kl
    chi2, chi_squared, chi_square, pearson, pearson_chi_squared        pearson_chi2
    neyman, neyman_chi_squared, reverse_chi2                           neyman_chi2
    hellinger, hellinger_squared, squared_hellinger_distance           squared_hellinger
                                                                       (∫(√q − √p)², no ½)
    jeffreys_divergence, symmetric_kl, j_divergence                    jeffreys
    triangular_discrimination                                          triangular
    logtrick                                                           log_trick
    =================================================================  ==================

    Names whose usual constant is half the registry's are refused with a message that names
    the registry entry and the factor 2: ``jsd``, ``jensen_shannon`` (and
    ``jensen_shannon_divergence``, ``js_divergence``) are ½ ``js``; ``total_variation`` (and
    ``total_variation_distance``, ``tv_distance``, ``variational``) is ½ ``tv``.

    Raises
    ------
    ValueError
        If ``name`` is not a registry name or alias (the message lists the valid names), or is
        one of the refused names above (the message says which entry to use and the factor).

    Examples
    --------
    >>> import fdiv
    >>> float(fdiv.get("neyman_chi2").conjugate(1.0))
    2.0
    >>> fdiv.get("KL") is fdiv.get("kullback-leibler") is fdiv.get("kl")
    True
    >>> fdiv.get("jsd")
    Traceback (most recent call last):
    ...
    ValueError: `name` 'jsd' is the usual Jensen-Shannon divergence JSD = (KL(Q||M) + KL(P||M))/2, which is HALF of this registry's 'js' (js = 2 JSD, docs/theory.md §0); use 'js' and divide the value by 2
    """
    if isinstance(name, str):
        entry = REGISTRY.get(name)
        if entry is not None:
            return entry
        key = _key(name)
        canonical = REGISTRY.get(key) or REGISTRY.get(ALIASES.get(key, ""))
        if canonical is not None:
            return canonical
        if key in REFUSED:
            raise ValueError(f"`name` {name!r} {REFUSED[key]}")
        m = _ALPHA_NAME.fullmatch(name.strip().lower())  # keeps the sign of a
        if m is not None:
            try:
                a = float(m.group(1))
            except ValueError:
                a = None
            if a is not None and math.isfinite(a):
                return alpha(a)
    raise ValueError(
        f"`name` must be one of {', '.join(REGISTRY)} or 'alpha(<a>)' (or an alias listed in "
        f"fdiv.get's docstring); got {name!r}")


def is_registry_entry(f: FDivergence) -> bool:
    """True iff ``f`` is one of the registry objects (not a transform of one)."""
    return REGISTRY.get(f.name) is f
