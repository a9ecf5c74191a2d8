"""``python -m gan_backend table``: the coverage table of THEORY.md §3.

Runs every (method, K, run) of a preset as a Dask task (a local cluster of ``--workers``
processes, or ``--scheduler ADDRESS``), stores one row per run in ``DIR/results.sqlite``
(rerunning resumes, skipping finished runs), then writes ``DIR/table.md``,
``DIR/table.csv`` and the figures; ``--theory`` adds the theory-in-practice report.
Exit status: 0 complete, 1 some runs failed, 130 interrupted (finished runs are kept).
"""
from __future__ import annotations

import sys
from pathlib import Path

NAME = "table"
HELP = "reproduce the seed's coverage table (Dask + SQLite, resumable)"


def add_arguments(parser) -> None:
    from gan_backend.experiment.presets import preset_names

    parser.add_argument("--preset", choices=preset_names(), default="quick",
                        help="smoke (< 1 min, tests), quick (<= 10 min on 2 cores), paper (35 runs)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (resumed if it exists)")
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per cell instead of the preset's (results of a run do not depend on it)")
    parser.add_argument("--max-runs", type=int, default=None,
                        help="run at most this many unfinished runs now (partial table; rerun to go on)")
    parser.add_argument("--topklast-reading", choices=("slides", "reference"), default=None,
                        help="TopKLast rule: the reference code's (uniform weights on the top r*N points by D, "
                             "beta 1/t; default, the rule behind the seed table) or the slides' (beta "
                             "zeroing r*N R* weights)")
    parser.add_argument("--theory", action="store_true",
                        help="also check the theory step by step on AdaGAN runs (gan_backend.theory)")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from gan_backend.experiment.driver import run_table
    from gan_backend.experiment.outputs import write_figures, write_theory
    from gan_backend.experiment.presets import get_preset
    from gan_backend.experiment.report import write_table
    from gan_backend.experiment.store import ConfigMismatch

    preset = get_preset(args.preset)
    if args.runs is not None:
        if args.runs < 1:
            print(f"error: --runs must be a positive integer; got {args.runs}", file=sys.stderr)
            return 2
        preset = preset.with_(runs=args.runs)
    if args.topklast_reading is not None:
        preset = preset.with_(topklast_reading=args.topklast_reading)
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be a positive integer; got {args.workers}", file=sys.stderr)
        return 2
    try:
        rep = run_table(preset, args.out, workers=args.workers, scheduler=args.scheduler,
                        max_runs=args.max_runs, progress=not args.quiet, theory=args.theory)
    except ConfigMismatch as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = write_table(args.out, preset, elapsed_s=rep.elapsed_s)
    print(f"table: {rep.completed} runs computed, {rep.skipped} resumed from {args.out}, "
          f"{len(rep.failed)} failed, {summary['missing']} missing ({rep.elapsed_s:.1f} s)")
    print(f"wrote {summary['table_md']} and {summary['table_csv']}")
    if rep.interrupted:
        print("interrupted: every finished run is stored; rerun the same command to resume",
              file=sys.stderr)
        return 130
    if not args.no_figures:
        for path in write_figures(args.out, preset):
            print(f"wrote {path}")
    if args.theory:
        for path in write_theory(args.out, preset):
            print(f"wrote {path}")
    for key, msg in rep.failed:
        print(f"FAILED {key}: {msg}", file=sys.stderr)
    return 1 if rep.failed else 0
