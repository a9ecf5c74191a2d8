"""The Dask driver of the table on stand-in tasks (fast): resume without recomputation or
duplicate rows, worker death retried, task errors reported, Ctrl-C keeps finished rows.

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

from gan_backend.experiment.driver import RESULTS_FILE, run_table
from gan_backend.experiment.presets import Preset
from gan_backend.experiment.runs import run_specs
from gan_backend.experiment.store import ConfigMismatch, ResultStore

pytestmark = pytest.mark.slow


@dataclasses.dataclass(frozen=True)
class _Gan:
    epochs: int = 1


class FakePreset(Preset):
    """A preset whose GAN config does not need the engine (the tasks below are stand-ins)."""

    def gan_config(self):
        return _Gan()


def _preset(**kw):
    base = dict(name="fake", runs=2, modes=(1, 3), methods=("vanilla", "boosted"), T=3)
    base.update(kw)
    return FakePreset(**base)


def fake_task(spec, preset, *, log_dir, sleep=0.0):
    """Deterministic record from the run's seed; logs each execution as a file."""
    Path(log_dir, f"{spec.key.replace('/', '_')}.{uuid.uuid4().hex}").touch()
    time.sleep(sleep)
    rng = np.random.default_rng(spec.seed)
    c = np.sort(rng.uniform(size=preset.T)).tolist()
    return {
        "key": spec.key, "preset": spec.preset, "method": spec.method, "modes": spec.modes,
        "run": spec.run, "seed": spec.seed, "data_seed": spec.data_seed,
        "config": preset.run_config(spec.method, spec.modes),
        "metrics": {"t": list(range(1, preset.T + 1)), "coverage": c, "loglik": c},
        "timings": {"total_s": sleep, "blas": os.environ.get("OPENBLAS_NUM_THREADS")},
        "host": str(os.getpid()), "artifacts": {},
    }


def crash_once_task(spec, preset, *, log_dir, marker):
    """Kills its worker process the first time it runs ``boosted/K3/run0``."""
    if spec.key.endswith("boosted/K3/run0") and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)  # the worker dies mid-run; the nanny restarts it, the task is rescheduled
    return fake_task(spec, preset, log_dir=log_dir)


def fail_task(spec, preset, *, log_dir):
    if spec.key.endswith("vanilla/K1/run1"):
        Path(log_dir, f"{spec.key.replace('/', '_')}.{uuid.uuid4().hex}").touch()
        raise RuntimeError("deliberate failure")
    return fake_task(spec, preset, log_dir=log_dir)


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
    r1 = run_table(p, tmp_path / "out", workers=1, max_runs=3, task=task, progress=False)
    assert (r1.completed, r1.skipped, r1.total) == (3, 0, 8)
    first = _rows(tmp_path / "out")
    assert len(first) == 3
    r2 = run_table(p, tmp_path / "out", workers=2, task=task, progress=False)
    assert (r2.completed, r2.skipped) == (5, 3) and r2.ok
    rows = _rows(tmp_path / "out")
    assert len(rows) == 8 == len({k for k, *_ in rows})
    assert set(first) <= set(rows)  # the first rows are untouched (same finished_at)
    assert set(_executions(log).values()) == {1}  # nothing computed twice
    r3 = run_table(p, tmp_path / "out", workers=1, task=task, progress=False)
    assert (r3.completed, r3.skipped) == (0, 8)
    # more runs per cell extend the table (same keys and configs for the first runs)
    r4 = run_table(_preset(runs=3), tmp_path / "out", workers=2, task=task, progress=False)
    assert (r4.completed, r4.skipped) == (4, 8)
    assert set(_executions(log).values()) == {1}
    # every worker ran with single-threaded BLAS
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:
        assert {r.timings["blas"] for r in st.runs()} == {"1"}


def test_other_settings_in_the_same_directory_are_refused(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    p = _preset(runs=1)
    spec = run_specs(p)[0]
    with ResultStore(tmp_path / "out" / RESULTS_FILE) as st:  # a finished run, stored directly
        st.add(fake_task(spec, p, log_dir=str(log)))
    with pytest.raises(ConfigMismatch, match="n_train"):  # refused before any cluster starts
        run_table(_preset(runs=1, n_train=999), tmp_path / "out", workers=1, progress=False,
                  task=functools.partial(fake_task, log_dir=str(log)))
    assert len(list(log.iterdir())) == 1


def test_killed_worker_is_retried_and_table_complete(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    marker = tmp_path / "crashed"
    task = functools.partial(crash_once_task, log_dir=str(log), marker=str(marker))
    rep = run_table(_preset(), tmp_path / "out", workers=2, task=task, progress=False)
    assert marker.exists()  # a worker did die
    assert rep.ok and rep.completed == 8
    rows = _rows(tmp_path / "out")
    assert len(rows) == 8 == len({k for k, *_ in rows})


def test_failed_run_is_reported_and_rerun_later(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    rep = run_table(_preset(), tmp_path / "out", workers=2, progress=False,
                    task=functools.partial(fail_task, log_dir=str(log)))
    assert [k for k, _ in rep.failed] == ["fake/vanilla/K1/run1"]
    assert "deliberate failure" in rep.failed[0][1]
    assert rep.completed == 7 and not rep.ok
    # retries=2: the failing task was attempted 3 times
    assert _executions(log)["fake_vanilla_K1_run1"] == 3
    rep2 = run_table(_preset(), tmp_path / "out", workers=1, progress=False,
                     task=functools.partial(fake_task, log_dir=str(log)))
    assert (rep2.skipped, rep2.completed) == (7, 1) and rep2.ok


def test_ctrl_c_keeps_finished_runs(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
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
    rep = run_table(p, out, workers=1, task=task, progress=False)
    th.join()
    assert rep.interrupted and not rep.ok
    n = len(_rows(out))
    assert 2 <= n < 12 and rep.completed == n
    rep2 = run_table(p, out, workers=2, task=task, progress=False)
    assert rep2.ok and rep2.skipped == n and rep2.completed == 12 - n
    rows = _rows(out)
    assert len(rows) == 12 == len({k for k, *_ in rows})
    assert [s.key for s in run_specs(p)] and {k for k, *_ in rows} == {s.key for s in run_specs(p)}


def test_existing_scheduler(tmp_path):
    """``--scheduler ADDRESS``: runs go to a cluster the driver did not start (and leaves up)."""
    import logging

    from dask.distributed import Client, LocalCluster

    log = tmp_path / "log"
    log.mkdir()
    task = functools.partial(fake_task, log_dir=str(log))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        rep = run_table(_preset(runs=1), tmp_path / "out", scheduler=cluster.scheduler_address,
                        task=task, progress=False)
        assert rep.ok and rep.completed == 4
        with Client(cluster) as c:  # still usable after the driver disconnected
            assert c.submit(sum, [1, 2]).result() == 3
    assert len(_rows(tmp_path / "out")) == 4
