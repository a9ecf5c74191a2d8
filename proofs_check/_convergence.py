"""S16-S18: how much one AdaGAN step with the optimal (or a γ-good) component contracts
D_f(P_g || P_d), and when the iteration reaches P_d (slides: "How well are we doing", "Other
highlights"; paper Theorems 5, 8, 10 and Corollaries)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol
from proofs_check._core import Statement, check, le, truth
from proofs_check._lemmas import _sqrt_sum_part

SLIDES_CONTRACTION = "slides: Theorem after 'How well are we doing' (contraction); paper Theorem 5, Cor. 8"
SLIDES_WEAK = "slides: 'Other highlights' (weak learnability, c(γ, β) < 1); paper Theorems 9, 10"


@dataclass(frozen=True, eq=False)
class Step:
    """One AdaGAN step: ``f``, ``P_d``, ``P_g``, ``β``; ``q``, ``t`` make an imperfect component
    ``Q = (1-t) R + t q`` (R the optimal one), for S18."""

    f: object
    p_data: np.ndarray
    p_model: np.ndarray
    beta: float
    q: np.ndarray
    t: float


@st.composite
def _steps(draw, fs, fs_dagger=None):
    """Half the instances satisfy S14's assumption (drawn with ``fs_dagger``, default ``fs``)."""
    if draw(st.booleans()):
        d = draw(pcs.dagger_instances())
        p_data, p_model, beta, f = d.p_data, d.p_model, d.beta, draw(fs if fs_dagger is None else fs_dagger)
    else:
        p_data, p_model = draw(pcs.distribution_pairs())
        beta, f = draw(pcs.betas()), draw(fs)
    q = draw(pcs.probability_vectors(p_data.size))
    return Step(f, p_data, p_model, float(beta), q, draw(st.floats(0.0, 1.0)))


def _assumption_dagger(x: Step) -> bool:
    return float(x.p_data[x.p_model == 0].sum()) < x.beta < 1.0


def _mix_div(x: Step, comp):
    mix = (1 - x.beta) * x.p_model + x.beta * comp
    return div(x.f, mix, x.p_data), div_tol(x.f, mix, x.p_data)


def _s16(x: Step):
    import fdiv

    b, f = x.beta, x.f
    d0, t0 = div(f, x.p_model, x.p_data), div_tol(f, x.p_model, x.p_data)
    a, ta = _mix_div(x, np.asarray(fdiv.r_star(x.p_data, x.p_model, b).r))
    m, tm = _mix_div(x, x.p_data)
    parts = [le("D((1-b)Pg+bR*||Pd) <= D((1-b)Pg+bPd||Pd)", a, m, ta + tm),
             le("D((1-b)Pg+bPd||Pd) <= (1-b) D(Pg||Pd)", m, (1 - b) * d0, tm + t0)]
    detail = {"f": f.name, "D_Pg_Pd": d0, "D_star": a}
    if _assumption_dagger(x):
        g, tg = _mix_div(x, np.asarray(fdiv.r_dagger(x.p_data, x.p_model, b).r))
        parts.append(le("D((1-b)Pg+bR†||Pd) <= (1-b) D(Pg||Pd)", g, (1 - b) * d0, tg + t0))
        detail["D_dagger"] = g
    return check(parts, **detail)


S16 = Statement(
    "S16", "D((1-b)Pg+bR*||Pd) <= D((1-b)Pg+bPd||Pd) <= (1-b) D(Pg||Pd); with P_d(p_g=0) < b also "
    "D((1-b)Pg+bR†||Pd) <= (1-b) D(Pg||Pd)",
    SLIDES_CONTRACTION, "f(1) = 0; P_d, P_g probability vectors; half the instances satisfy "
    "P_d(p_g = 0) < b < 1 (the R† part is checked exactly when it holds)",
    st.deferred(lambda: _steps(pcs.fdivergences(f1_zero=True))), _s16)
