"""Symbolic derivations with sympy, each a report row (kind "symbolic").

- ``S6-sym-<name>`` for every registry generator: convexity, ``f*(f'(x)) = x f'(x) - f(x)`` for
  the closed-form conjugate, ``dom f* = [f'(0+), f'(inf)]``, ``f*`` below and at the ends of the
  domain, and fdiv's ``conjugate``/``conjugate_domain``/``f_zero``/``slope_inf``/``f``/``f_prime``
  against the derivation;
- ``S2-sym``: ``f° = x f(1/x)`` derived, ``f°° = f``, fdiv.dual against it; ``S3-sym``: which
  generators are self-dual; ``S5-sym``: ``f0`` and its monotonicity, fdiv.normalized against it;
- ``S7-sym``, ``S8-sym``, ``S9-sym``: the GAN derivations (bound g_f < log 2, optimal D* and the
  value ``D_js - log 4 = 2 JSD - log 4`` with the slides' factor 2, the log trick).

When sympy does not reduce an identity to 0, it is evaluated with mpmath at 60 digits on many
points and reported with ``method = "mpmath"`` (a numerical, not a symbolic, proof).

For a user's generator (any sympy expression ``f`` in ``x``): :func:`conjugate` derives ``f*``
(piecewise over its domain; :class:`ConjugateNotFound` when sympy cannot), :func:`verify_conjugate`
checks a claimed ``f*`` (symbolically where sympy can, numerically against ``fdiv.from_callable``
on a stated grid), and :func:`dual`, :func:`normalized`, :func:`f_zero`, :func:`slope_inf` give
``f°``, ``f0``, ``f(0+)`` and ``f'(inf)``.

Examples
--------
>>> import sympy as sp
>>> from proofs_check import symbolic
>>> x, t = sp.Symbol("x", positive=True), sp.Symbol("t", real=True)
>>> f = x * sp.log(x) - x + 1 + (x - 1) ** 2 / 2
>>> fstar = symbolic.conjugate(f, x, t)
>>> fstar
LambertW(exp(t + 1))**2/2 + LambertW(exp(t + 1)) - 3/2
>>> bool(symbolic.verify_conjugate(f, fstar, x, t)), bool(symbolic.verify_conjugate(f, fstar + 1, x, t))
(True, False)
"""
from __future__ import annotations

import functools
import math

import mpmath as mp
import numpy as np
import sympy as sp

from proofs_check._conjugate import (VERIFY_REL_TOL, VERIFY_X_GRID, ConjugateCheck, ConjugateNotFound, conjugate,
                                     dual, f_zero, normalized, slope_inf, verify_conjugate)
from proofs_check._core import Derivation, check, eq, truth
from proofs_check._sym_table import GENERATORS, Generator, t, x
from proofs_check.tolerances import LIB_REL_TOL, SYMBOLIC_NUMERIC_TOL

__all__ = ["GENERATORS", "is_zero", "is_positive", "derive", "ROWS", "conjugate", "verify_conjugate",
           "ConjugateCheck", "ConjugateNotFound", "dual", "normalized", "f_zero", "slope_inf", "VERIFY_REL_TOL",
           "VERIFY_X_GRID"]

_SAMPLES = (sp.Rational(1, 1000), sp.Rational(1, 7), sp.Rational(1, 2), sp.Rational(9, 10),
            sp.Rational(11, 10), 2, sp.Rational(31, 7), 50, 1000)
XS = np.logspace(-3, 3, 9)  # where fdiv is compared with the derivation


def _denest(e: sp.Expr) -> sp.Expr:
    return e.replace(lambda a: a.is_Pow and a.exp == sp.Rational(1, 2), lambda a: sp.sqrt(sp.factor(a.base)))


def is_zero(expr: sp.Expr, *, samples=None) -> tuple[bool, str, float]:
    """``(holds, method, residual)`` for ``expr == 0``: sympy first (simplify, log expansion,
    square-root denesting), then mpmath at 60 digits on ``samples`` (dicts symbol -> value;
    default: every free symbol at the positive sample points)."""
    for step in (lambda e: sp.simplify(e), lambda e: sp.simplify(sp.expand_log(e, force=True)),
                 lambda e: sp.simplify(sp.expand_log(sp.simplify(_denest(e)), force=True))):
        try:
            if step(expr) == 0:
                return True, "sympy", 0.0
        except Exception:  # noqa: BLE001 - sympy may give up; the numerical check follows
            pass
    syms = sorted(expr.free_symbols, key=str)
    samples = samples or [{s: v for s in syms} for v in _SAMPLES]
    with mp.workdps(60):
        res = max(abs(complex(sp.N(expr.subs(pt), 60))) for pt in samples)
    return res < SYMBOLIC_NUMERIC_TOL, "mpmath", float(res)


