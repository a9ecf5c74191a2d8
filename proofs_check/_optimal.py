"""S12-S15: the optimal components R*_β and R†_β (slides: "Minimizing f-divergences with
mixtures", the two Theorems; paper Theorems 4 and 7)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol
from proofs_check._core import Part, Statement, check, eq, ge, le, truth
from proofs_check._tolerances import OPT_PERTURBATION, SOLVER_REL_TOL

SLIDES_RSTAR = "slides: Theorem (R*_beta, 'first surrogate'); paper Theorem 4"
SLIDES_RDAGGER = "slides: Theorem (R†_beta, 'second surrogate'); paper Theorem 7"


@dataclass(frozen=True, eq=False)
class Optimum:
    """``(P_d, P_g, β)``, two f's, and raw material for competitors: ``others`` (probability
    vectors) and ``dirs`` (directions for local moves of size OPT_PERTURBATION)."""

    p_data: np.ndarray
    p_model: np.ndarray
    beta: float
    fs: tuple
    others: tuple
    dirs: tuple


def _ratio_parts(res, p_data, p_model, beta, *, star: bool) -> list[Part]:
    """``r`` is a probability vector given by the closed form with the reported λ."""
    r, lam = np.asarray(res.r, dtype=np.float64), float(res.lam)
    n = r.size
    tol = SOLVER_REL_TOL * max(1, n)
    form = (lam * p_data - (1 - beta) * p_model) if star else (p_data - lam * (1 - beta) * p_model)
    form = np.maximum(form, 0.0) / beta
    return [ge("min r >= 0", float(r.min()), 0.0, 0.0),
            eq("sum r == 1", float(r.sum()), 1.0, tol),
            eq("max |r - closed form(λ)| == 0", float(np.abs(r - form).max()), 0.0, tol * max(1.0, lam)),
            eq("diagnostics: .active == #{r > 0}", float(res.active), float(np.count_nonzero(r))),
            le("diagnostics: .residual <= tol", float(res.residual), 0.0, tol)]


def _competitors(r, x: Optimum, feasible):
    """Global competitors (``others`` made feasible) and local ones ``(1-t) r + t c``."""
    out = [feasible(o) for o in x.others]
    for d in x.dirs:
        c = feasible(np.maximum(r + d, 0.0) if np.any(r + d > 0) else np.ones_like(r))
        out.append((1 - OPT_PERTURBATION) * r + OPT_PERTURBATION * c)
    return out


def _opt_parts(objective, r, comps, fs, label) -> list[Part]:
    parts = []
    for f in fs:
        best, tb = objective(f, r)
        for c in comps:
            val, tc = objective(f, c)
            parts.append(le(f"{label} [{f.name}]", best, val, tb + tc))
    return parts


@st.composite
def _optima(draw, *, dagger: bool = False):
    if dagger:
        inst = draw(pcs.dagger_instances())
        p_data, p_model, beta = inst.p_data, inst.p_model, inst.beta
    else:
        p_data, p_model = draw(pcs.distribution_pairs())
        beta = draw(pcs.betas())
    n = p_data.size
    fs = tuple(draw(st.lists(pcs.fdivergences(f1_zero=None), min_size=2, max_size=2)))
    others = tuple(draw(pcs.probability_vectors(n)) for _ in range(2))
    dirs = tuple(np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n))) for _ in range(2))
    return Optimum(p_data, p_model, float(beta), fs, others, dirs)


# --- S12 ------------------------------------------------------------------------------------

def _s12(x: Optimum):
    import fdiv

    res = fdiv.r_star(x.p_data, x.p_model, x.beta)
    r, lam = np.asarray(res.r, dtype=np.float64), float(res.lam)
    b = x.beta

    def objective(f, rr):
        mix = (1 - b) * x.p_model + b * rr
        return div(f, mix, x.p_data), div_tol(f, mix, x.p_data)

    comps = _competitors(r, x, lambda c: c / c.sum())
    return check(_ratio_parts(res, x.p_data, x.p_model, b, star=True),
                 le("λ* <= 1", lam, 1.0, SOLVER_REL_TOL), truth("λ* > 0", lam > 0, lam, 0.0),
                 _opt_parts(objective, r, comps, x.fs, "D_f((1-b)Pg+bR*||Pd) <= D_f((1-b)Pg+bR||Pd)"),
                 lam=lam, r=r, fs=[f.name for f in x.fs])


S12 = Statement(
    "S12", "R*_b = (λ* P_d - (1-b) P_g)_+ / b minimises D_f((1-b)P_g + bR || P_d) over all R, "
    "for every f; λ* <= 1",
    SLIDES_RSTAR, "P_d, P_g probability vectors (zeros allowed); b in [0.001, 1]; two f's per "
    "instance (any registry f or alpha(a)) and 6 competitors R (2 random, 2 local moves of size 1e-3)",
    st.deferred(_optima), _s12, notes="R* is computed once by fdiv.r_star (no f argument) and must "
    "beat the competitors for both f's: that is 'R* does not depend on f'")


# --- S13 ------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Lambda1:
    """``(P_d, P_g, β)`` for the λ* = 1 criterion."""

    p_data: np.ndarray
    p_model: np.ndarray
    beta: float


_MARGIN = 1e-3


@st.composite
def _lambda1_abs_cont(draw):
    """``P_g << P_d``; β on either side of ``b0 = 1 - 1/max(p_g/p_d)`` (the λ* = 1 threshold),
    kept a relative 1e-3 away from it."""
    p_model, p_data = draw(pcs.absolutely_continuous_pairs())
    pos = p_data > 0
    b0 = max(0.0, 1.0 - 1.0 / float(np.max(p_model[pos] / p_data[pos])))
    s = draw(st.floats(min_value=_MARGIN, max_value=1.0))
    if draw(st.booleans()) or b0 <= _MARGIN:
        beta = b0 + (1.0 - b0) * s  # (1-β) p_g <= p_d everywhere
    else:
        beta = b0 * min(max(1.0 - s, _MARGIN), 1.0 - _MARGIN)  # some (1-β) p_g > p_d
    return Lambda1(p_data, p_model, float(beta))


@st.composite
def _lambda1_outside(draw):
    """Where the two readings of S13 differ: ``(1-β) p_g <= p_d`` on supp P_d, but P_g puts mass
    ``eps`` on a point outside it (the last one)."""
    n = draw(pcs.sizes(2, pcs.MAX_SUPPORT))
    p_data = np.append(draw(pcs.probability_vectors(n - 1)), 0.0)
    u = np.append(draw(pcs.measures(n - 1)), 0.0)
    if not (p_data * u).sum() > 0:
        u = np.append(np.ones(n - 1), 0.0)
    eps = draw(st.floats(1e-3, 0.5))
    p_model = (1 - eps) * p_data * u / (p_data * u).sum() + eps * np.eye(n)[-1]
    pos = p_data > 0
    b0 = max(0.0, 1.0 - float(np.min(p_data[pos] / np.where(p_model[pos] > 0, p_model[pos], np.inf))))
    return Lambda1(p_data, p_model, float(b0 + (1 - b0) * draw(st.floats(_MARGIN, 1.0))))


@st.composite
def _lambda1_general(draw):
    """Any P_d, P_g, β; half the time from :func:`_lambda1_outside`."""
    if draw(st.booleans()):
        return draw(_lambda1_outside())
    p_data, p_model = draw(pcs.distribution_pairs())
    return Lambda1(p_data, p_model, float(draw(pcs.betas())))


def _lambda1_parts(x: Lambda1, excess: float, cond_name: str):
    """``λ* = 1 <=> excess == 0``, checked quantitatively: the mass equation has slope <= 1 in λ,
    so ``1 - λ* >= excess`` (hence λ* < 1 when excess > 0), and ``λ* = 1`` when excess == 0."""
    import fdiv

    lam = float(fdiv.r_star(x.p_data, x.p_model, x.beta).lam)
    tol = SOLVER_REL_TOL * x.p_data.size
    parts = [ge("1 - λ* >= excess", 1.0 - lam, excess, tol)]
    if excess == 0.0:
        parts.append(eq(f"λ* == 1 when {cond_name}", lam, 1.0, tol))
    else:
        parts.append(le(f"λ* < 1 when not {cond_name}", lam, 1.0 - excess, tol))
    return parts, lam


def _s13(x: Lambda1):
    viol = (1 - x.beta) * x.p_model > x.p_data
    slides_measure = float(x.p_data[viol].sum())  # P_d((1-b) dP_g > dP_d)
    excess = float(np.maximum((1 - x.beta) * x.p_model - x.p_data, 0.0)[x.p_data > 0].sum())
    parts, lam = _lambda1_parts(x, excess, "P_d((1-b)dP_g > dP_d) = 0")
    agree = truth("λ* == 1 <=> P_d((1-b)dP_g > dP_d) == 0", (slides_measure == 0.0) == (excess == 0.0))
    return check(parts, agree, lam=lam, slides_measure=slides_measure, excess=excess)


def _s13_slides(x: Lambda1):
    """The slides' criterion read literally: λ* = 1 iff the P_d-measure of the set is 0."""
    viol = (1 - x.beta) * x.p_model > x.p_data
    slides_measure = float(x.p_data[viol].sum())
    import fdiv

    lam = float(fdiv.r_star(x.p_data, x.p_model, x.beta).lam)
    tol = SOLVER_REL_TOL * x.p_data.size
    is_one = abs(lam - 1.0) <= tol
    return check(truth("λ* == 1 <=> P_d((1-b)dP_g > dP_d) == 0", is_one == (slides_measure == 0.0), lam,
                       slides_measure),
                 lam=lam, slides_measure=slides_measure,
                 p_model_outside_supp_p_data=float(x.p_model[x.p_data == 0].sum()))


