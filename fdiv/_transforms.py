r"""Transforms of a generator: dual f°(x) = x f(1/x), shift f + c(x-1), normalized f0.

- shift: (f + c(x-1))*(t) = f*(t - c) + c exactly; dom shifts by c; f(0) -> f(0) - c,
  f'(inf) -> f'(inf) + c; g_f -> g_f + c (so f*(g_f) -> f*(g_f) + c). S4: same D_f on
  normalised P, Q, so ``hilbertian`` is kept.
- normalized: the shift by c = -f'(1) (the subgradient ``f.f_one_prime``, 0 for tv); S5.
- dual: f°(0) = f'(inf) and f°'(inf) = f(0) swap; f°'(1) = f(1) - f'(1). Where f° is a
  registry generator (kl <-> reverse_kl, pearson_chi2 <-> neyman_chi2, the self-dual tv, js,
  squared_hellinger, jeffreys, triangular, gan; alpha(a) <-> alpha(1-a)) its exact formulas
  are used; otherwise f° and f°' are exact, f°* and the GAN helpers numerical.
  ``dual(dual(f)) is f``. D_{f°}(Q||P) = D_f(P||Q) (S2).
"""
from __future__ import annotations

import weakref

import numpy as np

from fdiv._callable_numeric import generic_activation, numeric_conjugate, value_at_right_end
from fdiv._fdivergence import FDivergence, Formulas, check_finite_real
from fdiv._generators_alpha import alpha
from fdiv._registry import DUAL_NAME, REGISTRY, is_registry_entry

__all__ = ["dual", "normalized", "shift", "shift_parts"]

#: id(shifted generator) -> (base, c); an entry leaves with its generator (weakref.finalize).
_SHIFTS: dict[int, tuple[FDivergence, float]] = {}


def shift_parts(g: FDivergence):
    """``(f, c)`` when ``g`` was made by :func:`shift` or :func:`normalized` as
    ``f + c (x - 1)``, else None. Then ``D_g(q‖p) = D_f(q‖p) + c (Σq − Σp)`` exactly (the
    singular parts included), which lets :func:`fdiv.divergence` use f's exact path."""
    return _SHIFTS.get(id(g))


def _check(f, name: str = "f") -> FDivergence:
    if not isinstance(f, FDivergence):
        raise ValueError(f"`{name}` must be an FDivergence (see fdiv.get); got {f!r:.80}")
    return f


def _shifted(f: FDivergence, c: float, name: str) -> FDivergence:
    F = f.formulas
    lo, hi = f.conjugate_domain
    g = FDivergence(
        name=name, formula=f"{f.formula} + ({c!r})(x - 1)",
        formulas=Formulas(
            f=lambda x: F.f(x) + c * (x - 1.0), f_prime=lambda x: F.f_prime(x) + c,
            conjugate=lambda t: F.conjugate(t - c) + c,
            activation=lambda v: F.activation(v) + c, activation_prime=F.activation_prime,
            conjugate_activation=lambda v: F.conjugate_activation(v) + c,
            conjugate_activation_prime=F.conjugate_activation_prime),
        conjugate_domain=(lo, hi + c), conjugate_domain_closed=f.conjugate_domain_closed,
        f_zero=f.f_zero - c, slope_inf=f.slope_inf + c, f_one_prime=f.f_one_prime + c,
        hilbertian=f.hilbertian)
    _SHIFTS[id(g)] = (f, c)
    weakref.finalize(g, _SHIFTS.pop, id(g), None)
    return g


def shift(f: FDivergence, c) -> FDivergence:
    """``f + c (x - 1)``: the same divergence on normalised measures (S4).

    Examples
    --------
    >>> import fdiv
    >>> g = fdiv.shift(fdiv.get("kl"), 0.5)
    >>> bool(g.conjugate(1.0) == fdiv.get("kl").conjugate(0.5) + 0.5)
    True
    """
    f = _check(f)
    c = check_finite_real(c, "c")
    return _shifted(f, c, f"shift({f.name}, {c!r})")


def normalized(f: FDivergence) -> FDivergence:
    """f0(x) = f(x) - f'(1)(x - 1): nonincreasing on (0, 1], nondecreasing on [1, inf) (S5).

    Examples
    --------
    >>> import fdiv
    >>> float(fdiv.normalized(fdiv.get("kl")).f(1.0))
    0.0
    """
    f = _check(f)
    return _shifted(f, -f.f_one_prime, f"normalized({f.name})")


def _exact_partner(f: FDivergence):
    if is_registry_entry(f) and f.name in DUAL_NAME:
        return REGISTRY[DUAL_NAME[f.name]]
    a = f.alpha_param
    if a is not None and alpha(a) is f:
        return alpha(1.0 - a)
    return None


def dual(f: FDivergence) -> FDivergence:
    """f°(x) = x f(1/x), so that D_{f°}(Q||P) = D_f(P||Q) (S2).

    Examples
    --------
    >>> import fdiv
    >>> d = fdiv.dual(fdiv.get("kl"))
    >>> d.name, float(d.f(2.0)) == float(-np.log(2.0))
    ('dual(kl)', True)
    >>> fdiv.dual(d) is fdiv.get("kl")
    True
    """
    f = _check(f)
    if f.dual_of is not None:
        return f.dual_of
    name = f"dual({f.name})"
    base = _exact_partner(f)
    if base is not None:
        return FDivergence(
            name=name, formula=base.formula, formulas=base.formulas,
            conjugate_domain=base.conjugate_domain,
            conjugate_domain_closed=base.conjugate_domain_closed, f_zero=base.f_zero,
            slope_inf=base.slope_inf, f_one_prime=base.f_one_prime, hilbertian=f.hilbertian,
            alpha_param=base.alpha_param, dual_of=f)
    return _numeric_dual(f, name)


def _numeric_dual(f: FDivergence, name: str) -> FDivergence:
    fz, sl = f.f_zero, f.slope_inf

    def fd(x):
        y = 1.0 / x
        return np.where(np.isinf(y), sl, x * f.f(y))

    def fdp(x):
        y = 1.0 / x
        return f.f(y) - y * f.f_prime(y)

    hi = fz
    conj = numeric_conjugate(fd, fdp, f_zero=sl, hi=hi, value_at_hi=value_at_right_end(fd, hi))
    act, act_p, _, cact_p = generic_activation(fd, fdp)
    return FDivergence(
        name=name, formula=f"x f(1/x), f = {f.formula}",
        formulas=Formulas(
            f=fd, f_prime=fdp, conjugate=conj,
            # g(v) = f°'(e^v) = f(y) - y f'(y) with y = e^{-v}; f°*(g(v)) = -f'(y) exactly.
            activation=act, activation_prime=act_p,
            conjugate_activation=lambda v: -f.f_prime(np.exp(-np.asarray(v, dtype=np.float64))),
            conjugate_activation_prime=cact_p),
        conjugate_domain=(-np.inf, hi), conjugate_domain_closed=bool(np.isfinite(conj(hi))),
        f_zero=sl, slope_inf=fz, f_one_prime=float(f.f(1.0) - f.f_prime(1.0)),
        hilbertian=f.hilbertian, dual_of=f)
