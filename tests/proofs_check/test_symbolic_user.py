"""proofs_check.symbolic for generators outside the registry: conjugate against an independent
numerical conjugate (scipy.optimize), verify_conjugate accepting right and rejecting wrong f*, and
the dual, normalised form and limits against hand derivations."""
import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from proofs_check import symbolic

x = sp.Symbol("x", positive=True)
t = sp.Symbol("t", real=True)
W = sp.LambertW(sp.exp(1 + t))

# (f, t grid inside and around the domain): none of these is a registry generator
HELD_OUT = {
    "xlogx+quad": (x * sp.log(x) - x + 1 + (x - 1) ** 2 / 2, np.linspace(-3.0, 5.0, 17)),
    # (t = 1/2, the end of the domain, is checked exactly below: t x - f(x) cancels catastrophically there)
    "cosh(log x)-1": (sp.cosh(sp.log(x)) - 1, np.concatenate([np.linspace(-6.0, 0.45, 14), [0.7]])),
    "x^3": (x ** 3, np.linspace(-2.0, 10.0, 13)),
    "x^2-log x": (x ** 2 - sp.log(x), np.linspace(-5.0, 5.0, 11)),
    "x^4/4+x^2/2": (x ** 4 / 4 + x ** 2 / 2, np.linspace(-3.0, 30.0, 12)),  # f' = t is a cubic (Cardano)
    "1/x": (1 / x, np.concatenate([np.linspace(-4.0, -0.05, 12), [0.0, 0.3]])),
}


def numeric_conjugate(f, tv: float) -> float:
    """sup_{x>0} t x - f(x) by a grid over u = log x in [-40, 40] then bounded Brent around the best
    grid point (scipy); +inf when t x - f(x) still grows at the upper end of the grid."""
    fn = sp.lambdify(x, f, "numpy")

    def g(u):
        xv = np.exp(u)
        with np.errstate(all="ignore"):
            return tv * xv - fn(xv)

    us = np.linspace(-40.0, 40.0, 16001)
    vals = g(us)
    vals = np.where(np.isnan(vals), -np.inf, vals)
    k = int(np.argmax(vals))
    if k >= len(us) - 2 and vals[-1] > vals[-200] + 1.0:
        return math.inf
    lo, hi = us[max(k - 1, 0)], us[min(k + 1, len(us) - 1)]
    res = minimize_scalar(lambda u: -g(u), bounds=(lo, hi), method="bounded", options={"xatol": 1e-13})
    return float(max(-res.fun, vals[k]))


def symbolic_value(expr, tv: float) -> float:
    v = expr.subs(t, sp.Float(tv, 40))
    v = sp.N(v, 30)
    return math.inf if v == sp.oo else float(v)


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_conjugate_matches_an_independent_numerical_conjugate(name):
    f, grid = HELD_OUT[name]
    fstar = symbolic.conjugate(f, x, t)
    assert fstar.free_symbols == {t}
    for tv in grid:
        ref = numeric_conjugate(f, float(tv))
        got = symbolic_value(fstar, float(tv))
        if math.isinf(ref):
            assert got == math.inf, (name, tv, got)
        else:
            assert abs(got - ref) <= 1e-9 * max(1.0, abs(ref)), (name, tv, got, ref)


def test_conjugate_of_the_lambertw_generator_is_the_hand_derivation():
    f = HELD_OUT["xlogx+quad"][0]
    assert sp.simplify(symbolic.conjugate(f, x, t) - (W ** 2 / 2 + W - sp.Rational(3, 2))) == 0


def test_conjugate_piecewise_domain():
    """x^3: f'(0+) = 0, so f*(t) = -f(0+) = 0 for t <= 0; 1/x: f'(inf) = 0 with f*(0) = lim -1/x = 0."""
    c = symbolic.conjugate(sp.cosh(sp.log(x)) - 1, x, t)  # lim x/2 - (x + 1/x)/2 + 1 = 1
    assert c.subs(t, sp.Rational(1, 2)) == 1 and c.subs(t, 1) == sp.oo
    c = symbolic.conjugate(x ** 3, x, t)
    assert c.subs(t, -5) == 0 and c.subs(t, 3) == 2
    c = symbolic.conjugate(1 / x, x, t)
    assert c.subs(t, 0) == 0 and c.subs(t, 1) == sp.oo and sp.simplify(c.subs(t, -4) + 4) == 0


