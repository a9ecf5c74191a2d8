"""How much the AVB ELBO estimate depends on the evaluation refit of T: one trained model, several refits.

    python -m gan_backend.experiments.avb.refit_study --seeds S [S ...] --out PREFIX [--iterations N]
        [--refits NAME [NAME ...]] [--replicates R]

For each seed, AVB is trained once with ``AvbConfig()`` (``--iterations`` shortens it) on the
streams of :func:`~gan_backend.experiments.avb.experiment.run_seed`, so the ``default`` refit
reproduces that seed's ``run_seed`` metrics (with ``AvbConfig.eval_refits`` = 1, the default). T is then refitted from the trained T with each
entry of :data:`REFITS` (a multiple of the default refit length, and a learning rate), every
refit on the same draws, and the model is evaluated on the same evaluation stream: the rows
of a seed differ only by T.

With ``--replicates R > 1`` each refit is repeated R times from the same trained T on
independent draws (replicate 0 on the draws that follow training, as in ``run_seed``;
replicate r ≥ 1 on the stream ``SeedSequence(seed, spawn_key=(3, r))``), still on one set of
posterior samples. The spread of a setting's estimates over replicates is then T's refit noise
as measured, and the summary sets it beside the error the estimate states for T (the KL's
spread over the snapshots of one refit, over √snapshots), and counts the ELBO checks each
replicate passes. The two tables PREFIX + ``.csv`` and PREFIX + ``.md`` are rewritten after each
seed (a rerun starts again; 1.5-4 minutes of training a seed on one core, and 7-20 s per refit).
"""
from __future__ import annotations

import os
import sys
import time

from dataclasses import dataclass

import numpy as np

from gan_backend.experiments.arguments import OneLineParser
from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.evaluate import elbo_stderr_with_adversary, evaluate_avb
from gan_backend.experiments.avb.train import AvbModel, AvbTrainer, toy_data
from gan_backend.experiments.run_files import write_csv

__all__ = ["Refit", "REFITS", "study_seed", "summarise", "write_tables", "main"]


@dataclass(frozen=True)
class Refit:
    """One evaluation refit of T: ``times`` × ``AvbConfig.refit_steps`` steps at learning rate
    ``lr`` (None: the config's ``eval_adversary_lr``), its KL averaged over ``snapshots`` copies
    of T taken evenly through it."""

    times: int
    lr: float | None
    snapshots: int = 10


#: the refits the study can compare, by name (``--refits`` picks some; all by default).
#: ``default`` is the config's own refit (lr 3e-5 since the replicate study; tables made
#: before it name the lr 1e-4 refit ``default``, and give its rate in their lr column).
REFITS = {"default": Refit(1, None), "lr_1e-4": Refit(1, 1e-4), "lr_3e-5": Refit(1, 3e-5),
          "3x_steps_lr_1e-4": Refit(3, 1e-4), "3x_steps_lr_3e-5": Refit(3, 3e-5)}

_COLUMNS = ("seed", "refit", "replicate", "refit_steps", "refit_lr", "snapshots", "elbo", "elbo_se",
            "elbo_se_with_t", "log_likelihood", "log_likelihood_se", "elbo_minus_loglik", "kl", "kl_snapshot_sd",
            "check_strict", "check_with_t", "refit_cpu_seconds")


def _replicate_state(seed: int, replicate: int) -> dict:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, replicate))).bit_generator.state


