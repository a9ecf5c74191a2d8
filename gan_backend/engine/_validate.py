"""Argument checks shared by gan_backend: each raises ``ValueError`` naming the parameter and the value.

>>> positive_int("T", 3)
3
>>> positive_int("T", 0)
Traceback (most recent call last):
...
ValueError: `T` must be a positive integer; got 0
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

from fdiv import as_rng  # re-exported: the one seed check of the code base

__all__ = [
    "as_rng",
    "positive_int",
    "optional_positive_int",
    "nonnegative_int",
    "positive_float",
    "optional_positive_float",
    "unit_interval",
    "positive_widths",
    "as_points",
    "fits_in_memory",
    "memory_bytes",
]


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def show(v) -> str:
    """``repr(v)``, shortened for integers of many digits (for error messages)."""
    text = repr(v)
    return text if len(text) <= 40 else f"{text[:12]}...({len(text)} characters)"


def positive_int(name: str, v, maximum: int | None = None) -> int:
    """``v`` as an int if it is an integer >= 1 (bools refused), and at most ``maximum`` if given."""
    if not _is_int(v) or v < 1 or (maximum is not None and v > maximum):
        bound = "" if maximum is None else f" at most {maximum}"
        raise ValueError(f"`{name}` must be a positive integer{bound}; got {show(v)}")
    return int(v)


def optional_positive_int(name: str, v) -> int | None:
    """None, or :func:`positive_int`."""
    if v is None:
        return None
    if not _is_int(v) or v < 1:
        raise ValueError(f"`{name}` must be a positive integer or None; got {v!r}")
    return int(v)


def nonnegative_int(name: str, v) -> int:
    """``v`` as an int if it is an integer >= 0 (bools refused)."""
    if not _is_int(v) or v < 0:
        raise ValueError(f"`{name}` must be a nonnegative integer; got {v!r}")
    return int(v)


def positive_float(name: str, v) -> float:
    """``v`` as a float if it is a real number in (0, inf) (bools refused)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not (0 < v < math.inf):
        raise ValueError(f"`{name}` must be a positive finite number; got {v!r}")
    return float(v)


def optional_positive_float(name: str, v) -> float | None:
    """None, or :func:`positive_float`."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not (0 < v < math.inf):
        raise ValueError(f"`{name}` must be a positive finite number or None; got {v!r}")
    return float(v)


def unit_interval(name: str, v, *, closed_left: bool = False, closed_right: bool = True) -> float:
    """``v`` as a float if it lies in (0, 1] (ends chosen by ``closed_left``/``closed_right``)."""
    ok = isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and math.isfinite(v)
    if ok:
        lo = v >= 0 if closed_left else v > 0
        hi = v <= 1 if closed_right else v < 1
        ok = lo and hi
    if not ok:
        interval = f"{'[' if closed_left else '('}0, 1{']' if closed_right else ')'}"
        raise ValueError(f"`{name}` must lie in {interval}; got {v!r}")
    return float(v)


def positive_widths(name: str, v) -> tuple[int, ...]:
    """``v`` (the hidden widths of a network) as a tuple of positive ints."""
    try:
        t = tuple(v)
    except TypeError:
        raise ValueError(f"`{name}` must be a sequence of positive integers; got {v!r}") from None
    for w in t:
        if isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1:
            raise ValueError(f"`{name}` must be a sequence of positive integers; got {v!r}")
    return tuple(int(w) for w in t)


def as_points(name: str, a) -> np.ndarray:
    """``a`` as a C-contiguous float64 array of shape (n, d), d >= 1, finite (the points
    of the KDE, coverage and theory checks)."""
    try:
        arr = np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be an array of real numbers; got {a!r:.80}") from exc
    if arr.ndim != 2:
        raise ValueError(f"`{name}` must be a 2-D array of shape (n, d); got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least one coordinate; got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"`{name}` must be finite; got {arr[i, j]!r} at index ({i}, {j})")
    return arr


def memory_bytes() -> int | None:
    """Physical memory of this machine in bytes (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def fits_in_memory(name: str, value: int, bytes_each: int) -> int:
    """``value`` if ``value * bytes_each`` bytes fit in this machine's physical memory.

    Used to refuse sizes such as ``--n 10**12`` up front instead of failing (or swapping)
    after training.
    """
    value = positive_int(name, value)
    total = memory_bytes()
    need = value * int(bytes_each)
    if total is not None and need > total:
        raise ValueError(f"`{name}` = {value} needs {need / 2**30:.3g} GiB, more than this machine's "
                         f"{total / 2**30:.3g} GiB of memory")
    return value
