r"""GAN objectives on the discriminator's raw output ``V`` (a logit / critic value).

Every objective is a small object with two methods, each returning the loss *to
minimise* and its gradient with respect to the discriminator output (means over the
batch already included):

* ``d_loss(v_real, v_fake) -> (value, dL/dv_real, dL/dv_fake)``
* ``g_loss(v_fake)         -> (value, dL/dv_fake)``

``v_*`` have shape ``(n, 1)``. With ``value=False`` the value is skipped (returned as
None) — the training loop only pays for it when it shows progress. All losses are
written on logits in stable forms: ``softplus(v) = log(1 + e^v)`` as
``logaddexp(0, v)`` and ``σ(v)`` as ``expit``; nothing overflows for large ``|v|``.
P is the data distribution, Q the model's.

==========================  =====================================  ================================
objective                   discriminator loss                     generator loss
==========================  =====================================  ================================
``minimax``                 ``E_P sp(−V) + E_Q sp(V)``             ``−E_Q sp(V)`` (= E_Q log(1−D))
``nonsaturating``           same                                   ``E_Q sp(−V)`` (= −E_Q log D, the
                                                                   slides' "log trick")
``wgan``                    ``E_Q V − E_P V`` (critic, clipped)    ``−E_Q V``
``fgan:<name>``             ``−(E_P g_f(V) − E_Q f*(g_f(V)))``     ``−E_Q g_f(V)`` (non-saturating)
``fgan-saturating:<name>``  same                                   ``−E_Q f*(g_f(V))`` (the saddle
                                                                   point's own loss)
==========================  =====================================  ================================

(``sp`` = softplus, ``D = σ(V)``.) The WGAN critic's weight clipping and n_critic, and
the first-order unrolled look-ahead (``GanConfig.unrolled = k``: the generator is
updated against a copy of D advanced by k extra D steps, no gradient through the
unrolling), are training-loop devices and live in :mod:`gan_backend.engine.train`.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as _np_expit

import fdiv

from gan_backend.engine._backend import array_module, expit, to_device, to_numpy

__all__ = [
    "Objective",
    "Minimax",
    "NonSaturating",
    "WGAN",
    "FGan",
    "Centered",
    "centered",
    "OBJECTIVES",
    "get_objective",
    "objective_names",
]


def _sigmoid(v, out=None):
    """σ(v) = 1/(1+e^{−v}) without overflow (expit of the array's own library)."""
    if type(v) is np.ndarray:
        return _np_expit(v, out=out)
    return expit(array_module(v))(v, out=out)  # pragma: no cover - GPU only


def _softplus_mean(v) -> float:
    """mean of log(1 + e^v), stable for any v."""
    return float(array_module(v).logaddexp(0, v).mean())


class Objective:
    """Base class. ``name`` is the spec string that builds the objective."""

    name = "objective"

    def d_loss(self, v_real, v_fake, *, value: bool = True):
        raise NotImplementedError

    def g_loss(self, v_fake, *, value: bool = True):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Minimax(Objective):
    r"""The original GAN game, ``min_G max_D E_P log D + E_Q log(1 − D)`` with ``D = σ(V)``.

    D loss ``E_P sp(−V) + E_Q sp(V)``: gradients ``−σ(−V)/n_P`` and ``σ(V)/n_Q``.
    G loss ``E_Q log(1 − σ(V)) = −E_Q sp(V)``: gradient ``−σ(V)/n_Q`` (saturates when D
    confidently rejects the samples, which is why :class:`NonSaturating` exists).
    """

    name = "minimax"

    def d_loss(self, v_real, v_fake, *, value=True):
        g_real = _sigmoid(-v_real)
        g_real *= -1.0 / v_real.shape[0]
        g_fake = _sigmoid(v_fake)
        g_fake *= 1.0 / v_fake.shape[0]
        val = _softplus_mean(-v_real) + _softplus_mean(v_fake) if value else None
        return val, g_real, g_fake

    def g_loss(self, v_fake, *, value=True):
        g = _sigmoid(v_fake)
        g *= -1.0 / v_fake.shape[0]
        return (-_softplus_mean(v_fake) if value else None), g


class NonSaturating(Minimax):
    r"""Minimax D loss; generator minimises ``−E_Q log D = E_Q sp(−V)`` (the "log trick").

    Gradient ``−σ(−V)/n_Q``: large exactly where D rejects the samples. docs/theory.md S9:
    this is an f-divergence minimisation with ``f(x) = log(1 + 1/x)``.
    """

    name = "nonsaturating"

    def g_loss(self, v_fake, *, value=True):
        g = _sigmoid(-v_fake)
        g *= -1.0 / v_fake.shape[0]
        return (_softplus_mean(-v_fake) if value else None), g


class WGAN(Objective):
    r"""Wasserstein GAN (Arjovsky et al.): critic loss ``E_Q V − E_P V``, G loss ``−E_Q V``.

    ``V`` is unbounded; the critic is kept (roughly) Lipschitz by clipping its weights
    to ``[−c, c]`` after each update (``GanConfig.clip``, WGAN default c = 0.01, with
    RMSProp lr 5e-5 and n_critic = 5: :meth:`GanConfig.for_objective`). Then
    ``max_V E_P V − E_Q V`` estimates ``W_1(P, Q)`` up to a constant factor (docs/theory.md §4).
    """

    name = "wgan"

    def d_loss(self, v_real, v_fake, *, value=True):
        xp = array_module(v_real, v_fake)
        g_real = xp.full_like(v_real, -1.0 / v_real.shape[0])
        g_fake = xp.full_like(v_fake, 1.0 / v_fake.shape[0])
        val = float(v_fake.mean() - v_real.mean()) if value else None
        return val, g_real, g_fake

    def g_loss(self, v_fake, *, value=True):
        g = array_module(v_fake).full_like(v_fake, -1.0 / v_fake.shape[0])
        return (-float(v_fake.mean()) if value else None), g


class FGan(Objective):
    r"""f-GAN (Nowozin, Cseke & Tomioka 2016) for an :class:`fdiv.FDivergence` ``f``.

    The discriminator's output ``V`` goes through the entry's output activation
    ``g_f: ℝ → dom f*`` (``f.activation``), and D maximises the variational bound

    .. math:: F(V) = E_P[g_f(V)] − E_Q[f^*(g_f(V))] \;\le\; D_f(P \,\|\, Q),

    i.e. the D loss is ``−F`` with gradients ``−g_f'(V)/n_P`` on real points
    and ``(f^*∘g_f)'(V)/n_Q`` on generated ones (``f^*∘g_f`` itself is
    ``f.conjugate_activation``, evaluated stably by fdiv).

    **Argument order.** Nowozin et al. write ``D_f(P‖Q) = ∫ q f(p/q) dx`` with P the data
    and Q the model: the *first* argument is the numerator. docs/theory.md §0 uses the same
    rule, ``D_f(A‖B) = ∫ f(dA/dB) dB``, so the bound estimates
    ``D_f(P_data ‖ P_model)`` in THEORY's notation too (S6 with Q := P_data,
    P := P_model). The AdaGAN theory (§2) is about ``D_f(P_model ‖ P_data)``, the
    other order; by S2 that equals ``D_{f°}(P_data ‖ P_model)``, so training on it means
    an f-GAN with the dual generator ``f° = fdiv.dual(f)``.

    **Generator loss** (Nowozin et al. 2016, §3.2). ``generator="nonsaturating"``
    (default; spec ``fgan:<name>``): G maximises ``E_Q g_f(V)``, the paper's practical
    update and the f-GAN analogue of the −log D trick: loss ``−E_Q g_f(V)``, gradient
    ``−g_f'(V)/n_Q``. ``generator="saturating"`` (spec ``fgan-saturating:<name>``): G
    minimises the saddle point's own F, i.e. ``−E_Q f*(g_f(V))``, gradient
    ``−(f*∘g_f)'(V)/n_Q``. For ``f = gan`` (``g_f(v) = −log(1 + e^{−v})``,
    ``f*(g_f(v)) = softplus(v)``) the two are exactly :class:`NonSaturating` and
    :class:`Minimax`. Both have the same stationary point (``g_f(V) = f'(dP/dQ)``);
    they differ where D rejects the samples (``V → −∞``): there the saturating weight
    ``(f*∘g_f)'(V) = f*'(g_f(V))·g_f'(V)`` is ``g_f'(V)`` times the density ratio
    ``f*'(g_f(V))``, which tends to 0 for every f whose conjugate's derivative vanishes
    at the left end of dom f* (the generator gets no signal from rejected samples),
    while the non-saturating weight is ``g_f'(V)`` alone.

    **Stability: the gradient's length is capped, its direction is exact.** The weights
    ``g_f'(V)`` and ``(f^*∘g_f)'(V)`` are exponential in ``V`` for kl, reverse_kl,
    squared_hellinger, neyman_chi2, jeffreys and alpha(a ≠ 0, 1) (kl: ``e^{V−1}``), and
    the toy initialisation (weights N(0, 0.8²), data of scale 15) starts D with ``|V|``
    in the hundreds: the exact gradient is ``inf`` in float32 (``e^{89}``) and, where it
    is finite, its square overflows inside Adam; the parameters become NaN within one
    step. Both losses therefore form their per-sample weights in log space
    (:func:`fdiv.fgan_log_weights`) and multiply the whole minibatch gradient by one
    common factor ``s = min(1, grad_cap / max_i w_i)`` (``w_i = n |∂L/∂v_i|``) before
    exponentiating: global gradient-norm clipping at the loss output. The direction is
    the exact gradient's, so every fixed point (the optimal ``g_f(V) = f'(dP/dQ)``) is
    unchanged; only steps that would be longer than the standard GAN's
    (``grad_cap = 1``: the ``gan`` entry's weights σ(±V) never exceed 1, so for it the
    cap never acts) are shortened. ``grad_cap=None`` returns the exact gradient. Loss
    values are computed in float64 (they may be ``inf`` where the true value overflows).
    """

    _GENERATORS = ("nonsaturating", "saturating")
    #: spec prefix of each generator loss
    _PREFIX = {"nonsaturating": "fgan", "saturating": "fgan-saturating"}

    def __init__(self, f, *, generator: str = "nonsaturating", grad_cap: float | None = 1.0):
        if generator not in self._GENERATORS:
            raise ValueError(f"`generator` must be one of {', '.join(self._GENERATORS)}; got {generator!r}")
        for attr in ("activation", "activation_prime", "conjugate_activation",
                     "conjugate_activation_prime"):
            if not callable(getattr(f, attr, None)):
                raise ValueError(f"`f` must be an fdiv.FDivergence with .{attr}(v); got {f!r:.80}")
        if grad_cap is not None and not (isinstance(grad_cap, (int, float)) and not isinstance(grad_cap, bool)
                                         and np.isfinite(grad_cap) and grad_cap > 0):
            raise ValueError(f"`grad_cap` must be a positive finite number or None; got {grad_cap!r}")
        self.f = f
        self.generator = generator
        self.grad_cap = None if grad_cap is None else float(grad_cap)
        self._log_cap = None if grad_cap is None else float(np.log(grad_cap))
        self.name = f"{self._PREFIX[generator]}:{getattr(f, 'name', '?')}"

    def _log_weights(self, v):
        """(log g_f'(v), log (f*∘g_f)'(v)) on the host in float64."""
        return fdiv.fgan_log_weights(self.f, to_numpy(v))

    def _shift(self, *logs):
        """log of the common factor s = min(1, grad_cap / max w), one per column: the
        minibatch is axis 0, and a leading run axis (R columns, :mod:`gan_backend.engine.batched`)
        gives every run its own factor, so that runs trained together never affect each other."""
        if self._log_cap is None:
            return 0.0
        ms = [np.max(a, axis=0, keepdims=True) for a in logs if a.size]
        if not ms:
            return 0.0
        m = ms[0]
        for a in ms[1:]:
            m = np.maximum(m, a)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(m), np.minimum(0.0, self._log_cap - m), 0.0)

    @staticmethod
    def _grad(log_w, shift, scale, like):
        with np.errstate(under="ignore"):
            g = np.exp(log_w + shift) * scale
        if type(like) is np.ndarray:
            return g.astype(like.dtype, copy=False)
        return to_device(g, array_module(like), dtype=like.dtype)  # pragma: no cover - GPU only

    def _values(self, fn, v) -> float:
        with np.errstate(all="ignore"):
            return float(np.mean(fn(to_numpy(v).astype(np.float64))))

    def d_loss(self, v_real, v_fake, *, value=True):
        f = self.f
        lg_real, _ = self._log_weights(v_real)
        _, lc_fake = self._log_weights(v_fake)
        shift = self._shift(lg_real, lc_fake)
        g_real = self._grad(lg_real, shift, -1.0 / v_real.shape[0], v_real)
        g_fake = self._grad(lc_fake, shift, 1.0 / v_fake.shape[0], v_fake)
        val = None
        if value:
            val = -(self._values(f.activation, v_real) - self._values(f.conjugate_activation, v_fake))
        return val, g_real, g_fake

    def g_loss(self, v_fake, *, value=True):
        f, scale = self.f, -1.0 / v_fake.shape[0]
        lg, lc = self._log_weights(v_fake)
        if self.generator == "saturating":
            log_w, fn = lc, f.conjugate_activation
        else:
            log_w, fn = lg, f.activation
        g = self._grad(log_w, self._shift(log_w), scale, v_fake)
        return (-self._values(fn, v_fake) if value else None), g


