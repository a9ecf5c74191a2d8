"""fdiv: f-divergences, exact on discretised distributions (THEORY.md §0).

Public API: see CONTRACT.md §fdiv. Private kernels live in ``_*.py`` modules.
"""
# --- core (issue 2): registry, transforms, divergence, distributions, Wasserstein ---
from fdiv._callable import from_callable
from fdiv._divergence import divergence
from fdiv._fdivergence import FDivergence
from fdiv._registry import alpha, get, names
from fdiv._transforms import dual, normalized, shift

_CORE_ALL = ["FDivergence", "get", "names", "alpha", "dual", "normalized", "shift", "from_callable",
             "divergence"]
# Placeholders: the sections below (re)define these; a missing section must not break import.
_DIST_ALL: list[str] = []
_MIX_ALL: list[str] = []

# --- distributions & Wasserstein (A2) ---
from fdiv._grid import Grid
from fdiv._discrete import Discrete, gaussian_mixture
from fdiv._wasserstein import PotentialResult, TransportResult, wasserstein1, wasserstein1_dual, wasserstein1_lp

_DIST_ALL = ["Grid", "Discrete", "gaussian_mixture", "wasserstein1", "wasserstein1_lp",
             "wasserstein1_dual", "TransportResult", "PotentialResult"]

# --- mixtures (issue 3): R*, R†, lambda, AdaGAN weights, bounds, oracle ---
from fdiv._mixture import MixtureComponent, r_dagger, r_star
from fdiv._schedules import BoostedSchedule, ConstantSchedule, beta_schedule
from fdiv._weights import AdaGanWeights, topklast_beta, weights_from_discriminator
from fdiv._oracle import OracleTrajectory, oracle_adagan
from fdiv import bounds

_MIX_ALL = ["r_star", "r_dagger", "MixtureComponent", "weights_from_discriminator", "AdaGanWeights",
            "topklast_beta", "beta_schedule", "ConstantSchedule", "BoostedSchedule", "bounds",
            "oracle_adagan", "OracleTrajectory"]

__all__: list[str] = _CORE_ALL + _DIST_ALL + _MIX_ALL
