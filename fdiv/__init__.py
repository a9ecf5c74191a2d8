"""fdiv: f-divergences, exact on discretised distributions (docs/theory.md §0), with error bounds
between densities, and Wasserstein distances.

Public API: see docs/contract.md §fdiv. Private kernels live in ``_*.py`` modules.

Every public name is loaded on first use (PEP 562 ``__getattr__``): ``import fdiv`` pulls in
neither SciPy nor Numba, so a fresh process reaches its first result fast (docs/performance.md B6).
"""
from importlib import import_module as _import_module

# --- generators: registry, transforms, divergence ---
_CORE = {
    "FDivergence": "fdiv._fdivergence",
    "get": "fdiv._registry", "names": "fdiv._registry", "alpha": "fdiv._registry",
    "dual": "fdiv._transforms", "normalized": "fdiv._transforms", "shift": "fdiv._transforms",
    "from_callable": "fdiv._callable",
    "divergence": "fdiv._divergence",
    "fgan_log_weights": "fdiv._fgan_loss",  # log-space f-GAN gradient weights
}

# --- distributions, densities and Wasserstein distances ---
_DIST = {
    "Grid": "fdiv._grid",
    "Discrete": "fdiv._discrete", "gaussian_mixture": "fdiv._discrete",
    "wasserstein1": "fdiv._wasserstein", "wasserstein1_lp": "fdiv._wasserstein",
    "wasserstein1_dual": "fdiv._wasserstein", "TransportResult": "fdiv._wasserstein",
    "PotentialResult": "fdiv._wasserstein", "wasserstein": "fdiv._wasserstein",
    "wasserstein_samples": "fdiv._wasserstein", "WassersteinResult": "fdiv._wasserstein",
    "density_divergence": "fdiv._density", "DensityResult": "fdiv._density",
    "DensityMixture": "fdiv._densities", "LogDensity": "fdiv._densities",
}

# --- mixtures: R*, R†, λ, AdaGAN weights, bounds, oracle ---
_MIX = {
    "r_star": "fdiv._mixture", "r_dagger": "fdiv._mixture", "MixtureComponent": "fdiv._mixture",
    "weights_from_discriminator": "fdiv._weights", "AdaGanWeights": "fdiv._weights",
    "topklast_beta": "fdiv._weights",
    "beta_schedule": "fdiv._schedules", "ConstantSchedule": "fdiv._schedules",
    "BoostedSchedule": "fdiv._schedules",
    "oracle_adagan": "fdiv._oracle", "OracleTrajectory": "fdiv._oracle",
    "bounds": None,  # the public submodule fdiv.bounds itself
}

# --- argument handling shared with the packages built on fdiv ---
_UTIL = {"as_rng": "fdiv._validate"}

_LAZY = {**_CORE, **_DIST, **_MIX, **_UTIL}
__all__: list[str] = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'fdiv' has no attribute {name!r}")
    module = _LAZY[name]
    value = _import_module(f"fdiv.{name}") if module is None else getattr(_import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
