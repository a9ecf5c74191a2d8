"""Results for an array of β: one call per β, stacked on leading axes of β's shape.

Used by :func:`fdiv.r_star`, :func:`fdiv.r_dagger` and :func:`fdiv.weights_from_discriminator`;
each entry is exactly the scalar call's result (the calls are the loop a user would write).
"""
from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["is_beta_array", "stack_over_beta"]


def is_beta_array(beta) -> bool:
    """True for a list, tuple or array of dimension >= 1 (a scalar β takes the scalar path)."""
    return isinstance(beta, (list, tuple, np.ndarray)) and np.ndim(beta) >= 1


def stack_over_beta(call, beta):
    """``call(b)`` for every ``b`` in ``beta`` (row-major), each field stacked: arrays gain
    ``beta.shape`` as leading axes, numbers become arrays of ``beta.shape``; string fields, the
    same for every β, stay strings. Results are read-only."""
    try:
        arr = np.asarray(beta, dtype=object)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.size == 0 or any(isinstance(b, (list, tuple, np.ndarray)) for b in arr.ravel()):
        raise ValueError(f"`beta` must be a real number or a nonempty rectangular array of real numbers in "
                         f"(0, 1]; got {beta!r}")
    results = [call(b) for b in arr.ravel()]  # each β is checked by the scalar call
    first = results[0]
    fields = {}
    for fld in dataclasses.fields(first):
        vals = [getattr(r, fld.name) for r in results]
        if isinstance(vals[0], str):
            fields[fld.name] = vals[0]
            continue
        stacked = np.stack([np.asarray(v) for v in vals]).reshape(arr.shape + np.shape(vals[0]))
        stacked.flags.writeable = False
        fields[fld.name] = stacked
    return type(first)(**fields)
