r"""Both sides of the mixture bounds of docs/theory.md §2 (S10, S11, S16, S17, S18).

Setting: data ``P_d``, model ``P_g``, new component ``Q`` with weight β ∈ (0, 1], and the
mixture divergence

    (*) = D_f((1 − β) P_g + β Q ‖ P_d).

Every function returns a frozen result with ``lhs``, ``rhs`` and ``slack = rhs − lhs`` (the
inequality holds iff ``slack >= 0``); it never decides with a tolerance: callers compare the
slack with their own. Divergences follow docs/theory.md §0 (computed by :func:`fdiv.divergence`)
and may be ``+inf``; the slack of ``inf ≤ inf`` is 0 (the inequality holds in the extended
reals), ``rhs = inf`` with finite lhs gives ``+inf``, and a finite rhs under an infinite lhs
gives ``−inf``; ``0 · inf := 0`` (docs/theory.md §0), e.g. ``(1 − β) D_f(P_g‖P_d)`` at β = 1.

Statements that compare with ``D_f(P_g‖P_d)`` as a contraction (S11, S16, S18 Hilbertian)
rest on ``D_f(P‖P) = f(1) = 0``: they raise ``ValueError`` for generators with ``f(1) ≠ 0``
(use :func:`fdiv.normalized`). The Hilbertian statements (S11, S18) are computed for any f
(so counterexamples for kl can be exhibited); they are theorems only for Hilbertian f.

Examples
--------
>>> import numpy as np, fdiv
>>> p_data, p_model = np.array([0.5, 0.5]), np.array([0.9, 0.1])
>>> b = fdiv.bounds.s16_star("js", p_data, p_model, 0.5)      # S16 contraction chain
>>> bool(b.slack >= 0)
True
>>> round(fdiv.bounds.c_hilbertian(0.0, 0.5), 12)               # (sqrt(0) + sqrt(1/2))^2
0.5
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from fdiv._divergence import divergence
from fdiv._fdivergence import FDivergence
from fdiv._mixture import r_dagger, r_star
from fdiv._registry import get
from fdiv._validate import check_beta, check_probability, check_same_shape, check_same_support, describe

__all__ = [
    "Bound", "ChainBound", "WeakLearnerBound",
    "s10", "s11", "s16_star", "s16_dagger", "s18_star", "s18_dagger",
    "c_hilbertian", "c_dagger", "gamma_threshold", "s17_max_steps", "s17_rate",
]

_EPS = float(np.finfo(np.float64).eps)
#: s17_rate multiplies one factor per step; beyond this many it would run for minutes.
_MAX_RATE_STEPS = 10**8
#: divergences in ``[-_NEG_TOL, 0)`` are round-off of a zero and read as 0 under square roots.
_NEG_TOL = 1e-12


@dataclass(frozen=True)
class Bound:
    """``lhs ≤ rhs`` for one instance of a statement; ``slack = rhs − lhs``."""

    statement: str
    lhs: float
    rhs: float
    slack: float


@dataclass(frozen=True)
class ChainBound:
    """``lhs ≤ middle ≤ rhs`` (S16 for R*): ``slack = rhs − lhs``, ``slack_left = middle −
    lhs``, ``slack_right = rhs − middle``."""

    statement: str
    lhs: float
    middle: float
    rhs: float
    slack: float
    slack_left: float
    slack_right: float


@dataclass(frozen=True)
class WeakLearnerBound:
    """S18 for one Q: ``lhs = (*)``, ``rhs = c(γ, β) · D_f(P_g‖P_d)`` with ``γ`` the smallest
    value satisfying the premise, ``gamma = D_f(Q‖R) / D_f(P_g‖P_d)`` (``0/0 := 0``,
    ``x/0 := inf``, ``x/inf := 0``, ``inf/inf := inf``), ``c`` the factor and
    ``d_model = D_f(P_g‖P_d)``."""

    statement: str
    lhs: float
    rhs: float
    slack: float
    gamma: float
    c: float
    d_model: float


# --------------------------------------------------------------------------- helpers
def _slack(lhs: float, rhs: float) -> float:
    if math.isinf(lhs) and math.isinf(rhs):
        return 0.0
    return rhs - lhs


def _times(c: float, x: float) -> float:
    """``c · x`` with ``0 · inf := 0`` (docs/theory.md §0)."""
    return 0.0 if c == 0.0 else c * x


def _gen(f) -> FDivergence:
    if isinstance(f, FDivergence):
        return f
    if isinstance(f, str):
        return get(f)
    raise ValueError(f"`f` must be an FDivergence or a registry name; got {f!r:.80}")


def check_f_one_zero(f, statement: str) -> FDivergence:
    """The generator of ``f``, or a ValueError when ``f(1) != 0`` (``statement`` needs ``f(1) = 0``)."""
    g = _gen(f)
    f1 = float(g.f(1.0))
    if abs(f1) > 1e-12:
        raise ValueError(
            f"{statement} compares with D_f(P_g||P_d) as a contraction and needs f(1) = 0; "
            f"`f` = {g.name!r} has f(1) = {f1!r} (use fdiv.normalized(f))"
        )
    return g


def _setting(p_data, p_model, beta):
    check_same_support("p_data", p_data, "p_model", p_model)
    pd = check_probability("p_data", p_data)
    pg = check_probability("p_model", p_model)
    check_same_shape("p_data", pd, "p_model", pg)
    return pd, pg, check_beta(beta)


def _component(name: str, x, pd: np.ndarray, p_data) -> np.ndarray:
    check_same_support("p_data", p_data, name, x)
    arr = check_probability(name, x)
    check_same_shape("p_data", pd, name, arr)
    return arr


def _sqrt(x: float, what: str) -> float:
    if x < 0.0:
        if x < -_NEG_TOL:
            raise ValueError(
                f"S11 takes square roots but {what} = {x!r} < 0; use a generator with f(1) = 0 "
                "(fdiv.normalized)"
            )
        return 0.0
    return math.sqrt(x)


def _ratio(num: float, den: float) -> float:
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    if math.isinf(den):
        return math.inf if math.isinf(num) else 0.0
    return num / den


def _mixture(pg: np.ndarray, q: np.ndarray, beta: float) -> np.ndarray:
    return (1.0 - beta) * pg + beta * q


# --------------------------------------------------------------------------- S10, S11
def s10(f, p_data, p_model, beta, q, r) -> Bound:
    r"""S10 (any f): for every Q and every R with ``β R ≤ P_d``,

    .. math::

        D_f((1-β)P_g + βQ \,\|\, P_d) \le β D_f(Q\|R) + (1-β) D_f\Big(P_g \,\Big\|\,
        \frac{P_d - βR}{1-β}\Big).

    The second term is computed as ``D_f((1 − β) P_g ‖ P_d − β R)`` (perspective identity,
    docs/theory.md §0 on unnormalised measures), which is also right at β = 1.

    Raises
    ------
    ValueError
        Invalid input, or ``β r_i > p_data_i`` beyond round-off (8 ulps) at some i; entries
        of ``P_d − β R`` within that round-off below 0 are set to 0.
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    q = _component("q", q, pd, p_data)
    r = _component("r", r, pd, p_data)
    rest = pd - beta * r
    bad = rest < -8.0 * _EPS * pd
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"S10 needs beta*r <= p_data; got beta*r[{i}] = {beta * r[i]!r} > p_data[{i}] = {pd[i]!r}"
        )
    rest = np.maximum(rest, 0.0)
    lhs = divergence(f, _mixture(pg, q, beta), pd)
    rhs = _times(beta, divergence(f, q, r)) + divergence(f, (1.0 - beta) * pg, rest)
    return Bound("S10", lhs, rhs, _slack(lhs, rhs))


