"""Figures of the table (:mod:`gan_backend.experiments.plots`, :mod:`gan_backend.experiments.figures`)
and the ``--theory`` report.

- ``coverage_vs_T.png`` (presets with T > 1): C against T per method, one panel per K (median
  dots, 5-95% bars);
- ``figure2.png`` (runs with 5 modes) and ``figure4.png`` (presets with GAN variants): the
  slides' Figures 2 and 4;
- ``variants.png`` (presets with two or more GAN variants): C after each method's last step
  per variant and K;
- ``samples_K<k>.png``: data and run 0's final samples of every method;
- ``weight_map_K<k>.png``: the data weights after step 1 (run 0) of the first of the
  preset's methods that solved data weights (Boosted in the seed table's order);
- ``theory.md``, ``theory.csv``, ``theory_K<k>.png``: S18 per AdaGAN step (theory runs).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from gan_backend.adagan.theory import BoundCheck, TheoryStep
from gan_backend.experiments.driver import RESULTS_FILE
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.report import coverage_curves, table_runs
from gan_backend.experiments.runs import decode_array, theory_key
from gan_backend.experiments.store import ResultStore

__all__ = ["write_figures", "write_theory", "theory_records"]



def write_figures(out, preset: Preset, coverage: str = "heldout") -> list[Path]:
    """Write the figures for the stored runs of ``preset``; returns the paths written."""
    from gan_backend.experiments import figures, plots  # lazy: both import matplotlib (~0.4 s at CLI start-up)

    out = Path(out)
    paths = []
    with ResultStore(out / RESULTS_FILE) as store:
        runs = table_runs(store.runs(), preset).runs  # the runs the table shows
        if not runs:
            return paths
        plain = [r for r in runs if r.variant == preset.variant_names[0]]
        if preset.T > 1:  # with one component there is no curve to draw
            paths.append(plots.plot_coverage_vs_T(
                coverage_curves(plain, coverage), out / "coverage_vs_T.png",
                title=f"coverage vs T, preset {preset.name} (median, 5%-95%, {coverage} estimator)"))
        for fig in (figures.figure2(runs, out / "figure2.png", coverage=coverage),
                    figures.figure4(runs, out / "figure4.png", coverage=coverage),
                    figures.variants(runs, out / "variants.png", coverage=coverage)):
            if fig is not None:
                paths.append(fig)
        for k in preset.modes:
            first = {r.method: r for r in plain if r.modes == k and r.run == 0}
            samples, data, means = {}, None, None
            for m in preset.methods:
                r = first.get(m)
                if r is None or store.artifact(r.key, "samples") is None:
                    continue
                samples[m] = decode_array(store.artifact(r.key, "samples"))
                data = decode_array(store.artifact(r.key, "data"))
                means = decode_array(store.artifact(r.key, "means"))
            if samples:
                paths.append(plots.plot_samples(
                    data, samples, out / f"samples_K{k}.png", means=means,
                    title=f"K = {k}, run 0: data (grey) and samples after T = {preset.T}"))
            # the weights of a method that solved lambda (R*/R-dagger) first, else any weight map
            cand = [first[m] for m in preset.methods if m in first and "weight_map" in store.artifact_names(first[m].key)]
            cand.sort(key=lambda r: not any(v is not None for v in r.metrics.get("lam", [])))
            r = cand[0] if cand else None
            blob = None if r is None else store.artifact(r.key, "weight_map")
            if blob is not None:
                wm = decode_array(blob)
                paths.append(plots.plot_weight_map(
                    wm[:, :2], wm[:, 2], out / f"weight_map_K{k}.png",
                    means=decode_array(store.artifact(r.key, "means")),
                    title=f"{r.method}, K = {k}: data weights after step 1 (x N)"))
    return paths


def theory_records(out, preset: Preset) -> list[dict]:
    keys = {theory_key(preset, k) for k in preset.theory_modes}
    with ResultStore(Path(out) / RESULTS_FILE) as store:
        return [r for r in store.theory(prefix=f"{preset.name}/theory/") if r["key"] in keys]


def _steps(rec: dict):
    out = []
    for d in rec["steps"]:
        d = dict(d)
        d["checks"] = tuple(BoundCheck(**c) for c in d["checks"])
        out.append(TheoryStep(**d))
    return out


def _g(x) -> str:
    return "inf" if x == math.inf else ("nan" if isinstance(x, float) and math.isnan(x) else f"{x:.4g}")


def write_theory(out, preset: Preset) -> list[Path]:
    """``theory.md`` / ``theory.csv`` / ``theory_K<k>.png`` from the stored theory runs."""
    from gan_backend.experiments import plots  # lazy: plots imports matplotlib (~0.4 s at CLI start-up)

    out = Path(out)
    recs = theory_records(out, preset)
    if not recs:
        return []
    paths = []
    lines = [
        f"# Theory in practice, preset `{preset.name}`", "",
        "One Boosted AdaGAN run (beta_t = 1/t, R* weights) per K with the preset's settings. "
        "Per step t >= 2 and Hilbertian f (docs/theory.md S18): P_{t-1}, Q_t are KDEs of "
        f"{preset.theory_samples} samples integrated over a grid, P_d the exact cell masses "
        "of the data mixture, R* = fdiv.r_star(P_d, P_{t-1}, beta_t) (S12); "
        "gamma_t = D_f(Q_t||R*) / D_f(P_{t-1}||P_d); bound = c(gamma_t, beta_t) D_f(P_{t-1}||P_d) "
        "with c = (sqrt(gamma beta) + sqrt(1 - beta))^2; holds = D_f(P_t||P_d) <= bound. "
        "With gamma_t measured this way S18 is a theorem about the discretised estimates "
        "(a consistency check: it must hold); the informative columns are gamma_t against "
        "gamma_thr = (1 - sqrt(1 - beta))^2 / beta (below it the bound guarantees progress), "
        "the achieved ratio D_t/D_{t-1} against c, and the oracle D_f((1-beta)P_{t-1} + beta R*||P_d).",
        "",
    ]
    rows = []
    for rec in recs:
        steps = _steps(rec)
        k = rec["modes"]
        if steps:
            paths.append(plots.plot_theory(steps, out / f"theory_K{k}.png",
                                           title=f"S18 per AdaGAN step, K = {k}, preset {preset.name}"))
        n_hold = sum(s.holds for s in steps)
        lines += [f"## K = {k} ({len(steps)} steps; S18 held at {n_hold}/{len(steps)})", "",
                  "| t | beta | f | D_{t-1} | D_t | bound | c | gamma_t | gamma_thr | D_t/D_{t-1} | oracle | holds |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in steps:
            for c in s.checks:
                lines.append(
                    f"| {s.t} | {s.beta:.3g} | {c.f} | {_g(c.d_prev)} | {_g(c.d_new)} | {_g(c.bound)} | "
                    f"{_g(c.c)} | {_g(c.gamma)} | {_g(c.gamma_threshold)} | {_g(c.contraction)} | "
                    f"{_g(c.d_oracle)} | {'yes' if c.holds else '**NO**'} |")
                rows.append([k, s.t, s.beta, c.f, c.d_prev, c.d_new, c.bound, c.c, c.gamma,
                             c.gamma_threshold, c.contraction, c.d_oracle, c.holds])
        below = [(s.t, c.f) for s in steps for c in s.checks if c.gamma < c.gamma_threshold]
        lines += ["", f"gamma_t below the threshold (the step provably helped) at "
                      f"{len(below)}/{sum(len(s.checks) for s in steps)} (step, f) pairs.", ""]
    (out / "theory.md").write_text("\n".join(lines) + "\n")
    with open(out / "theory.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["modes", "t", "beta", "f", "d_prev", "d_new", "bound", "c", "gamma",
                    "gamma_threshold", "contraction", "d_oracle", "holds"])
        w.writerows(rows)
    return [out / "theory.md", out / "theory.csv", *paths]
