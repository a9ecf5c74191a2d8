"""gan_backend.experiments.store: one row per run key, committed rows survive, configs checked."""
import sqlite3

import numpy as np
import pytest

from gan_backend.experiments.runs import decode_array
from gan_backend.experiments.store import ConfigMismatch, ResultStore


def _record(key="smoke/boosted/K3/run0", config=None, c=0.5):
    return {
        "key": key, "preset": "smoke", "method": "boosted", "modes": 3, "run": 0,
        "seed": 2**63 - 1, "data_seed": 17, "config": config or {"n_train": 512, "gan": {"epochs": 2}},
        "metrics": {"t": [1, 2], "coverage": [c, c + 0.1], "loglik": [float("nan"), -3.0]},
        "timings": {"total_s": 1.5}, "host": "h:1",
        "artifacts": {"samples": _npy(np.arange(6.0).reshape(3, 2))},
    }


def _npy(a):
    import io
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def test_add_and_read_back(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as st:
        assert st.add(_record())
        assert st.keys() == {"smoke/boosted/K3/run0"}
    with ResultStore(tmp_path / "r.sqlite") as st:  # committed: visible after reopening
        (run,) = st.runs()
        assert run.seed == 2**63 - 1 and run.modes == 3
        assert run.metrics["coverage"] == [0.5, 0.6]
        assert np.isnan(run.metrics["loglik"][0])
        np.testing.assert_array_equal(decode_array(st.artifact(run.key, "samples")),
                                      np.arange(6.0).reshape(3, 2))
        assert st.artifact(run.key, "nope") is None


def test_no_duplicate_rows(tmp_path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as st:
        assert st.add(_record(c=0.5))
        assert not st.add(_record(c=0.9))  # same key: ignored, first row kept
        assert st.count() == 1
        assert st.runs()[0].metrics["coverage"][0] == 0.5
    # the primary key itself forbids a second row, whoever writes
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO runs SELECT * FROM runs")
    db.close()


def test_same_key_other_config_is_refused(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as st:
        st.add(_record())
        with pytest.raises(ConfigMismatch, match="n_train"):
            st.add(_record(config={"n_train": 1024, "gan": {"epochs": 2}}))
        st.check_config("smoke/boosted/K3/run0", {"gan": {"epochs": 2}, "n_train": 512})  # key order irrelevant


def test_filter_by_preset(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as st:
        st.add(_record())
        rec = _record(key="quick/boosted/K3/run0")
        rec["preset"] = "quick"
        st.add(rec)
        assert [r.key for r in st.runs(preset="quick")] == ["quick/boosted/K3/run0"]
        assert len(st.runs()) == 2
