"""``python -m gan_backend modes``: the ring and grid benchmarks of the mode-collapse
literature (PacGAN Table 1) for Vanilla, Unrolled, Ensemble and Boosted AdaGAN.

Runs every (benchmark, method, run) of a setting as a task of the coverage table's
driver (a local Dask cluster of ``--workers`` processes, or ``--scheduler ADDRESS``),
one row per run in ``DIR/results.sqlite`` (rerunning resumes), then writes
``DIR/table.md``, ``DIR/table.csv``, ``DIR/diagnosis.csv`` and the scatter plots. An
estimate of the wall-clock time is printed before any training.
Exit status: 0 complete, 1 some runs failed, 2 bad arguments, 130 interrupted.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from gan_backend.cli._args import nonnegative_int, output_dir, positive_int, scheduler_address, workers
from gan_backend.cli._outdir import check_dir, claim

#: What the modes command writes in ``--out`` (globs; see :mod:`gan_backend.cli._outdir`).
WRITES = ("table.md", "table.csv", "diagnosis.csv", "*.png", "results.sqlite")

NAME = "modes"
HELP = "ring/grid missing-modes benchmarks (PacGAN Table 1), resumable"


#: The most runs one modes table may hold (as ``table``'s limit).
MAX_RUNS = 10**6


def add_arguments(parser) -> None:
    from gan_backend.experiments.mode_collapse import setting_names

    parser.add_argument("--setting", choices=setting_names(), default="small",
                        help="tiny (tests, seconds), small (<= 30 min on 2 cores), full (the benchmark's "
                             "network: a cluster or many cores)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (resumed if it exists)")
    parser.add_argument("--workers", type=workers, default=None,
                        help="local worker processes (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--runs", type=positive_int, default=None, help="runs per cell instead of the setting's")
    parser.add_argument("--max-runs", type=nonnegative_int, default=None,
                        help="run at most this many unfinished runs now (partial table; rerun to go on)")
    parser.add_argument("--estimate", action="store_true", help="print the work and its estimated time, train nothing")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--force", action="store_true",
                        help="write into --out even if it holds another experiment's tables and figures")


def identity(args) -> dict:
    """What identifies this command's outputs in ``--out`` (``command.txt``): the setting."""
    return {"setting": args.setting}


def run(args) -> int:
    from gan_backend.experiments.driver import RESULTS_FILE
    from gan_backend.experiments.mode_collapse import get_setting
    from gan_backend.experiments.runs import run_specs
    from gan_backend.experiments.store import ResultStore

    setting = get_setting(args.setting)
    if args.runs is not None:
        setting = setting.with_(runs=args.runs)
    n_runs = len(run_specs(setting.with_(runs=1))) * setting.runs
    if n_runs > MAX_RUNS:
        raise ValueError(f"argument --runs: {setting.runs} runs per cell make {n_runs} runs, more than the "
                         f"{MAX_RUNS} one table can plan; use fewer runs")
    scheduler = scheduler_address("--scheduler", args.scheduler)
    estimate = getattr(args, "estimate", False)
    out = output_dir("--out", args.out, create=not estimate)
    held = None
    if (out / RESULTS_FILE).exists():
        with ResultStore(out / RESULTS_FILE, readonly=True) as store:
            held = store.preset()
    adopt = held == setting.name
    if estimate:
        check_dir("--out", out, args, WRITES, adopt=adopt)
        return _plan(args, setting, out, scheduler)
    with claim("--out", out, args, WRITES, adopt=adopt):
        if _plan(args, setting, out, scheduler) is None:
            return _compute(args, setting, out, scheduler)
        return 0


def _plan(args, setting, out, scheduler):
    """Print the work left and its estimated time; 0 with ``--estimate`` (stop), else None."""
    from gan_backend.experiments.driver import RESULTS_FILE, format_seconds
    from gan_backend.experiments.mode_collapse import estimate_seconds
    from gan_backend.experiments.runs import run_specs
    from gan_backend.experiments.store import ResultStore

    specs = run_specs(setting)
    done = set()
    if (out / RESULTS_FILE).exists():
        with ResultStore(out / RESULTS_FILE, readonly=True) as store:
            done = store.keys()
    todo = [s for s in specs if s.key not in done]
    if args.max_runs is not None:
        todo = todo[:args.max_runs]
    workers = args.workers or max(1, min(os.cpu_count() or 1, len(todo) or 1))
    if scheduler is None and todo:
        eta = estimate_seconds(setting, todo, workers)
        print(f"modes {setting.name}: {len(todo)} of {len(specs)} runs to do on {workers} worker(s); "
              f"estimated {format_seconds(eta)} with a free core per worker (from a timed GAN step on this machine)", flush=True)
    elif todo:
        print(f"modes {setting.name}: {len(todo)} of {len(specs)} runs to do on the cluster at {scheduler}",
              flush=True)
    return 0 if getattr(args, "estimate", False) else None


def _compute(args, setting, out, scheduler) -> int:
    from gan_backend.experiments.driver import run_table
    from gan_backend.experiments.mode_collapse import execute_modes_run, run_steps
    from gan_backend.experiments.mode_collapse_report import write_modes_report
    from gan_backend.experiments.store import ConfigMismatch

    workers = args.workers
    try:
        rep = run_table(setting, out, workers=workers, scheduler=scheduler, max_runs=args.max_runs,
                        progress=not args.quiet, task=execute_modes_run, first_task=None,
                        cost=functools.partial(run_steps, setting))
    except ConfigMismatch as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = write_modes_report(out, setting, figures=not args.no_figures and not rep.interrupted,
                                 elapsed_s=rep.elapsed_s)
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
