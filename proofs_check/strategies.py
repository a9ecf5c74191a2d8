"""Hypothesis strategies that *construct* instances satisfying the assumptions of docs/theory.md.

Use them in your own property tests::

    from hypothesis import given
    from proofs_check import strategies as pcs
    import fdiv

    @given(pcs.fdivergences(), pcs.distribution_pairs())
    def test_s1(f, qp):                       # S1: D_f(Q||P) >= 0
        q, p = qp; assert fdiv.divergence(f, q, p) >= -1e-12

Numerically sane ranges (chosen so that counterexamples are readable and round-off is small):

- supports have 1..:data:`MAX_SUPPORT` points;
- every positive weight is ``k * 10**-e`` with integers ``1 <= k <= MAX_WEIGHT`` and
  ``0 <= e <= MAX_DECADES`` (one integer code per entry, 0 meaning a zero mass); after
  normalisation the smallest positive mass is at least ``MIN_MASS`` (about 1.2e-10), so ratios
  ``q/p`` stay below ~1e10 and ``|log m| < 23``;
- a vector always keeps at least one positive entry;
- shrinking moves towards ``k = 1, e = 0`` (uniform vectors) and small supports.

Instances are returned as plain tuples of float64 arrays or as the small frozen dataclasses
below; nothing is filtered after drawing (every draw is valid by construction).

Examples
--------
>>> import numpy as np
>>> from hypothesis import given, settings
>>> from proofs_check import strategies as pcs
>>> seen = []
>>> @settings(max_examples=20, database=None, derandomize=True)
... @given(pcs.distribution_pairs())
... def check_pairs(qp):
...     q, p = qp
...     seen.append(bool(np.isclose(q.sum(), 1.0) and np.isclose(p.sum(), 1.0) and q.shape == p.shape))
>>> check_pairs()
>>> all(seen), len(seen) > 0
(True, True)
"""
from __future__ import annotations

import functools
import inspect
import numbers
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "MAX_SUPPORT", "MAX_WEIGHT", "MAX_DECADES", "MIN_MASS", "MIN_BETA", "MAX_BETA",
    "sizes", "measures", "probability_vectors", "distribution_pairs", "disjoint_pairs",
    "absolutely_continuous_pairs", "bounded_ratio_pairs", "betas", "fdivergences", "alphas",
    "MixtureInstance", "mixture_instances", "DaggerInstance", "dagger_instances",
    "registry_names",
]

MAX_SUPPORT = 8
"""Largest support drawn: small enough to read a counterexample, large enough for the theorems'
structure (active sets, zeros on either side) to show up."""
MAX_WEIGHT = 1000
"""Integer mantissa of a weight (1..1000)."""
MAX_DECADES = 6
"""Decimal exponent range of a weight (10**0 .. 10**-6)."""
MIN_MASS = 1.0 / (MAX_SUPPORT * MAX_WEIGHT) * 10.0 ** -MAX_DECADES
"""Lower bound on every positive mass of a normalised vector drawn here."""
MIN_BETA = 1e-3
"""Smallest mixture weight drawn: β below it makes (1-β) round to 1 in the checks' sums."""
MAX_BETA = 0.999
"""Largest β where ``1 - β`` appears in a denominator (S10, S14): ``1/(1-β) <= 1000``."""

