"""fdiv.divergence: batching, the generic path against the exact kernels, never NaN, bad input.

Hypothesis strategies construct valid measures directly (nonnegative floats with zeros on
either side and a spread of magnitudes) instead of filtering.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdiv
from tests.fdiv._divergence_reference import reference

NAMES = fdiv.names()
ALPHAS = [-1.5, 0.0, 0.3, 0.5, 1.0, 2.0]


def _gen(spec):
    return fdiv.alpha(spec) if isinstance(spec, float) else fdiv.get(spec)


GENS = NAMES + ALPHAS

# masses: exact zeros, tiny, subnormal, ordinary and large values
_mass = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-12, max_value=10.0),
    st.floats(min_value=5e-324, max_value=1e-300),
    st.floats(min_value=1e-300, max_value=1e300),
    st.floats(min_value=1e300, max_value=1.7e308),
)


@st.composite
def pairs(draw, max_n=12):
    n = draw(st.integers(min_value=1, max_value=max_n))
    q = np.array(draw(st.lists(_mass, min_size=n, max_size=n)))
    p = np.array(draw(st.lists(_mass, min_size=n, max_size=n)))
    return q, p


@st.composite
def batches(draw):
    rows = draw(st.integers(min_value=1, max_value=6))
    n = draw(st.integers(min_value=1, max_value=9))
    q = np.array(draw(st.lists(_mass, min_size=rows * n, max_size=rows * n))).reshape(rows, n)
    p = np.array(draw(st.lists(_mass, min_size=rows * n, max_size=rows * n))).reshape(rows, n)
    return q, p


@pytest.mark.parametrize("spec", GENS, ids=str)
@given(qp=batches())
def test_batching_equals_row_by_row(spec, qp):
    q, p = qp
    f = _gen(spec)
    batch = fdiv.divergence(f, q, p)
    assert isinstance(batch, np.ndarray) and batch.shape == (q.shape[0],)
    rows = np.array([fdiv.divergence(f, q[i], p[i]) for i in range(q.shape[0])])
    np.testing.assert_array_equal(batch, rows)


def test_batching_keeps_leading_shape():
    rng = np.random.default_rng(3)
    q, p = rng.random((2, 3, 5)), rng.random((2, 3, 5))
    d = fdiv.divergence("js", q, p)
    assert d.shape == (2, 3)
    assert d[1, 2] == fdiv.divergence("js", q[1, 2], p[1, 2])


@pytest.mark.parametrize("spec", GENS, ids=str)
@given(qp=pairs())
def test_never_nan_and_inf_exactly_where_infinite(spec, qp):
    """§0: +inf exactly where f(0) = inf meets q_i = 0 < p_i or f'(inf) = inf meets
    p_i = 0 < q_i; otherwise finite (the masses here keep every term finite); never NaN."""
    q, p = qp
    f = _gen(spec)
    d = fdiv.divergence(f, q, p)
    assert not math.isnan(d)
    infinite = (f.f_zero == math.inf and bool(np.any((q == 0) & (p > 0)))) or (
        f.slope_inf == math.inf and bool(np.any((p == 0) & (q > 0))))
    if infinite:
        assert d == math.inf
    else:
        want = reference(("alpha", spec) if isinstance(spec, float) else spec, q, p)
        if math.isinf(want):     # a finite sum beyond the double range
            assert d == want
        else:
            assert math.isfinite(d)
            assert d == pytest.approx(want, rel=1e-12, abs=1e-300)


# --- generic path (chunked NumPy through f.f) equals the exact kernels ----------------------------

def _wrapped(f):
    """The same generator seen by the generic path: from_callable (its own f, limits given)
    and shift by 0 (a transform: not a registry object)."""
    yield fdiv.shift(f, 0.0)
    yield fdiv.from_callable(f.f, name=f"user_{f.name}", f_zero=f.f_zero, slope_inf=f.slope_inf)


@st.composite
def moderate_pairs(draw):
    """Masses in [1e-3, 1] or 0: the generic p f(q/p) is then accurate to ~1e-14."""
    n = draw(st.integers(min_value=1, max_value=10))
    m = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1.0))
    return (np.array(draw(st.lists(m, min_size=n, max_size=n))),
            np.array(draw(st.lists(m, min_size=n, max_size=n))))


@pytest.mark.parametrize("spec", GENS, ids=str)
@given(qp=moderate_pairs())
def test_generic_path_equals_kernel(spec, qp):
    """Tolerance 1e-12: the generic path sums p f(q/p) as NumPy evaluates it (cancellation in
    f near x = 1 costs a few digits); the kernels are checked against mpmath elsewhere."""
    q, p = qp
    f = _gen(spec)
    want = fdiv.divergence(f, q, p)
    for g in _wrapped(f):
        got = fdiv.divergence(g, q, p)
        if math.isinf(want):
            assert got == want
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_generic_path_long_rows_and_batches():
    """Chunking: rows longer than the chunk, and many short rows per chunk."""
    from fdiv import _divergence

    rng = np.random.default_rng(5)
    n = _divergence.GENERIC_CHUNK * 2 + 17
    q, p = rng.random(n), rng.random(n)
    q[::7] = 0.0
    g = fdiv.shift(fdiv.get("js"), 0.0)
    assert fdiv.divergence(g, q, p) == pytest.approx(fdiv.divergence("js", q, p), rel=1e-12)
    qb, pb = rng.random((5000, 30)), rng.random((5000, 30))
    np.testing.assert_allclose(fdiv.divergence(g, qb, pb), fdiv.divergence("js", qb, pb),
                               rtol=1e-12)


def test_dual_is_not_computed_by_swapping():
    """S2 with zeros: D_{f°}(q||p) = D_f(p||q); dual(kl) goes through the generic path with
    f°(x) = x f(1/x) (its f_zero = f'(inf), slope_inf = f(0)), never by swapping q and p."""
    from fdiv._divergence import _exact

    q = np.array([0.0, 0.2, 0.3, 0.5])
    p = np.array([0.1, 0.0, 0.4, 0.5])
    for name in ("kl", "pearson_chi2", "log_trick", "js"):
        f = fdiv.get(name)
        fd = fdiv.dual(f)
        assert _exact(fd) is None
        want = fdiv.divergence(f, p, q)
        got = fdiv.divergence(fd, q, p)
        if math.isinf(want):
            assert got == want
        else:
            assert got == pytest.approx(want, rel=1e-13)


def test_alpha_dual_uses_alpha_kernel():
    """dual(alpha(a)) is the generator alpha(1-a): the exact alpha kernel with 1 - a."""
    from fdiv import _kernels
    from fdiv._divergence import _exact

    kern, a, _ = _exact(fdiv.dual(fdiv.alpha(0.25)))
    assert kern is _kernels.alpha_rows and a == 0.75


def test_transforms_do_not_pick_a_registry_kernel_by_name():
    from fdiv._divergence import _exact

    assert _exact(fdiv.normalized(fdiv.get("gan"))) is None
    assert _exact(fdiv.shift(fdiv.get("kl"), 1.0)) is None
    assert _exact(fdiv.get("kl")) is not None


def test_generic_path_invalid_term_raises():
    """A user generator returning NaN is reported (naming `f`), not summed into a NaN."""
    import dataclasses

    g = fdiv.from_callable(lambda x: (x - 1.0) ** 2, name="chi2ish", f_zero=1.0,
                           slope_inf=math.inf)
    nan_f = dataclasses.replace(
        g.formulas, f=lambda x: np.where(x > 2.0, np.nan, (x - 1.0) ** 2))
    bad = dataclasses.replace(g, name="bad", formulas=nan_f)
    with pytest.raises(ValueError, match="`f`"):
        fdiv.divergence(bad, [3.0, 1.0], [1.0, 1.0])


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("f", ["kl", "tv", "alpha(0.5)", "shift"])
@pytest.mark.parametrize("which", ["q", "p"])
@pytest.mark.parametrize("bad", [-1e-3, math.nan, math.inf, -math.inf])
def test_bad_mass_names_parameter_and_value(f, which, bad):
    g = fdiv.shift(fdiv.get("kl"), 0.5) if f == "shift" else f
    good = np.array([0.25, 0.25, 0.5])
    badv = good.copy()
    badv[1] = bad
    q, p = (badv, good) if which == "q" else (good, badv)
    with pytest.raises(ValueError) as e:
        fdiv.divergence(g, q, p)
    msg = str(e.value)
    assert f"`{which}`" in msg and repr(float(bad)) in msg


def test_bad_mass_in_a_long_batched_input():
    """The kernels note invalid masses in their own pass (also on the threaded path)."""
    q = np.full((3, 200_000), 1e-6)
    p = q.copy()
    p[2, 123_456] = -2.0
    with pytest.raises(ValueError, match=r"`p`.*-2\.0"):
        fdiv.divergence("js", q, p)
    q[0, 7] = math.nan
    with pytest.raises(ValueError, match=r"`q`.*nan"):
        fdiv.divergence("tv", q, p)


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r"`q` and `p`.*\(3,\).*\(2,\)"):
        fdiv.divergence("kl", [1.0, 2.0, 3.0], [1.0, 2.0])


def test_empty_and_non_numeric():
    with pytest.raises(ValueError, match="`q`"):
        fdiv.divergence("kl", [], [])
    with pytest.raises(ValueError, match="`p`"):
        fdiv.divergence("kl", [1.0], ["x"])


@pytest.mark.parametrize("f", ["kullback", "alpha(x)", "alpha(inf)", 3, None, np.log])
def test_unknown_generator_names_f(f):
    with pytest.raises(ValueError) as e:
        fdiv.divergence(f, [1.0], [1.0])
    assert "`f`" in str(e.value) and repr(f)[:20] in str(e.value)
