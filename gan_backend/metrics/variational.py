r"""The neural variational estimate of ``D_f(Q‖P)`` (docs/theory.md S6, the f-GAN bound).

:func:`estimate_divergence` trains only an f-GAN discriminator ``V`` on two samples and
returns the held-out value of the bound

.. math:: \hat D = \frac1{m_Q}\sum_{x \in Q_{ho}} g_f(V(x))
          \;-\; \frac1{m_P}\sum_{y \in P_{ho}} f^*(g_f(V(y))) \;\le\; D_f(Q \,\|\, P)
          \quad\text{in expectation,}

Q (the numerator) first, as everywhere in this project. ``V`` is trained on the other
part of the samples, so for the trained ``V`` the held-out value is an unbiased estimate
of ``E_Q g_f(V) − E_P f*(g_f(V))``, which is below ``D_f(Q‖P)`` for *every* V
(Fenchel–Young): the estimate can exceed the divergence only by sampling error, which is
reported (``DivergenceEstimate.stderr``). Training uses the f-GAN loss of
:class:`gan_backend.engine.objectives.FGan` (the same code as GAN training, with its log-space,
length-capped gradients) with Q as the "real" sample.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

import fdiv

from gan_backend.engine._validate import as_rng, positive_int
from gan_backend.engine.mlp import MLP
from gan_backend.engine.objectives import FGan
from gan_backend.engine.optim import make_optimizer

__all__ = ["DivergenceEstimate", "estimate_divergence", "output_bound", "TERM_BOUND"]

#: Length cap of the loss gradient (:class:`~gan_backend.engine.objectives.FGan`), as a safety net
#: only: V starts near 0 (Glorot init on standardised inputs), so the exact gradient is
#: used in practice. A cap that binds often (the GAN loop's 1) rescales exactly the
#: minibatches holding the most informative tail points and biases the fit there.
GRAD_CAP = 1e6

#: Largest magnitude allowed for a term ``g_f(V)`` or ``f*(g_f(V))``: a mean, a variance and a
#: difference of such terms over any sample that fits in memory stay finite in float64.
TERM_BOUND = 1e150


def output_bound(f) -> float:
    r"""Largest ``v_max`` with ``|g_f(±v)|`` and ``|f*(g_f(±v))|`` at most :data:`TERM_BOUND`
    for every ``|v| <= v_max`` (bisection on ``log10 v`` in [-3, 100]).

    :func:`estimate_divergence` clips ``V`` to ``[-v_max, v_max]``. The bound of S6 holds
    for every ``V`` (Fenchel–Young), a clipped one included, so the estimate stays a
    lower estimate; the clip only keeps every held-out term finite where ``D_f = +inf``
    (the unbounded maximisation would otherwise overflow float64 and give ``inf - inf``).
    Where ``D_f`` is finite it binds only at points whose optimal ``V`` is beyond it
    (e.g. ``v_max ≈ 346`` for kl: density ratios beyond ``e^345``).

    Examples
    --------
    >>> import fdiv
    >>> round(output_bound(fdiv.get("kl")), 1)   # f*(g_f(v)) = exp(v - 1) <= 1e150
    346.4
    >>> output_bound(fdiv.get("tv")) == 1e100   # bounded activation: no clip in practice
    True
    """
    def ok(v):
        t = np.array([-v, v], dtype=np.float64)
        with np.errstate(all="ignore"):
            g = np.asarray(f.activation(t), dtype=np.float64)
            c = np.asarray(f.conjugate_activation(t), dtype=np.float64)
        return bool(np.all(np.abs(g) <= TERM_BOUND) and np.all(np.abs(c) <= TERM_BOUND))

    lo, hi = -3.0, 100.0
    if ok(10.0 ** hi):
        return 10.0 ** hi
    if not ok(10.0 ** lo):
        raise ValueError(f"`f` = {f.name}: g_f or f*(g_f) exceeds {TERM_BOUND:g} at |v| = 1e-3")
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(10.0 ** mid) else (lo, mid)
    return 10.0 ** lo


@dataclass(frozen=True)
class DivergenceEstimate:
    """Result of :func:`estimate_divergence`.

    Attributes
    ----------
    estimate : float
        Held-out variational estimate of ``D_f(Q‖P)`` after the last step.
    stderr : float
        Its standard error (sampling error of the two held-out means).
    curve : ndarray, shape (k, 2)
        ``[step, held-out estimate]`` rows, ending at ``step = steps``.
    f : str
        Name of the divergence.
    steps : int
        Discriminator steps taken.
    n_heldout : tuple of int
        Held-out sample sizes ``(m_Q, m_P)``.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_backend import estimate_divergence
    >>> rng = np.random.default_rng(0)
    >>> x_q, x_p = rng.normal(0.5, 1.0, (2000, 1)), rng.normal(0.0, 1.0, (2000, 1))
    >>> r = estimate_divergence("js", x_q, x_p, steps=50, rng=1)
    >>> type(r).__name__, r.f, r.steps, r.curve.shape[1]
    ('DivergenceEstimate', 'js', 50, 2)
    """

    estimate: float
    stderr: float
    curve: np.ndarray
    f: str
    steps: int
    n_heldout: tuple


def _as_sample(name, x) -> np.ndarray:
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be an array of real numbers; got {x!r:.60}") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 4 or a.shape[1] < 1:
        raise ValueError(f"`{name}` must have shape (n,) or (n, d) with n >= 4; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"`{name}` must contain only finite values")
    return a


def _split(x, frac, rng):
    """(training part, held-out part): ``round(frac * n)`` points held out, but at least 2
    (a standard error needs two values) and at most ``n - 1``; ``n >= 4`` (:func:`_as_sample`)."""
    idx = rng.permutation(x.shape[0])
    m = min(max(2, int(round(frac * x.shape[0]))), x.shape[0] - 1)
    return x[idx[m:]], x[idx[:m]]


#: Coordinates whose largest magnitude lies outside this range are divided by it before the
#: mean and standard deviation are taken: their squares would overflow to inf (1e300) or
#: underflow to 0 (1e-300), and the standardised data would be all zeros.
_PLAIN_RANGE = (1e-150, 1e150)


def _standardised(pooled, *arrays):
    """``arrays`` mapped by the affine standardisation of ``pooled`` (the training points):
    per coordinate, minus the mean, over the standard deviation (1 where it is 0). Computed
    on ``x / max|x|`` for coordinates outside :data:`_PLAIN_RANGE`, so that any finite data
    standardise to the same spread."""
    scale = np.abs(pooled).max(axis=0)
    scale = np.where((scale > 0) & ((scale < _PLAIN_RANGE[0]) | (scale > _PLAIN_RANGE[1])), scale, 1.0)
    if (scale != 1.0).any():
        pooled, arrays = pooled / scale, tuple(a / scale for a in arrays)
    mu, sd = pooled.mean(0), pooled.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    return tuple((a - mu) / sd for a in arrays)


def _values(fn, D: MLP, x, vmax: float, chunk: int = 8192) -> np.ndarray:
    """``fn(clip(V(x), ±vmax))`` per row of ``x`` in float64 (in chunks: bounded memory)."""
    return np.concatenate([np.asarray(fn(np.clip(D.forward(x[i:i + chunk]), -vmax, vmax)),
                                      dtype=np.float64).ravel() for i in range(0, x.shape[0], chunk)])


def _heldout(obj: FGan, D: MLP, xq, xp, vmax: float):
    """Held-out bound ``mean g_f(V) on Q − mean f*(g_f(V)) on P`` and its standard error;
    every term is at most :data:`TERM_BOUND` in magnitude, so both are finite."""
    a = _values(obj.f.activation, D, xq, vmax)
    c = _values(obj.f.conjugate_activation, D, xp, vmax)
    return float(a.mean() - c.mean()), float(np.sqrt(a.var(ddof=1) / a.size + c.var(ddof=1) / c.size))


def estimate_divergence(f, x_q, x_p, *, steps: int = 2000, rng=None, heldout: float = 0.3,
                        hidden=(32, 32), lr: float = 3e-3, batch_size: int = 256,
                        n_curve: int = 30, warmup: float = 0.2) -> DivergenceEstimate:
    r"""Variational lower estimate of ``D_f(Q‖P)`` from samples ``x_q ~ Q``, ``x_p ~ P``.

    A discriminator ``V`` (an MLP ``d → hidden → 1``, ELU, Glorot init, float64) is
    trained by Adam to maximise ``E_Q g_f(V) − E_P f*(g_f(V))`` (S6) on minibatches drawn
    with replacement from the training parts of the samples; its value on the held-out
    parts is returned with the training curve. Inputs are standardised by an affine map
    fitted on the training parts (``D_f`` is invariant under invertible maps of the
    space). The learning rate decays linearly to ``lr / 10`` over the run so that the
    last iterate is not dominated by step noise. ``V`` is clipped to
    ``[-v_max, v_max]`` (:func:`output_bound`), which keeps every term finite in float64
    without leaving the family of valid bounds: where ``D_f = +inf`` the estimate grows
    with the steps (until a term reaches ``TERM_BOUND``) instead of overflowing to ``inf - inf``.

    Parameters
    ----------
    f : fdiv.FDivergence or str
        The divergence (a registry name or ``"alpha(<a>)"`` is looked up with ``fdiv.get``).
    x_q, x_p : array_like, shape (n, d) or (n,)
        Samples of Q (numerator) and P; any dimension ``d``, the same for both.
    steps : int
        Discriminator steps (default 2000).
    rng : numpy.random.Generator, int or None
        Split, initialisation and minibatches.
    heldout : float
        Fraction of each sample held out for the estimate, in (0, 1) (default 0.3); at
        least 2 points of each sample are held out, so that ``stderr`` is defined.
    hidden : tuple of int
        Hidden widths of V.
    lr : float
        Adam's initial learning rate (3e-3).
    batch_size : int
        Minibatch size drawn from each sample.
    n_curve : int
        Number of held-out evaluations recorded in ``curve`` (evenly spaced).
    warmup : float
        Fraction of the steps, in [0, 1), first trained with the logistic (js) loss, whose
        optimum ``V = log(dQ/dP)`` has the right sign everywhere; then the f loss takes
        over. Without it, entries with a two-sided saturating activation (tv:
        ``tanh``, optimum ``±inf``) get stuck about half of the time where V saturated on
        the wrong side early (``sech² V ≈ 0``: no gradient). The curve always shows the
        f bound (valid for any V).

    Returns
    -------
    DivergenceEstimate

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> q = rng.normal(1.0, 1.0, 4000); p = rng.normal(0.0, 1.0, 4000)   # KL(Q||P) = 0.5
    >>> r = estimate_divergence("kl", q, p, steps=300, rng=1)
    >>> 0.3 < r.estimate < 0.5 + 3 * r.stderr
    True
    """
    if isinstance(f, str):
        f = fdiv.get(f)
    if not isinstance(f, fdiv.FDivergence):
        raise ValueError(f"`f` must be an fdiv.FDivergence or a registry name; got {f!r:.60}")
    xq, xp = _as_sample("x_q", x_q), _as_sample("x_p", x_p)
    if xq.shape[1] != xp.shape[1]:
        raise ValueError(f"`x_q` and `x_p` must have the same dimension; got {xq.shape[1]} and {xp.shape[1]}")
    steps = positive_int("steps", steps)
    batch_size = positive_int("batch_size", batch_size)
    n_curve = positive_int("n_curve", n_curve)
    if isinstance(heldout, bool) or not isinstance(heldout, numbers.Real) or not (0 < heldout < 1):
        raise ValueError(f"`heldout` must be in (0, 1); got {heldout!r}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (0 < lr < np.inf):
        raise ValueError(f"`lr` must be a positive finite number; got {lr!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, numbers.Real) or not (0 <= warmup < 1):
        raise ValueError(f"`warmup` must be in [0, 1); got {warmup!r}")
    hidden = tuple(positive_int("hidden", h) for h in hidden)
    rng = as_rng(rng)

    q_tr, q_ho = _split(xq, heldout, rng)
    p_tr, p_ho = _split(xp, heldout, rng)
    q_tr, q_ho, p_tr, p_ho = _standardised(np.concatenate((q_tr, p_tr)), q_tr, q_ho, p_tr, p_ho)

    obj = FGan(f, grad_cap=GRAD_CAP)
    vmax = output_bound(f)
    D = MLP((xq.shape[1], *hidden, 1), activation="elu", dtype="float64")
    D.init(rng, "glorot")
    opt = make_optimizer("adam", D.parameters(), float(lr), beta1=0.9, beta2=0.999)
    marks = set(np.unique(np.linspace(0, steps, n_curve + 1).round().astype(int))[1:].tolist())
    curve = []
    with threadpool_limits(limits=1, user_api="blas"):  # tiny products: one thread is fastest
        warm = FGan(fdiv.get("js"), grad_cap=GRAD_CAP)
        _fit(obj, warm, int(warmup * steps), D, opt, q_tr, p_tr, q_ho, p_ho, steps, lr, batch_size,
             marks, curve, rng, vmax)
    est, se = _heldout(obj, D, q_ho, p_ho, vmax)
    return DivergenceEstimate(estimate=est, stderr=se, curve=np.array(curve, dtype=np.float64),
                              f=f.name, steps=steps, n_heldout=(q_ho.shape[0], p_ho.shape[0]))


def _fit(obj, warm, n_warm, D, opt, q_tr, p_tr, q_ho, p_ho, steps, lr, b, marks, curve, rng, vmax):
    for s in range(1, steps + 1):
        opt.lr = lr * (1.0 - 0.9 * (s - 1) / max(1, steps - 1))
        xb = np.concatenate((q_tr[rng.integers(0, q_tr.shape[0], b)],
                             p_tr[rng.integers(0, p_tr.shape[0], b)]))
        v = D.forward(xb)
        inside = np.abs(v) <= vmax  # the clip's derivative: 1 inside, 0 beyond
        v = np.clip(v, -vmax, vmax)
        _, g_q, g_p = (warm if s <= n_warm else obj).d_loss(v[:b], v[b:], value=False)
        D.backward(np.concatenate((g_q, g_p)) * inside, need_dx=False)
        opt.step()
        if s in marks:
            curve.append((s, _heldout(obj, D, q_ho, p_ho, vmax)[0]))
