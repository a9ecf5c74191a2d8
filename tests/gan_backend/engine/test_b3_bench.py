"""Smoke run of the B3 benchmark code (tiny sizes; the verdicts are not judged here)."""
import json
import math
import os
import subprocess
import sys

import pytest

from benchmarks import b3_gan_step
from benchmarks import _harness
from benchmarks._harness import format_row


def test_b3_smoke_rows():
    rows = b3_gan_step.rows(smoke=True)
    pinned = any(k in os.environ for k in b3_gan_step._PINS)
    names = [b3_gan_step._NAME_JAX, b3_gan_step._NAME] + ([b3_gan_step._NAME_PINNED] if pinned else [])
    assert [r.name for r in rows] == names
    assert not any(r.info for r in rows[:2])
    if pinned:  # the machine's setting is shown beside the judged rows, never judged
        assert rows[2].info and "INFO" in format_row(rows[2])
        if rows[2].peer is not None and "OPENBLAS_CORETYPE" in os.environ:  # timed under the pin
            assert f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}" in rows[2].note
    rows = rows[:2]
    assert b3_gan_step.ID == "B3"
    for row, peer in zip(rows, ("jax", "torch")):
        assert row.name.startswith("B3")
        assert "worker failed" not in row.note, row.note
        assert math.isfinite(row.ours) and row.ours > 0
        if row.peer is None:  # peer not installed: a FAIL row with a note, not a crash
            assert not row.passed and peer in row.note
        else:
            assert row.ratio == row.peer / row.ours
        assert "B3" in format_row(row)
    if rows[0].peer is not None:
        assert "fused kernels" in rows[0].note  # the toy GAN takes the fused path


def test_worker_without_peers_reports_none(monkeypatch):
    for name in ("torch", "jax", "optax"):
        monkeypatch.setitem(sys.modules, name, None)  # `import name` now raises ImportError
    res = b3_gan_step._worker(smoke=True)
    assert res["ours"] > 0 and res["peer"] is None and res["torch"] is None
    assert res["jax"] is None and res["jax_version"] is None


def test_judged_child_runs_without_the_openblas_pins(monkeypatch):
    seen = {}

    def fake_run(cmd, env, **kw):
        seen["env"] = env
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps({"ok": 1}) + "\n", stderr="")

    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    monkeypatch.setattr(_harness.subprocess, "run", fake_run)
    assert b3_gan_step._child(True, pinned=False) == {"ok": 1}
    assert not any(k in seen["env"] for k in b3_gan_step._PINS)
    assert seen["env"]["OPENBLAS_NUM_THREADS"] == "1"
    b3_gan_step._child(True, pinned=True)
    assert seen["env"]["OPENBLAS_CORETYPE"] == "Haswell" and seen["env"]["OPENBLAS_L2_SIZE"] == "512"


def test_wrong_blas_products_fail_the_row():
    res = {"ours": 1e-4, "jax": 5e-4, "fused": True, "blas": "SkylakeX", "blas_ok": False,
           "jax_version": "x", "jax_block": 25}
    row = b3_gan_step._jax_row(res, b3_gan_step._NAME_JAX, "t")
    assert not row.passed and "wrong matrix products" in row.note
    assert b3_gan_step._jax_row(dict(res, blas_ok=True), b3_gan_step._NAME_JAX, "t").passed


def test_blas_products_agree_with_einsum_here():
    assert b3_gan_step._blas_products_ok()


def test_one_thread_child_is_bound_to_one_cpu(monkeypatch):
    """The judged child runs on one CPU (where the platform can bind), so a runtime that sizes
    its pool from the CPUs it may use (XLA) is single-threaded like ours."""
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("this platform has no CPU affinity call; the child runs unbound there")
    seen = {}

    def fake_run(cmd, env, preexec_fn=None, **kw):
        seen["bind"] = preexec_fn
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps({"ok": 1}) + "\n", stderr="")

    monkeypatch.setattr(_harness.subprocess, "run", fake_run)
    assert _harness.one_thread_child("benchmarks.b12_reference_gan_step", True) == {"ok": 1}
    assert seen["bind"] is not None
    assert len(_harness._one_cpu()) == 1
    # what the child sees: exactly one CPU
    monkeypatch.undo()
    probe = subprocess.run([sys.executable, "-c", "import os; print(len(os.sched_getaffinity(0)))"],
                           capture_output=True, text=True, check=True, preexec_fn=seen["bind"])
    assert probe.stdout.strip() == "1"
