"""Inputs at the edges of the float range against exact references (Fraction, mpmath).

Each class is checked on several fuzzed inputs, not only on one repro: saturated
discriminators (§3), subnormal products in the λ† / λ* paths (S12, S14), the S17 count,
alpha and conjugate overflow, the generic (dual / normalized / shift / callable) path beyond
the double range, and the mass coercion of every public function.
"""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import fdiv


# --------------------------------------------------------------------------- exact references
def _exact_weights(d, beta, kind):
    """§3 weights by an exact sort-and-scan in rationals: star solves
    Σ (λ − c h_i)_+ = Nβ, dagger Σ (1 − λ c h_i)_+ = Nβ, with h = (1 − d)/d exactly."""
    n = len(d)
    nb = n * F(beta)
    c = 1 - F(beta)
    h = [None if x == 0 else (1 - F(x)) / F(x) for x in d]
    order = sorted((i for i in range(n) if h[i] is not None), key=lambda i: h[i])
    w = [F(0)] * n
    acc = F(0)
    for k, i in enumerate(order, start=1):
        acc += h[i]
        nxt = h[order[k]] if k < len(order) else None
        if kind == "star":
            lam = (nb + c * acc) / k
            if lam > c * h[i] and (nxt is None or lam <= c * nxt):
                for j in order[:k]:
                    w[j] = (lam - c * h[j]) / nb
                return w
        elif acc > 0 and k > nb:
            lam = (k - nb) / (c * acc)
            if lam * c * h[i] < 1 and (nxt is None or lam * c * nxt >= 1):
                for j in order[:k]:
                    w[j] = (1 - lam * c * h[j]) / nb
                return w
    raise AssertionError("no exact root")


def _close(got, exact, rtol=1e-13):
    """Elementwise ``|got − exact| <= rtol (|exact| + max|exact|)``: near-zero entries
    are differences of numbers of the size of the largest one."""
    ex = np.array([float(x) for x in exact])
    scale = np.max(np.abs(ex))
    np.testing.assert_allclose(got, ex, rtol=rtol, atol=rtol * scale)


# --------------------------------------------------------------------------- §3 saturated d
def _saturated_cases(seed, count=40):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(2, 9))
        base = 10.0 ** rng.uniform(-323.5, -250.0, size=n)
        # ties and neighbours of one saturated value, subnormals, and (sometimes) moderate d
        tie = base[0]
        for j in range(1, n):
            u = rng.random()
            if u < 0.4:
                base[j] = tie
            elif u < 0.55:
                base[j] = np.nextafter(tie, 1.0)
            elif u < 0.65:
                base[j] = 2.0 * tie if tie < 1e-300 else tie / 2.0
        if rng.random() < 0.2:
            base[-1] = rng.uniform(0.05, 1.0)
        if rng.random() < 0.2:
            base[int(rng.integers(n))] = 0.0
        if not np.any(base > 0):
            base[0] = 1e-300
        yield base, float(rng.choice([0.1, 0.3, 0.5, 0.9]))


@pytest.mark.parametrize("kind", ["star", "dagger"])
def test_saturated_discriminator_weights_are_exact(kind):
    """§3 with d in [subnormal, 1e-250] (sigmoid of a logit below −575): weights equal
    the exact rational solution (ties share the mass; d = 0 gets none)."""
    assert fdiv.weights_from_discriminator([1e-300, 1e-300], 0.5, kind=kind).w.tolist() == [0.5, 0.5]
    checked = 0
    for d, beta in _saturated_cases(7 if kind == "star" else 8):
        n = d.size
        if kind == "dagger" and (np.count_nonzero(d == 1) >= n * beta
                                 or np.count_nonzero(d > 0) <= n * beta):
            continue
        ref = _exact_weights(d.tolist(), beta, kind)
        try:
            res = fdiv.weights_from_discriminator(d, beta, kind=kind)
        except ValueError as exc:
            # dagger: h ratios beyond the float range (d_i / max d < 1e-290) are refused, said so
            assert kind == "dagger" and "relative to the largest d" in str(exc)
            assert np.min(d[d > 0]) / np.max(d) < 1e-290
            continue
        _close(res.w, ref)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("kind", ["star", "dagger"])
