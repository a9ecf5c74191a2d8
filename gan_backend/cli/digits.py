"""The slides' Figure 5 on scikit-learn's 8x8 digits: one AdaGAN step with R* weights.

    python -m gan_backend digits --seed S --out DIR [--steps N] [--pipeline {default,reference}]
                                 [--factor NAME ...]

Trains an MLP GAN G_1 on the 1,797 digits of ``sklearn.datasets.load_digits``, runs one
AdaGAN step (mixture discriminator, R* weights, beta = 1/2) and writes

* ``DIR/weights.npy``: the data weight of every digit, in load_digits order;
* ``DIR/stats.json``: Spearman correlations (permutation p-values) of each digit's ink
  and stroke width with its weight, and mean ink / width of G_1's samples against the
  new component's;
* ``DIR/figure5.png``: samples of G_1 and of G_2's new component above the 16 lowest-
  and 16 highest-weighted digits.

``--pipeline reference`` turns on every choice of the public reference code
(:class:`gan_backend.experiments.adagan_digits.DigitsPipeline`); ``--factor NAME`` (repeatable)
adds single reference choices to the pipeline (:data:`~gan_backend.experiments.adagan_digits.FACTORS`).
Needs scikit-learn. The seed is split (``numpy.random.SeedSequence(S).spawn(2)``) into the
training and the evaluation streams.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

from gan_backend.cli._args import output_dir, seed, steps
from gan_backend.cli._outdir import claim
from gan_backend.experiments import adagan_digits as digits

#: What the command writes in ``--out`` (see :mod:`gan_backend.cli._outdir`).
WRITES = ("weights.npy", "stats.json", "figure5.png")

NAME = "digits"
HELP = "Figure 5 on sklearn's digits: one AdaGAN step, weights vs ink/stroke width"

#: ``--pipeline`` choices
PIPELINES = ("default", "reference")

#: generator steps per GAN by default (300 epochs of 28 steps)
DEFAULT_STEPS = 8400


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=seed, required=True, metavar="S", help="random seed")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--steps", type=steps, default=DEFAULT_STEPS, metavar="N",
                   help=f"generator steps of each GAN, rounded up to whole epochs (default {DEFAULT_STEPS})")
    p.add_argument("--pipeline", choices=PIPELINES, default="default",
                   help="default: this package's pipeline; reference: every choice of the public reference code")
    p.add_argument("--factor", action="append", choices=tuple(digits.FACTORS), default=[], metavar="NAME",
                   help="add one reference choice (repeatable): " + ", ".join(digits.FACTORS))
    p.add_argument("--permutations", type=steps, default=9999, metavar="B",
                   help="permutations of each Spearman test (default 9999)")
    p.add_argument("--progress", action="store_true", help="one line per AdaGAN step on stderr")
    p.add_argument("--force", action="store_true", help="write into --out even if it holds another experiment's outputs")


def run(args: argparse.Namespace) -> int:
    x = digits.load_digits_data()  # ValueError naming scikit-learn when it is missing
    out = output_dir("--out", args.out)
    with claim("--out", out, args, WRITES):
        return _run(args, x)


def identity(args) -> dict:
    """What identifies this command's outputs in ``--out`` (``command.txt``)."""
    return {"seed": args.seed, "steps": args.steps, "pipeline": args.pipeline, "factors": sorted(args.factor),
            "permutations": args.permutations}


def pipeline(args) -> "digits.DigitsPipeline":
    """The :class:`~gan_backend.experiments.adagan_digits.DigitsPipeline` of ``--pipeline`` and ``--factor``."""
    base = digits.DigitsPipeline.reference() if args.pipeline == "reference" else digits.DigitsPipeline()
    return base.with_factors(*args.factor)


def _run(args: argparse.Namespace, x) -> int:
    config = digits.steps_to_config(args.steps, n=x.shape[0])
    stats, panels, fig = digits.figure5_record(x, digits.load_digits_labels(), args.seed, config, pipeline(args),
                                                 permutations=args.permutations)
    stats["pipeline"] = {"name": args.pipeline, "factors": sorted(args.factor), **stats["pipeline"]}
    np.save(os.path.join(args.out, "weights.npy"), fig.weights)
    with open(os.path.join(args.out, "stats.json"), "w") as fh:
        json.dump(stats, fh, indent=2)
        fh.write("\n")
    si, sw = stats["spearman_ink_weight"], stats["spearman_width_weight"]
    mi = stats["mean_ink"]
    digits.plot_figure5(panels, os.path.join(args.out, "figure5.png"),
                        title=f"seed {args.seed}: Spearman(ink, w) = {si['rho']:.3f} (p = {si['p_value']:.2g}); "
                              f"mean ink G_1 {mi['g1']:.1f}, G_2 comp. {mi['g2_component']:.1f}")
    print(f"Spearman(ink, weight) = {si['rho']:.4f} (permutation p = {si['p_value']:.4g}); "
          f"Spearman(stroke width, weight) = {sw['rho']:.4f} (p = {sw['p_value']:.4g})")
    print(f"mean ink: data {mi['data']:.2f}, reweighted data {mi['data_reweighted']:.2f}, G_1 {mi['g1']:.2f}, "
          f"G_2 component {mi['g2_component']:.2f}; lowest-16 {mi['lowest16']:.2f}, highest-16 {mi['highest16']:.2f}")
    return 0
