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
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gan_backend.engine._validate import optional_positive_int
from gan_backend.engine.progress import format_seconds
from gan_backend.experiments import coverage_cost
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.runs import (
    LockstepUnit, Unit, derive_seed, execute_first, execute_firsts, execute_lockstep, execute_theory, execute_unit,
    first_batches, plan_units, run_specs, theory_key,
)
from gan_backend.experiments.store import ResultStore
from proofs_check._interrupt import interrupts_kept, raise_if_interrupted

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
    from dask.distributed import Client, LocalCluster  # lazy: dask.distributed costs ~0.5 s at CLI start-up

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


def _default_calibration(preset: Preset):
    """Relative costs only (for the ETA when no calibration was asked for)."""
    return coverage_cost.Calibration(gan_step={v: 3e-4 for v in preset.variant_names}, disc_step=1.5e-4,
                                     evaluation=0.3, selection=0.05)


# ---------------------------------------------------------------------------------------
# Task kinds: each says what to submit (``fn`` on ``inputs``), what to store when its
# result arrives (``stored``, which may return tasks to submit again) and what to report
# when it fails (``failed``). Retries and resubmission live in :class:`_Loop` only.
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    """A task of the run set; this base kind stores a list of run records (``rec``)."""

    key: str
    runs: int
    cost: float
    submit_key: str
    fn: Callable
    args: tuple

    order = 2  # submission order: GAN-1 batches, then GAN 1s, then the rest (longest first)
    waited = True  # its result goes through the loop (a GAN-1 batch reports through its picks)
    keep = False  # its future stays alive after it arrives (GAN 1: passed on to the units)

    @property
    def priority(self) -> int:
        return int(self.cost * 1000)

    def inputs(self, loop: "_Loop") -> tuple:
        return self.args

    def submitted(self, loop: "_Loop", fut) -> None:
        pass

    def stored(self, loop: "_Loop", rec) -> list:
        added = loop.store.add_many(rec)
        loop.report.duplicates += len(rec) - added
        t = rec[0]["timings"]
        loop.bar.update(f"{self.key} {t.get('unit_s', t['total_s']):.1f}s", runs=self.runs, cost=self.cost)
        return []

    def failed(self, loop: "_Loop", msg: str) -> None:
        loop.report.failed.append((self.key, msg))
        loop.bar.update(f"{self.key} FAILED: {msg[:200]}", failed=True, runs=self.runs, cost=self.cost)


class _RunJob(_Job):
    """One run without GAN 1: ``task(spec, preset)``."""


class _UnitJob(_Job):
    """The methods of one group sharing its GAN 1 (passed as its bytes)."""

    def inputs(self, loop):
        return (*self.args, loop.first_of(self.args[1].group))


class _TheoryJob(_Job):
    """One ``--theory`` run, stored in the theory table."""

    def stored(self, loop, rec):
        added = int(loop.store.add_theory(rec))
        loop.report.duplicates += 1 - added
        t = rec["timings"]
        loop.bar.update(f"{self.key} {t.get('unit_s', t['total_s']):.1f}s", runs=self.runs, cost=self.cost)
        return []


class _FirstJob(_Job):
    """GAN 1 of a group: stored as it arrives; its future goes to the group's units."""

    order = 1
    keep = True

    @property
    def priority(self) -> int:
        return 10**9

    def submitted(self, loop, fut):
        loop.first_futures[self.key] = fut

    def stored(self, loop, rec):
        if isinstance(rec, BaseException):  # failed in its batch
            self.failed(loop, _message(rec))
            return []
        loop.store.add_component(rec)
        loop.bar.update(f"{self.key} first GAN {rec['timings']['total_s']:.1f}s", runs=0, cost=self.cost)
        return []

    def failed(self, loop, msg):
        loop.report.failed.append((f"{self.key} (first GAN)", msg))
        loop.bar.update(f"{self.key} first GAN FAILED: {msg[:200]}", runs=0, cost=self.cost)


class _FirstPickJob(_FirstJob):
    """GAN 1 of a group picked out of its batch (``args = (batch key, index)``); a batch
    lost with its worker is submitted again first."""

    def inputs(self, loop):
        bkey, i = self.args
        batch = loop.batch_futures[bkey]
        if batch.status in ("lost", "cancelled"):  # gone with its worker: train again
            n = loop.resubmitted.get(bkey, 0) + 1
            loop.resubmitted[bkey] = n
            bj = loop.batch_jobs[bkey]
            batch = loop.submit(bj, f"{bj.submit_key}-again{n}")
        return (batch, i)