def _s13_exact(x: Lambda1):
    excess = float(np.maximum((1 - x.beta) * x.p_model - x.p_data, 0.0).sum())  # includes p_d = 0
    parts, lam = _lambda1_parts(x, excess, "(1-b) p_g <= p_d everywhere")
    return check(parts, lam=lam, excess=excess)


S13 = Statement(
    "S13", "λ* = 1 <=> P_d((1-b) dP_g > dP_d) = 0, when P_g << P_d",
    SLIDES_RSTAR + " ('Also, λ* = 1 if and only if ...')",
    "P_g << P_d (P_g = P_d u / sum); b on both sides of the threshold 1 - 1/max(p_g/p_d), 1e-3 away",
    st.deferred(_lambda1_abs_cont), _s13,
    notes="checked quantitatively: 1 - λ* >= sum((1-b)p_g - p_d)_+ (slope of the mass equation <= 1)",
    loose="the slides state 'λ* = 1 iff P_d((1-b) dP_g > dP_d) = 0' without P_g << P_d; mass of P_g outside "
          "supp P_d is P_d-null but never removed, so λ* < 1 there (S13-not-abs-cont); the exact condition is "
          "(1-b) p_g <= p_d everywhere (S13-exact)")
S13_EXACT = Statement(
    "S13-exact", "λ* = 1 <=> (1-b) p_g <= p_d everywhere (the exact condition, no P_g << P_d)",
    SLIDES_RSTAR + "; THEORY.md S13 (exact general condition)",
    "P_d, P_g probability vectors (zeros allowed); half the instances put mass of P_g outside supp P_d "
    "with (1-b) p_g <= p_d on supp P_d",
    st.deferred(_lambda1_general), _s13_exact)
