"""proofs_check.strategies construct instances that satisfy the theorems' assumptions."""
import numpy as np
import pytest
from hypothesis import given

import fdiv
from proofs_check import strategies as pcs


@given(pcs.probability_vectors())
def test_probability_vectors(p):
    assert p.ndim == 1 and 1 <= p.size <= pcs.MAX_SUPPORT
    assert np.all(p >= 0) and abs(p.sum() - 1) < 1e-12
    assert p[p > 0].min() >= pcs.MIN_MASS


@given(pcs.probability_vectors(zeros=False))
def test_probability_vectors_without_zeros(p):
    assert np.all(p > 0)


@given(pcs.distribution_pairs(normalized=False))
def test_measure_pairs(qp):
    q, p = qp
    assert q.shape == p.shape and q.sum() > 0 and p.sum() > 0 and np.all(q >= 0) and np.all(p >= 0)


@given(pcs.disjoint_pairs())
def test_disjoint_pairs(qp):
    q, p = qp
    assert np.all(q * p == 0) and abs(q.sum() - 1) < 1e-12 and abs(p.sum() - 1) < 1e-12


@given(pcs.absolutely_continuous_pairs())
def test_absolutely_continuous(pair):
    p_model, p_data = pair
    assert np.all(p_model[p_data == 0] == 0) and abs(p_model.sum() - 1) < 1e-12


@given(pcs.mixture_instances())
def test_feasible_mixture_instances(m):
    assert m.feasible and 0 < m.beta <= pcs.MAX_BETA
    assert np.all(m.beta * m.r <= m.p_data * (1 + 1e-12))
    for v in (m.p_data, m.p_model, m.q, m.r):
        assert abs(v.sum() - 1) < 1e-12


@given(pcs.dagger_instances())
def test_dagger_instances(d):
    assert d.missed == d.p_data[d.p_model == 0].sum()
    assert d.missed < d.beta < 1


@given(pcs.fdivergences(hilbertian=True))
def test_fdivergences_filters(f):
    assert f.hilbertian and float(np.asarray(f.f(np.array([1.0])))[0]) == 0.0


def test_fdivergences_cover_the_registry():
    seen = set()

    @given(pcs.fdivergences(f1_zero=None, alpha=False))
    def collect(f):
        seen.add(f.name)

    collect()
    assert seen <= set(fdiv.names()) and {"gan", "log_trick"} & seen


@given(pcs.distribution_pairs(3), pcs.distribution_pairs(n=5, normalized=False))
def test_distribution_pairs_of_a_given_size(a, b):
    assert a[0].shape == a[1].shape == (3,) and b[0].shape == b[1].shape == (5,)


@pytest.mark.parametrize("build, message", [
    (lambda: pcs.distribution_pairs(0), "`n` must be an integer >= 1; got 0"),
    (lambda: pcs.measures(-2), "`n` must be an integer >= 1; got -2"),
    (lambda: pcs.probability_vectors(2.5), "`n` must be an integer >= 1; got 2.5"),
    (lambda: pcs.probability_vectors(min_size=5, max_size=2), "`min_size` must be <= `max_size`; got 5 > 2"),
    (lambda: pcs.sizes(0), "`min_size` must be an integer >= 1; got 0"),
    (lambda: pcs.absolutely_continuous_pairs(max_size=True), "`max_size` must be an integer >= 1; got True"),
    (lambda: pcs.disjoint_pairs(max_size=1), "`max_size` must be an integer >= 2; got 1"),
    (lambda: pcs.dagger_instances(max_size=0), "`max_size` must be an integer >= 1; got 0"),
    (lambda: pcs.betas(0.0), "`min_value` must be a number in (0, 1]; got 0.0"),
    (lambda: pcs.betas(0.5, 0.25), "`min_value` must be <= `max_value`; got 0.5 > 0.25"),
    (lambda: pcs.mixture_instances(max_beta=1.5), "`max_beta` must be a number in (0, 1]; got 1.5"),
])
def test_bad_arguments_are_refused_when_the_strategy_is_built(build, message):
    # before the check, these failed only at the first draw, with an IndexError or
    # hypothesis's InvalidArgument from inside the strategy (or drew nothing)
    with pytest.raises(ValueError) as e:
        build()
    assert str(e.value) == message


def test_unknown_keyword_names_the_strategy():
    with pytest.raises(TypeError, match=r"^distribution_pairs\(\): got an unexpected keyword argument 'size'"):
        pcs.distribution_pairs(size=4)
