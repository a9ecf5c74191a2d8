"""Dask driver of the coverage table: runs are independent tasks, results go to SQLite.

- By default the driver starts a ``LocalCluster`` of ``workers`` processes with one
  thread each, and single-threaded BLAS/OpenMP/Numba in every worker (environment set
  before the worker processes are spawned), so that a run's record does not depend on
  the number of workers. With ``scheduler=ADDRESS`` it connects to an existing cluster
  instead (its workers' environment is then the cluster owner's business).
- Tasks (:mod:`gan_backend.experiments.runs`): per data draw and GAN variant, one task
  trains GAN 1 (:func:`execute_first`), and the units (:func:`execute_unit`: the methods
  sharing the independent GANs together, each AdaGAN method alone) start from it; Dask
  passes GAN 1 to them. GAN 1 is stored as soon as it arrives, so a resumed table does
  not train it again.
- With ``preset.batch_runs = R`` (``table --batch-runs R``) the GAN 1s still to train
  (not stored, needed by the units of this call) are cut into batches of up to R groups
  of one GAN variant (:class:`~gan_backend.experiments.runs.FirstBatch`), one task each (:func:`execute_firsts`, one
  batched training); a small task per group picks its GAN 1 out of the batch, and the
  units depend on these picks as on a GAN-1 task, so GAN 1 is still stored per group as
  it arrives and a resume trains only the missing ones. A GAN 1 that diverged in its
  batch is reported under its group's key and fails that group's runs only (its units
  with its error, its runs of a lockstep unit as failed runs of that unit, whose other
  runs go on); the other GAN 1s of the batch are stored and used.
- With ``preset.batch_runs = R`` the AdaGAN runs still to
  compute are cut into lockstep units of up to R runs (:class:`LockstepUnit`, across
  groups, cells and methods of one GAN variant; :func:`execute_lockstep` trains their
  mixture discriminators and components of each AdaGAN step in batches); Dask passes the
  GAN 1 of each group of the unit. The store, resume and retries stay per run: the
  finished runs of a unit are stored as it returns, a run that failed alone (e.g. a
  diverged component) is submitted again in a unit of the failed runs, up to ``retries``
  times, then reported under its own key; a resume recomputes only the missing runs, and
  ``max_runs`` cuts the last lockstep unit to fit.
- Experiments whose runs share nothing (``first_task=None``, e.g. the ``modes``
  experiment) get one task per run instead, ``task(spec, preset) -> record``, with the
  same store, resume, retries and progress bar.
- Finished keys found in ``DIR/results.sqlite`` are skipped (resume); the remaining units
  are submitted longest first, with ``retries=2`` (a task raising or a worker dying is
  re-run; a worker killed mid-run is also rescheduled by the scheduler).
- Results are collected with ``as_completed`` and written by the driver only, one
  committed transaction per arriving unit. Ctrl-C cancels the pending tasks, closes the
  cluster and keeps every finished row; rerunning resumes.
- A progress bar over runs (runs done / total, elapsed, ETA from the tasks' estimated
  costs) goes to stderr.
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

from gan_backend.engine._validate import optional_positive_int
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.runs import (
    LockstepUnit, Unit, derive_seed, execute_first, execute_firsts, execute_lockstep, execute_theory, execute_unit,
    first_batches, plan_units, run_specs, theory_key,
)
from gan_backend.experiments.store import ResultStore

__all__ = ["DriverReport", "run_table", "ProgressBar", "format_seconds", "RESULTS_FILE", "WORKER_ENV"]

RESULTS_FILE = "results.sqlite"

#: Seconds to wait for a Dask scheduler given by address.
SCHEDULER_TIMEOUT = "10s"

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
    plan: object = None  # estimate.Plan of the work this call had to do

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


class ProgressBar:
    """A one-line progress bar over runs on a stream (a line per update when not a tty)."""

    def __init__(self, total: int, *, done: int = 0, stream=None, enabled: bool = True, width: int = 28,
                 cost_total: float = 0.0):
        self.total = total
        self.done = done
        self.failed = 0
        self.cost_total = cost_total
        self.cost_done = 0.0
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
        if self.cost_total > 0 and self.cost_done > 0:
            eta_s = el * max(0.0, self.cost_total - self.cost_done) / self.cost_done
        else:
            eta_s = el / new * left if new else None
        eta = f" eta {format_seconds(eta_s)}" if eta_s is not None and left else ""
        fail = f" {self.failed} failed" if self.failed else ""
        line = (f"[{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{self.total} runs "
                f"{format_seconds(el)}{eta}{fail}")
        if last:
            line += f"  {last}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def update(self, last: str = "", *, failed: bool = False, runs: int = 1, cost: float = 0.0) -> None:
        self.done += runs
        self.failed += int(failed) * runs
        self.cost_done += cost
        self.render(last)

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def format_seconds(s: float) -> str:
    """A duration for progress lines: ``42s``, ``3m07s`` or ``2h05m``."""
    s = int(round(s))
    h, m = divmod(s // 60, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s % 60:02d}s" if m else f"{s}s")


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
def _sigint_ignored():
    """SIGINT ignored while the local worker processes start: they inherit it, so a Ctrl-C
    in the terminal reaches the driver only (which cancels the tasks and closes the
    cluster) instead of each worker printing its own traceback."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _client(workers: int, scheduler: str | None):  # noqa: C901 - two ways to get a client
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        try:
            yield client
        finally:
            client.close()
        return
    with _env(WORKER_ENV), _sigint_ignored():
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,  # any free port: no clash warnings
        )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _task_key(kind: str, key: str, config: dict) -> str:
    token = derive_seed(repr(sorted(config.items())))
    return f"{kind}-{key.replace('/', '-')}-{token:016x}"


