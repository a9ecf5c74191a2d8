"""S1-S6: properties of f-divergences (slides, f-GAN section: "Properties of f-divergence" and
"Variational representation"), and the variants that fail without their assumptions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol, finite_sum
from proofs_check._core import Statement, check, eq, ge, le
from proofs_check.tolerances import point_tol, sum_tol

SLIDES_PROPS = "slides: f-GAN section, 'Properties of f-divergence' (items 1-5)"


@dataclass(frozen=True, eq=False)
class FPair:
    """An f-divergence and two measures (``c``: the shift constant of S4)."""

    f: object
    q: np.ndarray
    p: np.ndarray
    c: float = 0.0


def _pairs(fs, pairs, cs=st.just(0.0)):
    return st.builds(lambda f, qp, c: FPair(f, qp[0], qp[1], c), fs, pairs, cs)


# --- S1 -------------------------------------------------------------------------------------

def _s1(x: FPair):
    d, d0 = div(x.f, x.q, x.p), div(x.f, x.p, x.p)
    return check(ge("D_f(Q||P) >= 0", d, 0.0, div_tol(x.f, x.q, x.p)),
                 eq("D_f(P||P) == 0", d0, 0.0, div_tol(x.f, x.p, x.p)), f=x.f.name)


S1 = Statement(
    "S1", "D_f(Q||P) >= 0, and = 0 when P = Q", SLIDES_PROPS + ", item 1",
    "P, Q probability vectors (zeros allowed); f convex with f(1) = 0 (registry and alpha(a))",
    _pairs(pcs.fdivergences(f1_zero=True), pcs.distribution_pairs()), _s1)


def _s1_variant(vid, title, fs, pairs, assumptions, notes):
    return Statement(vid, title, SLIDES_PROPS + ", item 1", assumptions, _pairs(fs, pairs), _s1,
                     expect="refuted", notes=notes)


S1_GAN = _s1_variant(
    "S1-gan", "S1 with f(1) != 0: the GAN generator (f(1) = -log 4) gives negative values",
    pcs.fdivergences(f1_zero=None, alpha=False, names=("gan",)), pcs.distribution_pairs(),
    "f = gan, f(1) = -log 4 (assumption f(1) = 0 dropped)", "D_gan(P||P) = -log 4 < 0")
S1_LOG_TRICK = _s1_variant(
    "S1-log_trick", "S1 with f(1) != 0: the log trick (f(1) = log 2) gives D(P||P) = log 2",
    pcs.fdivergences(f1_zero=None, alpha=False, names=("log_trick",)), pcs.distribution_pairs(),
    "f = log_trick, f(1) = log 2 (assumption f(1) = 0 dropped)", "D_log_trick(P||P) = log 2 != 0")
S1_UNNORMALIZED = _s1_variant(
    "S1-unnormalized", "S1 for unnormalised measures: D_f(Q||P) can be negative",
    pcs.fdivergences(f1_zero=True), pcs.distribution_pairs(normalized=False),
    "P, Q nonnegative measures with unequal totals (normalisation dropped)",
    "e.g. D_kl(Q||P) = sum q log(q/p) < 0 when Q = P/2")


# --- S2, S3 ---------------------------------------------------------------------------------

def _s2(x: FPair):
    import fdiv

    g = fdiv.dual(x.f)
    lhs, rhs = div(x.f, x.p, x.q), div(g, x.q, x.p)
    return check(eq("D_f(P||Q) == D_f°(Q||P)", lhs, rhs, div_tol(x.f, x.p, x.q) + div_tol(g, x.q, x.p)),
                 f=x.f.name)


S2 = Statement(
    "S2", "D_f(P||Q) = D_f°(Q||P) with f°(x) = x f(1/x)", SLIDES_PROPS + ", item 2",
    "P, Q nonnegative measures (unnormalised, zeros on either side); any registry f or alpha(a)",
    _pairs(pcs.fdivergences(f1_zero=None), pcs.distribution_pairs(normalized=False)), _s2,
    notes="f° is fdiv.dual(f), evaluated through its own f, f(0) and f'(inf) (no argument swap)")


def _s3(x: FPair):
    lhs, rhs = div(x.f, x.q, x.p), div(x.f, x.p, x.q)
    return check(eq("D_f(Q||P) == D_f(P||Q)", lhs, rhs, div_tol(x.f, x.q, x.p) + div_tol(x.f, x.p, x.q)),
                 f=x.f.name)


S3 = Statement(
    "S3", "D_f is symmetric when f = f°", SLIDES_PROPS + ", item 3",
    "f self-dual (f(x) = x f(1/x): js, tv, squared_hellinger, jeffreys, triangular, gan, alpha(1/2)); "
    "P, Q nonnegative measures with zeros",
    _pairs(pcs.fdivergences(f1_zero=None, self_dual=True), pcs.distribution_pairs(normalized=False)), _s3)
S3_NOT_SELF_DUAL = Statement(
    "S3-not-self-dual", "S3 without f = f°: D_f is not symmetric (kl, reverse_kl, chi2, log_trick)",
    SLIDES_PROPS + ", item 3", "f not self-dual (assumption dropped)",
    _pairs(pcs.fdivergences(f1_zero=None, self_dual=False), pcs.distribution_pairs()), _s3,
    expect="refuted")


# --- S4 -------------------------------------------------------------------------------------

def _s4(x: FPair):
    import fdiv

    g = fdiv.shift(x.f, x.c)
    lhs, rhs = div(x.f, x.q, x.p), div(g, x.q, x.p)
    tol = div_tol(x.f, x.q, x.p) + div_tol(g, x.q, x.p) + sum_tol(x.q.size, abs(x.c) * (x.q.sum() + x.p.sum()))
    return check(eq("D_f(Q||P) == D_g(Q||P), g = f + c(x-1)", lhs, rhs, tol), f=x.f.name, c=x.c)


_C = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)
_C_NONZERO = st.builds(lambda s, m: s * m, st.sampled_from([-1.0, 1.0]), st.floats(0.5, 10.0))
S4 = Statement(
    "S4", "D_f = D_g for g(x) = f(x) + C(x-1)", SLIDES_PROPS + ", item 4",
    "P, Q probability vectors (zeros allowed); C in [-10, 10]; g = fdiv.shift(f, C)",
    _pairs(pcs.fdivergences(f1_zero=None), pcs.distribution_pairs(), _C), _s4)
S4_UNNORMALIZED = Statement(
    "S4-unnormalized", "S4 for unnormalised measures: D_g - D_f = C (sum q - sum p) != 0",
    SLIDES_PROPS + ", item 4", "P, Q nonnegative measures (normalisation dropped), |C| >= 0.5",
    _pairs(pcs.fdivergences(f1_zero=None), pcs.distribution_pairs(normalized=False), _C_NONZERO), _s4,
    expect="refuted")


# --- S5 -------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class FPoints:
    """An f and two points ``x1 <= x2`` on one side of 1 (``side`` = "left" or "right")."""

    f: object
    side: str
    x1: float
    x2: float


def _points(draw_f, side, u1, u2):
    lo, hi = sorted((u1, u2))
    xs = (10.0 ** -hi, 10.0 ** -lo) if side == "left" else (10.0 ** lo, 10.0 ** hi)
    return FPoints(draw_f, side, *xs)


def _at(fn, v: float) -> float:
    """``fn`` (an FDivergence method, vectorised) at one point, as a float."""
    return float(np.asarray(fn(np.array([v])), dtype=np.float64)[0])


def _s5(x: FPoints):
    import fdiv

    f0 = fdiv.normalized(x.f)
    a, b = _at(f0.f, x.x1), _at(f0.f, x.x2)
    slope1 = np.nan_to_num(_at(x.f.f_prime, 1.0))  # only sizes the tolerance (tv: any subgradient)
    ta = point_tol(_at(x.f.f, x.x1), slope1 * (x.x1 - 1))
    tb = point_tol(_at(x.f.f, x.x2), slope1 * (x.x2 - 1))
    mono = (le("f0(x1) >= f0(x2) on (0,1]", b, a, ta + tb) if x.side == "left"
            else le("f0(x1) <= f0(x2) on [1,inf)", a, b, ta + tb))
    return check(ge("f0(x1) >= 0", a, 0.0, ta), ge("f0(x2) >= 0", b, 0.0, tb), mono,
                 f=x.f.name, f0_x1=a, f0_x2=b)


_U = st.floats(min_value=0.0, max_value=6.0)
S5 = Statement(
    "S5", "f0 = f - f'(1)(x-1) is >= 0, nonincreasing on (0,1], nondecreasing on [1,inf)",
    SLIDES_PROPS + ", item 5",
    "f convex with f(1) = 0; f0 = fdiv.normalized(f) (tv: subgradient 0); x in [1e-6, 1e6]",
    st.builds(_points, pcs.fdivergences(f1_zero=True), st.sampled_from(["left", "right"]), _U, _U), _s5)


# --- S6 -------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Variational:
    """``D_f(q||p)`` against ``E_q[g] - E_p[f*(g)]`` at ``g*`` and at ``g* + delta``."""

    f: object
    q: np.ndarray
    p: np.ndarray
    delta: np.ndarray


@st.composite
def _variational(draw):
    f = draw(pcs.fdivergences(f1_zero=None))
    n = draw(pcs.sizes())
    q = draw(pcs.probability_vectors(n, zeros=False))
    w = draw(pcs.measures(n, zeros=bool(np.isfinite(f.slope_inf))))  # p = 0 only where f'(inf) < inf
    delta = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
    return Variational(f, q, w / w.sum(), delta)


def _objective(f, q, p, g):
    """``sum q g - sum_{p>0} p f*(g)`` (the P-expectation only where p > 0), and its scale."""
    pos = p > 0
    with np.errstate(all="ignore"):
        conj = np.asarray(f.conjugate(g[pos]), dtype=np.float64)
    qg, pc = q * g, p[pos] * conj
    val = float(qg.sum() - pc.sum())
    return val, finite_sum(np.abs(qg)) + finite_sum(np.abs(pc))


def _s6(x: Variational):
    f, q, p = x.f, x.q, x.p
    lo, hi = (float(v) for v in f.conjugate_domain)
    pos = p > 0
    g = np.full(q.shape, hi)  # where p = 0 < q the sup is approached at the right end f'(inf)
    with np.errstate(all="ignore"):
        g[pos] = np.asarray(f.f_prime(q[pos] / p[pos]), dtype=np.float64)
    d = div(f, q, p)
    at_opt, scale = _objective(f, q, p, g)
    other, scale2 = _objective(f, q, p, np.clip(g + x.delta, lo, hi))
    tol = div_tol(f, q, p) + sum_tol(q.size, scale)
    return check(eq("E_Q g* - E_P f*(g*) == D_f(Q||P), g* = f'(q/p)", at_opt, d, tol),
                 le("E_Q g - E_P f*(g) <= D_f(Q||P)", other, d, tol + sum_tol(q.size, scale2)),
                 f=f.name, g_star=g)


S6 = Statement(
    "S6", "D_f(Q||P) = sup_g E_Q g - E_P f*(g), attained at g = f'(q/p)",
    "slides: f-GAN section, 'Variational representation' (Nowozin et al. 2016)",
    "P, Q probability vectors, q > 0; p = 0 only where f'(inf) is finite (there g = f'(inf)); "
    "competitors g = clip(g* + delta, dom f*), |delta| <= 1; any registry f or alpha(a)",
    st.deferred(_variational), _s6,
    notes="where q = 0 < p the sup is a limit g -> f'(0+), not attained; not drawn")

STATEMENTS = [S1, S1_GAN, S1_LOG_TRICK, S1_UNNORMALIZED, S2, S3, S3_NOT_SELF_DUAL, S4,
              S4_UNNORMALIZED, S5, S6]
