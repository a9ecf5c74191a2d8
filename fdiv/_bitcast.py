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


def _bitcast(name: str, doc: str, accepts, source, target, llvm_target):
    """An intrinsic ``target(source)`` that reinterprets the argument's bits, typed for the
    arguments ``accepts`` admits (others: no implementation, a Numba typing error)."""

    def cast(typingctx, x):
        if not accepts(x):
            return None

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], llvm_target)

        return target(source), codegen

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = doc
    return intrinsic(cast)


bits64 = _bitcast("bits64", "The bit pattern of a float64 as an int64.", lambda x: isinstance(x, types.Float),
                  types.float64, types.int64, ir.IntType(64))
float64_of_bits = _bitcast("float64_of_bits", "The float64 whose bit pattern is the int64 ``x``.", lambda x: isinstance(x, types.Integer),
                           types.int64, types.float64, ir.DoubleType())
bits32 = _bitcast("bits32", "The bit pattern of a float32 as an int32.", lambda x: x == types.float32,
                  types.float32, types.int32, ir.IntType(32))
float32_of_bits = _bitcast("float32_of_bits", "The float32 whose bit pattern is the int32 ``x``.", lambda x: x == types.int32,
                           types.int32, types.float32, ir.FloatType())
