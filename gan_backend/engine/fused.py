"""Fused Numba kernels for one GAN step and one classifier step (NumPy backend).

The readable engine (:mod:`gan_backend.engine.layers`, :mod:`gan_backend.engine.mlp`,
:mod:`gan_backend.engine.optim`) runs a toy GAN step as ~60 small NumPy calls; for the tiny
nets of docs/theory.md §3 their per-call overhead costs more than the arithmetic. The kernels
here do the same steps — random draws (Numba's ``numpy.random.Generator`` methods, which
reproduce NumPy's streams bit for bit), minibatch gather, G forward, D forward/backward,
the objective's gradient, Adam — in one compiled call per block of steps, on the very
same buffers (an MLP's flat
``params``/``grads`` and the Adam optimiser's ``m``/``v``), so the readable objects stay
the source of truth and the two paths can be mixed step by step.

Same numbers: every operation is the readable one in the same order and precision
(strict IEEE, no fast-math, so no FMA contraction); only the order of the terms inside a
matrix product or a column sum may differ (BLAS kernels), and the float32 tanh is a rational
approximation within 6.9 ulp (:func:`tanh32`; float64 uses ``np.tanh``), i.e. the results agree
to rounding, not bit for bit. ``tests/gan_backend/engine/test_fused.py`` checks gradients and
parameters against the readable layers in float64 to 1e-10 after several steps.

Supported (:func:`supports`): NumPy backend, hidden activations of
:data:`ACT_CODES`, linear output layers, the ``minimax`` and ``nonsaturating``
objectives, Adam, no weight clipping; ``n_critic`` and ``unrolled`` of any value; the
logistic classifier of :func:`gan_backend.train_classifier` likewise
(:func:`supports_classifier`). Everything else uses the readable layers.

Matrix products go to BLAS (NumPy's own OpenBLAS when it can be found, else ``np.dot``;
single-threaded inside training, see :func:`gan_backend.engine.train.one_blas_thread`), the
fastest at every product of the toy nets except the input layer's weight gradient (a
loop; see :func:`_mm_tn`). Measured (CPU time, one thread): a plain Numba loop is 10-20x
slower than BLAS at 512x50x30.
"""
from __future__ import annotations

import glob
import os

import llvmlite.binding as llvm
import numba
import numpy as np
from numba import types as _nt

from gan_backend.engine._sampling import indices_from_uniforms
from gan_backend.engine.layers import ELU, LeakyReLU
from gan_backend.engine.optim import Adam

__all__ = ["ACT_CODES", "OBJ_CODES", "supports", "supports_classifier", "constants", "NetBuffers",
           "gan_steps", "classifier_steps", "adam_step"]

#: hidden activations handled by the kernels (codes used inside them)
ACT_CODES = {"relu": 0, "leaky_relu": 1, "tanh": 2, "elu": 3, "sigmoid": 4}
#: objectives handled by the kernels: same D loss, generator loss differs
OBJ_CODES = {"minimax": 0, "nonsaturating": 1}


# layout of the per-dtype constant vector ``hp``
_ONE, _ZERO, _LEAKY, _ELU, _B1, _C1, _B2, _C2, _SREAL, _SFAKE = range(10)


def supports(config, xp, nets) -> bool:
    """Whether the fused kernels implement a GAN training with ``config`` on the networks
    ``nets`` (G and D, as the factory :mod:`gan_backend.engine.mlp` built them)."""
    return (supports_classifier(config, xp, *nets) and config.objective in OBJ_CODES
            and config.clip is None and not config.d_center)


def supports_classifier(config, xp, *nets) -> bool:
    """Whether the fused kernels implement :func:`gan_backend.train_classifier` with
    ``config`` (always the logistic loss, never clipped) on the networks ``nets``: Adam,
    and plain Dense + activation stacks (no run axis, no batch norm, no maxout, linear
    output, an activation of :data:`ACT_CODES`)."""
    return xp is np and config.optimizer == "adam" and all(_plain(net) for net in nets)


def _plain(net) -> bool:
    return (net.runs is None and not net.norms and net.maxout == 1 and net.output_activation is None
            and net.activation in ACT_CODES)


