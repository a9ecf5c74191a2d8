"""`python -m gan_backend avb` and `digits`: output files, and one-line errors (exit 2)
on bad input before any training."""
import json
import sys

import numpy as np
import pytest

from tests.gan_backend._cli import run_main as _run_main



def test_avb_writes_posteriors_metrics_and_plot(tmp_path, capsys):
    out, png = tmp_path / "run", tmp_path / "p.png"
    rc, stdout, _ = _run_main(["avb", "--seed", "4", "--out", str(out), "--steps", "15", "--n", "30",
                               "--plot", str(png)], capsys)
    assert rc == 0
    for name in ("posterior_avb.npy", "posterior_vae.npy"):
        z = np.load(out / name)
        assert z.shape == (4, 30, 2) and np.isfinite(z).all()
    m = json.loads((out / "metrics.json").read_text())
    for model in ("avb", "vae"):
        for key in ("elbo", "recon_loglik", "aggregate_mmd2", "separation", "kl", "elbo_kde"):
            assert np.isfinite(m[model][key]), (model, key)
        assert m[model]["elbo"] == pytest.approx(m[model]["recon_loglik"] - m[model]["kl"])
        assert 0.0 <= m[model]["separation"] <= 1.0
        assert m[model]["recon_loglik"] <= 0.0  # a Bernoulli log-likelihood
    assert "mean_abs_diff" in m["avb"]["t_vs_kde"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "separation" in stdout


@pytest.mark.parametrize("cmd", ["avb", "digits"])
@pytest.mark.parametrize("args, flag", [
    (["--steps", "0"], "--steps"),
    (["--steps", "many"], "--steps"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "x"], "--seed"),
])
def test_bad_arguments_one_line_exit_2(cmd, args, flag, tmp_path, capsys):
    argv = [cmd, "--seed", "1", "--out", str(tmp_path / "o")] + args
    rc, _, err = _run_main(argv, capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cmd", ["avb", "digits"])
def test_unwritable_out_one_line_exit_2(cmd, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    rc, _, err = _run_main([cmd, "--seed", "1", "--out", str(blocker / "sub"), "--steps", "1"], capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "--out" in err


def test_avb_unwritable_plot_one_line_exit_2(tmp_path, capsys):
    rc, _, err = _run_main(["avb", "--seed", "1", "--out", str(tmp_path / "o"), "--plot",
                            str(tmp_path / "missing" / "p.png")], capsys)
    assert rc == 2 and "--plot" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_digits_without_scikit_learn_names_the_package(tmp_path, capsys, monkeypatch):
    for mod in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` raise ImportError
    rc, _, err = _run_main(["digits", "--seed", "1", "--out", str(tmp_path / "o")], capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "scikit-learn" in err
    assert not (tmp_path / "o").exists()
