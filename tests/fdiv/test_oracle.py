"""Oracle AdaGAN (fdiv.oracle_adagan): S16 contraction, S17 exact finite-step count and
rates, S18 with imperfect (γ-weak) components (docs/theory.md §2)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import fdiv
from fdiv import bounds

#: one-sided tolerance of a per-step inequality, relative to the larger side: divergences are
#: accurate to ~1e-15 relative and the model update adds a few ulps per step.
TOL = 1e-11

NORMALISED = ["kl", "reverse_kl", "tv", "js", "squared_hellinger", "pearson_chi2", "triangular"]
HILBERTIAN = ["js", "tv", "squared_hellinger", "triangular"]


def _times(c, x):
    """c·x with 0·inf := 0 (docs/theory.md §0)."""
    return 0.0 if c == 0 else c * x


def _le(a, b):
    """a ≤ b up to TOL relative (inf ≤ inf holds)."""
    if math.isinf(b) and b > 0:
        return True
    return a <= b + TOL * max(1.0, abs(a), abs(b))


@st.composite
def bounded_ratio(draw):
    """(p_data, p_init) with P_1 ≪ P_d (zeros of p_data are zeros of p_init): bounded ratio."""
    n = draw(st.integers(2, 8))
    pd = np.array(draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1.0)), min_size=n, max_size=n)))
    if pd.sum() == 0:
        pd[0] = 1.0
    pd /= pd.sum()
    p1 = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))) * (pd > 0)
    if p1.sum() == 0:
        p1 = pd.copy()
    return pd, p1 / p1.sum()


schedules = st.one_of(
    # β within 1e-9 of 1 is read as 1: R† needs β < sum(p_data), which round-off can break
    st.builds(lambda b: fdiv.beta_schedule("constant", beta=1.0 if b > 1 - 1e-9 else b), st.floats(0.05, 1.0)),
    st.just(fdiv.beta_schedule("boosted")),
)


# --------------------------------------------------------------------------- S16, S17
@pytest.mark.parametrize("fname", NORMALISED)
@given(inst=bounded_ratio(), schedule=schedules)
def test_contraction_every_step_star(fname, inst, schedule):
    """S16 per step, D_t ≤ (1 − β_t) D_{t−1}, and S17's rate D_T ≤ Π(1 − β_t) D_1 (R*)."""
    pd, p1 = inst
    run = fdiv.oracle_adagan(pd, p1, fname, schedule=schedule, steps=6)
    d = run.divergences
    for t in range(1, d.size):
        assert _le(d[t], _times(1 - run.betas[t - 1], d[t - 1])), (t, d)
    assert _le(d[-1], _times(bounds.s17_rate(schedule, d.size), d[0]))
    assert np.all(run.lams <= 1 + 1e-12)


@pytest.mark.parametrize("fname", NORMALISED)
@given(inst=bounded_ratio(), schedule=schedules)
def test_contraction_every_step_dagger(fname, inst, schedule):
    """S16 with R† (p_init > 0 on supp P_d, so S14's assumption P_d(p_g = 0) = 0 < β holds at
    every step): D_t ≤ (1 − β_t) D_{t−1}; λ† ≥ 1."""
    pd, p1 = inst
    p1 = 0.5 * p1 + 0.5 * pd  # full support on supp P_d: P_d(p_g = 0) = 0 < β
    run = fdiv.oracle_adagan(pd, p1, fname, schedule=schedule, steps=6, component="dagger")
    d = run.divergences
    for t in range(1, d.size):
        assert _le(d[t], _times(1 - run.betas[t - 1], d[t - 1])), (t, d)
    # λ† = (A − β)/B with B ∝ 1 − β: round-off amplified by 1/(1 − β)
    assert np.all(run.lams >= 1 - 1e-13 / np.maximum(1 - run.betas, 1e-300))


@given(inst=bounded_ratio(), beta=st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1.0]))
def test_s17_finite_steps_exact(inst, beta):
    """S17: with constant β and P_1 ≪ P_d, P_t = P_d first at t = s17_max_steps (the count is
    met exactly) and stays there."""
    pd, p1 = inst
    on = pd > 0
    ratio = np.max(p1[on] / pd[on])
    if beta < 1 and ratio > 1:
        x = math.log(ratio) / -math.log1p(-beta)
        assume(abs(x - round(x)) > 1e-6)  # ties (1−β)^k M = 1 are decided by round-off
    T = bounds.s17_max_steps(pd, p1, beta)
    assume(T <= 60)
    run = fdiv.oracle_adagan(pd, p1, "js", schedule=fdiv.beta_schedule("constant", beta=beta), steps=T + 2)
    assert run.reached_at == T
    assert all(d == pytest.approx(0.0, abs=1e-14) for d in run.divergences[T - 1:])
    assert all(d > 0 for d in run.divergences[: T - 1])


