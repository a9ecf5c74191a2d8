"""The residual MLP's compiled epilogues (gan_backend/experiments/avb/_kernels.py) against
float64 references and against the NumPy layers they replace."""
import numpy as np
import pytest

from gan_backend.engine.layers import ELU, ReLU
from gan_backend.experiments.avb._kernels import KINDS, act_grad, bias_act, expm1_neg32, outer_act_grad
from gan_backend.experiments.avb.resnet import ResidualMLP


def _ulps(got, x):
    """|got − expm1(x)| in units of the float32 spacing at the float64 reference."""
    ref = np.expm1(np.asarray(x, np.float64))
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref) / spacing


def test_float32_expm1_within_one_ulp():
    """2^22 random float32 in [−18, 0] (uniform in value and in bit pattern), every
    subnormal's neighbourhood and the branch edges: within 1 ulp of float64 expm1 rounded
    (an exhaustive pass over all 1.1e9 float32 there measured 0.94 ulp at worst)."""
    rng = np.random.default_rng(2026)
    by_value = -rng.uniform(0, 18, 1 << 21).astype(np.float32)
    lo, hi = (np.array([v], np.float32).view(np.uint32)[0] for v in (-0.0, -18.0))
    by_bits = rng.integers(lo, hi, 1 << 21, dtype=np.uint32, endpoint=True).view(np.float32)
    ln2 = np.log(2.0)
    edges = np.array([k * ln2 / 2 for k in range(-52, 1)] + [-18.0, -17.999998, -1e-45, -1.1754944e-38, -1e-7],
                     np.float32)
    edges = np.concatenate([edges, np.nextafter(edges, np.float32(-np.inf)), np.nextafter(edges, np.float32(0))])
    x = np.concatenate([by_value, by_bits, edges[(edges <= 0) & (edges >= -18)]])
    err = _ulps(expm1_neg32(x), x)
    assert err.max() <= 1.0, (float(err.max()), float(x[np.argmax(err)]))


def test_float32_expm1_special_values():
    got = expm1_neg32([0.0, -0.0, 2.5, np.inf, -np.inf, np.nan, -18.0001, -1e30, -1e-45])
    assert got[0] == 0 and got[1] == 0 and np.signbit(got[1])
    assert got[2] == np.float32(2.5) and got[3] == np.inf
    assert got[4] == -1 and np.isnan(got[5]) and got[6] == -1 and got[7] == -1
    assert got[8] == np.float32(-1e-45)  # expm1(x) = x for the smallest subnormal
    # at the clamp the polynomial itself gives -1, the value every x below takes
    assert expm1_neg32([-18.0])[0] == -1 and expm1_neg32([np.nextafter(np.float32(-18), 0)])[0] == -1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["identity", "relu", "elu"])
def test_bias_act_and_act_grad_against_numpy(dtype, kind):
    """The fused passes against the NumPy layers: ReLU and the identity bit for bit, ELU
    within 1 ulp (float32: the polynomial expm1; float64: libm's expm1 in the kernel,
    NumPy's own in the layer); the bias gradient within the rounding of a 37-term sum."""
    rng = np.random.default_rng(7)
    y = rng.normal(0, 4, (37, 9)).astype(dtype)
    y[0, :4] = [0.0, np.inf, -np.inf, np.nan]
    b = rng.standard_normal(9).astype(dtype)
    skip = rng.standard_normal(y.shape).astype(dtype)
    dy = rng.standard_normal(y.shape).astype(dtype)
    dy[1, :3] = [np.nan, np.inf, -np.inf]  # a diverging gradient stays visible where a unit is off
    layer = {"identity": None, "relu": ReLU(dtype=dtype), "elu": ELU(dtype=dtype)}[kind]
    with np.errstate(invalid="ignore"):
        pre = (y + b) + skip
        ref = pre.copy() if layer is None else layer.forward(pre.copy())
        got = bias_act(y.copy(), b, KINDS[kind], skip=skip)
    if kind == "elu":
        fin = np.isfinite(ref)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_array_equal(got[~fin & ~np.isnan(ref)], ref[~fin & ~np.isnan(ref)])
        assert np.all(np.abs(got[fin] - ref[fin]) <= np.spacing(np.abs(ref[fin])))
    else:
        np.testing.assert_array_equal(got, ref)
    # backward from the layer's own output
    db = np.empty(9, dtype)
    g = act_grad(ref, dy, KINDS[kind], db=db)
    with np.errstate(invalid="ignore"):
        g_ref = dy.copy() if layer is None else layer.backward(dy)
    np.testing.assert_array_equal(g, g_ref)
    np.testing.assert_array_equal(np.signbit(g), np.signbit(g_ref))
    finite = np.isfinite(g_ref).all(axis=0)
    eps = np.finfo(dtype).eps
    bound = 37 * eps * np.abs(g_ref).sum(axis=0)  # the rounding of any summation order
    with np.errstate(invalid="ignore"):  # the non-finite columns are left out below
        err = np.abs(db - g_ref.sum(axis=0))
    assert np.all(err[finite] <= bound[finite])



