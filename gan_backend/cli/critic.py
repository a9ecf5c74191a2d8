"""The WGAN picture (Arjovsky et al. 2017, Figure 2): a saturated GAN discriminator
gives no gradient where the WGAN critic gives a clean one.

    python -m gan_backend critic --seed S --out DIR [--steps N] [--n N]

Writes ``DIR/critic.png`` and ``DIR/gradients.json``; the experiment (setting, networks, the
numbers written) is :mod:`gan_backend.experiments.critic`.
"""
from __future__ import annotations

import argparse

from gan_backend.cli._args import output_dir, positive_int, seed, steps
from gan_backend.cli._outdir import claim
from gan_backend.engine._validate import fits_in_memory
from gan_backend.experiments.critic import run_critic

#: What the command writes in ``--out`` (see :mod:`gan_backend.cli._outdir`).
WRITES = ("critic.png", "gradients.json")

NAME = "critic"
HELP = "WGAN Figure 2: GAN discriminator vs WGAN critic gradients on two far-apart Gaussians"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", required=True, type=seed, metavar="S", help="random seed")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--steps", type=steps, default=3000, metavar="N",
                   help="training steps of each network (default 3000)")
    p.add_argument("--n", type=positive_int, default=2000, metavar="N",
                   help="samples of each distribution (default 2000)")
    p.add_argument("--force", action="store_true", help="write into --out even if it holds another experiment's outputs")


def identity(args) -> dict:
    """What identifies this command's outputs in ``--out`` (``command.txt``)."""
    return {"seed": args.seed, "steps": args.steps, "n": args.n}


def run(args: argparse.Namespace) -> int:
    fits_in_memory("--n", args.n, 64)  # (n, 1) real and fake samples and their gradients
    out = output_dir("--out", args.out)
    with claim("--out", out, args, WRITES):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    res = run_critic(args.out, args.seed, args.steps, args.n)
    print(f"mean |d/dx| at the fake samples: critic {res['critic']:.3e}, GAN discriminator "
          f"{res['gan']:.3e} (ratio {res['ratio']:.3g}); W1: critic estimate {res['w1_estimate']:.4f} "
          f"(KR gap {res['kr_gap']:.3g} / Lipschitz {res['lipschitz']:.3g}), exact {res['w1_exact']:.4f}, "
          f"sample {res['w1_sample']:.4f}")
    return 0
