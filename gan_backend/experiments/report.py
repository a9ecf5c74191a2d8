"""``table.md`` / ``table.csv`` (and figures) from the runs stored in ``results.sqlite``.

Each cell is our median (5%; 95%) of C over the stored runs (``numpy.percentile``,
linear interpolation), next to the seed table's value (docs/theory.md §3); cells whose median
differs from the seed's by more than :data:`DIFF_FLAG` are marked and listed. Every run
records C under two estimators (:data:`COVERAGE_ESTIMATORS`): ``heldout``
(:func:`gan_backend.metrics.coverage.coverage`) and ``reference`` (the public reference code's,
:func:`gan_backend.coverage_reference`); ``table.md`` shows the chosen one, ``table.csv``
both.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_backend.experiments.driver import RESULTS_FILE
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.runs import run_specs
from gan_backend.experiments.seed_table import ROWS, seed_cell
from gan_backend.experiments.store import ResultStore, StoredRun

__all__ = ["Cell", "TableRuns", "table_cells", "table_runs", "coverage_curves", "write_table", "DIFF_FLAG",
           "COVERAGE_ESTIMATORS"]

DIFF_FLAG = 0.1

#: estimator name -> metrics key of the runs' records.
COVERAGE_ESTIMATORS = {"heldout": "coverage", "reference": "coverage_reference"}


@dataclass(frozen=True)
class Cell:
    label: str
    method: str
    T: int
    modes: int
    values: tuple[float, ...]  # C of each stored run (the estimator shown)
    loglik: tuple[float, ...]
    seed: tuple[float, float, float] | None
    reference: tuple[float, ...] = ()  # C of each stored run under the reference estimator
    heldout: tuple[float, ...] = ()  # ... and under the held-out one

    @property
    def n(self) -> int:
        return len(self.values)

    def q(self, p: float, values=None) -> float:
        v = self.values if values is None else values
        return float(np.percentile(v, p)) if len(v) else math.nan

    @property
    def median(self) -> float:
        return self.q(50)

    @property
    def delta(self) -> float | None:
        if self.seed is None or not self.n:
            return None
        return self.median - self.seed[0]

    @property
    def seed_outside(self) -> bool:
        """The seed's median lies outside our 5%-95% interval."""
        return self.seed is not None and self.n > 0 and not (self.q(5) <= self.seed[0] <= self.q(95))


def _at_T(run: StoredRun, key: str, T: int) -> float | None:
    ts = run.metrics.get("t", [])
    if T not in ts:
        return None
    v = run.metrics[key][ts.index(T)]
    return None if v is None else float(v)


@dataclass(frozen=True)
class TableRuns:
    """The stored runs a table shows, and what it leaves out.

    ``runs``: every stored run of the preset's cells with the preset's settings, whatever
    the run count it was computed under (``table --runs`` changes only which runs are
    computed, not a run's result); ``wanted``: the runs of ``preset.runs`` per cell;
    ``missing``: those of them not stored yet; ``beyond``: shown runs past ``preset.runs``
    per cell; ``left_out``: reason -> number of stored runs not shown.
    """

    runs: list
    wanted: int
    missing: int
    beyond: int
    left_out: dict

    def describe_left_out(self) -> str:
        """``"3 (stored with other settings)"``, or "" when nothing is left out."""
        return "; ".join(f"{n} ({why})" for why, n in self.left_out.items())


def _canon(config: dict) -> str:
    return json.dumps(config, sort_keys=True, allow_nan=True)


