"""B10 (docs/performance.md): W1 between two weighted 2-D point sets of 2,000 points each,
``fdiv.wasserstein`` against ``ot.emd2`` alone on the same cost matrix.

Ours includes validation, the cost matrix (``cdist``) and the solve; the peer is the solver
only, on a cost matrix built beforehand. The row passes when ours takes at most 1.2x the
peer's time and both give the same value to 1e-12 relative.
"""
from __future__ import annotations

import numpy as np

import fdiv
from benchmarks._harness import Row, best_time

ID = "B10"
_TARGET = 1.2
_AGREE = 1e-12


def rows(smoke: bool = False):
    import ot
    from scipy.spatial.distance import cdist

    n = 200 if smoke else 2000
    rng = np.random.default_rng(20261206)
    x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)) + [1.0, 0.5]
    q, p = rng.random(n), rng.random(n)
    q /= q.sum()
    p /= p.sum()
    cost = cdist(x, y)
    ours = fdiv.wasserstein(q, p, x, y).value
    ref = float(ot.emd2(q, p, cost, numItermax=10**9))
    rel = abs(ours - ref) / ref
    repeat = 1 if smoke else 3
    t_peer = best_time(lambda: ot.emd2(q, p, cost, numItermax=10**9), repeat=repeat)
    t_ours = best_time(lambda: fdiv.wasserstein(q, p, x, y), repeat=repeat)
    ratio = t_ours / t_peer
    yield Row(
        name=f"B10 W1 2-D weighted points n={n}",
        ours=t_ours, peer=t_peer, ratio=ratio,
        target=f"<={_TARGET:g}x ot.emd2 time (ratio = ours/peer)",
        passed=ratio <= _TARGET and rel <= _AGREE,
        note=f"rel diff {rel:.1e}; W1 = {ours:.6f}",
    )
