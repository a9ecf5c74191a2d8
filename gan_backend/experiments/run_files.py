"""The per-(setting, seed) JSON records of the small studies (the AVB ablation, the
digits factor study): written atomically, so an interrupted study leaves either the whole
record or none, and a rerun resumes."""
from __future__ import annotations

import json
import os

__all__ = ["write_record"]


def write_record(path, record: dict) -> None:
    """Write ``record`` as indented JSON to ``path`` through a temporary file and an
    atomic rename."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        json.dump(record, fh, indent=1)
    os.replace(tmp, path)
