"""Adversarial Variational Bayes vs a Gaussian VAE on the 4-point toy data (docs/theory.md §4).

    python -m gan_backend avb --seed S --out DIR [--recipe default|authors] [--iterations N]
                              [--t-steps N] [--t-width N] [--t-blocks N] [--noise-dim N]
                              [--lr-t X] [--eval-t-steps N] [--eval-refits N] [--n N] [--plot FILE.png]
                              [--quiet]

Trains AVB (Algorithm 1 of Mescheder et al. without adaptive contrast) and the VAE
baseline (same decoder architecture, same number of updates) and writes

* ``DIR/posterior_avb.npy``, ``DIR/posterior_vae.npy``: shape (4, n, 2), n posterior
  samples for each data point;
* ``DIR/metrics.json``: for each model the ELBO (AVB: its estimate with −T for the KL,
  T refitted to the final encoder and averaged over 10 snapshots, ``--eval-t-steps``),
  the exact log-likelihood of the 4 points under the decoder (importance sampling, with
  its Monte Carlo standard error) and the gap, the reconstruction log-likelihood, the
  aggregate posterior's distance to N(0, I) (unbiased MMD², Gaussian kernel of bandwidth
  1, and the moment-matched Gaussian KL), the separation (nearest-centroid and 1-NN
  accuracy) and, for AVB, T against a KDE of the encoder's own samples;
* with ``--plot``, the AVB paper's toy figure (each posterior one colour, over the prior).

Recipes: ``default`` is ``AvbConfig()``, the CPU recipe (minutes on one core);
``authors`` is ``AvbConfig.authors()``, the authors' notebook (100,000 iterations of a
256-wide residual T: hours on a CPU core). The other flags override the recipe.

Progress lines with an ETA go to stderr as each model trains (AVB, the refit of T, the
VAE); ``--quiet`` turns them off. The seed is split
(``numpy.random.SeedSequence(S).spawn(3)``) into the AVB training, the VAE training and the
evaluation streams. A training whose T loss (or objective) becomes non-finite stops with
one line naming the iteration and the quantity (exit status 1).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os

import numpy as np

from gan_backend.cli._args import nonnegative_int, output_dir, plot_file, positive_int, seed, steps
from gan_backend.cli._outdir import claim
from gan_backend.engine._validate import fits_in_memory
from gan_backend.experiments.avb import AvbConfig
from gan_backend.experiments.avb.experiment import acceptance, run_seed
from gan_backend.experiments.avb.plot import plot_posteriors

#: What the command writes in ``--out`` (see :mod:`gan_backend.cli._outdir`).
WRITES = ("posterior_avb.npy", "posterior_vae.npy", "metrics.json")

NAME = "avb"
HELP = "AVB vs a Gaussian VAE on the 4 one-hot toy points: posteriors, metrics, figure"


def _recipes():
    return {"default": AvbConfig, "authors": AvbConfig.authors}


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}")
    return v


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=seed, required=True, metavar="S", help="random seed")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--recipe", choices=sorted(_recipes()), default="default",
                   help="default: the CPU recipe; authors: the authors' notebook (default: default)")
    p.add_argument("--iterations", "--steps", dest="steps", type=steps, metavar="N",
                   help="iterations (one (θ, φ) update each) of both models (default: the recipe's)")
    p.add_argument("--t-steps", type=positive_int, metavar="N", help="T updates per iteration")
    p.add_argument("--t-width", type=positive_int, metavar="N", help="width of T's hidden layers")
    p.add_argument("--t-blocks", type=nonnegative_int, metavar="N", help="residual blocks of T (0: plain MLP)")
    p.add_argument("--noise-dim", type=positive_int, metavar="N", help="dimension of the encoder's noise ε")
    p.add_argument("--lr-t", type=_positive_float, metavar="X", help="Adam learning rate of T")
    p.add_argument("--eval-t-steps", type=nonnegative_int, metavar="N",
                   help="T updates with the encoder frozen before the ELBO is estimated (its KL term is averaged "
                        "over 10 snapshots of T through them); default a fifth of the iterations, 0: none")
    p.add_argument("--eval-refits", type=positive_int, metavar="N",
                   help="independent refits of T averaged for the ELBO estimate; their spread is T's share of its "
                        "standard error (default: the recipe's AvbConfig.eval_refits)")
    p.add_argument("--n", type=positive_int, default=1000, metavar="N",
                   help="posterior samples per data point written and evaluated (default 1000, at least 10)")
    p.add_argument("--plot", metavar="FILE.png", help="write the posterior figure here")
    p.add_argument("--force", action="store_true", help="write into --out even if it holds another experiment's outputs")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _config(args):
    config = _recipes()[args.recipe]()
    changes = {}
    if args.steps is not None:
        changes["steps"] = args.steps
    if args.t_steps is not None:
        changes["adversary_steps"] = args.t_steps
    if args.t_width is not None:
        changes["adversary_hidden"] = (args.t_width,) * len(config.adversary_hidden)
    if args.t_blocks is not None:
        changes["adversary_blocks"] = args.t_blocks
    if args.noise_dim is not None:
        changes["noise_dim"] = args.noise_dim
    if args.lr_t is not None:
        changes["lr_adversary"] = args.lr_t
    if args.eval_t_steps is not None:
        changes["eval_adversary_steps"] = args.eval_t_steps
    if args.eval_refits is not None:
        changes["eval_refits"] = args.eval_refits
    return config.replace(**changes)


def identity(args) -> dict:
    """What identifies this command's outputs in ``--out`` (``command.txt``)."""
    return {"seed": args.seed, "recipe": args.recipe, "steps": args.steps, "t_steps": args.t_steps,
            "t_width": args.t_width, "t_blocks": args.t_blocks, "noise_dim": args.noise_dim,
            "lr_t": args.lr_t, "n": args.n,
            **({} if args.eval_t_steps is None else {"eval_t_steps": args.eval_t_steps}),
            **({} if args.eval_refits is None else {"eval_refits": args.eval_refits})}


