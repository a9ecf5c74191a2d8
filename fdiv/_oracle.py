r"""Oracle AdaGAN on a finite support: watch S16–S18 happen (docs/theory.md §2).

Starting from ``P_1 = p_init`` (the first GAN, β_1 = 1), each update is

    P_{t} = (1 − β_t) P_{t−1} + β_t Q_t ,    t = 2, 3, ...

with ``Q_t = R*_{β_t}(P_{t−1})`` (``component="star"``, S12), ``R†_{β_t}(P_{t−1})``
(``"dagger"``, S14), or a user's ``component(p_data, p_model, beta) -> Q``.

Imperfect components (``gamma = γ``): ``Q_t`` is built to be a γ-weak learner in the sense of
S18 with equality, ``D_f(Q_t ‖ R_t) = γ D_f(P_{t−1} ‖ P_d)`` (R_t = R* or R†):

    Q_t(s) = (1 − s) R_t + s δ_j ,   s ∈ [0, 1],

where δ_j is the point mass on ``j = argmin {R_t,i : R_t,i > 0}`` (the point R_t values least;
with ``rng`` given, ``j`` is drawn uniformly from the support of R_t instead). Since δ_j ≪ R_t,
``s ↦ D_f(Q_t(s) ‖ R_t)`` is finite on [0, 1) (for f with ``f'(∞) = ∞``, it may reach +inf
only at s = 1), convex and 0 at s = 0, hence nondecreasing; ``s`` is found by bisection on the
sign of ``D_f(Q_t(s)‖R_t) − γ D_f(P_{t−1}‖P_d)`` until the bracket is below 4 ulps of 1 (≤ 60
halvings; the upper end of the final bracket is used, so the achieved γ is never below the
requested one and exceeds it only by the bisection's resolution).
When even ``s = 1`` stays below the target (γ larger than ``D_f(δ_j‖R_t)/D_f(P_{t−1}‖P_d)``)
``Q_t = δ_j``; the achieved γ of every step is recorded in ``.gammas``.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from fdiv._divergence import divergence
from fdiv._mixture import r_dagger, r_star
from fdiv._schedules import ConstantSchedule
from fdiv._validate import as_rng, check_positive_int, check_probability, check_same_shape, check_same_support

__all__ = ["OracleTrajectory", "oracle_adagan"]

_EPS = float(np.finfo(np.float64).eps)
_COMPONENTS = {"star": r_star, "dagger": r_dagger}


@dataclass(frozen=True)
class OracleTrajectory:
    """A run of :func:`oracle_adagan`; ``T = steps + 1`` models.

    Attributes
    ----------
    divergences : ndarray, shape (T,)
        ``D_f(P_t ‖ P_d)`` for t = 1..T (read-only).
    models : tuple of ndarray
        ``P_1 .. P_T`` (read-only arrays).
    betas : ndarray, shape (T − 1,)
        ``β_t`` of the update producing ``P_t``, t = 2..T (``models[i + 1]``).
    lams : ndarray, shape (T − 1,)
        λ* or λ† of those updates (NaN for a callable component, which has none).
    gammas : ndarray, shape (T − 1,)
        Achieved ``D_f(Q_t‖R_t) / D_f(P_{t−1}‖P_d)`` (0 for exact components; NaN for a
        callable component; ``0/0 := 0``).
    reached_at : int or None
        First t with ``P_t = P_d`` (every entry within 16 ulps of p_data's, so exactly 0
        off the data support), or None.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> p_data, p_init = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    >>> run = fdiv.oracle_adagan(p_data, p_init, "kl", schedule=0.5, steps=3)
    >>> bound = fdiv.bounds.s17_max_steps(p_data, p_init, 0.5)   # S17: 1 + ceil(log 1.8 / log 2)
    >>> run.reached_at, bound, float(run.divergences[-1])
    (2, 2, 0.0)
    """

    divergences: np.ndarray
    models: tuple
    betas: np.ndarray
    lams: np.ndarray
    gammas: np.ndarray
    reached_at: int | None


def _frozen(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    x.flags.writeable = False
    return x


def _vertex(r: np.ndarray, rng) -> int:
    support = np.flatnonzero(r > 0)
    if rng is None:
        return int(support[np.argmin(r[support])])
    return int(rng.choice(support))


def _weak(f, r: np.ndarray, target: float, rng) -> np.ndarray:
    """``Q = (1 − s) R + s δ_j`` with ``D_f(Q‖R) = target`` (module docstring)."""
    if target <= 0.0:
        return r
    j = _vertex(r, rng)
    delta = np.zeros_like(r)
    delta[j] = 1.0

    def mix(s):
        q = (1.0 - s) * r
        q[j] += s
        return q

    if divergence(f, delta, r) <= target:
        return delta
    lo, hi = 0.0, 1.0
    while hi - lo > 4.0 * _EPS:
        mid = 0.5 * (lo + hi)
        if divergence(f, mix(mid), r) < target:
            lo = mid
        else:
            hi = mid
    return mix(hi)


def _ratio(num: float, den: float) -> float:
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    return num / den if math.isfinite(den) else (math.inf if math.isinf(num) else 0.0)


def oracle_adagan(p_data, p_init, f, *, schedule, steps, component="star", gamma=None, rng=None):
    r"""Run oracle AdaGAN: ``P_t = (1 − β_t) P_{t−1} + β_t Q_t`` on a finite support.

    Parameters
    ----------
    p_data, p_init : array_like
        Probability vectors (``p_init`` = P_1, the first GAN).
    f : FDivergence or str
        The divergence tracked (and used to build imperfect components).
    schedule : object with ``.beta(t)``, or float
        β schedule (:func:`fdiv.beta_schedule`); a number β means constant β.
        ``schedule.beta(1)`` is not used (P_1 is given).
    steps : int
        Number of updates; the trajectory has ``steps + 1`` models.
    component : {"star", "dagger"} or callable
        R*_β (S12), R†_β (S14), or ``component(p_data, p_model, beta) -> Q`` (a probability
        vector; validated).
    gamma : float, optional
        γ ≥ 0: replace R by the γ-weak learner of the module docstring (needs f(1) = 0 and a
        named component).
    rng : numpy.random.Generator or int, optional
        Only used with ``gamma``: picks the vertex δ_j at random.

    Returns
    -------
    OracleTrajectory

    Raises
    ------
    ValueError
        Invalid input; ``"dagger"`` at a step where ``P_d(p_{t−1} = 0) ≥ β_t`` (S14's
        assumption; the message names the step).

    Notes
    -----
    S16 says ``D_f(P_t‖P_d) ≤ (1 − β_t) D_f(P_{t−1}‖P_d)`` (exact components, f(1) = 0), S17
    that with constant β and ``P_1 ≪ P_d`` the run reaches P_d at
    :func:`fdiv.bounds.s17_max_steps`, and S18 that a γ-weak learner contracts by
    ``c(γ, β)`` (:func:`fdiv.bounds.c_hilbertian`, :func:`fdiv.bounds.c_dagger`).

    Examples
    --------
    >>> import fdiv
    >>> run = fdiv.oracle_adagan([0.25, 0.75], [1.0, 0.0], "kl",
    ...                          schedule=fdiv.beta_schedule("constant", beta=0.5), steps=3)
    >>> run.reached_at, fdiv.bounds.s17_max_steps([0.25, 0.75], [1.0, 0.0], 0.5)
    (3, 3)
    """
    check_same_support("p_data", p_data, "p_init", p_init)
    pd = check_probability("p_data", p_data)
    p = check_probability("p_init", p_init)
    check_same_shape("p_data", pd, "p_init", p)
    steps = check_positive_int(steps, "steps")
    rng = None if rng is None else as_rng(rng)  # None: the deterministic vertex (module docstring)
    if isinstance(schedule, numbers.Real) and not isinstance(schedule, (bool, np.bool_)):
        schedule = ConstantSchedule(schedule)
    if not callable(getattr(schedule, "beta", None)):
        raise ValueError(f"`schedule` must have a .beta(t) method (fdiv.beta_schedule) or be a number; got {schedule!r:.80}")
    if callable(component):
        solve = None
    else:
        try:
            solve = _COMPONENTS[component]
        except (KeyError, TypeError):
            raise ValueError(
                f"`component` must be one of {sorted(_COMPONENTS)} or a callable; got {component!r:.80}"
            ) from None
    if gamma is not None:
        if solve is None:
            raise ValueError("`gamma` applies to the named components 'star'/'dagger', not to a callable")
        if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real) or not gamma >= 0:
            raise ValueError(f"`gamma` must be a real number >= 0; got {gamma!r}")
        if not math.isfinite(gamma):
            raise ValueError(f"`gamma` must be finite; got {gamma!r}")
        from fdiv.bounds import check_f_one_zero

        check_f_one_zero(f, "an imperfect component (gamma)")

    models = [p]
    divs = [divergence(f, p, pd)]
    betas, lams, gammas = [], [], []
    for t in range(2, steps + 2):
        beta = float(schedule.beta(t))
        if solve is None:
            q = check_probability("component output", component(pd, p, beta))
            check_same_shape("p_data", pd, "component output", q)
            lam = g = math.nan
        else:
            try:
                res = solve(pd, p, beta)
            except ValueError as exc:
                raise ValueError(f"step t = {t} (beta = {beta!r}): {exc}") from exc
            lam = res.lam
            q = res.r
            if gamma is not None:
                q = _weak(f, res.r, gamma * divs[-1], rng)
            g = _ratio(divergence(f, q, res.r), divs[-1]) if gamma is not None else 0.0
        p = (1.0 - beta) * p + beta * q
        models.append(p)
        divs.append(divergence(f, p, pd))
        betas.append(beta)
        lams.append(lam)
        gammas.append(g)
    reached = None
    for t, m in enumerate(models, start=1):
        if np.all(np.abs(m - pd) <= 16.0 * _EPS * pd):
            reached = t
            break
    return OracleTrajectory(
        divergences=_frozen(divs),
        models=tuple(_frozen(m) for m in models),
        betas=_frozen(betas),
        lams=_frozen(lams),
        gammas=_frozen(gammas),
        reached_at=reached,
    )
