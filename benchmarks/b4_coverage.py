"""B4: coverage C from 10^4 model samples and 10^4 data points, KDE with bandwidth selection.

Ours: :func:`gan_backend.metrics.coverage.coverage` (one Numba pass for the whole bandwidth grid).
Peer: ``scipy.stats.gaussian_kde`` doing the same evaluations -- the same split of the
model samples, the same bandwidth grid, the held-out log-likelihood for every bandwidth,
the 5% threshold, the data log-densities -- with the kernel covariance set to ``h^2 I``
(scipy's default kernel is ``factor^2`` times the data covariance; :class:`IsotropicKDE`
replaces it by the scalar covariance our KDE uses, so both compute the same numbers).
Both run in the same process on the same inputs; the row also checks that they agree.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import gaussian_kde

from benchmarks._harness import Row, best_time
from gan_backend.metrics.coverage import (
    THRESHOLD_QUANTILE,
    bandwidth_grid,
    coverage,
    median_pairwise_distance,
)

ID = "B4"


class IsotropicKDE(gaussian_kde):
    """``gaussian_kde`` with kernel covariance ``h^2 I`` (instead of ``factor^2 * cov(data)``)."""

    def __init__(self, dataset, h: float):
        self._h = float(h)
        super().__init__(dataset)

    def _compute_covariance(self):  # scipy's hook, called by set_bandwidth
        d, h = self.d, self._h
        self.factor = h
        self.covariance = np.eye(d) * h * h
        self.cho_cov = np.eye(d) * h
        self.log_det = 2.0 * d * np.log(h * np.sqrt(2.0 * np.pi))


def scipy_coverage(model_samples, data_points, *, rng=None):
    """docs/theory.md §3 coverage with every density evaluation done by ``scipy.stats.gaussian_kde``.

    Same split and grid as :func:`gan_backend.metrics.coverage.coverage` (same ``rng`` use), so the
    two return the same ``(c, bandwidth, threshold, loglik)`` up to round-off.
    """
    x = np.asarray(model_samples, dtype=np.float64)
    y = np.asarray(data_points, dtype=np.float64)
    gen = np.random.default_rng(rng)
    grid = bandwidth_grid(median_pairwise_distance(x, rng=gen))
    perm = gen.permutation(x.shape[0])
    n_fit = (x.shape[0] + 1) // 2
    fit, held = x[perm[:n_fit]], x[perm[n_fit:]]
    best, best_h, best_lp = -np.inf, None, None
    for h in grid:
        lp = IsotropicKDE(fit.T, h).logpdf(held.T)
        if lp.mean() > best:
            best, best_h, best_lp = lp.mean(), h, lp
    threshold = float(np.percentile(best_lp, 100.0 * THRESHOLD_QUANTILE))
    lp_data = IsotropicKDE(fit.T, best_h).logpdf(y.T)
    return float(np.mean(lp_data > threshold)), float(best_h), threshold, float(lp_data.mean())


def toy_case(n_model: int, n_data: int, seed: int = 0):
    """10-mode mixture of docs/theory.md §3 (data) and a model that covers 7 of its modes."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-15, 15, size=(10, 2))
    sd = np.sqrt(15.0 / (3 * 10**2))

    def draw(n, mu):
        return mu[rng.integers(0, len(mu), n)] + sd * rng.normal(size=(n, 2))

    return draw(n_model, means[:7]), draw(n_data, means)


def rows(smoke: bool = False):
    n = 300 if smoke else 10_000
    model, data = toy_case(n, n)
    coverage(model[:50], data[:50], rng=0)  # compile / load the kernel cache
    ours_res = coverage(model, data, rng=1)
    peer_res = scipy_coverage(model, data, rng=1)
    agree = (
        ours_res.c == peer_res[0]
        and ours_res.bandwidth == peer_res[1]
        and abs(ours_res.threshold - peer_res[2]) <= 1e-9 * max(1.0, abs(peer_res[2]))
    )
    t_ours = best_time(lambda: coverage(model, data, rng=1), repeat=5)
    t_peer = best_time(lambda: scipy_coverage(model, data, rng=1), repeat=1 if not smoke else 2)
    ratio = t_peer / t_ours
    yield Row(
        name="B4 coverage 1e4 x 1e4 (KDE+bw sel)" if not smoke else "B4 coverage (smoke)",
        ours=t_ours,
        peer=t_peer,
        ratio=ratio,
        target=">= 5x scipy gaussian_kde, same C",
        passed=bool(ratio >= 5.0 and agree),
        note=f"C={ours_res.c:.4f} vs {peer_res[0]:.4f}, h={ours_res.bandwidth:.4g}"
        + ("" if agree else " MISMATCH"),
    )
