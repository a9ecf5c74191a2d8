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
from proofs_check.tolerances import SOLVER_REL_TOL, rel_tol_sum

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


def _trajectory(x: Iteration, schedule, steps: int):
    import fdiv

    return fdiv.oracle_adagan(x.p_data, x.p_init, x.f, schedule=schedule, steps=steps, component="star")


def _step_parts(x: Iteration, traj, schedule, upto: int):
    """The oracle's updates are R* updates: ``P_t = (1-b_t) P_{t-1} + b_t R*_{b_t}(P_{t-1})``."""
    import fdiv

    parts = []
    for t in range(2, min(upto, len(traj.models)) + 1):
        b, prev = schedule.beta(t), np.asarray(traj.models[t - 2])
        ref = (1 - b) * prev + b * np.asarray(fdiv.r_star(x.p_data, prev, b).r)
        parts.append(eq(f"oracle P_{t} == (1-b)P_{t - 1} + b R*(P_{t - 1})", float(np.abs(traj.models[t - 1] - ref).max()),
                        0.0, rel_tol_sum(x.p_data.size)))
    return parts


def _s17(x: Iteration):
    import fdiv

    d1 = div(x.f, x.p_init, x.p_data)
    n = x.p_data.size
    if x.bounded:
        pos = x.p_data > 0
        ratio = float(np.max(x.p_init[pos] / x.p_data[pos]))
        ell = 0.0 if x.beta == 1.0 else max(math.log(ratio), 0.0) / math.log(1 / (1 - x.beta))
        if ratio <= 1 + rel_tol_sum(n):
            bound = 1  # P_1 = P_d
        else:  # docs/theory.md S17 read as the index t of P_t (P_1 is t = 1); b = 1: P_2 = R*_1 = P_d
            bound = 2 if x.beta == 1.0 else 1 + max(1, math.ceil(ell - 1e-9 * max(1.0, ell)))
        schedule = fdiv.beta_schedule("constant", beta=x.beta)
        lib_count = int(fdiv.bounds.s17_max_steps(x.p_data, x.p_init, x.beta))
        traj = _trajectory(x, schedule, max(bound, lib_count))
        reached = traj.reached_at
        parts = [le("t at which P_t = P_d <= 1 + ceil(log M / log(1/(1-b)))", math.inf if reached is None else reached, bound),
                 *_step_parts(x, traj, schedule, 3)]
        if abs(ell - round(ell)) > 1e-6 * max(1.0, ell):  # away from ties the count is exact
            parts.append(eq("reached at exactly fdiv.bounds.s17_max_steps", math.inf if reached is None else reached,
                            lib_count))
        rate_end = len(traj.models) if reached is None else reached
        for t in range(1, rate_end):
            parts.append(le(f"D(P_{t}||Pd) <= (1-b)^{t - 1} D(P_1||Pd)", float(traj.divergences[t - 1]),
                            (1 - x.beta) ** (t - 1) * d1,
                            div_tol(x.f, traj.models[t - 1], x.p_data) + div_tol(x.f, x.p_init, x.p_data)))
        return check(parts, f=x.f.name, M=ratio, bound=bound, library_count=lib_count, reached_at=reached)
    outside = float(x.p_init[x.p_data == 0].sum())
    parts = []
    for sched, rate in ((fdiv.beta_schedule("constant", beta=x.beta), lambda t: (1 - x.beta) ** (t - 1)),
                        (fdiv.beta_schedule("boosted"), lambda t: 1.0 / t)):
        traj = _trajectory(x, sched, UNBOUNDED_STEPS)
        parts.append(truth(f"[{sched.name}] P_d never reached", traj.reached_at is None))
        parts += _step_parts(x, traj, sched, 3)
        for t, m in enumerate(traj.models, 1):
            r_lib = float(fdiv.bounds.s17_rate(sched, t))
            left = float(np.asarray(m)[x.p_data == 0].sum())
            parts += [eq(f"[{sched.name}] fdiv.bounds.s17_rate(t={t}) == prod(1-b_s)", r_lib, rate(t), 1e-13 * rate(t)),
                      eq(f"[{sched.name}] P_{t}(p_d = 0) == P_1(p_d = 0) prod(1-b_s)", left, outside * rate(t),
                         SOLVER_REL_TOL * t * outside),
                      le(f"[{sched.name}] D(P_{t}||Pd) <= prod(1-b_s) D(P_1||Pd)", float(traj.divergences[t - 1]),
                         rate(t) * d1, div_tol(x.f, m, x.p_data) + div_tol(x.f, x.p_init, x.p_data))]
        # λ*_t <= 1 - (1-b_t) P_t(p_d = 0) < 1 (slope of the mass equation <= 1); in float64 the gap
        # may fall below eps, so it is checked quantitatively rather than as λ* < 1
        gaps = [float(lam) - (1 - (1 - sched.beta(t + 1)) * float(np.asarray(m)[x.p_data == 0].sum()))
                for t, (lam, m) in enumerate(zip(traj.lams, traj.models), 1)]
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
    notes="runs fdiv.oracle_adagan (each update checked against fdiv.r_star) and compares with "
          "fdiv.bounds.s17_max_steps / s17_rate; the bound is read as the index t of P_t = P_d (P_1: t = 1), "
          "which is exact away from ties",
    loose="read literally, P_d((1-b)dP_1 > M dP_d) = 0 ignores mass of P_1 outside supp P_d (P_d-null, as in "
          "S13) and always holds on a finite support; the slides' 'in other words, P_1 << P_d' is the reading "
          "checked. At b = 1 the formula 1 + ceil(log M / log(1/(1-b))) gives 1, but P_d is reached at t = 2")


def _s17_claim(x: Iteration):
    """The claim without the bounded ratio: 'the iteration reaches P_d in finitely many steps'.
    The mass outside supp P_d is multiplied by (1-b) at every step and never vanishes."""
    import fdiv

    outside = float(x.p_init[x.p_data == 0].sum())
    traj = _trajectory(x, fdiv.beta_schedule("constant", beta=x.beta), UNBOUNDED_STEPS)
    left = float(np.asarray(traj.models[-1])[x.p_data == 0].sum())
    return check(truth("P_t reaches P_d in finitely many steps", outside == 0.0, left, 0.0),
                 mass_outside_after_30_steps=left, mass_outside_at_start=outside,
                 reason="P_t(p_d = 0) = (1-b)^(t-1) P_1(p_d = 0) > 0 for every t")


S17_UNBOUNDED = Statement(
    "S17-unbounded-ratio", "S17 without a bounded dP_1/dP_d: mass of P_1 outside supp P_d is never removed",
    SLIDES_CONVERGENCE, "P_1 with mass outside supp P_d (bounded ratio dropped); b in [0.1, 1)",
    st.deferred(lambda: _iterations(bounded=False, max_beta=0.999)), _s17_claim,
    expect="refuted")

STATEMENTS = [S17, S17_UNBOUNDED]
