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
