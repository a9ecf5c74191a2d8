"""Smoke run of the B3 benchmark code (tiny sizes; the verdicts are not judged here)."""
import math
import sys

from benchmarks import b3_gan_step
from benchmarks._harness import format_row


def test_b3_smoke_rows():
    rows = b3_gan_step.rows(smoke=True)
    assert [r.name for r in rows] == [b3_gan_step._NAME_JAX, b3_gan_step._NAME]
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
