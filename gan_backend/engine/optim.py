"""Optimisers (in place, state per parameter array) and weight clipping.

Each optimiser takes a list of ``(value, grad)`` pairs (``Module.parameters()``), keeps
its state arrays next to each pair, and in its ``step()`` updates ``value`` in place from
``grad`` with a few whole-array operations written into preallocated buffers. The
update rules are PyTorch's (so the B3 benchmark compares like with like):

* SGD:      ``b ← μ b + g`` (when μ > 0, else ``b = g``);  ``θ ← θ − η b``
* Adam:     ``m ← β₁ m + (1−β₁) g``;  ``v ← β₂ v + (1−β₂) g²``;
            ``θ ← θ − η · (m / (1−β₁ᵗ)) / (sqrt(v / (1−β₂ᵗ)) + ε)``
* RMSProp:  ``v ← α v + (1−α) g²``;  ``θ ← θ − η g / (sqrt(v) + ε)``

With a :class:`LinearDecay` schedule, step ``t`` uses ``η·factor(t)`` instead of ``η``.

The defaults are PyTorch's; the toy GAN of docs/theory.md §3 uses Adam with β₁ = 0.5 and
the WGAN uses RMSProp with η = 5e-5 (see :class:`gan_backend.engine.config.GanConfig`).
"""
from __future__ import annotations

import math
import numbers

from gan_backend.engine._backend import check_same_backend

__all__ = ["Optimizer", "LinearDecay", "SGD", "Adam", "RMSProp", "OPTIMIZERS", "make_optimizer", "clip_weights"]


def _check_positive(name: str, value) -> float:
    v = float(value)
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"`{name}` must be a positive finite number; got {value!r}")
    return v


def _check_unit(name: str, value) -> float:
    v = float(value)
    if not (0.0 <= v < 1.0):
        raise ValueError(f"`{name}` must be in [0, 1); got {value!r}")
    return v


class LinearDecay:
    """A learning-rate schedule: the full rate for steps 1 to ``start + 1``, then a linear
    fall to ``1/(end − start)`` of it at step ``end``, held after ``end``.

    The factor of step ``t`` (counted from 1) is ``min(1, (end − min(t, end) + 1) / (end − start))``:
    exactly 1 up to ``start + 1``, never 0 (a zero rate would leave Adam's update undefined).

    Parameters
    ----------
    start, end : int
        ``0 <= start < end``: the fall begins after step ``start + 1`` and reaches its lowest
        rate at step ``end``.

    Examples
    --------
    >>> d = LinearDecay(2, 6)
    >>> [d.factor(t) for t in (1, 2, 3, 4, 6, 9)]
    [1.0, 1.0, 1.0, 0.75, 0.25, 0.25]
    """

    def __init__(self, start: int, end: int):
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (start, end)) \
                or not 0 <= start < end:
            raise ValueError(f"`start` and `end` must be integers with 0 <= start < end; got {start!r}, {end!r}")
        self.start, self.end = int(start), int(end)

    def factor(self, t: int) -> float:
        if t <= self.start:
            return 1.0
        return min(1.0, (self.end - min(t, self.end) + 1) / (self.end - self.start))

    def __repr__(self) -> str:
        return f"LinearDecay(start={self.start}, end={self.end})"


