"""mode_reading: the per-mode reading of C reproduces the table's C and splits it exactly by mode."""
from __future__ import annotations

import numpy as np
import pytest

from gan_backend.experiments import get_preset, runs
from gan_backend.experiments.mode_reading import format_readings, main, missed_but_counted, read_modes
from gan_backend.experiments.runs import Group, Unit, execute_first, execute_unit
from gan_backend.experiments.store import ResultStore

SMOKE = get_preset("smoke")


@pytest.fixture(scope="module")
def k3():
    """The smoke preset's K = 3 draw, GAN 1 trained, and the table's own ensemble run on it."""
    g = Group("smoke", 3, 0)
    first = execute_first(g, SMOKE)["generator"]
    (rec,) = execute_unit(Unit(g, ("ensemble",)), SMOKE, first)
    return g, first, rec["metrics"]


def test_reading_gives_the_tables_c_at_every_t(k3):
    """Same GANs, same sampling seed, same estimator: C equals the stored ensemble trajectory's
    value exactly (a difference would mean the reading looks at other samples than the table)."""
    g, first, metrics = k3
    rows = read_modes(SMOKE, g, first, SMOKE.T)
    assert [r.t for r in rows] == metrics["t"]
    assert [r.c for r in rows] == metrics["coverage"]
    assert [r.c_reference for r in rows] == metrics["coverage_reference"]


def test_counted_shares_split_c_by_mode(k3):
    """C is the share of all its data points above the threshold, so the per-mode shares weighted
    by each mode's number of points add back to C (to float rounding of the sum): the held-out
    points for C, the first 500 training points for the reference estimator."""
    g, first, _ = k3
    data, x_train, _, x_eval = runs._data(SMOKE, g.modes, g.data_seed)
    means = np.asarray(data.means)

    def counts(points):
        return np.bincount(np.linalg.norm(points[:, None] - means[None], axis=2).argmin(1), minlength=g.modes)

    held, ref = counts(x_eval), counts(x_train[:500])
    for r in read_modes(SMOKE, g, first, 2, radius=3.0):
        assert len(r.counted) == len(r.counted_reference) == len(r.near) == g.modes and r.radius == 3.0
        assert all(0.0 <= v <= 1.0 for v in r.counted + r.counted_reference + r.near)
        assert np.dot(held, r.counted) / held.sum() == pytest.approx(r.c, rel=1e-12, abs=1e-15)
        assert np.dot(ref, r.counted_reference) / ref.sum() == pytest.approx(r.c_reference, rel=1e-12, abs=1e-15)
        assert max(r.near) <= r.near_any <= min(1.0, sum(r.near) + 1e-12)


def test_bad_arguments_are_value_errors(k3):
    g, first, _ = k3
    for bad in (0, SMOKE.T + 1, 2.0, True):
        with pytest.raises(ValueError, match="`T`"):
            read_modes(SMOKE, g, first, bad)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="`radius`"):
            read_modes(SMOKE, g, first, 1, radius=bad)


def _store(tmp_path, k3):
    g, first, _ = k3
    out = tmp_path / "smoke"
    out.mkdir()
    with ResultStore(out / "results.sqlite") as st:
        st.claim_preset("smoke")
        st.add_component(execute_first(g, SMOKE))
    return out, g


def test_command_prints_and_writes_the_table(tmp_path, k3, capsys):
    out, g = _store(tmp_path, k3)
    md = tmp_path / "reading.md"
    assert main(["--store", str(out), "--group", g.key, "--T", "2", "--out", str(md)]) == 0
    text = capsys.readouterr().out
    assert md.read_text() == text
    assert "| 1 | " in text and "| 2 | " in text and f"--group {g.key}" in text
    assert text.count("mode ") >= g.modes


@pytest.mark.parametrize("argv, names", [
    (["--store", "{missing}", "--group", "smoke/K3/run0", "--T", "1"], "--store"),
    (["--store", "{out}", "--group", "smoke/K3/run9", "--T", "1"], "--group"),
    (["--store", "{out}", "--group", "smoke/K3/run0", "--T", "99"], "--T"),
    (["--store", "{out}", "--group", "smoke/K3/run0", "--T", "1", "--radius", "-1"], "--radius"),
    (["--store", "{out}", "--group", "smoke/K3/run0", "--T", "1", "--out", "/nonexistent/x.md"], "--out"),
    (["--store", "{out}", "--group", "smoke/K3/run0"], "--T"),
    (["--store", "{out}", "--all", "--T", "2"], "--T"),
    (["--store", "{out}"], "--group"),
    (["--store", "{out}", "--all", "--group", "smoke/K3/run0", "--T", "1"], "--group"),
    (["--preset", "nope", "--all"], "--preset"),
    (["--preset", "smoke", "--store", "{out}", "--all"], "--store"),
    (["--preset", "smoke", "--group", "smoke/K3/run9", "--T", "1"], "--group"),
    (["--preset", "smoke", "--group", "smoke/K3/run0", "--T", "0"], "--T"),
])
def test_bad_command_lines_are_one_line_exit_2(tmp_path, k3, capsys, argv, names):
    """Checked before any training: one line on stderr naming the argument, exit 2."""
    out, _ = _store(tmp_path, k3)
    argv = [a.format(out=out, missing=tmp_path / "none") for a in argv]
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own errors (a missing required argument)
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and names in err, err


