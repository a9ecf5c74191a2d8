"""Numerical tolerances of the checks, each with the reason for its size.

A statement that holds mathematically may miss by round-off; a tolerance says how much
round-off is accepted. They are one-sided where the statement is an inequality, and they are
scaled by the size of what was summed, never absolute "1e-6"s.
"""
from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)

TERM_ULPS = 64
"""Rounding error allowed per evaluated term, in units of eps: each term of a divergence is a
handful of operations (a division, a log or sqrt, a product), each within a few ulps, and the
kernels may re-associate; 64 leaves room without hiding an O(1e-12) mistake."""


def rel_tol_sum(n: int) -> float:
    """``REL_TOL_SUM = 64 * eps * n``: relative error of a sum of ``n`` rounded terms
    (recursive summation is within ``(n - 1) eps`` of the exact sum of the computed terms,
    Higham §4.2) times the per-term allowance :data:`TERM_ULPS`."""
    return TERM_ULPS * EPS * max(int(n), 1)


LOG_MASS_SCALE = 64.0
"""Magnitude of ``|log m|`` for the smallest masses the strategies produce (>= 1e-12, so
``|log m| <= 28``; 64 for margin). Stable closed forms evaluate terms such as
``q log q - q log p``: each piece is ``mass * |log mass|`` large even when the term is tiny."""


def sum_tol(n: int, *scales: float) -> float:
    """Tolerance for comparing two sums of ``n`` terms: ``rel_tol_sum(n) * (sum of scales)``,
    where the scales bound the magnitudes that were summed (e.g. ``sum p |f(q/p)|`` and the
    total masses times :data:`LOG_MASS_SCALE`). Infinite scales give an infinite tolerance only
    for the affected comparison (the caller compares infinities exactly first)."""
    s = float(np.sum([abs(float(x)) for x in scales if np.isfinite(x)]))
    return rel_tol_sum(n) * s


POINT_ULPS = 64
"""Pointwise evaluations (f, f0, f*, g_f at one point): allow 64 ulps of the magnitudes
involved, e.g. ``f0(x) = f(x) - f'(1)(x - 1)`` loses up to ``eps * (|f(x)| + |f'(1)(x-1)|)``."""


def point_tol(*magnitudes: float) -> float:
    """``64 * eps * sum(|magnitudes|)`` for a pointwise identity (see :data:`POINT_ULPS`)."""
    return POINT_ULPS * EPS * float(sum(abs(float(m)) for m in magnitudes if np.isfinite(m)))


SOLVER_REL_TOL = 1e-12
"""Exact λ solvers (sort-and-scan): the mass equation ``sum r = 1`` is met to round-off; we
accept ``1e-12`` relative (supports here have at most a few dozen points)."""

OPT_PERTURBATION = 1e-3
"""Size of the local competitors used to test optimality (R* and R† minimise a convex
objective): moving by ``t`` changes the objective by O(t^2) at a minimiser but by O(t) at a
non-minimiser; ``t = 1e-3`` makes an O(t) loss (>= 1e-6 relative for the instances drawn)
far larger than round-off."""

LP_REL_TOL = 1e-7
"""HiGHS's default primal/dual feasibility tolerance: LP values are accurate to about this
times ``total mass * diameter`` (fdiv.HIGHS_FEASIBILITY_TOL states the same)."""

FIT_TOL = 1e-3
"""S9 demonstration: the fitted Gaussians come from Nelder-Mead with ``xatol = 1e-8, fatol = 1e-12`` on
a grid; comparisons of mode-seeking measures (masses, distances in units of the mode std) are
made to 1e-3, far below the differences being shown (order 0.1-1)."""

SYMBOLIC_NUMERIC_TOL = 1e-40
"""When sympy cannot reduce an identity to 0 (e.g. LambertW), it is evaluated with mpmath at
60 significant digits at many points; a residual below 1e-40 is reported as a numerical proof."""

LIB_REL_TOL = 1e-12
"""fdiv's pointwise functions (f, f', f*, f°, f0) against the symbolic closed forms evaluated
with mpmath at 30 digits from the same float argument: stable float64 forms are within a few
hundred ulps even where the conjugate is ill-conditioned near its domain's end (condition number
up to ~1e3 at the sample points used)."""
