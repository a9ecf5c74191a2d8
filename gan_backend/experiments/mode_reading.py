"""Which data modes the held-out C counts, for the uniform ensembles of one stored data draw.

    python -m gan_backend.experiments.mode_reading --store DIR --group KEY --T N [--radius R]

C (:func:`gan_backend.metrics.coverage.coverage`) is the share of held-out data points whose
model KDE log-density exceeds the model's own 5 % level. A mode the model misses can still be
counted when a few stray samples lift its density above that level, so a table's C alone does
not say which modes a model holds. This reads one data draw (group) of a ``table`` store: GAN 1
comes from the store, GANs 2..N are retrained from the seeds the table used, and the ensemble of
the first t GANs (t = 1..N; t = 1 is GAN 1 itself) is evaluated as the table's evaluator does
(same sampling seed and estimator, so its C is the stored one, to rounding). Each row gives C,
the KDE bandwidth and threshold and, per data mode, the share of that mode's held-out points above
the threshold and the share of model samples within ``radius`` data standard deviations of its
centre (a mode the data give 1/K of the points).

Retraining costs what the table paid per GAN (the reference GAN: about 1.8 min on one core).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from gan_backend.adagan.mixture import Mixture
from gan_backend.experiments import runs
from gan_backend.experiments.arguments import OneLineParser
from gan_backend.experiments.presets import get_preset
from gan_backend.experiments.store import ResultStore
from gan_backend.metrics.coverage import coverage

__all__ = ["ModeReading", "read_modes", "format_readings", "main"]


@dataclass(frozen=True)
class ModeReading:
    """One ensemble of a data draw, read per mode.

    Attributes
    ----------
    t : int
        Number of GANs in the uniform ensemble (t = 1: GAN 1).
    c : float
        Held-out C, as the table computes it.
    bandwidth, threshold : float
        The KDE bandwidth C selected and the model's 5 % log-density level.
    counted : tuple of float
        Per data mode, the share of its held-out points above ``threshold``.
    near : tuple of float
        Per data mode, the share of model samples within ``radius`` data standard deviations.
    radius : float
        That radius, in data standard deviations.
    """

    t: int
    c: float
    bandwidth: float
    threshold: float
    counted: tuple
    near: tuple
    radius: float


def read_modes(preset, group, first: bytes, T: int, *, radius: float = 4.0, progress=None) -> list[ModeReading]:
    """Per-mode readings of the ensembles of GANs 1..t, t = 1..``T``, of ``group`` (a
    :class:`gan_backend.experiments.runs.Group` of ``preset``); ``first`` is GAN 1's bytes
    (from the store, or :func:`gan_backend.experiments.runs.execute_first`). ``progress(t)``
    is called after each row.

    Examples
    --------
    >>> from gan_backend.experiments import get_preset, runs
    >>> p = get_preset("smoke").with_(gan=(("epochs", 1),))
    >>> g = runs.groups(p)[0]
    >>> rows = read_modes(p, g, runs.execute_first(g, p)["generator"], 2)
    >>> [r.t for r in rows], len(rows[0].counted) == g.modes
    ([1, 2], True)
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 1 <= T <= preset.T:
        raise ValueError(f"`T` must be an integer in [1, {preset.T}] (the preset's T); got {T!r}")
    radius = float(radius)
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"`radius` must be a positive finite number; got {radius!r}")
    gd = runs._GroupData(group, preset, first)
    means = np.asarray(gd.data.means, dtype=np.float64)
    label = np.linalg.norm(gd.x_eval[:, None, :] - means[None], axis=2).argmin(axis=1)
    gans = []
    out = []
    for t in range(1, T + 1):
        gans.append(gd.gans[t - 1])
        model = gans[0] if t == 1 else Mixture(list(gans), np.full(t, 1.0 / t))
        model_id = "gan1" if t == 1 else f"ensemble{t}"  # the ids the table's evaluator seeds with
        rng = np.random.default_rng(runs.derive_seed(group.key, "eval", model_id))
        samples = np.asarray(model.sample(preset.n_model, rng))
        res = coverage(samples, gd.x_eval, rng=rng)
        dist = np.linalg.norm(samples[:, None, :] - means[None], axis=2)
        out.append(ModeReading(
            t=t, c=float(res.c), bandwidth=float(res.bandwidth), threshold=float(res.threshold),
            counted=tuple(float(np.mean(res.data_logpdf[label == k] > res.threshold)) if np.any(label == k)
                          else float("nan") for k in range(len(means))),
            near=tuple(float(v) for v in np.mean(dist < radius * float(gd.data.std), axis=0)),
            radius=radius))
        if progress is not None:
            progress(t)
    return out


