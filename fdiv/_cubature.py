"""Vectorised adaptive Gauss-Kronrod cubature on boxes in 1 and 2 dimensions.

Each box is integrated by the tensor product of the 15-point Kronrod rule (exact for
polynomials of degree 22 per axis) and, nested in it, the 7-point Gauss rule (degree 13); the
difference of the two is the box's error estimate (the QUADPACK ``qk15`` pair). Boxes are
refined by bisection along the axis where the box varies most, many at a time, until the summed estimate meets the
caller's target. The integrand takes an ``(n, d)`` array of points and returns ``(n, c)``
channel values; the estimate is computed per channel.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Cubature", "integrate", "rule", "rule_estimates"]

# QUADPACK qk15 abscissae (0 last) and weights; Gauss-7 weights on the odd Kronrod abscissae.
_XGK = np.array([0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                 0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                 0.207784955007898467600689403773245, 0.0])
_WGK = np.array([0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                 0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                 0.204432940075298892414161999234649, 0.209482141084727828012999174891714])
_WG = np.array([0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                0.381830050505118944950369775488975, 0.417959183673469387755102040816327])

_X1 = np.concatenate([-_XGK[:-1], _XGK[::-1]])  # 15 nodes, increasing
_WK1 = np.concatenate([_WGK[:-1], _WGK[::-1]])
_WG1 = np.zeros(15)
_WG1[[1, 3, 5, 7, 9, 11, 13]] = np.concatenate([_WG[:-1], _WG[::-1]])


def _tensor(factors) -> np.ndarray:
    w = factors[0]
    for f in factors[1:]:
        w = np.outer(w, f).ravel()
    return w


def rule(d: int):
    """Nodes ``(15**d, d)`` on ``[-1, 1]**d``; Kronrod and Gauss weights of the tensor rule; and
    per axis the weights with Gauss on that axis and Kronrod on the others (``(d, 15**d)``)."""
    grids = np.meshgrid(*([_X1] * d), indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=1)
    mixed = np.array([_tensor([_WG1 if k == j else _WK1 for k in range(d)]) for j in range(d)])
    return nodes, _tensor([_WK1] * d), _tensor([_WG1] * d), mixed


_RULES = {d: rule(d) for d in (1, 2)}
#: boxes narrower than this times their largest coordinate are not bisected (2**10 ulps).
_MIN_WIDTH = 1024 * float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Cubature:
    """Integral per channel, its summed Kronrod-Gauss estimate, and the work done."""

    value: np.ndarray
    error: np.ndarray
    boxes: int
    evaluations: int
    converged: bool


def _boxes(lo: np.ndarray, hi: np.ndarray, fn: Callable, nodes, wk, wg, mixed):
    """Kronrod integrals, error estimates, the axis along which each box varies most (where
    Gauss on that axis alone departs most from Kronrod), and the number of points."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    pts = (mid[:, None, :] + half[:, None, :] * nodes[None, :, :]).reshape(-1, lo.shape[1])
    vals = fn(pts).reshape(lo.shape[0], nodes.shape[0], -1)
    vol = np.prod(half, axis=1)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # an infinite box is the callers' to judge
        ik = np.einsum("k,bkc->bc", wk, vals) * vol
        ig = np.einsum("k,bkc->bc", wg, vals) * vol
        diff = np.abs(ik - ig)
    if lo.shape[1] == 1:
        axis = np.zeros(lo.shape[0], dtype=np.intp)
    else:
        per_axis = np.abs(np.einsum("jk,bkc->bjc", mixed, vals) * vol[:, None, :] - ik[:, None, :]).sum(axis=2)
        axis = np.argmax(per_axis, axis=1)
    return ik, diff, axis, pts.shape[0]


def rule_estimates(fn: Callable, lo: np.ndarray, hi: np.ndarray):
    """One Kronrod rule per box ``[lo_i, hi_i]`` (no refinement): the integrals per channel
    (boxes, channels) and their Kronrod-Gauss error estimates."""
    ik, ek, _, _ = _boxes(lo, hi, fn, *_RULES[lo.shape[1]])
    return ik, ek


def _children(lo: np.ndarray, hi: np.ndarray, axis: np.ndarray):
    """Bisect every box along its axis (two children each)."""
    rows = np.arange(lo.shape[0])
    mid = 0.5 * (lo[rows, axis] + hi[rows, axis])
    hi_left, lo_right = hi.copy(), lo.copy()
    hi_left[rows, axis] = mid
    lo_right[rows, axis] = mid
    return np.concatenate([lo, lo_right]), np.concatenate([hi_left, hi])


def integrate(fn: Callable, lo: np.ndarray, hi: np.ndarray, score: Callable, *,
              max_boxes: int, max_split: int) -> Cubature:
    """Adaptive cubature of ``fn`` over the boxes ``[lo_i, hi_i]`` (arrays ``(n, d)``).

    ``score(value, error)`` -> ``(per_box_scores, done)``: given the running totals it says how
    much each box's error counts and whether the totals already meet the target. The boxes with
    the largest scores are bisected (at most ``max_split`` per round) until ``done`` or
    ``max_boxes`` boxes exist (then ``converged`` is False and the estimate is what it is). A
    total or error that is not finite stops it at once, not converged: the caller decides.
    """
    rule_d = _RULES[lo.shape[1]]
    ik, ek, axis, evals = _boxes(lo, hi, fn, *rule_d)
    while True:
        with np.errstate(over="ignore"):  # an overflowing total is the callers' to judge
            total, err = ik.sum(axis=0), ek.sum(axis=0)
        if not (np.all(np.isfinite(total)) and np.all(np.isfinite(err))):
            # an overflowing integral (a growing tail) or a cell whose two rules are inf - inf:
            # refining cannot make it finite (and a NaN score never meets the target)
            return Cubature(total, err, lo.shape[0], evals, False)
        per_box, done = score(total, err, ek)
        if done:
            return Cubature(total, err, lo.shape[0], evals, True)
        if lo.shape[0] >= max_boxes:
            return Cubature(total, err, lo.shape[0], evals, False)
        order = np.argsort(per_box)[::-1]
        csum = np.cumsum(per_box[order])
        # split the worst boxes until what is left would meet the target with room to spare
        k = int(np.searchsorted(csum, csum[-1] - 0.25, side="left")) + 1
        k = max(1, min(k, max_split, max_boxes - lo.shape[0]))
        pick = order[:k]
        # a box at the resolution of the floats is not split (its nodes would meet its edges):
        # its error estimate stays in the total
        rows = np.arange(lo.shape[0])
        width = hi[rows, axis] - lo[rows, axis]
        scale = np.maximum(np.abs(lo[rows, axis]), np.abs(hi[rows, axis]))
        splittable = width > _MIN_WIDTH * scale
        pick = pick[splittable[pick]]
        if pick.size == 0:
            return Cubature(total, err, lo.shape[0], evals, False)
        keep = np.ones(lo.shape[0], dtype=bool)
        keep[pick] = False
        clo, chi = _children(lo[pick], hi[pick], axis[pick])
        cik, cek, caxis, n = _boxes(clo, chi, fn, *rule_d)
        evals += n
        lo, hi = np.concatenate([lo[keep], clo]), np.concatenate([hi[keep], chi])
        ik, ek = np.concatenate([ik[keep], cik]), np.concatenate([ek[keep], cek])
        axis = np.concatenate([axis[keep], caxis])
