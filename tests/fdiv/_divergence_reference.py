"""Independent high-precision reference for fdiv.divergence (mpmath, 50+ digits).

Written from docs/theory.md §0 only, sharing no code with fdiv:

    D_f(q||p) = sum_{p_i>0} p_i f(q_i/p_i) + f'(inf) sum_{p_i=0} q_i,
    f(0) := lim_{x->0+} f(x) where q_i = 0 < p_i, 0 where q_i = p_i = 0, 0 * inf := 0.

Generating snippet (what ``reference`` does, for one pair of vectors)::

    from mpmath import mp, mpf, log
    mp.dps = 50
    def kl(x): return x * log(x)          # f(0) = 0, f'(inf) = inf
    D = sum(mpf(pi) * kl(mpf(qi) / mpf(pi)) for qi, pi in zip(q, p) if pi > 0)
    D += sum(mpf(qi) * mp.inf for qi, pi in zip(q, p) if pi == 0 and qi > 0)
"""
from __future__ import annotations

import math

from mpmath import mp, mpf

INF = math.inf


def _alpha(a):
    with mp.workdps(100):
        return _alpha_at(mpf(a))


def _alpha_at(a):
    if a == 0:
        return (lambda x: x - 1 - mp.log(x)), INF, mpf(1)
    if a == 1:
        return (lambda x: x * mp.log(x) - x + 1), mpf(1), INF
    f0 = 1 / a if a > 0 else INF
    sl = 1 / (1 - a) if a < 1 else INF
    return (lambda x: (x ** a - 1 - a * (x - 1)) / (a * (a - 1))), f0, sl


#: name -> (f(x) in mpmath, f(0), f'(inf)): the table of docs/theory.md §0 (constants at 100 digits).
with mp.workdps(100):
    LOG2 = mp.log(2)
GENERATORS = {
    "kl": (lambda x: x * mp.log(x), mpf(0), INF),
    "reverse_kl": (lambda x: -mp.log(x), INF, mpf(0)),
    "tv": (lambda x: abs(x - 1), mpf(1), mpf(1)),
    "js": (lambda x: -(x + 1) * mp.log((x + 1) / 2) + x * mp.log(x), LOG2, LOG2),
    "squared_hellinger": (lambda x: (mp.sqrt(x) - 1) ** 2, mpf(1), mpf(1)),
    "pearson_chi2": (lambda x: (x - 1) ** 2, mpf(1), INF),
    "neyman_chi2": (lambda x: (1 - x) ** 2 / x, INF, mpf(1)),
    "jeffreys": (lambda x: (x - 1) * mp.log(x), INF, INF),
    "triangular": (lambda x: (x - 1) ** 2 / (x + 1), mpf(1), mpf(1)),
    "gan": (lambda x: x * mp.log(x) - (x + 1) * mp.log(x + 1), mpf(0), mpf(0)),
    "log_trick": (lambda x: mp.log(1 + 1 / x), INF, mpf(0)),
}


def generator(spec):
    """``spec`` is a registry name or ``("alpha", a)``."""
    if isinstance(spec, tuple):
        return _alpha(spec[1])
    return GENERATORS[spec]


def reference(spec, q, p, dps: int = 60) -> float:
    """D_f(q||p) rounded to the nearest double (+inf where infinite or beyond the range).

    Each term is evaluated with ``dps + |log10(q_i/p_i)|`` digits: the definitions cancel
    about that many digits at extreme ratios (e.g. gan: x log x - (x+1) log(x+1) ~ -log x);
    the sum is accumulated exactly (fsum of the terms at the largest precision used).
    """
    f, f0, sl = generator(spec)
    terms = []
    for qi, pi in zip(q, p):
        qi, pi = float(qi), float(pi)
        if pi > 0 and qi > 0:
            digits = dps + int(abs(math.log10(qi) - math.log10(pi))) + 5
            with mp.workdps(digits):
                terms.append(mpf(pi) * f(mpf(qi) / mpf(pi)))
    with mp.workdps(dps + 700):
        total = mp.fsum(terms)
        for qi, pi in zip(q, p):
            qi, pi = mpf(float(qi)), mpf(float(pi))
            if pi > 0 and qi > 0:
                continue
            elif pi > 0:                       # q_i = 0 < p_i
                if f0 == INF:
                    return INF
                total += pi * f0
            elif qi > 0:                       # p_i = 0 < q_i
                if sl == INF:
                    return INF
                total += qi * sl
        return float(total)