def table_runs(stored: list[StoredRun], preset: Preset) -> TableRuns:
    """Sort the stored runs ``stored`` of ``preset``'s store into the shown ones and the
    ones left out, with the reason (see :class:`TableRuns`)."""
    wanted = {s.key for s in run_specs(preset)}
    cells = {(v, m, k) for v in preset.variant_names for m in preset.methods for k in preset.modes}
    configs: dict = {}
    shown, left_out = [], {}
    for r in stored:
        cell = (r.variant, r.method, r.modes)
        if r.key in wanted:
            shown.append(r)
            continue
        if r.preset != preset.name or cell not in cells:
            why = "not a run of this preset's methods and mode counts"
        else:
            if cell not in configs:
                configs[cell] = _canon(preset.run_config(r.method, r.modes, r.variant))
            if _canon(r.config) == configs[cell]:
                shown.append(r)
                continue
            why = "stored with other settings than this command's"
        left_out[why] = left_out.get(why, 0) + 1
    n_wanted = sum(1 for r in shown if r.key in wanted)
    return TableRuns(shown, len(wanted), len(wanted) - n_wanted, len(shown) - n_wanted, left_out)


def table_cells(runs: list[StoredRun], preset: Preset, coverage: str = "heldout") -> list[Cell]:
    """One :class:`Cell` per (table row, mode count) of the seed table's layout, showing C
    under the estimator ``coverage`` (a key of :data:`COVERAGE_ESTIMATORS`)."""
    if coverage not in COVERAGE_ESTIMATORS:
        raise ValueError(f"`coverage` must be one of {', '.join(COVERAGE_ESTIMATORS)}; got {coverage!r}")
    by = {}
    for r in runs:
        by.setdefault((r.variant, r.method, r.modes), []).append(r)
    cells = []
    rows = [(row, v) for v in preset.variant_names for row in ROWS]
    for (label, method, T), variant in rows:
        if method not in preset.methods:
            continue
        if variant:
            label = f"{label} · {variant}"
        for k in preset.modes:
            rs = sorted(by.get((variant, method, k), []), key=lambda r: r.run)
            held = [c for c in (_at_T(r, "coverage", T) for r in rs) if c is not None]
            ref = [c for c in (_at_T(r, "coverage_reference", T) for r in rs if "coverage_reference" in r.metrics)
                   if c is not None]
            ll = [c for c in (_at_T(r, "loglik", T) for r in rs) if c is not None]
            shown = held if coverage == "heldout" else ref
            cells.append(Cell(label, method, T, k, tuple(shown), tuple(ll), seed_cell(method, T, k),
                              reference=tuple(ref), heldout=tuple(held)))
    return cells


def coverage_curves(runs: list[StoredRun], coverage: str = "heldout", *, by_variant: bool = False
                    ) -> dict[tuple[str, int], dict[int, list[float]]]:
    """(method, modes) -> {t: [C of each run after t components]} (coverage vs T); with
    ``by_variant`` the first key is the run's GAN variant instead of its method."""
    key = COVERAGE_ESTIMATORS[coverage]
    out: dict = {}
    for r in runs:
        if key not in r.metrics:
            continue
        d = out.setdefault((r.variant if by_variant else r.method, r.modes), {})
        for t, c in zip(r.metrics["t"], r.metrics[key]):
            d.setdefault(int(t), []).append(float(c))
    return out


def _f(x: float, nd: int = 2) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def _cell_md(c: Cell) -> str:
    ours = "—" if not c.n else f"{_f(c.median)} ({_f(c.q(5))}; {_f(c.q(95))})"
    if c.seed is None:
        return ours
    s = f"{c.seed[0]:.2f} ({c.seed[1]:.1f}; {c.seed[2]:.1f})"
    flag = ""
    if c.delta is not None and abs(c.delta) > DIFF_FLAG:
        flag = f" **Δ{c.delta:+.2f}**"
    if c.seed_outside:
        flag += " †"
    return f"{ours} · seed {s}{flag}"


