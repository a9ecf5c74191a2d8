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
from gan_backend.experiments.avb.resnet import ResidualMLP
from gan_backend.experiments.avb.networks import Adversary, BernoulliDecoder, GaussianEncoder, NoiseEncoder, bernoulli_loglik
from gan_backend.experiments.avb.train import AvbModel, AvbTrainer, VaeTrainer
from tests.gan_backend._gradcheck import finite_diff

RTOL, ATOL = 1e-6, 1e-9
CFG = AvbConfig(encoder_hidden=(7, 5), decoder_hidden=(6,), adversary_hidden=(8, 4), activation="tanh",
                init="normal", init_std=0.7, dtype="float64", noise_dim=3, batch_size=9, adversary_blocks=0,
                adversary_prior_term=False)
#: the authors' T in miniature: residual blocks, ELU outside, ReLU inside, plus ‖z‖²
CFG_RES = CFG.replace(adversary_hidden=(6, 8), adversary_blocks=2, activation="elu", block_activation="relu",
                      adversary_prior_term=True)


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


@pytest.mark.parametrize("cfg", [CFG, CFG_RES], ids=["mlp", "residual+prior"])
def test_adversary_gradients(cfg):
    rng = np.random.default_rng(5)
    adv = Adversary(4, cfg)
    adv.init(rng, cfg)
    # random second layers of the blocks (they start at zero): every path carries gradient
    adv.net.params[...] = rng.normal(0, 0.6, adv.net.params.shape)
    x, z, w = _batch(rng), rng.standard_normal((9, 2)), rng.standard_normal((9, 1))

    def loss():
        return float((adv.forward(x, z) * w).sum())

    loss()
    dx, dz = adv.backward(w)
    grads = adv.net.grads.copy()
    _close(dx, finite_diff(loss, x))
    _close(dz, finite_diff(loss, z))
    _close(grads, finite_diff(loss, adv.net.params))


@pytest.mark.parametrize("cfg", [CFG, CFG_RES], ids=["mlp", "residual+prior"])
def test_avb_objective_gradient_with_respect_to_theta_and_phi(cfg):
    """The whole (θ, φ) step: d/d(θ, φ) of mean T(x, E(x, ε)) − log p(x|E(x, ε)), T fixed."""
    rng = np.random.default_rng(6)
    tr = AvbTrainer(toy_data(), cfg, rng=7)
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


