"""``table --batch-runs R``: the independent GANs of a run trained in lockstep blocks, and
the AdaGAN runs of several cells advanced in lockstep units (their discriminators and
components batched step by step).

References: the serial path (``train_gan`` / ``train_classifier`` one at a time, the
table without the option). The batched engine draws from each training's stream (GAN
i's ``[gan_seed, i]``, an AdaGAN run's own seed) exactly what the serial functions draw,
so in float64 the only differences are the order of terms in matrix
products (~1e-16 relative per operation; observed 6e-17 on the parameters of the smoke
GANs): a GAN's parameters must agree to 1e-10, and the table's records, continuous
functions of the GANs' samples (plus fractions of points, which move only if a point sits
within ~1e-15 of a threshold), to 1e-9.

The smoke preset itself trains in float32, where the serial path runs the fused Numba
kernels and the batched one NumPy matmuls: the GANs then agree only to float32 rounding
(observed 1e-7 on the parameters), so the acceptance test below runs the smoke preset
with ``dtype="float64"`` (its only change).
"""
from __future__ import annotations

import csv
import json
import sqlite3
import types

import numpy as np
import pytest

from gan_backend.engine import _backend
from gan_backend.__main__ import main
from gan_backend.adagan import AdaGanError
from gan_backend.cli.table import DEFAULT_GPU_BATCH_RUNS, batch_runs_for
from gan_backend.engine.config import GanConfig
from gan_backend.experiments import presets
from gan_backend.adagan.methods import IndependentGans
from gan_backend.engine.train import train_gan

PARAM_TOL = 1e-10  # float64 GAN parameters, batched vs serial (see the module docstring)
RECORD_TOL = 1e-9  # float64 table records, batched vs serial

CFG = GanConfig(dtype="float64", batch_size=64, epochs=3)


def _x(seed=0, n=640, scale=1.0):
    return np.random.default_rng(seed).normal(size=(n, 2)) * scale


@pytest.mark.parametrize("batch_runs, first", [(2, False), (2, True), (8, False)])
def test_blocks_equal_the_gans_trained_one_by_one(batch_runs, first):
    """T = 3 in blocks of 2 ([1, 2], [3]; with GAN 1 given: [2, 3]) or one block of 3."""
    x, seed = _x(), 21
    serial = IndependentGans(x, 3, CFG, seed=seed)
    given = serial[0] if first else None
    batched = IndependentGans(x, 3, CFG, seed=seed, first=given, batch_runs=batch_runs)
    for i in range(3):
        ref = train_gan(x, CFG, rng=np.random.default_rng([seed, i + 1]))
        assert float(np.abs(batched[i].net.params - ref.net.params).max()) <= PARAM_TOL
        assert float(np.abs(serial[i].net.params - ref.net.params).max()) == 0.0
    if first:
        assert batched[0] is given


@pytest.fixture
def exact_fgan_gradient(monkeypatch):
    """f-GAN objectives with ``grad_cap=None`` (the exact gradient, which overflows on some
    seeds): a real divergence, to check how a diverged run is reported."""
    from gan_backend.engine.objectives import FGan

    monkeypatch.setattr(FGan.__init__, "__kwdefaults__", {**FGan.__init__.__kwdefaults__, "grad_cap": None})

def test_a_diverged_gan_fails_as_in_the_serial_path(exact_fgan_gradient):
    """fgan:reverse_kl with the non-saturating generator loss and the exact (uncapped) gradient on data of scale 15: with base
    seed 2 GAN 3 diverges (GANs 1 and 2 train), with seed 5 GAN 2 does. In one block of
    3 the healthy GANs are the serial ones, and asking for a GAN at or after the
    diverged one raises the serial path's error (GAN i needs GANs 1..i-1)."""
    cfg = GanConfig(dtype="float64", batch_size=64, epochs=3, objective="fgan:reverse_kl")
    x = _x(seed=3, scale=15)
    with np.errstate(all="ignore"):
        for seed, bad in ((2, 3), (5, 2)):
            serial = IndependentGans(x, 3, cfg, seed=seed)
            batched = IndependentGans(x, 3, cfg, seed=seed, batch_runs=3)
            for i in range(bad - 1):
                assert float(np.abs(batched[i].net.params - serial[i].net.params).max()) <= PARAM_TOL
            for i in range(bad - 1, 3):
                with pytest.raises(AdaGanError) as want:
                    serial[i]
                with pytest.raises(AdaGanError) as got:
                    batched[i]
                assert str(got.value) == str(want.value)
                assert str(got.value).startswith(f"independent GAN {bad}: training failed: TrainingDivergedError")