def constants(adam, dtype, batch: int) -> np.ndarray:
    """The scalar hyper-parameters in the kernels' dtype, cast as NumPy casts the
    readable layers' Python floats: the activations' slopes, ``adam``'s β₁, β₂ (both
    nets share them) and the loss scales ``∓1/batch``."""
    hp = np.zeros(10, dtype=dtype)
    hp[_ONE] = 1.0
    hp[_SREAL], hp[_SFAKE] = -1.0 / batch, 1.0 / batch
    hp[_LEAKY] = LeakyReLU().alpha
    hp[_ELU] = ELU().alpha
    hp[_B1], hp[_C1] = adam.beta1, 1.0 - adam.beta1
    hp[_B2], hp[_C2] = adam.beta2, 1.0 - adam.beta2
    return hp


class NetBuffers:
    """One MLP's buffers as the kernels see them: parameters, gradients and Adam moments
    (shared with the readable objects), the layer widths, and scratch space for
    activations (``rows`` rows) and back-propagated gradients."""

    def __init__(self, net, opt, rows: int):
        self.net, self.opt = net, opt
        self.p, self.g = net.params, net.grads
        self.m, self.v = opt.m[0], opt.v[0]
        self.sizes = np.asarray(net.sizes, dtype=np.int64)
        self.ws = np.zeros(rows * int(self.sizes[1:].sum()), dtype=net.dtype)
        self.db = np.zeros(2 * rows * int(self.sizes.max()), dtype=net.dtype)


# --- elementwise pieces -------------------------------------------------------------

# tanh in float32: the rational approximation of Eigen and XLA (``ptanh_float``): x clamped to
# ±7.90531110763549805 (where it rounds to ±1), an odd degree-13 polynomial over an even degree-6
# one, and x itself for |x| < 4e-4. At most 6.9 ulp of the result from the float64 tanh (every
# float32 of [4e-4, 8) checked once; tests/gan_backend/engine/test_fused.py checks the peak and
# 2^24 other inputs); NaN in gives NaN out. libm's tanhf is a call per element that no compiler
# vectorises; this is plain arithmetic that LLVM vectorises (measured: 0.5-1 ns against 20-25 ns
# per value), and the tanh was 21 of the 25 ms of B12's step. Float64 keeps np.tanh, so the
# float64 parity tests against the readable layers are exact.
_TANH_CLAMP = np.float32(7.90531110763549805)
_TANH_TINY = np.float32(0.0004)
_TA1, _TA3, _TA5, _TA7, _TA9, _TA11, _TA13 = (np.float32(v) for v in (
    4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08,
    -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16))
_TB0, _TB2, _TB4, _TB6 = (np.float32(v) for v in (
    4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06))


@numba.njit(cache=True, error_model="numpy")
def _tanh32(yi, b):  # pragma: no cover - compiled
    """yi = tanh(yi + b) for one float32 row (the rational approximation above). The numpy
    error model drops the division's zero check (the denominator is at least 4.9e-3), which
    is what lets the loop vectorise."""
    for j in range(yi.shape[0]):
        x = yi[j] + b[j]
        xc = min(max(x, -_TANH_CLAMP), _TANH_CLAMP)
        x2 = xc * xc
        p = x2 * _TA13 + _TA11
        p = x2 * p + _TA9
        p = x2 * p + _TA7
        p = x2 * p + _TA5
        p = x2 * p + _TA3
        p = x2 * p + _TA1
        q = x2 * _TB6 + _TB4
        q = x2 * q + _TB2
        q = x2 * q + _TB0
        r = (xc * p) / q
        yi[j] = x if abs(x) < _TANH_TINY else r


def tanh32(x) -> np.ndarray:
    """The fused kernels' float32 tanh (a new array), for tests and comparisons."""
    y = np.array(x, dtype=np.float32).reshape(-1)
    _tanh32(y, np.zeros_like(y))
    return y.reshape(np.shape(x))


