"""S12-S15: the optimal components R*_β and R†_β (slides: "Minimizing f-divergences with
mixtures", the two Theorems; paper Theorems 4 and 7)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol
from proofs_check._core import Part, Statement, check, eq, ge, le, truth
from proofs_check.tolerances import OPT_PERTURBATION, SOLVER_REL_TOL

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


@dataclass(frozen=True, eq=False)
class Triple:
    """``(P_d, P_g, β)`` without S14's assumption."""

    p_data: np.ndarray
    p_model: np.ndarray
    beta: float


@st.composite
def _no_assumption(draw):
    p_data, p_model = draw(pcs.distribution_pairs(min_size=2))
    return Triple(p_data, p_model, float(draw(pcs.betas(max_value=pcs.MAX_BETA))))


def _s14_claim(x: Triple):
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

STATEMENTS = [S12, S14, S14_NO_ASSUMPTION, S15]
