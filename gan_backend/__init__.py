"""gan_backend: a small NumPy (CuPy when present) GAN engine; AdaGAN and its baselines.

Engine: :class:`GanConfig`, :func:`train_gan` -> :class:`Generator`,
:func:`train_classifier` -> :class:`Classifier`, :func:`make_dataset` (toy data of
docs/theory.md §3), :mod:`gan_backend.engine.backend` (numpy/cupy selection), layers, MLP,
optimisers and objectives in their own modules. CLI: ``python -m gan_backend``.
"""
# engine
from gan_backend.engine import backend
from gan_backend.engine.classifier import Classifier
from gan_backend.engine.config import GanConfig
from gan_backend.engine.datasets import ToyData, make_dataset
from gan_backend.engine.generator import Generator
from gan_backend.engine.train import GanTrainer, TrainingDivergedError, train_classifier, train_gan

_ENGINE_ALL = [
    "backend",
    "Classifier",
    "GanConfig",
    "GanTrainer",
    "Generator",
    "ToyData",
    "TrainingDivergedError",
    "make_dataset",
    "train_classifier",
    "train_gan",
]

# AdaGAN, its methods and the coverage estimators
from gan_backend.adagan.mixture import Mixture
from gan_backend.adagan import AdaGanError, AdaGanResult, AdaGanStep, adagan, adagan_steps
from gan_backend.adagan.methods import AdaGanOptions
from gan_backend.metrics.coverage import coverage_reference

_ADAGAN_ALL: list[str] = ["Mixture", "AdaGanError", "AdaGanOptions", "AdaGanResult", "AdaGanStep",
                          "adagan", "adagan_steps", "coverage_reference"]

# --- f-GAN variational estimate (S6) ---
from gan_backend.metrics.variational import DivergenceEstimate, estimate_divergence

_ESTIMATE_ALL = ["DivergenceEstimate", "estimate_divergence"]

__all__ = _ENGINE_ALL + _ADAGAN_ALL + _ESTIMATE_ALL
