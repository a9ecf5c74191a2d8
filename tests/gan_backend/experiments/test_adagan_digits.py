"""Figure 5 on digits: the image statistics, the permutation test, and one tiny AdaGAN step."""
import dataclasses
import itertools

import numpy as np
import pytest
from scipy.stats import spearmanr

import fdiv
from gan_backend.experiments import adagan_digits as digits


def _bar(width, length=6):
    img = np.zeros((8, 8))
    img[1:1 + length, 2:2 + width] = 1.0
    return img.reshape(64)


def test_stroke_width_of_bars_and_empty():
    """Bars of width w and length L: 2A/P = 2wL / (2(w + L)) exactly."""
    x = np.stack([_bar(1), _bar(2), _bar(3), np.zeros(64)])
    np.testing.assert_allclose(digits.stroke_width(x), [2 * 6 / 14, 2 * 12 / 16, 2 * 18 / 18, 0.0], rtol=1e-15)
    # thicker strokes of the same length: strictly larger width
    assert np.all(np.diff(digits.stroke_width(x[:3])) > 0)


def test_ink_clips_and_sums():
    x = np.full((2, 64), 0.25)
    x[1, 0] = 5.0  # clipped to 1
    np.testing.assert_allclose(digits.ink(x), [16.0, 16.75], rtol=1e-15)
    with pytest.raises(ValueError, match="`x`"):
        digits.ink(np.zeros((3, 10)))


def test_spearman_rho_matches_scipy_with_ties():
    g = np.random.default_rng(0)
    a = g.integers(0, 5, 200).astype(float)
    b = np.where(g.random(200) < 0.3, 0.0, g.random(200))  # many tied zeros, like R* weights
    r = digits.spearman_permutation(a, b, permutations=99, rng=1)
    assert r.rho == pytest.approx(spearmanr(a, b).statistic, rel=1e-12)


def test_spearman_permutation_p_value_matches_exact_enumeration():
    """n = 7: the exact two-sided permutation p-value enumerates all 5040 orderings;
    19999 random permutations estimate it with standard error < 0.004 (tolerance 0.015)."""
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    b = np.array([2.0, 1.0, 4.0, 3.0, 7.0, 5.0, 6.0])
    rho = spearmanr(a, b).statistic
    # no ties: Spearman's rho of two rank vectors is 1 - 6 sum(d^2) / (n (n^2 - 1))
    n = a.size
    ranks = np.array(list(itertools.permutations(b)))  # b's values are already the ranks 1..7
    perms = 1 - 6 * ((ranks - a) ** 2).sum(axis=1) / (n * (n * n - 1))
    assert perms[0] == pytest.approx(rho, rel=1e-12)
    exact = np.mean(np.abs(perms) >= abs(rho) - 1e-12)
    r = digits.spearman_permutation(a, b, permutations=19999, rng=2)
    assert r.p_value == pytest.approx(exact, abs=0.015)
    # unrelated data: the p-value is not small
    g = np.random.default_rng(3)
    assert digits.spearman_permutation(g.random(300), g.random(300), permutations=999, rng=4).p_value > 0.01


def test_load_digits_shape_and_range():
    x = digits.load_digits_data()
    assert x.shape == (1797, 64) and x.min() == 0.0 and x.max() == 1.0


def test_one_adagan_step_gives_r_star_weights_of_the_discriminator():
    """The weights of the figure are exactly fdiv's R* weights of the step's D(x_i), and
    the statistics are those of the returned objects."""
    x = digits.load_digits_data()[::9]  # 200 digits
    cfg = dataclasses.replace(digits.DIGITS_CONFIG, epochs=2, batch_size=32)
    fig = digits.run_figure5(x, cfg, rng=0, classifier_epochs=(1, 2))
    ref = fdiv.weights_from_discriminator(fig.d, fig.beta, kind="star")
    np.testing.assert_allclose(fig.weights, ref.w, rtol=1e-12, atol=1e-15)
    assert fig.beta == digits.BETA and fig.weights.shape == (200,)
    assert str(fig.classifier_epochs) == min(fig.classifier_heldout_loss, key=fig.classifier_heldout_loss.get) \
        and set(fig.classifier_heldout_loss) == {"1", "2"}
    stats, panels = digits.figure5_stats(fig, n_samples=100, permutations=99, rng=1)
    w, ink = fig.weights, digits.ink(x)
    assert stats["mean_ink"]["data_reweighted"] == pytest.approx(float(w @ ink))
    assert stats["spearman_ink_weight"]["rho"] == pytest.approx(spearmanr(ink, w).statistic, rel=1e-12)
    low, high = stats["lowest16_indices"], stats["highest16_indices"]
    assert max(w[low]) <= min(w[high])
    assert all(panels[k].shape == (16, 64) for k in ("g1", "g2", "low", "high"))


