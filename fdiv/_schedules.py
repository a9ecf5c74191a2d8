"""β schedules of AdaGAN (docs/theory.md §3): the weight β_t of the t-th component.

``t = 1`` is the first GAN, which is the whole model: ``β_1 = 1`` in every schedule. Each
schedule is a small frozen object with ``.beta(t)``; :func:`beta_schedule` looks the kind up
in one dict that both dispatches and lists the valid choices.

    constant(β):  β_1 = 1, β_t = β (t ≥ 2)
    boosted:      β_t = 1/t          (Boosted AdaGAN; also the Ensemble baseline's mixture weights)

Data-dependent choices (TopKLast r) are not schedules: see :func:`fdiv.topklast_beta`.
"""
from __future__ import annotations

from dataclasses import dataclass

from fdiv._validate import check_beta, check_positive_int

__all__ = ["ConstantSchedule", "BoostedSchedule", "beta_schedule", "SCHEDULES"]


@dataclass(frozen=True)
class ConstantSchedule:
    """``β_1 = 1`` and ``β_t = value`` for ``t >= 2`` (S16–S17 with constant β).

    Examples
    --------
    >>> s = ConstantSchedule(0.3)
    >>> [s.beta(t) for t in (1, 2, 3)]
    [1.0, 0.3, 0.3]
    """

    value: float
    name: str = "constant"

    def __post_init__(self):
        object.__setattr__(self, "value", check_beta(self.value, "beta"))

    def beta(self, t: int) -> float:
        """β_t for the t-th component (t = 1, 2, ...)."""
        return 1.0 if check_positive_int(t, "t") == 1 else self.value


@dataclass(frozen=True)
class BoostedSchedule:
    """``β_t = 1/t`` (Boosted AdaGAN): every component ends with equal weight 1/T.

    Examples
    --------
    >>> [BoostedSchedule().beta(t) for t in (1, 2, 4)]
    [1.0, 0.5, 0.25]
    """

    name: str = "boosted"

    def beta(self, t: int) -> float:
        """β_t = 1/t for the t-th component (t = 1, 2, ...)."""
        return 1.0 / check_positive_int(t, "t")


def _constant(beta) -> ConstantSchedule:
    return ConstantSchedule(beta)


def _boosted() -> BoostedSchedule:
    return BoostedSchedule()


SCHEDULES = {"constant": _constant, "boosted": _boosted}


def beta_schedule(kind: str, **params):
    """Build a β schedule: ``beta_schedule("constant", beta=0.5)`` or ``beta_schedule("boosted")``.

    Raises
    ------
    ValueError
        Unknown ``kind`` (the message lists the choices), wrong parameters for the kind, or
        an invalid β.

    Examples
    --------
    >>> beta_schedule("constant", beta=0.5).beta(2)
    0.5
    >>> beta_schedule("boosted").beta(3) == 1 / 3
    True
    """
    try:
        make = SCHEDULES[kind]
    except (KeyError, TypeError):
        raise ValueError(f"`kind` must be one of {sorted(SCHEDULES)}; got {kind!r}") from None
    try:
        return make(**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters {params!r} for the {kind!r} schedule: {exc}") from None
