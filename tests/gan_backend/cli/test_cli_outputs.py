"""The commands' promises about outputs: another experiment's folder is never written
without --force, one command per folder, every output path and format checked before any
work, --estimate writes nothing, sizes bounded, an unreachable scheduler and Ctrl-C are one
line, and a table shows every stored run of its settings or says what it leaves out."""
import csv
import fcntl
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gan_backend.__main__ import main
from tests.gan_backend._cli import run_main

ROOT = Path(__file__).resolve().parents[3]  # the repository (tests/gan_backend/cli/ is three below)
SAMPLE = ["sample", "--dataset", "gmm", "--modes", "2", "--method", "vanilla", "--seed", "1", "--n", "20",
          "--n-data", "64", "--epochs", "1"]
CRITIC = ["critic", "--seed", "0", "--steps", "3", "--n", "20"]


def _one_line_2(argv, capsys, *words):
    rc, out, err = run_main(argv, capsys)
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, (rc, err)
    for w in words:
        assert w in err, (w, err)
    return err


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _foreign_results(folder: Path, command: str | None) -> Path:
    """A folder like a committed results/<experiment>: tables, a figure, maybe command.txt."""
    folder.mkdir()
    (folder / "table.md").write_text("# committed table\n")
    (folder / "table.csv").write_text("method,median\nvanilla,0.5\n")
    (folder / "figure2.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    if command is not None:
        (folder / "command.txt").write_text(command + "\n")
    return folder


# -- another experiment's folder ---------------------------------------------------------
@pytest.mark.parametrize("command", [
    None,  # no record of the owner
    "python -m gan_backend table --preset paper --out results/paper --workers 2",  # another preset
    "python -m gan_backend avb --seed 0 --out results/avb",  # another command
])
@pytest.mark.parametrize("argv", [
    ["table", "--preset", "smoke", "--quiet"],
    ["table", "--preset", "smoke", "--estimate"],
    ["table", "--preset", "modes", "--estimate"],
    ["modes", "--estimate"],
])
def test_table_never_writes_over_another_experiments_outputs(tmp_path, capsys, command, argv):
    out = _foreign_results(tmp_path / "copy", command)
    before = _digest(out)
    _one_line_2(argv + ["--out", str(out)], capsys, "argument --out", "--force")
    assert _digest(out) == before


def test_a_command_file_of_another_command_protects_files_of_other_names(tmp_path, capsys):
    """critic writes critic.png and gradients.json, which the folder lacks: its command.txt
    still names another experiment, so nothing is written without --force."""
    out = _foreign_results(tmp_path / "copy", "python -m gan_backend table --preset faithful --out x")
    before = _digest(out)
    _one_line_2(CRITIC + ["--out", str(out)], capsys, "table --preset faithful")
    assert _digest(out) == before
    rc, _, err = run_main(CRITIC + ["--out", str(out), "--force"], capsys)
    assert rc == 0, err
    assert (out / "gradients.json").exists()
    assert (out / "command.txt").read_text().split()[3:] == ["critic", *CRITIC[1:], "--out", str(out), "--force"]


def test_same_experiment_resumes_other_settings_are_refused(tmp_path, capsys):
    out = tmp_path / "c"
    assert run_main(CRITIC + ["--out", str(out)], capsys)[0] == 0
    first = _digest(out)
    assert run_main(CRITIC + ["--out", str(out)], capsys)[0] == 0  # the same experiment again
    assert set(_digest(out)) == set(first)
    other = ["critic", "--seed", "1", "--steps", "3", "--n", "20", "--out", str(out)]
    _one_line_2(other, capsys, "critic --seed 0")


def test_a_store_of_the_same_preset_without_command_file_is_resumed(tmp_path, capsys):
    """A folder written before command.txt existed: its store names the preset."""
    from gan_backend.experiments.store import ResultStore

    out = tmp_path / "old"
    out.mkdir()
    (out / "table.md").write_text("old table\n")
    with ResultStore(out / "results.sqlite") as st:
        st.claim_preset("smoke")
    rc, text, err = run_main(["table", "--preset", "smoke", "--out", str(out), "--estimate"], capsys)
    assert rc == 0 and "estimated wall time" in text, err


# -- one command per folder --------------------------------------------------------------
@pytest.mark.parametrize("argv", [["table", "--preset", "smoke", "--quiet"], CRITIC, ["modes", "--quiet"]])
def test_a_folder_in_use_is_refused(tmp_path, capsys, argv):
    out = tmp_path / "busy"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running command holds it
        _one_line_2(argv + ["--out", str(out)], capsys, "in use by another running")
    finally:
        os.close(fd)
    assert list(out.iterdir()) == []


# -- --estimate writes nothing -----------------------------------------------------------
@pytest.mark.parametrize("argv", [["table", "--preset", "smoke", "--estimate"], ["modes", "--estimate"]])
def test_estimate_writes_nothing(tmp_path, capsys, argv):
    new = tmp_path / "a" / "b"
    rc, text, err = run_main(argv + ["--out", str(new)], capsys)
    assert rc == 0 and "estimated" in text, err
    assert not (tmp_path / "a").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_main(argv + ["--out", str(empty)], capsys)[0] == 0
    assert list(empty.iterdir()) == []
    # and the folder is not locked to that preset afterwards
    assert run_main(["table", "--preset", "quick", "--estimate", "--out", str(empty)], capsys)[0] == 0


# -- planning and sizes -------------------------------------------------------------------
def test_planning_compares_groups_a_linear_number_of_times(tmp_path, monkeypatch):
    """GAN-1 groups are deduplicated by hashing, not by scanning a list (quadratic)."""
    from gan_backend.experiments import driver, runs
    from gan_backend.experiments.presets import get_preset

    calls = [0]
    eq = runs.Group.__eq__

    def counting_eq(a, b):
        calls[0] += 1
        return eq(a, b)

    monkeypatch.setattr(runs.Group, "__eq__", counting_eq)
    preset = get_preset("smoke").with_(runs=300)  # 600 groups
    rep = driver.run_table(preset, tmp_path / "x", estimate_only=True, progress=False)
    assert rep.plan.runs == 3000
    assert calls[0] < 5 * 600, calls[0]  # a list-membership scan makes ~180,000 comparisons
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("argv, flag", [
    (["table", "--preset", "smoke", "--runs", str(10**9)], "--runs"),
    (["table", "--preset", "smoke", "--runs", str(10**30)], "--runs"),
    (["table", "--preset", "smoke", "--workers", str(10**6)], "--workers"),
    (["table", "--preset", "smoke", "--max-runs", str(2**64)], "--max-runs"),
    (["table", "--preset", "smoke", "--batch-runs", str(10**40)], "--batch-runs"),
    (["modes", "--runs", str(10**8)], "--runs"),
    (SAMPLE[:-4] + ["--n-data", "64", "--epochs", str(10**40), "--out", "{tmp}/s.npy"], "--epochs"),
    (["sample", "--dataset", "gmm", "--method", "boosted", "--T", str(10**9), "--seed", "0", "--n", "5",
      "--out", "{tmp}/s.npy"], "--T"),
    (["sample", "--dataset", "gmm", "--method", "vanilla", "--seed", str(10**25), "--n", "5",
      "--out", "{tmp}/s.npy"], "--seed"),
    (["bound", "--f", "kl", "--pair", "gauss", "--seed", "0", "--steps", str(10**12)], "--steps"),
    (["bound", "--f", "kl", "--pair", "gauss", "--seed", "0", "--n", str(2**62)], "--n"),
    (["avb", "--seed", "0", "--steps", str(10**9), "--out", "{tmp}/a"], "--steps"),
    (["avb", "--seed", "0", "--n", str(2**62), "--out", "{tmp}/a"], "--n"),
    (["critic", "--seed", "0", "--n", str(2**62), "--out", "{tmp}/c"], "--n"),
    (["digits", "--seed", "0", "--steps", str(10**100), "--out", "{tmp}/d"], "--steps"),
])
def test_huge_sizes_are_one_line_exit_2(tmp_path, capsys, argv, flag):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if argv[0] in ("table", "modes"):
        argv += ["--out", str(tmp_path / "t")]
    t0 = time.perf_counter()
    _one_line_2(argv, capsys, flag)
    assert time.perf_counter() - t0 < 30
    assert not any(tmp_path.iterdir())


def test_sample_prints_an_eta_before_long_training(tmp_path, capsys, monkeypatch):
    from gan_backend.adagan import methods

    def no_training(*a, **k):
        raise KeyboardInterrupt  # stands for the user stopping a long training

    monkeypatch.setattr(type(methods.get("boosted")), "fit", no_training)
    argv = ["sample", "--dataset", "gmm", "--method", "boosted", "--T", "50", "--seed", "0", "--n", "5",
            "--out", str(tmp_path / "s.npy")]
    rc, _, err = run_main(argv, capsys)
    lines = err.strip().splitlines()
    assert rc == 130 and len(lines) == 2, err
    assert "50 GAN(s) of 15000 steps each; estimated" in lines[0] and lines[1].endswith("interrupted")
    assert not (tmp_path / "s.npy").exists()


# -- output files -------------------------------------------------------------------------
def test_sample_refuses_the_same_file_twice(tmp_path, capsys):
    a = tmp_path / "same.npy"
    _one_line_2(SAMPLE + ["--out", str(a), "--data-out", str(a)], capsys, "--data-out", "same file")
    os.symlink(a, tmp_path / "link.npy")  # another spelling of one file
    _one_line_2(SAMPLE + ["--out", str(tmp_path / "link.npy"), "--data-out", str(tmp_path / "." / "same.npy")],
                capsys, "same file")
    assert not a.exists()


@pytest.mark.parametrize("flag, name", [("--out", "c.txt"), ("--data-out", "d.npz"), ("--out", "noext"),
                                        ("--plot", "p.pnq"), ("--plot", "p")])
def test_sample_refuses_wrong_extensions_before_training(tmp_path, capsys, monkeypatch, flag, name):
    from gan_backend.adagan import methods

    monkeypatch.setattr(type(methods.get("vanilla")), "fit", lambda *a, **k: pytest.fail("trained"))
    argv = SAMPLE + ["--out", str(tmp_path / "s.npy")]
    if flag == "--out":
        argv = SAMPLE + ["--out", str(tmp_path / name)]
    else:
        argv += [flag, str(tmp_path / name)]
    _one_line_2(argv, capsys, flag, name)
    assert list(tmp_path.iterdir()) == []


def test_sample_writes_exactly_the_path_given(tmp_path, capsys):
    out, data = tmp_path / "S.NPY", tmp_path / "d.npy"
    rc, _, err = run_main(SAMPLE + ["--out", str(out), "--data-out", str(data)], capsys)
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S.NPY", "d.npy"]
    assert np.load(out).shape == (20, 2) and np.load(data).shape == (64, 2)


@pytest.mark.parametrize("argv, patch", [
    (["bound", "--f", "kl", "--pair", "gauss", "--seed", "0", "--steps", "5", "--plot", "{tmp}/p.bmpx"],
     ("gan_backend.cli.bound", "measure")),
    (["bound", "--f", "kl", "--pair", "gauss", "--seed", "0", "--steps", "5", "--json", "/proc/nope/r.json"],
     ("gan_backend.cli.bound", "measure")),
    (["bound", "--f", "kl", "--pair", "gauss", "--seed", "0", "--steps", "5", "--json", "{tmp}/r.json",
      "--plot", "{tmp}/r.json"], ("gan_backend.cli.bound", "measure")),
    (["avb", "--seed", "0", "--steps", "5", "--out", "{tmp}/a", "--plot", "{tmp}/p.jpgg"],
     ("gan_backend.experiments.avb", "train_avb")),
])
def test_plot_and_json_paths_checked_before_training(tmp_path, capsys, monkeypatch, argv, patch):
    import importlib

    monkeypatch.setattr(importlib.import_module(patch[0]), patch[1], lambda *a, **k: pytest.fail("trained"))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    _one_line_2(argv, capsys, "argument --")
    assert list(tmp_path.iterdir()) == []


# -- scheduler ----------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "127.0.0.1:{port}", "nonsense",
                                     "tcp://host:notaport", "ucx://127.0.0.1:1", "tcp://127.0.0.1:99999"])
