"""`python -m gan_backend sample`: output files, reproducibility, clean errors on bad input."""
import subprocess
import sys

import numpy as np
import pytest

from gan_backend.__main__ import main
from tests.gan_backend._cli import run_main as _run_main

BASE = ["sample", "--dataset", "ring", "--modes", "4", "--method", "vanilla", "--T", "1",
        "--n-data", "1024", "--epochs", "1"]


def _run_cli(args):
    return subprocess.run([sys.executable, "-m", "gan_backend", *args], capture_output=True, text=True)



def test_writes_samples_data_and_plot(tmp_path):
    out, data, png = tmp_path / "s.npy", tmp_path / "d.npy", tmp_path / "p.png"
    rc = main(BASE + ["--seed", "3", "--n", "300", "--out", str(out), "--data-out", str(data),
                      "--plot", str(png)])
    assert rc == 0
    s, d = np.load(out), np.load(data)
    assert s.shape == (300, 2) and s.dtype == np.float64 and np.isfinite(s).all()
    assert d.shape == (1024, 2)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_files_other_seed_differs(tmp_path):
    files = []
    for i, seed in enumerate(("5", "5", "6")):
        out = tmp_path / f"s{i}.npy"
        assert main(BASE + ["--seed", seed, "--n", "100", "--out", str(out)]) == 0
        files.append(np.load(out))
    np.testing.assert_array_equal(files[0], files[1])
    assert not np.array_equal(files[0], files[2])