def test_moderate_discriminator_weights_are_exact(kind):
    """§3 on ordinary outputs (incl. d = 1 and d near 1e-12): the same exact reference."""
    rng = np.random.default_rng(21)
    for _ in range(40):
        n = int(rng.integers(2, 12))
        d = rng.choice([0.0, 1.0, 1e-12, 0.5, 0.25], size=n) if rng.random() < 0.3 else rng.random(n)
        d = np.where(rng.random(n) < 0.3, 10.0 ** rng.uniform(-12, 0, n), d)
        beta = float(rng.uniform(0.05, 0.95))
        if not np.any(d > 0):
            continue
        if kind == "dagger" and (np.count_nonzero(d == 1) >= n * beta
                                 or np.count_nonzero(d > 0) <= n * beta):
            continue
        _close(fdiv.weights_from_discriminator(d, beta, kind=kind).w,
               _exact_weights(d.tolist(), beta, kind), rtol=1e-12)


# --------------------------------------------------------------------------- S12 / S14 subnormal products
def _exact_component(a, pm, beta, kind):
    """R*_β / R†_β of the given floats by an exact rational sort-and-scan (S12, S14)."""
    a = [F(x) for x in a]
    pm = [F(x) for x in pm]
    b = F(beta)
    c = 1 - b
    n = len(a)
    if kind == "star":
        idx = sorted((i for i in range(n) if a[i] > 0), key=lambda i: c * pm[i] / a[i])
        sa = sb = F(0)
        for k, i in enumerate(idx):
            sa += a[i]
            sb += c * pm[i]
            lam = (b + sb) / sa
            nxt = idx[k + 1] if k + 1 < len(idx) else None
            if lam * a[i] > c * pm[i] and (nxt is None or lam * a[nxt] <= c * pm[nxt]):
                return [max(lam * a[j] - c * pm[j], F(0)) / b for j in range(n)], lam
    else:
        idx = sorted((i for i in range(n) if a[i] > 0), key=lambda i: c * pm[i] / a[i])
        sa = sb = F(0)
        for k, i in enumerate(idx):
            sa += a[i]
            sb += c * pm[i]
            nxt = idx[k + 1] if k + 1 < len(idx) else None
            if sb == 0 or sa <= b:
                continue
            lam = (sa - b) / sb
            if lam * c * pm[i] < a[i] and (nxt is None or lam * c * pm[nxt] >= a[nxt]):
                return [max(a[j] - lam * c * pm[j], F(0)) / b for j in range(n)], lam
    raise AssertionError("no exact root")


def _tiny_vectors(rng, n):
    """A probability vector whose entries mix ordinary values with tiny and subnormal ones
    (their sum is below the round-off of the ordinary part, so the vector stays normalised)."""
    v = rng.dirichlet(np.ones(n))
    tiny = rng.random(n) < 0.5
    v[tiny] = 10.0 ** rng.uniform(-323.6, -100.0, size=int(tiny.sum()))
    if tiny.all():
        v[0] = 1.0
    else:
        v[~tiny] = v[~tiny] / v[~tiny].sum()
    return v


@pytest.mark.parametrize("kind", ["star", "dagger"])
def test_components_with_subnormal_products_are_exact(kind):
    """S12/S14 where (1 − β) p_model underflows or loses bits: r equals the exact rational
    component of the given floats (and λ to 1e-13 where it is a normal float)."""
    fn = fdiv.r_star if kind == "star" else fdiv.r_dagger
    r = fdiv.r_dagger([1.0, 3.5898240338264754e-137], [1.0, 1.0699788189869429e-179], 1e-300).r
    assert r.tolist() == [0.0, 1.0]
    res = fdiv.r_dagger([0.5, 0.5], [1.0, 5e-324], 0.5)
    assert res.lam == 1.0 and res.r.tolist() == [0.0, 1.0]
    rng = np.random.default_rng(31 if kind == "star" else 32)
    checked = 0
    for _ in range(60):
        n = int(rng.integers(2, 7))
        a, pm = _tiny_vectors(rng, n), _tiny_vectors(rng, n)
        beta = float(rng.choice([1e-300, 1e-200, 1e-20, 0.3, 0.5, 0.9]))
        if kind == "dagger" and float(a[pm == 0].sum()) >= beta:
            continue
        if kind == "dagger" and beta >= float(a.sum()):
            continue
        ref, lam = _exact_component(a.tolist(), pm.tolist(), beta, kind)
        got = fn(a, pm, beta)
        _close(got.r, ref, rtol=1e-12)
        if F(1e-300) < lam < F(1e300):
            assert got.lam == pytest.approx(float(lam), rel=1e-12)
        checked += 1
    assert checked >= 30