class Centered(Objective):
    r"""``objective`` with the discriminator's offset pinned (``GanConfig.d_center``).

    D's loss gains ``(λ/2)·m²`` with ``m`` the mean of V over the joint minibatch (real
    and generated points together), so every point's gradient gains ``λ·m/(n_P + n_Q)``;
    with a leading run axis (columns, :mod:`gan_backend.engine.batched`) each run has its
    own ``m``. G's loss is the wrapped objective's. The penalty acts on D only, so the
    value any V gives the variational bound is unchanged; where the objective is flat in
    the offset of V (f-GAN ``tv`` at P = Q, :data:`~gan_backend.engine.config.FGAN_F_DEFAULTS`)
    it keeps V from drifting into the saturated range of ``g_f``.

    >>> import numpy as np
    >>> obj = Centered(get_objective("fgan:tv"), 10.0)
    >>> _, g_r, g_f = obj.d_loss(np.full((2, 1), 3.0), np.full((2, 1), 1.0))
    >>> _, b_r, b_f = obj.base.d_loss(np.full((2, 1), 3.0), np.full((2, 1), 1.0))
    >>> float(g_r[0, 0] - b_r[0, 0]), float(g_f[0, 0] - b_f[0, 0])  # 10 * mean 2 / 4 points
    (5.0, 5.0)
    """

    def __init__(self, base: Objective, weight: float):
        if not isinstance(base, Objective):
            raise ValueError(f"`base` must be an Objective; got {base!r:.80}")
        ok = not isinstance(weight, bool) and isinstance(weight, (int, float, np.floating))
        if not (ok and np.isfinite(weight) and weight > 0):
            raise ValueError(f"`weight` must be a positive finite number; got {weight!r}")
        self.base, self.weight = base, float(weight)
        self.name = base.name

    def d_loss(self, v_real, v_fake, *, value=True):
        val, g_real, g_fake = self.base.d_loss(v_real, v_fake, value=value)
        n = v_real.shape[0] + v_fake.shape[0]
        m = (v_real.sum(axis=0, keepdims=True) + v_fake.sum(axis=0, keepdims=True)) / n
        g = (self.weight / n) * m
        if value:
            mm = to_numpy(m).astype(np.float64)
            val = val + float(np.mean(0.5 * self.weight * mm * mm))
        return val, g_real + g.astype(g_real.dtype, copy=False), g_fake + g.astype(g_fake.dtype, copy=False)

    def g_loss(self, v_fake, *, value=True):
        return self.base.g_loss(v_fake, value=value)

    def __repr__(self) -> str:
        return f"Centered({self.base!r}, {self.weight:g})"


