r"""Generators built from logarithms: kl, reverse_kl, js, jeffreys, gan, log_trick.

Each block states f, f', the conjugate f*(t) = sup_{x>0}(t x - f(x)) with its domain,
and the f-GAN activation g_f with f*(g_f(v)) (derivations in the comments; the tests
check every formula against an independent mpmath supremum).
"""
from __future__ import annotations

import math

import numpy as np

from fdiv._fdivergence import FDivergence, Formulas
from fdiv._generators_stable import (LOG2, LOG2_HI, LOG2_LO, log1mexp, sigmoid, softplus,
                                     wright_omega)

INF = math.inf


def _one(v):
    return np.ones_like(v)


def _identity(v):
    return v * 1.0


# --- kl: f = x log x; f' = 1 + log x; f*(t) = e^{t-1} on R; g_f(v) = v -----------------
def _kl_conj(t):
    return np.exp(t - 1.0)


KL = FDivergence(
    name="kl", formula="x log x",
    formulas=Formulas(
        f=lambda x: x * np.log(x), f_prime=lambda x: np.log(x) + 1.0, conjugate=_kl_conj,
        activation=_identity, activation_prime=_one,
        conjugate_activation=_kl_conj, conjugate_activation_prime=_kl_conj),
    conjugate_domain=(-INF, INF), conjugate_domain_closed=False,
    f_zero=0.0, slope_inf=INF, f_one_prime=1.0, hilbertian=False)


# --- reverse_kl: f = -log x; f' = -1/x; f*(t) = -1 - log(-t) for t < 0 (x* = -1/t), +inf for
# t >= 0; g_f(v) = -e^{-v} so f*(g_f(v)) = v - 1 --------------------------------------------
REVERSE_KL = FDivergence(
    name="reverse_kl", formula="-log x",
    formulas=Formulas(
        f=lambda x: -np.log(x), f_prime=lambda x: -1.0 / x,
        conjugate=lambda t: np.where(t < 0, -1.0 - np.log(-t), INF),
        activation=lambda v: -np.exp(-v), activation_prime=lambda v: np.exp(-v),
        conjugate_activation=lambda v: v - 1.0, conjugate_activation_prime=_one),
    conjugate_domain=(-INF, 0.0), conjugate_domain_closed=False,
    f_zero=INF, slope_inf=0.0, f_one_prime=-1.0, hilbertian=False)


# --- js (2x the usual JSD): f = x log x - (x+1) log((x+1)/2) = x log(2x/(x+1)) - log((x+1)/2);
# f' = log(2x/(x+1)) in (-inf, log 2); x* = e^t/(2 - e^t); f*(t) = -log(2 - e^t) for t < log 2
# (+inf from log 2 on: t x - f ~ log x). g_f(v) = log 2 - log(1 + e^{-v}): e^{g} = 2 sigma(v),
# so f*(g_f(v)) = -log(2 sigma(-v)) = softplus(v) - log 2.
def _js_fprime(x):
    # log1p form is exact near x = 1; the log form avoids log1p(-1 + tiny) for small x.
    return np.where(x < 1.0 / 3.0, np.log(2.0 * x) - np.log1p(x), np.log1p((x - 1.0) / (x + 1.0)))


def _js_conj(t):
    # -log1p(-expm1(t)) keeps relative accuracy near t = 0 (f* ~ t); near log 2 use
    # log(2 - e^t) = log 2 + log(1 - e^{t - log 2}) with t - log 2 in double-double, since
    # t = fl(log 2) < log 2 is inside the open domain and must not give t - log 2 = 0.
    u = (t - LOG2_HI) - LOG2_LO
    return np.where(t < 0.25, -np.log1p(-np.expm1(np.minimum(t, 0.25))),
                    np.where(u < 0, -LOG2 - log1mexp(u), INF))


def _js_f(x):
    # Near x = 1 the two terms cancel; there f = m ((1+e) log(1+e) + (1-e) log(1-e)) with
    # m = (x+1)/2, e = (x-1)/(x+1), and the bracket is sum_{j>=1} e^{2j} / (j (2j-1)),
    # a series of positive terms (14 terms reach 1e-17 relative for |e| < 1/4).
    e = (x - 1.0) / (x + 1.0)
    e2 = e * e
    series = 0.0 * e
    for j in range(14, 0, -1):
        series = (series + 1.0 / (j * (2 * j - 1))) * e2
    direct = x * _js_fprime(x) - np.log1p((x - 1.0) / 2.0)
    return np.where(np.abs(e) < 0.25, 0.5 * (x + 1.0) * series, direct)


JS = FDivergence(
    name="js", formula="x log x - (x+1) log((x+1)/2)",
    formulas=Formulas(
        f=_js_f, f_prime=_js_fprime,
        conjugate=_js_conj,
        activation=lambda v: LOG2 - softplus(-v), activation_prime=lambda v: sigmoid(-v),
        conjugate_activation=lambda v: softplus(v) - LOG2, conjugate_activation_prime=sigmoid),
    conjugate_domain=(-INF, LOG2), conjugate_domain_closed=False,
    f_zero=LOG2, slope_inf=LOG2, f_one_prime=0.0, hilbertian=True)