def s11(f, p_data, p_model, beta, q, r) -> Bound:
    r"""S11 (Hilbertian f): for every Q and R,

    .. math::

        \sqrt{D_f((1-β)P_g + βQ \,\|\, P_d)} \le \sqrt{β D_f(Q\|R)}
            + \sqrt{D_f((1-β)P_g + βR \,\|\, P_d)}.

    Computed for any f with f(1) = 0 (docs/theory.md: known false for kl and pearson_chi2, so a
    negative slack there is a counterexample, not an error).
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    q = _component("q", q, pd, p_data)
    r = _component("r", r, pd, p_data)
    check_f_one_zero(f, "S11")
    lhs = _sqrt(divergence(f, _mixture(pg, q, beta), pd), "D_f((1-beta)P_g + beta Q || P_d)")
    rhs = _sqrt(_times(beta, divergence(f, q, r)), "beta D_f(Q || R)") + _sqrt(
        divergence(f, _mixture(pg, r, beta), pd), "D_f((1-beta)P_g + beta R || P_d)")
    return Bound("S11", lhs, rhs, _slack(lhs, rhs))


# --------------------------------------------------------------------------- S16
def s16_star(f, p_data, p_model, beta) -> ChainBound:
    r"""S16 with R*_β (needs f(1) = 0):

    .. math::

        D_f((1-β)P_g + βR^*_β \,\|\, P_d) \le D_f((1-β)P_g + βP_d \,\|\, P_d)
            \le (1-β) D_f(P_g\|P_d).

    The first inequality is the optimality of R* (S12); the second is convexity with
    ``D_f(P_d‖P_d) = 0``.
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    check_f_one_zero(f, "S16")
    rs = r_star(pd, pg, beta).r
    lhs = divergence(f, _mixture(pg, rs, beta), pd)
    middle = divergence(f, _mixture(pg, pd, beta), pd)
    rhs = _times(1.0 - beta, divergence(f, pg, pd))
    return ChainBound("S16", lhs, middle, rhs, _slack(lhs, rhs), _slack(lhs, middle), _slack(middle, rhs))


