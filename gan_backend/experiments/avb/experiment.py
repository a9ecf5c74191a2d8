"""One seed of the toy experiment: AVB and the VAE baseline trained and measured.

The seed is split (``numpy.random.SeedSequence(seed).spawn(3)``) into the AVB training,
the VAE training and the evaluation streams, so a run is reproduced by its seed and
config alone (``python -m gan_backend avb`` and :mod:`gan_backend.experiments.avb.ablation` both
call :func:`run_seed`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.evaluate import evaluate_avb, evaluate_vae
from gan_backend.experiments.avb.train import AvbModel, VaeModel, toy_data, train_avb, train_vae

__all__ = ["SeedRun", "run_seed", "acceptance"]


@dataclass(frozen=True, eq=False)
class SeedRun:
    """The two trained models, their posterior samples ``(4, n, 2)``, their metrics dicts
    (:func:`~gan_backend.experiments.avb.evaluate_avb`), the training wall-clock seconds and the AVB
    training's CPU seconds (``time.process_time``: what a busy shared machine disturbs less)."""

    avb: AvbModel
    vae: VaeModel | None
    z_avb: np.ndarray
    z_vae: np.ndarray | None
    metrics_avb: dict
    metrics_vae: dict | None
    seconds_avb: float
    seconds_vae: float
    cpu_seconds_avb: float


#: the fields of AvbConfig that the VAE baseline uses (the others only concern AVB)
VAE_FIELDS = ("latent_dim", "encoder_hidden", "decoder_hidden", "activation", "init", "init_std", "steps",
              "batch_size", "lr", "beta1", "beta2", "dtype")


def run_seed(config: AvbConfig, seed: int, n: int = 1000, *, vae: bool = True, progress: bool = False) -> SeedRun:
    """Train AVB and the VAE with ``config`` on the toy data and evaluate both (``n``
    posterior samples per data point). The final-loss means (last 5 % of the steps) are
    added to the metrics as ``final_adversary_loss`` and ``final_objective``. With
    ``vae=False`` the VAE is neither trained nor evaluated (its fields are None); the AVB
    results are the same either way (the VAE has its own streams and is evaluated after).
    ``progress``: progress lines with an ETA on stderr for each training."""
    x = toy_data()
    s_avb, s_vae, s_eval = np.random.SeedSequence(seed).spawn(3)
    t0, c0 = time.perf_counter(), time.process_time()
    avb = train_avb(x, config, rng=np.random.default_rng(s_avb), progress=progress)
    t1, c1 = time.perf_counter(), time.process_time()
    model_vae = train_vae(x, config, rng=np.random.default_rng(s_vae), progress=progress) if vae else None
    t2 = time.perf_counter()
    g = np.random.default_rng(s_eval)
    z_avb, m_avb = evaluate_avb(avb, x, n, rng=g)
    tail = max(1, config.steps // 20)
    m_avb["final_adversary_loss"] = float(avb.adversary_loss[-tail:].mean())
    m_avb["final_objective"] = float(avb.objective[-tail:].mean())
    z_vae = m_vae = None
    if vae:
        z_vae, m_vae = evaluate_vae(model_vae, x, n, rng=g)
        m_vae["final_objective"] = float(model_vae.objective[-tail:].mean())
    return SeedRun(avb, model_vae, z_avb, z_vae, m_avb, m_vae, t1 - t0, t2 - t1, c1 - c0)


def acceptance(m_avb: dict, m_vae: dict) -> dict:
    """The acceptance checks of one seed: nearest-centroid separation ≥ 0.95; aggregate
    MMD² (h = 1) below the VAE's; and the AVB ELBO estimate against the exact
    log-likelihood, twice: ``avb_elbo_within_stated_error``, ELBO − log p at most the
    stated standard error of that difference (the ELBO's, T's share included:
    ``elbo_stderr_with_adversary``, and log p's, in quadrature), and the stricter
    ``avb_elbo_at_most_loglik_plus_se``, ELBO ≤ log p + log p's se alone (the ELBO
    estimate's own error ignored)."""
    diff = m_avb["elbo"] - m_avb["log_likelihood"]
    stated = float(np.hypot(m_avb.get("elbo_stderr_with_adversary", float("nan")), m_avb["log_likelihood_stderr"]))
    return {
        "avb_separation_at_least_0.95": bool(m_avb["separation"] >= 0.95),
        "avb_aggregate_closer_to_prior_than_vae": bool(m_avb["aggregate_mmd2"] < m_vae["aggregate_mmd2"]),
        "avb_elbo_within_stated_error": bool(diff <= stated),
        "avb_elbo_at_most_loglik_plus_se": bool(diff <= m_avb["log_likelihood_stderr"]),
    }
