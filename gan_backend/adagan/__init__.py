"""AdaGAN: Algorithm 1 (:mod:`~gan_backend.adagan.algorithm`), the mixture it builds
(:mod:`~gan_backend.adagan.mixture`), the training methods (:mod:`gan_backend.adagan.methods`)
and the per-step theory check (:mod:`~gan_backend.adagan.theory`). Imports the engine and the
metrics, never the experiments or the CLI.
"""
from gan_backend.adagan.algorithm import AdaGanError, AdaGanResult, AdaGanStep, adagan, adagan_steps

__all__ = ["AdaGanError", "AdaGanResult", "AdaGanStep", "adagan", "adagan_steps"]
