"""B7: the ``faithful`` table (paper protocol, 10 runs per cell) on 2 cores with 2 local
workers, and the ``paper`` preset's estimate.

Rows:

- the estimated wall time of ``table --preset faithful --workers 2`` from the table's own
  calibration (CPU time per GAN / discriminator step and per evaluation on this machine,
  longest-first schedule over 2 workers); target <= 60 minutes;
- the measured wall time of the committed faithful run, read from
  ``results/faithful/table.md`` ("this invocation took X min wall"), when it exists;
- the ``paper`` preset's (35 runs) estimated wall time on 2 workers (informational: it is
  meant for a Dask cluster, ``--scheduler``).

``--smoke``: the same rows for the smoke preset (seconds; verdicts not judged).
"""
from __future__ import annotations

import re
from pathlib import Path

from benchmarks._harness import Row

ID = "B7"

LIMIT_S = 3600.0
WORKERS = 2
_RESULTS = Path(__file__).resolve().parent.parent / "results" / "faithful" / "table.md"


def _measured(path: Path) -> float | None:
    if not path.exists():
        return None
    m = re.search(r"this invocation took ([0-9.]+) min wall", path.read_text())
    return None if m is None else 60.0 * float(m.group(1))


def rows(smoke: bool = False):
    from gan_backend.experiments.coverage_cost import estimate_preset
    from gan_backend.experiments.presets import get_preset

    name, big = ("smoke", "smoke") if smoke else ("faithful", "paper")
    plan, _ = estimate_preset(get_preset(name), WORKERS)
    out = [Row(f"B7 {name} estimate, {WORKERS} workers", plan.wall_s, None, None,
               f"<= {LIMIT_S / 60:.0f} min on 2 cores", plan.wall_s <= LIMIT_S,
               note=f"{plan.gans} GAN trainings, {plan.discriminators} discriminators")]
    measured = None if smoke else _measured(_RESULTS)
    if measured is not None:
        out.append(Row(f"B7 {name} measured, {WORKERS} workers", measured, None, None,
                       f"<= {LIMIT_S / 60:.0f} min on 2 cores", measured <= LIMIT_S,
                       note=str(_RESULTS.relative_to(_RESULTS.parents[2]))))
    paper, _ = estimate_preset(get_preset(big), WORKERS)
    out.append(Row(f"B7 {big} estimate, {WORKERS} workers", paper.wall_s, None, None,
                   "printed (for a Dask cluster)", True,
                   note=f"{paper.gans} GAN trainings, {paper.cpu_s / 3600:.1f} CPU-hours"))
    return out
