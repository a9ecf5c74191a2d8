"""Best of T baseline: T independent GANs, keep the one with the highest coverage C
(docs/theory.md §3) on HELD-OUT data, i.e. points no GAN was trained on. A GAN collapsed to a
point has C = 0 (:func:`gan_backend.metrics.coverage.coverage_or_collapsed`).

``trajectory`` yields, for t = 1..T, the best of the first t GANs, so one T = 10 run
gives both the T = 3 and the T = 10 rows of the table.
"""
from __future__ import annotations

import sys

import numpy as np

from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.adagan import AdaGanError
from gan_backend.metrics.coverage import Collapsed, coverage_or_collapsed
from gan_backend.adagan.methods._independent import independent
from gan_backend.adagan.methods._method import Method, Snapshot

__all__ = ["METHOD", "trajectory", "split_heldout", "Collapsed", "coverage_or_collapsed",
           "HELDOUT_FRACTION", "SELECT_SAMPLES"]

# Share of x held out for selection when no held-out set is given (fit / sample command).
HELDOUT_FRACTION = 0.1
# Model samples drawn to estimate each GAN's held-out coverage.
SELECT_SAMPLES = 2000


def split_heldout(x, rng, fraction: float = HELDOUT_FRACTION):
    """Random split of ``x`` into (train, heldout) with ``fraction`` held out."""
    x = np.asarray(x)
    n_out = int(round(fraction * x.shape[0]))
    if n_out < 1 or n_out >= x.shape[0]:
        raise ValueError(f"`x` has {x.shape[0]} points: too few to hold out {fraction:.0%} for selection")
    perm = rng.permutation(x.shape[0])
    return x[perm[n_out:]], x[perm[:n_out]]


def selection_rng(seed: int, i: int) -> np.random.Generator:
    """The stream scoring GAN ``i`` (1-based) on the held-out points (model samples, KDE split)."""
    return np.random.default_rng([int(seed), int(i), 2])


def trajectory(x, *, T, config=None, rng=None, progress=False, heldout=None, components=None,
               select_samples: int = SELECT_SAMPLES):
    """Yield a :class:`Snapshot` per t = 1..T: the best of the first t GANs by coverage on
    ``heldout`` (split off ``x`` when None).

    ``rng`` draws the selection seed (first) and the held-out split; the GANs come from
    ``components`` or are trained from ``rng``. GAN ``i`` is scored with
    :func:`selection_rng` ``(seed, i)``, so its score depends on that GAN alone.
    """
    T = positive_int("T", T)
    gen = as_rng(rng)
    sel_seed = int(gen.integers(2**63))
    if heldout is None:
        x, heldout = split_heldout(x, gen)
    heldout = np.asarray(heldout)
    gans = independent(x, T, config, gen, components, progress)
    scores = []
    for t in range(1, T + 1):
        g = gans[t - 1]
        sel = selection_rng(sel_seed, t)
        try:
            samples = np.asarray(g.sample(select_samples, sel))
        except Exception as exc:
            raise AdaGanError(f"Best of T, GAN {t}: sampling failed: {type(exc).__name__}: {exc}") from exc
        if not np.all(np.isfinite(samples)):
            raise AdaGanError(f"Best of T, GAN {t}: non-finite samples (diverged training?)")
        scores.append(float(coverage_or_collapsed(samples, heldout, rng=sel).c))
        best = int(np.argmax(scores))  # first maximum: ties keep the earlier GAN
        if progress:
            print(f"Best of T: GAN {t}/{T} held-out C = {scores[-1]:.3f}, best so far #{best + 1} "
                  f"(C = {scores[best]:.3f})", file=sys.stderr, flush=True)
        yield Snapshot(t=t, model=gans[best], model_id=f"gan{best + 1}",
                       info={"pick": best + 1, "heldout_c": list(scores)})


METHOD = Method(name="best_of", help="best of T independent GANs by coverage on held-out data",
                trajectory=trajectory)
