r"""Rational / power generators: tv, squared_hellinger, pearson_chi2, neyman_chi2, triangular.

Each block states f, f', the conjugate f*(t) = sup_{x>0}(t x - f(x)) piecewise on all of R,
and the f-GAN activation g_f with f*(g_f(v)). Products are arranged so that nothing
overflows where the true value is finite (e.g. (x-1) ((x-1)/x), not (x-1)^2/x).
"""
from __future__ import annotations

import math

import numpy as np

from fdiv._fdivergence import FDivergence, Formulas
from fdiv._generators_stable import sech2, sigmoid

INF = math.inf


def _one(v):
    return np.ones_like(v)


def _identity(v):
    return v * 1.0


# --- tv: f = |x-1|, subgradient 0 at 1. For x <= 1 t x - f = (t+1) x - 1, for x >= 1 it is
# (t-1) x + 1: f*(t) = max(t, -1) for t <= 1 (closed end, f*(1) = 1), +inf for t > 1.
# Activation: tanh(v) (the paper's tanh(v)/2 rescaled to f = |x-1|), onto (-1, 1) where f* = t.
TV = FDivergence(
    name="tv", formula="|x - 1|",
    formulas=Formulas(
        f=lambda x: np.abs(x - 1.0), f_prime=lambda x: np.sign(x - 1.0),
        conjugate=lambda t: np.where(t <= 1.0, np.maximum(t, -1.0), INF),
        activation=np.tanh, activation_prime=sech2,
        conjugate_activation=np.tanh, conjugate_activation_prime=sech2),
    conjugate_domain=(-INF, 1.0), conjugate_domain_closed=True,
    f_zero=1.0, slope_inf=1.0, f_one_prime=0.0, hilbertian=True)


# --- squared_hellinger: f = (sqrt x - 1)^2 = ((x-1)/(sqrt x + 1))^2; f' = 1 - 1/sqrt x < 1;
# x* = 1/(1-t)^2, f*(t) = t/(1-t) for t < 1, +inf for t >= 1 (t x - f = 2 sqrt x - 1 at t = 1).
# g_f(v) = 1 - e^{-v}: f*(g_f(v)) = e^v - 1.
SQUARED_HELLINGER = FDivergence(
    name="squared_hellinger", formula="(sqrt(x) - 1)^2",
    formulas=Formulas(
        f=lambda x: ((x - 1.0) / (np.sqrt(x) + 1.0)) ** 2,
        f_prime=lambda x: (x - 1.0) / (np.sqrt(x) * (np.sqrt(x) + 1.0)),
        conjugate=lambda t: np.where(t < 1.0, t / (1.0 - t), INF),
        activation=lambda v: -np.expm1(-v), activation_prime=lambda v: np.exp(-v),
        conjugate_activation=np.expm1, conjugate_activation_prime=np.exp),
    conjugate_domain=(-INF, 1.0), conjugate_domain_closed=False,
    f_zero=1.0, slope_inf=1.0, f_one_prime=0.0, hilbertian=True)


# --- pearson_chi2: f = (x-1)^2; the unconstrained maximiser x* = 1 + t/2 is feasible iff
# t > -2: f*(t) = t^2/4 + t = t (t/4 + 1) for t >= -2; below, the sup is at x -> 0+: -f(0) = -1.
# g_f(v) = v.
def _pearson_conj(t):
    return np.where(t >= -2.0, t * (0.25 * t + 1.0), -1.0)


PEARSON_CHI2 = FDivergence(
    name="pearson_chi2", formula="(x - 1)^2",
    formulas=Formulas(
        f=lambda x: (x - 1.0) * (x - 1.0), f_prime=lambda x: 2.0 * (x - 1.0),
        conjugate=_pearson_conj, activation=_identity, activation_prime=_one,
        conjugate_activation=_pearson_conj,
        conjugate_activation_prime=lambda v: np.where(v >= -2.0, 0.5 * v + 1.0, 0.0)),
    conjugate_domain=(-INF, INF), conjugate_domain_closed=False,
    f_zero=1.0, slope_inf=INF, f_one_prime=0.0, hilbertian=False)


