r"""Measurements of learned posteriors: separation, distance of the aggregate to the prior,
and a KDE of the encoder's own samples (to check T against ``log q(z|x) − log p(z)``).

* :func:`nearest_centroid_accuracy` — the fraction of posterior samples whose nearest
  centroid (Euclidean; centroids = means of each data point's samples) is their own
  data point's: 1 for well separated posteriors, ``1/K`` for identical ones.
* :func:`mmd2_to_standard_normal` — the squared maximum mean discrepancy between the
  samples and ``N(0, I_d)`` under the Gaussian kernel ``k(a, b) = exp(−|a−b|²/(2h²))``.
  The prior's terms are closed forms,

  .. math:: E_{y∼N(0,I)} k(a, y) = \Big(\tfrac{h^2}{h^2+1}\Big)^{d/2} e^{−|a|^2/(2(h^2+1))},
            \qquad E_{y,y'} k(y, y') = \Big(\tfrac{h^2}{h^2+2}\Big)^{d/2},

  and the sample term is the U-statistic (off-diagonal mean), so the estimate is unbiased
  for ``MMD²(q, N(0, I))`` and is 0 in expectation when the samples are standard normal.
* :func:`log_marginal_likelihood` — the exact ``log p(x) = log E_{z∼N(0,I)} p(x|z)`` of a
  decoder by importance sampling from a defensive mixture (prior and a Gaussian fitted to
  posterior samples), with its Monte Carlo standard error: the reference the ELBO is
  measured against.
* :func:`kde_log_ratio` — ``log q̂(z) − log p(z)`` with ``q̂`` an isotropic Gaussian KDE
  on one half of the samples (bandwidth by held-out likelihood on the other half, the
  grid and search of :mod:`gan_backend.metrics.coverage`), evaluated at fresh query points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gan_backend.metrics._kde import kde_logpdf
from gan_backend.metrics.coverage import bandwidth_grid, median_pairwise_distance, select_bandwidth
from gan_backend.engine._validate import as_rng

__all__ = [
    "nearest_centroid_accuracy",
    "nearest_neighbour_accuracy",
    "mmd2_to_standard_normal",
    "gaussian_moment_kl",
    "standard_normal_logpdf",
    "KdeLogRatio",
    "kde_log_ratio",
    "MarginalLogLikelihood",
    "log_marginal_likelihood",
]


def _posteriors(name, z) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 3 or z.shape[0] < 2 or z.shape[1] < 1 or not np.all(np.isfinite(z)):
        raise ValueError(f"`{name}` must be a finite array of shape (K >= 2, n, d); got shape {z.shape}")
    return z


def nearest_centroid_accuracy(z) -> float:
    """Fraction of samples closer to their own posterior's centroid than to any other.

    Parameters
    ----------
    z : array_like, shape (K, n, d)
        ``n`` samples from each of ``K`` posteriors.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.stack([np.full((3, 2), -1.0), np.full((3, 2), 1.0)])
    >>> nearest_centroid_accuracy(z)
    1.0
    """
    z = _posteriors("z", z)
    k, n, d = z.shape
    cent = z.mean(axis=1)
    flat = z.reshape(-1, d)
    d2 = ((flat[:, None, :] - cent[None, :, :]) ** 2).sum(axis=2)
    own = np.repeat(np.arange(k), n)
    return float(np.mean(np.argmin(d2, axis=1) == own))


def nearest_neighbour_accuracy(z) -> float:
    """Leave-one-out 1-nearest-neighbour accuracy: the fraction of samples whose nearest
    other sample (Euclidean) comes from the same posterior. Unlike the centroid rule it
    does not assume convex posteriors: it is near 1 whenever they do not overlap.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> rings = np.stack([np.c_[np.cos(t), np.sin(t)], 3 * np.c_[np.cos(t), np.sin(t)]])
    >>> nearest_neighbour_accuracy(rings)
    1.0
    >>> nearest_centroid_accuracy(rings) < 0.75  # both centroids sit at the origin
    True
    """
    z = _posteriors("z", z)
    k, n, d = z.shape
    flat = z.reshape(-1, d)
    own = np.repeat(np.arange(k), n)
    sq = (flat * flat).sum(axis=1)
    hits = 0
    for a in range(0, flat.shape[0], 2048):
        d2 = sq[a:a + 2048, None] + sq[None, :] - 2.0 * flat[a:a + 2048] @ flat.T
        d2[np.arange(d2.shape[0]), np.arange(a, a + d2.shape[0])] = np.inf  # leave one out
        hits += int(np.count_nonzero(own[np.argmin(d2, axis=1)] == own[a:a + 2048]))
    return hits / flat.shape[0]


def mmd2_to_standard_normal(samples, bandwidth: float = 1.0) -> float:
    """Unbiased ``MMD²`` between ``samples`` (m, d) and ``N(0, I_d)``, Gaussian kernel.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((2000, 2))
    >>> bool(abs(mmd2_to_standard_normal(x)) < 2e-3)
    True
    >>> bool(mmd2_to_standard_normal(x + 3.0) > 0.1)
    True
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"`samples` must be a finite (m >= 2, d) array; got shape {x.shape}")
    h = float(bandwidth)
    if not (h > 0 and np.isfinite(h)):
        raise ValueError(f"`bandwidth` must be positive and finite; got {bandwidth!r}")
    m, d = x.shape
    h2 = h * h
    sq = (x * x).sum(axis=1)
    xx = 0.0
    for a in range(0, m, 2048):  # blocks keep the m×m kernel matrix out of memory
        d2 = sq[a:a + 2048, None] + sq[None, :] - 2.0 * x[a:a + 2048] @ x.T
        xx += np.exp(-np.maximum(d2, 0.0) / (2 * h2)).sum()
    xx = (xx - m) / (m * (m - 1))  # drop the diagonal (k(a, a) = 1)
    xy = (h2 / (h2 + 1)) ** (d / 2) * np.exp(-sq / (2 * (h2 + 1))).mean()
    yy = (h2 / (h2 + 2)) ** (d / 2)
    return float(xx - 2 * xy + yy)


