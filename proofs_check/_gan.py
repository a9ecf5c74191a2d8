"""S7-S9: the GAN objective as an f-divergence (slides: f-GAN section and "the log trick")."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy.special import rel_entr, xlogy

from proofs_check import strategies as pcs
from proofs_check._common import div, div_tol, finite_sum
from proofs_check._core import Statement, check, eq, le, truth
from proofs_check.tolerances import EPS, point_tol, sum_tol

LOG2, LOG4 = math.log(2.0), math.log(4.0)


@dataclass(frozen=True, eq=False)
class Game:
    """Data and model distributions on a common support, and a critic's values there
    (``v``: raw outputs V(x); ``d``: a discriminator D(x) in (0, 1))."""

    p_data: np.ndarray
    p_model: np.ndarray
    v: np.ndarray


@st.composite
def _games(draw, *, v_range: float = 60.0, extreme: bool = True):
    p_data, p_model = draw(pcs.distribution_pairs())
    n = p_data.size
    vals = st.floats(-v_range, v_range)
    if extreme:
        vals = st.one_of(vals, st.sampled_from([-745.0, -300.0, 300.0, 745.0]))
    return Game(p_data, p_model, np.array(draw(st.lists(vals, min_size=n, max_size=n))))


# --- S7 -------------------------------------------------------------------------------------

def _s7(x: Game):
    import fdiv

    js = fdiv.get("js")
    g = np.asarray(js.activation(x.v), dtype=np.float64)
    conj = np.asarray(js.conjugate_activation(x.v), dtype=np.float64)
    fgan = float(np.sum(x.p_data * g) - np.sum(x.p_model * conj))
    # the GAN objective E_P log sigma(V) + E_Q log(1 - sigma(V)), written with softplus
    gan = float(-np.sum(x.p_data * np.logaddexp(0.0, -x.v)) - np.sum(x.p_model * np.logaddexp(0.0, x.v)))
    scale = finite_sum(np.abs(x.p_data * g)) + finite_sum(np.abs(x.p_model * conj)) + abs(gan) + 2 * LOG2
    with np.errstate(over="ignore"):
        representable = np.log1p(np.exp(-x.v)) > 2 * EPS  # log 2 - g_f(v) is visible in float64
    return check(
        le("max g_f(V) <= log 2", float(g.max()), LOG2, 0.0),
        truth("g_f(V) < log 2 where log(1+e^-v) > 2 eps", bool(np.all(g[representable] < LOG2)),
              float(g[representable].max()) if representable.any() else -math.inf, LOG2),
        eq("E_P g_f(V) - E_Q f*(g_f(V)) == GAN(V) + 2 log 2", fgan, gan + 2 * LOG2,
           sum_tol(x.v.size, scale) + point_tol(gan, 2 * LOG2)),
        fgan=fgan, gan=gan)


S7 = Statement(
    "S7", "f-GAN with js: g_f(v) = log 2 - log(1+e^-v) < log 2, objective = GAN objective + 2 log 2",
    "slides: f-GAN section, JS example ('check that g(x) < log 2')",
    "P, Q probability vectors (zeros allowed); critic values V in [-60, 60] and +-300, +-745",
    st.deferred(_games), _s7,
    notes="uses fdiv.get('js').activation and .conjugate_activation (the stable f*(g_f(v)))")


# --- S8 -------------------------------------------------------------------------------------

def _gan_value(p_data, p_model, d) -> float:
    """``E_Pd log D + E_Pg log(1 - D)`` with ``0 log 0 = 0`` (xlogy)."""
    return float(np.sum(xlogy(p_data, d)) + np.sum(xlogy(p_model, 1.0 - d)))


def _s8_numbers(x: Game):
    s = x.p_data + x.p_model
    d_star = np.divide(x.p_data, s, out=np.zeros_like(s), where=s > 0)
    v_star = _gan_value(x.p_data, x.p_model, d_star)
    d_js = div("js", x.p_model, x.p_data)
    m = s / 2
    jsd = 0.5 * float(np.sum(rel_entr(x.p_data, m)) + np.sum(rel_entr(x.p_model, m)))  # with 1/2
    return d_star, v_star, d_js, jsd


def _s8(x: Game):
    import fdiv

    d_star, v_star, d_js, jsd = _s8_numbers(x)
    d_gan = div("gan", x.p_model, x.p_data)
    other = _gan_value(x.p_data, x.p_model, 1.0 / (1.0 + np.exp(-np.clip(x.v, -700, 700))))
    tol = div_tol(fdiv.get("js"), x.p_model, x.p_data) + sum_tol(x.v.size, 2 * LOG4 + abs(v_star))
    return check(
        eq("V(D*) == D_js(Pg||Pd) - log 4", v_star, d_js - LOG4, tol),
        eq("V(D*) == 2 JSD - log 4 (JSD with 1/2)", v_star, 2 * jsd - LOG4, tol),
        eq("V(D*) == D_gan(Pg||Pd) (f(1) = -log 4)", v_star, d_gan, tol),
        le("V(D) <= V(D*) for D = sigmoid(v)", other, v_star, tol),
        D_js=d_js, JSD=jsd, V_D_star=v_star, slides_2JS_minus_log4=2 * d_js - LOG4)


S8 = Statement(
    "S8", "D* = p_d/(p_d+p_g) maximises the GAN value; V(D*) = D_js - log 4 = 2*JSD - log 4 "
    "(slides' '2 JS' holds only for JSD with 1/2)",
    "slides: f-GAN section, 'the theoretical-optimal D*' (Goodfellow et al. 2014)",
    "P_d, P_g probability vectors (zeros allowed); a competitor D = sigmoid(v)",
    st.deferred(_games), _s8,
    notes="V(D*) is compared with fdiv's D_js, with D_gan, and with 2 JSD computed by scipy.special.rel_entr",
    loose="FACTOR 2: the slides define JS = KL(P||M) + KL(Q||M) (no 1/2, = registry js) and then write V(D*) = "
          "2 JS(P_d||P_theta) - log 4; with their own JS it is JS - log 4 = 2 JSD - log 4 (JSD with 1/2). "
          "Rows S8-slides-2js (refuted) and S8-sym (derivation).")


def _s8_slides(x: Game):
    _, v_star, d_js, _ = _s8_numbers(x)
    return check(eq("V(D*) == 2 D_js - log 4 (slides' JS, no 1/2)", v_star, 2 * d_js - LOG4,
                    sum_tol(x.v.size, 2 * LOG4 + abs(v_star) + 2 * d_js)), D_js=d_js)


S8_SLIDES = Statement(
    "S8-slides-2js", "S8 as printed with the slides' own JS (no 1/2): V(D*) = 2 JS - log 4 is off by 2",
    "slides: f-GAN section ('2 JS(P_d||P_theta) - log 4' with JS defined without 1/2)",
    "JS = KL(P||M) + KL(Q||M) as the slides define it (= registry js)",
    st.deferred(_games), _s8_slides, expect="refuted",
    notes="any P_d != P_g is a counterexample: V(D*) = JS - log 4")


# --- S9 -------------------------------------------------------------------------------------

def _s9(x: Game):
    import fdiv

    pd, pg = x.p_data, x.p_model
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(pg > 0, pg * (np.log(pd + pg) - np.log(pd)), 0.0)  # -p_g log D*
    gen_loss = float(terms.sum())
    d_lt = div("log_trick", pd, pg)
    tol = div_tol(fdiv.get("log_trick"), pd, pg) + sum_tol(pd.size, finite_sum(np.abs(terms)))
    return check(eq("-E_Pg log D*(x) == D_log_trick(Pd||Pg)", gen_loss, d_lt, tol),
                 gen_loss=gen_loss, D_log_trick=d_lt)


S9 = Statement(
    "S9", "the log trick: -E_Pg log D*(x) = D_f(P_d||P_g) with f(x) = log(1 + 1/x)",
    "slides: 'Further details on GAN: the log trick'",
    "P_d, P_g probability vectors (zeros allowed; -log 0 = inf where p_d = 0 < p_g)",
    st.deferred(_games), _s9,
    notes="mode-seeking behaviour: row S9-demo; the derivation: row S9-sym",
    loose="the slides call f(x) = log(1 + 1/x) an f-divergence although f(1) = log 2 != 0, against their own "
          "definition (f(1) = 0): D_f(P||P) = log 2 (row S1-log_trick) and the contraction S16 fails "
          "(S16-log_trick); -E_Pg log D* = D_f(P_d||P_g) holds exactly, with no constant")

STATEMENTS = [S7, S8, S8_SLIDES, S9]
