"""S13: when is λ* = 1 (slides: Theorem on R*_β, 'Also, λ* = 1 if and only if ...'), the exact
condition, and the gap when P_g is not << P_d."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._core import Statement, check, eq, ge, le, truth
from proofs_check._optimal import SLIDES_RSTAR
from proofs_check.tolerances import SOLVER_REL_TOL


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
    SLIDES_RSTAR + "; docs/theory.md S13 (exact general condition)",
    "P_d, P_g probability vectors (zeros allowed); half the instances put mass of P_g outside supp P_d "
    "with (1-b) p_g <= p_d on supp P_d",
    st.deferred(_lambda1_general), _s13_exact)
S13_NOT_ABS_CONT = Statement(
    "S13-not-abs-cont", "S13 as printed without P_g << P_d: mass of P_g outside supp P_d makes λ* < 1 "
    "although P_d((1-b)dP_g > dP_d) = 0",
    SLIDES_RSTAR, "P_d, P_g probability vectors (P_g << P_d dropped; as in S13-exact)",
    st.deferred(_lambda1_general), _s13_slides, expect="refuted")

STATEMENTS = [S13, S13_EXACT, S13_NOT_ABS_CONT]