class Optimizer:
    """Base class: holds ``(value, grad)`` pairs, a learning rate, an optional schedule
    (:class:`LinearDecay`) and a step counter ``t``."""

    #: names of the per-parameter state arrays (copied by :meth:`load_state`)
    _state_names: tuple[str, ...] = ()

    def __init__(self, params, lr: float, schedule: LinearDecay | None = None):
        self.params = [(p, g) for p, g in params]
        self.lr = _check_positive("lr", lr)
        if schedule is not None and not isinstance(schedule, LinearDecay):
            raise ValueError(f"`schedule` must be None or a LinearDecay; got {schedule!r}")
        self.schedule = schedule
        self.t = 0
        self.xp = check_same_backend(*(a for pair in self.params for a in pair))
        self._tmp = [p.copy() for p, _ in self.params]

    def lr_at(self, t: int) -> float:
        """The learning rate of step ``t`` (``lr`` itself, unchanged, without a schedule and
        up to the schedule's start)."""
        return self.lr if self.schedule is None else self.lr * self.schedule.factor(t)

    def _zeros(self):
        """Zero state arrays shaped and typed like the parameters (zeros also where a
        parameter is not finite: ``p * 0`` would be NaN there)."""
        return [self.xp.zeros_like(p) for p, _ in self.params]

    def step(self) -> None:
        raise NotImplementedError

    def load_state(self, other: "Optimizer", rows=None) -> None:
        """Copy ``other``'s state (moments, step count) into this optimiser (same shapes;
        with ``rows``, an index array on ``other``'s backend, the state's rows ``rows``:
        the runs kept from a run axis)."""
        if type(other) is not type(self):
            raise ValueError(f"cannot load the state of a {type(other).__name__} into a {type(self).__name__}")
        self.t = other.t
        for name in self._state_names:
            for dst, src in zip(getattr(self, name), getattr(other, name)):
                dst[...] = src if rows is None else src[rows]


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum ``μ``."""

    _state_names = ("buf",)

    def __init__(self, params, lr: float = 1e-2, momentum: float = 0.0, schedule: LinearDecay | None = None):
        super().__init__(params, lr, schedule)
        self.momentum = _check_unit("momentum", momentum)
        self.buf = self._zeros()

    def step(self) -> None:
        self.t += 1
        lr, mu = self.lr_at(self.t), self.momentum
        for (p, g), b, tmp in zip(self.params, self.buf, self._tmp):
            if mu:
                b *= mu
                b += g
                g = b
            self.xp.multiply(g, lr, out=tmp)
            p -= tmp


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, PyTorch's form of ε."""

    _state_names = ("m", "v")

    def __init__(self, params, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, schedule: LinearDecay | None = None):
        super().__init__(params, lr, schedule)
        self.beta1 = _check_unit("beta1", beta1)
        self.beta2 = _check_unit("beta2", beta2)
        self.eps = float(eps)
        if not (self.eps >= 0):
            raise ValueError(f"`eps` must be nonnegative; got {eps!r}")
        self.m = self._zeros()
        self.v = self._zeros()

    def scalars(self, t: int) -> tuple[float, float]:
        """``(scale, eps_s)`` of step ``t``: the update is ``θ -= m / (sqrt(v)·scale + eps_s)``
        (bias corrections and the learning rate folded into two scalars)."""
        step_size = self.lr_at(t) / (1.0 - self.beta1 ** t)
        # θ -= m / d with d = (sqrt(v)/sqrt(bc2) + ε) / step_size: scalars folded in once
        scale = 1.0 / (math.sqrt(1.0 - self.beta2 ** t) * step_size)
        return scale, self.eps / step_size

    def step(self) -> None:
        self.t += 1
        xp, b1, b2 = self.xp, self.beta1, self.beta2
        scale, eps_s = self.scalars(self.t)
        for (p, g), m, v, tmp in zip(self.params, self.m, self.v, self._tmp):
            m *= b1
            m += (1.0 - b1) * g
            xp.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v *= b2
            v += tmp
            d = xp.sqrt(v, out=tmp)
            d *= scale
            d += eps_s
            xp.divide(m, d, out=d)
            p -= d


class RMSProp(Optimizer):
    """RMSProp (PyTorch form, no momentum): the WGAN critic's optimiser."""

    _state_names = ("v",)

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 schedule: LinearDecay | None = None):
        super().__init__(params, lr, schedule)
        self.alpha = _check_unit("alpha", alpha)
        self.eps = float(eps)
        if not (self.eps >= 0):
            raise ValueError(f"`eps` must be nonnegative; got {eps!r}")
        self.v = self._zeros()

    def step(self) -> None:
        self.t += 1
        xp, a, inv_lr = self.xp, self.alpha, 1.0 / self.lr_at(self.t)
        eps_s = self.eps * inv_lr
        for (p, g), v, tmp in zip(self.params, self.v, self._tmp):
            xp.multiply(g, g, out=tmp)
            tmp *= 1.0 - a
            v *= a
            v += tmp
            d = xp.sqrt(v, out=tmp)
            d *= inv_lr
            d += eps_s
            xp.divide(g, d, out=d)
            p -= d


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}


def make_optimizer(name: str, params, lr: float, **kwargs) -> Optimizer:
    """Build the optimiser registered under ``name`` (``sgd``, ``adam``, ``rmsprop``)."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"`optimizer` must be one of {', '.join(OPTIMIZERS)}; got {name!r}") from None
    return cls(params, lr, **kwargs)


def clip_weights(params, c: float) -> None:
    """Clip every parameter to ``[−c, c]`` in place (the WGAN critic's Lipschitz device)."""
    c = _check_positive("clip", c)
    for p, _ in params:
        p.clip(-c, c, out=p)
