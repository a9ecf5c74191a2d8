"""AVB networks and training gradients against central finite differences (float64).

h = 1e-6 in float64: the central-difference error is O(h²) + O(eps/h) ~ 1e-10 relative,
so rtol = 1e-6 (atol = 1e-9 for entries near 0) leaves a wide margin while catching any
wrong term. Smooth activations (tanh) keep every finite-difference step off ReLU kinks.
"""
import numpy as np
import pytest
from scipy.stats import bernoulli
from threadpoolctl import threadpool_limits

from gan_backend.experiments.avb import AvbConfig, toy_data
from gan_backend.experiments.avb.networks import Adversary, BernoulliDecoder, GaussianEncoder, NoiseEncoder, bernoulli_loglik
from gan_backend.experiments.avb.train import AvbTrainer, VaeTrainer
from tests.gan_backend._gradcheck import finite_diff

RTOL, ATOL = 1e-6, 1e-9
CFG = AvbConfig(encoder_hidden=(7, 5), decoder_hidden=(6,), adversary_hidden=(8, 4), activation="tanh",
                init="normal", init_std=0.7, dtype="float64", noise_dim=3, batch_size=9)


def _batch(rng, n=9):
    return toy_data()[rng.integers(0, 4, size=n)]


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def test_bernoulli_loglik_matches_scipy():
    rng = np.random.default_rng(0)
    x = (rng.random((20, 4)) < 0.5).astype(float)
    logits = rng.normal(0, 3, (20, 4))
    ref = bernoulli.logpmf(x, 1 / (1 + np.exp(-logits))).sum(axis=1)
    np.testing.assert_allclose(bernoulli_loglik(x, logits), ref, rtol=1e-12)
    # stable far in the tails: log p(x=1 | logit=-800) = -800, not -inf
    assert bernoulli_loglik(np.array([[1.0]]), np.array([[-800.0]]))[0] == pytest.approx(-800.0, rel=1e-12)


def test_noise_encoder_gradients_through_noise_path():
    rng = np.random.default_rng(1)
    enc = NoiseEncoder(4, CFG)
    enc.init(rng, CFG)
    x, eps = _batch(rng), rng.standard_normal((9, 3))
    w = rng.standard_normal((9, 2))

    def loss():
        return float((enc.forward(x, eps) * w).sum())

    loss()
    dx, deps = enc.backward(w)
    grads = enc.net.grads.copy()
    _close(deps, finite_diff(loss, eps))
    _close(dx, finite_diff(loss, x))
    _close(grads, finite_diff(loss, enc.net.params))


def test_gaussian_encoder_gradients_reparameterisation_and_kl():
    rng = np.random.default_rng(2)
    enc = GaussianEncoder(4, CFG)
    enc.init(rng, CFG)
    x, eps = _batch(rng), rng.standard_normal((9, 2))
    w, c = rng.standard_normal((9, 2)), rng.standard_normal(9)

    def loss():
        z, kl = enc.forward(x, eps)
        return float((z * w).sum() + (kl * c).sum())

    loss()
    dx = enc.backward(w, c)
    grads = enc.net.grads.copy()
    _close(dx, finite_diff(loss, x))
    _close(grads, finite_diff(loss, enc.net.params))


def test_gaussian_encoder_kl_closed_form():
    """KL(N(μ, σ²)‖N(0, 1)) per coordinate against numerical integration."""
    from scipy.integrate import quad
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    enc = GaussianEncoder(4, CFG)
    enc.init(rng, CFG)
    x = toy_data()
    _, kl = enc.forward(x, np.zeros((4, 2)))
    mu, sigma = enc.moments(x)
    for i in range(4):
        ref = sum(quad(lambda z: norm.pdf(z, m, s) * (norm.logpdf(z, m, s) - norm.logpdf(z)), m - 12 * s,
                       m + 12 * s)[0] for m, s in zip(mu[i], sigma[i]))
        assert kl[i] == pytest.approx(ref, rel=1e-7)


def test_decoder_gradients():
    rng = np.random.default_rng(4)
    dec = BernoulliDecoder(4, CFG)
    dec.init(rng, CFG)
    x, z, c = _batch(rng), rng.standard_normal((9, 2)), rng.standard_normal(9)

    def loss():
        return float((dec.forward(x, z) * c).sum())

    loss()
    dz = dec.backward(c)
    grads = dec.net.grads.copy()
    _close(dz, finite_diff(loss, z))
    _close(grads, finite_diff(loss, dec.net.params))


