"""Input validation shared by every public function of :mod:`fdiv`.

Each helper converts once and raises :class:`ValueError` whose message names the
parameter and the offending value (docs/contributing.md: validate first, then call the kernel).
Nothing here renormalises or clips.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_real", "as_mass", "check_same_shape", "check_beta", "check_probability", "check_positive_int"]


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    idx = np.argwhere(mask)[0]
    return tuple(int(i) for i in idx)


def _not_real(name: str, x, why: str = "") -> ValueError:
    return ValueError(f"`{name}` must be real numbers (int or float){why}; got {x!r:.80}")


def as_real(name: str, x, *, contiguous: bool = False) -> np.ndarray:
    """Return ``x`` as a float64 array after checking that it holds real numbers.

    Rejects, with a :class:`ValueError` naming ``name``, what ``np.asarray(x, float)`` would
    silently convert or misread: strings, complex numbers (the imaginary part would be
    dropped), masked arrays (the mask would be dropped) and object arrays holding anything
    but real numbers (``None``, containers). Booleans count as 0/1. Values are not checked
    (NaN and inf pass; callers decide).
    """
    if isinstance(x, np.ma.MaskedArray):
        raise _not_real(name, x, ", not a masked array (fill or compress it first)")
    if isinstance(x, (str, bytes)):
        raise _not_real(name, x)
    try:
        raw = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise _not_real(name, x, " in a rectangular array") from exc
    kind = raw.dtype.kind
    if kind == "O":
        flat = raw.ravel()
        bad = [v for v in flat if not isinstance(v, numbers.Real)]
        if bad:
            raise _not_real(name, x, f" (found {type(bad[0]).__name__} {bad[0]!r:.40})")
    elif kind not in "biuf":
        raise _not_real(name, x, f" (dtype {raw.dtype})" if kind != "c" else ", not complex")
    conv = np.ascontiguousarray if contiguous else np.asarray
    return conv(raw, dtype=np.float64)


def as_mass(name: str, x, *, min_ndim: int = 1) -> np.ndarray:
    """Return ``x`` as a C-contiguous float64 array of finite, nonnegative masses.

    Raises
    ------
    ValueError
        If ``x`` is not numeric, has fewer than ``min_ndim`` dimensions, is empty along
        its last axis, or holds a negative, NaN or infinite entry (the message names
        ``name``, the first offending value and its index).
    """
    arr = as_real(name, x, contiguous=True)
    if arr.ndim < min_ndim:
        raise ValueError(f"`{name}` must have at least {min_ndim} dimension(s); got shape {arr.shape}")
    if arr.ndim >= 1 and arr.shape[-1] == 0:
        raise ValueError(f"`{name}` must not be empty; got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"`{name}` must contain finite masses; got {arr[i].item()!r} at index {i}")
    neg = arr < 0
    if neg.any():
        i = _first_bad(neg)
        raise ValueError(f"`{name}` must contain nonnegative masses; got {arr[i].item()!r} at index {i}")
    return arr


def check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same shape; got {a.shape} and {b.shape}"
        )


def check_beta(beta, name: str = "beta") -> float:
    """Return ``beta`` as a float after checking ``0 < beta <= 1``."""
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise ValueError(f"`{name}` must be a real number in (0, 1]; got {beta!r}")
    b = float(beta)
    if not (0.0 < b <= 1.0):
        raise ValueError(f"`{name}` must be in (0, 1]; got {beta!r}")
    return b


def check_probability(name: str, x, *, rtol: float = 1e-9) -> np.ndarray:
    """Return ``x`` as a 1-D mass vector after checking that it sums to 1.

    The tolerance ``rtol * max(1, n)`` on ``|sum - 1|`` absorbs only floating-point
    round-off of a vector that was normalised by the caller; the vector is never
    renormalised here.
    """
    arr = as_mass(name, x)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D; got shape {arr.shape}")
    s = float(arr.sum())
    if abs(s - 1.0) > rtol * max(1, arr.size):
        raise ValueError(f"`{name}` must be a probability vector summing to 1; got sum {s!r}")
    return arr


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int after checking that it is an integer ``>= 1``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {value!r}")
    return int(value)