def study_seed(seed: int, config: AvbConfig | None = None, n: int = 1000, *, refits=None,
               replicates: int = 1) -> list[dict]:
    """Train once on ``seed``'s streams, then one row per refit named in ``refits`` (default:
    all of :data:`REFITS`) and replicate (``replicates`` independent refits of each, see the
    module docstring). The columns ``check_strict`` (ELBO ≤ log p + log p's se, as
    :func:`~gan_backend.experiments.avb.experiment.acceptance`) and ``check_with_t`` (ELBO − log p
    ≤ the two estimates' errors in quadrature, T's included) are 1 or 0."""
    config = AvbConfig() if config is None else config
    names = list(REFITS) if refits is None else list(refits)
    unknown = [r for r in names if r not in REFITS]
    if unknown or not names:
        raise ValueError(f"`refits` must name entries of REFITS {sorted(REFITS)}; got {refits!r}")
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise ValueError(f"`replicates` must be a positive integer; got {replicates!r}")
    x = toy_data()
    s_avb, _, s_eval = np.random.SeedSequence(seed).spawn(3)
    trainer = AvbTrainer(x, config, rng=np.random.default_rng(s_avb))
    adv, obj = trainer.iterate(config.steps)
    states = [trainer.rng.bit_generator.state] + [_replicate_state(seed, r) for r in range(1, replicates)]
    rows = []
    for name in names:
        spec = REFITS[name]
        for r, state in enumerate(states):
            lr = config.eval_adversary_lr if spec.lr is None else spec.lr
            trainer.config = config.replace(eval_adversary_steps=spec.times * config.refit_steps,
                                            eval_adversary_lr=lr, eval_snapshots=spec.snapshots)
            trainer.rng.bit_generator.state = state  # the same refit draws for every entry
            c0 = time.process_time()
            snapshots = trainer.refit_adversary()
            cpu = time.process_time() - c0
            model = AvbModel(trainer.config, trainer.encoder, trainer.decoder, trainer.adversary, adv, obj, snapshots)
            _, m = evaluate_avb(model, x, n, rng=np.random.default_rng(s_eval))
            se_t = elbo_stderr_with_adversary(m["elbo_stderr"], m["kl_by_snapshot"])
            diff = m["elbo"] - m["log_likelihood"]
            rows.append({"seed": int(seed), "refit": name, "replicate": r, "refit_steps": trainer.config.refit_steps,
                         "refit_lr": lr, "snapshots": spec.snapshots, "elbo": m["elbo"],
                         "elbo_se": m["elbo_stderr"], "elbo_se_with_t": se_t, "log_likelihood": m["log_likelihood"],
                         "log_likelihood_se": m["log_likelihood_stderr"], "elbo_minus_loglik": diff, "kl": m["kl"],
                         "kl_snapshot_sd": m["kl_snapshot_sd"],
                         "check_strict": int(diff <= m["log_likelihood_stderr"]),
                         "check_with_t": int(diff <= np.hypot(se_t, m["log_likelihood_stderr"])),
                         "refit_cpu_seconds": cpu})
    trainer.config = config
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per refit setting: the seeds; the runs (seed × replicate); the ELBO checks passed; the
    mean over seeds of the estimate's spread over replicates (``measured_t_sd``, NaN with one
    replicate) and of the error it states for T (``stated_t_se``: the snapshot spread over
    √snapshots), and the mean of ELBO − log p."""
    out = []
    for name in dict.fromkeys(r["refit"] for r in rows):
        mine = [r for r in rows if r["refit"] == name]
        seeds = list(dict.fromkeys(r["seed"] for r in mine))
        spread = [np.std([r["elbo"] for r in mine if r["seed"] == s], ddof=1) if
                  sum(r["seed"] == s for r in mine) > 1 else np.nan for s in seeds]
        out.append({"refit": name, "seeds": len(seeds), "runs": len(mine),
                    "check_strict": sum(r["check_strict"] for r in mine),
                    "check_with_t": sum(r["check_with_t"] for r in mine),
                    "measured_t_sd": float(np.mean(spread)),
                    "stated_t_se": float(np.mean([r["kl_snapshot_sd"] / np.sqrt(r["snapshots"]) for r in mine])),
                    "mean_elbo_minus_loglik": float(np.mean([r["elbo_minus_loglik"] for r in mine]))})
    return out


def write_tables(rows: list[dict], prefix: str, command: str) -> None:
    """``prefix.csv`` and ``prefix.md`` of the rows."""
    write_csv(prefix + ".csv", rows, _COLUMNS)
    lines = ["# AVB: the ELBO estimate under evaluation refits of the same trained model", "",
             "Command:", "", f"    {command}", "",
             "Each seed is trained once (`AvbConfig()`); T is refitted from the trained T with the encoder frozen "
             "(replicate 0 of every refit on the same draws, replicate r ≥ 1 on its own independent draws) and "
             "evaluated on the same posterior samples, so a seed's rows differ only by T. ELBO − log p(x) should "
             "be ≤ 0. ELBO ± se: the posterior-sampling error, in brackets with T's (the snapshot spread over "
             "√snapshots) in quadrature. Checks: strict, ELBO ≤ log p + log p's se; in brackets ELBO − log p ≤ "
             "both errors, T's included.", "",
             "| seed | refit | rep. | steps | lr | snapshots | ELBO est. ± se | log p(x) ± se | ELBO − log p | "
             "KL snapshot sd | check |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    yes = {1: "yes", 0: "no"}
    for r in rows:
        lines.append(f"| {r['seed']} | {r['refit']} | {r['replicate']} | {r['refit_steps']} | {r['refit_lr']:g} | "
                     f"{r['snapshots']} | {r['elbo']:.4f} ± {r['elbo_se']:.4f} ({r['elbo_se_with_t']:.4f}) | "
                     f"{r['log_likelihood']:.4f} ± {r['log_likelihood_se']:.4f} | {r['elbo_minus_loglik']:+.4f} | "
                     f"{r['kl_snapshot_sd']:.4f} | {yes[r['check_strict']]} ({yes[r['check_with_t']]}) |")
    lines += ["", "Per refit: runs (seed × replicate) passing each check; T's refit noise as measured (the "
              "estimate's sd over replicates, mean over seeds) beside the error stated for it (mean snapshot sd "
              "over √snapshots); the mean of ELBO − log p.", "",
              "| refit | seeds | runs | strict check | check with T | measured T sd | stated T se | mean ELBO − log p |",
              "|---|---|---|---|---|---|---|---|"]
    for s in summarise(rows):
        measured = "—" if np.isnan(s["measured_t_sd"]) else f"{s['measured_t_sd']:.4f}"
        lines.append(f"| {s['refit']} | {s['seeds']} | {s['runs']} | {s['check_strict']}/{s['runs']} | "
                     f"{s['check_with_t']}/{s['runs']} | {measured} | {s['stated_t_se']:.4f} | "
                     f"{s['mean_elbo_minus_loglik']:+.4f} |")
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m gan_backend.experiments.avb.refit_study",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seeds", nargs="+", type=int, required=True)
    p.add_argument("--out", required=True, metavar="PREFIX", help="writes the tables PREFIX + .csv and PREFIX + .md")
    p.add_argument("--iterations", type=int, default=None, help="AVB iterations (default: AvbConfig().steps)")
    p.add_argument("--refits", nargs="+", choices=sorted(REFITS), default=None,
                   help="the refits to compare (default: all)")
    p.add_argument("--replicates", type=int, default=1, help="independent refits of each setting (default 1)")
    a = p.parse_args(argv)
    if any(s < 0 for s in a.seeds):
        return p.fail(f"--seeds must be nonnegative; got {a.seeds}")
    if a.iterations is not None and a.iterations < 1:
        return p.fail(f"--iterations must be a positive integer; got {a.iterations}")
    if a.replicates < 1:
        return p.fail(f"--replicates must be a positive integer; got {a.replicates}")
    folder = os.path.dirname(os.path.abspath(a.out))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        return p.fail(f"--out: {folder} is not a writable directory")
    config = AvbConfig() if a.iterations is None else AvbConfig().replace(iterations=a.iterations)
    command = "python -m gan_backend.experiments.avb.refit_study " + " ".join(sys.argv[1:] if argv is None else argv)
    rows, start = [], time.perf_counter()
    for done, seed in enumerate(a.seeds, start=1):
        t0 = time.perf_counter()
        new = study_seed(seed, config, refits=a.refits, replicates=a.replicates)
        rows += new
        write_tables(rows, a.out, command)
        eta = (time.perf_counter() - start) / done * (len(a.seeds) - done)
        print(f"seed {seed} ({done}/{len(a.seeds)}, {time.perf_counter() - t0:.0f} s, ETA {eta / 60:.1f} min): "
              + ", ".join(f"{r['refit']}#{r['replicate']} {r['elbo_minus_loglik']:+.4f}" for r in new), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
