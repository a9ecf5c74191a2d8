r"""Fit check: does one GAN of a given objective fit a K-mode toy Gaussian mixture?

One run is exactly ``python -m gan_backend sample --dataset gmm --modes K --method vanilla
--objective OBJ --seed S`` (the same seed split, data, training and sample streams): the
final model's samples are compared with the training data by their first two moments.

A run **fits** when both hold:

* mean: the Mahalanobis distance of the sample mean from the data mean, in the data's
  covariance ``Σ_d``, is at most 1 (for K = 1, isotropic data: within one data sd);
* covariance: every eigenvalue of ``Σ_d^{-1} Σ_s`` (the sample covariance relative to the
  data's, along its principal directions) lies in ``[1/2, 2]``.

For K = 2 the mean test alone cannot see a model on one mode (that mean is within one
mixture sd of the data mean); the covariance test does (the between-mode variance is
missing). ``hq`` is the fraction of samples within 3 per-mode sd of their nearest mode,
``modes_hit`` the number of modes that get at least half their share (1/(2K)) of all
samples that way.
"""
from __future__ import annotations

import csv
import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import fdiv
from gan_backend.adagan import methods
from gan_backend.engine.config import GanConfig
from gan_backend.engine.datasets import make_dataset

__all__ = ["FitSpec", "FIT_FIELDS", "LEGACY", "config_tag", "fit_stats", "run_fit", "default_objectives",
           "read_rows", "row_key", "append_row", "write_report"]

#: the ``config`` of rows written before the column existed
LEGACY = "legacy"

#: columns of fit.csv, in order
FIT_FIELDS = ("objective", "f", "form", "modes", "seed", "epochs", "n_data", "n_samples", "config",
              "data_mean_x", "data_mean_y", "sample_mean_x", "sample_mean_y", "mean_dist",
              "cov_ratio_min", "cov_ratio_max", "hq", "modes_hit", "fits", "seconds")


@dataclass(frozen=True)
class FitSpec:
    """One run of the fit check: objective spec, K, seed and the training size."""

    objective: str
    modes: int
    seed: int
    epochs: int = 15
    n_data: int = 256_000
    n_samples: int = 20_000

    @property
    def config(self) -> GanConfig:
        """The GAN it trains: ``GanConfig.for_objective(objective, epochs=epochs)``."""
        return GanConfig.for_objective(self.objective, epochs=self.epochs)

    @property
    def key(self) -> tuple:
        """What identifies a stored row: the spec and the GAN's fields away from the
        defaults (:func:`config_tag`), so that a run made under other defaults is retrained."""
        return (self.objective, self.modes, self.seed, self.epochs, self.n_data, self.n_samples,
                config_tag(self.config))


def config_tag(config: GanConfig) -> str:
    """The fields of ``config`` that differ from :class:`GanConfig`'s defaults, other than
    ``objective`` and ``epochs`` (columns of their own), as ``name=value`` joined by ``;``.

    >>> config_tag(GanConfig.for_objective("fgan:kl", epochs=3))
    "activation='leaky_relu';init='glorot';lr_g=0.0002;lr_d=0.0002;standardize=True"
    >>> config_tag(GanConfig(objective="minimax"))
    ''
    """
    base = GanConfig()
    return ";".join(f"{f.name}={getattr(config, f.name)!r}" for f in dataclasses.fields(config)
                    if f.name not in ("objective", "epochs") and getattr(config, f.name) != getattr(base, f.name))


def default_objectives() -> list[str]:
    """``fgan:<f>`` and ``fgan-saturating:<f>`` for every registry f and alpha(−1),
    alpha(0.5), alpha(2); ``minimax`` and ``nonsaturating`` are added by the command as
    the reference pair."""
    fs = list(fdiv.names()) + ["alpha(-1)", "alpha(0.5)", "alpha(2)"]
    return [f"{prefix}:{f}" for f in fs for prefix in ("fgan", "fgan-saturating")]


