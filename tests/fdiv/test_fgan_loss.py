"""fdiv.fgan_log_weights: logs of the f-GAN gradient weights, finite where the weights overflow."""
import math

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


@pytest.mark.parametrize("name", fdiv.names() + ["alpha(3)", "alpha(-1)", "alpha(0.5)", "alpha(0)", "alpha(1)"])
def test_log_weights_at_infinite_and_nan_outputs(name):
    """At v = ±inf the logs are their limits, read off at v = ±1e300: every one either
    tends to a constant (0, ±log 2, ...; the value at 1e300 is that constant) or diverges,
    at least like log|v| (beyond 600 in magnitude at 1e300: the limit is the infinity of
    that sign); NaN stays NaN. Before: 0·v gave NaN at ±inf for the activations with
    g' = 1 (kl, pearson_chi2, jeffreys, alpha(1), ...), jeffreys' conjugate weight was
    inf − inf = NaN at −inf, and pearson_chi2's conjugate weight was −inf at NaN."""
    f = fdiv.get(name)
    v = np.array([-np.inf, -1e300, 1e300, np.inf, np.nan])
    with np.errstate(all="raise"):
        for out in fdiv.fgan_log_weights(f, v):
            for at_inf, near in ((out[0], out[1]), (out[3], out[2])):
                if abs(near) > 600:
                    assert at_inf == math.copysign(math.inf, near), (out, name)
                else:
                    assert at_inf == near, (out, name)
            assert np.isnan(out[4])


@pytest.mark.parametrize("v", [-1e300, -1e10, -70000.0, -1000.0, -1.0])
def test_jeffreys_conjugate_weight_for_very_negative_outputs(v):
    """log x* = −log u with u = ω(1 − v) (Wright omega), against mpmath at 50 digits.
    Before: u − (1 − v) cancelled, and v = −1e300 gave −1.0 instead of −690.8. Tolerance:
    1e-12 relative, the difference form's error at v = −2^16 where it is still used."""
    import mpmath as mp

    with mp.workdps(50):
        z = 1 - mp.mpf(v)
        u = z
        for _ in range(200):  # u + log u = z, a contraction for z > 1
            u = z - mp.log(u)
        ref = float(-mp.log(u))
    _, lc = fdiv.fgan_log_weights(fdiv.get("jeffreys"), np.array([v]))
    assert lc[0] == pytest.approx(ref, rel=1e-12)
