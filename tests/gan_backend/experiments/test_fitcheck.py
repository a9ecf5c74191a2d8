"""Fit check (gan_backend.experiments.fitcheck and the ``fitcheck`` command)."""
import numpy as np
import pytest

from gan_backend.experiments import fitcheck
from tests.gan_backend._cli import run_main


def _gauss(rng, mean, sd, n=40_000):
    return rng.normal(mean, sd, size=(n, 2))


def test_fit_stats_against_closed_forms():
    """Mean distance of a shifted copy is |shift|/sd exactly (same covariance); a copy
    scaled by c has covariance ratios c² along both axes; a model on one of two modes
    passes the mean test but not the covariance test."""
    rng = np.random.default_rng(0)
    x = _gauss(rng, [-10.0, -13.0], 2.0)
    s = fitcheck.fit_stats(x + [1.8, -2.4], x, np.array([[-10.0, -13.0]]), 2.0)
    assert s["mean_dist"] == pytest.approx(1.5, rel=2e-2) and not s["fits"]  # |shift| 3, data sd 2
    s = fitcheck.fit_stats(x + [0.6, -0.8], x, np.array([[-10.0, -13.0]]), 2.0)
    assert s["mean_dist"] == pytest.approx(0.5, rel=2e-2) and s["fits"] and s["modes_hit"] == 1
    m = x.mean(axis=0)
    for c, fits in ((1.3, True), (1.5, False), (0.6, False)):
        s = fitcheck.fit_stats(m + c * (x - m), x, np.array([[-10.0, -13.0]]), 2.0)
        np.testing.assert_allclose([s["cov_ratio_min"], s["cov_ratio_max"]], c * c, rtol=1e-9)
        assert s["fits"] is fits
    means = np.array([[-8.0, 0.0], [8.0, 0.0]])
    two = np.concatenate([_gauss(rng, means[0], 1.0), _gauss(rng, means[1], 1.0)])
    one = _gauss(rng, means[0], 1.0)
    s = fitcheck.fit_stats(one, two, means, 1.0)
    assert s["mean_dist"] < 1 and s["cov_ratio_min"] < 0.05 and not s["fits"] and s["modes_hit"] == 1
    assert fitcheck.fit_stats(two[::2], two, means, 1.0)["modes_hit"] == 2


def test_fit_stats_bad_input():
    with pytest.raises(ValueError, match="`samples`"):
        fitcheck.fit_stats(np.zeros((2, 2)), np.zeros((5, 2)), np.zeros((1, 2)), 1.0)
    with pytest.raises(ValueError, match="`samples` must be finite"):
        fitcheck.fit_stats(np.full((5, 2), np.nan), np.ones((5, 2)), np.zeros((1, 2)), 1.0)


def test_default_objectives_are_both_forms_of_every_f():
    import fdiv

    objs = fitcheck.default_objectives()
    assert len(objs) == 2 * (len(fdiv.names()) + 3)
    assert {"fgan:js", "fgan-saturating:js", "fgan:alpha(-1)", "fgan-saturating:alpha(2)"} <= set(objs)


def test_command_runs_resumes_and_reports(tmp_path, capsys):
    args = ["fitcheck", "--out", str(tmp_path), "--objectives", "fgan:js", "fgan-saturating:js",
            "--modes", "1", "--seeds", "3", "--epochs", "1", "--n-data", "512", "--n", "200"]
    rc, _, err = run_main(args, capsys)
    assert rc == 0 and "0 of 2 runs stored" in err
    rows = fitcheck.read_rows(tmp_path / "fit.csv")
    assert sorted(r["form"] for r in rows) == ["nonsaturating", "saturating"] and {r["f"] for r in rows} == {"js"}
    rc, _, err = run_main(args, capsys)
    assert rc == 0 and "2 of 2 runs stored, 0 to run" in err
    assert len(fitcheck.read_rows(tmp_path / "fit.csv")) == 2
    md = (tmp_path / "fit.md").read_text()
    assert "| js |" in md and "fitcheck --out" in md
    more = ["fitcheck", "--out", str(tmp_path), "--objectives", "fgan:js", "fgan-saturating:js", "--modes", "1", "2",
            "--seeds", "3", "4", "--epochs", "1", "--n-data", "512", "--n", "200", "--report-only"]
    rc, _, err = run_main(more, capsys)
    assert rc == 0 and "2 of 8 runs stored, 0 to run" in err
    assert len(fitcheck.read_rows(tmp_path / "fit.csv")) == 2
    assert "| js | **" in (tmp_path / "fit.md").read_text() and "--report-only" in (tmp_path / "fit.md").read_text()
    # over a complete set of stored runs the report names the command that trains them
    rc, _, err = run_main(args + ["--report-only"], capsys)
    assert rc == 0 and "2 of 2 runs stored, 0 to run" in err
    md = (tmp_path / "fit.md").read_text()
    assert "--report-only" not in md and "--seeds 3 --epochs 1" in md


