"""Figures of the coverage experiment and the theory report (gan_backend.experiments.plots)."""
import numpy as np
import pytest
from scipy.stats import multivariate_normal

import fdiv
from gan_backend.experiments.plots import plot_coverage_vs_T, plot_samples, plot_theory, plot_weight_map
from gan_backend.adagan.theory import evaluate_step

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    with open(path, "rb") as fh:
        return fh.read(8) == PNG


def test_coverage_vs_T(tmp_path):
    rng = np.random.default_rng(0)
    curves = {(m, k): {t: list(rng.uniform(0.4, 1.0, size=7)) for t in (1, 2, 3, 5, 10)}
              for m in ("vanilla", "boosted", "ensemble") for k in (5, 10)}
    out = plot_coverage_vs_T(curves, tmp_path / "sub" / "cov.png", title="coverage")
    assert out.exists() and _is_png(out)
    assert _is_png(plot_coverage_vs_T({"vanilla": {1: [0.5]}}, tmp_path / "one.png"))
    with pytest.raises(ValueError, match="curves"):
        plot_coverage_vs_T({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="curves"):
        plot_coverage_vs_T({("a", 1): {}}, tmp_path / "x.png")


def test_samples_scatter(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(5000, 2))
    sets = {m: rng.normal(size=(800, 2)) for m in ("vanilla", "best_of", "ensemble", "topklast", "boosted")}
    out = plot_samples(data, sets, tmp_path / "s.png", means=[[0.0, 0.0]], max_points=1000)
    assert _is_png(out)
    with pytest.raises(ValueError, match="samples"):
        plot_samples(data, {}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="shape"):
        plot_samples(data, {"a": np.zeros((3, 3))}, tmp_path / "x.png")


def test_weight_map_puts_large_weights_on_a_missed_mode(tmp_path):
    """Model covers 3 of 4 modes; with the optimal discriminator D = p_d/(p_d + p_g) the AdaGAN
    weights (R*, β = 1/2) sit on the missed mode, and the map plots them."""
    rng = np.random.default_rng(2)
    means = np.array([[-5.0, -5.0], [5.0, -5.0], [-5.0, 5.0], [5.0, 5.0]])
    label = rng.integers(0, 4, 4000)
    x = means[label] + 0.5 * rng.normal(size=(4000, 2))

    def dens(mu):
        return np.mean([multivariate_normal(m, 0.25).pdf(x) for m in mu], axis=0)

    p_d, p_g = dens(means), dens(means[:3])
    d = p_d / (p_d + p_g)
    w = fdiv.weights_from_discriminator(d, 0.5).w
    missed = label == 3
    # R* = (λ p_d − p_g/2)_+ / (1/2): the missed mode holds λ/2 ≈ 0.49 of the weight (twice its
    # data share of 1/4), every point on it outweighs every other point
    assert w[missed].sum() > 0.45
    assert w[missed].min() > 2 * w[~missed].max()
    # β = 0.2: (1 − β) p_g = 0.8/3 > p_d on the covered modes, so R* is the missed mode alone
    w2 = fdiv.weights_from_discriminator(d, 0.2).w
    assert w2[missed].sum() > 0.99
    out = plot_weight_map(x, w, tmp_path / "w.png", means=means)
    assert _is_png(out)
    with pytest.raises(ValueError, match="weights"):
        plot_weight_map(x, w[:-1], tmp_path / "x.png")
    with pytest.raises(ValueError, match="weights"):
        plot_weight_map(x, -w, tmp_path / "x.png")
    with pytest.raises(ValueError, match="points"):
        plot_weight_map(x[:, :1], w, tmp_path / "x.png")


def test_theory_plot(tmp_path):
    rng = np.random.default_rng(3)
    steps = []
    for t in range(2, 6):
        pd, pg, q = (rng.dirichlet(np.ones(30)) for _ in range(3))
        steps.append(evaluate_step(pd, pg, q, 1.0 / t, t=t))
    steps.append(evaluate_step(pd, pd, q, 0.2, t=6))  # infinite bound: drawn as a gap
    assert _is_png(plot_theory(steps, tmp_path / "theory.png", title="S18"))
    with pytest.raises(ValueError, match="steps"):
        plot_theory([], tmp_path / "x.png")
