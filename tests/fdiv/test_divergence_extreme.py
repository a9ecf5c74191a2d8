"""fdiv.divergence at extreme magnitudes, against the mpmath reference (_divergence_reference).

One mass near the top of the double range (above 2^1000, where the kernels scale) and the
other tiny (subnormal included), for every registry generator and a few alpha(a). The exact
value is finite here unless the reference says +inf, so ``RTOL = 1e-13`` relative applies
(the kernels reach a few ulps; 1e-13 leaves room for the alpha closed forms, ~20 ulps).
Masses are drawn at random (held-out cases), plus fixed boundary cases.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import fdiv
from tests.fdiv._divergence_reference import reference

RTOL = 1e-13
DBL_MAX = np.finfo(float).max
SPECS = fdiv.names() + [("alpha", 0.3), ("alpha", -2.0), ("alpha", 2.5), ("alpha", 0.0)]


def _name(spec):
    return spec if isinstance(spec, str) else f"alpha({spec[1]!r})"


def _cases():
    rng = np.random.default_rng(2026)
    out = []
    bigs = [2.0 ** 1001, DBL_MAX, DBL_MAX / 3] + [float(2.0 ** rng.uniform(1000.5, 1023.9)) for _ in range(3)]
    tinies = [1e-300, 5e-310, 3.7] + [float(10.0 ** rng.uniform(-322, -250)) for _ in range(2)]
    for big in bigs:
        for tiny in tinies:
            out += [([big, tiny], [tiny, big]), ([big], [tiny]), ([tiny], [big]),
                    ([big, 2 * tiny], [0.75 * big, tiny])]
    return out


CASES = _cases()


def _check(got, want, what):
    assert not math.isnan(got), what
    if math.isinf(want):
        assert got == want, what
    else:
        assert got == pytest.approx(want, rel=RTOL, abs=0), what


@pytest.mark.parametrize("spec", SPECS, ids=_name)
def test_extreme_magnitudes_match_reference(spec):
    for q, p in CASES:
        _check(fdiv.divergence(_name(spec), q, p), reference(spec, q, p, dps=60), (q, p))


def test_squared_hellinger_of_dbl_max_is_finite():
    """(sqrt(DBL_MAX) - 1)^2 rounds to DBL_MAX: finite, not an overflow of the rounded t^2."""
    assert fdiv.divergence("squared_hellinger", [DBL_MAX], [1.0]) == DBL_MAX


@pytest.mark.parametrize("name", ["gan", "kl", "reverse_kl", "log_trick", "js", "tv"])
def test_generic_path_gives_inf_like_the_registry(name):
    """dual / normalized / shift go through p f(q/p) in NumPy: where a term is beyond the
    float range they return +-inf (as the kernels do), never raise or NaN."""
    g = fdiv.get(name)
    vals = [0.0, 5e-324, 1e-300, 1.0, 1e300, DBL_MAX]
    for h in (fdiv.dual(g), fdiv.normalized(g), fdiv.shift(g, 0.7)):
        for q in vals:
            for p in vals:
                got = fdiv.divergence(h, [q], [p])
                assert not math.isnan(got), (h.name, q, p)
    # f(1) = -log 4 < 0 for gan: DBL_MAX * f(1) is below -DBL_MAX on both paths
    assert fdiv.divergence("gan", [DBL_MAX], [DBL_MAX]) == -math.inf
    assert fdiv.divergence(fdiv.shift(fdiv.get("gan"), 0.0), [DBL_MAX], [DBL_MAX]) == -math.inf
