"""The coverage-table experiment of THEORY.md §3: presets, runs, SQLite store, Dask driver,
report. Entry point: ``python -m gan_backend table`` (:mod:`gan_backend.commands.table`).
"""
from gan_backend.experiment.driver import DriverReport, run_table
from gan_backend.experiment.presets import METHODS, PRESETS, Preset, get_preset, preset_names
from gan_backend.experiment.report import write_table
from gan_backend.experiment.runs import RunSpec, derive_seed, execute_run, run_specs
from gan_backend.experiment.seed_table import MODES, ROWS, SEED, seed_cell
from gan_backend.experiment.store import ConfigMismatch, ResultStore, StoredRun

__all__ = [
    "DriverReport", "run_table", "METHODS", "PRESETS", "Preset", "get_preset", "preset_names",
    "write_table", "RunSpec", "derive_seed", "execute_run", "run_specs", "MODES", "ROWS", "SEED",
    "seed_cell", "ConfigMismatch", "ResultStore", "StoredRun",
]
