"""AdaGAN, Algorithm 1 of the slides (docs/theory.md §3), generic over the component trainer.

One step ``t >= 2``:

1. draw ``n_fake`` points from the current mixture ``G_{t-1}``;
2. train a fresh mixture discriminator ``D`` on real (label 1) vs those points;
3. ``d_i = D(x_i)`` on every training point, ``beta_t`` from the schedule (or from ``d``
   for TopKLast), data weights ``w = fdiv.weights_from_discriminator(d, beta_t, kind)``:
   ``w_i = (1/(N beta))(lambda* - (1 - beta) h_i)_+`` with ``h_i = (1 - d_i)/d_i`` (R*,
   S12) or the R-dagger analogue (S14);
4. train the component ``Q_t = trainer(x, w, rng)`` and set
   ``G_t = (1 - beta_t) G_{t-1} + beta_t Q_t``.

Step 1 trains ``G_1 = trainer(x, uniform, rng)`` with ``beta_1 = 1`` (or takes a given
``first``). ``weights="uniform"`` skips the discriminator (uniform data weights).

The GAN-specific pieces (component trainer, mixture discriminator, beta and weight rules,
the methods built on this loop) live in :mod:`gan_backend.adagan.methods`.

No silent fallback: every step checks what it gets (finite probabilities in [0, 1],
``beta`` in (0, 1], weights a probability vector, finite component samples) and any
failure raises :class:`AdaGanError` naming the step and the reason, chained to the
original exception. Each step is recorded as an :class:`AdaGanStep` (component, beta,
data weights, lambda, discriminator probabilities, mixture before and after) for the
theory-in-practice checks of :mod:`gan_backend.adagan.theory`.
"""
from __future__ import annotations

import inspect
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Literal

import numpy as np

import fdiv

from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.adagan.mixture import Mixture, Sampler

__all__ = ["AdaGanError", "AdaGanStep", "AdaGanResult", "adagan", "adagan_steps"]

WeightKind = Literal["star", "dagger", "uniform"]
# A custom data-weight rule: (d, beta) -> (w, lam or None), w a probability vector.
WeightRule = Callable[[np.ndarray, float], "tuple[np.ndarray, float | None]"]
Trainer = Callable[[np.ndarray, "np.ndarray | None", np.random.Generator], Sampler]
ClassifierTrainer = Callable[[np.ndarray, np.ndarray, np.random.Generator], object]
BetaPolicy = Callable[[int, "np.ndarray | None"], float]

# Points drawn from each new component to check that it produces finite samples.
_CHECK_SAMPLES = 256
# Tolerance on sum(w) = 1 for the weights returned by fdiv.
_WEIGHT_SUM_TOL = 1e-8


class AdaGanError(RuntimeError):
    """An AdaGAN step failed; the message names the step and the reason.

    Examples
    --------
    >>> from gan_backend import AdaGanError
    >>> issubclass(AdaGanError, Exception)
    True
    """


# Its public home: error records ("gan_backend.adagan.AdaGanError: ...") and pickles name the package.
AdaGanError.__module__ = "gan_backend.adagan"


