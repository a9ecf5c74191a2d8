"""Multi-layer perceptron: Dense layers with an activation between consecutive ones.

All parameters live in ONE flat buffer (``MLP.params``) and all gradients in another
(``MLP.grads``); each :class:`~gan_backend.engine.layers.Dense` holds views into them. The
optimisers then update a whole network with a handful of vector operations instead of
a loop over small arrays, which is what makes a step of the tiny toy GAN cheap.

Optional per hidden layer: batch normalisation before the activation (``batchnorm``), or
a maxout unit of ``maxout`` pieces in place of the activation. With ``runs = R`` the
network is R independent copies with a leading run axis (buffers ``(R, P)``, row r laid
out as a single network's, inputs ``(R, n, features)``), the form the lockstep trainers
of :mod:`gan_backend.engine.batched` use.

:func:`generator_net` and :func:`discriminator_net` are the network factory: the only
code that reads the architecture fields of a :class:`~gan_backend.engine.config.GanConfig`
(widths, activation, ``g_batchnorm``, ``d_maxout``, ``latent_dim``, ``dtype``). The
readable trainer, the fused kernels (which run on those networks' buffers) and the run
axis all build their networks here.
"""
from __future__ import annotations

import types

import numpy as np

from gan_backend.engine._backend import get_xp
from gan_backend.engine._validate import positive_int
from gan_backend.engine.layers import ACTIVATIONS, BatchNorm, Dense, Layer, Maxout, Module, RunsDense, check_dtype

__all__ = ["MLP", "generator_net", "discriminator_net"]