# --------------------------------------------------------------------------- S17 exact count
def _s17_fraction(pd, p1, beta):
    """S17 by rationals: T = 1 + max(1, min{k : M (1 − β)^k <= 1}), M = max p1/pd exactly."""
    m = max(F(x) / F(y) for x, y in zip(p1, pd) if y > 0 and x > 0)
    if m <= 1:
        return 1
    c = 1 - F(beta)
    k = 0
    while m * c ** k > 1:
        k += 1
    return 1 + max(1, k)


def _s17_iterate(pd, p1, beta):
    """S17 by running P_{t+1} = (1 − β) P_t + β R*_β(P_t) in exact rationals until P_t = P_d."""
    pd = [F(x) for x in pd]
    pt = [F(x) for x in p1]
    b = F(beta)
    for t in range(1, 200):
        if pt == pd:
            return t
        r, _ = _exact_component(pd, pt, b, "star")
        pt = [(1 - b) * x + b * y for x, y in zip(pt, r)]
    raise AssertionError("no convergence")


def test_s17_count_is_exact_near_ties():
    """S17: ties M (1 − β)^k = 1 ± 1e-9 .. 1e-15 decided exactly (rationals), not by a
    tolerance on float logarithms."""
    assert fdiv.bounds.s17_max_steps([0.125, 0.875], [0.5000000005, 0.4999999995], 0.5) == 4
    rng = np.random.default_rng(41)
    for _ in range(60):
        beta = float(rng.choice([0.5, 0.25, 0.1, 0.3, 0.75]))
        k = int(rng.integers(1, 6))
        q = float(rng.uniform(0.01, 0.9)) * (1 - beta) ** k
        delta = float(rng.choice([0.0, 1.0, -1.0])) * 10.0 ** rng.uniform(-15, -9)
        top = q / (1 - beta) ** k * (1 + delta)
        if top >= 1:
            continue
        pd = [q, 1 - q]
        p1 = [top, 1 - top]
        assert fdiv.bounds.s17_max_steps(pd, p1, beta) == _s17_fraction(pd, p1, beta)


def test_s17_count_equals_exact_iteration():
    """S17 on dyadic probability vectors (exact sums): the count equals the first t with
    P_t = P_d of the exact rational iteration."""
    rng = np.random.default_rng(42)
    for _ in range(15):
        n = int(rng.integers(2, 5))
        pd = rng.integers(1, 64, size=n).astype(float)
        p1 = rng.integers(0, 64, size=n).astype(float)
        pd = (pd / 2.0 ** 6).tolist()
        p1 = (p1 / 2.0 ** 6).tolist()
        pd[-1] = 1.0 - sum(pd[:-1])
        p1[-1] = 1.0 - sum(p1[:-1])
        if pd[-1] <= 0 or p1[-1] < 0:
            continue
        beta = float(rng.choice([0.5, 0.25, 0.75]))
        assert fdiv.bounds.s17_max_steps(pd, p1, beta) == _s17_iterate(pd, p1, beta)


# --------------------------------------------------------------------------- alpha and conjugates
def _mp_alpha_f(a, x):
    import mpmath as mp

    with mp.workdps(60 + int(abs(mp.log10(abs(a) + 2)))):
        A, X = mp.mpf(a), mp.mpf(x)
        return (X ** A - 1 - A * (X - 1)) / (A * (A - 1))


