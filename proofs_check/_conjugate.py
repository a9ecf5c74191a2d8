"""The convex conjugate and the §0 transforms of a user's generator ``f``, given as a sympy expression.

``f*(t) = sup_{x>0} t x - f(x)`` for convex ``f`` on ``(0, inf)``: with ``lo = f'(0+)`` and
``hi = f'(inf) = lim f(x)/x``,

- on ``(lo, hi)`` the supremum is attained where ``f'(x) = t``, so ``f*(t) = t x(t) - f(x(t))``
  with ``x(t)`` the solution of ``f'(x) = t`` (sympy ``solve``);
- for ``t <= lo`` (``lo`` finite) ``t x - f(x)`` decreases in ``x``: ``f*(t) = -f(0+)``;
- at ``t = hi`` (finite) ``f*(hi) = lim_{x->inf} hi x - f(x)`` (finite or ``+inf``), and
  ``f*(t) = +inf`` for ``t > hi``.

Where sympy cannot solve ``f'(x) = t``, :class:`ConjugateNotFound` says so (use
``fdiv.from_callable(...).conjugate`` for numbers). :func:`verify_conjugate` checks a claimed
``f*`` symbolically (the tightness identity ``f*(f'(x)) = x f'(x) - f(x)``) where sympy can, and
numerically against ``fdiv.from_callable`` on a stated grid always (Fenchel-Young and the values).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

__all__ = ["ConjugateNotFound", "ConjugateCheck", "conjugate", "verify_conjugate", "dual", "normalized", "f_zero",
           "slope_inf", "VERIFY_REL_TOL", "VERIFY_X_GRID"]

VERIFY_REL_TOL = 1e-7
"""Numerical comparison of a claimed ``f*`` with ``fdiv.from_callable(f).conjugate`` (Brent on a
log-x bracket, central-difference f', about 1e-10 relative): ``|claimed - numeric| <= 1e-7 (1 +
|numeric|)``. Far above the numerical conjugate's error, far below the error of a wrong closed
form (a wrong constant, sign or factor is O(1) relative)."""

VERIFY_X_GRID = tuple(float(v) for v in np.logspace(-3, 3, 25))
"""The stated grid: ``x = 10^-3 .. 10^3`` (25 points, log-spaced); the conjugate is compared at
``t = f'(x)`` for these x, at ``f'(0+) - 1``, ``f'(0+) - 10`` when ``f'(0+)`` is finite, and at
``f'(inf)``, ``f'(inf) + 1/2`` when ``f'(inf)`` is finite; Fenchel-Young ``f*(t) >= t x - f(x)``
is checked on all pairs of these t and x."""


class ConjugateNotFound(NotImplementedError):
    """sympy cannot derive the conjugate (it cannot solve ``f'(x) = t`` for ``x > 0``, or the
    solution it finds is not valid); the message says which step failed."""


def _prepare(f_expr, x):
    if not isinstance(x, sp.Symbol):
        raise ValueError(f"`x` must be a sympy Symbol; got {x!r}")
    try:
        f = sp.sympify(f_expr)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"`f_expr` must be a sympy expression; got {f_expr!r} ({exc})") from None
    extra = f.free_symbols - {x}
    if extra:
        raise ValueError(f"`f_expr` must depend on `x` only; got {f} with free symbols {sorted(map(str, extra))}")
    xp = sp.Symbol("x", positive=True)
    return f.subs(x, xp), xp


def f_zero(f_expr, x):
    """``f(0+) = lim_{x->0+} f(x)`` (may be ``oo``).

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import f_zero
    >>> x = sp.Symbol("x", positive=True)
    >>> f_zero(x * sp.log(x), x), f_zero(-sp.log(x), x)
    (0, oo)
    """
    f, xp = _prepare(f_expr, x)
    return sp.limit(f, xp, 0, "+")


def slope_inf(f_expr, x):
    """``f'(inf) = lim_{x->inf} f(x)/x`` (may be ``oo``).

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import slope_inf
    >>> x = sp.Symbol("x", positive=True)
    >>> slope_inf((sp.sqrt(x) - 1) ** 2, x), slope_inf(x ** 3, x)
    (1, oo)
    """
    f, xp = _prepare(f_expr, x)
    return sp.limit(f / xp, xp, sp.oo)


def dual(f_expr, x):
    """The dual generator ``f°(x) = x f(1/x)`` (``D_{f°}(Q||P) = D_f(P||Q)``), simplified.

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import dual
    >>> x = sp.Symbol("x", positive=True)
    >>> dual(x * sp.log(x), x)
    -log(x)
    """
    f, xp = _prepare(f_expr, x)
    return _simplify(xp * f.subs(xp, 1 / xp)).subs(xp, x)


def normalized(f_expr, x):
    """The normalised generator ``f0(x) = f(x) - f'(1)(x - 1)`` (at a kink, sympy's derivative at
    1, e.g. 0 for ``|x - 1|``), simplified.

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import normalized
    >>> x = sp.Symbol("x", positive=True)
    >>> normalized(x * sp.log(x), x)
    x*log(x) - x + 1
    """
    f, xp = _prepare(f_expr, x)
    slope = sp.diff(f, xp).subs(xp, 1)
    return _simplify(f - slope * (xp - 1)).subs(xp, x)


def _w_inverse(w):
    """``W(y e^y) = y`` for ``y > 0`` (principal branch): the ``y`` when ``w`` is such an atom."""
    z = w.args[0]
    for factor in sp.Mul.make_args(sp.powsimp(z)):
        if isinstance(factor, sp.exp):
            y = factor.args[0]
            if y.is_positive and sp.simplify(z - y * sp.exp(y)) == 0:
                return y
    return None


def _lambertw_rules(e):
    """``W(y e^y) = y`` (y > 0), ``log W(z) = log z - W(z)`` and ``exp(W(z)) = z / W(z)`` for
    ``z > 0`` (principal branch)."""
    def pos(z):
        return z.is_positive is True

    e = e.replace(lambda a: isinstance(a, sp.LambertW) and len(a.args) == 1 and _w_inverse(a) is not None,
                  _w_inverse)

    e = e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.LambertW) and len(a.args[0].args) == 1
                  and pos(a.args[0].args[0]),
                  lambda a: sp.log(a.args[0].args[0]) - a.args[0])
    e = e.replace(lambda a: isinstance(a, sp.exp) and isinstance(a.args[0], sp.LambertW) and len(a.args[0].args) == 1
                  and pos(a.args[0].args[0]),
                  lambda a: a.args[0].args[0] / a.args[0])
    return e


def _simplify(e):
    e = sp.simplify(e)
    if e.has(sp.LambertW):
        e = sp.simplify(sp.expand_log(_lambertw_rules(sp.expand(e)), force=True))
        e = sp.simplify(_lambertw_rules(e))
    if e.has(sp.cosh, sp.sinh, sp.tanh):
        alt = sp.simplify(e.rewrite(sp.exp))
        e = alt if sp.count_ops(alt) <= sp.count_ops(e) else e
    return e


def _simplify_on(e, t, lo, hi):
    """Simplify ``e`` for ``t`` in ``(lo, hi)``: substitute ``t = hi - u`` (or ``lo + u``) with
    ``u > 0`` so that sympy can drop absolute values and choose square-root branches."""
    u = sp.Dummy("u", positive=True)
    if hi.is_finite:
        back, sub = hi - t, hi - u
    elif lo.is_finite:
        back, sub = t - lo, lo + u
    else:
        return _simplify(e)
    inner = _simplify(e.subs(t, sub))
    return _simplify(sp.expand_log(inner.subs(u, back), force=False))


def _num(e) -> float:
    e = sp.sympify(e)
    if e == sp.oo:
        return math.inf
    if e == -sp.oo:
        return -math.inf
    v = complex(sp.N(e, 30))
    return v.real if abs(v.imag) <= 1e-20 * max(1.0, abs(v.real)) else math.nan


def _interior_samples(lo, hi) -> list:
    """A few exact points inside (lo, hi) where a solution of f'(x) = t is tested."""
    lo_f, hi_f = _num(lo), _num(hi)
    steps = (sp.Rational(1, 100), sp.Rational(1, 10), sp.Integer(1), sp.Integer(5), sp.Integer(50))
    if math.isinf(lo_f) and math.isinf(hi_f):
        return [sp.Integer(-20), sp.Rational(-3, 2), sp.Integer(0), sp.Rational(1, 3), sp.Integer(2), sp.Integer(20)]
    if math.isinf(lo_f):
        return [hi - d for d in steps]
    if math.isinf(hi_f):
        return [lo + d for d in steps]
    return [lo + (hi - lo) * k for k in (sp.Rational(1, 100), sp.Rational(1, 10), sp.Rational(1, 2),
                                         sp.Rational(9, 10), sp.Rational(99, 100))]