def test_adversary_gradients():
    rng = np.random.default_rng(5)
    adv = Adversary(4, CFG)
    adv.init(rng, CFG)
    x, z, w = _batch(rng), rng.standard_normal((9, 2)), rng.standard_normal((9, 1))

    def loss():
        return float((adv.forward(x, z) * w).sum())

    loss()
    dx, dz = adv.backward(w)
    grads = adv.net.grads.copy()
    _close(dx, finite_diff(loss, x))
    _close(dz, finite_diff(loss, z))
    _close(grads, finite_diff(loss, adv.net.params))


def test_avb_objective_gradient_with_respect_to_theta_and_phi():
    """The whole (θ, φ) step: d/d(θ, φ) of mean T(x, E(x, ε)) − log p(x|E(x, ε)), T fixed."""
    rng = np.random.default_rng(6)
    tr = AvbTrainer(toy_data(), CFG, rng=7)
    x, eps = _batch(rng), rng.standard_normal((9, 3))
    tr.adversary.net.params[...] = rng.normal(0, 0.7, tr.adversary.net.params.shape)
    tr.model_grad(x, eps)
    g_enc, g_dec = tr.encoder.net.grads.copy(), tr.decoder.net.grads.copy()
    t_params = tr.adversary.net.params.copy()

    def loss():
        return tr.model_grad(x, eps)

    _close(g_enc, finite_diff(loss, tr.encoder.net.params))
    _close(g_dec, finite_diff(loss, tr.decoder.net.params))
    np.testing.assert_array_equal(tr.adversary.net.params, t_params)  # T is not changed


def test_avb_adversary_logistic_loss_gradient():
    rng = np.random.default_rng(8)
    tr = AvbTrainer(toy_data(), CFG, rng=9)
    x, eps, zp = _batch(rng), rng.standard_normal((9, 3)), rng.standard_normal((9, 2))

    def loss():
        return tr.adversary_grad(x, eps, zp)

    loss()
    g = tr.adversary.net.grads.copy()
    _close(g, finite_diff(loss, tr.adversary.net.params))


def test_vae_objective_gradient():
    rng = np.random.default_rng(10)
    tr = VaeTrainer(toy_data(), CFG, rng=11)
    x, eps = _batch(rng), rng.standard_normal((9, 2))
    tr.grad(x, eps)
    g_enc, g_dec = tr.encoder.net.grads.copy(), tr.decoder.net.grads.copy()

    def loss():
        return tr.grad(x, eps)

    _close(g_enc, finite_diff(loss, tr.encoder.net.params))
    _close(g_dec, finite_diff(loss, tr.decoder.net.params))


def test_adversary_recovers_log_density_ratio():
    """docs/theory.md §4: T trained with the logistic loss approaches log q(z|x) − log p(z).

    A linear encoder (no hidden layer) makes q(z|x_k) an exact Gaussian
    N(b + W_x[k], W_εᵀ W_ε), so the optimum T* is known in closed form. Only T is trained
    (1500 steps, batch 256). Tolerances: on q's samples the learned T must correlate with
    T* above 0.95, and its mean (T's estimate of KL(q‖p)) must be within 0.25 nats of the
    exact KL — a finite-capacity, finite-step logistic fit is biased by O(0.1) here, a
    wrong sign or a missing prior term is off by O(1).
    """
    c = AvbConfig(encoder_hidden=(), adversary_hidden=(64, 64), batch_size=256, dtype="float64", noise_dim=2)
    tr = AvbTrainer(toy_data(), c, rng=12)
    W = tr.encoder.net.dense[0].W
    W[...] = 0.0
    W[4:, :] = [[0.5, 0.0], [0.1, 0.4]]  # noise part: cov = WᵀW
    W[:4, :] = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]  # mean of q(z|x_k)
    tr.encoder.net.dense[0].b[...] = 0.0
    with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: threads only cost
        for _ in range(1500):
            tr.adversary_step()
    rng = np.random.default_rng(13)
    x = toy_data()[rng.integers(0, 4, size=4000)]
    z = tr.encoder.sample(x, rng)
    A = W[4:, :]
    cov = A.T @ A
    mean = x @ W[:4, :]
    inv = np.linalg.inv(cov)
    d = z - mean
    log_q = -0.5 * np.einsum("ni,ij,nj->n", d, inv, d) - 0.5 * np.log(np.linalg.det(2 * np.pi * cov))
    log_p = -0.5 * (z * z).sum(axis=1) - np.log(2 * np.pi)
    t_star = log_q - log_p
    t = tr.adversary(x, z)
    assert np.corrcoef(t, t_star)[0, 1] > 0.95
    assert abs(t.mean() - t_star.mean()) < 0.25
