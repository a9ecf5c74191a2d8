"""`Classifier`: D(x) = P(real | x), the AdaGAN mixture discriminator."""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from gan_backend.engine._backend import to_device, to_numpy
from gan_backend.engine.mlp import MLP

__all__ = ["Classifier"]

_CHUNK = 65536


class Classifier:
    """A trained discriminator with a logistic output.

    ``logit(x) = V(x)`` and ``prob(x) = D(x) = σ(V(x)) ∈ [0, 1]``, the probability that
    ``x`` is real. With balanced classes the optimal ``D*(x) = p_d/(p_d + p_g)``
    (docs/theory.md S8), so ``exp(−V(x)) = (1 − D)/D ≈ dP_g/dP_d`` — use :meth:`logit` to get
    that ratio without the rounding of ``D`` near 0 or 1.

    Examples
    --------
    >>> import dataclasses
    >>> import numpy as np
    >>> from gan_backend import GanConfig, train_classifier
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(3.0, 1.0, (128, 2)), rng.normal(-3.0, 1.0, (128, 2))
    >>> clf = train_classifier(real, fake, dataclasses.replace(GanConfig(), batch_size=64), rng=0, epochs=2)
    >>> x = np.array([[0.5, -0.5]])
    >>> bool(np.allclose(clf.prob(x), 1 / (1 + np.exp(-clf.logit(x)))))   # D = sigmoid(V)
    True
    """

    def __init__(self, net: MLP, config):
        self.net = net
        self.config = config

    def logit(self, x) -> np.ndarray:
        """``V(x)`` as float64, shape ``(n,)``."""
        x = np.asarray(to_numpy(x))
        if x.ndim != 2 or x.shape[1] != self.net.sizes[0]:
            raise ValueError(f"`x` must have shape (n, {self.net.sizes[0]}); got {x.shape}")
        out = np.empty(x.shape[0], dtype=np.float64)
        for a in range(0, x.shape[0], _CHUNK):
            b = min(x.shape[0], a + _CHUNK)
            v = self.net.forward(to_device(np.ascontiguousarray(x[a:b], dtype=self.net.dtype), self.net.xp))
            out[a:b] = to_numpy(v)[:, 0]
        return out

    def prob(self, x) -> np.ndarray:
        """``D(x) = σ(V(x))`` in [0, 1], float64, shape ``(n,)``."""
        return expit(self.logit(x))

    __call__ = prob
