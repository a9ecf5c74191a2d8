"""The AVB refit study (gan_backend.experiments.avb.refit_study) at tiny size."""
from __future__ import annotations

import numpy as np
import pytest

from gan_backend.experiments.avb import AvbConfig
from gan_backend.experiments.avb.experiment import run_seed
from gan_backend.experiments.avb.refit_study import REFITS, main, study_seed, summarise

TINY = AvbConfig(steps=30, batch_size=32, adversary_hidden=(16,), encoder_hidden=(8,), decoder_hidden=(8,),
                 noise_dim=4)


def test_default_refit_reproduces_run_seed_and_rows_differ_only_by_t():
    rows = study_seed(7, TINY, n=40)
    assert [r["refit"] for r in rows] == list(REFITS)
    ref = run_seed(TINY, 7, n=40, vae=False).metrics_avb
    assert rows[0]["elbo"] == ref["elbo"] and rows[0]["log_likelihood"] == ref["log_likelihood"]
    # same encoder, decoder and posterior samples: log p(x) and the samples' reconstruction are shared
    assert len({r["log_likelihood"] for r in rows}) == 1
    # "default" is the config's own refit: the lr 3e-5 entry, on the same draws, to the last bit
    by = {r["refit"]: r for r in rows}
    assert TINY.eval_adversary_lr == 3e-5 and by["default"]["elbo"] == by["lr_3e-5"]["elbo"]
    assert len({r["elbo"] for r in rows}) == len(REFITS) - 1
    assert [r["refit_steps"] for r in rows] == [TINY.refit_steps * r.times for r in REFITS.values()]
    assert [r["refit_lr"] for r in rows] == [TINY.eval_adversary_lr if r.lr is None else r.lr for r in REFITS.values()]


def test_command_writes_both_tables(tmp_path):
    out = tmp_path / "study"
    assert main(["--seeds", "3", "--out", str(out), "--iterations", "10"]) == 0
    csv = (tmp_path / "study.csv").read_text().splitlines()
    assert len(csv) == 1 + len(REFITS) and csv[0].startswith("seed,refit")
    md = (tmp_path / "study.md").read_text()
    assert "--iterations 10" in md and md.count("\n| 3 |") == len(REFITS)
    assert all(np.isfinite(float(v)) for line in csv[1:] for v in line.split(",")[3:])
    assert "| refit | seeds | runs |" in md


def test_replicates_redraw_only_the_refit_and_the_summary_counts_them():
    rows = study_seed(5, TINY, n=40, refits=["default", "lr_3e-5"], replicates=3)
    assert [(r["refit"], r["replicate"]) for r in rows] == [(f, k) for f in ("default", "lr_3e-5") for k in range(3)]
    # replicate 0 is the draw that follows training (run_seed's); the others are independent refits
    one = study_seed(5, TINY, n=40, refits=["default"])
    assert rows[0]["elbo"] == one[0]["elbo"]
    assert len({r["elbo"] for r in rows[:3]}) == 3 and len({r["log_likelihood"] for r in rows}) == 1
    s = summarise(rows)
    assert [x["refit"] for x in s] == ["default", "lr_3e-5"] and all(x["runs"] == 3 and x["seeds"] == 1 for x in s)
    assert s[0]["measured_t_sd"] == pytest.approx(np.std([r["elbo"] for r in rows[:3]], ddof=1), rel=1e-12)
    assert s[0]["check_strict"] == sum(r["check_strict"] for r in rows[:3])
    for r in rows:
        assert r["check_strict"] == int(r["elbo_minus_loglik"] <= r["log_likelihood_se"])


@pytest.mark.parametrize("kwargs, what", [({"refits": ["nope"]}, "refits"), ({"refits": []}, "refits"),
                                          ({"replicates": 0}, "replicates")])
def test_study_seed_rejects_bad_arguments_before_training(kwargs, what):
    with pytest.raises(ValueError, match=what):
        study_seed(1, TINY, n=40, **kwargs)


@pytest.mark.parametrize("argv, what", [(["--seeds", "-1", "--out", "x"], "--seeds"),
                                        (["--seeds", "1", "--out", "x", "--iterations", "0"], "--iterations"),
                                        (["--seeds", "1", "--out", "x", "--replicates", "0"], "--replicates"),
                                        (["--seeds", "1", "--out", "/nonexistent/dir/x"], "--out")])
def test_bad_arguments_are_one_line_and_exit_2(argv, what, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and what in err[0]


@pytest.mark.parametrize("argv", [["--seeds", "x", "--out", "o"], ["--out", "o"], ["--seeds", "1", "--out", "o", "--bogus"],
                                  ["--seeds", "1", "--out", "o", "--refits", "nope"]])
def test_parser_errors_are_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m gan_backend.experiments.avb.refit_study: error:")