@pytest.mark.parametrize("args, names", [
    (["--dataset", "moons"], "--dataset"),
    (["--modes", "0"], "--modes"),
    (["--modes", "-2"], "--modes"),
    (["--n", "0"], "--n"),
    (["--n", "ten"], "--n"),
    (["--method", "magic"], "--method"),
    (["--objective", "hinge"], "--objective"),
    (["--seed", "-1"], "--seed"),
    (["--T", "0"], "--T"),
    (["--out", "/nonexistent-dir/x.npy"], "--out"),
    (["--out", "/tmp"], "--out"),  # a directory where a file is expected
    (["--data-out", "/tmp"], "--data-out"),
    (["--plot", "/nonexistent-dir/p.png"], "--plot"),
    (["--out", "/proc/gan_backend_samples.npy"], "--out"),  # unwritable directory (root included)
    (["--n", str(10**12)], "--n"),  # cannot fit in memory: refused before training
    (["--modes", str(10**13)], "--modes"),
    (["--n-data", str(10**13)], "--n-data"),
    (["--lr-decay-start", "1"], "--lr-decay-start"),
    (["--lr-decay-start", "-0.2"], "--lr-decay-start"),
    (["--lr-decay-start", "nan"], "--lr-decay-start"),
    (["--lr-decay-start", "half"], "--lr-decay-start"),
])
def test_bad_arguments_one_line_exit_2(args, names, capsys):
    good = {"--dataset": "gmm", "--modes": "2", "--method": "vanilla", "--seed": "1", "--n": "10",
            "--out": "/tmp/never-written.npy", "--n-data": "64", "--epochs": "1"}
    good.update(dict(zip(args[::2], args[1::2])))
    argv = ["sample"] + [t for kv in good.items() for t in kv]
    rc, out, err = _run_main(argv, capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert names in lines[0] and out == ""


def test_bad_argument_from_the_shell_has_no_traceback():
    r = _run_cli(["sample", "--dataset", "gmm", "--modes", "0", "--method", "vanilla", "--seed", "1",
                  "--n", "5", "--out", "/tmp/never-written.npy"])
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == "python -m gan_backend sample: error: argument --modes: must be a positive integer; got '0'"


def test_grid_rejects_other_mode_counts(capsys):
    rc = main(["sample", "--dataset", "grid", "--modes", "9", "--method", "vanilla", "--seed", "1",
               "--n", "5", "--out", "/tmp/never-written.npy"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--modes" in err[0]


def test_missing_required_and_unknown_command(capsys):
    rc, _, err = _run_main(["sample", "--dataset", "gmm"], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "required" in err
    rc, _, err = _run_main(["frobnicate"], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1


def test_geometry_pacgan_ring_data(tmp_path):
    out, data = tmp_path / "s.npy", tmp_path / "d.npy"
    assert main(BASE + ["--geometry", "pacgan", "--seed", "1", "--n", "10", "--out", str(out),
                        "--data-out", str(data)]) == 0
    r = np.hypot(*np.load(data).T)  # radius 1, std 0.01: every point within 6 std of the unit circle
    assert np.abs(r - 1.0).max() < 0.06


def test_geometry_rejected_for_gmm(tmp_path, capsys):
    rc, _, err = _run_main(["sample", "--dataset", "gmm", "--geometry", "pacgan", "--method", "vanilla",
                            "--seed", "1", "--n", "5", "--out", str(tmp_path / "s.npy")], capsys)
    assert rc == 2 and "--geometry" in err


# --- --network: the benchmark's component by default with --geometry pacgan -----------------


def _recorded_configs(monkeypatch):
    from gan_backend.engine import train

    seen = []
    original = train.train_gan

    def recording(x, config, **kw):
        seen.append((x.shape, config))
        return original(x, config, **kw)

    monkeypatch.setattr(train, "train_gan", recording)
    return seen


@pytest.mark.parametrize("dataset", ["ring", "grid"])
def test_pacgan_geometry_trains_the_modes_benchmark_component(dataset, tmp_path, monkeypatch):
    from gan_backend.experiments.mode_collapse import get_setting

    seen = _recorded_configs(monkeypatch)
    # 128 points = one batch of the benchmark's 128: its 300 epochs are 300 steps
    rc = main(["sample", "--dataset", dataset, "--geometry", "pacgan", "--method", "vanilla", "--seed", "1",
               "--n", "10", "--n-data", "128", "--out", str(tmp_path / "s.npy")])
    assert rc == 0
    assert [c for _, c in seen] == [get_setting("medium").gan_config()]
    assert seen[0][1].epochs == 300
    assert seen[0][1].g_hidden == (64, 64, 64) and seen[0][1].init == "glorot"


def test_network_toy_picks_the_toy_gan(tmp_path, monkeypatch):
    from gan_backend.engine.config import GanConfig

    seen = _recorded_configs(monkeypatch)
    rc = main(["sample", "--dataset", "ring", "--geometry", "pacgan", "--network", "toy", "--method", "vanilla",
               "--seed", "1", "--n", "10", "--n-data", "64", "--epochs", "1", "--out", str(tmp_path / "s.npy")])
    assert rc == 0
    assert [c for _, c in seen] == [GanConfig(epochs=1)]


def test_default_geometry_keeps_the_toy_gan(tmp_path, monkeypatch):
    from gan_backend.engine.config import GanConfig

    seen = _recorded_configs(monkeypatch)
    assert main(BASE + ["--seed", "1", "--n", "10", "--out", str(tmp_path / "s.npy")]) == 0
    assert [c for _, c in seen] == [GanConfig(epochs=1)]


@pytest.mark.parametrize("flag, want", [("0.25", 0.25), ("none", None), ("NONE", None)])
def test_lr_decay_start_reaches_every_gan(flag, want, tmp_path, monkeypatch):
    seen = _recorded_configs(monkeypatch)
    rc = main(["sample", "--dataset", "ring", "--geometry", "pacgan", "--method", "boosted", "--T", "2", "--seed", "1",
               "--n", "10", "--n-data", "128", "--epochs", "2", "--lr-decay-start", flag,
               "--out", str(tmp_path / "s.npy")])
    assert rc == 0 and len(seen) == 2
    assert all(c.lr_decay_start == want for _, c in seen)


def test_epochs_30_without_decay_is_the_small_settings_component(tmp_path, monkeypatch):
    from gan_backend.experiments.mode_collapse import get_setting

    seen = _recorded_configs(monkeypatch)
    rc = main(["sample", "--dataset", "grid", "--geometry", "pacgan", "--method", "vanilla", "--seed", "1", "--n", "10",
               "--n-data", "128", "--epochs", "30", "--lr-decay-start", "none", "--out", str(tmp_path / "s.npy")])
    assert rc == 0 and [c for _, c in seen] == [get_setting("small").gan_config()]


def test_benchmark_setup_has_the_settings_points_and_discriminator():
    from gan_backend.cli.sample import setup
    from gan_backend.experiments.mode_collapse import get_setting

    s = get_setting("medium")
    chosen = setup("benchmark", "nonsaturating")
    assert chosen.n_data == s.n_train == 32_000
    assert chosen.options == s.adagan_options("boosted_star")
    assert chosen.options.classifier_epochs == 10
    assert setup("toy", "nonsaturating").n_data == 256_000
    with pytest.raises(ValueError, match="network"):
        setup("huge", "nonsaturating")


def test_help_names_the_network_choice(capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--network {benchmark,toy}" in out and "default: benchmark with --geometry pacgan" in out


def test_bad_network_one_line_exit_2(capsys):
    rc, out, err = _run_main(["sample", "--dataset", "ring", "--network", "big", "--method", "vanilla",
                              "--seed", "1", "--n", "5", "--out", "/tmp/never-written.npy"], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "--network" in err