def write_table(out, preset: Preset, *, elapsed_s: float | None = None, notes: list[str] = (),
                coverage: str = "heldout") -> dict:
    """Write ``out/table.md`` (C under the estimator ``coverage``), ``out/table_<estimator>.md``
    for every estimator of :data:`COVERAGE_ESTIMATORS` and ``out/table.csv`` (both
    estimators) from ``out/results.sqlite``, each file once.

    Returns a summary dict (``cells``, ``missing``, ``flagged``, paths) for ``coverage``.
    """
    if coverage not in COVERAGE_ESTIMATORS:
        raise ValueError(f"`coverage` must be one of {tuple(COVERAGE_ESTIMATORS)}; got {coverage!r}")
    out = Path(out)
    with ResultStore(out / RESULTS_FILE) as store:
        sel = table_runs(store.runs(), preset)
    cells_of = {name: table_cells(sel.runs, preset, name) for name in COVERAGE_ESTIMATORS}
    texts = {name: _table_md(sel, preset, cells_of[name], name, elapsed_s, notes) for name in COVERAGE_ESTIMATORS}
    for name, text in texts.items():  # both estimators' tables kept side by side
        (out / f"table_{name}.md").write_text(text)
    (out / "table.md").write_text(texts[coverage])
    cells = cells_of[coverage]
    _write_csv(out / "table.csv", cells)
    return {"cells": cells, "missing": sel.missing, "flagged": _flagged(cells), "shown": len(sel.runs),
            "beyond": sel.beyond, "left_out": sel.describe_left_out(),
            "table_md": out / "table.md", "table_csv": out / "table.csv"}


def _flagged(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if (c.delta is not None and abs(c.delta) > DIFF_FLAG) or c.seed_outside]


def _table_md(sel: TableRuns, preset: Preset, cells: list[Cell], coverage: str, elapsed_s, notes) -> str:
    """The text of ``table.md`` under the estimator ``coverage``."""
    lines = _md_header(sel, preset, coverage) + _md_facts(sel.runs, elapsed_s)
    if sel.left_out:
        lines.append(f"- **Stored runs left out**: {sel.describe_left_out()}.")
    lines += list(f"- {n}" for n in notes)
    lines += _md_tables(cells, preset) + _md_flagged(_flagged(cells))
    return "\n".join(lines) + "\n"


def _md_header(sel: TableRuns, preset: Preset, coverage: str) -> list[str]:
    what = ("held-out estimator: fraction of held-out data points where the model's KDE density "
            "exceeds the 5th percentile of its log-density at held-out model samples"
            if coverage == "heldout" else
            "reference estimator of the public AdaGAN code: 500 training points, KDE on 1,000 model "
            "samples, bandwidth from 500 more, threshold in sample")
    runs, missing = sel.runs, sel.missing
    return [
        f"# Coverage table, preset `{preset.name}` (C: {coverage} estimator)", "",
        f"Coverage C of docs/theory.md §3 ({what}) on 2-D Gaussian mixtures with K modes "
        f"(dataset `{preset.dataset}`). Each cell: **our** median (5%; 95%) over the runs "
        "stored for it · the seed table's median (5%; 95%) over 35 runs. "
        f"**Δ** marks cells whose median differs from the seed's by more than {DIFF_FLAG}; † cells "
        "whose seed median lies outside our 5%-95% interval.",
        "",
        f"- Runs: {sel.wanted - missing} of {sel.wanted} stored ({preset.runs} per cell; "
        + ("complete" if missing == 0 else f"**{missing} missing**, rerun the command to resume") + ")"
        + (f", and {sel.beyond} more stored runs beyond {preset.runs} per cell (an earlier `--runs`), "
           f"shown too: {len(runs)} runs in all" if sel.beyond else "") + ".",
        f"- Reductions vs the paper protocol: {preset.reductions}.",
        f"- TopKLast reading: `{preset.topklast_reading}` (see gan_backend/adagan/methods/topklast.py).",
        *([f"- T = 3 and T = 10 rows come from one T = {preset.T} run per (method, K, run); "
           "Best of T picks by C on held-out points not used for training or for the reported C.",
           "- Paired runs: within one run (one data draw) Vanilla, Best of T and Ensemble use one set of "
           f"{preset.T} independently trained GANs, and Boosted and TopKLast start from its first GAN."]
          if preset.T > 1 else ["- One GAN per run (T = 1); the GAN variants of a run index share its data draw."]),
        "- table.csv has both estimators (median/p05/p95: held-out; *_reference: the reference "
        "code's); `table --coverage {heldout,reference}` chooses the one shown here.",
    ]


