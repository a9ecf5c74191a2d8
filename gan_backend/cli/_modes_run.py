"""The ring/grid benchmarks from parsed command-line arguments, for the two commands
that run them (``modes`` and ``table --preset modes``): argument and output checks,
the claim of ``--out``, one call of
:func:`gan_backend.experiments.mode_collapse.run_modes_experiment`, and the summary lines.
"""
from __future__ import annotations

import sys

from gan_backend.cli._args import output_dir, scheduler_address
from gan_backend.cli._outdir import check_dir, claim
from gan_backend.experiments.driver import RESULTS_FILE
from gan_backend.experiments.mode_collapse import get_setting, run_modes_experiment
from gan_backend.experiments.runs import run_specs
from gan_backend.experiments.store import ResultStore

__all__ = ["WRITES", "MAX_RUNS", "run_modes"]

#: What the modes experiment writes in ``--out`` (globs; see :mod:`gan_backend.cli._outdir`).
WRITES = ("table.md", "table.csv", "diagnosis.csv", "*.png", "results.sqlite")

#: The most runs one modes table may hold (as ``table``'s limit).
MAX_RUNS = 10**6


def _setting(name: str, runs):
    setting = get_setting(name)
    if runs is not None:
        setting = setting.with_(runs=runs)
    n_runs = len(run_specs(setting.with_(runs=1))) * setting.runs
    if n_runs > MAX_RUNS:
        raise ValueError(f"argument --runs: {setting.runs} runs per cell make {n_runs} runs, more than the "
                         f"{MAX_RUNS} one table can plan; use fewer runs")
    return setting


def run_modes(args, setting_name: str) -> int:
    """Run (or with ``args.estimate`` estimate) the modes setting ``setting_name`` into ``args.out``."""
    setting = _setting(setting_name, args.runs)
    scheduler = scheduler_address("--scheduler", args.scheduler)
    estimate = getattr(args, "estimate", False)
    out = output_dir("--out", args.out, create=not estimate)
    held = None
    if (out / RESULTS_FILE).exists():
        with ResultStore(out / RESULTS_FILE, readonly=True) as store:
            held = store.preset()
    adopt = held == setting.name
    kw = dict(workers=args.workers, scheduler=scheduler, max_runs=args.max_runs)
    if estimate:
        check_dir("--out", out, args, WRITES, adopt=adopt)
        run_modes_experiment(setting, out, estimate_only=True, **kw)
        return 0
    with claim("--out", out, args, WRITES, adopt=adopt):
        # a store made with other settings raises ConfigMismatch, a ValueError: one line, exit 2
        outcome = run_modes_experiment(setting, out, progress=not args.quiet, figures=not args.no_figures, **kw)
    return _summary(outcome, out)


def _summary(outcome, out) -> int:
    rep, summary = outcome.report, outcome.summary
    print(f"modes: {rep.completed} runs computed, {rep.skipped} resumed from {out}, {len(rep.failed)} failed, "
          f"{summary['missing']} missing ({rep.elapsed_s:.1f} s)")
    for r in summary["rows"]:
        if r["runs"]:
            print(f"  {r['benchmark']:4s} {r['label']:32s} modes {r['modes']:5.1f} ± {r['modes_std']:4.1f}  "
                  f"HQ {r['hq']:5.1f} ± {r['hq_std']:4.1f} %  ({r['runs']} runs)")
    for p in summary["paths"]:
        print(f"wrote {p}")
    if rep.interrupted:
        print("interrupted: every finished run is stored; rerun the same command to resume", file=sys.stderr)
        return 130
    for key, msg in rep.failed:
        print(f"FAILED {key}: {msg}", file=sys.stderr)
    return 1 if rep.failed else 0
