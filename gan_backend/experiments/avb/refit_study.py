"""How much the AVB ELBO estimate depends on the evaluation refit of T: one trained model, four refits.

    python -m gan_backend.experiments.avb.refit_study --seeds S [S ...] --out PREFIX [--iterations N]

For each seed, AVB is trained once with ``AvbConfig()`` (``--iterations`` shortens it) on the
streams of :func:`~gan_backend.experiments.avb.experiment.run_seed`, so the ``default`` refit
reproduces that seed's row of the refit table. T is then refitted from the trained T with each
entry of :data:`REFITS` (a multiple of the default refit length, and a learning rate), every
refit on the same draws, and the model is evaluated on the same evaluation stream: the rows
of a seed differ only by T. The two tables PREFIX + ``.csv`` and PREFIX + ``.md`` are
rewritten after each seed (a rerun starts again; about 3 minutes a seed on one core).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from gan_backend.experiments.arguments import OneLineParser
from gan_backend.experiments.avb.config import AvbConfig
from gan_backend.experiments.avb.evaluate import evaluate_avb
from gan_backend.experiments.avb.train import AvbModel, AvbTrainer, toy_data
from gan_backend.experiments.run_files import write_csv

__all__ = ["REFITS", "study_seed", "write_tables", "main"]

#: name → (multiple of ``AvbConfig.refit_steps``, refit learning rate)
REFITS = {"default": (1, 1e-4), "3x_steps": (3, 1e-4), "lr_3e-5": (1, 3e-5), "3x_steps_lr_3e-5": (3, 3e-5)}

_COLUMNS = ("seed", "refit", "refit_steps", "refit_lr", "elbo", "elbo_se", "log_likelihood", "log_likelihood_se",
            "elbo_minus_loglik", "kl", "kl_snapshot_sd", "refit_cpu_seconds")


def study_seed(seed: int, config: AvbConfig | None = None, n: int = 1000) -> list[dict]:
    """Train once on ``seed``'s streams, then one row per entry of :data:`REFITS`."""
    config = AvbConfig() if config is None else config
    x = toy_data()
    s_avb, _, s_eval = np.random.SeedSequence(seed).spawn(3)
    trainer = AvbTrainer(x, config, rng=np.random.default_rng(s_avb))
    adv, obj = trainer.iterate(config.steps)
    state = trainer.rng.bit_generator.state
    rows = []
    for name, (times, lr) in REFITS.items():
        trainer.config = config.replace(eval_adversary_steps=times * config.refit_steps, eval_adversary_lr=lr)
        trainer.rng.bit_generator.state = state  # the same refit draws for every entry
        c0 = time.process_time()
        snapshots = trainer.refit_adversary()
        cpu = time.process_time() - c0
        model = AvbModel(trainer.config, trainer.encoder, trainer.decoder, trainer.adversary, adv, obj, snapshots)
        _, m = evaluate_avb(model, x, n, rng=np.random.default_rng(s_eval))
        rows.append({"seed": int(seed), "refit": name, "refit_steps": trainer.config.refit_steps, "refit_lr": lr,
                     "elbo": m["elbo"], "elbo_se": m["elbo_stderr"], "log_likelihood": m["log_likelihood"],
                     "log_likelihood_se": m["log_likelihood_stderr"],
                     "elbo_minus_loglik": m["elbo"] - m["log_likelihood"], "kl": m["kl"],
                     "kl_snapshot_sd": m["kl_snapshot_sd"], "refit_cpu_seconds": cpu})
    trainer.config = config
    return rows


def write_tables(rows: list[dict], prefix: str, command: str) -> None:
    """``prefix.csv`` and ``prefix.md`` of the rows."""
    write_csv(prefix + ".csv", rows, _COLUMNS)
    lines = ["# AVB: the ELBO estimate under four evaluation refits of the same trained model", "",
             "Command:", "", f"    {command}", "",
             "Each seed is trained once (`AvbConfig()`); T is refitted from the trained T with the encoder frozen, "
             "on the same draws, and evaluated on the same posterior samples, so a seed's rows differ only by T. "
             "ELBO − log p(x) should be ≤ 0; its MC standard errors are those of the two columns before it.", "",
             "| seed | refit | steps | lr | ELBO est. ± se | log p(x) ± se | ELBO − log p | KL snapshot sd |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['refit']} | {r['refit_steps']} | {r['refit_lr']:g} | {r['elbo']:.4f} ± "
                     f"{r['elbo_se']:.4f} | {r['log_likelihood']:.4f} ± {r['log_likelihood_se']:.4f} | "
                     f"{r['elbo_minus_loglik']:+.4f} | {r['kl_snapshot_sd']:.4f} |")
    with open(prefix + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")


def _fail(message: str) -> int:
    print(f"refit_study: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m gan_backend.experiments.avb.refit_study",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seeds", nargs="+", type=int, required=True)
    p.add_argument("--out", required=True, metavar="PREFIX", help="writes the tables PREFIX + .csv and PREFIX + .md")
    p.add_argument("--iterations", type=int, default=None, help="AVB iterations (default: AvbConfig().steps)")
    a = p.parse_args(argv)
    if any(s < 0 for s in a.seeds):
        return _fail(f"--seeds must be nonnegative; got {a.seeds}")
    if a.iterations is not None and a.iterations < 1:
        return _fail(f"--iterations must be a positive integer; got {a.iterations}")
    folder = os.path.dirname(os.path.abspath(a.out))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        return _fail(f"--out: {folder} is not a writable directory")
    config = AvbConfig() if a.iterations is None else AvbConfig().replace(iterations=a.iterations)
    command = "python -m gan_backend.experiments.avb.refit_study " + " ".join(sys.argv[1:] if argv is None else argv)
    rows = []
    for seed in a.seeds:
        rows += study_seed(seed, config)
        write_tables(rows, a.out, command)
        print(f"seed {seed}: " + ", ".join(f"{r['refit']} {r['elbo_minus_loglik']:+.4f}" for r in rows[-len(REFITS):]),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
