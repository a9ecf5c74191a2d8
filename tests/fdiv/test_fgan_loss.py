"""fdiv.fgan_log_weights: logs of the f-GAN gradient weights, finite where the weights overflow."""
import numpy as np
import pytest

import fdiv

NAMES = fdiv.names() + ["alpha(-1)", "alpha(0.5)", "alpha(2)", "alpha(0)", "alpha(1)"]
V = np.linspace(-30.0, 30.0, 241)


@pytest.mark.parametrize("name", NAMES)
def test_logs_match_the_direct_derivatives(name):
    """exp of each log equals FDivergence.activation_prime / conjugate_activation_prime where
    those are representable (rel 1e-13: a few ulps of the exp/log round trips at |v| <= 30)."""
    f = fdiv.get(name)
    lg, lc = fdiv.fgan_log_weights(f, V)
    for log_w, direct in ((lg, f.activation_prime(V)), (lc, f.conjugate_activation_prime(V))):
        direct = np.asarray(direct, dtype=np.float64)
        pos = direct > 1e-300
        np.testing.assert_allclose(np.exp(log_w[pos]), direct[pos], rtol=1e-13, atol=0)
        assert np.all(np.exp(log_w[~pos]) <= 1e-300)  # zero weights stay (near) zero


@pytest.mark.parametrize("name", NAMES)
def test_finite_where_the_weights_overflow(name):
    """At |v| = 1e4 (e^{v} overflows float64) the logs are finite or -inf, never NaN/+inf."""
    f = fdiv.get(name)
    v = np.array([-1e4, -800.0, 800.0, 1e4])
    for log_w in fdiv.fgan_log_weights(f, v):
        assert not np.isnan(log_w).any() and not np.isposinf(log_w).any()


def test_kl_log_weight_is_linear():
    _, lc = fdiv.fgan_log_weights(fdiv.get("kl"), np.array([1000.0]))
    assert lc[0] == 999.0


def test_transformed_generators_fall_back_to_their_own_derivatives():
    f = fdiv.dual(fdiv.get("kl"))
    lg, lc = fdiv.fgan_log_weights(f, np.array([0.3]))
    assert np.exp(lc[0]) == pytest.approx(float(f.conjugate_activation_prime(0.3)), rel=1e-9)


def test_bad_f():
    with pytest.raises(ValueError, match="`f`"):
        fdiv.fgan_log_weights(object(), [0.0])
