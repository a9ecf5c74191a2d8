"""The slides' coverage-vs-T figures from stored runs.

- Figure 2 (:func:`figure2`): C against T = 1..T for 5 modes, one panel each for Best of
  T, Ensemble and Boosted (median as a dot, 5%-95% interval as a bar), from a table's runs.
- Figure 4 (:func:`figure4`): the same for 10 modes and Boosted AdaGAN, one panel per GAN
  variant (the ``figure4`` preset: minimax and non-saturating, each plain and unrolled).
- Variants (:func:`variants`): C after the last step of each method (e.g. Vanilla = one
  GAN, Boosted T = 10) for every GAN variant, one panel per K (the ``objectives`` preset).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from gan_backend.experiments.report import coverage_curves
from gan_backend.experiments.seed_table import seed_cell

__all__ = ["plot_coverage_panels", "figure2", "figure4", "variants", "FIGURE2_METHODS", "FIGURE2_MODES",
           "FIGURE4_MODES", "PANELS_PER_ROW"]

FIGURE2_METHODS = ("best_of", "ensemble", "boosted")
FIGURE2_MODES = 5
FIGURE4_MODES = 10
#: Panels per row of :func:`plot_coverage_panels` (more panels wrap to further rows).
PANELS_PER_ROW = 6
_TITLES = {"best_of": "Best of T", "ensemble": "Ensemble", "boosted": "Boosted AdaGAN",
           "topklast": "TopKLast0.5", "vanilla": "Vanilla"}


def plot_coverage_panels(panels: dict, path, *, title: str | None = None, seed: dict | None = None) -> Path:
    """One panel per entry of ``panels`` (name -> {T: [C of each run]}): the median of C
    as a dot and its 5%-95% interval (``numpy.percentile``, linear) as a bar, against T.

    ``seed`` (name -> {T: median}) adds the seed table's medians as crosses.

    >>> import tempfile, os
    >>> p = plot_coverage_panels({"a": {1: [0.5, 0.7], 2: [0.8, 0.9]}},
    ...                          os.path.join(tempfile.mkdtemp(), "f.png"))
    >>> p.stat().st_size > 1000
    True
    """
    if not panels:
        raise ValueError("`panels` must hold at least one panel; got none")
    ncol = min(len(panels), PANELS_PER_ROW)
    nrow = -(-len(panels) // ncol)
    fig = Figure(figsize=(3.6 * ncol, 3.3 * nrow), layout="constrained")
    grid = fig.subplots(nrow, ncol, squeeze=False, sharey=True)
    for ax in grid.ravel()[len(panels):]:
        ax.set_visible(False)
    axes = grid.ravel()
    for ax, (name, by_t) in zip(axes, panels.items()):
        ts = sorted(by_t)
        if not ts:
            raise ValueError(f"`panels[{name!r}]` must map T to coverage values; got none")
        vals = [np.asarray(by_t[t], dtype=np.float64) for t in ts]
        med = np.array([np.median(v) for v in vals])
        lo = np.array([np.percentile(v, 5) for v in vals])
        hi = np.array([np.percentile(v, 95) for v in vals])
        ax.errorbar(ts, med, yerr=[med - lo, hi - med], fmt="o", ms=5, capsize=3, color="C0",
                    label=f"median, 5%-95% ({len(vals[0])} runs)")
        if seed and name in seed:
            st = sorted(seed[name])
            ax.plot(st, [seed[name][t] for t in st], "x", color="C3", ms=7, label="seed median")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("T")
        ax.set_title(_TITLES.get(name, name), fontsize=10)
        ax.set_ylim(-0.02, 1.05)
        ax.grid(alpha=0.3)
    for ax in grid[:, 0]:
        ax.set_ylabel("coverage C")
    axes[0].legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=120, bbox_inches="tight")
    return p


def figure2(runs, path, *, coverage: str = "heldout", modes: int = FIGURE2_MODES) -> Path | None:
    """Figure 2 from stored runs (``StoredRun`` list); None when the runs lack the panels."""
    curves = coverage_curves([r for r in runs if r.modes == modes and not r.variant], coverage)
    panels = {m: curves[(m, modes)] for m in FIGURE2_METHODS if (m, modes) in curves}
    if not panels:
        return None
    seed = {m: {T: c[0] for T in (3, 10) if (c := seed_cell(m, T, modes))} for m in panels}
    return plot_coverage_panels(panels, path, seed=seed,
                                title=f"Figure 2: coverage vs T, {modes} modes ({coverage} estimator)")


def figure4(runs, path, *, coverage: str = "heldout", modes: int = FIGURE4_MODES,
            method: str = "boosted") -> Path | None:
    """Figure 4 from stored runs of a preset with GAN variants; None without such runs."""
    rs = [r for r in runs if r.modes == modes and r.variant and r.method == method]
    curves = coverage_curves(rs, coverage, by_variant=True)
    panels = {v: curves[(v, modes)] for v in dict.fromkeys(r.variant for r in rs)}
    if not panels:
        return None
    return plot_coverage_panels(panels, path,
                                title=f"Figure 4: {_TITLES.get(method, method)}, {modes} modes, "
                                      f"coverage vs T per GAN variant ({coverage} estimator)")


def variants(runs, path, *, coverage: str = "heldout") -> Path | None:
    """C after each method's last step (median dot, 5%-95% bar over the runs) for every GAN
    variant, one panel per K, methods side by side; None unless the runs hold two or more
    named variants.

    >>> import tempfile, os
    >>> from types import SimpleNamespace as R
    >>> runs = [R(method=m, variant=v, modes=5, metrics={"t": [1, 2], "coverage": [c, c + 0.1]})
    ...         for m in ("vanilla", "boosted") for v, c in (("a", 0.3), ("b", 0.6))]
    >>> variants(runs, os.path.join(tempfile.mkdtemp(), "v.png")).stat().st_size > 1000
    True
    """
    names = list(dict.fromkeys(r.variant for r in runs if r.variant))
    if len(names) < 2:
        return None
    methods = list(dict.fromkeys(r.method for r in runs))
    ks = sorted({r.modes for r in runs})
    curves = {m: coverage_curves([r for r in runs if r.method == m], coverage, by_variant=True) for m in methods}
    fig = Figure(figsize=(max(6.0, 0.45 * len(names) + 1.5), 2.9 * len(ks)), layout="constrained")
    axes = fig.subplots(len(ks), 1, squeeze=False)[:, 0]
    width = 0.7 / len(methods)
    x = np.arange(len(names), dtype=np.float64)
    for ax, k in zip(axes, ks):
        for j, m in enumerate(methods):
            pos, med, lo, hi, last_t = [], [], [], [], set()
            for i, v in enumerate(names):
                by_t = curves[m].get((v, k))
                if not by_t:
                    continue
                t = max(by_t)
                c = np.asarray(by_t[t], dtype=np.float64)
                last_t.add(t)
                pos.append(x[i] + (j - (len(methods) - 1) / 2) * width)
                med.append(np.median(c))
                lo.append(np.percentile(c, 5))
                hi.append(np.percentile(c, 95))
            if not pos:
                continue
            med, lo, hi = np.array(med), np.array(lo), np.array(hi)
            ts = "/".join(str(t) for t in sorted(last_t))
            ax.errorbar(pos, med, yerr=[med - lo, hi - med], fmt="o", ms=4, capsize=2, color=f"C{j}",
                        label=f"{_TITLES.get(m, m)} (T = {ts})")
        ax.set_xticks(x, names, rotation=45, ha="right", fontsize=8)
        ax.set_ylim(-0.02, 1.05)
        ax.set_ylabel("coverage C")
        ax.set_title(f"{k} modes", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"coverage per GAN variant (median, 5%-95%; {coverage} estimator)", fontsize=10)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(p, dpi=120, bbox_inches="tight")
    return p
