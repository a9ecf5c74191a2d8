"""The AdaGAN methods' pieces around Algorithm 1 (:func:`gan_backend.adagan.adagan_steps`):
GAN components and mixture discriminators, beta rules, data-weight rules, and the
trajectory shared by every AdaGAN method (Boosted, TopKLast).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import numpy as np

import fdiv

from gan_backend.engine import train
from gan_backend.engine._validate import optional_positive_float, optional_positive_int, unit_interval
from gan_backend.adagan import adagan_steps
from gan_backend.adagan.methods._method import Snapshot

__all__ = [
    "AdaGanOptions", "ScheduleBeta", "TopKLastBeta", "TopKUniform", "gan_trainer", "gan_classifier",
    "adagan_trajectory",
]


@dataclass(frozen=True)
class AdaGanOptions:
    """Settings of the AdaGAN loop beyond the GAN itself.

    Attributes
    ----------
    kind : "star" | "dagger"
        Data weights R* (S12, default) or R-dagger (S14).
    classifier_epochs : int or None
        Epochs of the mixture discriminator (None: ``train_classifier``'s default).
    classifier_lr : float or None
        Learning rate of the mixture discriminator (default 1e-3; None: the GAN config's
        ``lr_d``, 1e-4). With the toy GAN's N(0, 0.8^2) initialisation on data of scale ~15
        a fresh classifier starts saturated; at 1e-4 it needs thousands of steps to leave
        saturation (a saturated D gives d ~ 1e-30 everywhere and the weights cannot be
        solved: the step fails loudly), at 1e-3 about a hundred.
    n_fake : int or None
        Mixture samples drawn for the discriminator (None: as many as data points).

    Examples
    --------
    >>> from gan_backend import AdaGanOptions
    >>> AdaGanOptions().kind, AdaGanOptions(kind="dagger").kind
    ('star', 'dagger')
    """

    kind: Literal["star", "dagger"] = "star"
    classifier_epochs: int | None = None
    classifier_lr: float | None = 1e-3
    n_fake: int | None = None

    def __post_init__(self):
        if self.kind not in ("star", "dagger"):
            raise ValueError(f"`kind` must be 'star' or 'dagger'; got {self.kind!r}")
        optional_positive_int("classifier_epochs", self.classifier_epochs)
        optional_positive_int("n_fake", self.n_fake)
        optional_positive_float("classifier_lr", self.classifier_lr)


class TopKUniform:
    """Data weights uniform on the ``ceil(r N)`` points with the largest ``D(x_i)`` (ties
    at the cut included): the ``topk`` rule of the public AdaGAN reference code, where
    TopKLast r trains the next component on the r-fraction of the data that the current
    mixture covers worst, with the beta schedule unchanged. ``lam`` is None."""

    def __init__(self, r: float) -> None:
        self.r = unit_interval("r", r)

    def __call__(self, d, beta):
        d = np.asarray(d, dtype=np.float64)
        k = max(1, int(np.ceil(round(self.r * d.size, 9))))
        cut = np.sort(d)[d.size - k]
        mask = d >= cut
        return mask / np.count_nonzero(mask), None

    def __repr__(self) -> str:
        return f"TopKUniform(r={self.r})"


class ScheduleBeta:
    """beta_t from a schedule object with ``.beta(t)`` (``fdiv.beta_schedule``)."""

    def __init__(self, schedule) -> None:
        if not callable(getattr(schedule, "beta", None)):
            raise ValueError(f"`schedule` must have a callable `.beta(t)`; got {schedule!r:.80}")
        self.schedule = schedule

    def __call__(self, t: int, d) -> float:
        return self.schedule.beta(t)

    def __repr__(self) -> str:
        return f"ScheduleBeta({self.schedule!r})"


class TopKLastBeta:
    """TopKLast r: beta_t = ``fdiv.topklast_beta(d, r)`` (about r*N weights zeroed)."""

    def __init__(self, r: float) -> None:
        self.r = unit_interval("r", r, closed_right=False)

    def __call__(self, t: int, d) -> float:
        if d is None:
            raise ValueError("TopKLast needs discriminator probabilities (weights='star' or 'dagger')")
        return fdiv.topklast_beta(d, self.r)

    def __repr__(self) -> str:
        return f"TopKLastBeta(r={self.r})"


def _engine(engine):
    """``engine``, or the serial one (:mod:`gan_backend.engine.train`) when None."""
    if engine is None:
        return train
    for name in ("train_gan", "train_classifier"):
        if not callable(getattr(engine, name, None)):
            raise ValueError(f"`engine` must have callable train_gan and train_classifier; got {engine!r:.80}")
    return engine


def gan_trainer(config, *, progress: bool = False, engine=None):
    """Component trainer ``(x, w, rng) -> Generator``: ``engine.train_gan`` with ``config``.

    ``engine`` is any object with :mod:`gan_backend.engine.train`'s ``train_gan`` and
    ``train_classifier`` (None: that module, one training at a time; a
    :class:`~gan_backend.engine.lockstep.LockstepEngine` batches the call with other runs')."""
    train_gan = _engine(engine).train_gan

    def trainer(x, w, rng):
        return train_gan(x, config, weights=w, rng=rng, progress=progress)

    return trainer


def gan_classifier(config, *, epochs: int | None = None, lr: float | None = None, engine=None):
    """Mixture discriminator ``(x_real, x_fake, rng) -> Classifier`` trained from scratch
    with D's architecture (``engine.train_classifier``, default
    :func:`gan_backend.train_classifier`), learning rate ``lr`` (default ``config.lr_d``)."""
    train_classifier = _engine(engine).train_classifier

    if lr is not None:
        config = dataclasses.replace(config, lr_d=float(lr))

    def classifier(x_real, x_fake, rng):
        if epochs is None:
            return train_classifier(x_real, x_fake, config, rng=rng)
        return train_classifier(x_real, x_fake, config, rng=rng, epochs=epochs)

    return classifier


def adagan_trajectory(name: str, x, *, T, config, beta, weights=None, options: AdaGanOptions | None = None,
                      rng=None, progress: bool = False, first=None, engine=None, weight_delay: bool = False):
    """AdaGAN with GAN components of ``config`` (a ``GanConfig``), one Snapshot per step.

    ``weights=None`` means ``options.kind`` (R* by default); ``first`` is an already
    trained ``G_1`` (the table passes the run's first independent GAN); ``engine`` trains
    the components and mixture discriminators (None: :mod:`gan_backend.engine.train`, one at a
    time; :func:`gan_backend.engine.lockstep.run_lockstep` hands each run an engine that trains
    them in batches with other runs', with the same numbers). ``weight_delay`` trains each
    component on the previous step's data weights (the reference code's behaviour until its
    commit b54202d; off by default; :func:`~gan_backend.adagan.adagan_steps`).
    """
    opts = AdaGanOptions() if options is None else options
    kind = opts.kind if weights is None else weights
    classifier = gan_classifier(config, epochs=opts.classifier_epochs, lr=opts.classifier_lr, engine=engine)
    for step in adagan_steps(
        x, T=T, trainer=gan_trainer(config, engine=engine), beta=beta, weights=kind, classifier=classifier,
        n_fake=opts.n_fake, rng=rng, progress=progress, first=first, weight_delay=weight_delay,
    ):
        yield Snapshot(t=step.t, model=step.mixture, model_id="gan1" if step.t == 1 else f"{name}{step.t}",
                       step=step)