def gaussian_moment_kl(samples) -> float:
    r"""``KL(N(m, S) ‖ N(0, I))`` for the samples' mean ``m`` and covariance ``S``:
    ``½ (tr S + |m|² − d − log det S)`` (a summary of the first two moments only).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((20000, 2))
    >>> bool(gaussian_moment_kl(x) < 1e-3)
    True
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] <= x.shape[1] or not np.all(np.isfinite(x)):
        raise ValueError(f"`samples` must be a finite (m > d, d) array; got shape {x.shape}")
    mean = x.mean(axis=0)
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return float("inf")
    return float(0.5 * (np.trace(cov) + mean @ mean - x.shape[1] - logdet))


def standard_normal_logpdf(z) -> np.ndarray:
    """Row-wise ``log N(z; 0, I)``."""
    z = np.asarray(z, dtype=np.float64)
    return -0.5 * (z * z).sum(axis=-1) - 0.5 * z.shape[-1] * np.log(2 * np.pi)


@dataclass(frozen=True)
class KdeLogRatio:
    """``log q̂(z) − log p(z)`` at the query points, and the KDE's bandwidth."""

    log_ratio: np.ndarray
    bandwidth: float


def kde_log_ratio(samples, queries, *, rng=None) -> KdeLogRatio:
    """KDE estimate of ``log q(z) − log N(z; 0, I)`` at ``queries`` from samples of q.

    The samples are split in two random halves: the KDE sits on the first, its bandwidth
    maximises the held-out likelihood of the second over the grid
    ``2^k · median pairwise distance`` of :func:`gan_backend.metrics.coverage.bandwidth_grid`.
    Queries should be independent of ``samples`` (fresh draws of q).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> r = kde_log_ratio(g.standard_normal((4000, 2)), g.standard_normal((500, 2)), rng=1)
    >>> bool(abs(r.log_ratio.mean()) < 0.1)  # q = p: log-ratio 0 up to KDE bias
    True
    """
    s = np.asarray(samples, dtype=np.float64)
    q = np.asarray(queries, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] < 4 or q.ndim != 2 or q.shape[1] != s.shape[1]:
        raise ValueError(f"`samples` (m >= 4, d) and `queries` (k, d) needed; got {s.shape} and {q.shape}")
    perm = as_rng(rng).permutation(s.shape[0])
    half = s.shape[0] // 2
    fit, held = s[perm[:half]], s[perm[half:]]
    sel = select_bandwidth(fit, held, bandwidth_grid(median_pairwise_distance(fit, rng=rng)))
    lq = kde_logpdf(q, fit, sel.bandwidth)
    return KdeLogRatio(log_ratio=np.asarray(lq) - standard_normal_logpdf(q), bandwidth=float(sel.bandwidth))


@dataclass(frozen=True)
class MarginalLogLikelihood:
    """Importance-sampling estimates ``log p̂(x_k)`` (K,), their standard errors (K,) and
    the number ``n`` of draws per point; ``mean`` and ``mean_stderr`` are those of the
    per-point average ``(1/K) Σ_k log p̂(x_k)`` (independent draws per point)."""

    log_px: np.ndarray
    stderr: np.ndarray
    n: int

    @property
    def mean(self) -> float:
        return float(np.mean(self.log_px))

    @property
    def mean_stderr(self) -> float:
        return float(np.sqrt(np.sum(self.stderr ** 2)) / self.stderr.shape[0])


def _gaussian_logpdf(z, mean, chol) -> np.ndarray:
    from scipy.linalg import solve_triangular  # lazy: scipy.linalg costs ~35 ms at CLI start-up

    u = solve_triangular(chol, (z - mean).T, lower=True)
    d = z.shape[1]
    return -0.5 * (u * u).sum(axis=0) - np.log(np.diag(chol)).sum() - 0.5 * d * np.log(2 * np.pi)


def log_marginal_likelihood(loglik, x, n: int = 50_000, *, proposal_samples=None, latent_dim: int = 2,
                            rng=None, chunk: int = 25_000) -> MarginalLogLikelihood:
    r"""``log p(x_k) = log ∫ N(z; 0, I) p(x_k|z) dz`` for each row of ``x``, by importance sampling.

    For point k the proposal is the defensive mixture
    ``r_k = ½ N(0, I) + ½ N(m_k, 2 S_k)`` with ``m_k``, ``S_k`` the mean and covariance of
    ``proposal_samples[k]`` (e.g. the encoder's posterior samples), or the prior alone
    when ``proposal_samples`` is None. With ``w = N(z; 0, I) p(x|z) / r_k(z)``
    (``≤ 2 p(x|z) ≤ 2``: bounded weights, finite variance), the estimate is
    ``log mean(w)`` and its standard error, by the delta method, ``sd(w) / (√n · mean(w))``.

    Parameters
    ----------
    loglik : callable
        ``loglik(x_rows, z) → log p(x_row|z)`` per row (e.g. ``BernoulliDecoder.loglik``).
    x : array_like, shape (K, D)
    n : int
        Draws per point (at least 2).
    proposal_samples : array_like, shape (K, m, d), optional
    latent_dim : int
        Dimension d of z when ``proposal_samples`` is None.
    rng : numpy.random.Generator, int or None
    chunk : int
        Draws evaluated per call of ``loglik``.

    Examples
    --------
    A decoder that ignores z: ``p(x) = p(x|z)``, exactly, whatever the proposal.

    >>> import numpy as np
    >>> r = log_marginal_likelihood(lambda x, z: np.full(len(z), np.log(0.3)), np.eye(2), 1000, rng=0)
    >>> bool(np.allclose(r.log_px, np.log(0.3))), bool(r.stderr.max() < 1e-12)
    (True, True)
    """
    if not callable(loglik):
        raise ValueError(f"`loglik` must be callable; got {type(loglik).__name__}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"`n` must be an integer >= 2; got {n!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"`x` must be a (K, D) array; got shape {x.shape}")
    rng = as_rng(rng)
    k = x.shape[0]
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"`latent_dim` must be a positive integer; got {latent_dim!r}")
    if proposal_samples is None:
        d, fitted = int(latent_dim), None
    else:
        ps = np.asarray(proposal_samples, dtype=np.float64)
        if ps.ndim != 3 or ps.shape[0] != k or ps.shape[1] <= ps.shape[2] or not np.all(np.isfinite(ps)):
            raise ValueError(f"`proposal_samples` must be a finite (K = {k}, m > d, d) array; got shape {ps.shape}")
        d = ps.shape[2]
        fitted = []
        for i in range(k):
            cov = 2.0 * np.atleast_2d(np.cov(ps[i], rowvar=False)) + 1e-6 * np.eye(d)
            fitted.append((ps[i].mean(axis=0), np.linalg.cholesky(cov)))
    log_px, se = np.empty(k), np.empty(k)
    for i in range(k):
        logw = np.empty(int(n))
        for a in range(0, int(n), chunk):
            m = min(chunk, int(n) - a)
            z = rng.standard_normal((m, d))
            lp = standard_normal_logpdf(z)
            if fitted is not None:
                mean, chol = fitted[i]
                pick = rng.random(m) < 0.5
                z[pick] = mean + rng.standard_normal((int(pick.sum()), d)) @ chol.T
                lp = standard_normal_logpdf(z)
                lr = np.logaddexp(lp, _gaussian_logpdf(z, mean, chol)) - np.log(2.0)
            else:
                lr = lp
            ll = np.asarray(loglik(np.repeat(x[i:i + 1], m, axis=0), z), dtype=np.float64)
            logw[a:a + m] = lp + ll - lr
        top = logw.max()
        w = np.exp(logw - top)
        mw = w.mean()
        log_px[i] = top + np.log(mw)
        se[i] = w.std(ddof=1) / (np.sqrt(n) * mw)
    return MarginalLogLikelihood(log_px=log_px, stderr=se, n=int(n))