def format_readings(readings, means, title: str = "") -> str:
    """The readings as a Markdown table: a row per t, per mode ``counted / near`` in percent."""
    means = np.asarray(means)
    r0 = readings[0].radius if readings else 4.0
    head = ["t", "C", "bandwidth", "threshold"] + [f"mode {k} ({means[k][0]:.2f}, {means[k][1]:.2f})"
                                                  for k in range(len(means))]
    lines = ([f"# {title}", ""] if title else []) + [
        f"Per mode: % of its held-out points counted by C / % of model samples within {r0:g} data sd.", "",
        "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in readings:
        cells = [str(r.t), f"{r.c:.4f}", f"{r.bandwidth:.3f}", f"{r.threshold:.2f}"]
        cells += [f"{100 * a:.0f} / {100 * b:.2f}" for a, b in zip(r.counted, r.near)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fail(msg: str) -> int:
    sys.stderr.write(f"python -m gan_backend.experiments.mode_reading: error: {msg}\n")
    return 2


def main(argv=None) -> int:
    p = OneLineParser(prog="python -m gan_backend.experiments.mode_reading", description=__doc__.splitlines()[0])
    p.add_argument("--store", required=True, metavar="DIR", help="a table output folder holding results.sqlite")
    p.add_argument("--group", required=True, metavar="KEY",
                   help="a data draw of the store, e.g. reference-t10/reference_toy/K10/run3")
    p.add_argument("--T", type=int, required=True, help="largest ensemble to read (at most the preset's T)")
    p.add_argument("--radius", type=float, default=4.0, help="'near a mode' radius in data sd (default 4)")
    p.add_argument("--out", default=None, metavar="PATH", help="also write the table (Markdown) to PATH")
    a = p.parse_args(argv)
    path = os.path.join(a.store, "results.sqlite")
    if not os.path.isfile(path):
        return _fail(f"--store: {path} does not exist")
    if not (np.isfinite(a.radius) and a.radius > 0):
        return _fail(f"--radius must be a positive number; got {a.radius}")
    if a.out is not None:
        folder = os.path.dirname(os.path.abspath(a.out))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            return _fail(f"--out: {folder} is not a writable directory")
    try:
        with ResultStore(path, readonly=True) as store:
            name = store.preset()
            first = store.component(a.group)
            known = sorted(store.component_keys())
            preset = None if name is None else get_preset(name)
            group = None if preset is None else next((g for g in runs.groups(preset) if g.key == a.group), None)
            if group is not None:  # the GANs are retrained from today's preset: it must be the stored one
                store.check_component_config(a.group, preset.first_config(group.modes, group.variant))
    except ValueError as exc:  # not a store, an unknown preset, or settings changed since the table ran
        return _fail(f"--store: {exc}")
    if name is None:
        return _fail(f"--store: {path} records no preset")
    if first is None:
        shown = ", ".join(known[:3]) + (", ..." if len(known) > 3 else "")
        return _fail(f"--group: {a.group!r} is not a data draw of {path} (e.g. {shown})")
    if group is None:
        return _fail(f"--group: {a.group!r} is not a data draw of preset {name!r}")
    if not 1 <= a.T <= preset.T:
        return _fail(f"--T must be in [1, {preset.T}] for preset {name!r}; got {a.T}")
    start = time.perf_counter()
    after_first = []  # t = 1 trains nothing; the ETA uses the pace of the rows that retrain a GAN

    def progress(t):
        now = time.perf_counter()
        if t == 1:
            after_first.append(now)
            eta = "ETA after the next GAN"
        else:
            eta = f"ETA {(now - after_first[0]) / (t - 1) * (a.T - t) / 60:.1f} min"
        print(f"t = {t}/{a.T} read ({now - start:.0f} s, {eta})", file=sys.stderr, flush=True)

    readings = read_modes(preset, group, first, a.T, radius=a.radius, progress=progress)
    means = runs._data(preset, group.modes, group.data_seed)[0].means
    command = "python -m gan_backend.experiments.mode_reading " + " ".join(sys.argv[1:] if argv is None else argv)
    text = format_readings(readings, means, title=f"Modes counted by C: {a.group}") + f"\nMade by `{command}`.\n"
    print(text, end="")
    if a.out is not None:
        with open(a.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