def _check_convex(fpp, xp) -> None:
    simp = sp.simplify(fpp)
    if simp.is_nonnegative is True:
        return
    fn = sp.lambdify(xp, simp, "mpmath")
    import mpmath as mp

    for v in np.logspace(-6, 6, 121):
        try:
            val = complex(fn(mp.mpf(float(v))))
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if val.real < -1e-12 * max(1.0, abs(val)):
            raise ValueError(f"`f_expr` is not convex on (0, inf): f''({v:.6g}) = {val.real:.6g} < 0 (f'' = {simp})")


def conjugate(f_expr, x, t=None):
    """The convex conjugate ``f*(t) = sup_{x>0} t x - f(x)`` of a convex generator, derived with sympy.

    Parameters
    ----------
    f_expr : sympy expression
        Convex ``f`` on ``(0, inf)`` in the one symbol ``x``.
    x : sympy.Symbol
    t : sympy.Symbol, optional
        The conjugate's variable (default ``Symbol("t", real=True)``).

    Returns
    -------
    sympy expression in ``t``
        A ``Piecewise`` over the domain when ``f'(0+)`` or ``f'(inf)`` is finite: ``-f(0+)`` for
        ``t <= f'(0+)``, the closed form on ``(f'(0+), f'(inf))``, ``lim_{x->inf} f'(inf) x - f(x)``
        at ``t = f'(inf)`` and ``oo`` beyond; the closed form alone when both are infinite.

    Raises
    ------
    ValueError
        ``f_expr`` is not an expression in ``x`` alone, or is not convex (sampled ``f''`` < 0, named).
    ConjugateNotFound
        sympy cannot solve ``f'(x) = t`` for ``x > 0`` (a ``NotImplementedError``; the message
        says so and points at ``fdiv.from_callable`` for numbers).

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import conjugate
    >>> x, t = sp.Symbol("x", positive=True), sp.Symbol("t", real=True)
    >>> conjugate(x * sp.log(x), x, t)
    exp(t - 1)
    >>> conjugate(x ** 3, x, t)
    Piecewise((0, t <= 0), (2*sqrt(3)*t**(3/2)/9, True))
    >>> conjugate((sp.sqrt(x) - 1) ** 2, x, t)
    Piecewise((-t/(t - 1), t < 1), (oo, True))
    """
    f, xp = _prepare(f_expr, x)
    t = sp.Symbol("t", real=True) if t is None else t
    if not isinstance(t, sp.Symbol):
        raise ValueError(f"`t` must be a sympy Symbol; got {t!r}")
    if f.has(sp.Abs, sp.Piecewise, sp.sign, sp.Heaviside, sp.Max, sp.Min):
        raise ConjugateNotFound(f"f = {f} has kinks (Abs, Piecewise, sign, Max, Min): conjugate() needs f "
                                "differentiable on (0, inf); use fdiv.from_callable(...).conjugate for numbers")
    fp = sp.diff(f, xp)
    _check_convex(sp.diff(fp, xp), xp)
    lo, hi = sp.limit(fp, xp, 0, "+"), sp.limit(fp, xp, sp.oo)
    pieces = []
    if lo.is_finite:
        pieces.append((-sp.limit(f, xp, 0, "+"), t <= lo))
    if lo != hi:
        try:
            sols = sp.solve(sp.Eq(fp, t), xp)
        except (NotImplementedError, ValueError, TypeError) as exc:
            raise ConjugateNotFound(f"sympy cannot solve f'(x) = t for x > 0 (f' = {fp}): {exc}; use "
                                    "fdiv.from_callable(...).conjugate for numbers") from None
        sol = next((s for s in sols if _valid_solution(s, fp, xp, t, lo, hi)), None)
        if sol is None:
            raise ConjugateNotFound(f"sympy finds no valid solution x(t) > 0 of f'(x) = t (f' = {fp}, candidates "
                                    f"{sols}); use fdiv.from_callable(...).conjugate for numbers")
        inner = _simplify_on(t * sol - f.subs(xp, sol), t, lo, hi)
        _check_tight(inner, f, fp, xp, t)
        pieces.append((inner, t < hi) if hi.is_finite else (inner, True))
    if hi.is_finite:
        at_hi = sp.limit(hi * xp - f, xp, sp.oo)
        if at_hi.is_finite:
            pieces.append((at_hi, sp.Eq(t, hi)))
        pieces.append((sp.oo, True))
    if len(pieces) == 1:
        return pieces[0][0]
    return sp.Piecewise(*pieces)