@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["identity", "relu", "elu"])
def test_act_grad_in_place_with_a_skip_gradient_and_from_an_outer_product(dtype, kind):
    """The three ways the backward pass feeds ``act_grad``, bit for bit against NumPy's
    separate operations on the same values: in place over the incoming gradient, with the
    skip connection's gradient added first (``add``: ``(dy + add) ⊙ act'``), and from the
    outer product ``u vᵀ`` of a single-output layer (``outer_act_grad``), each element
    rounded as NumPy rounds it; the column sums equal act_grad's (the same summation)."""
    rng = np.random.default_rng(11)
    y = rng.normal(0, 2, (300, 33)).astype(dtype)  # more than one vector width, and a remainder
    if kind == "relu":
        y = np.maximum(y, 0)
    elif kind == "elu":
        y = np.where(y > 0, y, np.expm1(np.minimum(y, 0))).astype(dtype)
    dy = rng.standard_normal(y.shape).astype(dtype)
    add = rng.standard_normal(y.shape).astype(dtype)
    u, v = rng.standard_normal((300, 1)).astype(dtype), rng.standard_normal((33, 1)).astype(dtype)
    k = KINDS[kind]

    def numpy_grad(g):
        if kind == "relu":
            return g * (y > 0).astype(dtype)
        if kind == "elu":
            return np.where(y > 0, g, g * (y + np.ones((), dtype)))
        return g

    for incoming in (dy, dy + add, u * v.T):
        np.testing.assert_array_equal(act_grad(y, incoming, k), numpy_grad(incoming))
    buf, db, db_ref = dy.copy(), np.empty(33, dtype), np.empty(33, dtype)
    assert act_grad(y, buf, k, db=db, out=buf) is buf
    np.testing.assert_array_equal(buf, numpy_grad(dy))
    act_grad(y, dy, k, db=db_ref)
    np.testing.assert_array_equal(db, db_ref)
    buf = dy.copy()
    np.testing.assert_array_equal(act_grad(y, buf, k, out=buf, add=add), numpy_grad(dy + add))
    out = np.full(y.shape, np.nan, dtype)
    assert outer_act_grad(y, u, v, k, out, db=db) is out
    np.testing.assert_array_equal(out, numpy_grad(u * v.T))
    act_grad(y, u * v.T, k, db=db_ref)
    np.testing.assert_array_equal(db, db_ref)
    untouched = dy.copy()
    act_grad(y, untouched, k, out=np.empty_like(dy), add=add)  # a separate output leaves dy as it was
    np.testing.assert_array_equal(untouched, dy)
    assert act_grad(y[:0], dy[:0], k, db=db).shape == (0, 33) and not db.any()  # no rows: zero bias gradient
    for bad in (np.empty((300, 32), dtype), np.empty((300, 33), np.float16), np.empty((33, 300), dtype).T):
        with pytest.raises(ValueError, match="`out` must be"):
            act_grad(y, dy, k, out=bad)
        with pytest.raises(ValueError, match="`out` must be"):
            outer_act_grad(y, u, v, k, bad)
    for kwargs, name in ((dict(dy=dy[:-1]), "dy"), (dict(add=add[:, :-1]), "add"), (dict(db=db[:-1]), "db")):
        with pytest.raises(ValueError, match=f"`{name}` must have shape"):  # read or written out of bounds otherwise
            act_grad(y, kwargs.pop("dy", dy), k, **kwargs)
    with pytest.raises(ValueError, match="`db` must have shape"):
        outer_act_grad(y, u, v, k, np.empty_like(dy), db=db[:-1])


