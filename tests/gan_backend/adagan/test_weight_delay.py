"""weight_delay: the reference code's behaviour before its commit b54202d (GAN t trained on step t - 1's
data weights; the recorded weights are step t's), off by default."""
import numpy as np
import pytest

import fdiv
from gan_backend.adagan import adagan_steps, methods
from gan_backend.engine.config import GanConfig

X = np.random.default_rng(0).normal(size=(40, 2))


class Resample:
    """Stand-in component: resamples the data with the weights it was trained on."""

    def __init__(self, x, w):
        self.x, self.w = x, w

    def sample(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return self.x[rng.choice(len(self.x), size=n, p=self.w)]


class FixedD:
    """Stand-in mixture discriminator: D(x) = sigmoid(x_0), whatever it was trained on."""

    def prob(self, x):
        return 1.0 / (1.0 + np.exp(-np.asarray(x)[:, 0]))


class StandIn:
    """Stand-in engine (train_gan, train_classifier) recording the weights each GAN is trained on."""

    def __init__(self):
        self.seen = []

    def train_gan(self, x, config, *, weights=None, rng=None, progress=False):
        self.seen.append(None if weights is None else np.array(weights))
        return Resample(x, weights)

    def train_classifier(self, x_real, x_fake, config, *, rng=None, epochs=None):
        return FixedD()


def _star(t):
    return fdiv.weights_from_discriminator(FixedD().prob(X), 1.0 / t, kind="star").w


def _run(weight_delay, method="boosted", **kw):
    engine = StandIn()
    steps = [s.step for s in methods.get(method).trajectory(
        X, T=3, config=GanConfig(), rng=1, engine=engine, weight_delay=weight_delay, **kw)]
    return engine.seen, steps


def test_delay_trains_gan2_on_uniform_and_gan3_on_step2_weights():
    seen, steps = _run(True)
    assert seen[0] is None and seen[1] is None  # GAN 1 and GAN 2: uniform weights
    np.testing.assert_allclose(seen[2], _star(2), rtol=1e-12, atol=0)  # GAN 3: step 2's weights
    # the records hold each step's own weights (the plotted ones) and say what was used
    np.testing.assert_allclose(steps[1].weights, _star(2), rtol=1e-12, atol=0)
    np.testing.assert_allclose(steps[2].weights, _star(3), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(steps[1].trained_on, np.full(len(X), 1 / len(X)))
    np.testing.assert_array_equal(steps[2].trained_on, steps[1].weights)
    assert not np.allclose(_star(2), _star(3))  # the delay is visible at step 3


def test_without_delay_each_gan_trains_on_its_own_step_weights():
    for seen, steps in (_run(False), _run_default()):
        assert seen[0] is None
        np.testing.assert_allclose(seen[1], _star(2), rtol=1e-12, atol=0)
        np.testing.assert_allclose(seen[2], _star(3), rtol=1e-12, atol=0)
        assert all(s.train_weights is None for s in steps)


def _run_default():
    engine = StandIn()
    steps = [s.step for s in methods.get("boosted").trajectory(X, T=3, config=GanConfig(), rng=1, engine=engine)]
    return engine.seen, steps


def test_topklast_delay():
    seen, steps = _run(True, method="topklast")
    assert seen[1] is None
    np.testing.assert_array_equal(seen[2], steps[1].weights)
    d = FixedD().prob(X)  # the reference topk rule: uniform on the top half by D
    top = d >= np.sort(d)[len(X) // 2]
    np.testing.assert_allclose(seen[2], top / top.sum(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["vanilla", "best_of", "ensemble"])
def test_refused_on_methods_without_weights(name):
    with pytest.raises(ValueError, match="weight_delay"):
        methods.check_weight_delay(name, True)
    assert methods.check_weight_delay(name, False) is False


def test_bad_values_refused():
    with pytest.raises(ValueError, match="weight_delay"):
        methods.check_weight_delay("boosted", "yes")
    with pytest.raises(ValueError, match="weight_delay"):
        next(adagan_steps(X, T=2, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 0.5,
                          weights="uniform", weight_delay=True))
    with pytest.raises(ValueError, match="weight_delay"):
        next(adagan_steps(X, T=2, trainer=lambda x, w, rng: Resample(x, w), beta=lambda t, d: 0.5,
                          classifier=lambda a, b, rng: FixedD(), weight_delay=1))


def test_preset_option():
    from gan_backend.experiments.presets import get_preset

    ada = get_preset("reference-adagan")
    assert ada.weight_delay is False and "weight_delay" not in ada.run_config("boosted", 7, "reference_toy")
    on = ada.with_(weight_delay=True)
    assert on.method_kwargs("boosted") == {"weight_delay": True}
    assert on.method_kwargs("topklast") == {"reading": "reference", "weight_delay": True}
    with pytest.raises(ValueError, match="weight_delay"):
        get_preset("reference").with_(weight_delay=True)


@pytest.mark.parametrize("argv, flag", [
    (["sample", "--dataset", "gmm", "--method", "ensemble", "--T", "2", "--weight-delay", "--seed", "1", "--n", "5",
      "--out", "/tmp/never-written.npy"], "--weight-delay"),
    (["table", "--preset", "reference", "--weight-delay", "--out", "/tmp/never-written-table", "--estimate"],
     "--weight-delay"),
])
def test_cli_refuses_delay_without_weights_one_line_exit_2(argv, flag, capsys):
    from tests.gan_backend._cli import run_main

    rc, out, err = run_main(argv, capsys)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and flag in err