def run(args: argparse.Namespace) -> int:
    if args.n < 10:
        raise ValueError(f"argument --n: must be at least 10; got {args.n}")
    fits_in_memory("--n", args.n, 256)  # (4, n, 2) float64 posteriors of two models, and their scores
    config = _config(args)
    plot_file("--plot", args.plot)
    out = output_dir("--out", args.out)
    with claim("--out", out, args, WRITES):
        return _run(args, config)


def _run(args: argparse.Namespace, config) -> int:
    r = run_seed(config, args.seed, args.n, progress=not args.quiet)
    m_avb, m_vae = r.metrics_avb, r.metrics_vae
    np.save(os.path.join(args.out, "posterior_avb.npy"), r.z_avb)
    np.save(os.path.join(args.out, "posterior_vae.npy"), r.z_vae)
    report = {
        "seed": args.seed,
        "recipe": args.recipe,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(config).items()},
        "seconds": {"avb_training": r.seconds_avb, "avb_training_cpu": r.cpu_seconds_avb,
                    "vae_training": r.seconds_vae},
        "aggregate_distance": "unbiased MMD^2 to N(0, I), Gaussian kernel bandwidth 1 (closed-form prior terms)",
        "separation_rule": "nearest centroid (Euclidean) of each data point's posterior samples",
        "log_likelihood_method": "importance sampling, proposal 1/2 N(0, I) + 1/2 N(mean, 2 cov) of the posterior "
                                 "samples, standard error by the delta method",
        "avb": m_avb,
        "vae": m_vae,
        "checks": acceptance(m_avb, m_vae),
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")
    if args.plot:
        plot_posteriors(
            {f"VAE (Gaussian q)  ELBO {m_vae['elbo']:.3f}, log p {m_vae['log_likelihood']:.3f}\n"
             f"centroid acc. {m_vae['separation']:.3f}, MMD² {m_vae['aggregate_mmd2']:.4f}": r.z_vae,
             f"AVB  ELBO≈{m_avb['elbo']:.3f}, log p {m_avb['log_likelihood']:.3f}\n"
             f"centroid acc. {m_avb['separation']:.3f}, MMD² {m_avb['aggregate_mmd2']:.4f}": r.z_avb},
            args.plot, suptitle=f"posteriors q(z|x_k) over N(0, I) contours; recipe {args.recipe}, "
                                f"{config.steps} iterations, seed {args.seed}")
    for name, m in (("AVB", m_avb), ("VAE", m_vae)):
        se = f"{m['elbo_stderr']:.4f}" + (f" ({m['elbo_stderr_with_adversary']:.4f} with T's)" if name == "AVB" else "")
        print(f"{name}: ELBO {'estimate ' if name == 'AVB' else ''}{m['elbo']:.4f} ± {se}, exact log-likelihood "
              f"{m['log_likelihood']:.4f} ± {m['log_likelihood_stderr']:.4f} (gap {m['elbo_gap']:.4f}; "
              f"−log 4 = {m['elbo_max']:.4f}), separation {m['separation']:.4f} (1-NN {m['separation_1nn']:.4f}), "
              f"aggregate MMD² {m['aggregate_mmd2']:.5f}")
    t = m_avb["t_vs_kde"]
    print(f"T vs KDE of log q(z|x) - log p(z) on q's samples: mean {t['mean_estimate']:.3f} vs "
          f"{t['mean_reference']:.3f}, mean |diff| {t['mean_abs_diff']:.3f}, corr {t['correlation']:.3f}")
    print(f"AVB training {r.seconds_avb:.1f} s wall, {r.cpu_seconds_avb:.1f} s CPU")
    return 0
