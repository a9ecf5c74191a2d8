"""B9 (docs/performance.md): ``density_divergence('kl', ...)`` between two 1-D Gaussian
mixtures (3 and 4 components) to rtol 1e-10, against ``scipy.integrate.quad`` on the same
integrand at the same tolerance.

The peer integrates ``q(x) log(q(x)/p(x))`` over the same finite range as ours, with the
mixture densities evaluated through the same SciPy frozen components (``sum w_k c_k.pdf(x)``),
``epsrel=1e-10``, ``epsabs=0``. The row passes when ours is at least 5x faster and the values
agree to 1e-9 relative. The note also times the peer with a hand-written ``math.exp`` integrand
(no SciPy call per point), which a careful user could write.
"""
from __future__ import annotations

import math

from scipy import integrate, stats

import fdiv
from benchmarks._harness import Row, best_time

ID = "B9"
_TARGET = 5.0
_RTOL = 1e-10
_AGREE = 1e-9

Q = ([0.2, 0.5, 0.3], [(-2.0, 0.7), (0.5, 1.0), (3.0, 0.5)])
P = ([0.1, 0.4, 0.3, 0.2], [(-3.0, 1.2), (-0.5, 0.8), (1.5, 1.0), (4.0, 0.9)])


def _mixture(spec):
    w, comps = spec
    return fdiv.DensityMixture(w, [stats.norm(m, s) for m, s in comps])


def _scipy_integrand(q, p):
    def f(x):
        a = sum(w * c.pdf(x) for w, c in zip(q.weights, q.components))
        b = sum(w * c.pdf(x) for w, c in zip(p.weights, p.components))
        return a * math.log(a / b) if a > 0 else 0.0
    return f


def _math_integrand():
    def dens(x, spec):
        w, comps = spec
        return sum(wk * math.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
                   for wk, (m, s) in zip(w, comps))

    def f(x):
        a, b = dens(x, Q), dens(x, P)
        return a * math.log(a / b) if a > 0 else 0.0
    return f


def _range():
    eps = 5e-16  # the default range of density_divergence: at most 1e-15 of either mass outside
    comps = Q[1] + P[1]
    return (min(stats.norm(m, s).ppf(eps) for m, s in comps), max(stats.norm(m, s).isf(eps) for m, s in comps))


def rows(smoke: bool = False):
    q, p = _mixture(Q), _mixture(P)
    lo, hi = _range()
    ours = fdiv.density_divergence("kl", q, p, rtol=_RTOL)
    peer_fn = _scipy_integrand(q, p)
    math_fn = _math_integrand()

    def peer():
        return integrate.quad(peer_fn, lo, hi, epsabs=0.0, epsrel=_RTOL, limit=1000)[0]

    def peer_math():
        return integrate.quad(math_fn, lo, hi, epsabs=0.0, epsrel=_RTOL, limit=1000)[0]

    ref = peer()
    rel = abs(ours.value - ref) / abs(ref)
    repeat = 1 if smoke else 7
    t_ours = best_time(lambda: fdiv.density_divergence("kl", q, p, rtol=_RTOL), repeat=repeat)
    t_peer = best_time(peer, repeat=1 if smoke else 3)
    t_math = best_time(peer_math, repeat=1 if smoke else 3)
    ratio = t_peer / t_ours
    yield Row(
        name="B9 KL 1-D mixtures 3 vs 4, rtol 1e-10",
        ours=t_ours, peer=t_peer, ratio=ratio,
        target=f">={_TARGET:g}x, same value to {_AGREE:g}",
        passed=ratio >= _TARGET and rel <= _AGREE,
        note=(f"rel diff {rel:.1e}; our error estimate {ours.error:.1e}; quad with a math.exp integrand "
              f"{t_math * 1e3:.3g} ms = {t_math / t_ours:.1f}x"),
    )