@pytest.mark.parametrize("n_out", [3, 1])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("acts", [("elu", "relu"), ("relu", "elu"), ("elu", "elu")])
def test_fused_residual_mlp_equals_the_layer_path(dtype, tol, acts, n_out):
    """The compiled path of ResidualMLP against its NumPy layers on the same parameters:
    output, input gradient and every parameter gradient (float64: 1e-12 relative, only the
    summation order of the bias gradients differs; float32: 2e-5, the polynomial expm1 and
    that order). One output (an adversary's logit) takes the outer-product path of the
    backward pass, several the product."""
    rng = np.random.default_rng(11)
    net = ResidualMLP(6, (16, 12), 2, n_out, activation=acts[0], block_activation=acts[1], dtype=dtype)
    net.init(rng, "glorot")
    for _, _, second, _ in net.blocks:  # non-zero blocks, so that every path carries signal
        second.W[...] = rng.normal(0, 0.3, second.W.shape)
        second.b[...] = rng.normal(0, 0.3, second.b.shape)
    x = rng.standard_normal((33, 6)).astype(dtype)
    dy = rng.standard_normal((33, n_out)).astype(dtype)
    assert net.fused
    y_f = net.forward(x.copy())
    dx_f = net.backward(dy)
    grads_f = net.grads.copy()
    net.fused = False
    y_l = net.forward(x.copy())
    dx_l = net.backward(dy)
    np.testing.assert_allclose(y_f, y_l, rtol=tol, atol=tol)
    np.testing.assert_allclose(dx_f, dx_l, rtol=tol, atol=tol)
    np.testing.assert_allclose(grads_f, net.grads, rtol=tol, atol=tol * np.abs(net.grads).max())
    net.fused = True
    before = net.grads.copy()
    net.forward(x)
    assert net.backward(dy, param_grads=False) is not None
    np.testing.assert_array_equal(net.grads, before)  # param_grads=False writes nothing


def test_fused_plain_affine_map_and_no_input_gradient():
    net = ResidualMLP(4, (), 0, 2, activation="relu", block_activation="relu", dtype="float64")
    net.init(np.random.default_rng(0), "glorot")
    x = np.random.default_rng(1).standard_normal((5, 4))
    np.testing.assert_allclose(net.forward(x), x @ net.out.W + net.out.b, rtol=1e-15)
    assert net.backward(np.ones((5, 2)), need_dx=False) is None
    np.testing.assert_allclose(net.out.dW, x.T @ np.ones((5, 2)), rtol=1e-15)


def test_scratch_arrays_do_not_leak_into_results():
    """A second forward of the same batch size reuses the hidden arrays, never the returned
    output or input gradient; many batch sizes keep a bounded number of scratch arrays; a
    negative iteration count is refused by name."""
    from gan_backend.experiments.avb import resnet

    rng = np.random.default_rng(3)
    net = ResidualMLP(4, (8,), 1, 2, activation="elu", block_activation="relu", dtype="float64")
    net.init(rng, "glorot")
    x1, x2 = rng.standard_normal((2, 5, 4))
    y1 = net.forward(x1)
    keep = y1.copy()
    dx1 = net.backward(np.ones((5, 2)))
    keep_dx = dx1.copy()
    net.forward(x2)
    net.backward(np.ones((5, 2)))
    np.testing.assert_array_equal(y1, keep)
    np.testing.assert_array_equal(dx1, keep_dx)
    for n in range(1, 3 * resnet._MAX_SCRATCH):
        net.forward(rng.standard_normal((n, 4)))
    assert len(net._ws) <= resnet._MAX_SCRATCH
    with pytest.raises(ValueError, match="steps"):
        from gan_backend.experiments.avb import AvbConfig, toy_data
        from gan_backend.experiments.avb.train import AvbTrainer
        AvbTrainer(toy_data(), AvbConfig(steps=3, batch_size=8), rng=0).iterate(-1)