def centered(objective: Objective, weight: float) -> Objective:
    """``objective`` itself for ``weight == 0``, else :class:`Centered` ``(objective, weight)``."""
    return objective if weight == 0 else Centered(objective, weight)


def _fgan(generator: str):
    prefix = FGan._PREFIX[generator]

    def build(arg: str) -> FGan:
        if not arg:
            raise ValueError(f"`objective` {prefix} needs a divergence name, e.g. '{prefix}:js'")
        try:
            f = fdiv.get(arg)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"`objective` '{prefix}:{arg}': {exc}") from None
        return FGan(f, generator=generator)

    return build


def _plain(cls):
    def build(arg: str) -> Objective:
        if arg:
            raise ValueError(f"`objective` {cls.name!r} takes no ':<argument>'; got {cls.name}:{arg}")
        return cls()

    return build


#: spec prefix -> factory(argument); "fgan:<name>" and "fgan-saturating:<name>" take an
#: fdiv registry name
OBJECTIVES = {
    "minimax": _plain(Minimax),
    "nonsaturating": _plain(NonSaturating),
    "wgan": _plain(WGAN),
    "fgan": _fgan("nonsaturating"),
    "fgan-saturating": _fgan("saturating"),
}

_CHOICES = "minimax, nonsaturating, wgan, fgan:<name>, fgan-saturating:<name>"


