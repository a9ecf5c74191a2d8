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
