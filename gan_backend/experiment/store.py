"""SQLite store of finished runs: ``DIR/results.sqlite``, written only by the driver.

One row per run, primary key = the run key (``preset/method/K<modes>/run<i>``), so a
run can never be stored twice; each row is committed as it arrives (an interrupted
driver loses no finished run). Tables:

- ``runs(key PRIMARY KEY, preset, method, modes, run, seed, data_seed, config JSON,
  metrics JSON, timings JSON, host, finished_at)``
- ``artifacts(key, name, data BLOB, PRIMARY KEY(key, name))``: ``.npy`` arrays for the
  figures (samples, evaluation data, weight map of run 0 of each cell).
- ``theory(key PRIMARY KEY, modes, seed, config JSON, steps JSON, timings JSON, host,
  finished_at)``: the ``--theory`` runs (S18 per AdaGAN step).
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ResultStore", "StoredRun", "ConfigMismatch"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key         TEXT PRIMARY KEY,
    preset      TEXT NOT NULL,
    method      TEXT NOT NULL,
    modes       INTEGER NOT NULL,
    run         INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    data_seed   INTEGER NOT NULL,
    config      TEXT NOT NULL,
    metrics     TEXT NOT NULL,
    timings     TEXT NOT NULL,
    host        TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
    key  TEXT NOT NULL REFERENCES runs(key),
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (key, name)
);
CREATE TABLE IF NOT EXISTS theory (
    key         TEXT PRIMARY KEY,
    modes       INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    config      TEXT NOT NULL,
    steps       TEXT NOT NULL,
    timings     TEXT NOT NULL,
    host        TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
"""


class ConfigMismatch(ValueError):
    """The store holds a run with the same key but other settings."""


@dataclass(frozen=True)
class StoredRun:
    key: str
    preset: str
    method: str
    modes: int
    run: int
    seed: int
    data_seed: int
    config: dict
    metrics: dict
    timings: dict
    host: str
    finished_at: str


def _dumps(obj) -> str:
    # sort_keys: the stored text of a config is canonical, so comparing texts compares configs.
    return json.dumps(obj, sort_keys=True, allow_nan=True)


class ResultStore:
    """The run table of one output directory. Use as a context manager."""

    def __init__(self, path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30.0)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def keys(self) -> set[str]:
        return {k for (k,) in self._db.execute("SELECT key FROM runs")}

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def config_of(self, key: str) -> dict | None:
        row = self._db.execute("SELECT config FROM runs WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def check_config(self, key: str, config: dict) -> None:
        """Raise :class:`ConfigMismatch` if ``key`` is stored with a different config."""
        stored = self.config_of(key)
        if stored is not None and _dumps(stored) != _dumps(config):
            diff = sorted(k for k in set(stored) | set(config) if stored.get(k) != config.get(k))
            raise ConfigMismatch(
                f"{self.path} already holds run {key!r} with other settings (differing: "
                f"{', '.join(diff)}); use another output directory"
            )

    def add(self, record: dict) -> bool:
        """Insert one run record (from :func:`~gan_backend.experiment.runs.execute_run`)
        and its artifacts in one transaction, committed before returning.

        Returns False (and stores nothing) when the key is already present with the same
        config; raises :class:`ConfigMismatch` when it is present with another config.
        """
        self.check_config(record["key"], record["config"])
        finished = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self._db:  # one transaction: row + artifacts, committed on exit
            cur = self._db.execute(
                "INSERT OR IGNORE INTO runs (key, preset, method, modes, run, seed, data_seed, "
                "config, metrics, timings, host, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record["key"], record["preset"], record["method"], int(record["modes"]),
                    int(record["run"]), int(record["seed"]), int(record["data_seed"]),
                    _dumps(record["config"]), _dumps(record["metrics"]), _dumps(record["timings"]),
                    record["host"], finished,
                ),
            )
            if cur.rowcount == 0:
                return False
            for name, blob in (record.get("artifacts") or {}).items():
                self._db.execute(
                    "INSERT INTO artifacts (key, name, data) VALUES (?,?,?)",
                    (record["key"], name, sqlite3.Binary(blob)),
                )
        return True

    def theory_keys(self) -> set[str]:
        return {k for (k,) in self._db.execute("SELECT key FROM theory")}

    def check_theory_config(self, key: str, config: dict) -> None:
        row = self._db.execute("SELECT config FROM theory WHERE key = ?", (key,)).fetchone()
        if row is not None and row[0] != _dumps(config):
            raise ConfigMismatch(f"{self.path} already holds theory run {key!r} with other settings; "
                                 "use another output directory")

    def add_theory(self, record: dict) -> bool:
        """Insert one ``--theory`` record; False when its key is already stored."""
        self.check_theory_config(record["key"], record["config"])
        finished = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self._db:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO theory (key, modes, seed, config, steps, timings, host, finished_at) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (record["key"], int(record["modes"]), int(record["seed"]), _dumps(record["config"]),
                 _dumps(record["steps"]), _dumps(record["timings"]), record["host"], finished),
            )
        return cur.rowcount > 0

    def theory(self, prefix: str = "") -> list[dict]:
        """Stored theory records (dicts) whose key starts with ``prefix``, by mode count."""
        rows = self._db.execute(
            "SELECT key, modes, seed, config, steps, timings, host, finished_at FROM theory "
            "WHERE substr(key, 1, ?) = ? ORDER BY modes", (len(prefix), prefix))
        return [{"key": r[0], "modes": r[1], "seed": r[2], "config": json.loads(r[3]),
                 "steps": json.loads(r[4]), "timings": json.loads(r[5]), "host": r[6],
                 "finished_at": r[7]} for r in rows]

    def runs(self, preset: str | None = None) -> list[StoredRun]:
        sql = ("SELECT key, preset, method, modes, run, seed, data_seed, config, metrics, timings, "
               "host, finished_at FROM runs")
        args: tuple = ()
        if preset is not None:
            sql += " WHERE preset = ?"
            args = (preset,)
        out = []
        for row in self._db.execute(sql + " ORDER BY key", args):
            out.append(StoredRun(
                key=row[0], preset=row[1], method=row[2], modes=row[3], run=row[4], seed=row[5],
                data_seed=row[6], config=json.loads(row[7]), metrics=json.loads(row[8]),
                timings=json.loads(row[9]), host=row[10], finished_at=row[11],
            ))
        return out

    def artifact(self, key: str, name: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM artifacts WHERE key = ? AND name = ?", (key, name)).fetchone()
        return None if row is None else bytes(row[0])

    def artifact_names(self, key: str) -> list[str]:
        return [n for (n,) in self._db.execute("SELECT name FROM artifacts WHERE key = ? ORDER BY name", (key,))]
