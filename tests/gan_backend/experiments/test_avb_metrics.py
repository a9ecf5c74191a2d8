"""Metrics of the AVB experiment against closed forms and brute force."""
import numpy as np
import pytest
from scipy.stats import norm

from gan_backend.experiments.avb.metrics import (
    gaussian_moment_kl,
    kde_log_ratio,
    mmd2_to_standard_normal,
    nearest_centroid_accuracy,
    nearest_neighbour_accuracy,
    standard_normal_logpdf,
)


@pytest.mark.parametrize("shift", [0.0, 1.0, 2.0])
def test_mmd2_matches_closed_form_between_gaussians(shift):
    """MMD²(N(μ, I), N(0, I)) = 2c(1 − exp(−|μ|²/(2(h²+2)))), c = (h²/(h²+2))^{d/2}.

    m = 4000 samples: the U-statistic's standard deviation is below 1e-3 here, so 5e-3
    is a 5-sigma tolerance.
    """
    h, d = 1.0, 2
    mu = np.array([shift, 0.0])
    x = np.random.default_rng(0).standard_normal((4000, d)) + mu
    c = (h * h / (h * h + 2)) ** (d / 2)
    exact = 2 * c * (1 - np.exp(-(mu @ mu) / (2 * (h * h + 2))))
    assert mmd2_to_standard_normal(x, h) == pytest.approx(exact, abs=5e-3)


def test_mmd2_prior_terms_against_brute_force():
    """Closed-form prior terms vs the U-statistic against 3000 explicit prior draws."""
    g = np.random.default_rng(1)
    x = g.standard_normal((300, 2)) * 0.5 + 0.3
    y = g.standard_normal((3000, 2))
    h = 0.7

    def k(a, b):
        return np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * h * h))

    kxx, kyy = k(x, x), k(y, y)
    brute = ((kxx.sum() - 300) / (300 * 299) - 2 * k(x, y).mean() + (kyy.sum() - 3000) / (3000 * 2999))
    # the brute-force estimate's own noise from 3000 prior draws is ~2e-3
    assert mmd2_to_standard_normal(x, h) == pytest.approx(brute, abs=6e-3)


def test_nearest_centroid_accuracy_two_gaussians():
    """Two unit-variance Gaussians at ±1: the rule is the sign, accuracy Φ(1) = 0.8413.
    n = 20000 per class: standard error 0.0018, tolerance 0.01."""
    g = np.random.default_rng(2)
    z = np.stack([g.standard_normal((20000, 1)) - 1, g.standard_normal((20000, 1)) + 1])
    assert nearest_centroid_accuracy(z) == pytest.approx(norm.cdf(1.0), abs=0.01)
    with pytest.raises(ValueError, match="`z`"):
        nearest_centroid_accuracy(z[0])


def test_gaussian_moment_kl_closed_form():
    g = np.random.default_rng(3)
    m = np.array([0.5, -1.0])
    A = np.array([[0.8, 0.0], [0.3, 0.5]])
    x = g.standard_normal((200000, 2)) @ A.T + m
    S = A @ A.T
    exact = 0.5 * (np.trace(S) + m @ m - 2 - np.log(np.linalg.det(S)))
    assert gaussian_moment_kl(x) == pytest.approx(exact, abs=0.01)  # sampling error ~2e-3


def test_kde_log_ratio_close_to_exact_for_a_gaussian():
    """q = N(0.5, 0.3² I): the KDE's log-ratio tracks the exact one (mean abs error < 0.15
    nats at 4000 fit points in 2-D; a wrong normalisation or prior term is off by > 1)."""
    g = np.random.default_rng(4)
    s = g.standard_normal((8000, 2)) * 0.3 + 0.5
    q = g.standard_normal((1000, 2)) * 0.3 + 0.5
    r = kde_log_ratio(s, q, rng=5)
    exact = (norm.logpdf(q, 0.5, 0.3).sum(axis=1)) - standard_normal_logpdf(q)
    assert np.abs(r.log_ratio - exact).mean() < 0.15
    assert 0 < r.bandwidth < 0.3


def test_nearest_neighbour_accuracy_overlap_and_disjoint():
    """Identical posteriors: 1-NN leave-one-out accuracy is 1/K in expectation (0.25 ± 0.02
    at 4×1000 samples, 3.5 sigma); disjoint non-convex ones (nested rings): 1."""
    g = np.random.default_rng(6)
    same = g.standard_normal((4, 1000, 2))
    assert nearest_neighbour_accuracy(same) == pytest.approx(0.25, abs=0.03)
    t = g.uniform(0, 2 * np.pi, 500)
    rings = np.stack([r * np.c_[np.cos(t), np.sin(t)] for r in (1.0, 2.0)])
    assert nearest_neighbour_accuracy(rings) == 1.0
    assert nearest_centroid_accuracy(rings) < 0.75  # the centroid rule cannot separate them


