"""Coverage metric C of docs/theory.md §3 and the mode statistics of ring/grid toy data.

Coverage (AdaGAN paper §4.3, docs/theory.md §3)::

    C := P_data( p_model(X) > t ),   t such that P_model( p_model > t ) = 0.95,

with ``p_model`` a Gaussian KDE on samples of the model. :func:`coverage` computes it
in four documented steps:

1. **Split.** The ``n`` model samples are shuffled with ``rng`` and split into a *fit* half
   (the first ``ceil(n/2)``, the KDE's centres) and a *held-out* half (the rest).
2. **Bandwidth by held-out likelihood.** ``m`` := median Euclidean distance over all pairs of
   a random subsample of ``min(n, MEDIAN_SUBSAMPLE)`` model samples. The grid is
   ``h_k = 2^k m`` for ``k`` in ``GRID_EXPONENTS`` (= -10..3, fourteen values; the public
   reference code uses -7..6, but on 10-mode data the best bandwidth lies near
   ``2^-7.6 m``, at the edge of that grid). The chosen ``h`` maximises the mean
   log-density of the held-out half under the KDE on the fit half (first maximum on ties).
3. **Threshold out of sample.** ``t`` := 5th percentile (``numpy.percentile``, linear
   interpolation) of the log-densities of the *held-out* half under the KDE on the fit half
   with the chosen ``h`` -- the very numbers computed in step 2. The public reference code
   takes the percentile over the KDE's own centres, whose log-densities are inflated by
   their own kernel (``+ log(1/N) - (d/2) log(2 pi h^2)`` at distance 0); that pushes ``t``
   up and ``C`` down, more so the smaller ``h`` is. Held-out samples do not have the bias.
4. **Coverage.** ``C`` := fraction of ``data_points`` whose log-density under the same KDE
   (fit half, chosen ``h``) is ``> t`` (strict, as in the definition);
   ``loglik`` := mean of those data log-densities.

:func:`coverage_reference` is the public reference code's estimator (the one behind the
seed table: 500 real points, KDE on 1,000 model samples, bandwidth from 500 more on the
grid ``2^k b0``, k = -7..6, threshold *in sample*); the table records both.

All log-densities come from the Numba kernel :func:`gan_backend.metrics._kde.kde_logpdf` (one pass
over the fit half for the whole bandwidth grid).

Mode statistics (:func:`mode_stats`) follow the unrolled-GAN / VEEGAN convention: a sample is
*high quality* if its nearest mode (Euclidean) is within 3 standard deviations of it; a mode is
*captured* if at least ``min_share / K`` of all samples are high-quality samples whose nearest
mode it is (default ``min_share = 0.2``: a fifth of the share a perfect model gives each of
the K equal-weight modes).
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np

from gan_backend.metrics._kde import kde_logpdf
from gan_backend.engine._validate import as_points, as_rng

__all__ = [
    "coverage",
    "coverage_or_collapsed",
    "Collapsed",
    "DegenerateSamplesError",
    "coverage_reference",
    "REFERENCE_EXPONENTS",
    "REFERENCE_SIZES",
    "CoverageResult",
    "mode_stats",
    "ModeStats",
    "bandwidth_grid",
    "median_pairwise_distance",
    "select_bandwidth",
    "BandwidthSelection",
    "GRID_EXPONENTS",
    "MEDIAN_SUBSAMPLE",
    "THRESHOLD_QUANTILE",
]

#: Exponents k of the bandwidth grid h_k = 2^k * (median pairwise distance).
GRID_EXPONENTS = tuple(range(-10, 4))
#: Model samples used to estimate the median pairwise distance (all pairs of the subsample).
MEDIAN_SUBSAMPLE = 500
#: t is this quantile of the model's own (held-out) log-density: P_model(p_model > t) = 0.95.
THRESHOLD_QUANTILE = 0.05
#: Fewest model samples accepted (two in each half).
MIN_MODEL_SAMPLES = 4
#: Bandwidth exponents of the public reference code: h_k = 2^k * b0, k = -7..6.
REFERENCE_EXPONENTS = tuple(range(-7, 7))
#: (real points, model samples fitting the KDE, model samples choosing the bandwidth)
#: of the public reference code's estimator.
REFERENCE_SIZES = (500, 1000, 500)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class BandwidthSelection:
    """Held-out likelihood search over a bandwidth grid (step 2 of :func:`coverage`).

    Attributes
    ----------
    bandwidth : float
        The chosen bandwidth (argmax of ``heldout_loglik``, first on ties).
    grid : ndarray
        Candidate bandwidths, in the order given.
    heldout_loglik : ndarray
        Mean held-out log-density for each candidate.
    heldout_logpdf : ndarray
        Log-density of every held-out point under the KDE with the chosen bandwidth.
    index : int
        Position of ``bandwidth`` in ``grid``.
    at_edge : bool
        True when the grid has more than one candidate and the winner is the smallest or
        the largest: the optimum may lie outside the grid.
    """

    bandwidth: float
    grid: np.ndarray
    heldout_loglik: np.ndarray
    heldout_logpdf: np.ndarray
    index: int
    at_edge: bool


@dataclass(frozen=True)
class CoverageResult:
    """Coverage C of docs/theory.md §3 and the quantities it was computed from.

    Attributes
    ----------
    c : float
        Fraction of data points with model log-density ``> threshold``.
    bandwidth : float
        KDE bandwidth chosen by held-out likelihood.
    threshold : float
        ``t``: the 5th percentile of the held-out model samples' log-density.
    loglik : float
        Mean log-density of the data points under the KDE.
    bandwidth_grid : ndarray
        Candidate bandwidths.
    heldout_loglik : ndarray
        Mean held-out log-likelihood per candidate bandwidth.
    median_distance : float
        Median pairwise distance of the model samples (NaN when ``bandwidths`` was given).
    at_grid_edge : bool
        The chosen bandwidth is the smallest or largest of several candidates.
    data_logpdf : ndarray
        Log-density of every data point under the KDE (read-only).
    n_fit, n_heldout : int
        Sizes of the two halves of the model samples.
    """

    c: float
    bandwidth: float
    threshold: float
    loglik: float
    bandwidth_grid: np.ndarray
    heldout_loglik: np.ndarray
    median_distance: float
    at_grid_edge: bool
    data_logpdf: np.ndarray
    n_fit: int
    n_heldout: int


#: Points whose largest coordinate magnitude lies outside this range are rescaled by a power
#: of two (exact) before distances are taken: squared distances would overflow to inf
#: (1e200) or underflow to 0 (1e-200), and the samples would be read as collapsed.
_PLAIN_RANGE = (1e-150, 1e150)


def _units(x: np.ndarray) -> int:
    """``e`` such that ``x * 2^-e`` has its largest magnitude in [0.5, 1); 0 when ``x`` is
    already within :data:`_PLAIN_RANGE` (or all zero), so ordinary data are untouched."""
    m = float(np.abs(x).max())
    return 0 if m == 0.0 or _PLAIN_RANGE[0] <= m <= _PLAIN_RANGE[1] else math.frexp(m)[1]


def _in_units(res: CoverageResult, e: int, d: int) -> CoverageResult:
    """``res``, computed on points scaled by ``2^-e`` in ``d`` dimensions, in the original
    units: lengths times ``2^e``, log-densities minus ``e d log 2`` (C is unchanged)."""
    if e == 0:
        return res
    shift = e * d * math.log(2.0)
    med = res.median_distance
    return dataclasses.replace(
        res, bandwidth=math.ldexp(res.bandwidth, e), threshold=res.threshold - shift, loglik=res.loglik - shift,
        bandwidth_grid=_readonly(np.ldexp(res.bandwidth_grid, e)),
        heldout_loglik=_readonly(res.heldout_loglik - shift),
        median_distance=math.ldexp(med, e) if math.isfinite(med) else med,
        data_logpdf=_readonly(res.data_logpdf - shift))


def median_pairwise_distance(samples, *, rng=None, subsample: int = MEDIAN_SUBSAMPLE) -> float:
    """Median Euclidean distance over all pairs of a random subsample of ``samples``.

    The subsample has ``min(n, subsample)`` points drawn without replacement with ``rng``
    (all points when ``n <= subsample``, in which case the result does not depend on ``rng``).
    """
    x = as_points("samples", samples)
    if x.shape[0] < 2:
        raise ValueError(f"`samples` must hold at least 2 points; got {x.shape[0]}")
    if isinstance(subsample, (bool, np.bool_)) or not isinstance(subsample, numbers.Integral) or subsample < 2:
        raise ValueError(f"`subsample` must be an integer >= 2; got {subsample!r}")
    if x.shape[0] > subsample:
        x = x[as_rng(rng).choice(x.shape[0], size=subsample, replace=False)]
    e = _units(x)
    x = np.ldexp(x, -e) if e else x
    i, j = np.triu_indices(x.shape[0], k=1)
    return math.ldexp(float(np.median(np.sqrt(((x[i] - x[j]) ** 2).sum(axis=1)))), e)


class DegenerateSamplesError(ValueError):
    """The model samples' median distance is 0 (most of them coincide): no KDE bandwidth grid."""


