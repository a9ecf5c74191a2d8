"""The per-(setting, seed) JSON records of the small studies (the AVB ablation, the
digits factor study): written atomically, so an interrupted study leaves either the whole
record or none, and a rerun resumes; and their CSV tables."""
from __future__ import annotations

import json
import os

__all__ = ["record_path", "write_record", "read_rows", "write_csv", "check_study_args"]


def record_path(runs, name: str, seed: int) -> str:
    """The JSON record of (setting ``name``, ``seed``) in the folder ``runs``."""
    return os.path.join(runs, f"{name}__seed{seed}.json")


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


def _writable_parent(path) -> bool:
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isdir(folder) and os.access(folder, os.W_OK)


def check_study_args(parser, runs, known, settings, seeds, table, figure) -> int:
    """The checks a study command (``--runs DIR [--settings ... --seeds ...] [--table PREFIX]
    [--figure SETTING SEED PATH]``) makes before it runs anything: 0, or the exit status 2
    after one line on stderr (``parser.fail``). ``known``: the setting names; ``seeds``: the
    parsed integers. Refused: negative seeds, nothing to do, a figure of an unknown setting
    or of a run that is neither stored nor asked for, a table over no run at all, an output
    whose folder is missing or read-only."""
    if any(s < 0 for s in seeds):
        return parser.fail(f"--seeds must be nonnegative integers; got {list(seeds)}")
    if bool(settings) != bool(seeds):
        return parser.fail("--settings and --seeds go together: the runs are every setting with every seed")
    asked = {(name, s) for name in settings for s in seeds}
    if not (asked or table or figure):
        return parser.fail("nothing to do: give --settings with --seeds, --table PREFIX or --figure SETTING SEED PATH")
    stored = os.path.isdir(runs) and any(f.endswith(".json") for f in os.listdir(runs))
    if table is not None:
        if not _writable_parent(table):
            return parser.fail(f"--table: the folder of {table!r} is missing or not writable")
        if not (stored or asked):
            return parser.fail(f"--table: {runs!r} holds no run and none is asked for (--settings with --seeds)")
    if figure:
        name, seed, path = figure
        if name not in known:
            return parser.fail(f"--figure: setting must be one of {', '.join(known)}; got {name!r}")
        try:
            seed = int(seed)
        except ValueError:
            return parser.fail(f"--figure: seed must be an integer; got {seed!r}")
        if (name, seed) not in asked and not os.path.isfile(record_path(runs, name, seed)):
            return parser.fail(f"--figure: no run of setting {name!r} with seed {seed} in {runs!r}, and none asked for")
        if not _writable_parent(path):
            return parser.fail(f"--figure: the folder of {path!r} is missing or not writable")
    try:
        os.makedirs(runs, exist_ok=True)
    except OSError as exc:
        return parser.fail(f"--runs: cannot create {runs!r} ({exc.strerror})")
    return 0