@pytest.mark.parametrize("command", [["table", "--preset", "smoke"], ["modes"]])
def test_bad_or_unreachable_scheduler_one_line_nothing_written(tmp_path, capsys, address, command):
    address = address.replace("{port}", str(_closed_port()))
    out = tmp_path / "o"
    t0 = time.perf_counter()
    _one_line_2(command + ["--out", str(out), "--scheduler", address, "--quiet"], capsys, "argument --scheduler")
    assert time.perf_counter() - t0 < 20
    assert not out.exists()


# -- Ctrl-C -------------------------------------------------------------------------------
def test_ctrl_c_in_a_command_is_one_line_exit_130(tmp_path, capsys, monkeypatch):
    from gan_backend.cli import critic

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(critic, "run_critic", interrupted)
    rc, _, err = run_main(CRITIC + ["--out", str(tmp_path / "c")], capsys)
    assert rc == 130 and err.count("\n") == 1 and "Traceback" not in err and "interrupted" in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_table_is_one_line_keeps_finished_runs(tmp_path):
    """SIGINT to the whole process group (as a terminal's Ctrl-C): no worker tracebacks."""
    import signal

    out = tmp_path / "t"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    def default_sigint():  # a suite started in the background (`make test &`) passes SIGINT on ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "gan_backend", "table", "--preset", "smoke", "--runs", "40",
                             "--workers", "2", "--out", str(out), "--no-figures"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=default_sigint)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # until some runs are stored
        time.sleep(0.5)
        db = out / "results.sqlite"
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    if con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 3:
                        break
            except sqlite3.OperationalError:
                pass
    if proc.poll() is not None:  # a command that failed to start is a failure, not a skip
        assert proc.returncode == 0, proc.stderr.read()[-3000:]
        pytest.skip("the table finished before it could be interrupted")
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("[")]  # progress lines start with [
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "Error" not in stderr, stderr[-3000:]
    assert lines[-1].startswith("interrupted") and sum("interrupted" in ln for ln in lines) == 1, stderr[-3000:]
    with sqlite3.connect(out / "results.sqlite") as con:
        stored = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert stored >= 3
    assert f"table: {stored} runs computed" in stdout