S13_NOT_ABS_CONT = Statement(
    "S13-not-abs-cont", "S13 as printed without P_g << P_d: mass of P_g outside supp P_d makes λ* < 1 "
    "although P_d((1-b)dP_g > dP_d) = 0",
    SLIDES_RSTAR, "P_d, P_g probability vectors (P_g << P_d dropped; as in S13-exact)",
    st.deferred(_lambda1_general), _s13_slides, expect="refuted")


# --- S14 ------------------------------------------------------------------------------------

def _feasible_dagger(p_data, beta):
    """Map a probability vector ``c`` to ``S = P_d w`` with ``0 <= w <= 1/b`` and ``sum S = 1``
    (so ``bS <= P_d``): ``w = c/P_d`` scaled to ``max w = 1/b``, then shrunk towards 0 (sum > 1)
    or moved towards ``1/b`` (sum < 1; ``sum P_d / b = 1/b >= 1``)."""
    pos = p_data > 0

    def feasible(c):
        w = np.zeros_like(p_data)
        w[pos] = c[pos] / p_data[pos]
        w = w / (w.max() * beta) if w.max() > 0 else np.where(pos, 1.0 / beta, 0.0)
        s = float((p_data * w).sum())
        if s > 1:
            w = w / s
        else:
            t = (1 - s) / (1 / beta - s)
            w = np.where(pos, w + t * (1 / beta - w), 0.0)
        return p_data * w

    return feasible


