"""Smoke run of the B12 benchmark code (tiny sizes; the verdict is not judged here)."""
import math
import sys

import numpy as np

from benchmarks import b12_reference_gan_step as b12
from benchmarks.__main__ import row_modules
from benchmarks._harness import format_row


def test_b12_smoke_row():
    (row,) = b12.rows(smoke=True)
    assert b12.ID == "B12" and row.name.startswith("B12") and "B12" in format_row(row)
    assert "worker failed" not in row.note, row.note
    assert math.isfinite(row.ours) and row.ours > 0 and "fused kernels" in row.note
    if row.peer is None:  # JAX not installed: a FAIL row with an install note
        assert not row.passed and "pip install" in row.note
    else:
        assert row.ratio == row.peer / row.ours


def test_worker_without_jax_reports_none(monkeypatch):
    for name in ("jax", "optax"):
        monkeypatch.setitem(sys.modules, name, None)
    res = b12._worker(smoke=True)
    assert res["jax"] is None and res["ours"] > 0


def test_jax_peer_runs_the_minimax_step():
    jax = __import__("pytest").importorskip("jax")
    optax = __import__("pytest").importorskip("optax")
    from gan_backend.experiments.presets import get_preset

    jax.config.update("jax_platforms", "cpu")
    cfg = get_preset("reference").gan_config("reference_toy")
    x = np.random.default_rng(0).normal(size=(512, 2)).astype(np.float32)
    block = b12.jax_block_factory(x, cfg, jax, optax)
    block(2)  # compiles and advances two steps without error


def test_b12_is_printed_beside_b3():
    ids = [m.ID for m in row_modules()]
    assert ids.index("B12") == ids.index("B3") + 1
    rest = [i for i in ids if i != "B12"]
    assert rest == sorted(rest, key=lambda s: int(s[1:]))


def test_gemm_flops_is_what_the_readable_step_multiplies(dense_macs_counted):
    """The note's work count equals twice the multiply-adds the readable layers perform in
    one generator step (counted as they run), for the reference GAN and a variant."""
    import dataclasses

    from gan_backend.engine.train import GanTrainer
    from gan_backend.experiments.presets import get_preset

    count = dense_macs_counted
    ref = dataclasses.replace(get_preset("reference").gan_config("reference_toy"), batch_size=8, dtype="float64")
    for cfg in (ref, dataclasses.replace(ref, n_critic=2, unrolled=1, g_hidden=(7, 3), d_hidden=(6,), latent_dim=4)):
        x = np.random.default_rng(0).normal(size=(64, 3))
        tr = GanTrainer(x, cfg, rng=0, fused=False)
        count[0] = 0
        tr.step()
        assert 2 * count[0] == b12.gemm_flops(cfg, 3)


def test_gemm_note_states_the_rate_the_target_needs():
    from benchmarks._harness import gemm_note

    note = gemm_note(4e8, 5e-3, 4e-3, 1.3, 100.0, "512x128 @ 128x128")
    # ours 4e8/5e-3 = 80 GFLOP/s, JAX 100; 1.3x JAX needs 130 GFLOP/s = 1.30 of 100
    assert note == ("GEMM work 400 MFLOP/step: ours 80 GFLOP/s, JAX 100; 1.3x JAX needs 130 GFLOP/s, "
                    "1.30 of this machine's 1-thread sgemm (512x128 @ 128x128: 100 GFLOP/s)")


def test_script_main_prints_the_rows_or_the_workers_json(monkeypatch, capsys):
    import json

    from benchmarks._harness import HEADER, Row, script_main

    def rows(smoke):
        return [Row("BX tiny", 1e-3, 2e-3, 2.0, ">= 1x", True, note=f"smoke={smoke}")]

    monkeypatch.setattr(sys, "argv", ["bx", "--smoke"])
    script_main(rows, lambda smoke: {"smoke": smoke})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == HEADER and lines[1].startswith("BX tiny") and "smoke=True" in lines[1] and len(lines) == 2
    monkeypatch.setattr(sys, "argv", ["bx", "--worker"])
    script_main(rows, lambda smoke: {"smoke": smoke})
    assert json.loads(capsys.readouterr().out) == {"smoke": False}
