"""Smoke run of the B3 benchmark code (tiny sizes; the verdict is not judged here)."""
import math
import sys

from benchmarks import b3_gan_step
from benchmarks._harness import format_row


def test_b3_smoke_row():
    rows = b3_gan_step.rows(smoke=True)
    assert len(rows) == 1
    row = rows[0]
    assert b3_gan_step.ID == "B3" and row.name.startswith("B3")
    assert "worker failed" not in row.note, row.note
    assert math.isfinite(row.ours) and row.ours > 0
    if row.peer is None:  # torch not installed: a FAIL row with a note, not a crash
        assert not row.passed and "torch" in row.note
    else:
        assert row.ratio == row.peer / row.ours
    assert "B3" in format_row(row)


def test_worker_without_torch_reports_no_peer(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    res = b3_gan_step._worker(smoke=True)
    assert res["ours"] > 0 and res["peer"] is None and res["torch"] is None
