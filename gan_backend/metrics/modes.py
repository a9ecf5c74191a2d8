"""The mode-collapse metric of the 2-D ring and grid benchmarks, in one place.

It follows the unrolled-GAN / VEEGAN / PacGAN protocol (Metz et al., "Unrolled generative
adversarial networks", ICLR 2017; Srivastava et al., "VEEGAN: Reducing mode collapse in
GANs using implicit variational learning", NIPS 2017; Lin et al., "PacGAN: The power of
two samples in generative adversarial networks", NeurIPS 2018, Table 1), scored on
2,500 samples of the model:

* a sample is **high quality** (HQ) if its nearest mode (Euclidean) lies within 3 standard
  deviations of it; ``hq`` is the share of HQ samples;
* each HQ sample is *registered* to its nearest mode; ``counts[k]`` is the number of HQ
  samples registered to mode k;
* **modes captured** is reported two ways, as the papers do: ``modes_any`` counts the
  modes with at least one HQ sample, ``modes`` the modes with at least 20 HQ samples
  out of 2,500 (for another sample size n the threshold is ``20 n / 2500``);
* **reverse KL** ``KL(q || u) = sum_k q_k log(K q_k)`` between the histogram ``q`` of
  the HQ samples over the modes (``counts / counts.sum()``) and the uniform ``u = 1/K``
  of the data: 0 for a perfectly balanced model, ``log K`` when every HQ sample sits on
  one mode, ``inf`` when there is no HQ sample at all.

The nearest-mode assignment and the HQ test are those of
:func:`gan_backend.metrics.coverage.mode_stats` (used here, not re-implemented).

Published figures (PacGAN Table 1, mean over runs, 2,500 samples) are in
:data:`PUBLISHED`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from gan_backend.engine._validate import positive_int
from gan_backend.metrics.coverage import mode_stats

__all__ = ["ModeMetrics", "mode_metrics", "PUBLISHED", "N_SAMPLES", "MIN_COUNT"]

#: samples scored per model in the literature
N_SAMPLES = 2500
#: HQ samples (out of N_SAMPLES) a mode needs to count as captured in ``modes``
MIN_COUNT = 20

#: PacGAN Table 1 (mean over runs, 2,500 samples): benchmark -> method -> (modes captured, HQ in %).
#: Only the rows quoted by the issue that asked for this benchmark are stored.
PUBLISHED = {
    "ring": {"GAN": (6.3, 98.2), "PacGAN2": (7.9, 95.6)},
    "grid": {"GAN": (17.3, 94.8), "PacGAN2": (23.8, 91.3)},
}


@dataclass(frozen=True)
class ModeMetrics:
    """Scores of one set of samples (see the module docstring).

    Attributes
    ----------
    modes : int
        Modes with at least ``threshold`` HQ samples.
    modes_any : int
        Modes with at least one HQ sample.
    hq : float
        Share of HQ samples, in [0, 1].
    reverse_kl : float
        ``KL(q || uniform)`` of the HQ histogram (``inf`` without HQ samples).
    counts : ndarray of int
        HQ samples registered to each mode.
    n, n_modes : int
        Number of samples scored and of modes.
    threshold : float
        ``MIN_COUNT * n / N_SAMPLES``.
    """

    modes: int
    modes_any: int
    hq: float
    reverse_kl: float
    counts: np.ndarray
    n: int
    n_modes: int
    threshold: float


def mode_metrics(samples, means, std, *, min_count: float = MIN_COUNT, per: int = N_SAMPLES) -> ModeMetrics:
    """Modes captured (two counts), HQ share and reverse KL of ``samples``.

    Parameters
    ----------
    samples : array_like, shape (n, d)
        Model samples (the literature scores n = 2,500).
    means : array_like, shape (K, d)
        Mode centres.
    std : float
        Common isotropic standard deviation of the modes (HQ: within ``3 std``).
    min_count, per : float, int
        A mode counts in ``modes`` with at least ``min_count * n / per`` HQ samples
        (default 20 per 2,500).

    Examples
    --------
    >>> import numpy as np
    >>> m = mode_metrics([[0.0, 0.0]] * 30 + [[1.0, 0.02]] * 10 + [[0.5, 0.5]],
    ...                  [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], 0.01, per=41)
    >>> m.modes, m.modes_any, round(m.hq, 3), round(m.reverse_kl, 3)
    (1, 2, 0.976, 0.536)
    """
    if isinstance(min_count, bool) or not isinstance(min_count, numbers.Real) or not (
            math.isfinite(min_count) and min_count >= 0):
        raise ValueError(f"`min_count` must be a nonnegative number; got {min_count!r}")
    per = positive_int("per", per)
    ms = mode_stats(samples, means, std)
    counts = np.asarray(ms.counts)
    n = int(round(np.asarray(samples).shape[0]))
    k = ms.n_modes
    threshold = float(min_count) * n / int(per)
    total = int(counts.sum())
    if total == 0:
        rkl = math.inf
    else:
        q = counts[counts > 0] / total
        rkl = float(max(0.0, np.sum(q * np.log(k * q))))
    return ModeMetrics(
        modes=int(np.count_nonzero(counts >= threshold)) if threshold > 0 else int(np.count_nonzero(counts > 0)),
        modes_any=int(np.count_nonzero(counts > 0)),
        hq=float(ms.high_quality),
        reverse_kl=rkl,
        counts=counts,
        n=n,
        n_modes=k,
        threshold=threshold,
    )
