"""Which data modes the held-out C counts, for the uniform ensembles of one stored data draw.

    python -m gan_backend.experiments.mode_reading --store DIR --group KEY --T N [--radius R] [--out PATH]
    python -m gan_backend.experiments.mode_reading --store DIR --all [--radius R] [--out PATH]
    python -m gan_backend.experiments.mode_reading --preset NAME (--group KEY --T N | --all) [...]

C (:func:`gan_backend.metrics.coverage.coverage`) is the share of held-out data points whose
model KDE log-density exceeds the model's own 5 % level. A mode the model misses can still be
counted when a few stray samples lift its density above that level, so a table's C alone does
not say which modes a model holds. This reads one data draw (group) of a ``table`` store: GAN 1
comes from the store, GANs 2..N are retrained from the seeds the table used, and the ensemble of
the first t GANs (t = 1..N; t = 1 is GAN 1 itself) is evaluated by the table's own evaluator
(same sampling seed and estimators, so its C is the stored one, to rounding). Each row gives C,
the KDE bandwidth and threshold and, per data mode, the share of that mode's held-out points above
the threshold, the same share for the reference code's estimator (on its data, the first 500
training points), and the share of model samples within ``radius`` data standard deviations of its
centre (a mode the data give 1/K of the points; the balls of close modes may overlap, so these
shares can add up to more than the share of samples near any mode, which is given as well).

``--all`` reads GAN 1 of every data draw of the store (nothing is retrained) and summarises per
K how many modes hold less than a tenth of their share of samples within the radius (missed
ones) and how many of those each estimator still counts (at least half of their points above the
threshold). ``--preset NAME`` in place of ``--store`` trains GAN 1 of each data draw as the
table would (:func:`gan_backend.experiments.runs.execute_first`, the table's seeds) instead of
reading it from a store, for presets whose store is not at hand.

Retraining costs what the table paid per GAN (the reference GAN: about 1.8 min on one core).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from gan_backend.adagan.mixture import Mixture
from gan_backend.engine._validate import positive_float, positive_int
from gan_backend.experiments import runs
from gan_backend.experiments.arguments import OneLineParser, report_error
from gan_backend.experiments.presets import get_preset
from gan_backend.experiments.store import ResultStore

__all__ = ["ModeReading", "read_modes", "format_readings", "missed_but_counted", "main"]

_PROG = "python -m gan_backend.experiments.mode_reading"


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
    near_any : float
        The share of model samples within ``radius`` data standard deviations of at least one mode.
    c_reference : float
        C by the public reference code's estimator, as the table records it (``coverage_reference``).
    counted_reference : tuple of float
        Per data mode, the share of the reference estimator's data points (the first 500 training
        points) above its threshold.
    radius : float
        That radius, in data standard deviations.
    """

    t: int
    c: float
    bandwidth: float
    threshold: float
    counted: tuple
    near: tuple
    near_any: float
    c_reference: float
    counted_reference: tuple
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
    T = positive_int("T", T, maximum=preset.T)
    radius = positive_float("radius", radius)
    gd = runs._GroupData(group, preset, first)
    means = np.asarray(gd.data.means, dtype=np.float64)

    def shares(result, points):
        """Per mode, the share of its points above the estimator's threshold (the estimator's
        data are the first ``data_logpdf.size`` rows of ``points``); 0 for a collapsed model."""
        if getattr(result, "collapsed", False):
            return tuple(0.0 for _ in means)
        points = points[:result.data_logpdf.size]
        label = np.linalg.norm(points[:, None, :] - means[None], axis=2).argmin(axis=1)
        above = result.data_logpdf > result.threshold
        return tuple(float(np.mean(above[label == k])) if np.any(label == k) else float("nan")
                     for k in range(len(means)))

    gans = []
    out = []
    for t in range(1, T + 1):
        gans.append(gd.gans[t - 1])
        ev = gd.evaluate(Mixture(list(gans), np.full(t, 1.0 / t)), "gan1" if t == 1 else f"ensemble{t}")
        held, ref = ev["heldout_result"], ev["reference_result"]
        close = np.linalg.norm(ev["samples"][:, None, :] - means[None], axis=2) < radius * float(gd.data.std)
        out.append(ModeReading(
            t=t, c=float(held.c), bandwidth=float(held.bandwidth), threshold=float(held.threshold),
            counted=shares(held, gd.x_eval),
            near=tuple(float(v) for v in close.mean(axis=0)), near_any=float(close.any(axis=1).mean()),
            c_reference=float(ref.c),
            counted_reference=shares(ref, gd.x_train),
            radius=radius))
        if progress is not None:
            progress(t)
    return out


