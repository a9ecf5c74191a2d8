"""Figures of the coverage experiment and of the theory-in-practice report (PNG, Agg).

* :func:`plot_coverage_vs_T` -- coverage C against the number of components T, one panel per
  mode count, one series per method: median dots with 5%-95% bars (as on the slides).
* :func:`plot_samples` -- data vs samples, one panel per method.
* :func:`plot_weight_map` -- data points coloured by their AdaGAN weight after step 1 (large
  weights should sit on the modes the first GAN missed).
* :func:`plot_theory` -- per step and f: measured ``D_f(P_t‖P_d)`` against S18's bound
  ``c(γ_t, β_t)·D_f(P_{t−1}‖P_d)``, plus γ_t against the threshold below which c < 1.

Figures are drawn on :class:`matplotlib.figure.Figure` with the Agg canvas: no pyplot, no
global backend switch, safe in worker processes. Each function writes ``path`` and returns
it as a :class:`pathlib.Path`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_coverage_vs_T", "plot_samples", "plot_weight_map", "plot_theory"]

_DPI = 120


def _save(fig: Figure, path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=_DPI, bbox_inches="tight")
    return p


def _points(name, a) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"`{name}` must have shape (n, 2); got {arr.shape}")
    return arr


def _thin(x: np.ndarray, max_points: int) -> np.ndarray:
    if x.shape[0] <= max_points:
        return x
    return x[np.linspace(0, x.shape[0] - 1, max_points).astype(np.int64)]


def plot_coverage_vs_T(curves, path, *, title: str | None = None) -> Path:
    """Coverage vs T: median (dot) and 5%-95% range (bar) of C per method and T.

    Parameters
    ----------
    curves : mapping
        ``(method, modes) -> {T: [C of each run]}`` (the format of
        ``gan_backend.experiments.report.coverage_curves``); keys may also be plain method
        names (one panel).
    path : str or Path
        Output PNG.
    """
    if not curves:
        raise ValueError("`curves` must hold at least one (method, modes) series; got none")
    panels: dict = {}
    for key, by_t in curves.items():
        method, modes = key if isinstance(key, tuple) else (key, None)
        if not by_t:
            raise ValueError(f"`curves[{key!r}]` must map T to coverage values; got {by_t!r}")
        panels.setdefault(modes, {})[method] = by_t
    methods = sorted({m for p in panels.values() for m in p})
    colours = {m: f"C{i % 10}" for i, m in enumerate(methods)}
    order = sorted(panels, key=lambda k: (k is None, k))
    fig = Figure(figsize=(4.2 * len(order), 3.6), layout="constrained")
    axes = fig.subplots(1, len(order), squeeze=False)[0]
    width = 0.6 / max(1, len(methods))
    for ax, modes in zip(axes, order):
        for j, method in enumerate(methods):
            by_t = panels[modes].get(method)
            if by_t is None:
                continue
            ts = sorted(by_t)
            vals = [np.asarray(by_t[t], dtype=np.float64) for t in ts]
            med = np.array([np.median(v) for v in vals])
            lo = np.array([np.percentile(v, 5) for v in vals])
            hi = np.array([np.percentile(v, 95) for v in vals])
            x = np.asarray(ts, dtype=np.float64) + (j - (len(methods) - 1) / 2) * width
            ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="o", ms=4, capsize=2,
                        color=colours[method], label=method)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("T (components)")
        ax.set_ylabel("coverage C")
        ax.set_ylim(-0.02, 1.05)
        ax.grid(alpha=0.3)
        if modes is not None:
            ax.set_title(f"{modes} modes")
    axes[-1].legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_samples(data, samples, path, *, means=None, max_points: int = 3000,
                 title: str | None = None) -> Path:
    """Scatter of data (grey) and each method's samples, one panel per method.

    ``samples`` maps a method name to an (n, 2) array; ``means`` (K, 2), if given, are marked.
    """
    x = _thin(_points("data", data), max_points)
    if not samples:
        raise ValueError("`samples` must map at least one method to its samples; got none")
    sets = {k: _thin(_points(f"samples[{k!r}]", v), max_points) for k, v in samples.items()}
    mu = None if means is None else _points("means", means)
    ncol = min(4, len(sets))
    nrow = -(-len(sets) // ncol)
    fig = Figure(figsize=(3.4 * ncol, 3.4 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    allpts = np.concatenate([x] + list(sets.values()))
    lo, hi = np.percentile(allpts, 0.5, axis=0), np.percentile(allpts, 99.5, axis=0)
    pad = 0.05 * (hi - lo).max()
    for ax, (name, s) in zip(axes, sets.items()):
        ax.scatter(x[:, 0], x[:, 1], s=2, c="0.7", lw=0, label="data")
        ax.scatter(s[:, 0], s[:, 1], s=2, c="C3", lw=0, alpha=0.6, label="samples")
        if mu is not None:
            ax.scatter(mu[:, 0], mu[:, 1], marker="x", s=20, c="k", lw=1, label="modes")
        ax.set_title(str(name), fontsize=9)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.tick_params(labelsize=7)
    for ax in axes[len(sets):]:
        ax.set_axis_off()
    axes[0].legend(fontsize=6, loc="upper left", markerscale=3)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_weight_map(points, weights, path, *, means=None, title: str | None = None) -> Path:
    """Data points coloured by their AdaGAN weight relative to uniform (``w_i * N``).

    ``weights`` are the step's data weights (summing to 1, or already ``w * N``; the
    colour scale is ``weights / mean(weights)`` either way); zero weights are drawn grey.
    """
    x = _points("points", points)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (x.shape[0],):
        raise ValueError(f"`weights` must have shape ({x.shape[0]},); got {w.shape}")
    if not np.all(np.isfinite(w) & (w >= 0)) or w.sum() <= 0:
        raise ValueError("`weights` must be finite, nonnegative and not all zero")
    rel = w / w.mean()
    mu = None if means is None else _points("means", means)
    fig = Figure(figsize=(5.2, 4.4), layout="constrained")
    ax = fig.subplots()
    zero = rel == 0
    ax.scatter(x[zero, 0], x[zero, 1], s=3, c="0.8", lw=0, label="weight 0")
    order = np.argsort(rel[~zero])
    pos = x[~zero][order]
    sc = ax.scatter(pos[:, 0], pos[:, 1], s=4, c=rel[~zero][order], cmap="viridis", lw=0)
    fig.colorbar(sc, ax=ax, label="weight × N (1 = uniform)")
    if mu is not None:
        ax.scatter(mu[:, 0], mu[:, 1], marker="x", s=25, c="r", lw=1, label="modes")
    ax.set_aspect("equal", adjustable="box")
    ax.legend(fontsize=7, loc="upper left", markerscale=2)
    ax.set_title(title or "AdaGAN data weights after step 1", fontsize=10)
    return _save(fig, path)


def plot_theory(steps, path, *, title: str | None = None) -> Path:
    """S18 in practice: one column per f; top: divergences per step, bottom: γ_t.

    ``steps`` is a sequence of :class:`gan_backend.adagan.theory.TheoryStep` (all with the same f's).
    Top row: ``D_f(P_{t−1}‖P_d)`` (open circles), measured ``D_f(P_t‖P_d)`` (dots), S18's bound
    ``c(γ_t, β_t)·D_f(P_{t−1}‖P_d)`` (triangles) and the oracle step with R* (crosses).
    Bottom row: γ_t and ``gamma_threshold(β_t)`` (γ below it: the bound contracts).
    """
    steps = list(steps)
    if not steps:
        raise ValueError("`steps` must hold at least one TheoryStep; got none")
    fs = [c.f for c in steps[0].checks]
    fig = Figure(figsize=(4.4 * len(fs), 6.0), layout="constrained")
    axes = fig.subplots(2, len(fs), squeeze=False)
    t = np.array([s.t for s in steps])
    for j, f in enumerate(fs):
        cs = [s.check(f) for s in steps]
        top, bot = axes[0, j], axes[1, j]
        top.plot(t, [c.d_prev for c in cs], "o", mfc="none", color="0.4", label=r"$D_f(P_{t-1}\|P_d)$")
        top.plot(t, [c.d_new for c in cs], "o", color="C0", label=r"$D_f(P_t\|P_d)$ measured")
        bound = np.array([c.bound for c in cs])
        top.plot(t, np.where(np.isfinite(bound), bound, np.nan), "^", color="C3",
                 label=r"bound $c(\gamma_t,\beta_t)\,D_f(P_{t-1}\|P_d)$")
        top.plot(t, [c.d_oracle for c in cs], "x", color="C2", label=r"oracle: $R^*_\beta$ step")
        for tt, c in zip(t, cs):
            if not c.holds:
                top.annotate("violated", (tt, c.d_new), fontsize=7, color="red")
        for ax in (top, bot):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        top.set_title(f"{f}: S18 per AdaGAN step", fontsize=10)
        top.set_xlabel("step t")
        top.set_ylabel(f"D_{f}")
        top.grid(alpha=0.3)
        top.legend(fontsize=6)
        gam = np.array([c.gamma for c in cs])
        bot.plot(t, np.where(np.isfinite(gam), gam, np.nan), "o-", color="C0", label=r"$\gamma_t$ (KDE estimate)")
        bot.plot(t, [c.gamma_threshold for c in cs], "--", color="C3", label=r"$(1-\sqrt{1-\beta_t})^2/\beta_t$")
        bot.set_xlabel("step t")
        bot.set_ylabel(r"$\gamma_t = D_f(Q_t\|R^*)/D_f(P_{t-1}\|P_d)$")
        bot.grid(alpha=0.3)
        bot.legend(fontsize=6)
    if title:
        fig.suptitle(title)
    return _save(fig, path)