def test_a_store_made_with_other_settings_is_refused(tmp_path, capsys):
    """Retraining GANs 2..T from today's preset would read other models than the table's: refused."""
    g = Group("smoke", 3, 0)
    record = execute_first(g, SMOKE)
    out = tmp_path / "old"
    out.mkdir()
    with ResultStore(out / "results.sqlite") as st:
        st.claim_preset("smoke")
        st.add_component({**record, "config": {**record["config"], "epochs": 12345}})
    assert main(["--store", str(out), "--group", g.key, "--T", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--store" in err and "other settings" in err, err


def test_format_shows_every_mode_and_row():
    from gan_backend.experiments.mode_reading import ModeReading
    r = ModeReading(t=1, c=0.5, bandwidth=0.25, threshold=-3.0, counted=(1.0, 0.0), near=(0.5, 0.0),
                    near_any=0.5, c_reference=0.75, counted_reference=(1.0, 0.5), radius=4.0)
    text = format_readings([r], [[0.0, 1.0], [2.0, 3.0]], title="x")
    assert "| 1 | 0.5000 | 0.7500 | 0.250 | -3.00 | 50.0 | 100 / 100 / 50.00 | 0 / 50 / 0.00 |" in text
    assert "mode 0 (0.00, 1.00)" in text and "mode 1 (2.00, 3.00)" in text


def test_summary_counts_match_the_per_draw_readings(k3):
    """missed_but_counted is the per-draw readings tallied: recount them here from read_modes."""
    g, first, _ = k3
    g1 = Group("smoke", 1, 0)
    firsts = {g.key: first, g1.key: execute_first(g1, SMOKE)["generator"]}
    rows = missed_but_counted(SMOKE, firsts, radius=2.0)
    assert [r["modes"] for r in rows] == [1, 3] and [r["draws"] for r in rows] == [1, 1]
    for row, (key, grp) in zip(rows, [(g1.key, g1), (g.key, g)]):
        (r,) = read_modes(SMOKE, grp, firsts[key], 1, radius=2.0)
        missed = [n < 0.1 / grp.modes for n in r.near]
        counted = [c >= 0.5 for c in r.counted]
        counted_ref = [c >= 0.5 for c in r.counted_reference]
        assert row["missed_counted_reference"] == sum(m and c for m, c in zip(missed, counted_ref))
        assert row["missed"] == sum(missed)
        assert row["missed_counted"] == sum(m and c for m, c in zip(missed, counted))
        assert row["kept_not_counted"] == sum(not m and not c for m, c in zip(missed, counted))
        assert row["near_any_median"] == row["near_any_min"] == row["near_any_max"] == r.near_any
    with pytest.raises(ValueError, match="missed_fraction"):
        missed_but_counted(SMOKE, firsts, missed_fraction=0.0)
    with pytest.raises(ValueError, match="not data draws"):
        missed_but_counted(SMOKE, {"smoke/K9/run7": first})


def test_command_all_summarises_every_stored_draw(tmp_path, k3, capsys):
    out, g = _store(tmp_path, k3)
    assert main(["--store", str(out), "--all", "--radius", "3"]) == 0
    text = capsys.readouterr().out
    assert "| 3 | 1 | 3 | " in text and "within 3 data sd" in text and "--all --radius 3" in text


def test_preset_trains_the_first_gans_the_store_holds(tmp_path, k3, capsys):
    """--preset trains GAN 1 from the table's seeds: the same reading as from the store."""
    out, g = _store(tmp_path, k3)
    argv = ["--group", g.key, "--T", "2"]
    assert main(["--store", str(out)] + argv) == 0
    from_store = capsys.readouterr().out
    assert main(["--preset", "smoke"] + argv) == 0
    trained = capsys.readouterr().out
    assert from_store.split("\nMade by")[0] == trained.split("\nMade by")[0]