def _mp_alpha_conj(a, t):
    """alpha(a)'s f* in closed form: ((1 + b t)^{a/b} − 1)/a where 1 + b t > 0, b = a − 1;
    for a > 1 and 1 + b t <= 0 the sup is at x -> 0+: −f(0) = −1/a; for a < 1 beyond the
    end +inf (−1/a at the closed end of a < 0)."""
    import mpmath as mp

    with mp.workdps(70 + int(abs(mp.log10(abs(a) + 2))) + (int(max(0, -mp.log10(abs(t)))) if t else 0)):
        A, T = mp.mpf(a), mp.mpf(t)
        B = A - 1
        if A == 1:
            return mp.expm1(T)
        if A == 0:
            return -mp.log1p(-T) if T < 1 else mp.inf
        z = 1 + B * T
        if z > 0:
            return (z ** (A / B) - 1) / A
        if A > 1 or (z == 0 and A < 0):
            return -1 / A
        return mp.inf


def _assert_mp(value, ref, rtol=1e-13):
    import mpmath as mp

    if abs(ref) > mp.mpf("1.7976931348623157e308"):
        assert value == (np.inf if ref > 0 else -np.inf), (value, ref)
    elif abs(ref) < mp.mpf("2.2250738585072014e-308"):  # zero or below the normal range
        assert abs(float(value) - float(ref)) <= 2 * 4.9406564584124654e-324, (value, ref)
    else:
        assert abs((mp.mpf(float(value)) - ref) / ref) <= rtol, (value, float(ref))


def test_alpha_beyond_the_power_range_matches_mpmath():
    """alpha(a) where x^a overflows but f and D_f do not (a L > 709): f and p f(q/p) against
    the 60-digit closed form, on fuzzed a and x (also q/p at 1e-100 / 1e-300 scales)."""
    assert fdiv.divergence("alpha(1000.0)", [2.0370420777057183], [1.0]) == pytest.approx(1.001001001001e303, rel=1e-12)
    rng = np.random.default_rng(51)
    for _ in range(60):
        a = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(0.3, 10))
        if abs(a) < 2 and a < 0:
            continue
        # a log x in (690, 715): x^a overflows about half the time, f itself rarely
        L = rng.uniform(690.0, 715.0) / a
        if abs(L) > 709:
            continue
        x = float(np.exp(L))
        ref = _mp_alpha_f(a, x)
        _assert_mp(fdiv.alpha(a).f(x), ref, rtol=1e-13)
        p = float(rng.choice([1.0, 1e-100, 1e-300]))
        q = x * p
        import mpmath as mp
        refd = mp.mpf(p) * _mp_alpha_f(a, mp.mpf(q) / mp.mpf(p))
        if q > 0 and np.isfinite(q):
            # the kernel's documented error: ~|a|/2 ulp from the rounded ratio q/p (exact when
            # p = 1) plus ~|a L| ulp from e^{a L} (|a L| <= 715 here)
            tol = 2e-13 + (abs(a) * 2.3e-16 if p != 1.0 else 0.0)
            _assert_mp(fdiv.divergence(fdiv.alpha(a), [q], [p]), refd, rtol=tol)


def test_alpha_conjugate_at_extremes_matches_mpmath():
    """f* of alpha(a) at ±1e308, ±huge, tiny and at the domain end, for a across the line
    (closed form at 70+ digits)."""
    assert float(fdiv.alpha(1e10).conjugate(-1e299)) == -1e-10
    assert float(fdiv.alpha(3.0).conjugate(-1e308)) == -1 / 3
    rng = np.random.default_rng(52)
    ts = [s * v for v in (1.7976931348623157e308, 1e308, 1e250, 1e50, 3.0, 0.7, 1e-20, 1e-300, 5e-324)
          for s in (1.0, -1.0)] + [0.0]
    avals = [-1000.0, -3.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0, 3.0, 1000.0, 1e10]
    avals += [float(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-3, 12)) for _ in range(8)]
    for a in avals:
        g = fdiv.alpha(a)
        extra = [float(t) for t in rng.choice(ts, 6)] + [float(g.conjugate_domain[1])] if a < 1 else ts
        for t in (ts + extra if a < 1 else ts):
            if not np.isfinite(t):
                continue
            with np.errstate(all="ignore"):
                v = g.conjugate(np.float64(t))
            _assert_mp(v, _mp_alpha_conj(a, t))