def is_positive(expr: sp.Expr, var: sp.Symbol, lo, hi) -> tuple[bool, str]:
    """``expr > 0`` on ``(lo, hi)``: sympy's assumptions after simplification, else sampled at
    200 points (reported as "sampled", which is evidence, not proof)."""
    e = sp.factor(sp.simplify(expr))
    if lo == 0 and hi == sp.oo and e.is_positive:
        return True, "sympy"
    y = sp.Symbol("y", positive=True)  # map (lo, hi) onto (0, inf)
    sub = lo + y if hi == sp.oo else lo + (hi - lo) * y / (1 + y)
    if sp.simplify(e.subs(var, sub)).is_positive:
        return True, "sympy"
    f = sp.lambdify(var, e, "mpmath")
    pts = [lo + (hi - lo) * (k + 0.5) / 200 for k in range(200)] if hi != sp.oo else \
        [float(lo) + 10.0 ** k for k in np.linspace(-6, 6, 200)]
    return all(f(mp.mpf(float(p))) > 0 for p in pts), "sampled"


def _num(e) -> float:
    e = sp.sympify(e)
    if e in (sp.oo, -sp.oo):
        return math.inf if e == sp.oo else -math.inf
    return float(sp.N(e, 30))


@functools.lru_cache(maxsize=None)
def derive(name: str) -> dict:
    """Derivatives, limits and the domain of ``f*`` for one registry generator (cached); for a
    generator of your own (a sympy expression) use :func:`conjugate`, :func:`dual`,
    :func:`normalized`, :func:`f_zero` and :func:`slope_inf`."""
    if not isinstance(name, str) or name not in GENERATORS:
        raise ValueError(f"`name` must be a registry generator ({', '.join(GENERATORS)}); got {name!r}; for a "
                         "sympy expression use proofs_check.symbolic.conjugate(f_expr, x) and its siblings")
    g: Generator = GENERATORS[name]
    pieces = []
    for expr, lo, hi in g.pieces:
        fp = sp.diff(expr, x)
        pieces.append({"f": expr, "fp": fp, "fpp": sp.simplify(sp.diff(fp, x)), "lo": lo, "hi": hi})
    first, last = pieces[0], pieces[-1]
    lo = sp.limit(first["fp"], x, 0, "+")
    hi = sp.limit(last["fp"], x, sp.oo)
    out = {"pieces": pieces, "lo": lo, "hi": hi, "f_zero": sp.limit(first["f"], x, 0, "+"),
           "slope_inf": sp.limit(last["f"] / x, x, sp.oo),
           "f_one": g.f.subs(x, 1), "dual": sp.simplify(x * g.f.subs(x, 1 / x))}
    out["conj_hi"] = sp.limit(hi * x - last["f"], x, sp.oo) if hi.is_finite else None
    return out


def _fvals(fn, xs) -> np.ndarray:
    return np.asarray(fn(np.asarray(xs, dtype=np.float64)), dtype=np.float64)


def _lib_close(name: str, got, ref):
    """Part: fdiv's values ``got`` equal the derivation's ``ref`` to LIB_REL_TOL (relative to
    max(1, |ref|)); reported at the worst point."""
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    with np.errstate(invalid="ignore"):
        err = np.where(same, 0.0, np.abs(got - ref) / np.maximum(1.0, np.abs(ref)))
    k = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
    return eq(name, float(got[k]), float(ref[k]), LIB_REL_TOL * max(1.0, abs(float(ref[k]))) if np.isfinite(ref[k]) else 0.0)


def _mp_eval(expr, var, values) -> list[float]:
    fn = sp.lambdify(var, expr, "mpmath")
    with mp.workdps(30):
        return [float(mp.re(fn(mp.mpf(float(v))))) for v in values]


