r"""``fdiv.density_divergence(f, q, p)``: D_f(Q||P) between densities, with an error estimate.

.. math::

    D_f(Q\|P) = \int_{p>0} p\, f(q/p)\,dx + f'(\infty)\, Q(p = 0)

In 1-D and 2-D the integral is computed by adaptive Gauss-Kronrod cubature
(:mod:`fdiv._cubature`) on a box holding all but 1e-15 of either mass (and, for an f with a power
end between Gaussians, the integrand's own far bump: :func:`_tilted`), and then on shells
around it until their contribution is negligible (or grows: the divergence is then +inf). In 3
or more dimensions it is an importance-sampling estimate with its standard error.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from fdiv import _cubature
from fdiv._densities import DensityMixture, as_density, common_units, geometric_breaks
from fdiv._density_terms import closed_form, densities, partial_form, sensitivity, terms
from fdiv._fdivergence import FDivergence
from fdiv._registry import REGISTRY, get
from fdiv._validate import as_rng

__all__ = ["DensityResult", "density_divergence"]

#: mass of either distribution the default range may leave out.
TAIL_MASS = 1e-15
_EPS = float(np.finfo(np.float64).eps)

#: Assumed accuracy of the log-densities, in ulps of ``1 + |log density|``: the integrand's
#: sensitivity channel (:func:`fdiv._density_terms.sensitivity`) times this many eps enters the
#: error. Measured against 40-digit mpmath on 6,000 points each: SciPy's frozen ``norm`` at most
#: 2.7, ``multivariate_normal`` (2-D) 4.2, ``t(3)`` 1.4, ``cauchy`` 1.2. Without this term the
#: error bar on near-equal Gaussian pairs (q ≈ p, values 1e-19 to 1e-7) was too small in 33 of
#: 180 cases, by up to 5×; with it the measured errors are 1–2 % of the bar there (the bound
#: adds the nodes' rounding coherently). A callable density with a less accurate log is
#: outside what the error states.
LOG_DENSITY_ULPS = 8


def _rounding(total) -> float:
    """The round-off floor: 64 eps of the integrated |term| plus the propagated rounding of the
    log-densities (channels 4 and 5 of :func:`_integrand`)."""
    return 64 * _EPS * total[4] + LOG_DENSITY_ULPS * _EPS * total[5]
_MAX_SHELLS = 64
#: in 1-D, shells after which a tail that still contributes, and no longer grows, is integrated
#: to infinity by x = c ± s u / (1 - u) (polynomial tails: Student t, Cauchy)
_SHELLS_BEFORE_MAP = 8
#: dyadic cells toward a 1-D support end (:func:`_end_plan`): this many on each side, and at an
#: end at 0 up to _END_DEEPEST until the last six are regular
_END_DEPTH = 60
_END_DEEPEST = 200
#: at an end e ≠ 0 the cells stop 2**-32 |e| from it (a node then moves by rounding at most
#: 2**-20 of its distance to e)
_END_RESOLUTION = 2.0 ** -32
#: fewer cells than this (an end far from 0 in a narrow range) and the end is left to the
#: adaptive cells, as any other point
_END_MIN_DEPTH = 8
#: cells before the rest whose fits give its estimates (the changes between them, its error)
_END_HISTORY = 8
#: a cubature that stops at its cell budget with an error estimate above this fraction of the
#: value reports an infinite error (not decided) rather than that estimate
_UNRESOLVED = 1e-3
_LIMITS = {1: dict(max_boxes=200_000, max_split=20_000), 2: dict(max_boxes=12_000, max_split=3_000)}


@dataclass(frozen=True)
class DensityResult:
    r"""The value of :func:`fdiv.density_divergence` and how far it may be off.

    Attributes
    ----------
    value : float
        ``D_f(Q||P)``; ``+inf`` when the integral diverges (never NaN).
    error : float
        Absolute error: for ``error_kind == "quadrature"`` the summed Kronrod-minus-Gauss
        difference of every cell (a conservative estimate for smooth integrands: the Kronrod
        value is much more accurate than the Gauss one it is compared with; in 1-D at least
        QUADPACK's scaling of it by the cell's variation, which covers a singular point inside
        a cell), or, for the cells
        at an integrable singularity (``|x − s|**a``, a > −1, where that difference falls short,
        ten times at a = −0.95), twice the geometric remainder of their chain of bisections
        (:mod:`fdiv._cubature`), plus the round-off of the sum, the
        rounding of the log-densities propagated through the integrand (assuming each is
        accurate to :data:`LOG_DENSITY_ULPS` ulps of ``1 + |log density|``; where q ≈ p this is
        what limits the accuracy), the last tail shell and the extrapolated rests at support
        ends; +inf when it is not bounded (tail shells that neither vanish nor grow, or a
        cubature stopped at its budget of cells with an estimate above 1e-3 of the value:
        ``reason`` then says so); ``"standard error"``: one standard error of the Monte Carlo mean;
        ``"exact"``: 0, an infinite value decided from the supports (an infinite term) or a
        closed condition; ``"divergent"``: 0, an infinite value found from tails or support
        ends that do not shrink, or an overflow.
    error_kind : str
        ``"quadrature"``, ``"standard error"``, ``"exact"`` or ``"divergent"``.
    singular : float
        The part ``f'(inf) Q(p = 0)`` included in ``value``.
    mass_q, mass_p : float or None
        The masses of q and p that the integration saw (checked to be 1 within ``mass_tol``);
        None when the value is infinite (the integration stopped there; no field is ever NaN).
    evaluations : int
        Number of points at which both densities were evaluated.
    reason : str
        Why the value (or, for a finite value, the error) is infinite, or ``""``.

    Examples
    --------
    >>> import fdiv
    >>> from scipy import stats
    >>> res = fdiv.density_divergence("kl", stats.norm(0, 1), stats.norm(1, 1))
    >>> abs(res.value - 0.5) <= res.error <= 1e-10, res.error_kind
    (True, 'quadrature')
    """

    value: float
    error: float
    error_kind: str
    singular: float
    mass_q: float | None
    mass_p: float | None
    evaluations: int
    reason: str = ""


class _Infinite(Exception):
    """+inf found while integrating: ``kind`` "exact" (an infinite term: Q(p = 0) > 0 with
    f'(inf) = inf, or P(q = 0) > 0 with f(0) = inf) or "divergent" (tails that grow)."""

    def __init__(self, reason: str, kind: str = "exact"):
        super().__init__(reason)
        self.reason, self.kind = reason, kind


def density_divergence(f, q, p, *, rtol: float = 1e-10, bounds=None, mass_tol: float = 1e-8,
                       n_samples: int = 1_000_000, rng=None, points=None) -> DensityResult:
    r"""The f-divergence ``D_f(Q||P)`` between two densities, with an error estimate.

    .. math::

        D_f(Q\|P) = \int_{p>0} p(x)\, f\!\left(\frac{q(x)}{p(x)}\right) dx + f'(\infty)\, Q(p = 0)

    with the conventions of docs/theory.md §0 (``q`` is the numerator). Nothing is renormalised.

    Parameters
    ----------
    f : FDivergence or str
        A generator or a registry name.
    q, p : frozen distribution, DensityMixture or callable
        A frozen continuous ``scipy.stats`` distribution (univariate or
        ``multivariate_normal``), a :class:`fdiv.DensityMixture` of them, or a callable that
        returns the density at an ``(n, d)`` array of points (then ``bounds`` is required).
    rtol : float
        Relative accuracy asked of the value (``1e-14 <= rtol < 1``); the cubature stops when
        its error estimate is below ``rtol * |value|`` (or the round-off floor).
    bounds : (lo, hi) or sequence of (lo, hi), optional
        The box outside which both densities are taken to be 0 (one pair per axis; a single
        pair in 1-D). Without it the box holds all but ``1e-15`` of either mass (from ``ppf``
        or the support), and shells around it are added until they contribute nothing.
    mass_tol : float
        Each density must integrate to 1 within ``mass_tol`` over the range (else ValueError).
    n_samples : int
        Points of the importance-sampling estimate (3 or more dimensions only).
    rng : numpy.random.Generator, int or None
        Randomness of the importance sampling (3 or more dimensions only; ``n_samples`` and
        ``rng`` are checked in every dimension).
    points : sequence of float, or one such sequence per axis, optional
        In 1-D, points inside the range where a density is singular or has a kink (as
        ``scipy.integrate.quad``'s ``points``; ``[s, ...]`` or ``[[s, ...]]``). Each is approached
        from both sides by cells of halving width and the rest next to it is extrapolated, as
        at a support end, so an integrable singularity there gets a value within ``.error``
        and a non-integrable one ``+inf``. Without it the cells must find the point themselves:
        a density callable may then be evaluated at it (a ValueError for an infinite value
        names the point), or the cells stop at the float resolution around it (in 1-D an
        infinite error, whose reason names the point). In 2-D, one sequence of cut coordinates
        per axis (``[[0.3], []]``: the line x = 0.3), for lines along which a density jumps, is
        singular or has a kink: they become edges of the initial cells. A line inside the box
        off every bisection point can otherwise get a bar that is too small (up to 9 times);
        cut there, its bar holds, and a strong singularity (``|x - s|**a``, a below about
        -0.6) gets an infinite error instead, the part within an ulp of ``s`` being out of the
        cells' reach (as along the upper edges of ``bounds``). Not in 3 or more dimensions.

    Returns
    -------
    DensityResult
        ``.value``, ``.error`` (absolute), ``.error_kind``, ``.singular``, masses.

    Raises
    ------
    ValueError
        Unknown ``f``; an input that is not a density; a callable without ``bounds``;
        dimensions of q, p and bounds that differ (naming both shapes); a density negative,
        NaN or infinite at a point, or with a mass off 1 by more than ``mass_tol`` (naming q or
        p and the value).

    Notes
    -----
    ``q`` and ``p`` that are one distribution (the same object, frozen SciPy distributions of
    one family with equal parameters however they are passed, equal mixtures of such) give
    ``f(1) = 0`` exactly, ``error_kind == "exact"``, without integrating.

    ``+inf`` is returned (``error_kind == "exact"`` when decided without integrating) when

    * ``f'(inf) = inf`` and q has mass where p is 0 (KL between disjoint uniforms), or
      ``f(0) = inf`` and p has mass where q is 0;
    * ``f`` is pearson_chi2 (neyman_chi2) between Gaussians whose covariances make
      ``2 Σ_q^{-1} - Σ_p^{-1}`` (``2 Σ_p^{-1} - Σ_q^{-1}``) not positive definite, for every
      pair of a numerator component and the denominator (1-D mixtures: the widest denominator
      component);
    * otherwise, the contribution of the tail shells grows instead of vanishing, or the
      integrand ``p f(q/p)`` exceeds the largest float somewhere (``error_kind ==
      "divergent"``; the reason names the point). An overflowing integrand does not prove an
      infinite integral: the divergence may be finite but beyond the float range (pearson_chi2
      of two 2-D Gaussians a hair inside the threshold above), or even within it when the
      overflow is confined to a narrow peak (pearson_chi2(N(0, 1e-200²) ‖ N(0, 1)) = 7.1e199
      is reported +inf, ``"divergent"``).

    Units: the value does not depend on the unit of length, and SciPy distributions whose
    scales lie beyond 1e±100 (a normal of scale 1e-200, whose variance underflows to 0) are
    first rescaled together by a power of two (exact); callables are integrated as given.

    Range: without ``bounds`` the box holds all but 1e-15 of either mass. For an f with a power
    end (``f(u) ~ u**a`` with ``a > 1`` as u → ∞, or ``a < 0`` as u → 0: pearson_chi2, neyman_chi2,
    alpha(a) outside [0, 1]) between Gaussians or Gaussian mixtures, it also holds the bump
    ``q_i**a p_j**(1 - a)`` of every pair of components: near the threshold of finiteness that
    bump, and with it almost all of the integral, lies far from both q and p
    (pearson_chi2(N(0, 1) || N(1, 0.71²)) = 5.1e53, from a bump at x = −122 of sd 7.8); in 3 or
    more dimensions the bumps join the importance proposal. For other densities such a bump is
    found only by the tail shells in 1-D and 2-D (pass ``bounds`` that hold it), and not at all
    by importance sampling, whose standard error then cannot see it.

    Tails: shells around the box are added until they contribute nothing; in 1-D a tail still
    contributing after 8 shells (polynomial tails: Student t, Cauchy) is integrated to infinity
    through ``x = c + s u/(1 - u)``, once cells between ``2**30`` and ``2**36`` times the reach
    show it shrinking. A tail that grows (``q²/p`` of two gammas with ``2 r_q < r_p``) or does
    not shrink (decay ``|x|**-a`` with a ≤ 1: ``pearson_chi2(t(1.5) || t(3))``) is +inf.

    Support ends (1-D: the finite ends of SciPy supports, and the ends of ``bounds``), where
    densities such as ``beta(a, b)`` with a or b < 1, ``gamma(k < 1)`` or ``chi2(1)`` are
    singular: the range is cut at the end into cells of halving width from ``h`` (the range
    over 16, or the distribution's scale if smaller) down to ``h 2**-60`` at an end at 0 (and
    on to ``h 2**-200`` until the last cells are geometric), or to ``2**-32 |e|`` at an end
    e ≠ 0, where the nodes still resolve ``x − e``. The rest, next to the end, is extrapolated
    from the last eight cells (the integrand there is a sum of powers of ``|x − e|``, whose
    cells form geometric sequences), with an error from how the extrapolation moves (and twice the cells' own
    ``|p f(q/p)|`` when they are not yet geometric); a non-integrable end (``|x −
    e|**-a`` with a ≥ 1: ``pearson_chi2(beta(0.5, 0.5) || uniform)``, whose integrand is
    ``1/(π² x (1 − x))``) gives +inf, ``"divergent"``, with the end in ``reason``. Near an end
    e ≠ 0, ``error`` includes the rounding of ``x − e`` (up to 1e-8 of the last cells), so it
    may not meet ``rtol`` when the singularity is strong (``a`` near 1).

    In 1-D the cells break at support ends and component quantiles and, for a generator with a
    kink at 1 (tv), where ``q = p``; so piecewise-smooth integrands converge quickly. In 2-D a
    kink along a curve (tv) converges slowly; ``error`` says how far it got.

    In 3 or more dimensions both inputs must be frozen distributions or mixtures (they are
    sampled): the estimate is ``mean(p f(q/p) / m)`` over ``n_samples`` points drawn in equal
    numbers from q, from p and, for an f with a power end between Gaussians, from each far bump
    (its covariance doubled), ``m`` the mixture of those with the same shares; ``error_kind`` is
    ``"standard error"``.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> from scipy import stats
    >>> q, p = stats.norm(0, 1), stats.norm(0, 2)
    >>> res = fdiv.density_divergence("kl", q, p)
    >>> exact = np.log(2) + 1 / 8 - 0.5
    >>> bool(abs(res.value - exact) <= res.error)
    True
    >>> fdiv.density_divergence("pearson_chi2", stats.norm(0, 2), stats.norm(0, 1)).value
    inf
    >>> fdiv.density_divergence("tv", stats.uniform(0, 1), stats.uniform(2, 1)).value
    2.0
    >>> f"{fdiv.density_divergence('pearson_chi2', stats.norm(0, 1), stats.norm(1, 0.71)).value:.6e}"
    '5.109183e+53'
    """
    g = _resolve(f)
    rtol = _check_tol(rtol, "rtol", 1e-14)
    mass_tol = _check_tol(mass_tol, "mass_tol", 0.0)
    # checked in every dimension, though only 3 or more use them: a wrong argument is an error
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, numbers.Integral) or n_samples < 2:
        raise ValueError(f"`n_samples` must be an integer >= 2; got {n_samples!r}")
    rng = as_rng(rng)
    marks, flat_marks = _check_points(points)  # checked before any other work
    box, dim = _check_bounds(bounds)
    qa, pa = as_density(q, "q", dim), as_density(p, "p", dim)
    if qa.dim != pa.dim:
        raise ValueError(f"`q` and `p` must have the same dimension; got points of shape (n, {qa.dim}) and "
                         f"(n, {pa.dim})")
    if dim is not None and dim != qa.dim:
        raise ValueError(f"`bounds` must give one (lo, hi) pair per axis of q and p; got {dim} pair(s) for points "
                         f"of shape (n, {qa.dim})")
    dim = qa.dim
    cuts = _cuts(marks, flat_marks, dim, points)
    if _identical(q, p):  # D_f(P||P) = f(1), with no rounding of the log-densities to bound
        return DensityResult(float(g.f(1.0)), 0.0, "exact", 0.0, 1.0, 1.0, 0, "q and p are the same distribution")
    if box is None:
        qa, pa = common_units(qa, pa)
    reason = _closed_infinity(g, qa, pa)
    if reason:
        return DensityResult(math.inf, 0.0, "exact", 0.0, None, None, 0, reason)
    if dim >= 3:
        return _importance(g, qa, pa, n_samples, rng, mass_tol)
    return _quadrature(g, qa, pa, box, rtol, mass_tol, cuts)


