"""`GanConfig`: every knob of one GAN training, as a frozen dataclass.

The defaults are the toy GAN of docs/theory.md §3 (the AdaGAN paper's, following its public
reference code): latent 5-D N(0, I); G 5→10→5→2 and D 2→50→30→1 with ReLU; weights
N(0, 0.8²), biases 0; Adam(β₁ = 0.5) with lr 1e-3 for G and 1e-4 for D; batch 256;
15 epochs (an epoch is ``n / batch_size`` generator steps); non-saturating loss.
The data dimension is taken from the training data (2 for the toy sets).

Vary with :func:`dataclasses.replace`; :meth:`GanConfig.for_objective` gives an
objective's own defaults (WGAN: RMSProp lr 5e-5 for both nets, n_critic 5, clip 0.01).
"""
from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass

import fdiv

from gan_backend.engine._validate import positive_int, positive_widths, show
from gan_backend.engine.layers import ACTIVATIONS, INITS, check_dtype
from gan_backend.engine.objectives import get_objective
from gan_backend.engine.optim import OPTIMIZERS

__all__ = ["GanConfig", "WGAN_DEFAULTS", "FGAN_DEFAULTS", "FGAN_F_DEFAULTS", "fgan_defaults", "LATE_FIELDS",
           "LOOKAHEAD_ADAM"]

