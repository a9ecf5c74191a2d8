"""Input validation shared by every public function of :mod:`fdiv`.

Each helper converts once and raises :class:`ValueError` whose message names the
parameter and the offending value (docs/contributing.md: validate first, then call the kernel).
Nothing here renormalises or clips.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_real", "as_mass", "check_same_shape", "check_same_support", "points_of", "support_points",
           "check_beta", "check_probability", "check_positive_int", "describe", "probability_tolerance",
           "real_scalar", "as_rng"]


_F64 = np.finfo(np.float64)


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    idx = np.argwhere(mask)[0]
    return tuple(int(i) for i in idx)


def describe(x) -> str:
    """A complete, short description of ``x`` for error messages: its full ``repr`` when that
    is short, else its type and shape (never a repr cut mid-word)."""
    try:
        text = repr(x)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(x).__name__} object>"
    if len(text) <= 120 and "\n" not in text:
        return text
    if isinstance(x, numbers.Rational) and not isinstance(x, (bool, np.bool_)):
        num, den = abs(int(x.numerator)), int(x.denominator)
        if num == 0:
            return f"{type(x).__name__} 0"
        exp10 = len(str(num)) - len(str(den))
        sign = "-" if x < 0 else ""
        return f"{type(x).__name__} of about {sign}1e{exp10:+d}"
    shape = getattr(x, "shape", None)
    if shape is None and hasattr(x, "__len__"):
        try:
            shape = (len(x),)
        except TypeError:
            shape = None
    dtype = getattr(x, "dtype", None)
    parts = [type(x).__name__]
    if shape is not None:
        parts.append(f"of shape {tuple(shape)}")
    if dtype is not None:
        parts.append(f"dtype {dtype}")
    return "a " + " ".join(parts)


def _not_real(name: str, x, why: str = "") -> ValueError:
    return ValueError(f"`{name}` must be real numbers (int or float){why}; got {describe(x)}")


def _lossy(name: str, idx, value, converted, dtype) -> ValueError:
    return ValueError(
        f"`{name}` holds {describe(value)} (type {dtype}) at index {idx}, which float64 cannot "
        f"represent to full precision (it would become {converted!r}); fdiv computes in "
        "float64, so such values are refused rather than rounded silently (rescale the input)")


def _object_to_float(name: str, x, raw: np.ndarray) -> np.ndarray:
    """Element-by-element float() of an object array of real numbers (Fraction, big int,
    numpy scalars), refusing values outside float64's range or precision class."""
    out = np.empty(raw.shape, dtype=np.float64)
    flat_in = raw.reshape(-1)
    flat_out = out.reshape(-1)
    for k, v in enumerate(flat_in):
        if not isinstance(v, numbers.Real):
            raise _not_real(name, x, f" (found {type(v).__name__} {describe(v)})")
        idx = np.unravel_index(k, raw.shape) if raw.ndim else ()
        idx = tuple(int(i) for i in idx)
        try:
            fv = float(v)
        except OverflowError:
            raise _lossy(name, idx, v, math.inf if v > 0 else -math.inf, type(v).__name__) from None
        if not math.isnan(fv) and v != 0 and (fv == 0.0 or math.isinf(fv) != _is_inf(v)
                                              or (abs(fv) < _F64.tiny and fv != v)):
            raise _lossy(name, idx, v, fv, type(v).__name__)
        flat_out[k] = fv
    return out


def _is_inf(v) -> bool:
    try:
        return math.isinf(v)
    except (OverflowError, TypeError, ValueError):
        return False


def _wide_float_to_float64(name: str, raw: np.ndarray) -> np.ndarray:
    """longdouble / float128 input: accepted where float64 holds each value to full
    precision (relative error at most 2^-53, as any float64 rounding); a value that would
    underflow (to 0 or to a less precise subnormal) or overflow is refused."""
    with np.errstate(all="ignore"):
        out = raw.astype(np.float64)
        back = out.astype(raw.dtype)
        fin = np.isfinite(raw)
        rel = np.where(fin & (raw != 0), np.abs(back - raw) / np.where(raw != 0, np.abs(raw), 1), 0)
        bad = fin & ((rel > 2.0 ** -53) | ~np.isfinite(out))
    if bad.any():
        i = _first_bad(bad)
        raise _lossy(name, i, raw[i], out[i].item(), raw.dtype)
    return out