def _check_points(points):
    """``points`` checked, as ``(arrays, flat)``: the sorted finite coordinates, one array per
    sequence given (one sequence per axis), or a single array with ``flat`` True for a flat
    sequence of numbers; ``([], False)`` for None. Which forms fit the dimension is
    :func:`_cuts`'s to decide, once the dimension is known."""
    if points is None:
        return [], False
    if isinstance(points, (str, bytes)):
        raise ValueError(f"`points` must be a sequence of finite real numbers (2-D: one such sequence per "
                         f"axis); got {points!r:.80}")
    try:
        items = list(points)
    except TypeError:
        items = None
    if items is not None and items and all(np.ndim(v) == 1 or isinstance(v, (list, tuple)) for v in items):
        return [_check_point_list(v, f"points[{k}]") for k, v in enumerate(items)], False
    return [_check_point_list(points, "points")], True


def _cuts(marks, flat: bool, dim: int, points):
    """The checked ``points`` as one array per axis for the quadrature (None in 3 or more
    dimensions, where nothing may be given): a flat sequence only in 1-D, one sequence per
    axis in any dimension up to 2."""
    if not any(m.size for m in marks):
        return [np.empty(0) for _ in range(dim)] if dim <= 2 else None
    if dim >= 3:
        raise ValueError(f"`points` applies to densities in 1-D and 2-D; got points of shape (n, {dim})")
    if (flat and dim != 1) or (not flat and len(marks) != dim):
        raise ValueError(f"`points` must give one sequence of cut coordinates per axis in {dim}-D (in 2-D, "
                         f"e.g. points=[[0.3], []] for the line x = 0.3); got {points!r:.80}")
    return marks


