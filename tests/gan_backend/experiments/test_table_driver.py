"""The Dask driver of the table on stand-in tasks (fast): resume without recomputation or
duplicate rows, worker death retried, task errors reported, Ctrl-C keeps finished rows,
GAN 1 of a data draw computed once and handed to every unit of that draw; per-run tasks
without GAN 1 (``first_task=None``).

The real end-to-end runs (smoke preset, serial vs two workers) are in test_table.py.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from gan_backend.experiments.driver import RESULTS_FILE, run_table
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.runs import Unit, plan_units, run_specs
from gan_backend.experiments.store import ConfigMismatch, PresetMismatch, ResultStore, StoreLayoutError

pytestmark = pytest.mark.slow


@dataclasses.dataclass(frozen=True)
class _Gan:
    epochs: int = 1
    batch_size: int = 256


class FakePreset(Preset):
    """A preset whose GAN config does not need the engine (the tasks below are stand-ins)."""

    def gan_config(self, variant=""):
        return _Gan()


def _preset(**kw):
    base = dict(name="fake", runs=2, modes=(1, 3), methods=("vanilla", "boosted"), T=3)
    base.update(kw)
    return FakePreset(**base)


def _log(log_dir, key):
    Path(log_dir, f"{key.replace('/', '_')}.{uuid.uuid4().hex}").touch()


def fake_first(group, preset, *, log_dir):
    """Stand-in GAN 1: bytes derived from the group's seed; logs each execution."""
    _log(log_dir, f"first-{group.key}")
    return {"key": group.key, "config": preset.first_config(group.modes, group.variant),
            "generator": group.gan_seed.to_bytes(8, "big"), "timings": {"total_s": 0.0}, "host": "h"}


def fake_firsts(batch, preset, *, log_dir, diverge=()):
    """Stand-in GAN-1 batch: ``fake_first`` per group, or for a group in ``diverge`` the
    AdaGanError of a diverged GAN 1; logs the batch and each group."""
    from gan_backend.adagan import AdaGanError

    _log(log_dir, f"firsts-{batch.key}")
    out = []
    for g in batch.groups:
        if g.key in diverge:
            _log(log_dir, f"first-{g.key}")
            out.append(AdaGanError("independent GAN 1: deliberate divergence"))
        else:
            out.append(fake_first(g, preset, log_dir=log_dir))
    return out


def fake_task(unit, preset, first, *, log_dir, sleep=0.0):
    """Deterministic records from the runs' seeds and GAN 1's bytes; logs each execution."""
    assert first == unit.group.gan_seed.to_bytes(8, "big")  # the unit got its own group's GAN 1
    out = []
    for spec in unit.specs:
        _log(log_dir, spec.key)
        time.sleep(sleep)
        rng = np.random.default_rng(spec.seed)
        c = np.sort(rng.uniform(size=preset.T)).tolist()
        out.append({
            "key": spec.key, "preset": spec.preset, "method": spec.method, "modes": spec.modes,
            "run": spec.run, "seed": spec.seed, "data_seed": spec.data_seed,
            "config": preset.run_config(spec.method, spec.modes),
            "metrics": {"t": list(range(1, preset.T + 1)), "coverage": c, "loglik": c},
            "timings": {"total_s": sleep, "unit_s": sleep, "blas": os.environ.get("OPENBLAS_NUM_THREADS")},
            "host": str(os.getpid()), "artifacts": {},
        })
    return out


def crash_once_task(unit, preset, first, *, log_dir, marker):
    """Kills its worker process the first time it runs ``boosted/K3/run0``."""
    if unit.key.endswith("K3/run0/boosted") and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)  # the worker dies mid-run; the nanny restarts it, the task is rescheduled
    return fake_task(unit, preset, first, log_dir=log_dir)


def fail_task(unit, preset, first, *, log_dir):
    if unit.key.endswith("K1/run1/vanilla"):
        _log(log_dir, unit.specs[0].key)
        raise RuntimeError("deliberate failure")
    return fake_task(unit, preset, first, log_dir=log_dir)