def s16_dagger(f, p_data, p_model, beta) -> Bound:
    r"""S16 with R†_β (needs f(1) = 0 and S14's assumption ``P_d(p_g = 0) < β``):

    .. math::

        D_f((1-β)P_g + βR^†_β \,\|\, P_d) \le (1-β) D_f(P_g\|P_d).

    Raises
    ------
    ValueError
        Also when ``p_data(p_model == 0) >= beta`` (from :func:`fdiv.r_dagger`).
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    check_f_one_zero(f, "S16")
    rd = r_dagger(pd, pg, beta).r
    lhs = divergence(f, _mixture(pg, rd, beta), pd)
    rhs = _times(1.0 - beta, divergence(f, pg, pd))
    return Bound("S16-dagger", lhs, rhs, _slack(lhs, rhs))


# --------------------------------------------------------------------------- S18
def c_hilbertian(gamma, beta) -> float:
    r"""S18's factor for Hilbertian f: ``c(γ, β) = (√(γβ) + √(1 − β))²``.

    Examples
    --------
    >>> c_hilbertian(0.0, 0.75)
    0.25
    >>> c_hilbertian(gamma_threshold(0.5), 0.5)    # the threshold gives c = 1
    1.0
    """
    g = _check_gamma(gamma)
    b = check_beta(beta)
    return (math.sqrt(g * b) + math.sqrt(1.0 - b)) ** 2


def c_dagger(gamma, beta) -> float:
    r"""S18's factor with R†: ``1 − β(1 − γ)`` (any f, under S14's assumption).

    Examples
    --------
    >>> c_dagger(0.5, 0.5)
    0.75
    """
    g = _check_gamma(gamma)
    b = check_beta(beta)
    return 1.0 - b * (1.0 - g)


def gamma_threshold(beta) -> float:
    r"""``(1 − √(1 − β))² / β``: S18 (Hilbertian) contracts, ``c(γ, β) < 1``, iff γ is below it.

    Computed as ``β / (1 + √(1 − β))²`` (same value, no cancellation for small β).

    Examples
    --------
    >>> gamma_threshold(1.0)
    1.0
    """
    b = check_beta(beta)
    return b / (1.0 + math.sqrt(1.0 - b)) ** 2


def _check_gamma(gamma) -> float:
    if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real) or not gamma >= 0:
        raise ValueError(f"`gamma` must be a real number >= 0; got {gamma!r}")
    return float(gamma)


def s18_star(f, p_data, p_model, beta, q) -> WeakLearnerBound:
    r"""S18 (Hilbertian f, f(1) = 0): if ``D_f(Q‖R*_β) ≤ γ D_f(P_g‖P_d)`` then

    .. math::

        D_f((1-β)P_g + βQ \,\|\, P_d) \le \big(\sqrt{γβ} + \sqrt{1-β}\big)^2 D_f(P_g\|P_d).

    With the smallest admissible γ the right side is
    ``(√(β D_f(Q‖R*)) + √((1 − β) D_f(P_g‖P_d)))²``, which is how it is computed (no 0/0 at
    ``P_g = P_d``). Computed for any f; a theorem for Hilbertian f only.
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    q = _component("q", q, pd, p_data)
    check_f_one_zero(f, "S18")
    rs = r_star(pd, pg, beta).r
    d_model = divergence(f, pg, pd)
    d_qr = divergence(f, q, rs)
    lhs = divergence(f, _mixture(pg, q, beta), pd)
    rhs = (_sqrt(_times(beta, d_qr), "beta D_f(Q || R*)")
           + _sqrt(_times(1.0 - beta, d_model), "(1-beta) D_f(P_g || P_d)")) ** 2
    gamma = _ratio(d_qr, d_model)
    # γ < 0 only from round-off of a zero divergence here (f(1) = 0): the factor uses γ_+
    c = c_hilbertian(max(gamma, 0.0), beta) if math.isfinite(gamma) else math.inf
    return WeakLearnerBound("S18", lhs, rhs, _slack(lhs, rhs), gamma, c, d_model)


