r"""Float32 standard normals by the inverse CDF, vectorised: the AVB encoder's input noise.

NumPy's ``Generator.standard_normal(dtype=float32)`` is a ziggurat that fetches its bits
through a function pointer one value at a time: 8.9 ns a value measured here, a tenth of
an AVB iteration (three 512×64 blocks of ε per iteration). :func:`standard_normal32` takes
the bits in bulk (``bit_generator.random_raw``, about 2 ns per 64-bit word) and maps each
32-bit half through one branch-free float32 loop that the compiler vectorises (0.7 ns a
value): 1.7 ns a value in all on an AVX-512 machine (Zen 5); about 2.5-4 ns on an AVX2 one (Zen 3).

**The distribution.** Each 32-bit word ``w`` gives one value: bit 31 is the sign and the
low 23 bits an index ``k``; the value is ``±Φ⁻¹(p_k)`` with ``p_k = (k + ½)·2⁻²⁴``, the
normal quantile at the midpoint of one of 2²⁴ cells of equal probability (bits 23-30
are not used). So the draw is exactly symmetric, its cells have probability 2⁻²⁴, and
``|z| ≤ Φ⁻¹(1 − 2⁻²⁵) = 5.42`` (a N(0, 1) variable exceeds that in absolute value with
probability 6.0e-8); JAX's float32 normals, built the same way from 23-24 random bits, have
the same resolution. Use NumPy's generator where the far tail matters; the AVB noise ε is an input
of the encoder, whose distribution only has to be fixed and continuous enough.

**The quantile.** ``Φ⁻¹`` is Wichura's PPND7 (Algorithm AS 241, Applied Statistics 37,
1988: rational functions of degree 3/3 on ``|p − ½| ≤ 0.425`` and 3/2 in the tails, the
published single-precision version), evaluated in float32 with a float32 ``log``
(Cephes ``logf``: the mantissa's polynomial plus the exponent times ln 2 in two parts)
taken from the float's bits, since libm's scalar ``logf`` does not vectorise. Both
branches run on every lane and a select picks one. ``p_k`` and ``p_k − ½`` are exact in
float32, so the only errors are PPND7's and the float32 arithmetic's: measured over all
2²³ cells against SciPy's float64 ``ndtri``, at most 5.33 float32 ulps (relative error
3.8e-7, at p = 0.4023, PPND7's own error; :data:`MAX_ULP`);
``tests/gan_backend/engine/test_normal32.py`` checks every cell.

Same bits, same numbers: strict IEEE float32 (no fast-math, so no FMA contraction), on
every machine with the same generator state.
"""
from __future__ import annotations

import sys

import numba
import numpy as np

from fdiv._bitcast import bits32, float32_of_bits

__all__ = ["standard_normal32", "quantile_of_codes", "MAX_ULP"]

#: bound on the error of a draw, in float32 ulps of the exact quantile (5.33 measured over all 2^23 cells)
MAX_ULP = 5.5

_F = np.float32
# PPND7 (AS 241), central region |q| <= 0.425: q * A(r) / B(r), r = 0.180625 - q^2
_A0, _A1, _A2, _A3 = _F(3.3871327179), _F(50.434271938), _F(159.29113202), _F(59.109374720)
_B1, _B2, _B3 = _F(17.895169469), _F(78.757757664), _F(67.187563600)
# tail, r = sqrt(-log p) - 1.6 (p >= 2^-25 keeps sqrt(-log p) <= 4.17 < 5, PPND7's second split)
_C0, _C1, _C2, _C3 = _F(1.4234372777), _F(2.7568153900), _F(1.3067284816), _F(0.17023821103)
_D1, _D2 = _F(0.73700164250), _F(0.12021132975)
_SPLIT, _CONST1, _CONST2 = _F(0.425), _F(0.180625), _F(1.6)
# Cephes logf: log(1 + m) = m - m^2/2 + m^3 P(m) on [sqrt(1/2) - 1, sqrt(2) - 1]
_L = tuple(_F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                           1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                           3.3333331174e-1))
_LN2_LO, _LN2_HI = _F(-2.12194440e-4), _F(0.693359375)
_SQRTH = _F(0.70710678118654752440)
_LITTLE = sys.byteorder == "little"
_HALF, _ONE, _TWO_M24 = _F(0.5), _F(1.0), _F(2.0 ** -24)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _log32(x):  # pragma: no cover - compiled
    """Natural log of a positive normal float32 (Cephes ``logf``)."""
    b = bits32(x)
    # x = m 2^e, m in [1/2, 1). Numba widens int32 arithmetic to int64; converting that to
    # float32 has no AVX2 instruction, so e goes back to int32 first (15 % faster there).
    e = _F(np.int32((b >> 23) - 126))
    m = float32_of_bits(np.int32((b & 0x007FFFFF) | 0x3F000000))
    low = m < _SQRTH
    e = e - _ONE if low else e
    m = (m + m - _ONE) if low else (m - _ONE)
    z = m * m
    y = ((((((((_L[0] * m + _L[1]) * m + _L[2]) * m + _L[3]) * m + _L[4]) * m + _L[5]) * m + _L[6]) * m
          + _L[7]) * m + _L[8])
    y = y * m * z + e * _LN2_LO - _HALF * z
    return (m + y) + e * _LN2_HI


