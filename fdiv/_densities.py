"""Densities for :func:`fdiv.density_divergence`: SciPy frozen distributions, mixtures of them
(:class:`DensityMixture`) and user callables, behind one small interface.

Every adapter exposes ``dim``, ``log_density(x)`` for points ``x`` of shape ``(n, dim)``, and
what the integrator may use: ``box(eps)`` (a box holding all but at most ``eps`` of the mass,
or None for a callable), ``breaks()`` (per-axis points where the density or its scale changes:
support ends, component centres and spreads), ``gaussians()`` (``[(w, mean, cov)]`` when every
component is Gaussian, else None), ``sample(n, rng)`` (None when it cannot sample),
``spread()`` and ``rescaled(k)`` (a unit of length, and the adapter of ``X * 2**-k``; None
and absent for callables: see :func:`common_units`), ``ends()`` (1-D: the finite support ends
with the distribution's scale), and ``underflowed(x)`` (whether a density of 0 at the point
``x`` may be a positive value below the float range: for density callables, and for SciPy
distributions inside their support, whose ``logpdf`` is often ``log(pdf)``, as levy's is).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["DensityMixture", "LogDensity", "as_density", "common_units", "PLAIN_SPREAD"]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: variances a Gaussian analysis can square and invert (normal floats whose inverse is finite)
_NORMAL_RANGE = (2.0 ** -1000, 2.0 ** 1000)
#: scales of length within which densities are integrated as they are; outside, both are
#: first rescaled by a common power of two (D_f does not depend on the unit of length)
PLAIN_SPREAD = (1e-100, 1e100)
#: cell edges put around every component: centre ± scale * 2**k (k = -2 .., up to the box), so
#: that cells grow geometrically away from each component whatever the range (Cauchy tails).
_STEPS = np.concatenate([-(2.0 ** np.arange(-2, 64))[::-1], [0.0], 2.0 ** np.arange(-2, 64)])


def geometric_breaks(centre: float, scale: float) -> np.ndarray:
    """``centre + scale * (0, ±1/4, ±1/2, ±1, ±2, ...)`` (finite values only)."""
    with np.errstate(over="ignore", invalid="ignore"):
        pts = centre + scale * _STEPS
    return pts[np.isfinite(pts)]


def logsumexp_rows(parts: np.ndarray) -> np.ndarray:
    """``log(sum(exp(parts), axis=1))`` with ``-inf`` for rows of ``-inf`` (no NaN, no overflow)."""
    m = parts.max(axis=1)
    finite = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(m == -np.inf, -np.inf, finite + np.log(np.exp(parts - finite[:, None]).sum(axis=1)))


@dataclass(frozen=True, eq=False)
class DensityMixture:
    r"""A finite mixture ``sum_k w_k P_k`` of SciPy frozen distributions, as an input of
    :func:`fdiv.density_divergence`.

    Parameters
    ----------
    weights : sequence of float
        Nonnegative, summing to 1 within 1e-12 (they are *not* renormalised).
    components : sequence
        Frozen continuous distributions of one dimension each: univariate
        (``scipy.stats.norm(0, 1)``, ``uniform``, ...) or ``scipy.stats.multivariate_normal``.

    Examples
    --------
    >>> import fdiv
    >>> from scipy import stats
    >>> m = fdiv.DensityMixture([0.3, 0.7], [stats.norm(-1, 0.5), stats.norm(2, 1)])
    >>> m.dim, round(float(m.pdf([[0.0]])[0]), 6)
    (1, 0.070188)
    """

    weights: tuple
    components: tuple

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=np.float64) if _is_real_sequence(self.weights) else None
        if w is None or w.ndim != 1 or w.size == 0:
            raise ValueError(f"`weights` must be a nonempty 1-D sequence of real numbers; got {self.weights!r}")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"`weights` must be finite and nonnegative; got {w.tolist()!r}")
        if abs(float(w.sum()) - 1.0) > 1e-12:
            raise ValueError(f"`weights` must sum to 1 (they are not renormalised); got sum {float(w.sum())!r}")
        comps = tuple(self.components)
        if len(comps) != w.size:
            raise ValueError(f"`weights` and `components` must have the same length; got {w.size} and {len(comps)}")
        adapted = tuple(_frozen(c, f"components[{i}]") for i, c in enumerate(comps))
        dims = {a.dim for a in adapted}
        if len(dims) != 1:
            raise ValueError(f"`components` must share one dimension; got dimensions {[a.dim for a in adapted]}")
        object.__setattr__(self, "weights", tuple(float(v) for v in w))
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "_adapted", adapted)

    @property
    def dim(self) -> int:
        """Dimension of the points."""
        return self._adapted[0].dim

    def logpdf(self, x) -> np.ndarray:
        """Log-density at points ``x`` of shape ``(n, dim)`` (or ``(n,)`` in 1-D)."""
        x = _points(x, self.dim)
        return _Mixture(self.weights, self._adapted).log_density(x)

    def pdf(self, x) -> np.ndarray:
        """Density at points ``x`` of shape ``(n, dim)`` (or ``(n,)`` in 1-D)."""
        return np.exp(self.logpdf(x))


def _is_real_sequence(x) -> bool:
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        return False
    return arr.dtype.kind in "biuf"


def _points(x, dim: int) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if dim == 1 and arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"`x` must have shape (n, {dim}); got {arr.shape}")
    return arr


class _Univariate:
    """A frozen ``scipy.stats`` continuous univariate distribution."""

    dim = 1
    exact_mass = True

    def __init__(self, frozen, shapes, loc: float, scale: float):
        self.frozen, self.shapes, self.loc, self.scale = frozen, tuple(shapes), float(loc), float(scale)
        self.normal = frozen.dist.name == "norm"
        if self.normal:  # SciPy's std() is sqrt(scale**2): 0 for a scale below 1e-154
            self.mu, self.sigma = self.loc, self.scale

    def spread(self) -> float:
        """The distribution's scale parameter: its unit of length."""
        return self.scale

    def rescaled(self, k: int) -> "_Univariate":
        """The adapter of ``X * 2**-k`` (the same family, location and scale times ``2**-k``)."""
        loc, scale = math.ldexp(self.loc, -k), math.ldexp(self.scale, -k)
        return _Univariate(self.frozen.dist(*self.shapes, loc=loc, scale=scale), self.shapes, loc, scale)

    def log_density(self, x):
        if self.normal:  # the same formula as scipy's, without its per-call overhead
            with np.errstate(over="ignore"):  # z*z beyond the floats: log-density -inf, as it is
                z = (x[:, 0] - self.mu) / self.sigma
                return -0.5 * z * z - np.log(self.sigma) - 0.5 * _LOG_2PI
        with np.errstate(divide="ignore"):
            return np.asarray(self.frozen.logpdf(x[:, 0]), dtype=np.float64)

    def box(self, eps):
        if self.normal:
            from scipy.special import ndtri

            z = -float(ndtri(eps / 2))
            return np.array([self.mu - z * self.sigma]), np.array([self.mu + z * self.sigma])
        lo, hi = self.frozen.support()
        lo = lo if np.isfinite(lo) else self.frozen.ppf(eps / 2)
        hi = hi if np.isfinite(hi) else self.frozen.isf(eps / 2)
        return np.array([lo]), np.array([hi])

    def breaks(self):
        if self.normal:
            return [geometric_breaks(self.mu, self.sigma)]
        lo, hi = self.frozen.support()
        q1, med, q3 = self.frozen.ppf([0.25, 0.5, 0.75])
        ends = np.array([v for v in (lo, hi) if np.isfinite(v)], dtype=np.float64)
        return [np.concatenate([ends, geometric_breaks(float(med), float(q3 - q1))])]

    def underflowed(self, x) -> bool:
        """Whether a 0 density at the point ``x`` may be an underflow: inside the open support
        (SciPy's ``logpdf`` is ``log(pdf)`` for many families: levy's is -inf at x = 0.0007,
        where the density is e^-1467). The normal's own formula does not underflow."""
        lo, hi = self.frozen.support()
        return (not self.normal) and bool(lo < float(x[0]) < hi)

    def ends(self):
        """The finite ends of the support (1-D), where the density may be singular, each with
        the distribution's scale (the width over which it behaves as at the end)."""
        return [(float(v), self.scale) for v in self.frozen.support() if np.isfinite(v)]

    def gaussians(self):
        var = self.sigma * self.sigma if self.normal else 0.0
        if not _NORMAL_RANGE[0] <= var <= _NORMAL_RANGE[1]:  # not normal, or σ² over/underflows: undecided
            return None
        return [(1.0, np.array([self.mu]), np.array([[var]]))]

    def sample(self, n, rng):
        return np.asarray(self.frozen.rvs(size=n, random_state=rng), dtype=np.float64).reshape(n, 1)


