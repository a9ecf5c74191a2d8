"""The Figure 5 factor study runner: settings, one-line argument errors, resumable runs and the table."""
import json

import numpy as np
import pytest

from gan_backend.experiments import adagan_digits as digits
from gan_backend.experiments import digits_factors as factors


def test_settings_are_default_reference_and_single_factors():
    assert set(factors.SETTINGS) == {"default", "reference", *digits.FACTORS}
    assert factors.setting_pipeline("default") == digits.DigitsPipeline()
    assert factors.setting_pipeline("reference") == digits.DigitsPipeline.reference()
    assert factors.setting_pipeline("stored_samples") == digits.DigitsPipeline(stored_samples=5000)
    with pytest.raises(ValueError, match="`setting`"):
        factors.setting_pipeline("tanh")


@pytest.mark.parametrize("args, flag", [
    (["--settings", "bogus", "--seeds", "1"], "--settings"),
    (["--settings", "default", "--seeds", "x"], "--seeds"),
    (["--settings", "default", "--seeds", "-3"], "--seeds"),
    (["--settings", "default", "--seeds", "1", "--steps", "0"], "--steps"),
    (["--settings", "default", "--seeds", "1", "--permutations", "0"], "--permutations"),
    (["--figure", "bogus", "1", "f.png"], "--figure"),
    (["--figure", "default", "1", "f.png"], "--figure"),  # no such run stored or asked for
    (["--table", "t"], "--table"),  # a table of no run
    (["--settings", "default"], "--seeds"),
    ([], "nothing to do"),
])
def test_bad_arguments_one_line_exit_2_before_training(args, flag, tmp_path, capsys):
    rc = factors.main(["--runs", str(tmp_path / "r")] + args)
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and flag in err
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())


def test_tiny_run_is_resumable_and_tabulated(tmp_path, capsys):
    runs = tmp_path / "r"
    assert factors.main(["--runs", str(runs), "--settings", "fixed_classifier", "--seeds", "3", "--steps", "28",
                         "--permutations", "99", "--table", str(tmp_path / "t")]) == 0
    rec = json.loads((runs / "fixed_classifier__seed3.json").read_text())
    assert rec["pipeline"]["classifier_epochs"] == [5] and rec["seed"] == 3
    with np.load(runs / "fixed_classifier__seed3.npz") as z:
        w = z["weights"]
        assert w.shape == (1797,) and z["g1"].shape == (16, 64)
    q = np.percentile(1797 * w, [5, 50, 95])
    np.testing.assert_allclose(rec["n_times_weight_quantiles_5_50_95"], q, rtol=1e-12)
    mtime = (runs / "fixed_classifier__seed3.json").stat().st_mtime_ns
    assert factors.main(["--runs", str(runs), "--settings", "fixed_classifier", "--seeds", "3",
                         "--steps", "28", "--permutations", "99"]) == 0  # skipped: the JSON exists
    assert (runs / "fixed_classifier__seed3.json").stat().st_mtime_ns == mtime
    with pytest.raises(ValueError, match="another pipeline, number of steps or permutations"):
        factors.run_pair(str(runs), "fixed_classifier", 3, steps=56, permutations=99)
    md = (tmp_path / "t.md").read_text()
    assert "| fixed_classifier | 3 |" in md
    csv = (tmp_path / "t.csv").read_text().splitlines()
    assert len(csv) == 2 and csv[0].startswith("setting,seed,nw_q05")
