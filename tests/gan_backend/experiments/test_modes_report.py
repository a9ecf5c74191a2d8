"""The modes report's spreads: std (ddof 1) and the standard error of the mean, checked
against the statistics module on made-up scores."""
from __future__ import annotations

import math
import statistics
from types import SimpleNamespace

from gan_backend.experiments.mode_collapse import get_setting
from gan_backend.experiments.mode_collapse_report import summary_rows


def _run(k, method, modes, hq):
    return SimpleNamespace(modes=k, method=method, timings={"cpu_s": 1.0},
                           metrics={"modes": [modes], "modes_any": [modes + 1], "hq": [hq], "reverse_kl": [0.1]})


def test_std_and_standard_error():
    s = get_setting("tiny")
    m = s.methods[0]
    modes, hq = [7, 8, 8, 6], [0.9, 0.95, 0.8, 0.85]
    runs = [_run(8, m, a, b) for a, b in zip(modes, hq)]
    row = next(r for r in summary_rows(runs, s) if r["benchmark"] == "ring" and r["method"] == m)
    assert row["runs"] == 4
    assert math.isclose(row["modes_std"], statistics.stdev(modes), rel_tol=1e-12)
    assert math.isclose(row["modes_se"], statistics.stdev(modes) / 2, rel_tol=1e-12)
    assert math.isclose(row["hq_se"], statistics.stdev([100 * h for h in hq]) / 2, rel_tol=1e-12)
    empty = next(r for r in summary_rows(runs, s) if r["benchmark"] == "grid" and r["method"] == m)
    assert empty["runs"] == 0 and math.isnan(empty["modes_se"])


def test_medium_setting_is_the_small_network_ten_times_longer_with_a_decay():
    import dataclasses

    small, medium = get_setting("small"), get_setting("medium")
    assert medium.gan_config() == dataclasses.replace(small.gan_config(), epochs=10 * small.gan_config().epochs,
                                                      lr_decay_start=0.5)
    assert (medium.n_train, medium.classifier_epochs, medium.geometry) == (small.n_train, small.classifier_epochs,
                                                                           small.geometry)
    assert medium.methods == ("vanilla", "boosted_star") and medium.gans("boosted_star") == 10
    constant = get_setting("medium-constant")
    assert constant.gan_config() == dataclasses.replace(medium.gan_config(), lr_decay_start=None)
    assert dataclasses.replace(constant, name=medium.name, description="", gan=()) == \
        dataclasses.replace(medium, description="", gan=())
    # its runs are the ones stored before the decay existed: the same run records
    assert "lr_decay_start" not in constant.run_config("boosted_star", 25)["gan"]
    assert medium.run_config("boosted_star", 25)["gan"]["lr_decay_start"] == 0.5