# --- exact log-likelihood by importance sampling -------------------------------------


def test_log_marginal_likelihood_decoder_independent_of_z():
    """p(x|z) = p(x) for every z: the estimate is unbiased for log p(x), with the
    defensive-mixture proposal (weights vary) and with the prior alone (weights constant,
    standard error exactly 0)."""
    from gan_backend.experiments.avb.metrics import log_marginal_likelihood

    probs = np.array([[0.7, 0.2, 0.4], [0.1, 0.5, 0.9]])  # Bernoulli means per point
    x = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    exact = np.log(np.where(x == 1, probs, 1 - probs)).sum(axis=1)
    lookup = {tuple(r): e for r, e in zip(x, exact)}

    def loglik(rows, z):
        return np.full(z.shape[0], lookup[tuple(rows[0])])

    g = np.random.default_rng(0)
    post = np.stack([g.normal([1.5, -0.5], 0.3, (500, 2)), g.normal([-2.0, 1.0], 0.2, (500, 2))])
    r = log_marginal_likelihood(loglik, x, 20_000, proposal_samples=post, rng=1)
    assert np.all(r.stderr > 0) and np.all(r.stderr < 0.01)
    assert np.all(np.abs(r.log_px - exact) <= 4 * r.stderr)
    r0 = log_marginal_likelihood(loglik, x, 1000, rng=2)
    np.testing.assert_allclose(r0.log_px, exact, rtol=1e-13)
    assert r0.mean_stderr < 1e-12  # constant weights up to rounding


def test_log_marginal_likelihood_against_grid_quadrature():
    """A decoder that depends on z (random 2-16-4 tanh MLP, float64): log ∫ N(z) p(x|z) dz
    by the midpoint rule on [−9, 9]² with 721² nodes (the integrand is smooth and below
    e^{−40} outside) is the reference; the estimate must be within 4 standard errors."""
    from gan_backend.experiments.avb import AvbConfig, toy_data
    from gan_backend.experiments.avb.metrics import log_marginal_likelihood
    from gan_backend.experiments.avb.networks import BernoulliDecoder

    c = AvbConfig(decoder_hidden=(16,), activation="tanh", init="normal", init_std=1.5, dtype="float64")
    dec = BernoulliDecoder(4, c)
    dec.init(np.random.default_rng(3), c)
    dec.net.dense[-1].b[...] = [0.5, -1.0, 0.2, -0.3]
    x = toy_data()
    g = np.linspace(-9, 9, 721)
    h = g[1] - g[0]
    zz = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    log_prior = standard_normal_logpdf(zz)
    ref = np.array([np.log(np.exp(log_prior + dec.loglik(np.repeat(x[i:i + 1], len(zz), axis=0), zz)).sum() * h * h)
                    for i in range(4)])
    # a proposal from rough posterior samples: importance weights ∝ prior × likelihood
    rng = np.random.default_rng(4)
    post = []
    for i in range(4):
        w = np.exp(dec.loglik(np.repeat(x[i:i + 1], len(zz), axis=0), zz) + log_prior)
        post.append(zz[rng.choice(len(zz), 400, p=w / w.sum())])
    for samples in (np.stack(post), None):
        r = log_marginal_likelihood(dec.loglik, x, 40_000, proposal_samples=samples, rng=5)
        assert np.all(np.abs(r.log_px - ref) <= 4 * r.stderr + 1e-9), (r.log_px - ref, r.stderr)
        assert np.all(r.stderr < 0.02)
    # the 16 binary vectors share mass 1, so the 4 one-hot ones have at most 1
    assert np.exp(ref).sum() < 1.0


@pytest.mark.parametrize("kw, name", [({"n": 1}, "n"), ({"n": 2.5}, "n"), ({"latent_dim": 0}, "latent_dim"),
                                      ({"proposal_samples": np.zeros((3, 50, 2))}, "proposal_samples"),
                                      ({"proposal_samples": np.full((2, 50, 2), np.nan)}, "proposal_samples")])
def test_log_marginal_likelihood_rejects_bad_input(kw, name):
    from gan_backend.experiments.avb.metrics import log_marginal_likelihood

    with pytest.raises(ValueError, match=name):
        log_marginal_likelihood(lambda x, z: np.zeros(len(z)), np.eye(2), **{"n": 100, **kw})
