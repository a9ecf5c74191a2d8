"""Layers of the NumPy engine: each ``forward`` sits right above its ``backward``.

Hierarchy (micrograd style): :class:`Module` (owns parameters) → :class:`Layer`
(``forward``/``backward``) → :class:`gan_backend.engine.mlp.MLP` (a stack of layers).

Conventions
-----------
* Rows are examples: ``x`` has shape ``(n, features)``. A leading *run axis* (R independent
  copies of a network trained in lockstep, :mod:`gan_backend.engine.batched`) gives ``(R, n,
  features)``: the activations are elementwise, :class:`BatchNorm` and :class:`Maxout` act on
  the last two axes with per-run parameters of shape ``(R, features)``, and
  :class:`RunsDense` is the run-axis twin of :class:`Dense`.
* ``forward(x)`` caches what ``backward`` needs; ``backward(dy)`` returns ``dL/dx`` for
  the *last* ``forward`` call and **writes** (does not accumulate) the parameter
  gradients into the layer's gradient buffers.
* ``backward(dy, param_grads=False)`` skips the parameter gradients (a generator step
  only needs ``dL/dx`` through the discriminator); ``need_dx=False`` skips ``dL/dx``
  (the first layer of a network).
* Activations built with ``inplace=True`` overwrite their input in ``forward`` (the MLP
  does this: the input is the fresh output of the preceding Dense layer). ``backward``
  never modifies ``dy``.

Every derivative here is checked against central finite differences in float64
(``tests/gan_backend/engine/test_layers.py``).
"""
from __future__ import annotations

import math
import types

import numpy as np

from gan_backend.engine._backend import expit, to_device
from gan_backend.engine._validate import positive_int

__all__ = [
    "Module",
    "Layer",
    "Dense",
    "RunsDense",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "ELU",
    "Sigmoid",
    "BatchNorm",
    "Maxout",
    "ACTIVATIONS",
    "INITS",
    "check_dtype",
]

_DTYPES = {"float32": np.float32, "float64": np.float64}


