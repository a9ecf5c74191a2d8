"""Python source for an instance, to paste back into Python (``import numpy as np, fdiv``).

Arrays become ``np.array([...])`` with every float in its shortest round-trip form (so the pasted
value is the same float64 bits), dataclasses their constructor call (module-qualified), FDivergence objects
``fdiv.get('name')``; containers recurse. Nothing is truncated or wrapped.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["pyrepr"]


def _float(v: float) -> str:
    if math.isnan(v):
        return "float('nan')"
    if math.isinf(v):
        return "float('inf')" if v > 0 else "-float('inf')"
    return repr(float(v))


def pyrepr(x) -> str:
    """Python source that rebuilds ``x`` (see the module docstring)."""
    if x is None or isinstance(x, (bool, str, int)) and not isinstance(x, np.generic):
        return repr(x)
    if isinstance(x, float):
        return _float(x)
    if isinstance(x, np.bool_):
        return repr(bool(x))
    if isinstance(x, np.integer):
        return repr(int(x))
    if isinstance(x, np.floating):
        return _float(float(x))
    if isinstance(x, np.ndarray):
        body = _nested(x.tolist()) if x.ndim else _float(float(x)) if x.dtype.kind == "f" else repr(x.item())
        dtype = "" if x.dtype == np.float64 else f", dtype=np.{x.dtype.name}"
        return f"np.array({body}{dtype})"
    if isinstance(x, tuple):
        inner = ", ".join(pyrepr(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(pyrepr(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in x.items()) + "}"
    if hasattr(x, "name") and hasattr(x, "conjugate") and hasattr(x, "f_zero"):  # an fdiv.FDivergence
        return f"fdiv.get({str(x.name)!r})"
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        args = ", ".join(f"{f.name}={pyrepr(getattr(x, f.name))}" for f in dataclasses.fields(x) if f.init)
        return f"{type(x).__module__}.{type(x).__qualname__}({args})"
    return repr(x)


def _nested(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_nested(e) for e in v) + "]"
    return _float(v) if isinstance(v, float) else repr(v)