def format_readings(readings, means, title: str = "") -> str:
    """The readings as a Markdown table: a row per t, per mode ``counted / counted_reference /
    near`` in percent.

    Examples
    --------
    >>> r = ModeReading(t=1, c=0.5, bandwidth=0.25, threshold=-3.0, counted=(1.0, 0.0),
    ...                 near=(0.5, 0.0), near_any=0.5, c_reference=0.25, counted_reference=(0.5, 0.0),
    ...                 radius=4.0)
    >>> print(format_readings([r], [[0.0, 1.0], [2.0, 3.0]]).splitlines()[-1])
    | 1 | 0.5000 | 0.2500 | 0.250 | -3.00 | 50.0 | 100 / 50 / 50.00 | 0 / 0 / 0.00 |
    """
    means = np.asarray(means)
    r0 = readings[0].radius if readings else 4.0
    head = ["t", "C", "C (reference estimator)", "bandwidth", "threshold", "near a mode"]
    head += [f"mode {k} ({means[k][0]:.2f}, {means[k][1]:.2f})" for k in range(len(means))]
    lines = ([f"# {title}", ""] if title else []) + [
        f"Per mode: % of its held-out points counted by C / % of its points counted by the reference estimator "
        f"(the first 500 training points) / % of model samples within {r0:g} data sd. "
        f"Near a mode: % of model samples within {r0:g} data sd of at least one.", "",
        "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in readings:
        cells = [str(r.t), f"{r.c:.4f}", f"{r.c_reference:.4f}", f"{r.bandwidth:.3f}", f"{r.threshold:.2f}",
                 f"{100 * r.near_any:.1f}"]
        cells += [f"{100 * a:.0f} / {100 * b:.0f} / {100 * n:.2f}"
                  for a, b, n in zip(r.counted, r.counted_reference, r.near)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def missed_but_counted(preset, firsts, *, radius: float = 4.0, missed_fraction: float = 0.1) -> list[dict]:
    """Per mode count K, over the data draws whose GAN 1 is in ``firsts`` (``{group key: bytes}``,
    keys of ``preset``'s groups): how many modes GAN 1 misses and how many of those C counts.

    A mode is *missed* when fewer than ``missed_fraction / K`` of the samples lie within ``radius``
    data sd of it (a captured mode holds about 1/K), and *counted* when at least half of its
    held-out points are above C's threshold. Nothing is retrained.

    Returns one dict per K, in increasing K: ``modes`` (K), ``draws``, ``missed``,
    ``missed_counted``, ``missed_counted_reference`` (by the reference estimator),
    ``kept_not_counted`` (modes not missed that C does not count), and
    ``near_any_median``, ``near_any_min``, ``near_any_max`` (over the draws).

    Examples
    --------
    >>> from gan_backend.experiments import get_preset, runs
    >>> p = get_preset("smoke").with_(gan=(("epochs", 1),))
    >>> g = runs.groups(p)[0]
    >>> (row,) = missed_but_counted(p, {g.key: runs.execute_first(g, p)["generator"]})
    >>> row["modes"] == g.modes, row["draws"], row["missed_counted"] <= row["missed"] <= g.modes
    (True, 1, True)
    """
    if not (0.0 < float(missed_fraction) <= 1.0):
        raise ValueError(f"`missed_fraction` must be in (0, 1]; got {missed_fraction!r}")
    groups = {g.key: g for g in runs.groups(preset)}
    unknown = sorted(set(firsts) - set(groups))
    if unknown:
        raise ValueError(f"`firsts` holds keys that are not data draws of preset {preset.name!r}: {unknown[:3]}")
    by_k: dict = {}
    for key in sorted(firsts):
        g = groups[key]
        (r,) = read_modes(preset, g, firsts[key], 1, radius=radius)
        missed = np.asarray(r.near) < missed_fraction / g.modes
        counted = np.asarray(r.counted) >= 0.5
        row = by_k.setdefault(g.modes, {"modes": g.modes, "draws": 0, "missed": 0, "missed_counted": 0,
                                        "missed_counted_reference": 0, "kept_not_counted": 0, "_near": []})
        row["draws"] += 1
        row["missed"] += int(missed.sum())
        row["missed_counted"] += int((missed & counted).sum())
        row["missed_counted_reference"] += int((missed & (np.asarray(r.counted_reference) >= 0.5)).sum())
        row["kept_not_counted"] += int((~missed & ~counted).sum())
        row["_near"].append(r.near_any)
    out = []
    for k in sorted(by_k):
        row = by_k[k]
        near = row.pop("_near")
        out.append({**row, "near_any_median": float(np.median(near)), "near_any_min": float(min(near)),
                    "near_any_max": float(max(near))})
    return out


def _format_summary(rows, radius: float, title: str) -> str:
    lines = [f"# {title}", "",
             f"GAN 1 of every stored data draw. Missed: under a tenth of the mode's share (1/K) of the samples "
             f"within {radius:g} data sd of it. Counted: at least half of the mode's held-out points above C's "
             f"threshold. Near a mode: share of samples within {radius:g} data sd of at least one mode.", "",
             "| K | draws | modes | missed | missed but counted by C | ... by the reference estimator | "
             "not missed, not counted by C | near a mode: median (min; max) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['modes']} | {r['draws']} | {r['modes'] * r['draws']} | {r['missed']} | "
                     f"{r['missed_counted']} | {r['missed_counted_reference']} | {r['kept_not_counted']} | "
                     f"{r['near_any_median']:.2f} "
                     f"({r['near_any_min']:.2f}; {r['near_any_max']:.2f}) |")
    return "\n".join(lines) + "\n"


def _fail(msg: str) -> int:
    return report_error(_PROG, msg)


def _write(text: str, out) -> None:
    print(text, end="")
    if out is not None:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)


def _from_store(a, path):
    """``(preset name, preset, groups by key, firsts)`` of the store at ``path``, or an exit status."""
    if not os.path.isfile(path):
        return _fail(f"--store: {path} does not exist")
    keys = None if a.all else [a.group]
    try:
        with ResultStore(path, readonly=True) as store:
            name = store.preset()
            known = sorted(store.component_keys())
            if name is None:
                return _fail(f"--store: {path} records no preset")
            if not known:
                return _fail(f"--store: {path} holds no first GAN")
            preset = get_preset(name)
            groups = {g.key: g for g in runs.groups(preset)}
            firsts = {}
            for key in (known if keys is None else keys):
                firsts[key] = store.component(key)
                if firsts[key] is None or key not in groups:
                    shown = ", ".join(known[:3]) + (", ..." if len(known) > 3 else "")
                    return _fail(f"--group: {key!r} is not a data draw of {path} (e.g. {shown})")
                # the GANs are read (and retrained) with today's preset: it must be the stored one
                store.check_component_config(key, preset.first_config(groups[key].modes, groups[key].variant))
    except ValueError as exc:  # not a store, an unknown preset, or settings changed since the table ran
        return _fail(f"--store: {exc}")
    return name, preset, groups, firsts


def _parser() -> OneLineParser:
    p = OneLineParser(prog=_PROG, description=__doc__.splitlines()[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", metavar="DIR", help="a table output folder holding results.sqlite")
    source.add_argument("--preset", metavar="NAME", help="no store: train GAN 1 of each data draw of this table "
                        "preset from the table's seeds")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", metavar="KEY",
                       help="one data draw, e.g. reference-t10/reference_toy/K10/run3 (with --T)")
    which.add_argument("--all", action="store_true",
                       help="summarise GAN 1 of every data draw per K (read from --store, or trained with "
                       "--preset)")
    p.add_argument("--T", type=int, default=None, help="with --group: largest ensemble to read (at most the "
                   "preset's T; GANs 2..T are retrained)")
    p.add_argument("--radius", type=float, default=4.0, help="'near a mode' radius in data sd (default 4)")
    p.add_argument("--out", default=None, metavar="PATH", help="also write the table (Markdown) to PATH")
    return p


def _check_args(a) -> int:
    """0, or the exit status of the first argument that is wrong whatever the store holds."""
    if a.group is not None and a.T is None:
        return _fail("--T is required with --group")
    if a.all and a.T is not None:
        return _fail("--T goes with --group; --all reads GAN 1 of each data draw")
    if not (np.isfinite(a.radius) and a.radius > 0):
        return _fail(f"--radius must be a positive number; got {a.radius}")
    if a.out is not None:
        folder = os.path.dirname(os.path.abspath(a.out))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            return _fail(f"--out: {folder} is not a writable directory")
    return 0


def _from_preset(a):
    """``(preset name, preset, groups by key, None)`` (GAN 1 not trained yet), or an exit status."""
    try:
        preset = get_preset(a.preset)
    except ValueError as exc:
        return _fail(f"--preset: {exc}")
    groups = {g.key: g for g in runs.groups(preset)}
    if a.group is not None and a.group not in groups:
        shown = ", ".join(list(groups)[:3])
        return _fail(f"--group: {a.group!r} is not a data draw of preset {a.preset!r} (e.g. {shown}, ...)")
    return a.preset, preset, groups, None


def _train_firsts(a, preset, groups) -> dict:
    """GAN 1 of each data draw asked for, trained as the table does, with progress on stderr."""
    keys = list(groups) if a.all else [a.group]
    firsts = {}
    start = time.perf_counter()
    for i, key in enumerate(keys, start=1):
        firsts[key] = runs.execute_first(groups[key], preset)["generator"]
        eta = (time.perf_counter() - start) / i * (len(keys) - i)
        print(f"GAN 1 of {key} trained ({i}/{len(keys)}, ETA {eta / 60:.1f} min)", file=sys.stderr, flush=True)
    return firsts


def _read_group(a, preset, group, first) -> str:
    """The per-t table of ``--group``, with progress and an ETA on stderr."""
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
    return format_readings(readings, means, title=f"Modes counted by C: {a.group}")


def main(argv=None) -> int:
    a = _parser().parse_args(argv)
    status = _check_args(a)
    if status:
        return status
    got = _from_preset(a) if a.preset is not None else _from_store(a, os.path.join(a.store, "results.sqlite"))
    if isinstance(got, int):
        return got
    name, preset, groups, firsts = got
    if a.group is not None and not 1 <= a.T <= preset.T:
        return _fail(f"--T must be in [1, {preset.T}] for preset {name!r}; got {a.T}")
    if firsts is None:
        firsts = _train_firsts(a, preset, groups)
    command = "python -m gan_backend.experiments.mode_reading " + " ".join(sys.argv[1:] if argv is None else argv)
    if a.all:
        text = _format_summary(missed_but_counted(preset, firsts, radius=a.radius), a.radius,
                               f"Missed modes counted by C: {name}")
    else:
        text = _read_group(a, preset, groups[a.group], firsts[a.group])
    _write(text + f"\nMade by `{command}`.\n", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