#: the plain GAN's two generator losses, reported as one row beside the f-GANs
_PLAIN = {"nonsaturating": ("minimax/nonsaturating", "nonsaturating"),
          "minimax": ("minimax/nonsaturating", "saturating")}


def _f_and_form(objective: str) -> tuple[str, str]:
    if objective in _PLAIN:
        return _PLAIN[objective]
    prefix, _, f = objective.partition(":")
    if prefix == "fgan":
        return f, "nonsaturating"
    if prefix == "fgan-saturating":
        return f, "saturating"
    return objective, objective


def fit_stats(samples, data_x, means, std: float) -> dict:
    """Moment comparison of ``samples`` (m, 2) with ``data_x`` (n, 2) (module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal([5.0, -3.0], 2.0, size=(20000, 2))
    >>> s = fit_stats(rng.normal([5.0, -3.0], 2.0, size=(20000, 2)), x, np.array([[5.0, -3.0]]), 2.0)
    >>> s["fits"], s["modes_hit"], s["mean_dist"] < 0.05
    (True, 1, True)
    >>> fit_stats(x + [2.5, 0.0], x, np.array([[5.0, -3.0]]), 2.0)["fits"]  # mean 1.25 sd off
    False
    """
    samples = np.asarray(samples, dtype=np.float64)
    data_x = np.asarray(data_x, dtype=np.float64)
    if samples.ndim != 2 or data_x.ndim != 2 or samples.shape[1] != data_x.shape[1] or len(samples) < 3:
        raise ValueError(f"`samples` and `data_x` must be (m, d) and (n, d) arrays with m >= 3; got "
                         f"{samples.shape} and {data_x.shape}")
    if not np.isfinite(samples).all():
        raise ValueError("`samples` must be finite")
    mu_d, mu_s = data_x.mean(axis=0), samples.mean(axis=0)
    cov_d, cov_s = np.cov(data_x, rowvar=False), np.cov(samples, rowvar=False)
    # Σ_d = L Lᵀ: Mahalanobis distance |L⁻¹ Δ|, eigenvalues of L⁻¹ Σ_s L⁻ᵀ (symmetric)
    chol = np.linalg.cholesky(cov_d)
    delta = np.linalg.solve(chol, mu_s - mu_d)
    white = np.linalg.solve(chol, np.linalg.solve(chol, cov_s).T)
    eig = np.linalg.eigvalsh((white + white.T) / 2)
    dist = np.sqrt(((samples[:, None, :] - np.asarray(means)[None, :, :]) ** 2).sum(axis=2))
    near, nearest = dist.min(axis=1), dist.argmin(axis=1)
    good = near <= 3.0 * std
    k = len(means)
    counts = np.bincount(nearest[good], minlength=k)
    mean_dist = float(np.sqrt(delta @ delta))
    ok = mean_dist <= 1.0 and eig.min() >= 0.5 and eig.max() <= 2.0
    return {"data_mean": mu_d, "sample_mean": mu_s, "mean_dist": mean_dist,
            "cov_ratio_min": float(eig.min()), "cov_ratio_max": float(eig.max()),
            "hq": float(good.mean()), "modes_hit": int((counts >= len(samples) / (2 * k)).sum()),
            "fits": bool(ok)}