def _md_facts(runs: list[StoredRun], elapsed_s) -> list[str]:
    """The compute line and the collapsed models."""
    lines = []
    if runs:
        total = sum(r.timings.get("total_s", 0.0) for r in runs)
        cpu = [r.timings["cpu_s"] for r in runs if "cpu_s" in r.timings]
        cpu_s = f" ({sum(cpu) / 60:.1f} CPU-minutes)" if len(cpu) == len(runs) else ""
        lines.append(f"- Compute: {total / 60:.1f} worker-minutes{cpu_s} over the stored runs (the first GAN of "
                     "each data draw, trained in a task of its own, not included)"
                     + (f"; this invocation took {elapsed_s / 60:.1f} min wall" if elapsed_s else "") + ".")
    col = sorted({(r.method, r.modes, r.run, t) for r in runs
                  for t, c in zip(r.metrics.get("t", []), r.metrics.get("collapsed", [])) if c})
    if col:
        lines.append("- Models whose samples collapsed to one point (C = 0 exactly, loglik = -inf): "
                     + ", ".join(f"{m} K={k} run {i} t={t}" for m, k, i, t in col[:20])
                     + (f" and {len(col) - 20} more" if len(col) > 20 else "") + ".")
    return lines


def _md_tables(cells: list[Cell], preset: Preset) -> list[str]:
    """The coverage table and the log-likelihood table."""
    head = ["| method | " + " | ".join(f"K={k}" for k in preset.modes) + " |", "|---|" + "---|" * len(preset.modes)]
    labels = list(dict.fromkeys(c.label for c in cells))
    rows = {label: [c for c in cells if c.label == label] for label in labels}
    lines = ["", *head]
    lines += [f"| {label} | " + " | ".join(_cell_md(c) for c in rows[label]) + " |" for label in labels]
    lines += ["", "Median data log-likelihood under the model KDE (higher is better):", "", *head]
    lines += [f"| {label} | " + " | ".join(_f(c.q(50, c.loglik)) if c.loglik else "—" for c in rows[label]) + " |"
              for label in labels]
    return lines


def _md_flagged(flagged: list[Cell]) -> list[str]:
    if not flagged:
        return []
    lines = ["", f"Cells differing from the seed by more than {DIFF_FLAG} (Δ) or whose seed median "
             "lies outside our 5%-95% interval (†):", ""]
    for c in flagged:
        lines.append(f"- {c.label}, K={c.modes}: ours {_f(c.median)} ({_f(c.q(5))}; {_f(c.q(95))}) vs "
                     f"seed {c.seed[0]:.2f} (Δ {c.delta:+.2f}, n = {c.n}){' †' if c.seed_outside else ''}")
    return lines


def _write_csv(path: Path, cells: list[Cell]) -> None:
    """``table.csv``: both estimators of every cell."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["method", "label", "T", "modes", "n_runs", "median", "p05", "p95",
                    "seed_median", "seed_p05", "seed_p95", "delta", "loglik_median",
                    "median_reference", "p05_reference", "p95_reference"])
        for c in cells:
            s = c.seed or (None, None, None)
            h, ref = c.heldout, c.reference
            delta = None if c.seed is None or not h else c.q(50, h) - c.seed[0]
            w.writerow([c.method, c.label, c.T, c.modes, len(h),
                        _r(c.q(50, h) if h else None), _r(c.q(5, h) if h else None),
                        _r(c.q(95, h) if h else None), s[0], s[1], s[2],
                        _r(delta), _r(c.q(50, c.loglik) if c.loglik else None),
                        _r(c.q(50, ref) if ref else None), _r(c.q(5, ref) if ref else None),
                        _r(c.q(95, ref) if ref else None)])


def _r(x):
    return "" if x is None else f"{x:.6g}"