@pytest.mark.parametrize("cfg", [CFG, CFG_RES], ids=["mlp", "residual+prior"])
def test_avb_adversary_logistic_loss_gradient(cfg):
    rng = np.random.default_rng(8)
    tr = AvbTrainer(toy_data(), cfg, rng=9)
    tr.adversary.net.params[...] = rng.normal(0, 0.6, tr.adversary.net.params.shape)
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
    (1500 steps, batch 256), by the evaluation refit (``AvbTrainer.refit_adversary``, 5
    snapshots), which works on a copy: the trained T, the encoder and the decoder must stay
    bitwise unchanged. Tolerances: on q's samples the last snapshot must correlate with T*
    above 0.95, and the snapshots' mean ``E_q T`` (the AVB estimate of KL(q‖p)) must be within
    0.25 nats of the exact mean KL — a finite-capacity, finite-step logistic fit is biased by
    O(0.1) here, a wrong sign or a missing prior term is off by O(1).
    """
    c = AvbConfig(encoder_hidden=(), adversary_hidden=(64, 64), batch_size=256, dtype="float64", noise_dim=2,
                  eval_adversary_steps=1500, eval_snapshots=5, eval_adversary_lr=AvbConfig().lr_adversary)
    tr = AvbTrainer(toy_data(), c, rng=12)
    W = tr.encoder.net.dense[0].W
    W[...] = 0.0
    W[4:, :] = [[0.5, 0.0], [0.1, 0.4]]  # noise part: cov = WᵀW
    W[:4, :] = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]  # mean of q(z|x_k)
    tr.encoder.net.dense[0].b[...] = 0.0
    before = [m.net.params.copy() for m in (tr.adversary, tr.encoder, tr.decoder)]
    with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: threads only cost
        snaps = tr.refit_adversary()
    for b, m in zip(before, (tr.adversary, tr.encoder, tr.decoder)):
        np.testing.assert_array_equal(m.net.params, b)
    assert len(snaps) == 5 and len({s.net.params.tobytes() for s in snaps}) == 5
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
    assert np.corrcoef(snaps[-1](x, z), t_star)[0, 1] > 0.95
    kl = 0.5 * (np.trace(cov) + (W[:4, :] ** 2).sum(axis=1) - 2 - np.log(np.linalg.det(cov)))
    estimate = np.mean([s(x, z).mean() for s in snaps])
    assert abs(estimate - kl.mean()) < 0.25, (estimate, kl.mean())


@pytest.mark.parametrize("inner", ["relu", "elu", "tanh"])
def test_residual_mlp_gradients(inner):
    """ELU outside, each inner activation, 3 blocks: input and parameter gradients."""
    rng = np.random.default_rng(20)
    net = ResidualMLP(5, (7,), 3, 2, activation="elu", block_activation=inner, dtype="float64")
    net.params[...] = rng.normal(0, 0.6, net.params.shape)
    x, w = rng.standard_normal((11, 5)), rng.standard_normal((11, 2))

    def loss():
        return float((net.forward(x) * w).sum())

    loss()
    dx = net.backward(w)
    grads = net.grads.copy()
    _close(dx, finite_diff(loss, x))
    _close(grads, finite_diff(loss, net.params))
    loss()
    assert net.backward(w, need_dx=False) is None
    net.grads[...] = 0.0
    loss()
    net.backward(w, param_grads=False)
    assert not net.grads.any()


def test_residual_mlp_forward_by_hand_and_zero_initialised_blocks():
    """After init each block's second layer is 0, so a block is h ↦ ELU(h); the forward
    pass against the formula written out with NumPy."""
    rng = np.random.default_rng(21)
    net = ResidualMLP(3, (4, 5), 2, 1, activation="elu", block_activation="relu", dtype="float64")
    net.init(rng, "glorot")
    for _, _, second, _ in net.blocks:
        assert not second.W.any() and not second.b.any()
    elu = lambda t: np.where(t > 0, t, np.expm1(np.minimum(t, 0)))  # noqa: E731
    x = rng.standard_normal((6, 3))
    d = net.dense
    h = elu(elu(x @ d[0].W + d[0].b) @ d[1].W + d[1].b)
    _close(net.forward(x), elu(elu(h)) @ d[-1].W + d[-1].b)
    net.params[...] = rng.normal(0, 0.5, net.params.shape)
    h = elu(elu(x @ d[0].W + d[0].b) @ d[1].W + d[1].b)
    for i in range(2):
        u = np.maximum(h @ d[2 + 2 * i].W + d[2 + 2 * i].b, 0)
        h = elu(h + u @ d[3 + 2 * i].W + d[3 + 2 * i].b)
    _close(net.forward(x), h @ d[-1].W + d[-1].b)


def test_adversary_prior_term_is_squared_norm():
    """T with the term minus T without it (same weights) is ‖z‖², exactly."""
    rng = np.random.default_rng(22)
    a, b = Adversary(4, CFG_RES), Adversary(4, CFG_RES.replace(adversary_prior_term=False))
    a.init(rng, CFG_RES)
    b.net.params[...] = a.net.params
    x, z = _batch(rng), rng.standard_normal((9, 2))
    np.testing.assert_allclose(a(x, z) - b(x, z), (z * z).sum(axis=1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [{"adversary_blocks": -1}, {"adversary_blocks": 1.5}, {"adversary_prior_term": 1},
                                 {"block_activation": "swish"}, {"adversary_hidden": (0,)}, {"steps": 0},
                                 {"noise_dim": -3}, {"adversary_steps": 0}, {"iterations": -1}])
def test_config_rejects_bad_values(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name if name != "iterations" else "steps"):
        AvbConfig().replace(**bad)


def test_authors_recipe_fields():
    """Every row of the authors' notebook (LMescheder/AdversarialVariationalBayes,
    notebooks/AVB_toy_example.ipynb), read off the notebook, not off the code."""
    c = AvbConfig.authors()
    assert (c.noise_dim, c.latent_dim, c.encoder_hidden, c.decoder_hidden) == (64, 2, (64, 64, 64), (64, 64, 64))
    assert (c.activation, c.adversary_hidden, c.adversary_blocks, c.block_activation) == ("elu", (256,), 5, "relu")
    assert c.adversary_prior_term and c.init == "glorot"
    assert (c.beta1, c.beta2, c.lr, c.lr_adversary) == (0.9, 0.999, 2e-5, 1e-4)
    assert (c.steps, c.adversary_steps, c.batch_size) == (100_000, 2, 512)


def test_authors_recipe_trains_at_tiny_size():
    """The authors' networks at full width and batch, 4 iterations: runs, finite, and T has
    the parameter count of [x, z] → 256 → 5 × (256 → 256 → 256) → 1."""
    c = AvbConfig.authors().replace(iterations=4)
    tr = AvbTrainer(toy_data(), c, rng=0)
    assert tr.adversary.net.params.size == (6 * 256 + 256) + 5 * 2 * (256 * 256 + 256) + 257
    assert tr.encoder.net.sizes == (68, 64, 64, 64, 2) and tr.decoder.net.sizes == (2, 64, 64, 64, 4)
    m = tr.run()
    assert m.adversary_loss.shape == (4,) and np.isfinite(m.adversary_loss).all() and np.isfinite(m.objective).all()
    # Adam at lr 1e-4 moves every weight of T by at most ~lr per step
    assert m.adversary.net.params.dtype == np.float32


def test_non_finite_adversary_loss_stops_with_iteration_and_quantity():
    from gan_backend.engine.train import TrainingDivergedError

    tr = AvbTrainer(toy_data(), AvbConfig(steps=3, batch_size=8), rng=0)
    tr.adversary.net.params[0] = np.inf  # T = ±inf or NaN on the first step
    with pytest.raises(TrainingDivergedError, match=r"iteration 1 of 3.*T loss") as exc:
        tr.run()
    assert "\n" not in str(exc.value)


def test_non_finite_loss_in_the_refit_stops_with_its_step_and_keeps_the_trained_adversary():
    """The evaluation refit of T (encoder frozen, on a copy) stops on a non-finite T loss with
    one line naming the refit step; the trained T and its optimiser are put back."""
    from gan_backend.engine.train import TrainingDivergedError

    tr = AvbTrainer(toy_data(), AvbConfig(steps=3, batch_size=8, eval_adversary_steps=4), rng=0)
    tr.run()
    tr.adversary.net.params[0] = np.inf
    trained, opt = tr.adversary, tr.opt_adversary
    with pytest.raises(TrainingDivergedError, match=r"refit diverged at step 1 of 4.*T loss") as exc:
        tr.refit_adversary()
    assert "\n" not in str(exc.value)
    assert tr.adversary is trained and tr.opt_adversary is opt


def test_refit_steps_default_and_bad_values():
    assert AvbConfig(steps=50).refit_steps == 10 and AvbConfig(steps=50, eval_adversary_steps=0).refit_steps == 0
    for bad in ({"eval_adversary_steps": -1}, {"eval_adversary_steps": 2.5}, {"eval_snapshots": 0},
                {"eval_adversary_lr": 0.0}, {"eval_refits": 0}, {"eval_refits": 1.5}, {"eval_refits": True}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            AvbConfig(**bad)
    m = AvbTrainer(toy_data(), AvbConfig(steps=4, batch_size=8, eval_adversary_steps=3, eval_snapshots=10), rng=0).run()
    assert len(m.kl_adversaries()) == 3  # at most one snapshot per refit step
    m = AvbTrainer(toy_data(), AvbConfig(steps=4, batch_size=8, eval_adversary_steps=0), rng=0).run()
    assert m.kl_adversaries() == (m.adversary,)


def test_independent_refits_are_averaged_and_their_spread_is_ts_share_of_the_error():
    """eval_refits = 3: three refits from the trained T on successive draws, each with its
    snapshots; the KL is the mean over all snapshots, kl_by_refit the per-refit means, and the
    ELBO's error with T's share uses the spread of those means (independent replicates)."""
    from gan_backend.experiments.avb.evaluate import elbo_stderr_with_adversary, evaluate_avb

    c = AvbConfig(steps=6, batch_size=16, eval_adversary_steps=4, eval_snapshots=2, eval_refits=3,
                  adversary_hidden=(16,), encoder_hidden=(8,), decoder_hidden=(8,), noise_dim=4)
    tr = AvbTrainer(toy_data(), c, rng=3)
    m = tr.run()
    assert len(m.adversary_snapshots) == 6 and m.snapshot_refit == (0, 0, 1, 1, 2, 2)
    # each refit starts from the trained T: the second refit of a fresh trainer on the stream
    # left after the first is this model's second refit
    tr2 = AvbTrainer(toy_data(), c.replace(eval_refits=1), rng=3)
    tr2.iterate(c.steps)
    first, second = tr2.refit_adversary(), tr2.refit_adversary()
    for a, b in zip(first + second, m.adversary_snapshots[:4]):
        assert np.array_equal(a.net.params, b.net.params)
    assert not np.array_equal(first[-1].net.params, second[-1].net.params)
    _, out = evaluate_avb(m, toy_data(), 20, rng=0)
    by_snap = np.asarray(out["kl_by_snapshot"])
    assert out["kl_by_refit"] == pytest.approx(by_snap.reshape(3, 2).mean(axis=1).tolist(), rel=1e-12)
    assert out["kl"] == pytest.approx(by_snap.mean(), rel=1e-12)
    assert out["kl_refit_sd"] == pytest.approx(np.std(out["kl_by_refit"], ddof=1), rel=1e-12)
    assert out["elbo_stderr_with_adversary"] == elbo_stderr_with_adversary(out["elbo_stderr"], out["kl_by_refit"])


def test_snapshot_labels_must_match_the_snapshots():
    m = AvbTrainer(toy_data(), AvbConfig(steps=4, batch_size=8, eval_adversary_steps=2, eval_snapshots=2), rng=0).run()
    assert m.snapshot_refit == (0, 0) and m.kl_refit_labels().tolist() == [0, 0]
    from gan_backend.experiments.avb.evaluate import evaluate_avb

    _, out = evaluate_avb(m, toy_data(), 20, rng=0)
    assert out["kl_refit_sd"] is None and len(out["kl_by_refit"]) == 1  # one refit: no spread (JSON null)
    with pytest.raises(ValueError, match="snapshot_refit"):
        AvbModel(m.config, m.encoder, m.decoder, m.adversary, m.adversary_loss, m.objective,
                 m.adversary_snapshots, (0,))