def test_registry_conjugates_at_extremes_match_mpmath():
    """Every registry f* at ±1e308, ±max, ±1e200 and tiny t, against the sup computed from
    the definition in mpmath (tests/fdiv/test_conjugate.py's reference)."""
    from tests.fdiv.test_conjugate import MP_FPRIME, check_conj, ref_conj
    from tests.fdiv.test_registry import MP_F

    assert float(fdiv.get("neyman_chi2").conjugate(-1e308)) == pytest.approx(-2e154, rel=1e-15)
    for name in MP_FPRIME:
        for t in (1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, -1e200, 1e200,
                  -1e-300, 5e-324):
            with np.errstate(all="ignore"):
                v = fdiv.get(name).conjugate(np.float64(t))
            check_conj(v, ref_conj(MP_F[name], MP_FPRIME[name], t), (name, t))


# --------------------------------------------------------------------------- generic path, extreme ratios
_NAMES = ["kl", "reverse_kl", "tv", "js", "squared_hellinger", "pearson_chi2", "neyman_chi2",
          "jeffreys", "triangular", "gan", "log_trick"]


def _extreme_pairs(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, 5))
        q = 10.0 ** rng.uniform(-320, 300, n)
        p = 10.0 ** rng.uniform(-320, 300, n)
        q[rng.random(n) < 0.15] = 0.0
        p[rng.random(n) < 0.15] = 0.0
        yield q, p


def _mp_value(x):
    import mpmath as mp

    return mp.inf if x == np.inf else (-mp.inf if x == -np.inf else mp.mpf(x))


def test_dual_shift_normalized_beyond_the_double_range_match_mpmath():
    """S2 / S4 on the generic transforms with q/p far outside the double range: dual(f)
    equals D_f with the arguments swapped, shift(f, c) equals D_f + c (Σq − Σp) (60-digit
    references), never a spurious inf."""
    import mpmath as mp

    from tests.fdiv._divergence_reference import reference

    assert fdiv.divergence(fdiv.dual(fdiv.get("kl")), [1e-300, 1.0], [1e250, 1.0]) == pytest.approx(
        float(reference("kl", [1e250, 1.0], [1e-300, 1.0])), rel=1e-13)
    for k, (q, p) in enumerate(_extreme_pairs(61, 60)):
        name = _NAMES[k % len(_NAMES)]
        g = fdiv.get(name)
        ref = _mp_value(reference(name, p, q))
        got = fdiv.divergence(fdiv.dual(g), q, p)
        if abs(ref) == mp.inf or abs(ref) > 1.7976931348623157e308:
            assert got == float(ref if abs(ref) == mp.inf else mp.sign(ref) * mp.inf)
        else:
            assert abs(got - ref) <= 1e-13 * abs(ref) + 1e-300, (name, q, p, got, ref)
        c = float(np.random.default_rng(k).choice([-2.5, 0.5, 3.0]))
        for h, cc in ((fdiv.shift(g, c), c), (fdiv.normalized(g), -g.f_one_prime)):
            base = _mp_value(reference(name, q, p))
            with mp.workdps(700):
                delta = mp.mpf(cc) * (mp.fsum(mp.mpf(float(v)) for v in q) - mp.fsum(mp.mpf(float(v)) for v in p))
                want = base + delta
            got = fdiv.divergence(h, q, p)
            if abs(want) == mp.inf or abs(want) > 1.7976931348623157e308:
                assert got == float(mp.sign(want) * mp.inf), (name, q, p, got, want)
            else:
                assert abs(got - want) <= 1e-13 * (abs(base) + abs(delta)) + 1e-300, (name, q, p, got, want)