def _conjugate_cases(name: str):
    import fdiv

    g, d, F = GENERATORS[name], derive(name), fdiv.get(name)
    for k, pc in enumerate(d["pieces"]):
        ok, how = is_positive(pc["fpp"], x, pc["lo"], pc["hi"]) if pc["fpp"] != 0 else (True, "f'' = 0")
        yield f"f'' > 0 on piece {k}", check(truth("f convex (f'' >= 0)", ok), method=how, fpp=str(pc["fpp"]))
        ident = g.conj.subs(t, pc["fp"]) - (x * pc["fp"] - pc["f"])
        if g.lambertw is not None:  # replace W(z) by its value after checking w e^w = z, w > 0
            for atom in ident.atoms(sp.LambertW):
                ok_w = is_zero(g.lambertw * sp.exp(g.lambertw) - atom.args[0])[0] and g.lambertw.is_positive
                yield "LambertW value", check(truth("w e^w == z, w > 0", ok_w), w=str(g.lambertw))
                ident = ident.subs(atom, g.lambertw)
        ok, how, res = is_zero(ident)
        yield f"f*(f'(x)) == x f'(x) - f(x) on piece {k}", check(
            truth("identity reduces to 0", ok, res, 0.0), method=how, conj=str(g.conj), fp=str(pc["fp"]))
    if len(d["pieces"]) > 1:  # f' jumps up at the kinks (convex across pieces)
        jumps = [_num(b["fp"].subs(x, b["lo"]) - a["fp"].subs(x, a["hi"])) for a, b in zip(d["pieces"], d["pieces"][1:])]
        yield "f' nondecreasing across kinks", check(truth("jumps >= 0", min(jumps) >= 0, min(jumps), 0.0))
    lo, hi = _num(d["lo"]), _num(d["hi"])
    f0, s_inf = _num(d["f_zero"]), _num(d["slope_inf"])
    dom = tuple(float(v) for v in F.conjugate_domain)
    yield "dom f* = (-inf, f'(inf)]", check(
        truth("f(0+) < inf or f'(0+) = -inf (so f* < inf on (-inf, f'(inf)))", math.isfinite(f0) or lo == -math.inf),
        eq("fdiv lo == -inf", dom[0], -math.inf), eq("fdiv hi == f'(inf)", dom[1], hi),
        truth("f'(inf) == lim f(x)/x", d["hi"] == d["slope_inf"]), range_f_prime=f"({d['lo']}, {d['hi']})")
    yield "f(0+), f'(inf)", check(_lib_close("fdiv f_zero == lim f(x), x->0+", [float(F.f_zero)], [f0]),
                                  _lib_close("fdiv slope_inf == lim f(x)/x", [float(F.slope_inf)], [s_inf]))
    if math.isfinite(lo):
        got = _fvals(F.conjugate, [lo - 1.0, lo - 10.0])
        yield "f*(t) = -f(0+) below f'(0+)", check(_lib_close("fdiv f*(t) == -f(0+) for t < f'(0+)", got, [-f0, -f0]))
    if math.isfinite(hi):
        if sp.Rational(hi) == d["hi"]:  # the end point is a float: compare with the limit there
            ref, label = _num(d["conj_hi"]), "fdiv f*(f'(inf)) == lim (f'(inf) x - f(x))"
        else:  # float(hi) is inside (or beyond) the domain: compare with the closed form there
            ref = _mp_eval(g.conj, t, [hi])[0] if sp.Rational(hi) < d["hi"] else math.inf
            label = "fdiv f*(float(f'(inf))) == closed form there"
        yield "f* at the right end", check(_lib_close(label, _fvals(F.conjugate, [hi]), [ref]),
                                           value_at_end=str(d["conj_hi"]))
        yield "f* = +inf beyond dom", check(_lib_close("fdiv f*(hi + 1) == inf", _fvals(F.conjugate, [hi + 1.0]), [math.inf]))
    last = d["pieces"][-1] if len(d["pieces"]) == 1 else None
    ts = _fvals(F.f_prime, XS) if last is not None else np.array([-1.0, 1.0])
    ref = _mp_eval(g.conj, t, ts)
    yield "fdiv conjugate == closed form (interior)", check(_lib_close("max rel err f*(f'(x))", _fvals(F.conjugate, ts), ref))
    yield "fdiv f, f' == sympy", check(
        _lib_close("max rel err f", _fvals(F.f, XS), _mp_eval(g.f, x, XS)),
        _lib_close("max rel err f'", _fvals(F.f_prime, XS[XS != 1]),
                   [_mp_eval(next(p["fp"] for p in d["pieces"] if p["lo"] <= v < p["hi"]), x, [v])[0] for v in XS[XS != 1]]))


def _conjugate_row(name: str) -> Derivation:
    return Derivation(
        f"S6-sym-{name}", f"{name}: f convex, f*(f'(x)) = x f'(x) - f(x), dom f* = (-inf, f'(inf)], "
        "fdiv's f*, f(0+), f'(inf) match", "slides: f-GAN section ('f*(x) := sup_u xu - f(u)'); docs/theory.md §0",
        "closed-form conjugate from proofs_check/_sym_table.py; x > 0",
        functools.partial(lambda n: list(_conjugate_cases(n)), name))


