r"""The four networks of AVB and its VAE baseline, each ``forward`` right above its ``backward``.

All are thin wrappers around :class:`gan_backend.experiments.avb.resnet.ResidualMLP` (NumPy, rows are
examples; no residual blocks except in T when configured);
``backward`` writes the wrapped MLP's parameter gradients (``param_grads=True``) and
returns the input gradients that the training step chains together.

* :class:`NoiseEncoder` — the AVB posterior, a black box fed with noise:
  ``z = E_φ(x, ε)``, ``ε ~ N(0, I)``, an MLP on the concatenation ``[x, ε]``. Its density
  ``q_φ(z|x)`` is never evaluated; gradients reach φ only through ``z`` (the noise path).
* :class:`GaussianEncoder` — the VAE posterior ``q_φ(z|x) = N(μ_φ(x), diag σ_φ(x)²)`` with
  the reparameterisation ``z = μ + σ ⊙ ε`` and the closed-form
  ``KL(q‖N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − 2 log σ_j)``.
* :class:`BernoulliDecoder` — ``p_θ(x|z) = Π_j Bern(x_j; σ(ℓ_j(z)))`` with logits ``ℓ``:
  ``log p_θ(x|z) = Σ_j x_j ℓ_j − softplus(ℓ_j)``, ``∂/∂ℓ_j = x_j − σ(ℓ_j)``.
* :class:`Adversary` — ``T_ψ(x, z)``, an MLP on ``[x, z]`` with a linear (logit) output, or
  (``config.adversary_blocks > 0``) a :class:`~gan_backend.experiments.avb.resnet.ResidualMLP`; with
  ``config.adversary_prior_term`` the analytic ``‖z‖²`` is added to the network's output (the
  authors' notebook: it gives T the quadratic tails of ``−log p(z)`` for free). Trained with the logistic loss to tell ``(x, z ~ q(z|x))`` (label 1) from
  ``(x, z ~ p(z))`` (label 0), its optimum is ``T* = log q(z|x) − log p(z)``.

Every derivative is checked against central finite differences in
``tests/gan_backend/experiments/test_avb_networks.py``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from gan_backend.engine.normal32 import standard_normal32
from gan_backend.experiments.avb.resnet import ResidualMLP

__all__ = ["NoiseEncoder", "GaussianEncoder", "BernoulliDecoder", "Adversary", "bernoulli_loglik"]


def _mlp(sizes, config) -> ResidualMLP:
    """A plain MLP (no residual blocks, linear output) with ``config``'s activation."""
    return ResidualMLP(sizes[0], sizes[1:-1], 0, sizes[-1], activation=config.activation,
                       block_activation=config.activation, dtype=config.dtype)


def bernoulli_loglik(x, logits) -> np.ndarray:
    r"""Row-wise ``log p(x|ℓ) = Σ_j x_j ℓ_j − softplus(ℓ_j)`` (stable for any ``ℓ``).

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(bernoulli_loglik(np.array([[1.0, 0.0]]), np.zeros((1, 2)))[0], 2 * np.log(0.5)))
    True
    """
    return (x * logits - np.logaddexp(0, logits)).sum(axis=1)


class NoiseEncoder:
    """``z = E_φ(x, ε)``: an MLP on ``[x, ε]`` with ``ε ~ N(0, I_noise_dim)``.

    ε comes from :func:`gan_backend.engine.normal32.standard_normal32` with
    ``config.noise = "inverse_cdf"`` (the default: normal quantiles of 2^24 equal cells,
    ``|ε| ≤ 5.42``, 5x faster than NumPy's ziggurat, whose draws were a tenth of an AVB
    iteration), or from ``Generator.standard_normal`` with ``"numpy"``.

    Parameters
    ----------
    x_dim : int
    config : AvbConfig
    """

    def __init__(self, x_dim: int, config):
        self.x_dim, self.noise_dim, self.noise_kind = int(x_dim), config.noise_dim, config.noise
        self.net = _mlp((self.x_dim + config.noise_dim, *config.encoder_hidden, config.latent_dim), config)

    def parameters(self):
        return self.net.parameters()

    def init(self, rng, config) -> None:
        self.net.init(rng, config.init, config.init_std)

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.noise_kind == "numpy":
            return rng.standard_normal((n, self.noise_dim), dtype=self.net.dtype)
        return standard_normal32(rng, (n, self.noise_dim)).astype(self.net.dtype, copy=False)

    def forward(self, x, eps):
        return self.net.forward(np.concatenate((x, eps), axis=1))

    def backward(self, dz, *, param_grads: bool = True, need_dx: bool = True):
        """``dz = ∂L/∂z`` → writes ∂L/∂φ; returns ``(∂L/∂x, ∂L/∂ε)`` (None with
        ``need_dx=False``, which skips that product)."""
        d = self.net.backward(dz, param_grads=param_grads, need_dx=need_dx)
        return None if d is None else (d[:, :self.x_dim], d[:, self.x_dim:])

    def sample(self, x, rng) -> np.ndarray:
        """Posterior samples, one per row of ``x`` (fresh noise from ``rng``)."""
        return np.asarray(self.forward(np.asarray(x, self.net.dtype), self.noise(len(x), rng)), np.float64)