def test_batch_runs_default_and_validation():
    cupy_like = types.ModuleType("cupy")
    assert batch_runs_for(None, cupy_like) == DEFAULT_GPU_BATCH_RUNS == 64
    assert batch_runs_for(None, np) is None and batch_runs_for(3, cupy_like) == 3
    with pytest.raises(ValueError, match="--batch-runs"):
        batch_runs_for(0, np)
    with pytest.raises(ValueError, match="batch_runs"):
        IndependentGans(_x(), 3, CFG, seed=0, batch_runs=0)
    with pytest.raises(ValueError, match="batch_runs"):
        presets.get_preset("smoke").with_(batch_runs=0)


def _one_line_exit_2(argv, capsys, *words):
    capsys.readouterr()
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse's own errors
        rc = e.code
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, (w, err)


def test_cli_rejects_bad_settings_before_any_work(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    _one_line_exit_2(["table", "--preset", "smoke", "--out", str(out), "--batch-runs", "0"], capsys,
                     "--batch-runs", "'0'")
    _one_line_exit_2(["table", "--preset", "smoke", "--out", str(out), "--batch-runs", "two"], capsys,
                     "--batch-runs")
    # CuPy asked for but unusable (whatever this machine has): an error, never NumPy instead
    monkeypatch.setitem(_backend._CUPY_CACHE, "cupy", (None, "CuPy sees no GPU"))
    monkeypatch.setenv(_backend.ENV_VAR, "cupy")
    _one_line_exit_2(["table", "--preset", "smoke", "--out", str(out)], capsys, "GAN_BACKEND", "no GPU")
    _one_line_exit_2(["table", "--preset", "smoke", "--out", str(out), "--batch-runs", "4"], capsys,
                     "GAN_BACKEND")
    assert not out.exists()


def _smoke64(**kw):
    return presets.get_preset("smoke").with_(gan=(("epochs", 2), ("dtype", "float64")), **kw)


def test_gan1_of_several_groups_in_one_batch_equals_execute_first(monkeypatch):
    """batch_runs = 4 on the smoke preset in float64 with 2 runs: the four groups' GAN 1s
    are one FirstBatch, trained in ONE batched call (on four data sets), and each equals
    execute_first's GAN 1 of its group (its stream ``[gan_seed, 1]``) to PARAM_TOL."""
    from gan_backend.engine import batched
    from gan_backend.experiments.runs import execute_first, execute_firsts, first_batches, groups
    from gan_backend.engine.generator import Generator

    p = _smoke64(runs=2, batch_runs=4)
    (batch,) = first_batches(p, groups(p))
    assert batch.groups == tuple(groups(p))
    calls = []
    real = batched.train_gans_batched

    def spy(xs, config=None, **kw):
        calls.append(len(xs))
        return real(xs, config, **kw)

    monkeypatch.setattr(batched, "train_gans_batched", spy)
    got = execute_firsts(batch, p)
    assert calls == [4]
    assert [r["key"] for r in got] == [g.key for g in batch.groups]
    for g, rec in zip(batch.groups, got):
        want = execute_first(g, p)
        assert rec["config"] == want["config"]
        a = Generator.from_bytes(rec["generator"]).net.params
        b = Generator.from_bytes(want["generator"]).net.params
        assert float(np.abs(a - b).max()) <= PARAM_TOL, g.key
    # without batch_runs every group is a batch of its own
    assert [b.groups for b in first_batches(p.with_(batch_runs=None), groups(p))] == [(g,) for g in groups(p)]


def test_a_gan1_diverging_in_a_batch_fails_only_its_group(exact_fgan_gradient, monkeypatch):
    """fgan:reverse_kl (non-saturating generator loss, exact gradient) on the smoke data scaled
    by 15: GAN 1 of the two run-1 groups diverges in epoch 1, that of the run-0 groups
    trains. In one batch of the four, the diverged entries are the AdaGanError that
    execute_first raises for those groups (same message), the others its GAN 1s."""
    from gan_backend.experiments import runs
    from gan_backend.engine.generator import Generator

    real = runs._data

    def scaled(preset, modes, seed):
        data, x_train, x_select, x_eval = real(preset, modes, seed)
        return data, x_train * 15, x_select, x_eval

    monkeypatch.setattr(runs, "_data", scaled)
    p = presets.get_preset("smoke").with_(
        gan=(("epochs", 3), ("dtype", "float64"), ("objective", "fgan:reverse_kl")),
        runs=2, batch_runs=4)
    (batch,) = runs.first_batches(p, runs.groups(p))
    with np.errstate(all="ignore"):
        got = runs.execute_firsts(batch, p)
        for g, entry in zip(batch.groups, got):
            if g.run == 1:
                with pytest.raises(AdaGanError) as want:
                    runs.execute_first(g, p)
                assert isinstance(entry, AdaGanError) and str(entry) == str(want.value)
                assert str(entry).startswith("independent GAN 1: training failed: TrainingDivergedError")
            else:
                want = runs.execute_first(g, p)
                a = Generator.from_bytes(entry["generator"]).net.params
                b = Generator.from_bytes(want["generator"]).net.params
                assert float(np.abs(a - b).max()) <= PARAM_TOL, g.key


def _records(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return {k: (json.loads(m), json.loads(c)) for k, m, c in db.execute("SELECT key, metrics, config FROM runs")}


def _assert_close(a, b, where):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_close(u, v, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= RECORD_TOL, (where, a, b)
    else:
        assert a == b, (where, a, b)


def _timings(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return {k: json.loads(t) for k, t in db.execute("SELECT key, timings FROM runs")}


def _components(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return {k: (bytes(g), json.loads(t), f) for k, g, t, f in
                db.execute("SELECT key, generator, timings, finished_at FROM components")}


@pytest.mark.slow
def test_smoke_table_is_the_same_with_and_without_batch_runs(tmp_path, monkeypatch):
    """The smoke table in float64: serial, and with --batch-runs 4 computed in two calls
    (--max-runs 7: the shared unit of K = 1, 3 runs, and one lockstep unit of the four
    AdaGAN runs, TopKLast and Boosted on K1 and K3: two cells and two methods at once,
    whose two GAN 1s (K1, K3) train in one batch task; then a resume that computes the
    shared unit of K3 from the stored GAN 1, training none): same stored records (to
    RECORD_TOL), same stored run configs (the option is not part of a run), same
    table.csv text."""
    smoke64 = _smoke64(name="smoke64")
    monkeypatch.setitem(presets._FACTORIES, "smoke64", lambda: smoke64)
    base = ["table", "--preset", "smoke64", "--workers", "1", "--quiet", "--no-figures"]
    serial, batched = tmp_path / "serial", tmp_path / "batched"
    assert main([*base, "--out", str(serial)]) == 0
    assert main([*base, "--out", str(batched), "--batch-runs", "4", "--max-runs", "7"]) == 0
    assert sorted(_records(batched)) == sorted(f"smoke64/{m}/K{k}/run0" for m, k in (
        ("vanilla", 1), ("best_of", 1), ("ensemble", 1), ("topklast", 1), ("boosted", 1), ("topklast", 3),
        ("boosted", 3)))
    firsts = _components(batched)
    assert sorted(firsts) == ["smoke64/K1/run0", "smoke64/K3/run0"]
    # the two GAN 1s were one task (the same start and batch time)
    assert len({(t["started_at"], t["unit_s"]) for _, t, _ in firsts.values()}) == 1
    assert main([*base, "--out", str(batched), "--batch-runs", "4"]) == 0
    assert _components(batched) == firsts  # the resume trained no GAN 1 again
    a, b = _records(serial), _records(batched)
    assert a.keys() == b.keys() and len(a) == 10
    for key in a:
        assert a[key][1] == b[key][1], key
        _assert_close(a[key][0], b[key][0], key)
    # the AdaGAN runs were one task (one lockstep unit: the same start and unit time)
    t = _timings(batched)
    adagan = [t[f"smoke64/{m}/K{k}/run0"] for m in ("topklast", "boosted") for k in (1, 3)]
    assert len({(r["started_at"], r["unit_s"]) for r in adagan}) == 1
    with open(serial / "table.csv") as fa, open(batched / "table.csv") as fb:
        ra, rb = list(csv.DictReader(fa)), list(csv.DictReader(fb))
    assert ra == rb and any(r["median"] for r in ra)


def test_the_option_reaches_the_units_and_the_lockstep_engine(tmp_path, monkeypatch):
    """--batch-runs 2 sets the preset's batch_runs (nothing else), and a shared unit of the
    smoke preset (T = 3, GAN 1 given) then trains GANs 2 and 3 in one lockstep block."""
    from gan_backend.engine import batched
    from gan_backend.experiments import driver
    from gan_backend.experiments.runs import Group, Unit, execute_first, execute_unit

    seen = []

    class Stop(Exception):
        pass

    def spy_table(preset, out, **kw):
        seen.append(preset)
        raise Stop

    monkeypatch.setattr(driver, "run_table", spy_table)
    with pytest.raises(Stop):
        main(["table", "--preset", "smoke", "--out", str(tmp_path), "--batch-runs", "2"])
    assert seen == [presets.get_preset("smoke").with_(batch_runs=2)]

    blocks = []
    real = batched.train_gans_batched

    def spy_batched(xs, config=None, **kw):
        blocks.append(len(xs))
        return real(xs, config, **kw)

    monkeypatch.setattr(batched, "train_gans_batched", spy_batched)
    p = presets.get_preset("smoke").with_(batch_runs=2)
    g = Group("smoke", 1, 0)
    recs = execute_unit(Unit(g, ("vanilla", "best_of", "ensemble")), p, execute_first(g, p)["generator"])
    assert blocks == [2] and [r["metrics"]["t"] for r in recs] == [[1], [1, 2, 3], [1, 2, 3]]
    assert recs[0]["config"] == p.with_(batch_runs=None).run_config("vanilla", 1)


def test_a_run_diverging_in_a_lockstep_unit_fails_alone(exact_fgan_gradient):
    """Six Boosted runs (K in {1, 3}, 3 runs) of fgan:reverse_kl (non-saturating generator loss,
    exact gradient) in one lockstep unit: the component of step 3 of K3/run1 diverges.
    That run's entry is the serial run's error (execute_unit raises the same AdaGanError)
    and the five others are the serial records (to RECORD_TOL)."""
    from gan_backend.experiments.runs import LockstepUnit, Unit, execute_first, execute_lockstep, execute_unit, groups

    p = presets.get_preset("smoke").with_(
        gan=(("epochs", 3), ("dtype", "float64"), ("objective", "fgan:reverse_kl")),
        runs=3, methods=("boosted",), classifier_epochs=10)
    bad = "smoke/boosted/K3/run1"
    with np.errstate(all="ignore"):
        firsts = {g: execute_first(g, p)["generator"] for g in groups(p)}
        unit = LockstepUnit(tuple(s for g in groups(p) for s in Unit(g, p.methods).specs))
        got = execute_lockstep(unit, p, *(firsts[g] for g in unit.groups))
        assert [r["key"] for r in got] == [s.key for s in unit.specs]
        for spec, rec in zip(unit.specs, got):
            serial = Unit(spec.group, p.methods)
            if spec.key == bad:
                with pytest.raises(AdaGanError) as want:
                    execute_unit(serial, p, firsts[spec.group])
                assert rec == {"key": bad, "error": f"gan_backend.adagan.AdaGanError: {want.value}"}
                assert str(want.value).startswith("AdaGAN step 3: training the component failed: "
                                                  "TrainingDivergedError")
            else:
                (want,) = execute_unit(serial, p, firsts[spec.group])
                assert rec["config"] == want["config"]
                _assert_close(rec["metrics"], want["metrics"], spec.key)