@pytest.mark.parametrize("extra, flag", [
    (["--objectives", "fgan:nope"], "--objectives"), (["--objectives", "fgan-sat:js"], "--objectives"),
    (["--modes", "0"], "--modes"), (["--seeds", "-1"], "--seeds"), (["--n", "2"], "--n"),
])
def test_bad_arguments_one_line_exit_2(tmp_path, capsys, extra, flag):
    rc, _, err = run_main(["fitcheck", "--out", str(tmp_path / "o"), *extra], capsys)
    assert rc == 2 and flag in err and err.count("\n") == 1
    assert not (tmp_path / "o" / "fit.csv").exists()


def test_report_only_over_no_stored_run_exits_2_and_writes_nothing(tmp_path, capsys):
    rc, _, err = run_main(["fitcheck", "--out", str(tmp_path / "o"), "--objectives", "fgan:js", "--modes", "1",
                           "--seeds", "3", "--report-only"], capsys)
    assert rc == 2 and "--report-only" in err and "holds none of the 1 runs" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_output_that_is_a_file_exits_2(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    rc, _, err = run_main(["fitcheck", "--out", str(f)], capsys)
    assert rc == 2 and "--out" in err and err.count("\n") == 1


def test_a_run_is_the_sample_command(tmp_path, capsys):
    """The docstring's claim: a fit-check row scores exactly what `sample` writes."""
    spec = fitcheck.FitSpec("fgan-saturating:kl", 2, 5, epochs=1, n_data=512, n_samples=300)
    row = fitcheck.run_fit(spec)
    out = tmp_path / "s.npy"
    rc, _, _ = run_main(["sample", "--dataset", "gmm", "--modes", "2", "--method", "vanilla", "--seed", "5",
                         "--n", "300", "--n-data", "512", "--epochs", "1", "--objective", "fgan-saturating:kl",
                         "--out", str(out)], capsys)
    assert rc == 0
    np.testing.assert_array_equal(np.load(out).mean(axis=0), [row["sample_mean_x"], row["sample_mean_y"]])
    assert row["f"] == "kl" and row["form"] == "saturating"


def test_rows_of_tables_without_a_config_column_are_not_resumed(tmp_path):
    """A fit.csv written before the `config` column (f-GANs on raw coordinates, normal init)
    reads with config "legacy", so today's specs do not match its rows; appending to it
    rewrites the header instead of misaligning the columns."""
    import csv

    from gan_backend.experiments import fitcheck

    old_fields = [f for f in fitcheck.FIT_FIELDS if f != "config"]
    row = {f: 0 for f in old_fields}
    row.update(objective="fgan:kl", f="kl", form="nonsaturating", modes=1, seed=7, epochs=15, n_data=256000,
               n_samples=20000)
    path = tmp_path / "fit.csv"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=old_fields)
        w.writeheader()
        w.writerow(row)
    (old,) = fitcheck.read_rows(path)
    spec = fitcheck.FitSpec("fgan:kl", 1, 7)
    assert "standardize=True" in spec.key[-1] and fitcheck.row_key(old) != spec.key
    assert fitcheck.row_key(old) == spec.key[:-1] + (fitcheck.LEGACY,)
    fitcheck.append_row(path, {**row, "seed": 8, "config": spec.key[-1]})
    rows = fitcheck.read_rows(path)
    with open(path, newline="") as fh:
        assert tuple(next(csv.reader(fh))) == fitcheck.FIT_FIELDS
    assert [(r["seed"], r["config"]) for r in rows] == [(7, fitcheck.LEGACY), (8, spec.key[-1])]
