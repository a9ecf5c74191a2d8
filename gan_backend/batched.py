"""Many independent GAN trainings in lockstep: a leading *run axis* through the engine.

R trainings of one :class:`~gan_backend.config.GanConfig` (same architecture and
optimiser settings; each with its own data set, data weights and seed) are stacked:
parameters, gradients and optimiser state are ``(R, P)`` arrays, activations
``(R, rows, width)``, and one batched forward/backward (``matmul`` on ``(R, n, k)``
arrays) plus one optimiser update advance all R. The code is written against the array
module of :func:`gan_backend._backend.get_xp`, so the same lines run on NumPy and on
CuPy, where hundreds of toy GANs fill one GPU that a single one leaves idle.

Same numbers as R separate :func:`gan_backend.train_gan` calls: every run draws from its
own :class:`numpy.random.Generator` exactly what the single trainer draws, in the same
order (initial weights of G then D; per D step the minibatch rows then the latent codes;
then the G step's codes), on the host; the activations, objectives and optimisers are the
readable ones of :mod:`gan_backend.layers`, :mod:`gan_backend.objectives` and
:mod:`gan_backend.optim` (elementwise, so shape-agnostic); only the dense layers have a
batched twin here. In float64 the runs agree with separate trainings to rounding
(``tests/gan_backend/test_batched.py``: 1e-10 after 200 steps).

Each run keeps its own divergence check: at the end of every epoch a run whose
parameters are not finite gets a :class:`~gan_backend.train.TrainingDivergedError` (the
single trainer's message) in its result slot and is dropped from the batch; the others
go on.

The random draws stay on the host (one NumPy generator per run, so that a run's stream
is the single trainer's); on a GPU that host work, not the arithmetic, bounds the speed
at large R.
"""
from __future__ import annotations

import contextlib
import numbers
import types

import numpy as np

from gan_backend._backend import get_xp, to_device, to_numpy
from gan_backend._sampling import IndexSampler
from gan_backend.config import GanConfig
from gan_backend.generator import Generator, as_rng
from gan_backend.layers import ACTIVATIONS, INITS, check_dtype
from gan_backend.mlp import MLP
from gan_backend.objectives import get_objective
from gan_backend.optim import clip_weights, make_optimizer

__all__ = ["BatchedMLP", "BatchedGanTrainer", "train_gans_batched", "train_classifiers_batched",
           "check_batch_runs"]


