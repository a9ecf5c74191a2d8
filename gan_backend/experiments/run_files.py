"""The per-(setting, seed) JSON records of the small studies (the AVB ablation, the
digits factor study): written atomically, so an interrupted study leaves either the whole
record or none, and a rerun resumes; and their CSV tables."""
from __future__ import annotations

import json
import os

__all__ = ["write_record", "read_rows", "write_csv"]


def write_record(path, record: dict) -> None:
    """Write ``record`` as indented JSON to ``path`` through a temporary file and an
    atomic rename."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        json.dump(record, fh, indent=1)
    os.replace(tmp, path)


def read_rows(runs, row, settings) -> list[dict]:
    """``row(record)`` of every JSON record in the folder ``runs``, ordered by setting (their
    order in ``settings``; unknown settings last) and then by seed."""
    recs = []
    for f in sorted(os.listdir(runs)):
        if f.endswith(".json"):
            with open(os.path.join(runs, f)) as fh:
                recs.append(json.load(fh))
    order = {k: i for i, k in enumerate(settings)}
    return sorted((row(r) for r in recs), key=lambda r: (order.get(r["setting"], len(order)), r["seed"]))


def write_csv(path, rows: list[dict], columns) -> None:
    """``rows`` as CSV with a header line of ``columns``: floats with 6 significant digits,
    everything else as ``str``."""
    with open(path, "w") as fh:
        fh.write(",".join(columns) + "\n")
        for r in rows:
            fh.write(",".join(f"{r[c]:.6g}" if isinstance(r[c], float) else str(r[c]) for c in columns) + "\n")
