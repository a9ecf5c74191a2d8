"""What a training method is: a small frozen :class:`Method` object around a trajectory.

A method's *trajectory* yields one :class:`Snapshot` per number of components
``t = 1..T`` (the model the method would return with ``T = t``); ``fit`` is its last
snapshot. Every trajectory takes the same keyword arguments::

    trajectory(x, *, T, config, rng=None, progress=False, options=None, heldout=None,
               first=None, components=None, engine=None, **method_options)

- ``first``: an already trained first GAN ``G_1`` (used instead of training one);
- ``components``: an iterable of independently trained GANs (GAN 1 first), shared by
  the methods that combine independent GANs (Vanilla, Best of T, Ensemble); None: the
  method trains its own from ``rng``;
- ``heldout``: points for selection (Best of T); ``options``: the AdaGAN loop settings
  (:class:`~gan_backend.methods.AdaGanOptions`);
- ``engine``: what trains the AdaGAN methods' components and mixture discriminators, an
  object with :mod:`gan_backend.train`'s ``train_gan`` and ``train_classifier`` (None: that
  module; :func:`gan_backend.lockstep.run_lockstep` passes one that batches the trainings
  of several runs); a method ignores what it does not use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

__all__ = ["Method", "Snapshot", "last_model"]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A method's model after ``t`` components.

    Attributes
    ----------
    t : int
    model : Sampler
    model_id : str
        Names the model within one run: ``"gan<i>"`` for the i-th independent GAN (so a
        Best of T pick, Vanilla, and every method's ``t = 1`` model, which is ``G_1``, share
        one id), ``"<method><t>"`` for a mixture. Evaluations are seeded by it, so equal
        models get equal numbers.
    step : AdaGanStep or None
        The AdaGAN step record when the model is a mixture built by ``adagan_steps``.
    info : dict
        Method-specific details (e.g. Best of T's pick and held-out scores).
    """

    t: int
    model: object
    model_id: str = ""
    step: object = None
    info: dict = field(default_factory=dict)


def last_model(snapshots):
    """The model of the last snapshot of a trajectory (a method's ``fit`` result)."""
    snap = None
    for snap in snapshots:
        pass
    if snap is None:
        raise ValueError("the trajectory produced no model")
    return snap.model


@dataclass(frozen=True)
class Method:
    """A training method of the registry (:mod:`gan_backend.methods`).

    Attributes
    ----------
    name : str
        Registry name (``sample --method``, the table's rows).
    help : str
        One line for ``--help``.
    trajectory : callable
        ``(x, *, T, config, ...) -> Iterator[Snapshot]`` (see the module docstring).
    gans : callable
        ``T -> number of GANs the method trains`` (alone, without shared components).
    uses : "components" or "first"
        What the coverage table shares with it: the whole set of independent GANs
        (``components``), or only the first GAN (``first``: AdaGAN methods start from it).
    options : tuple of (name, default)
        Method options accepted by ``trajectory`` (e.g. TopKLast's ``reading``).
    discriminators : callable
        ``T -> number of mixture discriminators trained`` (cost estimates).
    selections : callable
        ``T -> number of held-out model scores computed`` (cost estimates).
    """

    name: str
    help: str
    trajectory: Callable[..., Iterator[Snapshot]]
    gans: Callable[[int], int]
    uses: str = "first"
    options: tuple = ()
    discriminators: Callable[[int], int] = lambda T: 0
    selections: Callable[[int], int] = lambda T: 0

    def __post_init__(self):
        if self.uses not in ("components", "first"):
            raise ValueError(f"`uses` must be 'components' or 'first'; got {self.uses!r}")

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.options)

    def fit(self, x, *, T: int = 1, config=None, rng=None, progress: bool = False, **kwargs):
        """Train the method on ``x`` and return its final model (the last snapshot's)."""
        return last_model(self.trajectory(x, T=T, config=config, rng=rng, progress=progress, **kwargs))