_ALPHA_VALUES = (-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
"""α values sampled for ``fdiv.alpha``: both sides of 0 and 1, and the limits α = 0 and α = 1."""


def _check_size(name: str, v, low: int = 1) -> None:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise ValueError(f"`{name}` must be an integer >= {low}; got {v!r}")


def _check_unit(name: str, v) -> None:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 < v <= 1:
        raise ValueError(f"`{name}` must be a number in (0, 1]; got {v!r}")


def _checked(strategy=None, *, least: int = 1):
    """Check a strategy's size and weight arguments when it is built (at decoration, not at
    the first draw, where hypothesis would report an IndexError from deep inside): support
    sizes are integers >= ``least`` with ``min_size <= max_size``, β bounds lie in (0, 1]."""
    if strategy is None:
        return functools.partial(_checked, least=least)
    sig = inspect.signature(strategy)

    @functools.wraps(strategy)
    def build(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{strategy.__name__}(): {e}") from None
        bound.apply_defaults()
        a = bound.arguments
        for name in ("n", "min_size", "max_size"):
            if a.get(name) is not None:
                _check_size(name, a[name], least)
        if "min_size" in a and "max_size" in a and a["min_size"] > a["max_size"]:
            raise ValueError(f"`min_size` must be <= `max_size`; got {a['min_size']} > {a['max_size']}")
        for name in ("max_beta", "min_value", "max_value"):
            if name in a:
                _check_unit(name, a[name])
        if "min_value" in a and "max_value" in a and a["min_value"] > a["max_value"]:
            raise ValueError(f"`min_value` must be <= `max_value`; got {a['min_value']} > {a['max_value']}")
        return strategy(*args, **kwargs)

    build.__signature__ = sig
    return build


@_checked
def sizes(min_size: int = 1, max_size: int = MAX_SUPPORT) -> st.SearchStrategy[int]:
    """Support sizes ``min_size..max_size``."""
    return st.integers(min_value=min_size, max_value=max_size)


_CODES = MAX_WEIGHT * (MAX_DECADES + 1)


def _decode(u: np.ndarray) -> np.ndarray:
    """Weight codes to weights: 0 -> 0, u >= 1 -> k 10**-e with k = 1 + (u-1) % MAX_WEIGHT,
    e = (u-1) // MAX_WEIGHT. One integer per entry keeps generation and shrinking fast (shrinking
    moves towards 0 = zero mass and 1 = unit weight)."""
    u = np.asarray(u, dtype=np.int64)
    k, e = 1 + (u - 1) % MAX_WEIGHT, (u - 1) // MAX_WEIGHT
    return np.where(u > 0, k * 10.0 ** -e.astype(np.float64), 0.0)


@_checked
@st.composite
def measures(draw, n: int, *, zeros: bool = True) -> np.ndarray:
    """Nonnegative (unnormalised) masses of length ``n``, at least one positive (an all-zero
    draw becomes ``[1, 0, ..., 0]``)."""
    lo = 0 if zeros else 1
    w = _decode(draw(st.lists(st.integers(lo, _CODES), min_size=n, max_size=n)))
    if not w.any():
        w[0] = 1.0
    return w


@_checked
@st.composite
def probability_vectors(draw, n: int | None = None, *, zeros: bool = True, min_size: int = 1,
                        max_size: int = MAX_SUPPORT) -> np.ndarray:
    """A probability vector (sums to 1 up to round-off), with or without zeros."""
    n = draw(sizes(min_size, max_size)) if n is None else n
    w = draw(measures(n, zeros=zeros))
    return w / w.sum()


@_checked
@st.composite
def distribution_pairs(draw, n: int | None = None, *, zeros: bool = True, normalized: bool = True,
                       min_size: int = 1, max_size: int = MAX_SUPPORT) -> tuple[np.ndarray, np.ndarray]:
    """``(q, p)`` on a common support of ``n`` points (``min_size..max_size`` when ``n`` is
    None): probability vectors, or unnormalised measures when ``normalized=False``."""
    n = draw(sizes(min_size, max_size)) if n is None else n
    if normalized:
        return draw(probability_vectors(n, zeros=zeros)), draw(probability_vectors(n, zeros=zeros))
    return draw(measures(n, zeros=zeros)), draw(measures(n, zeros=zeros))


@_checked(least=2)  # one point for each side
@st.composite
def disjoint_pairs(draw, *, max_size: int = MAX_SUPPORT) -> tuple[np.ndarray, np.ndarray]:
    """``(q, p)`` probability vectors with disjoint supports (and possibly common zeros)."""
    n = draw(sizes(2, max_size))
    side = np.array(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=n, max_size=n)))
    side[0], side[1] = 1, 2  # both supports nonempty
    w = draw(measures(n, zeros=False))
    q, p = np.where(side == 1, w, 0.0), np.where(side == 2, w, 0.0)
    return q / q.sum(), p / p.sum()


@_checked
@st.composite
def absolutely_continuous_pairs(draw, *, min_size: int = 1,
                                max_size: int = MAX_SUPPORT) -> tuple[np.ndarray, np.ndarray]:
    """``(p_model, p_data)`` with ``p_model << p_data`` (``p_model = p_data * u / sum``)."""
    n = draw(sizes(min_size, max_size))
    p_data = draw(probability_vectors(n))
    u = draw(measures(n))
    if not (p_data * u).sum() > 0:
        u = np.ones(n)
    p_model = p_data * u
    return p_model / p_model.sum(), p_data


def bounded_ratio_pairs(**kw) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """``(p_1, p_data)`` with ``dP_1/dP_d`` bounded (S17). On a finite support this is the same
    as ``P_1 << P_d``; the bound ``max p_1/p_d`` is at most ``MAX_WEIGHT * 10**MAX_DECADES``."""
    return absolutely_continuous_pairs(**kw)


@_checked
def betas(min_value: float = MIN_BETA, max_value: float = 1.0) -> st.SearchStrategy[float]:
    """Mixture weights β in ``[min_value, max_value]``."""
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False)


@dataclass(frozen=True, eq=False)
class MixtureInstance:
    """``(P_d, P_g, β, Q, R)`` of docs/theory.md §2 (``feasible`` says whether ``βR <= P_d`` holds
    by construction)."""

    p_data: np.ndarray
    p_model: np.ndarray
    beta: float
    q: np.ndarray
    r: np.ndarray
    feasible: bool