def run_fit(spec: FitSpec) -> dict:
    """Train and score one run; returns a row of :data:`FIT_FIELDS`."""
    t0 = time.perf_counter()
    config = spec.config
    data_ss, train_ss, sample_ss = np.random.SeedSequence(spec.seed).spawn(3)  # as `sample`
    data = make_dataset("gmm", spec.n_data, modes=spec.modes, rng=np.random.default_rng(data_ss))
    model = methods.get("vanilla").fit(data.x, T=1, config=config, rng=np.random.default_rng(train_ss))
    samples = np.asarray(model.sample(spec.n_samples, np.random.default_rng(sample_ss)), dtype=np.float64)
    s = fit_stats(samples, data.x, data.means, data.std)
    f, form = _f_and_form(spec.objective)
    return {"objective": spec.objective, "f": f, "form": form, "modes": spec.modes, "seed": spec.seed,
            "epochs": spec.epochs, "n_data": spec.n_data, "n_samples": spec.n_samples,
            "config": config_tag(config), "data_mean_x": s["data_mean"][0], "data_mean_y": s["data_mean"][1],
            "sample_mean_x": s["sample_mean"][0], "sample_mean_y": s["sample_mean"][1],
            "mean_dist": s["mean_dist"], "cov_ratio_min": s["cov_ratio_min"], "cov_ratio_max": s["cov_ratio_max"],
            "hq": s["hq"], "modes_hit": s["modes_hit"], "fits": int(s["fits"]),
            "seconds": time.perf_counter() - t0}


