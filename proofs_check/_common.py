"""Helpers shared by the statement groups: the divergence as the library computes it, and the
size of what it summed (for the tolerance, defined in :mod:`proofs_check.tolerances`)."""
from __future__ import annotations

import numpy as np

from proofs_check.tolerances import div_scale, div_tol

__all__ = ["div", "div_scale", "div_tol", "finite_sum"]


def div(f, q, p) -> float:
    """``fdiv.divergence(f, q, p)`` as a float (docs/theory.md §0 order: ``D_f(q || p)``)."""
    import fdiv

    return float(fdiv.divergence(f, np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)))


def finite_sum(x) -> float:
    """Sum of the finite entries (used for magnitudes only, never for a divergence)."""
    x = np.asarray(x, dtype=np.float64)
    return float(x[np.isfinite(x)].sum())
