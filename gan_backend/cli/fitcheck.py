"""Fit check of GAN objectives on K-mode toy data (:mod:`gan_backend.experiments.fitcheck`).

    python -m gan_backend fitcheck --out DIR [--objectives OBJ ...] [--modes K ...]
        [--seeds S ...] [--epochs E] [--n-data N] [--n N] [--workers W] [--report-only]

Writes ``DIR/fit.csv`` (one row per run, appended as each run ends: a rerun of the same
command skips the runs already there) and ``DIR/fit.md`` (the table; ``--report-only``
writes it from the stored runs without training). The default
objectives are ``nonsaturating`` and ``minimax`` (the plain GAN, for reference) and
``fgan:<f>`` and ``fgan-saturating:<f>`` for every registry f and alpha(−1), alpha(0.5),
alpha(2).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from gan_backend.cli._args import objective_spec, output_dir, positive_int, seed
from gan_backend.engine.progress import eta_text
from gan_backend.experiments import fitcheck

NAME = "fitcheck"
HELP = "train one GAN per (objective, K, seed) on gmm data and check that it fits the data's mean and covariance"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="directory for fit.csv and fit.md")
    p.add_argument("--objectives", type=objective_spec, nargs="+", default=None, metavar="OBJ",
                   help="objective specs (default: nonsaturating, minimax, and fgan:<f> and "
                        "fgan-saturating:<f> for every registry f and alpha(-1), alpha(0.5), alpha(2))")
    p.add_argument("--modes", type=positive_int, nargs="+", default=[1, 2], metavar="K", help="K (default 1 2)")
    p.add_argument("--seeds", type=seed, nargs="+", default=[4711, 99, 31337], metavar="S",
                   help="seeds, as `sample --seed` (default 4711 99 31337)")
    p.add_argument("--epochs", type=positive_int, default=15, help="epochs per GAN (default 15)")
    p.add_argument("--n-data", type=positive_int, default=256_000, metavar="N", help="training points (256000)")
    p.add_argument("--n", type=positive_int, default=20_000, metavar="N", help="samples scored per run (20000)")
    p.add_argument("--workers", type=positive_int, default=1, help="processes (default 1)")
    p.add_argument("--report-only", action="store_true",
                   help="train nothing: write fit.md from the runs of these settings already in fit.csv "
                        "(exit 2 when it holds none)")


def _command(args: argparse.Namespace, complete: bool = False) -> str:
    """The command line that makes this table (from the parsed arguments). ``--report-only``
    is kept only when some of its runs are missing (``complete=False``): over a complete set
    of stored runs the training command writes the same table."""
    parts = ["python -m gan_backend fitcheck --out", shlex.quote(str(args.out))]
    if args.objectives:
        parts += ["--objectives", *map(shlex.quote, args.objectives)]
    parts += ["--modes", *map(str, args.modes), "--seeds", *map(str, args.seeds), "--epochs", str(args.epochs),
              "--n-data", str(args.n_data), "--n", str(args.n), "--workers", str(args.workers)]
    if args.report_only and not complete:
        parts.append("--report-only")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    if args.n < 3:
        raise ValueError(f"argument --n: must be at least 3; got {args.n}")
    objectives = args.objectives or ["nonsaturating", "minimax"] + fitcheck.default_objectives()
    specs = [fitcheck.FitSpec(o, k, s, args.epochs, args.n_data, args.n)
             for s in args.seeds for k in args.modes for o in objectives]
    csv_path = Path(args.out) / "fit.csv"
    done = {fitcheck.row_key(r) for r in fitcheck.read_rows(csv_path)}
    if args.report_only and not any(sp.key in done for sp in specs):  # before --out is created
        raise ValueError(f"argument --report-only: {csv_path} holds none of the {len(specs)} runs of these "
                         "settings (objectives, --modes, --seeds, --epochs, --n-data, --n); run without "
                         "--report-only to train them")
    out = output_dir("--out", args.out)
    csv_path = out / "fit.csv"
    todo = [] if args.report_only else [sp for sp in specs if sp.key not in done]
    stored = sum(sp.key in done for sp in specs)
    print(f"fitcheck: {stored} of {len(specs)} runs stored, {len(todo)} to run", file=sys.stderr)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(fitcheck.run_fit, sp): sp for sp in todo}
        for k, fut in enumerate(as_completed(futures), 1):
            sp = futures[fut]
            el = time.perf_counter() - start
            count = f"[{k}/{len(todo)}{eta_text(el, k, len(todo))}]"
            try:
                row = fut.result()
            except FloatingPointError as exc:  # a diverged run is a result, not a crash
                print(f"fitcheck: {sp.objective} K={sp.modes} seed={sp.seed}: {exc} {count}", file=sys.stderr)
                continue
            fitcheck.append_row(csv_path, row)
            print(f"fitcheck: {row['objective']} K={row['modes']} seed={row['seed']} mean dist "
                  f"{row['mean_dist']:.2f} cov {row['cov_ratio_min']:.2f}-{row['cov_ratio_max']:.2f} "
                  f"{'fits' if row['fits'] else 'does not fit'} ({row['seconds']:.0f} s) {count}", file=sys.stderr)
    keys = {sp.key for sp in specs}
    rows = [r for r in fitcheck.read_rows(csv_path) if fitcheck.row_key(r) in keys]
    command = _command(args, complete=all(sp.key in done for sp in specs))
    fitcheck.write_report(rows, out / "fit.md", command)
    return 0
