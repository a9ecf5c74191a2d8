r"""Accurate optimal components ``(λ a − c m)_+`` and ``(a − λ c m)_+`` for any β (Numba kernels).

With ``c = 1 − β`` the components of :mod:`fdiv._mixture` and :mod:`fdiv._weights` are

    star:    s r_i = λ a_i − c m_i,      Σ_S (λ a_j − c m_j) = T
    dagger:  s r_i = a_i − λ c m_i,      Σ_S (a_j − λ c m_j) = T

on the active set S (the target mass ``T`` equals the scale ``s``: β for R*/R†, Nβ for the AdaGAN
weights). Forming ``λ a_i − c m_i`` from a rounded λ loses everything when β is tiny
(λ a_i and c m_i agree to ~β, so β = 1e-300 gives 0). Eliminating λ with the mass equation
(``A = Σ_S a``, ``M = Σ_S m``, ``E_i = a_i M − m_i A = Σ_{j∈S} (a_i m_j − m_i a_j)``):

    star:    r_i = a_i / A + c E_i / (s A)
    dagger:  r_i = m_i / M + E_i / (s M)

where ``E_i`` is a difference of exact products of the inputs: with A, M as double-doubles
(compensated sums) and the products by TwoProduct, ``E_i`` carries an absolute error of
~ n ε² (a_i M + m_i A) instead of ε (a_i M + m_i A), and ties (``a_i m_j = m_i a_j`` exactly)
give ``E_i = 0`` exactly. ``c`` enters only as ``E_i − β E_i`` (no rounded ``1 − β``).

The active set is refined as in Michelot's algorithm: starting from a superset of S (the
fast solver's set widened by a relative margin), every pass drops the points whose ``r_i``
is not positive. For a superset, λ_S is at least λ* (star; at most λ† for dagger), so a
dropped point is inactive at the root too: the set shrinks monotonically to S.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["component", "MARGIN"]

#: relative widening of the fast solver's active set (it is accurate to a few ulps).
MARGIN = 1e-10
_SPLIT = 134217729.0  # 2**27 + 1 (Dekker)


@njit(cache=True, error_model="numpy", inline="always")
def _two_sum(s, v):
    """Knuth's TwoSum: ``(s + v, exact rounding error)``."""
    s1 = s + v
    bp = s1 - s
    return s1, (s - (s1 - bp)) + (v - bp)


@njit(cache=True, error_model="numpy", inline="always")
def _two_prod(x, y):
    """Dekker's TwoProduct: ``(x y, exact rounding error)`` (|x|, |y| below ~1e300)."""
    p = x * y
    cx = _SPLIT * x
    xh = cx - (cx - x)
    xl = x - xh
    cy = _SPLIT * y
    yh = cy - (cy - y)
    yl = y - yh
    return p, ((xh * yh - p) + xh * yl + xl * yh) + xl * yl


@njit(cache=True, error_model="numpy")
def _dd_sums(a, m_hi, m_lo, active):
    """Double-double sums of a and m over the active set."""
    sa = 0.0
    ca = 0.0
    sm = 0.0
    cm = 0.0
    for i in range(a.size):
        if active[i]:
            sa, e = _two_sum(sa, a[i])
            ca += e
            sm, e = _two_sum(sm, m_hi[i])
            cm += e + m_lo[i]
    a_hi, a_lo = _two_sum(sa, ca)
    m_hi_s, m_lo_s = _two_sum(sm, cm)
    return a_hi, a_lo, m_hi_s, m_lo_s


@njit(cache=True, error_model="numpy")
def component(a, m_hi, m_lo, beta, scale, dagger, active, out):
    """Fill ``out`` with the component on the active set refined from ``active`` (a superset
    of S, modified in place); returns ``(Σ out, #{out > 0}, A, M)`` with the sums of a and
    m over the final set (compensated).

    ``m = m_hi + m_lo`` (double-double; ``m_lo = 0`` for plain inputs).
    """
    n = a.size
    A = 0.0
    M = 0.0
    for _ in range(n + 1):
        a_hi, a_lo, M_hi, M_lo = _dd_sums(a, m_hi, m_lo, active)
        A = a_hi + a_lo
        M = M_hi + M_lo
        dropped = False
        for i in range(n):
            if not active[i]:
                out[i] = 0.0
                continue
            p1, e1 = _two_prod(a[i], M_hi)
            p2, e2 = _two_prod(m_hi[i], a_hi)
            s, es = _two_sum(p1, -p2)
            E = s + (((es + e1) - e2) + (a[i] * M_lo - m_hi[i] * a_lo - m_lo[i] * a_hi))
            if dagger:
                v = (m_hi[i] + m_lo[i]) / M + (E / M) / scale
            else:
                v = a[i] / A + ((E - beta * E) / A) / scale
            if not v > 0.0:
                active[i] = False
                dropped = True
                v = 0.0
            out[i] = v
        if not dropped:
            break
    s = 0.0
    comp = 0.0
    k = 0
    for i in range(n):
        v = out[i]
        if v > 0.0:
            k += 1
        s, e = _two_sum(s, v)
        comp += e
    return s + comp, k, A, M