def _run(p, out, task, log, **kw):
    kw.setdefault("firsts_task", functools.partial(fake_firsts, log_dir=str(log)))
    return run_table(p, out, task=task, first_task=functools.partial(fake_first, log_dir=str(log)),
                     progress=False, **kw)


def _executions(log_dir):
    counts = {}
    for p in Path(log_dir).iterdir():
        k = p.name.split(".")[0]
        counts[k] = counts.get(k, 0) + 1
    return counts


def _rows(out):
    db = sqlite3.connect(Path(out) / RESULTS_FILE)
    try:
        return db.execute("SELECT key, metrics, finished_at FROM runs ORDER BY key").fetchall()
    finally:
        db.close()


def test_resume_skips_finished_runs_and_never_duplicates(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    p = _preset()
    task = functools.partial(fake_task, log_dir=str(log))
    r1 = _run(p, tmp_path / "out", task, log, workers=1, max_runs=3)
    assert (r1.completed, r1.skipped, r1.total) == (3, 0, 8)
    first = _rows(tmp_path / "out")
    assert len(first) == 3
    r2 = _run(p, tmp_path / "out", task, log, workers=2)
    assert (r2.completed, r2.skipped) == (5, 3) and r2.ok
    rows = _rows(tmp_path / "out")
    assert len(rows) == 8 == len({k for k, *_ in rows})
    assert set(first) <= set(rows)  # the first rows are untouched (same finished_at)
    ex = _executions(log)
    assert set(ex.values()) == {1}  # nothing computed twice, GAN 1 of each group included
    assert sum(k.startswith("first-") for k in ex) == 4  # one GAN 1 per (K, run)
    assert not any(k.startswith("firsts-") for k in ex)  # one task each without batch_runs
    r3 = _run(p, tmp_path / "out", task, log, workers=1)
    assert (r3.completed, r3.skipped) == (0, 8)
    # more runs per cell extend the table (same keys and configs for the first runs)
    r4 = _run(_preset(runs=3), tmp_path / "out", task, log, workers=2)
    assert (r4.completed, r4.skipped) == (4, 8)
    assert set(_executions(log).values()) == {1}
    # every worker ran with single-threaded BLAS
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:
        assert {r.timings["blas"] for r in st.runs()} == {"1"}


def test_other_settings_in_the_same_directory_are_refused(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(runs=1)
    unit = plan_units(p)[0]
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:  # a finished run, stored directly
        st.claim_preset(p.name)
        st.add_many(fake_task(unit, p, unit.group.gan_seed.to_bytes(8, "big"), log_dir=str(log)))
    with pytest.raises(ConfigMismatch, match="n_train"):  # refused before any cluster starts
        _run(_preset(runs=1, n_train=999), tmp_path / "out", functools.partial(fake_task, log_dir=str(log)),
             log, workers=1)
    with pytest.raises(PresetMismatch, match="fake"):  # another preset in the same directory
        _run(_preset(runs=1, name="other"), tmp_path / "out", functools.partial(fake_task, log_dir=str(log)),
             log, workers=1)
    assert len(list(log.iterdir())) == 1


def test_old_unshared_store_is_refused_naming_the_file(tmp_path):
    """A store of the old layout (runs but no layout tag) is refused, and left untouched."""
    path = tmp_path / "out" / RESULTS_FILE
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (key TEXT PRIMARY KEY, preset TEXT, method TEXT, modes INTEGER, run INTEGER, "
               "seed INTEGER, data_seed INTEGER, config TEXT, metrics TEXT, timings TEXT, host TEXT, "
               "finished_at TEXT)")
    db.execute("INSERT INTO runs VALUES ('fake/vanilla/K1/run0', 'fake', 'vanilla', 1, 0, 1, 2, '{}', '{}', "
               "'{}', 'h', 't')")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreLayoutError, match=str(path)):
        _run(_preset(runs=1), tmp_path / "out", fake_task, tmp_path, workers=1)
    assert path.read_bytes() == before


def test_killed_worker_is_retried_and_table_complete(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    marker = tmp_path / "crashed"
    task = functools.partial(crash_once_task, log_dir=str(log), marker=str(marker))
    rep = _run(_preset(), tmp_path / "out", task, log, workers=2)
    assert marker.exists()  # a worker did die
    assert rep.ok and rep.completed == 8
    rows = _rows(tmp_path / "out")
    assert len(rows) == 8 == len({k for k, *_ in rows})


def test_failed_run_is_reported_and_rerun_later(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    rep = _run(_preset(), tmp_path / "out", functools.partial(fail_task, log_dir=str(log)), log, workers=2)
    assert [k for k, _ in rep.failed] == ["fake/K1/run1/vanilla"]
    assert "deliberate failure" in rep.failed[0][1]
    assert rep.completed == 7 and not rep.ok
    # retries=2: the failing task was attempted 3 times
    assert _executions(log)["fake_vanilla_K1_run1"] == 3
    rep2 = _run(_preset(), tmp_path / "out", functools.partial(fake_task, log_dir=str(log)), log, workers=1)
    assert (rep2.skipped, rep2.completed) == (7, 1) and rep2.ok
    assert _executions(log)["first-fake_K1_run1"] == 1  # its GAN 1 was stored, not trained again


def _interrupted_run(tmp_path):
    """One driver run over fake tasks with a SIGINT sent to this process after two stored rows."""
    log = tmp_path / "log"
    log.mkdir(parents=True)
    out = tmp_path / "out"
    p = _preset(runs=3)
    task = functools.partial(fake_task, log_dir=str(log), sleep=0.4)

    def interrupt_after_two_rows():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if len(_rows(out)) >= 2:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    th = threading.Thread(target=interrupt_after_two_rows, daemon=True)
    th.start()
    rep = _run(p, out, task, log, workers=1)
    th.join()
    return rep, out, p, task, log


def test_ctrl_c_keeps_finished_runs(tmp_path):
    # Python's own SIGINT handler (KeyboardInterrupt), whatever an earlier test left installed
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for attempt in range(3):  # timing-dependent: on a loaded machine a run can miss the signal
            rep, out, p, task, log = _interrupted_run(tmp_path / f"attempt{attempt}")
            if rep.interrupted:
                break
    finally:
        signal.signal(signal.SIGINT, old)
    assert rep.interrupted and not rep.ok, "three runs ended before the SIGINT was handled"
    n = len(_rows(out))
    assert 2 <= n < 12 and rep.completed == n
    rep2 = _run(p, out, task, log, workers=2)
    assert rep2.ok and rep2.skipped == n and rep2.completed == 12 - n
    rows = _rows(out)
    assert len(rows) == 12 == len({k for k, *_ in rows})
    assert [s.key for s in run_specs(p)] and {k for k, *_ in rows} == {s.key for s in run_specs(p)}


class _CtrlCInFinaliser:
    """Sends SIGINT to this process from its ``__del__``: Python drops the KeyboardInterrupt
    and reports it to ``sys.unraisablehook`` ("Exception ignored" and a traceback)."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(500):  # the handler runs here, inside the finaliser
            time.sleep(0.001)


@pytest.mark.parametrize("how", ["caught", "finaliser"])
def test_ctrl_c_swallowed_by_a_finaliser_still_stops_the_table(tmp_path, monkeypatch, how):
    """A KeyboardInterrupt raised inside a finaliser (a Dask future's ``__del__``) or a gc
    callback is dropped by Python (or, here, caught by the code it lands in); the driver must
    stop anyway, without printing the dropped one's traceback."""
    import gc
    import sys

    from gan_backend.experiments import driver

    original, calls = driver._Loop.collect, [0]

    def collect_then_lose_a_ctrl_c(self, fut):
        original(self, fut)
        calls[0] += 1
        if calls[0] == 2 and how == "finaliser":
            _CtrlCInFinaliser()
            gc.collect()
        elif calls[0] == 2:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)  # the handler runs here and raises
            except KeyboardInterrupt:
                pass

    monkeypatch.setattr(driver._Loop, "collect", collect_then_lose_a_ctrl_c)
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(runs=3)
    reported, hook = [], sys.unraisablehook
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.unraisablehook = reported.append
    try:
        rep = _run(p, tmp_path / "out", functools.partial(fake_task, log_dir=str(log), sleep=0.2), log, workers=1)
    finally:
        signal.signal(signal.SIGINT, old)
        sys.unraisablehook = hook
    assert rep.interrupted and not rep.ok and rep.completed < 12
    assert signal.getsignal(signal.SIGINT) is old
    assert [r for r in reported if isinstance(r.exc_value, KeyboardInterrupt)] == []


def test_existing_scheduler(tmp_path):
    """``--scheduler ADDRESS``: runs go to a cluster the driver did not start (and leaves up)."""
    import logging

    from dask.distributed import Client, LocalCluster

    log = tmp_path / "log"
    log.mkdir()
    task = functools.partial(fake_task, log_dir=str(log))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        rep = _run(_preset(runs=1), tmp_path / "out", task, log, scheduler=cluster.scheduler_address)
        assert rep.ok and rep.completed == 4
        with Client(cluster) as c:  # still usable after the driver disconnected
            assert c.submit(sum, [1, 2]).result() == 3
    assert len(_rows(tmp_path / "out")) == 4


def fake_run_task(spec, preset, *, log_dir):
    """Stand-in per-run task (no GAN 1): the record of ``fake_task`` for one run."""
    unit = Unit(spec.group, (spec.method,))
    return fake_task(unit, preset, spec.group.gan_seed.to_bytes(8, "big"), log_dir=log_dir)[0]


def test_per_run_tasks_without_first_gan_resume(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    p = _preset()
    task = functools.partial(fake_run_task, log_dir=str(log))
    costs = []

    def cost(spec):
        costs.append(spec.key)
        return 3.0 if spec.method == "boosted" else 1.0

    r1 = run_table(p, tmp_path / "out", task=task, first_task=None, cost=cost, progress=False, workers=1,
                   max_runs=3)
    assert (r1.completed, r1.skipped, r1.total) == (3, 0, 8) and r1.plan is None
    assert costs == [s.key for s in run_specs(p)[:3]]  # one unit per run, max_runs counts runs
    r2 = run_table(p, tmp_path / "out", task=task, first_task=None, progress=False, workers=2)
    assert (r2.completed, r2.skipped) == (5, 3) and r2.ok
    assert {k for k, *_ in _rows(tmp_path / "out")} == {s.key for s in run_specs(p)}
    ex = _executions(log)
    assert set(ex.values()) == {1} and not any(k.startswith("first-") for k in ex)
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:
        assert st.component_keys() == set()  # no GAN 1 stored
    with pytest.raises(ValueError, match="estimate"):
        run_table(p, tmp_path / "out2", task=task, first_task=None, estimate=True, progress=False)
    assert not (tmp_path / "out2").exists()  # refused before anything is created


def fake_lockstep_task(unit, preset, *firsts, log_dir, diverge=(), raise_for=()):
    """Stand-in lockstep task: each run's ``fake_task`` record from its own group's GAN 1;
    a run in ``diverge`` comes back as an error entry (as a diverged AdaGAN run does), a
    unit holding a run of ``raise_for`` raises as a whole."""
    assert firsts == tuple(g.gan_seed.to_bytes(8, "big") for g in unit.groups)  # one GAN 1 per group
    _log(log_dir, f"lockstep-{unit.key}")
    out = []
    for spec in unit.specs:
        if spec.key in raise_for:
            _log(log_dir, spec.key)
            raise RuntimeError("deliberate failure")
        if spec.key in diverge:
            _log(log_dir, spec.key)
            out.append({"key": spec.key, "error": "AdaGanError: AdaGAN step 2: deliberate divergence"})
            continue
        out += fake_task(Unit(spec.group, (spec.method,)), preset, firsts[unit.groups.index(spec.group)],
                         log_dir=log_dir)
    return out


def test_lockstep_units_store_report_retry_and_resume_per_run(tmp_path):
    """batch_runs = 3: the 4 Boosted runs (K1/run0, K3/run0, K1/run1, K3/run1 in run order)
    are two lockstep units, [first three] and [K3/run1]. In the first, K3/run0 diverges:
    the two others are stored, K3/run0 alone is submitted again (retries = 1) and then
    reported; the second raises as a whole (retried by Dask, then its run reported). The
    resume recomputes only the two missing runs, together in one unit."""
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(batch_runs=3)
    units = [u.key for u in plan_units(p) if u.key.startswith("fake/lockstep/")]
    assert units == ["fake/lockstep/boosted/K1/run0+2", "fake/lockstep/boosted/K3/run1"]
    bad, broken = "fake/boosted/K3/run0", "fake/boosted/K3/run1"
    task = functools.partial(fake_lockstep_task, log_dir=str(log), diverge={bad}, raise_for={broken})
    rep = _run(p, tmp_path / "out", functools.partial(fake_task, log_dir=str(log)), log, workers=2,
               lockstep_task=task, retries=1)
    assert sorted(rep.failed) == [(bad, "AdaGanError: AdaGAN step 2: deliberate divergence"),
                                  (broken, "RuntimeError: deliberate failure")]
    assert rep.completed == 6 and not rep.ok
    assert {k for k, *_ in _rows(tmp_path / "out")} == {s.key for s in run_specs(p)} - {bad, broken}
    ex = _executions(log)
    assert ex["fake_boosted_K3_run0"] == 2 and ex["fake_boosted_K3_run1"] == 2  # 1 + retries each
    assert ex["fake_boosted_K1_run0"] == ex["fake_boosted_K1_run1"] == 1  # stored at the first try
    assert ex["lockstep-fake_lockstep_boosted_K3_run0"] == 1  # the diverged run, again on its own

    good = functools.partial(fake_lockstep_task, log_dir=str(log))
    rep2 = _run(p, tmp_path / "out", functools.partial(fake_task, log_dir=str(log)), log, workers=1,
                lockstep_task=good)
    assert (rep2.completed, rep2.skipped) == (2, 6) and rep2.ok
    ex2 = _executions(log)
    assert ex2["lockstep-fake_lockstep_boosted_K3_run0+1"] == 1  # the missing runs in one unit
    assert ex2["fake_boosted_K1_run0"] == 1 and ex2["fake_vanilla_K1_run0"] == 1  # nothing stored recomputed
    assert all(v == 1 for k, v in ex2.items() if k.startswith("first-"))  # GAN 1 stored, not trained again
    rows = _rows(tmp_path / "out")
    assert len(rows) == 8 == len({k for k, *_ in rows})


def test_gan1_batches_store_fail_and_resume_per_group(tmp_path):
    """batch_runs = 3: the 4 groups' GAN 1s are two batch tasks, [K1/run0, K3/run0,
    K1/run1] and [K3/run1]. K3/run0's GAN 1 diverges in its batch: it is reported, and so
    are its group's runs (its vanilla unit, its Boosted run, with the GAN-1 error as when
    a GAN-1 task fails), while the other groups' GAN 1s are stored and their runs done;
    the lockstep unit holding Boosted K1/run0, K3/run0 and K1/run1 runs the other two.
    The resume trains only the missing GAN 1 and computes only its group's runs."""
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(batch_runs=3)
    bad = "fake/K3/run0"
    msg = "gan_backend.adagan.AdaGanError: independent GAN 1: deliberate divergence"
    lock = functools.partial(fake_lockstep_task, log_dir=str(log))
    task = functools.partial(fake_task, log_dir=str(log))
    firsts = functools.partial(fake_firsts, log_dir=str(log), diverge={bad})
    rep = _run(p, tmp_path / "out", task, log, workers=2, lockstep_task=lock, firsts_task=firsts, retries=1)
    assert sorted(rep.failed) == [("fake/K3/run0 (first GAN)", msg), ("fake/K3/run0/vanilla", msg),
                                  ("fake/boosted/K3/run0", msg)]
    assert rep.completed == 6 and not rep.ok
    assert {k for k, *_ in _rows(tmp_path / "out")} == {s.key for s in run_specs(p) if s.group.key != bad}
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:
        assert st.component_keys() == {"fake/K1/run0", "fake/K1/run1", "fake/K3/run1"}
    ex = _executions(log)
    assert ex["firsts-fake_firsts_K1_run0+2"] == 1 and ex["firsts-fake_firsts_K3_run1"] == 1
    assert all(v == 1 for v in ex.values())  # nothing trained twice (a diverged GAN 1 is not retried)
    assert ex["lockstep-fake_lockstep_boosted_K1_run0+1"] == 1  # the unit's task ran the two healthy runs

    rep2 = _run(p, tmp_path / "out", task, log, workers=1, lockstep_task=lock)
    assert (rep2.completed, rep2.skipped) == (2, 6) and rep2.ok
    ex2 = _executions(log)
    assert ex2["firsts-fake_firsts_K3_run0"] == 1 and ex2["first-fake_K3_run0"] == 2  # only the missing GAN 1
    assert all(v == 1 for k, v in ex2.items() if k != "first-fake_K3_run0")
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:
        assert len(st.component_keys()) == 4


def test_max_runs_cuts_a_lockstep_unit_to_fit(tmp_path):
    """max_runs = 3 with batch_runs = 3: K1/run0's vanilla unit (1 run), then the first
    lockstep unit cut to its first two runs; the resume computes the rest."""
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(batch_runs=3)
    lock = functools.partial(fake_lockstep_task, log_dir=str(log))
    task = functools.partial(fake_task, log_dir=str(log))
    r1 = _run(p, tmp_path / "out", task, log, workers=1, lockstep_task=lock, max_runs=3)
    assert r1.completed == 3
    assert {k for k, *_ in _rows(tmp_path / "out")} == {"fake/vanilla/K1/run0", "fake/boosted/K1/run0",
                                                       "fake/boosted/K3/run0"}
    r2 = _run(p, tmp_path / "out", task, log, workers=1, lockstep_task=lock)
    assert (r2.completed, r2.skipped) == (5, 3) and r2.ok
    assert set(_executions(log).values()) == {1}


def test_a_ctrl_c_between_storing_and_counting_is_counted_from_the_store(tmp_path, monkeypatch):
    """The report's count of computed runs is what the store gained. Before, it was summed
    as results were stored, so a Ctrl-C landing after a batch was written but before it was
    counted left the report one batch short of the store (the subprocess Ctrl-C test of the
    table command failed this way once in a fresh-clone `make test`: 5 runs stored, and
    stdout without "table: 5 runs computed")."""
    from gan_backend.experiments import store as store_module

    original, calls = store_module.ResultStore.add_many, [0]

    def add_then_interrupt(self, records):
        added = original(self, records)
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt  # as a SIGINT handled right after the write
        return added

    monkeypatch.setattr(store_module.ResultStore, "add_many", add_then_interrupt)
    log = tmp_path / "log"
    log.mkdir()
    out = tmp_path / "out"
    rep = _run(_preset(runs=3), out, functools.partial(fake_task, log_dir=str(log), sleep=0.05), log, workers=1)
    assert rep.interrupted and calls[0] == 2
    assert rep.completed == len(_rows(out)) >= 2
