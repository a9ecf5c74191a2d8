"""Helpers shared by the statement groups: the divergence as the library computes it, and the
size of what it summed (for the tolerance)."""
from __future__ import annotations

import numpy as np

from proofs_check._tolerances import LOG_MASS_SCALE, sum_tol

__all__ = ["div", "div_scale", "div_tol", "finite_sum"]


def div(f, q, p) -> float:
    """``fdiv.divergence(f, q, p)`` as a float (docs/theory.md §0 order: ``D_f(q || p)``)."""
    import fdiv

    return float(fdiv.divergence(f, np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)))


def div_scale(f, q, p) -> float:
    """An upper bound on the magnitudes summed for ``D_f(q || p)``: ``sum p |f(q/p)|`` over the
    common support, the boundary terms ``|f(0)| p(q = 0)`` and ``|f'(inf)| q(p = 0)`` where
    finite, and ``LOG_MASS_SCALE * (sum q + sum p)`` for stable forms such as
    ``q log q - q log p`` whose pieces are larger than the term."""
    q, p = np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)
    both = (q > 0) & (p > 0)
    with np.errstate(all="ignore"):
        terms = np.abs(p[both] * np.asarray(f.f(q[both] / p[both]), dtype=np.float64))
    s = finite_sum(terms)
    for lim, mass in ((f.f_zero, p[(q == 0)].sum()), (f.slope_inf, q[(p == 0)].sum())):
        if np.isfinite(lim):
            s += abs(float(lim)) * float(mass)
    return s + LOG_MASS_SCALE * float(q.sum() + p.sum())


def div_tol(f, q, p) -> float:
    """Round-off tolerance for ``D_f(q || p)``: ``rel_tol_sum(n) * div_scale``."""
    return sum_tol(np.size(q), div_scale(f, q, p))


def finite_sum(x) -> float:
    """Sum of the finite entries (used for magnitudes only, never for a divergence)."""
    x = np.asarray(x, dtype=np.float64)
    return float(x[np.isfinite(x)].sum())