class _Normal:
    """A frozen ``scipy.stats.multivariate_normal``."""

    exact_mass = True

    def __init__(self, mean, cov):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
        self.dim = self.mean.size
        self.chol = np.linalg.cholesky(self.cov)
        self.logdet = 2.0 * float(np.sum(np.log(np.diag(self.chol))))

    def log_density(self, x):
        from scipy.linalg import solve_triangular

        z = solve_triangular(self.chol, (x - self.mean).T, lower=True)
        return -0.5 * np.sum(z * z, axis=0) - 0.5 * self.logdet - 0.5 * self.dim * _LOG_2PI

    def box(self, eps):
        from scipy.special import ndtri

        z = -float(ndtri(eps / (2 * self.dim)))
        s = np.sqrt(np.diag(self.cov))
        return self.mean - z * s, self.mean + z * s

    def breaks(self):
        s = np.sqrt(np.diag(self.cov))
        return [geometric_breaks(self.mean[k], s[k]) for k in range(self.dim)]

    def gaussians(self):
        return [(1.0, self.mean, self.cov)]

    def ends(self):
        return []

    def underflowed(self, x) -> bool:
        return False  # its own formula: -inf only where z² overflows, far beyond any mass

    def sample(self, n, rng):
        return self.mean + rng.standard_normal((n, self.dim)) @ self.chol.T

    def spread(self) -> float:
        """The largest marginal standard deviation."""
        return float(np.sqrt(np.diag(self.cov)).max())

    def rescaled(self, k: int) -> "_Normal":
        """The adapter of ``X * 2**-k``: mean times ``2**-k``, covariance times ``2**-2k``."""
        return _Normal(np.ldexp(self.mean, -k), np.ldexp(self.cov, -2 * k))