def _check_point_list(points, name: str) -> np.ndarray:
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim > 1 or isinstance(points, (str, bytes)) or not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must be a sequence of finite real numbers; got {points!r:.80}")
    return np.unique(arr.reshape(-1))


def _same_parameters(a, b) -> bool:
    try:
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(_same_parameters(a[k], b[k]) for k in a)
        if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
            return len(a) == len(b) and all(_same_parameters(x, y) for x, y in zip(a, b))
        return bool(np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))
    except (TypeError, ValueError):
        return False


def _identical(q, p) -> bool:
    """Whether ``q`` and ``p`` are one distribution: the same object, frozen SciPy distributions
    of one family with equal parameters, or mixtures of identical components with equal weights.
    Callables count only as the same object."""
    if q is p:
        return True
    if isinstance(q, DensityMixture) and isinstance(p, DensityMixture):
        return (_same_parameters(q.weights, p.weights) and len(q.components) == len(p.components)
                and all(_identical(a, b) for a, b in zip(q.components, p.components)))
    if type(q).__name__ == type(p).__name__ == "multivariate_normal_frozen":
        return _same_parameters((q.mean, q.cov), (p.mean, p.cov))
    dq, dp = getattr(q, "dist", None), getattr(p, "dist", None)
    if dq is None or dp is None or type(dq) is not type(dp):
        return False
    try:  # (shapes, loc, scale) however they were passed: norm(0, 1) and norm(loc=0, scale=1)
        return _same_parameters(dq._parse_args(*q.args, **q.kwds), dp._parse_args(*p.args, **p.kwds))
    except Exception:  # noqa: BLE001 - a private SciPy helper; fall back to the arguments as given
        return _same_parameters(q.args, p.args) and _same_parameters(q.kwds, p.kwds)


# --- arguments -----------------------------------------------------------------------------------
def _resolve(f) -> FDivergence:
    if isinstance(f, FDivergence):
        return f
    if isinstance(f, str):
        return get(f)
    raise ValueError(f"`f` must be an FDivergence or a registry name; got {type(f).__name__} {f!r}")


def _check_tol(x, name: str, low: float) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not (low <= float(x) < 1.0) \
            or float(x) <= 0.0:
        raise ValueError(f"`{name}` must be a real number in [{low:g}, 1) and > 0; got {x!r}")
    return float(x)


def _check_bounds(bounds):
    if bounds is None:
        return None, None
    try:
        arr = np.asarray(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`bounds` must be (lo, hi) or a sequence of (lo, hi) pairs; got {bounds!r}") from None
    if arr.shape == (2,):
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"`bounds` must be (lo, hi) or a sequence of (lo, hi) pairs; got {bounds!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(f"`bounds` must be finite with lo < hi on every axis; got {arr.tolist()!r}")
    return (arr[:, 0].copy(), arr[:, 1].copy()), arr.shape[0]


# --- infinity decided in closed form ------------------------------------------------------------
def _tilted_precision(a: float, cov_i, cov_j) -> np.ndarray:
    """``a Σ_i⁻¹ + (1 − a) Σ_j⁻¹``, symmetrised: the precision of the Gaussian factor of
    ``N(μ_i, Σ_i)**a N(μ_j, Σ_j)**(1 − a)``, integrable iff it is positive definite."""
    prec = a * np.linalg.inv(cov_i) + (1.0 - a) * np.linalg.inv(cov_j)
    return 0.5 * (prec + prec.T)


def _chi2_infinite(num, den) -> str:
    """'' if ∫ num^2/den < inf for Gaussian (mixture) num, den, else why not; None: undecided."""
    gn, gd = num.gaussians(), den.gaussians()
    if gn is None or gd is None:
        return None
    if len(gd) > 1:
        if num.dim != 1:
            return None
        gd = [max(gd, key=lambda c: c[2][0, 0])]  # the widest denominator component sets the tails
    for w, mean, cov in gn:
        if w == 0.0:
            continue
        if np.linalg.eigvalsh(_tilted_precision(2.0, cov, gd[0][2])).min() <= 0.0:
            return (f"2 inv(cov_num) - inv(cov_den) is not positive definite (numerator covariance "
                    f"{cov.tolist()}, denominator covariance {gd[0][2].tolist()}): the chi2 integrand "
                    "does not decay")
    return ""


def _closed_infinity(g, qa, pa) -> str:
    if REGISTRY.get(g.name) is not g or g.name not in ("pearson_chi2", "neyman_chi2"):
        return ""
    num, den = (qa, pa) if g.name == "pearson_chi2" else (pa, qa)
    return _chi2_infinite(num, den) or ""


# --- quadrature (1-D, 2-D) ----------------------------------------------------------------------
def _power_ends(g) -> tuple:
    """The exponents ``a`` of f's power growth at its ends, where there is one: ``f(u) ~ u**a``
    with ``a > 1`` as u → ∞ (pearson_chi2: 2) or ``a < 0`` as u → 0 (neyman_chi2: −1). Measured
    as the slope of log f(u) against log u between 1e30 and 1e60 (1e-30 and 1e-60), which puts
    the logarithmic growth of kl or reverse_kl (slopes 1.006 and 0.006) below the thresholds;
    where f overflows there (alpha(6) at 1e60), between 1e10 and 1e20, then 1e3 and 1e6."""
    out = []
    for pairs, keep in ((((1e30, 1e60), (1e10, 1e20), (1e3, 1e6)), lambda a: a > 1.1),
                        (((1e-30, 1e-60), (1e-10, 1e-20), (1e-3, 1e-6)), lambda a: a < -0.1)):
        for u1, u2 in pairs:
            try:
                with np.errstate(all="ignore"):
                    f1, f2 = float(g.f(u1)), float(g.f(u2))
            except (ArithmeticError, ValueError):  # a user's f that refuses such ratios: no bump
                break
            if np.isfinite(f1) and np.isfinite(f2) and f1 > 0 and f2 > 0:
                a = math.log(f2 / f1) / math.log(u2 / u1)
                if keep(a):
                    out.append(a)
                break
    return tuple(out)


def _tilted(g, qa, pa):
    """Where ``p f(q/p)`` can hold mass away from both q and p: for f with power ends
    (:func:`_power_ends`) and Gaussian (mixture) q and p, the integrand far out behaves like
    ``q_i**a p_j**(1 - a)`` for components i of q and j of p, a Gaussian with precision
    ``A = a Λ_i + (1 − a) Λ_j`` and mean ``A⁻¹ (a Λ_i μ_i + (1 − a) Λ_j μ_j)``. Near the threshold
    of finiteness (A nearly singular, e.g. pearson_chi2 with Σ_p close to 2 Σ_q along some
    direction) that peak lies tens or hundreds of standard deviations from both. Returns the
    ``(mean, cov)`` of every such Gaussian with A positive definite (the others are decided by
    :func:`_closed_infinity` or the shells)."""
    powers = _power_ends(g)
    gq, gp = qa.gaussians(), pa.gaussians()
    if not powers or gq is None or gp is None:
        return []
    out = []
    for a in powers:
        for wi, mi, si in gq:
            for wj, mj, sj in gp:
                if wi == 0.0 or wj == 0.0:
                    continue
                prec = _tilted_precision(a, si, sj)
                if not np.linalg.eigvalsh(prec).min() > 0.0:
                    continue
                cov = np.linalg.inv(prec)
                cov = 0.5 * (cov + cov.T)
                mean = cov @ (a * np.linalg.inv(si) @ mi + (1.0 - a) * np.linalg.inv(sj) @ mj)
                if (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))
                        and np.linalg.eigvalsh(cov).min() > 0.0):
                    out.append((mean, cov))
    return out


def _range(qa, pa, box, tilted=()):
    if box is not None:
        return box[0], box[1], False
    bq, bp = qa.box(TAIL_MASS), pa.box(TAIL_MASS)
    lo, hi = np.minimum(bq[0], bp[0]), np.maximum(bq[1], bp[1])
    if tilted:
        from scipy.special import ndtri

        z = -float(ndtri(TAIL_MASS / (2 * lo.size)))
        for mean, cov in tilted:
            sd = np.sqrt(np.diag(cov))
            lo, hi = np.minimum(lo, mean - z * sd), np.maximum(hi, mean + z * sd)
    return lo, hi, True


def _grid(lo, hi, extra, cells: int):
    """Sorted cell edges on one axis: the ends, ``extra`` points inside, and a uniform grid."""
    pts = np.concatenate([[lo, hi], np.linspace(lo, hi, cells + 1), extra[(extra > lo) & (extra < hi)]])
    pts = np.unique(pts)
    gap = 64 * _EPS * np.maximum(np.abs(pts[:-1]), np.abs(pts[1:]))
    keep = np.concatenate([[True], np.diff(pts) > gap])
    pts = pts[keep]
    pts[-1] = hi
    return pts


def _kinks(g, qa, pa, lo, hi):
    """Points where q = p (1-D), needed as cell edges when f has a kink at 1 (tv)."""
    from scipy.optimize import brentq

    with np.errstate(all="ignore"):
        left, right = g.f_prime(1.0 - 1e-7), g.f_prime(1.0 + 1e-7)
    if not abs(float(right) - float(left)) > 1e-3 * (1.0 + abs(float(right))):
        return np.empty(0)
    x = np.linspace(lo, hi, 4097)

    def diff(t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))[:, None]
        with np.errstate(invalid="ignore"):
            return qa.log_density(t) - pa.log_density(t)

    d = diff(x)
    sign = np.sign(d)
    idx = np.flatnonzero(np.isfinite(d[:-1]) & np.isfinite(d[1:]) & (sign[:-1] * sign[1:] < 0))
    return np.array([brentq(lambda t: float(diff(t)[0]), x[i], x[i + 1], xtol=1e-15, rtol=4 * _EPS)
                     for i in idx])


@dataclass(frozen=True)
class _End:
    """A support end ``e`` approached from ``side`` (−1: from below, +1: from above) by cells
    ``[e + side h 2**-(j+1), e + side h 2**-j]``, j < depth; ``[e, e + side h 2**-depth]``
    (``inner`` wide) is left to :func:`_end_tail`."""

    e: float
    side: int
    h: float
    depth: int

    @property
    def inner(self) -> float:
        return math.ldexp(self.h, -self.depth)

    @property
    def interval(self) -> tuple:
        """``[e, e + side·inner]`` as floats (the far end rounded as the cell edge is)."""
        edge = self.e + self.side * self.inner
        return (edge, self.e) if self.side < 0 else (self.e, edge)


def _end_plan(fn, candidates, lo: float, hi: float) -> list:
    """The ends of 1-D supports (and of ``bounds``) that get dyadic cells: each finite end
    inside ``[lo, hi]`` (``candidates``: (end, scale) pairs; the scale of the distribution
    whose end it is, inf for ``bounds``), on each side of it inside the range. The cells start
    at ``h``, the range over 16 or the smallest scale with that end if smaller (a heavy-tailed
    levy has a range of 1e30: cells from it would never reach the end's own behaviour), reach
    ``h 2**-60``, and further (to ``h 2**-200``) until the last six are regular
    (:func:`_regular_depth`), at an end at 0; at an end e ≠ 0 they stop at ``2**-32 |e|``,
    where the nodes still resolve ``x − e``. An end with fewer than :data:`_END_MIN_DEPTH`
    such cells, or whose last :data:`_END_HISTORY` cells would meet another's, is left to the
    adaptive cells alone, as is a side of an end with no room for those cells before the end
    of the range."""
    scales: dict = {}
    for e, scale in candidates:
        if lo <= e <= hi:
            scales[float(e)] = min(scales.get(float(e), math.inf), float(scale))
    kept: list = []
    for e in sorted(scales):
        h = min((hi - lo) / 16, scales[e])
        floor = _END_RESOLUTION * abs(e)
        deepest = _END_DEEPEST if floor == 0.0 else min(_END_DEPTH, int(math.floor(math.log2(h / floor))))
        if not (h > 0.0 and deepest >= _END_MIN_DEPTH):
            continue
        for side in (-1, 1):
            room = e - lo if side < 0 else hi - e
            depth = min(_END_DEPTH, deepest)
            if room < math.ldexp(h, _END_HISTORY - depth):
                continue
            depth = _regular_depth(fn, e, side, h, depth, deepest)
            span = math.ldexp(h, _END_HISTORY - depth)  # the cells extrapolated from, and the rest
            if any(abs(e - k.e) <= span + math.ldexp(k.h, _END_HISTORY - k.depth) for k in kept if k.e != e):
                continue
            kept.append(_End(e, side, h, depth))
    return kept


def _regular_depth(fn, e, side, h, depth, deepest) -> int:
    """The first depth from ``depth`` to ``deepest`` whose last six cells are regular: all of
    ``|p f(q/p)|`` zero, or all positive with ratios within 10 % of each other (past any
    crossing of ``q = p`` or other feature, in the power-law regime the extrapolation
    assumes); ``deepest`` if none is."""
    if deepest <= depth:  # no deeper cells to try (an end e ≠ 0)
        return deepest
    cells = np.empty(0)
    for d in range(depth, deepest + 1):
        if cells.size < d - depth + 6:  # the next cells, 24 at a time
            j = np.arange(depth - 6 + cells.size, min(deepest, depth + 18 + cells.size))
            a, b = e + side * np.ldexp(h, -(j + 1)), e + side * np.ldexp(h, -j)
            ik, _ = _cubature.rule_estimates(fn, np.minimum(a, b)[:, None], np.maximum(a, b)[:, None])
            cells = np.concatenate([cells, ik[:, 4]])
        if _regular(cells[d - depth: d - depth + 6]):
            return d
    return deepest


def _end_breaks(breaks, ends) -> np.ndarray:
    """``breaks`` with each end's dyadic points added and none strictly inside an innermost
    interval."""
    pts = [np.asarray(breaks, dtype=np.float64)]
    for k in ends:
        pts.append(k.e + k.side * np.ldexp(k.h, -np.arange(0, k.depth + 1)))
        pts.append(np.array([k.e]))
    b = np.concatenate(pts)
    for k in ends:
        a, c = k.interval
        b = b[~((b > a) & (b < c))]
    return b


def _end_cells(edges, ends):
    """The 1-D cells between ``edges`` without each end's innermost interval, and the ends
    whose interval that was. An end whose interval is not exactly a cell (:func:`_grid` merged
    the end into a point an ulp away, as an end of the range) keeps its cells: the adaptive
    cells cover it, and it gets no extrapolated rest."""
    lo, hi = edges[:-1], edges[1:]
    keep = np.ones(lo.size, dtype=bool)
    used = []
    for k in ends:
        a, b = k.interval
        hit = (lo == a) & (hi == b)
        if hit.sum() == 1:
            keep &= ~hit
            used.append(k)
    return (lo[keep, None], hi[keep, None]), used


def _end_tail(fn, k: _End):
    """The integral over ``[e, e + side·inner]`` of every channel, extrapolated from the last
    :data:`_END_HISTORY` dyadic cells before it, and its error.

    Near a support end the integrand of a SciPy family is a sum of terms ``c |x − e|**-a``
    (possibly times ``log|x − e|``) times smooth factors, so the cells' integrals ``P_j`` are
    sums of geometric sequences (ratio ``2**(a − 1)``). The rest is ``Σ_{k>n} P_k`` for the
    two-ratio recurrence ``P_{k+2} = s P_{k+1} − t P_k`` fitted to the last four cells (Shanks'
    transformation: exact for two power terms, or one times a log), or the last cell times
    ``r/(1 − r)`` (one power term; the two-ratio fit is then degenerate and amplifies the
    cells' rounding). Each is made from the fits ending at every cell from the last to the
    fourth; its error is the rest of the series of its changes, as further power terms leave
    it: the largest change times ``ρ/(1 − ρ)`` for the ratio ρ of the last two (capped at
    0.99), and at least twice it. The largest, not the last: the last can be small by chance
    (the rounding of the nodes' ``x − e`` near an end e ≠ 0, up to 1e-8 of a cell) or where
    the estimates turn (jeffreys between betas at 1: terms ``t**-0.42 log t`` and ``t**-0.21
    log t``, whose two-ratio estimates move by 3e-11 while 2.8e-10 off). The estimate with
    the smaller error is taken, and the rule's error of the last cell is added.

    The divergence is +inf when the integrand's cells do not shrink (a ≥ 1: all five ratios
    ≥ 1 − 1e-6, or, all six within 10 % of each other and their last differences shrinking,
    Aitken's limit of them a positive constant, as a log singularity gives): convexity bounds
    ``p f(q/p)`` below by an integrable function, so that is not a cancellation. A channel whose cells change sign or do not shrink gets no
    extrapolation: the regular and singular parts then get the rest of ``|p f(q/p)|`` as their
    error, the others an infinite error (not decided)."""
    j = np.arange(k.depth - _END_HISTORY, k.depth)
    a, b = k.e + k.side * np.ldexp(k.h, -(j + 1)), k.e + k.side * np.ldexp(k.h, -j)
    ik_all, ek = _cubature.rule_estimates(fn, np.minimum(a, b)[:, None], np.maximum(a, b)[:, None])
    ik = ik_all[-6:]  # the last six cells decide divergence and regularity
    value = ik[:, 0] + ik[:, 1]
    if np.all(value > 0):
        r = value[1:] / value[:-1]  # no division by 0: every cell is positive
        d2 = value[5] - 2 * value[4] + value[3]
        limit = value[5] if d2 == 0 else value[5] - (value[5] - value[4]) ** 2 / d2
        # cells of a log singularity, c + d 2**-j: ratios near 1 and differences that shrink
        # towards the limit c (cells whose fall speeds up, ratios 0.99 down to 0.90, are a
        # power law still emerging from a cancellation, not a constant)
        near_one = bool(np.all((r > 0.9) & (r < 1.1))) and abs(value[5] - value[4]) < abs(value[4] - value[3])
        if (r >= 1 - 1e-6).all() or (near_one and limit > 0.5 * value[5]):
            raise _Infinite(f"the integrand is not integrable at the support end x = {k.e!r}: its integrals over "
                            f"the cells [e + 2^-j h, e + 2^-(j-1) h] (h = {k.h!r}, j = {k.depth - 5}..{k.depth}: "
                            f"{', '.join(f'{v:.6g}' for v in value)}) do not shrink", "divergent")
    tail, err = np.zeros(ik.shape[1]), np.zeros(ik.shape[1])
    bound = _rest(ik_all[:, 4], ek[-1, 4])  # |p f(q/p)|, whose rest bounds the rest of its two parts
    for c in range(ik.shape[1]):
        est = _rest(ik_all[:, c], ek[-1, c])
        if est is None and c in (0, 1) and bound is not None:
            est = (0.0, bound[0] + bound[1])
        tail[c], err[c] = (0.0, math.inf) if est is None else est
    if not _regular(ik[:, 4]):
        # not yet in the power-law regime, and no deeper cells to wait for it (an end e ≠ 0):
        # a crossing of q = p just past the cells (jeffreys(uniform || beta(1.5, 1.02)) at 1)
        # leaves a rest the fits do not see; twice the six cells' |p f(q/p)| bounds a rest of
        # up to 128 times their mean width
        err[:2] += 2 * ik[:, 4].sum()
    return tail, err


def _regular(cells) -> bool:
    """Six cells all 0, or all positive with ratios within 10 % of each other."""
    if not cells.any():
        return True
    if not np.all(cells > 0):
        return False
    r = cells[1:] / cells[:-1]
    return bool(r.max() <= 1.1 * r.min())


def _rest(cells, rule_error):
    """``(rest, error)`` of the integral past the last of the cells (:data:`_END_HISTORY`
    of them; see :func:`_end_tail`); ``(0, 0)`` for cells that are all 0, None for cells that
    change sign or do not shrink. The last two cells exactly 0 (no mass of either density next
    to the end, as in a gap between supports) make the rest 0."""
    if not cells[-2:].any():
        return 0.0, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cells[1:] / cells[:-1]
    if not (np.all(r > 0) and np.all(r[-2:] < 1 - 1e-6)):
        return None
    best = None
    last = cells.size - 1
    for rest in (_one_ratio_rest, _two_ratio_rest):
        # the rest after the last cell, from the fits ending at each cell from the last to the fourth
        ends = range(last, 2, -1)
        est = [rest(cells[: m + 1]) for m in ends]
        if any(e is None for e in est):
            continue
        est = np.array([e - cells[m + 1:].sum() for e, m in zip(est, ends)])
        change = np.abs(np.diff(est))
        # the largest change over the history: a later one can be small by rounding, or where
        # the estimates turn (a third power term of the other sign)
        step = float(change.max())
        rate = min((est[0] - est[1]) / (est[1] - est[2]) if est[1] != est[2] else 0.0, 0.99)
        e = max(2.0, rate / (1 - rate) if rate > 0 else 0.0) * step
        if best is None or e < best[1]:
            best = (float(est[0]), e)
    if best is None:
        return None
    return best[0], best[1] + rule_error / (1 - r[-1])


def _one_ratio_rest(p):
    """``Σ_{k>n} P_k`` after the cells ``p`` (n = len(p) − 1) for ``P_k`` geometric with the
    ratio of the last two; None unless that ratio is in (0, 1)."""
    r = p[-1] / p[-2]
    return p[-1] * r / (1 - r) if 0 < r < 1 - 1e-6 else None


def _two_ratio_rest(p):
    """``Σ_{k>n} P_k`` after the cells ``p`` (n = len(p) − 1) under the recurrence
    ``P_{k+2} = s P_{k+1} − t P_k`` fitted to the last four (its two ratios inside (−1, 1)).
    None when the fit is degenerate (``P`` geometric to within 1e-9) or does not decay."""
    p = p[-4:]
    det = p[1] * p[1] - p[0] * p[2]
    if not abs(det) > 1e-9 * p[1] * p[1]:
        return None
    s = (p[1] * p[2] - p[0] * p[3]) / det
    t = (p[2] * p[2] - p[1] * p[3]) / det
    disc = s * s - 4 * t
    largest = (abs(s) + math.sqrt(disc)) / 2 if disc >= 0 else math.sqrt(t) if t > 0 else math.inf
    if not largest < 1 - 1e-6:
        return None
    # R = Σ_{k>3} P_k satisfies R = s (P_3 + R) − t (P_2 + P_3 + R)
    return (s * p[3] - t * (p[2] + p[3])) / (1 - s + t)


def _zero_of(name: str, dens, reason: str, x) -> _Infinite:
    """+inf from a density that is 0 at the point ``x`` where the other is not: exact where
    that 0 is a true 0 (outside a SciPy distribution's support); where it may be an underflow
    (a density callable, or a SciPy ``logpdf`` computed as ``log(pdf)`` inside the support)
    the reason says so and the kind is "divergent" (not proven)."""
    if not dens.underflowed(x):
        return _Infinite(reason)
    if getattr(dens, "underflows", False):
        return _Infinite(f"{reason}, unless `{name}` (a density callable) only underflowed to 0 there: pass "
                         f"bounds that leave such points out, or its log-density as fdiv.LogDensity", "divergent")
    return _Infinite(f"{reason}, unless that is an underflow: the point is inside the support of `{name}`, whose "
                     f"SciPy logpdf is -inf there (computed as log(pdf)); pass its exact log-density as "
                     f"fdiv.LogDensity", "divergent")


def _integrand(g, qa, pa, counter):
    fn, part = closed_form(g), partial_form(g)  # looked up once, not per batch of nodes

    def channels(x):
        lq, lp = qa.log_density(x), pa.log_density(x)
        q, p = densities(lq, lp)  # once, for the terms, the rounding channel and the masses
        reg, sing = terms(g, fn, lq, lp, q, p)
        if np.isinf(sing).any():
            i = int(np.argmax(np.isinf(sing)))
            raise _zero_of("p", pa, f"f'(inf) = inf and q > 0 = p at x = {x[i].tolist()}: Q(p = 0) > 0", x[i])
        if np.isinf(reg).any():
            i = int(np.argmax(np.isinf(reg)))
            if lq[i] == -np.inf:
                raise _zero_of("q", qa, f"f(0) = inf and p > 0 = q at x = {x[i].tolist()}: P(q = 0) > 0", x[i])
            raise _Infinite(f"the integrand p f(q/p) exceeds the largest float at x = {x[i].tolist()}: the "
                            "divergence is +inf, or finite with an integrand beyond the float range (not "
                            "decided)", "divergent")
        counter[0] += x.shape[0]
        sens = sensitivity(g, lq, lp, reg, sing, q, p, part)
        return np.stack([reg, sing, q, p, np.abs(reg) + np.abs(sing), sens], axis=1)

    return channels


def _scorer(rtol, mass_tol, floor_value=0.0):
    def score(total, err, ek):
        value = total[0] + total[1]
        tol = max(rtol * max(abs(value), floor_value), _rounding(total), 1e-300)
        per = (ek[:, 0] + ek[:, 1]) / tol + (ek[:, 2] + ek[:, 3]) / (mass_tol / 8)
        return per, bool(per.sum() <= 1.0)
    return score


def _cells(lo, hi, breaks):
    edges = [_grid(lo[k], hi[k], breaks[k], 16 if lo.size == 1 else 6) for k in range(lo.size)]
    mesh_lo = np.meshgrid(*[e[:-1] for e in edges], indexing="ij")
    mesh_hi = np.meshgrid(*[e[1:] for e in edges], indexing="ij")
    return (np.stack([m.ravel() for m in mesh_lo], axis=1), np.stack([m.ravel() for m in mesh_hi], axis=1))


def _frame(c, inner, outer):
    """The boxes between the centred half-widths ``inner`` and ``outer`` (2 d boxes)."""
    d = c.size
    los, his = [], []
    for j in range(d):
        for side in (-1, 1):
            lo, hi = c - outer, c + outer
            lo[:j], hi[:j] = c[:j] - inner[:j], c[:j] + inner[:j]
            if side < 0:
                lo[j], hi[j] = c[j] - outer[j], c[j] - inner[j]
            else:
                lo[j], hi[j] = c[j] + inner[j], c[j] + outer[j]
            los.append(lo)
            his.append(hi)
    return np.array(los), np.array(his)


def _quadrature(g, qa, pa, box, rtol, mass_tol, cuts=None):
    """The integral in 1-D or 2-D. ``cuts``: per axis, the coordinates given as ``points``: in
    1-D points treated as support ends; in 2-D lines that become edges of the initial cells."""
    marks = cuts[0] if cuts and len(cuts) == 1 else ()
    tilted = _tilted(g, qa, pa) if box is None else []
    lo, hi, shells = _range(qa, pa, box, tilted)
    dim = lo.size
    breaks = [np.concatenate([a, b]) for a, b in zip(qa.breaks(), pa.breaks())]
    for mean, cov in tilted:
        breaks = [np.concatenate([b, geometric_breaks(mean[k], math.sqrt(cov[k, k]))]) for k, b in enumerate(breaks)]
    counter = [0]
    fn = _integrand(g, qa, pa, counter)
    limits = _LIMITS[dim]
    try:
        ends = []
        if dim == 1:
            breaks[0] = np.concatenate([breaks[0], _kinks(g, qa, pa, lo[0], hi[0]), np.asarray(marks, float)])
            candidates = qa.ends() + pa.ends() + ([(float(lo[0]), math.inf), (float(hi[0]), math.inf)]
                                                  if box is not None else []) + [(float(m), math.inf) for m in marks]
            ends = _end_plan(fn, candidates, float(lo[0]), float(hi[0]))
            cells, ends = _end_cells(_grid(lo[0], hi[0], _end_breaks(breaks[0], ends), 16), ends)
        else:
            if cuts:
                breaks = [np.concatenate([b, c]) for b, c in zip(breaks, cuts)]
            cells = _cells(lo, hi, breaks)
        core = _cubature.integrate(fn, *cells, _scorer(rtol, mass_tol), **limits,
                                   lines=cuts if dim == 2 else None)
        total, err = core.value.copy(), core.error.copy()
        for end in ends:
            t, e = _end_tail(fn, end)
            total, err = total + t, err + e
        tail_err, unresolved = 0.0, False
        if shells:
            tail_err, unresolved, total, err = _shells(fn, lo, hi, total, err, rtol, mass_tol, limits)
    except _Infinite as exc:
        return DensityResult(math.inf, 0.0, exc.kind, 0.0, None, None, counter[0], exc.reason)
    off = []  # densities whose mass the cells found off 1
    for name, k, dens in (("q", 2, qa), ("p", 3, pa)):
        if not abs(total[k] - 1.0) > mass_tol + err[k]:
            continue
        if not core.converged:
            # cells stopped at the float resolution (or their budget) around a feature they do
            # not resolve, such as a singular point of a density callable inside the range: the
            # mass is not known, so neither is the value; no blame on the density
            off.append(f"`{name}` {float(total[k]):.10g}")
            continue
        if dens.exact_mass and box is None:
            raise RuntimeError(
                f"the quadrature found mass {float(total[k])!r} for `{name}`, a distribution of mass 1: part "
                "of its density was missed (a narrow feature far from every component's centre); pass "
                "`bounds` around it")
        hint = ("; if it has, the cells missed part of it: a jump or a narrow feature between their nodes "
                "(mark its lines with points=[[x, ...], [y, ...]])" if lo.size == 2 else "")
        raise ValueError(f"`{name}` must have mass 1 on the range (within mass_tol={mass_tol!r}); got "
                         f"mass {float(total[k])!r} on {[(float(a), float(b)) for a, b in zip(lo, hi)]}{hint}")
    value = float(total[0] + total[1])
    if not value < math.inf:  # boxes whose integrals overflow (a sum of +inf and -inf is no better)
        return DensityResult(math.inf, 0.0, "divergent", 0.0, None, None, counter[0],
                             "the integral exceeds the largest float: +inf, or finite beyond the float range "
                             "(not decided)")
    error = float(err[0] + err[1] + _rounding(total) + tail_err)
    reason = ""
    if unresolved:
        reason = "the tail shells neither vanished nor grew: the tail is not bounded (not decided)"
        error = math.inf
    elif not error < math.inf:  # NaN: +inf - +inf in a cell's two rules
        reason = "the cubature's error estimate overflowed: an integrand beyond the float range in places"
        error = math.inf
    elif core.stuck is not None and dim == 1 and error > max(rtol * abs(value), _rounding(total)):
        # 1-D support ends and the ends of `bounds` are extrapolated, never refined to the float
        # resolution: cells stuck there hold an interior feature, mostly a singular point of a
        # density, where the rules' estimates bound nothing
        x0 = core.stuck[0]
        reason = (f"the cubature did not converge: its cells reached the float resolution around x = {x0!r} "
                  f"(a singular point of a density? pass points=[{x0!r}]) with an estimate of the error of "
                  f"{error:.3g} (not decided)")
        error = math.inf
    elif off:
        reason = (f"the cubature did not converge: after {core.boxes} cells the masses it found ({', '.join(off)}) "
                  f"are off 1 by more than mass_tol={mass_tol!r} and their error estimates: a feature it cannot "
                  "resolve, such as a singular point of a density inside the range (not decided)")
        error = math.inf
    elif not core.converged and error > _UNRESOLVED * abs(value) + 1e3 * _rounding(total):
        # the two rules still disagree by this much after the whole budget of cells: the
        # integrand has a feature they do not resolve (a singularity along the edges of
        # `bounds` in 2-D, possibly non-integrable), and their difference bounds nothing
        reason = (f"the cubature did not converge: after {core.boxes} cells its estimate of the error was "
                  f"{error:.3g}, {error / abs(value):.2g} of the value; a feature it cannot resolve, possibly a "
                  "divergence (not decided)")
        error = math.inf
    return DensityResult(value, error, "quadrature", float(total[1]), float(total[2]), float(total[3]),
                         counter[0], reason)


def _shells(fn, lo, hi, total, err, rtol, mass_tol, limits):
    """Add centred frames around the box until one contributes below the target; a frame
    sequence that still grows at the last frame (or reaches an infinite term) means +inf."""
    c, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    step = 0.5 * half
    prev, growing, last = None, 0, 0.0
    for k in range(1, _MAX_SHELLS + 1):
        flo, fhi = _frame(c, half + (k - 1) * step, half + k * step)
        value = total[0] + total[1]
        res = _cubature.integrate(fn, flo, fhi, _scorer(rtol, mass_tol, abs(value)), **limits)
        total, err = total + res.value, err + res.error
        size = abs(res.value[4])
        # the rounding channels can overflow before the value does (|integrand| near 1e308):
        # the growth test then compares with the value alone
        rounding = _rounding(total)
        tol = max(rtol * abs(total[0] + total[1]), rounding if math.isfinite(rounding) else 0.0, 1e-300)
        if not np.isfinite(size):
            raise _Infinite("the integrand overflows in the tails", "divergent")
        # A tail that stops shrinking (beyond rounding) is not integrable, but growth alone
        # is no proof of +inf: an integrand peaked far outside the box (q²/p of two Gaussians
        # with a nearly singular 2Σ_q⁻¹ − Σ_p⁻¹) grows for many shells and then falls. +inf
        # needs an overflow, or shells that have not shrunk up to the last one.
        if prev is not None and size >= prev * (1 - 1e-9) and size > 1e-3 * tol:
            growing += 1
            if k == _MAX_SHELLS and growing >= 4:
                raise _Infinite(f"the tail contributions do not decrease (shell {k}: {float(size)!r} after "
                                f"{float(prev)!r}, {growing} such shells in a row)", "divergent")
        else:
            growing = 0
        prev, last = size, size
        if size <= 1e-3 * tol and res.value[2] + res.value[3] <= mass_tol * 1e-3:
            return last, False, total, err
        if c.size == 1 and k >= _SHELLS_BEFORE_MAP and not growing:
            return _mapped_tails(fn, c, half + k * step, half, total, err, rtol, mass_tol, limits)
    return last, True, total, err


def _mapped_tails(fn, c, reach, scale, total, err, rtol, mass_tol, limits):
    """1-D: the two tails beyond ``c ± reach`` to infinity, by ``x = c ± (reach + s u/(1 - u))``
    on u in (0, 1) (dx = s/(1 - u)^2 du), integrated adaptively like the box, once
    :func:`_far_tails_shrink` has found them integrable."""
    s = float(scale[0])
    r = float(reach[0])
    centre = float(c[0])
    _far_tails_shrink(fn, centre, r)

    def mapped(u):
        t = u[:, 0]
        n = t.size
        dist = r + s * t / (1.0 - t)
        jac = s / (1.0 - t) ** 2
        x = np.concatenate([centre + dist, centre - dist])[:, None]
        vals = fn(x)
        return (vals[:n] + vals[n:]) * np.concatenate([jac, jac])[:n, None]

    value = total[0] + total[1]
    lo = np.linspace(0.0, 1.0, 9)[:-1, None]
    hi = np.linspace(0.0, 1.0, 9)[1:, None]
    res = _cubature.integrate(mapped, lo, hi, _scorer(rtol, mass_tol, abs(value)), **limits)
    if not np.all(np.isfinite(res.value)):
        raise _Infinite("the integrand overflows in the tails", "divergent")
    return 0.0, False, total + res.value, err + res.error


def _far_tails_shrink(fn, centre: float, reach: float) -> None:
    """Raise +inf (``"divergent"``) when a tail does not shrink far out: the integrals over
    ``[c + reach 2**j, c + reach 2**(j+1)]`` (and the mirror cells), j = 30..35, all positive
    with ratios ≥ 1 − 1e-6. A tail ``|x|**-a`` gives ratios ``2**(1 − a)``: a ≤ 1 is not
    integrable (``q²/p`` of two gammas with ``2 r_q = r_p``, a power tail of exponent < 1),
    and the mapped integral would return a finite value with a large error instead."""
    j = np.arange(30, 36)
    lo, hi = np.ldexp(reach, j), np.ldexp(reach, j + 1)
    for side in (1, -1):
        a, b = centre + side * lo, centre + side * hi
        ik, _ = _cubature.rule_estimates(fn, np.minimum(a, b)[:, None], np.maximum(a, b)[:, None])
        value = ik[:, 0] + ik[:, 1]
        if np.all(value > 0) and np.all(value[1:] >= (1 - 1e-6) * value[:-1]):
            raise _Infinite(f"the tail towards {'+' if side > 0 else '-'}inf does not shrink: the integrals over "
                            f"[c + 2^j r, c + 2^(j+1) r] (c = {centre!r}, r = {reach!r}, j = 30..35: "
                            f"{', '.join(f'{v:.6g}' for v in value)}) do not decrease", "divergent")


# --- importance sampling (3-D and up) ----------------------------------------------------------
#: variance factor of the proposal components put on the far bumps of :func:`_tilted`: wider than
#: the bump, so that the integrand over the proposal stays bounded there
_TILT_WIDEN = 2.0


def _importance(g, qa, pa, n_samples, rng, mass_tol):
    """``mean(p f(q/p) / m)`` over points drawn from the mixture ``m`` of q, p and (for an f with
    a power end between Gaussians) the widened far bumps of :func:`_tilted`, in equal numbers
    from each (stratified: the pooled standard error is then an upper estimate). Without the
    bumps in ``m``, 3-D pearson_chi2 near its threshold came out as 1.9e12 ± 9e11 for 8.4e24: the
    bump holding the integral is never sampled."""
    from scipy.stats import multivariate_normal

    bumps = [multivariate_normal(mean, _TILT_WIDEN * cov) for mean, cov in _tilted(g, qa, pa)]
    parts = 2 + len(bumps)
    counts = np.full(parts, int(n_samples) // parts)
    counts[: int(n_samples) % parts] += 1
    xq, xp = qa.sample(int(counts[0]), rng), pa.sample(int(counts[1]), rng)
    for name, x in (("q", xq), ("p", xp)):
        if x is None:
            raise ValueError(f"`{name}` must be a frozen distribution or DensityMixture in {qa.dim} dimensions "
                             "(it is sampled for the importance-sampling estimate); got a callable")
    x = np.concatenate([xq, xp] + [b.rvs(size=int(c), random_state=rng).reshape(int(c), qa.dim)
                                   for b, c in zip(bumps, counts[2:])])
    counter = [0]
    try:
        vals = _integrand(g, qa, pa, counter)(x)
    except _Infinite as exc:
        return DensityResult(math.inf, 0.0, exc.kind, 0.0, None, None, counter[0], exc.reason)
    share = counts / counts.sum()
    m = share[0] * vals[:, 2] + share[1] * vals[:, 3]
    for b, c in zip(bumps, share[2:]):
        m = m + c * np.exp(b.logpdf(x).reshape(-1))
    w = (vals[:, 0] + vals[:, 1]) / m
    n = w.size
    scale = float(np.max(np.abs(w)))  # the spread in units of the largest weight: no overflow in w²
    scale = scale if 0.0 < scale < math.inf else 1.0
    value = float(np.mean(w / scale)) * scale
    se = float(np.std(w / scale, ddof=1) / math.sqrt(n)) * scale
    sing = float(np.mean(vals[:, 1] / m))
    return DensityResult(value, se, "standard error", sing, float(np.mean(vals[:, 2] / m)),
                         float(np.mean(vals[:, 3] / m)), counter[0], "")
