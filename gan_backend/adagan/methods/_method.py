"""What a training method is: a small frozen :class:`Method` object around a trajectory.

A method's *trajectory* yields one :class:`Snapshot` per number of components
``t = 1..T`` (the model the method would return with ``T = t``); ``fit`` is its last
snapshot. A trajectory takes exactly the keyword arguments it uses (no ``**kwargs``, so a
misspelt keyword is a ``TypeError`` naming it), all from this vocabulary::

    trajectory(x, *, T, config=None, rng=None, progress=False, options=None, heldout=None,
               first=None, components=None, engine=None, **its own options)

- ``first``: an already trained first GAN ``G_1`` (used instead of training one);
- ``components``: an iterable of independently trained GANs (GAN 1 first), for the
  methods that combine independent GANs (Vanilla, Best of T, Ensemble); None: the
  method trains its own from ``rng``;
- ``heldout``: points for selection (Best of T); ``options``: the AdaGAN loop settings
  (:class:`~gan_backend.adagan.methods.AdaGanOptions`);
- ``engine``: what trains the AdaGAN methods' components and mixture discriminators, an
  object with :mod:`gan_backend.engine.train`'s ``train_gan`` and ``train_classifier`` (None: that
  module; :func:`gan_backend.engine.lockstep.run_lockstep` passes one that batches the trainings
  of several runs).

A caller holding more than a method takes (an experiment offering the same data to every
method) passes :meth:`Method.accepted` of what it offers. How an experiment shares work
between methods or prices them is the experiment's business, not the method's.
"""
from __future__ import annotations

import inspect
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
    """A training method of the registry (:mod:`gan_backend.adagan.methods`).

    Attributes
    ----------
    name : str
        Registry name (``sample --method``, the table's rows).
    help : str
        One line for ``--help``.
    trajectory : callable
        ``(x, *, T, config, ...) -> Iterator[Snapshot]`` taking exactly its parameters
        (see the module docstring); a ``**kwargs`` catch-all is refused.
    options : tuple of (name, default)
        The method's own options among those parameters (e.g. TopKLast's ``reading``).

    Examples
    --------
    >>> from gan_backend.adagan import methods
    >>> methods.get("vanilla").parameters
    ('T', 'config', 'rng', 'progress', 'components')
    >>> methods.get("vanilla").fit([[0.0, 1.0]], T=1, confg=None)
    Traceback (most recent call last):
    ...
    TypeError: trajectory() got an unexpected keyword argument 'confg'
    """

    name: str
    help: str
    trajectory: Callable[..., Iterator[Snapshot]]
    options: tuple = ()

    def __post_init__(self):
        if not callable(self.trajectory):
            raise ValueError(f"`trajectory` of method {self.name!r} must be callable; got {self.trajectory!r:.80}")
        for p in inspect.signature(self.trajectory).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                raise ValueError(f"`trajectory` of method {self.name!r} must take exactly its parameters; "
                                 f"got **{p.name}")
        missing = [k for k in self.option_names if k not in self.parameters]
        if missing:
            raise ValueError(f"`options` of method {self.name!r} must be parameters of its trajectory; "
                             f"got {', '.join(missing)}")

    @property
    def parameters(self) -> tuple[str, ...]:
        """The keyword parameters of :attr:`trajectory`, in order (``x`` excluded)."""
        return tuple(k for k, p in inspect.signature(self.trajectory).parameters.items()
                     if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and k != "x")

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.options)

    def accepted(self, offered: dict) -> dict:
        """The entries of ``offered`` that are parameters of this method."""
        params = self.parameters
        return {k: v for k, v in offered.items() if k in params}

    def fit(self, x, *, T: int = 1, **kwargs):
        """Train the method on ``x`` and return its final model (the last snapshot's);
        ``kwargs`` are :attr:`trajectory`'s (an unknown one is a ``TypeError`` naming it)."""
        return last_model(self.trajectory(x, T=T, **kwargs))
