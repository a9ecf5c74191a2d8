"""AdaGAN training weights from a discriminator (docs/theory.md §3) and the TopKLast β rule.

A discriminator trained on data (label 1) against the current mixture (label 0) gives
``h(x) = (1 − D(x)) / D(x) ≈ dP_g/dP_d``. With every data point weighted ``p_i = 1/N``:

    star   (R*, S12):  w_i = (1/(Nβ)) (λ* − (1 − β) h_i)_+ ,     Σ_i (λ* − (1−β) h_i)_+ = Nβ
    dagger (R†, S14):  w_i = (1/(Nβ)) (1 − λ† (1 − β) h_i)_+ ,   Σ_i (1 − λ† (1−β) h_i)_+ = Nβ

λ is found exactly by the kernels of :mod:`fdiv._lambda` (a_i = 1, b_i = (1 − β) h_i,
target Nβ); there is no fallback: when no λ exists a ``ValueError`` says why.

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
from fdiv._exact import two_prod
from fdiv._stack import is_beta_array, stack_over_beta
from fdiv._validate import as_mass, check_beta

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
        λ* (``kind == "star"``) or λ† (``kind == "dagger"``) of docs/theory.md §3.
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
    arr = as_mass("d", d)
    if arr.ndim != 1:
        raise ValueError(f"`d` must be 1-D (one discriminator output per data point); got shape {arr.shape}")
    big = arr > 1.0
    if big.any():
        i = int(np.argmax(big))
        raise ValueError(f"`d` must contain probabilities in [0, 1]; got {arr[i]!r} at index {i}")
    return arr


def _h(d: np.ndarray) -> np.ndarray:
    """``h = (1 − d)/d`` with ``h = +inf`` at ``d = 0`` (no division by zero) and where the
    ratio overflows (subnormal d)."""
    h = np.full(d.shape, np.inf)
    with np.errstate(over="ignore"):
        np.divide(1.0 - d, d, out=h, where=d > 0.0)
    return h


def _h_double_double(d: np.ndarray):
    """``h = (1 − d)/d = 1/d − 1`` as a double-double ``(hi, lo)`` (hi = +inf at d = 0 or where
    1/d overflows; lo = 0 where 1/d is too large to split, beyond 1e290)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        u = 1.0 / d
        ok = np.isfinite(u) & (u < 1e290)
        us = np.where(ok, u, 0.0)
        ds = np.where(ok, d, 1.0)
        prod, err = two_prod(us, ds)
        u_lo = np.where(ok, ((1.0 - prod) - err) / ds, 0.0)
        hi = u - 1.0
        bp = hi - u
        lo = (u - (hi - bp)) + (-1.0 - bp) + u_lo
        lo = np.where(np.isfinite(u), lo, 0.0)
        h_hi = hi + lo
        h_lo = np.where(np.isfinite(u), lo - (h_hi - hi), 0.0)
    return h_hi, h_lo


def _star(n: int, b: np.ndarray, beta: float, nbeta: float):
    """λ* of ``Σ (λ − b_i)_+ = Nβ``, solved for ``b − min b``: weights depend only on the
    differences, and shifting keeps ``λ − b_i`` exact when every b is huge (d ~ 1e-300 gives
    b ~ 1e300, where ``λ = b_min + Nβ/k`` would absorb ``Nβ/k``)."""
    finite = b < np.inf
    if not np.any(finite):
        raise ValueError(
            "`d` is 0 at every point (or so small that h = (1 - d)/d overflows): the "
            "discriminator says the model covers all the data, so no point can receive weight "
            "(star weights need some d > 0)"
        )
    shift = float(np.min(b[finite]))
    shifted = b - shift
    lam = float(_lambda.lambda_star(np.ones(n), shifted, nbeta))
    return lam + shift, lam, shifted


def _dagger(n: int, b: np.ndarray, beta: float, nbeta: float):
    ones = int(np.count_nonzero(b == 0.0))
    if ones >= nbeta:
        raise ValueError(
            f"dagger weights need the fraction of points with d == 1 below beta (S14); got "
            f"{ones}/{n} = {ones / n!r} >= beta = {beta!r}"
        )
    positive = int(np.count_nonzero(b < np.inf))
    if positive < nbeta:
        raise ValueError(
            f"dagger weights need at least beta*N points with d > 0 (and h = (1 - d)/d finite); "
            f"got {positive} < {beta!r}*{n}"
        )
    lam = float(_lambda.lambda_dagger(np.ones(n), b, nbeta))
    return lam, lam, b


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
    if beta == 1.0:
        superset = np.ones(n, dtype=bool)
        lam = 1.0
    else:
        b = (1.0 - beta) * _h(arr)
        lam, lam_b, shifted = solve(n, b, beta, nbeta)
        with np.errstate(invalid="ignore", over="ignore"):
            if kind == "star":
                superset = ((b <= lam * (1.0 + _component.MARGIN))
                            | (shifted <= lam_b * (1.0 + _component.MARGIN))) & (b < np.inf)
            else:
                superset = (lam * (1.0 - _component.MARGIN)) * b < 1.0
    # at beta = 1, (1 - beta) h = 0 h := 0 (THEORY §0): every point gets 1/N
    h_hi, h_lo = _h_double_double(arr) if beta < 1.0 else (np.zeros(n), np.zeros(n))
    w = np.empty(n)
    total, active, _, _ = _component.component(np.ones(n), h_hi, h_lo, beta, nbeta,
                                               kind == "dagger" and beta < 1.0, superset, w)
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
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) or not (0.0 <= float(r) <= 1.0):
        raise ValueError(f"`r` must be a real number in [0, 1]; got {r!r}")
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
