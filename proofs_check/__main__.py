"""``python -m proofs_check [--instances N] [--seed S] [--json PATH] [--only IDS] [--list] [--statements MODULE]``

Checks every statement of docs/theory.md on N generated instances each, refutes every known-false
variant with a shrunk counterexample, runs the symbolic derivations and the S9 demonstration,
and the rows of the user's statement modules (--statements, and installed entry points of the
group proofs_check.statements), prints a table (progress on stderr) and exits 0 iff every
statement holds and every known-false variant is refuted (1 otherwise, 2 for bad arguments,
130 when interrupted).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from proofs_check._interrupt import caused_by_interrupt, interrupted, interrupts_kept

DEFAULT_INSTANCES = 200
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))
MAX_INSTANCES = 100_000
"""Upper bound of --instances: at the default 200 the whole report takes minutes on 2 cores and
the time grows linearly, so 100,000 is already days of work (the progress lines give an ETA)."""
MAX_JOBS = 256
DEFAULT_RUN_SECONDS = 250.0
"""Measured wall time of the whole report at the defaults (58 rows, --instances 200, 2 jobs, 2 shared
cores, 2026-12-06): the basis of the rough estimate printed before a run above the default size."""
_POOL_STARTED = False  # whether worker processes (and their semaphores) were started in this process


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
    p.add_argument("--only", nargs="+", action="extend", metavar="IDS",
                   help="ids, comma- or space-separated (repeatable); S11 also selects S11-kl etc.")
    p.add_argument("--list", action="store_true", help="list the rows and exit")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, metavar="J",
                   help=f"worker processes (default {DEFAULT_JOBS}); results do not depend on it")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--statements", action="append", default=[], metavar="MODULE",
                   help="also run the rows of MODULE (an importable module name or a path to a .py file exposing "
                        "STATEMENTS or @proofs_check.statement rows); repeatable")
    p.add_argument("--no-plugins", action="store_true",
                   help="do not load the rows of installed entry points (group proofs_check.statements)")
    return p


def _progress(args, k, total, o, t0) -> None:
    if not args.quiet:
        spent = time.perf_counter() - t0
        eta = f", ETA {_duration(spent / k * (total - k))}" if k < total else ""
        print(f"[{k:>2}/{total}] {o.id:<26} {o.verdict:<11} ({o.instances} instances, {o.seconds:.1f} s{eta})",
              file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 else \
        f"{seconds / 3600:.1f} h"


def _run_rows(chosen, args, parallel: bool) -> list:
    """Run rows in order, or in ``--jobs`` spawned worker processes (each row is seeded from
    (seed, id), so the outcomes do not depend on the scheduling)."""
    t0 = time.perf_counter()
    if not parallel or args.jobs <= 1 or len(chosen) <= 1:
        from proofs_check._runner import run_row

        out = []
        for k, row in enumerate(chosen, 1):
            out.append(run_row(row, instances=args.instances, seed=args.seed))
            _progress(args, k, len(chosen), out[-1], t0)
        return out
    from proofs_check._registry import ignore_sigint, run_by_id

    results = {}
    sources = tuple(os.path.abspath(s) if s.endswith(".py") or "/" in s or os.sep in s else s
                    for s in args.statements)
    plugins = not args.no_plugins
    global _POOL_STARTED
    _POOL_STARTED = True
    pool = ProcessPoolExecutor(max_workers=min(args.jobs, len(chosen)), mp_context=get_context("spawn"),
                               initializer=ignore_sigint)
    try:
        futures = {pool.submit(run_by_id, r.id, args.instances, args.seed, sources, plugins): r.id for r in chosen}
        for k, fut in enumerate(as_completed(futures), 1):
            try:
                results[futures[fut]] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails its row, not the report
                results[futures[fut]] = _failed(next(r for r in chosen if r.id == futures[fut]), exc)
            _progress(args, k, len(chosen), results[futures[fut]], t0)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):  # stop the rows in progress now
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
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
        return f"{parent!r} is not a directory" if os.path.exists(parent) else f"directory {parent!r} does not exist"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "file is not writable"
    if not os.path.exists(path) and not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {parent!r} is not writable"
    existed = os.path.exists(path)
    try:  # the real test: open it for writing (append: an existing report is kept until the end)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        return f"cannot be opened for writing: {exc.strerror or exc}"
    if not existed:
        try:
            os.remove(path)
        except OSError:
            pass
    return None


def main(argv=None, *, rows=None) -> int:
    """The command (exit status: 0 all as expected, 1 a row not as expected, 2 bad arguments, 130
    interrupted by Ctrl-C: one line on stderr, the worker processes stopped)."""
    with interrupts_kept():
        try:
            return _main(argv, rows=rows)
        except Exception as exc:  # noqa: BLE001 - re-raised unless a Ctrl-C caused it
            # a Ctrl-C inside an extension module's initialisation surfaces as another
            # exception ("ImportError: initialization failed", SciPy's "TypeError: expected a
            # message argument"): the interrupt is in its chain, or was remembered
            if not (caused_by_interrupt(exc) or interrupted()):
                raise
        except KeyboardInterrupt:
            pass
        print("interrupted (Ctrl-C): no report written", file=sys.stderr, flush=True)
        return 130


def _main(argv, *, rows) -> int:
    args = _parser().parse_args(argv)
    for name, hi in (("instances", MAX_INSTANCES), ("jobs", MAX_JOBS)):
        if not 1 <= getattr(args, name) <= hi:
            print(f"error: --{name} must be an integer in [1, {hi}]; got {getattr(args, name)}", file=sys.stderr)
            return 2
    from proofs_check import _registry
    from proofs_check._plugins import PluginError, user_rows
    from proofs_check._report import report_json, summary, table

    try:
        extra = user_rows(args.statements, plugins=not args.no_plugins, builtin=_registry.rows()) \
            if rows is None else []
        chosen = rows if rows is not None else _registry.select(None if args.only is None else ",".join(args.only), extra=extra)
    except PluginError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
    if args.instances > DEFAULT_INSTANCES and not args.quiet:
        guess = DEFAULT_RUN_SECONDS * args.instances / DEFAULT_INSTANCES * len(chosen) / 58 * DEFAULT_JOBS / args.jobs
        print(f"{len(chosen)} rows at --instances {args.instances}: roughly {_duration(guess)} (scaled from "
              f"{DEFAULT_RUN_SECONDS:.0f} s for the whole report at the defaults on 2 cores; the progress lines "
              "give an ETA)", file=sys.stderr, flush=True)
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
            try:
                with open(args.json, "w", encoding="utf-8") as fh:
                    fh.write(doc + "\n")
            except OSError as exc:  # checked before the run; the file system changed since
                print(f"error: --json {args.json!r}: cannot be written: {exc.strerror or exc}", file=sys.stderr)
                return 2
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    status = main()
    if status == 130 and not _POOL_STARTED:  # Ctrl-C during the imports: CPython may re-raise SIGINT at
        sys.stdout.flush()  # shutdown when the interrupt arrived inside an extension's PyRun_* call (the status
        sys.stderr.flush()  # would be -2), so exit now; with a pool, the normal exit releases its semaphores
        os._exit(130)
    sys.exit(status)
