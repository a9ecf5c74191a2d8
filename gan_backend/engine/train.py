"""Training: `train_gan` (one GAN, optionally on weighted data) and `train_classifier`.

One generator step (:meth:`GanTrainer.step`):

1. ``n_critic`` discriminator steps: a minibatch of ``batch_size`` real points drawn
   i.i.d. with replacement from the weights (:class:`~gan_backend.engine._sampling.IndexSampler`:
   exact importance sampling) and ``batch_size`` generated points go through D in one
   stacked pass; D's loss gradient (the objective's) is back-propagated and D's
   optimiser steps; with ``clip`` set D's parameters are clipped to ``[−clip, clip]``.
2. Unrolled look-ahead (``unrolled = k > 0``, first order): a copy of D and of its
   optimiser state takes ``k`` further D steps; the generator is updated against that
   copy, without differentiating through the k steps.
3. The generator step: fresh latent codes, ``G → D`` forward, the objective's
   generator gradient back through D (input gradient only) and G; G's optimiser steps.

An epoch is ``max(1, n // batch_size)`` generator steps. All randomness (weights init,
minibatches, latent codes) comes, in a fixed order, from one
:class:`numpy.random.Generator`: the same seed gives bit-identical results on the same
machine (same library builds and thread counts).

Two engines compute these steps: the readable layers (:mod:`gan_backend.engine.layers`,
:mod:`gan_backend.engine.mlp`, :mod:`gan_backend.engine.optim`) and, where they support the
configuration, the fused Numba kernels of :mod:`gan_backend.engine.fused` (the default
then; about 1.8x faster per step on the toy GAN). Both draw the same random numbers in
the same order and agree to rounding; ``GanTrainer(..., fused=False)`` picks the
readable one. :func:`train_classifier` likewise.

The networks come from the factory of :mod:`gan_backend.engine.mlp` (:func:`generator_net`,
:func:`discriminator_net`). The checks and pieces around the steps are shared with the
run axis (:mod:`gan_backend.engine.batched`): :func:`check_config`, :func:`as_data`,
:func:`net_optimizer`, :func:`one_blas_thread` and the divergence check
(:func:`nonfinite_runs`, :func:`diverged_error`).
"""
from __future__ import annotations

import contextlib

import numpy as np
from threadpoolctl import threadpool_limits

from gan_backend.engine import fused as fused_kernels
from gan_backend.engine._backend import check_same_backend, get_xp, to_device, to_numpy
from gan_backend.engine._sampling import IndexSampler
from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.engine.classifier import Classifier
from gan_backend.engine.config import GanConfig
from gan_backend.engine.generator import Generator
from gan_backend.engine.mlp import MLP, discriminator_net, generator_net
from gan_backend.engine.objectives import Minimax, centered, get_objective
from gan_backend.engine.optim import LinearDecay, clip_weights, make_optimizer
from gan_backend.engine.progress import ProgressLine

__all__ = ["GanTrainer", "TrainingDivergedError", "train_gan", "train_classifier", "check_config", "as_data",
           "net_optimizer", "step_horizons", "one_blas_thread", "nonfinite_runs", "diverged_error"]


class TrainingDivergedError(FloatingPointError):
    """A network's parameters became non-finite (inf/NaN) during training.

    Raised instead of returning a generator that only produces NaN: some objectives
    (e.g. f-GANs whose activation is unbounded, with the exact, uncapped gradient) blow
    up at some learning rates. The message names the epoch and the objective.

    Examples
    --------
    >>> from gan_backend import TrainingDivergedError
    >>> issubclass(TrainingDivergedError, FloatingPointError)
    True
    """


def check_config(config) -> GanConfig:
    """``config``, or the default :class:`GanConfig` for None; ``ValueError`` for anything else."""
    c = GanConfig() if config is None else config
    if not isinstance(c, GanConfig):
        raise ValueError(f"`config` must be a GanConfig; got {type(c).__name__}")
    return c