def _dual_cases():
    import fdiv

    for name, g in GENERATORS.items():
        d = derive(name)
        ok, how, res = is_zero(x * d["dual"].subs(x, 1 / x) - g.f)
        lib = _lib_close("fdiv.dual(f).f == x f(1/x)", _fvals(fdiv.dual(fdiv.get(name)).f, XS), _mp_eval(d["dual"], x, XS))
        yield name, check(truth("f°° == f", ok, res, 0.0), lib, dual=str(d["dual"]), method=how)


def _self_dual_cases():
    import fdiv

    from proofs_check.strategies import is_self_dual

    for name, g in GENERATORS.items():
        ok = is_zero(derive(name)["dual"] - g.f)[0]
        num = is_self_dual(fdiv.get(name))
        yield name, check(truth("sympy f° == f agrees with the numerical test used by S3", ok == num),
                          self_dual=ok)


def _normalized_cases():
    import fdiv

    for name, g in GENERATORS.items():
        d = derive(name)
        if d["f_one"] != 0:
            continue  # S5 assumes f(1) = 0 (gan, log_trick: f0(1) = f(1) != 0)
        s1 = g.subgradient_1 if g.subgradient_1 is not None else d["pieces"][0]["fp"].subs(x, 1)
        f0 = g.f - s1 * (x - 1)
        left = _num(d["pieces"][0]["fp"].subs(x, 1) - s1) if len(d["pieces"]) > 1 else 0.0
        right = _num(d["pieces"][-1]["fp"].subs(x, 1) - s1) if len(d["pieces"]) > 1 else 0.0
        convex = all((p["fpp"] == 0) or is_positive(p["fpp"], x, p["lo"], p["hi"])[0] for p in d["pieces"])
        lib = _lib_close("fdiv.normalized(f).f == f - f'(1)(x-1)", _fvals(fdiv.normalized(fdiv.get(name)).f, XS),
                         _mp_eval(f0, x, XS))
        yield name, check(truth("f0(1) == 0", sp.simplify(f0.subs(x, 1)) == 0),
                          truth("f0'(1-) <= 0 <= f0'(1+)", left <= 0 <= right, left, right),
                          truth("f convex => f0' nondecreasing => f0 >= 0, min at 1", convex), lib,
                          f0=str(sp.simplify(f0)))


def _s7_cases():
    v = sp.Symbol("v", real=True)
    g = sp.log(2) - sp.log(1 + sp.exp(-v))
    sigma = 1 / (1 + sp.exp(-v))
    conj = GENERATORS["js"].conj.subs(t, g)
    yield "log 2 - g_f(v) = log(1 + e^-v) > 0", check(truth("positive", (sp.log(2) - g).is_positive is True))
    pts = [{v: k} for k in (-30, -3, -sp.Rational(1, 3), 0, sp.Rational(1, 2), 4, 25)]
    for label, e in (("g_f(v) == log 2 + log sigma(v)", g - sp.log(2) - sp.log(sigma)),
                     ("-f*(g_f(v)) == log 2 + log(1 - sigma(v))", -conj - sp.log(2) - sp.log(1 - sigma))):
        ok, how, res = is_zero(e, samples=pts)
        yield label, check(truth("reduces to 0", ok, res, 0.0), method=how)


def _s8_cases():
    a, b, dd = sp.symbols("a b D", positive=True)
    phi = a * sp.log(dd) + b * sp.log(1 - dd)
    sols = sp.solve(sp.diff(phi, dd), dd)
    yield "argmax of a log D + b log(1-D)", check(truth("unique stationary point D* = a/(a+b)",
                                                        len(sols) == 1 and sp.simplify(sols[0] - a / (a + b)) == 0),
                                                  solutions=[str(s) for s in sols])
    y = sp.Symbol("y", positive=True)  # D = y/(1+y) ranges over (0, 1)
    second = sp.simplify(sp.diff(phi, dd, 2).subs(dd, y / (1 + y)))
    yield "concave in D", check(truth("phi'' < 0 on (0, 1)", second.is_negative is True), phi2=str(second))
    v_star = phi.subs(dd, a / (a + b))
    js_term = a * GENERATORS["js"].f.subs(x, b / a)  # p f_js(q/p), the registry js (no 1/2)
    jsd_term = (a * sp.log(2 * a / (a + b)) + b * sp.log(2 * b / (a + b))) / 2  # with 1/2
    pts = [{a: p, b: q} for p, q in ((1, 2), (sp.Rational(1, 3), 5), (7, sp.Rational(1, 9)), (2, 2))]
    for label, e in (("V(D*) == p f_js(q/p) - (p+q) log 2  [sum: D_js - log 4]", v_star - (js_term - (a + b) * sp.log(2))),
                     ("V(D*) == 2 JSD - (p+q) log 2  [sum: 2 JSD - log 4]", v_star - (2 * jsd_term - (a + b) * sp.log(2)))):
        ok, how, res = is_zero(e, samples=pts)
        yield label, check(truth("reduces to 0", ok, res, 0.0), method=how)
    gap = sp.simplify((2 * js_term - (a + b) * sp.log(2)) - v_star - js_term)
    ok = is_zero(gap, samples=pts)[0]
    yield "slides' 2 JS - log 4 (JS without 1/2) overshoots V(D*) by exactly D_js", check(
        truth("(2 js - log 4) - V(D*) == js, > 0 unless p = q", ok), note="the slides' factor-2 mismatch")


