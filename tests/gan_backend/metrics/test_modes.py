"""The mode metric (gan_backend.metrics.modes) against a scorer written from the definitions
(pure Python loops, no toolkit code), and against analytic values on the data itself."""
import math

import numpy as np
import pytest

from gan_backend.engine.datasets import make_dataset
from gan_backend.metrics.modes import MIN_COUNT, N_SAMPLES, PUBLISHED, mode_metrics


def _independent_score(samples, means, std):
    """Modes (>= 20 HQ of 2,500, scaled), modes (>= 1 HQ), HQ share, KL(q || uniform)."""
    k = len(means)
    counts = [0] * k
    hq = 0
    for x, y in samples.tolist():
        best, best_d = None, math.inf
        for j, (mx, my) in enumerate(means.tolist()):
            dd = math.hypot(x - mx, y - my)
            if dd < best_d:
                best, best_d = j, dd
        if best_d <= 3 * std:
            hq += 1
            counts[best] += 1
    need = 20 * len(samples) / 2500
    total = sum(counts)
    kl = sum(c / total * math.log(k * c / total) for c in counts if c) if total else math.inf
    return sum(c >= need for c in counts), sum(c >= 1 for c in counts), hq / len(samples), kl


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_against_independent_scorer(name):
    rng = np.random.default_rng(21)
    d = make_dataset(name, 10, geometry="pacgan", rng=0)
    k = d.modes
    # an unbalanced model: mode weights ~ Dirichlet, some modes nearly empty, wider spread
    # than the data (some samples outside 3 std) and 10% background points
    p = rng.dirichlet(np.full(k, 0.3))
    lab = rng.choice(k, size=2250, p=p)
    pts = d.means[lab] + 1.8 * d.std * rng.standard_normal((2250, 2))
    bg = rng.uniform(d.means.min() - 0.5, d.means.max() + 0.5, size=(250, 2))
    x = np.concatenate([pts, bg])
    m = mode_metrics(x, d.means, d.std)
    modes, modes_any, hq, kl = _independent_score(x, d.means, d.std)
    assert (m.modes, m.modes_any) == (modes, modes_any)
    assert m.hq == pytest.approx(hq, abs=1e-15) and m.reverse_kl == pytest.approx(kl, rel=1e-12)
    assert 0 < m.modes < k or name == "ring"  # the case is not degenerate
    assert m.threshold == MIN_COUNT and m.n == N_SAMPLES


def test_data_itself_scores_all_modes_with_analytic_hq():
    """Samples of the data: every mode (100 expected per grid mode >> 20), HQ share
    P(|N(0, I_2)| <= 3) = 1 - exp(-9/2) = 0.98889 within 4 binomial standard errors,
    reverse KL near 0 (multinomial noise: E KL ~ (K - 1)/(2 n_HQ) = 0.005)."""
    p = 1 - math.exp(-4.5)
    for name in ("ring", "grid"):
        d = make_dataset(name, N_SAMPLES, geometry="pacgan", rng=5)
        m = mode_metrics(d.x, d.means, d.std)
        assert m.modes == m.modes_any == d.modes
        assert abs(m.hq - p) < 4 * math.sqrt(p * (1 - p) / N_SAMPLES)
        assert m.reverse_kl < 0.03


def test_collapsed_and_empty_models():
    d = make_dataset("grid", 10, geometry="pacgan", rng=0)
    one = np.tile(d.means[3], (2500, 1))
    m = mode_metrics(one, d.means, d.std)
    assert (m.modes, m.modes_any, m.hq) == (1, 1, 1.0) and m.reverse_kl == pytest.approx(math.log(25))
    far = np.full((100, 2), 50.0)
    m = mode_metrics(far, d.means, d.std)
    assert (m.modes, m.modes_any, m.hq, m.reverse_kl) == (0, 0, 0.0, math.inf)


def test_validation_and_published_rows():
    with pytest.raises(ValueError, match="`min_count`"):
        mode_metrics([[0.0, 0.0]], [[0.0, 0.0]], 1.0, min_count=-1)
    with pytest.raises(ValueError, match="`per`"):
        mode_metrics([[0.0, 0.0]], [[0.0, 0.0]], 1.0, per=0)
    with pytest.raises(ValueError, match="`std`"):
        mode_metrics([[0.0, 0.0]], [[0.0, 0.0]], 0.0)
    assert PUBLISHED["ring"]["PacGAN2"] == (7.9, 95.6) and PUBLISHED["grid"]["PacGAN2"] == (23.8, 91.3)


@pytest.mark.parametrize("scale", [1e300, 1e-300, 2.0 ** -1060])
def test_mode_stats_are_the_same_in_any_units(scale):
    """Before: at 1e300 the squared distances overflowed (no mode captured, high quality 0)
    and at 1e-300 they underflowed to 0 (every sample assigned to the first mode)."""
    from gan_backend.metrics.coverage import mode_stats

    rng = np.random.default_rng(8)
    means = np.array([[0.0, 0.0], [5.0, 5.0], [-4.0, 3.0]])
    x = rng.standard_normal((300, 2)) * 0.3 + means[rng.integers(0, 3, 300)]
    x[:10] += 2.0  # some samples outside 3 sd
    ref = mode_stats(x, means, 0.3)
    with np.errstate(over="raise", under="ignore", invalid="raise"):
        got = mode_stats(x * scale, means * scale, 0.3 * scale)
    assert got.high_quality == ref.high_quality and got.modes_captured == ref.modes_captured == 3
    assert got.counts.tolist() == ref.counts.tolist()


def test_mode_stats_with_a_spread_far_below_the_positions():
    from gan_backend.metrics.coverage import mode_stats

    # modes 1 apart with sd 1e-200: samples 2 sd and 4 sd from the first mode (squares of 1e-200 are 0)
    s = mode_stats([[2e-200, 0.0], [4e-200, 0.0]], [[0.0, 0.0], [1.0, 0.0]], 1e-200, min_share=0.5)
    assert s.high_quality == 0.5 and s.counts.tolist() == [1, 0]