@_checked
@st.composite
def mixture_instances(draw, *, feasible: bool = True, max_beta: float = MAX_BETA,
                      max_size: int = MAX_SUPPORT) -> MixtureInstance:
    """Mixture instances; with ``feasible=True``, ``R = P_d * u / sum(P_d * u)`` and
    ``β = s * min(max_beta, min_i P_d,i / R_i)`` so that ``βR <= P_d`` (equality allowed)."""
    n = draw(sizes(1, max_size))
    p_data, p_model, q = (draw(probability_vectors(n)) for _ in range(3))
    if feasible:
        u = draw(measures(n))
        if not (p_data * u).sum() > 0:
            u = np.ones(n)
        r = p_data * u / (p_data * u).sum()
        pos = r > 0
        beta_max = min(max_beta, float(np.min(p_data[pos] / r[pos])))
        beta = beta_max * draw(st.floats(min_value=MIN_BETA, max_value=1.0))
    else:
        r = draw(probability_vectors(n))
        beta = draw(betas(max_value=max_beta))
    return MixtureInstance(p_data, p_model, float(beta), q, r, feasible)


@dataclass(frozen=True, eq=False)
class DaggerInstance:
    """``(P_d, P_g, β)`` with S14's assumption ``P_d(p_g = 0) < β < 1`` (``missed`` is
    ``P_d(p_g = 0)``)."""

    p_data: np.ndarray
    p_model: np.ndarray
    beta: float
    missed: float


@_checked
@st.composite
def dagger_instances(draw, *, max_size: int = MAX_SUPPORT) -> DaggerInstance:
    """S14 instances: ``β = m + (1 - m) s`` with ``m = P_d(p_g = 0)`` and ``s`` in
    ``[0.001, 0.999]``; when ``m > 0.99``, ``P_g`` is first mixed with ``P_d``."""
    n = draw(sizes(1, max_size))
    p_data, p_model = draw(probability_vectors(n)), draw(probability_vectors(n))
    missed = float(p_data[p_model == 0].sum())
    if missed > 0.99:
        p_model = (p_model + p_data) / 2
        missed = float(p_data[p_model == 0].sum())
    s = draw(st.floats(min_value=1e-3, max_value=0.999))
    beta = missed + (1.0 - missed) * s
    return DaggerInstance(p_data, p_model, float(beta), missed)


# --- f-divergences --------------------------------------------------------------------------

def registry_names() -> list[str]:
    """``fdiv.names()`` (imported late, so that this module imports without the registry)."""
    import fdiv

    return list(fdiv.names())


@functools.lru_cache(maxsize=None)
def _alpha(a: float):
    import fdiv

    return fdiv.alpha(a)


def is_self_dual(f) -> bool:
    """Whether ``f = f°`` (``f(x) = x f(1/x)``) at four points, to 1e-12 relative (statement S3)."""
    x = np.array([0.1, 0.5, 2.0, 7.5])
    a, b = np.asarray(f.f(x), float), x * np.asarray(f.f(1.0 / x), float)
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-14))


def _select(f, f1_zero, hilbertian, self_dual) -> bool:
    if f1_zero is not None and (float(f.f(np.array([1.0]))[0]) == 0.0) != f1_zero:
        return False
    if hilbertian is not None and bool(f.hilbertian) != hilbertian:
        return False
    return self_dual is None or is_self_dual(f) == self_dual


def fdivergences(*, f1_zero: bool | None = True, hilbertian: bool | None = None,
                 self_dual: bool | None = None, alpha: bool = True,
                 names: tuple[str, ...] | None = None) -> st.SearchStrategy:
    """Registry f-divergences (``fdiv.names()``, or ``names``) plus ``fdiv.alpha(a)`` for a few
    ``a`` when ``alpha``, restricted by ``f(1) == 0`` (``f1_zero``), ``.hilbertian`` and
    self-duality ``f = f°`` (checked numerically at four points). The list is built when the
    strategy is first drawn from (:func:`hypothesis.strategies.deferred`)."""

    def build():
        import fdiv

        objs = [fdiv.get(n) for n in (names or registry_names())]
        if alpha:
            objs += [_alpha(a) for a in _ALPHA_VALUES]
        keep = [f for f in objs if _select(f, f1_zero, hilbertian, self_dual)]
        if not keep:
            raise ValueError("no f-divergence satisfies the requested restrictions")
        return st.sampled_from(keep)

    return st.deferred(build)


def alphas() -> st.SearchStrategy[float]:
    """The α values used for ``fdiv.alpha`` in :func:`fdivergences`."""
    return st.sampled_from(_ALPHA_VALUES)
