"""The §0 case table in ``help(fdiv.divergence)`` agrees with the registry and with the values.

The generator rows of the docstring's table are parsed and compared with each generator's
``f_zero`` / ``slope_inf`` and with ``divergence`` on the boundary cases it describes (exact:
these are the conventions, not approximations).
"""
from __future__ import annotations

import math
import re

import fdiv

WORDS = {"0": 0.0, "1": 1.0, "inf": math.inf, "log 2": math.log(2.0)}


def _rows():
    doc = fdiv.divergence.__doc__
    out = {}
    for line in doc.splitlines():
        m = re.match(r"\s+([a-z_0-9]+)\s{2,}(\S+(?: 2)?)\s{2,}(\S+(?: 2)?)\s{2,}(.+)$", line)
        if m and m.group(1) in fdiv.names():
            out[m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return out


def test_table_lists_every_registry_generator_with_its_limits():
    rows = _rows()
    assert set(rows) == set(fdiv.names())
    for name, (f0, sl, _) in rows.items():
        g = fdiv.get(name)
        assert WORDS[f0] == g.f_zero and WORDS[sl] == g.slope_inf, name


def test_table_cases_give_the_stated_values():
    rows = _rows()
    for name, (f0, sl, when) in rows.items():
        only_p = fdiv.divergence(name, [0.0, 1.0], [1.0, 1.0])   # q_0 = 0 < p_0
        only_q = fdiv.divergence(name, [1.0, 1.0], [0.0, 1.0])   # p_0 = 0 < q_0
        g = fdiv.get(name)
        assert only_p == (math.inf if f0 == "inf" else g.f_zero + float(g.f(1.0))), name
        assert only_q == (math.inf if sl == "inf" else g.slope_inf + float(g.f(1.0))), name
        assert (only_p == math.inf or only_q == math.inf) == (not when.startswith("never")), name
        assert fdiv.divergence(name, [0.0, 1.0], [0.0, 1.0]) == float(g.f(1.0))  # q = p = 0 adds 0