class _FirstBatchJob(_Job):
    """GAN 1s of up to ``batch_runs`` groups in one batched task, reported by its picks."""

    order = 0
    waited = False

    @property
    def priority(self) -> int:
        return 10**9 + 1

    def submitted(self, loop, fut):
        loop.batch_futures[self.key] = fut
        loop.batch_jobs[self.key] = self


class _LockstepJob(_Job):
    """AdaGAN runs in lockstep: stored run by run; failed runs go again in a new unit."""

    def inputs(self, loop):
        return (*self.args, *(loop.first_of(g) for g in self.args[1].groups))

    def stored(self, loop, rec):
        again = _lockstep_outcome(self, rec, loop.store, loop.report, loop.bar, loop.run_retries, loop.retries)
        return [] if again is None else [again]

    def failed(self, loop, msg):  # each run of the unit reported on its own
        loop.report.failed.extend((s.key, msg) for s in self.args[1].specs)
        loop.bar.update(f"{self.key} FAILED: {msg[:200]}", failed=True, runs=self.runs, cost=self.cost)


def _lockstep_job(unit: LockstepUnit, preset, task: Callable, cost: float, cfg: dict, attempt: int = 0) -> _Job:
    token = {**cfg, "runs": [s.key for s in unit.specs], "attempt": attempt}
    return _LockstepJob(unit.key, len(unit.specs), cost, _task_key("lockstep", unit.key, token),
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


class _Loop:
    """The scheduling loop: submits tasks, hands each arriving result to its kind, and
    submits again (under a fresh key) a task lost with its worker, up to ``retries`` times."""

    def __init__(self, client, store, report: DriverReport, bar: ProgressBar, retries: int):
        self.client, self.store, self.report, self.bar, self.retries = client, store, report, bar, retries
        self.futures: list = []  # everything submitted (cancelled on Ctrl-C)
        self.by_key: dict = {}  # future key -> its task, for the tasks the loop waits on
        self.first_futures: dict = {}  # group key -> future of its GAN 1
        self.batch_futures: dict = {}  # GAN-1 batch key -> its future
        self.batch_jobs: dict = {}
        self.resubmitted: dict = {}  # task key -> times submitted again
        self.run_retries: dict = {}  # failed runs of lockstep units, submitted again
        self.pending = None

    def first_of(self, group):
        first = self.store.component(group.key)  # stored once GAN 1 is back
        return self.first_futures[group.key] if first is None else first

    def submit(self, job: _Job, key: str | None = None):
        fut = self.client.submit(job.fn, *job.inputs(self), key=key or job.submit_key, pure=False,
                                 retries=self.retries, priority=job.priority)
        self.futures.append(fut)
        job.submitted(self, fut)
        if job.waited:
            self.by_key[fut.key] = job
            if self.pending is not None:
                self.pending.add(fut)
        return fut

    def run(self, jobs: list) -> None:
        from dask.distributed import as_completed  # lazy: dask.distributed costs ~0.5 s at CLI start-up

        for j in sorted(jobs, key=lambda j: (j.order, -j.cost)):  # GAN-1 tasks first: the units wait on them
            self.submit(j)
        self.pending = as_completed([f for f in self.futures if f.key in self.by_key])
        # a Ctrl-C that Python drops inside a finaliser (a Dask future's ``__del__``) or a gc
        # callback is remembered, and raised again after the result it came with
        with interrupts_kept():
            for fut in self.pending:
                self.collect(fut)
                raise_if_interrupted()

    def collect(self, fut) -> None:
        job = self.by_key[fut.key]
        if fut.status != "finished":
            exc = fut.exception() if fut.status == "error" else None
            n = self.resubmitted.get(job.key, 0)
            if exc is None and n < self.retries:
                # lost or cancelled with a dying worker, without an exception of its own:
                # the same task again, under a fresh key
                self.resubmitted[job.key] = n + 1
                self.submit(job, f"{job.submit_key}-again{n + 1}")
                return
            job.failed(self, _message(exc) if exc is not None else f"task {fut.status} (its worker was lost)")
            return
        rec = fut.result()
        if not job.keep:
            fut.release()
        for again in job.stored(self, rec):
            self.submit(again)


def _stored_rows(store) -> int:
    """Runs and ``--theory`` runs held by ``store``."""
    return store.count() + len(store.theory_keys())


def _schedule(jobs: list, n_workers: int, scheduler, store, report: DriverReport, bar: ProgressBar,
              retries: int) -> None:
    """Run ``jobs`` on a cluster; Ctrl-C cancels what is pending and keeps what is stored."""
    try:
        with _client(n_workers, scheduler) as client:
            loop = _Loop(client, store, report, bar, retries)
            try:
                loop.run(jobs)
            except KeyboardInterrupt:
                report.interrupted = True
                with contextlib.suppress(Exception):
                    client.cancel(loop.futures)
    except KeyboardInterrupt:  # a second Ctrl-C while the cluster closes
        report.interrupted = True
    finally:
        bar.close()


# ---------------------------------------------------------------------------------------
# Planning: what is left to compute, its cost, and its tasks.
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Work:
    shared: bool  # coverage-table units sharing GAN 1 (else one task per run)
    units: list
    groups: list  # groups whose GAN 1 is to train
    theory: list  # ``theory_modes`` whose theory run is to do
    total: int
    skipped: int


def _check_args(workers, max_runs, estimate: bool, first_task) -> None:
    optional_positive_int("workers", workers)
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 0):
        raise ValueError(f"`max_runs` must be a nonnegative integer; got {max_runs!r}")
    if estimate and first_task is None:
        raise ValueError("`estimate` needs the GAN-1 tasks; with first_task=None the caller estimates")