S16_LOG_TRICK = Statement(
    "S16-log_trick", "S16 with f(1) != 0 (log_trick, f(1) = log 2): the contraction fails",
    SLIDES_CONTRACTION, "f = log_trick (f(1) = 0 dropped)",
    st.deferred(lambda: _steps(pcs.fdivergences(f1_zero=None, alpha=False, names=("log_trick",)))),
    _s16, expect="refuted", notes="e.g. P_g = P_d: D((1-b)Pg+bR*||Pd) = log 2 > (1-b) log 2")


def _s18(x: Step):
    import fdiv

    b, f = x.beta, x.f
    d0, t0 = div(f, x.p_model, x.p_data), div_tol(f, x.p_model, x.p_data)
    if not d0 > t0:  # P_g = P_d: γ is 0/0, the statement is vacuous
        return check(truth("vacuous: D(Pg||Pd) == 0", True), f=f.name)
    parts, detail = [], {"f": f.name, "D_Pg_Pd": d0}
    r_star = np.asarray(fdiv.r_star(x.p_data, x.p_model, b).r)
    comps = [("*", r_star, bool(f.hilbertian))]
    if _assumption_dagger(x):
        comps.append(("†", np.asarray(fdiv.r_dagger(x.p_data, x.p_model, b).r), True))
    for mark, r, applies in comps:
        if not applies:
            continue
        q = (1 - x.t) * r + x.t * x.q
        gamma = div(f, q, r) / d0
        lhs, tl = _mix_div(x, q)
        if mark == "*":  # c = (sqrt(γb) + sqrt(1-b))^2 via S11 + S16, compared squared
            c = float(fdiv.bounds.c_hilbertian(gamma, b))
            parts.append(_sqrt_sum_part("(*) <= (sqrt(γb) + sqrt(1-b))^2 D(Pg||Pd)  [R*, Hilbertian f]",
                                        lhs, tl, gamma * b * d0, b * div_tol(f, q, r), (1 - b) * d0, t0))
            ref = (math.sqrt(gamma * b) + math.sqrt(1 - b)) ** 2
        else:
            c = float(fdiv.bounds.c_dagger(gamma, b))
            parts.append(le("(*) <= (1 - b(1-γ)) D(Pg||Pd)  [R†]", lhs, (1 - b * (1 - gamma)) * d0,
                            tl + t0 + b * div_tol(f, q, r)))
            ref = 1 - b * (1 - gamma)
        parts.append(le(f"fdiv.bounds c{mark}(γ, b) == closed form", abs(c - ref), 0.0, 1e-14 * max(1.0, ref)))
        detail[f"gamma{mark}"], detail[f"c{mark}"] = gamma, c
    thr = float(fdiv.bounds.gamma_threshold(b))
    ref_thr = (1 - math.sqrt(1 - b)) ** 2 / b
    parts.append(le("fdiv.bounds.gamma_threshold(b) == (1 - sqrt(1-b))^2 / b", abs(thr - ref_thr), 0.0,
                    1e-14 * max(1.0, ref_thr)))
    return check(parts, **detail)


S18 = Statement(
    "S18", "weak learnability: D(Q||R*) <= γ D(Pg||Pd), f Hilbertian => (*) <= (sqrt(γb) + sqrt(1-b))^2 "
    "D(Pg||Pd); D(Q||R†) <= γ D(Pg||Pd), P_d(p_g=0) < b => (*) <= (1 - b(1-γ)) D(Pg||Pd)",
    SLIDES_WEAK, "f(1) = 0; Q = (1-t) R + t q, t in [0, 1], γ = D(Q||R)/D(Pg||Pd) (the tightest γ); "
    "the R* part for Hilbertian f, the R† part when P_d(p_g = 0) < b < 1",
    st.deferred(lambda: _steps(pcs.fdivergences(hilbertian=True), pcs.fdivergences(f1_zero=True))), _s18,
    notes="also checks fdiv.bounds.c_hilbertian, c_dagger and gamma_threshold against the closed forms")

STATEMENTS = [S16, S16_LOG_TRICK, S18]
