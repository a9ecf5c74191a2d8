"""fdiv: f-divergences, exact on discretised distributions (THEORY.md §0).

Public API: see CONTRACT.md §fdiv. Private kernels live in ``_*.py`` modules.
"""
# --- core (issue 2): registry, transforms, divergence, distributions, Wasserstein ---

# --- mixtures (issue 3): R*, R†, lambda, AdaGAN weights, bounds, oracle ---

__all__: list[str] = []
