"""B5: ``python -m gan_backend table --preset quick`` with 2 and with 1 local Dask workers.

Each timing is a fresh subprocess writing to a fresh output directory (no resumed runs),
wall-clock from launch to exit (cluster start, every run, table and figures). Rows:

- the 2-worker run finishes in at most 10 minutes (docs/performance.md: on 2 cores);
- speed-up of 2 workers over 1 is at least 1.7x.

``--smoke`` runs 2 runs of the smoke preset without figures (seconds; verdicts not
judged). Set ``B5_KEEP=DIR`` to keep both output directories (``DIR/workers2``,
``DIR/workers1``), e.g. for the table.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import Row

ID = "B5"

LIMIT_S = 600.0
SPEEDUP = 1.7


def _time_table(preset: str, workers: int, out: Path, *extra: str) -> float:
    cmd = [sys.executable, "-m", "gan_backend", "table", "--preset", preset, "--out", str(out),
           "--workers", str(workers), "--quiet", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return dt


def rows(smoke: bool = False):
    preset = "smoke" if smoke else "quick"
    extra = ("--no-figures", "--max-runs", "2") if smoke else ()
    keep = os.environ.get("B5_KEEP")
    with tempfile.TemporaryDirectory(prefix="b5_") as tmp:
        base = Path(keep) if keep else Path(tmp)
        t2 = _time_table(preset, 2, base / "workers2", *extra)
        t1 = _time_table(preset, 1, base / "workers1", *extra)
    ratio = t1 / t2
    return [
        Row(f"B5 table --preset {preset}, 2 workers", t2, None, None,
            f"<= {LIMIT_S:.0f} s on 2 cores", t2 <= LIMIT_S),
        Row(f"B5 table --preset {preset}, 1 vs 2 workers", t2, t1, ratio,
            f">= {SPEEDUP}x (peer = 1 worker)", ratio >= SPEEDUP, note=f"{os.cpu_count()} CPUs"),
    ]