@dataclass(frozen=True, eq=False)
class AdaGanStep:
    """Record of one AdaGAN step (t = 1 is the first GAN, ``beta = 1``).

    Attributes
    ----------
    t : int
    component : Sampler
        The component ``Q_t`` trained at this step (a ``Generator`` for GAN trainers).
    beta : float
        Its weight ``beta_t`` in ``G_t = (1 - beta_t) G_{t-1} + beta_t Q_t``.
    weights : ndarray, shape (N,)
        The data weights of step t (uniform at t = 1 and for Ensemble): those ``Q_t`` was
        trained on, unless the step ran with ``weight_delay`` (see :attr:`train_weights`).
    lam : float or None
        lambda* (or lambda-dagger) of the weights; None when no weights were solved for.
    d : ndarray or None
        Mixture discriminator probabilities ``D(x_i)`` on the training points (None at
        t = 1 and for uniform weights).
    previous : Mixture or None
        ``G_{t-1}`` (None at t = 1).
    mixture : Mixture
        ``G_t``.
    timings : dict
        Seconds spent in ``discriminator`` and ``component`` training.
    train_weights : ndarray or None
        With ``weight_delay`` (:func:`adagan_steps`): the weights ``Q_t`` was actually trained
        on, step t - 1's; None otherwise.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, adagan, train_classifier
    >>> class Resample:                     # a "trainer" that resamples the weighted data
    ...     def __init__(self, x, w):
    ...         self.x, self.w = x, w
    ...     def sample(self, n, rng=None):
    ...         rng = np.random.default_rng(rng)
    ...         return self.x[rng.choice(len(self.x), size=n, p=self.w)]
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=32)
    >>> def clf(real, fake, rng):           # the mixture discriminator, trained from scratch
    ...     return train_classifier(real, fake, cfg, rng=rng, epochs=2)

    >>> res = adagan(x, T=2, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 0.5,
    ...              classifier=clf, rng=0)
    >>> first, second = res.steps
    >>> first.t, first.beta, second.t, bool(abs(second.weights.sum() - 1) <= 1e-12)
    (1, 1.0, 2, True)
    """

    t: int
    component: Sampler
    beta: float
    weights: np.ndarray
    lam: float | None
    d: np.ndarray | None
    previous: Mixture | None
    mixture: Mixture
    timings: dict = field(default_factory=dict)
    train_weights: np.ndarray | None = None

    @property
    def trained_on(self) -> np.ndarray:
        """The data weights ``Q_t`` was trained on: :attr:`train_weights` when set (a
        ``weight_delay`` run), else :attr:`weights`."""
        return self.weights if self.train_weights is None else self.train_weights

    @property
    def discriminator_probs(self) -> np.ndarray | None:
        """Alias of :attr:`d`."""
        return self.d


@dataclass(frozen=True, eq=False)
class AdaGanResult:
    """Final mixture ``G_T`` and the step records.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, adagan, train_classifier
    >>> class Resample:                     # a "trainer" that resamples the weighted data
    ...     def __init__(self, x, w):
    ...         self.x, self.w = x, w
    ...     def sample(self, n, rng=None):
    ...         rng = np.random.default_rng(rng)
    ...         return self.x[rng.choice(len(self.x), size=n, p=self.w)]
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=32)
    >>> def clf(real, fake, rng):           # the mixture discriminator, trained from scratch
    ...     return train_classifier(real, fake, cfg, rng=rng, epochs=2)

    >>> res = adagan(x, T=2, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 0.5,
    ...              classifier=clf, rng=0)
    >>> res.mixture is res.steps[-1].mixture, res.mixture.sample(3, rng=0).shape
    (True, (3, 2))
    """

    mixture: Mixture
    steps: tuple


def _fail(t: int, what: str, exc: BaseException | None = None) -> AdaGanError:
    msg = f"AdaGAN step {t}: {what}"
    if exc is not None:
        msg += f": {type(exc).__name__}: {exc}"
    return AdaGanError(msg)


def _train_component(t, trainer, x, w, rng) -> Sampler:
    try:
        comp = trainer(x, w, rng)
    except Exception as exc:
        raise _fail(t, "training the component failed", exc) from exc
    if not callable(getattr(comp, "sample", None)):
        raise _fail(t, f"the trainer returned {type(comp).__name__}, which has no sample(n, rng)")
    try:
        probe = np.asarray(comp.sample(_CHECK_SAMPLES, rng))
    except Exception as exc:
        raise _fail(t, "sampling the new component failed", exc) from exc
    if probe.ndim != 2 or probe.shape[0] != _CHECK_SAMPLES:
        raise _fail(t, f"the new component's sample({_CHECK_SAMPLES}) has shape {probe.shape}")
    if not np.all(np.isfinite(probe)):
        bad = int(np.count_nonzero(~np.isfinite(probe).all(axis=1)))
        raise _fail(t, f"the new component produced {bad}/{_CHECK_SAMPLES} non-finite samples (diverged training?)")
    return comp


