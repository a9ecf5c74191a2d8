"""An independent reference for W_p in 1-D: the quantile coupling in mpmath on the exact
float inputs (the caller sets the working precision; 60 digits in the tests)."""
from __future__ import annotations

import mpmath as mp


def ref_wp_1d(q, p, x, y, order):
    """W_p and W_p^p in 1-D from the quantile coupling in mpmath, at the caller's precision,
    on the exact float inputs: the sorted masses walked together, each shared piece of mass
    paying |x - y|^p."""
    xs, ys = sorted(zip(map(float, x), map(float, q))), sorted(zip(map(float, y), map(float, p)))
    i = j = 0
    a, b = mp.mpf(xs[0][1]), mp.mpf(ys[0][1])
    cost = mp.mpf(0)
    while True:
        m = min(a, b)
        cost += m * abs(mp.mpf(xs[i][0]) - mp.mpf(ys[j][0])) ** order
        a, b = a - m, b - m
        if a == 0:
            i += 1
            if i == len(xs):
                break
            a = mp.mpf(xs[i][1])
        if b == 0:
            j += 1
            if j == len(ys):
                break
            b = mp.mpf(ys[j][1])
    return cost ** (1 / mp.mpf(order)), cost
