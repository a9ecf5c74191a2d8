"""R*_β, R†_β and the AdaGAN weights for tiny β, against exact rational arithmetic.

The reference solves the mass equations of S12 / S14 / THEORY §3 exactly on the given floats
(``fractions.Fraction``: the inputs, β and ``1 − β`` are exact rationals there), so it checks
the floating-point code independently of its own formulas. Tolerance: ``RTOL = 1e-13`` on
each entry relative to the largest entry (entries are differences of terms of that size; a
few ulps of it is the best a float result can promise), and the mass residual ``Σ r − 1``
at round-off (``64 n ε``).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import fdiv

RTOL = 1e-13
EPS = np.finfo(float).eps
BETAS = (1e-300, 1e-200, 1e-100, 1e-30, 1e-16, 1e-12, 1e-8, 1e-3, 0.3)


def _root(a, b, target, dagger):
    """Exact λ of Σ (λ a − b)_+ = target (star) or Σ (a − λ b)_+ = target (dagger)."""
    pts = sorted({bi / ai for ai, bi in zip(a, b) if ai > 0 and bi is not None})
    # the root lies on the piece whose active set is {t < x}; scan candidate sets
    cands = [pts[0] - 1] + [(pts[i] + pts[i + 1]) / 2 for i in range(len(pts) - 1)] + [pts[-1] + 1]
    for x in cands if not dagger else cands:
        act = [i for i, (ai, bi) in enumerate(zip(a, b)) if ai > 0 and bi is not None and bi / ai < x]
        if not act:
            continue
        A = sum(a[i] for i in act)
        B = sum(b[i] for i in act)
        lam = (target + B) / A if not dagger else ((A - target) / B if B else None)
        if lam is None or lam <= 0:
            continue
        ok = all(((lam * ai - bi > 0) if not dagger else (ai - lam * bi > 0)) == (i in act)
                 for i, (ai, bi) in enumerate(zip(a, b)) if ai > 0 and bi is not None)
        if ok:
            return lam
    raise AssertionError("no exact root found")


def _exact_component(a, b, target, scale, dagger):
    lam = _root(a, b, target, dagger)
    out = []
    for ai, bi in zip(a, b):
        if bi is None or ai == 0:
            out.append(Fraction(0))
            continue
        v = lam * ai - bi if not dagger else ai - lam * bi
        out.append(max(v, Fraction(0)) / scale)
    return lam, out


def _check(got, ref):
    ref_f = np.array([float(x) for x in ref])
    scale = max(ref_f.max(), np.finfo(float).tiny)
    np.testing.assert_allclose(got, ref_f, rtol=0, atol=RTOL * scale)
    assert np.all(got[ref_f == 0] == 0.0)


def _cases():
    rng = np.random.default_rng(1201)
    out = [(np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.1, 0.1, 0.2, 0.6]))]
    for _ in range(6):  # held-out random pairs, zeros on both sides
        a = rng.gamma(0.5, size=7)
        m = rng.gamma(0.5, size=7)
        a[rng.random(7) < 0.15] = 0.0
        m[rng.random(7) < 0.15] = 0.0
        out.append((a / a.sum(), m / m.sum()))
    a = rng.random(6)
    a /= a.sum()
    out.append((a, a.copy()))  # every ratio tied
    m = a.copy()
    m[1] = np.nextafter(m[1], 1.0)  # one ratio one ulp above a tie
    m[2] = np.nextafter(m[2], 0.0)
    out.append((a, m))
    return out


CASES = _cases()


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_r_star_tiny_beta_exact(case, beta):
    a, m = CASES[case]
    res = fdiv.r_star(a, m, beta)
    fa = [Fraction(float(x)) for x in a]
    fb = [(1 - Fraction(beta)) * Fraction(float(x)) for x in m]
    lam, ref = _exact_component(fa, fb, Fraction(beta), Fraction(beta), False)
    _check(res.r, ref)
    assert res.residual <= 64 * a.size * EPS
    assert res.lam == pytest.approx(float(lam), rel=1e-13)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_r_dagger_tiny_beta_exact(case, beta):
    a, m = CASES[case]
    if a[m == 0].sum() >= beta:
        with pytest.raises(ValueError, match="beta"):
            fdiv.r_dagger(a, m, beta)
        return
    res = fdiv.r_dagger(a, m, beta)
    fa = [Fraction(float(x)) for x in a]
    fb = [(1 - Fraction(beta)) * Fraction(float(x)) for x in m]
    lam, ref = _exact_component(fa, fb, Fraction(beta), Fraction(beta), True)
    _check(res.r, ref)
    assert res.residual <= 64 * a.size * EPS


def test_example_all_mass_on_smallest_ratio():
    """β = 1e-300 on the documented example: all mass on the smallest ratio p_model/p_data."""
    r = fdiv.r_star([0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.2, 0.6], 1e-300)
    assert r.r.tolist() == [1.0, 0.0, 0.0, 0.0] and r.residual == 0.0
    r = fdiv.r_dagger([0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.2, 0.6], 1e-300)
    assert r.r.tolist() == [1.0, 0.0, 0.0, 0.0] and r.residual == 0.0


D_CASES = (
    np.array([0.9, 0.5, 0.3, 0.1]),
    np.array([1.0, 0.75, 0.75, 0.5, 0.0, 0.25]),
    np.random.default_rng(7).random(9),
    np.array([0.3, np.nextafter(0.3, 1.0), 0.2, 0.6]),
)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("case", range(len(D_CASES)))
@pytest.mark.parametrize("kind", ["star", "dagger"])
def test_weights_tiny_beta_exact(kind, case, beta):
    d = D_CASES[case]
    n = d.size
    ones = int(np.sum(d == 1.0))
    if kind == "dagger" and (ones >= n * beta or int(np.sum(d > 0)) < n * beta):
        with pytest.raises(ValueError):
            fdiv.weights_from_discriminator(d, beta, kind)
        return
    res = fdiv.weights_from_discriminator(d, beta, kind)
    fb = [(1 - Fraction(beta)) * (1 - Fraction(float(x))) / Fraction(float(x)) if x > 0 else None
          for x in d]
    nb = n * Fraction(beta)
    _, ref = _exact_component([Fraction(1)] * n, fb, nb, nb, kind == "dagger")
    _check(res.w, ref)
    assert res.residual <= 64 * n * EPS


@pytest.mark.parametrize("seed", range(30))
def test_random_held_out_instances(seed):
    """Random sizes, supports with zeros and tied ratios, β log-uniform in [1e-300, 1]."""
    rng = np.random.default_rng(10_000 + seed)
    n = int(rng.integers(2, 16))
    a = rng.gamma(0.3, size=n)
    m = rng.gamma(0.3, size=n)
    a[rng.random(n) < 0.2] = 0.0
    m[rng.random(n) < 0.2] = 0.0
    if n > 3:  # exact ties of the ratio m/a
        m[1], a[1] = 2 * m[0], 2 * a[0]
    if a.sum() == 0 or m.sum() == 0:
        a[0] = m[0] = 1.0
    a, m = a / a.sum(), m / m.sum()
    beta = float(10.0 ** rng.uniform(-300, 0))
    fa = [Fraction(float(x)) for x in a]
    fb = [(1 - Fraction(beta)) * Fraction(float(x)) for x in m]
    res = fdiv.r_star(a, m, beta)
    _check(res.r, _exact_component(fa, fb, Fraction(beta), Fraction(beta), False)[1])
    assert res.residual <= 64 * n * EPS
    if a[m == 0].sum() < beta and beta < 1.0:
        res = fdiv.r_dagger(a, m, beta)
        _check(res.r, _exact_component(fa, fb, Fraction(beta), Fraction(beta), True)[1])
        assert res.residual <= 64 * n * EPS
    d = rng.random(n)
    d[rng.random(n) < 0.2] = 0.0
    d[0] = max(d[0], 0.5)
    res = fdiv.weights_from_discriminator(d, beta)
    fh = [(1 - Fraction(beta)) * (1 - Fraction(float(x))) / Fraction(float(x)) if x > 0 else None
          for x in d]
    nb = n * Fraction(beta)
    _check(res.w, _exact_component([Fraction(1)] * n, fh, nb, nb, False)[1])
