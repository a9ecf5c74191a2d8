"""S9 demonstration on a grid: fit one Gaussian to a two-mode mixture by minimising
``D_f(P_data || P_fit)`` (the generator's side of docs/theory.md's order: the data is the numerator,
as in ``-E_Pg log D* = D_log_trick(P_d || P_g)``) for kl (mass-covering: KL(data||model)),
reverse_kl (mode-seeking: KL(model||data)) and log_trick, and measure how mode-seeking each
fit is.

    >>> from proofs_check.demos import mode_seeking_demo
    >>> fits = mode_seeking_demo()                        # doctest: +SKIP
    >>> {f.name: round(f.mode_mass, 2) for f in fits["separated"]}   # doctest: +SKIP
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import minimize
from scipy.stats import norm

from proofs_check._core import Derivation, check, ge, le
from proofs_check.tolerances import FIT_TOL

__all__ = ["Setting", "Fit", "SETTINGS", "fit_gaussian", "mode_seeking_demo", "ROWS"]


@dataclass(frozen=True)
class Setting:
    """A two-mode 1-D mixture ``w N(-m, s^2) + (1-w) N(m, s^2)`` on a regular grid."""

    name: str
    m: float
    s: float
    w: float
    lo: float = -12.0
    hi: float = 12.0
    cells: int = 601


SETTINGS = (Setting("separated", 3.0, 1.0, 0.5), Setting("overlapping", 2.0, 1.0, 0.7))
NAMES = ("kl", "reverse_kl", "log_trick")
_STARTS = [(-1.0, 0.0), (1.0, 0.0), (0.0, math.log(3.0))]  # (mu in units of m, log sd): on each mode, and wide


@dataclass(frozen=True)
class Fit:
    """The best Gaussian ``N(mu, sd^2)`` for ``name``, its divergence, and mode-seeking measures:
    ``dist`` = ``|mu - nearest mode| / s``, ``mode_mass`` = fit mass within 2 s of the nearest mode."""

    name: str
    mu: float
    sd: float
    value: float
    dist: float
    mode_mass: float
    converged: bool


def _model(grid, mu, sd):
    import fdiv

    return fdiv.gaussian_mixture(grid, [mu], [sd], [1.0]).normalized().mass


def fit_gaussian(setting: Setting, name: str) -> Fit:
    """Minimise ``D_f(P_data || N(mu, sd^2))`` over (mu, log sd) with Nelder-Mead from 3 starts."""
    import fdiv

    grid = fdiv.Grid.regular(setting.lo, setting.hi, setting.cells)
    data = fdiv.gaussian_mixture(grid, [-setting.m, setting.m], [setting.s, setting.s],
                                 [setting.w, 1 - setting.w]).normalized().mass

    def objective(th):
        return float(fdiv.divergence(name, data, _model(grid, th[0], math.exp(th[1]))))

    best = None
    for mu0, ls0 in _STARTS:
        r = minimize(objective, [mu0 * setting.m, ls0], method="Nelder-Mead",
                     options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000})
        if best is None or r.fun < best.fun:
            best = r
    mu, sd = float(best.x[0]), float(math.exp(best.x[1]))
    mode = -setting.m if abs(mu + setting.m) <= abs(mu - setting.m) else setting.m
    mass = float(norm.cdf(mode + 2 * setting.s, mu, sd) - norm.cdf(mode - 2 * setting.s, mu, sd))
    return Fit(name, mu, sd, float(best.fun), abs(mu - mode) / setting.s, mass, bool(best.success))


def mode_seeking_demo(settings=SETTINGS, names=NAMES) -> dict[str, list[Fit]]:
    """``{setting name: [Fit for each f]}``."""
    return {s.name: [fit_gaussian(s, n) for n in names] for s in settings}


def _cases():
    import fdiv

    for s in SETTINGS:
        fits = {f.name: f for f in (fit_gaussian(s, n) for n in NAMES)}
        grid = fdiv.Grid.regular(s.lo, s.hi, s.cells)
        data = fdiv.gaussian_mixture(grid, [-s.m, s.m], [s.s, s.s], [s.w, 1 - s.w]).normalized().mass
        for f in fits.values():  # each fit is the best of the three fits for its own divergence
            others = [float(fdiv.divergence(f.name, data, _model(grid, g.mu, g.sd))) for g in fits.values()]
            yield f"{s.name}: {f.name} fit", check(
                le(f"D_{f.name} at its fit <= at the other fits", f.value, min(others), FIT_TOL * 1e-3),
                **{k: getattr(f, k) for k in ("mu", "sd", "value", "dist", "mode_mass", "converged")})
        kl, rkl, lt = fits["kl"], fits["reverse_kl"], fits["log_trick"]
        parts = [ge("mode mass: log_trick >= reverse_kl", lt.mode_mass, rkl.mode_mass, FIT_TOL),
                 le("distance to a mode: log_trick <= reverse_kl", lt.dist, rkl.dist, FIT_TOL),
                 le("kl covers: mode mass kl <= reverse_kl", kl.mode_mass, rkl.mode_mass, FIT_TOL),
                 ge("kl covers: sd_kl >= sd of the data mixture's modes", kl.sd, s.s * 1.5, FIT_TOL)]
        if s.name == "separated":
            parts += [le("reverse_kl and log_trick sit on a mode (dist <= 0.1)", max(lt.dist, rkl.dist), 0.1, 0.0),
                      ge("kl sits between the modes (dist >= 0.8 m/s)", kl.dist, 0.8 * s.m / s.s, 0.0)]
        else:
            parts += [ge("log_trick is strictly more mode-seeking here (mode mass + 0.1)", lt.mode_mass,
                         rkl.mode_mass + 0.1, 0.0)]
        yield f"{s.name}: mode-seeking order", check(
            parts, setting=f"{s.w} N(-{s.m}, {s.s}^2) + {1 - s.w:g} N({s.m}, {s.s}^2) on [{s.lo}, {s.hi}], {s.cells} cells",
            **{f"{n}": {"mu": fits[n].mu, "sd": fits[n].sd, "dist": fits[n].dist, "mode_mass": fits[n].mode_mass}
               for n in NAMES})


ROWS = [Derivation(
    "S9-demo", "log trick is at least as mode-seeking as reverse_kl (strictly more on overlapping modes); "
    "kl is mass-covering: one Gaussian fitted to two modes by min D_f(P_data||P_fit)",
    "slides: 'the log trick' ('much more mode-seeking than the reverse KL')",
    "1-D grid [-12, 12], 601 cells; data 0.5 N(-3,1) + 0.5 N(3,1) and 0.7 N(-2,1) + 0.3 N(2,1); "
    "Nelder-Mead over (mu, log sd) from 3 starts", _cases, kind="demo")]
