"""``python -m gan_backend modes`` on the tiny setting (real engine, real Dask): outputs,
stored scores equal to a rescoring of the stored samples, resume, clean argument errors."""
from __future__ import annotations

import csv
import json
import sqlite3

import numpy as np
import pytest

from gan_backend.__main__ import main
from gan_backend.experiments.mode_collapse import METHODS, execute_modes_run, get_setting
from gan_backend.experiments.runs import RunSpec, decode_array, run_specs
from gan_backend.metrics.modes import mode_metrics

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("modes_tiny")
    return out, main(["modes", "--setting", "tiny", "--out", str(out), "--workers", "2", "--quiet"])


def _rows(out):
    db = sqlite3.connect(out / "results.sqlite")
    try:
        return db.execute("SELECT key, metrics FROM runs").fetchall(), dict(
            ((k, n), bytes(b)) for k, n, b in db.execute("SELECT key, name, data FROM artifacts"))
    finally:
        db.close()


def test_outputs_and_stored_scores(tiny_run):
    out, rc = tiny_run
    assert rc == 0
    s = get_setting("tiny")
    rows, arts = _rows(out)
    assert {k for k, _ in rows} == {sp.key for sp in run_specs(s)}
    md = (out / "table.md").read_text()
    assert "*23.8*" in md and "*7.9*" in md and "TEST ONLY" in md
    for m in METHODS:
        assert f"| {s.label(m)} | 1 |" in md
        for b in ("ring", "grid"):
            assert (out / f"samples_{b}_{m}.png").read_bytes()[:4] == b"\x89PNG"
    with open(out / "table.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 2 * len(METHODS)
    means = {k: decode_array(arts[(f"{s.name}/vanilla/K{k}/run0", "means")]) for k in (8, 25)}
    for key, met in rows:  # the final score is that of the stored samples (float32: +- 1 sample)
        met = json.loads(met)
        k = int(key.split("/K")[1].split("/")[0])
        x = decode_array(arts[(key, "samples")]).astype(np.float64)
        std = 0.01 if k == 8 else 0.05
        r = mode_metrics(x, means[k], std)
        assert abs(r.hq - met["hq"][-1]) <= 1.0 / x.shape[0] + 1e-12
        assert abs(r.modes_any - met["modes_any"][-1]) <= 1
        assert len(met["t"]) == s.gans(key.split("/")[1])


def test_rerun_resumes_without_training(tiny_run, capsys):
    out, _ = tiny_run
    assert main(["modes", "--setting", "tiny", "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert "0 runs computed, 10 resumed" in capsys.readouterr().out


def test_run_is_reproducible_and_boosted_records_diagnostics():
    s = get_setting("tiny").with_(modes=(25,))
    a = execute_modes_run(RunSpec(s.name, "boosted_star", 25, 1), s)
    b = execute_modes_run(RunSpec(s.name, "boosted_star", 25, 1), s)
    assert a["metrics"] == b["metrics"]
    (d,) = a["metrics"]["diag"]
    assert d["t"] == 2 and d["beta"] == 0.5 and 0 <= d["w_missed"] <= 1 + 1e-12 and 0 <= d["d_real_acc"] <= 1


def _main_rc(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own errors
        return exc.code


@pytest.mark.parametrize("args, flag", [
    (["--runs", "0"], "--runs"), (["--workers", "0"], "--workers"), (["--setting", "huge"], "--setting"),
    (["--max-runs", "-1"], "--max-runs"),
])
def test_bad_arguments_exit_2_before_training(tmp_path, capsys, args, flag):
    rc = _main_rc(["modes", "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert rc == 2 and flag in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["modes", "--setting", "tiny", "--out", str(f)]) == 2
    assert "--out" in capsys.readouterr().err


def test_eta_is_printed_before_training(tmp_path, capsys):
    assert main(["modes", "--setting", "tiny", "--out", str(tmp_path), "--workers", "1", "--max-runs", "1",
                 "--quiet", "--no-figures"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("modes modes-tiny: 1 of 10 runs to do on 1 worker(s); estimated ")
    assert out[1].startswith("modes: 1 runs computed, 0 resumed") and "9 missing" in out[1]


def test_store_with_other_settings_is_one_line_exit_2(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["modes", "--setting", "tiny", "--out", str(out), "--workers", "1", "--max-runs", "1",
                 "--quiet", "--no-figures"]) == 0
    db = sqlite3.connect(out / "results.sqlite")
    try:  # the stored run now records other settings than today's tiny setting
        (key, config), = db.execute("SELECT key, config FROM runs").fetchall()
        changed = json.loads(config)
        changed["__other"] = 1
        db.execute("UPDATE runs SET config = ? WHERE key = ?", (json.dumps(changed), key))
        db.commit()
    finally:
        db.close()
    capsys.readouterr()
    assert main(["modes", "--setting", "tiny", "--out", str(out), "--workers", "1", "--quiet", "--no-figures"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m gan_backend modes: error: ") and "other settings" in err[0]
    db = sqlite3.connect(out / "results.sqlite")
    try:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1  # nothing trained
    finally:
        db.close()
