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

from pathlib import Path

from gan_backend.cli._args import nonnegative_int, positive_int, workers
from gan_backend.cli._modes_run import run_modes
from gan_backend.experiments.mode_collapse import setting_names

NAME = "modes"
HELP = "ring/grid missing-modes benchmarks (PacGAN Table 1), resumable"


def add_arguments(parser) -> None:
    parser.add_argument("--setting", choices=setting_names(), default="small",
                        help="tiny (tests, seconds), small (<= 30 min on 2 cores), medium (the small network 10x "
                             "longer, Vanilla and Boosted R* only: about 30 min on 2 cores), full (the "
                             "benchmark's network: a cluster or many cores)")
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
    return run_modes(args, args.setting)