def _cut(units: list, max_runs: int) -> list:
    """Whole units up to about ``max_runs`` runs (at least one); the last lockstep unit is cut to fit."""
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
    return kept


def _groups_todo(store, preset, units: list) -> list:
    """The groups of ``units`` whose GAN 1 is not stored (the stored ones checked)."""
    todo: dict = {}  # insertion-ordered set
    stored = store.component_keys()
    for u in units:
        for g in u.groups:
            if g.key in stored:
                store.check_component_config(g.key, preset.first_config(g.modes, g.variant))
            else:
                todo.setdefault(g, None)
    return list(todo)


def _theory_todo(store, preset) -> tuple[list, int]:
    """The theory runs to do and the number already stored (checked)."""
    done_t = store.theory_keys()
    todo, skipped = [], 0
    for k in preset.theory_modes:
        key = theory_key(preset, k)
        if key in done_t:
            store.check_theory_config(key, preset.theory_config(k))
            skipped += 1
        else:
            todo.append(k)
    return todo, skipped


def _plan_work(store, preset, shared: bool, max_runs, theory: bool) -> _Work:
    """What is left to compute; refuses a store of other settings before anything runs."""
    specs = run_specs(preset)
    store.claim_preset(preset.name)
    done = store.keys()
    for s in specs:  # refuse to mix settings before computing anything
        if s.key in done:
            store.check_config(s.key, preset.run_config(s.method, s.modes, s.variant))
    all_units = plan_units(preset, done) if shared else [Unit(s.group, (s.method,)) for s in specs]
    units = [u for u in all_units if any(s.key not in done for s in u.specs)]
    skipped = len(specs) - sum(len(u.specs) for u in units)
    if max_runs is not None:
        units = _cut(units, max_runs)
    groups = _groups_todo(store, preset, units) if shared else []
    theory_todo, theory_done = _theory_todo(store, preset) if theory else ([], 0)
    total = len(specs) + (len(preset.theory_modes) if theory else 0)
    return _Work(shared, units, groups, theory_todo, total, skipped + theory_done)


def _costs(preset, work: _Work, cost, n_workers: int, scheduler, estimating: bool, stream):
    """(plan, unit key -> relative cost); prints the estimate when ``estimating``."""
    if not work.shared:
        return None, {u.key: 1.0 if cost is None else float(cost(u.specs[0])) for u in work.units}
    est_workers = n_workers
    if scheduler is not None and estimating and work.units:
        from dask.distributed import Client  # lazy: dask.distributed costs ~0.5 s at CLI start-up

        with Client(scheduler, timeout=SCHEDULER_TIMEOUT) as c:  # the estimate's schedule over its threads
            est_workers = max(1, sum(c.nthreads().values()))
    cal = coverage_cost.calibrate(preset) if estimating and work.units else _default_calibration(preset)
    plan = coverage_cost.plan_cost(preset, work.units, work.groups, cal, est_workers)
    if estimating and work.units:
        print(coverage_cost.format_plan(preset, plan, cal), file=stream, flush=True)
    return plan, plan.costs


