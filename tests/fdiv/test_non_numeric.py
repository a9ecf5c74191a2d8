"""Non-numeric input to the public fdiv functions: a ValueError that names the parameter.

Strings, complex numbers (whose imaginary part NumPy would drop), masked arrays (whose mask
it would drop) and object arrays holding non-numbers are never converted silently.
"""
from __future__ import annotations

import numpy as np
import pytest

import fdiv
from fdiv import bounds

OK = np.array([0.5, 0.5])
BAD = {
    "str": "ab",
    "str_list": ["0.5", "0.5"],
    "complex": np.array([0.5 + 0.1j, 0.5]),
    "complex_list": [0.5 + 0j, 0.5],
    "masked": np.ma.masked_array([0.5, 0.5], mask=[False, True]),
    "object": np.array([0.5, None], dtype=object),
    "ragged": [[0.5], [0.5, 0.0]],
}
BAD_SCALAR = {"str": "0.5", "complex": 0.5 + 0j, "none": None, "list": [0.5]}


def _calls(bad):
    """(parameter name, call) for every array parameter of the public API."""
    grid = fdiv.Grid.regular(0.0, 1.0, 2)
    yield "q", lambda: fdiv.divergence("kl", bad, OK)
    yield "p", lambda: fdiv.divergence("kl", OK, bad)
    yield "q", lambda: fdiv.divergence(fdiv.normalized(fdiv.get("kl")), bad, OK)
    yield "p_data", lambda: fdiv.r_star(bad, OK, 0.5)
    yield "p_model", lambda: fdiv.r_dagger(OK, bad, 0.5)
    yield "d", lambda: fdiv.weights_from_discriminator(bad, 0.5)
    yield "d", lambda: fdiv.topklast_beta(bad, 0.5)
    yield "q", lambda: fdiv.wasserstein1(bad, OK, [0.0, 1.0])
    yield "x", lambda: fdiv.wasserstein1(OK, OK, bad)
    yield "points", lambda: fdiv.wasserstein1_lp(OK, OK, bad)
    yield "p", lambda: fdiv.wasserstein1_dual(OK, bad, [0.0, 1.0])
    yield "mass", lambda: fdiv.Discrete(bad)
    yield "support", lambda: fdiv.Discrete(OK, support=bad)
    yield "weights", lambda: fdiv.gaussian_mixture(grid, [0.0, 1.0], [1.0, 1.0], bad)
    yield "p_data", lambda: bounds.s16_star("kl", bad, OK, 0.5)
    yield "p_init", lambda: bounds.s17_max_steps(OK, bad, 0.5)
    yield "p_data", lambda: fdiv.oracle_adagan(bad, OK, "kl", schedule=fdiv.beta_schedule("constant", beta=0.5), steps=2)
    g = fdiv.get("kl")
    yield "x", lambda: g.f(bad)
    yield "x", lambda: g.f_prime(bad)
    yield "t", lambda: g.conjugate(bad)
    yield "v", lambda: g.activation(bad)
    yield "v", lambda: g.conjugate_activation(bad)


@pytest.mark.parametrize("kind", list(BAD))
def test_arrays_raise_naming_the_parameter(kind):
    for name, call in _calls(BAD[kind]):
        with pytest.raises(ValueError, match=f"`{name}`"):
            call()


@pytest.mark.parametrize("kind", list(BAD_SCALAR))
def test_scalars_raise_naming_the_parameter(kind):
    bad = BAD_SCALAR[kind]
    calls = [
        ("beta", lambda: fdiv.r_star(OK, OK, bad)),
        ("beta", lambda: fdiv.weights_from_discriminator(OK, bad)),
        ("r", lambda: fdiv.topklast_beta(OK, bad)),
        ("a", lambda: fdiv.alpha(bad)),
        ("c", lambda: fdiv.shift(fdiv.get("kl"), bad)),
        ("outside", lambda: fdiv.Discrete(OK, outside=bad)),
        ("gamma", lambda: bounds.c_hilbertian(bad, 0.5)),
    ]
    if isinstance(bad, list):  # a list of beta is an array of beta (results stacked; test_broadcast.py)
        calls = [(n, c) for n, c in calls if n != "beta"]
    for name, call in calls:
        with pytest.raises(ValueError, match=f"`{name}`"):
            call()


def test_real_inputs_still_accepted():
    """Lists, ints, bools, float32 and object arrays of real numbers convert as before."""
    assert fdiv.divergence("tv", [1, 0], [0, 1]) == 2.0
    assert fdiv.divergence("tv", np.array([True, False]), np.array([0.0, 1.0])) == 2.0
    assert fdiv.divergence("tv", np.array([1.0, 0.0], dtype=object), [0.0, 1.0]) == 2.0
    assert fdiv.divergence("tv", np.array([1.0, 0.0], dtype=np.float32), [0.0, 1.0]) == 2.0
    assert float(fdiv.get("kl").f(np.float32(1.0))) == 0.0