def _bytes(first):
    return first["generator"] if isinstance(first, dict) else first


def _message(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _unit_task(task, unit, preset, first):
    """``task(unit, preset, first_bytes)``; ``first`` is the bytes, the GAN-1 record, or
    the failure of a GAN 1 trained in a batch (raised: the unit fails with it)."""
    if isinstance(first, BaseException):
        raise first
    return task(unit, preset, _bytes(first))


def _lockstep_task(task, unit, preset, *firsts):
    """``task(unit, preset, *firsts_bytes)``; each of ``firsts`` is the bytes, the GAN-1
    record, or the failure of a GAN 1 trained in a batch: the runs of that group are then
    error entries (its failure) and the others run without them."""
    failed = {g: f for g, f in zip(unit.groups, firsts) if isinstance(f, BaseException)}
    if not failed:
        return task(unit, preset, *(_bytes(f) for f in firsts))
    ok = [s for s in unit.specs if s.group not in failed]
    done = {}
    if ok:
        rest = LockstepUnit(tuple(ok))
        given = dict(zip(unit.groups, firsts))
        done = {r["key"]: r for r in task(rest, preset, *(_bytes(given[g]) for g in rest.groups))}
    return [done[s.key] if s.group not in failed else {"key": s.key, "error": _message(failed[s.group])}
            for s in unit.specs]


def _first_of_batch(entries, i):
    """Entry ``i`` of a GAN-1 batch (:func:`execute_firsts`): the group's record, or the
    exception of its failed GAN 1, which the units of that group (only) then fail with."""
    return entries[i]


def _run_task(task, unit, preset):
    """``[task(spec, preset)]`` for the one run of a unit without GAN 1."""
    (spec,) = unit.specs
    return [task(spec, preset)]


@dataclass(frozen=True)
class _Job:
    key: str
    kind: str  # "first", "firsts" (a GAN-1 batch), "unit", "lockstep", "run" (a unit without GAN 1) or "theory"
    runs: int
    cost: float
    submit_key: str
    fn: Callable
    args: tuple


def _default_calibration(preset: Preset):
    """Relative costs only (for the ETA when no calibration was asked for)."""
    from gan_backend.experiments.coverage_cost import Calibration

    return Calibration(gan_step={v: 3e-4 for v in preset.variant_names}, disc_step=1.5e-4,
                       evaluation=0.3, selection=0.05)


def _lockstep_job(unit: LockstepUnit, preset, task: Callable, cost: float, cfg: dict, attempt: int = 0) -> _Job:
    token = {**cfg, "runs": [s.key for s in unit.specs], "attempt": attempt}
    return _Job(unit.key, "lockstep", len(unit.specs), cost, _task_key("lockstep", unit.key, token),
                _lockstep_task, (task, unit, preset))


def _lockstep_outcome(job: _Job, records: list, store, report: DriverReport, bar, run_retries: dict,
                      retries: int) -> _Job | None:
    """Store the finished runs of a lockstep unit; its failed runs are submitted again
    together (a new lockstep unit, each run at most ``retries`` times) or reported one by
    one. Returns the unit to submit again, if any."""
    unit, preset = job.args[1], job.args[2]
    ok = [r for r in records if "error" not in r]
    failed = {r["key"]: r["error"] for r in records if "error" in r}
    added = store.add_many(ok)
    report.completed += added
    report.duplicates += len(ok) - added
    again, gave_up = [], []
    for spec in unit.specs:
        if spec.key in failed:
            n = run_retries.get(spec.key, 0)
            if n < retries:
                run_retries[spec.key] = n + 1
                again.append(spec)
            else:
                gave_up.append(spec.key)
                report.failed.append((spec.key, failed[spec.key]))
    share = job.cost / max(1, len(unit.specs))
    secs = ok[0]["timings"].get("unit_s", 0.0) if ok else 0.0
    if ok:
        bar.update(f"{job.key} {secs:.1f}s", runs=len(ok), cost=share * len(ok))
    for key in gave_up:
        bar.update(f"{key} FAILED: {failed[key][:200]}", failed=True, runs=1, cost=share)
    if not again:
        return None
    retry = LockstepUnit(tuple(again))
    first = retry.specs[0]
    cfg = preset.run_config(first.method, first.modes, first.variant)
    attempt = max(run_retries[s.key] for s in again)
    return _lockstep_job(retry, preset, job.args[0], share * len(again), cfg, attempt)


def run_table(
    preset: Preset,
    out,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    max_runs: int | None = None,
    progress: bool = True,
    theory: bool = False,
    task: Callable = execute_unit,
    first_task: Callable | None = execute_first,
    firsts_task: Callable | None = execute_firsts,
    lockstep_task: Callable = execute_lockstep,
    cost: Callable | None = None,
    retries: int = 2,
    estimate: bool = False,
    estimate_only: bool = False,
    stream=None,
) -> DriverReport:
    """Run every unfinished run of ``preset`` and store it in ``out/results.sqlite``.

    Parameters
    ----------
    preset : Preset
        Or, with ``first_task=None``, any settings object with ``name``, ``runs``,
        ``modes``, ``methods``, ``variant_names``, ``theory_modes`` and
        ``run_config(method, modes, variant)`` (e.g.
        :class:`~gan_backend.experiments.mode_collapse.ModesSetting`).
    out : path
        Output directory (created).
    workers : int, optional
        Local worker processes (default: the number of CPUs, at most the tasks to do).
        Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler.
    max_runs : int, optional
        Compute at most about this many of the unfinished runs (whole units, at least
        one; a partial table; rerun to go on).
    theory : bool
        Also run the unfinished ``--theory`` runs (:func:`execute_theory`, one per
        ``preset.theory_modes``), stored in the ``theory`` table.
    task, first_task, firsts_task, lockstep_task : callable
        The per-unit, GAN-1, GAN-1-batch and lockstep-unit functions
        (:func:`execute_unit`, :func:`execute_first`, :func:`execute_firsts`,
        :func:`execute_lockstep`; tests substitute stand-ins). With
        ``preset.batch_runs`` set, the GAN 1s still to train go to ``firsts_task``
        (``firsts_task(batch, preset)`` -> one record or exception per group of the
        :class:`~gan_backend.experiments.runs.FirstBatch`) in batches of up to
        ``batch_runs`` groups of one GAN variant; ``firsts_task=None`` keeps one
        ``first_task`` per group.
        ``first_task=None``: no GAN-1 tasks; every run of :func:`run_specs` is a task of
        its own, ``task(spec, preset)`` returning its store record (a dict with
        ``timings["total_s"]``).
    cost : callable, optional
        With ``first_task=None``: ``cost(spec)``, a run's relative cost (longest-first
        submission and the progress bar's ETA; default: all equal).
    estimate : bool
        Calibrate on this machine and print the number of GAN trainings and the estimated
        wall time (to ``stream``, default stdout) before starting. Coverage-table units
        only: with ``first_task=None`` the caller prints its own estimate (ValueError).
    estimate_only : bool
        Print the estimate (coverage table) and compute nothing.

    Returns
    -------
    DriverReport
        Counts of skipped / completed runs, failures ``(key, message)``, and whether the
        driver was interrupted (Ctrl-C). Finished rows are stored in every case.

    Raises
    ------
    ValueError
        Bad arguments; :class:`~gan_backend.experiments.store.StoreLayoutError`,
        :class:`~gan_backend.experiments.store.PresetMismatch` or
        :class:`~gan_backend.experiments.store.ConfigMismatch` for a store that cannot be
        resumed with these settings (checked before anything is computed).
    """
    from gan_backend.experiments import coverage_cost as est

    optional_positive_int("workers", workers)
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 0):
        raise ValueError(f"`max_runs` must be a nonnegative integer; got {max_runs!r}")
    if estimate and first_task is None:
        raise ValueError("`estimate` needs the GAN-1 tasks; with first_task=None the caller estimates")
    t0 = time.perf_counter()
    stream = sys.stdout if stream is None else stream
    out = Path(out)
    if not estimate_only:
        out.mkdir(parents=True, exist_ok=True)
    specs = run_specs(preset)
    with ResultStore(out / RESULTS_FILE, readonly=estimate_only) as store:
        store.claim_preset(preset.name)
        done = store.keys()
        for s in specs:  # refuse to mix settings before computing anything
            if s.key in done:
                store.check_config(s.key, preset.run_config(s.method, s.modes, s.variant))
        shared = first_task is not None
        all_units = plan_units(preset, done) if shared else [Unit(s.group, (s.method,)) for s in specs]
        units = [u for u in all_units if any(s.key not in done for s in u.specs)]
        skipped = len(specs) - sum(len(u.specs) for u in units)
        if max_runs is not None:
            kept, n = [], 0
            for u in units:
                if n >= max_runs and kept:
                    break
                if max_runs == 0:
                    break
                if isinstance(u, LockstepUnit) and n + len(u.specs) > max_runs and n < max_runs:
                    u = u.head(max_runs - n)  # lockstep runs are independent: cut the unit to fit
                kept.append(u)
                n += len(u.specs)
            units = kept
        groups_todo: dict = {}  # insertion-ordered set: the groups whose GAN 1 is to train
        firsts_stored = store.component_keys() if shared else set()
        for u in units if shared else ():
            for g in u.groups:
                if g.key in firsts_stored:
                    store.check_component_config(g.key, preset.first_config(g.modes, g.variant))
                else:
                    groups_todo.setdefault(g, None)
        groups_todo = list(groups_todo)
        theory_todo = []
        total = len(specs)
        if theory:
            done_t = store.theory_keys()
            for k in preset.theory_modes:
                key = theory_key(preset, k)
                total += 1
                if key in done_t:
                    store.check_theory_config(key, preset.theory_config(k))
                    skipped += 1
                else:
                    theory_todo.append(k)
        n_workers = workers or max(1, min(os.cpu_count() or 1, len(units) + len(theory_todo)))
        est_workers = n_workers
        if scheduler is not None and (estimate or estimate_only) and shared and units:
            from dask.distributed import Client

            with Client(scheduler, timeout=SCHEDULER_TIMEOUT) as c:  # the estimate's schedule over its threads
                est_workers = max(1, sum(c.nthreads().values()))
        if shared:
            cal = est.calibrate(preset) if (estimate or estimate_only) and units else _default_calibration(preset)
            plan = est.plan_cost(preset, units, groups_todo, cal, est_workers)
            if (estimate or estimate_only) and units:
                print(est.format_plan(preset, plan, cal), file=stream, flush=True)
            costs = plan.costs
        else:
            plan = None
            costs = {u.key: 1.0 if cost is None else float(cost(u.specs[0])) for u in units}
        report = DriverReport(total=total, skipped=skipped, plan=plan)
        if estimate_only or not (units or theory_todo):
            report.elapsed_s = time.perf_counter() - t0
            return report

        jobs: list[_Job] = []
        if getattr(preset, "batch_runs", None) is not None and firsts_task is not None:
            for b in first_batches(preset, groups_todo):  # one task per batch, one pick per group
                token = {**preset.first_config(b.groups[0].modes, b.variant), "groups": [g.key for g in b.groups]}
                jobs.append(_Job(b.key, "firsts", 0, 0.0, _task_key("firsts", b.key, token), firsts_task,
                                 (b, preset)))
                for i, g in enumerate(b.groups):
                    cfg = preset.first_config(g.modes, g.variant)
                    jobs.append(_Job(g.key, "first", 0, costs[f"first:{g.key}"],
                                     _task_key("first", g.key, {**cfg, "batch": b.key}), _first_of_batch,
                                     (b.key, i)))
        else:
            for g in groups_todo:
                cfg = preset.first_config(g.modes, g.variant)
                jobs.append(_Job(g.key, "first", 0, costs[f"first:{g.key}"], _task_key("first", g.key, cfg),
                                 first_task, (g, preset)))
        for u in units:
            first_spec = u.specs[0]
            cfg = preset.run_config(first_spec.method, first_spec.modes, first_spec.variant)
            if isinstance(u, LockstepUnit):
                jobs.append(_lockstep_job(u, preset, lockstep_task, costs[u.key], cfg))
                continue
            kind = "unit" if shared else "run"
            jobs.append(_Job(u.key, kind, len(u.specs), costs[u.key],
                             _task_key(kind, u.key, {**cfg, "methods": u.methods}),
                             _unit_task if shared else _run_task, (task, u, preset)))
        for k in theory_todo:
            key = theory_key(preset, k)
            jobs.append(_Job(key, "theory", 1, preset.T * 1.0, _task_key("theory", key, preset.theory_config(k)),
                             execute_theory, (preset, k)))
        bar = ProgressBar(total, done=report.skipped, enabled=progress,
                          cost_total=sum(j.cost for j in jobs))
        futures = []
        try:
            from dask.distributed import as_completed

            with _client(n_workers, scheduler) as client:
                try:
                    by_key = {}
                    first_futures = {}
                    batch_jobs = {j.key: j for j in jobs if j.kind == "firsts"}
                    batch_futures = {}  # GAN-1 batches: held here, their picks go through as_completed
                    resubmitted: dict[str, int] = {}
                    run_retries: dict[str, int] = {}  # failed runs of lockstep units, submitted again

                    def first_of(group):
                        first = store.component(group.key)  # stored once GAN 1 is back
                        return first_futures[group.key] if first is None else first

                    def submit(j, key):
                        if j.kind == "firsts":
                            fut = client.submit(j.fn, *j.args, key=key, pure=False, retries=retries,
                                                priority=10**9 + 1)
                            batch_futures[j.key] = fut
                            return fut
                        if j.fn is _first_of_batch:
                            batch = batch_futures[j.args[0]]
                            if batch.status in ("lost", "cancelled"):  # gone with its worker: train again
                                n = resubmitted.get(j.args[0], 0) + 1
                                resubmitted[j.args[0]] = n
                                bj = batch_jobs[j.args[0]]
                                batch = submit(bj, f"{bj.submit_key}-again{n}")
                                futures.append(batch)
                            args = (batch, j.args[1])
                        elif j.kind == "unit":
                            args = (*j.args, first_of(j.args[1].group))
                        elif j.kind == "lockstep":
                            args = (*j.args, *(first_of(g) for g in j.args[1].groups))
                        else:
                            args = j.args
                        prio = 10**9 if j.kind == "first" else int(j.cost * 1000)
                        fut = client.submit(j.fn, *args, key=key, pure=False, retries=retries, priority=prio)
                        if j.kind == "first":
                            first_futures[j.key] = fut
                        by_key[fut.key] = j
                        return fut

                    # GAN-1 tasks first (highest priority): the units wait for them
                    for j in sorted(jobs, key=lambda j: (j.kind != "firsts", j.kind != "first", -j.cost)):
                        futures.append(submit(j, j.submit_key))
                    # a GAN-1 batch is not waited on itself: each group's pick reports it
                    pending = as_completed([f for f in futures if f.key in by_key])
                    for fut in pending:
                        job = by_key[fut.key]
                        if fut.status != "finished":
                            exc = fut.exception() if fut.status == "error" else None
                            n = resubmitted.get(job.key, 0)
                            if exc is None and n < retries:
                                # lost or cancelled with a dying worker, without an exception of
                                # its own: the same task again, under a fresh key
                                resubmitted[job.key] = n + 1
                                again = submit(job, f"{job.submit_key}-again{n + 1}")
                                futures.append(again)
                                pending.add(again)
                                continue
                            msg = ("".join(traceback.format_exception_only(type(exc), exc)).strip()
                                   if exc is not None else f"task {fut.status} (its worker was lost)")
                            if job.kind == "first":
                                report.failed.append((f"{job.key} (first GAN)", msg))
                                bar.update(f"{job.key} first GAN FAILED: {msg[:200]}", runs=0, cost=job.cost)
                            elif job.kind == "lockstep":  # each run of the unit reported on its own
                                report.failed.extend((s.key, msg) for s in job.args[1].specs)
                                bar.update(f"{job.key} FAILED: {msg[:200]}", failed=True, runs=job.runs,
                                           cost=job.cost)
                            else:
                                report.failed.append((job.key, msg))
                                bar.update(f"{job.key} FAILED: {msg[:200]}", failed=True, runs=job.runs,
                                           cost=job.cost)
                            continue
                        rec = fut.result()
                        if job.kind == "first" and isinstance(rec, BaseException):  # failed in its batch
                            msg = _message(rec)
                            report.failed.append((f"{job.key} (first GAN)", msg))
                            bar.update(f"{job.key} first GAN FAILED: {msg[:200]}", runs=0, cost=job.cost)
                            continue
                        if job.kind == "first":
                            store.add_component(rec)
                            bar.update(f"{job.key} first GAN {rec['timings']['total_s']:.1f}s", runs=0,
                                       cost=job.cost)
                            continue
                        fut.release()
                        if job.kind == "lockstep":
                            again = _lockstep_outcome(job, rec, store, report, bar, run_retries, retries)
                            if again is not None:
                                retry = submit(again, again.submit_key)
                                futures.append(retry)
                                pending.add(retry)
                            continue
                        if job.kind == "theory":
                            added = int(store.add_theory(rec))
                            n_recs = 1
                        else:
                            added = store.add_many(rec)
                            n_recs = len(rec)
                        report.completed += added
                        report.duplicates += n_recs - added
                        t = rec["timings"] if job.kind == "theory" else rec[0]["timings"]
                        secs = t.get("unit_s", t["total_s"])
                        bar.update(f"{job.key} {secs:.1f}s", runs=job.runs, cost=job.cost)
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