_TIGHT_XS = tuple(sp.Rational(n, d) for n, d in ((1, 100), (1, 10), (1, 2), (1, 1), (2, 1), (10, 1), (100, 1)))


def _check_tight(inner, f, fp, xp, t) -> None:
    """The derived closed form must give ``f*(f'(x)) = x f'(x) - f(x)`` at a few exact x (30 digits);
    otherwise sympy's solution was not the right branch everywhere: say so rather than return it."""
    for xv in _TIGHT_XS:
        tv = fp.subs(xp, xv)
        want = _num(tv * xv - f.subs(xp, xv))
        try:
            got = _num(inner.subs(t, tv))
        except (TypeError, ValueError, ZeroDivisionError):
            got = math.nan
        if not abs(got - want) <= 1e-20 * (1 + abs(want)):
            raise ConjugateNotFound(f"sympy's solution of f'(x) = t does not give f*(f'(x)) = x f'(x) - f(x) at "
                                    f"x = {xv} ({got!r} != {want!r}); use fdiv.from_callable(...).conjugate for numbers")


def _valid_solution(sol, fp, xp, t, lo, hi) -> bool:
    for tv in _interior_samples(lo, hi):
        try:
            xv = _num(sol.subs(t, tv))
            if not (math.isfinite(xv) and xv > 0):
                return False
            back = _num(fp.subs(xp, sol.subs(t, tv)))
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if not abs(back - _num(tv)) <= 1e-12 * (1 + abs(_num(tv))):
            return False
    return True


