"""S17: iterating P_{t+1} = (1-β_t) P_t + β_t R*_{β_t}(P_t) reaches P_d in finitely many steps iff
dP_1/dP_d is bounded (slides: 'Other highlights'; paper Theorem 6 and Corollary 7)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol
from proofs_check._core import Statement, check, eq, le, truth
from proofs_check._tolerances import SOLVER_REL_TOL, rel_tol_sum

SLIDES_CONVERGENCE = ("slides: 'Other highlights' (finite convergence iff P_d((1-b)dP_1 > M dP_d) = 0); "
                      "paper Theorem 6, Corollary 7")
UNBOUNDED_STEPS = 30
"""Steps followed when P_1 has mass outside supp P_d (it never reaches P_d)."""


@dataclass(frozen=True, eq=False)
class Iteration:
    f: object
    p_data: np.ndarray
    p_init: np.ndarray
    beta: float
    bounded: bool  # P_1 << P_d (dP_1/dP_d bounded on a finite support)


@st.composite
def _iterations(draw, *, bounded=None, max_beta: float = 1.0):
    f = draw(pcs.fdivergences(f1_zero=True))
    beta = draw(st.floats(0.1, max_beta))
    if bounded is None:
        bounded = draw(st.booleans())
    if bounded:
        p_init, p_data = draw(pcs.absolutely_continuous_pairs())
        return Iteration(f, p_data, p_init, beta, True)
    beta = min(beta, 0.999)  # at b = 1 every P_1 reaches P_d in one step (P_2 = R*_1 = P_d)
    p_data, p_init = draw(pcs.distribution_pairs(min_size=2))
    if p_data.min() > 0:  # make room outside supp P_d
        p_data = np.where(np.arange(p_data.size) == p_data.size - 1, 0.0, p_data)
        p_data = p_data / p_data.sum()
    j = int(np.flatnonzero(p_data == 0)[0])
    p_init = p_init + np.where(np.arange(p_init.size) == j, 1.0, 0.0)  # mass outside supp P_d
    return Iteration(f, p_data, p_init / p_init.sum(), beta, False)


def iterate(p_data, p_init, schedule, steps: int):
    """``[P_1, P_2, ...]`` and ``[λ*_1, ...]`` for ``steps`` steps of the oracle AdaGAN with R*,
    β_t from ``schedule.beta(t)`` (t = 2, 3, ...: β_1 = 1 is the first model P_1 itself)."""
    import fdiv

    models, lams = [np.asarray(p_init, dtype=np.float64)], []
    for t in range(2, steps + 2):
        b = schedule.beta(t)
        res = fdiv.r_star(p_data, models[-1], b)
        lams.append(float(res.lam))
        models.append((1 - b) * models[-1] + b * np.asarray(res.r))
    return models, lams


def _s17(x: Iteration):
    import fdiv

    d1 = div(x.f, x.p_init, x.p_data)
    n = x.p_data.size
    tol = rel_tol_sum(n)
    if x.bounded:
        pos = x.p_data > 0
        ratio = float(np.max(x.p_init[pos] / x.p_data[pos]))
        ell = 0.0 if x.beta == 1.0 else max(math.log(ratio), 0.0) / math.log(1 / (1 - x.beta))
        bound = 1 + math.ceil(ell)  # THEORY.md S17, counted in updates P_t -> P_{t+1}
        models, lams = iterate(x.p_data, x.p_init, fdiv.beta_schedule("constant", beta=x.beta), bound + 1)
        reached = next((t for t, m in enumerate(models, 1) if np.max(np.abs(m - x.p_data)) <= tol), None)
        updates = math.inf if reached is None else reached - 1
        parts = [le("updates to reach P_d <= 1 + ceil(log M / log(1/(1-b)))", updates, bound),
                 le("updates <= ceil(log M / log(1/(1-b))) (tight; +1e-9 for ties)", updates,
                    max(1, math.ceil(ell + 1e-9)) if ratio > 1 + tol else 0)]
        for t in range(1, len(models) if reached is None else reached):
            parts.append(le(f"D(P_{t}||Pd) <= (1-b)^{t - 1} D(P_1||Pd)", div(x.f, models[t - 1], x.p_data),
                            (1 - x.beta) ** (t - 1) * d1,
                            div_tol(x.f, models[t - 1], x.p_data) + div_tol(x.f, x.p_init, x.p_data)))
        return check(parts, f=x.f.name, M=ratio, bound=bound, reached_at=reached, lams=lams[:10])
    outside = float(x.p_init[x.p_data == 0].sum())
    parts = []
    for sched, rate in ((fdiv.beta_schedule("constant", beta=x.beta), lambda t: (1 - x.beta) ** (t - 1)),
                        (fdiv.beta_schedule("boosted"), lambda t: 1.0 / t)):
        models, lams = iterate(x.p_data, x.p_init, sched, UNBOUNDED_STEPS)
        for t, m in enumerate(models, 1):
            left = float(m[x.p_data == 0].sum())
            parts.append(eq(f"[{sched.name}] P_{t}(p_d = 0) == P_1(p_d = 0) * prod(1-b_s)", left, outside * rate(t),
                            SOLVER_REL_TOL * t * outside))
            parts.append(le(f"[{sched.name}] D(P_{t}||Pd) <= prod(1-b_s) D(P_1||Pd)", div(x.f, m, x.p_data),
                            rate(t) * d1, div_tol(x.f, m, x.p_data) + div_tol(x.f, x.p_init, x.p_data)))
        # λ*_t <= 1 - (1-b_t) P_t(p_d = 0) < 1 (slope of the mass equation <= 1); in float64 the
        # gap may fall below eps, so it is checked quantitatively rather than as λ* < 1
        gaps = [lam - (1 - (1 - sched.beta(t + 1)) * float(m[x.p_data == 0].sum())) for t, (lam, m) in
                enumerate(zip(lams, models), 1)]
        parts.append(le(f"[{sched.name}] max_t λ*_t - (1 - (1-b_t) P_t(p_d = 0)) <= 0", max(gaps), 0.0,
                        SOLVER_REL_TOL * n))
    return check(parts, f=x.f.name, mass_outside_supp_P_d=outside)


S17 = Statement(
    "S17", "R*-iteration from P_1 reaches P_d in <= 1 + ceil(log M / log(1/(1-b))) steps when "
"M = max dP_1/dP_d < inf (updates; tight: ceil(...)); otherwise never, at rate prod(1-b_t) ((1-b)^(t-1), or 1/t)",
    SLIDES_CONVERGENCE, "f(1) = 0; half the instances P_1 << P_d (bounded ratio on a finite support), "
    "b in [0.1, 1]; the other half P_1 has mass outside supp P_d, b in [0.1, 0.999] (followed 30 steps, "
    "constant and 1/t)",
    st.deferred(_iterations), _s17,
    notes="reaching = max|P_t - P_d| <= 64 n eps; uses fdiv.r_star and fdiv.beta_schedule. Read literally, "
          "P_d((1-b)dP_1 > M dP_d) = 0 ignores mass of P_1 outside supp P_d (P_d-null, as in S13); the "
          "slides' 'in other words, P_1 << P_d' is the reading checked. At b = 1 any P_1 reaches P_d in one step")


def _s17_claim(x: Iteration):
    """The claim without the bounded ratio: 'the iteration reaches P_d in finitely many steps'.
    The mass outside supp P_d is multiplied by (1-b) at every step and never vanishes."""
    import fdiv

    outside = float(x.p_init[x.p_data == 0].sum())
    models, _ = iterate(x.p_data, x.p_init, fdiv.beta_schedule("constant", beta=x.beta), UNBOUNDED_STEPS)
    left = float(models[-1][x.p_data == 0].sum())
    return check(truth("P_t reaches P_d in finitely many steps", outside == 0.0, left, 0.0),
                 mass_outside_after_30_steps=left, mass_outside_at_start=outside,
                 reason="P_t(p_d = 0) = (1-b)^(t-1) P_1(p_d = 0) > 0 for every t")


S17_UNBOUNDED = Statement(
    "S17-unbounded-ratio", "S17 without a bounded dP_1/dP_d: mass of P_1 outside supp P_d is never removed",
    SLIDES_CONVERGENCE, "P_1 with mass outside supp P_d (bounded ratio dropped); b in [0.1, 1)",
    st.deferred(lambda: _iterations(bounded=False, max_beta=0.999)), _s17_claim,
    expect="refuted")

STATEMENTS = [S17, S17_UNBOUNDED]