def test_s17_example():
    """M = 4, β = 1/2: P_1, P_2 differ from P_d, P_3 = P_d (1 + log 4 / log 2 = 3)."""
    pd, p1 = np.array([0.25, 0.75]), np.array([1.0, 0.0])
    run = fdiv.oracle_adagan(pd, p1, "kl", schedule=0.5, steps=4)
    assert run.reached_at == bounds.s17_max_steps(pd, p1, 0.5) == 3
    np.testing.assert_allclose(run.models[1], [0.5, 0.5], rtol=1e-15)
    np.testing.assert_allclose(run.models[2], pd, rtol=1e-15)


def test_not_absolutely_continuous_never_reaches():
    """P_1 not ≪ P_d: the mass off supp P_d is multiplied by (1 − β) per step but never
    removed (S13), so P_d is never reached; JS still contracts at S16's rate."""
    pd = np.array([0.5, 0.5, 0.0])
    p1 = np.array([0.2, 0.2, 0.6])
    run = fdiv.oracle_adagan(pd, p1, "js", schedule=0.5, steps=20)
    assert run.reached_at is None
    np.testing.assert_allclose([m[2] for m in run.models], 0.6 * 0.5 ** np.arange(21), rtol=1e-13)
    assert math.isinf(fdiv.oracle_adagan(pd, p1, "kl", schedule=0.5, steps=3).divergences[-1])


def test_boosted_rate():
    """S17 'otherwise': with β_t = 1/t the divergence is at most D_1 / T."""
    rng = np.random.default_rng(4)
    pd = rng.dirichlet(np.ones(50))
    p1 = rng.dirichlet(np.ones(50) * 0.2)
    run = fdiv.oracle_adagan(pd, p1, "squared_hellinger", schedule=fdiv.beta_schedule("boosted"), steps=15)
    T = np.arange(1, 17)
    assert np.all(run.divergences <= run.divergences[0] / T * (1 + 1e-12))
    np.testing.assert_allclose(run.betas, 1 / T[1:], rtol=1e-15)


