"""Float ↔ integer bit-pattern casts for Numba kernels (an LLVM ``bitcast``, which vectorises).

Used inside vectorised loops to split a float into exponent and mantissa and to build powers of
two, where ``math.frexp``/``math.ldexp`` or a table lookup would not vectorise: float64 by
:mod:`fdiv._kernels`, float32 by the GAN engine's normal generator and the AVB kernels.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["bits64", "float64_of_bits", "bits32", "float32_of_bits"]


@intrinsic
def bits64(typingctx, x):
    """The bit pattern of a float64 as an int64."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def float64_of_bits(typingctx, x):
    """The float64 whose bit pattern is the int64 ``x``."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def bits32(typingctx, x):
    """The bit pattern of a float32 as an int32."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(types.float32), codegen


@intrinsic
def float32_of_bits(typingctx, x):
    """The float32 whose bit pattern is the int32 ``x``."""
    if x != types.int32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen
