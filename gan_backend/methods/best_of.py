"""Best of T baseline: T independent GANs, keep the one with the highest coverage C
(THEORY.md §3) on HELD-OUT data, i.e. points no GAN was trained on. A GAN collapsed to a
point has C = 0 (:func:`coverage_or_collapsed`).

``trajectory`` yields, for t = 1..T, the best of the first t GANs, so one T = 10 run
gives both the T = 3 and the T = 10 rows of the table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gan_backend.adagan import AdaGanError, Snapshot, gan_trainer, last_model
from gan_backend.mixture import as_rng

NAME = "best_of"
HELP = "best of T independent GANs by coverage on held-out data"

# Share of x held out for selection when no held-out set is given (fit / sample command).
HELDOUT_FRACTION = 0.1
# Model samples drawn to estimate each GAN's held-out coverage.
SELECT_SAMPLES = 2000


@dataclass(frozen=True)
class Collapsed:
    """Coverage of a collapsed model (samples concentrated on a point: median pairwise
    distance 0, no KDE bandwidth grid exists). Its density is a point mass, so
    ``C = P_data(p_model > t) = 0`` exactly; ``loglik = -inf``."""

    c: float = 0.0
    loglik: float = -math.inf
    bandwidth: float = 0.0
    collapsed: bool = True


def coverage_or_collapsed(samples, data, *, rng):
    """:func:`gan_backend.coverage.coverage`, or :class:`Collapsed` when the model samples
    are degenerate (median pairwise distance 0). Any other error propagates."""
    from gan_backend.coverage import MEDIAN_SUBSAMPLE, coverage, median_pairwise_distance

    try:
        return coverage(samples, data, rng=rng)
    except ValueError:
        s = np.asarray(samples)
        if np.all(np.isfinite(s)) and median_pairwise_distance(s[:MEDIAN_SUBSAMPLE]) == 0.0:
            return Collapsed()
        raise


def split_heldout(x, rng, fraction: float = HELDOUT_FRACTION):
    """Random split of ``x`` into (train, heldout) with ``fraction`` held out."""
    x = np.asarray(x)
    n_out = int(round(fraction * x.shape[0]))
    if n_out < 1 or n_out >= x.shape[0]:
        raise ValueError(f"`x` has {x.shape[0]} points: too few to hold out {fraction:.0%} for selection")
    perm = rng.permutation(x.shape[0])
    return x[perm[n_out:]], x[perm[:n_out]]


def trajectory(x, *, T, config, rng=None, progress=False, options=None, heldout=None,
               select_samples: int = SELECT_SAMPLES):
    """Yield a :class:`~gan_backend.adagan.Snapshot` per t = 1..T: the best of the first
    t GANs by coverage on ``heldout`` (split off ``x`` when None). ``options`` unused."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"`T` must be a positive integer; got {T!r}")
    gen = as_rng(rng)
    if heldout is None:
        x, heldout = split_heldout(x, gen)
    heldout = np.asarray(heldout)
    # Selection randomness (KDE bandwidth split, model samples) on its own stream, so the
    # GANs trained do not depend on how they are evaluated.
    sel_rng = np.random.default_rng(gen.integers(2**63))
    train = gan_trainer(config)
    gans, scores = [], []
    for t in range(1, int(T) + 1):
        try:
            g = train(x, None, gen)
            samples = np.asarray(g.sample(select_samples, sel_rng))
        except Exception as exc:
            raise AdaGanError(f"Best of T, GAN {t}: training or sampling failed: {type(exc).__name__}: {exc}") from exc
        if not np.all(np.isfinite(samples)):
            raise AdaGanError(f"Best of T, GAN {t}: non-finite samples (diverged training?)")
        c = float(coverage_or_collapsed(samples, heldout, rng=sel_rng).c)
        gans.append(g)
        scores.append(c)
        best = int(np.argmax(scores))  # first maximum: ties keep the earlier GAN
        if progress:
            import sys
            print(f"Best of T: GAN {t}/{T} held-out C = {c:.3f}, best so far #{best + 1} "
                  f"(C = {scores[best]:.3f})", file=sys.stderr, flush=True)
        yield Snapshot(t=t, model=gans[best], info={"pick": best + 1, "heldout_c": list(scores)})


def fit(x, *, T, config, rng=None, progress=False, options=None, heldout=None):
    """Train ``T`` independent GANs on ``x`` and return the best one (a ``Generator``)."""
    return last_model(trajectory(x, T=T, config=config, rng=rng, progress=progress, heldout=heldout))
