"""``from_callable``: an FDivergence from a user's convex function, with numerical limits,
derivative and conjugate (see ``_callable_numeric`` for the methods and their accuracy)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from fdiv._callable_numeric import (EPS, central_derivative, generic_activation, numeric_conjugate,
                                    numeric_limit, value_at_right_end)
from fdiv._validate import describe
from fdiv._fdivergence import FDivergence, Formulas, check_finite_real

__all__ = ["from_callable", "check_convex"]

#: Grid for the convexity check: 400 points per decade on [1e-8, 1e8], 10 per decade out to
#: 1e-300 and 1e300 (where f overflows, the check stops at the last finite value).
CONVEXITY_GRID = np.unique(np.concatenate((np.logspace(-300.0, -8.0, 2921),
                                           np.logspace(-8.0, 8.0, 6401),
                                           np.logspace(8.0, 300.0, 2921))))
_SUB = 5e-324  # spacing of the subnormals
#: Relative tolerance on decreasing chord slopes (beyond the rounding level of f's values).
CONVEXITY_RTOL = 1e-9
#: Random triples (fixed seed) checked for midpoint convexity besides the grid.
CONVEXITY_TRIPLES = 4000


def _vectorised(fn, name: str):
    """fn as a float64 array function; scalar-only callables are mapped elementwise."""
    def call(x):
        x = np.asarray(x, dtype=np.float64)
        try:
            y = np.asarray(fn(x), dtype=np.float64)
            if y.shape == x.shape:
                return y
        except (TypeError, ValueError):
            pass
        return np.vectorize(lambda s: float(fn(float(s))), otypes=[np.float64])(x)
    if not callable(fn):
        raise ValueError(f"`{name}` must be callable; got {fn!r:.80}")
    return call


def _finite_span(y: np.ndarray, x: np.ndarray, name: str) -> slice:
    """The run of grid points around x = 1 where f is finite: +inf is allowed only at the
    ends (float overflow of a finite f, e.g. x^2 beyond 1e154); NaN, -inf or an inf between
    finite values is an error."""
    bad = np.isnan(y) | (y == -np.inf)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"`{name}` must be finite on (0, inf); got {float(y[i])!r} at x={float(x[i])!r}")
    fin = np.isfinite(y)
    one = int(np.searchsorted(x, 1.0))
    if not fin[min(one, x.size - 1)]:
        raise ValueError(f"`{name}` must be finite on (0, inf); got {float(y[one])!r} at x={float(x[one])!r}")
    lo = one
    while lo > 0 and fin[lo - 1]:
        lo -= 1
    hi = one
    while hi + 1 < x.size and fin[hi + 1]:
        hi += 1
    inner = ~fin[lo:hi + 1]
    if inner.any():  # pragma: no cover - excluded by the scan above
        raise ValueError(f"`{name}` must be finite on (0, inf)")
    for end in (np.flatnonzero(fin[:lo]), np.flatnonzero(fin[hi + 1:]) + hi + 1):
        if end.size:  # finite again after an overflow: not a float overflow of a convex f
            i = int(end[0])
            raise ValueError(f"`{name}` must be finite on (0, inf); it is infinite next to "
                             f"x={float(x[i])!r}, where it is finite again")
    return slice(lo, hi + 1)


def check_convex(f, x=CONVEXITY_GRID, rtol: float = CONVEXITY_RTOL, name: str = "fn") -> tuple:
    """Raise ValueError unless f is finite on the grid and its chord slopes are nondecreasing,
    and f is midpoint-convex on ``CONVEXITY_TRIPLES`` random triples (fixed seed) in the
    same range; returns the range ``(lo, hi)`` that was checked.

    A decrease of the slope between consecutive chords larger than the rounding level of
    the three values (64 eps (1 + |log x|) times their size: f evaluated through log x is
    only that accurate) plus ``rtol`` times the slopes' size is a violation; the message names
    the x where it happens and the checked range. Convexity of a black box can only be
    checked at finitely many points: a function that bends between them is caught at
    evaluation time by :func:`fdiv.divergence` only where it breaks Jensen's inequality.
    """
    with np.errstate(all="ignore"):
        y = f(x)
    span = _finite_span(y, x, name)
    x, y = x[span], y[span]
    where = f"checked on [{float(x[0]):.3g}, {float(x[-1]):.3g}]"
    # chord slopes nondecreasing, in a form free of overflow (slopes of 1/x near 1e-250
    # exceed the float range): (y1 − y0) (h1/h0) <= y2 − y1 with h0, h1 the two spacings
    with np.errstate(all="ignore"):
        dy = np.diff(y)
        h = np.diff(x)
        left = dy[:-1] * (h[1:] / h[:-1])
        drop = left - dy[1:]
        # rounding of the three values, at least the subnormal spacing (f underflowing near 0)
        # f's values carry a relative rounding of about (1 + |log x|) eps when f goes through
        # log x (x log x, x**a = exp(a log x), cosh(log x)): the tolerance scales with it
        cond = 1.0 + np.abs(np.log(x[1:-1]))
        tol = (64 * EPS * cond * (np.abs(y[:-2]) + 2 * np.abs(y[1:-1]) + np.abs(y[2:])) + 16 * _SUB
               + rtol * (np.abs(left) + np.abs(dy[1:])))
    viol = drop > tol
    if viol.any():
        i = int(np.argmax(viol))
        with np.errstate(all="ignore"):
            s0, s1 = dy[i] / h[i], dy[i + 1] / h[i + 1]
        raise ValueError(
            f"`{name}` is not convex ({where}): the chord slope drops from {float(s0)!r} to "
            f"{float(s1)!r} at x={float(x[i + 1])!r}")
    rng = np.random.default_rng(20261206)
    lx = np.log(x[[0, -1]])
    u = np.exp(rng.uniform(lx[0], lx[1], size=CONVEXITY_TRIPLES))
    w = u * np.exp(rng.uniform(-0.5, 0.5, size=CONVEXITY_TRIPLES) * rng.choice([1e-6, 1e-3, 1.0, 10.0], CONVEXITY_TRIPLES))
    w = np.clip(w, x[0], x[-1])
    m = 0.5 * (u + w)
    with np.errstate(all="ignore"):
        fu, fw, fm = f(u), f(w), f(m)
        gap = 0.5 * (fu + fw) - fm
        cond = 1.0 + np.abs(np.log(m))
        tol = 64 * EPS * cond * (np.abs(fu) + np.abs(fw) + 2 * np.abs(fm)) + rtol * np.abs(fu - fw) + 16 * _SUB
    viol = np.isfinite(gap) & (gap < -tol)
    if viol.any():
        i = int(np.argmax(viol))
        raise ValueError(
            f"`{name}` is not convex ({where}): f((x + y)/2) = {float(fm[i])!r} exceeds "
            f"(f(x) + f(y))/2 = {float(0.5 * (fu[i] + fw[i]))!r} at y={float(w[i])!r}, "
            f"x={float(u[i])!r}")
    return float(x[0]), float(x[-1])


def _given_or(value, compute, name: str) -> float:
    if value is None:
        return compute()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a real number or inf; got {describe(value)}")
    try:
        v = float(value)
    except OverflowError:  # a huge int or Fraction: beyond the range, as inf
        v = math.inf if value > 0 else -math.inf
    if math.isnan(v):
        raise ValueError(f"`{name}` must be a real number or inf; got {value!r}")
    return v


def from_callable(fn, *, name: str | None = None, fprime=None, f_zero=None, slope_inf=None,
                  hilbertian: bool = False) -> FDivergence:
    """An FDivergence for a user's convex ``fn`` on (0, inf).

    Parameters
    ----------
    fn : callable
        Convex f, vectorised over float64 arrays (scalar-only callables are mapped).
    name : str, optional
        Name of the result (default ``fn.__name__``).
    fprime : callable, optional
        f'; by default central differences (about 1e-10 relative).
    f_zero, slope_inf : float, optional
        lim_{x->0+} f(x) and lim_{x->inf} f(x)/x; by default numerical limits over
        x = 10^-k, 10^k (k <= 300), which detect +inf divergence. Pass them when f converges
        too slowly for that (e.g. like 1/log x).
    hilbertian : bool
        Whether sqrt(D_f) is a metric (cannot be checked numerically; default False).

    Raises
    ------
    ValueError
        If ``fn`` is not callable, not finite, or not convex on the grid
        ``CONVEXITY_GRID`` (400 points per decade on [1e-8, 1e8], 10 per decade out to
        1e-300 and 1e300, up to where f overflows) or on 4000 random midpoint triples in the
        same range (the message names the failing x and the checked range), or a limit is
        undecidable.

    Convexity of a black box is checked only at those points: an f that bends between them
    is not detected here. :func:`fdiv.divergence` then refuses a value below Jensen's bound
    ``Σp f(Σq/Σp)`` (which every convex f satisfies), so such an f cannot produce e.g. a
    negative D_f between probability vectors unnoticed.

    Notes
    -----
    The conjugate is ``sup_{x>0} t x - f(x)`` maximised numerically (log-x grid bracket,
    then Brent), +inf for t > slope_inf, and lim (slope_inf x - f(x)) at t = slope_inf.
    GAN helpers use g(v) = f'(e^v) (see ``generic_activation``).

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> g = fdiv.from_callable(lambda x: (x - 1) ** 2, name="chi2")
    >>> round(float(g.conjugate(2.0)), 9)  # t + t^2/4
    3.0
    """
    f = _vectorised(fn, "fn")
    if name is None:
        name = getattr(fn, "__name__", "callable")
    if not isinstance(name, str):
        raise ValueError(f"`name` must be a string; got {name!r}")
    check_convex(f)
    fp = central_derivative(f) if fprime is None else _vectorised(fprime, "fprime")
    fz = _given_or(f_zero, lambda: numeric_limit(
        f, "zero", noise=lambda x, v: 4 * EPS * np.abs(v), what="f(0+)"), "f_zero")
    sl = _given_or(slope_inf, lambda: numeric_limit(
        lambda x: f(x) / x, "inf", noise=lambda x, v: 64 * EPS * np.abs(v), what="f'(inf)"),
        "slope_inf")
    if fz == -math.inf or sl == -math.inf:
        raise ValueError(f"`fn` is not convex on (0, inf): f(0+)={fz!r}, f'(inf)={sl!r}")
    at_hi = value_at_right_end(f, sl)
    conj = numeric_conjugate(f, fp, f_zero=fz, hi=sl, value_at_hi=at_hi)
    act, act_p, cact, cact_p = generic_activation(f, fp)
    f_one = float(fp(np.asarray([1.0]))[0])
    check_finite_real(f_one, "fprime(1)")
    return FDivergence(
        name=name, formula=f"user function {name}",
        formulas=Formulas(f=f, f_prime=fp, conjugate=conj, activation=act,
                          activation_prime=act_p, conjugate_activation=cact,
                          conjugate_activation_prime=cact_p),
        conjugate_domain=(-math.inf, sl), conjugate_domain_closed=bool(math.isfinite(at_hi)),
        f_zero=fz, slope_inf=sl, f_one_prime=f_one, hilbertian=bool(hilbertian))
