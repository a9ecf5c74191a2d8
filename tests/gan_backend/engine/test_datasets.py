"""Toy data sets of docs/theory.md §3: variance schedule, geometry, validation."""
import numpy as np
import pytest

from gan_backend.engine.datasets import GRID_MEANS, RING_RADIUS, make_dataset, mode_variance


@pytest.mark.parametrize("k, v", [(1, 3), (2, 3), (3, 8), (4, 20), (5, 10), (6, 108), (7, 147), (10, 300)])
def test_variance_schedule(k, v):
    assert mode_variance(k) == 15 / v


def test_gmm_means_uniform_in_box_and_mode_spread():
    d = make_dataset("gmm", 40_000, modes=3, rng=0)
    assert d.x.shape == (40_000, 2) and d.means.shape == (3, 2) and d.name == "gmm" and d.modes == 3
    assert np.abs(d.means).max() <= 15
    assert d.std == pytest.approx(np.sqrt(15 / 8))
    for k in range(3):
        pts = d.x[d.labels == k]
        np.testing.assert_allclose(pts.mean(axis=0), d.means[k], atol=0.05)
        np.testing.assert_allclose(pts.std(axis=0), d.std, rtol=0.03)
    counts = np.bincount(d.labels)
    assert counts.min() > 0.3 * 40_000


def test_ring_has_k_distinct_modes():
    """endpoint=False: K distinct modes at equal angles (linspace(0, 2π, K) would repeat one)."""
    d = make_dataset("ring", 100, modes=8, rng=0)
    np.testing.assert_allclose(np.hypot(*d.means.T), RING_RADIUS)
    dists = np.linalg.norm(d.means[:, None] - d.means[None], axis=-1) + np.eye(8) * 1e9
    np.testing.assert_allclose(dists.min(), 2 * RING_RADIUS * np.sin(np.pi / 8))


def test_grid_is_5x5():
    d = make_dataset("grid", 100, rng=0)
    assert d.means.shape == (25, 2) and np.array_equal(d.means, GRID_MEANS)
    assert set(np.unique(d.means)) == {-10.0, -5.0, 0.0, 5.0, 10.0}
    assert d.std == pytest.approx(np.sqrt(15 / (3 * 25**2)))
    with pytest.raises(ValueError, match="`modes` must be a square"):
        make_dataset("grid", 10, modes=5)
    np.testing.assert_array_equal(make_dataset("grid", 10, modes=4, spacing=3.0, rng=0).means,
                                  [[-1.5, -1.5], [-1.5, 1.5], [1.5, -1.5], [1.5, 1.5]])


def test_pacgan_geometry_is_the_literature_benchmark():
    """Ring: 8 means (cos 2πk/8, sin 2πk/8), std 0.01; grid: {-4,-2,0,2,4}², std 0.05."""
    ring = make_dataset("ring", 20_000, geometry="pacgan", rng=1)
    k = np.arange(8)
    np.testing.assert_allclose(ring.means, np.column_stack((np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8))),
                               atol=1e-15)
    assert ring.std == 0.01
    grid = make_dataset("grid", 20_000, geometry="pacgan", rng=1)
    want = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(m) for m in grid.means.tolist()} == want and grid.std == 0.05
    for d in (ring, grid):  # offsets from the own mean: N(0, std²) per coordinate
        off = d.x - d.means[d.labels]
        np.testing.assert_allclose(off.std(axis=0), d.std, rtol=0.03)
        assert abs(off.mean()) < 5 * d.std / np.sqrt(off.size)


def test_geometry_parameters_override_and_validate():
    d = make_dataset("ring", 100, modes=6, radius=2.0, std=0.1, rng=0)
    np.testing.assert_allclose(np.hypot(*d.means.T), 2.0)
    assert d.std == 0.1 and d.modes == 6
    for kw, match in ((dict(name="ring", radius=0.0), "`radius`"), (dict(name="grid", spacing=-1.0), "`spacing`"),
                      (dict(name="ring", std=float("nan")), "`std`"), (dict(name="ring", spacing=1.0), "`spacing`"),
                      (dict(name="gmm", std=1.0), "`std`"), (dict(name="gmm", geometry="pacgan"), "`geometry`"),
                      (dict(name="ring", geometry="veegan"), "`geometry`")):
        name = kw.pop("name")
        with pytest.raises(ValueError, match=match):
            make_dataset(name, 10, **kw)


def test_defaults_and_reproducibility():
    assert make_dataset("gmm", 10, rng=0).modes == 5
    assert make_dataset("ring", 10, rng=0).modes == 8
    a = make_dataset("gmm", 50, modes=2, rng=7)
    b = make_dataset("gmm", 50, modes=2, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, make_dataset("gmm", 50, modes=2, rng=8).x)


@pytest.mark.parametrize("kw, match", [
    (dict(name="moons", n=10), "`name`"), (dict(name="gmm", n=0), "`n`"), (dict(name="gmm", n=-5), "`n`"),
    (dict(name="gmm", n=2.5), "`n`"), (dict(name="gmm", n=10, modes=0), "`modes`"),
    (dict(name="ring", n=10, modes=-1), "`modes`"), (dict(name="gmm", n=10, modes=True), "`modes`"),
])
def test_validation_names_the_argument(kw, match):
    name, n = kw.pop("name"), kw.pop("n")
    with pytest.raises(ValueError, match=match):
        make_dataset(name, n, **kw)
