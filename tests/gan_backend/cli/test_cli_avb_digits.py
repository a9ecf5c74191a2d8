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
    # 15 iterations: a refit of 15 // 5 = 3 T steps, one snapshot after each; the KL is their mean
    assert len(m["avb"]["kl_by_snapshot"]) == 3
    assert m["avb"]["kl"] == pytest.approx(np.mean(m["avb"]["kl_by_snapshot"]), rel=1e-12)
    for model in ("avb", "vae"):
        ll, se = m[model]["log_likelihood"], m[model]["log_likelihood_stderr"]
        assert ll < 0 and 0 < se < 0.05 and m[model]["sum_px"] <= 1.0 + 4 * se * 4
        assert m[model]["elbo_gap"] == pytest.approx(ll - m[model]["elbo"])
    assert set(m["checks"]) == {"avb_separation_at_least_0.95", "avb_aggregate_closer_to_prior_than_vae",
                                "avb_elbo_within_stated_error", "avb_elbo_at_most_loglik_plus_se"}
    d = m["avb"]["elbo"] - m["avb"]["log_likelihood"]
    assert m["checks"]["avb_elbo_at_most_loglik_plus_se"] == (d <= m["avb"]["log_likelihood_stderr"])
    assert m["checks"]["avb_elbo_within_stated_error"] == (
        d <= np.hypot(m["avb"]["elbo_stderr_with_adversary"], m["avb"]["log_likelihood_stderr"]))
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


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "nan"])
def test_avb_bad_eval_refits_one_line_exit_2(value, tmp_path, capsys):
    rc, _, err = _run_main(["avb", "--seed", "1", "--out", str(tmp_path / "o"), "--eval-refits", value], capsys)
    assert rc == 2 and "--eval-refits" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


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


