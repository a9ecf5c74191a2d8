"""The seed's coverage table (slides; docs/theory.md §3) as data.

Coverage C, median (5%; 95%) over 35 runs, on the 2-D Gaussian mixtures of docs/theory.md §3
with K = 1, 2, 3, 5, 7, 10 modes. ``ROWS`` lists the table's rows in order as
(label, method, T); ``SEED`` maps (method, T) -> {K: (median, p05, p95)}.
"""
from __future__ import annotations

__all__ = ["MODES", "ROWS", "SEED", "seed_cell"]

MODES: tuple[int, ...] = (1, 2, 3, 5, 7, 10)

# (label in the slides, registry method name, T)
ROWS: tuple[tuple[str, str, int], ...] = (
    ("Vanilla", "vanilla", 1),
    ("Best of T (T=3)", "best_of", 3),
    ("Best of T (T=10)", "best_of", 10),
    ("Ensemble (T=3)", "ensemble", 3),
    ("Ensemble (T=10)", "ensemble", 10),
    ("TopKLast0.5 (T=3)", "topklast", 3),
    ("TopKLast0.5 (T=10)", "topklast", 10),
    ("Boosted (T=3)", "boosted", 3),
    ("Boosted (T=10)", "boosted", 10),
)

_C = {
    ("vanilla", 1): [(0.97, 0.9, 1.0), (0.88, 0.4, 1.0), (0.63, 0.5, 1.0), (0.72, 0.5, 0.8), (0.58, 0.4, 0.8), (0.59, 0.2, 0.7)],
    ("best_of", 3): [(0.99, 1.0, 1.0), (0.96, 0.9, 1.0), (0.91, 0.7, 1.0), (0.80, 0.7, 0.9), (0.84, 0.7, 0.9), (0.70, 0.6, 0.8)],
    ("best_of", 10): [(0.99, 1.0, 1.0), (0.99, 1.0, 1.0), (0.98, 0.8, 1.0), (0.80, 0.8, 0.9), (0.87, 0.8, 0.9), (0.71, 0.7, 0.8)],
    ("ensemble", 3): [(0.99, 1.0, 1.0), (0.98, 0.9, 1.0), (0.93, 0.8, 1.0), (0.78, 0.6, 1.0), (0.85, 0.6, 1.0), (0.80, 0.6, 1.0)],
    ("ensemble", 10): [(1.00, 1.0, 1.0), (0.99, 1.0, 1.0), (1.00, 1.0, 1.0), (0.91, 0.8, 1.0), (0.88, 0.8, 1.0), (0.89, 0.7, 1.0)],
    ("topklast", 3): [(0.98, 0.9, 1.0), (0.98, 0.9, 1.0), (0.95, 0.9, 1.0), (0.95, 0.8, 1.0), (0.86, 0.7, 1.0), (0.86, 0.6, 0.9)],
    ("topklast", 10): [(0.99, 1.0, 1.0), (0.98, 0.9, 1.0), (0.98, 1.0, 1.0), (0.99, 0.8, 1.0), (0.99, 0.8, 1.0), (1.00, 0.8, 1.0)],
    ("boosted", 3): [(0.99, 1.0, 1.0), (0.99, 0.9, 1.0), (0.98, 0.9, 1.0), (0.91, 0.8, 1.0), (0.91, 0.8, 1.0), (0.86, 0.7, 1.0)],
    ("boosted", 10): [(1.00, 1.0, 1.0), (1.00, 1.0, 1.0), (1.00, 1.0, 1.0), (1.00, 1.0, 1.0), (1.00, 1.0, 1.0), (1.00, 1.0, 1.0)],
}

SEED: dict[tuple[str, int], dict[int, tuple[float, float, float]]] = {
    key: dict(zip(MODES, cells)) for key, cells in _C.items()
}


def seed_cell(method: str, T: int, modes: int) -> tuple[float, float, float] | None:
    """(median, p05, p95) of the seed table, or None when the seed has no such cell."""
    return SEED.get((method, T), {}).get(modes)