# -- the table shows every stored run -----------------------------------------------------
@pytest.fixture(scope="module")
def two_runs_per_cell(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs2") / "t"
    rc = main(["table", "--preset", "smoke", "--runs", "2", "--workers", "1", "--out", str(out), "--quiet",
               "--no-figures"])
    assert rc == 0
    return out


def _csv_runs(out) -> set:
    with open(out / "table.csv") as fh:
        return {r["n_runs"] for r in csv.DictReader(fh) if r["median"]}


@pytest.mark.parametrize("coverage", ["heldout", "reference"])
def test_fewer_runs_regenerate_a_table_of_every_stored_run(two_runs_per_cell, capsys, coverage):
    out = two_runs_per_cell
    assert _csv_runs(out) == {"2"}
    rc, text, err = run_main(["table", "--preset", "smoke", "--out", str(out), "--quiet", "--no-figures",
                              "--coverage", coverage], capsys)
    assert rc == 0, err
    assert "also shows 10 stored runs beyond 1 per cell (20 runs in all)" in text
    assert _csv_runs(out) == {"2"}
    md = (out / "table.md").read_text()
    assert "10 more stored runs beyond 1 per cell" in md and "20 runs in all" in md


def test_runs_stored_with_other_settings_are_counted_as_left_out(two_runs_per_cell, tmp_path, capsys):
    import shutil

    out = tmp_path / "t"
    shutil.copytree(two_runs_per_cell, out)
    with sqlite3.connect(out / "results.sqlite") as con:  # three run-1 rows: other settings
        keys = [k for (k,) in con.execute("SELECT key FROM runs WHERE run = 1 ORDER BY key LIMIT 3")]
        for k in keys:
            con.execute("UPDATE runs SET config = json_set(config, '$.n_eval', 7) WHERE key = ?", (k,))
    rc, text, err = run_main(["table", "--preset", "smoke", "--out", str(out), "--quiet", "--no-figures"], capsys)
    assert rc == 0, err
    assert "left out: 3 (stored with other settings" in err
    assert "**Stored runs left out**: 3 (stored with other settings" in (out / "table.md").read_text()
    assert "also shows 7 stored runs beyond" in text


@pytest.mark.parametrize("which", ["smoke", "modes-small"])
def test_table_runs_sorts_stored_runs_into_shown_and_left_out(which):
    """Stored runs beyond --runs with the preset's settings are shown; other settings and
    other cells are counted as left out, each with its reason (the coverage and the modes
    tables share this selection)."""
    from gan_backend.experiments.mode_collapse import get_setting
    from gan_backend.experiments.presets import get_preset
    from gan_backend.experiments.report import table_runs
    from gan_backend.experiments.runs import run_specs
    from gan_backend.experiments.store import StoredRun

    preset = get_preset("smoke") if which == "smoke" else get_setting("small")

    def stored(spec, **change):
        cfg = {**preset.run_config(spec.method, spec.modes, spec.variant), **change}
        return StoredRun(spec.key, preset.name, spec.method, spec.modes, spec.run, 0, 0, cfg, {}, {}, "h", "t",
                         spec.variant)

    specs3 = run_specs(preset.with_(runs=3))
    one = preset.with_(runs=1)
    per_run = len(run_specs(one))
    rows = [stored(s) for s in specs3 if s.run != 2] + [stored(s, n_eval=-1) for s in specs3 if s.run == 2]
    alien = specs3[0]
    rows.append(StoredRun(alien.key.replace(alien.method, "nomethod"), preset.name, "nomethod", alien.modes, 5, 0,
                          0, {}, {}, {}, "h", "t", alien.variant))
    sel = table_runs(rows, one)
    assert (sel.wanted, sel.missing, sel.beyond, len(sel.runs)) == (per_run, 0, per_run, 2 * per_run)
    assert sel.left_out == {"stored with other settings than this command's": per_run,
                            "not a run of this preset's methods and mode counts": 1}
    sel5 = table_runs(rows[:per_run - 1], preset.with_(runs=5))
    assert (sel5.wanted, sel5.missing, sel5.beyond, sel5.left_out) == (5 * per_run, 4 * per_run + 1, 0, {})
