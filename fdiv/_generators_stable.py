"""Numerically stable elementwise helpers shared by the generators.

Every helper is written with NumPy ufuncs and ``np.where`` only, so it also runs
on float32 arrays and on array types that implement NumPy's dispatch protocols
(e.g. CuPy). Constants are Python floats so that float32 input stays float32.
Each helper says why it exists.
"""
from __future__ import annotations

import math

import numpy as np

# log 2 as a double-double: LOG2_HI = fl(log 2) < log 2 and LOG2_HI + LOG2_LO = log 2 to
# ~1e-33. Needed where the domain of a conjugate ends at log 2 (js): t = fl(log 2) is
# *inside* the open domain, and t - log 2 must not round to 0 there.
LOG2_HI = math.log(2.0)
LOG2_LO = 2.3190468138462996e-17
LOG2 = LOG2_HI


def softplus(v):
    """log(1 + e^v) without overflow (e^v overflows for v > 709)."""
    return np.logaddexp(0.0, v)


def sigmoid(v):
    """1 / (1 + e^{-v}) with full relative accuracy in both tails."""
    z = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sech2(v):
    """sech(v)^2 = 1 - tanh(v)^2 without cancellation for large |v|."""
    z = np.exp(-2.0 * np.abs(v))
    return 4.0 * z / ((1.0 + z) * (1.0 + z))


def log1mexp(u):
    """log(1 - e^u) for u <= 0 (Maechler's switch: expm1 near 0, log1p in the tail).

    Returns -inf at u = 0 and NaN for u > 0.
    """
    return np.where(u > -0.6931471805599453, np.log(-np.expm1(u)), np.log1p(-np.exp(u)))


def exprel(z):
    """(e^z - 1) / z with value 1 at z = 0; the series avoids 0/0 and loss for tiny z."""
    small = np.abs(z) < 1e-5
    return np.where(small, 1.0 + z * (0.5 + z / 6.0), np.expm1(z) / np.where(small, 1.0, z))


def log1prel(z):
    """log(1 + z) / z for z >= -1 with value 1 at z = 0 (+inf at z = -1)."""
    small = np.abs(z) < 1e-5
    return np.where(small, 1.0 - z * (0.5 - z / 3.0), np.log1p(z) / np.where(small, 1.0, z))


def wright_omega(L):
    """Real Wright omega: the w > 0 with w + log w = L, i.e. w = W0(e^L) (Lambert W).

    Works in log-space so that e^L never overflows (L up to 1e308). Newton's method in
    two forms, each chosen so that rounding stays relative to w:

    - L < 1 (0 < w < 1): solve w = e^L e^{-w}; the step
      w <- (w^2 + e^L e^{-w}) / (1 + w) uses e^L computed once (correctly rounded), so
      even w ~ e^{-700} keeps full relative precision.
    - L >= 1 (w >= 1): w <- w - (w + log w - L) w / (1 + w), started from the
      asymptotic L - log L + log L / L.

    Six iterations from these starts reach machine precision (checked against mpmath
    in the tests). L = +inf gives +inf, L = -inf gives 0.
    """
    L = np.asarray(L) if not hasattr(L, "__array_ufunc__") else L
    small = L < 1.0
    e_l = np.exp(np.where(small, L, 0.0))
    w_small = e_l / (1.0 + e_l)
    lg = np.log(np.where(small, 2.0, L))
    w_big = np.where(small, 1.0, L - lg + lg / np.where(small, 2.0, L))
    big_safe = np.where(small, 1.0, L)
    for _ in range(6):
        w_small = (w_small * w_small + e_l * np.exp(-w_small)) / (1.0 + w_small)
        w_big = w_big - (w_big + np.log(w_big) - big_safe) * (w_big / (1.0 + w_big))
    w = np.where(small, w_small, w_big)
    return np.where(L == np.inf, np.inf, w)