@numba.njit(cache=True)
def _bias_act(y, b, code, hp, linear):  # pragma: no cover - compiled
    """y = act(y + b) in place, row by row (one specialised loop per activation)."""
    rows, m = y.shape
    zero, one = hp[_ZERO], hp[_ONE]
    for i in range(rows):
        yi = y[i]
        if linear:
            for j in range(m):
                yi[j] += b[j]
        elif code == 0:  # relu: max(x, 0), NaN passes through
            for j in range(m):
                t = yi[j] + b[j]
                yi[j] = zero if t <= zero else t
        elif code == 1:  # leaky relu: max(x, alpha x)
            a = hp[_LEAKY]
            for j in range(m):
                t = yi[j] + b[j]
                yi[j] = t if t > zero else a * t
        elif code == 2:
            if y.itemsize == 4:
                _tanh32(yi, b)
            else:
                for j in range(m):
                    yi[j] = np.tanh(yi[j] + b[j])
        elif code == 3:  # elu
            a = hp[_ELU]
            for j in range(m):
                t = yi[j] + b[j]
                yi[j] = t if t > zero else a * np.expm1(t)
        else:
            for j in range(m):
                yi[j] = one / (one + np.exp(-(yi[j] + b[j])))


@numba.njit(cache=True)
def _act_grad(h, d, code, hp):  # pragma: no cover - compiled
    """d = dL/dx in place from d = dL/dy and the activation's output h (same shapes,
    contiguous): the readable layers' backward formulas."""
    hf = h.reshape(h.size)
    df = d.reshape(d.size)
    zero, one = hp[_ZERO], hp[_ONE]
    if code == 0:
        for i in range(df.shape[0]):
            df[i] = df[i] if hf[i] > zero else df[i] * zero
    elif code == 1:
        a = hp[_LEAKY]
        for i in range(df.shape[0]):
            df[i] = df[i] if hf[i] > zero else a * df[i]
    elif code == 2:
        for i in range(df.shape[0]):
            df[i] = df[i] * (one - hf[i] * hf[i])
    elif code == 3:
        a = hp[_ELU]
        for i in range(df.shape[0]):
            df[i] = df[i] if hf[i] > zero else df[i] * (hf[i] + a)
    else:
        for i in range(df.shape[0]):
            df[i] = df[i] * (hf[i] * (one - hf[i]))


@numba.njit(cache=True)
def _expit(hp, x):  # pragma: no cover - compiled
    one = hp[_ONE]
    return one / (one + np.exp(-x))


@numba.njit(cache=True)
def _softplus(x):  # pragma: no cover - compiled
    x = float(x)
    return max(x, 0.0) + np.log1p(np.exp(-abs(x)))


# --- matrix products ------------------------------------------------------------------


def _load_numpy_cblas() -> bool:
    """Make NumPy's own OpenBLAS (``numpy.libs/libscipy_openblas64_*``) callable from the
    kernels by symbol name. It is the BLAS that NumPy's ``@`` uses; Numba's ``np.dot``
    goes through SciPy's copy instead, measured up to 30 % slower on these shapes (a
    transposed operand). Without it (another NumPy build) the kernels use ``np.dot``."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas64_*.so"))):
        try:
            llvm.load_library_permanently(path)
        except RuntimeError:
            continue
        if llvm.address_of_symbol("scipy_cblas_sgemm64_") and llvm.address_of_symbol("scipy_cblas_dgemm64_"):
            return True
    return False


HAVE_NUMPY_CBLAS = _load_numpy_cblas()
_sig_s = _nt.void(_nt.int32, _nt.int32, _nt.int32, _nt.int64, _nt.int64, _nt.int64, _nt.float32,
                  _nt.voidptr, _nt.int64, _nt.voidptr, _nt.int64, _nt.float32, _nt.voidptr, _nt.int64)
_sig_d = _nt.void(_nt.int32, _nt.int32, _nt.int32, _nt.int64, _nt.int64, _nt.int64, _nt.float64,
                  _nt.voidptr, _nt.int64, _nt.voidptr, _nt.int64, _nt.float64, _nt.voidptr, _nt.int64)
_sgemm = _nt.ExternalFunction("scipy_cblas_sgemm64_", _sig_s)
_dgemm = _nt.ExternalFunction("scipy_cblas_dgemm64_", _sig_d)
_ROW, _N, _T = 101, 111, 112  # CBLAS enums: row-major, no transpose, transpose


@numba.njit(cache=True)
def _gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc):  # pragma: no cover - compiled
    """Row-major ``c (m, n) = op(a) @ op(b)`` through NumPy's OpenBLAS."""
    if c.itemsize == 4:
        _sgemm(_ROW, ta, tb, m, n, k, 1.0, a.ctypes, lda, b.ctypes, ldb, 0.0, c.ctypes, ldc)
    else:
        _dgemm(_ROW, ta, tb, m, n, k, 1.0, a.ctypes, lda, b.ctypes, ldb, 0.0, c.ctypes, ldc)


