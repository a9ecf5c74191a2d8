"""``python -m gan_backend table``: the coverage table of docs/theory.md §3.

Runs every (method, K, run) of a preset as Dask tasks (a local cluster of ``--workers``
processes, or ``--scheduler ADDRESS``); within one run (one data draw) the methods share
their GANs (Vanilla, Best of T and Ensemble one set of T independent GANs; Boosted and
TopKLast start from its first). One row per run goes to ``DIR/results.sqlite``
(rerunning resumes, skipping finished runs), then ``DIR/table.md`` (the ``--coverage``
estimator's; ``DIR/table_heldout.md`` and ``DIR/table_reference.md`` hold both),
``DIR/table.csv`` (both) and the figures are written; ``--theory`` adds the theory-in-practice report. Before
training, the number of GAN trainings and an estimated wall time (from a short
calibration on this machine) are printed; ``--estimate`` prints them and stops.
``--batch-runs R`` trains the first GANs of up to R runs (data draws, across cells, of
one GAN variant) in one batched task, the other independent GANs of a run in lockstep
blocks of up to R, and advances the AdaGAN runs in lockstep units of up to R runs
(across cells: at each AdaGAN step their mixture discriminators train in one batched
call, then their new components), one batched step on a leading run axis; the default with
``GAN_BACKEND=cupy`` is R = 64, otherwise one by one. The stored rows are the same to
rounding either way, and stay per run (resume, retries, failures).
The command line goes to ``DIR/command.txt``; a ``DIR`` whose ``command.txt`` names another
experiment, or that holds tables or figures without one, is refused unless ``--force``, and so
is a ``DIR`` another command is writing. ``table.md`` shows every stored run of the preset's
settings (also runs beyond ``--runs``) and says how many stored runs it leaves out, and why.
Exit status: 0 complete, 1 some runs failed, 2 bad arguments, 130 interrupted (finished
runs are kept).
"""
from __future__ import annotations

import sys
from pathlib import Path

from gan_backend.cli._args import nonnegative_int, output_dir, positive_int, scheduler_address, workers
from gan_backend.cli._modes_run import run_modes
from gan_backend.cli._outdir import check_dir, claim
from gan_backend.engine.backend import get_xp
from gan_backend.engine.batched import check_batch_runs
from gan_backend.experiments import driver
from gan_backend.experiments.outputs import write_figures, write_theory
from gan_backend.experiments.presets import get_preset, preset_names
from gan_backend.experiments.report import COVERAGE_ESTIMATORS, write_table
from gan_backend.experiments.store import ResultStore

NAME = "table"
HELP = "reproduce the seed's coverage table (Dask + SQLite, resumable)"

#: ``--batch-runs`` when the CuPy backend is selected and the option is not given.
DEFAULT_GPU_BATCH_RUNS = 64


def batch_runs_for(value, xp) -> int | None:
    """The lockstep block size to use: ``value`` (checked) or, when None, the GPU default
    for the CuPy array module ``xp`` and None (one by one) for NumPy.

    >>> import numpy as np
    >>> batch_runs_for(None, np), batch_runs_for(8, np)
    (None, 8)
    """
    if value is not None:
        return check_batch_runs(value, "--batch-runs")
    return DEFAULT_GPU_BATCH_RUNS if xp.__name__ == "cupy" else None


#: The most runs (all cells) one table may hold: planning is linear in them, about
#: 20 s per million runs.
MAX_RUNS = 10**6

#: What the table command writes in ``--out`` (globs): a folder holding such files that
#: another experiment wrote is refused without ``--force``.
WRITES = ("table*.md", "table*.csv", "*.png", "theory*", "results.sqlite")

#: ``--preset modes`` runs the ``modes`` command's small setting (its own store layout)
MODES_PRESET = "modes"


def _run_modes(args) -> int:
    """``table --preset modes``: the ring/grid benchmarks' small setting."""
    for flag, value, default in (("--coverage", args.coverage, "heldout"), ("--batch-runs", args.batch_runs, None),
                                 ("--topklast-reading", args.topklast_reading, None), ("--theory", args.theory, False),
                                 ("--weight-delay", args.weight_delay, False)):
        if value != default:
            raise ValueError(f"argument {flag}: not used by --preset modes (the ring/grid benchmarks)")
    return run_modes(args, "small")