def check_dtype(dtype) -> type:
    """Return ``np.float32`` or ``np.float64``; ``ValueError`` for anything else."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"`dtype` must be float32 or float64; got {dtype!r}") from exc
    if dt.name not in _DTYPES:
        raise ValueError(f"`dtype` must be float32 or float64; got {dtype!r}")
    return _DTYPES[dt.name]


class Module:
    """Something that owns parameters: ``parameters()`` lists ``(value, grad)`` pairs.

    Optimisers update ``value`` in place from ``grad``; both arrays stay the same
    objects for the module's lifetime (they may be views into one flat buffer).
    """

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return []


class Layer(Module):
    """A differentiable map ``y = layer(x)`` with a hand-written ``backward``."""

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dy, *, param_grads: bool = True, need_dx: bool = True):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)


# --- Dense ------------------------------------------------------------------------


def _init_normal(rng: np.random.Generator, n_in: int, n_out: int, std: float) -> np.ndarray:
    """``W_ij ~ N(0, std²)`` (docs/theory.md §3 toy GAN: std = 0.8)."""
    return rng.normal(0.0, std, size=(n_in, n_out))


def _init_glorot(rng: np.random.Generator, n_in: int, n_out: int, std: float) -> np.ndarray:
    """Glorot/Xavier uniform: ``W_ij ~ U[-a, a]``, ``a = sqrt(6 / (n_in + n_out))`` (``std`` unused)."""
    a = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


INITS = {"normal": _init_normal, "glorot": _init_glorot}


class Dense(Layer):
    """Affine layer ``y = x W + b`` with ``W`` of shape ``(n_in, n_out)``.

    Derivatives: ``dL/dx = dy Wᵀ``, ``dL/dW = xᵀ dy``, ``dL/db = 1ᵀ dy`` (column sums,
    computed as a product with a ones vector: several times faster than ``sum(axis=0)``
    on C-ordered rows).

    Parameters
    ----------
    n_in, n_out : int
    dtype : float32 or float64
    xp : array module (default numpy)
    params, grads : optional 1-D arrays of length ``n_in*n_out + n_out`` that the layer
        uses as storage (views into an MLP's flat buffers); allocated when omitted.
    """

    def __init__(self, n_in: int, n_out: int, *, dtype=np.float64, xp: types.ModuleType = np,
                 params=None, grads=None):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.xp = xp
        self.dtype = check_dtype(dtype)
        size = self.n_in * self.n_out + self.n_out
        if params is None:
            params = xp.zeros(size, dtype=self.dtype)
        if grads is None:
            grads = xp.zeros(size, dtype=self.dtype)
        k = self.n_in * self.n_out
        self.W = params[:k].reshape(self.n_in, self.n_out)
        self.b = params[k:size]
        self.dW = grads[:k].reshape(self.n_in, self.n_out)
        self.db = grads[k:size]
        self._ones = xp.ones(0, dtype=self.dtype)
        self._x = None

    def parameters(self):
        return [(self.W, self.dW), (self.b, self.db)]

    def init(self, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw ``W`` by ``scheme`` (``"normal"``: N(0, std²); ``"glorot"``), set ``b = 0``."""
        if scheme not in INITS:
            raise ValueError(f"`init` must be one of {', '.join(INITS)}; got {scheme!r}")
        w = INITS[scheme](rng, self.n_in, self.n_out, std)
        self.W[...] = to_device(w, self.xp, self.dtype)
        self.b[...] = 0

    def forward(self, x):
        self._x = x
        y = x @ self.W
        y += self.b
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        if param_grads:
            xp, n = self.xp, dy.shape[0]
            if self._ones.shape[0] < n:
                self._ones = xp.ones(n, dtype=self.dtype)
            xp.matmul(self._x.T, dy, out=self.dW)
            xp.matmul(self._ones[:n], dy, out=self.db)
        if not need_dx:
            return None
        if self.n_out == 1:  # an outer product: broadcasting beats a k = 1 matmul
            return dy * self.W.T
        return dy @ self.W.T


class RunsDense(Layer):
    """:class:`Dense` for R runs at once: ``x (R, n, a)``, ``W (R, a, b)``, ``b (R, b)``
    (views into rows of ``(R, P)`` flat buffers). Derivatives as :class:`Dense`, per run:
    ``dL/dx = dy Wᵀ``, ``dL/dW = xᵀ dy``, ``dL/db = 1ᵀ dy``.

    Parameters
    ----------
    n_in, n_out : int
    params, grads : 2-D arrays of shape ``(R, n_in*n_out + n_out)`` used as storage.
    xp : array module
    """

    def __init__(self, n_in: int, n_out: int, params, grads, xp: types.ModuleType = np):
        self.n_in, self.n_out, self.xp = int(n_in), int(n_out), xp
        runs = params.shape[0]
        k = self.n_in * self.n_out
        self.W = params[:, :k].reshape(runs, self.n_in, self.n_out)
        self.b = params[:, k:k + self.n_out]
        self.dW = grads[:, :k].reshape(runs, self.n_in, self.n_out)
        self.db = grads[:, k:k + self.n_out]
        self._x = None

    def parameters(self):
        return [(self.W, self.dW), (self.b, self.db)]

    def init_run(self, r: int, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw run r's ``W`` from ``rng`` as :meth:`Dense.init` does; its ``b = 0``."""
        if scheme not in INITS:
            raise ValueError(f"`init` must be one of {', '.join(INITS)}; got {scheme!r}")
        self.W[r] = to_device(INITS[scheme](rng, self.n_in, self.n_out, std), self.xp, self.W.dtype)
        self.b[r] = 0

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


# --- activations ------------------------------------------------------------------


class ReLU(Layer):
    """``y = max(x, 0)``; ``dy/dx = 1[x > 0]`` (0 at x = 0, a subgradient)."""

    def __init__(self, *, dtype=np.float64, xp: types.ModuleType = np, inplace: bool = False):
        self.xp, self.inplace = xp, inplace
        # maximum against a broadcast zero array is faster in NumPy than against a scalar
        self._zero = xp.zeros(1, dtype=check_dtype(dtype))
        self._y = None

    def forward(self, x):
        self._y = y = self.xp.maximum(x, self._zero, out=x if self.inplace else None)
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        return dy * (self._y > 0)


class LeakyReLU(Layer):
    """``y = x`` for x > 0, ``alpha·x`` otherwise (0 < alpha < 1); ``dy/dx = 1`` or ``alpha``."""

    def __init__(self, alpha: float = 0.2, *, dtype=np.float64, xp: types.ModuleType = np,
                 inplace: bool = False):
        if not (0.0 < alpha < 1.0):
            raise ValueError(f"`alpha` must be in (0, 1); got {alpha!r}")
        self.alpha, self.xp, self.inplace = float(alpha), xp, inplace
        self._pos = None

    def forward(self, x):
        self._pos = x > 0
        # for 0 < alpha < 1, max(x, alpha x) is x when x > 0 and alpha x otherwise
        return self.xp.maximum(x, self.alpha * x, out=x if self.inplace else None)

    def backward(self, dy, *, param_grads=True, need_dx=True):
        return self.xp.where(self._pos, dy, self.alpha * dy)


class Tanh(Layer):
    """``y = tanh x``; ``dy/dx = 1 − y²``."""

    def __init__(self, *, dtype=np.float64, xp: types.ModuleType = np, inplace: bool = False):
        self.xp, self.inplace = xp, inplace
        self._y = None

    def forward(self, x):
        self._y = y = self.xp.tanh(x, out=x if self.inplace else None)
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        y = self._y
        return dy * (1 - y * y)


class Sigmoid(Layer):
    """``y = σ(x) = 1/(1 + e^{−x})`` (stable ``expit``); ``dy/dx = y(1 − y)``."""

    def __init__(self, *, dtype=np.float64, xp: types.ModuleType = np, inplace: bool = False):
        self.xp, self.inplace = xp, inplace
        self._expit = expit(xp)
        self._y = None

    def forward(self, x):
        self._y = y = self._expit(x, out=x if self.inplace else None)
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        y = self._y
        return dy * (y * (1 - y))


class ELU(Layer):
    """``y = x`` for x > 0, ``alpha·(e^x − 1)`` otherwise; ``dy/dx = 1`` or ``y + alpha``.

    ``expm1`` is evaluated on ``min(x, 0)`` so a large positive x never overflows.
    """

    def __init__(self, alpha: float = 1.0, *, dtype=np.float64, xp: types.ModuleType = np,
                 inplace: bool = False):
        if not alpha > 0:
            raise ValueError(f"`alpha` must be positive; got {alpha!r}")
        self.alpha, self.xp, self.inplace = float(alpha), xp, inplace
        self._y = self._pos = None

    def forward(self, x):
        xp = self.xp
        self._pos = pos = x > 0
        neg = self.alpha * xp.expm1(xp.minimum(x, 0))
        self._y = y = xp.where(pos, x, neg)
        if self.inplace:
            x[...] = y
            self._y = y = x
        return y

    def backward(self, dy, *, param_grads=True, need_dx=True):
        return self.xp.where(self._pos, dy, dy * (self._y + self.alpha))


ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "elu": ELU,
    "sigmoid": Sigmoid,
}


# --- normalisation and maxout -------------------------------------------------------


def _per_row(a):
    """A per-feature vector (or, with a run axis, an ``(R, features)`` array) broadcast
    against the ``(..., rows, features)`` activations."""
    return a if a.ndim == 1 else a[..., None, :]


class BatchNorm(Layer):
    """Batch normalisation over the rows: ``y = gamma * (x - mu) / sqrt(var + eps) + beta``.

    Training mode (``training = True``, the default): ``mu`` and ``var`` are the batch's
    mean and biased variance per feature, and the running statistics are updated as
    ``r <- (1 - momentum) r + momentum * stat`` (the running variance with the unbiased
    batch variance, as PyTorch does). Evaluation mode (``training = False``): ``mu``,
    ``var`` are the running statistics, so a sample does not depend on the others.

    Derivatives (training mode, ``xh = (x - mu)/s``, ``s = sqrt(var + eps)``, n rows):
    ``dL/dbeta = 1ᵀ dy``, ``dL/dgamma = 1ᵀ (dy ∘ xh)``, and with ``g = gamma ∘ dy``:
    ``dL/dx = (g − mean(g) − xh ∘ mean(g ∘ xh)) / s`` (column means). In evaluation
    mode ``dL/dx = gamma ∘ dy / s``.

    With a run axis (``params`` of shape ``(R, 2 n)``, input ``(R, rows, n)``) every run
    is normalised over its own rows with its own parameters and statistics.

    Parameters
    ----------
    n : int
        Number of features.
    eps, momentum : float
        ``1e-5`` and ``0.1`` (PyTorch's).
    params, grads : optional arrays of shape ``(2 n,)`` or ``(R, 2 n)`` (``gamma`` then ``beta``).
    state : optional array of the same shape (running mean then running variance).
    """

    def __init__(self, n: int, *, eps: float = 1e-5, momentum: float = 0.1, dtype=np.float64,
                 xp: types.ModuleType = np, params=None, grads=None, state=None):
        n = positive_int("n", n)
        if not (0.0 < momentum <= 1.0):
            raise ValueError(f"`momentum` must be in (0, 1]; got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"`eps` must be positive; got {eps!r}")
        self.n, self.eps, self.momentum = int(n), float(eps), float(momentum)
        self.xp, self.dtype = xp, check_dtype(dtype)
        params = xp.zeros(2 * self.n, dtype=self.dtype) if params is None else params
        grads = xp.zeros(2 * self.n, dtype=self.dtype) if grads is None else grads
        state = xp.zeros(2 * self.n, dtype=self.dtype) if state is None else state
        n = self.n
        self.gamma, self.beta = params[..., :n], params[..., n:2 * n]
        self.dgamma, self.dbeta = grads[..., :n], grads[..., n:2 * n]
        self.running_mean, self.running_var = state[..., :n], state[..., n:2 * n]
        self.training = True
        self.reset()
        self._xh = self._inv = None

    def parameters(self):
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]

    def reset(self, run: int | None = None) -> None:
        """``gamma = 1``, ``beta = 0``, running mean 0 and variance 1 (of run ``run`` only,
        with a run axis)."""
        i = Ellipsis if run is None else run
        self.gamma[i] = 1
        self.beta[i] = 0
        self.running_mean[i] = 0
        self.running_var[i] = 1

    def forward(self, x):
        xp = self.xp
        if self.training:
            m = x.shape[-2]
            mu = x.mean(axis=-2)
            xc = x - _per_row(mu)
            var = (xc * xc).mean(axis=-2)
            self._inv = inv = 1.0 / xp.sqrt(var + self.eps)
            a = self.momentum
            self.running_mean *= 1 - a
            self.running_mean += a * mu
            self.running_var *= 1 - a
            self.running_var += a * var * (m / max(m - 1, 1))
            self._xh = xh = xc * _per_row(inv)
        else:
            self._inv = inv = 1.0 / xp.sqrt(self.running_var + self.eps)
            self._xh = xh = (x - _per_row(self.running_mean)) * _per_row(inv)
        return xh * _per_row(self.gamma) + _per_row(self.beta)

    def backward(self, dy, *, param_grads=True, need_dx=True):
        xh = self._xh
        if param_grads:
            self.dbeta[...] = dy.sum(axis=-2)
            self.dgamma[...] = (dy * xh).sum(axis=-2)
        if not need_dx:
            return None
        g = dy * _per_row(self.gamma)
        inv = _per_row(self._inv)
        if not self.training:
            return g * inv
        return (g - _per_row(g.mean(axis=-2)) - xh * _per_row((g * xh).mean(axis=-2))) * inv


class Maxout(Layer):
    """Maxout over groups of ``pieces`` consecutive features: ``y[:, j] = max_p x[:, j*pieces + p]``.

    Put after a Dense layer of width ``units * pieces`` it is the maxout unit of Goodfellow
    et al. (2013), the discriminator layer of the 2-D mode-collapse benchmarks. The
    derivative routes ``dy[:, j]`` to the maximising piece (the first one on ties: a
    subgradient). Leading axes (a run axis) pass through.
    """

    def __init__(self, pieces: int, *, dtype=np.float64, xp: types.ModuleType = np, inplace: bool = False):
        self.pieces, self.xp = positive_int("pieces", pieces), xp
        self._idx = self._shape = None

    def forward(self, x):
        f = x.shape[-1]
        k = self.pieces
        if f % k:
            raise ValueError(f"`x` must have a multiple of {k} columns; got {f}")
        xr = x.reshape(*x.shape[:-1], f // k, k)
        self._shape = x.shape
        self._idx = xr.argmax(axis=-1)[..., None]
        return xr.max(axis=-1)

    def backward(self, dy, *, param_grads=True, need_dx=True):
        # one-hot of the maximising piece (array-module generic: no put_along_axis)
        hot = self.xp.arange(self.pieces) == self._idx
        return (hot * dy[..., None]).reshape(self._shape)
