"""Adversarial Variational Bayes (Mescheder et al. 2017) on the toy data, and a VAE baseline.

docs/theory.md §4: an encoder fed with noise, ``z = E(x, ε)``, is a black box; a discriminator
``T(x, z)`` trained with the logistic loss to tell ``(x, z ~ q(z|x))`` from
``(x, z ~ p(z))`` recovers ``T* = log q(z|x) − log p(z)``, and the ELBO uses ``−T`` in
place of the KL term. The toy data are the 4 one-hot vectors of R⁴ with a 2-D latent.

Modules: :mod:`~gan_backend.experiments.avb.config` (:class:`AvbConfig`),
:mod:`~gan_backend.experiments.avb.networks` (encoders, decoder, adversary with hand-written
backward passes), :mod:`~gan_backend.experiments.avb.resnet` (the authors' residual T body), :mod:`~gan_backend.experiments.avb.train` (Algorithm 1 and the VAE),
:mod:`~gan_backend.experiments.avb.metrics` (separation, distance to the prior, KDE log-ratios),
:mod:`~gan_backend.experiments.avb.evaluate` (the metrics of a trained model),
:mod:`~gan_backend.experiments.avb.plot` (the figure). CLI: ``python -m gan_backend avb``.
"""
from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.evaluate import evaluate_avb, evaluate_vae
from gan_backend.experiments.avb.metrics import (
    gaussian_moment_kl,
    kde_log_ratio,
    log_marginal_likelihood,
    mmd2_to_standard_normal,
    nearest_centroid_accuracy,
    nearest_neighbour_accuracy,
)
from gan_backend.experiments.avb.networks import Adversary, BernoulliDecoder, GaussianEncoder, NoiseEncoder
from gan_backend.experiments.avb.train import AvbModel, VaeModel, toy_data, train_avb, train_vae

__all__ = [
    "AvbConfig",
    "AvbModel",
    "VaeModel",
    "NoiseEncoder",
    "GaussianEncoder",
    "BernoulliDecoder",
    "Adversary",
    "toy_data",
    "train_avb",
    "train_vae",
    "evaluate_avb",
    "evaluate_vae",
    "nearest_centroid_accuracy",
    "nearest_neighbour_accuracy",
    "mmd2_to_standard_normal",
    "gaussian_moment_kl",
    "kde_log_ratio",
    "log_marginal_likelihood",
]
