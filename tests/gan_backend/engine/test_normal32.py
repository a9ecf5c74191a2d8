"""The float32 inverse-CDF normals (gan_backend.engine.normal32) and the bit casts behind them.

References are independent of the code: SciPy's float64 ``ndtri`` for every one of the 2^23
cells, and 40-digit mpmath quantiles for the extreme cells.
"""
from __future__ import annotations

import mpmath
import numba
import numpy as np
import pytest
from scipy import special, stats

from fdiv._bitcast import bits32, float32_of_bits
from gan_backend.engine.normal32 import MAX_ULP, quantile_of_codes, standard_normal32

CELLS = 2 ** 23


def _ulps(got, exact):
    """|got - exact| in float32 ulps of the exact value."""
    spacing = np.spacing(np.abs(np.asarray(exact, np.float64)).astype(np.float32)).astype(np.float64)
    return np.abs(np.asarray(got, np.float64) - exact) / spacing


def test_every_cell_is_within_max_ulp_of_the_exact_quantile():
    k = np.arange(CELLS, dtype=np.int64)
    exact = special.ndtri((k + 0.5) * 2.0 ** -24)  # p_k exact in float64
    err = _ulps(quantile_of_codes(k), exact)
    assert err.max() <= MAX_ULP, (err.max(), k[err.argmax()])


@pytest.mark.parametrize("k", [0, 1, 2, 3, 1000, CELLS // 2, CELLS - 2, CELLS - 1])
def test_extreme_and_central_cells_against_mpmath(k):
    with mpmath.workdps(40):
        exact = float(-mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * (mpmath.mpf(k) + mpmath.mpf(1) / 2) / 2 ** 24))
    assert _ulps(quantile_of_codes([k]), exact)[0] <= MAX_ULP


def test_sign_bit_mirrors_and_bits_23_to_30_are_unused():
    k = np.arange(0, CELLS, 997, dtype=np.int64)
    low = quantile_of_codes(k)
    assert (low < 0).all()
    assert np.array_equal(quantile_of_codes(k + 2 ** 31), -low)
    for extra in (1, 0x55, 0xFF):
        assert np.array_equal(quantile_of_codes(k + (extra << 23)), low)


def test_values_come_from_the_raw_words_low_half_first():
    for n in (0, 1, 2, 7, 64):
        got = standard_normal32(np.random.default_rng(11), n)
        raw = np.random.default_rng(11).bit_generator.random_raw((n + 1) // 2)
        words = np.stack((raw & 0xFFFFFFFF, raw >> 32), axis=1).reshape(-1)[:n].astype(np.int64)
        assert got.dtype == np.float32 and got.shape == (n,)
        assert np.array_equal(got, quantile_of_codes(words))


def test_the_generator_state_advances_by_the_words_taken():
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    standard_normal32(rng, (3, 5))  # 15 values: 8 words
    twin.bit_generator.random_raw(8)
    assert rng.random() == twin.random()


def test_moments_and_kolmogorov_smirnov_on_two_million_draws():
    x = standard_normal32(np.random.default_rng(20261206), (2000, 1000)).astype(np.float64).ravel()
    n = x.size
    # 4.5 standard errors: a correct generator fails with probability < 1e-5 per statistic
    assert abs(x.mean()) < 4.5 / np.sqrt(n)
    assert abs(x.var() - 1.0) < 4.5 * np.sqrt(2.0 / n)
    assert abs(stats.kurtosis(x)) < 4.5 * np.sqrt(24.0 / n)
    assert stats.kstest(x, "norm").pvalue > 1e-5
    assert np.abs(x).max() <= -special.ndtri(2.0 ** -25) * (1 + 1e-6)


@pytest.mark.parametrize("bad", [-1, (2, -3), (2.0, 3), True, (True,)])
def test_bad_shape_is_a_value_error(bad):
    with pytest.raises(ValueError, match="`shape`"):
        standard_normal32(np.random.default_rng(0), bad)


@pytest.mark.parametrize("bad", [None, 3, np.random.RandomState(0)])
def test_bad_rng_is_a_value_error(bad):
    with pytest.raises(ValueError, match="`rng`"):
        standard_normal32(bad, 4)


@pytest.mark.parametrize("bad", [[-1], [2 ** 32], [0.5]])
def test_bad_words_are_a_value_error(bad):
    with pytest.raises(ValueError, match="`words`"):
        quantile_of_codes(np.array(bad))


@numba.njit
def _roundtrip(x, i):
    return bits32(x), float32_of_bits(i)


@pytest.mark.parametrize("value, bits", [(1.0, 0x3F800000), (-2.0, -0x40000000), (2.0 ** -126, 0x00800000),
                                         (2.0 ** -149, 1), (np.inf, 0x7F800000), (-0.0, -2 ** 31)])
def test_bitcasts_match_numpy_views(value, bits):
    as_bits, as_float = _roundtrip(np.float32(value), np.int32(bits))
    assert as_bits == np.float32(value).view(np.int32) == bits
    assert np.float32(as_float).view(np.int32) == np.int32(bits)