# --------------------------------------------------------------------------- S18
@pytest.mark.parametrize("fname", HILBERTIAN)
@pytest.mark.parametrize("gamma", [0.0, 0.02, 0.2, 1.0])
def test_s18_weak_star(fname, gamma):
    """S18 (Hilbertian f, R*): with D_f(Q_t‖R*) = γ_t D_{t−1}, D_t ≤ c_hilbertian(γ_t, β_t) D_{t−1};
    the requested γ is met (to the bisection's resolution) when reachable."""
    rng = np.random.default_rng([5, int(gamma * 100)])
    pd = rng.dirichlet(np.ones(12))
    p1 = rng.dirichlet(np.ones(12) * 0.3)
    for schedule in (fdiv.beta_schedule("constant", beta=0.3), fdiv.beta_schedule("boosted")):
        run = fdiv.oracle_adagan(pd, p1, fname, schedule=schedule, steps=8, gamma=gamma)
        d = run.divergences
        for t in range(1, d.size):
            c = bounds.c_hilbertian(run.gammas[t - 1], run.betas[t - 1])
            assert _le(d[t], _times(c, d[t - 1])), (t, d, run.gammas)
        assert np.all(run.gammas >= gamma * (1 - 1e-9))
        reachable = run.gammas < 10 * gamma + 1
        np.testing.assert_allclose(run.gammas[reachable], gamma, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("fname", NORMALISED)
@pytest.mark.parametrize("gamma", [0.05, 0.5])
def test_s18_weak_dagger(fname, gamma):
    """S18 (R†, any f): D_t ≤ (1 − β_t(1 − γ_t)) D_{t−1} with the achieved γ_t."""
    rng = np.random.default_rng([6, int(gamma * 100)])
    pd = rng.dirichlet(np.ones(10))
    p1 = rng.dirichlet(np.ones(10))
    run = fdiv.oracle_adagan(pd, p1, fname, schedule=0.4, steps=8, component="dagger", gamma=gamma,
                             rng=np.random.default_rng(1))
    d = run.divergences
    for t in range(1, d.size):
        assert _le(d[t], _times(bounds.c_dagger(run.gammas[t - 1], run.betas[t - 1]), d[t - 1])), (t, d)


def test_weak_component_unreachable_gamma_uses_vertex():
    """γ above D_f(δ_j‖R)/D: Q = δ_j and the achieved γ (recorded) is below the request."""
    pd = np.array([0.5, 0.5])
    p1 = np.array([0.9, 0.1])
    run = fdiv.oracle_adagan(pd, p1, "tv", schedule=0.5, steps=1, gamma=1e6)
    assert run.gammas[0] < 1e6


def test_rng_reproducible():
    rng = np.random.default_rng(8)
    pd, p1 = rng.dirichlet(np.ones(9)), rng.dirichlet(np.ones(9))
    a = fdiv.oracle_adagan(pd, p1, "js", schedule=0.3, steps=4, gamma=0.1, rng=3)
    b = fdiv.oracle_adagan(pd, p1, "js", schedule=0.3, steps=4, gamma=0.1, rng=3)
    np.testing.assert_array_equal(a.divergences, b.divergences)


# --------------------------------------------------------------------------- callable, results
def test_callable_component():
    """A user component Q = P_d with constant β = 1 reaches P_d at t = 2; λ is NaN (none exists)."""
    pd = np.array([0.1, 0.2, 0.7])
    run = fdiv.oracle_adagan(pd, [0.7, 0.2, 0.1], "kl", schedule=1.0, steps=3,
                             component=lambda p_data, p_model, beta: p_data)
    assert run.reached_at == 2
    assert np.all(np.isnan(run.lams)) and np.all(np.isnan(run.gammas))


def test_trajectory_shapes_and_frozen():
    run = fdiv.oracle_adagan([0.5, 0.5], [0.9, 0.1], "js", schedule=0.2, steps=5)
    assert run.divergences.shape == (6,) and len(run.models) == 6
    assert run.betas.shape == run.lams.shape == run.gammas.shape == (5,)
    np.testing.assert_array_equal(run.models[0], [0.9, 0.1])
    with pytest.raises(ValueError):
        run.models[1][0] = 0.0
    with pytest.raises(ValueError):
        run.divergences[0] = 0.0
    with pytest.raises(AttributeError):
        run.reached_at = 1


def test_dagger_beta_within_roundoff_of_one():
    """R† needs β < Σ p_data: [0.7, 0.2, 0.1] sums to 1 − 2^-53 in floating point, so
    β = 1 − 2^-53 has no root for these floats and raises (β = 1 is fine)."""
    pd = np.array([0.7, 0.2, 0.1])
    beta = float(np.nextafter(1.0, 0.0))
    assert float(pd.sum()) == beta
    with pytest.raises(ValueError, match="beta < sum"):
        fdiv.r_dagger(pd, pd, beta)
    assert fdiv.r_dagger(pd, pd, 1.0).lam == 1.0


def test_dagger_assumption_failure_names_the_step():
    with pytest.raises(ValueError, match=r"step t = 2.*missed mass"):
        fdiv.oracle_adagan([0.5, 0.5], [1.0, 0.0], "kl", schedule=0.3, steps=2, component="dagger")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(schedule=0.5, steps=0), "steps"),
        (dict(schedule=0.5, steps=2, component="best"), "component"),
        (dict(schedule=0.5, steps=2, component=lambda a, b, c: a, gamma=0.1), "gamma"),
        (dict(schedule=0.5, steps=2, gamma=-1.0), "gamma"),
        (dict(schedule=0.5, steps=2, gamma=float("inf")), "gamma"),
        (dict(schedule="boosted", steps=2), "schedule"),
        (dict(schedule=1.5, steps=2), "beta"),
        (dict(schedule=0.5, steps=2, component=lambda a, b, c: np.array([0.7, 0.7])), "component output"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fdiv.oracle_adagan([0.5, 0.5], [0.9, 0.1], "js", **kwargs)


def test_gamma_needs_f_one_zero():
    with pytest.raises(ValueError, match=r"f\(1\) = 0"):
        fdiv.oracle_adagan([0.5, 0.5], [0.9, 0.1], "gan", schedule=0.5, steps=1, gamma=0.1)


@pytest.mark.parametrize("rng", ["x", -1, 1.5, True])
def test_bad_rng_is_rejected_with_or_without_gamma(rng):
    """``rng`` is checked even where it is not used (gamma None: the deterministic vertex);
    it was accepted silently there, and a negative seed raised NumPy's message without the name."""
    pd, p1 = np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.25, 0.25])
    for gamma in (None, 0.5):
        with pytest.raises(ValueError, match="`rng` must be"):
            fdiv.oracle_adagan(pd, p1, "kl", schedule=fdiv.ConstantSchedule(0.3), steps=2, gamma=gamma, rng=rng)