# --- gan: f = x log x - (x+1) log(x+1); f' = log(x/(x+1)) in (-inf, 0); x* = e^t/(1 - e^t);
# f*(t) = -log(1 - e^t) for t < 0, +inf for t >= 0. g_f(v) = -log(1 + e^{-v}) = log sigma(v),
# so f*(g_f(v)) = -log sigma(-v) = softplus(v).
def _gan_f(x):
    return np.where(x < 1.0, x * np.log(x) - (x + 1.0) * np.log1p(x),
                    -x * np.log1p(1.0 / x) - np.log1p(x))


GAN = FDivergence(
    name="gan", formula="x log x - (x+1) log(x+1)",
    formulas=Formulas(
        f=_gan_f, f_prime=lambda x: np.where(x < 1.0, np.log(x) - np.log1p(x), -np.log1p(1.0 / x)),
        conjugate=lambda t: np.where(t < 0, -log1mexp(t), INF),
        activation=lambda v: -softplus(-v), activation_prime=lambda v: sigmoid(-v),
        conjugate_activation=softplus, conjugate_activation_prime=sigmoid),
    conjugate_domain=(-INF, 0.0), conjugate_domain_closed=False,
    f_zero=0.0, slope_inf=0.0, f_one_prime=-LOG2, hilbertian=False)


# --- log_trick: f = log(1 + 1/x); f' = -1/(x(x+1)) in (-inf, 0). For t = -a < 0 the maximiser
# solves x(x+1) = 1/a: x* = (s - 1)/2 with s = sqrt(1 + 4/a); with r = sqrt(a) and
# w = sqrt(a + 4) + r: f*(t) = -2 r / w - log1p(r w / 2). f*(0) = sup -log(1 + 1/x) = 0 (not
# attained, closed end); +inf for t > 0. Activation (not in the f-GAN paper): g_f(v) = f'(e^v) =
# -e^{-v} sigma(-v), onto (-inf, 0), so v estimates log(dQ/dP) at the optimum;
# f*(g_f(v)) = e^v f'(e^v) - f(e^v) = -sigma(-v) - softplus(-v).
def _log_trick_conj(t):
    a = -t
    r = np.sqrt(np.maximum(a, 0.0))
    w = np.sqrt(np.maximum(a, 0.0) + 4.0) + r
    rs = np.where(r < 1.0, 1.0, r)
    tail = np.where(r < 1.0, np.log1p(r * w / 2.0), np.log(rs) + np.log(w / 2.0 + 1.0 / rs))
    return np.where(t < 0, -2.0 * r / w - tail, np.where(t == 0, 0.0, INF))


def _log_trick_act(v):
    return -np.exp(-v - softplus(v))


LOG_TRICK = FDivergence(
    name="log_trick", formula="log(1 + 1/x)",
    formulas=Formulas(
        f=lambda x: np.where(x < 1.0, np.log1p(x) - np.log(x), np.log1p(1.0 / x)),
        f_prime=lambda x: -1.0 / (x * (x + 1.0)), conjugate=_log_trick_conj,
        activation=_log_trick_act,
        activation_prime=lambda v: -_log_trick_act(v) + sigmoid(-v) ** 2,
        conjugate_activation=lambda v: -sigmoid(-v) - softplus(-v),
        conjugate_activation_prime=lambda v: sigmoid(-v) * (1.0 + sigmoid(v))),
    conjugate_domain=(-INF, 0.0), conjugate_domain_closed=True,
    f_zero=INF, slope_inf=0.0, f_one_prime=-0.5, hilbertian=False)


# --- jeffreys: f = (x-1) log x; f' = log x + 1 - 1/x onto R. With u = 1/x*, f'(x*) = t reads
# u + log u = 1 - t, so u = W(e^{1-t}) (Wright omega of 1 - t) and
# f*(t) = x* - 2 + t + u = t + (u-1)^2/u = 1/u - 1 - log u = e^{t-1} e^{u} + t - 2 + u.
# Each form is used where it has no cancellation: |t| < 1 (delta = u - 1 refined by Newton on
# delta + log1p(delta) = -t, so f* ~ t keeps relative accuracy), t <= -1, t >= 1 (e^{1-t} may
# underflow; 1/u = e^{t-1} e^u avoids it). g_f(v) = v.
def _jeffreys(t):
    """(f*(t), x*(t)) for jeffreys."""
    u = wright_omega(1.0 - t)
    d = u - 1.0
    for _ in range(2):
        d = d - (d + np.log1p(d) + t) / (1.0 + 1.0 / (1.0 + d))
    near, big = np.abs(t) < 1.0, t >= 1.0
    x_big = np.exp(t - 1.0) * np.exp(u)
    val = np.where(near, t + d * d / (1.0 + d),
                   np.where(big, x_big + (t - 2.0 + u), 1.0 / u - 1.0 - np.log(u)))
    x = np.where(near, 1.0 / (1.0 + d), np.where(big, x_big, 1.0 / u))
    return val, x


def _jeffreys_conj(t):
    return _jeffreys(t)[0]


def _jeffreys_xstar(t):
    return _jeffreys(t)[1]


JEFFREYS = FDivergence(
    name="jeffreys", formula="(x-1) log x",
    formulas=Formulas(
        f=lambda x: (x - 1.0) * np.log(x), f_prime=lambda x: np.log(x) + (x - 1.0) / x,
        conjugate=_jeffreys_conj, activation=_identity, activation_prime=_one,
        conjugate_activation=_jeffreys_conj, conjugate_activation_prime=_jeffreys_xstar),
    conjugate_domain=(-INF, INF), conjugate_domain_closed=False,
    f_zero=INF, slope_inf=INF, f_one_prime=0.0, hilbertian=False)