def test_from_callable_beyond_the_double_range_is_exact_or_refused():
    """A user's f where q/p leaves the double range: the value agrees with the 60-digit
    reference (to the documented 1e-15 × mass where a limit replaces f), or a ValueError
    names q/p and says why; never a wrong plausible number."""
    import mpmath as mp

    from tests.fdiv._divergence_reference import reference

    funcs = {
        "kl": lambda x: x * np.log(x),
        "tv": lambda x: np.abs(x - 1.0),
        "squared_hellinger": lambda x: (np.sqrt(x) - 1.0) ** 2,
        "reverse_kl": lambda x: -np.log(x),
        "triangular": lambda x: (x - 1.0) * ((x - 1.0) / (x + 1.0)),
    }
    refused = 0
    for k, (q, p) in enumerate(_extreme_pairs(62, 50)):
        name = list(funcs)[k % len(funcs)]
        g = fdiv.from_callable(funcs[name], name=f"user_{name}")
        ref = _mp_value(reference(name, q, p))
        try:
            got = fdiv.divergence(g, q, p)
        except ValueError as exc:
            assert "`q`/`p`" in str(exc) and "floating point" in str(exc)
            refused += 1
            continue
        if abs(ref) == mp.inf or abs(ref) > 1.7976931348623157e308:
            assert got == np.inf, (name, q, p, got, ref)
        else:
            mass = float(np.sum(p) + np.sum(q))
            assert abs(got - ref) <= 1e-12 * abs(ref) + 1e-14 * mass, (name, q, p, got, ref)
    assert refused < 50


# --------------------------------------------------------------------------- from_callable convexity
def test_from_callable_refuses_non_convex_beyond_1e8():
    """Non-convex only beyond the old [1e-8, 1e8] grid: refused, naming the checked range."""
    rng = np.random.default_rng(81)
    for _ in range(6):
        knee = 10.0 ** rng.uniform(8.5, 250)
        s0 = np.log(knee) + 1

        def f(x, knee=knee, s0=s0):
            x = np.asarray(x, dtype=float)
            lin = knee * np.log(knee) + s0 * (x - knee)
            # past the knee: x log x bends back (concave) below its tangent line
            return np.where(x < knee, x * np.log(x), lin - 0.5 * s0 * knee * np.log1p((x - knee) / knee))
        with pytest.raises(ValueError, match=r"`fn` is not convex \(checked on \[1e-300, "):
            fdiv.from_callable(f, name="bent")
    for lo in (1e-12, 1e-100, 1e-250):  # 1/x, but flatter than 1/x below lo: a kink against convexity
        def h(x, lo=lo):
            x = np.asarray(x, dtype=float)
            return np.where(x > lo, 1.0 / x, 1.0 / lo - 0.5 * ((x - lo) / lo) / lo)
        with pytest.raises(ValueError, match="not convex"):
            fdiv.from_callable(h, name="kinked")


def test_non_convex_between_check_points_cannot_give_a_negative_divergence():
    """A dent narrower than the check grid passes from_callable, but D_f below Jensen's bound
    (here negative for probability vectors, which no convex f with f(1) = 0 allows) is refused
    by divergence; values that respect the bound are unaffected."""
    rng = np.random.default_rng(82)
    refused = 0
    for _ in range(8):
        c = float(rng.uniform(1.5, 6.0))
        depth = float(rng.uniform(5.0, 50.0))

        def f(x, c=c, depth=depth):
            x = np.asarray(x, dtype=float)
            return (x - 1.0) ** 2 - depth * np.exp(-(((x - c) / 1e-9) ** 2))
        g = fdiv.from_callable(f, name="dent")
        a = float(rng.uniform(0.05, 0.9 / c))
        p = np.array([a, 1 - a])
        q = np.array([c * a, 1 - c * a])
        assert q[0] / p[0] == pytest.approx(c, rel=1e-15)
        true = a * f(q[0] / p[0]) + (1 - a) * f(q[1] / p[1])
        if true < -1e-9:
            with pytest.raises(ValueError, match=r"`f` \(dent\) is not convex.*Jensen"):
                fdiv.divergence(g, q, p)
            refused += 1
        assert fdiv.divergence(g, [0.3, 0.7], [0.6, 0.4]) == pytest.approx(
            0.6 * 0.25 + 0.4 * 0.5625, rel=1e-12)
    assert refused >= 4