def add_arguments(parser) -> None:
    parser.add_argument("--preset", choices=(*preset_names(), MODES_PRESET), default="quick",
                        help="smoke (< 1 min, tests), quick (<= 10 min on 2 cores), paper (35 runs), "
                             "faithful (paper protocol, 10 runs), figure4 (the slides' Figure 4), "
                             "unrolled (faithful's Vanilla/Best of T/Ensemble with the minimax GAN unrolled 5 "
                             "steps, 5 runs), objectives (every GAN objective, K = 5, 10, 3 runs), "
                             "reference (the Delta cells of Vanilla/Best of T/Ensemble with the public reference "
                             "code's toy GAN, 10 runs), reference-t3 (its T = 3 cells alone), "
                             "reference-t10 (its Best of T/Ensemble T = 10 cells at K = 7, 10), "
                             "reference-vanilla (its Vanilla cells alone), reference-adagan (its Boosted/TopKLast T = 3 Delta cells), "
                             "reference-protocol (Vanilla with that GAN by the engine's step and by the reference "
                             "code's training protocol, paired), "
                             "modes (the ring/grid benchmarks: `python -m gan_backend modes --setting small`)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (resumed if it exists)")
    parser.add_argument("--workers", type=workers, default=None,
                        help="local worker processes (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--runs", type=positive_int, default=None,
                        help="runs per cell instead of the preset's (results of a run do not depend on it)")
    parser.add_argument("--max-runs", type=nonnegative_int, default=None,
                        help="run at most about this many unfinished runs now (partial table; rerun to go on)")
    parser.add_argument("--coverage", choices=tuple(COVERAGE_ESTIMATORS), default="heldout",
                        help="estimator of C shown in table.md and the figures: heldout (ours, default) or "
                             "reference (the public reference code's); table.csv has both")
    parser.add_argument("--topklast-reading", choices=("slides", "reference"), default=None,
                        help="TopKLast rule: the reference code's (uniform weights on the top r*N points by D, "
                             "beta 1/t; default, the rule behind the seed table) or the slides' (beta "
                             "zeroing r*N R* weights)")
    parser.add_argument("--weight-delay", action="store_true",
                        help="train each AdaGAN component on the previous step's data weights (the public "
                             "reference code until its commit b54202d; off by default); only for presets "
                             "whose methods all have data weights (Boosted, TopKLast), e.g. reference-adagan")
    parser.add_argument("--theory", action="store_true",
                        help="also check the theory step by step on AdaGAN runs (gan_backend.adagan.theory)")
    parser.add_argument("--estimate", action="store_true",
                        help="print the number of GAN trainings and the estimated wall time, train nothing")
    parser.add_argument("--batch-runs", type=positive_int, default=None, metavar="R",
                        help="train the first GANs of up to R data draws in one batch, the other "
                             "independent GANs of a draw in lockstep blocks of up to R, and the AdaGAN "
                             "runs in lockstep units of up to R runs "
                             f"(default {DEFAULT_GPU_BATCH_RUNS} with GAN_BACKEND=cupy, else one by one; "
                             "the rows are the same to rounding)")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--force", action="store_true",
                        help="write into --out even if it holds another experiment's tables and figures")


def identity(args) -> dict:
    """What identifies a table's outputs in ``--out`` (``command.txt``): the preset."""
    return {"preset": args.preset}


def total_runs(preset) -> int:
    """The number of runs of ``preset`` (all cells), without listing them."""
    return preset.runs * len(preset.modes) * len(preset.variant_names) * len(preset.methods)


def check_size(preset, flag: str = "--runs") -> None:
    """Refuse a table of more than :data:`MAX_RUNS` runs (before any planning)."""
    n = total_runs(preset)
    if n > MAX_RUNS:
        raise ValueError(f"argument {flag}: {preset.runs} runs per cell make {n} runs, more than the "
                         f"{MAX_RUNS} one table can plan; use fewer runs")


def run(args) -> int:
    if args.preset == MODES_PRESET:
        return _run_modes(args)
    xp = get_xp()  # GAN_BACKEND checked before any work (CuPy asked for but unusable: exit 2)
    preset = get_preset(args.preset)
    batch = batch_runs_for(args.batch_runs, xp)
    if batch is not None:
        preset = preset.with_(batch_runs=batch)
    if args.runs is not None:
        preset = preset.with_(runs=args.runs)
    if args.topklast_reading is not None:
        preset = preset.with_(topklast_reading=args.topklast_reading)
    if args.weight_delay:
        try:
            preset = preset.with_(weight_delay=True)
        except ValueError as exc:
            raise ValueError(f"argument --weight-delay: {str(exc).replace('`weight_delay` ', '')} "
                             f"(in --preset {args.preset})") from None
    check_size(preset)
    scheduler = scheduler_address("--scheduler", args.scheduler)
    out = output_dir("--out", args.out, create=not args.estimate)
    store_path = out / driver.RESULTS_FILE
    held = None
    if store_path.exists():  # layout / preset of an existing store, before any work
        with ResultStore(store_path, readonly=True) as st:
            held = st.preset()
        if held is not None and held != preset.name:
            raise ValueError(f"argument --out: {store_path} holds the runs of preset {held!r}, not "
                             f"{preset.name!r}; use another --out (or --preset {held})")
    if args.estimate:  # writes nothing, locks nothing
        check_dir("--out", out, args, WRITES, adopt=held == preset.name)
        rep = driver.run_table(preset, out, workers=args.workers, scheduler=scheduler, max_runs=args.max_runs,
                               progress=False, theory=args.theory, estimate=True, estimate_only=True)
        if rep.plan is None or not rep.plan.tasks:
            print(f"table --preset {preset.name}: nothing left to compute in {out}")
        return 0
    with claim("--out", out, args, WRITES, adopt=held == preset.name):
        return _compute(args, preset, out, scheduler)


def _compute(args, preset, out, scheduler) -> int:
    rep = driver.run_table(preset, out, workers=args.workers, scheduler=scheduler, max_runs=args.max_runs,
                           progress=not args.quiet, theory=args.theory, estimate=True)
    summary = write_table(out, preset, elapsed_s=rep.elapsed_s, coverage=args.coverage)
    print(f"table: {rep.completed} runs computed, {rep.skipped} resumed from {out}, "
          f"{len(rep.failed)} failed, {summary['missing']} missing ({rep.elapsed_s:.1f} s)")
    if summary["beyond"]:
        print(f"table: also shows {summary['beyond']} stored runs beyond {preset.runs} per cell "
              f"({summary['shown']} runs in all)")
    if summary["left_out"]:
        print(f"table: stored runs left out: {summary['left_out']}", file=sys.stderr)
    print(f"wrote {summary['table_md']} and {summary['table_csv']}")
    if rep.interrupted:
        print("interrupted: every finished run is stored; rerun the same command to resume",
              file=sys.stderr)
        return 130
    if not args.no_figures:
        for path in write_figures(out, preset, coverage=args.coverage):
            print(f"wrote {path}")
    if args.theory:
        for path in write_theory(out, preset):
            print(f"wrote {path}")
    for key, msg in rep.failed:
        print(f"FAILED {key}: {msg}", file=sys.stderr)
    return 1 if rep.failed else 0
