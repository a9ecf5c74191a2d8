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

from gan_backend.experiments.avb._kernels import KINDS, act_grad, bias_act, outer_act_grad
from gan_backend.engine.layers import ACTIVATIONS, Dense, Module, check_dtype

__all__ = ["ResidualMLP"]

#: scratch arrays kept per net before they are dropped (a few batch sizes' worth)
_MAX_SCRATCH = 64


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
        act, inner = ACTIVATIONS[activation], ACTIVATIONS[block_activation]
        nh = len(hidden)
        self.stem = [(dense[i], act(dtype=self.dtype, inplace=True)) for i in range(nh)]
        self.blocks = [(dense[nh + 2 * i], inner(dtype=self.dtype, inplace=True), dense[nh + 2 * i + 1],
                        act(dtype=self.dtype, inplace=True)) for i in range(self.n_blocks)]
        self.out = dense[-1]
        #: ReLU/ELU nets run the compiled epilogues (:mod:`._kernels`); others the layers
        self.fused = activation in KINDS and block_activation in KINDS
        self._cache = None
        self._ws = {}  # scratch arrays of the compiled path, by (role, rows, columns)

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
        if self.fused:
            return self._forward_fused(x)
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
        if self.fused:
            return self._backward_fused(dy, param_grads, need_dx)
        dh = self.out.backward(dy, param_grads=param_grads)
        for d1, r, d2, a in reversed(self.blocks):
            ds = a.backward(dh)
            db = d1.backward(r.backward(d2.backward(ds, param_grads=param_grads)), param_grads=param_grads)
            dh = db + ds
        for i, (d, a) in reversed(list(enumerate(self.stem))):
            dh = d.backward(a.backward(dh), param_grads=param_grads, need_dx=need_dx or i > 0)
        return dh

    def _buf(self, key, rows: int, cols: int) -> np.ndarray:
        """A scratch array of shape (rows, cols) kept between calls. Fresh 512 KB arrays
        cost page faults on every call (the allocator returns them to the system): measured,
        they made a 1024-row forward of the AVB adversary 1.6x slower."""
        k = (key, rows, cols)
        a = self._ws.get(k)
        if a is None:
            if len(self._ws) >= _MAX_SCRATCH:  # many batch sizes (evaluations): start afresh
                self._ws.clear()  # arrays still held by the last forward's cache stay alive
            a = self._ws[k] = np.empty((rows, cols), dtype=self.dtype)
        return a

    def _forward_fused(self, x):
        """:meth:`forward` with one compiled pass after each product (bias, skip, activation).
        The hidden layers live in scratch arrays (:meth:`_buf`) until the next forward of
        the same batch size; the output is a new array."""
        ka, kr = KINDS[self.activation], KINDS[self.block_activation]
        h = np.ascontiguousarray(x, dtype=self.dtype)
        n = h.shape[0]
        hs, us = [h], []  # every layer's input (and the last output); each block's inner output
        for j, (d, _) in enumerate(self.stem):
            h = bias_act(np.matmul(h, d.W, out=self._buf(("h", j), n, d.n_out)), d.b, ka)
            hs.append(h)
        nh = len(self.stem)
        for i, (d1, _, d2, _) in enumerate(self.blocks):
            u = bias_act(np.matmul(h, d1.W, out=self._buf(("u", i), n, d1.n_out)), d1.b, kr)
            h = bias_act(np.matmul(u, d2.W, out=self._buf(("h", nh + i), n, d2.n_out)), d2.b, ka, skip=h)
            us.append(u)
            hs.append(h)
        self._cache = (hs, us)
        y = h @ self.out.W
        y += self.out.b
        return y

    def _backward_fused(self, dy, param_grads: bool, need_dx: bool):
        """:meth:`backward` with the activation derivative and the bias gradient in one
        compiled pass before each pair of products, written over the incoming gradient.
        The hidden gradients live in scratch arrays; the returned ``∂L/∂x`` is a new array."""
        ka, kr = KINDS[self.activation], KINDS[self.block_activation]
        hs, us = self._cache
        dy = np.ascontiguousarray(dy, dtype=self.dtype)  # read only: the caller's
        n = dy.shape[0]
        o = self.out
        if param_grads:
            np.matmul(hs[-1].T, dy, out=o.dW)
            np.sum(dy, axis=0, out=o.db)
        nh = len(self.stem)
        if not (need_dx or nh):
            return None
        if not nh:  # an affine map: the input gradient is the only product
            return dy * o.W.T if o.n_out == 1 else dy @ o.W.T
        flip = 0  # the two alternating buffers of dh
        dh = self._buf(("dh", flip), n, o.n_in)
        # The gradient reaching the last hidden layer: a single output's is the outer
        # product dy Wᵀ, formed inside that layer's activation pass (``outer``); several
        # outputs' is a product. The skip connection's gradient is added inside the next
        # activation pass (``skip``).
        outer = (dy, o.W) if o.n_out == 1 else None
        if outer is None:
            np.matmul(dy, o.W.T, out=dh)
        skip = None
        for i in reversed(range(self.n_blocks)):
            (d1, _, d2, _), u = self.blocks[i], us[i]
            ds = _grad_pass(hs[nh + i + 1], ka, d2.db if param_grads else None, dh, skip, outer)
            outer = None
            if param_grads:
                np.matmul(u.T, ds, out=d2.dW)
            du = np.matmul(ds, d2.W.T, out=self._buf("du", n, d2.n_in))
            dr = act_grad(u, du, kr, db=d1.db if param_grads else None, out=du)
            if param_grads:
                np.matmul(hs[nh + i].T, dr, out=d1.dW)
            flip = 1 - flip
            dh = np.matmul(dr, d1.W.T, out=self._buf(("dh", flip), n, d1.n_in))
            skip = ds  # added to dh by the next pass
        for j in reversed(range(nh)):
            d = self.stem[j][0]
            g = _grad_pass(hs[j + 1], ka, d.db if param_grads else None, dh, skip, outer)
            outer = skip = None
            if param_grads:
                np.matmul(hs[j].T, g, out=d.dW)
            if j > 0:
                flip = 1 - flip
                dh = np.matmul(g, d.W.T, out=self._buf(("dh", flip), n, d.n_in))
            else:
                dh = g @ d.W.T if need_dx else None
        return dh


def _grad_pass(y, kind: int, db, dh, skip, outer):
    """One layer's ``∂L/∂(pre-activation)`` from its output ``y``, in one compiled pass
    written over ``dh``: from ``dh + skip`` (``skip`` None: ``dh`` alone), or, with
    ``outer = (dy, w)``, from the outer product ``dy wᵀ`` of a single-output layer above
    (``dh`` is then only the output array). With ``db``, the bias gradient too."""
    if outer is not None:
        return outer_act_grad(y, outer[0], outer[1], kind, dh, db=db)
    return act_grad(y, dh, kind, db=db, out=dh, add=skip)
