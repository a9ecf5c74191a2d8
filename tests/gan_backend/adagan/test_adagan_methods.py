"""The methods registry (frozen Method objects): ``fit`` on small data, ``trajectory`` per
t, shared components and a given first GAN, and ``python -m gan_backend sample --method M``."""
from __future__ import annotations

import numpy as np
import pytest

from gan_backend import GanConfig, Mixture, make_dataset
from gan_backend.adagan import methods
from gan_backend.__main__ import main
from gan_backend.adagan.methods import AdaGanOptions, IndependentGans, Method

OURS = ("best_of", "ensemble", "topklast", "boosted")
CFG = GanConfig(epochs=2)
OPTS = AdaGanOptions(classifier_epochs=20, classifier_lr=1e-3)


@pytest.fixture(scope="module")
def data():
    return make_dataset("gmm", 1024, modes=3, rng=np.random.default_rng(0))


def test_registered():
    assert methods.names() == ["vanilla", *OURS[:2], "topklast", "boosted"]
    for name in methods.names():
        m = methods.get(name)
        assert isinstance(m, Method) and m.name == name and m.help
    assert {n for n in methods.names() if "components" in methods.get(n).parameters} == {"vanilla", "best_of",
                                                                                         "ensemble"}
    with pytest.raises(ValueError, match="method"):
        methods.get("nope")
    with pytest.raises(Exception):  # frozen
        methods.get("boosted").name = "x"


def test_shared_components_are_trained_once(data):
    """Vanilla, Best of T and Ensemble on one IndependentGans set: each GAN trained once,
    Vanilla = GAN 1, Ensemble = uniform mixture of the same objects, Best of T picks one."""
    gans = IndependentGans(data.x, 3, CFG, seed=11)
    van = methods.get("vanilla").fit(data.x, T=3, config=CFG, components=gans)
    ens = list(methods.get("ensemble").trajectory(data.x, T=3, config=CFG, components=gans))
    best = list(methods.get("best_of").trajectory(data.x, T=3, config=CFG, rng=0, heldout=data.x[:300],
                                                  components=gans))
    assert van is gans[0]
    assert ens[-1].model.components == tuple(gans) and [s.model_id for s in ens][0] == "gan1"
    assert best[-1].model is gans[best[-1].info["pick"] - 1]
    # GAN i depends on (seed, i) only: training it directly with that stream gives the same GAN
    from gan_backend import train_gan

    direct = train_gan(data.x, CFG, rng=np.random.default_rng([11, 3]))
    np.testing.assert_array_equal(direct.net.params, gans[2].net.params)


@pytest.mark.parametrize("name", OURS)
def test_fit_and_trajectory(name, data):
    mod = methods.get(name)
    opts = mod.accepted({"options": OPTS})
    snaps = list(mod.trajectory(data.x, T=3, config=CFG, rng=1, **opts))
    assert [s.t for s in snaps] == [1, 2, 3]
    model = mod.fit(data.x, T=3, config=CFG, rng=1, **opts)
    x = model.sample(50, np.random.default_rng(2))
    assert x.shape == (50, 2) and np.all(np.isfinite(x))
    if name == "best_of":
        info = snaps[-1].info
        assert len(info["heldout_c"]) == 3 and info["heldout_c"][info["pick"] - 1] == max(info["heldout_c"])
    else:
        assert isinstance(snaps[-1].model, Mixture) and len(snaps[-1].model) == 3
        np.testing.assert_allclose(snaps[-1].model.weights.sum(), 1.0)
    if name in ("ensemble", "boosted"):  # beta_t = 1/t: equal final weights
        np.testing.assert_allclose(snaps[-1].model.weights, [1 / 3] * 3, rtol=1e-12)