class GaussianEncoder:
    """``q_φ(z|x) = N(μ(x), diag σ(x)²)``: an MLP ``x → [μ, log σ]``; ``z = μ + σ ⊙ ε``."""

    def __init__(self, x_dim: int, config):
        self.latent_dim = config.latent_dim
        self.net = _mlp((int(x_dim), *config.encoder_hidden, 2 * config.latent_dim), config)
        self._cache = None

    def parameters(self):
        return self.net.parameters()

    def init(self, rng, config) -> None:
        self.net.init(rng, config.init, config.init_std)

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, self.latent_dim), dtype=self.net.dtype)

    def forward(self, x, eps):
        """Returns ``(z, kl)``: the reparameterised sample and per-row ``KL(q(·|x)‖N(0, I))``."""
        out = self.net.forward(x)
        k = self.latent_dim
        mu, log_sigma = out[:, :k], out[:, k:]
        sigma = np.exp(log_sigma)
        z = mu + sigma * eps
        kl = 0.5 * (mu * mu + sigma * sigma - 1.0 - 2.0 * log_sigma).sum(axis=1)
        self._cache = (mu, sigma, eps)
        return z, kl

    def backward(self, dz, dkl, *, param_grads: bool = True):
        """``dz = ∂L/∂z`` (n, k) and ``dkl = ∂L/∂kl`` (n,) → writes ∂L/∂φ; returns ∂L/∂x.

        ``∂z/∂μ = 1``, ``∂z/∂log σ = σ ε``, ``∂kl/∂μ = μ``, ``∂kl/∂log σ = σ² − 1``.
        """
        mu, sigma, eps = self._cache
        dkl = np.asarray(dkl, dtype=mu.dtype).reshape(-1, 1)
        d_mu = dz + dkl * mu
        d_log_sigma = dz * sigma * eps + dkl * (sigma * sigma - 1.0)
        return self.net.backward(np.concatenate((d_mu, d_log_sigma), axis=1), param_grads=param_grads)

    def moments(self, x):
        """``(μ(x), σ(x))`` as float64 arrays."""
        out = np.asarray(self.net.forward(np.asarray(x, self.net.dtype)), np.float64)
        k = self.latent_dim
        return out[:, :k], np.exp(out[:, k:])

    def sample(self, x, rng) -> np.ndarray:
        mu, sigma = self.moments(x)
        return mu + sigma * rng.standard_normal(mu.shape)


class BernoulliDecoder:
    """``p_θ(x|z)``: an MLP ``z → logits`` and a product of Bernoulli likelihoods."""

    def __init__(self, x_dim: int, config):
        self.net = _mlp((config.latent_dim, *config.decoder_hidden, int(x_dim)), config)
        self._cache = None

    def parameters(self):
        return self.net.parameters()

    def init(self, rng, config) -> None:
        self.net.init(rng, config.init, config.init_std)

    def forward(self, x, z):
        """Per-row ``log p_θ(x|z)``."""
        logits = self.net.forward(z)
        self._cache = (x, logits)
        return bernoulli_loglik(x, logits)

    def backward(self, dll, *, param_grads: bool = True):
        """``dll = ∂L/∂ log p(x|z)`` per row (n,) → writes ∂L/∂θ; returns ∂L/∂z.

        ``∂ log p/∂ℓ_j = x_j − σ(ℓ_j)``.
        """
        x, logits = self._cache
        dll = np.asarray(dll, dtype=logits.dtype).reshape(-1, 1)
        return self.net.backward(dll * (x - expit(logits)), param_grads=param_grads)

    def loglik(self, x, z) -> np.ndarray:
        """``log p_θ(x|z)`` per row, float64, without touching the backward cache."""
        logits = np.asarray(self.net.forward(np.asarray(z, self.net.dtype)), np.float64)
        return bernoulli_loglik(np.asarray(x, np.float64), logits)


class Adversary:
    """``T_ψ(x, z) = net([x, z]) (+ ‖z‖²)``, one linear output (a logit).

    ``backward`` of the prior term: ``∂‖z‖²/∂z = 2 z``.
    """

    def __init__(self, x_dim: int, config):
        self.x_dim = int(x_dim)
        n_in = self.x_dim + config.latent_dim
        if config.adversary_blocks > 0:
            self.net = ResidualMLP(n_in, config.adversary_hidden, config.adversary_blocks, 1,
                                   activation=config.activation, block_activation=config.block_activation,
                                   dtype=config.dtype)
        else:
            self.net = _mlp((n_in, *config.adversary_hidden, 1), config)
        self.prior_term = bool(config.adversary_prior_term)
        self._z = None

    def parameters(self):
        return self.net.parameters()

    def init(self, rng, config) -> None:
        self.net.init(rng, config.init, config.init_std)

    def forward(self, x, z):
        """``T(x, z)`` with shape (n, 1)."""
        v = self.net.forward(np.concatenate((x, z), axis=1))
        if self.prior_term:
            self._z = z
            v += (z * z).sum(axis=1, keepdims=True)
        return v

    def backward(self, dv, *, param_grads: bool = True, need_dx: bool = True):
        """``dv = ∂L/∂T`` (n, 1) → writes ∂L/∂ψ (unless ``param_grads=False``); returns
        ``(∂L/∂x, ∂L/∂z)`` (None with ``need_dx=False``, which skips that product)."""
        d = self.net.backward(dv, param_grads=param_grads, need_dx=need_dx)
        if d is None:
            return None
        dx, dz = d[:, :self.x_dim], d[:, self.x_dim:]
        if self.prior_term:
            dz = dz + 2.0 * dv * self._z
        return dx, dz

    def __call__(self, x, z) -> np.ndarray:
        """``T(x, z)`` as a float64 vector (n,)."""
        dt = self.net.dtype
        return np.asarray(self.forward(np.asarray(x, dt), np.asarray(z, dt)), np.float64)[:, 0]
