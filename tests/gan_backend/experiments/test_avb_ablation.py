"""The AVB ablation runner: one JSON per (setting, seed), reruns skip, VAE reused, table."""
import json
import math
import os

import pytest

from gan_backend.experiments.avb import ablation


def test_ablation_resumes_reuses_vae_and_writes_table(tmp_path, monkeypatch):
    tiny = {"steps": 3, "batch_size": 16, "adversary_hidden": (8,), "encoder_hidden": (8,), "decoder_hidden": (8,)}
    monkeypatch.setattr(ablation, "SETTINGS", {"default": ("base", tiny),
                                               "t_steps_1": ("1 T step", {**tiny, "adversary_steps": 1}),
                                               "lr_1": ("lr", {**tiny, "lr": 1e-3})})
    runs = str(tmp_path / "runs")
    os.makedirs(runs)
    a = ablation.run_pair(runs, "default", 5, n=10)
    assert a["vae_from"] is None and a["config"]["steps"] == 3
    path = tmp_path / "runs" / "default__seed5.json"
    stamp = path.stat().st_mtime_ns
    assert ablation.run_pair(runs, "default", 5, n=10) == json.loads(path.read_text())
    assert path.stat().st_mtime_ns == stamp  # skipped, not rerun
    b = ablation.run_pair(runs, "t_steps_1", 5, n=10)
    assert b["vae_from"] == "default" and b["vae"] == a["vae"]  # T-only change: same VAE
    c = ablation.run_pair(runs, "lr_1", 5, n=10)
    assert c["vae_from"] is None  # the VAE's learning rate changed: trained anew
    rows = ablation.write_table(runs, str(tmp_path / "table"), "CMD")
    assert [r["setting"] for r in rows] == ["default", "t_steps_1", "lr_1"]
    md = (tmp_path / "table.md").read_text()
    assert "CMD" in md and md.count("\n| ") == 4  # header + 3 rows
    assert (tmp_path / "table.csv").read_text().count("\n") == 4
    import numpy as np

    with np.load(tmp_path / "runs" / "default__seed5.npz") as z:
        assert z["avb"].shape == (4, 10, 2) and z["vae"].shape == (4, 10, 2)
    ablation.plot_run(runs, "default", 5, str(tmp_path / "f.png"))
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_elbo_error_with_the_adversary_adds_the_snapshot_spread_in_quadrature():
    from gan_backend.experiments.avb.evaluate import elbo_stderr_with_adversary
    # snapshots 1, 2, 3: sd 1, over sqrt(3); with 0.5 from the posterior samples
    assert elbo_stderr_with_adversary(0.5, [1.0, 2.0, 3.0]) == pytest.approx((0.25 + 1.0 / 3.0) ** 0.5, rel=1e-15)
    assert elbo_stderr_with_adversary(0.5, [2.0, 2.0]) == 0.5
    assert math.isnan(elbo_stderr_with_adversary(0.5, [2.0]))


@pytest.mark.parametrize("args, flag", [
    (["--settings", "default", "--seeds", "-3"], "--seeds"),
    (["--settings", "default", "--seeds", "1", "--n", "0"], "--n"),
    (["--settings", "default"], "--seeds"),
    ([], "nothing to do"),
    (["--table", "TABLE"], "--table"),  # a table of no run
    (["--settings", "default", "--seeds", "1", "--table", "/nonexistent/t"], "--table"),
    (["--figure", "default", "5", "FIG"], "--figure"),  # no such run stored or asked for
    (["--figure", "bogus", "5", "FIG"], "--figure"),
    (["--figure", "default", "x", "FIG"], "--figure"),
])
def test_bad_arguments_one_line_exit_2_before_training(args, flag, tmp_path, capsys):
    args = [str(tmp_path / "t") if a == "TABLE" else str(tmp_path / "f.png") if a == "FIG" else a for a in args]
    rc = ablation.main(["--runs", str(tmp_path / "r")] + args)
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and flag in err, err
    assert not (tmp_path / "r").exists() and not (tmp_path / "t.md").exists()
