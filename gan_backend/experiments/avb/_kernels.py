r"""Compiled epilogues of the residual MLP's matrix products (:mod:`.resnet`).

After each product ``y = h W`` one pass does ``y = act(y + b [+ skip])`` in place
(:func:`bias_act`); before each backward product one pass does ``g = dy ⊙ act'(y)`` and,
when asked, the bias gradient ``db = 1ᵀ g`` (:func:`act_grad`), with the skip connection's
gradient added to ``dy`` in the same pass, or ``dy`` formed there as the outer product that
a single-output layer sends back (:func:`outer_act_grad`). The activations are ReLU,
ELU (α = 1) and the identity. NumPy needs 3-7 passes and temporaries for the same
(bias add, ``expm1`` on ``min(x, 0)``, a maximum, a mask and a product, a column sum): these
passes, not the products, were the difference between our AVB iteration and XLA's.

ELU in float32 uses :func:`expm1_neg32`, a branch-free ``expm1`` for x ≤ 0 that the loop
vectorises (libm's scalar ``expm1`` does not: a Numba loop calling it was measured 8x slower
than NumPy's three passes). Measured once over all 1.1e9 float32 in [−18, 0] against float64
``expm1``: worst error 0.94 ulp (at x = −0.2870); ``tests/gan_backend/experiments/test_avb_kernels.py``
checks 2^22 of them, the subnormals and the edges. Float64 uses libm's ``math.expm1`` (within an ulp
of NumPy's), so the float64 gradient checks compare against the true function.

``error_model="numpy"`` drops Numba's division-by-zero checks; with them LLVM does not
vectorise (measured for the float32 tanh of :mod:`gan_backend.engine.fused`).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from fdiv._bitcast import float32_of_bits

__all__ = ["KINDS", "bias_act", "act_grad", "outer_act_grad", "expm1_neg32"]

#: activation codes of the kernels
KINDS = {"identity": 0, "relu": 1, "elu": 2}

# expm1 on [-18, 0] in float32: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2),
# expm1(r) by its Taylor polynomial to r^7 (truncation below 0.3 ulp on that range), then
# expm1(x) = 2^k expm1(r) + (2^k - 1), with 2^k (k in [-26, 0], a normal float) built from its
# exponent bits (exact; a table lookup with a signed index does not vectorise). Below -18,
# e^x < 2^-25, so expm1(x) rounds to -1 in float32.
_LN2_HI = np.float32(0.693145751953125)  # ln 2 to 16 bits, so k * _LN2_HI is exact for |k| < 2^8
_LN2_LO = np.float32(1.428606765330187e-06)
_INV_LN2 = np.float32(1.4426950408889634)
_FLOOR = np.float32(-18.0)
_C2, _C3, _C4, _C5, _C6, _C7 = (np.float32(1.0 / math.factorial(k)) for k in range(2, 8))
_HALF = np.float32(0.5)
_ONE32 = np.float32(1.0)
_ZERO32 = np.float32(0.0)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _elu32(v):  # pragma: no cover - compiled
    """ELU of one float32: v for v >= 0 (and -0), expm1(v) below, -1 below -18, NaN for NaN.
    The polynomial runs on v clamped to [-18, 0], NaN to -18 (``max(-18, v)`` keeps its first
    argument unless v is greater: one ``vmaxps``, and no NaN reaches the integer conversion),
    so every lane of the vectorised loop computes in range, and one select picks the answer:
    v where v < 0 is false (v >= 0, -0 and NaN), else the polynomial's value, which is
    exactly -1 at the clamp. The two-instruction clamp replaced two selects (six
    instructions, 15 % of the pass); checked once on every one of the 2^32 float32, the
    result is the same bit for bit as with the selects, and as with three selects."""
    c = min(max(_FLOOR, v), _ZERO32)
    k = np.floor(c * _INV_LN2 + _HALF)  # nearest integer, in float32
    r = (c - k * _LN2_HI) - k * _LN2_LO
    p = r * _C7 + _C6
    p = r * p + _C5
    p = r * p + _C4
    p = r * p + _C3
    p = r * p + _C2
    p = r * (r * p) + r
    # 2^k from its exponent bits (k in [-26, 0]: a normal float)
    s = float32_of_bits(np.int32((np.int32(127) + np.int32(k)) << np.int32(23)))
    e = s * p + (s - _ONE32)
    return e if v < _ZERO32 else v


@numba.njit(cache=True, error_model="numpy")
def _elu32_array(x, out):  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        out[i] = _elu32(x[i])


def expm1_neg32(x) -> np.ndarray:
    """The float32 ELU on its own: ``x`` where x ≥ 0, ``expm1(x)`` otherwise (−1 below
    −18; NaN stays NaN). A new float32 array; for tests and comparisons."""
    a = np.array(x, dtype=np.float32).reshape(-1)
    out = np.empty_like(a)
    _elu32_array(a, out)
    return out.reshape(np.shape(x))


def _bias_act32_kernel(kind: int, has_skip: bool):
    """The float32 pass ``y ← act(y + b [+ skip])`` for one (kind, skip), compiled on its own:
    ``kind`` and ``has_skip`` are constants of the closure, folded away when it is compiled,
    so each kernel is one loop over a row with no choice left in it (a choice made at run
    time inside the loop does not vectorise). One kernel holding every case, with the
    choices outside the inner loops, ran 2x slower for ReLU and the identity (measured on a
    1024×128 array: 19.5 against 10.1 µs; ELU 61.5 against 57.3)."""

    @numba.njit(cache=True, error_model="numpy")
    def kernel(y, b, skip):  # pragma: no cover - compiled
        rows, m = y.shape
        for i in range(rows):
            yi = y[i]
            si = skip[i]
            for j in range(m):
                v = yi[j] + b[j] + si[j] if has_skip else yi[j] + b[j]
                if kind == 2:
                    yi[j] = _elu32(v)
                elif kind == 1:
                    yi[j] = v if (v != v) else max(v, _ZERO32)
                else:
                    yi[j] = v

    return kernel


#: the float32 kernels by (kind, has_skip)
_BIAS_ACT32 = {(k, s): _bias_act32_kernel(k, s) for k in KINDS.values() for s in (False, True)}


@numba.njit(cache=True)
def _bias_act64(y, b, skip, has_skip, kind):  # pragma: no cover - compiled
    rows, m = y.shape
    for i in range(rows):
        yi = y[i]
        si = skip[i] if has_skip else yi
        for j in range(m):
            v = yi[j] + b[j]
            if has_skip:
                v = v + si[j]
            if kind == 1:
                yi[j] = max(v, 0.0) if not (v != v) else v
            elif kind == 2:
                yi[j] = v if v > 0.0 else math.expm1(v)
            else:
                yi[j] = v


def bias_act(y, b, kind: int, skip=None):
    """``y ← act(y + b [+ skip])`` in place (``y`` C-contiguous (n, m), ``b`` (m,)); returns ``y``."""
    has = skip is not None
    s = skip if has else y
    if y.dtype == np.float32:
        _BIAS_ACT32[kind, has](y, b, s)
    else:
        _bias_act64(y, b, s, has, kind)
    return y


def _act_grad_kernel(src: int, kind: int, want_db: bool):
    """The pass ``g ← d ⊙ act'(y)`` for one (source, kind, bias gradient), compiled on its
    own (the arguments are constants of the closure), row by row in one loop: the incoming
    gradient ``d`` is ``g`` (src 0), ``g + a`` (src 1) or the outer product ``a[:, 0] bᵀ``
    (src 2, ``a`` (rows, 1), ``b`` (m,)); with ``want_db``, the column sums of the result
    are accumulated into ``db`` row by row. The result is written over the array it is
    read from: with a separate output array that may overlap the input, LLVM guards the
    vector loop by an overlap check, and when the two are the same memory (the in-place
    call) the loop ran scalar, measured 3.4x slower. One kernel holding every case, with
    the choices outside the inner loops and a pass over the row for each step, ran 2x
    slower (measured on 1024×128 with the bias gradient: ELU 33.1 against 18.5 µs, ELU with
    the skip gradient 48.3 against 23.8, from an outer product 45.2 against 19.7)."""

    @numba.njit(cache=True, error_model="numpy")
    def kernel(y, g, a, b, db):  # pragma: no cover - compiled
        rows, m = y.shape
        one = np.ones(1, y.dtype)[0]
        zero = np.zeros(1, y.dtype)[0]
        if want_db:
            for j in range(m):
                db[j] = zero
        for i in range(rows):
            yi, gi, ai = y[i], g[i], a[i]
            ui = ai[0] if src == 2 else zero
            for j in range(m):
                if src == 1:
                    d = gi[j] + ai[j]
                elif src == 2:
                    d = ui * b[j]
                else:
                    d = gi[j]
                if kind == 1:
                    d = d if yi[j] > zero else d * zero  # as NumPy's dy * (y > 0): NaN stays NaN
                elif kind == 2:
                    d = d if yi[j] > zero else d * (yi[j] + one)
                gi[j] = d
                if want_db:
                    db[j] += d

    return kernel


#: the kernels by (src, kind, want_db)
_ACT_GRAD = {(s, k, w): _act_grad_kernel(s, k, w) for s in (0, 1, 2) for k in KINDS.values() for w in (False, True)}


def act_grad(y, dy, kind: int, db=None, out=None, *, add=None):
    """``(dy [+ add]) ⊙ act'`` from the activation's output ``y`` (ReLU: 1 where y > 0,
    else 0; ELU: 1 where y > 0, else ``y + 1`` = e^x), into ``out`` (a new array by default;
    ``out=dy`` overwrites the incoming gradient); with ``db`` (m,), also writes the column
    sums of the result into it (summed row by row in the array's precision). ``add`` (the
    skip connection's gradient) is added to ``dy`` first, rounded as ``dy + add`` would be."""
    _check_shape("dy", dy, y.shape)
    if out is None:
        out = np.array(dy, dtype=y.dtype, order="C", copy=True)
    else:
        _check_out(out, y)
        if out is not dy:
            np.copyto(out, dy)
    want = db is not None
    has_add = add is not None
    if want:
        _check_shape("db", db, y.shape[1:])
    flat = out.reshape(-1)  # a placeholder for the unused arguments (any number of rows)
    a = np.ascontiguousarray(add, dtype=y.dtype) if has_add else out
    if has_add:
        _check_shape("add", a, y.shape)
    _ACT_GRAD[1 if has_add else 0, kind, want](y, out, a, flat, db if want else flat)
    return out


def outer_act_grad(y, u, v, kind: int, out, db=None):
    """``(u vᵀ) ⊙ act'`` into ``out`` (an (n, m) C-contiguous array of y's dtype): the
    incoming gradient of a layer followed by a single-output affine map, whose input
    gradient is the outer product of ``u`` = ∂L/∂output (n,) and ``v`` = its weights (m,),
    formed row by row inside the pass instead of as an (n, m) array first. Each element is
    rounded as ``u[i] * v[j]`` would be, so the result equals :func:`act_grad` of that
    product. With ``db``, the column sums as in :func:`act_grad`."""
    _check_out(out, y)
    u = np.ascontiguousarray(u, dtype=y.dtype).reshape(-1, 1)
    v = np.ascontiguousarray(v, dtype=y.dtype).reshape(-1)
    if u.shape[0] != y.shape[0] or v.shape[0] != y.shape[1]:
        raise ValueError(f"`u` and `v` must have {y.shape[0]} and {y.shape[1]} entries; got {u.shape[0]} and {v.shape[0]}")
    want = db is not None
    if want:
        _check_shape("db", db, y.shape[1:])
    _ACT_GRAD[2, kind, want](y, out, u, v, db if want else v)
    return out


def _check_out(out, y) -> None:
    """The kernels write ``out`` row by row without bounds checks: its layout is checked here."""
    if not (isinstance(out, np.ndarray) and out.shape == y.shape and out.dtype == y.dtype
            and out.flags.c_contiguous and out.flags.writeable):
        raise ValueError(f"`out` must be a writeable C-contiguous {y.dtype} array of shape {y.shape}; got "
                         f"{getattr(out, 'dtype', type(out).__name__)} of shape {getattr(out, 'shape', None)}")


def _check_shape(name: str, a, shape) -> None:
    """The kernels index ``dy``, ``add`` and ``db`` by ``y``'s shape without bounds checks."""
    if np.shape(a) != tuple(shape):
        raise ValueError(f"`{name}` must have shape {tuple(shape)}; got {np.shape(a)}")