class _Mixture:
    exact_mass = True

    def __init__(self, weights, adapted):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.parts = adapted
        self.dim = adapted[0].dim
        normal = [a for a in adapted if isinstance(a, _Univariate) and a.normal]
        self.normal_1d = len(normal) == len(adapted)
        if self.normal_1d:
            self.mu = np.array([a.mu for a in adapted])
            self.sigma = np.array([a.sigma for a in adapted])

    def log_density(self, x):
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        if self.normal_1d:  # all components at once
            with np.errstate(over="ignore"):  # a narrow component far away: -inf, as it is
                z = (x[:, :1] - self.mu) / self.sigma
                parts = -0.5 * z * z - np.log(self.sigma) - 0.5 * _LOG_2PI + logw
        else:
            parts = np.stack([a.log_density(x) for a in self.parts], axis=1) + logw
        return logsumexp_rows(parts)

    def box(self, eps):
        boxes = [a.box(eps) for a in self.parts]
        return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)

    def breaks(self):
        per = [a.breaks() for a in self.parts]
        return [np.concatenate([b[k] for b in per]) for k in range(self.dim)]

    def ends(self):
        return sorted({e for a, w in zip(self.parts, self.weights) if w > 0 for e in a.ends()})  # (end, scale)

    def underflowed(self, x) -> bool:
        return any(a.underflowed(x) for a, w in zip(self.parts, self.weights) if w > 0)

    def gaussians(self):
        parts = [a.gaussians() for a in self.parts]
        if any(g is None for g in parts):
            return None
        return [(float(w) * g[0][0], g[0][1], g[0][2]) for w, g in zip(self.weights, parts)]

    def spread(self) -> float:
        return max(a.spread() for a in self.parts)

    def rescaled(self, k: int) -> "_Mixture":
        return _Mixture(self.weights, tuple(a.rescaled(k) for a in self.parts))

    def sample(self, n, rng):
        counts = rng.multinomial(n, self.weights)
        out = np.concatenate([a.sample(c, rng) for a, c in zip(self.parts, counts) if c > 0])
        return out[rng.permutation(n)]


