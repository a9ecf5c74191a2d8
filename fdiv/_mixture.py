"""Optimal next mixture components R*_β (S12, S15) and R†_β (S14) on a finite support.

With data ``p_d``, current model ``p_g`` and weight β ∈ (0, 1] (docs/theory.md §2):

    R*_β = (λ* p_d − (1 − β) p_g)_+ / β,    λ* ≤ 1 the unique root of Σ_i (λ p_d,i − (1−β) p_g,i)_+ = β
    R†_β = (p_d − λ† (1 − β) p_g)_+ / β,    λ† ≥ 1 the unique root of Σ_i (p_d,i − λ (1−β) p_g,i)_+ = β

Neither depends on f. λ is found exactly by :mod:`fdiv._lambda` (active set by a bucket
search, then the closed form on the located linear piece); the component itself is formed
by :mod:`fdiv._component` with λ eliminated, accurate for every β.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdiv import _component, _lambda
from fdiv._stack import is_beta_array, stack_over_beta
from fdiv._validate import check_beta, check_probability, check_same_shape, check_same_support

__all__ = ["MixtureComponent", "r_star", "r_dagger"]

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class MixtureComponent:
    """An optimal mixture component and its scalar.

    Attributes
    ----------
    For an array of β (``r_star(p_data, p_model, [0.1, 0.5])``) every field is stacked on
    leading axes of β's shape: ``r`` has shape ``beta.shape + (n,)``, ``lam``, ``active``,
    ``residual`` and ``beta`` are arrays of ``beta.shape``, ``kind`` stays a string; each entry
    equals the scalar call's result exactly.

    r : ndarray
        The component (read-only probability vector, same length as the inputs), formed
        without the rounded λ (:mod:`fdiv._component`), so it stays accurate and sums to 1
        to round-off however small β is (β = 1e-300 included).
    lam : float
        λ* (``kind == "star"``) or λ† (``kind == "dagger"``). λ† is +inf when it exceeds the
        float range (p_model ~ 1e-310 where p_data is not); ``r`` is still exact then.
    active : int
        Size of the support of ``r`` (number of ``r_i > 0``).
    residual : float
        ``|Σ r − 1|`` (compensated sum): the mass equation's residual.
    kind : str
        ``"star"`` or ``"dagger"``.
    beta : float
        The weight β the component was computed for.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> res = fdiv.r_star(np.array([0.5, 0.5]), np.array([0.9, 0.1]), 0.5)
    >>> res.kind, res.beta, res.r.round(12).tolist(), round(res.lam, 12)
    ('star', 0.5, [0.1, 0.9], 1.0)
    """

    r: np.ndarray
    lam: float
    active: int
    residual: float
    kind: str
    beta: float


def _inputs(p_data, p_model, beta):
    check_same_support("p_data", p_data, "p_model", p_model)
    a = check_probability("p_data", p_data)
    pm = check_probability("p_model", p_model)
    check_same_shape("p_data", a, "p_model", pm)
    beta = check_beta(beta)
    return a, pm, beta


def _sum_slack(a: np.ndarray, pm: np.ndarray) -> float:
    """Relative room that round-off and inputs normalised only to ``check_probability``'s
    tolerance leave around the theorems λ* ≤ 1 and λ† ≥ 1 (both assume exact sums of 1)."""
    return 64.0 * a.size * _EPS + abs(float(a.sum()) - 1.0) + abs(float(pm.sum()) - 1.0)


def _frexp_lt(x1, y1, x2, y2):
    m1, e1 = np.frexp(x1)
    m2, e2 = np.frexp(y1)
    m3, e3 = np.frexp(x2)
    m4, e4 = np.frexp(y2)
    lhs = m1 * m2
    with np.errstate(over="ignore", under="ignore"):
        rhs = np.ldexp(m3 * m4, (e3 + e4) - (e1 + e2))
    return np.where(lhs == 0.0, m3 * m4 > 0.0, lhs < rhs)


def _prod_lt(x1, y1, x2, y2):
    """``x1 y1 < x2 y2`` for nonnegative finite floats, exact in the exponent range: where
    either product is subnormal, zero or beyond 1e300 (subnormal masses, huge ratios) it is
    decided on mantissas and exponents (``frexp``: mantissas multiplied, exponents added, one
    side rescaled by an exact power of two that saturates only where the answer is already
    decided); elsewhere the rounded products compare the same way to within an ulp."""
    x1, y1, x2, y2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x1, y1, x2, y2)))
    with np.errstate(over="ignore", under="ignore"):
        lhs = x1 * y1
        rhs = x2 * y2
    out = lhs < rhs
    tiny = np.finfo(np.float64).tiny
    odd = (lhs < tiny) | (rhs < tiny) | (lhs > 1e300) | (rhs > 1e300)
    if odd.any():
        out[odd] = _frexp_lt(x1[odd], y1[odd], x2[odd], y2[odd])
    return out


def _refined(a, pm, beta, dagger, superset):
    """``(r, active, residual)`` from :func:`fdiv._component.component` (accurate for every β,
    including β far below the round-off of the inputs)."""
    r = np.empty_like(a)
    total, active, _, _ = _component.component(a, pm, np.zeros_like(pm), beta, beta, dagger,
                                               superset, r)
    return r, int(active), abs(float(total) - 1.0)


def _freeze(r: np.ndarray) -> np.ndarray:
    r.flags.writeable = False
    return r


def r_star(p_data, p_model, beta) -> MixtureComponent:
    """R*_β of S12: the minimiser of ``D_f((1 − β) P_g + β R ‖ P_d)`` over all R, for every f.

    ``R*_β = (λ* p_data − (1 − β) p_model)_+ / β`` with λ* the unique root of
    ``Σ_i (λ p_data,i − (1 − β) p_model,i)_+ = β``; λ* ≤ 1 (S12) and ``λ* = 1`` iff
    ``(1 − β) p_model ≤ p_data`` everywhere (S13). By S15 it also minimises the mixture
    divergence over every Q, so β = 1 (``R* = P_d``) is best "in theory".

    Parameters
    ----------
    p_data, p_model : array_like
        1-D probability vectors on the same support (zeros allowed on either side).
    beta : float or array_like
        Weight of the new component, ``0 < beta <= 1``; an array of β gives the results
        stacked on leading axes (see :class:`MixtureComponent`).

    Returns
    -------
    MixtureComponent
        ``.r``, ``.lam`` (λ*), ``.active``, ``.residual``.

    Raises
    ------
    ValueError
        Invalid input (not probability vectors, shapes differ, β outside (0, 1]).
    RuntimeError
        If the computed λ* exceeds 1 beyond round-off (a bug: S12 proves λ* ≤ 1).

    Notes
    -----
    Boundary cases: points with ``p_data = 0`` get ``r = 0``; points with ``p_model = 0 <
    p_data`` are always in the support of R*; with disjoint supports ``λ* = β`` and
    ``R* = P_d``; with β = 1 or ``p_model = p_data``, ``R* = P_d`` and ``λ* = 1``.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> res = fdiv.r_star([0.5, 0.5], [0.9, 0.1], 0.2)
    >>> round(res.lam, 12), res.r.tolist(), res.active
    (0.56, [0.0, 1.0], 1)
    >>> bool(np.allclose(fdiv.r_star([0.2, 0.8], [0.2, 0.8], 0.3).r, [0.2, 0.8]))
    True
    >>> fdiv.r_star([0.5, 0.5], [0.9, 0.1], [0.2, 1.0]).lam.round(12).tolist()   # an array of β
    [0.56, 1.0]
    """
    if is_beta_array(beta):
        return stack_over_beta(lambda b: r_star(p_data, p_model, b), beta)
    a, pm, beta = _inputs(p_data, p_model, beta)
    c = 1.0 - beta
    if beta == 1.0:
        lam_c = float(_lambda.lambda_star(a, np.zeros_like(a), beta))
        lam = lam_c
        superset = a > 0.0
    else:
        # Σ (λ a − c p_model)_+ = β  ⇔  Σ ((λ/c) a − p_model)_+ = β/c: the solver never sees
        # the rounded products c·p_model (which underflow or lose bits for subnormal masses)
        lam_c = float(_lambda.lambda_star(a, pm, beta / c))
        lam = c * lam_c
        superset = (a > 0.0) & ~_prod_lt(a, lam_c * (1.0 + _component.MARGIN), pm, 1.0)
    bound = max(1.0, (beta + c * float(pm.sum())) / float(a.sum()))
    if not lam <= bound * (1.0 + _sum_slack(a, pm)):
        raise RuntimeError(
            f"lambda* = {lam!r} exceeds 1 (S12 proves lambda* <= 1; bound with the given sums "
            f"{bound!r}); beta = {beta!r}, n = {a.size}: this is a bug in fdiv._lambda"
        )
    r = _refined(a, pm, beta, False, superset)
    return MixtureComponent(_freeze(r[0]), lam, r[1], r[2], "star", beta)


def r_dagger(p_data, p_model, beta) -> MixtureComponent:
    """R†_β of S14: the minimiser of ``D_f(P_g ‖ (P_d − β R)/(1 − β))`` over ``{R : β R ≤ P_d}``.

    ``R†_β = (p_data − λ† (1 − β) p_model)_+ / β`` with λ† ≥ 1 the unique root of
    ``Σ_i (p_data,i − λ (1 − β) p_model,i)_+ = β``. It does not depend on f and satisfies
    ``β R† ≤ P_d``. It exists iff ``P_d(p_model = 0) < β`` (S14's assumption): the points
    with ``p_model = 0`` keep their whole data mass whatever λ.

    Parameters
    ----------
    p_data, p_model : array_like
        1-D probability vectors on the same support.
    beta : float or array_like
        ``0 < beta <= 1`` (an array of β stacks the results on leading axes, as in
        :func:`r_star`). At β = 1 every λ gives ``R† = P_d``; ``lam`` is then 1 by
        convention (the smallest value the theorem allows). The same holds, numerically, when
        ``1 − β`` is within the round-off of the sums (λ†'s condition number is ~1/(1 − β)):
        a computed λ† below 1 is then reported as 1.

    Returns
    -------
    MixtureComponent
        ``.r``, ``.lam`` (λ†), ``.active``, ``.residual``.

    Raises
    ------
    ValueError
        Invalid input, or ``p_data(p_model == 0) >= beta`` (the message gives both), or
        ``beta < 1`` but not below ``sum(p_data)`` (β within round-off of 1: no root exists for
        the given floats).
    RuntimeError
        If the computed λ† is below 1 beyond round-off (a bug: S14 proves λ† ≥ 1).

    Examples
    --------
    >>> import fdiv
    >>> res = fdiv.r_dagger([0.5, 0.5], [0.9, 0.1], 0.2)
    >>> round(res.lam, 12), res.r.tolist()
    (3.75, [0.0, 1.0])
    >>> fdiv.r_dagger([0.5, 0.5], [0.9, 0.1], [0.2, 0.5]).r.shape
    (2, 2)
    """
    if is_beta_array(beta):
        return stack_over_beta(lambda b: r_dagger(p_data, p_model, b), beta)
    a, pm, beta = _inputs(p_data, p_model, beta)
    missed = float(a[pm == 0.0].sum())
    if missed >= beta:
        raise ValueError(
            f"R-dagger needs p_data(p_model == 0) < beta (S14); got missed mass {missed!r} >= "
            f"beta = {beta!r}: no lambda makes (p_data - lambda (1 - beta) p_model)_+ / beta a "
            "probability"
        )
    if beta == 1.0:
        r = np.empty_like(a)
        lam = 1.0
        total, active = _lambda.dagger_component(a, np.zeros_like(a), lam, 1.0, beta, r)
        return MixtureComponent(_freeze(r), lam, int(active), abs(float(total) - 1.0), "dagger", beta)
    total_data = float(a.sum())
    if beta >= total_data:
        raise ValueError(
            f"R-dagger needs beta < sum(p_data); got beta = {beta!r} >= sum(p_data) = "
            f"{total_data!r}: beta is within the round-off of p_data's normalisation of 1, "
            "where no lambda >= 0 solves the mass equation (use beta = 1, where R-dagger = P_d)"
        )
    c = 1.0 - beta
    # Σ (p_data − λ c p_model)_+ = β is solved for μ = λ c on p_model itself: a rounded
    # c·p_model could underflow to 0 (and turn a point into "missed mass") or lose bits
    A, B, _ = _lambda.active_sums(a, pm, beta, 0.0)
    num, den = A - beta, B
    slack = _sum_slack(a, pm) / c
    if slack >= 1.0 and den > 0.0 and num < c * den:
        # 1 − β is within the round-off of the sums: λ† ≥ 1 cannot be resolved from these
        # floats (its condition number is ~1/(1 − β)), and every λ of order 1 gives the same
        # r to round-off; use the theorem's bound λ† = 1
        num = c * den
    with np.errstate(over="ignore"):
        lam = float((num / den) / c) if den > 0.0 else float("nan")  # +inf: overflow, r stays exact
    bound = min(1.0, (total_data - beta) / (c * float(pm.sum())))
    if not (den > 0.0 and num > 0.0 and lam >= bound * (1.0 - slack)):
        raise RuntimeError(
            f"lambda-dagger = {lam!r} is below 1 (S14 proves lambda-dagger >= 1; bound with the "
            f"given sums {bound!r}); beta = {beta!r}, missed mass {missed!r}, n = {a.size}: this "
            "is a bug in fdiv._lambda"
        )
    # active: p_model μ < p_data with μ = num/den, widened by the margin
    superset = (a > 0.0) & _prod_lt(pm, num * (1.0 - _component.MARGIN), a, den)
    r = _refined(a, pm, beta, True, superset)
    return MixtureComponent(_freeze(r[0]), lam, r[1], r[2], "dagger", beta)
