"""The registry generators of docs/theory.md §0 in sympy, with the closed-form conjugates derived by
hand (``f*(t) = t x - f(x)`` at ``x = (f')^{-1}(t)``); :mod:`proofs_check.symbolic` verifies
every one of them instead of trusting this table."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["x", "t", "Generator", "GENERATORS"]

x = sp.Symbol("x", positive=True)
t = sp.Symbol("t", real=True)


@dataclass(frozen=True)
class Generator:
    """``f`` on (0, inf); ``branches``: ``(expr, lo, hi)`` pieces where ``f`` is smooth (default:
    the whole half-line); ``conj``: the closed form of ``f*`` on the range of ``f'``;
    ``lambertw``: the value of the LambertW atom of ``conj(f'(x))`` in terms of ``x`` (verified
    through ``w e^w = z``, ``w > 0``); ``subgradient_1``: the slope used at 1 where ``f`` has a kink."""

    name: str
    f: sp.Expr
    conj: sp.Expr
    branches: tuple = ()
    lambertw: sp.Expr | None = None
    subgradient_1: sp.Expr | None = None

    @property
    def pieces(self) -> tuple:
        return self.branches or ((self.f, sp.Integer(0), sp.oo),)


_W = sp.LambertW(sp.exp(1 - t))
_S = sp.sqrt(1 - 4 / t)

GENERATORS: dict[str, Generator] = {g.name: g for g in [
    Generator("kl", x * sp.log(x), sp.exp(t - 1)),
    Generator("reverse_kl", -sp.log(x), -1 - sp.log(-t)),
    Generator("tv", sp.Abs(x - 1), t, branches=((1 - x, sp.Integer(0), sp.Integer(1)),
                                                  (x - 1, sp.Integer(1), sp.oo)),
              subgradient_1=sp.Integer(0)),
    Generator("js", -(x + 1) * sp.log((x + 1) / 2) + x * sp.log(x), -sp.log(2 - sp.exp(t))),
    Generator("squared_hellinger", (sp.sqrt(x) - 1) ** 2, t / (1 - t)),
    Generator("pearson_chi2", (x - 1) ** 2, t + t ** 2 / 4),
    Generator("neyman_chi2", (1 - x) ** 2 / x, 2 - 2 * sp.sqrt(1 - t)),
    Generator("jeffreys", (x - 1) * sp.log(x), t + _W + 1 / _W - 2, lambertw=1 / x),
    Generator("triangular", (x - 1) ** 2 / (x + 1), 4 - t - 4 * sp.sqrt(1 - t)),
    Generator("gan", x * sp.log(x) - (x + 1) * sp.log(x + 1), -sp.log(1 - sp.exp(t))),
    Generator("log_trick", sp.log(1 + 1 / x), -2 / (_S + 1) - sp.log((_S + 1) / (_S - 1))),
]}