@dataclass(frozen=True)
class LogDensity:
    """A callable that returns the *logarithm* of a density, as an input of
    :func:`fdiv.density_divergence` (``bounds`` required, as for any callable): ``fn(x)``
    with ``x`` of shape ``(n, d)`` returns ``n`` values in ``[-inf, inf)``.

    A density callable returns 0 where its value underflows (a standard normal's beyond
    38.6 standard deviations, a narrower one's much sooner), which reads as "p = 0 where
    q > 0" and makes KL infinite; a log-density does not underflow.

    Examples
    --------
    >>> import numpy as np, fdiv
    >>> q = fdiv.LogDensity(lambda x: -0.5 * x[:, 0] ** 2 - 0.5 * np.log(2 * np.pi))
    >>> p = fdiv.LogDensity(lambda x: -2.0 * x[:, 0] ** 2 - np.log(0.5) - 0.5 * np.log(2 * np.pi))
    >>> round(fdiv.density_divergence("kl", q, p, bounds=(-60, 60)).value, 10)   # N(0, 1) vs N(0, 1/4)
    0.8068528194
    """

    fn: Callable

    def __post_init__(self):
        if not callable(self.fn):
            raise ValueError(f"`fn` must be callable; got {_describe(self.fn)}")


class _Callable:
    """A user's density: ``fn(x)`` with ``x`` of shape ``(n, d)`` returns ``n`` values (the
    log-density when ``log``)."""

    exact_mass = False

    def __init__(self, fn: Callable, dim: int, name: str, log: bool = False):
        self.fn, self.dim, self.name, self.log = fn, dim, name, log
        self.underflows = not log  # a density's 0 may be a value below the float range

    def underflowed(self, x) -> bool:
        return self.underflows

    def log_density(self, x):
        raw = np.asarray(self.fn(x))
        what = "log-density" if self.log else "density"
        if raw.dtype.kind not in "biuf" or raw.size != x.shape[0] or (raw.ndim == 2 and raw.shape[1] != 1):
            raise ValueError(f"`{self.name}` must return {x.shape[0]} real {what} values for points of shape "
                             f"{x.shape}; got shape {raw.shape} and dtype {raw.dtype}")
        vals = raw.astype(np.float64).reshape(x.shape[0])
        bad = np.isnan(vals) | (vals == np.inf) if self.log else ~(np.isfinite(vals) & (vals >= 0))
        if bad.any():
            i = int(np.argmax(bad))
            need = "log-density below +inf" if self.log else "finite, nonnegative density"
            hint = ""
            if vals[i] == np.inf and x.shape[1] == 1:
                hint = (f" (a density singular there: pass points=[{float(x[i, 0])!r}] so that the point is "
                        "approached from both sides, never evaluated)")
            raise ValueError(f"`{self.name}` must be a {need}; got {float(vals[i])!r} at x = {x[i].tolist()!r}"
                             f"{hint}")
        if self.log:
            return vals
        with np.errstate(divide="ignore"):
            return np.log(vals)

    def box(self, eps):
        return None

    def spread(self):
        return None  # a black box: its unit of length is the user's `bounds`

    def breaks(self):
        return [np.empty(0) for _ in range(self.dim)]

    def ends(self):
        return []  # a black box: the ends of `bounds` are its candidate singular points

    def gaussians(self):
        return None

    def sample(self, n, rng):
        return None


