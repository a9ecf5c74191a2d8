"""Optimisers against updates derived by hand, state handling, weight clipping."""
import math

import numpy as np
import pytest

from gan_backend.engine.optim import SGD, Adam, LinearDecay, RMSProp, clip_weights, make_optimizer


def _pair(p, g):
    return np.array(p, dtype=np.float64), np.array(g, dtype=np.float64)


def test_sgd_plain_and_momentum():
    p, g = _pair([1.0, -2.0], [0.5, 4.0])
    opt = SGD([(p, g)], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p, [0.95, -2.4], rtol=1e-15)
    p, g = _pair([1.0], [2.0])
    opt = SGD([(p, g)], lr=0.1, momentum=0.5)
    opt.step()  # b = 2, p = 1 - 0.2
    opt.step()  # b = 0.5*2 + 2 = 3, p = 0.8 - 0.3
    np.testing.assert_allclose(p, [0.5], rtol=1e-15)


def test_adam_two_steps_by_hand():
    """Step 1: m = (1-b1) g, v = (1-b2) g², m̂ = g, v̂ = g², so Δ = -lr g/(|g| + eps).
    Step 2 (gradient g2): m = b1(1-b1)g + (1-b1)g2, v = b2(1-b2)g² + (1-b2)g2²,
    Δ = -lr (m/(1-b1²)) / (sqrt(v/(1-b2²)) + eps)."""
    lr, b1, b2, eps = 0.01, 0.5, 0.999, 1e-8
    g1, g2 = np.array([0.3, -2.0]), np.array([-0.1, 1.0])
    p, g = np.array([1.0, 1.0]), g1.copy()
    opt = Adam([(p, g)], lr=lr, beta1=b1, beta2=b2, eps=eps)
    opt.step()
    expect = 1.0 - lr * g1 / (np.abs(g1) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-13)
    g[...] = g2
    opt.step()
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    expect = expect - lr * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-13)
    assert opt.t == 2


def test_rmsprop_two_steps_by_hand():
    lr, a, eps = 5e-5, 0.99, 1e-8
    g1, g2 = np.array([0.2, -3.0]), np.array([0.4, 1.0])
    p, g = np.zeros(2), g1.copy()
    opt = RMSProp([(p, g)], lr=lr, alpha=a, eps=eps)
    opt.step()
    v = (1 - a) * g1**2
    expect = -lr * g1 / (np.sqrt(v) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-12)
    g[...] = g2
    opt.step()
    v = a * v + (1 - a) * g2**2
    expect = expect - lr * g2 / (np.sqrt(v) + eps)
    np.testing.assert_allclose(p, expect, rtol=1e-12)


def test_updates_are_in_place_and_state_is_per_parameter():
    p1, g1 = _pair([1.0, 2.0], [1.0, 1.0])
    p2, g2 = _pair([[3.0]], [[-1.0]])
    ids = (id(p1), id(p2))
    opt = Adam([(p1, g1), (p2, g2)], lr=0.1)
    opt.step()
    assert (id(p1), id(p2)) == ids
    assert [m.shape for m in opt.m] == [(2,), (1, 1)]
    assert p1[0] < 1.0 and p2[0, 0] > 3.0


def test_float32_stays_float32():
    p, g = np.ones(4, np.float32), np.full(4, 0.5, np.float32)
    for cls in (SGD, Adam, RMSProp):
        opt = cls([(p, g)], lr=1e-3)
        opt.step()
        assert p.dtype == np.float32 and all(s.dtype == np.float32 for s in opt._tmp)


def test_load_state_copies_moments_and_counter():
    p, g = _pair([1.0], [0.5])
    a = Adam([(p, g)], lr=0.1)
    a.step()
    q, h = _pair([1.0], [0.5])
    b = Adam([(q, h)], lr=0.1)
    b.load_state(a)
    assert b.t == 1 and b.m[0][0] == a.m[0][0] and b.v[0][0] == a.v[0][0]
    p0, q0 = p[0], q[0]
    a.step()
    b.step()
    assert q[0] - q0 == p[0] - p0  # the same second-step update, bit for bit
    with pytest.raises(ValueError, match="cannot load"):
        b.load_state(RMSProp([(q, h)], lr=0.1))


def test_clip_weights():
    p = np.array([-1.0, -0.005, 0.0, 0.02])
    clip_weights([(p, None)], 0.01)
    np.testing.assert_array_equal(p, [-0.01, -0.005, 0.0, 0.01])
    with pytest.raises(ValueError, match="`clip`"):
        clip_weights([(p, None)], -1)


