"""The coverage-table experiment of docs/theory.md §3: presets, runs, SQLite store, Dask driver,
cost estimate, report and figures. Entry point: ``python -m gan_backend table``
(:mod:`gan_backend.cli.table`).
"""
from gan_backend.experiments.driver import DriverReport, run_table
from gan_backend.experiments.presets import METHODS, PRESETS, Preset, get_preset, preset_names
from gan_backend.experiments.report import COVERAGE_ESTIMATORS, write_table
from gan_backend.experiments.runs import (
    FirstBatch, Group, LockstepUnit, RunSpec, Unit, derive_seed, execute_first, execute_firsts, execute_lockstep,
    execute_unit, first_batches, plan_units, run_specs,
)
from gan_backend.experiments.seed_table import MODES, ROWS, SEED, seed_cell
from gan_backend.experiments.store import ConfigMismatch, PresetMismatch, ResultStore, StoredRun, StoreLayoutError

__all__ = [
    "DriverReport", "run_table", "METHODS", "PRESETS", "Preset", "get_preset", "preset_names",
    "COVERAGE_ESTIMATORS", "write_table", "Group", "RunSpec", "Unit", "derive_seed", "execute_first",
    "execute_unit", "LockstepUnit", "execute_lockstep", "FirstBatch", "first_batches", "execute_firsts", "plan_units", "run_specs", "MODES", "ROWS", "SEED",
    "seed_cell", "ConfigMismatch",
    "PresetMismatch", "ResultStore", "StoredRun", "StoreLayoutError",
]