def _describe(obj) -> str:
    """A complete, short description of a rejected input (its type, and its shape if any)."""
    shape = getattr(obj, "shape", None)
    return f"{type(obj).__name__}" + (f" of shape {shape}" if shape is not None else f" {obj!r}")


def _frozen(obj, name: str):
    from scipy.stats import rv_continuous

    dist = getattr(obj, "dist", None)
    if isinstance(dist, rv_continuous) and callable(getattr(obj, "logpdf", None)):
        try:  # (shapes, loc, scale) as SciPy parses them; a NaN or nonpositive scale is refused here
            shapes, loc, scale = dist._parse_args(*obj.args, **obj.kwds)
            ok = (bool(np.all(np.isfinite([loc, scale]))) and float(scale) > 0
                  and bool(np.all(dist._argcheck(*shapes))))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"`{name}` has invalid parameters for scipy.stats.{dist.name}: args {obj.args!r}, "
                             f"kwds {obj.kwds!r} (loc must be finite, scale finite and > 0, shapes in range)")
        return _Univariate(obj, shapes, loc, scale)
    if type(obj).__name__ == "multivariate_normal_frozen":
        return _Normal(obj.mean, obj.cov)
    raise ValueError(f"`{name}` must be a frozen continuous scipy.stats distribution (univariate or "
                     f"multivariate_normal); got {_describe(obj)}")


def common_units(qa, pa):
    """``(qa, pa)``, or both rescaled by one power of two ``2**-k`` (exact) when their larger
    spread lies outside :data:`PLAIN_SPREAD`: a normal of scale 1e-200 has a variance that
    underflows to 0 (and 1e200 one that overflows), which the Gaussian analyses and the
    quadrature's cells cannot use. Callables (no spread) are left as they are."""
    sq, sp = qa.spread(), pa.spread()
    if sq is None or sp is None:
        return qa, pa
    big = max(sq, sp)
    if PLAIN_SPREAD[0] <= big <= PLAIN_SPREAD[1]:
        return qa, pa
    k = math.frexp(big)[1]
    return qa.rescaled(k), pa.rescaled(k)


def as_density(obj, name: str, dim: int | None):
    """The adapter for ``obj`` (``dim`` from ``bounds``, needed for callables)."""
    from scipy.stats import rv_continuous, rv_discrete

    if isinstance(obj, DensityMixture):
        return _Mixture(obj.weights, obj._adapted)
    if isinstance(obj, (rv_continuous, rv_discrete)):
        raise ValueError(f"`{name}` must be a frozen distribution (e.g. scipy.stats.{obj.name}(loc, scale)), "
                         f"not the distribution family scipy.stats.{obj.name} itself")
    if hasattr(obj, "dist") or type(obj).__name__ == "multivariate_normal_frozen":
        return _frozen(obj, name)
    if isinstance(obj, numbers.Number) or isinstance(obj, (str, bytes, np.ndarray, list, tuple)):
        raise ValueError(f"`{name}` must be a frozen scipy.stats distribution, a DensityMixture or a callable "
                         f"density; got {_describe(obj)}")
    log = isinstance(obj, LogDensity)
    if log or callable(obj):
        if dim is None:
            raise ValueError(f"`{name}` is a callable density: pass `bounds` (the box outside which both "
                             "densities are zero), e.g. bounds=(-10, 10) in 1-D or [(-10, 10), (-5, 5)] in 2-D")
        return _Callable(obj.fn if log else obj, dim, name, log)
    raise ValueError(f"`{name}` must be a frozen scipy.stats distribution, a DensityMixture or a callable "
                     f"density; got {_describe(obj)}")