# --- neyman_chi2: f = (1-x)^2/x = x - 2 + 1/x; f' = 1 - 1/x^2 < 1; x* = 1/sqrt(1-t),
# f*(t) = 2 - 2 sqrt(1-t) = 2t/(1 + sqrt(1-t)) for t <= 1: at t = 1, t x - f = 2 - 1/x -> 2
# (closed end, f*(1) = 2); +inf for t > 1. g_f(v) = 1 - e^{-v}: f*(g_f(v)) = 2 - 2 e^{-v/2}.
NEYMAN_CHI2 = FDivergence(
    name="neyman_chi2", formula="(1 - x)^2 / x",
    formulas=Formulas(
        f=lambda x: (x - 1.0) * ((x - 1.0) / x),
        f_prime=lambda x: ((x - 1.0) / x) * ((x + 1.0) / x),
        conjugate=lambda t: np.where(t <= 1.0, (2.0 / (1.0 + np.sqrt(1.0 - t))) * t, INF),
        activation=lambda v: -np.expm1(-v), activation_prime=lambda v: np.exp(-v),
        conjugate_activation=lambda v: -2.0 * np.expm1(-0.5 * v),
        conjugate_activation_prime=lambda v: np.exp(-0.5 * v)),
    conjugate_domain=(-INF, 1.0), conjugate_domain_closed=True,
    f_zero=INF, slope_inf=1.0, f_one_prime=0.0, hilbertian=False)


# --- triangular: f = (x-1)^2/(x+1) = y - 4 + 4/y with y = x+1; f' = 1 - 4/y^2 in (-3, 1).
# For -3 <= t <= 1, y* = 2/s with s = sqrt(1-t): f*(t) = 4 - t - 4 s = (1-s)(3-s)
# = t (3-s)/(1+s) (no cancellation at t = 0); f*(1) = lim (3x-1)/(x+1) = 3 (closed end);
# for t < -3 the sup is at x -> 0+: -f(0) = -1; +inf for t > 1.
# Activation (not in the f-GAN paper): g_f(v) = f'(e^v) = 1 - 4 sigma(-v)^2
# = tanh(v/2) (1 + 2 sigma(-v)), onto (-3, 1) (clipped at 1: the rounded product could pass
# the closed end); f*(g_f(v)) = tanh(v/2) (1 + 2 sigma(v)).
def _triangular_conj(t):
    s = np.sqrt(np.maximum(1.0 - t, 0.0))
    return np.where(t > 1.0, INF, np.where(t < -3.0, -1.0, t * (3.0 - s) / (1.0 + s)))


TRIANGULAR = FDivergence(
    name="triangular", formula="(x - 1)^2 / (x + 1)",
    formulas=Formulas(
        f=lambda x: (x - 1.0) * ((x - 1.0) / (x + 1.0)),
        f_prime=lambda x: ((x - 1.0) / (x + 1.0)) * ((x + 3.0) / (x + 1.0)),
        conjugate=_triangular_conj,
        activation=lambda v: np.minimum(np.tanh(0.5 * v) * (1.0 + 2.0 * sigmoid(-v)), 1.0),
        activation_prime=lambda v: 8.0 * sigmoid(-v) ** 2 * sigmoid(v),
        conjugate_activation=lambda v: np.tanh(0.5 * v) * (1.0 + 2.0 * sigmoid(v)),
        conjugate_activation_prime=lambda v: 8.0 * sigmoid(v) ** 2 * sigmoid(-v)),
    conjugate_domain=(-INF, 1.0), conjugate_domain_closed=True,
    f_zero=1.0, slope_inf=1.0, f_one_prime=0.0, hilbertian=True)
