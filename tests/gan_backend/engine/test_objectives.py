"""Objectives: values and gradients (finite differences), stability, f-GAN registry."""
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from gan_backend.engine.objectives import (
    WGAN,
    Centered,
    FGan,
    Minimax,
    NonSaturating,
    get_objective,
    objective_names,
)
from tests.gan_backend._gradcheck import finite_diff

RTOL, ATOL = 1e-6, 1e-10
ATOL_REL = 1e-7  # finite-difference rounding relative to the largest gradient entry (see _atol)


class _NowozinGan:
    """Stand-in FDivergence for Nowozin's GAN row: g(v) = −log(1+e^{−v}), f*(t) = −log(1−e^t)."""

    name = "gan"

    def activation(self, v):
        return -np.logaddexp(0, -v)

    def activation_prime(self, v):
        return 1 / (1 + np.exp(v))

    def conjugate_activation(self, v):
        return np.logaddexp(0, v)

    def conjugate_activation_prime(self, v):
        return 1 / (1 + np.exp(-v))


def _registry():
    import fdiv

    return fdiv


def _fdiv_names():
    import fdiv

    return list(fdiv.names())


def _atol(*grads, scaled):
    """ATOL, or with ``scaled`` ATOL_REL times the largest gradient entry: the central
    difference of a mean carries the rounding of its largest term (exponential f-GAN
    weights spread over 5 decades on these inputs), not of the entry being checked."""
    if not scaled:
        return ATOL
    return max(ATOL, ATOL_REL * max(float(np.abs(g).max()) for g in grads))


def _check_d_loss(obj, v_real, v_fake, scaled=False):
    _, g_r, g_f = obj.d_loss(v_real, v_fake)
    fn = lambda: obj.d_loss(v_real, v_fake)[0]  # noqa: E731
    atol = _atol(g_r, g_f, scaled=scaled)
    np.testing.assert_allclose(g_r, finite_diff(fn, v_real), rtol=RTOL, atol=atol)
    np.testing.assert_allclose(g_f, finite_diff(fn, v_fake), rtol=RTOL, atol=atol)
    assert g_r.shape == v_real.shape and g_f.shape == v_fake.shape


def _check_g_loss(obj, v_fake, scaled=False):
    _, g = obj.g_loss(v_fake)
    np.testing.assert_allclose(g, finite_diff(lambda: obj.g_loss(v_fake)[0], v_fake), rtol=RTOL,
                               atol=_atol(g, scaled=scaled))


def _v(seed, n, scale=2.0):
    return scale * np.random.default_rng(seed).standard_normal((n, 1))


@pytest.mark.parametrize("obj", [Minimax(), NonSaturating(), WGAN(), FGan(_NowozinGan()),
                                 FGan(_NowozinGan(), generator="saturating"),
                                 Centered(NonSaturating(), 3.0), Centered(WGAN(), 0.5)], ids=repr)
def test_gradients_match_finite_differences(obj):
    _check_d_loss(obj, _v(0, 7), _v(1, 5))
    _check_g_loss(obj, _v(2, 6))


