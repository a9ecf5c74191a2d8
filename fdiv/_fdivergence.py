"""The FDivergence type: one convex generator f with its derivative, conjugate and limits.

Conventions are docs/theory.md §0: ``D_f(Q||P) = sum_{p>0} p f(q/p) + f'(inf) q(p=0)`` and
``f*(t) = sup_{x>0} (t x - f(x))``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from fdiv._validate import as_real, check_nonnegative, describe

__all__ = ["FDivergence", "Formulas"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True)
class Formulas:
    """The pure elementwise functions behind one :class:`FDivergence`.

    Each takes and returns arrays; the public methods of :class:`FDivergence` convert the
    input, silence floating-point warnings and apply the boundary conventions.
    """

    f: Callable
    f_prime: Callable
    conjugate: Callable
    activation: Callable
    activation_prime: Callable
    conjugate_activation: Callable
    conjugate_activation_prime: Callable


def _as_float64(x, name: str) -> np.ndarray:
    """float64 array of real input; ``-0.0`` becomes ``+0.0`` (so that ``x = -0.0`` gets the
    limit at 0+). ValueError naming ``name`` for strings, complex, masked or object input."""
    return as_real(name, x) + 0.0


#: the domain named by the error of f and f' at x < 0
_F_DOMAIN = " (f is defined on [0, inf], docs/theory.md §0)"


def _as_gan_input(v):
    """float32/float64 ndarrays pass through (dtype kept); foreign arrays (CuPy) pass
    through untouched; anything else real becomes a float64 ndarray (ValueError naming
    ``v`` for strings, complex, masked or object input)."""
    if isinstance(v, np.ndarray) and not isinstance(v, np.ma.MaskedArray):
        if v.dtype in _FLOATS:
            return v
        return as_real("v", v)
    if isinstance(v, (np.generic, int, float, complex, str, bytes, list, tuple, np.ndarray)):
        return as_real("v", v)
    if not hasattr(type(v), "__array_ufunc__"):
        return as_real("v", v)
    return v


def _out(y):
    return y[()] if isinstance(y, np.ndarray) and y.ndim == 0 else y


@dataclass(frozen=True, eq=False)
class FDivergence:
    r"""An f-divergence: convex ``f`` on (0, inf), its derivative, exact conjugate and limits.

    Instances are immutable; equality is identity. Obtain them from :func:`fdiv.get`,
    :func:`fdiv.alpha`, the transforms (:func:`fdiv.dual`, :func:`fdiv.normalized`,
    :func:`fdiv.shift`) or :func:`fdiv.from_callable`.

    Attributes
    ----------
    name : str
        Registry name (``"kl"``), ``"alpha(0.5)"`` or a transform such as ``"dual(kl)"``.
    conjugate_domain : tuple of float
        ``(lo, hi)``, the effective domain of f*: always ``lo = -inf`` and
        ``hi = f'(inf) = slope_inf`` (the float nearest to it, e.g. fl(log 2) for js).
    conjugate_domain_closed : bool
        True iff the right end is included, i.e. ``f*(hi) < inf`` (tv, neyman_chi2,
        triangular, log_trick, alpha(a) with a < 0). The left end is always open (-inf).
    f_zero : float
        ``f(0) := lim_{x->0+} f(x)``; may be ``inf``.
    slope_inf : float
        ``f'(inf) := lim_{x->inf} f(x)/x``; may be ``inf``.
    f_one_prime : float
        The subgradient of f at 1 used by :func:`fdiv.normalized` (0 for tv).
    hilbertian : bool
        True iff sqrt(D_f) satisfies the triangle inequality (docs/theory.md §0).
    alpha_param : float or None
        ``a`` for the alpha family (exact kernels key on it); None otherwise.
    formula : str
        Human-readable f.
    dual_of : FDivergence or None
        Set on ``dual(g)``: then ``dual(dual(g)) is g``.

    Notes
    -----
    Elementwise methods accept real scalars or arrays (strings, complex, masked or object
    input raise ValueError naming the parameter, as does x < 0 for ``f`` and ``f_prime``),
    return float64 (a NumPy scalar for scalar input), NaN for NaN and never NaN for valid
    input:

    ==========================  ======================  ==================================
    method                      valid input             boundary values
    ==========================  ======================  ==================================
    ``f(x)``                    0 <= x <= inf           ``f(0) = f_zero``, ``f(inf)`` the
                                                        limit (``-f*(0)`` when f'(inf) = 0)
    ``f_prime(x)``              0 < x <= inf            registry entries also give the
                                                        limit ``f'(0+)`` at x = 0 (and
                                                        at -0.0); ``f'(inf) = slope_inf``
    ``conjugate(t)``            -inf <= t <= inf        ``f*(-inf) = -f_zero``,
                                                        ``+inf`` for ``t > hi``; NaN -> NaN
    ``activation(v)`` etc.      -inf <= v <= inf        the limits at ±inf (see below)
    ==========================  ======================  ==================================

    f-GAN (Nowozin et al. 2016) with the first argument as numerator, as in docs/theory.md
    §0 / S6: for any V, ``D_f(Q||P) >= E_Q[g_f(V)] - E_P[f*(g_f(V))]`` with equality at
    ``g_f(V) = f'(dQ/dP)``. ``activation(v)`` is g_f: R -> dom f*;
    ``conjugate_activation(v) = f*(g_f(v))`` is evaluated in a stable closed form that stays
    finite where ``conjugate(activation(v))`` would hit the rounded end of an open domain
    (e.g. 1 - e^{-v} rounds to 1 for v > 37 for squared_hellinger);
    ``activation_prime`` and ``conjugate_activation_prime`` are their v-derivatives. These
    four GAN helpers keep float32 input as float32 and accept CuPy arrays for the
    registry entries and alpha (NumPy ufuncs and ``np.where`` only); transformed and
    user-supplied generators evaluate them numerically, in float64.

    Examples
    --------
    >>> import fdiv
    >>> kl = fdiv.get("kl")
    >>> float(kl.f(1.0)), kl.f_zero, kl.slope_inf, kl.conjugate_domain
    (0.0, 0.0, inf, (-inf, inf))
    >>> x, t = 2.0, 0.3                     # Fenchel-Young: f(x) + f*(t) >= t x
    >>> bool(kl.f(x) + kl.conjugate(t) >= t * x)
    True
    >>> tv = fdiv.get("tv")                 # dom f* = (-inf, 1], closed: f*(1) = 1
    >>> float(tv.conjugate(1.0)), float(tv.conjugate(1.5)), tv.conjugate_domain_closed
    (1.0, inf, True)
    """

    name: str
    formulas: Formulas
    conjugate_domain: tuple
    conjugate_domain_closed: bool
    f_zero: float
    slope_inf: float
    f_one_prime: float
    hilbertian: bool
    alpha_param: Optional[float] = None
    formula: str = ""
    dual_of: Optional["FDivergence"] = None

    def __repr__(self) -> str:
        return f"FDivergence({self.name!r})"

    # --- the generator -------------------------------------------------------------
    def f(self, x):
        """f(x) for x >= 0 (``f(0) = f_zero``; ``f(inf)`` is the limit, see the Notes);
        ValueError for x < 0."""
        x = check_nonnegative("x", _as_float64(x, "x"), _F_DOMAIN)
        with np.errstate(all="ignore"):
            y = np.where(x == 0, self.f_zero, self.formulas.f(x))
            if np.any(x == np.inf):
                y = np.where(x == np.inf, self._f_at_inf(), y)
        return _out(np.asarray(y, dtype=np.float64))

    def _f_at_inf(self) -> float:
        """lim_{x->inf} f(x): ±inf by the sign of f'(inf); for f'(inf) = 0, f decreases to
        its infimum, which is -f*(0)."""
        if self.slope_inf != 0.0:
            return math.copysign(math.inf, self.slope_inf)
        return -float(np.asarray(self.formulas.conjugate(np.zeros(1)), dtype=np.float64)[0])

    def f_prime(self, x):
        """f'(x) for x > 0 (a subgradient where f has a kink, e.g. 0 for tv at 1);
        ``f_prime(inf) = slope_inf``; ValueError for x < 0."""
        x = check_nonnegative("x", _as_float64(x, "x"), _F_DOMAIN)
        with np.errstate(all="ignore"):
            y = self.formulas.f_prime(x)
            if np.any(x == np.inf):
                y = np.where(x == np.inf, self.slope_inf, y)
        return _out(np.asarray(y, dtype=np.float64))

    def conjugate(self, t):
        """Exact f*(t) = sup_{x>0} (t x - f(x)) on all of R; +inf where unbounded; NaN
        for NaN."""
        t = _as_float64(t, "t")
        with np.errstate(all="ignore"):
            y = self.formulas.conjugate(t)
            y = np.where(t == -np.inf, 0.0 - self.f_zero, y)  # +0.0, not -0.0, when f(0) = 0: f* >= -f(0)
            y = np.where(t == np.inf, np.inf, y)
            y = np.where(np.isnan(t), np.nan, y)
        return _out(np.asarray(y, dtype=np.float64))

    # --- f-GAN helpers -------------------------------------------------------------
    def _gan(self, fn, v):
        v = _as_gan_input(v)
        with np.errstate(all="ignore"):
            return _out(fn(v))

    def activation(self, v):
        """g_f(v): the f-GAN output activation, R -> dom f*."""
        return self._gan(self.formulas.activation, v)

    def activation_prime(self, v):
        """d g_f / dv."""
        return self._gan(self.formulas.activation_prime, v)

    def conjugate_activation(self, v):
        """f*(g_f(v)), computed stably."""
        return self._gan(self.formulas.conjugate_activation, v)

    def conjugate_activation_prime(self, v):
        """d/dv f*(g_f(v)) (= x g_f'(v) where g_f(v) = f'(x))."""
        return self._gan(self.formulas.conjugate_activation_prime, v)


def check_finite_real(value, name: str) -> float:
    """Return ``value`` as a float after checking it is a finite real number."""
    import numbers

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a finite real number; got {describe(value)}")
    try:
        v = float(value)
    except OverflowError:  # a huge int or Fraction
        v = math.inf
    if not math.isfinite(v):
        raise ValueError(f"`{name}` must be a finite real number; got {describe(value)}")
    return v