@pytest.mark.parametrize("kw, match", [
    (dict(lr=0.0), "`lr`"), (dict(lr=math.inf), "`lr`"), (dict(beta1=1.0), "`beta1`"),
    (dict(beta2=-0.1), "`beta2`"), (dict(eps=-1.0), "`eps`"),
])
def test_adam_validation(kw, match):
    p, g = _pair([1.0], [1.0])
    with pytest.raises(ValueError, match=match):
        Adam([(p, g)], **{"lr": 1e-3, **kw})


def test_make_optimizer():
    p, g = _pair([1.0], [1.0])
    assert isinstance(make_optimizer("rmsprop", [(p, g)], 1e-3), RMSProp)
    with pytest.raises(ValueError, match="`optimizer` must be one of sgd, adam, rmsprop"):
        make_optimizer("lbfgs", [(p, g)], 1e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_adam_step_equals_the_readable_step_bit_for_bit(dtype):
    """fused.adam_step against Adam.step: same parameters and moments after 5 steps on two
    parameter groups, in the arrays' precision (the same order of operations)."""
    from gan_backend.engine.fused import adam_step

    rng = np.random.default_rng(5)

    def make():
        r = np.random.default_rng(1)
        groups = [(r.standard_normal(s).astype(dtype), np.zeros(s, dtype)) for s in ((7, 3), (11,))]
        return groups, Adam(groups, lr=3e-3, beta1=0.5, beta2=0.99)

    (ga, a), (gb, b) = make(), make()
    for _ in range(5):
        for (pa, da), (pb, db) in zip(ga, gb):
            da[...] = db[...] = rng.standard_normal(da.shape) * 10.0 ** rng.integers(-6, 3)
        a.step()
        adam_step(b)
    assert a.t == b.t == 5
    for (pa, _), (pb, _), ma, mb, va, vb in zip(ga, gb, a.m, b.m, a.v, b.v):
        np.testing.assert_array_equal(pb, pa)
        np.testing.assert_array_equal(mb, ma)
        np.testing.assert_array_equal(vb, va)


def test_compiled_adam_step_zero_over_zero_is_nan_not_an_exception():
    from gan_backend.engine.fused import adam_step

    p, g = np.ones(4, np.float32), np.zeros(4, np.float32)
    opt = Adam([(p, g)], lr=1e-3, eps=0.0)
    adam_step(opt)  # m = v = 0 and eps = 0: 0/0
    assert np.isnan(p).all()


def test_compiled_adam_step_refuses_what_it_cannot_update_in_place():
    from gan_backend.engine.fused import adam_step

    p = np.ones((4, 6), np.float32)[:, ::2]  # a strided view: a reshaped copy would be updated
    with pytest.raises(ValueError, match="C-contiguous"):
        adam_step(Adam([(p, np.zeros_like(p))]))
    with pytest.raises(ValueError, match="`opt`.*Adam"):
        adam_step(SGD([(np.ones(3), np.zeros(3))], lr=0.1))


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 5), (6, 5), (1.5, 4), (True, 4), (0, 2.5)])
def test_linear_decay_validation(start, end):
    with pytest.raises(ValueError, match="`start` and `end` must be integers with 0 <= start < end"):
        LinearDecay(start, end)


def test_optimizers_use_the_decayed_rate_by_hand():
    """Schedule LinearDecay(1, 3): rates η, η·2/2 = η, η·1/2 at steps 1, 2, 3. SGD and RMSProp
    written out with those rates; Adam's third step likewise."""
    g1 = np.array([0.5, -2.0])
    p, g = g1 * 0 + 1.0, g1.copy()
    opt = SGD([(p, g)], lr=0.1, schedule=LinearDecay(1, 3))
    for _ in range(3):
        opt.step()
    np.testing.assert_allclose(p, 1.0 - 0.1 * g1 * (1 + 1 + 0.5), rtol=1e-15)
    p, g = np.zeros(2), g1.copy()
    opt = RMSProp([(p, g)], lr=1e-3, alpha=0.9, eps=1e-8, schedule=LinearDecay(1, 3))
    expect, v = np.zeros(2), np.zeros(2)
    for rate in (1e-3, 1e-3, 0.5e-3):
        opt.step()
        v = 0.9 * v + 0.1 * g1**2
        expect = expect - rate * g1 / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(p, expect, rtol=1e-12)
    p, g = np.zeros(2), g1.copy()
    opt = Adam([(p, g)], lr=1e-2, beta1=0.5, beta2=0.999, schedule=LinearDecay(1, 3))
    expect, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t, rate in ((1, 1e-2), (2, 1e-2), (3, 0.5e-2)):
        opt.step()
        m = 0.5 * m + 0.5 * g1
        v = 0.999 * v + 0.001 * g1**2
        expect = expect - rate * (m / (1 - 0.5**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(p, expect, rtol=1e-12)
    with pytest.raises(ValueError, match="`schedule` must be None or a LinearDecay"):
        Adam([(p, g)], schedule=(1, 3))
