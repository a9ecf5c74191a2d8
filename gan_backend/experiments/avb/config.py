"""`AvbConfig`: every knob of the AVB toy experiment and its VAE baseline (frozen)."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from gan_backend.engine._validate import positive_widths
from gan_backend.engine.layers import ACTIVATIONS, INITS, check_dtype

__all__ = ["AvbConfig"]


def _pos_int(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"`{name}` must be a positive integer; got {v!r}")




@dataclass(frozen=True)
class AvbConfig:
    """Configuration of :func:`~gan_backend.experiments.avb.train_avb` and :func:`~gan_backend.experiments.avb.train_vae`.

    The defaults follow the AVB paper's toy example (4 one-hot points in 4-D, 2-D latent,
    batch 512, Adam(β₁ = 0.5) with lr 1e-3, noise of dimension 4 fed to the encoder)
    with hidden layers of 128 units instead of 256 (a quarter of the arithmetic).

    Attributes
    ----------
    latent_dim : int
        Dimension of z (2); the prior is N(0, I).
    noise_dim : int
        Dimension of the encoder's noise input ε ~ N(0, I) (4; AVB only).
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
    batch_size : int
        Data points per minibatch (drawn uniformly from the 4 points, with replacement).
    lr, lr_adversary : float
        Adam learning rates of (θ, φ) and of T.
    beta1, beta2 : float
        Adam's moment decays.
    dtype : str
        ``float32`` (default) or ``float64`` (the gradient checks).
    """

    latent_dim: int = 2
    noise_dim: int = 4
    encoder_hidden: tuple[int, ...] = (128, 128)
    decoder_hidden: tuple[int, ...] = (128, 128)
    adversary_hidden: tuple[int, ...] = (128, 128)
    activation: str = "relu"
    init: str = "glorot"
    init_std: float = 0.8
    steps: int = 10000
    adversary_steps: int = 1
    batch_size: int = 512
    lr: float = 1e-3
    lr_adversary: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    dtype: str = "float32"

    def __post_init__(self):
        for name in ("encoder_hidden", "decoder_hidden", "adversary_hidden"):
            object.__setattr__(self, name, positive_widths(name, getattr(self, name)))
        for name in ("latent_dim", "noise_dim", "steps", "adversary_steps", "batch_size"):
            _pos_int(name, getattr(self, name))
        for name in ("lr", "lr_adversary", "init_std"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (v > 0 and math.isfinite(v)):
                raise ValueError(f"`{name}` must be a positive finite number; got {v!r}")
        for name in ("beta1", "beta2"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (0 <= v < 1):
                raise ValueError(f"`{name}` must be in [0, 1); got {v!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"`activation` must be one of {', '.join(ACTIVATIONS)}; got {self.activation!r}")
        if self.init not in INITS:
            raise ValueError(f"`init` must be one of {', '.join(INITS)}; got {self.init!r}")
        object.__setattr__(self, "dtype", check_dtype(self.dtype).__name__)