def test_class_stats_reads_classes_and_weights():
    """A reader fitted on the digits recovers the class frequencies of the data itself,
    and the mean N·w per class is that of the given weights."""
    x, y = digits.load_digits_data(), digits.load_digits_labels()
    w = np.where(y == 7, 2.0, 1.0)
    w /= w.sum()
    cs = digits.class_stats(x, y, w, {"data_again": x[y == 3]})
    assert cs["reader_train_accuracy"] > 0.95
    assert cs["class_freq_data_again"]["3"] > 0.95
    r = cs["mean_n_weight_by_class"]
    assert r["7"] == pytest.approx(2 * r["0"]) and r["0"] == pytest.approx(x.shape[0] / w.size / (1 + np.mean(y == 7)))


# -- the reference pipeline (tolstikhin/adagan at a6ec3b7) -------------------------------------------


def test_pipeline_defaults_reference_and_factors():
    default, ref = digits.DigitsPipeline(), digits.DigitsPipeline.reference()
    assert (default.g_batchnorm, default.g_output, default.classifier_epochs, default.classifier_lr,
            default.stored_samples, default.ratio_eps) == (False, None, digits.CLASSIFIER_EPOCHS, None, None, None)
    assert (ref.g_batchnorm, ref.g_output, ref.classifier_epochs, ref.classifier_lr, ref.stored_samples,
            ref.ratio_eps) == (True, "sigmoid", (5,), 8e-4, 5000, 1e-8)
    # each factor changes only its own fields; all of them together are the reference
    for name, fields in digits.FACTORS.items():
        one = default.with_factors(name)
        changed = {f.name for f in dataclasses.fields(one) if getattr(one, f.name) != getattr(default, f.name)}
        assert changed == set(fields), name
    assert default.with_factors(*digits.FACTORS) == ref
    cfg = ref.gan_config(digits.DIGITS_CONFIG)
    assert cfg.g_batchnorm and cfg.g_output == "sigmoid" and cfg.g_hidden == digits.DIGITS_CONFIG.g_hidden


@pytest.mark.parametrize("kw, name", [
    (dict(g_batchnorm=1), "g_batchnorm"),
    (dict(g_output="relu"), "g_output"),
    (dict(classifier_epochs=()), "classifier_epochs"),
    (dict(classifier_epochs=(5, 0)), "classifier_epochs"),
    (dict(classifier_epochs=-5), "classifier_epochs"),
    (dict(classifier_epochs=(2.5,)), "classifier_epochs"),
    (dict(classifier_lr=0.0), "classifier_lr"),
    (dict(classifier_lr=float("nan")), "classifier_lr"),
    (dict(stored_samples=0), "stored_samples"),
    (dict(stored_samples=True), "stored_samples"),
    (dict(ratio_eps=-1e-8), "ratio_eps"),
])
def test_pipeline_rejects_bad_values_naming_the_field(kw, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        digits.DigitsPipeline(**kw)


def test_pipeline_unknown_factor_and_single_epoch_int():
    with pytest.raises(ValueError, match="`factor`.*'bogus'"):
        digits.DigitsPipeline().with_factors("bogus")
    assert digits.DigitsPipeline(classifier_epochs=5).classifier_epochs == (5,)


def _lambda_search(beta, ratios):
    """The reference code's R* weights (adagan.py, _compute_data_weights_theory_star, at
    a6ec3b7), written out from its loop: λ from equation (18) over the sorted ratios."""
    num = len(ratios)
    srt = np.sort(ratios)
    cs = np.cumsum(srt)
    for i in range(num):
        lam = beta * num * (1.0 + (1.0 - beta) / beta / num * cs[i]) / (i + 1.0)
        last = i == num - 1
        if (last and lam >= (1 - beta) * srt[-1]) or (not last and (1 - beta) * srt[i] <= lam <= (1 - beta) * srt[i + 1]):
            break
    keep = ratios <= lam / (1 - beta)
    w = np.zeros(num)
    w[keep] = (lam - (1 - beta) * ratios[keep]) / num / beta
    return w / w.sum(), lam


def test_reference_weights_against_a_hand_computation():
    """d = (1, 0.5, 0): h = (0, 0.5/(0.5+ε), 1/ε); with β = 1/2, N = 3, the first two are
    active: 2λ − (1/2)(0 + h_2) = Nβ = 3/2, so λ = 3/4 + h_2/4 and w_i = (λ − h_i/2)/(3/2)."""
    eps = 1e-8
    w, lam = digits.reference_weights([1.0, 0.5, 0.0], 0.5, eps)
    h2 = 0.5 / (0.5 + eps)
    lam_hand = 0.75 + h2 / 4
    assert lam == pytest.approx(lam_hand, rel=1e-12)
    np.testing.assert_allclose(w, [lam_hand / 1.5, (lam_hand - h2 / 2) / 1.5, 0.0], rtol=1e-12, atol=1e-15)
    # against the reference code's own λ search, on saturated and unsaturated outputs (with d = 0)
    g = np.random.default_rng(5)
    for d in (g.random(300), np.concatenate([1 - 1e-6 * g.random(200), [0.0, 0.3]])):
        for beta in (0.5, 0.2):
            w, lam = digits.reference_weights(d, beta, eps)
            w_ref, lam_ref = _lambda_search(beta, (1 - d) / (d + eps))
            np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-15)
            assert lam == pytest.approx(lam_ref, rel=1e-9)
    with pytest.raises(ValueError, match="`eps`"):
        digits.reference_weights([0.5, 0.5], 0.5, 0.0)
    with pytest.raises(ValueError, match="`d`"):
        digits.reference_weights([0.5, 1.5], 0.5)