def test_known_values():
    z = np.zeros((4, 1))
    val, g_r, g_f = Minimax().d_loss(z, z)
    assert val == pytest.approx(2 * np.log(2), rel=1e-15)
    np.testing.assert_allclose(g_r, -0.5 / 4)
    np.testing.assert_allclose(g_f, 0.5 / 4)
    assert Minimax().g_loss(z)[0] == pytest.approx(-np.log(2))
    assert NonSaturating().g_loss(z)[0] == pytest.approx(np.log(2))
    v_r, v_f = np.array([[1.0], [3.0]]), np.array([[0.5]])
    assert WGAN().d_loss(v_r, v_f)[0] == pytest.approx(0.5 - 2.0)
    assert WGAN().g_loss(v_f)[0] == pytest.approx(-0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("obj", [Minimax(), NonSaturating(), WGAN()], ids=repr)
def test_stable_at_extreme_logits(obj, dtype):
    v = np.array([[-1e4], [-80.0], [0.0], [80.0], [1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        val, g_r, g_f = obj.d_loss(v, v)
        gval, g = obj.g_loss(v)
    for a in (g_r, g_f, g):
        assert np.isfinite(a).all() and a.dtype == dtype
    assert np.isfinite(val) and np.isfinite(gval)


def test_saturation_is_what_the_log_trick_fixes():
    """Confidently rejected samples (V ≪ 0): minimax G gradient ≈ 0, non-saturating ≈ −1/n."""
    v = np.full((2, 1), -30.0)
    assert abs(Minimax().g_loss(v)[1]).max() < 1e-12
    np.testing.assert_allclose(NonSaturating().g_loss(v)[1], -0.5, rtol=1e-12)


def test_fgan_gan_equals_minimax_and_nonsaturating():
    v_r, v_f = _v(3, 9), _v(4, 9)
    for fg, ref in ((FGan(_NowozinGan(), generator="saturating"), Minimax()), (FGan(_NowozinGan()), NonSaturating())):
        for a, b in zip(fg.d_loss(v_r, v_f), ref.d_loss(v_r, v_f)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        for a, b in zip(fg.g_loss(v_f), ref.g_loss(v_f)):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_value_false_skips_the_value():
    val, g_r, _ = Minimax().d_loss(_v(0, 3), _v(1, 3), value=False)
    assert val is None and g_r.shape == (3, 1)
    assert NonSaturating().g_loss(_v(0, 3), value=False)[0] is None


FGAN_SPECS = _fdiv_names() + ["alpha(-1)", "alpha(0.5)", "alpha(2)"]
PREFIX = {"nonsaturating": "fgan", "saturating": "fgan-saturating"}


@pytest.mark.parametrize("name", FGAN_SPECS)
def test_fgan_every_registry_entry(name):
    """Both generator losses of every registry f and alpha(−1), alpha(0.5), alpha(2): the
    exact gradients of d_loss and g_loss match central finite differences of the values
    (``f.activation`` / ``f.conjugate_activation``); the capped ones are the exact ones
    times one common factor in (0, 1]."""
    fdiv = _registry()
    f = fdiv.get(name)
    v_r, v_f = _v(5, 6, 1.5), _v(6, 6, 1.5)
    for gen in ("nonsaturating", "saturating"):
        obj = get_objective(f"{PREFIX[gen]}:{name}")
        assert obj.name == f"{PREFIX[gen]}:{f.name}" and obj.generator == gen
        exact = FGan(f, generator=gen, grad_cap=None)
        _check_d_loss(exact, v_r, v_f, scaled=True)
        _check_g_loss(exact, v_f, scaled=True)
        for ex, capped in ((exact.d_loss(v_r, v_f)[1:], obj.d_loss(v_r, v_f)[1:]),
                           (exact.g_loss(v_f)[1:], obj.g_loss(v_f)[1:])):
            e, c = np.concatenate(ex), np.concatenate(capped)
            with np.errstate(invalid="ignore"):  # 0/0 where a weight is exactly 0 (pearson_chi2)
                ratio = c / e
            ok = np.isfinite(ratio)
            assert ok.any() and 0 < ratio[ok].min() <= 1 + 1e-12
            np.testing.assert_allclose(ratio[ok], ratio[ok][0], rtol=1e-12)
            assert (np.abs(c) * v_f.shape[0]).max() <= obj.grad_cap * (1 + 1e-12)


# Generator-loss values −E_Q g_f(V) (non-saturating) and −E_Q f*(g_f(V)) (saturating) in
# closed form, from Nowozin et al. 2016 Table 2 (output activations g_f and conjugates):
# kl g = v, f*(t) = e^{t−1}; reverse_kl g = −e^{−v}, f*(t) = −1 − log(−t);
# js g = log 2 − sp(−v), f*(t) = −log(2 − e^t).
_SP = lambda v: np.logaddexp(0.0, v)  # noqa: E731
CLOSED_G = {
    "kl": (lambda v: v, lambda v: np.exp(v - 1)),
    "reverse_kl": (lambda v: -np.exp(-v), lambda v: -1 + v),
    "js": (lambda v: np.log(2) - _SP(-v), lambda v: -np.log(2 - np.exp(np.log(2) - _SP(-v)))),
}


@pytest.mark.parametrize("name", sorted(CLOSED_G))
def test_fgan_generator_loss_closed_forms(name):
    fdiv = _registry()
    v = np.array([[-3.0], [-0.5], [0.0], [0.7], [2.5]])
    ns, sat = CLOSED_G[name]
    assert get_objective(f"fgan:{name}").g_loss(v)[0] == pytest.approx(-ns(v).mean(), rel=1e-12)
    assert get_objective(f"fgan-saturating:{name}").g_loss(v)[0] == pytest.approx(-sat(v).mean(), rel=1e-12)
    assert fdiv.get(name).activation(v) == pytest.approx(ns(v), rel=1e-12)


@pytest.mark.parametrize("name", FGAN_SPECS)
def test_fgan_generator_signal_at_rejected_samples(name):
    """Samples D rejects (V → −∞): the two forms' per-sample weights are g_f'(V) and
    (f*∘g_f)'(V) = f*'(g_f(V)) g_f'(V), whose ratio f*'(g_f(V)) is the implied density
    ratio dP/dQ ≥ 0 and tends to 0 (g_f(−∞) is the left end of f'(0, ∞)): the saturating
    weight is never larger than the non-saturating one there, and strictly smaller by a
    factor that grows without bound. Checked on the exact (uncapped) g_loss gradients at
    V = −20 and −40 against f.conjugate's derivative by finite differences."""
    fdiv = _registry()
    f = fdiv.get(name)
    ns, sat = FGan(f, grad_cap=None), FGan(f, generator="saturating", grad_cap=None)
    r = []
    for v0 in (-20.0, -40.0):
        v = np.array([[v0]])
        g_ns, g_sat = ns.g_loss(v)[1][0, 0], sat.g_loss(v)[1][0, 0]
        assert g_ns < 0 and g_sat <= 0 and np.isfinite(g_ns)
        r.append(g_sat / g_ns)
    assert r[1] <= r[0] <= 1.0
    assert r[1] < 1e-3 or name == "tv" or r[1] < r[0] * 0.9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", FGAN_SPECS)
def test_fgan_stable_at_extreme_logits(name, dtype):
    """A fresh toy D outputs |V| in the hundreds; e^{V} overflows float32 from V = 89. The
    f-GAN gradients stay finite, nonzero and of the input dtype for every f and both G
    losses, and the loss values are never NaN (±inf only where the true value overflows)."""
    _registry()
    v = np.array([[-1e4], [-300.0], [-80.0], [0.0], [80.0], [300.0], [1e4]], dtype=dtype)
    for prefix in PREFIX.values():
        obj = get_objective(f"{prefix}:{name}")
        for one in v:
            val = obj.g_loss(one[:, None])[0]
            assert not np.isnan(val)
        _, g_r, g_f = obj.d_loss(v, v)
        _, g = obj.g_loss(v)
        for a in (g_r, g_f, g):
            assert a.dtype == dtype and np.isfinite(a).all()
        assert np.abs(np.concatenate((g_r, g_f))).max() > 0 and np.abs(g).max() > 0


def test_gan_entry_is_never_capped():
    """The gan entry's weights σ(±V) are <= 1 = the default cap: its gradient is exact."""
    fdiv = _registry()
    v_r, v_f = _v(7, 8, 30.0), _v(8, 8, 30.0)
    a, b = FGan(fdiv.get("gan")), FGan(fdiv.get("gan"), grad_cap=None)
    for x, y in zip(a.d_loss(v_r, v_f)[1:], b.d_loss(v_r, v_f)[1:]):
        np.testing.assert_array_equal(x, y)


def test_bad_grad_cap():
    for bad in (0, -1.0, float("nan"), "1", True):
        with pytest.raises(ValueError, match="`grad_cap`"):
            FGan(_NowozinGan(), grad_cap=bad)


@pytest.mark.parametrize("name", _fdiv_names())
def test_fgan_bound_estimates_data_first_divergence(name):
    """The docstring's argument order: sup_V E_P g_f(V) − E_Q f*(g_f(V)) = Σ q f(p/q)
    = D_f(P‖Q) in docs/theory.md §0's convention, with P (real, numerator) first (S6).
    Maximised per support point by a bounded scalar search over V."""
    fdiv = _registry()
    f = fdiv.get(name)
    obj = FGan(f)
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.2, 0.3, 0.5])
    best = 0.0
    for pi, qi in zip(p, q):
        def neg(v):
            val, _, _ = obj.d_loss(np.array([[v]]), np.array([[v]]))
            # d_loss is −(g_f(v) − f*(g_f(v))) for one point each; reweight the two terms
            a = float(f.activation(np.array([v]))[0])
            c = float(f.conjugate_activation(np.array([v]))[0])
            assert val == pytest.approx(-(a - c), rel=1e-12, abs=1e-12)
            return -(pi * a - qi * c)

        best += -minimize_scalar(neg, bounds=(-25, 25), method="bounded",
                                 options={"xatol": 1e-10}).fun
    expect = float(np.sum(q * f.f(p / q)))
    assert best <= expect + 1e-9  # Fenchel–Young: never above the divergence
    assert best == pytest.approx(expect, abs=2e-4)


def test_get_objective():
    assert isinstance(get_objective("minimax"), Minimax)
    assert isinstance(get_objective("nonsaturating"), NonSaturating)
    assert isinstance(get_objective("wgan"), WGAN)
    o = Minimax()
    assert get_objective(o) is o
    for bad, match in (("hinge", "`objective` must be one of"), ("wgan:x", "takes no"),
                       ("fgan:", "needs a divergence name"), ("fgan-saturating:", "needs a divergence name"),
                       ("fgan-saturating:nope", "fgan-saturating:nope"), ("fgan-sat:js", "must be one of"),
                       ("fgan_saturating:js", "must be one of"), ("", "must be one of"), (3, "must be a string")):
        with pytest.raises(ValueError, match=match):
            get_objective(bad)
    names = set(objective_names())
    assert {"minimax", "nonsaturating", "wgan", "fgan:js", "fgan-saturating:js"} <= names
    for n in names:
        assert get_objective(n).name == n


def test_fgan_unknown_name_and_bad_objects():
    _registry()
    with pytest.raises(ValueError, match="fgan:nope"):
        get_objective("fgan:nope")
    with pytest.raises(ValueError, match="`f` must be an fdiv.FDivergence"):
        FGan(object())
    for bad in ("both", "saddle", "heuristic"):
        with pytest.raises(ValueError, match="`generator`"):
            FGan(_NowozinGan(), generator=bad)


def test_centered_penalty_value_and_run_axis():
    """Centered adds (λ/2)·m² (m: mean of V over real and generated points) to D's loss, per
    run column on a run axis (each column its own m, the value their mean over runs is not
    used there), and leaves G's loss alone."""
    import fdiv

    base = FGan(fdiv.get("tv"))
    obj = Centered(base, 4.0)
    v_r, v_f = _v(3, 5), _v(4, 3)
    m = (v_r.sum() + v_f.sum()) / 8
    assert obj.d_loss(v_r, v_f)[0] == pytest.approx(base.d_loss(v_r, v_f)[0] + 2.0 * m * m, rel=1e-14)
    assert obj.g_loss(v_f)[0] == base.g_loss(v_f)[0]
    np.testing.assert_array_equal(obj.g_loss(v_f)[1], base.g_loss(v_f)[1])
    # two runs side by side (columns) equal each run alone
    r2, f2 = np.hstack((v_r, 2 * v_r + 1)), np.hstack((v_f, -v_f))
    _, gr, gf = obj.d_loss(r2, f2, value=False)
    for col in range(2):
        _, er, ef = obj.d_loss(r2[:, col:col + 1], f2[:, col:col + 1], value=False)
        np.testing.assert_allclose(gr[:, col:col + 1], er, rtol=1e-15)
        np.testing.assert_allclose(gf[:, col:col + 1], ef, rtol=1e-15)


@pytest.mark.parametrize("weight", [0.0, -1.0, float("nan"), float("inf"), True, "2"])
def test_centered_rejects_bad_weights(weight):
    with pytest.raises(ValueError, match="`weight`"):
        Centered(NonSaturating(), weight)
