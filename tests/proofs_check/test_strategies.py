"""proofs_check.strategies construct instances that satisfy the theorems' assumptions."""
import numpy as np
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
