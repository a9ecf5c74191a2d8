"""`AvbConfig`: every knob of the AVB toy experiment and its VAE baseline (frozen)."""
from __future__ import annotations

import math
import numbers
import dataclasses
from dataclasses import dataclass

from gan_backend.engine._validate import positive_widths
from gan_backend.engine._validate import positive_int
from gan_backend.engine.layers import ACTIVATIONS, INITS, check_dtype

__all__ = ["AvbConfig", "NOISES"]

#: generators of the encoder noise ε (:attr:`AvbConfig.noise`)
NOISES = ("inverse_cdf", "numpy")


@dataclass(frozen=True)
class AvbConfig:
    """Configuration of :func:`~gan_backend.experiments.avb.train_avb` and :func:`~gan_backend.experiments.avb.train_vae`.

    Two recipes: :meth:`authors` is the configuration of the authors' notebook
    (``notebooks/AVB_toy_example.ipynb`` of LMescheder/AdversarialVariationalBayes); the
    defaults are the CPU recipe (``python -m gan_backend avb``), chosen by the ablation in
    ``results/avb/ablation.md``: the authors' architecture types and ``‖z‖²`` term with a
    smaller adversary, fewer iterations and larger learning rates.

    Attributes
    ----------
    latent_dim : int
        Dimension of z (2); the prior is N(0, I).
    noise_dim : int
        Dimension of the encoder's noise input ε ~ N(0, I) (64; AVB only).
    encoder_hidden, decoder_hidden, adversary_hidden : tuple of int
        Hidden widths of the encoder E(x, ε) (or the VAE's x → (μ, log σ)), of the
        decoder z → logits, and of the adversary T(x, z).
    activation : str
        Hidden activation of every network (a key of ``gan_backend.engine.layers.ACTIVATIONS``).
    init : str
        Weight initialisation scheme (``glorot`` or ``normal``); ``init_std`` for ``normal``.
    steps : int
        Number of (θ, φ) updates (AVB: each preceded by ``adversary_steps`` T updates).
    adversary_steps : int
        T updates per (θ, φ) update.
    adversary_blocks : int
        Residual blocks of width ``adversary_hidden[-1]`` after T's hidden layers (0: a
        plain MLP); see :class:`~gan_backend.experiments.avb.resnet.ResidualMLP`.
    block_activation : str
        Inner activation of T's residual blocks (the outer one is ``activation``).
    adversary_prior_term : bool
        Add ``‖z‖²`` to T's output analytically (the authors' notebook).
    batch_size : int
        Data points per minibatch (drawn uniformly from the 4 points, with replacement).
    lr, lr_adversary : float
        Adam learning rates of (θ, φ) and of T.
    beta1, beta2 : float
        Adam's moment decays.
    dtype : str
        ``float32`` (default) or ``float64`` (the gradient checks).
    eval_adversary_steps : int or None
        T updates run after training with (θ, φ) frozen, at ``eval_adversary_lr``, before the
        ELBO is estimated (0: use the T of the last iteration; None, the default: a fifth of
        ``steps``, see :attr:`refit_steps`). During training T chases a moving encoder; the
        refit brings it to the final encoder's optimum.
    eval_snapshots : int
        Copies of T taken evenly through the refit (the last at its end; at most one per refit
        step); the AVB KL estimate ``E_q T`` is averaged over them, which cancels most of T's
        step-to-step noise.
    eval_adversary_lr : float
        Adam learning rate of the refit (3e-5: on ten seeds used for nothing else it gave the
        estimate 0.6 times the spread over independent refits of 1e-4, with the same mean,
        ``results/avb/refit_replicates.md``).
    eval_refits : int
        Independent refits, each from the trained T on its own draws, each with its
        ``eval_snapshots``; the KL estimate averages all their snapshots. With two or more,
        T's share of the ELBO's standard error is the spread of the refits' estimates over
        √refits (independent replicates); with one (default), the spread of its snapshots over
        √snapshots, which matched the spread over independent refits on those ten seeds
        (0.0028 stated against 0.0026 measured, on average).
    noise : str
        Generator of the AVB encoder's noise ε: ``"inverse_cdf"`` (default:
        :func:`gan_backend.engine.normal32.standard_normal32`, normal quantiles of 2^24 equal
        cells, ``|ε| ≤ 5.42``, 5x faster) or ``"numpy"`` (``Generator.standard_normal`` in
        ``dtype``, the ziggurat). Either is N(0, I) for the encoder; they give different streams.
    """

    latent_dim: int = 2
    noise_dim: int = 64
    encoder_hidden: tuple[int, ...] = (64, 64, 64)
    decoder_hidden: tuple[int, ...] = (64, 64, 64)
    adversary_hidden: tuple[int, ...] = (128,)
    activation: str = "elu"
    init: str = "glorot"
    init_std: float = 0.8
    steps: int = 10000
    adversary_steps: int = 2
    batch_size: int = 512
    lr: float = 1e-4
    lr_adversary: float = 5e-4
    beta1: float = 0.9
    beta2: float = 0.999
    dtype: str = "float32"
    adversary_blocks: int = 2
    block_activation: str = "relu"
    adversary_prior_term: bool = True
    eval_adversary_steps: int | None = None
    eval_snapshots: int = 10
    eval_adversary_lr: float = 3e-5
    eval_refits: int = 1
    noise: str = "inverse_cdf"

    @classmethod
    def authors(cls) -> "AvbConfig":
        """The authors' toy recipe: ε of dimension 64; encoder ``[x, ε] → 3×64 ELU → 2``;
        decoder ``3×64 ELU → 4`` logits; T ``[x, z] → 256 ELU``, 5 residual blocks of width
        256 (inner ReLU, zero-initialised second layer, ELU after the sum), linear output,
        plus ``‖z‖²``; Glorot-uniform weights, zero biases; Adam (β₁ 0.9, β₂ 0.999), lr 2e-5
        for (θ, φ) and 1e-4 for T; 100,000 iterations of one (θ, φ) step and 2 T steps;
        batch 512; no adaptive contrast.

        >>> c = AvbConfig.authors()
        >>> (c.noise_dim, c.adversary_hidden, c.adversary_blocks, c.steps, c.lr, c.lr_adversary)
        (64, (256,), 5, 100000, 2e-05, 0.0001)
        """
        return cls(noise_dim=64, encoder_hidden=(64, 64, 64), decoder_hidden=(64, 64, 64),
                   adversary_hidden=(256,), adversary_blocks=5, block_activation="relu",
                   adversary_prior_term=True, activation="elu", init="glorot", steps=100_000,
                   adversary_steps=2, batch_size=512, lr=2e-5, lr_adversary=1e-4, beta1=0.9, beta2=0.999)

    @property
    def refit_steps(self) -> int:
        """The T updates of the evaluation refit: ``eval_adversary_steps``, or ``steps // 5``
        when it is None.

        >>> AvbConfig().refit_steps, AvbConfig(steps=3).refit_steps, AvbConfig(eval_adversary_steps=7).refit_steps
        (2000, 0, 7)
        """
        return self.steps // 5 if self.eval_adversary_steps is None else int(self.eval_adversary_steps)

    def replace(self, **changes) -> "AvbConfig":
        """A copy with ``changes`` applied (validated again); ``iterations`` is ``steps``.

        >>> AvbConfig.authors().replace(iterations=20).steps
        20
        """
        if "iterations" in changes:
            changes["steps"] = changes.pop("iterations")
        return dataclasses.replace(self, **changes)

    def __post_init__(self):
        for name in ("encoder_hidden", "decoder_hidden", "adversary_hidden"):
            object.__setattr__(self, name, positive_widths(name, getattr(self, name)))
        for name in ("latent_dim", "noise_dim", "steps", "adversary_steps", "batch_size"):
            positive_int(name, getattr(self, name))
        for name in ("adversary_blocks", "eval_adversary_steps"):
            b = getattr(self, name)
            if name == "eval_adversary_steps" and b is None:
                continue
            if isinstance(b, bool) or not isinstance(b, numbers.Integral) or b < 0:
                raise ValueError(f"`{name}` must be a nonnegative integer{' or None' * (name != 'adversary_blocks')}; "
                                 f"got {b!r}")
        positive_int("eval_snapshots", self.eval_snapshots)
        positive_int("eval_refits", self.eval_refits)
        if not isinstance(self.adversary_prior_term, bool):
            raise ValueError(f"`adversary_prior_term` must be True or False; got {self.adversary_prior_term!r}")
        for name in ("lr", "lr_adversary", "eval_adversary_lr", "init_std"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (v > 0 and math.isfinite(v)):
                raise ValueError(f"`{name}` must be a positive finite number; got {v!r}")
        for name in ("beta1", "beta2"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (0 <= v < 1):
                raise ValueError(f"`{name}` must be in [0, 1); got {v!r}")
        for name in ("activation", "block_activation"):
            v = getattr(self, name)
            if v not in ACTIVATIONS:
                raise ValueError(f"`{name}` must be one of {', '.join(ACTIVATIONS)}; got {v!r}")
        if self.noise not in NOISES:
            raise ValueError(f"`noise` must be one of {', '.join(NOISES)}; got {self.noise!r}")
        if self.init not in INITS:
            raise ValueError(f"`init` must be one of {', '.join(INITS)}; got {self.init!r}")
        object.__setattr__(self, "dtype", check_dtype(self.dtype).__name__)
