r"""Training: AVB (Algorithm 1 of Mescheder et al. 2017, no adaptive contrast) and a Gaussian VAE.

AVB alternates, for ``config.steps`` iterations (each on fresh minibatches ``x_k`` from
the data, ``z_k ~ p(z) = N(0, I)``, ``ε_k ~ N(0, I)``):

1. ``config.adversary_steps`` updates of T with the logistic loss (the GAN
   discriminator loss of :class:`gan_backend.engine.objectives.Minimax`, "real" = posterior
   pairs, "fake" = prior pairs)

   .. math:: \min_ψ\; \tfrac1m Σ_k \operatorname{sp}(−T(x_k, E(x_k, ε_k))) + \operatorname{sp}(T(x_k, z_k)),

   whose optimum is ``T* = log q_φ(z|x) − log p(z)`` (docs/theory.md §4);
2. one update of (θ, φ) on the AVB objective, the ELBO with −T in place of the KL:

   .. math:: \min_{θ,φ}\; \tfrac1m Σ_k T(x_k, z_k') − \log p_θ(x_k | z_k'),\quad z_k' = E_φ(x_k, ε_k).

   T is held fixed; the gradient reaches φ through ``z'`` (decoder and T input
   gradients, then the encoder's backward). Proposition 2 of the paper
   (``E_q ∇_φ T*(x, z) = 0``) is why no term for T's own dependence on φ is needed.

The VAE baseline minimises ``−log p_θ(x|z) + KL(q_φ(z|x)‖N(0, I))`` with
``z = μ + σ ε`` and the closed-form KL, on the same minibatches and decoder architecture.

Both use :class:`gan_backend.engine.optim.Adam`. All randomness comes from one
:class:`numpy.random.Generator` in a fixed order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.networks import Adversary, BernoulliDecoder, GaussianEncoder, NoiseEncoder
from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.engine.objectives import Minimax
from gan_backend.engine.fused import adam_step
from gan_backend.engine.optim import Adam
from gan_backend.engine.progress import ProgressLine
from gan_backend.engine.train import TrainingDivergedError

__all__ = ["toy_data", "AvbModel", "VaeModel", "AvbTrainer", "VaeTrainer", "train_avb", "train_vae"]

_LOGISTIC = Minimax()
_THREADPOOLS: list = []


def _one_blas_thread():
    """A context limiting BLAS to one thread (tiny matrices: threads only cost). The
    controller, which scans the loaded libraries, is built once: ``threadpool_limits``
    rescans them on every call, 1.5 ms measured, a blocking call on a busy machine."""
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


def toy_data(n_points: int = 4) -> np.ndarray:
    """The AVB toy data: the ``n_points`` one-hot vectors of ``R^n_points`` (rows of I).

    Examples
    --------
    >>> toy_data().tolist()[1]
    [0.0, 1.0, 0.0, 0.0]
    """
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise ValueError(f"`n_points` must be an integer >= 2; got {n_points!r}")
    return np.eye(int(n_points))


def _check_config(config) -> AvbConfig:
    c = AvbConfig() if config is None else config
    if not isinstance(c, AvbConfig):
        raise ValueError(f"`config` must be an AvbConfig; got {type(c).__name__}")
    return c


def _check_data(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or not np.all((x == 0) | (x == 1)):
        raise ValueError(f"`x` must be an (n, d) array of 0/1 entries; got shape {x.shape}")
    return x


def _adam(config, *modules, lr):
    return Adam([p for m in modules for p in m.parameters()], lr, beta1=config.beta1, beta2=config.beta2)


def _check_finite(what: str, *modules) -> None:
    for m in modules:
        if not np.isfinite(m.net.params).all():
            raise TrainingDivergedError(f"{what} training diverged: {type(m).__name__} parameters are not finite")


@dataclass(frozen=True, eq=False)
class AvbModel:
    """A trained AVB model: encoder ``E(x, ε)``, decoder ``p(x|z)``, adversary ``T(x, z)``,
    and the per-step losses (``adversary_loss``: logistic loss of T; ``objective``: the
    minimised ``mean T − log p(x|z)``, i.e. minus the AVB ELBO estimate).
    ``adversary_snapshots`` are the evaluation refits' copies of T and ``snapshot_refit`` the
    refit each came from (0, 1, …; all 0 when it is empty and there is one refit)."""

    config: AvbConfig
    encoder: NoiseEncoder
    decoder: BernoulliDecoder
    adversary: Adversary
    adversary_loss: np.ndarray
    objective: np.ndarray
    adversary_snapshots: tuple = ()
    snapshot_refit: tuple = ()

    def __post_init__(self):
        if self.snapshot_refit and len(self.snapshot_refit) != len(self.adversary_snapshots):
            raise ValueError(f"`snapshot_refit` must label each of the {len(self.adversary_snapshots)} snapshots; "
                             f"got {len(self.snapshot_refit)} labels")

    def kl_adversaries(self) -> tuple:
        """The T's whose ``E_q T`` estimates of the KL are averaged: the refits' snapshots
        (:attr:`AvbConfig.eval_snapshots` of each of :attr:`AvbConfig.eval_refits`), or the
        trained T when there was no refit."""
        return self.adversary_snapshots or (self.adversary,)

    def kl_refit_labels(self) -> np.ndarray:
        """The refit of each T of :meth:`kl_adversaries` (zeros when there is one)."""
        n = len(self.kl_adversaries())
        return np.asarray(self.snapshot_refit, dtype=np.int64) if self.snapshot_refit else np.zeros(n, np.int64)

    def posterior(self, x, n: int, rng=None) -> np.ndarray:
        """``n`` samples of ``q(z|x_i)`` for every row ``x_i``: shape ``(len(x), n, latent)``."""
        return _posterior(self.encoder, x, n, rng)


@dataclass(frozen=True, eq=False)
class VaeModel:
    """A trained Gaussian VAE: encoder, decoder and per-step ``objective`` (−ELBO)."""

    config: AvbConfig
    encoder: GaussianEncoder
    decoder: BernoulliDecoder
    objective: np.ndarray

    def posterior(self, x, n: int, rng=None) -> np.ndarray:
        return _posterior(self.encoder, x, n, rng)


def _posterior(encoder, x, n, rng) -> np.ndarray:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` must be a positive integer; got {n!r}")
    rng = as_rng(rng)
    x = _check_data(x)
    rows = np.repeat(x, int(n), axis=0)
    return encoder.sample(rows, rng).reshape(x.shape[0], int(n), -1)


class AvbTrainer:
    """The state of one AVB training; :meth:`adversary_step` and :meth:`model_step` are
    the two halves of an iteration of Algorithm 1 (:func:`train_avb` runs them)."""

    def __init__(self, x, config: AvbConfig | None = None, *, rng=None):
        self.config = c = _check_config(config)
        self.x = _check_data(x).astype(c.dtype)
        self.rng = rng = as_rng(rng)
        d = self.x.shape[1]
        self.encoder, self.decoder, self.adversary = NoiseEncoder(d, c), BernoulliDecoder(d, c), Adversary(d, c)
        for m in (self.encoder, self.decoder, self.adversary):
            m.init(rng, c)
        self.opt_model = _adam(c, self.encoder, self.decoder, lr=c.lr)
        self.opt_adversary = _adam(c, self.adversary, lr=c.lr_adversary)

    def _batch(self):
        idx = self.rng.integers(0, self.x.shape[0], size=self.config.batch_size)
        return self.x.take(idx, axis=0)

    def adversary_grad(self, x, eps, z_p) -> float:
        """Logistic loss of T on posterior pairs ``(x, E(x, eps))`` vs prior pairs
        ``(x, z_p)``; writes its gradient into T's buffers and returns its value."""
        m = x.shape[0]
        z_q = self.encoder.forward(x, eps)
        v = self.adversary.forward(np.concatenate((x, x)), np.concatenate((z_q, z_p)))
        loss, g_q, g_p = _LOGISTIC.d_loss(v[:m], v[m:])
        self.adversary.backward(np.concatenate((g_q, g_p)), need_dx=False)
        return loss

    def model_grad(self, x, eps) -> float:
        """``mean T(x, z) − log p(x|z)`` at ``z = E(x, eps)`` (T fixed); writes its gradient
        with respect to (θ, φ) into the decoder's and encoder's buffers and returns it."""
        m = x.shape[0]
        z = self.encoder.forward(x, eps)
        ll = self.decoder.forward(x, z)
        t = self.adversary.forward(x, z)
        value = float(t.mean() - ll.mean())
        _, dz_t = self.adversary.backward(np.full_like(t, 1.0 / m), param_grads=False)
        dz_dec = self.decoder.backward(np.full(m, -1.0 / m))
        self.encoder.backward(dz_t + dz_dec, need_dx=False)
        return value

    def adversary_step(self) -> float:
        """One T update on a fresh minibatch; returns the loss before the update."""
        c, m = self.config, self.config.batch_size
        x = self._batch()
        eps = self.encoder.noise(m, self.rng)
        z_p = self.rng.standard_normal((m, c.latent_dim), dtype=x.dtype)
        loss = self.adversary_grad(x, eps, z_p)
        adam_step(self.opt_adversary)
        return loss

    def model_step(self) -> float:
        """One (θ, φ) update on a fresh minibatch; returns the objective before it."""
        x = self._batch()
        value = self.model_grad(x, self.encoder.noise(x.shape[0], self.rng))
        adam_step(self.opt_model)
        return value

    def iterate(self, steps: int, *, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Make ``steps`` iterations of Algorithm 1 (each ``adversary_steps`` T updates, then
        one (θ, φ) update); return the last T loss and the (θ, φ) objective of each. With
        ``progress``, a progress line with an ETA on stderr.

        Raises :class:`TrainingDivergedError` naming the iteration and the quantity as soon
        as either is non-finite. :meth:`run` is this followed by the evaluation refit."""
        c = self.config
        steps = positive_int("steps", steps)
        adv = np.empty(steps)
        obj = np.empty(steps)
        # overflow is caught below, after every step, by the finiteness checks
        with ProgressLine(progress, steps, "avb") as bar, _one_blas_thread(), \
                np.errstate(over="ignore", invalid="ignore"):
            for s in range(steps):
                for _ in range(c.adversary_steps):
                    adv[s] = self.adversary_step()
                    if not np.isfinite(adv[s]):
                        raise TrainingDivergedError(
                            f"AVB training diverged at iteration {s + 1} of {steps}: the adversary's "
                            f"logistic loss (T loss) is {adv[s]}")
                obj[s] = self.model_step()
                if not np.isfinite(obj[s]):
                    raise TrainingDivergedError(
                        f"AVB training diverged at iteration {s + 1} of {steps}: the (θ, φ) objective "
                        f"mean T − log p(x|z) is {obj[s]}")
                if bar.due(s + 1):
                    bar.show(s + 1, t_loss=adv[s], objective=obj[s])
        return adv, obj

    def run(self, steps: int | None = None, *, progress: bool = False) -> AvbModel:
        """Train for ``steps`` iterations (``config.steps`` by default), check every
        parameter is finite, then refit T for the ELBO estimate (:meth:`refit_adversary`).
        With ``progress``, progress lines with an ETA on stderr."""
        c = self.config
        adv, obj = self.iterate(c.steps if steps is None else steps, progress=progress)
        _check_finite("AVB", self.encoder, self.decoder, self.adversary)
        snapshots, labels = self.refit_adversaries(progress=progress)
        return AvbModel(c, self.encoder, self.decoder, self.adversary, adv, obj, snapshots, labels)

    def refit_adversaries(self, *, progress: bool = False) -> tuple[tuple, tuple]:
        """``config.eval_refits`` independent refits (:meth:`refit_adversary`, one after the
        other on the trainer's stream, each from the trained T): all their snapshots, and the
        refit each came from."""
        snapshots, labels = [], []
        refits = self.config.eval_refits
        for r in range(refits):
            label = "avb T refit" + (f" {r + 1}/{refits}" if refits > 1 else "")
            one = self.refit_adversary(progress=progress, label=label)
            snapshots += one
            labels += [r] * len(one)
        return tuple(snapshots), tuple(labels)

    def _copy_adversary(self, adversary: Adversary) -> Adversary:
        new = Adversary(self.x.shape[1], self.config)
        new.net.params[...] = adversary.net.params
        return new

    def refit_adversary(self, *, progress: bool = False, label: str = "avb T refit") -> tuple:
        """Train T alone for ``config.refit_steps`` steps at ``eval_adversary_lr``
        with the encoder frozen, on a copy (the trained T stays as it is); return the
        ``eval_snapshots`` copies taken evenly through it, the last at its end (``()``
        without a refit). With ``progress``, a progress line named ``label``."""
        c = self.config
        steps = c.refit_steps
        if steps == 0:
            return ()
        trained, opt = self.adversary, self.opt_adversary
        self.adversary = self._copy_adversary(trained)
        self.opt_adversary = _adam(c, self.adversary, lr=c.eval_adversary_lr)
        every = steps / min(c.eval_snapshots, steps)
        marks = {int(round(every * (k + 1))) for k in range(min(c.eval_snapshots, steps))}
        snapshots = []
        try:
            with ProgressLine(progress, steps, label) as bar, _one_blas_thread(), \
                    np.errstate(over="ignore", invalid="ignore"):
                for s in range(1, steps + 1):
                    loss = self.adversary_step()
                    if not np.isfinite(loss):
                        raise TrainingDivergedError(
                            f"AVB adversary refit diverged at step {s} of {steps}: the "
                            f"adversary's logistic loss (T loss) is {loss}")
                    if s in marks:
                        snapshots.append(self._copy_adversary(self.adversary))
                    if bar.due(s):
                        bar.show(s, t_loss=loss)
            _check_finite("AVB adversary refit", self.adversary)
        finally:
            self.adversary, self.opt_adversary = trained, opt
        return tuple(snapshots)


class VaeTrainer:
    """The state of one Gaussian-VAE training; :meth:`step` is one Adam update of −ELBO."""

    def __init__(self, x, config: AvbConfig | None = None, *, rng=None):
        self.config = c = _check_config(config)
        self.x = _check_data(x).astype(c.dtype)
        self.rng = rng = as_rng(rng)
        d = self.x.shape[1]
        self.encoder, self.decoder = GaussianEncoder(d, c), BernoulliDecoder(d, c)
        for m in (self.encoder, self.decoder):
            m.init(rng, c)
        self.opt = _adam(c, self.encoder, self.decoder, lr=c.lr)

    def grad(self, x, eps) -> float:
        """``mean KL(q(z|x)‖p) − log p(x|z)`` at ``z = μ + σ eps``; writes its gradient with
        respect to (θ, φ) into the buffers and returns it."""
        m = x.shape[0]
        z, kl = self.encoder.forward(x, eps)
        ll = self.decoder.forward(x, z)
        value = float(kl.mean() - ll.mean())
        dz = self.decoder.backward(np.full(m, -1.0 / m))
        self.encoder.backward(dz, np.full(m, 1.0 / m))
        return value

    def step(self) -> float:
        """One Adam update of −ELBO on a fresh minibatch; returns it before the update."""
        m = self.config.batch_size
        x = self.x.take(self.rng.integers(0, self.x.shape[0], size=m), axis=0)
        value = self.grad(x, self.encoder.noise(m, self.rng))
        adam_step(self.opt)
        return value

    def run(self, steps: int | None = None, *, progress: bool = False) -> VaeModel:
        """Train for ``steps`` updates (``config.steps`` by default); with ``progress``, a
        progress line with an ETA on stderr."""
        steps = self.config.steps if steps is None else steps
        obj = np.empty(steps)
        with ProgressLine(progress, steps, "vae") as bar, _one_blas_thread():
            for s in range(steps):
                obj[s] = self.step()
                if bar.due(s + 1):
                    bar.show(s + 1, objective=obj[s])
        _check_finite("VAE", self.encoder, self.decoder)
        return VaeModel(self.config, self.encoder, self.decoder, obj)


def train_avb(x, config: AvbConfig | None = None, *, rng=None, progress: bool = False) -> AvbModel:
    """Train AVB (Algorithm 1 without adaptive contrast) on the rows of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Binary data (the toy data: :func:`toy_data`).
    config : AvbConfig, optional
    rng : numpy.random.Generator, int or None
    progress : bool
        Progress lines with an ETA on stderr (training, then the refit of T).

    Returns
    -------
    AvbModel

    Examples
    --------
    >>> from gan_backend.experiments.avb import AvbConfig, toy_data
    >>> m = train_avb(toy_data(), AvbConfig(steps=3, batch_size=8), rng=0)
    >>> m.posterior(toy_data(), 5, rng=1).shape
    (4, 5, 2)
    """
    return AvbTrainer(x, config, rng=rng).run(progress=progress)


def train_vae(x, config: AvbConfig | None = None, *, rng=None, progress: bool = False) -> VaeModel:
    """Train the Gaussian VAE baseline (reparameterisation trick, closed-form KL); with
    ``progress``, a progress line with an ETA on stderr.

    Examples
    --------
    >>> from gan_backend.experiments.avb import AvbConfig, toy_data
    >>> m = train_vae(toy_data(), AvbConfig(steps=3, batch_size=8), rng=0)
    >>> m.posterior(toy_data(), 5, rng=1).shape
    (4, 5, 2)
    """
    return VaeTrainer(x, config, rng=rng).run(progress=progress)