def s18_dagger(f, p_data, p_model, beta, q) -> WeakLearnerBound:
    r"""S18 with R† (any f, S14's assumption): if ``D_f(Q‖R†_β) ≤ γ D_f(P_g‖P_d)`` then

    .. math::

        D_f((1-β)P_g + βQ \,\|\, P_d) \le (1 - β(1-γ)) D_f(P_g\|P_d).

    With the smallest admissible γ the right side is
    ``(1 − β) D_f(P_g‖P_d) + β D_f(Q‖R†)``, computed so.

    Raises
    ------
    ValueError
        Also when ``p_data(p_model == 0) >= beta`` (from :func:`fdiv.r_dagger`).
    """
    pd, pg, beta = _setting(p_data, p_model, beta)
    q = _component("q", q, pd, p_data)
    rd = r_dagger(pd, pg, beta).r
    d_model = divergence(f, pg, pd)
    d_qr = divergence(f, q, rd)
    lhs = divergence(f, _mixture(pg, q, beta), pd)
    rhs = _times(1.0 - beta, d_model) + _times(beta, d_qr)
    gamma = _ratio(d_qr, d_model)
    # any f here, so γ may be negative (f(1) < 0, or round-off): the closed form as is
    c = 1.0 - beta * (1.0 - gamma) if math.isfinite(gamma) else math.inf
    return WeakLearnerBound("S18-dagger", lhs, rhs, _slack(lhs, rhs), gamma, c, d_model)