def _s14(x: Optimum):
    import fdiv

    b = x.beta
    res = fdiv.r_dagger(x.p_data, x.p_model, b)
    r, lam = np.asarray(res.r, dtype=np.float64), float(res.lam)

    def objective(f, rr):
        rest = np.maximum(x.p_data - b * rr, 0.0) / (1 - b)
        return div(f, x.p_model, rest), div_tol(f, x.p_model, rest)

    comps = _competitors(r, x, _feasible_dagger(x.p_data, b))
    slack_cap = float(np.min(x.p_data - b * r))
    return check(_ratio_parts(res, x.p_data, x.p_model, b, star=False),
                 ge("λ† >= 1", lam, 1.0, SOLVER_REL_TOL),
                 ge("min(P_d - b R†) >= 0", slack_cap, 0.0, SOLVER_REL_TOL),
                 _opt_parts(objective, r, comps, x.fs, "D_f(Pg||(Pd-bR†)/(1-b)) <= same for R"),
                 lam=lam, r=r, fs=[f.name for f in x.fs])


S14 = Statement(
    "S14", "if P_d(p_g = 0) < b: R†_b = (P_d - λ†(1-b)P_g)_+ / b minimises D_f(P_g || (P_d - bR)/(1-b)) "
    "over bR <= P_d, for every f; λ† >= 1",
    SLIDES_RDAGGER, "P_d(p_g = 0) < b < 1 by construction; two f's, 6 feasible competitors",
    st.deferred(lambda: _optima(dagger=True)), _s14)


@st.composite
def _no_assumption(draw):
    p_data, p_model = draw(pcs.distribution_pairs(min_size=2))
    return Lambda1(p_data, p_model, float(draw(pcs.betas(max_value=pcs.MAX_BETA))))


def _s14_claim(x: Lambda1):
    """The claim 'a unique λ† >= 1 makes (P_d - λ†(1-b)P_g)_+ / b a probability': the mass is
    nonincreasing in λ with limit P_d(p_g = 0), so it exists iff P_d(p_g = 0) < b."""
    import fdiv

    missed = float(x.p_data[x.p_model == 0].sum())
    exists = missed < x.beta
    try:
        res = fdiv.r_dagger(x.p_data, x.p_model, x.beta)
        raised = None
    except ValueError as exc:
        res, raised = None, str(exc)
    if exists == (raised is not None):
        raise ValueError(f"fdiv.r_dagger {'raised' if raised else 'did not raise'} with "
                         f"P_d(p_g = 0) = {missed!r}, b = {x.beta!r}: {raised or res}")
    return check(truth("a unique λ† >= 1 with sum R† = 1 exists", exists, missed, x.beta),
                 P_d_of_p_g_zero=missed, beta=x.beta, r_dagger_raised=raised)


S14_NO_ASSUMPTION = Statement(
    "S14-no-assumption", "S14 without P_d(p_g = 0) < b: no λ† exists (fdiv.r_dagger raises ValueError)",
    SLIDES_RDAGGER, "P_d, P_g probability vectors with zeros, any b (assumption dropped)",
    st.deferred(_no_assumption), _s14_claim, expect="refuted",
    notes="the row errors (not refutes) if fdiv.r_dagger's raising disagrees with the assumption")


# --- S15 ------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TwoBetas:
    f: object
    p_data: np.ndarray
    p_model: np.ndarray
    beta1: float
    beta2: float


def _s15(x: TwoBetas):
    import fdiv

    def value(b):
        mix = (1 - b) * x.p_model + b * np.asarray(fdiv.r_star(x.p_data, x.p_model, b).r)
        return div(x.f, mix, x.p_data), div_tol(x.f, mix, x.p_data)

    (v1, t1), (v2, t2), (v_one, t_one) = value(x.beta1), value(x.beta2), value(1.0)
    return check(le("V(b2) <= V(b1) for b1 <= b2", v2, v1, t1 + t2), eq("V(1) == 0", v_one, 0.0, t_one),
                 f=x.f.name, V_b1=v1, V_b2=v2)


def _two_betas(f, pair, b1, b2):
    lo, hi = sorted((b1, b2))
    return TwoBetas(f, pair[0], pair[1], lo, hi)


S15 = Statement(
    "S15", "R*_b also minimises (*) over all Q, so V(b) = min_Q (*) is nonincreasing in b and V(1) = 0: "
    "b = 1 is best in theory",
    "slides: 'Two different optimal R*' ('setting b = 1 is the best possible choice in theory')",
    "P_d, P_g probability vectors; b1 <= b2 in [0.001, 1]; f(1) = 0",
    st.builds(_two_betas, pcs.fdivergences(f1_zero=True), pcs.distribution_pairs(), pcs.betas(),
              pcs.betas()), _s15,
    notes="the minimisation over Q itself is S12's check (same problem)")

STATEMENTS = [S12, S13, S13_EXACT, S13_NOT_ABS_CONT, S14, S14_NO_ASSUMPTION, S15]