class MLP(Module):
    """``Dense → act → Dense → act → … → Dense [→ output_activation]``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths including input and output, e.g. ``(2, 50, 30, 1)``.
    activation : str
        Hidden activation, a key of :data:`gan_backend.engine.layers.ACTIVATIONS`.
    output_activation : str or None
        Optional activation after the last Dense layer (None: linear output).
    dtype : float32 or float64
    xp : array module; default :func:`gan_backend.engine.backend.get_xp`.
    batchnorm : bool
        A :class:`~gan_backend.engine.layers.BatchNorm` after every hidden Dense layer, before
        its activation (or maxout) (training mode by default; :meth:`predict` uses the running
        statistics).
    maxout : int
        With ``maxout = k > 1`` every hidden layer is a Dense layer of ``k`` times its
        width followed by a :class:`~gan_backend.engine.layers.Maxout` of ``k`` pieces (no
        other activation); 1: off.
    runs : int or None
        None: one network. R: R copies with a leading run axis (``params`` of shape
        ``(R, P)``; draw run r's parameters with :meth:`init_run`).

    Parameters start at zero; call :meth:`init` (or :meth:`init_run`) to draw them.

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP((2, 3, 1), dtype="float64")
    >>> net.init(np.random.default_rng(0), "normal", 0.8)
    >>> net.forward(np.zeros((4, 2))).shape
    (4, 1)
    """

    def __init__(self, sizes, *, activation: str = "relu", output_activation: str | None = None,
                 dtype="float32", xp: types.ModuleType | None = None, batchnorm: bool = False,
                 maxout: int = 1, runs: int | None = None):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"`sizes` must list at least two positive widths; got {sizes!r}")
        for name, act in (("activation", activation), ("output_activation", output_activation)):
            if act is not None and act not in ACTIVATIONS:
                raise ValueError(f"`{name}` must be one of {', '.join(ACTIVATIONS)}; got {act!r}")
        if activation is None:
            raise ValueError("`activation` must be one of " + ", ".join(ACTIVATIONS) + "; got None")
        if not isinstance(batchnorm, (bool, np.bool_)):
            raise ValueError(f"`batchnorm` must be True or False; got {batchnorm!r}")
        maxout = positive_int("maxout", maxout)
        self.runs = None if runs is None else positive_int("runs", runs)
        lead = () if self.runs is None else (self.runs,)
        self.sizes = sizes
        self.activation, self.output_activation = activation, output_activation
        self.batchnorm, self.maxout = bool(batchnorm), int(maxout)
        self.dtype = check_dtype(dtype)
        self.xp = xp = get_xp() if xp is None else xp
        n_dense = len(sizes) - 1
        # widths of the Dense outputs: a hidden maxout layer computes `maxout` pieces per unit
        outs = [b * self.maxout if i < n_dense - 1 else b for i, b in enumerate(sizes[1:])]
        ins = [sizes[0], *sizes[1:-1]]
        hidden = outs[:-1] if self.batchnorm else ()  # BatchNorm acts on the Dense outputs
        total = sum(a * b + b for a, b in zip(ins, outs)) + 2 * sum(hidden)
        self.params = xp.zeros((*lead, total), dtype=self.dtype)
        self.grads = xp.zeros((*lead, total), dtype=self.dtype)
        #: non-trained state (running statistics of the BatchNorm layers), one flat buffer
        self.state = xp.zeros((*lead, 2 * sum(hidden)), dtype=self.dtype)
        self.dense: list[Dense] = []
        self.norms: list[BatchNorm] = []
        self.layers: list[Layer] = []
        off = soff = 0
        for i, (a, b) in enumerate(zip(ins, outs)):
            k = a * b + b
            if self.runs is None:
                d = Dense(a, b, dtype=self.dtype, xp=xp, params=self.params[off:off + k],
                          grads=self.grads[off:off + k])
            else:
                d = RunsDense(a, b, self.params[:, off:off + k], self.grads[:, off:off + k], xp)
            off += k
            self.dense.append(d)
            self.layers.append(d)
            last = i == n_dense - 1
            if not last and self.batchnorm:
                w = b
                bn = BatchNorm(w, dtype=self.dtype, xp=xp, params=self.params[..., off:off + 2 * w],
                               grads=self.grads[..., off:off + 2 * w],
                               state=self.state[..., soff:soff + 2 * w])
                off += 2 * w
                soff += 2 * w
                self.norms.append(bn)
                self.layers.append(bn)
            if not last and self.maxout > 1:
                self.layers.append(Maxout(self.maxout, dtype=self.dtype, xp=xp))
                continue
            act = output_activation if last else activation
            if act is not None:
                # in place: the input of an activation is the fresh output of a Dense layer
                # (or of a BatchNorm, which returns a new array)
                self.layers.append(ACTIVATIONS[act](dtype=self.dtype, xp=xp, inplace=True))
        self._first = self.layers[0]

    # -- parameters ------------------------------------------------------------------
    def parameters(self):
        """One ``(params, grads)`` pair: the flat buffers (per-layer views in ``dense``)."""
        return [(self.params, self.grads)]

    def init(self, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw every weight matrix by ``scheme`` (N(0, std²) or Glorot); biases 0;
        BatchNorm ``gamma = 1``, ``beta = 0`` and its running statistics reset."""
        if self.runs is not None:
            raise ValueError("`init` draws one network; a network with a run axis draws each run "
                             "with init_run(r, rng)")
        for d in self.dense:
            d.init(rng, scheme, std)
        for bn in self.norms:
            bn.reset()

    def init_run(self, r: int, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw run r's parameters from ``rng`` as :meth:`init` draws a single network's
        (the same draws in the same order), reset run r's BatchNorm layers."""
        if self.runs is None:
            raise ValueError("`init_run` needs a network with a run axis (runs=R); use init(rng)")
        for d in self.dense:
            d.init_run(r, rng, scheme, std)
        for bn in self.norms:
            bn.reset(r)

    def copy_from(self, other: "MLP") -> None:
        """Copy ``other``'s parameters into this network (same architecture)."""
        if other.architecture != self.architecture or other.params.shape != self.params.shape:
            raise ValueError(f"`other` has architecture {other.architecture} and parameters of shape "
                             f"{other.params.shape}, expected {self.architecture} and {self.params.shape}")
        self.xp.copyto(self.params, other.params)
        self.xp.copyto(self.state, other.state)

    def clone(self) -> "MLP":
        """A new network with the same architecture and a copy of the parameters."""
        new = self._like(self.runs)
        new.copy_from(self)
        return new

    @property
    def architecture(self) -> dict:
        """The constructor's arguments that fix the layers (all but ``xp`` and ``runs``)."""
        return {"sizes": self.sizes, "activation": self.activation,
                "output_activation": self.output_activation, "dtype": self.dtype.__name__,
                "batchnorm": self.batchnorm, "maxout": self.maxout}

    def _like(self, runs: int | None) -> "MLP":
        """A zero network of this architecture on this backend, with ``runs`` runs."""
        return MLP(xp=self.xp, runs=runs, **self.architecture)

    # -- the run axis ----------------------------------------------------------------
    def network(self, r: int) -> "MLP":
        """Run r of a network with a run axis, as a single network (a copy)."""
        if self.runs is None:
            raise ValueError("`network` needs a network with a run axis (runs=R)")
        net = self._like(None)
        net.params[...] = self.params[r]
        net.state[...] = self.state[r]
        return net

    def take(self, keep) -> "MLP":
        """The runs ``keep`` (host index array) of a network with a run axis, as a new one
        (parameters and BatchNorm statistics copied)."""
        if self.runs is None:
            raise ValueError("`take` needs a network with a run axis (runs=R)")
        new = self._like(len(keep))
        k = keep if self.xp is np else self.xp.asarray(keep)
        new.params[...] = self.params[k]
        new.state[...] = self.state[k]
        return new

    # -- computation -----------------------------------------------------------------
    def forward(self, x):
        """Apply the network to rows ``x`` of shape ``(n, sizes[0])``; caches for backward."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def predict(self, x):
        """:meth:`forward` with every BatchNorm in evaluation mode (running statistics),
        for sampling; the same as :meth:`forward` without BatchNorm layers."""
        if not self.norms:
            return self.forward(x)
        modes = [bn.training for bn in self.norms]
        for bn in self.norms:
            bn.training = False
        try:
            return self.forward(x)
        finally:
            for bn, m in zip(self.norms, modes):
                bn.training = m

    def backward(self, dy, *, param_grads: bool = True, need_dx: bool = True):
        """Back-propagate ``dy = dL/d(output)`` of the last :meth:`forward`.

        Writes ``grads`` (unless ``param_grads=False``) and returns ``dL/dx`` (None when
        ``need_dx=False``).
        """
        first = self._first
        for layer in reversed(self.layers):
            dy = layer.backward(dy, param_grads=param_grads,
                                need_dx=need_dx or layer is not first)
        return dy


def generator_net(config, dim: int, *, xp: types.ModuleType | None = None,
                  runs: int | None = None) -> MLP:
    """G of ``config`` (a :class:`~gan_backend.engine.config.GanConfig`): ``latent_dim → g_hidden
    → dim``, BatchNorm in the hidden layers when ``config.g_batchnorm``, output activation
    ``config.g_output`` (None: linear); parameters zero;
    ``runs`` copies on a run axis when given.

    >>> from gan_backend.engine.config import GanConfig
    >>> generator_net(GanConfig(g_batchnorm=True), 2).sizes, len(generator_net(GanConfig(), 2).norms)
    ((5, 10, 5, 2), 0)
    """
    return MLP((config.latent_dim, *config.g_hidden, int(dim)), activation=config.activation,
               output_activation=config.g_output, dtype=config.dtype, xp=xp,
               batchnorm=config.g_batchnorm, runs=runs)


def discriminator_net(config, dim: int, *, xp: types.ModuleType | None = None,
                      runs: int | None = None) -> MLP:
    """D of ``config``: ``dim → d_hidden → 1`` (a logit), hidden layers maxout units of
    ``config.d_maxout`` pieces when that is > 1; parameters zero; ``runs`` copies on a run
    axis when given (also the AdaGAN mixture classifier's architecture).

    >>> from gan_backend.engine.config import GanConfig
    >>> discriminator_net(GanConfig(d_maxout=3), 2, runs=4).params.shape  # 2*150+150 + 50*90+90 + 30+1
    (4, 5071)
    """
    return MLP((int(dim), *config.d_hidden, 1), activation=config.activation, dtype=config.dtype,
               xp=xp, maxout=config.d_maxout, runs=runs)