#: what :meth:`GanConfig.for_objective` changes for ``objective="wgan"`` (docs/theory.md §4)
WGAN_DEFAULTS = {"optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "n_critic": 5, "clip": 0.01}

#: what :meth:`GanConfig.for_objective` changes for ``fgan:<f>`` and ``fgan-saturating:<f>``:
#:
#: * one step size for both players, as in the single-step gradient method of Nowozin et al.
#:   (2016, Algorithm 1), instead of the toy GAN's 1e-3 (G) / 1e-4 (D). With the toy GAN's
#:   10:1 ratio the discriminator lags, the generator's samples stay 2-7 times too spread
#:   after 15 epochs: 5 of 45 fit-check runs (the 14 f-GANs and the plain non-saturating GAN,
#:   seeds 99, 4711, 31337, K = 1) fit one Gaussian; with 2e-4 for both players, 24 of 45.
#: * training in standardised coordinates (``standardize``) from a Glorot initialisation.
#:   With raw coordinates and the toy GAN's normal init (std 0.8) the discriminator ends
#:   with V >= 135 (neyman_chi2, alpha(-1)) or V >= 25 (tv, log_trick) on data and
#:   samples alike (seed 7, a mode some 15 data sd from the origin), where g_f' < 1e-20:
#:   both players stop (the generator's gradient is exactly 0 from epoch 9). Standardised
#:   data alone leave G's first samples some 8 data sd wide (std 0.8 through three layers)
#:   and D's first V of order 100: alpha(2) and tv still stall there (seed 2024). With both,
#:   V starts of order 1: on seeds 31, 2024 and 90210 (K = 1, 15 epochs) alpha(2),
#:   neyman_chi2, alpha(-1), kl and gan fit 3 of 3, tv 0 of 3.
#: * leaky ReLU in both nets (``activation = "leaky_relu"``). With ReLU, f's whose optimal
#:   critic grows without bound in p_data/p_model can kill G's units early: alpha(2) on the
#:   unseen seeds 8008 and 4447 (K = 1, 15 epochs) and jeffreys on 8008. There every sample
#:   sits on one point after the first epoch (alpha(2), 8008: by epoch 5 none of the 5 units
#:   of G's second hidden layer is active for any of 4,096 codes), D's V on the data grows
#:   where the collapsed model has no mass (from 2 to 666 in 6 epochs on 4447) and G follows
#:   it up to 47 data sd away. A leaky ReLU cannot die: those runs fit with it.
#:
#: results/objectives/fit.md and fit_unseen/ check these defaults on seeds not used for the
#: first three (leaky ReLU came after failures there); results/objectives/fit_fresh/ on seeds not
#: used for any of them.
FGAN_DEFAULTS = {"lr_g": 2e-4, "lr_d": 2e-4, "standardize": True, "init": "glorot", "activation": "leaky_relu"}

#: what :meth:`GanConfig.for_objective` adds to :data:`FGAN_DEFAULTS` for particular f's:
#:
#: * ``tv``: ``d_center = 10``. The conjugate of ``f(u) = |u − 1|`` is ``f*(t) = t`` on
#:   ``dom f* = [−1, 1]``, so the variational objective ``E_P tanh V − E_Q tanh V`` is flat in
#:   every direction of V when P = Q, a common offset of V included. Measured (seed 6174,
#:   15 epochs, standardised, Glorot): near the fit, Adam's normalised steps move the offset
#:   of V on data and samples together, from −2.2 after one epoch to −7.5 after 15, where
#:   ``g_f'(V) = sech² V`` is below 1e-5 on every sample and the generator stops with its
#:   covariance 0.23–1.28 times the data's. Pinning the mean of V over the joint minibatch
#:   removes that direction without changing the bound (any V gives ``F(V) ≤ D_f``); with it
#:   V stays within ±0.6 on the samples. Development seeds 6174, 7, 555, 2718, 31, 2024 (K = 1,
#:   fit-check rule): weight 0 fits 2 of 6 after 15 epochs, weight 1 3 of 4, 10 4 of 4 and
#:   100 5 of 6; with 10, all 6 fit at every epoch from the 12th to the 30th.
#:   Every other f has a conjugate that is not linear, and its objective at P = Q depends on
#:   the offset.
#: * ``tv``, also: the discriminator ahead of the generator, ``n_critic = 2`` D steps at 2e-4
#:   per G step at ``lr_g = 1e-4``. tv's generator weight ``g_f'(V) = sech² V ≤ 1`` does not
#:   grow with the density ratio, so with one equal step each G's spread swung about the
#:   data's instead of settling. Measured (K = 1, 15 epochs, fit-check rule) on seeds
#:   13001-13048: equal steps fit 43 of 48 in each form (failures at covariance ratios
#:   0.31-2.23); lr_g 1e-4 alone 47 and 47; n_critic 2 alone 47; lr_g 5e-5 45; lr 1e-4 for
#:   both 45; d_center 40 41; both changes 48 of 48. After the choice, on seeds 14001-14048:
#:   48 of 48 in each form.
FGAN_F_DEFAULTS = {"tv": {"d_center": 10.0, "lr_g": 1e-4, "n_critic": 2}}


def fgan_defaults(objective: str) -> dict:
    """The fields :meth:`GanConfig.for_objective` sets for an f-GAN spec
    (``fgan:<f>`` or ``fgan-saturating:<f>``): :data:`FGAN_DEFAULTS`, then the f's own
    entries of :data:`FGAN_F_DEFAULTS`; ``{}`` for any other objective.

    >>> fgan_defaults("fgan:tv")["d_center"], "d_center" in fgan_defaults("fgan:kl")
    (10.0, False)
    >>> fgan_defaults("fgan-saturating:alpha(2.0)")["activation"]
    'leaky_relu'
    """
    if not (isinstance(objective, str) and objective.startswith(("fgan:", "fgan-saturating:"))):
        return {}
    try:  # one f however it is spelled: alpha(2), alpha(2.0), alpha( 2 )
        name = fdiv.get(objective.partition(":")[2]).name
    except (ValueError, KeyError):  # GanConfig's own check names the bad objective
        return dict(FGAN_DEFAULTS)
    out = dict(FGAN_DEFAULTS)
    for key, extra in FGAN_F_DEFAULTS.items():
        if fdiv.get(key).name == name:
            out.update(extra)
    return out


#: Fields added after run stores were first written, with their defaults: :meth:`GanConfig.identity`
#: leaves them out at these values, so that runs stored before a field existed keep matching.
LATE_FIELDS = {"g_output": None, "standardize": False, "d_center": 0.0, "shared_batch": False,
               "lookahead_adam": "copied", "lr_decay_start": None}

#: the values of :attr:`GanConfig.lookahead_adam`
LOOKAHEAD_ADAM = ("copied", "persistent")


#: The largest integer field (sizes, epochs, steps): larger values overflow the arrays
#: and counters they become.
MAX_INT_FIELD = 2**31 - 1


def _pos_float(name, v):
    ok = not isinstance(v, bool) and isinstance(v, numbers.Real)
    try:
        ok = ok and float(v) > 0 and math.isfinite(float(v))
    except OverflowError:  # an int beyond the float range
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must be a positive finite number; got {show(v)}")


def _choice(name, v, choices):
    if v not in choices:
        raise ValueError(f"`{name}` must be one of {', '.join(map(str, choices))}; got {v!r}")


@dataclass(frozen=True)
class GanConfig:
    """Configuration of one GAN (and of the AdaGAN mixture classifier, which reuses D's
    architecture and optimiser settings).

    Attributes
    ----------
    latent_dim : int
        Dimension of the N(0, I) latent code (5).
    g_hidden, d_hidden : tuple of int
        Hidden widths of G ((10, 5)) and D ((50, 30)); their lengths are the depths.
    g_batchnorm : bool
        Batch normalisation before every hidden activation of G (False).
    g_output : str or None
        Activation of G's output layer (None: linear). ``"sigmoid"`` bounds the samples to
        (0, 1), data scaled to [0, 1]: ``σ(a) = (tanh(a/2) + 1)/2``, a tanh output mapped
        onto that range; ``"tanh"`` to (−1, 1).
    d_maxout : int
        Maxout pieces of D's hidden units (1: off, plain activation; the 2-D mode-collapse
        benchmarks use 5). Also the mixture classifier's architecture.
    activation : str
        Hidden activation of both nets: relu, leaky_relu, tanh, elu, sigmoid.
    init, init_std : str, float
        ``"normal"`` (weights N(0, init_std²), default 0.8) or ``"glorot"`` (uniform).
    objective : str
        ``nonsaturating``, ``minimax``, ``wgan``, ``fgan:<fdiv name>`` (f-GAN whose
        generator maximises ``E g_f(V)``, Nowozin et al. §3.2) or
        ``fgan-saturating:<fdiv name>`` (generator loss of the saddle point,
        :class:`~gan_backend.engine.objectives.FGan`).
    optimizer : str
        ``adam``, ``rmsprop`` or ``sgd`` (both nets).
    lr_g, lr_d : float
        Learning rates (1e-3, 1e-4).
    beta1, beta2 : float
        Adam's β₁, β₂ (0.5, 0.999). (RMSProp uses its own decay α = 0.99, PyTorch's.)
    batch_size : int
        Minibatch size for real and generated points alike (256).
    epochs : int
        Number of epochs; one epoch is ``max(1, n // batch_size)`` generator steps.
    n_critic : int
        Discriminator steps per generator step (1; WGAN 5).
    clip : float or None
        Clip every discriminator parameter to ``[−clip, clip]`` after each of its steps
        (None: no clipping; required for ``wgan``).
    unrolled : int
        First-order unrolled look-ahead: the generator step uses a copy of D advanced by
        this many extra D steps (0: off).
    shared_batch : bool
        False (default): every D step, look-ahead step and G step draws its own minibatch
        rows and latent codes. True: one set of rows and one of codes per generator step,
        drawn in that order and used by all of them, as the public AdaGAN reference code's
        ``Gan._train_internal`` does (tolstikhin/adagan, ``gan.py``).
    lookahead_adam : str
        The look-ahead copy's Adam state when ``unrolled > 0``. ``"copied"`` (default): at
        each generator step the copy takes D's parameters, Adam moments and step count.
        ``"persistent"``: it takes D's parameters only and keeps its own Adam moments and step
        count from one generator step to the next (the reference code's separate optimiser of
        ``DISCRIMINATOR_CP``, whose roll-back assigns the variables only).
    lr_decay_start : float or None
        None (default): constant learning rates. A fraction ``f`` in [0, 1): over the
        ``epochs`` of the training (``S`` generator steps), G's learning rate is constant for
        the first ``⌊f·S⌋ + 1`` steps and then falls linearly to ``1/(S − ⌊f·S⌋)`` of itself at
        the last step; D's (and the look-ahead's) likewise over its own steps
        (:class:`~gan_backend.engine.optim.LinearDecay`). Further steps (``run(epochs=…)``
        beyond ``epochs``) keep the last rate. The mixture classifier keeps a constant rate.
    dtype : str
        ``float32`` (default, fast) or ``float64``.
    standardize : bool
        Train in standardised coordinates (False): the data are mapped by
        ``u = (x − μ)/σ``, with ``μ``, ``σ`` the per-coordinate mean and standard deviation of
        the training distribution (the weighted one when data weights are given), both nets
        work on ``u``, and the returned generator maps its samples back by ``x = μ + σ u``.
        An invertible map of both distributions leaves every f-divergence unchanged, so the
        objective is the same; what changes is the scale the nets see (default for the
        f-GANs, :data:`FGAN_DEFAULTS`). Needs a linear generator output (``g_output=None``).
    d_center : float
        Weight ``λ`` of a penalty ``(λ/2)·m²`` on the discriminator, ``m`` the mean of its
        output V over the joint minibatch of real and generated points
        (:class:`~gan_backend.engine.objectives.Centered`; 0: off, the default). It pins the
        offset of V where the objective does not; G's loss is unchanged (f-GAN ``tv``:
        :data:`FGAN_F_DEFAULTS`).

    Examples
    --------
    >>> import dataclasses
    >>> from gan_backend import GanConfig
    >>> c = GanConfig()
    >>> c.latent_dim, c.g_hidden, c.d_hidden, c.batch_size, c.epochs
    (5, (10, 5), (50, 30), 256, 15)
    >>> w = GanConfig.for_objective("wgan")
    >>> w.optimizer, w.n_critic, w.clip
    ('rmsprop', 5, 0.01)
    >>> dataclasses.replace(c, epochs=1).epochs
    1
    """

    latent_dim: int = 5
    g_hidden: tuple[int, ...] = (10, 5)
    d_hidden: tuple[int, ...] = (50, 30)
    g_batchnorm: bool = False
    g_output: str | None = None
    d_maxout: int = 1
    activation: str = "relu"
    init: str = "normal"
    init_std: float = 0.8
    objective: str = "nonsaturating"
    optimizer: str = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 256
    epochs: int = 15
    n_critic: int = 1
    clip: float | None = None
    unrolled: int = 0
    dtype: str = "float32"
    standardize: bool = False
    d_center: float = 0.0
    shared_batch: bool = False
    lookahead_adam: str = "copied"
    lr_decay_start: float | None = None

    def __post_init__(self):
        for name in ("g_hidden", "d_hidden"):
            object.__setattr__(self, name, positive_widths(name, getattr(self, name)))
            if any(w > MAX_INT_FIELD for w in getattr(self, name)):
                raise ValueError(f"`{name}` widths must be at most {MAX_INT_FIELD}; got {show(getattr(self, name))}")
        for name in ("g_batchnorm", "standardize", "shared_batch"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"`{name}` must be True or False; got {getattr(self, name)!r}")
        for name in ("latent_dim", "batch_size", "epochs", "n_critic", "d_maxout"):
            positive_int(name, getattr(self, name), MAX_INT_FIELD)
        if (isinstance(self.unrolled, bool) or not isinstance(self.unrolled, numbers.Integral)
                or not 0 <= self.unrolled <= MAX_INT_FIELD):
            raise ValueError(f"`unrolled` must be a nonnegative integer at most {MAX_INT_FIELD}; "
                             f"got {show(self.unrolled)}")
        for name in ("init_std", "lr_g", "lr_d"):
            _pos_float(name, getattr(self, name))
        for name in ("beta1", "beta2"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (0 <= v < 1):
                raise ValueError(f"`{name}` must be in [0, 1); got {show(v)}")
        if self.clip is not None:
            _pos_float("clip", self.clip)
        v = self.d_center
        try:
            ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(float(v)) and v >= 0
        except OverflowError:  # an int beyond the float range
            ok = False
        if not ok:
            raise ValueError(f"`d_center` must be a nonnegative finite number; got {show(v)}")
        object.__setattr__(self, "d_center", float(v))
        _choice("activation", self.activation, tuple(ACTIVATIONS))
        if self.g_output is not None:
            _choice("g_output", self.g_output, tuple(ACTIVATIONS))
            if self.standardize:
                raise ValueError(f"`standardize` needs a linear generator output (g_output=None); got "
                                 f"g_output={self.g_output!r}, whose bounded range would be mapped to μ + σ·range")
        _choice("lookahead_adam", self.lookahead_adam, LOOKAHEAD_ADAM)
        if self.lookahead_adam != "copied" and not self.unrolled:
            raise ValueError(f"`lookahead_adam` {self.lookahead_adam!r} needs a look-ahead (unrolled > 0); got "
                             f"unrolled={self.unrolled}")
        v = self.lr_decay_start
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (0 <= v < 1):
                raise ValueError(f"`lr_decay_start` must be None or a fraction in [0, 1); got {show(v)}")
            object.__setattr__(self, "lr_decay_start", float(v))
        _choice("init", self.init, tuple(INITS))
        _choice("optimizer", self.optimizer, tuple(OPTIMIZERS))
        object.__setattr__(self, "dtype", check_dtype(self.dtype).__name__)
        if not isinstance(self.objective, str):
            raise ValueError(f"`objective` must be a string such as 'nonsaturating'; got {self.objective!r}")
        get_objective(self.objective)  # the objectives' own parser
        if self.objective == "wgan" and self.clip is None:
            raise ValueError(
                "`clip` must be set for objective 'wgan' (the critic's weight clipping, WGAN "
                "default 0.01); use GanConfig.for_objective('wgan')"
            )

    @classmethod
    def for_objective(cls, objective: str, **overrides) -> "GanConfig":
        """The toy-GAN defaults with ``objective`` and that objective's own defaults
        (:data:`WGAN_DEFAULTS` for ``wgan``, :func:`fgan_defaults` for ``fgan:<f>`` and
        ``fgan-saturating:<f>``), then ``overrides`` on top.

        >>> c = GanConfig.for_objective("fgan:kl")
        >>> (c.lr_g, c.lr_d)
        (0.0002, 0.0002)
        >>> GanConfig.for_objective("fgan:kl", lr_d=1e-3).lr_d
        0.001
        """
        base = dict(WGAN_DEFAULTS) if objective == "wgan" else fgan_defaults(objective)
        base.update(overrides)
        return cls(objective=objective, **base)

    # -- (de)serialisation for Generator.save/load --------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-able dict of the fields (tuples as lists)."""
        d = dataclasses.asdict(self)
        d["g_hidden"], d["d_hidden"] = list(self.g_hidden), list(self.d_hidden)
        return d

    def identity(self) -> dict:
        """The fields that identify a stored run's configuration (presets' ``run_config``):
        :func:`dataclasses.asdict` without the :data:`LATE_FIELDS` that are at their default.

        >>> "g_output" in GanConfig().identity(), GanConfig(g_output="tanh").identity()["g_output"]
        (False, 'tanh')
        """
        d = dataclasses.asdict(self)
        for name, default in LATE_FIELDS.items():
            if d[name] == default:
                del d[name]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "GanConfig":
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``.

        A dict with the former field ``fgan_generator`` (``saddle`` or ``heuristic``) is
        read with that choice moved into the objective spec: ``saddle`` with
        ``fgan:<name>`` is ``fgan-saturating:<name>``, ``heuristic`` is ``fgan:<name>``.
        """
        d = dict(d)
        if "fgan_generator" in d:
            legacy = d.pop("fgan_generator")
            if legacy not in ("saddle", "heuristic"):
                raise ValueError(f"`fgan_generator` must be saddle or heuristic; got {legacy!r}")
            objective = d.get("objective")
            if legacy == "saddle" and isinstance(objective, str) and objective.startswith("fgan:"):
                d["objective"] = "fgan-saturating:" + objective[len("fgan:"):]
        names = {f.name for f in dataclasses.fields(cls)}
        extra = set(d) - names
        if extra:
            raise ValueError(f"unknown GanConfig field(s): {', '.join(sorted(extra))}")
        return cls(**d)
