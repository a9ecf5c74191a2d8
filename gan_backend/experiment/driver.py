"""Dask driver of the coverage table: runs are independent tasks, results go to SQLite.

- By default the driver starts a ``LocalCluster`` of ``workers`` processes with one
  thread each, and single-threaded BLAS/OpenMP/Numba in every worker (environment set
  before the worker processes are spawned), so that a run's record does not depend on
  the number of workers. With ``scheduler=ADDRESS`` it connects to an existing cluster
  instead (its workers' environment is then the cluster owner's business).
- Finished keys found in ``DIR/results.sqlite`` are skipped (resume); the remaining runs
  are submitted longest first, with ``retries=2`` (a task raising or a worker dying is
  re-run; a worker killed mid-run is also rescheduled by the scheduler).
- Results are collected with ``as_completed`` and written by the driver only, one
  committed row per arriving run. Ctrl-C cancels the pending runs, closes the cluster
  and keeps every finished row; rerunning resumes.
- A progress bar over runs goes to stderr.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gan_backend.experiment.presets import Preset
from gan_backend.experiment.runs import (
    RunSpec, derive_seed, execute_run, execute_theory, run_specs, theory_key,
)
from gan_backend.experiment.store import ResultStore

__all__ = ["DriverReport", "run_table", "ProgressBar", "RESULTS_FILE", "WORKER_ENV"]

RESULTS_FILE = "results.sqlite"

# Set in the driver's environment while the local worker processes are spawned
# (inherited by them): one thread for every math library, so a run computes the same
# floating-point results on any worker and two workers do not oversubscribe 2 cores.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


@dataclass
class DriverReport:
    """What a driver call did."""

    total: int
    skipped: int
    completed: int = 0
    duplicates: int = 0
    failed: list = field(default_factory=list)  # (key, message)
    interrupted: bool = False
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


class ProgressBar:
    """A one-line progress bar over runs on a stream (a line per update when not a tty)."""

    def __init__(self, total: int, *, done: int = 0, stream=None, enabled: bool = True, width: int = 28):
        self.total = total
        self.done = done
        self.failed = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.t0 = time.perf_counter()
        self.start_done = done
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.render()

    def render(self, last: str = "") -> None:
        if not self.enabled:
            return
        frac = self.done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        el = time.perf_counter() - self.t0
        new = self.done - self.start_done
        left = self.total - self.done
        eta = f" eta {_fmt_s(el / new * left)}" if new and left else ""
        fail = f" {self.failed} failed" if self.failed else ""
        line = (f"[{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{self.total} runs "
                f"{_fmt_s(el)}{eta}{fail}")
        if last:
            line += f"  {last}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def update(self, last: str = "", *, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.render(last)

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _fmt_s(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def _cost(spec: RunSpec, preset: Preset) -> int:
    """Rough relative cost of a run (GANs trained x modes), for longest-first submission."""
    gans = 1 if spec.method == "vanilla" else preset.T
    return gans * 100 + spec.modes


@contextlib.contextmanager
def _env(values: dict):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _client(workers: int, scheduler: str | None):
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with _env(WORKER_ENV):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _task_key(key: str, config: dict) -> str:
    token = derive_seed(repr(sorted(config.items())))
    return f"gan-{key.replace('/', '-')}-{token:016x}"


@dataclass(frozen=True)
class _Job:
    key: str
    fn: Callable
    args: tuple
    config: dict
    cost: int
    theory: bool = False


def run_table(
    preset: Preset,
    out,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    max_runs: int | None = None,
    progress: bool = True,
    theory: bool = False,
    task: Callable[[RunSpec, Preset], dict] = execute_run,
    retries: int = 2,
) -> DriverReport:
    """Run every unfinished run of ``preset`` and store it in ``out/results.sqlite``.

    Parameters
    ----------
    preset : Preset
    out : path
        Output directory (created).
    workers : int, optional
        Local worker processes (default: the number of CPUs, at most the runs to do).
        Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler.
    max_runs : int, optional
        Submit at most this many of the unfinished table runs (a partial table; rerun to
        go on).
    theory : bool
        Also run the unfinished ``--theory`` runs (:func:`execute_theory`, one per
        ``preset.theory_modes``), stored in the ``theory`` table.
    task : callable
        The per-run function (``execute_run``; tests substitute wrappers).

    Returns
    -------
    DriverReport
        Counts of skipped / completed runs, failures ``(key, message)``, and whether the
        driver was interrupted (Ctrl-C). Finished rows are stored in every case.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"`workers` must be a positive integer; got {workers!r}")
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 0):
        raise ValueError(f"`max_runs` must be a nonnegative integer; got {max_runs!r}")
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = run_specs(preset)
    with ResultStore(out / RESULTS_FILE) as store:
        done = store.keys()
        jobs = []
        for s in specs:  # refuse to mix settings before computing anything
            cfg = preset.run_config(s.method, s.modes)
            if s.key in done:
                store.check_config(s.key, cfg)
            else:
                jobs.append(_Job(s.key, task, (s, preset), cfg, _cost(s, preset)))
        total, skipped = len(specs), len(specs) - len(jobs)
        if max_runs is not None:
            jobs = jobs[:max_runs]
        if theory:
            done_t = store.theory_keys()
            for k in preset.theory_modes:
                key, cfg = theory_key(preset, k), preset.theory_config(k)
                total += 1
                if key in done_t:
                    store.check_theory_config(key, cfg)
                    skipped += 1
                else:
                    jobs.append(_Job(key, execute_theory, (preset, k), cfg, preset.T * 100 + k, True))
        report = DriverReport(total=total, skipped=skipped)
        if not jobs:
            report.elapsed_s = time.perf_counter() - t0
            return report
        jobs.sort(key=lambda j: -j.cost)  # longest first: the last tasks are short
        n_workers = workers or max(1, min(os.cpu_count() or 1, len(jobs)))
        bar = ProgressBar(total, done=report.skipped, enabled=progress)
        futures = []
        try:
            from dask.distributed import as_completed

            with _client(n_workers, scheduler) as client:
                try:
                    futures = [
                        client.submit(j.fn, *j.args, key=_task_key(j.key, j.config), pure=False,
                                      retries=retries, priority=j.cost)
                        for j in jobs
                    ]
                    by_key = {f.key: j for f, j in zip(futures, jobs)}
                    for fut in as_completed(futures):
                        job = by_key[fut.key]
                        if fut.status != "finished":
                            exc = fut.exception()
                            msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                            report.failed.append((job.key, msg))
                            bar.update(f"{job.key} FAILED: {msg[:200]}", failed=True)
                            continue
                        rec = fut.result()
                        fut.release()
                        added = store.add_theory(rec) if job.theory else store.add(rec)
                        if added:
                            report.completed += 1
                        else:
                            report.duplicates += 1
                        bar.update(f"{job.key} {rec['timings']['total_s']:.1f}s")
                except KeyboardInterrupt:
                    report.interrupted = True
                    with contextlib.suppress(Exception):
                        client.cancel(futures)
        except KeyboardInterrupt:  # a second Ctrl-C while the cluster closes
            report.interrupted = True
        finally:
            bar.close()
    report.elapsed_s = time.perf_counter() - t0
    return report
