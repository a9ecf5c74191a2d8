"""Measure S6: the neural variational estimate of D_f(Q‖P) against the exact value.

    python -m gan_backend bound --f NAME --pair {gauss,mixture,disjoint} --seed S
        [--steps N] [--n N] [--json PATH] [--plot FILE.png]

Draws ``--n`` points from each of two known 2-D distributions (Q the numerator; the
pairs are described in ``gan_backend/experiments/bound_pairs.py``), trains only an f-GAN
discriminator on them (:func:`gan_backend.estimate_divergence`) and prints the held-out
estimate with its sampling error beside the exact ``D_f(Q‖P)`` computed by fdiv on a
fine grid (with the grid error). ``--f all`` runs every registry f and alpha(a) for
a in {-1, 0.5, 2}. JSON (one f): ``{"f", "pair", "estimate", "stderr", "exact",
"grid_error", "steps", "curve": [[step, estimate], ...]}``; with ``--f all`` a list of
these. ``--plot`` draws the curves, one panel per f, the exact value as a line.
"""
from __future__ import annotations

import argparse
import json
import math

import numpy as np

import fdiv
from gan_backend.engine._validate import fits_in_memory
from gan_backend.cli._args import distinct_outputs, output_file, plot_file, positive_int, seed, steps
from gan_backend.experiments.bound_pairs import PAIRS, exact_divergence, get_pair
from gan_backend.metrics.variational import estimate_divergence

NAME = "bound"
HELP = "variational estimate of D_f(Q||P) by an f-GAN discriminator vs the exact value"

#: what ``--f all`` runs
ALL_ALPHAS = ("alpha(-1)", "alpha(0.5)", "alpha(2)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--f", required=True, metavar="NAME",
                   help="fdiv registry name, alpha(<a>), or 'all'")
    p.add_argument("--pair", required=True, choices=list(PAIRS), help="the two distributions")
    p.add_argument("--seed", required=True, type=seed, metavar="S", help="random seed")
    p.add_argument("--steps", type=steps, default=2000, metavar="N",
                   help="discriminator steps (default 2000)")
    p.add_argument("--n", type=positive_int, default=400_000, metavar="N",
                   help="points drawn from each distribution (default 400000; half held out)")
    p.add_argument("--json", metavar="PATH", help="write the result(s) here")
    p.add_argument("--plot", metavar="FILE.png", help="estimate vs steps, one panel per f")


def _names(arg: str) -> list[str]:
    if arg == "all":
        return fdiv.names() + list(ALL_ALPHAS)
    try:
        f = fdiv.get(arg)
    except ValueError as exc:
        raise ValueError(f"argument --f: {exc}") from None
    return [f.name]


def _num(x: float):
    """JSON has no inf: +inf (an infinite divergence) is written as the string "inf"."""
    return x if math.isfinite(x) else ("inf" if x > 0 else "-inf" if x < 0 else "nan")


def measure(name: str, pair, xq, xp, steps: int, seed: int) -> dict:
    """One f: the estimate, its curve and the exact value, as the JSON object."""
    exact, grid_error = exact_divergence(name, pair)
    r = estimate_divergence(name, xq, xp, steps=steps, rng=np.random.default_rng([seed, 1]),
                            heldout=0.5)
    return {"f": name, "pair": pair.name, "estimate": _num(r.estimate), "stderr": _num(r.stderr),
            "exact": _num(exact), "grid_error": grid_error, "steps": steps,
            "curve": [[int(s), _num(float(e))] for s, e in r.curve]}


def _line(res: dict) -> str:
    est, se, ex = (float(res[k]) for k in ("estimate", "stderr", "exact"))
    rel = "exact = +inf" if math.isinf(ex) else (f"estimate/exact = {est / ex:.3f}" if ex else "")
    return (f"{res['f']:18s} {res['pair']:9s} estimate {est:>10.4g} ± {se:.2g}   "
            f"exact {ex:>10.5g} (grid error {res['grid_error']:.1g})   {rel}")


def run(args: argparse.Namespace) -> int:
    fits_in_memory("--n", args.n, 64)  # two (n, d) float64 samples and their held-out split
    output_file("--json", args.json)
    plot_file("--plot", args.plot)
    distinct_outputs(("--json", args.json), ("--plot", args.plot))
    names = _names(args.f)
    pair = get_pair(args.pair)
    xq, xp = pair.sample(args.n, np.random.default_rng([args.seed, 0]))
    results = []
    for name in names:
        res = measure(name, pair, xq, xp, args.steps, args.seed)
        print(_line(res), flush=True)
        results.append(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results[0] if len(results) == 1 else results, fh, indent=1)
    if args.plot:
        plot_curves(args.plot, results)
    return 0


def plot_curves(path: str, results: list[dict]) -> None:
    """One panel per f: held-out estimate vs steps, the exact value as a dashed line."""
    import matplotlib  # lazy: matplotlib costs ~0.4 s at CLI start-up

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above

    k = len(results)
    cols = min(k, 5)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    for ax, res in zip(axes.ravel(), results):
        c = np.array([[s, float(e)] for s, e in res["curve"]])
        ax.plot(c[:, 0], c[:, 1], color="tab:blue", lw=1.5, label="estimate (held-out)")
        ex = float(res["exact"])
        if math.isfinite(ex):
            ax.axhline(ex, color="k", ls="--", lw=1, label="exact (grid)")
            lo = min(np.nanmin(c[:, 1]), ex)
            span = abs(ex) * 0.5 + 1e-3
            ax.set_ylim(max(lo, ex - span), ex + 0.25 * span)
        else:
            ax.set_title("exact = +inf", fontsize=8, loc="right")
        ax.set_title(res["f"], fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"S6: f-GAN bound on pair '{results[0]['pair']}' vs discriminator steps", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
