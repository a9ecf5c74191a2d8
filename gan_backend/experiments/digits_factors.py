"""Figure 5 factor study: which reference choice makes the R* weights non-uniform.

    python -m gan_backend.experiments.digits_factors --runs DIR [--settings NAME ...] [--seeds S ...]
                                    [--steps N] [--table PREFIX] [--figure SETTING SEED FILE.png]

Settings (:data:`SETTINGS`): ``default`` (this package's pipeline), ``reference`` (every
choice of the public reference code, :meth:`DigitsPipeline.reference`) and ``default`` plus
one reference choice (:data:`~gan_backend.experiments.adagan_digits.FACTORS`). Each
(setting, seed) is one :func:`~gan_backend.experiments.adagan_digits.figure5_record`, the
``digits`` command's run, written to ``DIR/<setting>__seed<S>.json`` (statistics) and
``.npz`` (weights, D and the plot's panels) as soon as it ends; a rerun skips the pairs
whose JSON exists and was made with the same pipeline and steps (resumable). ``--table
PREFIX`` writes PREFIX + ``.csv`` and PREFIX + ``.md`` from every JSON in ``DIR``;
``--figure`` draws the slides' row (G_1 samples | lowest | highest weighted digits) of a
finished run.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

from gan_backend.experiments import adagan_digits as digits
from gan_backend.experiments.arguments import OneLineParser
from gan_backend.experiments.run_files import check_study_args, read_rows, record_path, write_csv, write_record

__all__ = ["SETTINGS", "setting_pipeline", "run_pair", "write_table", "plot_run", "main"]

#: name -> what it changes
SETTINGS = {
    "default": "this package's pipeline",
    "reference": "every reference choice",
    "bounded_bn_generator": "G with batch norm in every hidden layer and a sigmoid output in [0, 1]",
    "fixed_classifier": "mixture discriminator trained a fixed 5 epochs at lr 8e-4, no model selection",
    "stored_samples": "fakes redrawn from 5,000 stored samples per component",
    "reference_weights": "R* weights with h = (1 - D)/(D + 1e-8)",
}

#: generator steps per GAN (the ``digits`` command's default)
STEPS = 8400

_COLUMNS = ("setting", "seed", "nw_q05", "nw_q50", "nw_q95", "zero_weights", "rho_ink", "p_ink", "rho_width",
            "p_width", "rho_slant", "p_slant", "kruskal_class_p", "class_nw_min", "class_nw_max", "class_low",
            "class_high", "ink_low16", "ink_high16", "width_low16", "width_high16", "ink_g1", "ink_g2",
            "classifier_epochs") + tuple(f"class{c}_nw" for c in range(10))


def setting_pipeline(name: str) -> digits.DigitsPipeline:
    """The :class:`~gan_backend.experiments.adagan_digits.DigitsPipeline` of setting ``name``."""
    if name not in SETTINGS:
        raise ValueError(f"`setting` must be one of {', '.join(SETTINGS)}; got {name!r}")
    if name == "default":
        return digits.DigitsPipeline()
    if name == "reference":
        return digits.DigitsPipeline.reference()
    return digits.DigitsPipeline().with_factors(name)


def run_pair(runs: str, name: str, seed: int, steps: int = STEPS, *, x=None, labels=None,
             permutations: int = 9999) -> dict:
    """Run (setting, seed) unless its JSON exists (made with the same pipeline and steps:
    ``ValueError`` otherwise); return the record."""
    path = record_path(runs, name, seed)
    pipe = setting_pipeline(name)
    x = digits.load_digits_data() if x is None else x
    labels = digits.load_digits_labels() if labels is None else labels
    config = digits.steps_to_config(steps, n=x.shape[0])
    if os.path.exists(path):
        with open(path) as fh:
            rec = json.load(fh)
        if (rec.get("pipeline") != pipe.to_dict() or rec.get("config") != pipe.gan_config(config).to_dict()
                or rec["spearman_ink_weight"]["permutations"] != permutations):
            raise ValueError(f"`runs`: {path} was made with another pipeline, number of steps or permutations than setting "
                             f"{name!r} has now; move it away to rerun it")
        return rec
    stats, panels, fig = digits.figure5_record(x, labels, seed, config, pipe, permutations=permutations)
    rec = {"setting": name, "change": SETTINGS[name], **stats}
    np.savez_compressed(path[:-5] + ".npz", weights=fig.weights, d=fig.d,
                        **{k: np.asarray(v) for k, v in panels.items()})
    write_record(path, rec)
    return rec


def _row(rec) -> dict:
    q = rec["n_times_weight_quantiles_5_50_95"]
    cls = {int(k): v for k, v in rec["classes"]["mean_n_weight_by_class"].items()}
    mi, mw = rec["mean_ink"], rec["mean_stroke_width"]
    row = {"setting": rec["setting"], "seed": rec["seed"], "nw_q05": q[0], "nw_q50": q[1], "nw_q95": q[2],
           "zero_weights": rec["zero_weights"],
           "rho_ink": rec["spearman_ink_weight"]["rho"], "p_ink": rec["spearman_ink_weight"]["p_value"],
           "rho_width": rec["spearman_width_weight"]["rho"], "p_width": rec["spearman_width_weight"]["p_value"],
           "rho_slant": rec["spearman_slant_weight"]["rho"], "p_slant": rec["spearman_slant_weight"]["p_value"],
           "kruskal_class_p": rec["kruskal_class_weight"]["p_value"],
           "class_nw_min": min(cls.values()), "class_nw_max": max(cls.values()),
           "class_low": min(cls, key=cls.get), "class_high": max(cls, key=cls.get),
           "ink_low16": mi["lowest16"], "ink_high16": mi["highest16"],
           "width_low16": mw["lowest16"], "width_high16": mw["highest16"],
           "ink_g1": mi["g1"], "ink_g2": mi["g2_component"], "classifier_epochs": rec["classifier_epochs"]}
    row.update({f"class{c}_nw": cls[c] for c in range(10)})
    return row


def _p(v) -> str:
    return f"{v:.1g}" if v < 0.01 else f"{v:.2f}"


def write_table(runs: str, prefix: str, command: str) -> list[dict]:
    """``prefix.csv`` (one row per JSON in ``runs``) and ``prefix.md`` (settings in
    :data:`SETTINGS` order, with ``command``)."""
    rows = read_rows(runs, _row, SETTINGS)
    write_csv(prefix + ".csv", rows, _COLUMNS)
    lines = ["# Figure 5 factor study: which reference choice makes the weights non-uniform", "",
             "Command:", "", f"    {command}", "",
             "Each row is one `python -m gan_backend digits` run (one AdaGAN step, β = 1/2, R* weights) with the "
             "setting's pipeline. Columns: quantiles of N·w over the 1,797 digits (uniform weights: all 1); the "
             "number of zero weights; Spearman ρ of w with ink, stroke width and slant (two-sided permutation "
             "p-values, 9,999 permutations); the Kruskal–Wallis p-value of w across the 10 classes and the lowest "
             "and highest per-class mean N·w (class in brackets); mean ink of the 16 lowest- and 16 "
             "highest-weighted digits; mean ink of G_1's and of G_2's new component's samples; the mixture "
             "discriminator's epochs. The slides' observation: ρ(ink, w) < 0 and ρ(width, w) < 0 (thick digits "
             "get low weight) and G_2's component drawing less ink than G_1.", ""]
    for name, change in SETTINGS.items():
        lines.append(f"- `{name}`: {change}")
    lines += ["", "| setting | seed | N·w 5% | 50% | 95% | zeros | ρ(ink, w) | p | ρ(width, w) | p | ρ(slant, w) | p | "
              "class p | class N·w min | max | ink low16 | high16 | ink G_1 | G_2 comp. | clf ep. |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['seed']} | {r['nw_q05']:.3f} | {r['nw_q50']:.3f} | {r['nw_q95']:.3f} | "
                     f"{r['zero_weights']} | {r['rho_ink']:+.3f} | {_p(r['p_ink'])} | {r['rho_width']:+.3f} | "
                     f"{_p(r['p_width'])} | {r['rho_slant']:+.3f} | {_p(r['p_slant'])} | {_p(r['kruskal_class_p'])} | "
                     f"{r['class_nw_min']:.3f} ({r['class_low']}) | {r['class_nw_max']:.3f} ({r['class_high']}) | "
                     f"{r['ink_low16']:.1f} | {r['ink_high16']:.1f} | {r['ink_g1']:.1f} | {r['ink_g2']:.1f} | "
                     f"{r['classifier_epochs']} |")
    lines += ["", "Per-class mean N·w (classes 0..9):", "",
              "| setting | seed | " + " | ".join(str(c) for c in range(10)) + " |",
              "|---|---|" + "---|" * 10]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['seed']} | " + " | ".join(f"{r[f'class{c}_nw']:.3f}" for c in range(10))
                     + " |")
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return rows


def plot_run(runs: str, name: str, seed: int, path: str) -> None:
    """The slides' row of (setting, seed) from its saved panels: G_1 samples | 16 lowest |
    16 highest weighted digits."""
    with open(record_path(runs, name, seed)) as fh:
        rec = json.load(fh)
    with np.load(record_path(runs, name, seed)[:-5] + ".npz") as z:
        panels = {k: z[k] for k in ("g1", "low", "high")}
    si, sw = rec["spearman_ink_weight"], rec["spearman_width_weight"]
    q = rec["n_times_weight_quantiles_5_50_95"]
    digits.plot_figure5(panels, path, keys=("g1", "low", "high"),
                        title=f"setting {name}, seed {seed}: N·w 5/50/95% = {q[0]:.2f}/{q[1]:.2f}/{q[2]:.2f}; "
                              f"ρ(ink, w) = {si['rho']:+.3f} (p = {_p(si['p_value'])}), "
                              f"ρ(width, w) = {sw['rho']:+.3f} (p = {_p(sw['p_value'])})")


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m gan_backend.experiments.digits_factors",
                      description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True, help="directory of the per-(setting, seed) JSON files")
    p.add_argument("--settings", nargs="*", default=[], choices=list(SETTINGS), metavar="NAME")
    p.add_argument("--seeds", nargs="*", default=[], metavar="S")
    p.add_argument("--steps", default=str(STEPS), metavar="N", help=f"generator steps per GAN (default {STEPS})")
    p.add_argument("--permutations", default="9999", metavar="B", help="permutations of each Spearman test")
    p.add_argument("--table", metavar="PREFIX", help="write the tables PREFIX + .csv and PREFIX + .md from every JSON in --runs")
    p.add_argument("--figure", nargs=3, metavar=("SETTING", "SEED", "FILE.png"),
                   help="draw G_1 | lowest | highest weighted digits of one finished run")
    p.add_argument("--command", default="python -m gan_backend.experiments.digits_factors " + " ".join(sys.argv[1:]),
                   help="the command line quoted in the table")
    try:
        a = p.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad argument (2, its one line printed)
        return int(exc.code or 0)
    try:
        seeds = [int(s) for s in a.seeds]
        steps = int(a.steps)
        perms = int(a.permutations)
    except ValueError as exc:
        return p.fail(f"--seeds, --steps and --permutations must be integers ({exc})")
    if steps < 1:
        return p.fail(f"--steps must be a positive integer; got {a.steps!r}")
    if perms < 1:
        return p.fail(f"--permutations must be a positive integer; got {a.permutations!r}")
    status = check_study_args(p, a.runs, list(SETTINGS), a.settings, seeds, a.table, a.figure)
    if status:
        return status
    if seeds and a.settings:
        x, labels = digits.load_digits_data(), digits.load_digits_labels()
        for seed in seeds:
            for name in a.settings:
                rec = run_pair(a.runs, name, seed, steps, x=x, labels=labels, permutations=perms)
                q = rec["n_times_weight_quantiles_5_50_95"]
                print(f"{name} seed {seed}: N·w 5/50/95% {q[0]:.3f}/{q[1]:.3f}/{q[2]:.3f}, "
                      f"rho(ink, w) {rec['spearman_ink_weight']['rho']:+.3f}, "
                      f"rho(width, w) {rec['spearman_width_weight']['rho']:+.3f}", flush=True)
    if a.table:
        write_table(a.runs, a.table, a.command)
    if a.figure:
        plot_run(a.runs, a.figure[0], int(a.figure[1]), a.figure[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