@dataclass(frozen=True)
class ConjugateCheck:
    """The verdict of :func:`verify_conjugate` (truthy iff ``ok``).

    Attributes
    ----------
    ok : bool
        The claimed ``f*`` matches the numerical conjugate on the grid, satisfies Fenchel-Young
        there, and (when sympy decides it) the tightness identity.
    symbolic : bool or None
        ``True``: ``f*(f'(x)) - (x f'(x) - f(x))`` simplifies to 0 (tight on the range of f');
        ``False``: it simplifies to a nonzero expression; ``None``: sympy could not decide.
    max_rel_error : float
        ``max |claimed - numeric| / (1 + |numeric|)`` over the t grid (infinities compared exactly).
    worst_t : float
        Where that maximum is.
    fenchel_young_gap : float
        ``min_{t, x} f*(t) - (t x - f(x))`` on the grid (should be >= 0 up to rounding).
    grid : str
        The grid used (see ``VERIFY_X_GRID``).
    message : str
        One line: why it failed, or how it was verified.
    """

    ok: bool
    symbolic: bool | None
    max_rel_error: float
    worst_t: float
    fenchel_young_gap: float
    grid: str
    message: str

    def __bool__(self) -> bool:
        return self.ok


def verify_conjugate(f_expr, fstar_expr, x, t) -> ConjugateCheck:
    """Check that ``fstar_expr`` (in ``t``) is the convex conjugate of ``f_expr`` (in ``x``).

    Symbolically where sympy can: the tightness identity ``f*(f'(x)) = x f'(x) - f(x)`` on
    ``x > 0`` (for convex f this pins f* on the range of f'). Numerically always, against
    ``fdiv.from_callable(f).conjugate`` at the points of ``VERIFY_X_GRID`` (values to
    ``VERIFY_REL_TOL``, infinities exactly) and Fenchel-Young ``f*(t) >= t x - f(x)`` on all grid
    pairs. Returns a :class:`ConjugateCheck`, truthy iff every part passes.

    Examples
    --------
    >>> import sympy as sp
    >>> from proofs_check.symbolic import verify_conjugate
    >>> x, t = sp.Symbol("x", positive=True), sp.Symbol("t", real=True)
    >>> bool(verify_conjugate(x * sp.log(x), sp.exp(t - 1), x, t))
    True
    >>> bad = verify_conjugate(x * sp.log(x), sp.exp(t), x, t)     # wrong by a factor e
    >>> bool(bad), bad.symbolic
    (False, False)
    """
    import fdiv

    f, xp = _prepare(f_expr, x)
    if not isinstance(t, sp.Symbol):
        raise ValueError(f"`t` must be a sympy Symbol; got {t!r}")
    try:
        fstar = sp.sympify(fstar_expr)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"`fstar_expr` must be a sympy expression; got {fstar_expr!r} ({exc})") from None
    # conjugate() writes f* in Symbol("t", real=True); a `t` of the same name with other
    # assumptions is the same variable to the caller (sympy tells them apart)
    namesakes = {s for s in fstar.free_symbols - {t} if isinstance(s, sp.Symbol) and s.name == t.name}
    if namesakes:
        fstar = fstar.subs({s: t for s in namesakes})
    if fstar.free_symbols - {t}:
        raise ValueError(f"`fstar_expr` must depend on `t` only; got {fstar} with free symbols "
                         f"{sorted(map(str, fstar.free_symbols - {t}))}")
    fp = sp.diff(f, xp)
    symbolic = _tightness(f, fp, fstar, xp, t)

    f_num = sp.lambdify(xp, f, "numpy")
    fp_num = sp.lambdify(xp, fp, "numpy")
    grid = "t = f'(x) at x = 10^-3..10^3 (25 log-spaced), f'(0+) - 1, f'(0+) - 10, f'(inf), f'(inf) + 1/2"
    try:
        with np.errstate(all="ignore"):
            F = fdiv.from_callable(
                lambda v: np.asarray(f_num(np.asarray(v, dtype=np.float64)), dtype=np.float64) + 0 * v,
                name="verify_conjugate.f",
                fprime=lambda v: np.asarray(fp_num(np.asarray(v, dtype=np.float64)), dtype=np.float64) + 0 * v)
    except ValueError as exc:
        how = "proved by sympy" if symbolic else "refuted by sympy" if symbolic is False else "not decided by sympy"
        return ConjugateCheck(False, symbolic, math.nan, math.nan, math.nan, grid,
                              f"tightness {how}; no numerical check: fdiv.from_callable refuses f ({exc})"
                              + ("; the domain ends and Fenchel-Young are unchecked" if symbolic else ""))
    xs = np.array(VERIFY_X_GRID)
    lo_s, hi_s = sp.limit(fp, xp, 0, "+"), sp.limit(fp, xp, sp.oo)
    lo_fp, hi = _num(lo_s), _num(hi_s)
    with np.errstate(all="ignore"):
        ts = list(np.asarray(fp_num(xs), dtype=np.float64) + 0 * xs)
    if math.isfinite(lo_fp):
        ts += [lo_fp - 1.0, lo_fp - 10.0]
    ts = np.array([v for v in ts if math.isfinite(v) and (not math.isfinite(hi) or v < hi)])
    claimed = np.array([_eval_at(fstar, t, v) for v in ts])
    numeric = np.asarray(F.conjugate(ts), dtype=np.float64)
    if math.isfinite(hi):  # the end of the domain: sympy's limit is the reference (numerical limits are slow)
        at_hi = sp.limit(hi_s * xp - f, xp, sp.oo)
        ts = np.append(ts, [hi, hi + 0.5])
        claimed = np.append(claimed, [_num(fstar.subs(t, hi_s)), _eval_at(fstar, t, hi + 0.5)])
        numeric = np.append(numeric, [_num(at_hi), math.inf])
    err = np.zeros_like(ts)
    for k, (a, b) in enumerate(zip(claimed, numeric)):
        if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
            err[k] = 0.0 if a == b else math.inf
        else:
            err[k] = abs(a - b) / (1.0 + abs(b))
    k = int(np.argmax(err))
    fy = math.inf
    fx = np.asarray(f_num(xs), dtype=np.float64) + 0 * xs
    for tv, cv in zip(ts, claimed):
        if math.isfinite(cv):
            gap = cv - (tv * xs - fx)
            tol = VERIFY_REL_TOL * (1.0 + np.abs(tv * xs) + np.abs(fx))
            fy = min(fy, float(np.min(gap + tol)))
    values_ok = bool(err[k] <= VERIFY_REL_TOL)
    fy_ok = fy >= 0
    ok = values_ok and fy_ok and symbolic is not False
    grid += f" ({len(ts)} points)"
    if ok:
        msg = ("tightness f*(f'(x)) = x f'(x) - f(x) proved by sympy; " if symbolic else
               "tightness not decided by sympy; ") + f"matches fdiv.from_callable to {err[k]:.1e} on {grid}"
    elif symbolic is False:
        msg = "sympy: f*(f'(x)) - (x f'(x) - f(x)) does not simplify to 0"
    elif not values_ok:
        msg = (f"f*({ts[k]:.6g}) = {claimed[k]:.12g} but the numerical conjugate (fdiv.from_callable) is "
               f"{numeric[k]:.12g} (relative error {err[k]:.2e} > {VERIFY_REL_TOL:g})")
    else:
        msg = f"Fenchel-Young f*(t) >= t x - f(x) fails on the grid (gap {fy:.3g})"
    return ConjugateCheck(ok, symbolic, float(err[k]), float(ts[k]), float(fy), grid, msg)


def _eval_at(expr, t, v: float) -> float:
    try:
        return _num(expr.subs(t, sp.Float(v, 30)))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan


def _tightness(f, fp, fstar, xp, t) -> bool | None:
    """True / False when sympy decides ``f*(f'(x)) == x f'(x) - f(x)`` for x > 0, None otherwise."""
    try:
        expr = fstar.subs(t, fp)
        if isinstance(expr, sp.Piecewise) or expr.has(sp.Piecewise):
            expr = sp.piecewise_fold(expr)
        diff = _simplify(expr - (xp * fp - f))
    except Exception:  # noqa: BLE001 - sympy gave up: the numerical check decides
        return None
    if diff == 0:
        return True
    if diff.has(sp.Piecewise) or diff.has(sp.LambertW):
        return None
    # a nonzero residual that is numerically nonzero at a few points is a refutation
    try:
        vals = [_num(diff.subs(xp, v)) for v in (sp.Rational(1, 3), sp.Integer(2), sp.Integer(7))]
    except Exception:  # noqa: BLE001
        return None
    if any(math.isfinite(v) and abs(v) > 1e-20 for v in vals):
        return False
    return None