def as_data(name: str, x, dtype) -> np.ndarray:
    """``x`` as a C-contiguous host array of shape (n, d), finite (``ValueError`` naming
    ``name`` otherwise)."""
    try:
        raw = to_numpy(x)
        with np.errstate(over="ignore"):
            a = np.ascontiguousarray(raw, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be a 2-D array of real numbers; got {x!r:.80}") from exc
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"`{name}` must have shape (n, d) with n, d >= 1; got shape {a.shape}")
    if not np.isfinite(a).all():
        wide = np.asarray(raw, dtype=np.float64)
        if np.isfinite(wide).all():  # finite, but beyond the training dtype's range
            raise ValueError(f"`{name}` holds values beyond {a.dtype.name}'s range (largest magnitude "
                             f"{float(np.abs(wide).max()):.3g}, {a.dtype.name} holds up to "
                             f"{float(np.finfo(a.dtype).max):.3g}): rescale the data, or train in float64 "
                             "(GanConfig(dtype='float64'))")
        raise ValueError(f"`{name}` must contain only finite values")
    return a


def standardising_map(host: np.ndarray, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """``(μ, σ)``: the per-coordinate mean and standard deviation of the distribution that
    puts mass ``weights`` (uniform when None) on the rows of ``host``, in float64
    (``GanConfig.standardize``). A coordinate with zero spread gets ``σ = 1``: the map
    then only shifts it.

    >>> mu, sd = standardising_map(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> mu.tolist(), sd.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    >>> standardising_map(np.array([[1.0], [3.0]]), np.array([0.25, 0.75]))[0].tolist()
    [2.5]
    """
    x = np.asarray(host, dtype=np.float64)
    w = np.full(len(x), 1.0 / len(x)) if weights is None else np.asarray(to_numpy(weights), dtype=np.float64)
    mu = w @ x
    dev = x - mu
    # deviations beyond 1e150 (or all below 1e-150) would over- or underflow when squared
    # (σ = inf, or 0 and then 1: the data would standardise to 0): measure them in units of
    # their largest, per coordinate; ordinary data take the plain sum of squares
    big = np.abs(dev).max(axis=0)
    odd = (big > 0) & ((big > 1e150) | (big < 1e-150))
    unit = np.where(odd, big, 1.0)
    sd = np.sqrt(w @ (dev / unit) ** 2) * unit if odd.any() else np.sqrt(w @ dev ** 2)
    return mu, np.where(sd > 0, sd, 1.0)


def training_frame(host: np.ndarray, weights, config: GanConfig):
    """``(data the nets see, frame)``: ``host`` and None, or with ``config.standardize`` the
    data mapped by :func:`standardising_map` (in ``config.dtype``) and its ``(μ, σ)``. The
    serial and the batched trainer both prepare their data here."""
    if not config.standardize:
        return host, None
    mu, sd = standardising_map(host, weights)
    return ((host - mu) / sd).astype(config.dtype), (mu, sd)


def one_blas_thread(xp=np):
    """Limit BLAS to one thread while training on the NumPy backend (a no-op context on
    another array module).

    The nets are tiny (at most 512x50 by 50x30 products): a multi-threaded BLAS spends
    more on waking and syncing threads than on the arithmetic (about 10x slower per
    step measured on 2 cores), and runs in parallel processes would oversubscribe.
    """
    if xp is not np:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def net_optimizer(config: GanConfig, net: MLP, lr: float, horizon: int | None = None):
    """``config``'s optimiser (with Adam's β₁, β₂) over ``net``'s parameters, learning rate
    ``lr``; with ``config.lr_decay_start`` and ``horizon`` (this optimiser's steps over the
    whole training), the linear decay over those steps."""
    kw = {"adam": {"beta1": config.beta1, "beta2": config.beta2}}.get(config.optimizer, {})
    if config.lr_decay_start is not None and horizon is not None:
        kw["schedule"] = LinearDecay(int(config.lr_decay_start * horizon), horizon)
    return make_optimizer(config.optimizer, net.parameters(), lr, **kw)


def step_horizons(config: GanConfig, steps_per_epoch: int) -> dict[str, int]:
    """Steps of each optimiser over ``config.epochs``: ``g`` (generator steps), ``d``
    (``n_critic`` per generator step) and ``ahead`` (the look-ahead's own count when
    ``lookahead_adam`` is persistent; D's count when copied, since it copies D's).

    Examples
    --------
    >>> from gan_backend import GanConfig
    >>> step_horizons(GanConfig(epochs=3, n_critic=2, unrolled=5, lookahead_adam="persistent"), 100)
    {'g': 300, 'd': 600, 'ahead': 1500}
    """
    g = int(config.epochs) * int(steps_per_epoch)
    d = g * int(config.n_critic)
    ahead = g * int(config.unrolled) if config.lookahead_adam == "persistent" else d
    return {"g": g, "d": d, "ahead": ahead}


def nonfinite_runs(nets: dict) -> dict[int, str]:
    """The runs whose parameters are not all finite, each with the name of its first such
    network (in the order of ``nets``, a dict name -> :class:`~gan_backend.engine.mlp.MLP`). A
    network without a run axis is run 0."""
    bad: dict[int, str] = {}
    for name, net in nets.items():
        ok = np.asarray(to_numpy(net.xp.isfinite(net.params).all(axis=-1)), dtype=bool).reshape(-1)
        for r in np.flatnonzero(~ok):
            bad.setdefault(int(r), name)
    return bad


class GanTrainer:
    """The state of one GAN training (nets, optimisers, data sampler, rng); :meth:`step`
    advances it by one generator step, :meth:`steps` by several. :func:`train_gan` is the
    usual entry point; the B3 benchmark times :meth:`steps` directly.

    ``fused`` selects the engine: None (default) runs the fused Numba kernels of
    :mod:`gan_backend.engine.fused` whenever they support the configuration (NumPy backend,
    Adam, ``minimax``/``nonsaturating``, no clipping) and the readable layers otherwise;
    False forces the readable layers; True insists on the kernels (``ValueError`` if the
    configuration is not supported). Both consume the same random draws in the same order
    and agree to rounding (float64: 1e-10 after many steps, tested).

    Examples
    --------
    >>> import dataclasses
    >>> from gan_backend import GanConfig, GanTrainer, make_dataset
    >>> data = make_dataset("gmm", 64, modes=2, rng=0)
    >>> trainer = GanTrainer(data.x, dataclasses.replace(GanConfig(), batch_size=32), rng=0)
    >>> trainer.step()
    >>> d_loss, g_loss = trainer.last_losses
    >>> d_loss is None or d_loss >= 0
    True
    """

    def __init__(self, x, config: GanConfig | None = None, *, weights=None, rng=None,
                 fused: bool | None = None):
        self.config = c = check_config(config)
        check_same_backend(x, weights)
        self.rng = rng = as_rng(rng)
        self.xp = xp = get_xp()
        self.objective = centered(get_objective(c.objective), c.d_center)
        host = as_data("x", x, c.dtype)
        self.n, dim = host.shape
        self.sampler = IndexSampler(self.n, weights)
        host, self.frame = training_frame(host, self.sampler.weights, c)
        self.x = to_device(host, xp)
        self.G = generator_net(c, dim, xp=xp)
        self.D = discriminator_net(c, dim, xp=xp)
        self.G.init(rng, c.init, c.init_std)
        self.D.init(rng, c.init, c.init_std)
        self.steps_per_epoch = max(1, self.n // c.batch_size)
        h = step_horizons(c, self.steps_per_epoch)
        self.opt_g = net_optimizer(c, self.G, c.lr_g, h["g"])
        self.opt_d = net_optimizer(c, self.D, c.lr_d, h["d"])
        if c.unrolled:
            self.D_ahead = self.D.clone()
            self.opt_ahead = net_optimizer(c, self.D_ahead, c.lr_d, h["ahead"])
        self.last_losses: tuple[float | None, float | None] = (None, None)
        self._fused = _fused_choice(fused, c, xp, (self.G, self.D)) and _FusedGan(self)

    @property
    def fused(self) -> bool:
        """Whether :meth:`step` runs the fused kernels (:mod:`gan_backend.engine.fused`)."""
        return bool(self._fused)

    # -- pieces ------------------------------------------------------------------------
    def _noise(self):
        z = self.rng.standard_normal((self.config.batch_size, self.G.sizes[0]), dtype=self.G.dtype)
        return z if self.xp is np else to_device(z, self.xp)

    def _real(self):
        idx = self.sampler.sample(self.rng, self.config.batch_size)
        if self.xp is np:
            return self.x.take(idx, axis=0)
        return self.x[to_device(idx, self.xp)]

    def _d_step(self, D: MLP, opt, value: bool = False, draws=None):
        b = self.config.batch_size
        real, z = (self._real(), self._noise()) if draws is None else draws
        xin = self.xp.concatenate((real, self.G.forward(z)))
        v = D.forward(xin)
        loss, g_real, g_fake = self.objective.d_loss(v[:b], v[b:], value=value)
        D.backward(self.xp.concatenate((g_real, g_fake)), need_dx=False)
        opt.step()
        if self.config.clip is not None:
            clip_weights(D.parameters(), self.config.clip)
        return loss

    def _g_step(self, D: MLP, value: bool = False, z=None):
        v = D.forward(self.G.forward(self._noise() if z is None else z))
        loss, g = self.objective.g_loss(v, value=value)
        self.G.backward(D.backward(g, param_grads=False), need_dx=False)
        self.opt_g.step()
        return loss

    # -- one generator step ------------------------------------------------------------
    def step(self, value: bool = False) -> None:
        """``n_critic`` D steps, the optional look-ahead, one G step. With ``value=True``
        the last D loss and the G loss are kept in :attr:`last_losses`. With
        ``config.shared_batch`` one draw of rows, then codes, serves them all."""
        if self._fused:
            self._fused.steps(1, value)
            return
        c = self.config
        draws = (self._real(), self._noise()) if c.shared_batch else None
        for _ in range(c.n_critic):
            d_loss = self._d_step(self.D, self.opt_d, value, draws)
        D = self.D
        if c.unrolled:
            D = self.D_ahead
            D.copy_from(self.D)
            if c.lookahead_adam == "copied":
                self.opt_ahead.load_state(self.opt_d)
            for _ in range(c.unrolled):
                self._d_step(D, self.opt_ahead, draws=draws)
        g_loss = self._g_step(D, value, None if draws is None else draws[1])
        if value:
            self.last_losses = (d_loss, g_loss)

    def steps(self, k: int, value: bool = False) -> None:
        """``k`` generator steps (:meth:`step` ``k`` times; with the fused kernels one
        compiled call). With ``value=True`` the last step's losses go to :attr:`last_losses`."""
        k = positive_int("k", k)
        if self._fused:
            try:
                self._fused.steps(int(k), value)
            except ZeroDivisionError:  # compiled kernels raise it on a division by an underflowed value
                raise diverged_error(self.config, "generator or discriminator") from None
            return
        for i in range(int(k)):
            self.step(value=value and i == k - 1)

    def generator(self) -> Generator:
        """The current generator (shares the network: further steps change it)."""
        return Generator(self.G, self.config, frame=self.frame)

    def run(self, epochs: int | None = None, progress: bool = False) -> Generator:
        """Train for ``epochs`` (default ``config.epochs``) and return the generator."""
        epochs = positive_int("epochs", self.config.epochs if epochs is None else epochs)
        total = epochs * self.steps_per_epoch
        spe = self.steps_per_epoch
        with ProgressLine(progress, total, f"gan {self.config.objective}") as bar, one_blas_thread(self.xp):
            s = 0
            while s < total:
                # blocks end at an epoch's end (divergence check) or a progress update
                end = min(total, (s // spe + 1) * spe)
                if bar.enabled:
                    end = min(end, (s // bar.every + 1) * bar.every)
                show = bar.due(end)
                self.steps(end - s, value=show)
                s = end
                if show:
                    bar.show(s, d_loss=self.last_losses[0], g_loss=self.last_losses[1])
                if s % spe == 0 or s == total:
                    self.check_finite(epoch=(s - 1) // spe + 1)
        return self.generator()

    def check_finite(self, epoch: int | None = None) -> None:
        """Raise :class:`TrainingDivergedError` if G's or D's parameters are not finite."""
        bad = nonfinite_runs({"generator": self.G, "discriminator": self.D})
        if bad:
            raise diverged_error(self.config, bad[0], epoch)


def diverged_error(config: GanConfig, name: str, epoch: int | None = None) -> TrainingDivergedError:
    """The error of a training whose ``name`` network ("generator"/"discriminator") has
    non-finite parameters (shared by :class:`GanTrainer` and the batched trainer)."""
    when = f" in epoch {epoch}" if epoch is not None else ""
    return TrainingDivergedError(
        f"GAN training diverged{when}: the {name}'s parameters are not finite "
        f"(objective {config.objective!r}, lr_g={config.lr_g}, "
        f"lr_d={config.lr_d}); lower the learning rates or change the objective"
    )


def _fused_choice(fused, config: GanConfig, xp, nets) -> bool:
    """Resolve the ``fused`` argument: None means "when supported"; True insists."""
    ok = fused_kernels.supports(config, xp, nets)
    if fused is None:
        return ok
    if not isinstance(fused, bool):
        raise ValueError(f"`fused` must be True, False or None; got {fused!r}")
    if fused and not ok:
        raise ValueError(
            "`fused` is True but the fused kernels do not support this configuration "
            f"(backend {xp.__name__}, activation {config.activation!r}, g_batchnorm "
            f"{config.g_batchnorm!r}, d_maxout {config.d_maxout!r}, objective "
            f"{config.objective!r}, optimizer {config.optimizer!r}, clip {config.clip!r}, d_center "
            f"{config.d_center!r}); they need numpy, one of " + ", ".join(fused_kernels.ACT_CODES)
            + ", no batch norm, no maxout, " + " or ".join(fused_kernels.OBJ_CODES)
            + ", adam, no clipping and d_center 0"
        )
    return fused


class _FusedGan:
    """:meth:`GanTrainer.steps` through the fused kernels, on the trainer's own buffers.

    The random draws are those of the readable step, in the same order (per D step: the
    minibatch rows, then the latent codes; then the G step's codes; with ``shared_batch``
    one set of rows and codes per generator step), made inside the
    kernel from the trainer's generator; the optimisers' step counters advance as the
    readable ones do.
    """

    def __init__(self, tr: GanTrainer):
        c = tr.config
        self.tr = tr
        b, dt = c.batch_size, tr.G.dtype
        dim = tr.x.shape[1]
        self.g = fused_kernels.NetBuffers(tr.G, tr.opt_g, b)
        self.d = fused_kernels.NetBuffers(tr.D, tr.opt_d, 2 * b)
        self.a = fused_kernels.NetBuffers(tr.D_ahead, tr.opt_ahead, 2 * b) if c.unrolled else None
        self.act = fused_kernels.ACT_CODES[tr.G.activation]
        self.obj = fused_kernels.OBJ_CODES[c.objective]
        self.hp = fused_kernels.constants(tr.opt_d, dt, b)
        self.idx = np.zeros(b, dtype=np.intp)
        self.zd = np.zeros((b, tr.G.sizes[0]), dtype=dt)
        self.zg = np.zeros((b, tr.G.sizes[0]), dtype=dt)
        self.xin = np.zeros((2 * b, dim), dtype=dt)
        self.vgrad = np.zeros((2 * b, 1), dtype=dt)
        self.dx = np.zeros((b, dim), dtype=dt)

    def steps(self, k: int, value: bool) -> None:
        tr, c = self.tr, self.tr.config
        nc, n_d = c.n_critic, c.n_critic + c.unrolled
        dt = self.zg.dtype
        coef_d = np.empty((k, n_d, 2), dtype=dt)
        coef_g = np.empty((k, 2), dtype=dt)
        t, tg = tr.opt_d.t, tr.opt_g.t
        persistent = c.unrolled and c.lookahead_adam == "persistent"
        ta = tr.opt_ahead.t if persistent else 0
        for s in range(k):
            for j in range(n_d):  # D steps, then the look-ahead's (from D's count, or its own)
                if persistent and j >= nc:
                    coef_d[s, j] = tr.opt_ahead.scalars(ta + s * c.unrolled + (j - nc) + 1)
                else:
                    coef_d[s, j] = tr.opt_d.scalars(t + s * nc + j + 1)
            coef_g[s] = tr.opt_g.scalars(tg + s + 1)
        want = np.zeros(k, dtype=np.bool_)
        want[-1] = value
        losses = np.zeros((k, 2))
        fused_kernels.gan_steps(tr.rng, tr.x, tr.sampler, self.g, self.d, self.a, nc, self.act,
                             self.hp, self.obj, self.xin, self.vgrad, self.dx, self.idx, self.zd,
                             self.zg, coef_d, coef_g, want, losses, c.shared_batch, bool(persistent))
        tr.opt_d.t = t + k * nc
        if c.unrolled:
            tr.opt_ahead.t = ta + k * c.unrolled if persistent else tr.opt_d.t + c.unrolled
        tr.opt_g.t = tg + k
        if value:
            tr.last_losses = (float(losses[-1, 0]), float(losses[-1, 1]))


def train_gan(x, config: GanConfig | None = None, *, weights=None, rng=None,
              progress: bool = False) -> Generator:
    """Train one GAN on the rows of ``x`` and return its :class:`Generator`.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Training data.
    config : GanConfig, optional
        Defaults to the toy GAN of docs/theory.md §3.
    weights : array_like, shape (n,), optional
        A probability vector over the rows of ``x`` (nonnegative, sums to 1; not
        renormalised). Minibatches are drawn i.i.d. *with replacement* from it, so the
        training objective is exactly ``E_{x~weights}`` (importance sampling without
        bias), also when fewer than ``batch_size`` weights are nonzero. None: uniform.
    rng : numpy.random.Generator, int or None
        The only source of randomness (initialisation, minibatches, latent codes).
    progress : bool
        Show a one-line progress bar on stderr (quiet by default).

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, make_dataset, train_gan
    >>> data = make_dataset("gmm", 64, modes=2, rng=0)
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=32, epochs=2)
    >>> a = train_gan(data.x, cfg, rng=0).sample(4, rng=1)
    >>> b = train_gan(data.x, cfg, rng=0).sample(4, rng=1)
    >>> a.shape, bool(np.array_equal(a, b))          # the rng fixes everything
    ((4, 2), True)
    """
    return GanTrainer(x, config, weights=weights, rng=rng).run(progress=progress)


def train_classifier(x_real, x_fake, config: GanConfig | None = None, *, rng=None,
                     epochs: int | None = None, progress: bool = False) -> Classifier:
    """Train a fresh discriminator (D's architecture, init and optimiser settings of
    ``config``, learning rate ``lr_d``) to tell ``x_real`` (label 1) from ``x_fake``
    (label 0) with the logistic loss, on balanced minibatches (``batch_size`` of each,
    i.i.d. with replacement).

    An epoch is ``max(1, max(n_real, n_fake) // batch_size)`` steps; ``epochs`` defaults
    to ``config.epochs``. Returns a :class:`Classifier` whose ``prob(x)`` is ``D(x)``.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, train_classifier
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(3.0, 1.0, (256, 2)), rng.normal(-3.0, 1.0, (256, 2))
    >>> cfg = dataclasses.replace(GanConfig(), batch_size=64, init_std=0.1)
    >>> clf = train_classifier(real, fake, cfg, rng=0, epochs=20)
    >>> p = clf.prob(np.array([[3.0, 3.0], [-3.0, -3.0]]))
    >>> bool(p[0] > 0.5 > p[1])                     # D(x) is the probability that x is real
    True
    """
    c = check_config(config)
    epochs = positive_int("epochs", c.epochs if epochs is None else epochs)
    check_same_backend(x_real, x_fake)
    rng = as_rng(rng)
    xp = get_xp()
    real = as_data("x_real", x_real, c.dtype)
    fake = as_data("x_fake", x_fake, c.dtype)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"`x_real` and `x_fake` must have the same number of columns; got "
                         f"{real.shape[1]} and {fake.shape[1]}")
    D = discriminator_net(c, real.shape[1], xp=xp)
    D.init(rng, c.init, c.init_std)
    opt = net_optimizer(c, D, c.lr_d)
    b = c.batch_size
    real_d, fake_d = to_device(real, xp), to_device(fake, xp)
    total = epochs * max(1, max(real.shape[0], fake.shape[0]) // b)
    fit = _fit_classifier_fused if fused_kernels.supports_classifier(c, xp, D) else _fit_classifier
    with ProgressLine(progress, total, "classifier") as bar, one_blas_thread(xp):
        fit(D, opt, real_d, fake_d, b, total, rng, xp, bar)
    return Classifier(D, c)


def _fit_classifier_fused(D, opt, real_d, fake_d, b, total, rng, xp, bar, block: int = 1000):
    """:func:`_fit_classifier` through the fused kernels: the same draws (made inside the
    kernel from ``rng``), the same updates, one compiled call per block of steps (blocks
    end where the progress line is due)."""
    buf = fused_kernels.NetBuffers(D, opt, 2 * b)
    hp = fused_kernels.constants(opt, D.dtype, b)
    act = fused_kernels.ACT_CODES[D.activation]
    xin = np.zeros((2 * b, real_d.shape[1]), dtype=D.dtype)
    vgrad = np.zeros((2 * b, 1), dtype=D.dtype)
    ir = np.zeros(b, dtype=np.int64)
    s = 0
    while s < total:
        end = min(total, s + block)
        if bar.enabled:
            end = min(end, (s // bar.every + 1) * bar.every)
        k = end - s
        coef = np.array([opt.scalars(opt.t + i + 1) for i in range(k)], dtype=D.dtype)
        want = np.zeros(k, dtype=np.bool_)
        want[-1] = bar.due(end)
        losses = np.zeros(k)
        fused_kernels.classifier_steps(rng, real_d, fake_d, buf, act, hp, xin, vgrad, ir, coef,
                                    want, losses)
        opt.t += k
        s = end
        if want[-1]:
            bar.show(s, loss=float(losses[-1]))


def _fit_classifier(D, opt, real_d, fake_d, b, total, rng, xp, bar):
    loss_fn = Minimax()
    for s in range(1, total + 1):
        ir = rng.integers(0, real_d.shape[0], size=b)
        jf = rng.integers(0, fake_d.shape[0], size=b)
        if xp is np:
            xin = np.concatenate((real_d.take(ir, axis=0), fake_d.take(jf, axis=0)))
        else:
            xin = xp.concatenate((real_d[to_device(ir, xp)], fake_d[to_device(jf, xp)]))
        v = D.forward(xin)
        show = bar.due(s)
        loss, g_real, g_fake = loss_fn.d_loss(v[:b], v[b:], value=show)
        D.backward(xp.concatenate((g_real, g_fake)), need_dx=False)
        opt.step()
        if show:
            bar.show(s, loss=loss)
