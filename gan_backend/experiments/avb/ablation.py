"""The CPU-recipe ablation: one ingredient of the AVB toy recipe changed at a time.

    python -m gan_backend.experiments.avb.ablation --runs DIR [--settings NAME ...] [--seeds S ...]
                                       [--table results/avb/ablation]

Each setting is :class:`~gan_backend.experiments.avb.AvbConfig` (the CPU default) with the changes
listed in :data:`SETTINGS`. Each (setting, seed) is one :func:`~gan_backend.experiments.avb.experiment.run_seed`
written to ``DIR/<setting>__seed<S>.json`` as soon as it ends; a rerun skips the pairs
whose file exists (resumable). The posterior samples go beside it
(``<setting>__seed<S>.npz``: ``avb`` and, when trained here, ``vae``, shape (4, n, 2)), so
figures need no rerun. The VAE baseline of a seed is trained once and reused by
every setting that leaves its fields (:data:`~gan_backend.experiments.avb.experiment.VAE_FIELDS`) unchanged. ``--table PREFIX`` writes the two tables PREFIX + ``.csv`` and PREFIX + ``.md``
from every JSON in ``DIR`` (with ``--settings`` and ``--seeds`` omitted: no training);
``--figure SETTING SEED FILE.png`` draws that run's posteriors (VAE beside AVB) from its
saved samples.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys

import numpy as np

from gan_backend.experiments.arguments import OneLineParser
from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.evaluate import elbo_stderr_with_adversary
from gan_backend.experiments.avb.experiment import VAE_FIELDS, acceptance, run_seed
from gan_backend.experiments.avb.plot import plot_posteriors
from gan_backend.experiments.run_files import check_study_args, read_rows, record_path, write_csv, write_record

__all__ = ["SETTINGS", "run_pair", "write_table", "plot_run", "main"]

#: name → (what it changes, the changes to the CPU default)
SETTINGS = {
    "default": ("the CPU default", {}),
    "no_prior_term": ("no ‖z‖² term in T", {"adversary_prior_term": False}),
    "lr_ratio_1": ("T lr = (θ, φ) lr = 1e-4", {"lr_adversary": 1e-4}),
    "lr_ratio_20": ("T lr 5e-4, (θ, φ) lr 2.5e-5", {"lr": 2.5e-5}),
    "t_steps_1": ("1 T step per iteration", {"adversary_steps": 1}),
    "t_plain_mlp": ("T a plain 128-128 ELU MLP (no residual blocks)", {"adversary_hidden": (128, 128), "adversary_blocks": 0}),
    "t_width_64": ("T width 64", {"adversary_hidden": (64,)}),
    "t_blocks_5": ("T 5 residual blocks", {"adversary_blocks": 5}),
    "noise_4": ("ε of dimension 4", {"noise_dim": 4}),
    "iterations_5k": ("5,000 iterations", {"steps": 5000}),
    "iterations_20k": ("20,000 iterations", {"steps": 20000}),
    "authors_lr": ("the authors' lr 2e-5 / 1e-4", {"lr": 2e-5, "lr_adversary": 1e-4}),
    "noise_numpy": ("ε from NumPy's ziggurat", {"noise": "numpy"}),
}

_COLUMNS = ("setting", "seed", "separation", "separation_1nn", "mmd2_avb", "mmd2_vae", "elbo", "elbo_se", "elbo_se_with_t",
            "log_likelihood", "log_likelihood_se", "elbo_gap", "kl_snapshot_sd", "kl_refit_sd", "vae_elbo", "vae_log_likelihood", "final_t_loss",
            "seconds_avb", "cpu_seconds_avb", "sep_ok", "mmd_ok", "elbo_ok", "elbo_ok_with_t")


def _config(name: str) -> AvbConfig:
    if name not in SETTINGS:
        raise ValueError(f"`setting` must be one of {', '.join(SETTINGS)}; got {name!r}")
    return AvbConfig().replace(**SETTINGS[name][1])


def run_pair(runs: str, name: str, seed: int, n: int = 1000) -> dict:
    """Run (setting, seed) unless its JSON exists; return the record."""
    path = record_path(runs, name, seed)
    config = _config(name)
    cfg = _as_json(config)
    if os.path.exists(path):
        with open(path) as fh:
            rec = json.load(fh)
        if rec.get("config") != cfg or rec.get("n", 1000) != n:
            raise ValueError(f"`runs`: {path} was made with another configuration or n than setting "
                             f"{name!r} has now; move it away to rerun it")
        return rec
    vae_key = {k: cfg[k] for k in VAE_FIELDS}
    vae = None
    for f in sorted(os.listdir(runs)):
        if f.endswith(f"__seed{seed}.json"):
            with open(os.path.join(runs, f)) as fh:
                other = json.load(fh)
            if other.get("n", 1000) == n and {k: other["config"][k] for k in VAE_FIELDS} == vae_key:
                vae = other
                break
    r = run_seed(config, seed, n, vae=vae is None)
    m_vae = r.metrics_vae if vae is None else vae["vae"]
    rec = {
        "setting": name, "seed": seed, "changes": {k: list(v) if isinstance(v, tuple) else v
                                                   for k, v in SETTINGS[name][1].items()},
        "config": cfg, "n": n, "vae_from": None if vae is None else vae["setting"],
        "seconds_avb": r.seconds_avb, "seconds_vae": r.seconds_vae if vae is None else vae["seconds_vae"],
        "cpu_seconds_avb": r.cpu_seconds_avb,
        "avb": r.metrics_avb, "vae": m_vae, "checks": acceptance(r.metrics_avb, m_vae),
    }
    arrays = {"avb": r.z_avb} if r.z_vae is None else {"avb": r.z_avb, "vae": r.z_vae}
    np.savez_compressed(path[:-5] + ".npz", **arrays)
    write_record(path, rec)
    return rec


def _as_json(config) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def _row(rec) -> dict:
    a, v, c = rec["avb"], rec["vae"], rec["checks"]
    se_t = a.get("elbo_stderr_with_adversary")  # runs stored before it: from the snapshots
    if se_t is None:
        se_t = elbo_stderr_with_adversary(a.get("elbo_stderr", float("nan")), a.get("kl_by_snapshot", ()))
    return {"setting": rec["setting"], "seed": rec["seed"], "separation": a["separation"],
            "separation_1nn": a["separation_1nn"], "mmd2_avb": a["aggregate_mmd2"], "mmd2_vae": v["aggregate_mmd2"],
            "elbo": a["elbo"], "elbo_se": a.get("elbo_stderr", float("nan")), "elbo_se_with_t": se_t,
            "log_likelihood": a["log_likelihood"], "log_likelihood_se": a["log_likelihood_stderr"],
            "elbo_gap": a["elbo_gap"], "kl_snapshot_sd": a.get("kl_snapshot_sd", float("nan")),
            "kl_refit_sd": float("nan") if a.get("kl_refit_sd") is None else a["kl_refit_sd"], "vae_elbo": v["elbo"], "vae_log_likelihood": v["log_likelihood"],
            "final_t_loss": a["final_adversary_loss"], "seconds_avb": rec["seconds_avb"],
            "cpu_seconds_avb": rec.get("cpu_seconds_avb", float("nan")),
            "sep_ok": c["avb_separation_at_least_0.95"], "mmd_ok": c["avb_aggregate_closer_to_prior_than_vae"],
            "elbo_ok": c["avb_elbo_at_most_loglik_plus_se"],
            # the check against the stated error of ELBO − log p (acceptance's; records stored before
            # it get T's share from their snapshots)
            "elbo_ok_with_t": acceptance({**a, "elbo_stderr_with_adversary": se_t}, v)["avb_elbo_within_stated_error"]}


def write_table(runs: str, prefix: str, command: str,
                title: str = "AVB CPU recipe: ablation, one ingredient at a time") -> list[dict]:
    """``prefix.csv`` (one row per JSON in ``runs``) and ``prefix.md`` (the same, grouped by
    setting in :data:`SETTINGS` order, with ``command`` and each setting's change)."""
    rows = read_rows(runs, _row, SETTINGS)
    write_csv(prefix + ".csv", rows, _COLUMNS)
    base = AvbConfig()
    lines = [f"# {title}", "",
             "Command:", "", f"    {command}", "",
             f"Base (`default`): `AvbConfig()` = noise {base.noise_dim}, encoder/decoder "
             f"{'×'.join(map(str, base.encoder_hidden))} {base.activation.upper()}, T [x, z] → "
             f"{base.adversary_hidden[-1]} then {base.adversary_blocks} residual blocks"
             f"{' + ‖z‖²' if base.adversary_prior_term else ''}, lr {base.lr:g} / T {base.lr_adversary:g}, "
             f"{base.adversary_steps} T steps per iteration, {base.steps} iterations, batch {base.batch_size}; "
             f"for the ELBO estimate T is refitted {base.refit_steps} steps (lr {base.eval_adversary_lr:g}) with the "
             f"encoder frozen and its KL averaged over {base.eval_snapshots} snapshots (runs stored before the refit "
             f"existed have no snapshot sd).", "",
             "Columns: nearest-centroid and 1-NN accuracy of the codes; MMD² (h = 1) of the aggregate posterior to "
             "N(0, I), AVB and the VAE of the same seed; the AVB ELBO estimate (−T for the KL) ± its MC standard "
             "error (4,000 posterior samples), and in brackets the error with T's snapshot spread / √snapshots added; the exact "
             "log-likelihood mean_k log p(x_k) (importance sampling) ± its MC standard error; the gap; the standard "
             "deviation of the KL estimate across T's snapshots; the ELBO check (estimate ≤ log p + log p's se; in "
             "brackets ≤ log p + both errors, T's included); "
             "AVB training seconds, wall clock and CPU (this 2-core machine, shared by several jobs). −log 4 = −1.3863.", "",
             "| setting | change | seed | centroid | 1-NN | MMD² AVB | MMD² VAE | ELBO est. | log p(x) ± se | gap | KL sd | ELBO check | T loss | wall s | CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        change = SETTINGS.get(r["setting"], ("?", {}))[0]
        lines.append(f"| {r['setting']} | {change} | {r['seed']} | {r['separation']:.3f} | {r['separation_1nn']:.3f} | "
                     f"{r['mmd2_avb']:.5f} | {r['mmd2_vae']:.5f} | {r['elbo']:.4f} ± {r['elbo_se']:.4f} ({r['elbo_se_with_t']:.4f}) | "
                     f"{r['log_likelihood']:.4f} ± {r['log_likelihood_se']:.4f} | {r['elbo_gap']:.4f} | {r['kl_snapshot_sd']:.3f} | "
                     f"{'yes' if r['elbo_ok'] else 'no'} ({'yes' if r['elbo_ok_with_t'] else 'no'}) | {r['final_t_loss']:.3f} | "
                     f"{r['seconds_avb']:.0f} | {r['cpu_seconds_avb']:.0f} |")
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return rows


def plot_run(runs: str, name: str, seed: int, path: str) -> None:
    """The posterior figure of (setting, seed) from its JSON and saved samples (the VAE
    panel only when its samples were saved with this run)."""
    with open(record_path(runs, name, seed)) as fh:
        rec = json.load(fh)
    panels = {}
    with np.load(record_path(runs, name, seed)[:-5] + ".npz") as z:
        for key, label in (("vae", "VAE: ELBO"), ("avb", "AVB: ELBO est.")):
            if key in z:
                m = rec[key]
                panels[f"{label} {m['elbo']:.3f}, log p(x) {m['log_likelihood']:.3f}\n"
                       f"centroid acc. {m['separation']:.3f}, MMD² {m['aggregate_mmd2']:.5f}"] = z[key]
    plot_posteriors(panels, path, suptitle=f"q(z|x_k), k = 1..4, over N(0, I) contours: setting {name}, seed {seed}")


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m gan_backend.experiments.avb.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--runs", required=True, help="directory of the per-(setting, seed) JSON files")
    p.add_argument("--settings", nargs="*", default=[], choices=list(SETTINGS), metavar="NAME")
    p.add_argument("--seeds", nargs="*", type=int, default=[])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--table", metavar="PREFIX", help="write the tables PREFIX + .csv and PREFIX + .md from every JSON in --runs")
    p.add_argument("--figure", nargs=3, metavar=("SETTING", "SEED", "FILE.png"),
                   help="draw the posteriors of one finished run")
    p.add_argument("--title", default="AVB CPU recipe: ablation, one ingredient at a time",
                   help="the table's heading")
    p.add_argument("--command", default="python -m gan_backend.experiments.avb.ablation " + " ".join(sys.argv[1:]),
                   help="the command line quoted in the table")
    a = p.parse_args(argv)
    if a.n < 1:
        return p.fail(f"--n must be a positive integer; got {a.n}")
    status = check_study_args(p, a.runs, list(SETTINGS), a.settings, a.seeds, a.table, a.figure)
    if status:
        return status
    for seed in a.seeds:
        for name in a.settings:
            rec = run_pair(a.runs, name, seed, a.n)
            print(f"{name} seed {seed}: centroid {rec['avb']['separation']:.3f}, MMD² {rec['avb']['aggregate_mmd2']:.5f} "
                  f"(VAE {rec['vae']['aggregate_mmd2']:.5f}), ELBO {rec['avb']['elbo']:.3f} vs log p "
                  f"{rec['avb']['log_likelihood']:.4f}, {rec['seconds_avb']:.0f} s", flush=True)
    if a.table:
        write_table(a.runs, a.table, a.command, a.title)
    if a.figure:
        plot_run(a.runs, a.figure[0], int(a.figure[1]), a.figure[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