def as_real(name: str, x, *, contiguous: bool = False) -> np.ndarray:
    """Return ``x`` as a float64 array after checking that it holds real numbers.

    A :class:`fdiv.Discrete` is read as its ``.mass`` (refused if it records mass outside
    its grid). Rejects, with a :class:`ValueError` naming ``name``, what ``np.asarray(x, float)`` would
    silently convert or misread: strings, complex numbers (the imaginary part would be
    dropped), masked arrays (the mask would be dropped) and object arrays holding anything
    but real numbers (``None``, containers). Booleans count as 0/1. Objects with
    ``__array__`` are read through it. Values float64 cannot hold are refused, not rounded
    away: a ``longdouble`` (or Fraction, big int) that would underflow to 0 or to an
    imprecise subnormal, or overflow to inf. Values are not otherwise checked (NaN and inf
    pass; callers decide).
    """
    if isinstance(x, np.ma.MaskedArray):
        raise _not_real(name, x, ", not a masked array (fill or compress it first)")
    x = _discrete_mass(name, x)
    if isinstance(x, (str, bytes)):
        raise _not_real(name, x)
    try:
        raw = x if isinstance(x, np.ndarray) else np.asarray(x)
    except OverflowError:  # a Python int beyond int64 inside a nested list of ints
        raw = np.asarray(x, dtype=object)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise _not_real(name, x, " in a rectangular array") from exc
    kind = raw.dtype.kind
    if kind == "O":
        out = _object_to_float(name, x, raw)
        return np.ascontiguousarray(out) if contiguous else out
    if kind not in "biuf":
        raise _not_real(name, x, f" (dtype {raw.dtype})" if kind != "c" else ", not complex")
    if kind == "f" and raw.dtype.itemsize > 8:
        out = _wide_float_to_float64(name, raw)
        return np.ascontiguousarray(out) if contiguous else out
    conv = np.ascontiguousarray if contiguous else np.asarray
    return conv(raw, dtype=np.float64)


def _discrete_mass(name: str, x):
    """The array form of a :class:`fdiv.Discrete` is its ``.mass``; refused when it records
    mass outside its grid, which ``.mass`` leaves out."""
    from fdiv._discrete import Discrete

    if not isinstance(x, Discrete):
        return x
    if x.outside > 0.0:
        raise ValueError(
            f"`{name}` is a Discrete with mass {x.outside!r} outside its grid, which its "
            f"`.mass` leaves out; pass `{name}.normalized()` (the probability conditioned on the "
            f"grid) or `{name}.mass` (the mass on the grid only), or enlarge the grid")
    return x.mass


def as_mass(name: str, x, *, min_ndim: int = 1) -> np.ndarray:
    """Return ``x`` as a C-contiguous float64 array of finite, nonnegative masses.

    ``x`` may be an array-like, any object with ``__array__``, or a :class:`fdiv.Discrete`
    (its ``.mass``, when it records no mass outside its grid).

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


def check_nonnegative(name: str, arr: np.ndarray, domain: str = "") -> np.ndarray:
    """``arr`` itself; ValueError naming ``name``, the first negative entry and its index when
    there is one (NaN and +inf pass: the caller's domain decides about them)."""
    neg = arr < 0
    if neg.any():
        i = _first_bad(neg) if arr.ndim else ()
        where = f" at index {i}" if arr.ndim else ""
        raise ValueError(f"`{name}` must be >= 0{domain}; got {arr[i].item()!r}{where}")
    return arr


def check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same shape; got {a.shape} and {b.shape}"
        )


def real_scalar(value, name: str) -> float:
    """``value`` as a Python float after checking that it is a real number (not bool) that
    float64 holds: a huge int or Fraction raises ``ValueError`` naming ``name``, never
    ``OverflowError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a real number; got {describe(value)}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"`{name}` must be a real number within the float64 range; got "
                         f"{describe(value)}") from None


def check_beta(beta, name: str = "beta") -> float:
    """Return ``beta`` as a float after checking ``0 < beta <= 1``."""
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise ValueError(f"`{name}` must be a real number in (0, 1]; got {describe(beta)}")
    try:
        b = float(beta)
    except OverflowError:
        b = math.inf
    if not (0.0 < b <= 1.0) or (b == 0.0 and beta != 0):
        raise ValueError(f"`{name}` must be in (0, 1]; got {describe(beta)}")
    return b


def probability_tolerance(n: int, eps: float = float(_F64.eps)) -> float:
    """Largest ``|Σ x − 1|`` accepted for a probability vector of ``n`` entries normalised in
    floating point with unit roundoff ``eps``: dividing by a sum computed by recursive
    summation leaves ``|Σ x_i − 1| <= (n − 1) eps + eps/2`` (Higham, Accuracy and Stability,
    §4.2); a few ulps are added."""
    return (n + 8) * eps


def check_probability(name: str, x) -> np.ndarray:
    """Return ``x`` as a 1-D mass vector after checking that it sums to 1.

    ``|Σx − 1|`` must be within :func:`probability_tolerance` (the rounding error of a
    normalisation in the input's own precision: float32 input gets float32's eps; the sum is
    NumPy's pairwise sum, whose own error bound is added), which
    accepts every vector normalised by ordinary float operations and nothing off by more;
    the vector is never renormalised here.
    """
    src = x.mass if _is_discrete(x) else x
    arr = as_mass(name, x)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be 1-D; got shape {arr.shape}")
    dtype = getattr(src, "dtype", None)
    eps = float(np.finfo(dtype).eps) if dtype is not None and np.dtype(dtype).kind == "f" \
        and np.dtype(dtype).itemsize < 8 else float(_F64.eps)
    # np.sum is pairwise: its own error is at most ~(log2 n + 1) eps Σx, added to the bound
    s = float(arr.sum())
    slack = (math.log2(arr.size) + 2.0) * float(_F64.eps) * abs(s)
    if not abs(s - 1.0) <= probability_tolerance(arr.size, eps) + slack:
        hint = (f" (a Discrete whose `.mass` is not normalised: pass `{name}.normalized()` "
                "for the probability measure)") if _is_discrete(x) else ""
        raise ValueError(
            f"`{name}` must be a probability vector summing to 1 (to within the rounding of "
            f"{arr.size} terms, {probability_tolerance(arr.size, eps):.3g}); got sum {s!r}{hint}")
    return arr


def check_same_support(name_a: str, a, name_b: str, b, hint: str = "") -> None:
    """``ValueError`` when ``a`` and ``b`` are both :class:`fdiv.Discrete` with support points
    (given or a grid's) that differ: their masses are then not paired point by point, and
    reading them as arrays would pair them by index. Anything else passes (plain arrays are
    paired by index, as their caller laid them out)."""
    if not (_is_discrete(a) and _is_discrete(b)) or a.support is None or b.support is None:
        return
    sa, sb = a.support, b.support
    if sa.shape == sb.shape and np.array_equal(sa, sb):
        return
    if sa.shape == sb.shape:
        i = int(np.flatnonzero((sa != sb).any(axis=1))[0])
        where = f"point {i} is {tuple(sa[i].tolist())} in `{name_a}` and {tuple(sb[i].tolist())} in `{name_b}`"
    else:
        where = f"{sa.shape[0]} points of dimension {sa.shape[1]} against {sb.shape[0]} of dimension {sb.shape[1]}"
    raise ValueError(
        f"`{name_a}` and `{name_b}` are Discrete measures on different supports ({where}): their masses are "
        f"not paired point by point; put both on one support first (one Grid, or Discrete(mass, "
        f"support=points) over the union of their points, zero where a measure has none){hint}")


def points_of(name: str, x, m, mname: str):
    """The support points: ``x`` if given, else ``m``'s when ``m`` is a :class:`fdiv.Discrete`
    with a support or grid, else None. Given both, they must agree (``x`` of shape (n,) is
    read as n points of dimension 1): ``ValueError`` naming ``name`` and ``mname`` otherwise."""
    own = m.support if _is_discrete(m) else None
    if x is None or own is None:
        return own if x is None else x
    arr = as_real(name, x)
    arr = arr[:, None] if arr.ndim == 1 else arr
    if not (arr.shape == own.shape and np.array_equal(arr, own)):
        raise ValueError(f"`{name}` differs from the support of `{mname}`, a Discrete that carries its own points; "
                         f"omit `{name}` (its points are used) or pass `{mname}.mass`")
    return x


def support_points(name: str, x, a, b):
    """The common support points of ``a`` and ``b`` (``q`` and ``p``): ``x``, or their own
    when they are :class:`fdiv.Discrete` (:func:`points_of`, :func:`check_same_support`);
    ``ValueError`` naming ``name`` when there are none."""
    check_same_support("q", a, "p", b, hint="; fdiv.wasserstein takes two supports as they are")
    x = points_of(name, points_of(name, x, a, "q"), b, "p")
    if x is None:
        raise ValueError(f"`{name}` (the support points) is required unless `q` or `p` is a Discrete with a "
                         f"support or grid")
    return x


def _is_discrete(x) -> bool:
    from fdiv._discrete import Discrete

    return isinstance(x, Discrete)


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int after checking that it is an integer ``>= 1``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {describe(value)}")
    return int(value)


def as_rng(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` as a :class:`numpy.random.Generator`.

    A Generator is returned as is (its stream shared with the caller); a nonnegative int seed,
    a :class:`numpy.random.SeedSequence` or None goes through ``numpy.random.default_rng``;
    anything else (a float, a bool, a string, a negative seed) raises ``ValueError`` naming
    ``name``.

    Examples
    --------
    >>> import fdiv
    >>> int(fdiv.as_rng(7).integers(100)) == int(fdiv.as_rng(7).integers(100))
    True
    >>> fdiv.as_rng(-1, "seed")
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be a numpy.random.Generator, a nonnegative int seed, a SeedSequence or None; got -1
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"`{name}` must be a numpy.random.Generator, a nonnegative int seed, a SeedSequence or "
                     f"None; got {describe(rng)}")
