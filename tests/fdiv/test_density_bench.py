"""Keeps the B9 / B10 benchmark code alive (``python -m benchmarks --smoke --only B9,B10``): tiny
sizes, verdicts not judged, but every row is produced and ours agrees with the peer."""
from __future__ import annotations

import math

from benchmarks import b9_density, b10_wasserstein
from benchmarks._harness import Row, format_row


def test_b9_smoke_row():
    (row,) = b9_density.rows(smoke=True)
    assert isinstance(row, Row) and row.ours > 0 and row.peer > 0 and math.isfinite(row.ratio)
    assert float(row.note.split()[2].rstrip(";")) <= 1e-9  # same value as quad
    assert row.name in format_row(row)


def test_b10_smoke_row():
    (row,) = b10_wasserstein.rows(smoke=True)
    assert isinstance(row, Row) and row.ours > 0 and row.peer > 0
    assert float(row.note.split()[2].rstrip(";")) <= 1e-12  # same value as ot.emd2
    assert row.name in format_row(row)


def test_rows_are_listed_in_numeric_order(capsys):
    from benchmarks.__main__ import main

    assert main(["--smoke", "--only", "B10,B9"]) == 0
    lines = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()[1:] if ln.strip()]
    assert lines == ["B9", "B10"]
