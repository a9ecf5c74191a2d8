r"""A residual MLP, the AVB authors' adversary body: ``forward`` right above ``backward``.

.. math::

    h_0 = a(W_0 [x] + b_0) \;(\text{then further hidden layers}),\qquad
    h_{i+1} = a\big(h_i + V_i\, r(U_i h_i + c_i) + d_i\big),\qquad
    y = W_{out} h_B + b_{out},

with ``a`` the outer activation (ELU in the authors' notebook), ``r`` the inner activation
of a block (ReLU there: ``slim.fully_connected``'s default) and the second layer
``(V_i, d_i)`` of every block initialised to zero, so that each block starts as the
identity followed by ``a``.

Backward, block by block, with ``s_i`` the sum before the outer activation:
``∂L/∂s_i = a'(s_i) ⊙ ∂L/∂h_{i+1}`` and
``∂L/∂h_i = ∂L/∂s_i + U_iᵀ-backward of (r' ⊙ (∂L/∂s_i) V_iᵀ)``: the skip connection adds
the incoming gradient to the branch's. Every derivative is checked against central finite
differences in float64 (``tests/gan_backend/experiments/test_avb_networks.py``).

All parameters live in one flat buffer (``params``) and all gradients in another
(``grads``), as in :class:`gan_backend.engine.mlp.MLP`, so one Adam call updates the whole net.
"""
from __future__ import annotations

import numpy as np

from gan_backend.experiments.avb._elu import FusedELU
from gan_backend.engine.layers import ACTIVATIONS, Dense, Module, check_dtype

__all__ = ["ResidualMLP"]

#: the activations, ELU (α = 1) as one compiled pass (:mod:`gan_backend.experiments.avb._elu`)
_ACTIVATIONS = {**ACTIVATIONS, "elu": FusedELU}


class ResidualMLP(Module):
    """``[Dense → act] × len(hidden)``, then ``blocks`` residual blocks of width
    ``hidden[-1]``, then a linear ``Dense`` to ``n_out``.

    Parameters
    ----------
    n_in, n_out : int
    hidden : tuple of int
        Widths of the plain hidden layers (at least one when ``blocks > 0``; none: one
        affine map).
    blocks : int
        Number of residual blocks (0: a plain MLP).
    activation, block_activation : str
        Outer activation (hidden layers and after every block's sum) and the inner one of
        the blocks (keys of :data:`gan_backend.engine.layers.ACTIVATIONS`).
    dtype : float32 or float64

    Examples
    --------
    >>> net = ResidualMLP(6, (8,), 2, 1, activation="elu", block_activation="relu", dtype="float64")
    >>> net.init(np.random.default_rng(0), "glorot")
    >>> net.forward(np.zeros((3, 6))).shape
    (3, 1)
    """

    def __init__(self, n_in: int, hidden, blocks: int, n_out: int, *, activation: str = "elu",
                 block_activation: str = "relu", dtype="float32"):
        hidden = tuple(int(h) for h in hidden)
        if (hidden and min(hidden) < 1) or int(n_in) < 1 or int(n_out) < 1:
            raise ValueError(f"`hidden` must list positive widths; got {hidden!r}")
        if isinstance(blocks, bool) or not isinstance(blocks, (int, np.integer)) or blocks < 0:
            raise ValueError(f"`blocks` must be a nonnegative integer; got {blocks!r}")
        if blocks > 0 and not hidden:
            raise ValueError(f"`hidden` must list at least one width when `blocks` > 0; got {hidden!r}")
        for name, act in (("activation", activation), ("block_activation", block_activation)):
            if act not in ACTIVATIONS:
                raise ValueError(f"`{name}` must be one of {', '.join(ACTIVATIONS)}; got {act!r}")
        self.dtype = check_dtype(dtype)
        self.xp = np
        w = hidden[-1] if hidden else int(n_in)
        shapes = list(zip((int(n_in), *hidden[:-1]), hidden)) + [(w, w)] * (2 * int(blocks)) + [(w, int(n_out))]
        total = sum(a * b + b for a, b in shapes)
        self.params = np.zeros(total, dtype=self.dtype)
        self.grads = np.zeros(total, dtype=self.dtype)
        dense, off = [], 0
        for a, b in shapes:
            k = a * b + b
            dense.append(Dense(a, b, dtype=self.dtype, params=self.params[off:off + k], grads=self.grads[off:off + k]))
            off += k
        self.dense = dense
        self.sizes = (int(n_in), *hidden, int(n_out))
        self.n_blocks = int(blocks)
        self.activation, self.block_activation = activation, block_activation
        act, inner = _ACTIVATIONS[activation], _ACTIVATIONS[block_activation]
        nh = len(hidden)
        self.stem = [(dense[i], act(dtype=self.dtype, inplace=True)) for i in range(nh)]
        self.blocks = [(dense[nh + 2 * i], inner(dtype=self.dtype, inplace=True), dense[nh + 2 * i + 1],
                        act(dtype=self.dtype, inplace=True)) for i in range(self.n_blocks)]
        self.out = dense[-1]

    def parameters(self):
        return [(self.params, self.grads)]

    def init(self, rng: np.random.Generator, scheme: str = "glorot", std: float = 0.8) -> None:
        """Every weight matrix by ``scheme``, biases 0; each block's second layer all zero."""
        for d in self.dense:
            d.init(rng, scheme, std)
        for _, _, second, _ in self.blocks:
            second.W[...] = 0
            second.b[...] = 0

    def forward(self, x):
        h = x
        for d, a in self.stem:
            h = a.forward(d.forward(h))
        for d1, r, d2, a in self.blocks:
            s = d2.forward(r.forward(d1.forward(h)))
            s += h  # the skip connection (s is the fresh output of d2)
            h = a.forward(s)
        return self.out.forward(h)

    __call__ = forward

    def backward(self, dy, *, param_grads: bool = True, need_dx: bool = True):
        """``dy = ∂L/∂y`` of the last :meth:`forward` → writes ``grads`` (unless
        ``param_grads=False``); returns ``∂L/∂x`` (None when ``need_dx=False``)."""
        dh = self.out.backward(dy, param_grads=param_grads)
        for d1, r, d2, a in reversed(self.blocks):
            ds = a.backward(dh)
            db = d1.backward(r.backward(d2.backward(ds, param_grads=param_grads)), param_grads=param_grads)
            dh = db + ds
        for i, (d, a) in reversed(list(enumerate(self.stem))):
            dh = d.backward(a.backward(dh), param_grads=param_grads, need_dx=need_dx or i > 0)
        return dh