def check_batch_runs(value, name: str = "batch_runs") -> int:
    """``value`` as a positive int (runs per lockstep batch); ``ValueError`` naming
    ``name`` otherwise (the CLI passes ``"--batch-runs"``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {value!r}")
    return int(value)


class _BatchedDense:
    """``y = x W + b`` for R runs at once: ``x (R, n, a)``, ``W (R, a, b)``, ``b (R, b)``
    (views into the stacked flat buffers). Derivatives as :class:`gan_backend.layers.Dense`:
    ``dL/dx = dy Wᵀ``, ``dL/dW = xᵀ dy``, ``dL/db = 1ᵀ dy`` per run."""

    def __init__(self, n_in: int, n_out: int, params, grads, xp):
        self.n_in, self.n_out, self.xp = n_in, n_out, xp
        runs = params.shape[0]
        k = n_in * n_out
        self.W = params[:, :k].reshape(runs, n_in, n_out)
        self.b = params[:, k:k + n_out]
        self.dW = grads[:, :k].reshape(runs, n_in, n_out)
        self.db = grads[:, k:k + n_out]
        self._x = None

    def forward(self, x):
        self._x = x
        y = self.xp.matmul(x, self.W)
        y += self.b[:, None, :]
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        xp = self.xp
        if param_grads:
            self.dW[...] = xp.matmul(self._x.transpose(0, 2, 1), dy)
            self.db[...] = dy.sum(axis=1)
        if not need_dx:
            return None
        if self.n_out == 1:  # an outer product per run
            return dy * self.W.transpose(0, 2, 1)
        return xp.matmul(dy, self.W.transpose(0, 2, 1))


class BatchedMLP:
    """R copies of :class:`gan_backend.mlp.MLP` (same sizes, separate parameters) with a
    leading run axis: ``params``/``grads`` of shape ``(R, P)``, row r laid out as an
    MLP's flat buffer, so ``MLP.params[...] = params[r]`` recovers run r's network.

    Examples
    --------
    >>> import numpy as np
    >>> net = BatchedMLP(3, (2, 4, 1), dtype="float64", xp=np)
    >>> net.forward(np.zeros((3, 5, 2))).shape
    (3, 5, 1)
    """

    def __init__(self, runs: int, sizes, *, activation: str = "relu", dtype="float32",
                 xp: types.ModuleType | None = None):
        self.runs = int(runs)
        self.sizes = tuple(int(s) for s in sizes)
        if activation not in ACTIVATIONS:
            raise ValueError(f"`activation` must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
        self.activation = activation
        self.dtype = check_dtype(dtype)
        self.xp = xp = get_xp() if xp is None else xp
        total = sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        self.params = xp.zeros((self.runs, total), dtype=self.dtype)
        self.grads = xp.zeros((self.runs, total), dtype=self.dtype)
        self.dense: list[_BatchedDense] = []
        self.layers = []
        off = 0
        n_dense = len(self.sizes) - 1
        for i, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            k = a * b + b
            d = _BatchedDense(a, b, self.params[:, off:off + k], self.grads[:, off:off + k], xp)
            off += k
            self.dense.append(d)
            self.layers.append(d)
            if i < n_dense - 1:
                self.layers.append(ACTIVATIONS[activation](dtype=self.dtype, xp=xp, inplace=True))

    def parameters(self):
        return [(self.params, self.grads)]

    def init_run(self, r: int, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw run r's weights from ``rng`` as :meth:`gan_backend.mlp.MLP.init` does."""
        if scheme not in INITS:
            raise ValueError(f"`init` must be one of {', '.join(INITS)}; got {scheme!r}")
        for d in self.dense:
            d.W[r] = to_device(INITS[scheme](rng, d.n_in, d.n_out, std), self.xp, self.dtype)
            d.b[r] = 0

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy, *, param_grads: bool = True, need_dx: bool = True):
        first = self.layers[0]
        for layer in reversed(self.layers):
            dy = layer.backward(dy, param_grads=param_grads, need_dx=need_dx or layer is not first)
        return dy

    def take(self, keep) -> "BatchedMLP":
        """A new batch of the runs ``keep`` (host index array), parameters copied."""
        new = BatchedMLP(len(keep), self.sizes, activation=self.activation, dtype=self.dtype, xp=self.xp)
        new.params[...] = self.params[to_device(keep, self.xp)]
        return new

    def network(self, r: int) -> MLP:
        """Run r as a plain :class:`~gan_backend.mlp.MLP` (a copy)."""
        net = MLP(self.sizes, activation=self.activation, dtype=self.dtype, xp=self.xp)
        net.params[...] = self.params[r]
        return net


def _optimizer(config: GanConfig, net: BatchedMLP, lr: float):
    kw = {"adam": {"beta1": config.beta1, "beta2": config.beta2}}.get(config.optimizer, {})
    return make_optimizer(config.optimizer, net.parameters(), lr, **kw)