def test_conjugate_says_when_it_cannot():
    with pytest.raises(symbolic.ConjugateNotFound, match="cannot solve|no valid solution"):
        symbolic.conjugate(x * sp.log(x) + sp.exp(-x), x, t)  # f' = log x + 1 - e^-x = t: no closed form
    with pytest.raises(symbolic.ConjugateNotFound, match="kinks"):
        symbolic.conjugate(sp.Abs(x - 1), x, t)
    with pytest.raises(ValueError, match="not convex"):
        symbolic.conjugate(sp.log(x), x, t)
    with pytest.raises(ValueError, match="`f_expr` must depend on `x` only"):
        symbolic.conjugate(x * t, x, t)
    with pytest.raises(ValueError, match="`x` must be a sympy Symbol"):
        symbolic.conjugate(x ** 2, "x")


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_verify_conjugate_accepts_the_derived_conjugate(name):
    f = HELD_OUT[name][0]
    res = symbolic.verify_conjugate(f, symbolic.conjugate(f, x, t), x, t)
    assert res and res.ok and res.max_rel_error <= symbolic.VERIFY_REL_TOL and res.fenchel_young_gap >= 0, res


def test_verify_conjugate_accepts_the_hand_derivation_and_rejects_wrong_ones():
    f = HELD_OUT["xlogx+quad"][0]
    right = W ** 2 / 2 + W - sp.Rational(3, 2)
    res = symbolic.verify_conjugate(f, right, x, t)
    assert res.ok and res.symbolic is True
    for wrong in (right + sp.Rational(1, 10 ** 6), W ** 2 / 2 + W - 1, W ** 2 + W - sp.Rational(3, 2),
                  sp.exp(t - 1)):
        res = symbolic.verify_conjugate(f, wrong, x, t)
        assert not res and res.message, wrong
    # x^3 without its t <= 0 piece: wrong on half the line
    assert not symbolic.verify_conjugate(x ** 3, 2 * (t / 3) ** sp.Rational(3, 2), x, t)
    # 1/x: the conjugate of another generator with the same domain
    assert not symbolic.verify_conjugate(1 / x, sp.Piecewise((-sp.log(-t) - 1, t < 0), (sp.oo, True)), x, t)
    # a claimed f* that is too small violates Fenchel-Young; one that is too large is not tight
    c = symbolic.conjugate(x ** 2 - sp.log(x), x, t)
    assert not symbolic.verify_conjugate(x ** 2 - sp.log(x), c - sp.Rational(1, 1000), x, t)
    assert not symbolic.verify_conjugate(x ** 2 - sp.log(x), c + sp.Rational(1, 1000), x, t)


def test_dual_normalized_and_limits_by_hand():
    f = sp.cosh(sp.log(x)) - 1  # (x + 1/x)/2 - 1 = (x - 1)^2 / (2x); f'(1) = 0
    assert sp.simplify((symbolic.dual(f, x) - (x - 1) ** 2 / 2).rewrite(sp.exp)) == 0
    assert sp.simplify(symbolic.normalized(f, x) - f) == 0
    assert symbolic.f_zero(f, x) == sp.oo and symbolic.slope_inf(f, x) == sp.Rational(1, 2)
    g = x ** 3
    assert sp.simplify(symbolic.dual(g, x) - x ** -2) == 0
    assert sp.simplify(symbolic.normalized(g, x) - (x ** 3 - 3 * (x - 1))) == 0
    assert symbolic.f_zero(g, x) == 0 and symbolic.slope_inf(g, x) == sp.oo
    h = HELD_OUT["xlogx+quad"][0]  # f'(1) = 0: already normalised; f(0+) = 1 + 1/2
    assert sp.simplify(symbolic.normalized(h, x) - h) == 0
    assert symbolic.f_zero(h, x) == sp.Rational(3, 2)


@pytest.mark.parametrize("f", ["(x - 1)**2 / (x + 1)", "x*log(x)", "(sqrt(x) - 1)**2", "-log(x)"])
def test_conjugate_feeds_verify_conjugate_with_a_plain_t(f):
    # conjugate() writes f* in Symbol("t", real=True); a researcher's t = sympy.symbols("t")
    # is another sympy symbol of the same name. Before, verify_conjugate refused the chain:
    # "`fstar_expr` must depend on `t` only; got ... with free symbols ['t']".
    x, t = sp.symbols("x t")
    expr = sp.sympify(f, locals={"x": x})
    check = symbolic.verify_conjugate(expr, symbolic.conjugate(expr, x), x, t)
    assert check.ok and check.symbolic, check.message
    # a symbol of another name is still refused
    with pytest.raises(ValueError, match=r"must depend on `t` only; got .* with free symbols \['s'\]"):
        renamed = symbolic.conjugate(expr, x).subs(sp.Symbol("t", real=True), sp.Symbol("s"))
        symbolic.verify_conjugate(expr, renamed, x, t)
