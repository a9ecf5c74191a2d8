"""B8 without a GPU: a SKIP row that names the reason, never a silent CPU figure."""
from benchmarks import b8_gpu_batch
from benchmarks._harness import format_row
from gan_backend.engine import _backend


def test_b8_skips_with_the_reason_without_cupy(monkeypatch):
    monkeypatch.setitem(_backend._CUPY_CACHE, "cupy", (None, "CuPy is not importable (test)"))
    (row,) = b8_gpu_batch.rows(smoke=True)
    assert b8_gpu_batch.ID == "B8" and row.name.startswith("B8")
    assert row.skipped and not row.passed and row.peer is None
    assert "CuPy is not importable (test)" in row.note
    assert "SKIP" in format_row(row)
