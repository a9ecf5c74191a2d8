"""``python -m proofs_check [--instances N] [--seed S] [--json PATH] [--only IDS] [--list]``

Checks every statement of docs/theory.md on N generated instances each, refutes every known-false
variant with a shrunk counterexample, runs the symbolic derivations and the S9 demonstration,
prints a table (progress on stderr) and exits 0 iff every statement holds and every known-false
variant is refuted.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

DEFAULT_INSTANCES = 200
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``error: ...`` on stderr, exit 2)."""

    def error(self, message):
        self.exit(2, f"error: {message} (see python -m proofs_check --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m proofs_check", description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", type=int, default=DEFAULT_INSTANCES, metavar="N",
                   help=f"generated instances per statement (default {DEFAULT_INSTANCES})")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the whole run (default 0)")
    p.add_argument("--json", metavar="PATH", help="also write the JSON report to PATH ('-': stdout, the table then goes to stderr)")
    p.add_argument("--only", metavar="IDS", help="comma-separated ids; S11 also selects S11-kl etc.")
    p.add_argument("--list", action="store_true", help="list the rows and exit")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, metavar="J",
                   help=f"worker processes (default {DEFAULT_JOBS}); results do not depend on it")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def _progress(args, k, total, o) -> None:
    if not args.quiet:
        print(f"[{k:>2}/{total}] {o.id:<26} {o.verdict:<11} ({o.instances} instances, {o.seconds:.1f} s)",
              file=sys.stderr, flush=True)


def _run_rows(chosen, args, parallel: bool) -> list:
    """Run rows in order, or in ``--jobs`` spawned worker processes (each row is seeded from
    (seed, id), so the outcomes do not depend on the scheduling)."""
    if not parallel or args.jobs <= 1 or len(chosen) <= 1:
        from proofs_check._runner import run_row

        out = []
        for k, row in enumerate(chosen, 1):
            out.append(run_row(row, instances=args.instances, seed=args.seed))
            _progress(args, k, len(chosen), out[-1])
        return out
    from proofs_check._registry import run_by_id

    results = {}
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_by_id, r.id, args.instances, args.seed): r.id for r in chosen}
        for k, fut in enumerate(as_completed(futures), 1):
            try:
                results[futures[fut]] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails its row, not the report
                results[futures[fut]] = _failed(next(r for r in chosen if r.id == futures[fut]), exc)
            _progress(args, k, len(chosen), results[futures[fut]])
    return [results[r.id] for r in chosen]


def _failed(row, exc):
    from proofs_check._runner import Outcome

    return Outcome(id=row.id, title=row.title, kind=row.kind, expect=row.expect, instances=0, violations=0,
                   errors=0, worst_slack=None, counterexample=None, seconds=0.0, source=row.source,
                   notes=row.notes, error=f"worker failed: {type(exc).__name__}: {exc}", loose=row.loose)


def _json_path_problem(path) -> str | None:
    """Why the report could not be written to ``path`` (checked before any row runs)."""
    if path is None or path == "-":
        return None
    if not path.strip():
        return "empty path"
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "is a directory"
    if not os.path.isdir(parent):
        return f"directory {parent!r} does not exist"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "file is not writable"
    if not os.path.exists(path) and not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {parent!r} is not writable"
    return None


def main(argv=None, *, rows=None) -> int:
    args = _parser().parse_args(argv)
    for name in ("instances", "jobs"):
        if getattr(args, name) < 1:
            print(f"error: --{name} must be a positive integer; got {getattr(args, name)}", file=sys.stderr)
            return 2
    from proofs_check import _registry
    from proofs_check._report import report_json, summary, table

    try:
        chosen = rows if rows is not None else _registry.select(args.only)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.list:
        for r in chosen:
            print(f"{r.id:<26} [{r.expect}] {r.title}")
        return 0
    problem = _json_path_problem(args.json)
    if problem:
        print(f"error: --json {args.json!r}: {problem}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    outcomes = _run_rows(chosen, args, parallel=rows is None)
    elapsed = time.perf_counter() - t0
    out = sys.stderr if args.json == "-" else sys.stdout  # '--json -' keeps stdout pure JSON
    print(table(outcomes), file=out)
    print(f"\n{summary(outcomes)}  [{elapsed:.1f} s, --instances {args.instances} --seed {args.seed}]", file=out)
    if args.json:
        doc = report_json(outcomes, instances=args.instances, seed=args.seed, seconds=elapsed)
        if args.json == "-":
            print(doc)
        else:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(doc + "\n")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