def _row_sums(g):
    """Column sums accumulated row by row in the array's precision: the kernels' order."""
    s = np.zeros(g.shape[1], g.dtype)
    for row in g:
        s += row
    return s


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["identity", "relu", "elu"])
@pytest.mark.parametrize("source", ["plain", "add", "outer"])
@pytest.mark.parametrize("want_db", [False, True])
def test_every_specialised_gradient_kernel_bit_for_bit(dtype, kind, source, want_db):
    """Each (source, activation, bias gradient) combination is its own compiled kernel:
    every one against NumPy's separate operations on the same values (the incoming
    gradient ``dy``, ``dy + add`` or ``u vᵀ``, then ``⊙ act'``), bit for bit, with NaN and
    ±inf among the gradients, and the bias gradient against the row-by-row sum in the
    array's precision; without ``db`` nothing is written to one."""
    rng = np.random.default_rng(29)
    y = rng.normal(0, 2, (41, 35)).astype(dtype)
    y = {"identity": y, "relu": np.maximum(y, 0),
         "elu": np.where(y > 0, y, np.expm1(np.minimum(y, 0))).astype(dtype)}[kind]
    dy, add = rng.standard_normal((2, *y.shape)).astype(dtype)
    dy[2, :3] = [np.nan, np.inf, -np.inf]
    u, v = rng.standard_normal(41).astype(dtype), rng.standard_normal(35).astype(dtype)
    incoming = {"plain": dy, "add": dy + add, "outer": u[:, None] * v[None, :]}[source]
    with np.errstate(invalid="ignore"):
        ref = {"identity": incoming, "relu": incoming * (y > 0).astype(dtype),
               "elu": np.where(y > 0, incoming, incoming * (y + np.ones((), dtype)))}[kind]
        db = np.full(35, 7.0, dtype) if want_db else None
        out = dy.copy() if source != "outer" else np.full(y.shape, np.nan, dtype)
        if source == "outer":
            got = outer_act_grad(y, u, v, KINDS[kind], out, db=db)
        else:
            got = act_grad(y, out, KINDS[kind], db=db, out=out, add=add if source == "add" else None)
        assert got is out
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), ref.view(f"u{ref.itemsize}"))
        if want_db:
            np.testing.assert_array_equal(db, _row_sums(ref))


@pytest.mark.parametrize("kind", ["identity", "relu", "elu"])
@pytest.mark.parametrize("with_skip", [False, True])
def test_every_specialised_float32_forward_kernel(kind, with_skip):
    """Each float32 (activation, skip) forward pass is its own compiled kernel: ReLU and the
    identity bit for bit against NumPy's ``(y + b) + skip`` then the layer, ELU bit for bit
    against :func:`expm1_neg32` of the same sums (the polynomial checked above), with NaN,
    ±inf and −0 among the inputs."""
    rng = np.random.default_rng(31)
    y = rng.normal(0, 4, (19, 37)).astype(np.float32)
    y[0, :4] = [0.0, np.inf, -np.inf, np.nan]
    y[1, 0] = -0.0
    b = rng.standard_normal(37).astype(np.float32)
    b[0] = 0.0
    skip = rng.standard_normal(y.shape).astype(np.float32) if with_skip else None
    with np.errstate(invalid="ignore"):
        pre = (y + b) + skip if with_skip else y + b
        ref = {"identity": pre, "relu": ReLU(dtype="float32").forward(pre.copy()),
               "elu": np.where(pre < 0, expm1_neg32(pre), pre)}[kind]
        got = bias_act(y.copy(), b, KINDS[kind], skip=skip)
    np.testing.assert_array_equal(got.view(np.uint32), ref.view(np.uint32))
