"""NumPy broadcasting in fdiv.divergence and arrays of β in r_star, r_dagger and
weights_from_discriminator: every entry bit-identical to the Python loop over scalar calls."""
from __future__ import annotations

import numpy as np
import pytest

import fdiv


def _masses(rng, shape, zeros=0.1):
    x = rng.gamma(0.7, size=shape)
    x[rng.random(shape) < zeros] = 0.0
    return x


@pytest.mark.parametrize("f", ["kl", "js", "tv", "reverse_kl", "alpha(0.3)", fdiv.dual(fdiv.get("js"))])
@pytest.mark.parametrize(("qs", "ps"), [((2, 3, 50), (50,)), ((4, 1, 50), (5, 50)), ((1, 50), (3, 1, 50))])
def test_broadcast_equals_loop_bit_for_bit(f, qs, ps):
    rng = np.random.default_rng(sum(qs) + sum(ps))
    q, p = _masses(rng, qs), _masses(rng, ps)
    got = fdiv.divergence(f, q, p)
    lead = np.broadcast_shapes(qs[:-1], ps[:-1])
    assert got.shape == lead
    qb, pb = np.broadcast_to(q, lead + (50,)), np.broadcast_to(p, lead + (50,))
    for idx in np.ndindex(*lead):
        want = fdiv.divergence(f, np.array(qb[idx]), np.array(pb[idx]))
        assert got[idx] == want or (np.isinf(want) and got[idx] == want), (idx, got[idx], want)


def test_axis_selects_the_support():
    rng = np.random.default_rng(0)
    q, p = _masses(rng, (30, 4)), _masses(rng, (30, 1))
    got = fdiv.divergence("js", q, p, axis=0)
    assert got.shape == (4,)
    for j in range(4):
        assert got[j] == fdiv.divergence("js", q[:, j].copy(), p[:, 0].copy())
    assert np.array_equal(fdiv.divergence("kl", q, p, axis=-2), fdiv.divergence("kl", q.T, p.T))


def test_long_rows_in_a_batch_equal_the_single_call():
    """Rows long enough for the threaded kernels are split the same way alone and in a batch."""
    rng = np.random.default_rng(1)
    n = 300_000
    q, p = _masses(rng, (2, n)), _masses(rng, (n,))
    got = fdiv.divergence("squared_hellinger", q, p)
    assert got[0] == fdiv.divergence("squared_hellinger", q[0], p)
    assert got[1] == fdiv.divergence("squared_hellinger", q[1], p)
    q2 = _masses(rng, (3, 100_000))  # batch above the threading threshold, rows below it
    got = fdiv.divergence("kl", q2, p[:100_000])
    assert all(got[i] == fdiv.divergence("kl", q2[i], p[:100_000]) for i in range(3))


@pytest.mark.parametrize(("q", "p", "kw", "needle"), [
    (np.ones((2, 3)), np.ones((2, 4)), {}, r"support length.*\(2, 3\) and \(2, 4\)"),
    (np.ones((2, 3)), np.ones((3, 3)), {}, r"broadcastable.*\(2, 3\) and \(3, 3\)"),
    (np.ones((2, 3)), np.ones(3), {"axis": 2}, r"`axis`.*got 2"),
    (np.ones(3), np.ones(2), {}, r"`q` and `p`.*\(3,\).*\(2,\)"),
])
def test_broadcast_errors_name_both_shapes(q, p, kw, needle):
    with pytest.raises(ValueError, match=needle):
        fdiv.divergence("kl", q, p, **kw)


def _probability(rng, n, zeros=0.2):
    x = _masses(rng, n, zeros)
    return x / x.sum()


@pytest.mark.parametrize("fn", [fdiv.r_star, fdiv.r_dagger])
def test_beta_array_equals_loop(fn):
    rng = np.random.default_rng(2)
    pd = rng.gamma(0.7, size=60)
    pd /= pd.sum()
    pm = _probability(rng, 60, zeros=0.0)  # R-dagger needs p_data(p_model = 0) < beta (S14)
    betas = np.array([[0.05, 0.3, 0.5], [0.77, 0.9, 1.0]])
    res = fn(pd, pm, betas)
    assert res.r.shape == (2, 3, 60) and res.lam.shape == (2, 3) and isinstance(res.kind, str)
    for idx in np.ndindex(2, 3):
        one = fn(pd, pm, float(betas[idx]))
        assert np.array_equal(res.r[idx], one.r)
        assert res.lam[idx] == one.lam and res.active[idx] == one.active
        assert res.residual[idx] == one.residual and res.beta[idx] == one.beta
    assert not res.r.flags.writeable


@pytest.mark.parametrize("kind", ["star", "dagger"])
def test_weights_beta_array_equals_loop(kind):
    rng = np.random.default_rng(3)
    d = rng.uniform(0.05, 0.95, size=80)
    betas = [0.1, 0.25, 0.5, 1.0]
    res = fdiv.weights_from_discriminator(d, betas, kind)
    assert res.w.shape == (4, 80)
    for i, b in enumerate(betas):
        one = fdiv.weights_from_discriminator(d, b, kind)
        assert np.array_equal(res.w[i], one.w) and res.lam[i] == one.lam


@pytest.mark.parametrize("bad", [[], [0.5, 0.0], [0.5, 2.0], ["a"], [True, 0.5]])
def test_beta_array_errors_name_beta(bad):
    with pytest.raises(ValueError, match="`beta`"):
        fdiv.r_star([0.5, 0.5], [0.5, 0.5], bad)