@pytest.mark.parametrize("name", methods.names())
def test_a_misspelt_keyword_is_a_type_error(name):
    """Every method takes exactly its parameters: a typo is refused before any training."""
    m = methods.get(name)
    x = np.zeros((8, 2))
    for typo in ("confg", "compnents", "option", "heldot"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{typo}'"):
            m.fit(x, T=1, **{typo: None})
        with pytest.raises(TypeError, match=f"'{typo}'"):
            m.trajectory(x, T=1, **{typo: None})


def test_a_method_with_a_catch_all_is_refused():
    def loose(x, *, T, config=None, **rest):
        yield from ()

    with pytest.raises(ValueError, match=r"`trajectory` of method 'loose' must take exactly its parameters; got \*\*rest"):
        Method("loose", "accepts anything", loose)
    with pytest.raises(ValueError, match="`options` of method 'tight'.*reading"):
        Method("tight", "an option it does not take", lambda x, *, T: iter(()), options=(("reading", "a"),))
    m = methods.get("boosted")
    assert m.accepted({"components": 1, "first": 2, "engine": 3}) == {"first": 2, "engine": 3}


def test_best_of_uses_heldout_points_only_for_selection(data):
    """The chosen GAN is the argmax of coverage on the given held-out set."""
    held = make_dataset("gmm", 400, modes=3, rng=np.random.default_rng(0)).x  # same means
    snaps = list(methods.get("best_of").trajectory(data.x, T=3, config=CFG, rng=3, heldout=held))
    picks = [s.info["pick"] for s in snaps]
    assert picks[0] == 1 and all(p <= s.t for p, s in zip(picks, snaps))
    scores = snaps[-1].info["heldout_c"]
    for s in snaps:
        assert scores[s.info["pick"] - 1] == max(scores[: s.t])


@pytest.mark.parametrize("name", OURS)
def test_sample_command(name, tmp_path):
    out = tmp_path / "s.npy"
    rc = main(["sample", "--dataset", "gmm", "--modes", "2", "--method", name, "--T", "2",
               "--seed", "3", "--n", "64", "--out", str(out), "--n-data", "2048", "--epochs", "1"])
    assert rc == 0
    x = np.load(out)
    assert x.shape == (64, 2) and np.all(np.isfinite(x))


def test_topklast_reference_reading(data):
    snaps = list(methods.get("topklast").trajectory(data.x, T=3, config=CFG, rng=1, options=OPTS,
                                                    reading="reference"))
    np.testing.assert_allclose(snaps[-1].model.weights, [1 / 3] * 3, rtol=1e-12)  # beta_t = 1/t
    w = snaps[1].step.weights
    assert np.count_nonzero(w) >= len(w) // 2 and np.allclose(w[w > 0], w[w > 0][0])
    with pytest.raises(ValueError, match="reading"):
        methods.get("topklast").fit(data.x, T=2, config=CFG, reading="paper")


def test_coverage_of_a_collapsed_model_is_zero(data):
    from gan_backend.metrics.coverage import Collapsed, coverage_or_collapsed

    point = np.tile([[1.0, 2.0]], (500, 1))
    res = coverage_or_collapsed(point, data.x, rng=0)
    assert isinstance(res, Collapsed) and res.c == 0.0 and res.loglik == -np.inf
    ok = coverage_or_collapsed(data.x[:400], data.x[400:800], rng=0)
    assert 0.8 < ok.c <= 1.0 and not getattr(ok, "collapsed", False)
    bad = point.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):  # other errors still raise
        coverage_or_collapsed(bad, data.x, rng=0)


@pytest.mark.parametrize("module", ["gan_backend.engine._validate", "gan_backend.adagan.methods", "gan_backend.experiments.figures",
                                    "gan_backend.adagan.mixture"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_validate_messages_name_the_parameter():
    from gan_backend.engine import _validate as v

    for fn, bad in ((v.positive_int, 0), (v.positive_int, True), (v.positive_int, 2.0), (v.nonnegative_int, -1),
                    (v.positive_float, float("inf")), (v.positive_float, "1"), (v.optional_positive_int, 0)):
        with pytest.raises(ValueError, match=r"^`knob` must .*got"):
            fn("knob", bad)
    assert v.optional_positive_int("knob", None) is None and v.positive_float("knob", 2) == 2.0
    with pytest.raises(ValueError, match=r"`r` must lie in \(0, 1\)"):
        v.unit_interval("r", 1.0, closed_right=False)
    for bad in (1.5, True, np.random.RandomState(0), "0", -1):  # a negative seed: named here, not deep in NumPy
        with pytest.raises(ValueError, match="`rng`"):
            v.as_rng(bad)
    g = np.random.default_rng(0)
    assert v.as_rng(g) is g and v.as_rng(np.int64(3)).integers(100) == np.random.default_rng(3).integers(100)
    with pytest.raises(ValueError, match="`--n` = .* GiB"):
        v.fits_in_memory("--n", 10**15, 16)
    assert v.fits_in_memory("--n", 1000, 16) == 1000


def test_a_new_method_module_is_discovered(tmp_path, monkeypatch):
    """Adding a method is one module in gan_backend/adagan/methods exposing ``METHOD``: the
    registry finds it (after the seed table's rows); no other file changes."""
    from gan_backend.adagan import methods

    (tmp_path / "half_and_half.py").write_text(
        "from gan_backend.adagan.methods import Method\n"
        "def trajectory(x, *, T, config=None, rng=None, progress=False, options=None):\n"
        "    raise NotImplementedError\n"
        "METHOD = Method(name='half_and_half', help='a method of a user', trajectory=trajectory)\n")
    monkeypatch.setattr(methods, "__path__", [*methods.__path__, str(tmp_path)])
    found = methods.discover()
    assert list(found) == [*methods.SEED_ORDER, "half_and_half"]
    assert found["half_and_half"].help == "a method of a user"
    assert list(methods.discover()) == list(methods.REGISTRY) + ["half_and_half"]
