"""The WGAN picture (Arjovsky et al. 2017, Figure 2): a saturated GAN discriminator
gives no gradient where the WGAN critic gives a clean one.

    python -m gan_backend critic --seed S --out DIR [--steps N] [--n N]

Writes ``DIR/critic.png`` and ``DIR/gradients.json``; the experiment (setting, networks, the
numbers written) is :mod:`gan_backend.experiments.critic`.
"""
from __future__ import annotations

import argparse

from gan_backend.cli._args import output_dir, positive_int, seed
from gan_backend.experiments.critic import run_critic

NAME = "critic"
HELP = "WGAN Figure 2: GAN discriminator vs WGAN critic gradients on two far-apart Gaussians"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", required=True, type=seed, metavar="S", help="random seed")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--steps", type=positive_int, default=3000, metavar="N",
                   help="training steps of each network (default 3000)")
    p.add_argument("--n", type=positive_int, default=2000, metavar="N",
                   help="samples of each distribution (default 2000)")


def run(args: argparse.Namespace) -> int:
    output_dir("--out", args.out)
    res = run_critic(args.out, args.seed, args.steps, args.n)
    print(f"mean |d/dx| at the fake samples: critic {res['critic']:.3e}, GAN discriminator "
          f"{res['gan']:.3e} (ratio {res['ratio']:.3g}); W1: critic estimate {res['w1_estimate']:.4f} "
          f"(KR gap {res['kr_gap']:.3g} / Lipschitz {res['lipschitz']:.3g}), exact {res['w1_exact']:.4f}, "
          f"sample {res['w1_sample']:.4f}")
    return 0
