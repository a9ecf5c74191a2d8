"""AdaGAN (Algorithm 1, docs/theory.md §3) with hand-made components: step records, the
mixture update, the weight map on a deliberately missed mode, and loud failures."""
from __future__ import annotations

import numpy as np
import pytest

import fdiv
from gan_backend.adagan import AdaGanError, adagan, adagan_steps
from gan_backend.adagan.methods import AdaGanOptions, ScheduleBeta, TopKLastBeta, gan_classifier
from gan_backend.adagan.mixture import Mixture

MEANS = np.array([[-10.0, 0.0], [0.0, 8.0], [10.0, 0.0]])
STD = 1.0


def three_modes(n, rng):
    lab = rng.integers(3, size=n)
    return MEANS[lab] + STD * rng.normal(size=(n, 2)), lab


class Gauss:
    """A hand-made sampler: equal mixture of N(m, STD^2 I) over the given means."""

    def __init__(self, means):
        self.means = np.atleast_2d(np.asarray(means, dtype=float))

    def sample(self, n, rng=None):
        rng = np.random.default_rng(rng)
        lab = rng.integers(self.means.shape[0], size=n)
        return self.means[lab] + STD * rng.normal(size=(n, 2))


class WeightedMean:
    """Trainer stand-in: a Gaussian at the weighted mean of the data; logs the weights."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, w, rng):
        self.calls.append(None if w is None else np.array(w))
        m = x.mean(axis=0) if w is None else w @ x
        return Gauss(m)


def oracle_classifier(x_real, x_fake, rng):
    """D = p_d/(p_d + p_g) from a histogram-free stand-in: nearest-mode counts."""

    class D:
        def prob(self, x):
            def modes(z):
                return np.argmin(((z[:, None, :] - MEANS[None]) ** 2).sum(-1), axis=1)

            pd = np.bincount(modes(x_real), minlength=3) / len(x_real)
            pg = np.bincount(modes(x_fake), minlength=3) / len(x_fake)
            k = modes(x)
            return pd[k] / (pd[k] + pg[k])

    return D()


def test_uniform_weights_give_uniform_mixture():
    rng = np.random.default_rng(0)
    x, _ = three_modes(600, rng)
    tr = WeightedMean()
    res = adagan(x, T=4, trainer=tr, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                 weights="uniform", rng=1)
    np.testing.assert_allclose(res.mixture.weights, [0.25] * 4, rtol=1e-14)
    assert [s.t for s in res.steps] == [1, 2, 3, 4]
    assert [s.beta for s in res.steps] == [1.0, 0.5, 1 / 3, 0.25]
    assert all(w is None for w in tr.calls)  # uniform data weights, no discriminator
    assert all(s.d is None and s.lam is None for s in res.steps)
    assert res.steps[0].previous is None and res.steps[2].previous is res.steps[1].mixture
    np.testing.assert_allclose(res.steps[1].weights, 1 / 600)


def test_star_weights_target_the_missed_modes_and_records():
    """Step 1 misses modes 1 and 2 (it sits on mode 0); the oracle discriminator and R*
    (S12) then put every weight on those modes, equally per point."""
    rng = np.random.default_rng(1)
    x, lab = three_modes(900, rng)
    first = {"done": False}

    def trainer(x_, w, rng_):
        if not first["done"]:
            first["done"] = True
            return Gauss(MEANS[0])
        return Gauss(w @ x_)

    steps = list(adagan_steps(x, T=2, trainer=trainer, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                              classifier=oracle_classifier, rng=2))
    s = steps[1]
    assert s.beta == 0.5 and s.lam is not None and s.d.shape == (900,)
    assert s.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(s.weights[lab == 0] == 0.0)
    assert s.weights[lab != 0].min() > 0
    np.testing.assert_allclose(s.mixture.weights, [0.5, 0.5])
    assert s.discriminator_probs is s.d
    assert set(s.timings) == {"discriminator", "component"}


def test_weight_map_with_trained_discriminator_puts_large_weights_on_missed_mode():
    """Weight map after step 1 with the engine's mixture discriminator (trained from
    scratch): a hand-made first model missing mode 2 -> mode 2's points carry the largest
    weights."""
    from gan_backend import GanConfig

    rng = np.random.default_rng(3)
    x, lab = three_modes(3000, rng)
    tr = WeightedMean()
    calls = {"n": 0}

    def trainer(x_, w, rng_):
        calls["n"] += 1
        if calls["n"] == 1:
            return Gauss(MEANS[:2])  # misses mode 2
        return tr(x_, w, rng_)

    cfg = GanConfig(epochs=1)
    steps = list(adagan_steps(x, T=2, trainer=trainer, beta=ScheduleBeta(fdiv.beta_schedule("boosted")),
                              classifier=gan_classifier(cfg, epochs=100), rng=4))
    w = steps[1].weights
    missed, covered = w[lab == 2], w[lab != 2]
    # Exact R* at beta = 1/2 with the optimal D: h = 0 on mode 2 and h = (1/2)/(1/3) on the
    # others, lambda* = 1, so w is 4x larger on mode 2, which carries 2/3 of the mass.
    assert np.median(missed) > 2.5 * np.median(covered)
    assert missed.sum() == pytest.approx(2 / 3, abs=0.1)
    # the largest weights are all on the missed mode
    top = np.argsort(w)[-len(missed) // 2:]
    assert np.mean(lab[top] == 2) > 0.95


def test_topklast_zeroes_about_half_of_the_weights():
    rng = np.random.default_rng(5)
    x, lab = three_modes(600, rng)
    tr = WeightedMean()
    steps = list(adagan_steps(x, T=2, trainer=lambda x_, w, r: Gauss(MEANS[0]) if w is None else tr(x_, w, r),
                              beta=TopKLastBeta(0.5), classifier=oracle_classifier, rng=6))
    zero = np.mean(steps[1].weights == 0)
    assert 0 < steps[1].beta < 1
    assert zero == pytest.approx(0.5, abs=0.2)  # d takes 3 values: counts move in mode-sized blocks


def test_dagger_weights_and_their_assumption():
    """R-dagger (S14) needs P_d(p_g = 0) < beta: fine when one mode of three is missed
    (1/3 < 0.5), an AdaGanError naming S14 when two are (2/3 >= 0.5)."""
    rng = np.random.default_rng(7)
    x, lab = three_modes(600, rng)
    beta = ScheduleBeta(fdiv.beta_schedule("constant", beta=0.5))
    steps = list(adagan_steps(x, T=2, trainer=lambda x_, w, r: Gauss(MEANS[:2]) if w is None else Gauss(w @ x_),
                              beta=beta, weights="dagger", classifier=oracle_classifier, rng=8))
    assert steps[1].lam >= 1.0
    assert steps[1].weights[lab == 2].min() > steps[1].weights[lab != 2].max()
    with pytest.raises(AdaGanError, match=r"step 2: solving the dagger .*S14"):
        list(adagan_steps(x, T=2, trainer=lambda x_, w, r: Gauss(MEANS[0]), beta=beta, weights="dagger",
                          classifier=oracle_classifier, rng=8))


# ---------------------------------------------------------------- loud failures


class NaNSampler:
    def sample(self, n, rng=None):
        return np.full((n, 2), np.nan)


def _run(trainer=None, classifier=oracle_classifier, beta=None, T=3, weights="star"):
    rng = np.random.default_rng(9)
    x, _ = three_modes(300, rng)
    trainer = trainer or (lambda x_, w, r: Gauss(MEANS[0]))
    beta = beta or ScheduleBeta(fdiv.beta_schedule("boosted"))
    return adagan(x, T=T, trainer=trainer, beta=beta, weights=weights, classifier=classifier, rng=1)


def test_diverged_component_raises_with_step():
    calls = {"n": 0}

    def trainer(x, w, rng):
        calls["n"] += 1
        return Gauss(MEANS[0]) if calls["n"] == 1 else NaNSampler()

    with pytest.raises(AdaGanError, match=r"step 2: .*non-finite samples"):
        _run(trainer)


def test_trainer_exception_is_chained():
    def trainer(x, w, rng):
        raise FloatingPointError("overflow in D")

    with pytest.raises(AdaGanError, match=r"step 1: training the component failed: FloatingPointError") as ei:
        _run(trainer)
    assert isinstance(ei.value.__cause__, FloatingPointError)


def test_bad_discriminator_output_raises():
    def bad(x_real, x_fake, rng):
        class D:
            def prob(self, x):
                return np.full(len(x), 1.5)
        return D()

    with pytest.raises(AdaGanError, match=r"step 2: the discriminator returned 300 probabilities outside"):
        _run(classifier=bad)


def test_discriminator_all_zero_raises_not_uniform():
    """If D says the model covers everything (d = 0), R* has no solution: an error, never
    a silent fallback to uniform weights (a pitfall of the reference code)."""
    def zero(x_real, x_fake, rng):
        class D:
            def prob(self, x):
                return np.zeros(len(x))
        return D()

    with pytest.raises(AdaGanError, match=r"step 2: solving the star data weights .* failed: ValueError"):
        _run(classifier=zero)


def test_bad_beta_raises():
    with pytest.raises(AdaGanError, match=r"step 2: beta = 0.0 is outside"):
        _run(beta=lambda t, d: 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"T": 0}, "`T`"),
        ({"weights": "uniformish"}, "`weights`"),
        ({"classifier": None}, "`classifier`"),
    ],
)
def test_argument_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _run(**kwargs)


def test_options_validation():
    with pytest.raises(ValueError, match="kind"):
        AdaGanOptions(kind="uniform")
    with pytest.raises(ValueError, match="n_fake"):
        AdaGanOptions(n_fake=0)


def test_mixture_steps_are_nested():
    res = _run(trainer=lambda x, w, r: Gauss(MEANS[0]) if w is None else Gauss(w @ x), T=3)
    assert isinstance(res.mixture, Mixture) and len(res.mixture) == 3
    np.testing.assert_allclose(res.mixture.weights, [1 / 3] * 3, rtol=1e-14)


def test_topk_uniform_rule():
    from gan_backend.adagan.methods import TopKUniform

    d = np.array([0.9, 0.1, 0.5, 0.7, 0.2, 0.9])
    w, lam = TopKUniform(0.5)(d, 0.5)
    np.testing.assert_allclose(w, [1 / 3, 0, 0, 1 / 3, 0, 1 / 3])
    assert lam is None
    w, _ = TopKUniform(0.34)(d, 0.5)  # ceil(0.34*6) = 3 -> same cut
    assert np.count_nonzero(w) == 3
    w, _ = TopKUniform(0.2)(d, 0.5)  # ceil(1.2) = 2 largest: both 0.9 (tie kept)
    np.testing.assert_allclose(w, [0.5, 0, 0, 0, 0, 0.5])
    with pytest.raises(ValueError, match="`r`"):
        TopKUniform(0.0)
    # in the loop: the new component is trained on the missed modes only
    rng = np.random.default_rng(11)
    x, lab = three_modes(600, rng)
    steps = list(adagan_steps(x, T=2, trainer=lambda x_, w, r: Gauss(MEANS[0]) if w is None else Gauss(w @ x_),
                              beta=ScheduleBeta(fdiv.beta_schedule("boosted")), weights=TopKUniform(0.5),
                              classifier=oracle_classifier, rng=12))
    assert np.all(steps[1].weights[lab == 0] == 0) and steps[1].lam is None


def test_custom_weight_rule_failure_is_loud():
    def bad_rule(d, beta):
        return np.zeros_like(d), None

    with pytest.raises(AdaGanError, match="weights sum to"):
        _run(weights=bad_rule)


def test_adagan_names_its_own_missing_or_unknown_arguments():
    # before: adagan(x, T=...) forwarded **kwargs, so the error named adagan_steps()
    from gan_backend import adagan

    x = np.zeros((8, 2))
    with pytest.raises(TypeError, match=r"^adagan\(\): missing a required argument: 'trainer'$"):
        adagan(x, T=2)
    with pytest.raises(TypeError, match=r"^adagan\(\): got an unexpected keyword argument 'betas'$"):
        adagan(x, T=2, trainer=None, beta=None, betas=None)