@numba.njit(cache=True)
def _mm_nn_np(a, b, out):  # pragma: no cover - compiled
    np.dot(a, b, out)


@numba.njit(cache=True)
def _mm_nn_cblas(a, b, out):  # pragma: no cover - compiled
    n, k = a.shape
    m = b.shape[1]
    _gemm(_N, _N, n, m, k, a, k, b, m, out, m)


@numba.njit(cache=True)
def _mm_nt_np(d, w, out):  # pragma: no cover - compiled
    np.dot(d, w.T, out)


@numba.njit(cache=True)
def _mm_nt_cblas(d, w, out):  # pragma: no cover - compiled
    n, m = d.shape
    k = w.shape[0]
    _gemm(_N, _T, n, k, m, d, m, w, m, out, k)


@numba.njit(cache=True)
def _mm_tn_np(a, d, out):  # pragma: no cover - compiled
    np.dot(a.T, d, out)


@numba.njit(cache=True)
def _mm_tn_cblas(a, d, out):  # pragma: no cover - compiled
    n, k = a.shape
    m = d.shape[1]
    _gemm(_T, _N, k, m, n, a, k, d, m, out, m)


#: out = a @ b, out = d @ w.T, out = a.T @ d (all operands C-contiguous)
_mm_nn = _mm_nn_cblas if HAVE_NUMPY_CBLAS else _mm_nn_np
_mm_nt_blas = _mm_nt_cblas if HAVE_NUMPY_CBLAS else _mm_nt_np
_mm_tn_blas = _mm_tn_cblas if HAVE_NUMPY_CBLAS else _mm_tn_np


@numba.njit(cache=True)
def _mm_nt(d, w, out):  # pragma: no cover - compiled
    """out = d @ w.T (d: (n, m), w: (k, m), out: (n, k)). With m = 1 (the input gradient of
    a one-unit output layer) it is an outer product, written as a loop: 2.2 µs for the
    512×1 by 1×128 product against 6.3-6.9 µs through OpenBLAS's sgemm (measured with the
    SkylakeX and the Haswell kernels). Each entry is one rounded product either way, so the
    values are the same."""
    n, m = d.shape
    if m != 1:
        _mm_nt_blas(d, w, out)
        return
    k = w.shape[0]
    wf = w.reshape(k)
    for i in range(n):
        di, oi = d[i, 0], out[i]
        for j in range(k):
            oi[j] = di * wf[j]


@numba.njit(cache=True)
def _mm_tn(a, d, out):  # pragma: no cover - compiled
    """out = a.T @ d (a: (n, k), d: (n, m), out: (k, m)); a narrow ``a`` (the 2-D input
    layer) is a loop over rows, 3x faster than BLAS there."""
    n, k = a.shape
    m = d.shape[1]
    if k > 4:
        _mm_tn_blas(a, d, out)
        return
    d0 = d[0]
    for p in range(k):
        op, ap = out[p], a[0, p]
        for j in range(m):
            op[j] = ap * d0[j]
    for i in range(1, n):
        di = d[i]
        for p in range(k):
            op, ap = out[p], a[i, p]
            for j in range(m):
                op[j] += ap * di[j]


@numba.njit(cache=True)
def _colsum(d, out):  # pragma: no cover - compiled
    out[:] = d[0]
    for i in range(1, d.shape[0]):
        di = d[i]
        for j in range(out.shape[0]):
            out[j] += di[j]


# --- networks -------------------------------------------------------------------------


@numba.njit(cache=True)
def _w(p, sizes, layer):  # pragma: no cover - compiled
    """(W, b) of a layer as views into the flat parameter buffer."""
    off = 0
    for i in range(layer):
        off += sizes[i] * sizes[i + 1] + sizes[i + 1]
    a, b = sizes[layer], sizes[layer + 1]
    return p[off:off + a * b].reshape((a, b)), p[off + a * b:off + a * b + b]


@numba.njit(cache=True)
def _h(ws, sizes, rows, layer):  # pragma: no cover - compiled
    """The cached output of a layer (after its activation), shape (rows, width)."""
    off = 0
    for i in range(layer):
        off += rows * sizes[i + 1]
    w = sizes[layer + 1]
    return ws[off:off + rows * w].reshape((rows, w))


