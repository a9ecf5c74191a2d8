"""Float32 ↔ int32 bit-pattern casts for Numba kernels (LLVM ``bitcast``, which vectorises).

Used to build powers of two and to split a float into exponent and mantissa inside
vectorised loops, where a table lookup or ``math.frexp``/``math.ldexp`` would not vectorise.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["bits32", "float32_of_bits"]


@intrinsic
def bits32(typingctx, x):
    """The bit pattern of a float32 as an int32."""
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.int32(types.float32), codegen


@intrinsic
def float32_of_bits(typingctx, i):
    """The float32 whose bit pattern is the int32 ``i``."""
    if i != types.int32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen
