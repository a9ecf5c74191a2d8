r"""``fdiv.divergence(f, q, p)``: D_f(q||p) on finite supports with docs/theory.md §0 conventions.

Registry generators (and ``alpha(a)``) go to the exact Numba kernels of :mod:`fdiv._kernels`
(imported on first use, so ``import fdiv`` compiles and loads nothing). Any other
:class:`~fdiv.FDivergence` (``dual``, ``normalized``, ``shift``, ``from_callable``) goes through
a chunked NumPy evaluation of ``p f(q/p)`` with ``f.f_zero`` and ``f.slope_inf`` for the
boundary cases.
"""
from __future__ import annotations

import math
import os
import threading

import numpy as np

from fdiv._fdivergence import FDivergence
from fdiv._registry import REGISTRY, alpha, get, names
from fdiv._transforms import shift_parts
from fdiv._validate import as_mass, as_real, check_same_shape, check_same_support

__all__ = ["divergence"]

#: elements per chunk of the generic (NumPy) path.
GENERIC_CHUNK = 1 << 16
#: below this many elements a kernel runs on the calling thread only.
PARALLEL_MIN = 1 << 18


def divergence(f, q, p, *, axis: int = -1):
    r"""The f-divergence ``D_f(q||p)`` of two nonnegative finite measures (docs/theory.md §0).

    .. math::

        D_f(q\|p) = \sum_{p_i > 0} p_i f(q_i/p_i) + f'(\infty) \sum_{p_i = 0} q_i

    with ``f(0) := lim_{x->0+} f(x)`` used where ``q_i = 0 < p_i``, terms with
    ``p_i = q_i = 0`` contributing 0 and ``0 * inf := 0``. q and p are *not* renormalised.

    Parameters
    ----------
    f : FDivergence or str
        A generator or a registry name (``"kl"``, ``"alpha(0.5)"``; see :func:`fdiv.names`).
        ``f`` is the numerator's generator: ``divergence("kl", q, p)`` is KL(q||p).
    q, p : array_like
        Nonnegative finite masses. Axis ``axis`` is the support (the same length in both);
        the other axes are a batch and follow NumPy broadcasting (an array with fewer
        dimensions gets leading axes of length 1, as in NumPy).
    axis : int
        The support axis, counted in the broadcast shape (default: the last).

    Returns
    -------
    float or ndarray
        A Python float when both are 1-D, else an array of the broadcast batch shape.
        ``+inf`` where the divergence is infinite (``f(0) = inf`` with ``q_i = 0 < p_i``, or
        ``f'(inf) = inf`` with ``p_i = 0 < q_i``); never NaN. Every entry is bit-identical to
        the 1-D call on that pair of rows.

    Raises
    ------
    ValueError
        If ``f`` is not an FDivergence or registry name, if q or p holds a negative, NaN
        or infinite mass or is empty, if the support lengths differ or the batch shapes do
        not broadcast (the message names both shapes), or if ``axis`` is out of range.

    Notes
    -----
    Case table (docs/theory.md §0), term ``i`` of the sum:

    ======================  ======================  ==========================================
    case                    term                    value
    ======================  ======================  ==========================================
    ``q_i > 0, p_i > 0``    ``p_i f(q_i / p_i)``    finite (``±inf`` only beyond the float range)
    ``q_i = 0 < p_i``       ``p_i f(0)``            ``f(0) := lim_{x->0+} f(x)``; ``+inf`` iff
                                                    ``f(0) = inf``
    ``p_i = 0 < q_i``       ``q_i f'(inf)``         ``f'(inf) := lim_{x->inf} f(x)/x``; ``+inf``
                                                    iff ``f'(inf) = inf``
    ``q_i = p_i = 0``       ``0``                   always (``0 * inf := 0``)
    ======================  ======================  ==========================================

    The singular term ``f'(inf) q(p = 0)`` is never dropped (dropping it gives wrong finite
    values for tv, js, squared_hellinger and gan on disjoint supports). The value is never
    NaN for valid input; an infinite term makes the sum ``+inf``. Limits of the registry:

    =====================  =========  ============  ==========================================
    generator              f(0)       f'(inf)       so D = +inf when
    =====================  =========  ============  ==========================================
    kl                     0          inf           some ``p_i = 0 < q_i``
    reverse_kl             inf        0             some ``q_i = 0 < p_i``
    tv                     1          1             never (``Σ|q - p|``)
    js                     log 2      log 2         never (2x the usual JSD)
    squared_hellinger      1          1             never
    pearson_chi2           1          inf           some ``p_i = 0 < q_i``
    neyman_chi2            inf        1             some ``q_i = 0 < p_i``
    jeffreys               inf        inf           the supports differ
    triangular             1          1             never
    gan                    0          0             never (``f(1) = -log 4``)
    log_trick              inf        0             some ``q_i = 0 < p_i``
    alpha(a), a > 0        1/a        1/(1-a)       a >= 1 and some ``p_i = 0 < q_i``
    alpha(a), a <= 0       inf        1/(1-a)       some ``q_i = 0 < p_i``
    =====================  =========  ============  ==========================================

    (``f'(inf) = inf`` for ``a >= 1``.) Transformed generators use their own limits:
    ``dual(f)`` swaps them, ``shift(f, c)`` has ``f(0) - c`` and ``f'(inf) + c``.

    Registry entries and ``alpha(a)`` use closed forms that never overflow where the value
    is finite (e.g. Pearson ``(q-p)^2/p`` as ``((q-p)/p)(q-p)``; ``log(q/p)`` without forming
    ``q/p``) and keep full relative accuracy when ``q ~ p`` (~1e-15 for 10^7-term sums).
    ``shift(f, c)`` / ``normalized(f)`` are computed as ``D_f + c (Σq − Σp)`` (exact, through
    f's kernel where it has one). Other generators are evaluated as ``p f(q/p)`` with their
    own ``f``; where ``q/p`` leaves the normal double range, a ``dual`` of a registry
    generator uses the partner's exact kernel on ``(p, q)`` for those terms, and any other
    f uses its limit ``f(0)`` or ``f'(inf)`` only where f is within 1e-15 of it there
    (absolute error at most ``1e-15 p max(1, |limit|)`` per term); otherwise a
    ``ValueError`` says that the term cannot be evaluated in floating point, never a
    spurious ``inf``.

    Examples
    --------
    >>> import fdiv
    >>> fdiv.divergence("kl", [0.5, 0.5], [0.5, 0.5])
    0.0
    >>> fdiv.divergence("tv", [1.0, 0.0], [0.0, 1.0])
    2.0
    >>> fdiv.divergence("kl", [1.0, 0.0], [0.0, 1.0])   # q has mass where p has none
    inf
    >>> fdiv.divergence("js", [[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]).tolist()
    [1.3862943611198906, 0.0]
    >>> fdiv.divergence("kl", np.ones((2, 3)) / 3, np.ones(3) / 3).tolist()   # broadcast p
    [0.0, 0.0]
    >>> fdiv.divergence("tv", [[1.0, 0.5], [0.0, 0.5]], [[0.5, 0.5], [0.5, 0.5]], axis=0).tolist()
    [1.0, 0.0]
    """
    g = _resolve(f)
    check_same_support("q", q, "p", p)
    exact = _exact(g)
    if exact is None:
        q = as_mass("q", q)
        p = as_mass("p", p)
    else:  # the kernels check finiteness and signs in their own pass (see _run_kernel)
        q = _as_array("q", q)
        p = _as_array("p", p)
    if q.ndim != 1 or p.ndim != 1 or axis not in (-1, 0):
        q, p = _align(q, p, axis)
    check_same_shape("q", q, "p", p)
    lead = q.shape[:-1]
    q2 = q.reshape(-1, q.shape[-1])
    p2 = p.reshape(-1, p.shape[-1])
    if exact is not None:
        kernel, a, b = exact
        out = _run_kernel(kernel, q2, p2, a, b)
        if out is None:  # a negative, NaN or infinite mass: as_mass names it and raises
            as_mass("q", q)
            as_mass("p", p)
            raise AssertionError("unreachable: the kernel flagged a mass as_mass accepts")
    else:
        out = _generic(g, q2, p2)
    if q.ndim == 1:
        return float(out[0])
    return out.reshape(lead)


def _align(q: np.ndarray, p: np.ndarray, axis) -> tuple[np.ndarray, np.ndarray]:
    """q and p broadcast on the batch axes, the support axis moved last, C-contiguous."""
    nd = max(q.ndim, p.ndim)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or not -nd <= axis < nd:
        raise ValueError(f"`axis` must be an integer in [{-nd}, {nd}) for inputs of shapes {q.shape} and "
                         f"{p.shape}; got {axis!r}")
    ax = int(axis) % nd
    q2 = np.moveaxis(q.reshape((1,) * (nd - q.ndim) + q.shape), ax, -1)
    p2 = np.moveaxis(p.reshape((1,) * (nd - p.ndim) + p.shape), ax, -1)
    if q2.shape[-1] != p2.shape[-1]:
        raise ValueError(f"`q` and `p` must have the same support length along axis {axis}; got shapes "
                         f"{q.shape} and {p.shape}")
    try:
        lead = np.broadcast_shapes(q2.shape[:-1], p2.shape[:-1])
    except ValueError:
        raise ValueError(f"`q` and `p` must have broadcastable batch axes (all but axis {axis}); got shapes "
                         f"{q.shape} and {p.shape}") from None
    shape = lead + q2.shape[-1:]
    return (np.ascontiguousarray(np.broadcast_to(q2, shape)), np.ascontiguousarray(np.broadcast_to(p2, shape)))


def _resolve(f) -> FDivergence:
    if isinstance(f, FDivergence):
        return f
    if isinstance(f, str):
        try:
            return get(f)
        except ValueError as exc:
            if "`name` must be one of" not in str(exc):  # a refused alias: keep its reason
                raise ValueError(str(exc).replace("`name`", "`f`", 1)) from None
            raise ValueError(
                f"`f` must be an FDivergence or one of {', '.join(names())} or 'alpha(<a>)' (or an alias "
                f"listed in fdiv.get); got {f!r}") from None
    raise ValueError(f"`f` must be an FDivergence or a registry name; got {f!r:.80}")


def _as_array(name: str, x) -> np.ndarray:
    """C-contiguous float64 array with at least one dimension and a nonempty last axis;
    the values are checked by the kernel (in its single pass) and, if bad, by as_mass."""
    arr = as_real(name, x, contiguous=True)
    if arr.ndim < 1 or arr.shape[-1] == 0:
        return as_mass(name, arr)
    return arr


def _exact(g: FDivergence):
    """(kernel, a, B) for a registry entry or an alpha(a) generator, else None.

    Keyed by identity (``REGISTRY[g.name] is g``; ``alpha(a).formulas is g.formulas``), so
    transformed generators (dual, normalized, shift) never pick up a registry kernel by name.
    """
    from fdiv import _kernels  # first use: imports numba and loads the cached kernels

    if REGISTRY.get(g.name) is g:
        kernel, b = _kernels.KERNELS[g.name]
        return kernel, 0.0, b
    a = g.alpha_param
    if a is not None and alpha(a).formulas is g.formulas and alpha(a).f_zero == g.f_zero:
        return _kernels.alpha_rows, float(a), 0.0
    return None


# --- running a kernel (optionally on a few threads; kernels release the GIL) ----------------
_POOL = None
_POOL_LOCK = threading.Lock()


def _threads() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def _pool():
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="fdiv")
        return _POOL


def _forget_pool_after_fork() -> None:
    """A forked child inherits the pool object but not its threads: start afresh there."""
    global _POOL, _POOL_LOCK
    _POOL = None
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    edges = [total * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts) if edges[i + 1] > edges[i]]


def _run_kernel(kernel, q2: np.ndarray, p2: np.ndarray, a: float, b: float) -> np.ndarray:
    from fdiv._kernels import NOUT

    # how a row is summed depends on its length n only (never on the number of rows), so every
    # row of a batch is bit-identical to the 1-D call on it: rows shorter than PARALLEL_MIN are
    # each summed by one thread; longer rows are split by columns into the same parts
    rows, n = q2.shape
    nt = _threads() if rows * n >= PARALLEL_MIN else 1
    out = np.zeros((rows, NOUT))
    if nt == 1:
        kernel(q2, p2, 0, rows, 0, n, a, out)
    elif n < PARALLEL_MIN:  # split rows: every row is summed by one thread
        futs = [_pool().submit(kernel, q2, p2, r0, r1, 0, n, a, out)
                for r0, r1 in _split(rows, nt)]
        for fu in futs:
            fu.result()
    else:  # split columns: partial sums per thread, combined exactly below
        parts = _split(n, nt)
        outs = [np.zeros((rows, NOUT)) for _ in parts]
        futs = [_pool().submit(kernel, q2, p2, 0, rows, c0, c1, a, o)
                for (c0, c1), o in zip(parts, outs)]
        for fu in futs:
            fu.result()
        for r in range(rows):
            out[r] = (_fsum([o[r, k] for o in outs for k in (0, 1)]), 0.0,
                      _fsum([o[r, k] for o in outs for k in (2, 3)]), 0.0,
                      max(o[r, 4] for o in outs))
    if out[:, 4].any():
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        s = out[:, 0] + out[:, 1]
        d = s if b == 0.0 else s + b * (out[:, 2] + out[:, 3])
    # S = +inf: an infinite term (T is a finite sum of masses). NaN: an infinite term met a
    # partial sum that overflowed to -inf; the exact value is +inf.
    return np.where((s == np.inf) | np.isnan(d), np.inf, d)


def _fsum(values) -> float:
    """Exact sum of finite values; with infinities, IEEE addition (NaN for inf - inf)."""
    if all(math.isfinite(v) for v in values):
        return math.fsum(values)
    return float(np.sum(values))


# --- generic path: any FDivergence through its own f --------------------------------------------
_TINY = float(np.finfo(np.float64).tiny)
EPS = float(np.finfo(np.float64).eps)
_BIG = 1e308


def _limit_error(g: FDivergence, end: str) -> float:
    """How far the limit used beyond the double range can be from the true value, relative:
    ``|f(tiny) − f(0)|`` (f is monotone near 0, so this bounds every x in [0, tiny]) and
    ``|f(M)/M − f'(inf)|`` at M = 1e308 (f(x)/x is eventually monotone for convex f)."""
    with np.errstate(all="ignore"):
        if end == "zero":
            lim = g.f_zero
            val = float(g.f(np.float64(_TINY)))
        else:
            lim = g.slope_inf
            val = float(g.f(np.float64(_BIG))) / _BIG
    if not (math.isfinite(lim) and math.isfinite(val)):
        return math.inf
    return abs(val - lim) / max(1.0, abs(lim))


def _out_of_range(g: FDivergence, x, fx, pb) -> np.ndarray:
    """Terms ``p f(q/p)`` that floats cannot evaluate through f: a ratio below the normal
    range (rounded or 0) or above it (inf) where f's limit there is not exact to 1e-15, and
    a finite ratio whose f(x) overflows while p < 1 (p f(x) may be finite)."""
    bad = np.isinf(fx) & ~np.isinf(x) & (pb < 1.0)
    low = x < _TINY
    if low.any() and _limit_error(g, "zero") > 1e-15:
        bad |= low
    high = np.isinf(x)
    if high.any() and _limit_error(g, "inf") > 1e-15:
        bad |= high
    return bad


def _check_range(g: FDivergence, x, fx, qb, pb, bad) -> None:
    """Refuse the terms of :func:`_out_of_range` with a message naming q/p and the values.
    Registry generators never get here (their kernels use closed forms)."""
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    if np.isinf(x[i]) or x[i] < _TINY:
        side = "below" if x[i] < _TINY else "above"
        lim = "f(0)" if x[i] < _TINY else "f'(inf)"
        why = (f"is {side} the double range, where f ({g.name}) is not within 1e-15 of its "
               f"limit {lim}")
    else:
        why = f"makes f ({g.name}) overflow while p < 1, so p f(q/p) may be finite"
    raise ValueError(
        f"`q`/`p`: the ratio q/p = {float(qb[i]) / float(pb[i])!r} (q={float(qb[i])!r}, "
        f"p={float(pb[i])!r}) {why}: the term p f(q/p) cannot be evaluated in floating point "
        "(rescale q and p, or use a registry generator, whose kernels are exact there)")


def _terms(g: FDivergence, qc: np.ndarray, pc: np.ndarray) -> np.ndarray:
    """p f(q/p) elementwise with the §0 conventions (0 where q = p = 0)."""
    t = np.zeros(qc.shape)
    both = (qc > 0) & (pc > 0)
    with np.errstate(over="ignore", under="ignore"):
        qb, pb = qc[both], pc[both]
        x = qb / pb
    fx = np.asarray(g.f(np.where(np.isinf(x), 1.0, x)), dtype=np.float64)
    invalid = (np.isnan(fx) | (fx == -np.inf)) & ~np.isinf(x)
    if invalid.any():
        i = int(np.flatnonzero(invalid)[0])
        raise ValueError(
            f"`f` ({g.name}) gave an invalid value f(x) = {fx[i]!r} at x = q/p = {x[i]!r} "
            f"(q={qb[i]!r}, p={pb[i]!r}): f must be finite on (0, inf) with f(0), f'(inf) > -inf")
    swap = _exact(g.dual_of) if g.dual_of is not None else None
    if swap is not None:
        bad = (x < _TINY) | np.isinf(x) | (np.isinf(fx) & (pb < 1.0))
    else:
        bad = _out_of_range(g, x, fx, pb)
        _check_range(g, x, fx, qb, pb, bad)
    # beyond the double range, p f(q/p) = q f(x)/x -> q f'(inf) (checked above to be exact
    # there); a product p f(x) with p >= 1 that overflows is the term itself beyond the range
    with np.errstate(over="ignore", invalid="ignore"):
        vals = np.where(np.isinf(x), qb * g.slope_inf, pb * fx)
    if swap is not None and bad.any():
        # p f°(q/p) = q f(p/q): where q/p leaves the double range, the term is the dual's own
        # term with q and p swapped, evaluated exactly (scaled) by its kernel, one per row
        vals[bad] = _run_kernel(swap[0], np.ascontiguousarray(pb[bad][:, None]),
                                np.ascontiguousarray(qb[bad][:, None]), swap[1], swap[2])
    t[both] = vals
    only_p = (qc == 0) & (pc > 0)
    t[only_p] = pc[only_p] * g.f_zero
    only_q = (pc == 0) & (qc > 0)
    t[only_q] = qc[only_q] * g.slope_inf
    for mask, name, value in ((only_p, "f(0)", g.f_zero), (only_q, "f'(inf)", g.slope_inf)):
        if mask.any() and not value > -np.inf:
            raise ValueError(f"`f` ({g.name}) has {name} = {value!r}: f must have f(0), "
                             "f'(inf) > -inf")
    return t


def _generic(g: FDivergence, q2: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Row sums of D_g for a generator without its own kernel, reduced exactly to one that
    has a kernel where possible: ``dual(f)`` as ``D_f(p‖q)`` (S2, singular parts included),
    a shift ``f + c(x − 1)`` as ``D_f + c (Σq − Σp)`` (S4, exact for any masses); any other
    generator through its own f (:func:`_terms`)."""
    parts = shift_parts(g)
    if parts is None:
        out = _generic_terms(g, q2, p2)
        _check_jensen(g, q2, p2, out)
        return out
    base, c = parts
    inner = _rows(base, q2, p2)
    delta = np.array([c * math.fsum(np.concatenate((q2[r], -p2[r]))) for r in range(q2.shape[0])])
    with np.errstate(over="ignore", invalid="ignore"):
        out = inner + delta
    return np.where(np.isnan(out), np.inf, out)


def _check_jensen(g: FDivergence, q2: np.ndarray, p2: np.ndarray, out: np.ndarray) -> None:
    """Refuse a value below Jensen's bound ``D_f(q‖p) >= P f(Q/P)`` (P = Σp, Q = Σq over
    the whole row; it holds for every convex f, the singular part included, since
    f(x + y) <= f(x) + y f'(inf)) beyond the rounding of the terms: a user's f that is not
    convex between the points where :func:`fdiv.from_callable` checked it shows up here
    (e.g. as a negative D_f between probability vectors)."""
    P = p2.sum(axis=1)
    Q = q2.sum(axis=1)
    with np.errstate(all="ignore"):
        x = Q / P
        # the bound itself is only evaluable where Q/P is a normal double
        ok = (P > 0) & (x >= _TINY) & (x <= 1.0 / _TINY) & np.isfinite(out)
        if not ok.any():
            return
        bound = np.full(out.shape, -np.inf)
        bound[ok] = P[ok] * np.asarray(g.f(x[ok]), dtype=np.float64)
        low = ok & np.isfinite(bound) & (out < bound - 1e-12 * (np.abs(bound) + np.abs(out)) - 1e-300)
    for r in np.flatnonzero(low):
        with np.errstate(all="ignore"):
            scale = float(np.abs(_terms(g, q2[r], p2[r])).sum()) + abs(float(bound[r]))
        # rounding of the terms, at least the subnormal spacing (terms that underflow)
        if out[r] < bound[r] - 64 * (q2.shape[1] + 1) * (EPS * scale + 5e-324):
            raise ValueError(
                f"`f` ({g.name}) is not convex: D_f = {float(out[r])!r} is below Jensen's bound "
                f"sum(p) f(sum(q)/sum(p)) = {float(bound[r])!r}, which every convex f satisfies "
                "(fdiv.from_callable checks convexity only on a grid and random points; see "
                "its docstring for the checked range)")


def _rows(g: FDivergence, q2: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Row sums of D_g on validated masses: g's kernel, else :func:`_generic`."""
    exact = _exact(g)
    if exact is None:
        return _generic(g, q2, p2)
    return _run_kernel(exact[0], q2, p2, exact[1], exact[2])


def _generic_terms(g: FDivergence, q2: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Row sums of :func:`_terms`, chunk by chunk (at most GENERIC_CHUNK terms at a time)."""
    rows, n = q2.shape
    out = np.empty(rows)
    with np.errstate(over="ignore", invalid="ignore"):
        if n <= GENERIC_CHUNK:  # whole rows per chunk
            step = max(1, GENERIC_CHUNK // n)
            for r0 in range(0, rows, step):
                r1 = min(rows, r0 + step)
                out[r0:r1] = _terms(g, q2[r0:r1], p2[r0:r1]).sum(axis=1)
        else:  # long rows in column chunks
            for r in range(rows):
                out[r] = _fsum([
                    _terms(g, q2[r, c0:c0 + GENERIC_CHUNK], p2[r, c0:c0 + GENERIC_CHUNK]).sum()
                    for c0 in range(0, n, GENERIC_CHUNK)])
    # as in _run_kernel: NaN only from an infinite term (+inf: f(0) or f'(inf) infinite, or
    # an overflowed positive term) meeting a sum that overflowed to -inf; the value is +inf
    return np.where(np.isnan(out), np.inf, out)
