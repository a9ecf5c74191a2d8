"""Numerical tolerances of the checks, each with the reason for its size (public: a user's rows
use the same ones as the built-in S1-S20).

A statement that holds mathematically may miss by round-off; a tolerance says how much
round-off is accepted. They are one-sided where the statement is an inequality, and they are
scaled by the size of what was summed, never absolute "1e-6"s:

- :func:`div_tol` ``(f, q, p)``: for a divergence ``D_f(q || p)`` as fdiv computes it
  (``64 eps n`` times the magnitudes summed, :func:`div_scale`);
- :func:`side_tol` ``(lhs, rhs, n=1)``: for comparing two sides that are sums of ``n`` rounded
  terms, relative to the magnitude of the sides (``64 eps n (|lhs| + |rhs|)``);
- :func:`point_tol`, :func:`sum_tol`, :func:`rel_tol_sum` and the constants below for the rest.

Examples
--------
>>> import numpy as np
>>> from proofs_check import tolerances as tol
>>> import fdiv
>>> q, p = np.array([0.25, 0.75]), np.array([0.5, 0.5])
>>> 0 < tol.div_tol(fdiv.get("kl"), q, p) < 1e-10     # 64 eps n times the magnitudes summed
True
>>> tol.side_tol(1.0, 1.0) == 128 * tol.EPS
True
"""
from __future__ import annotations

import numpy as np

__all__ = ["EPS", "TERM_ULPS", "rel_tol_sum", "LOG_MASS_SCALE", "sum_tol", "POINT_ULPS", "point_tol", "side_tol",
           "div_scale", "div_tol", "SOLVER_REL_TOL", "OPT_PERTURBATION", "LP_REL_TOL", "FIT_TOL",
           "SYMBOLIC_NUMERIC_TOL", "LIB_REL_TOL"]

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


def side_tol(lhs: float, rhs: float, n: int = 1) -> float:
    """``rel_tol_sum(n) * (|lhs| + |rhs|)``: the round-off allowed when comparing two sides that
    are each a sum of ``n`` rounded terms (infinite sides count 0; compare infinities exactly)."""
    return sum_tol(n, lhs, rhs)


def div_scale(f, q, p) -> float:
    """An upper bound on the magnitudes summed for ``D_f(q || p)``: ``sum p |f(q/p)|`` over the
    common support, the boundary terms ``|f(0)| p(q = 0)`` and ``|f'(inf)| q(p = 0)`` where
    finite, and ``LOG_MASS_SCALE * (sum q + sum p)`` for stable forms such as
    ``q log q - q log p`` whose pieces are larger than the term."""
    q, p = np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)
    both = (q > 0) & (p > 0)
    with np.errstate(all="ignore"):
        terms = np.abs(p[both] * np.asarray(f.f(q[both] / p[both]), dtype=np.float64))
    s = float(terms[np.isfinite(terms)].sum())
    for lim, mass in ((f.f_zero, p[(q == 0)].sum()), (f.slope_inf, q[(p == 0)].sum())):
        if np.isfinite(lim):
            s += abs(float(lim)) * float(mass)
    return s + LOG_MASS_SCALE * float(q.sum() + p.sum())


def div_tol(f, q, p) -> float:
    """Round-off tolerance for ``D_f(q || p)`` (``f`` an fdiv.FDivergence, ``q``, ``p`` masses on
    one support): ``rel_tol_sum(n) * div_scale(f, q, p)``."""
    return sum_tol(np.size(q), div_scale(f, q, p))


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
