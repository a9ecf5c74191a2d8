"""gan_backend.adagan.mixture.Mixture: weights, the mixture update and exact sampling (docs/theory.md §3)."""
import numpy as np
import pytest

from gan_backend.adagan.mixture import Mixture


class Point:
    """A point mass (a hand-made sampler)."""

    def __init__(self, c):
        self.c = np.asarray(c, dtype=float)

    def sample(self, n, rng=None):
        return np.tile(self.c, (n, 1))


def test_single_and_add_weights():
    g = Mixture.single(Point([0, 0]))
    np.testing.assert_array_equal(g.weights, [1.0])
    g2 = g.add(Point([1, 0]), 0.5).add(Point([2, 0]), 1 / 3)
    np.testing.assert_allclose(g2.weights, [1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    assert len(g2) == 3 and len(g) == 1  # add returns a new mixture, g unchanged
    np.testing.assert_array_equal(g.weights, [1.0])
    with pytest.raises(ValueError):
        g2.weights[0] = 0.5  # read-only


def test_beta_one_replaces_the_model():
    g = Mixture.single(Point([0, 0])).add(Point([5, 5]), 1.0)
    np.testing.assert_array_equal(g.weights, [0.0, 1.0])
    x = g.sample(100, rng=0)
    np.testing.assert_array_equal(x, np.tile([5.0, 5.0], (100, 1)))


@pytest.mark.parametrize("beta", [0, -0.1, 1.5, float("nan"), True, "0.5"])
def test_add_rejects_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        Mixture.single(Point([0, 0])).add(Point([1, 1]), beta)


@pytest.mark.parametrize(
    "comps, weights, match",
    [
        ([], [], "components"),
        ([Point([0, 0])], [0.5, 0.5], "one entry per component"),
        ([Point([0, 0]), Point([1, 1])], [1.2, -0.2], "nonnegative"),
        ([Point([0, 0]), Point([1, 1])], [0.5, 0.4], "sum to 1"),
        ([Point([0, 0]), Point([1, 1])], [np.nan, 1.0], "finite"),
        ([object()], [1.0], "sample"),
    ],
)
def test_constructor_validates(comps, weights, match):
    with pytest.raises(ValueError, match=match):
        Mixture(comps, weights)


def test_sampling_frequencies_match_weights():
    w = np.array([0.5, 0.3, 0.2, 0.0])
    g = Mixture([Point([i, 0]) for i in range(4)], w)
    x = g.sample(200_000, rng=1)
    freq = np.bincount(x[:, 0].astype(int), minlength=4) / x.shape[0]
    # multinomial: std of each frequency <= sqrt(0.25/2e5) ~ 1.1e-3; 5 std
    np.testing.assert_allclose(freq, w, atol=6e-3)
    assert freq[3] == 0.0  # a zero-weight component is never sampled


def test_sampling_is_shuffled_and_reproducible():
    g = Mixture([Point([0, 0]), Point([1, 0])], [0.5, 0.5])
    a, b = g.sample(1000, rng=7), g.sample(1000, rng=7)
    np.testing.assert_array_equal(a, b)
    # rows are not grouped by component: many switches between consecutive rows
    assert np.count_nonzero(np.diff(a[:, 0])) > 300


def test_sample_validates_n_and_component_shapes():
    g = Mixture.single(Point([0, 0]))
    for n in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="`n`"):
            g.sample(n, rng=0)

    class Bad:
        def sample(self, n, rng=None):
            return np.zeros((n + 1, 2))

    with pytest.raises(ValueError, match="component 0"):
        Mixture.single(Bad()).sample(5, rng=0)


def test_nested_mixture_is_a_sampler():
    inner = Mixture([Point([0, 0]), Point([1, 0])], [0.5, 0.5])
    outer = Mixture.single(inner).add(Point([9, 0]), 0.5)
    x = outer.sample(40_000, rng=3)
    freq = np.array([np.mean(x[:, 0] == v) for v in (0, 1, 9)])
    np.testing.assert_allclose(freq, [0.25, 0.25, 0.5], atol=0.02)
