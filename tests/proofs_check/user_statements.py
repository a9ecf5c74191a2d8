"""A statement module written as a user would (``--statements tests.proofs_check.user_statements``):
three properties of f-divergences that hold and one that does not (used by the tests of
registration, the JSON report and ``as_test``; not collected by pytest itself)."""
import numpy as np
from hypothesis import strategies as st

import fdiv
import proofs_check
from proofs_check import check, ge, le, strategies as pcs, tolerances as tol


@st.composite
def channels(draw):
    """``(f, q, p, K)``: an f-divergence, two distributions on n points and a random Markov kernel
    K (n x m, rows probability vectors)."""
    f = draw(pcs.fdivergences())
    q, p = draw(pcs.distribution_pairs())
    m = draw(st.integers(1, 5))
    kernel = np.stack([draw(pcs.probability_vectors(m)) for _ in range(q.size)])
    return f, q, p, kernel


def dpi(inst):
    """Data processing: D_f(QK || PK) <= D_f(Q || P)."""
    f, q, p, kernel = inst
    qk, pk = q @ kernel, p @ kernel
    lhs, rhs = fdiv.divergence(f, qk, pk), fdiv.divergence(f, q, p)
    return check(le("D_f(QK||PK) <= D_f(Q||P)", lhs, rhs, tol.div_tol(f, qk, pk) + tol.div_tol(f, q, p)))


@st.composite
def two_pairs(draw):
    """``(f, (q1, p1), (q2, p2), lam)`` on one support."""
    n = draw(pcs.sizes())
    vecs = [draw(pcs.probability_vectors(n)) for _ in range(4)]
    return draw(pcs.fdivergences()), vecs[0], vecs[1], vecs[2], vecs[3], draw(st.floats(0.0, 1.0))


def joint_convexity(inst):
    """D_f(l Q1 + (1-l) Q2 || l P1 + (1-l) P2) <= l D_f(Q1||P1) + (1-l) D_f(Q2||P2)."""
    f, q1, p1, q2, p2, lam = inst
    q, p = lam * q1 + (1 - lam) * q2, lam * p1 + (1 - lam) * p2
    lhs = fdiv.divergence(f, q, p)
    rhs = sum(w * fdiv.divergence(f, a, b) for w, a, b in ((lam, q1, p1), (1 - lam, q2, p2)) if w > 0)  # 0 inf = 0
    slack_tol = tol.div_tol(f, q, p) + tol.div_tol(f, q1, p1) + tol.div_tol(f, q2, p2)
    return check(le("joint convexity", lhs, rhs, slack_tol))


@proofs_check.statement("U-pinsker", "Pinsker: KL(Q||P) >= TV(Q,P)^2 / 2 (fdiv's tv is sum |q - p|)",
                        strategy=pcs.distribution_pairs(), source="Pinsker's inequality")
def pinsker(qp):
    q, p = qp
    kl, tv = fdiv.divergence("kl", q, p), fdiv.divergence("tv", q, p)
    return check(ge("KL >= TV^2/2", kl, tv ** 2 / 2, tol.div_tol(fdiv.get("kl"), q, p) + tol.side_tol(kl, tv, q.size)))


def kl_below_tv(qp):
    """False: KL(Q||P) <= TV(Q,P) (KL is unbounded, TV <= 2); returns a bool (the shorthand)."""
    q, p = qp
    return bool(fdiv.divergence("kl", q, p) <= fdiv.divergence("tv", q, p))


STATEMENTS = [
    proofs_check.Statement("U-dpi", "data processing under a random Markov kernel: D_f(QK||PK) <= D_f(Q||P)",
                           "Csiszar 1967", "K row-stochastic", channels(), dpi),
    proofs_check.Statement("U-joint", "joint convexity of D_f", "Csiszar 1967", "0 <= l <= 1", two_pairs(),
                           joint_convexity),
    proofs_check.Statement("U-kl-le-tv", "KL(Q||P) <= TV(Q,P) (false)", "a wrong claim", "-",
                           pcs.distribution_pairs(), kl_below_tv),
]