@numba.njit(cache=True, error_model="numpy", inline="always")
def _quantile(word):  # pragma: no cover - compiled
    """The draw of one 32-bit word (an int64 in [0, 2^32)): sign bit 31, cell index bits 0-22."""
    p = (_F(np.int32(word & 0x7FFFFF)) + _HALF) * _TWO_M24  # in (0, 1/2), exact
    q = p - _HALF  # exact
    r = _CONST1 - q * q
    t = np.sqrt(-_log32(p)) - _CONST2
    central = -q <= _SPLIT  # both branches on every lane, then one division
    num = q * (((_A3 * r + _A2) * r + _A1) * r + _A0) if central else -(((_C3 * t + _C2) * t + _C1) * t + _C0)
    den = (((_B3 * r + _B2) * r + _B1) * r + _ONE) if central else ((_D2 * t + _D1) * t + _ONE)
    z = num / den
    return -z if (word >> 31) & 1 else z


@numba.njit(cache=True, error_model="numpy")
def _codes(words, out):  # pragma: no cover - compiled
    for i in range(words.shape[0]):
        out[i] = _quantile(np.int64(words[i]))


def quantile_of_codes(words) -> np.ndarray:
    """The value :func:`standard_normal32` gives for each 32-bit word (integers in
    [0, 2^32)); for tests and for checking the map on chosen cells.

    Examples
    --------
    >>> quantile_of_codes([0, 2**31, 0x7FFFFF]).tolist()  # the lowest cell, its mirror, the cell next to 1/2
    [-5.419983386993408, 5.419983386993408, -7.470334395520695e-08]
    """
    w = np.asarray(words)
    if w.dtype.kind not in "iu" or (w.size and (w.min() < 0 or w.max() >= 2 ** 32)):
        raise ValueError(f"`words` must be integers in [0, 2**32); got dtype {w.dtype}")
    flat = np.ascontiguousarray(w, dtype=np.int64).reshape(-1)
    out = np.empty(flat.shape, np.float32)
    _codes(flat, out)
    return out.reshape(w.shape)


def standard_normal32(rng: np.random.Generator, shape) -> np.ndarray:
    """A new float32 array of ``shape`` of N(0, 1) draws (the module's inverse-CDF
    generator), taking ``ceil(size / 2)`` 64-bit words from ``rng``'s bit generator.

    Examples
    --------
    >>> a = standard_normal32(np.random.default_rng(0), (2, 3))
    >>> a.dtype, a.shape
    (dtype('float32'), (2, 3))
    >>> bool((a == standard_normal32(np.random.default_rng(0), (2, 3))).all())
    True
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"`rng` must be a numpy.random.Generator; got {type(rng).__name__}")
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0 for d in dims):
        raise ValueError(f"`shape` must be nonnegative integers; got {shape!r}")
    out = np.empty(dims, np.float32)
    n = out.size
    if n:
        raw = rng.bit_generator.random_raw((n + 1) // 2)
        if _LITTLE:  # the 32-bit halves in memory order: low half first
            words = raw.view(np.uint32)
        else:
            words = np.empty(2 * raw.size, np.uint32)
            words[0::2], words[1::2] = raw & 0xFFFFFFFF, raw >> 32
        _codes(words[:n], out.reshape(-1))
    return out
