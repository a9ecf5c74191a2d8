"""Multi-layer perceptron: Dense layers with an activation between consecutive ones.

All parameters live in ONE flat buffer (``MLP.params``) and all gradients in another
(``MLP.grads``); each :class:`~gan_backend.layers.Dense` holds views into them. The
optimisers then update a whole network with a handful of vector operations instead of
a loop over small arrays, which is what makes a step of the tiny toy GAN cheap.
"""
from __future__ import annotations

import types

import numpy as np

from gan_backend._backend import get_xp
from gan_backend.layers import ACTIVATIONS, Dense, Layer, Module, check_dtype

__all__ = ["MLP"]


class MLP(Module):
    """``Dense → act → Dense → act → … → Dense [→ output_activation]``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths including input and output, e.g. ``(2, 50, 30, 1)``.
    activation : str
        Hidden activation, a key of :data:`gan_backend.layers.ACTIVATIONS`.
    output_activation : str or None
        Optional activation after the last Dense layer (None: linear output).
    dtype : float32 or float64
    xp : array module; default :func:`gan_backend.backend.get_xp`.

    Parameters start at zero; call :meth:`init` to draw them.

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP((2, 3, 1), dtype="float64")
    >>> net.init(np.random.default_rng(0), "normal", 0.8)
    >>> net.forward(np.zeros((4, 2))).shape
    (4, 1)
    """

    def __init__(self, sizes, *, activation: str = "relu", output_activation: str | None = None,
                 dtype="float32", xp: types.ModuleType | None = None):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"`sizes` must list at least two positive widths; got {sizes!r}")
        for name, act in (("activation", activation), ("output_activation", output_activation)):
            if act is not None and act not in ACTIVATIONS:
                raise ValueError(f"`{name}` must be one of {', '.join(ACTIVATIONS)}; got {act!r}")
        if activation is None:
            raise ValueError("`activation` must be one of " + ", ".join(ACTIVATIONS) + "; got None")
        self.sizes = sizes
        self.activation, self.output_activation = activation, output_activation
        self.dtype = check_dtype(dtype)
        self.xp = xp = get_xp() if xp is None else xp
        total = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        self.params = xp.zeros(total, dtype=self.dtype)
        self.grads = xp.zeros(total, dtype=self.dtype)
        self.dense: list[Dense] = []
        self.layers: list[Layer] = []
        off = 0
        n_dense = len(sizes) - 1
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            k = a * b + b
            d = Dense(a, b, dtype=self.dtype, xp=xp, params=self.params[off:off + k],
                      grads=self.grads[off:off + k])
            off += k
            self.dense.append(d)
            self.layers.append(d)
            act = activation if i < n_dense - 1 else output_activation
            if act is not None:
                # in place: the input of an activation is the fresh output of a Dense layer
                self.layers.append(ACTIVATIONS[act](dtype=self.dtype, xp=xp, inplace=True))
        self._first = self.layers[0]

    # -- parameters ------------------------------------------------------------------
    def parameters(self):
        """One ``(params, grads)`` pair: the flat buffers (per-layer views in ``dense``)."""
        return [(self.params, self.grads)]

    def init(self, rng: np.random.Generator, scheme: str = "normal", std: float = 0.8) -> None:
        """Draw every weight matrix by ``scheme`` (N(0, std²) or Glorot); biases 0."""
        for d in self.dense:
            d.init(rng, scheme, std)

    def copy_from(self, other: "MLP") -> None:
        """Copy ``other``'s parameters into this network (same architecture)."""
        if other.sizes != self.sizes:
            raise ValueError(f"`other` has sizes {other.sizes}, expected {self.sizes}")
        self.xp.copyto(self.params, other.params)

    def clone(self) -> "MLP":
        """A new network with the same architecture and a copy of the parameters."""
        new = MLP(self.sizes, activation=self.activation, output_activation=self.output_activation,
                  dtype=self.dtype, xp=self.xp)
        new.copy_from(self)
        return new

    # -- computation -----------------------------------------------------------------
    def forward(self, x):
        """Apply the network to rows ``x`` of shape ``(n, sizes[0])``; caches for backward."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

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
