"""Vectorised adaptive Gauss-Kronrod cubature on boxes in 1 and 2 dimensions.

Each box is integrated by the tensor product of the 15-point Kronrod rule (exact for
polynomials of degree 22 per axis) and, nested in it, the 7-point Gauss rule (degree 13); the
difference of the two is the box's error estimate, in 1-D scaled as QUADPACK's ``qk15`` does
(``resasc min(1, (200 |K − G| / resasc)**1.5)``, ``resasc`` the Kronrod integral of
``|f − mean f|``) where that is larger. The scaling matters where a singular point lies inside
a box, off every bisection point: there ``|K − G|`` alone fell short of the error by up to 16
times (``|x − s|**a``, −0.45 < a < 0.5, at random s; 14 of 60 cases), while the box's
variation bounds it. In 2-D it would make every box along the kink of tv's ``|q − p|`` count
its whole variation, so it is not applied there. Boxes are
refined by bisection along the axis where the box varies most, many at a time, until the summed estimate meets the
caller's target. The integrand takes an ``(n, d)`` array of points and returns ``(n, c)``
channel values; the estimate is computed per channel.

Singular boxes. At an algebraic singularity ``|x − s|**a`` (a > −1) on a box's edge both rules
err by the same fraction of the box's integral at every size, and ``|K − G|`` falls short of
the Kronrod rule's error by a factor that grows without bound as ``a → −1`` (measured on
``x**a`` over [0, 1]: 0.65 at a = −0.5, 4.9 at −0.9, 10 at −0.95, 54 at −0.99). Bisection
still converges, geometrically: the change ``Δ`` of the value at each split of the chain of
boxes that hold the singularity falls by a fixed ratio ``ρ = 2**-(a + 1)``, and what the
current boxes still miss is ``ρ Δ / (1 − ρ)``. Each box therefore carries, per axis, the
change of the last split along that axis (its share of it, by the children's ``|K − G|``)
and, from two consecutive changes, that geometric remainder times ``_SAFETY``; its error
estimate is the larger of ``|K − G|`` and the remainders. Smooth boxes are untouched: their
changes fall by far more than ``_RHO_MIN`` per split (the Kronrod rule's degree).

Blind strips (1-D). Between a box's outermost node and its edge lies a strip of 0.43 % of its
width where neither rule looks: a jump of f there leaves both rules seeing a constant, ``|K −
G| = 0``, and the box wrong by the jump times the jump's distance to the edge (a histogram
density's mass came out 5e-4 off 1 with the cubature converged). Such a jump shows as a
disagreement ``m`` between the degree-14 polynomials of the two boxes that share the edge,
each extrapolated to it; ``m`` times the strip's width bounds what the strip can hold (for a
jump of a derivative too) and is added to both boxes' errors. For a smooth f the polynomials
agree to the rules' accuracy and the term is negligible (no more evaluations on smooth
densities; 1.8 times more on densities with jumps, which were wrong before). In 2-D the same
look runs along every shared part of an edge (the neighbours' edge polynomials compared at 15
points of it), except along lines the caller declares (``lines``: cuts where a density jumps
by design) and next to chains of singular boxes, whose fits of the singularity disagree
without any hidden jump (random rectangles with jumps: bars short in 2 of 15, by up to 700
times, before; 1 of 15, by 3.5 times, after).
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
#: weights of the degree-14 polynomial through the 15 nodes at the right end x = 1 (Lagrange;
#: their absolute sum, the extrapolation's Lebesgue constant, is 3.84); reversed, at x = -1
_EDGE_W = np.array([np.prod([(1.0 - _X1[j]) / (_X1[k] - _X1[j]) for j in range(15) if j != k]) for k in range(15)])
#: the part of a box's half-width between its outermost node and its edge, where no node looks
_BLIND = 1.0 - float(_XGK[0])
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
#: ratios of consecutive changes below this are a smooth box converging (no remainder added);
#: an algebraic singularity |x|**a gives 2**-(a + 1), 1/4 for a kink |x| and 1/8 for |x|**2
_RHO_MIN = 1.0 / 64
#: ratios at or above this (a change that did not fall: a feature not yet resolved, or a
#: non-integrable point) are counted as this ratio: remainder 99 times the change
_RHO_MAX = 0.99
#: the remainder added is this multiple of the geometric estimate (the ratio is itself measured)
_SAFETY = 2.0
#: changes below this many ulps of the magnitudes involved are rounding, not a trend
_NOISE_ULPS = 128.0
#: children narrower than this times their largest coordinate have nodes rounded enough
#: (the node next to an edge is then a few thousand ulps from it) to make their change erratic:
#: the ratio measured before is kept (e.g. the last boxes at a singular edge x = 1)
_ROUNDED_WIDTH = 2.0**20 * float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Cubature:
    """Integral per channel, its summed Kronrod-Gauss estimate, and the work done; ``stuck``:
    the centre of the worst box when refinement stopped because the boxes that most needed
    splitting were at the resolution of the floats (None otherwise)."""

    value: np.ndarray
    error: np.ndarray
    boxes: int
    evaluations: int
    converged: bool
    stuck: tuple | None = None


def _boxes(lo: np.ndarray, hi: np.ndarray, fn: Callable, nodes, wk, wg, mixed):
    """Kronrod integrals, error estimates, the axis along which each box varies most (where
    Gauss on that axis alone departs most from Kronrod), and the number of points."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    pts = (mid[:, None, :] + half[:, None, :] * nodes[None, :, :]).reshape(-1, lo.shape[1])
    vals = fn(pts).reshape(lo.shape[0], nodes.shape[0], -1)
    vol = np.prod(half, axis=1)[:, None]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # an infinite box is the callers' to judge
        sk = np.einsum("k,bkc->bc", wk, vals)
        ik = sk * vol
        ig = np.einsum("k,bkc->bc", wg, vals) * vol
        diff = np.abs(ik - ig)
        if lo.shape[1] == 1:
            # QUADPACK's scaling of |K - G| by the box's variation (resasc, the Kronrod integral
            # of |f - mean f|): no smaller than |K - G|, and the whole variation once |K - G|
            # exceeds 1/200 of it, as at a singular point inside the box, whose K - G falls far
            # short. Not in 2-D: along the curve where tv's |q - p| has its kink every box would
            # count its whole variation (3.6 times the cells, bars 2,400 times the error)
            resasc = np.einsum("k,bkc->bc", wk, np.abs(vals - sk[:, None, :] / 2.0)) * vol
            scaled = resasc * np.minimum(1.0, (200.0 * diff / resasc) ** 1.5)
            diff = np.where(resasc > 0, np.maximum(diff, scaled), diff)
    if lo.shape[1] == 1:
        axis = np.zeros(lo.shape[0], dtype=np.intp)
        with np.errstate(over="ignore", invalid="ignore"):
            ends = np.stack([np.einsum("k,bkc->bc", _EDGE_W[::-1], vals), np.einsum("k,bkc->bc", _EDGE_W, vals)],
                            axis=1)  # (boxes, 2, channels): the box's polynomial at its left and right edge
        return ik, diff, axis, pts.shape[0], ends
    else:
        per_axis = np.abs(np.einsum("jk,bkc->bjc", mixed, vals) * vol[:, None, :] - ik[:, None, :]).sum(axis=2)
        axis = np.argmax(per_axis, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            grid = vals.reshape(lo.shape[0], 15, 15, -1)  # [box, node on axis 0, node on axis 1, channel]
            ends = np.stack([np.einsum("i,bijc->bjc", _EDGE_W[::-1], grid), np.einsum("i,bijc->bjc", _EDGE_W, grid),
                             np.einsum("j,bijc->bic", _EDGE_W[::-1], grid), np.einsum("j,bijc->bic", _EDGE_W, grid)],
                            axis=1)  # (boxes, 4, 15, channels): the box's polynomial along each edge
    return ik, diff, axis, pts.shape[0], ends


def rule_estimates(fn: Callable, lo: np.ndarray, hi: np.ndarray):
    """One Kronrod rule per box ``[lo_i, hi_i]`` (no refinement): the integrals per channel
    (boxes, channels) and their Kronrod-Gauss error estimates."""
    ik, ek, _, _, _ = _boxes(lo, hi, fn, *_RULES[lo.shape[1]])
    return ik, ek


def _hidden(lo: np.ndarray, hi: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """In 1-D, what each box may miss next to an edge it shares with a neighbour: the two
    boxes' polynomials disagree there by ``m`` (per channel), and a jump of f (or of a
    derivative) between a box's outermost node and that edge, where none of its nodes looks,
    shows only as that disagreement; it changes the box's integral by at most ``m`` times the
    width of that blind strip. For a smooth f the two polynomials agree to the rules' own
    accuracy and this is negligible. ``(boxes, channels)``."""
    order = np.argsort(lo[:, 0], kind="stable")
    a, b = order[:-1], order[1:]
    touch = hi[a, 0] == lo[b, 0]
    a, b = a[touch], b[touch]
    hidden = np.zeros((lo.shape[0], ends.shape[2]))
    with np.errstate(over="ignore", invalid="ignore"):
        m = np.abs(ends[a, 1] - ends[b, 0])
        m = np.where(np.isfinite(m), m, 0.0)  # an infinite value is the boxes' own estimates' to report
        half = 0.5 * (hi[:, 0] - lo[:, 0])
        hidden[a] += m * (_BLIND * half[a])[:, None]  # each box is at most once in a, once in b
        hidden[b] += m * (_BLIND * half[b])[:, None]
    return hidden


#: barycentric weights of the 15 nodes (for evaluating a box's edge polynomial anywhere on the edge)
_BARY = np.array([1.0 / np.prod([_X1[k] - _X1[j] for j in range(15) if j != k]) for k in range(15)])


def _on_edge(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The degree-14 polynomials through ``values`` (pairs, 15, c) at the nodes, at the points
    ``t`` (pairs, s) of [-1, 1]: the barycentric formula (the node's value where t is a node)."""
    diff = t[:, :, None] - _X1[None, None, :]  # (pairs, s, 15)
    hit = diff == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(hit, 0.0, _BARY / diff)
        out = np.einsum("psk,pkc->psc", q, values) / q.sum(axis=2)[:, :, None]
    exact = hit.any(axis=2)
    if exact.any():
        p, s_ = np.nonzero(exact)
        out[p, s_] = values[p, np.argmax(hit[p, s_], axis=1)]
    return out


def _hidden_2d(lo: np.ndarray, hi: np.ndarray, ends: np.ndarray, lines, chained: np.ndarray) -> np.ndarray:
    """:func:`_hidden` in 2-D: for every two boxes that share part of an edge, the largest
    disagreement ``m`` of their polynomials along the shared part (at 15 points of it), times
    each box's blind strip there (``_BLIND`` times its half-width across the edge, times the
    shared length), added to both. Edges on ``lines`` (per axis, the coordinates the caller
    declares a density to jump or kink at) are left out: a jump exactly there is no error,
    and refining every box along the line to shrink the strips would only spend the budget.
    So are pairs where either box is in a chain of singular boxes (``chained``): along a
    singular face the polynomials of neighbours disagree through their fit of the singularity,
    not through a hidden jump, and the chain's remainder already bounds what is left; and
    disagreements that are not finite. ``(boxes, channels)``."""
    hidden = np.zeros((lo.shape[0], ends.shape[3]))
    for a in (0, 1):
        o = 1 - a
        # boxes A (their high edge on axis a) against boxes B (their low edge there), on each line
        ka = np.lexsort((lo[:, o], hi[:, a]))
        kb = np.lexsort((lo[:, o], lo[:, a]))
        pairs = []
        for first, second, key_first, key_second in ((ka, kb, hi, lo), (kb, ka, lo, hi)):
            # for each box of `second`, the box of `first` on the same line whose range holds its low end
            line_f, start_f = key_first[first, a], lo[first, o]
            line_s, start_s = key_second[second, a], lo[second, o]
            pos = np.searchsorted(np.rec.fromarrays([line_f, start_f]), np.rec.fromarrays([line_s, start_s]),
                                  side="right") - 1
            ok = pos >= 0
            cand = first[np.where(ok, pos, 0)]
            ok &= (key_first[cand, a] == line_s) & (hi[cand, o] > start_s)
            pair = np.stack([cand[ok], second[ok]], axis=1)
            pairs.append(pair if first is ka else pair[:, ::-1])
        pair = np.unique(np.concatenate(pairs), axis=0)
        if pair.size == 0:
            continue
        pa, pb = pair[:, 0], pair[:, 1]
        o1, o2 = np.maximum(lo[pa, o], lo[pb, o]), np.minimum(hi[pa, o], hi[pb, o])
        keep = o2 > o1
        keep &= ~(chained[pa] | chained[pb])
        if lines is not None and len(lines[a]):
            keep &= ~np.isin(hi[pa, a], lines[a])
        pa, pb, o1, o2 = pa[keep], pb[keep], o1[keep], o2[keep]
        s = (0.5 * (o1 + o2))[:, None] + (0.5 * (o2 - o1))[:, None] * _X1[None, :]  # 15 points on the shared part

        def local(box):
            mid, half = 0.5 * (lo[box, o] + hi[box, o]), 0.5 * (hi[box, o] - lo[box, o])
            return np.clip((s - mid[:, None]) / half[:, None], -1.0, 1.0)

        with np.errstate(over="ignore", invalid="ignore"):
            va = _on_edge(ends[pa, 2 * a + 1], local(pa))  # A's polynomial on its high edge
            vb = _on_edge(ends[pb, 2 * a], local(pb))  # B's on its low edge
            m = np.abs(va - vb).max(axis=1)  # (pairs, c)
            m = np.where(np.isfinite(m), m, 0.0)
            length = (o2 - o1)[:, None]
            np.add.at(hidden, pa, m * (_BLIND * 0.5 * (hi[pa, a] - lo[pa, a]))[:, None] * length)
            np.add.at(hidden, pb, m * (_BLIND * 0.5 * (hi[pb, a] - lo[pb, a]))[:, None] * length)
    return hidden


def _children(lo: np.ndarray, hi: np.ndarray, axis: np.ndarray):
    """Bisect every box along its axis (two children each)."""
    rows = np.arange(lo.shape[0])
    mid = 0.5 * (lo[rows, axis] + hi[rows, axis])
    hi_left, lo_right = hi.copy(), lo.copy()
    hi_left[rows, axis] = mid
    lo_right[rows, axis] = mid
    return np.concatenate([lo, lo_right]), np.concatenate([hi_left, hi])


def _split_history(ik_parent, cik, cek, axis, rounded, change, rest, ratio):
    """The children's ``(change, rest, ratio)`` (each ``(2k, d, c)``) after ``k`` boxes with
    Kronrod values ``ik_parent`` and histories ``change``, ``rest``, ``ratio`` are bisected
    along ``axis`` into children (left ``k``, then right ``k``) with values and estimates
    ``cik``, ``cek``; ``rounded`` marks the splits whose children are narrower than
    ``_ROUNDED_WIDTH`` relative to their coordinates.

    The split's change ``Δ = K_left + K_right − K_parent`` (0 when it is rounding) gives, with
    the change of the last split along the same axis, the ratio ``ρ`` (capped at
    ``_RHO_MAX``; where ``rounded``, the ratio measured before, if any) and the remainder
    ``_SAFETY Δ ρ / (1 − ρ)`` (0 below ``_RHO_MIN``). Each child takes its share of the
    change, the remainder and the histories of the other axes, in proportion to its
    ``|K − G|`` (halves where both are 0), and the ratios as they are."""
    k = ik_parent.shape[0]
    left, right = cik[:k], cik[k:]
    with np.errstate(over="ignore", invalid="ignore"):
        delta = np.abs(left + right - ik_parent)
        noise = _NOISE_ULPS * float(np.finfo(np.float64).eps) * (np.abs(left) + np.abs(right) + np.abs(ik_parent))
    delta = np.where(delta > noise, delta, 0.0)
    rows = np.arange(k)
    prev = change[rows, axis]  # (k, c)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rho = np.where(prev > 0, delta / prev, 0.0)
        rho = np.minimum(rho, _RHO_MAX)
        before = ratio[rows, axis]
        rho = np.where(rounded[:, None] & (before > 0), before, rho)
        remainder = np.where((rho >= _RHO_MIN) & (delta > 0), _SAFETY * delta * rho / (1.0 - rho), 0.0)
        total = cek[:k] + cek[k:]
        share_left = np.where(total > 0, cek[:k] / total, 0.5)
    new_change, new_rest, new_ratio = change.copy(), rest.copy(), ratio.copy()
    new_change[rows, axis] = delta
    new_rest[rows, axis] = remainder
    new_ratio[rows, axis] = np.where(delta > 0, rho, 0.0)
    shares = np.concatenate([share_left, 1.0 - share_left])[:, None, :]  # (2k, 1, c)
    with np.errstate(invalid="ignore"):  # an infinite change or remainder (an overflowing box): the caller's to judge
        return (np.concatenate([new_change, new_change]) * shares, np.concatenate([new_rest, new_rest]) * shares,
                np.concatenate([new_ratio, new_ratio]))


def integrate(fn: Callable, lo: np.ndarray, hi: np.ndarray, score: Callable, *,
              max_boxes: int, max_split: int, lines=None) -> Cubature:
    """Adaptive cubature of ``fn`` over the boxes ``[lo_i, hi_i]`` (arrays ``(n, d)``).

    ``score(value, error, per_box_error)`` -> ``(per_box_scores, done)``: given the running
    totals it says how much each box's error counts and whether the totals already meet the
    target. The boxes with the largest scores are bisected (at most ``max_split`` per round)
    until ``done`` or ``max_boxes`` boxes exist (then ``converged`` is False and the estimate is
    what it is). A total or error that is not finite stops it at once, not converged: the
    caller decides. A box's error is the larger of ``|K − G|`` and the geometric remainder of
    its chain of splits (module docstring: singular boxes), plus what its blind strips may hold
    (module docstring; in 2-D not along ``lines``, one array of coordinates per axis where the
    caller declares the integrand to jump).
    """
    rule_d = _RULES[lo.shape[1]]
    ik, ek, axis, evals, ends = _boxes(lo, hi, fn, *rule_d)
    change = np.zeros((lo.shape[0], lo.shape[1], ik.shape[1]))  # per box, axis, channel
    rest, ratio = np.zeros_like(change), np.zeros_like(change)
    while True:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowing total is the callers' to judge
            eff = np.maximum(ek, rest.sum(axis=1))
            eff = eff + (_hidden(lo, hi, ends) if lo.shape[1] == 1 else
                         _hidden_2d(lo, hi, ends, lines, chained=(rest > 0).any(axis=(1, 2))))
            total, err = ik.sum(axis=0), eff.sum(axis=0)
        if not (np.all(np.isfinite(total)) and np.all(np.isfinite(err))):
            # an overflowing integral (a growing tail) or a cell whose two rules are inf - inf:
            # refining cannot make it finite (and a NaN score never meets the target)
            return Cubature(total, err, lo.shape[0], evals, False)
        per_box, done = score(total, err, eff)
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
        # a box whose error is mostly the remainder of a chain along one axis is split along
        # that axis, which renews the remainder (split along another, it would only be shared)
        if lo.shape[1] > 1:
            by_axis = rest.sum(axis=2)
            chain = by_axis.sum(axis=1) > ek.sum(axis=1)
            axis = np.where(chain, np.argmax(by_axis, axis=1), axis)
        # a box at the resolution of the floats is not split (its nodes would meet its edges):
        # its error estimate stays in the total
        rows = np.arange(lo.shape[0])
        width = hi[rows, axis] - lo[rows, axis]
        scale = np.maximum(np.abs(lo[rows, axis]), np.abs(hi[rows, axis]))
        splittable = width > _MIN_WIDTH * scale
        pick = pick[splittable[pick]]
        if pick.size == 0:
            worst = order[0]
            return Cubature(total, err, lo.shape[0], evals, False,
                            tuple(float(v) for v in 0.5 * (lo[worst] + hi[worst])))
        keep = np.ones(lo.shape[0], dtype=bool)
        keep[pick] = False
        clo, chi = _children(lo[pick], hi[pick], axis[pick])
        cik, cek, caxis, n, cends = _boxes(clo, chi, fn, *rule_d)
        evals += n
        rounded = 0.5 * width[pick] <= _ROUNDED_WIDTH * scale[pick]
        cchange, crest, cratio = _split_history(ik[pick], cik, cek, axis[pick], rounded, change[pick], rest[pick],
                                                ratio[pick])
        lo, hi = np.concatenate([lo[keep], clo]), np.concatenate([hi[keep], chi])
        ik, ek = np.concatenate([ik[keep], cik]), np.concatenate([ek[keep], cek])
        change, rest = np.concatenate([change[keep], cchange]), np.concatenate([rest[keep], crest])
        ratio = np.concatenate([ratio[keep], cratio])
        axis = np.concatenate([axis[keep], caxis])
        ends = np.concatenate([ends[keep], cends])
