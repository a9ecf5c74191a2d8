"""SQLite store of finished runs: ``DIR/results.sqlite``, written only by the driver.

One row per run of one method, primary key = the run key
(``preset/[variant/]method/K<modes>/run<i>``), so a run can never be stored twice; each
row is committed as it arrives (an interrupted driver loses no finished run). Tables:

- ``meta(name PRIMARY KEY, value)``: ``layout`` (:data:`LAYOUT`: the methods of one data
  draw share their GANs) and ``preset`` (the one preset whose runs this store holds);
- ``runs(key PRIMARY KEY, preset, method, modes, run, seed, data_seed, config JSON,
  metrics JSON, timings JSON, host, finished_at, variant)``
- ``components(key PRIMARY KEY, config JSON, generator BLOB, timings JSON, host,
  finished_at)``: the first GAN ``G_1`` of each data draw and GAN variant (every method of
  that draw starts from it; stored so that a resumed table does not train it again);
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

__all__ = ["ResultStore", "StoredRun", "ConfigMismatch", "StoreLayoutError", "PresetMismatch", "LAYOUT"]

#: Layout tag of stores written by this version: the methods of one data draw share one set
#: of independent GANs (Vanilla, Best of T, Ensemble) and the first GAN (every AdaGAN method).
LAYOUT = "shared-components/1"

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
    finished_at TEXT NOT NULL,
    variant     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS components (
    key         TEXT PRIMARY KEY,
    config      TEXT NOT NULL,
    generator   BLOB NOT NULL,
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


class StoreLayoutError(ValueError):
    """The store was written by another layout (e.g. every method training its own GANs)."""


class PresetMismatch(ValueError):
    """The store holds the runs of another preset."""


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
    variant: str = ""


def _dumps(obj) -> str:
    # sort_keys: the stored text of a config is canonical, so comparing texts compares configs.
    return json.dumps(obj, sort_keys=True, allow_nan=True)


class ResultStore:
    """The run table of one output directory. Use as a context manager."""

    def __init__(self, path, *, readonly: bool = False) -> None:
        """Open (or create) the store at ``path``. ``readonly=True`` writes nothing: an
        existing store is opened read-only, a missing one is an empty store in memory."""
        self.path = Path(path)
        self.readonly = readonly
        existed = self.path.exists() and self.path.stat().st_size > 0
        try:
            if readonly:
                self._db = (sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
                            if existed else sqlite3.connect(":memory:"))
                if existed:
                    self._check_layout()
                    return
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(self.path), timeout=30.0)
                if existed:
                    self._check_layout()
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('layout', ?)", (LAYOUT,))
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise StoreLayoutError(f"{self.path} is not a results store readable here ({exc})") from exc

    def _check_layout(self) -> None:
        tables = {t for (t,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        layout = None
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE name = 'layout'").fetchone()
            layout = None if row is None else row[0]
        has_runs = "runs" in tables and self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] > 0
        if layout is None and has_runs:
            self._db.close()
            raise StoreLayoutError(
                f"{self.path} was written by the old unshared layout (every method trained its own "
                "GANs); its runs cannot be resumed or mixed with shared-component runs: use another --out")
        if layout is not None and layout != LAYOUT:
            self._db.close()
            raise StoreLayoutError(f"{self.path} has layout {layout!r}, this version writes {LAYOUT!r}; "
                                   "use another --out")

    def claim_preset(self, name: str) -> None:
        """Record that this store holds preset ``name``'s runs (read-only: only check); raise
        :class:`PresetMismatch` if it already holds another preset's."""
        held = self.preset()
        if held is None and not self.readonly:
            with self._db:
                self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('preset', ?)", (name,))
            held = self.preset()
        if held is not None and held != name:
            raise PresetMismatch(f"{self.path} holds the runs of preset {held!r}, not {name!r}: "
                                 f"use another --out (or --preset {held})")

    def preset(self) -> str | None:
        if "meta" not in self._tables():
            return None
        row = self._db.execute("SELECT value FROM meta WHERE name = 'preset'").fetchone()
        return None if row is None else row[0]

    def _tables(self) -> set[str]:
        return {t for (t,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

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
        """Insert one run record (from :func:`~gan_backend.experiments.runs.execute_unit`)
        and its artifacts in one transaction, committed before returning.

        Returns False (and stores nothing) when the key is already present with the same
        config; raises :class:`ConfigMismatch` when it is present with another config.
        """
        self.check_config(record["key"], record["config"])
        finished = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self._db:  # one transaction: row + artifacts, committed on exit
            cur = self._db.execute(
                "INSERT OR IGNORE INTO runs (key, preset, method, modes, run, seed, data_seed, "
                "config, metrics, timings, host, finished_at, variant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record["key"], record["preset"], record["method"], int(record["modes"]),
                    int(record["run"]), int(record["seed"]), int(record["data_seed"]),
                    _dumps(record["config"]), _dumps(record["metrics"]), _dumps(record["timings"]),
                    record["host"], finished, record.get("variant", ""),
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

    def add_many(self, records) -> int:
        """:meth:`add` each record; returns how many were new."""
        return sum(bool(self.add(r)) for r in records)

    # -- first GANs ------------------------------------------------------------------
    def component_keys(self) -> set[str]:
        return {k for (k,) in self._db.execute("SELECT key FROM components")}

    def component(self, key: str) -> bytes | None:
        """The stored first GAN of group ``key`` (``Generator.to_bytes``), or None."""
        row = self._db.execute("SELECT generator FROM components WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def check_component_config(self, key: str, config: dict) -> None:
        row = self._db.execute("SELECT config FROM components WHERE key = ?", (key,)).fetchone()
        if row is not None and row[0] != _dumps(config):
            raise ConfigMismatch(f"{self.path} already holds the first GAN {key!r} with other settings; "
                                 "use another output directory")

    def add_component(self, record: dict) -> bool:
        """Store a first GAN (``key``, ``config``, ``generator`` bytes, ``timings``, ``host``)."""
        self.check_component_config(record["key"], record["config"])
        finished = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self._db:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO components (key, config, generator, timings, host, finished_at) "
                "VALUES (?,?,?,?,?,?)",
                (record["key"], _dumps(record["config"]), sqlite3.Binary(record["generator"]),
                 _dumps(record["timings"]), record["host"], finished))
        return cur.rowcount > 0

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
               "host, finished_at, variant FROM runs")
        args: tuple = ()
        if preset is not None:
            sql += " WHERE preset = ?"
            args = (preset,)
        out = []
        for row in self._db.execute(sql + " ORDER BY key", args):
            out.append(StoredRun(
                key=row[0], preset=row[1], method=row[2], modes=row[3], run=row[4], seed=row[5],
                data_seed=row[6], config=json.loads(row[7]), metrics=json.loads(row[8]),
                timings=json.loads(row[9]), host=row[10], finished_at=row[11], variant=row[12],
            ))
        return out

    def artifact(self, key: str, name: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM artifacts WHERE key = ? AND name = ?", (key, name)).fetchone()
        return None if row is None else bytes(row[0])

    def artifact_names(self, key: str) -> list[str]:
        return [n for (n,) in self._db.execute("SELECT name FROM artifacts WHERE key = ? ORDER BY name", (key,))]