@numba.njit(cache=True)
def _forward(p, sizes, act, hp, x, ws):  # pragma: no cover - compiled
    """Forward pass on the rows of x; returns the (linear) output, shape (rows, out)."""
    rows = x.shape[0]
    n_layers = sizes.shape[0] - 1
    inp = x
    for layer in range(n_layers):
        W, b = _w(p, sizes, layer)
        y = _h(ws, sizes, rows, layer)
        _mm_nn(inp, W, y)
        _bias_act(y, b, act, hp, layer == n_layers - 1)
        inp = y
    return inp


@numba.njit(cache=True)
def _backward(p, g, sizes, act, hp, x, ws, dy_out, db, param_grads, dx):
    # pragma: no cover - compiled
    """Back-propagate dy_out = dL/d(output) of the last forward on x (rows of ws).

    Writes the parameter gradients into g when param_grads; writes dL/dx into dx when
    dx has rows (a (0, k) array skips it)."""
    rows = x.shape[0]
    n_layers = sizes.shape[0] - 1
    half = db.shape[0] // 2
    dy = dy_out
    slot = 0
    for layer in range(n_layers - 1, -1, -1):
        if layer < n_layers - 1:
            _act_grad(_h(ws, sizes, rows, layer), dy, act, hp)
        inp = x if layer == 0 else _h(ws, sizes, rows, layer - 1)
        W, _ = _w(p, sizes, layer)
        if param_grads:
            dW, dB = _w(g, sizes, layer)
            _mm_tn(inp, dy, dW)
            _colsum(dy, dB)
        if layer > 0:
            k = sizes[layer]
            nxt = db[slot * half:slot * half + rows * k].reshape((rows, k))
            slot = 1 - slot
            _mm_nt(dy, W, nxt)
            dy = nxt
        elif dx.shape[0] > 0:
            _mm_nt(dy, W, dx)


@numba.njit(cache=True, error_model="numpy")
def _adam(p, g, m, v, hp, scale, eps_s):  # pragma: no cover - compiled
    """One Adam update in the readable optimiser's order of operations. The numpy error
    model lets the loop vectorise (3x faster, measured) and gives 0/0 = NaN, as NumPy does,
    where eps = 0 and v = 0, instead of raising."""
    b1, c1, b2, c2 = hp[_B1], hp[_C1], hp[_B2], hp[_C2]
    for i in range(p.shape[0]):
        gi = g[i]
        m[i] = m[i] * b1 + c1 * gi
        v[i] = v[i] * b2 + (gi * gi) * c2
        p[i] -= m[i] / (np.sqrt(v[i]) * scale + eps_s)


def adam_step(opt) -> None:
    """One step of ``opt`` (a :class:`gan_backend.engine.optim.Adam` over C-contiguous NumPy
    arrays) by the compiled update: the readable :meth:`~gan_backend.engine.optim.Adam.step`'s
    order of operations in the arrays' precision, so the same values bit for bit."""
    if not isinstance(opt, Adam):
        raise ValueError(f"`opt` must be a gan_backend.engine.optim.Adam; got {type(opt).__name__}")
    for (p, g), m, v in zip(opt.params, opt.m, opt.v):
        if not all(isinstance(a, np.ndarray) and a.flags.c_contiguous for a in (p, g, m, v)):
            # a reshaped copy would be updated instead of the parameters
            raise ValueError("`opt` must hold C-contiguous NumPy arrays for the compiled update; "
                             "use opt.step() for others")
    opt.t += 1
    scale, eps_s = opt.scalars(opt.t)
    for (p, g), m, v in zip(opt.params, opt.m, opt.v):
        hp = constants(opt, p.dtype, 1)
        coef = np.array((scale, eps_s), dtype=p.dtype)
        _adam(p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1), hp, coef[0], coef[1])


# --- one D step, one G step, one GAN step ---------------------------------------------