def test_stored_samples_redraw_only_stored_rows():
    """Every draw is one of the m stored samples, taken from the generator once; draws are
    uniform over them (chi-square on 40,000 draws from m = 8)."""
    class Counter:
        calls = 0

        def sample(self, n, rng=None):
            Counter.calls += 1
            return np.random.default_rng(rng).normal(size=(n, 3))

    s = digits.StoredSamples(Counter(), 8, rng=0)
    assert s.stored.shape == (8, 3) and Counter.calls == 1 and isinstance(s.generator, Counter)
    draws = s.sample(40000, rng=1)
    assert Counter.calls == 1
    idx = [int(np.flatnonzero((s.stored == row).all(axis=1))[0]) for row in draws[:200]]
    assert set(idx) <= set(range(8))
    counts = np.array([np.count_nonzero((draws == s.stored[k]).all(axis=1)) for k in range(8)])
    assert counts.sum() == 40000
    chi2 = float(((counts - 5000) ** 2 / 5000).sum())
    assert chi2 < 24.3  # chi-square, 7 degrees of freedom: P(> 24.3) = 0.001
    with pytest.raises(ValueError, match="`m`"):
        digits.StoredSamples(Counter(), 0)


def test_fixed_epoch_classifier_trains_once_on_all_points(monkeypatch):
    """One candidate: no held-out split, the classifier is trained once, on every real and
    fake point, for exactly that many epochs, at the given learning rate."""
    calls = []
    real_train = digits.train_classifier

    def spy(real, fake, config, *, rng, epochs):
        calls.append((len(real), len(fake), epochs, config.lr_d))
        return real_train(real, fake, config, rng=rng, epochs=epochs)

    monkeypatch.setattr(digits, "train_classifier", spy)
    cfg = dataclasses.replace(digits.DIGITS_CONFIG, batch_size=16, lr_d=8e-4)
    g = np.random.default_rng(0)
    clf = digits.heldout_classifier(cfg, (5,))
    out = clf(g.random((40, 64)), g.random((48, 64)), g)
    assert calls == [(40, 48, 5, 8e-4)] and clf.chosen == 5 and clf.losses == {}
    assert out.prob(g.random((3, 64))).shape == (3,)


def test_reference_pipeline_tiny_run():
    """The whole reference pipeline at tiny size: batch-norm G with outputs in (0, 1),
    fixed classifier, stored fakes, reference weights equal to those of the step's D."""
    x = digits.load_digits_data()[::12]  # 150 digits
    cfg = dataclasses.replace(digits.DIGITS_CONFIG, epochs=2, batch_size=32)
    pipe = dataclasses.replace(digits.DigitsPipeline.reference(), stored_samples=50, classifier_epochs=(2,))
    fig = digits.run_figure5(x, cfg, rng=0, pipeline=pipe)
    assert fig.classifier_epochs == 2 and fig.classifier_heldout_loss == {}
    assert fig.g1.config.g_batchnorm and fig.g1.config.g_output == "sigmoid"
    s = fig.g1.sample(200, rng=1)
    assert s.min() > 0 and s.max() < 1
    assert fig.steps[0].component.stored.shape == (50, 64)
    w_ref, _ = digits.reference_weights(fig.d, fig.beta)
    np.testing.assert_allclose(fig.weights, w_ref, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="`pipeline`"):
        digits.run_figure5(x, cfg, rng=0, pipeline={"g_batchnorm": True})


def test_slant_of_sheared_bars():
    """Bars leaning right (top to the right) have positive slant, upright 0, left negative."""
    up = np.zeros((8, 8)); up[:, 3] = 1.0
    right = np.zeros((8, 8)); right[np.arange(8), 7 - np.arange(8)] = 1.0
    left = np.zeros((8, 8)); left[np.arange(8), np.arange(8)] = 1.0
    half = np.zeros((8, 8)); half[np.arange(8), 4 - np.arange(8) // 2] = 1.0  # one column per two rows
    v = digits.slant(np.stack([up, right, left, half, np.zeros((8, 8))]).reshape(5, 64))
    assert v[0] == 0.0 and v[1] == pytest.approx(1.0) and v[2] == pytest.approx(-1.0) and v[4] == 0.0
    assert v[3] == pytest.approx(0.5, abs=0.05)
