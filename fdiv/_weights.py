"""AdaGAN training weights from a discriminator (docs/theory.md §3) and the TopKLast β rule.

A discriminator trained on data (label 1) against the current mixture (label 0) gives
``h(x) = (1 − D(x)) / D(x) ≈ dP_g/dP_d``. With every data point weighted ``p_i = 1/N``:

    star   (R*, S12):  w_i = (1/(Nβ)) (λ* − (1 − β) h_i)_+ ,     Σ_i (λ* − (1−β) h_i)_+ = Nβ
    dagger (R†, S14):  w_i = (1/(Nβ)) (1 − λ† (1 − β) h_i)_+ ,   Σ_i (1 − λ† (1−β) h_i)_+ = Nβ

λ is found exactly by the kernels of :mod:`fdiv._lambda` (a_i = 1, b_i = (1 − β) h_i,
target Nβ); there is no fallback: when no λ exists a ``ValueError`` says why.

Saturated outputs (d ~ 1e-300, subnormal d) keep their exact weights: star weights depend
on h only through the gaps ``h_i − min h = (max d − d_i)/(d_i max d)`` and dagger weights
only on h up to a factor, so both are formed from d scaled by a power of two (exact), as
double-doubles, and never from ``1/d`` itself.

Case table for one point (β < 1):

    D(x_i) = 0      h_i = +inf   w_i = 0 (both kinds)
    D(x_i) = 1      h_i = 0      w_i = λ*/(Nβ) (the largest star weight); 1/(Nβ) (dagger)
    0 < D(x_i) < 1  h_i finite   formula above

At β = 1 the new component replaces the model: ``(1 − β) h_i = 0·h_i := 0`` (THEORY §0,
``0·∞ := 0``), so every point gets ``1/N`` and λ = 1 (for the dagger kind every λ works; 1 by
convention, as in :func:`fdiv.r_dagger`).

The λ* ≤ 1 / λ† ≥ 1 theorems need ``Σ p_i h_i = 1``, which an estimated h does not satisfy,
so they are not enforced here.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from fdiv import _component, _lambda
from fdiv._exact import two_prod, two_sum
from fdiv._stack import is_beta_array, stack_over_beta
from fdiv._validate import as_real, check_beta, describe

__all__ = ["AdaGanWeights", "weights_from_discriminator", "topklast_beta"]


@dataclass(frozen=True)
class AdaGanWeights:
    """Data weights for the next AdaGAN component (for an array of β, every field is stacked
    on leading axes of β's shape; see :func:`fdiv.weights_from_discriminator`).

    Attributes
    ----------
    w : ndarray
        Read-only, nonnegative, sums to 1 up to round-off.
    lam : float
        λ* (``kind == "star"``) or λ† (``kind == "dagger"``) of docs/theory.md §3 (λ* is
        +inf and λ† may round to 0 where every d is so small that h leaves the float range;
        ``w`` stays exact).
    active : int
        Number of points with ``w_i > 0``.
    residual : float
        ``|Σ w − 1|`` (compensated sum).
    kind : str
        ``"star"`` or ``"dagger"``.
    beta : float

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> d = np.array([0.9, 0.5, 0.5, 0.1])          # D(x_i): the first point is under-covered
    >>> res = fdiv.weights_from_discriminator(d, 0.5)
    >>> res.kind, res.active, bool(abs(res.w.sum() - 1) <= 1e-12)
    ('star', 3, True)
    >>> bool(res.w[0] > res.w[1] == res.w[2] > res.w[3])
    True
    """

    w: np.ndarray
    lam: float
    active: int
    residual: float
    kind: str
    beta: float


def _check_d(d) -> np.ndarray:
    arr = as_real("d", d, contiguous=True)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"`d` must be 1-D and nonempty (one discriminator output per data point); got shape "
                         f"{arr.shape}")
    bad = ~((arr >= 0.0) & (arr <= 1.0))  # NaN included
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"`d` must contain probabilities in [0, 1]; got {arr[i].item()!r} at index {i}")
    return arr


def _h(d: np.ndarray) -> np.ndarray:
    """``h = (1 − d)/d`` with ``h = +inf`` at ``d = 0`` (no division by zero) and where the
    ratio overflows (subnormal d)."""
    h = np.full(d.shape, np.inf)
    with np.errstate(over="ignore"):
        np.divide(1.0 - d, d, out=h, where=d > 0.0)
    return h


def _scaled(d: np.ndarray):
    """``(d 2^k, k)`` with ``k >= 0`` the power of two that brings ``max d`` into [1/2, 1]
    (exact: scaling up by a power of two never rounds)."""
    dmax = float(d.max())
    k = max(0, -math.frexp(dmax)[1]) if dmax > 0.0 else 0
    return np.ldexp(d, k), k


def _dd_div(n_hi, n_lo, den_hi, den_lo):
    """Double-double quotient ``(n_hi + n_lo)/(den_hi + den_lo)`` for ``den_hi > 0``; the
    correction term is dropped (lo = 0) where the leading quotient is beyond the range of
    Dekker's split (> 1e290, where only "huge" matters) or not finite."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        q = n_hi / den_hi
        ok = np.isfinite(q) & (q < 1e290) & (den_hi > 0.0)
        qs = np.where(ok, q, 0.0)
        p, e = two_prod(qs, np.where(ok, den_hi, 0.0))
        r = (((n_hi - p) - e) + n_lo) - qs * den_lo
        q2 = np.where(ok, r / np.where(ok, den_hi, 1.0), 0.0)
        hi, lo = two_sum(qs, q2)
    return np.where(ok, hi, q), np.where(ok, lo, 0.0)


def _gaps(d: np.ndarray):
    """Star weights depend on h only through ``g_i = h_i − min h = 1/d_i − 1/max d
    = (max d − d_i)/(d_i max d)``, formed here as a double-double from the exact difference
    and the exact product of d scaled by a power of two. No quantity overflows or underflows
    where the weight can be positive, so saturated outputs (d ~ 1e-300, subnormal d) keep
    their exact weights. ``g = +inf`` at ``d = 0``. Returns ``(g_hi, g_lo, h_min)``."""
    ds, k = _scaled(d)
    top = float(ds.max())
    n_hi, n_lo = two_sum(top, -ds)
    den_hi, den_lo = two_prod(ds, top)
    g_hi, g_lo = _dd_div(n_hi, n_lo, den_hi, den_lo)
    with np.errstate(over="ignore"):
        g_hi = np.where(ds > 0.0, np.ldexp(g_hi, k), np.inf)
        g_lo = np.where(np.isfinite(g_hi), np.ldexp(g_lo, k), 0.0)
        dmax = float(d.max())
        h_min = (1.0 - dmax) / dmax if dmax > 0.0 else math.inf
    return g_hi, g_lo, h_min


def _scaled_h(d: np.ndarray):
    """Dagger weights are invariant under ``h -> s h`` (λ† absorbs s): returns
    ``h' = (1 − d)/(d 2^k) = h 2^{-k}`` as a double-double (exact numerator, scaled
    denominator) and ``2^{-k}``. ``h' = +inf`` at ``d = 0``."""
    ds, k = _scaled(d)
    n_hi, n_lo = two_sum(1.0, -d)
    h_hi, h_lo = _dd_div(n_hi, n_lo, np.where(ds > 0.0, ds, 1.0), np.zeros_like(ds))
    h_hi = np.where(ds > 0.0, h_hi, np.inf)
    h_lo = np.where(np.isfinite(h_hi), h_lo, 0.0)
    return h_hi, h_lo, k


def _star(n: int, m: np.ndarray, c: float, nbeta: float):
    """λ of ``Σ (λ − c m_i)_+ = Nβ`` for the gaps ``m = h − min h`` (:func:`_gaps`)."""
    finite = m < np.inf
    if not np.any(finite):
        raise ValueError(
            "`d` is 0 at every point: the discriminator says the model covers all the data, "
            "so no point can receive weight (star weights need some d > 0)"
        )
    return float(_lambda.lambda_star(np.ones(n), c * m, nbeta))


def _dagger(n: int, m: np.ndarray, c: float, nbeta: float):
    """λ of ``Σ (1 − λ c m_i)_+ = Nβ`` for ``m`` proportional to h (:func:`_scaled_h`)."""
    b = c * m
    ones = int(np.count_nonzero(b == 0.0))
    beta = nbeta / n
    if ones >= nbeta:
        raise ValueError(
            f"dagger weights need the fraction of points with d == 1 below beta (S14); got "
            f"{ones}/{n} = {ones / n!r} >= beta = {beta!r}"
        )
    positive = int(np.count_nonzero(b < np.inf))
    if positive < nbeta:
        raise ValueError(
            f"dagger weights need at least beta*N points with d > 0 (and h = (1 - d)/d finite "
            f"relative to the largest d); got {positive} < {beta!r}*{n}"
        )
    return float(_lambda.lambda_dagger(np.ones(n), b, nbeta))


_KINDS = {"star": _star, "dagger": _dagger}


def weights_from_discriminator(d, beta, kind: str = "star") -> AdaGanWeights:
    """AdaGAN data weights ``w_i`` from discriminator outputs ``d_i = D(x_i)`` (docs/theory.md §3).

    Parameters
    ----------
    d : array_like
        1-D, ``d[i] ∈ [0, 1]`` the probability that data point i is real (finite).
    beta : float or array_like
        Weight of the next component, ``0 < beta <= 1``; an array of β gives every field
        stacked on leading axes of β's shape (``w``: ``beta.shape + (N,)``), each entry equal to
        the scalar call's result.
    kind : {"star", "dagger"}
        Weights of R*_β (S12) or of R†_β (S14); see the module docstring.

    Returns
    -------
    AdaGanWeights
        ``.w`` (sums to 1), ``.lam``, ``.active``, ``.residual``.

    Raises
    ------
    ValueError
        Invalid ``d``/``beta``/``kind``; star: every ``d`` is 0; dagger: the fraction of
        ``d == 1`` is ``>= beta``, or fewer than ``beta*N`` points have ``d > 0``.

    Examples
    --------
    >>> import fdiv
    >>> res = fdiv.weights_from_discriminator([1.0, 0.5, 0.0], 0.5)
    >>> [round(x, 12) for x in res.w.tolist()], res.lam   # D = 1: largest weight; D = 0: none
    ([0.666666666667, 0.333333333333, 0.0], 1.0)
    >>> fdiv.weights_from_discriminator([1.0, 0.5, 0.0], [0.5, 1.0]).w.shape   # an array of β
    (2, 3)
    """
    if is_beta_array(beta):
        return stack_over_beta(lambda b: weights_from_discriminator(d, b, kind), beta)
    arr = _check_d(d)
    beta = check_beta(beta)
    try:
        solve = _KINDS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"`kind` must be one of {sorted(_KINDS)}; got {kind!r}") from None
    n = arr.size
    nbeta = n * beta
    dagger = kind == "dagger"
    if beta == 1.0:
        # (1 - beta) h = 0 h := 0 (THEORY §0): every point gets 1/N
        superset = np.ones(n, dtype=bool)
        lam = 1.0
        m_hi, m_lo = np.zeros(n), np.zeros(n)
    else:
        c = 1.0 - beta
        if dagger:
            m_hi, m_lo, k = _scaled_h(arr)
        else:
            m_hi, m_lo, h_min = _gaps(arr)
        lam_m = solve(n, m_hi, c, nbeta)
        with np.errstate(invalid="ignore", over="ignore"):
            if dagger:
                superset = (lam_m * (1.0 - _component.MARGIN)) * (c * m_hi) < 1.0
                lam = math.ldexp(lam_m, -k)  # h = 2^k m
            else:
                superset = (c * m_hi <= lam_m * (1.0 + _component.MARGIN)) & (m_hi < np.inf)
                lam = lam_m + c * h_min  # h = m + min h
    w = np.empty(n)
    total, active, _, _ = _component.component(np.ones(n), m_hi, m_lo, beta, nbeta,
                                               dagger and beta < 1.0, superset, w)
    w.flags.writeable = False
    return AdaGanWeights(w, lam, int(active), abs(float(total) - 1.0), kind, beta)


def topklast_beta(d, r) -> float:
    """β for TopKLast r: the β whose star weights zero out the count of points closest to
    ``k = ⌈r N⌉`` (docs/theory.md §3: "β_t is chosen to zero out r·N of the training").

    Reading implemented (the slides also say "force #{w_i > 0} ≈ r·N"; both coincide at
    r = 0.5): with ``ν = λ*/(1 − β)``, star weights vanish exactly where ``h_i ≥ ν`` and

        Σ_i (ν − h_i)_+ = N β / (1 − β),  i.e.  β(ν) = g(ν) / (N + g(ν)),  g(ν) = Σ_i (ν − h_i)_+ ,

    so the number of zero weights is nonincreasing in β and piecewise constant: for ν in
    ``(v_{j−1}, v_j]`` (consecutive distinct finite values of h) it is ``Z_j = #{h_i ≥ v_j}``
    (points with ``d = 0`` always count), and for ``ν > max h`` it is ``#{d_i = 0}``. The
    achievable count closest to k is chosen (a tie goes to the larger count) and β is the
    midpoint of the β-interval ``(β(v_{j−1}), β(v_j))`` that realises it (``β(∞) := 1``), so
    :func:`weights_from_discriminator` at this β zeroes exactly that count, robustly to
    round-off. All of this is exact arithmetic on the sorted h (O(N log N)); intervals too
    narrow to hold a float strictly inside (h ~ 1e300 puts them within 1e-16 of 1) are
    skipped.

    Parameters
    ----------
    d : array_like
        Discriminator outputs in [0, 1], one per data point, some ``d > 0``.
    r : float
        Fraction to zero out, ``0 <= r <= 1``; ``k = ⌈r N⌉`` (``r N`` is first rounded to 9
        decimals so that e.g. 0.1·30 gives k = 3).

    Returns
    -------
    float
        β in (0, 1).

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> d = np.array([0.9, 0.8, 0.6, 0.4, 0.2, 0.1])
    >>> beta = fdiv.topklast_beta(d, 0.5)
    >>> int((fdiv.weights_from_discriminator(d, beta).w == 0).sum())
    3
    """
    arr = _check_d(d)
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) or not (0 <= r <= 1):
        raise ValueError(f"`r` must be a real number in [0, 1]; got {describe(r)}")
    n = arr.size
    k = math.ceil(round(float(r) * n, 9))
    h = _h(arr)
    finite = np.sort(h[np.isfinite(h)])
    n_inf = n - finite.size
    if finite.size == 0:
        raise ValueError(
            "`d` is 0 at every point (or so small that h = (1 - d)/d overflows): star weights "
            "(hence TopKLast) need some d > 0"
        )
    v, first = np.unique(finite, return_index=True)
    below = first  # #{finite h < v_j}
    csum = np.concatenate(([0.0], np.cumsum(finite)))
    g = v * below - csum[below]  # g(v_j) = Σ_{h < v_j} (v_j − h)
    beta_at = g / (n + g)
    # option j = 1..J-1: ν in (v_{j-1}, v_j]; option J: ν > v_{J-1} (β up to 1)
    zeros = np.concatenate((n_inf + (finite.size - below[1:]), [n_inf]))
    lo = beta_at
    hi = np.concatenate((beta_at[1:], [1.0]))
    mid = 0.5 * (lo + hi)
    # an interval narrower than the float spacing near 1 (h ~ 1e300) has no usable β
    ok = (mid > lo) & (mid < hi) & (mid < 1.0)
    if not ok.any():
        raise ValueError("no β in (0, 1) separates the discriminator outputs `d` in floating point")
    dist = np.where(ok, np.abs(zeros - k), np.iinfo(np.int64).max)
    j = int(np.argmin(dist))  # zeros decreases with j: ties go to the larger count
    return float(mid[j])