def _discriminate(t, classifier, x, mixture, n_fake, rng) -> np.ndarray:
    try:
        fake = mixture.sample(n_fake, rng)
    except Exception as exc:
        raise _fail(t, "sampling the current mixture failed", exc) from exc
    if not np.all(np.isfinite(fake)):
        raise _fail(t, "the current mixture produced non-finite samples")
    try:
        clf = classifier(x, fake, rng)
        d = np.asarray(clf.prob(x), dtype=np.float64).reshape(-1)
    except Exception as exc:
        raise _fail(t, "training or evaluating the mixture discriminator failed", exc) from exc
    if d.shape != (x.shape[0],):
        raise _fail(t, f"the discriminator returned {d.shape[0]} probabilities for {x.shape[0]} points")
    bad = ~np.isfinite(d) | (d < 0) | (d > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise _fail(t, f"the discriminator returned {int(bad.sum())} probabilities outside [0, 1] "
                       f"(e.g. D(x[{i}]) = {d[i]!r})")
    return d


def _weights(t, d, beta, kind):
    if callable(kind):
        try:
            w, lam = kind(d, beta)
        except Exception as exc:
            raise _fail(t, f"the data-weight rule {kind!r} failed (beta = {beta:.6g})", exc) from exc
        kind = repr(kind)
    else:
        try:
            res = fdiv.weights_from_discriminator(d, beta, kind=kind)
        except Exception as exc:
            raise _fail(t, f"solving the {kind} data weights (beta = {beta:.6g}) failed", exc) from exc
        w, lam = res.w, res.lam
    w = np.asarray(w, dtype=np.float64)
    if w.shape != d.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise _fail(t, f"the {kind} weights are not a nonnegative finite vector of length {d.size}")
    if abs(w.sum() - 1.0) > _WEIGHT_SUM_TOL:
        raise _fail(t, f"the {kind} weights sum to {w.sum()!r}, not 1")
    if not np.any(w > 0):
        raise _fail(t, f"the {kind} weights are all zero")
    return w, (None if lam is None else float(lam))


def _beta(t, policy, d) -> float:
    if t == 1:
        return 1.0
    try:
        b = float(policy(t, d))
    except Exception as exc:
        raise _fail(t, "computing beta failed", exc) from exc
    if not (0.0 < b <= 1.0):
        raise _fail(t, f"beta = {b!r} is outside (0, 1]")
    return b


def adagan_steps(
    x,
    *,
    T: int,
    trainer: Trainer,
    beta: BetaPolicy,
    weights: "WeightKind | WeightRule" = "star",
    classifier: ClassifierTrainer | None = None,
    n_fake: int | None = None,
    rng=None,
    progress: bool = False,
    first: Sampler | None = None,
    weight_delay: bool = False,
) -> Iterator[AdaGanStep]:
    """Run Algorithm 1 lazily, yielding one :class:`AdaGanStep` per trained component.

    Parameters
    ----------
    x : array_like, shape (N, d)
        Training data (equally weighted, ``p_i = 1/N``).
    T : int
        Number of components (steps).
    trainer : callable ``(x, w, rng) -> Sampler``
        Trains a component on data weights ``w`` (a probability vector).
    beta : callable ``(t, d) -> float``
        beta_t for t >= 2 (e.g. :class:`~gan_backend.adagan.methods.ScheduleBeta`, :class:`~gan_backend.adagan.methods.TopKLastBeta`);
        beta_1 = 1 always.
    weights : "star" | "dagger" | "uniform" or callable ``(d, beta) -> (w, lam)``
        Data weights: R* (default), R-dagger, uniform (no discriminator), or a custom
        rule on the discriminator outputs (e.g. :class:`~gan_backend.adagan.methods.TopKUniform`).
    classifier : callable ``(x_real, x_fake, rng) -> obj with .prob(x)``
        Trains the mixture discriminator from scratch; required unless uniform.
    n_fake : int, optional
        Mixture samples for the discriminator (default N).
    rng : Generator | int | None
    first : Sampler, optional
        An already trained first component ``G_1``: step 1 uses it instead of calling
        ``trainer`` (and draws nothing from ``rng``).
    weight_delay : bool
        False (default): ``Q_t`` is trained on the weights computed at step t (Algorithm 1).
        True: the public reference code's behaviour until its commit b54202d (2017-03-04):
        ``Q_t`` is trained on the weights of step t - 1 (``Q_2`` on uniform weights), while
        the step's record (:attr:`AdaGanStep.weights`, the plotted weights) holds the
        weights computed at step t and :attr:`AdaGanStep.train_weights` those used. Needs
        data weights (not ``"uniform"``).

    Raises
    ------
    ValueError
        Invalid arguments.
    AdaGanError
        A step failed (the message says which and why).

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, adagan, train_classifier
    >>> class Resample:                     # a "trainer" that resamples the weighted data
    ...     def __init__(self, x, w):
    ...         self.x, self.w = x, w
    ...     def sample(self, n, rng=None):
    ...         rng = np.random.default_rng(rng)
    ...         return self.x[rng.choice(len(self.x), size=n, p=self.w)]
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=32)
    >>> def clf(real, fake, rng):           # the mixture discriminator, trained from scratch
    ...     return train_classifier(real, fake, cfg, rng=rng, epochs=2)

    >>> from gan_backend import adagan_steps
    >>> steps = adagan_steps(x, T=3, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 1 / t,
    ...                      classifier=clf, rng=0)
    >>> [(s.t, round(s.beta, 6)) for s in steps]    # lazily, one record per component
    [(1, 1.0), (2, 0.5), (3, 0.333333)]
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"`x` must be a non-empty (N, d) array; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("`x` must be finite")
    T = positive_int("T", T)
    if not callable(weights) and weights not in ("star", "dagger", "uniform"):
        raise ValueError(f"`weights` must be 'star', 'dagger', 'uniform' or a callable; got {weights!r}")
    if weights != "uniform" and classifier is None:
        raise ValueError(f"`classifier` is required with weights={weights!r}")
    if not callable(beta):
        raise ValueError(f"`beta` must be callable (t, d) -> float; got {beta!r:.80}")
    if not isinstance(weight_delay, (bool, np.bool_)):
        raise ValueError(f"`weight_delay` must be True or False; got {weight_delay!r}")
    if weight_delay and weights == "uniform":
        raise ValueError("`weight_delay` needs data weights; got weights='uniform'")
    n = x.shape[0]
    n_fake = n if n_fake is None else positive_int("n_fake", n_fake)
    if first is not None and not callable(getattr(first, "sample", None)):
        raise ValueError(f"`first` must have a callable sample(n, rng); got {type(first).__name__}")
    gen = as_rng(rng)
    uniform = np.full(n, 1.0 / n)
    uniform.setflags(write=False)

    mixture: Mixture | None = None
    delayed = uniform  # weight_delay: the weights of the previous step
    for t in range(1, T + 1):
        t0 = time.perf_counter()
        d = None
        lam = None
        w = uniform
        if t > 1 and weights != "uniform":
            d = _discriminate(t, classifier, x, mixture, n_fake, gen)
        t_disc = time.perf_counter() - t0
        b = _beta(t, beta, d)
        if d is not None:
            w, lam = _weights(t, d, b, weights)
        train_w = delayed if weight_delay else w
        delayed = w
        t1 = time.perf_counter()
        if t == 1 and first is not None:
            comp = first
        else:
            comp = _train_component(t, trainer, x, None if train_w is uniform else train_w, gen)
        t_comp = time.perf_counter() - t1
        previous = mixture
        mixture = Mixture.single(comp) if previous is None else previous.add(comp, b)
        step = AdaGanStep(
            t=t, component=comp, beta=b, weights=w, lam=lam, d=d, previous=previous,
            mixture=mixture, timings={"discriminator": t_disc, "component": t_comp},
            train_weights=train_w if weight_delay else None,
        )
        if progress:
            active = int(np.count_nonzero(w))
            lam_s = "-" if lam is None else f"{lam:.4g}"
            print(f"AdaGAN step {t}/{T}: beta={b:.4g} lambda={lam_s} active weights={active}/{n} "
                  f"({t_disc + t_comp:.1f} s)", file=sys.stderr, flush=True)
        yield step


def adagan(x, *, T: int, **kwargs) -> AdaGanResult:
    """Run all ``T`` steps of :func:`adagan_steps`; returns the final mixture and records.

    The parameters are those of :func:`adagan_steps`; a missing or misspelt one is reported
    against ``adagan``.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, adagan, train_classifier
    >>> class Resample:                     # a "trainer" that resamples the weighted data
    ...     def __init__(self, x, w):
    ...         self.x, self.w = x, w
    ...     def sample(self, n, rng=None):
    ...         rng = np.random.default_rng(rng)
    ...         return self.x[rng.choice(len(self.x), size=n, p=self.w)]
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=32)
    >>> def clf(real, fake, rng):           # the mixture discriminator, trained from scratch
    ...     return train_classifier(real, fake, cfg, rng=rng, epochs=2)

    >>> res = adagan(x, T=2, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 0.5,
    ...              classifier=clf, rng=0)
    >>> len(res.steps), res.steps[1].beta, res.mixture.weights.tolist()
    (2, 0.5, [0.5, 0.5])
    """
    try:
        inspect.signature(adagan_steps).bind(x, T=T, **kwargs)
    except TypeError as exc:  # named against this function, not the generator it runs
        raise TypeError(f"adagan(): {exc}") from None
    steps = tuple(adagan_steps(x, T=T, **kwargs))
    return AdaGanResult(mixture=steps[-1].mixture, steps=steps)