@dataclass(frozen=True)
class Collapsed:
    """Coverage of a collapsed model (samples concentrated on a point: median distance 0,
    no KDE bandwidth grid exists). Its density is a point mass, so
    ``C = P_data(p_model > t) = 0`` exactly; ``loglik = -inf``."""

    c: float = 0.0
    loglik: float = -math.inf
    bandwidth: float = 0.0
    threshold: float = math.inf
    collapsed: bool = True


def coverage_or_collapsed(samples, data, *, rng=None, estimator=None):
    """``estimator(samples, data, rng=rng)`` (default :func:`coverage`; or
    :func:`coverage_reference`), or :class:`Collapsed` when the model samples are
    degenerate (:class:`DegenerateSamplesError`). Any other error propagates."""
    est = coverage if estimator is None else estimator
    try:
        return est(samples, data, rng=rng)
    except DegenerateSamplesError:
        return Collapsed()


def bandwidth_grid(median_distance: float, exponents=GRID_EXPONENTS) -> np.ndarray:
    """``2^k * median_distance`` for ``k`` in ``exponents`` (default ``GRID_EXPONENTS``).

    Raises :class:`DegenerateSamplesError` (a ``ValueError``) when ``median_distance`` is 0.
    """
    m = float(median_distance)
    if m == 0.0:
        raise DegenerateSamplesError(
            "`median_distance` must be positive; got 0.0 (model samples with median distance 0 are "
            "degenerate: more than half of the pairs coincide, no bandwidth grid can be built around it)")
    if not (np.isfinite(m) and m > 0):
        raise ValueError(
            "`median_distance` must be positive and finite; got "
            f"{median_distance!r} (model samples with median pairwise distance 0 are degenerate: "
            "more than half of the pairs coincide, no bandwidth grid can be built around it)"
        )
    k = np.asarray(exponents, dtype=np.float64)
    if k.ndim != 1 or k.size == 0 or not np.all(np.isfinite(k)):
        raise ValueError(f"`exponents` must be a non-empty 1-D sequence of finite numbers; got {exponents!r}")
    return m * 2.0**k  # exact scaling by powers of two for integer k


def select_bandwidth(fit, heldout, grid) -> BandwidthSelection:
    """Choose the bandwidth of ``grid`` maximising the mean held-out log-density.

    The KDE is centred on ``fit``; ``heldout`` are evaluated under it for all bandwidths in
    one kernel pass. Ties go to the first maximum in ``grid`` order.
    """
    h = np.atleast_1d(np.asarray(grid, dtype=np.float64))
    lp = kde_logpdf(heldout, fit, h)  # (K, m), validates everything
    mean = lp.mean(axis=1)
    idx = int(np.argmax(mean))
    return BandwidthSelection(
        bandwidth=float(h[idx]),
        grid=_readonly(h),
        heldout_loglik=_readonly(mean),
        heldout_logpdf=_readonly(lp[idx]),
        index=idx,
        at_edge=bool(h.size > 1 and (h[idx] == h.min() or h[idx] == h.max())),
    )


def coverage(model_samples, data_points, *, rng=None, bandwidths=None) -> CoverageResult:
    """Coverage ``C = P_data(p_model(X) > t)`` with ``P_model(p_model > t) = 0.95`` (docs/theory.md §3).

    Parameters
    ----------
    model_samples : array_like, shape (n, d), n >= 4
        Samples of the model; shuffled and split into a fit half (KDE centres) and a
        held-out half (bandwidth selection and threshold); see the module docstring.
    data_points : array_like, shape (m, d), m >= 1
        Points of the data distribution (use more than the reference code's 500).
    rng : numpy.random.Generator, int or None
        Drives the split and the median subsample.
    bandwidths : array_like or float, optional
        Candidate bandwidths replacing the default grid ``2^k * median`` (k in GRID_EXPONENTS).

    Returns
    -------
    CoverageResult

    Raises
    ------
    ValueError
        Wrong shapes, dimension mismatch, non-finite values, too few samples, non-positive
        bandwidths, or degenerate model samples (median pairwise distance 0).

    Examples
    --------
    A model equal to the data covers (almost) all of it: C is about 0.95.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> res = coverage(rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)), rng=1)
    >>> bool(0.9 < res.c < 1.0)
    True
    """
    x = as_points("model_samples", model_samples)
    y = as_points("data_points", data_points)
    if x.shape[0] < MIN_MODEL_SAMPLES:
        raise ValueError(f"`model_samples` must hold at least {MIN_MODEL_SAMPLES} points; got {x.shape[0]}")
    if y.shape[0] < 1:
        raise ValueError("`data_points` must hold at least one point; got 0")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            "`model_samples` and `data_points` must have the same dimension; "
            f"got {x.shape[1]} and {y.shape[1]}"
        )
    gen = as_rng(rng)
    e = _units(x)
    if e:
        x, y = np.ldexp(x, -e), np.ldexp(y, -e)
    if bandwidths is None:
        med = median_pairwise_distance(x, rng=gen)
        grid = bandwidth_grid(med)
    else:
        med = float("nan")
        grid = np.atleast_1d(np.asarray(bandwidths, dtype=np.float64))
        if grid.ndim != 1 or grid.size == 0:
            raise ValueError(f"`bandwidths` must be a positive number or a 1-D array; got shape {grid.shape}")
        if not (np.isfinite(grid).all() and (grid > 0).all()):
            raise ValueError(f"`bandwidths` must be positive and finite; got {grid.tolist()!r:.80}")
        grid = np.ldexp(grid, -e)
    perm = gen.permutation(x.shape[0])
    n_fit = (x.shape[0] + 1) // 2
    fit, held = x[perm[:n_fit]], x[perm[n_fit:]]
    sel = select_bandwidth(fit, held, grid)
    threshold = float(np.percentile(sel.heldout_logpdf, 100.0 * THRESHOLD_QUANTILE))
    lp_data = kde_logpdf(y, fit, sel.bandwidth)
    return _in_units(CoverageResult(
        c=float(np.mean(lp_data > threshold)),
        bandwidth=sel.bandwidth,
        threshold=threshold,
        loglik=float(lp_data.mean()),
        bandwidth_grid=sel.grid,
        heldout_loglik=sel.heldout_loglik,
        median_distance=med,
        at_grid_edge=sel.at_edge,
        data_logpdf=_readonly(lp_data),
        n_fit=int(fit.shape[0]),
        n_heldout=int(held.shape[0]),
    ), e, x.shape[1])


def coverage_reference(model_samples, data, *, rng=None, sizes=REFERENCE_SIZES) -> CoverageResult:
    """Coverage C as the public AdaGAN reference code estimates it (the seed table's numbers).

    With ``(n_real, n_fit, n_select) = sizes`` (default 500, 1000, 500):

    1. ``real`` := the first ``n_real`` rows of ``data`` (the reference code passes its
       first training points);
    2. the model samples are shuffled with ``rng``; the first ``n_fit`` shuffled samples fit
       the KDE, the next ``n_select`` choose its bandwidth;
    3. ``b0`` := median Euclidean distance between consecutive fitting samples (in the
       shuffled order: ``|f_i - f_{i+1}|``, ``i < n_fit - 1``); the bandwidth is the
       ``h = 2^k b0``, ``k`` in ``REFERENCE_EXPONENTS`` (-7..6), maximising the mean
       log-density of the ``n_select`` samples under the KDE on the fitting samples (first
       maximum on ties);
    4. ``t`` := 5th percentile (``numpy.percentile``, linear) of the log-density *at the
       fitting samples themselves* (in sample: each includes its own kernel);
    5. ``C = 1 - mean(log p(real) <= t)``.

    Step 4 biases ``t`` upwards (and C downwards) compared with :func:`coverage`, which takes
    the threshold out of sample; both are recorded in every run of the table.

    Parameters
    ----------
    model_samples : array_like, shape (n, d), n >= n_fit + n_select
    data : array_like, shape (m, d), m >= n_real
    rng : numpy.random.Generator, int or None
        Drives the shuffle.
    sizes : (int, int, int)
        ``(n_real, n_fit, n_select)``.

    Returns
    -------
    CoverageResult
        ``heldout_loglik`` holds the selection samples' mean log-density per bandwidth,
        ``n_fit``/``n_heldout`` the two sample sizes, ``data_logpdf`` the ``n_real`` values.

    Raises
    ------
    ValueError
        Wrong shapes or sizes, non-finite values, or degenerate model samples (``b0 = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> res = coverage_reference(rng.normal(size=(1500, 2)), rng.normal(size=(500, 2)), rng=1)
    >>> bool(0.85 < res.c <= 1.0)
    True
    """
    x = as_points("model_samples", model_samples)
    y = as_points("data", data)
    try:
        n_real, n_fit, n_sel = (int(v) for v in sizes)
        ok = len(tuple(sizes)) == 3 and n_real >= 1 and n_fit >= 2 and n_sel >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`sizes` must be three integers (n_real >= 1, n_fit >= 2, n_select >= 1); got {sizes!r}")
    if x.shape[0] < n_fit + n_sel:
        raise ValueError(f"`model_samples` must hold at least n_fit + n_select = {n_fit + n_sel} points; "
                         f"got {x.shape[0]}")
    if y.shape[0] < n_real:
        raise ValueError(f"`data` must hold at least n_real = {n_real} points; got {y.shape[0]}")
    if x.shape[1] != y.shape[1]:
        raise ValueError("`model_samples` and `data` must have the same dimension; "
                         f"got {x.shape[1]} and {y.shape[1]}")
    gen = as_rng(rng)
    e = _units(x)
    if e:
        x, y = np.ldexp(x, -e), np.ldexp(y, -e)
    perm = gen.permutation(x.shape[0])
    fit, sel = x[perm[:n_fit]], x[perm[n_fit:n_fit + n_sel]]
    b0 = float(np.median(np.sqrt(((fit[1:] - fit[:-1]) ** 2).sum(axis=1))))
    grid = bandwidth_grid(b0, REFERENCE_EXPONENTS)
    choice = select_bandwidth(fit, sel, grid)
    threshold = float(np.percentile(kde_logpdf(fit, fit, choice.bandwidth), 100.0 * THRESHOLD_QUANTILE))
    lp_real = kde_logpdf(y[:n_real], fit, choice.bandwidth)
    return _in_units(CoverageResult(
        c=float(1.0 - np.mean(lp_real <= threshold)),
        bandwidth=choice.bandwidth,
        threshold=threshold,
        loglik=float(lp_real.mean()),
        bandwidth_grid=choice.grid,
        heldout_loglik=choice.heldout_loglik,
        median_distance=b0,
        at_grid_edge=choice.at_edge,
        data_logpdf=_readonly(lp_real),
        n_fit=int(n_fit),
        n_heldout=int(n_sel),
    ), e, x.shape[1])


@dataclass(frozen=True)
class ModeStats:
    """Mode statistics of samples against the known modes of a toy mixture.

    Attributes
    ----------
    modes_captured : int
        Number of captured modes.
    n_modes : int
    high_quality : float
        Fraction of samples whose nearest mode is within 3 std of them.
    counts : ndarray of int
        Per mode: high-quality samples whose nearest mode it is.
    captured : ndarray of bool
        Per mode: ``counts >= min_share * n / n_modes``.
    """

    modes_captured: int
    n_modes: int
    high_quality: float
    counts: np.ndarray
    captured: np.ndarray


def mode_stats(samples, means, std, *, min_share: float = 0.2) -> ModeStats:
    """Modes captured and high-quality fraction (nearest mode within 3σ).

    Parameters
    ----------
    samples : array_like, shape (n, d), n >= 1
    means : array_like, shape (K, d)
        The modes' centres.
    std : float or array_like, shape (K,)
        Isotropic standard deviation of the modes (one for all, or one per mode).
    min_share : float in (0, 1]
        A mode is captured when at least ``min_share * n / K`` high-quality samples are
        assigned to it (nearest-mode assignment).

    Examples
    --------
    >>> import numpy as np
    >>> s = mode_stats([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]], [[0.0, 0.0], [10.0, 0.0]], 0.5)
    >>> (s.modes_captured, round(s.high_quality, 3))
    (1, 0.667)
    """
    x = as_points("samples", samples)
    mu = as_points("means", means)
    if x.shape[0] < 1:
        raise ValueError("`samples` must hold at least one point; got 0")
    if mu.shape[0] < 1:
        raise ValueError("`means` must hold at least one mode; got 0")
    if x.shape[1] != mu.shape[1]:
        raise ValueError(
            f"`samples` and `means` must have the same dimension; got {x.shape[1]} and {mu.shape[1]}"
        )
    try:
        sd = np.asarray(std, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`std` must be a positive number or one per mode; got {std!r:.80}") from exc
    if sd.ndim > 1 or (sd.ndim == 1 and sd.shape[0] != mu.shape[0]):
        raise ValueError(f"`std` must be a scalar or have shape ({mu.shape[0]},); got shape {sd.shape}")
    if not np.all(np.isfinite(sd) & (sd > 0)):
        raise ValueError(f"`std` must be positive and finite; got {std!r:.80}")
    if isinstance(min_share, (bool, np.bool_)) or not isinstance(min_share, numbers.Real) or not (
        0.0 < float(min_share) <= 1.0
    ):
        raise ValueError(f"`min_share` must be a number in (0, 1]; got {min_share!r}")
    k = mu.shape[0]
    sd = np.broadcast_to(sd, (k,))
    # Points or modes beyond 1e150, or spreads below 1e-140, would over- or underflow the squared
    # distances: rescale by a power of two (exact) and take each distance in units of its
    # largest coordinate difference. Ordinary data keep the plain sum of squares.
    e = _units(np.array([np.abs(x).max(), np.abs(mu).max()]))
    robust = e != 0 or float(sd.min()) < 1e-140
    if e:
        x, mu, sd = np.ldexp(x, -e), np.ldexp(mu, -e), np.ldexp(sd, -e)
    # nearest mode, chunked so that the (chunk, K) distance block stays small
    nearest = np.empty(x.shape[0], dtype=np.int64)
    dist = np.empty(x.shape[0])
    chunk = max(1, 2**20 // k)
    for s in range(0, x.shape[0], chunk):
        diff = x[s : s + chunk, None, :] - mu[None, :, :]
        if robust:
            big = np.abs(diff).max(axis=2)
            unit = np.where(big > 0, big, 1.0)
            d2 = big * np.sqrt(((diff / unit[:, :, None]) ** 2).sum(axis=2))  # the distance itself
        else:
            d2 = (diff**2).sum(axis=2)
        nearest[s : s + chunk] = np.argmin(d2, axis=1)
        picked = d2[np.arange(d2.shape[0]), nearest[s : s + chunk]]
        dist[s : s + chunk] = picked if robust else np.sqrt(picked)
    good = dist <= 3.0 * sd[nearest]
    counts = np.bincount(nearest[good], minlength=k)
    captured = counts >= float(min_share) * x.shape[0] / k
    counts.setflags(write=False)
    captured.setflags(write=False)
    return ModeStats(
        modes_captured=int(captured.sum()),
        n_modes=int(k),
        high_quality=float(good.mean()),
        counts=counts,
        captured=captured,
    )
