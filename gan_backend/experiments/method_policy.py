"""How the coverage table treats each method: what it shares with it and what it costs.

These are the table's decisions, not the methods': a :class:`~gan_backend.adagan.methods.Method`
only declares the parameters of its trajectory.

* **Sharing** follows from those parameters. Within one run (one data draw) the table
  trains one set of independent GANs; every method whose trajectory takes
  ``components`` combines that set (Vanilla, Best of T, Ensemble: :func:`shares_components`),
  and the other methods get only its first GAN (``first``: the AdaGAN methods start from
  it). A method gets exactly the table's offers it declares (:meth:`~gan_backend.adagan.methods.Method.accepted`).
* **Cost** (for the estimate printed before training): GAN trainings, mixture
  discriminators and held-out selections as functions of T, from :data:`COSTS`; a method
  not listed there is priced from its parameters by :func:`cost` (T GANs; T - 1
  discriminators if it takes ``engine``, i.e. trains AdaGAN steps; T selections if it
  takes ``heldout``), an upper bound for the methods built from the existing pieces.

Adding a method therefore changes nothing here.

>>> shares_components("ensemble"), shares_components("boosted")
(True, False)
>>> c = cost("best_of")
>>> c.gans(10), c.discriminators(10), c.selections(10)
(10, 0, 10)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gan_backend.adagan import methods

__all__ = ["Cost", "COSTS", "cost", "shares_components"]


def _none(T: int) -> int:
    return 0


def _one(T: int) -> int:
    return 1


def _all(T: int) -> int:
    return T


def _after_first(T: int) -> int:
    return T - 1


@dataclass(frozen=True)
class Cost:
    """What one run of a method trains and scores, as functions of ``T``.

    Attributes
    ----------
    gans : callable
        ``T -> GANs trained`` (alone, without shared components).
    discriminators : callable
        ``T -> mixture discriminators trained``.
    selections : callable
        ``T -> held-out model scores computed``.
    """

    gans: Callable[[int], int]
    discriminators: Callable[[int], int] = _none
    selections: Callable[[int], int] = _none


#: the registered methods' costs (a method not listed: :func:`cost` derives one)
COSTS: dict[str, Cost] = {
    "vanilla": Cost(gans=_one),
    "best_of": Cost(gans=_all, selections=_all),
    "ensemble": Cost(gans=_all),
    "topklast": Cost(gans=_all, discriminators=_after_first),
    "boosted": Cost(gans=_all, discriminators=_after_first),
}


def shares_components(name: str) -> bool:
    """Whether method ``name`` combines the run's shared independent GANs (its trajectory
    takes ``components``)."""
    return "components" in methods.get(name).parameters


def cost(name: str) -> Cost:
    """:data:`COSTS` of method ``name``, or the cost derived from its parameters."""
    if name in COSTS:
        return COSTS[name]
    params = methods.get(name).parameters
    return Cost(gans=_all, discriminators=_after_first if "engine" in params else _none,
                selections=_all if "heldout" in params else _none)
