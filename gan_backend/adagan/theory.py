"""Theory in practice: how close each AdaGAN step came to R*_β, and whether S18's bound held.

For an AdaGAN step ``P_t = (1 − β_t) P_{t−1} + β_t Q_t`` on 2-D toy data whose density ``p_d``
is known in closed form, everything is put on one grid (docs/theory.md §2, statements S12, S16, S18):

* ``P_d``: exact cell masses of the data mixture (:func:`fdiv.gaussian_mixture`), normalised;
* ``P_{t−1}`` and ``Q_t``: Gaussian KDEs of samples of the previous mixture and of the new
  component (bandwidth by held-out likelihood, as for the coverage metric), integrated
  *exactly* over each cell (a KDE is a Gaussian mixture with one component per sample, so
  :func:`fdiv.gaussian_mixture` gives its cell masses), then normalised on the grid;
* ``R*_β = fdiv.r_star(P_d, P_{t−1}, β)`` (S12) and, for each Hilbertian f (default js, tv):

      γ_t := D_f(Q_t ‖ R*) / D_f(P_{t−1} ‖ P_d),
      bound := c(γ_t, β_t) · D_f(P_{t−1} ‖ P_d),   c(γ, β) = (√(γβ) + √(1−β))²   (S18),
      holds := D_f(P_t ‖ P_d) ≤ bound.

Read the numbers honestly:

* **γ_t is an estimate.** The densities of ``P_{t−1}`` and ``Q_t`` are KDEs of finitely many
  samples, discretised on a finite grid; γ_t, D_f(P_{t−1}‖P_d) and D_f(P_t‖P_d) are those of
  the estimated, discretised distributions, not of the GANs themselves. KDE smoothing biases
  divergences (it fills gaps between modes and widens narrow ones), the grid truncates (the
  mass a KDE puts outside the grid is reported as ``outside_*`` and dropped before
  normalising), and the bandwidth choice moves every value.
* **``holds`` is a consistency check, not an experiment.** With γ_t *defined* as the ratio
  above, S18 is a theorem about the very discrete distributions compared (S11 + S16), so it
  must hold up to round-off; a False flags a bug here or in :mod:`fdiv`. The informative
  numbers are γ_t against ``gamma_threshold(β_t) = (1 − √(1 − β_t))²/β_t`` (γ_t below it:
  the bound guarantees the step improves on ``P_{t−1}``), the achieved contraction
  ``D_f(P_t‖P_d)/D_f(P_{t−1}‖P_d)`` against ``c(γ_t, β_t)``, and ``d_oracle`` =
  ``D_f((1−β)P_{t−1} + βR*‖P_d)``, the best any component could have done (S12, S15).

This module depends only on samples and β per step (:class:`StepSamples`); for AdaGAN step
records (objects with ``.t``, ``.previous``, ``.component``, ``.beta``) use
:func:`samples_from_steps`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

import fdiv
from gan_backend.engine._validate import as_points, as_rng
from gan_backend.metrics.coverage import bandwidth_grid, median_pairwise_distance, select_bandwidth

__all__ = [
    "StepSamples",
    "BoundCheck",
    "TheoryStep",
    "data_density",
    "kde_on_grid",
    "GridDensity",
    "evaluate_step",
    "theory_steps",
    "samples_from_steps",
    "BOUND_RTOL",
    "DEFAULT_FS",
]

#: Divergences checked by default (Hilbertian: S18 applies).
DEFAULT_FS = ("js", "tv")
#: One-sided tolerance of ``holds``: ``d_new <= bound * (1 + BOUND_RTOL) + BOUND_ATOL``
#: (round-off of sums over ~10^4 cells and of λ*; the inequality itself is exact).
BOUND_RTOL = 1e-9
BOUND_ATOL = 1e-12
#: KDE components per call of fdiv.gaussian_mixture, times grid cells (memory cap ~32 MB).
_CHUNK_CELLS = 2**22


@dataclass(frozen=True)
class StepSamples:
    """Samples describing one AdaGAN step ``P_t = (1 − β) P_{t−1} + β Q_t``.

    Attributes
    ----------
    mixture : ndarray, shape (n, 2)
        Samples of the previous mixture ``P_{t−1}``.
    component : ndarray, shape (m, 2)
        Samples of the new component ``Q_t``.
    beta : float
        ``β_t`` in (0, 1).
    t : int or None
        Step number, for the record (``None``: position in the list + 2).
    """

    mixture: np.ndarray
    component: np.ndarray
    beta: float
    t: int | None = None


@dataclass(frozen=True)
class GridDensity:
    """A KDE integrated over the cells of a grid.

    ``p`` is normalised on the grid (``fdiv.Discrete``); ``outside`` is the KDE mass beyond the
    grid that was dropped before normalising; ``bandwidth`` the KDE bandwidth.
    """

    p: fdiv.Discrete
    bandwidth: float
    outside: float


@dataclass(frozen=True)
class BoundCheck:
    """S18 at one step for one f (all divergences of the discretised estimates).

    Attributes
    ----------
    f : str
    d_prev : float
        ``D_f(P_{t−1} ‖ P_d)``.
    d_component : float
        ``D_f(Q_t ‖ R*_β)``.
    gamma : float
        ``d_component / d_prev`` (0 when both are 0, inf when only ``d_prev`` is).
    c : float
        ``(√(γβ) + √(1−β))²`` (``fdiv.bounds.c_hilbertian``).
    bound : float
        S18's right-hand side ``c · d_prev`` as :func:`fdiv.bounds.s18_star` computes it
        (``(√(β D_f(Q‖R*)) + √((1−β) d_prev))²``: no 0/0 when ``d_prev = 0``).
    d_new : float
        ``D_f(P_t ‖ P_d)`` (S18's left-hand side).
    holds : bool
        ``d_new <= bound`` up to ``BOUND_RTOL``/``BOUND_ATOL``.
    d_oracle : float
        ``D_f((1−β)P_{t−1} + βR* ‖ P_d)``: the best step possible (S12).
    gamma_threshold : float
        ``(1−√(1−β))²/β``: γ below it makes ``c < 1``.
    """

    f: str
    d_prev: float
    d_component: float
    gamma: float
    c: float
    bound: float
    d_new: float
    holds: bool
    d_oracle: float
    gamma_threshold: float

    @property
    def contraction(self) -> float:
        """Achieved ``d_new / d_prev`` (compare with ``c``); NaN-free: inf/0 cases give inf/0."""
        if self.d_prev == 0.0:
            return 0.0 if self.d_new == 0.0 else math.inf
        return self.d_new / self.d_prev


@dataclass(frozen=True)
class TheoryStep:
    """Theory-in-practice record of one AdaGAN step.

    Attributes
    ----------
    t : int
    beta : float
    lam : float
        λ* of ``R*_β`` (S12).
    r_active : int
        Cells in the support of ``R*_β``.
    checks : tuple of BoundCheck
        One per f.
    bandwidth_mixture, bandwidth_component : float
        KDE bandwidths (NaN when densities were given directly).
    outside_mixture, outside_component : float
        KDE mass beyond the grid, dropped before normalising (0 when given directly).
    """

    t: int
    beta: float
    lam: float
    r_active: int
    checks: tuple
    bandwidth_mixture: float = math.nan
    bandwidth_component: float = math.nan
    outside_mixture: float = 0.0
    outside_component: float = 0.0

    def check(self, f: str) -> BoundCheck:
        """The :class:`BoundCheck` of divergence ``f`` (a name)."""
        for c in self.checks:
            if c.f == f:
                return c
        raise ValueError(f"`f` must be one of {[c.f for c in self.checks]}; got {f!r}")

    @property
    def holds(self) -> bool:
        """S18 held for every f checked."""
        return all(c.holds for c in self.checks)


def data_density(means, std, grid: fdiv.Grid | None = None, *, weights=None, cells: int = 128,
                 pad: float = 2.0) -> fdiv.Discrete:
    """Exact cell masses of the toy data mixture (equal weights by default), normalised.

    Without ``grid``: a square ``cells x cells`` grid over the means' bounding box widened by
    ``5 * max(std) + pad`` on every side (the mixture's mass outside it is < 1e-6).
    """
    mu = as_points("means", means)
    if mu.shape[1] != 2:
        raise ValueError(f"`means` must have shape (K, 2); got {mu.shape}")
    k = mu.shape[0]
    sd = np.asarray(std, dtype=np.float64)
    if not (sd.ndim == 0 or sd.shape == (k,)) or not np.all(np.isfinite(sd) & (sd > 0)):
        raise ValueError(f"`std` must be a positive number or one per mode ({k}); got {std!r:.80}")
    sd = np.broadcast_to(sd, (k,))
    if grid is None:
        w = 5.0 * float(sd.max()) + float(pad)
        lo, hi = mu.min(axis=0) - w, mu.max(axis=0) + w
        side = float((hi - lo).max())
        centre = 0.5 * (lo + hi)
        grid = fdiv.Grid.regular_2d(tuple(centre - side / 2), tuple(centre + side / 2), cells)
    wts = np.full(k, 1.0 / k) if weights is None else weights
    return fdiv.gaussian_mixture(grid, mu, sd, wts).normalized()


def kde_on_grid(samples, grid: fdiv.Grid, *, rng=None, bandwidth=None) -> GridDensity:
    """Gaussian KDE of ``samples`` integrated exactly over the cells of ``grid``, normalised.

    Bandwidth (unless given): held-out likelihood over the coverage grid
    (:func:`gan_backend.metrics.coverage.select_bandwidth` on a random half split with ``rng``);
    the KDE then uses *all* samples with that bandwidth.
    """
    x = as_points("samples", samples)
    if not isinstance(grid, fdiv.Grid) or grid.ndim != x.shape[1]:
        raise ValueError(f"`grid` must be a fdiv.Grid of dimension {x.shape[1]}; got {grid!r:.80}")
    if x.shape[0] < 4:
        raise ValueError(f"`samples` must hold at least 4 points; got {x.shape[0]}")
    gen = as_rng(rng)
    if bandwidth is None:
        grid_h = bandwidth_grid(median_pairwise_distance(x, rng=gen))
        perm = gen.permutation(x.shape[0])
        half = (x.shape[0] + 1) // 2
        h = select_bandwidth(x[perm[:half]], x[perm[half:]], grid_h).bandwidth
    else:
        ok = isinstance(bandwidth, numbers.Real) and not isinstance(bandwidth, (bool, np.bool_))
        h = float(bandwidth) if ok else math.nan
        if not (math.isfinite(h) and h > 0):
            raise ValueError(f"`bandwidth` must be positive and finite; got {bandwidth!r}")
    n = x.shape[0]
    step = max(1, _CHUNK_CELLS // grid.size)
    mass = np.zeros(grid.size)
    outside = 0.0
    for s in range(0, n, step):
        part = fdiv.gaussian_mixture(grid, x[s:s + step], h, np.full(min(step, n - s), 1.0 / n))
        mass += part.mass
        outside += part.outside
    return GridDensity(fdiv.Discrete(mass, grid=grid, outside=outside).normalized(), h, outside)


def _mass(p) -> np.ndarray:
    return np.asarray(p.mass if isinstance(p, fdiv.Discrete) else p, dtype=np.float64)


def _hilbertian_names(fs) -> tuple[str, ...]:
    if isinstance(fs, str) or not len(fs):
        raise ValueError(f"`fs` must be a non-empty sequence of divergence names; got {fs!r}")
    out = []
    for f in fs:
        obj = fdiv.get(f)
        if not obj.hilbertian:
            raise ValueError(f"`fs` must name Hilbertian f-divergences (S18 needs them); got {f!r}")
        out.append(obj.name)
    return tuple(out)


def evaluate_step(p_data, p_prev, q, beta, *, fs=DEFAULT_FS, t: int = 2) -> TheoryStep:
    """S18 at one step, from probability vectors on a common support.

    Parameters
    ----------
    p_data, p_prev, q : fdiv.Discrete or array_like
        ``P_d``, ``P_{t−1}``, ``Q_t`` as probability vectors (sum 1) on the same cells.
    beta : float
        ``β_t`` in (0, 1).
    fs : sequence of str
        Hilbertian divergences to check (default js, tv).

    Examples
    --------
    The optimal component itself (γ = 0): the bound is ``(1 − β) D_f(P_{t−1}‖P_d)`` (S16).

    >>> import fdiv
    >>> pd, pg = [0.25, 0.25, 0.5], [0.7, 0.3, 0.0]
    >>> step = evaluate_step(pd, pg, fdiv.r_star(pd, pg, 0.4).r, 0.4)
    >>> step.holds, step.check("js").gamma
    (True, 0.0)
    """
    b = float(beta)
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real) or not (0.0 < b < 1.0):
        raise ValueError(f"`beta` must be a number in (0, 1) (S18 compares with P_(t-1)); got {beta!r}")
    names = _hilbertian_names(fs)
    pd, pg, qq = _mass(p_data), _mass(p_prev), _mass(q)
    star = fdiv.r_star(pd, pg, b)  # validates p_data, p_prev (probability vectors, same shape)
    if qq.shape != pd.shape:
        raise ValueError(f"`q` must have the shape of `p_data` {pd.shape}; got {qq.shape}")
    oracle = (1.0 - b) * pg + b * star.r
    g_thr = float(fdiv.bounds.gamma_threshold(b))
    checks = []
    for f in names:
        s18 = fdiv.bounds.s18_star(f, pd, pg, b, qq)  # lhs = D_f(P_t||P_d), rhs = the bound
        bound = float(s18.rhs)
        checks.append(BoundCheck(
            f=f, d_prev=float(s18.d_model), d_component=float(fdiv.divergence(f, qq, star.r)),
            gamma=float(s18.gamma), c=float(s18.c), bound=bound, d_new=float(s18.lhs),
            holds=bool(s18.lhs <= bound * (1.0 + BOUND_RTOL) + BOUND_ATOL),
            d_oracle=float(fdiv.divergence(f, oracle, pd)), gamma_threshold=g_thr,
        ))
    return TheoryStep(t=int(t), beta=b, lam=float(star.lam), r_active=int(star.active), checks=tuple(checks))


def theory_steps(steps, p_data: fdiv.Discrete, *, fs=DEFAULT_FS, rng=None) -> tuple[TheoryStep, ...]:
    """Evaluate S18 at every AdaGAN step from samples (see the module docstring).

    Parameters
    ----------
    steps : sequence of StepSamples or (mixture, component, beta[, t]) tuples
        One entry per step t >= 2 (the first GAN, β_1 = 1, has no previous mixture).
    p_data : fdiv.Discrete
        The data distribution on a 2-D grid (e.g. :func:`data_density`); normalised here.
    fs : sequence of str
        Hilbertian divergences (default js, tv).
    rng : numpy.random.Generator, int or None
        Drives the KDE bandwidth selection.

    Returns
    -------
    tuple of TheoryStep
    """
    if not isinstance(p_data, fdiv.Discrete) or p_data.grid is None:
        raise ValueError(f"`p_data` must be a fdiv.Discrete on a grid; got {p_data!r:.80}")
    grid = p_data.grid
    pd = p_data.normalized()
    gen = as_rng(rng)
    out = []
    for i, s in enumerate(steps):
        if not isinstance(s, StepSamples):
            try:
                s = StepSamples(*s)
            except TypeError as exc:
                raise ValueError(
                    f"`steps[{i}]` must be a StepSamples or a (mixture, component, beta[, t]) tuple; "
                    f"got {s!r:.80}") from exc
        mix = kde_on_grid(s.mixture, grid, rng=gen)
        comp = kde_on_grid(s.component, grid, rng=gen)
        t = i + 2 if s.t is None else int(s.t)
        rec = evaluate_step(pd, mix.p, comp.p, s.beta, fs=fs, t=t)
        out.append(TheoryStep(
            t=rec.t, beta=rec.beta, lam=rec.lam, r_active=rec.r_active, checks=rec.checks,
            bandwidth_mixture=mix.bandwidth, bandwidth_component=comp.bandwidth,
            outside_mixture=mix.outside, outside_component=comp.outside,
        ))
    return tuple(out)


def samples_from_steps(records, n: int, *, rng=None) -> list[StepSamples]:
    """:class:`StepSamples` from AdaGAN step records (duck-typed: ``.t``, ``.previous``,
    ``.component``, ``.beta``; both ``previous`` and ``component`` have ``.sample(n, rng)``).

    Records without a previous mixture (t = 1) are skipped.
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 4:
        raise ValueError(f"`n` must be an integer >= 4; got {n!r}")
    gen = as_rng(rng)
    out = []
    for r in records:
        if getattr(r, "previous", None) is None:
            continue
        out.append(StepSamples(
            mixture=np.asarray(r.previous.sample(int(n), gen)),
            component=np.asarray(r.component.sample(int(n), gen)),
            beta=float(r.beta), t=int(r.t),
        ))
    return out