# --------------------------------------------------------------------------- S17
def s17_max_steps(p_data, p_init, beta) -> int:
    r"""S17: with constant β, ``P_{t+1} = (1 − β) P_t + β R*_β(P_t)`` from ``P_1 = p_init ≪
    P_d`` equals P_d from step

    .. math::

        T = 1 + \Big\lceil \frac{\log M}{\log(1/(1-β))} \Big\rceil,
        \qquad M = \operatorname{ess\,sup}_{P_d} \frac{dP_1}{dP_d}
                 = \max_{p_{d,i} > 0} \frac{p_{1,i}}{p_{d,i}}

    on (``T = 1`` when ``M = 1``, i.e. ``P_1 = P_d``). This count is exact, not only a bound:
    while ``(1 − β) M_t > 1`` the largest ratio shrinks by exactly ``1 − β`` per step, and
    ``λ* = 1`` (S13) as soon as it does not. At β = 1 the ceiling is taken as 1 (``P_2 = P_d``).
    The count is computed exactly for the given floats: M as a rational, the ceiling by
    high-precision logarithms, and ties (``M (1 − β)^k = 1``) in rational arithmetic.

    Raises
    ------
    ValueError
        Invalid input, or ``p_init`` not ≪ ``p_data`` (mass where ``p_data = 0``).

    Examples
    --------
    >>> s17_max_steps([0.5, 0.5], [0.875, 0.125], 0.5)    # M = 1.75: one halving suffices
    2
    >>> s17_max_steps([0.25, 0.75], [1.0, 0.0], 0.5)      # M = 4 = 2^2
    3
    """
    check_same_support("p_data", p_data, "p_init", p_init)
    pd = check_probability("p_data", p_data)
    p1 = check_probability("p_init", p_init)
    check_same_shape("p_data", pd, "p_init", p1)
    beta = check_beta(beta)
    outside = (pd == 0.0) & (p1 > 0.0)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"S17 needs P_1 << P_d; got p_init[{i}] = {p1[i]!r} where p_data[{i}] = 0 "
            f"(mass {float(p1[outside].sum())!r} outside the data support)"
        )
    on = (pd > 0.0) & (p1 > 0.0)
    m = _ess_sup_ratio(p1[on], pd[on])
    if m <= 1:
        return 1
    if beta == 1.0:
        return 2
    return 1 + max(1, _steps(m, 1 - Fraction(beta)))


def _ess_sup_ratio(p1: np.ndarray, pd: np.ndarray) -> Fraction:
    """``max p1_i / pd_i`` as an exact rational: the float logarithms only pick the candidates
    (those within 1e-9 of the largest log-ratio; log rounding is ~1e-13 absolute)."""
    log_r = np.log(p1) - np.log(pd)
    cand = np.flatnonzero(log_r >= float(np.max(log_r)) - 1e-9)
    return max(Fraction(float(p1[i])) / Fraction(float(pd[i])) for i in cand)


def _steps(m: Fraction, c: Fraction) -> int:
    """The smallest integer k >= 0 with ``m c^k <= 1`` (``m > 1``, ``0 < c < 1``), exactly.

    ``k = ⌈log m / log(1/c)⌉``: the quotient is formed by mpmath at a precision that grows
    until it is clear of every integer by far more than its error; a quotient at an integer
    (an exact tie such as m = 4, c = 1/2, possible only for small k, since m and c are
    ratios of floats) is settled by rational arithmetic.
    """
    import mpmath

    for dps in (40, 200, 1000):
        with mpmath.workdps(dps):
            beta = mpmath.mpf(float(1 - c))  # exact: 1 - c is the float beta
            x = (mpmath.log(m.numerator) - mpmath.log(m.denominator)) / -mpmath.log1p(-beta)
            k = int(mpmath.nint(x))
            if abs(x - k) > mpmath.mpf(10) ** (10 - dps) * max(1, abs(x)):
                return int(mpmath.ceil(x))
    if k > 100_000:  # pragma: no cover - no float input is this close to a tie
        raise ValueError(f"S17 step count too close to a tie to decide: log M / log(1/(1 - beta)) ~ {k}")
    return k if m * c ** k <= 1 else k + 1


def s17_rate(schedule, t) -> float:
    r"""S17's rate ``Π_{s=2}^{t} (1 − β_s)``: iterating S16 gives
    ``D_f(P_t‖P_d) ≤ Π_{s=2}^{t} (1 − β_s) · D_f(P_1‖P_d)`` (``(1 − β)^{t−1}`` for constant β,
    ``1/t`` for β_s = 1/s).

    ``schedule`` is any object with ``.beta(s)`` (see :func:`fdiv.beta_schedule`).

    Examples
    --------
    >>> import fdiv
    >>> round(s17_rate(fdiv.beta_schedule("boosted"), 4), 15)
    0.25
    """
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(f"`t` must be a positive integer; got {describe(t)}")
    if t > _MAX_RATE_STEPS:
        raise ValueError(f"`t` must be at most {_MAX_RATE_STEPS} (the product is taken step by "
                         f"step over any schedule); got {describe(t)}")
    rate = 1.0
    for s in range(2, int(t) + 1):
        rate *= 1.0 - schedule.beta(s)
    return rate