def _first_jobs(preset, groups: list, costs: dict, first_task, firsts_task) -> list:
    """GAN-1 tasks: one per group, or with ``batch_runs`` one per batch and one pick per group."""
    jobs: list = []
    if getattr(preset, "batch_runs", None) is None or firsts_task is None:
        for g in groups:
            cfg = preset.first_config(g.modes, g.variant)
            jobs.append(_FirstJob(g.key, 0, costs[f"first:{g.key}"], _task_key("first", g.key, cfg),
                                  first_task, (g, preset)))
        return jobs
    for b in first_batches(preset, groups):
        token = {**preset.first_config(b.groups[0].modes, b.variant), "groups": [g.key for g in b.groups]}
        jobs.append(_FirstBatchJob(b.key, 0, 0.0, _task_key("firsts", b.key, token), firsts_task, (b, preset)))
        for i, g in enumerate(b.groups):
            cfg = preset.first_config(g.modes, g.variant)
            jobs.append(_FirstPickJob(g.key, 0, costs[f"first:{g.key}"],
                                      _task_key("first", g.key, {**cfg, "batch": b.key}), _first_of_batch,
                                      (b.key, i)))
    return jobs


def _unit_jobs(preset, work: _Work, costs: dict, task, lockstep_task) -> list:
    """One task per unit: lockstep units, units sharing GAN 1, or single runs."""
    jobs: list = []
    for u in work.units:
        spec = u.specs[0]
        cfg = preset.run_config(spec.method, spec.modes, spec.variant)
        if isinstance(u, LockstepUnit):
            jobs.append(_lockstep_job(u, preset, lockstep_task, costs[u.key], cfg))
        elif work.shared:
            jobs.append(_UnitJob(u.key, len(u.specs), costs[u.key],
                                 _task_key("unit", u.key, {**cfg, "methods": u.methods}), _unit_task,
                                 (task, u, preset)))
        else:
            jobs.append(_RunJob(u.key, len(u.specs), costs[u.key],
                                _task_key("run", u.key, {**cfg, "methods": u.methods}), _run_task,
                                (task, u, preset)))
    for k in work.theory:
        key = theory_key(preset, k)
        jobs.append(_TheoryJob(key, 1, preset.T * 1.0, _task_key("theory", key, preset.theory_config(k)),
                               execute_theory, (preset, k)))
    return jobs


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
    _check_args(workers, max_runs, estimate, first_task)
    t0 = time.perf_counter()
    stream = sys.stdout if stream is None else stream
    out = Path(out)
    if not estimate_only:
        out.mkdir(parents=True, exist_ok=True)
    with ResultStore(out / RESULTS_FILE, readonly=estimate_only) as store:
        work = _plan_work(store, preset, first_task is not None, max_runs, theory)
        n_workers = workers or max(1, min(os.cpu_count() or 1, len(work.units) + len(work.theory)))
        plan, costs = _costs(preset, work, cost, n_workers, scheduler, estimate or estimate_only, stream)
        report = DriverReport(total=work.total, skipped=work.skipped, plan=plan)
        if estimate_only or not (work.units or work.theory):
            report.elapsed_s = time.perf_counter() - t0
            return report
        jobs = (_first_jobs(preset, work.groups, costs, first_task, firsts_task) if work.shared else [])
        jobs += _unit_jobs(preset, work, costs, task, lockstep_task)
        bar = ProgressBar(work.total, done=report.skipped, enabled=progress, cost_total=sum(j.cost for j in jobs))
        # what the store gained, counted there: a Ctrl-C between storing a result and counting
        # it made the report one batch short of the store
        before = _stored_rows(store)
        try:
            _schedule(jobs, n_workers, scheduler, store, report, bar, retries)
        finally:
            report.completed = _stored_rows(store) - before
    report.elapsed_s = time.perf_counter() - t0
    return report