def _s9_cases():
    f = GENERATORS["log_trick"].f
    ok, how = is_positive(sp.diff(f, x, 2), x, 0, sp.oo)
    yield "f(x) = log(1 + 1/x) convex", check(truth("f'' > 0", ok), method=how, fpp=str(sp.factor(sp.diff(f, x, 2))))
    yield "f(1) = log 2", check(truth("f(1) == log 2", sp.simplify(f.subs(x, 1) - sp.log(2)) == 0))
    pg, pd = sp.symbols("p_g p_d", positive=True)
    ok, how, res = is_zero(pg * f.subs(x, pd / pg) + pg * sp.log(pd / (pd + pg)))
    yield "p_g f(p_d/p_g) == -p_g log D*, D* = p_d/(p_d+p_g)", check(truth("reduces to 0", ok, res, 0.0), method=how)
    T = sp.Symbol("T", real=True)
    u = sp.exp(T) / (2 - sp.exp(T))  # (f_js')^{-1}(T)
    inv_ok = is_zero(sp.diff(GENERATORS["js"].f, x).subs(x, u) - T, samples=[{T: k} for k in (-5, -1, 0, sp.Rational(1, 2))])[0]
    ok, how, res = is_zero(f.subs(x, u) - (sp.log(2) - T), samples=[{T: k} for k in (-5, -1, 0, sp.Rational(1, 2))])
    yield "slides' route: f((f_js')^-1(T)) == log 2 - T = -log D", check(truth("(f_js')^-1 correct", inv_ok),
                                                                        truth("reduces to 0", ok, res, 0.0), method=how)


ROWS = [
    *[_conjugate_row(n) for n in GENERATORS],
    Derivation("S2-sym", "f° = x f(1/x) derived for every generator; f°° = f; fdiv.dual matches",
               "slides: 'Properties of f-divergence' item 2", "x > 0", lambda: list(_dual_cases())),
    Derivation("S3-sym", "self-dual generators (f° = f): js, tv, squared_hellinger, jeffreys, triangular, gan",
               "slides: 'Properties of f-divergence' item 3", "x > 0", lambda: list(_self_dual_cases())),
    Derivation("S5-sym", "f0 = f - f'(1)(x-1): f0(1) = 0, f0'(1) = 0 (tv: subgradient 0), convex => "
               "monotone on each side of 1 and >= 0; fdiv.normalized matches",
               "slides: 'Properties of f-divergence' item 5", "f(1) = 0 (gan, log_trick excluded)",
               lambda: list(_normalized_cases())),
    Derivation("S7-sym", "g_f(v) = log 2 - log(1+e^-v) < log 2; g_f = log 2 + log sigma, "
               "-f*(g_f) = log 2 + log(1 - sigma): f-GAN js objective = GAN objective + 2 log 2",
               "slides: f-GAN section, JS example", "v real", lambda: list(_s7_cases())),
    Derivation("S8-sym", "D* = p/(p+q) maximises p log D + q log(1-D); V(D*) = D_js - log 4 = 2 JSD - log 4; "
               "the slides' '2 JS' with their own JS (no 1/2) is off by a factor 2",
               "slides: f-GAN section, optimal D*", "p, q > 0 pointwise; sums of p and q equal 1",
               lambda: list(_s8_cases())),
    Derivation("S9-sym", "log trick: f = log(1+1/x) convex, f(1) = log 2, -E_Pg log D* = D_f(Pd||Pg) exactly "
               "(also via the slides' route f((f_js')^-1(T)))", "slides: 'the log trick'", "densities > 0",
               lambda: list(_s9_cases())),
]