def read_rows(path) -> list[dict]:
    """The rows already in ``path`` (empty when it does not exist). A table written before
    the ``config`` column existed reads with ``config`` = ``"legacy"``, which matches no spec
    of today: its runs are retrained, not resumed."""
    p = Path(path)
    if not p.exists():
        return []
    with open(p, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and set(rows[0]) | {"config"} != set(FIT_FIELDS):
        raise ValueError(f"`{p}` is not a fit-check table (columns {sorted(rows[0])})")
    for r in rows:
        r.setdefault("config", LEGACY)
        for name in ("modes", "seed", "epochs", "n_data", "n_samples", "modes_hit", "fits"):
            r[name] = int(r[name])
        for name in FIT_FIELDS:
            if name not in ("objective", "f", "form", "config") and isinstance(r[name], str):
                r[name] = float(r[name])
    return rows


def row_key(row: dict) -> tuple:
    return (row["objective"], int(row["modes"]), int(row["seed"]), int(row["epochs"]), int(row["n_data"]),
            int(row["n_samples"]), row["config"])


def append_row(path, row: dict) -> None:
    """Append one row (with the header when the file is new): a finished run survives a kill.
    A table with the columns of an earlier version is first rewritten with today's."""
    p = Path(path)
    new = not p.exists() or p.stat().st_size == 0
    if not new:
        with open(p, newline="") as fh:
            header = next(csv.reader(fh), [])
        if tuple(header) != FIT_FIELDS:  # rewritten beside it, then moved in: a kill loses no row
            tmp = p.with_name(p.name + ".tmp")
            with open(tmp, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=FIT_FIELDS)
                w.writeheader()
                w.writerows(_formatted(r) for r in read_rows(p))
            os.replace(tmp, p)
    with open(p, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIT_FIELDS)
        if new:
            w.writeheader()
        w.writerow(_formatted(row))


def _formatted(row: dict) -> dict:
    return {k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()}


def _cell(rows: list[dict]) -> str:
    if not rows:
        return "–"
    n = len(rows)
    n_fit = sum(r["fits"] for r in rows)
    n_mean = sum(r["mean_dist"] <= 1.0 for r in rows)
    n_cov = sum(0.5 <= r["cov_ratio_min"] and r["cov_ratio_max"] <= 2.0 for r in rows)
    return f"**{n_fit}/{n}** (mean {n_mean}/{n}, cov {n_cov}/{n})"


def _configs(rows: list[dict]) -> str:
    """The f-GAN runs' fields away from the defaults, as the report states them."""
    tags = sorted({r["config"] for r in rows if r["f"] != _PLAIN["minimax"][0]})
    if tags == [LEGACY]:
        return "these runs predate the `config` column of fit.csv: raw coordinates, normal init"
    return "fields away from the toy GAN's: " + "; ".join(f"`{t}`" for t in tags)


def write_report(rows: list[dict], path, command: str) -> None:
    """fit.md: one line per f, the two generator forms side by side per K, then every run."""
    fs = list(dict.fromkeys(r["f"] for r in rows))
    ks = sorted({r["modes"] for r in rows})
    seeds = sorted({r["seed"] for r in rows})
    forms = ("nonsaturating", "saturating")
    sizes = "; ".join(f"{e} epochs of {n:,} points, {m:,} samples scored"
                      for e, n, m in sorted({(r["epochs"], r["n_data"], r["n_samples"]) for r in rows}))
    lines = [
        "# f-GAN fit check: one GAN on a K-mode Gaussian mixture",
        "",
        f"Command: `{command}`",
        "",
        "Each run is `python -m gan_backend sample --dataset gmm --modes K --method vanilla --objective OBJ "
        f"--seed S` ({sizes}), seeds {', '.join(map(str, seeds))}. "
        "A run **fits** when the sample mean is within Mahalanobis distance 1 of the data mean (in the data "
        "covariance; for K = 1, within one data sd) and every eigenvalue of Σ_data⁻¹ Σ_sample lies in "
        "[1/2, 2]. `fgan:<f>`: generator maximises E g_f(V) (non-saturating, the default); "
        "`fgan-saturating:<f>`: generator minimises −E f*(g_f(V)) (the saddle point's loss). The row "
        "minimax/nonsaturating is the plain GAN's pair (`nonsaturating`, `minimax`), for reference. "
        "Training: `GanConfig.for_objective(OBJ)`, the toy GAN (G 5→10→5→2, D 2→50→30→1, normal init std 0.8, "
        "Adam β₁ 0.5, batch 256); the plain GAN with ReLU and lr 1e-3 (G) / 1e-4 (D) on raw coordinates, "
        f"every f-GAN with `fgan_defaults(OBJ)` ({_configs(rows)}). `standardize`: both nets see (x − μ)/σ "
        "of the data and the samples are mapped back; `d_center` (tv only): a penalty (λ/2)·m² on D, m the mean "
        "of V over the joint minibatch (`FGAN_F_DEFAULTS`); `n_critic=2` with `lr_g=0.0001` (tv only): two D "
        "steps per G step, G at half D's step size; `activation='leaky_relu'`: both nets.",
        "",
        "Cell: **runs that fit / runs** (runs that pass the mean test, the covariance test).",
        "",
        "| f | " + " | ".join(f"{form} K={k}" for k in ks for form in forms) + " |",
        "|---|" + "---|" * (len(ks) * len(forms)),
    ]
    for f in fs:
        cells = [_cell([r for r in rows if r["f"] == f and r["form"] == form and r["modes"] == k])
                 for k in ks for form in forms]
        lines.append(f"| {f} | " + " | ".join(cells) + " |")
    lines += ["", "Data mean (of the whole mixture) per seed and K:", ""]
    lines += ["| seed | K | data mean |", "|---|---|---|"]
    for s, k in sorted({(r["seed"], r["modes"]) for r in rows}):
        r = next(r for r in rows if r["seed"] == s and r["modes"] == k)
        lines.append(f"| {s} | {k} | ({r['data_mean_x']:.1f}, {r['data_mean_y']:.1f}) |")
    lines += ["", "## Every run", "",
              "| objective | K | seed | sample mean | mean dist | Σ ratio min–max | hq | modes hit | fits |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["f"], r["form"], r["modes"], r["seed"])):
        lines.append(f"| {r['objective']} | {r['modes']} | {r['seed']} | ({r['sample_mean_x']:.1f}, "
                     f"{r['sample_mean_y']:.1f}) | {r['mean_dist']:.2f} | {r['cov_ratio_min']:.2f}–"
                     f"{r['cov_ratio_max']:.2f} | {r['hq']:.2f} | {r['modes_hit']}/{r['modes']} | "
                     f"{'yes' if r['fits'] else 'no'} |")
    Path(path).write_text("\n".join(lines) + "\n")