def _take_optimizer(config, old, net: BatchedMLP, lr: float, keep):
    new = _optimizer(config, net, lr)
    new.t = old.t
    k = to_device(keep, net.xp)
    for name in old._state_names:
        for dst, src in zip(getattr(new, name), getattr(old, name)):
            dst[...] = src[k]
    return new


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
        from gan_backend.train import _as_data

        c = GanConfig() if config is None else config
        if not isinstance(c, GanConfig):
            raise ValueError(f"`config` must be a GanConfig; got {type(c).__name__}")
        xs = list(xs)
        runs = len(xs)
        if runs < 1:
            raise ValueError("`xs` must hold at least one data set")
        weights = [None] * runs if weights is None else list(weights)
        rngs = [None] * runs if rngs is None else list(rngs)
        if len(weights) != runs or len(rngs) != runs:
            raise ValueError(f"`weights` and `rngs` must have one entry per run ({runs}); got "
                             f"{len(weights)} and {len(rngs)}")
        self.config = c
        self.xp = xp = get_xp()
        self.objective = get_objective(c.objective)
        host = [_as_data(f"xs[{r}]", x, c.dtype) for r, x in enumerate(xs)]
        if len({h.shape for h in host}) != 1:
            raise ValueError(f"`xs` must all have the same shape to train in lockstep; got "
                             f"{sorted({h.shape for h in host})}")
        self.n, dim = host[0].shape
        self.rngs = [as_rng(g) for g in rngs]
        self.samplers = [IndexSampler(self.n, w) for w in weights]
        self.ids = np.arange(runs)  # input position of each run still in the batch
        self.x = to_device(np.stack(host).reshape(runs * self.n, dim), xp)
        self.G = BatchedMLP(runs, (c.latent_dim, *c.g_hidden, dim), activation=c.activation,
                            dtype=c.dtype, xp=xp)
        self.D = BatchedMLP(runs, (dim, *c.d_hidden, 1), activation=c.activation, dtype=c.dtype, xp=xp)
        for r, rng in enumerate(self.rngs):  # the single trainer's order: G, then D
            self.G.init_run(r, rng, c.init, c.init_std)
            self.D.init_run(r, rng, c.init, c.init_std)
        self._optimizers()
        self.steps_per_epoch = max(1, self.n // c.batch_size)
        self.failures: dict[int, Exception] = {}

    def _optimizers(self, old=None, keep=None):
        c = self.config
        if old is None:
            self.opt_g = _optimizer(c, self.G, c.lr_g)
            self.opt_d = _optimizer(c, self.D, c.lr_d)
        else:
            self.opt_g = _take_optimizer(c, old[0], self.G, c.lr_g, keep)
            self.opt_d = _take_optimizer(c, old[1], self.D, c.lr_d, keep)
        if c.unrolled:
            self.D_ahead = BatchedMLP(self.G.runs, self.D.sizes, activation=c.activation,
                                      dtype=c.dtype, xp=self.xp)
            self.opt_ahead = _optimizer(c, self.D_ahead, c.lr_d)

    @property
    def runs(self) -> int:
        """Runs still in the batch."""
        return self.G.runs

    # -- pieces ------------------------------------------------------------------------
    def _draws(self):
        """Per run: minibatch rows (flat indices into the stacked data), latent codes."""
        c, b = self.config, self.config.batch_size
        idx = np.empty((self.runs, b), dtype=np.intp)
        z = np.empty((self.runs, b, c.latent_dim), dtype=self.G.dtype)
        for r, (rng, sampler) in enumerate(zip(self.rngs, self.samplers)):
            idx[r] = sampler.sample(rng, b)
            idx[r] += r * self.n
            z[r] = rng.standard_normal((b, c.latent_dim), dtype=self.G.dtype)
        return to_device(idx, self.xp), to_device(z, self.xp)

    def _noise(self):
        c = self.config
        z = np.empty((self.runs, c.batch_size, c.latent_dim), dtype=self.G.dtype)
        for r, rng in enumerate(self.rngs):
            z[r] = rng.standard_normal((c.batch_size, c.latent_dim), dtype=self.G.dtype)
        return to_device(z, self.xp)

    def _d_step(self, D: BatchedMLP, opt):
        xp, b = self.xp, self.config.batch_size
        idx, z = self._draws()
        xin = xp.concatenate((self.x[idx], self.G.forward(z)), axis=1)
        v = D.forward(xin)[:, :, 0]
        # the objectives are written for (n, 1) columns: each run is a column here
        _, g_real, g_fake = self.objective.d_loss(v[:, :b].T, v[:, b:].T, value=False)
        D.backward(xp.concatenate((g_real.T, g_fake.T), axis=1)[:, :, None], need_dx=False)
        opt.step()
        if self.config.clip is not None:
            clip_weights(D.parameters(), self.config.clip)

    def _g_step(self, D: BatchedMLP):
        v = D.forward(self.G.forward(self._noise()))[:, :, 0]
        _, g = self.objective.g_loss(v.T, value=False)
        self.G.backward(D.backward(g.T[:, :, None], param_grads=False), need_dx=False)
        self.opt_g.step()

    def step(self) -> None:
        """One generator step of every run in the batch."""
        c = self.config
        for _ in range(c.n_critic):
            self._d_step(self.D, self.opt_d)
        D = self.D
        if c.unrolled:
            D = self.D_ahead
            self.xp.copyto(D.params, self.D.params)
            self.opt_ahead.load_state(self.opt_d)
            for _ in range(c.unrolled):
                self._d_step(D, self.opt_ahead)
        self._g_step(D)

    def check_finite(self, epoch: int | None = None) -> None:
        """Drop the runs whose parameters are not finite, recording their error."""
        from gan_backend.train import diverged_error

        xp = self.xp
        bad = {}
        for name, net in (("generator", self.G), ("discriminator", self.D)):
            ok = to_numpy(xp.isfinite(net.params).all(axis=1)).astype(bool)
            for r in np.flatnonzero(~ok):
                bad.setdefault(int(r), name)
        if not bad:
            return
        for r, name in bad.items():
            self.failures[int(self.ids[r])] = diverged_error(self.config, name, epoch)
        keep = np.array([r for r in range(self.runs) if r not in bad], dtype=np.intp)
        self._drop(keep)

    def _drop(self, keep: np.ndarray) -> None:
        old = (self.opt_g, self.opt_d)
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
        its :class:`~gan_backend.generator.Generator` or, for a run that diverged, its
        :class:`~gan_backend.train.TrainingDivergedError`."""
        from gan_backend.train import _one_blas_thread

        epochs = self.config.epochs if epochs is None else epochs
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"`epochs` must be a positive integer; got {epochs!r}")
        spe = self.steps_per_epoch
        total = int(epochs) * spe
        n_in = len(self.ids) + len(self.failures)
        with _one_blas_thread() if self.xp is np else contextlib.nullcontext():
            for s in range(1, total + 1):
                if self.runs:
                    self.step()
                if self.runs and (s % spe == 0 or s == total):
                    self.check_finite(epoch=(s - 1) // spe + 1)
        out: list = [None] * n_in
        for r, i in enumerate(self.ids):
            out[int(i)] = Generator(self.G.network(r), self.config)
        for i, err in self.failures.items():
            out[i] = err
        return out


def train_gans_batched(xs, config: GanConfig | None = None, *, weights=None, rngs=None,
                       batch_runs: int | None = None) -> list:
    """Train one GAN per data set of ``xs`` in lockstep batches of ``batch_runs`` runs.

    The result equals ``[train_gan(x, config, weights=w, rng=g) for x, w, g in ...]``
    run by run (to rounding), except that a run that diverges yields its
    :class:`~gan_backend.train.TrainingDivergedError` in its slot instead of raising.

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
    >>> from gan_backend.config import GanConfig
    >>> xs = [np.random.default_rng(i).normal(size=(256, 2)) for i in range(3)]
    >>> gens = train_gans_batched(xs, GanConfig(epochs=1, batch_size=64, dtype="float64"), rngs=[0, 1, 2])
    >>> [g.sample(2, rng=0).shape for g in gens]
    [(2, 2), (2, 2), (2, 2)]
    """
    xs = list(xs)
    runs = len(xs)
    weights = [None] * runs if weights is None else list(weights)
    rngs = [None] * runs if rngs is None else list(rngs)
    if len(weights) != runs or len(rngs) != runs:
        raise ValueError(f"`weights` and `rngs` must have one entry per run ({runs}); got "
                         f"{len(weights)} and {len(rngs)}")
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
    >>> from gan_backend.config import GanConfig
    >>> rs = [np.random.default_rng(i).normal(1, 1, (256, 2)) for i in range(2)]
    >>> fs = [np.random.default_rng(9 + i).normal(-1, 1, (256, 2)) for i in range(2)]
    >>> cfg = GanConfig(batch_size=64, dtype="float64")
    >>> cls = train_classifiers_batched(rs, fs, cfg, rngs=[0, 1], epochs=2)
    >>> [c.prob(np.zeros((1, 2))).shape for c in cls]
    [(1,), (1,)]
    """
    from gan_backend.classifier import Classifier
    from gan_backend.objectives import Minimax
    from gan_backend.train import _as_data, _one_blas_thread

    c = GanConfig() if config is None else config
    if not isinstance(c, GanConfig):
        raise ValueError(f"`config` must be a GanConfig; got {type(c).__name__}")
    epochs = c.epochs if epochs is None else epochs
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"`epochs` must be a positive integer; got {epochs!r}")
    reals = [_as_data(f"reals[{i}]", x, c.dtype) for i, x in enumerate(reals)]
    fakes = [_as_data(f"fakes[{i}]", x, c.dtype) for i, x in enumerate(fakes)]
    runs = len(reals)
    rngs = [None] * runs if rngs is None else list(rngs)
    if len(fakes) != runs or len(rngs) != runs:
        raise ValueError(f"`fakes` and `rngs` must have one entry per run ({runs}); got "
                         f"{len(fakes)} and {len(rngs)}")
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
        D = BatchedMLP(k, (dim, *c.d_hidden, 1), activation=c.activation, dtype=c.dtype, xp=xp)
        for r, g in enumerate(gens):
            D.init_run(r, g, c.init, c.init_std)
        opt = _optimizer(c, D, c.lr_d)
        total = int(epochs) * max(1, max(n_r, n_f) // b)
        ir = np.empty((k, b), dtype=np.intp)
        jf = np.empty((k, b), dtype=np.intp)
        off_r, off_f = np.arange(k)[:, None] * n_r, np.arange(k)[:, None] * n_f
        with _one_blas_thread() if xp is np else contextlib.nullcontext():
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
