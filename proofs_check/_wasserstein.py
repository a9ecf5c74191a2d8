"""S19, S20: Wasserstein-1 (second seed: WGAN Example 1; Kantorovich-Rubinstein duality)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from proofs_check import strategies as pcs
from proofs_check._common import div
from proofs_check._core import Derivation, Statement, check, eq, le, truth
from proofs_check.tolerances import LP_REL_TOL, sum_tol

WGAN = "second seed: WGAN (Arjovsky et al. 2017), Example 1"
KR = "second seed: WGAN, earth-mover distance and Kantorovich-Rubinstein duality"


@dataclass(frozen=True, eq=False)
class Lines:
    """P_0 = δ_0 x U[0,1] and P_θ = δ_θ x U[0,1], U[0,1] discretised on ``n`` cells."""

    theta: float
    n: int


def _lines(x: Lines):
    y = (np.arange(x.n) + 0.5) / x.n
    if x.theta == 0.0:  # the two measures coincide: one copy of the support
        pts = np.column_stack([np.zeros(x.n), y])
        u = np.full(x.n, 1.0 / x.n)
        return pts, u, u.copy()
    pts = np.vstack([np.column_stack([np.full(x.n, x.theta), y]), np.column_stack([np.zeros(x.n), y])])
    u, z = np.full(x.n, 1.0 / x.n), np.zeros(x.n)
    return pts, np.concatenate([u, z]), np.concatenate([z, u])  # (points, P_θ, P_0)


def _s19(x: Lines):
    import fdiv

    pts, p_theta, p_0 = _lines(x)
    w1 = float(fdiv.wasserstein1_lp(p_theta, p_0, pts).value)
    w1d = float(fdiv.wasserstein1_dual(p_theta, p_0, pts).value)
    js, kl = div("js", p_theta, p_0), div("kl", p_theta, p_0)
    scale = 1.0 + abs(x.theta)
    tol_lp = LP_REL_TOL * scale
    js_ref = 2 * math.log(2) if x.theta != 0 else 0.0
    return check(eq("W1 (primal LP) == |θ|", w1, abs(x.theta), tol_lp),
                 eq("W1 (KR dual LP) == |θ|", w1d, abs(x.theta), tol_lp),
                 eq("D_js(Pθ||P0) == 2 log 2 [θ != 0], 0 [θ = 0]", js, js_ref, sum_tol(pts.shape[0], 4.0)),
                 eq("D_kl(Pθ||P0) == inf [θ != 0], 0 [θ = 0]", kl, math.inf if x.theta != 0 else 0.0,
                    sum_tol(pts.shape[0], 4.0)),
                 W1=w1, JS=js, KL=kl)


_THETA = st.one_of(st.just(0.0), st.floats(-1.0, 1.0), st.builds(lambda e: 10.0 ** -e, st.integers(1, 12)))
S19 = Statement(
    "S19", "WGAN Example 1: W1(P0, Pθ) = |θ| (continuous); D_js = 2 log 2 for θ != 0, 0 at θ = 0; "
    "D_kl = inf for θ != 0 (both discontinuous)", WGAN,
    "P_0 = δ_0 x U[0,1], P_θ = δ_θ x U[0,1] with U[0,1] on n = 1..24 cells (a sequence of grids); "
    "θ in [-1, 1] including 0 and 10^-k; js is the registry's (no 1/2)",
    st.builds(Lines, _THETA, st.integers(1, 24)), _s19)


@dataclass(frozen=True, eq=False)
class Transport:
    """Two probability vectors on ``points`` ((n, d), sorted distinct when d = 1)."""

    q: np.ndarray
    p: np.ndarray
    points: np.ndarray


@st.composite
def _transports(draw):
    n = draw(pcs.sizes(2, 10))
    q, p = draw(pcs.probability_vectors(n)), draw(pcs.probability_vectors(n))
    if draw(st.booleans()):  # 1-D: strictly increasing points from positive gaps
        gaps = np.array(draw(st.lists(st.floats(0.01, 5.0), min_size=n, max_size=n)))
        pts = (np.cumsum(gaps) - 5.0)[:, None]
    else:
        pts = np.array(draw(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=n, max_size=n)))
    return Transport(q, p / p.sum() * q.sum(), pts)  # equal totals, as W1 requires


def _s20(x: Transport):
    import fdiv

    primal = fdiv.wasserstein1_lp(x.q, x.p, x.points)
    dual = fdiv.wasserstein1_dual(x.q, x.p, x.points)
    d = cdist(x.points, x.points)
    diam = float(d.max()) if d.size else 0.0
    tol = LP_REL_TOL * (1.0 + diam)
    lip = float(np.max(dual.potential[:, None] - dual.potential[None, :] - d))
    parts = [eq("W1 primal LP == KR dual LP", float(primal.value), float(dual.value), tol),
             le("KR potential is 1-Lipschitz: max(g_i - g_j - d_ij) <= 0", lip, 0.0, tol),
             le("plan marginals residual <= tol", float(primal.residual), 0.0, tol)]
    detail = {"primal": float(primal.value), "dual": float(dual.value)}
    if x.points.shape[1] == 1:
        xs = x.points[:, 0]
        cdf_ref = float(np.sum(np.abs(np.cumsum(x.q - x.p))[:-1] * np.diff(xs)))  # sum |F_q - F_p| dx
        w1 = float(fdiv.wasserstein1(x.q, x.p, xs))
        parts += [eq("fdiv.wasserstein1 == sum |F_Q - F_P| dx", w1, cdf_ref, sum_tol(xs.size, diam + 1.0)),
                  eq("W1 primal LP == 1-D CDF formula", float(primal.value), w1, tol)]
        detail["cdf"] = w1
    return check(parts, **detail)


S20 = Statement(
    "S20", "W1 primal (transport LP) = Kantorovich-Rubinstein dual = (1-D) sum |F_P - F_Q| dx", KR,
    "P, Q probability vectors (zeros allowed) on 2..10 points: sorted distinct 1-D points or "
    "arbitrary 2-D points; fdiv.wasserstein1 / _lp / _dual",
    st.deferred(_transports), _s20)

def _sequence_cases():
    """θ_k = 2^-k -> 0 on grids of 4..32 cells: W1(θ_k) = θ_k -> 0 = W1(0), while D_js stays at
    2 log 2 != D_js(0) = 0 and D_kl stays infinite: W1 is continuous at 0, JS and KL are not."""
    thetas = [2.0 ** -k for k in range(0, 21, 4)]
    for n in (4, 8, 16, 32):
        rows = [_s19(Lines(t, n)) for t in thetas + [0.0]]
        w1 = [c.detail["W1"] for c in rows]
        js = [c.detail["JS"] for c in rows]
        yield f"n = {n}: theta = 2^-k, k = 0, 4, ..., 20, then 0", check(
            *[p for c in rows for p in c.parts],
            truth("W1(theta_k) decreases to W1(0) = 0", all(a > b for a, b in zip(w1, w1[1:])) and w1[-1] == 0.0),
            truth("D_js(theta_k) = 2 log 2 for all k > 0 but D_js(0) = 0 (jump)",
                  len(set(round(v, 12) for v in js[:-1])) == 1 and js[-1] == 0.0),
            W1=w1, JS=js)


S19_SEQUENCE = Derivation(
    "S19-sequence", "WGAN Example 1 along theta_k = 2^-k -> 0 on grids of 4..32 cells: W1 -> 0 continuously, "
    "D_js jumps from 2 log 2 to 0, D_kl from inf to 0", WGAN, "as S19", lambda: list(_sequence_cases()),
    kind="demo")

STATEMENTS = [S19, S19_SEQUENCE, S20]
