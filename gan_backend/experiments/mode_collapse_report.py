"""``table.md``, ``table.csv``, ``diagnosis.csv`` and the figures of the modes experiment,
from the runs stored in ``DIR/results.sqlite``.

Each cell is mean ± standard deviation over the stored runs (``ddof = 1``; 0 with one
run), with the standard error of the mean (std/√runs, the spread PacGAN's tables report)
beside it, of the final model (t = T for Ensemble and Boosted), beside PacGAN Table 1's
published means (:data:`gan_backend.metrics.modes.PUBLISHED`). The diagnosis table averages, per
AdaGAN step t, the quantities recorded by
:func:`gan_backend.experiments.mode_collapse.execute_modes_run`.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from gan_backend.experiments.driver import RESULTS_FILE
from gan_backend.experiments.mode_collapse import BENCHMARKS, ModesSetting
from gan_backend.experiments.report import table_runs
from gan_backend.experiments.runs import decode_array
from gan_backend.experiments.store import ResultStore
from gan_backend.metrics.modes import PUBLISHED

__all__ = ["write_modes_report", "summary_rows", "diagnosis_rows"]

_DIAG_FIELDS = ("missed", "d_real_acc", "d_missed", "d_covered", "w_missed", "w_missed_uniform", "active",
                "beta", "comp_modes", "comp_hq", "comp_new")


def _selected(out, setting: ModesSetting):
    """The stored runs shown (:func:`~gan_backend.experiments.report.table_runs`: every run
    of the setting's settings, also beyond ``setting.runs``) and what is left out."""
    with ResultStore(Path(out) / RESULTS_FILE) as store:
        return table_runs(store.runs(), setting)


def _ms(v):
    v = [float(u) for u in v if u is not None and math.isfinite(u)]
    if not v:
        return math.nan, math.nan
    return float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


def summary_rows(runs, setting: ModesSetting) -> list[dict]:
    """One dict per (benchmark, method): mean, std (``ddof = 1``) and standard error of the
    mean (std/√runs) of the final scores over runs."""
    rows = []
    for k in setting.modes:
        for m in setting.methods:
            rs = [r for r in runs if r.modes == k and r.method == m]
            row = {"benchmark": BENCHMARKS[k], "method": m, "label": setting.label(m), "runs": len(rs)}
            for key, scale in (("modes", 1), ("modes_any", 1), ("hq", 100), ("reverse_kl", 1)):
                vals = [r.metrics[key][-1] for r in rs]
                mean, sd = _ms([None if v is None else v * scale for v in vals])
                row[key], row[key + "_std"] = mean, sd
                row[key + "_se"] = sd / math.sqrt(len(rs)) if rs else math.nan
            row["cpu_s"] = float(np.mean([r.timings["cpu_s"] for r in rs])) if rs else math.nan
            rows.append(row)
    return rows


def diagnosis_rows(runs, setting: ModesSetting) -> list[dict]:
    """Per (benchmark, AdaGAN method, t >= 2): means over runs of the step diagnostics and
    of the mixture's modes after the step."""
    rows = []
    for k in setting.modes:
        for m in setting.methods:
            if not m.startswith("boosted"):
                continue
            rs = [r for r in runs if r.modes == k and r.method == m]
            for t in range(2, setting.T + 1):
                ds = [d for r in rs for d in r.metrics["diag"] if d["t"] == t]
                if not ds:
                    continue
                row = {"benchmark": BENCHMARKS[k], "method": m, "t": t, "runs": len(ds)}
                for f in _DIAG_FIELDS:
                    row[f] = _ms([d[f] for d in ds])[0]
                row["mixture_modes"] = _ms([r.metrics["modes"][r.metrics["t"].index(t)] for r in rs
                                            if t in r.metrics["t"]])[0]
                rows.append(row)
    return rows


def _pm(mean, sd, se, fmt="{:.1f}"):
    if math.isnan(mean):
        return "–"
    return f"{fmt.format(mean)} ± {fmt.format(sd)} (se {fmt.format(se)})"


def _md_table(rows, setting) -> list[str]:
    lines = []
    for k in setting.modes:
        b = BENCHMARKS[k]
        lines += [f"## {b} ({k} modes)", "",
                  "| method | runs | modes (≥ 20 of 2,500 HQ) | modes (≥ 1 HQ) | HQ % | reverse KL |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            if r["benchmark"] != b:
                continue
            cell = lambda key, fmt="{:.1f}": _pm(r[key], r[key + "_std"], r[key + "_se"], fmt)
            lines.append(f"| {r['label']} | {r['runs']} | {cell('modes')} | {cell('modes_any')} | {cell('hq')} | "
                         f"{cell('reverse_kl', '{:.2f}')} |")
        for name, (modes, hq) in PUBLISHED[b].items():
            lines.append(f"| *published: {name} (PacGAN Table 1)* | | *{modes}* | | *{hq}* | |")
        lines.append("")
    return lines


def _md_diag(drows) -> list[str]:
    if not drows:
        return []
    lines = ["## Boosted AdaGAN step by step (means over runs)", "",
             "missed: modes of G_{t-1} below the 20-of-2,500 threshold; D>½: share of real points the "
             "mixture discriminator calls real; D missed / D covered: its mean on real points of missed / "
             "covered modes; w missed: data weight on the missed modes (uniform share beside it); comp: the "
             "new component alone (modes, HQ %, missed modes it captures); G_t: the mixture's modes after "
             "the step.", "",
             "| benchmark | method | t | missed | D>½ | D missed | D covered | w missed (uniform) | active w "
             "| beta | comp modes | comp HQ % | comp new | G_t modes |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    f = lambda v, p=2: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{p}f}"
    for r in drows:
        lines.append(
            f"| {r['benchmark']} | {r['method']} | {r['t']} | {f(r['missed'], 1)} | {f(r['d_real_acc'])} | "
            f"{f(r['d_missed'])} | {f(r['d_covered'])} | {f(r['w_missed'])} ({f(r['w_missed_uniform'])}) | "
            f"{f(r['active'], 0)} | {f(r['beta'], 3)} | {f(r['comp_modes'], 1)} | {f(100 * r['comp_hq'], 1)} | "
            f"{f(r['comp_new'], 1)} | {f(r['mixture_modes'], 1)} |")
    return lines + [""]


def _write_csv(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def write_modes_report(out, setting: ModesSetting, *, figures: bool = True, elapsed_s: float | None = None) -> dict:
    """Write ``table.md``, ``table.csv``, ``diagnosis.csv`` and (``figures``) the scatter
    plots ``samples_<benchmark>_<method>.png`` and Boosted's ``weight_map_<benchmark>_<method>.png``
    (run 0) into ``out``; returns the paths and the number of missing runs."""
    out = Path(out)
    sel = _selected(out, setting)
    runs = sel.runs
    rows, drows = summary_rows(runs, setting), diagnosis_rows(runs, setting)
    missing = sel.missing
    head = [f"# Missing modes: ring and grid benchmarks, setting `{setting.name}`", "",
            f"Networks and training: {setting.description}.", "",
            f"Data: PacGAN geometry (ring of 8, std 0.01; 5×5 grid, spacing 2, std 0.05), "
            f"{setting.n_train:,} training points per run, a fresh draw per run index (shared by the methods). "
            f"Scores on {setting.n_samples:,} samples of the final model (t = T = {setting.T} for Ensemble and "
            "Boosted): HQ = nearest mode within 3 std; mean ± std (ddof 1) over runs, and in brackets the "
            "standard error of the mean (std/√runs; PacGAN's ± is a standard error) "
            "(`gan_backend.metrics.modes.mode_metrics`).", "",
            f"Runs stored: {sel.wanted - missing} of {sel.wanted}"
            + (f" ({missing} missing: a partial table; rerun the same command to resume)" if missing else "")
            + (f", and {sel.beyond} more stored runs beyond {setting.runs} per cell (an earlier `--runs`), "
               f"shown too: {len(runs)} runs in all" if sel.beyond else "")
            + (f"; stored runs left out: {sel.describe_left_out()}" if sel.left_out else "")
            + (f"; this call took {elapsed_s:.0f} s" if elapsed_s is not None else "") + ".", ""]
    (out / "table.md").write_text("\n".join(head + _md_table(rows, setting) + _md_diag(drows)) + "\n")
    _write_csv(out / "table.csv", rows)
    _write_csv(out / "diagnosis.csv", drows)
    paths = [out / "table.md", out / "table.csv"] + ([out / "diagnosis.csv"] if drows else [])
    if figures:
        paths += _figures(out, setting, runs)
    return {"paths": paths, "missing": missing, "rows": rows, "diagnosis": drows}


def _figures(out, setting, runs) -> list[Path]:
    from gan_backend.experiments import plots  # lazy: plots imports matplotlib (~0.4 s at CLI start-up)

    paths = []
    with ResultStore(out / RESULTS_FILE) as store:
        for r in runs:
            if r.run != 0 or store.artifact(r.key, "samples") is None:
                continue
            b = BENCHMARKS[r.modes]
            data = decode_array(store.artifact(r.key, "data"))
            means = decode_array(store.artifact(r.key, "means"))
            s = decode_array(store.artifact(r.key, "samples"))
            final = {k: r.metrics[k][-1] for k in ("modes", "hq")}
            paths.append(plots.plot_samples(
                data, {f"{setting.label(r.method)}: {final['modes']} modes, HQ {100 * final['hq']:.0f}%": s},
                out / f"samples_{b}_{r.method}.png", means=means,
                title=f"{b}, run 0 (grey: data, red: {s.shape[0]} samples)"))
            blob = store.artifact(r.key, "weight_map")
            if blob is not None:
                wm = decode_array(blob)
                paths.append(plots.plot_weight_map(
                    wm[:, :2], wm[:, 2], out / f"weight_map_{b}_{r.method}.png", means=means,
                    title=f"{setting.label(r.method)}, {b}: data weights after step 1 (x N)"))
    return paths