@pytest.mark.parametrize("args, flag", [
    (["--recipe", "paper"], "--recipe"),
    (["--iterations", "0"], "--iterations"),
    (["--iterations", "-5"], "--iterations"),
    (["--t-steps", "0"], "--t-steps"),
    (["--t-width", "0"], "--t-width"),
    (["--t-width", "-64"], "--t-width"),
    (["--t-blocks", "-1"], "--t-blocks"),
    (["--noise-dim", "0"], "--noise-dim"),
    (["--lr-t", "-1e-4"], "--lr-t"),
    (["--lr-t", "nan"], "--lr-t"),
    (["--eval-t-steps", "-1"], "--eval-t-steps"),
])
def test_avb_bad_recipe_width_or_steps_one_line_exit_2(args, flag, tmp_path, capsys):
    rc, _, err = _run_main(["avb", "--seed", "1", "--out", str(tmp_path / "o")] + args, capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing trained, nothing written


def test_avb_authors_recipe_runs_at_tiny_size(tmp_path, capsys):
    """The authors' networks, 2 iterations; the config in metrics.json is the notebook's."""
    rc, stdout, _ = _run_main(["avb", "--seed", "3", "--out", str(tmp_path), "--recipe", "authors",
                               "--iterations", "2", "--n", "12"], capsys)
    assert rc == 0 and "exact log-likelihood" in stdout
    m = json.loads((tmp_path / "metrics.json").read_text())
    c = m["config"]
    assert m["recipe"] == "authors" and c["steps"] == 2
    assert (c["noise_dim"], c["adversary_hidden"], c["adversary_blocks"], c["lr"], c["lr_adversary"]) == \
        (64, [256], 5, 2e-5, 1e-4)


def test_avb_non_finite_t_loss_one_line_naming_iteration(tmp_path, capsys):
    """A learning rate of 1e30 for T overflows its weights in the first iteration."""
    rc, _, err = _run_main(["avb", "--seed", "1", "--out", str(tmp_path), "--iterations", "5", "--lr-t", "1e30",
                            "--n", "10"], capsys)
    assert rc == 1
    assert len(err.strip().splitlines()) == 1 and "iteration 1 of 5" in err and "T loss" in err


@pytest.mark.parametrize("args, flag", [
    (["--pipeline", "paper"], "--pipeline"),
    (["--factor", "bogus"], "--factor"),
    (["--factor", "stored_samples", "--factor", "tanh"], "--factor"),
    (["--permutations", "0"], "--permutations"),
])
def test_digits_bad_pipeline_or_factor_one_line_exit_2(args, flag, tmp_path, capsys):
    rc, _, err = _run_main(["digits", "--seed", "1", "--out", str(tmp_path / "o")] + args, capsys)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_digits_reference_pipeline_with_a_factor_records_it(tmp_path, capsys):
    """--pipeline default --factor fixed_classifier: that one reference choice, recorded in stats.json."""
    rc, stdout, _ = _run_main(["digits", "--seed", "2", "--out", str(tmp_path), "--steps", "28",
                               "--factor", "fixed_classifier", "--permutations", "99"], capsys)
    assert rc == 0 and "Spearman(ink, weight)" in stdout
    s = json.loads((tmp_path / "stats.json").read_text())
    p = s["pipeline"]
    assert p["name"] == "default" and p["factors"] == ["fixed_classifier"]
    assert p["classifier_epochs"] == [5] and p["classifier_lr"] == 8e-4 and p["stored_samples"] is None
    assert s["classifier_epochs"] == 5 and not s["config"]["g_batchnorm"]
    assert np.load(tmp_path / "weights.npy").shape == (1797,)


def test_avb_progress_lines_with_eta_and_quiet(tmp_path, capsys):
    small = ["--iterations", "150", "--t-width", "8", "--t-blocks", "1", "--noise-dim", "4", "--eval-t-steps", "20",
             "--n", "10"]
    rc, _, err = _run_main(["avb", "--seed", "3", "--out", str(tmp_path / "a")] + small, capsys)
    assert rc == 0
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip()]
    for label, total in (("avb", 150), ("avb T refit", 20), ("vae", 150)):
        mine = [ln for ln in lines if ln.startswith(f"[{label}] ")]
        assert mine and mine[-1].startswith(f"[{label}] {total}/{total} (100%)"), lines
    assert any("ETA" in ln for ln in lines if ln.startswith("[avb] ")) and err.endswith("\n")
    rc, _, err = _run_main(["avb", "--seed", "3", "--out", str(tmp_path / "q"), "--quiet"] + small, capsys)
    assert rc == 0 and err == ""
    a, q = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("a", "q"))
    assert a["avb"]["elbo"] == q["avb"]["elbo"]  # progress changes nothing trained


_VALID = {
    "avb": ["--seed", "1", "--out", "{o}"], "digits": ["--seed", "1", "--out", "{o}"],
    "sample": ["--dataset", "gmm", "--method", "vanilla", "--T", "1", "--seed", "1", "--n", "5", "--out", "{o}.npy"],
    "table": ["--preset", "smoke", "--out", "{o}"], "modes": ["--setting", "tiny", "--out", "{o}"],
    "fitcheck": ["--out", "{o}"], "bound": ["--f", "kl", "--pair", "gauss", "--seed", "1", "--json", "{o}.json"],
    "critic": ["--seed", "1", "--out", "{o}"],
}


@pytest.mark.parametrize("cmd", sorted(_VALID))
def test_an_unknown_argument_is_reported_by_its_command(cmd, tmp_path, capsys):
    # before: "python -m gan_backend: error: unrecognized arguments: ...", without the command
    o = str(tmp_path / "o")
    rc, _, err = _run_main([cmd] + [a.format(o=o) for a in _VALID[cmd]] + ["--no-such-flag", "3"], capsys)
    assert rc == 2
    assert err.strip() == f"python -m gan_backend {cmd}: error: unrecognized arguments: --no-such-flag 3"
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
