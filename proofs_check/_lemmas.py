"""S10, S11: the two surrogate upper bounds on D_f((1-β)P_g + βQ || P_d) (slides: "Minimizing
f-divergences with mixtures", paper Lemma 1), and the Hilbertian triangle inequality behind S11."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol
from proofs_check._core import Part, Statement, check, eq, le, truth

SLIDES_LEMMA = "slides: 'Minimizing f-divergences with mixtures', Lemma (surrogate upper bounds); paper Lemma 1"


@dataclass(frozen=True, eq=False)
class FMixture:
    f: object
    m: pcs.MixtureInstance


def _s10(x: FMixture):
    f, m = x.f, x.m
    b = m.beta
    mix = (1 - b) * m.p_model + b * m.q
    rest = np.maximum(m.p_data - b * m.r, 0.0) / (1 - b)  # >= 0 exactly; rounding can give -1e-17
    lhs = div(f, mix, m.p_data)
    t1, t2 = div(f, m.q, m.r), div(f, m.p_model, rest)
    rhs = b * t1 + (1 - b) * t2
    tol = div_tol(f, mix, m.p_data) + b * div_tol(f, m.q, m.r) + (1 - b) * div_tol(f, m.p_model, rest)
    import fdiv

    lib = fdiv.bounds.s10(f, m.p_data, m.p_model, b, m.q, m.r)  # rhs via the perspective D((1-b)Pg || Pd - bR)
    return check(le("D_f((1-b)Pg+bQ||Pd) <= b D_f(Q||R) + (1-b) D_f(Pg||(Pd-bR)/(1-b))", lhs, rhs, tol),
                 eq("fdiv.bounds.s10 lhs", float(lib.lhs), lhs, tol), eq("fdiv.bounds.s10 rhs", float(lib.rhs), rhs, tol),
                 f=f.name, D_Q_R=t1, D_Pg_rest=t2)


S10 = Statement(
    "S10", "(*) <= b D_f(Q||R) + (1-b) D_f(P_g || (P_d - bR)/(1-b)) for every Q and R with bR <= P_d",
    SLIDES_LEMMA, "any convex f (registry incl. gan/log_trick, alpha(a)); bR <= P_d by construction "
    "(R = P_d u / sum, b <= min P_d/R, equality allowed); b <= 0.999",
    st.builds(FMixture, pcs.fdivergences(f1_zero=None), pcs.mixture_instances()), _s10)


def sqrt_sum_part(name: str, a: float, ta: float, b: float, tb: float, c: float, tc: float) -> Part:
    """Part for ``sqrt(a) <= sqrt(b) + sqrt(c)``, compared squared: ``a <= (sqrt b + sqrt c)^2``;
    the tolerance is the change of the right side when b and c move up by their round-off
    (it is large only where b or c is within round-off of 0, where sqrt is ill-conditioned)."""
    # a divergence within round-off below 0 (e.g. D(P||P) = -1e-17) counts as 0; beyond, nan fails
    b = max(b, 0.0) if b >= -tb else math.nan
    c = max(c, 0.0) if c >= -tc else math.nan
    rhs = (math.sqrt(b) + math.sqrt(c)) ** 2 if b >= 0 and c >= 0 else math.nan
    if not (math.isfinite(rhs) and math.isfinite(a)):
        return le(name, a, rhs, 0.0)
    upper = (math.sqrt(b + tb) + math.sqrt(c + tc)) ** 2
    return le(name, a, rhs, ta + (upper - rhs))


def _s11(x: FMixture):
    f, m = x.f, x.m
    b = m.beta
    mix_q = (1 - b) * m.p_model + b * m.q
    mix_r = (1 - b) * m.p_model + b * m.r
    a, d_qr, c = div(f, mix_q, m.p_data), div(f, m.q, m.r), div(f, mix_r, m.p_data)
    part = sqrt_sum_part("sqrt((*)) <= sqrt(b D_f(Q||R)) + sqrt(D_f((1-b)Pg+bR||Pd))  [squared]",
                          a, div_tol(f, mix_q, m.p_data), b * d_qr, b * div_tol(f, m.q, m.r),
                          c, div_tol(f, mix_r, m.p_data))
    return check(part, f=f.name, hilbertian=bool(f.hilbertian), D_Q_R=d_qr, D_mixR_Pd=c)


def _s11_with_library(x: FMixture):
    """S11 plus fdiv.bounds.s11's left side (its sqrt of (*)) against ours (the variants use
    :func:`_s11` alone: a counterexample must violate the claim itself)."""
    import fdiv

    c = _s11(x)
    m, tol = x.m, div_tol(x.f, (1 - x.m.beta) * x.m.p_model + x.m.beta * x.m.q, x.m.p_data)
    lib = fdiv.bounds.s11(x.f, m.p_data, m.p_model, m.beta, m.q, m.r)
    return check(c.parts, eq("fdiv.bounds.s11 lhs^2 == (*)", float(lib.lhs) ** 2, max(c.parts[0].lhs, 0.0), 4 * tol),
                 **c.detail)


@st.composite
def _any_r(draw):
    """Any Q, R (S11 has no bR <= P_d); half the time R lies on the segment from Q to P_d,
    where the square-root bound is tightest (it is a triangle inequality through R)."""
    m = draw(pcs.mixture_instances(feasible=False, max_beta=1.0))
    if draw(st.booleans()):
        s = draw(st.floats(0.0, 1.0))
        m = pcs.MixtureInstance(m.p_data, m.p_model, m.beta, m.q, (1 - s) * m.q + s * m.p_data, False)
    return m


_ANY_R = st.deferred(_any_r)
S11 = Statement(
    "S11", "Hilbertian f: sqrt((*)) <= sqrt(b D_f(Q||R)) + sqrt(D_f((1-b)P_g + bR || P_d)) for all Q, R",
    SLIDES_LEMMA, "f with fdiv's .hilbertian = True (js, tv, squared_hellinger, triangular, ...); "
    "any Q, R (half the time R on the segment Q -> P_d); b in (0, 1]",
    st.builds(FMixture, pcs.fdivergences(hilbertian=True), _ANY_R), _s11_with_library)


def _s11_variant(name: str) -> Statement:
    return Statement(
        f"S11-{name}", f"S11 for {name} (not Hilbertian): the square-root bound fails", SLIDES_LEMMA,
        f"f = {name} (Hilbertian assumption dropped); any Q, R; b in (0, 1]",
        st.builds(FMixture, pcs.fdivergences(f1_zero=None, alpha=False, names=(name,)), _ANY_R), _s11,
        expect="refuted")


S11_KL, S11_PEARSON = _s11_variant("kl"), _s11_variant("pearson_chi2")


@dataclass(frozen=True, eq=False)
class Triple:
    f: object
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


@st.composite
def _triples(draw, fs):
    """Three probability vectors; half the time B lies on the segment from A to C."""
    n = draw(pcs.sizes())
    a, b, c = (draw(pcs.probability_vectors(n)) for _ in range(3))
    if draw(st.booleans()):
        s = draw(st.floats(0.0, 1.0))
        b = (1 - s) * a + s * c
    return Triple(draw(fs), a, b, c)


def _triangle(x: Triple):
    f = x.f
    ac, ab, bc = div(f, x.a, x.c), div(f, x.a, x.b), div(f, x.b, x.c)
    part = sqrt_sum_part("sqrt D(A||C) <= sqrt D(A||B) + sqrt D(B||C)  [squared]",
                          ac, div_tol(f, x.a, x.c), ab, div_tol(f, x.a, x.b), bc, div_tol(f, x.b, x.c))
    return check(part, truth(f"fdiv says {f.name} is Hilbertian", bool(f.hilbertian)), f=f.name)


def _not_hilbertian(x: Triple):
    c = _triangle(x)
    flag = truth(f"fdiv says {x.f.name} is not Hilbertian", not bool(x.f.hilbertian))
    if not flag.holds:  # a wrong flag is a library error, not a refutation
        raise ValueError(f"fdiv.get({x.f.name!r}).hilbertian is True but docs/theory.md §0 says False")
    return check(c.parts[0], flag, **c.detail)


S11_TRIANGLE = Statement(
    "S11-triangle", "Hilbertian f: sqrt(D_f) satisfies the triangle inequality (the fact behind S11)",
    "slides: 'JS-divergence, TV, Hellinger, and others are Hilbertian metrics'; docs/theory.md §0",
    "f with .hilbertian = True; A, B, C probability vectors (zeros allowed; half the time B on the "
    "segment A -> C)",
    st.deferred(lambda: _triples(pcs.fdivergences(hilbertian=True))), _triangle)


def _triangle_variant(name: str) -> Statement:
    return Statement(
        f"S11-triangle-{name}", f"sqrt(D_{name}) violates the triangle inequality (not Hilbertian)",
        "docs/theory.md §0: 'false for kl, reverse_kl, the chi2 pair, jeffreys'",
        f"f = {name}; A, B, C probability vectors",
        st.deferred(lambda: _triples(pcs.fdivergences(f1_zero=None, alpha=False, names=(name,)))),
        _not_hilbertian, expect="refuted")


TRIANGLE_VARIANTS = [_triangle_variant(n) for n in
                     ("kl", "reverse_kl", "pearson_chi2", "neyman_chi2", "jeffreys")]

STATEMENTS = [S10, S11, S11_KL, S11_PEARSON, S11_TRIANGLE, *TRIANGLE_VARIANTS]
