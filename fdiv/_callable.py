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

#: Grid for the convexity check: 100 points per decade on [1e-8, 1e8].
CONVEXITY_GRID = np.logspace(-8.0, 8.0, 1601)
#: Relative tolerance on decreasing chord slopes (beyond the rounding level of f's values).
CONVEXITY_RTOL = 1e-9


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


def check_convex(f, x=CONVEXITY_GRID, rtol: float = CONVEXITY_RTOL, name: str = "fn") -> None:
    """Raise ValueError unless f is finite on the grid and its chord slopes are nondecreasing.

    A decrease of the slope between consecutive chords larger than the rounding level of
    the three values plus ``rtol`` times the slopes' size is a violation; the message names
    the x where it happens.
    """
    with np.errstate(all="ignore"):
        y = f(x)
    bad = ~np.isfinite(y)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"`{name}` must be finite on (0, inf); got {float(y[i])!r} at x={float(x[i])!r}")
    s = np.diff(y) / np.diff(x)
    drop = s[:-1] - s[1:]
    round_off = 64 * EPS * (np.abs(y[:-2]) + 2 * np.abs(y[1:-1]) + np.abs(y[2:])) / (x[2:] - x[:-2])
    tol = round_off + rtol * (np.abs(s[:-1]) + np.abs(s[1:]))
    viol = drop > tol
    if viol.any():
        i = int(np.argmax(viol))
        raise ValueError(
            f"`{name}` is not convex: the chord slope drops from {float(s[i])!r} to "
            f"{float(s[i + 1])!r} at x={float(x[i + 1])!r}")


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
        ``CONVEXITY_GRID`` (the message names the failing x), or a limit is undecidable.

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