@numba.njit(cache=True)
def _d_step(data, idx, z, gnet, dnet, act, hp, xin, vgrad, coef, want):
    # pragma: no cover - compiled
    """Real rows data[idx] and G(z) through D, the logistic D loss's gradient back,
    Adam on D. gnet/dnet: (params, grads, m, v, sizes, ws, db) tuples; gnet=None-like
    (sizes of length 0) means xin's lower half is already filled (classifier)."""
    b = idx.shape[0]
    Dp, Dg, Dm, Dv, Dsz, Dws, Ddb = dnet
    for i in range(b):
        for j in range(xin.shape[1]):
            xin[i, j] = data[idx[i], j]
    if gnet[4].shape[0] > 0:
        Gp, Gg, Gm, Gv, Gsz, Gws, Gdb = gnet
        fake = _forward(Gp, Gsz, act, hp, z, Gws)
        for i in range(b):
            for j in range(xin.shape[1]):
                xin[b + i, j] = fake[i, j]
    v = _forward(Dp, Dsz, act, hp, xin, Dws)
    s_real, s_fake = hp[_SREAL], hp[_SFAKE]
    loss = 0.0
    for i in range(xin.shape[0]):
        vi = v[i, 0]
        if i < b:
            vgrad[i, 0] = _expit(hp, -vi) * s_real
            if want:
                loss += _softplus(-vi) / b
        else:
            vgrad[i, 0] = _expit(hp, vi) * s_fake
            if want:
                loss += _softplus(vi) / (xin.shape[0] - b)
    _backward(Dp, Dg, Dsz, act, hp, xin, Dws, vgrad, Ddb, True, xin[:0])
    _adam(Dp, Dg, Dm, Dv, hp, coef[0], coef[1])
    return loss


@numba.njit(cache=True)
def _g_step(z, gnet, dnet, act, hp, obj, vgrad, dx, coef, want):  # pragma: no cover - compiled
    Gp, Gg, Gm, Gv, Gsz, Gws, Gdb = gnet
    Dp, Dg, Dm, Dv, Dsz, Dws, Ddb = dnet
    b = z.shape[0]
    fake = _forward(Gp, Gsz, act, hp, z, Gws)
    v = _forward(Dp, Dsz, act, hp, fake, Dws)
    scale = hp[_SREAL]
    loss = 0.0
    for i in range(b):
        vi = v[i, 0]
        if obj == 0:  # minimax: G loss -E sp(V)
            vgrad[i, 0] = _expit(hp, vi) * scale
            if want:
                loss -= _softplus(vi) / b
        else:  # non-saturating: G loss E sp(-V)
            vgrad[i, 0] = _expit(hp, -vi) * scale
            if want:
                loss += _softplus(-vi) / b
    _backward(Dp, Dg, Dsz, act, hp, fake, Dws, vgrad[:b], Ddb, False, dx)
    _backward(Gp, Gg, Gsz, act, hp, z, Gws, dx, Gdb, True, z[:0])
    _adam(Gp, Gg, Gm, Gv, hp, coef[0], coef[1])
    return loss


@numba.njit(cache=True)
def _normal(rng, z):  # pragma: no cover - compiled
    """``z[...] = rng.standard_normal(z.shape, dtype=z.dtype)`` (Numba's Generator
    methods reproduce NumPy's draws bit for bit)."""
    if z.itemsize == 4:
        z[...] = rng.standard_normal(z.shape, dtype=np.float32)
    else:
        z[...] = rng.standard_normal(z.shape)


@numba.njit(cache=True)
def _draw(rng, n, prob, alias, weighted, idx, zd):  # pragma: no cover - compiled
    """The readable step's draws, in its order: minibatch rows, then latent codes."""
    b = idx.shape[0]
    u = rng.random(b)
    u2 = rng.random(b) if weighted else np.empty(0)
    indices_from_uniforms(u, u2, n, prob, alias, idx)
    _normal(rng, zd)


@numba.njit(cache=True)
def _gan_steps(rng, data, prob, alias, weighted, gnet, dnet, anet, n_critic, act, hp, obj,
               xin, vgrad, dx, idx, zd, zg, coef_d, coef_g, want, losses, shared, persistent):
    # pragma: no cover - compiled
    n = data.shape[0]
    n_d = coef_d.shape[1]
    # with one draw per generator step, G's samples do not change between its D steps: the
    # first D step writes them into xin's lower half, the others reuse them (no G forward)
    nog = (gnet[0][:0], gnet[1][:0], gnet[2][:0], gnet[3][:0], gnet[4][:0], gnet[5][:0], gnet[6][:0])
    for s in range(coef_g.shape[0]):
        d_loss = 0.0
        if shared:  # one draw for every D, look-ahead and G step of this generator step
            _draw(rng, n, prob, alias, weighted, idx, zd)
        for j in range(n_d):
            if not shared:
                _draw(rng, n, prob, alias, weighted, idx, zd)
            if j == n_critic:  # look-ahead: copy D (and its Adam moments unless the copy keeps its own)
                anet[0][:] = dnet[0]
                if not persistent:
                    anet[2][:] = dnet[2]
                    anet[3][:] = dnet[3]
            net = dnet if j < n_critic else anet
            if shared and j > 0:
                loss = _d_step(data, idx, zd, nog, net, act, hp, xin, vgrad, coef_d[s, j], want[s])
            else:
                loss = _d_step(data, idx, zd, gnet, net, act, hp, xin, vgrad, coef_d[s, j], want[s])
            if j < n_critic:
                d_loss = loss
        if shared:
            zg[...] = zd
        else:
            _normal(rng, zg)
        target = dnet if n_d == n_critic else anet
        losses[s, 1] = _g_step(zg, gnet, target, act, hp, obj, vgrad, dx, coef_g[s], want[s])
        losses[s, 0] = d_loss