def objective_names() -> list[str]:
    """Spec strings accepted by :func:`get_objective` (``fgan:<name>`` and
    ``fgan-saturating:<name>`` for every fdiv name)."""
    names = [k for k in OBJECTIVES if k not in FGan._PREFIX.values()]
    for prefix in FGan._PREFIX.values():
        names += [f"{prefix}:{n}" for n in fdiv.names()]
    return names


def get_objective(spec) -> Objective:
    """Build an objective from its spec: ``minimax``, ``nonsaturating``, ``wgan``,
    ``fgan:<fdiv name>`` (f-GAN, non-saturating generator loss) or
    ``fgan-saturating:<fdiv name>`` (f-GAN, the saddle point's generator loss); an
    :class:`Objective` instance is returned as is. Anything else raises ``ValueError``.

    Examples
    --------
    >>> from gan_backend.engine.objectives import get_objective
    >>> get_objective("fgan:js"), get_objective("fgan-saturating:js").generator
    (FGan('fgan:js'), 'saturating')
    """
    if isinstance(spec, Objective):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"`objective` must be a string such as 'nonsaturating'; got {spec!r}")
    kind, _, arg = spec.partition(":")
    try:
        factory = OBJECTIVES[kind]
    except KeyError:
        raise ValueError(f"`objective` must be one of {_CHOICES}; got {spec!r}") from None
    return factory(arg)
