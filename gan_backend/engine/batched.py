"""Many independent GAN trainings in lockstep: a leading *run axis* through the engine.

R trainings of one :class:`~gan_backend.engine.config.GanConfig` (same architecture and
optimiser settings; each with its own data set, data weights and seed) are stacked:
parameters, gradients and optimiser state are ``(R, P)`` arrays, activations
``(R, rows, width)``, and one batched forward/backward (``matmul`` on ``(R, n, k)``
arrays) plus one optimiser update advance all R. The code is written against the array
module of :func:`gan_backend.engine._backend.get_xp`, so the same lines run on NumPy and on
CuPy, where hundreds of toy GANs fill one GPU that a single one leaves idle.

Same numbers as R separate :func:`gan_backend.train_gan` calls: every run draws from its
own :class:`numpy.random.Generator` exactly what the single trainer draws, in the same
order (initial weights of G then D; per D step the minibatch rows then the latent codes;
then the G step's codes), on the host. The networks come from the same factory as the
single trainer's (:func:`gan_backend.engine.mlp.generator_net`, :func:`~gan_backend.engine.mlp.discriminator_net`
with ``runs=R``), so every architecture field of the config (widths, activation, batch
norm, maxout) is honoured; the layers are the readable ones of :mod:`gan_backend.engine.layers`
(:class:`~gan_backend.engine.layers.RunsDense` is the dense layer's run-axis twin), the
objectives and optimisers those of :mod:`gan_backend.engine.objectives` and
:mod:`gan_backend.engine.optim`, and the data checks, optimiser factory and divergence check
those of :mod:`gan_backend.engine.train`. In float64 the runs agree with separate trainings to
rounding for every configuration :class:`~gan_backend.engine.config.GanConfig` accepts
(``tests/gan_backend/engine/test_batched.py``: 1e-10). A configuration that sets a field the
run axis does not know (:data:`RUN_AXIS_FIELDS`, :func:`check_run_axis`) is refused with a
``ValueError`` naming it, never trained with the field dropped.

Each run keeps its own divergence check: at the end of every epoch a run whose
parameters are not finite gets a :class:`~gan_backend.engine.train.TrainingDivergedError` (the
single trainer's message) in its result slot and is dropped from the batch; the others
go on.

The random draws stay on the host (one NumPy generator per run, so that a run's stream
is the single trainer's); on a GPU that host work, not the arithmetic, bounds the speed
at large R.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from gan_backend.engine._backend import get_xp, to_device
from gan_backend.engine._sampling import IndexSampler
from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.engine.classifier import Classifier
from gan_backend.engine.config import GanConfig
from gan_backend.engine.generator import Generator
from gan_backend.engine.mlp import MLP, discriminator_net, generator_net
from gan_backend.engine.objectives import Minimax, centered, get_objective
from gan_backend.engine.optim import clip_weights
from gan_backend.engine.train import (as_data, check_config, diverged_error, net_optimizer, nonfinite_runs,
                                      one_blas_thread, step_horizons, training_frame)

__all__ = ["BatchedMLP", "BatchedGanTrainer", "train_gans_batched", "train_classifiers_batched",
           "check_batch_runs", "RUN_AXIS_FIELDS", "check_run_axis"]

#: the :class:`~gan_backend.engine.config.GanConfig` fields the run axis honours (all of them today:
#: the architecture through the network factory, the rest in the steps below)
RUN_AXIS_FIELDS = frozenset({
    "latent_dim", "g_hidden", "d_hidden", "g_batchnorm", "g_output", "d_maxout", "activation", "init",
    "init_std",
    "objective", "optimizer", "lr_g", "lr_d", "beta1", "beta2", "batch_size",
    "epochs", "n_critic", "clip", "unrolled", "dtype", "standardize", "d_center", "shared_batch",
    "lookahead_adam", "lr_decay_start",
})


def check_run_axis(config: GanConfig) -> GanConfig:
    """``config`` if the run axis does what it asks; ``ValueError`` naming the first field
    outside :data:`RUN_AXIS_FIELDS` (a field added to the config, or a subclass's) that is
    set away from its default, so that nothing is silently dropped."""
    for f in dataclasses.fields(config):
        if f.name in RUN_AXIS_FIELDS:
            continue
        value = getattr(config, f.name)
        if f.default is dataclasses.MISSING or value != f.default:
            raise ValueError(f"`{f.name}` = {value!r} is not supported by the run axis "
                             "(gan_backend.engine.batched); train these runs one by one with train_gan")
    return config


def check_batch_runs(value, name: str = "batch_runs") -> int:
    """``value`` as a positive int (runs per lockstep batch); ``ValueError`` naming
    ``name`` otherwise (the CLI passes ``"--batch-runs"``)."""
    return positive_int(name, value)


class BatchedMLP(MLP):
    """R copies of :class:`gan_backend.engine.mlp.MLP` (same architecture, separate parameters)
    with a leading run axis: ``MLP(sizes, ..., runs=R)`` with the run count first.
    ``params``/``grads`` have shape ``(R, P)``, row r laid out as an MLP's flat buffer, so
    ``MLP.params[...] = params[r]`` recovers run r's network (:meth:`~MLP.network`).

    Examples
    --------
    >>> import numpy as np
    >>> net = BatchedMLP(3, (2, 4, 1), dtype="float64", xp=np)
    >>> net.forward(np.zeros((3, 5, 2))).shape
    (3, 5, 1)
    """

    def __init__(self, runs: int, sizes, *, activation: str = "relu", dtype="float32", xp=None,
                 batchnorm: bool = False, maxout: int = 1):
        super().__init__(sizes, activation=activation, dtype=dtype, xp=xp, batchnorm=batchnorm,
                         maxout=maxout, runs=runs)


def _per_run(name: str, values, runs: int) -> list:
    """``values`` (None: None for every run) as a list of one entry per run."""
    out = [None] * runs if values is None else list(values)
    if len(out) != runs:
        raise ValueError(f"`{name}` must have one entry per run ({runs}); got {len(out)}")
    return out


class BatchedGanTrainer:
    """R GAN trainings of one config in lockstep (see the module docstring).

    Parameters
    ----------
    xs : sequence of array_like, each of shape (n, d)
        Each run's training data (same n and d for all runs).
    config : GanConfig, optional
    weights : sequence of (array_like or None), optional
        Each run's data weights (None: uniform), as :func:`gan_backend.train_gan`'s.
    rngs : sequence of (Generator, int or None)
        Each run's only source of randomness.
    """

    def __init__(self, xs, config: GanConfig | None = None, *, weights=None, rngs=None):
        self.config = c = check_run_axis(check_config(config))
        xs = list(xs)
        runs = len(xs)
        if runs < 1:
            raise ValueError("`xs` must hold at least one data set")
        weights, rngs = _per_run("weights", weights, runs), _per_run("rngs", rngs, runs)
        self.xp = xp = get_xp()
        self.objective = centered(get_objective(c.objective), c.d_center)
        host = [as_data(f"xs[{r}]", x, c.dtype) for r, x in enumerate(xs)]
        if len({h.shape for h in host}) != 1:
            raise ValueError(f"`xs` must all have the same shape to train in lockstep; got "
                             f"{sorted({h.shape for h in host})}")
        self.n, dim = host[0].shape
        self.rngs = [as_rng(g) for g in rngs]
        self.samplers = [IndexSampler(self.n, w) for w in weights]
        host, self.frames = zip(*(training_frame(h, s.weights, c) for h, s in zip(host, self.samplers)))
        self.ids = np.arange(runs)  # input position of each run still in the batch
        self.x = to_device(np.stack(host).reshape(runs * self.n, dim), xp)
        self.G = generator_net(c, dim, xp=xp, runs=runs)
        self.D = discriminator_net(c, dim, xp=xp, runs=runs)
        for r, rng in enumerate(self.rngs):  # the single trainer's order: G, then D
            self.G.init_run(r, rng, c.init, c.init_std)
            self.D.init_run(r, rng, c.init, c.init_std)
        self.steps_per_epoch = max(1, self.n // c.batch_size)
        self._optimizers()
        self.failures: dict[int, Exception] = {}

    def _optimizers(self, old=None, keep=None):
        c = self.config
        h = step_horizons(c, self.steps_per_epoch)
        self.opt_g = net_optimizer(c, self.G, c.lr_g, h["g"])
        self.opt_d = net_optimizer(c, self.D, c.lr_d, h["d"])
        rows = None if old is None else to_device(keep, self.xp)
        if old is not None:  # the kept runs' optimiser state
            self.opt_g.load_state(old[0], rows)
            self.opt_d.load_state(old[1], rows)
        if c.unrolled:
            self.D_ahead = self.D.clone()
            self.opt_ahead = net_optimizer(c, self.D_ahead, c.lr_d, h["ahead"])
            if old is not None and c.lookahead_adam == "persistent":  # the copy's own state is carried
                self.opt_ahead.load_state(old[2], rows)

    @property
    def runs(self) -> int:
        """Runs still in the batch."""
        return self.G.runs

    # -- pieces ------------------------------------------------------------------------
    def _draws(self):
        """Per run: minibatch rows (flat indices into the stacked data), latent codes."""
        b, k = self.config.batch_size, self.G.sizes[0]
        idx = np.empty((self.runs, b), dtype=np.intp)
        z = np.empty((self.runs, b, k), dtype=self.G.dtype)
        for r, (rng, sampler) in enumerate(zip(self.rngs, self.samplers)):
            idx[r] = sampler.sample(rng, b)
            idx[r] += r * self.n
            z[r] = rng.standard_normal((b, k), dtype=self.G.dtype)
        return to_device(idx, self.xp), to_device(z, self.xp)

    def _noise(self):
        b, k = self.config.batch_size, self.G.sizes[0]
        z = np.empty((self.runs, b, k), dtype=self.G.dtype)
        for r, rng in enumerate(self.rngs):
            z[r] = rng.standard_normal((b, k), dtype=self.G.dtype)
        return to_device(z, self.xp)

    def _d_step(self, D: MLP, opt, draws=None):
        xp, b = self.xp, self.config.batch_size
        idx, z = self._draws() if draws is None else draws
        xin = xp.concatenate((self.x[idx], self.G.forward(z)), axis=1)
        v = D.forward(xin)[:, :, 0]
        # the objectives are written for (n, 1) columns: each run is a column here
        _, g_real, g_fake = self.objective.d_loss(v[:, :b].T, v[:, b:].T, value=False)
        D.backward(xp.concatenate((g_real.T, g_fake.T), axis=1)[:, :, None], need_dx=False)
        opt.step()
        if self.config.clip is not None:
            clip_weights(D.parameters(), self.config.clip)

    def _g_step(self, D: MLP, z=None):
        v = D.forward(self.G.forward(self._noise() if z is None else z))[:, :, 0]
        _, g = self.objective.g_loss(v.T, value=False)
        self.G.backward(D.backward(g.T[:, :, None], param_grads=False), need_dx=False)
        self.opt_g.step()

    def step(self) -> None:
        """One generator step of every run in the batch (with ``shared_batch``, one draw of
        rows, then codes, per run for all its steps)."""
        c = self.config
        draws = self._draws() if c.shared_batch else None
        for _ in range(c.n_critic):
            self._d_step(self.D, self.opt_d, draws)
        D = self.D
        if c.unrolled:
            D = self.D_ahead
            self.xp.copyto(D.params, self.D.params)
            if c.lookahead_adam == "copied":
                self.opt_ahead.load_state(self.opt_d)
            for _ in range(c.unrolled):
                self._d_step(D, self.opt_ahead, draws)
        self._g_step(D, None if draws is None else draws[1])

    def check_finite(self, epoch: int | None = None) -> None:
        """Drop the runs whose parameters are not finite, recording their error."""
        bad = nonfinite_runs({"generator": self.G, "discriminator": self.D})
        if not bad:
            return
        for r, name in bad.items():
            self.failures[int(self.ids[r])] = diverged_error(self.config, name, epoch)
        keep = np.array([r for r in range(self.runs) if r not in bad], dtype=np.intp)
        self._drop(keep)

    def _drop(self, keep: np.ndarray) -> None:
        old = (self.opt_g, self.opt_d, getattr(self, "opt_ahead", None))
        dim = self.D.sizes[0]
        self.ids = self.ids[keep]
        self.rngs = [self.rngs[r] for r in keep]
        self.samplers = [self.samplers[r] for r in keep]
        xs = self.x.reshape(-1, self.n, dim)[to_device(keep, self.xp)]
        self.x = self.xp.ascontiguousarray(xs.reshape(len(keep) * self.n, dim))
        self.G, self.D = self.G.take(keep), self.D.take(keep)
        self._optimizers(old, keep)

    def run(self, epochs: int | None = None) -> list:
        """Train for ``epochs`` (default ``config.epochs``); returns one entry per input run:
        its :class:`~gan_backend.engine.generator.Generator` or, for a run that diverged, its
        :class:`~gan_backend.engine.train.TrainingDivergedError`."""
        epochs = positive_int("epochs", self.config.epochs if epochs is None else epochs)
        spe = self.steps_per_epoch
        total = epochs * spe
        n_in = len(self.ids) + len(self.failures)
        with one_blas_thread(self.xp):
            for s in range(1, total + 1):
                if self.runs:
                    self.step()
                if self.runs and (s % spe == 0 or s == total):
                    self.check_finite(epoch=(s - 1) // spe + 1)
        out: list = [None] * n_in
        for r, i in enumerate(self.ids):
            out[int(i)] = Generator(self.G.network(r), self.config, frame=self.frames[int(i)])
        for i, err in self.failures.items():
            out[i] = err
        return out


def train_gans_batched(xs, config: GanConfig | None = None, *, weights=None, rngs=None,
                       batch_runs: int | None = None) -> list:
    """Train one GAN per data set of ``xs`` in lockstep batches of ``batch_runs`` runs.

    The result equals ``[train_gan(x, config, weights=w, rng=g) for x, w, g in ...]``
    run by run (to rounding), except that a run that diverges yields its
    :class:`~gan_backend.engine.train.TrainingDivergedError` in its slot instead of raising.

    Parameters
    ----------
    xs : sequence of array_like (n, d)
        The runs' training sets (one shape for all).
    config : GanConfig, optional
        One configuration for every run (lockstep needs one architecture).
    weights : sequence of array_like or None, optional
        Per-run data weights (None: uniform for all).
    rngs : sequence of Generator, int or None
        Per-run seeds or generators.
    batch_runs : int, optional
        Most runs per batch (None: all at once).

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend.engine.config import GanConfig
    >>> xs = [np.random.default_rng(i).normal(size=(256, 2)) for i in range(3)]
    >>> gens = train_gans_batched(xs, GanConfig(epochs=1, batch_size=64, dtype="float64"), rngs=[0, 1, 2])
    >>> [g.sample(2, rng=0).shape for g in gens]
    [(2, 2), (2, 2), (2, 2)]
    """
    xs = list(xs)
    runs = len(xs)
    weights, rngs = _per_run("weights", weights, runs), _per_run("rngs", rngs, runs)
    size = runs if batch_runs is None else check_batch_runs(batch_runs)
    out: list = []
    for a in range(0, runs, max(1, size)):
        sl = slice(a, a + size)
        out += BatchedGanTrainer(xs[sl], config, weights=weights[sl], rngs=rngs[sl]).run()
    return out


def train_classifiers_batched(reals, fakes, config: GanConfig | None = None, *, rngs=None,
                              epochs: int | None = None, batch_runs: int | None = None) -> list:
    """:func:`gan_backend.train_classifier` for many (real, fake) pairs in lockstep.

    Run by run the same draws (``rng.integers`` for the real rows, then the fake rows, per
    step), the same logistic loss and the same optimiser as the single function, so the
    result equals ``[train_classifier(r, f, config, rng=g, epochs=epochs) ...]`` to
    rounding. All reals must share one shape, all fakes another (one step count).

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend.engine.config import GanConfig
    >>> rs = [np.random.default_rng(i).normal(1, 1, (256, 2)) for i in range(2)]
    >>> fs = [np.random.default_rng(9 + i).normal(-1, 1, (256, 2)) for i in range(2)]
    >>> cfg = GanConfig(batch_size=64, dtype="float64")
    >>> cls = train_classifiers_batched(rs, fs, cfg, rngs=[0, 1], epochs=2)
    >>> [c.prob(np.zeros((1, 2))).shape for c in cls]
    [(1,), (1,)]
    """
    c = check_run_axis(check_config(config))
    epochs = positive_int("epochs", c.epochs if epochs is None else epochs)
    reals = [as_data(f"reals[{i}]", x, c.dtype) for i, x in enumerate(reals)]
    fakes = [as_data(f"fakes[{i}]", x, c.dtype) for i, x in enumerate(fakes)]
    runs = len(reals)
    fakes, rngs = _per_run("fakes", fakes, runs), _per_run("rngs", rngs, runs)
    for name, group in (("reals", reals), ("fakes", fakes)):
        if len({a.shape for a in group}) > 1:
            raise ValueError(f"`{name}` must all have the same shape to train in lockstep; got "
                             f"{sorted({a.shape for a in group})}")
    if runs and reals[0].shape[1] != fakes[0].shape[1]:
        raise ValueError(f"`reals` and `fakes` must have the same number of columns; got "
                         f"{reals[0].shape[1]} and {fakes[0].shape[1]}")
    size = runs if batch_runs is None else check_batch_runs(batch_runs)
    xp, b = get_xp(), c.batch_size
    loss = Minimax()
    out: list = []
    for a in range(0, runs, max(1, size)):
        rs, fs = reals[a:a + size], fakes[a:a + size]
        gens = [as_rng(g) for g in rngs[a:a + size]]
        k = len(rs)
        n_r, dim = rs[0].shape
        n_f = fs[0].shape[0]
        x_r = to_device(np.concatenate(rs), xp)
        x_f = to_device(np.concatenate(fs), xp)
        D = discriminator_net(c, dim, xp=xp, runs=k)
        for r, g in enumerate(gens):
            D.init_run(r, g, c.init, c.init_std)
        opt = net_optimizer(c, D, c.lr_d)
        total = epochs * max(1, max(n_r, n_f) // b)
        ir = np.empty((k, b), dtype=np.intp)
        jf = np.empty((k, b), dtype=np.intp)
        off_r, off_f = np.arange(k)[:, None] * n_r, np.arange(k)[:, None] * n_f
        with one_blas_thread(xp):
            for _ in range(total):
                for r, g in enumerate(gens):
                    ir[r] = g.integers(0, n_r, size=b)
                    jf[r] = g.integers(0, n_f, size=b)
                xin = xp.concatenate((x_r[to_device(ir + off_r, xp)], x_f[to_device(jf + off_f, xp)]),
                                     axis=1)
                v = D.forward(xin)[:, :, 0]
                _, g_real, g_fake = loss.d_loss(v[:, :b].T, v[:, b:].T, value=False)
                D.backward(xp.concatenate((g_real.T, g_fake.T), axis=1)[:, :, None], need_dx=False)
                opt.step()
        out += [Classifier(D.network(r), c) for r in range(k)]
    return out