def _net(buf: NetBuffers):
    return (buf.p, buf.g, buf.m, buf.v, buf.sizes, buf.ws, buf.db)


def _no_net(dtype):
    e = np.zeros(0, dtype=dtype)
    return (e, e, e, e, np.zeros(0, dtype=np.int64), e, e)


def gan_steps(rng, data, sampler, gbuf: NetBuffers, dbuf: NetBuffers, abuf: NetBuffers | None,
              n_critic: int, act: int, hp, obj: int, xin, vgrad, dx, idx, zd, zg, coef_d, coef_g,
              want, losses, shared: bool = False, persistent: bool = False) -> None:
    """``coef_g.shape[0]`` generator steps in one call, drawing from ``rng`` what the
    readable step draws, in the same order (``sampler``: the trainer's
    :class:`~gan_backend.engine._sampling.IndexSampler`). Per step ``coef_d.shape[1]`` D steps
    (the first ``n_critic`` on D, the rest on the look-ahead copy ``abuf``), then the G
    step against D or the copy. ``coef_d`` (steps, D steps, 2) and ``coef_g`` (steps, 2)
    are Adam's per-step scalars; where ``want[s]``, ``losses[s]`` gets (D loss, G loss).
    ``shared``: one draw of rows and codes per generator step serves all its steps
    (``GanConfig.shared_batch``); ``persistent``: the look-ahead copy takes D's parameters
    but keeps its own Adam moments (``GanConfig.lookahead_adam``).
    """
    anet = _net(abuf) if abuf is not None else _no_net(gbuf.p.dtype)
    _gan_steps(rng, data, sampler.prob, sampler.alias, sampler.weights is not None, _net(gbuf),
               _net(dbuf), anet, n_critic, act, hp, obj, xin, vgrad, dx, idx, zd, zg, coef_d,
               coef_g, want, losses, bool(shared), bool(persistent))


@numba.njit(cache=True)
def _classifier_steps(rng, real, fake, dnet, act, hp, xin, vgrad, ir, coef, want, losses):
    # pragma: no cover - compiled
    b = ir.shape[0]
    nog = (dnet[0][:0], dnet[1][:0], dnet[2][:0], dnet[3][:0], dnet[4][:0], dnet[5][:0], dnet[6][:0])
    e = real[:0, :0]
    for s in range(coef.shape[0]):
        # train_classifier's draws, in its order: real rows, then fake rows
        ir[:] = rng.integers(0, real.shape[0], b)
        jf = rng.integers(0, fake.shape[0], b)
        for i in range(b):
            for j in range(xin.shape[1]):
                xin[b + i, j] = fake[jf[i], j]
        losses[s] = _d_step(real, ir, e, nog, dnet, act, hp, xin, vgrad, coef[s], want[s])


def classifier_steps(rng, real, fake, dbuf: NetBuffers, act: int, hp, xin, vgrad, ir, coef,
                     want, losses) -> None:
    """``coef.shape[0]`` steps of the logistic classifier of
    :func:`gan_backend.train_classifier` (real rows label 1, fake rows label 0, both drawn
    from ``rng`` as that function draws them): the GAN's D step without a generator.
    ``coef[s]`` are Adam's scalars of step s; ``losses[s]`` gets the loss where ``want[s]``."""
    _classifier_steps(rng, real, fake, _net(dbuf), act, hp, xin, vgrad, ir, coef, want, losses)
