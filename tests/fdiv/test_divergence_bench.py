"""Keeps the B1 / B6 benchmark code alive (``python -m benchmarks --smoke --only B1,B6``):
tiny sizes, verdicts not judged, but every row is produced and ours agrees with the peer."""
from __future__ import annotations

import math

from benchmarks import b1_divergence, b6_first_call
from benchmarks._harness import Row, format_row


def test_b1_smoke_rows():
    rows = list(b1_divergence.rows(smoke=True))
    assert [r.name.split()[1] for r in rows] == ["kl", "js", "tv", "squared_hellinger", "tv"]
    for r in rows:
        assert isinstance(r, Row) and r.ours > 0 and r.peer > 0 and math.isfinite(r.ratio)
        assert "rel diff" not in r.note or float(r.note.split()[2]) <= 1e-9
        assert r.name in format_row(r)


def test_b6_smoke_row():
    (row,) = b6_first_call.rows(smoke=True)
    assert row.ours > 0 and "first call" in row.note
    assert row.name in format_row(row)


def test_import_fdiv_loads_no_divergence_kernel():
    """B6: ``import fdiv`` neither imports fdiv._kernels nor compiles/loads a kernel; the
    first ``divergence`` call does."""
    import subprocess
    import sys

    code = ("import sys, fdiv; assert 'fdiv._kernels' not in sys.modules; "
            "fdiv.divergence('tv', [1.0], [0.5]); assert 'fdiv._kernels' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=600)
