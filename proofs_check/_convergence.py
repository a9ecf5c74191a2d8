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
from proofs_check._core import Statement, check, eq, le, truth
from proofs_check._lemmas import sqrt_sum_part

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


DAGGER_BETA_MAX = 1.0 - 1e-12
"""R† is checked for β below this: within round-off of 1 the mass equation has no solution in
float64 (sum(p_data) may round to 1 - 1 ulp < β) and fdiv.r_dagger raises, by design."""


def _assumption_dagger(x: Step) -> bool:
    return float(x.p_data[x.p_model == 0].sum()) < x.beta < DAGGER_BETA_MAX


def _mix_div(x: Step, comp):
    mix = (1 - x.beta) * x.p_model + x.beta * comp
    return div(x.f, mix, x.p_data), div_tol(x.f, mix, x.p_data)


def _s16(x: Step):
    import fdiv

    b, f = x.beta, x.f
    d0, t0 = div(f, x.p_model, x.p_data), div_tol(f, x.p_model, x.p_data)
    a, ta = _mix_div(x, np.asarray(fdiv.r_star(x.p_data, x.p_model, b).r))
    m, tm = _mix_div(x, x.p_data)
    contracted = 0.0 if b == 1.0 else (1 - b) * d0  # 0 * inf := 0 (docs/theory.md §0)
    parts = [le("D((1-b)Pg+bR*||Pd) <= D((1-b)Pg+bPd||Pd)", a, m, ta + tm),
             le("D((1-b)Pg+bPd||Pd) <= (1-b) D(Pg||Pd)", m, contracted, tm + t0)]
    detail = {"f": f.name, "D_Pg_Pd": d0, "D_star": a}
    if f.f(np.array([1.0]))[0] == 0.0:  # fdiv.bounds refuses f(1) != 0 (S16-log_trick)
        lib = fdiv.bounds.s16_star(f, x.p_data, x.p_model, b)
        parts += [eq("fdiv.bounds.s16_star lhs", float(lib.lhs), a, ta), eq("fdiv.bounds.s16_star middle",
                  float(lib.middle), m, tm), eq("fdiv.bounds.s16_star rhs", float(lib.rhs), contracted, t0)]
    if _assumption_dagger(x):
        g, tg = _mix_div(x, np.asarray(fdiv.r_dagger(x.p_data, x.p_model, b).r))
        parts.append(le("D((1-b)Pg+bR†||Pd) <= (1-b) D(Pg||Pd)", g, contracted, tg + t0))
        if f.f(np.array([1.0]))[0] == 0.0:
            parts.append(eq("fdiv.bounds.s16_dagger lhs", float(fdiv.bounds.s16_dagger(f, x.p_data, x.p_model, b).lhs),
                            g, tg))
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
    if not (math.isfinite(d0) and d0 > t0):  # P_g = P_d (γ = 0/0) or D = inf: nothing to contract
        return check(truth("vacuous: D(Pg||Pd) is 0 or inf", True), f=f.name, D_Pg_Pd=d0)
    parts, detail = [], {"f": f.name, "D_Pg_Pd": d0}
    comps = []
    if f.hilbertian:
        comps.append(("*", np.asarray(fdiv.r_star(x.p_data, x.p_model, b).r), fdiv.bounds.s18_star))
    if _assumption_dagger(x):
        comps.append(("†", np.asarray(fdiv.r_dagger(x.p_data, x.p_model, b).r), fdiv.bounds.s18_dagger))
    for mark, r, lib in comps:
        q = (1 - x.t) * r + x.t * x.q  # an imperfect component near R
        d_qr, t_qr = div(f, q, r), b * div_tol(f, q, r)
        gamma = d_qr / d0  # the smallest γ with D(Q||R) <= γ D(Pg||Pd)
        lhs, tl = _mix_div(x, q)
        if mark == "*":  # (sqrt(γb) + sqrt(1-b))^2 D = (sqrt(b D(Q||R*)) + sqrt((1-b) D))^2, from S11 + S16
            c = (math.sqrt(gamma * b) + math.sqrt(1 - b)) ** 2
            parts.append(sqrt_sum_part("(*) <= (sqrt(γb) + sqrt(1-b))^2 D(Pg||Pd)  [R*, Hilbertian f]",
                                        lhs, tl, b * d_qr, t_qr, (1 - b) * d0, t0))
            c_lib = float(fdiv.bounds.c_hilbertian(gamma, b))
        else:
            c = 1 - b * (1 - gamma)
            parts.append(le("(*) <= (1 - b(1-γ)) D(Pg||Pd)  [R†]", lhs, c * d0, tl + t0 + t_qr))
            c_lib = float(fdiv.bounds.c_dagger(gamma, b))
        res = lib(f, x.p_data, x.p_model, b, q)
        c_tol = 1e-14 * max(1.0, c) if c < math.inf else 0.0  # c = inf (γ = inf) is compared exactly
        parts += [eq(f"fdiv.bounds c{mark}(γ, b) == closed form", c_lib, c, c_tol),
                  eq(f"fdiv.bounds.s18{mark} lhs == (*)", float(res.lhs), lhs, tl),
                  eq(f"fdiv.bounds.s18{mark} rhs == c D(Pg||Pd)", float(res.rhs), c * d0, 4 * (t0 + t_qr + tl))]
        detail[f"gamma{mark}"], detail[f"c{mark}"] = gamma, c
    thr, ref_thr = float(fdiv.bounds.gamma_threshold(b)), (1 - math.sqrt(1 - b)) ** 2 / b
    parts.append(eq("fdiv.bounds.gamma_threshold(b) == (1 - sqrt(1-b))^2 / b", thr, ref_thr, 1e-12 * ref_thr))
    g = x.t * 2 * thr  # c_hilbertian < 1 exactly when γ < threshold
    parts.append(truth("c(γ, b) < 1 <=> γ < threshold", (fdiv.bounds.c_hilbertian(g, b) < 1) == (g < thr)
                       or abs(g - thr) <= 1e-12 * thr, g, thr))
    return check(parts, **detail)


S18 = Statement(
    "S18", "weak learnability: D(Q||R*) <= γ D(Pg||Pd), f Hilbertian => (*) <= (sqrt(γb) + sqrt(1-b))^2 "
    "D(Pg||Pd); D(Q||R†) <= γ D(Pg||Pd), P_d(p_g=0) < b => (*) <= (1 - b(1-γ)) D(Pg||Pd)",
    SLIDES_WEAK, "f(1) = 0; Q = (1-t) R + t q, t in [0, 1], γ = D(Q||R)/D(Pg||Pd) (the tightest γ); "
    "the R* part for Hilbertian f, the R† part when P_d(p_g = 0) < b < 1; vacuous when D(Pg||Pd) is 0 or inf",
    st.deferred(lambda: _steps(pcs.fdivergences(hilbertian=True), pcs.fdivergences(f1_zero=True))), _s18,
    notes="cross-checks fdiv.bounds.s18_star/s18_dagger, c_hilbertian, c_dagger, gamma_threshold; "
          "Q = (1-t)R + tq makes γ = D(Q||R)/D(Pg||Pd) range from 0 to large")

STATEMENTS = [S16, S16_LOG_TRICK, S18]
