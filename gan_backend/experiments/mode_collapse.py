"""The missing-modes experiment: the 2-D ring and grid benchmarks of the mode-collapse
literature (PacGAN Table 1) for Vanilla, Unrolled, Ensemble and Boosted AdaGAN.

A :class:`ModesSetting` plays the role of a coverage-table preset for the shared driver
(:func:`gan_backend.experiments.driver.run_table` with ``first_task=None``: one Dask task
per run, ``results.sqlite`` store, resume, retries): its ``modes`` are the benchmarks'
mode counts (8: the ring, 25: the grid, both with ``geometry="pacgan"`` of
:mod:`gan_backend.engine.datasets`), its ``methods`` the rows below, a single unnamed GAN
variant, and :func:`execute_modes_run` the per-run task. Each run trains one method on a
fresh draw of the data (the same draw for every method of a run index) and scores
2,500 samples with :func:`gan_backend.metrics.modes.mode_metrics`; AdaGAN methods are scored
after every component t = 1..T.

========================  =====================================================
method key                model
========================  =====================================================
``vanilla``               one GAN
``unrolled``              one GAN, generator steps against D unrolled 5 steps
                          (first order, :attr:`GanConfig.unrolled`)
``ensemble``              uniform mixture of T independent GANs
``boosted_star``          Boosted AdaGAN, beta_t = 1/t, R* data weights
``boosted_dagger``        Boosted AdaGAN, beta_t = 1/t, R-dagger data weights
========================  =====================================================

For every AdaGAN step t >= 2 the run also records what item "why does Boosted miss
modes" needs (``metrics["diag"]``): the mixture discriminator on the real points
(share with D > 1/2, mean D on the modes the mixture G_{t-1} missed and on those it
covered), the share of the data weight on the missed modes against their uniform share,
the number of nonzero weights, and the new component's own scores (modes, HQ, and how
many of the missed modes it captures).
"""
from __future__ import annotations

import dataclasses
import functools
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_backend.adagan import methods
from gan_backend.adagan.methods import AdaGanOptions, Snapshot
from gan_backend.engine._validate import positive_int
from gan_backend.engine.config import GanConfig
from gan_backend.engine.datasets import GEOMETRIES, make_dataset
from gan_backend.engine.train import train_gan
from gan_backend.metrics.modes import mode_metrics
from gan_backend.experiments.coverage_cost import Calibration, gan_step_seconds, task_seconds
from gan_backend.experiments.driver import RESULTS_FILE, DriverReport, format_seconds, run_table
from gan_backend.experiments.runs import encode_array, run_specs
from gan_backend.experiments.store import ResultStore

__all__ = ["ModesSetting", "SETTINGS", "get_setting", "setting_names", "execute_modes_run", "METHODS",
           "LABELS", "BENCHMARKS", "estimate_seconds", "run_steps", "run_modes_experiment", "ModesOutcome"]

METHODS: tuple[str, ...] = ("vanilla", "unrolled", "ensemble", "boosted_star", "boosted_dagger")
LABELS = {
    "vanilla": "Vanilla GAN",
    "unrolled": "Unrolled GAN (5 steps)",
    "ensemble": "Ensemble T = {T}",
    "boosted_star": "Boosted AdaGAN T = {T} (R*)",
    "boosted_dagger": "Boosted AdaGAN T = {T} (R†)",
}
#: mode count -> benchmark (PacGAN geometry)
BENCHMARKS = {8: "ring", 25: "grid"}


@dataclass(frozen=True)
class ModesSetting:
    """Everything that determines the runs of the modes experiment.

    Attributes
    ----------
    name : str
        Also the ``preset`` column of the store rows (``modes-<setting>``).
    runs : int
        Runs per (benchmark, method).
    modes : tuple of int
        Benchmarks by mode count (8 ring, 25 grid).
    methods : tuple of str
        Keys of :data:`METHODS`.
    T : int
        Components of Ensemble and Boosted.
    n_train : int
        Training points per run.
    n_samples : int
        Samples scored per model (2,500 as in the literature).
    unrolled : int
        Unrolled look-ahead steps of the ``unrolled`` method.
    gan : tuple of (field, value)
        ``GanConfig`` fields of every GAN (network size and training length).
    classifier_epochs, classifier_lr : int or None, float or None
        AdaGAN mixture discriminator (:class:`~gan_backend.adagan.methods.AdaGanOptions`).
    artifact_points : int
        Samples stored for the scatter plots (run 0 of every cell).
    geometry : str
        Data geometry (:data:`gan_backend.engine.datasets.GEOMETRIES`): ``"pacgan"``, the
        benchmarks' (default), or ``"default"``, the toolkit's own ring and grid.
    description : str
        The network and training length, for ``table.md``.
    """

    name: str
    runs: int = 10
    modes: tuple[int, ...] = (8, 25)
    methods: tuple[str, ...] = METHODS
    T: int = 10
    n_train: int = 64_000
    n_samples: int = 2500
    unrolled: int = 5
    gan: tuple[tuple[str, object], ...] = ()
    classifier_epochs: int | None = None
    classifier_lr: float | None = 1e-3
    artifact_points: int = 2500
    description: str = ""
    geometry: str = "pacgan"
    theory_modes: tuple[int, ...] = ()  # the shared driver's --theory runs: none here
    variant_names: tuple[str, ...] = ("",)  # the shared driver's GAN variants: one, unnamed

    def __post_init__(self):
        for name in ("runs", "T", "n_train", "n_samples", "unrolled", "artifact_points"):
            positive_int(name, getattr(self, name))
        bad = [k for k in self.modes if k not in BENCHMARKS]
        if not self.modes or bad:
            raise ValueError(f"`modes` must be benchmark mode counts {sorted(BENCHMARKS)}; got {self.modes!r}")
        bad = [m for m in self.methods if m not in METHODS]
        if not self.methods or bad:
            raise ValueError(f"`methods` must be some of {', '.join(METHODS)}; got {self.methods!r}")
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"`geometry` must be one of {', '.join(GEOMETRIES)}; got {self.geometry!r}")
        self.gan_config()  # validates the GAN fields

    def gan_config(self):
        return dataclasses.replace(GanConfig(), **dict(self.gan))

    def method_config(self, method: str):
        """The GanConfig of ``method``'s GANs (``unrolled`` adds the look-ahead)."""
        c = self.gan_config()
        return dataclasses.replace(c, unrolled=self.unrolled) if method == "unrolled" else c

    def adagan_options(self, method: str):
        kind = "dagger" if method == "boosted_dagger" else "star"
        return AdaGanOptions(kind=kind, classifier_epochs=self.classifier_epochs,
                             classifier_lr=self.classifier_lr)

    def gans(self, method: str) -> int:
        return self.T if method in ("ensemble", "boosted_star", "boosted_dagger") else 1

    def label(self, method: str) -> str:
        return LABELS[method].format(T=self.T)

    def run_config(self, method: str, modes: int, variant: str = "") -> dict:
        """JSON-able settings of one run (stored with its row; resume checks them).
        ``variant`` is the driver's (always ``""`` here)."""
        gan = self.method_config(method)
        cfg = {
            "experiment": "modes",
            "benchmark": BENCHMARKS[int(modes)],
            "geometry": self.geometry,
            "method": method,
            "modes": int(modes),
            "T": self.gans(method),
            "n_train": self.n_train,
            "n_samples": self.n_samples,
            "gan": {k: list(v) if isinstance(v, tuple) else v
                    for k, v in (gan.identity() if isinstance(gan, GanConfig) else dataclasses.asdict(gan)).items()},
        }
        if self.gans(method) > 1 and method != "ensemble":
            cfg.update(classifier_epochs=self.classifier_epochs, classifier_lr=self.classifier_lr,
                       kind="dagger" if method == "boosted_dagger" else "star")
        return cfg

    def with_(self, **changes) -> "ModesSetting":
        return dataclasses.replace(self, **changes)


_NET = (("g_hidden", (64, 64, 64)), ("d_hidden", (64, 64, 64)), ("init", "glorot"),
        ("lr_g", 1e-3), ("lr_d", 1e-3), ("batch_size", 128))


def _small() -> ModesSetting:
    return ModesSetting(
        name="modes-small", runs=10, n_train=32_000, gan=_NET + (("epochs", 30),),
        classifier_epochs=10,
        description=(
            "G 5→64→64→64→2 and D 2→64→64→64→1, ReLU, Glorot init, Adam(0.5, 0.999) lr 1e-3 "
            "for both nets, batch 128, 32,000 training points, 30 epochs = 7,500 generator "
            "steps per GAN; mixture discriminator (D's architecture, lr 1e-3) 10 epochs = "
            "2,500 steps"),
    )


#: Where the ``medium`` setting's learning rates start their linear decay (a fraction of each
#: GAN's training, ``GanConfig.lr_decay_start``).
MEDIUM_DECAY_START = 0.5


def _medium() -> ModesSetting:
    return ModesSetting(
        name="modes-medium", runs=5, n_train=32_000, methods=("vanilla", "boosted_star"),
        gan=_NET + (("epochs", 300), ("lr_decay_start", MEDIUM_DECAY_START)), classifier_epochs=10,
        description=(
            "the `small` network trained 10 times longer, its learning rates decayed: G 5→64→64→64→2 "
            "and D 2→64→64→64→1, ReLU, Glorot init, Adam(0.5, 0.999) lr 1e-3 for the first half "
            "of each GAN's training, then falling linearly to near zero at its end, batch 128, "
            "32,000 training points, 300 epochs = 75,000 generator steps per GAN; mixture "
            "discriminator 10 epochs = 2,500 steps (constant rate); Vanilla and Boosted R* only "
            "(the CPU budget)"),
    )


def _medium_constant() -> ModesSetting:
    return _medium().with_(
        name="modes-medium-constant",
        gan=_NET + (("epochs", 300),),
        description=(
            "the `medium` setting with constant learning rates (its form before the decay, "
            "results/modes_medium_constant/): G 5→64→64→64→2 and D 2→64→64→64→1, ReLU, Glorot "
            "init, Adam(0.5, 0.999) lr 1e-3, batch 128, 32,000 training points, 300 epochs = "
            "75,000 generator steps per GAN; mixture discriminator 10 epochs = 2,500 steps; "
            "Vanilla and Boosted R* only"))


def _full() -> ModesSetting:
    return ModesSetting(
        name="modes-full", runs=10, n_train=100_000,
        gan=(("latent_dim", 2), ("g_hidden", (400, 400, 400, 400)), ("g_batchnorm", True),
             ("d_hidden", (200, 200, 200)), ("d_maxout", 5), ("init", "glorot"), ("lr_g", 1e-4),
             ("lr_d", 1e-4), ("beta1", 0.8), ("batch_size", 100), ("epochs", 25)),
        classifier_epochs=10, classifier_lr=1e-4,
        description=(
            "the benchmark's network (PacGAN / VEEGAN): 2-D latent, G four ReLU layers of 400 "
            "with batch normalisation, D three maxout layers of 200 units x 5 pieces, Adam(0.8, "
            "0.999) lr 1e-4, batch 100, 100,000 training points, 25 epochs = 25,000 generator "
            "steps per GAN; mixture discriminator 10 epochs (10,000 steps), lr 1e-4"),
    )


def _tiny() -> ModesSetting:
    return ModesSetting(
        name="modes-tiny", runs=1, T=2, n_train=512, n_samples=300, artifact_points=300,
        gan=(("g_hidden", (8,)), ("d_hidden", (8,)), ("epochs", 2), ("batch_size", 64)),
        classifier_epochs=2,
        description="TEST ONLY, results meaningless: T = 2, 512 points, 2 epochs of a one-layer net")


_FACTORIES = {"tiny": _tiny, "small": _small, "medium": _medium, "medium-constant": _medium_constant,
              "full": _full}
SETTINGS: tuple[str, ...] = tuple(_FACTORIES)


def setting_names() -> list[str]:
    return list(_FACTORIES)


def get_setting(name: str) -> ModesSetting:
    """The setting called ``name`` (one of :data:`SETTINGS`).

    >>> s = get_setting("small")
    >>> s.runs, s.T, s.gans("vanilla"), s.run_config("boosted_dagger", 25)["kind"]
    (10, 10, 1, 'dagger')
    """
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ValueError(f"`setting` must be one of {', '.join(_FACTORIES)}; got {name!r}") from None


# --- one run ---------------------------------------------------------------------------


def _data(setting: ModesSetting, modes: int, seed: int):
    return make_dataset(BENCHMARKS[int(modes)], setting.n_train, geometry=setting.geometry,
                        rng=np.random.default_rng(seed))


def _snapshots(method: str, x, setting: ModesSetting, rng):
    cfg = setting.method_config(method)
    if method in ("vanilla", "unrolled"):
        yield Snapshot(t=1, model=train_gan(x, cfg, rng=rng))
        return
    mod = methods.get("ensemble" if method == "ensemble" else "boosted")
    offered = {"options": setting.adagan_options(method)}
    yield from mod.trajectory(x, T=setting.T, config=cfg, rng=rng, **mod.accepted(offered))


def _score(samples, data):
    return mode_metrics(samples, data.means, data.std)


def _diagnose(step, data, prev, n_samples, rng) -> dict:
    """What the mixture discriminator and the weights did at an AdaGAN step (t >= 2).

    ``prev`` scores G_{t-1}; a mode is *missed* when it has fewer HQ samples than the
    capture threshold.
    """
    missed = np.asarray(prev.counts) < prev.threshold
    on_missed = missed[data.labels]
    d, w = step.d, step.weights
    comp = _score(np.asarray(step.component.sample(n_samples, rng)), data)
    comp_caught = np.asarray(comp.counts) >= comp.threshold
    return {
        "t": int(step.t),
        "missed": int(missed.sum()),
        "d_real_acc": float(np.mean(d > 0.5)),
        "d_missed": float(d[on_missed].mean()) if on_missed.any() else None,
        "d_covered": float(d[~on_missed].mean()) if (~on_missed).any() else None,
        "w_missed": float(w[on_missed].sum()),
        "w_missed_uniform": float(on_missed.mean()),
        "active": int(np.count_nonzero(w)),
        "beta": float(step.beta),
        "lam": None if step.lam is None else float(step.lam),
        "comp_modes": int(comp.modes),
        "comp_hq": float(comp.hq),
        "comp_new": int(np.count_nonzero(comp_caught & missed)),
    }


def execute_modes_run(spec, setting: ModesSetting) -> dict:
    """Train ``spec.method`` on benchmark ``spec.modes`` (run ``spec.run``) and score it.

    ``spec`` is a :class:`~gan_backend.experiments.runs.RunSpec` (its ``seed`` drives the
    training, ``[seed, 1]`` the evaluation, ``data_seed`` the data: shared by the methods
    of one run index). Returns the store record: per-t lists ``t``, ``modes``,
    ``modes_any``, ``hq``, ``reverse_kl`` in ``metrics``, ``diag`` (AdaGAN steps), and for
    run 0 the artifacts ``samples``, ``data``, ``means`` (and ``weight_map`` at t = 2).
    """
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    wall0 = time.time()
    data = _data(setting, spec.modes, spec.data_seed)
    train_rng = np.random.default_rng(spec.seed)
    eval_rng = np.random.default_rng([spec.seed, 1])
    met = {"t": [], "modes": [], "modes_any": [], "hq": [], "reverse_kl": [], "diag": []}
    artifacts: dict[str, bytes] = {}
    prev = samples = None
    t_train = t_eval = 0.0
    tick = time.perf_counter()
    for snap in _snapshots(spec.method, data.x, setting, train_rng):
        t_train += time.perf_counter() - tick
        tick = time.perf_counter()
        samples = np.asarray(snap.model.sample(setting.n_samples, eval_rng))
        m = _score(samples, data)
        met["t"].append(int(snap.t))
        met["modes"].append(m.modes)
        met["modes_any"].append(m.modes_any)
        met["hq"].append(m.hq)
        met["reverse_kl"].append(m.reverse_kl if np.isfinite(m.reverse_kl) else None)
        step = snap.step
        if step is not None and step.d is not None and prev is not None:
            met["diag"].append(_diagnose(step, data, prev, setting.n_samples, eval_rng))
            if spec.run == 0 and step.t == 2:
                k = min(setting.artifact_points, data.x.shape[0])
                wm = np.column_stack([data.x[:k], step.weights[:k] * data.x.shape[0], step.d[:k]])
                artifacts["weight_map"] = encode_array(wm.astype(np.float32))
        prev = m
        t_eval += time.perf_counter() - tick
        tick = time.perf_counter()
    if spec.run == 0:
        k = setting.artifact_points
        artifacts["samples"] = encode_array(samples[:k].astype(np.float32))
        artifacts["data"] = encode_array(data.x[:k].astype(np.float32))
        artifacts["means"] = encode_array(np.asarray(data.means))
    return {
        "key": spec.key, "preset": spec.preset, "method": spec.method, "modes": spec.modes,
        "run": spec.run, "seed": spec.seed, "data_seed": spec.data_seed,
        "config": setting.run_config(spec.method, spec.modes),
        "metrics": met,
        "timings": {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0,
                    "train_s": t_train, "eval_s": t_eval, "started_at": wall0},
        "host": f"{socket.gethostname()}:{os.getpid()}",
        "artifacts": artifacts,
    }


# --- ETA -------------------------------------------------------------------------------


#: Prices in GAN steps of the modes runs: a mixture discriminator step is about half a
#: GAN (G + D) step; nothing else is counted.
_IN_GAN_STEPS = Calibration(gan_step={"": 1.0}, disc_step=0.5, evaluation=0.0, selection=0.0)


def run_steps(setting: ModesSetting, spec) -> float:
    """Cost of run ``spec`` in GAN steps of ``setting.gan_config()``
    (:func:`~gan_backend.experiments.coverage_cost.task_seconds` with a mixture
    discriminator step counted as half a GAN step, an unrolled step as 1 + unrolled / 2).

    >>> s = get_setting("small")
    >>> from gan_backend.experiments.runs import RunSpec
    >>> run_steps(s, RunSpec(s.name, "vanilla", 8, 0)), run_steps(s, RunSpec(s.name, "ensemble", 8, 0))
    (7500.0, 75000.0)
    """
    base = setting.gan_config()
    steps = base.epochs * max(1, setting.n_train // base.batch_size)
    c_epochs = setting.classifier_epochs or base.epochs
    c_steps = c_epochs * max(1, setting.n_train // base.batch_size)
    g = setting.gans(spec.method)
    if spec.method == "unrolled":
        steps = steps * (1 + setting.unrolled / 2)  # a D step is about half a G+D step
    discs = g - 1 if spec.method.startswith("boosted") else 0
    return float(task_seconds(_IN_GAN_STEPS, "", gans=g, gan_steps=steps, discriminators=discs,
                              disc_steps=c_steps))


def estimate_seconds(setting: ModesSetting, specs, workers: int) -> float:
    """Wall-clock estimate for running ``specs`` on ``workers`` single-threaded workers with
    a core each: :func:`run_steps` times the CPU time of a GAN step timed on this machine
    (:func:`~gan_backend.experiments.coverage_cost.gan_step_seconds`)."""
    config = setting.gan_config()
    x = np.random.default_rng(0).standard_normal((max(4 * config.batch_size, 512), 2))
    per = gan_step_seconds(x, dataclasses.replace(config, epochs=1))
    return sum(run_steps(setting, s) for s in specs) * per / max(1, workers)


# --- the experiment ----------------------------------------------------------------------


@dataclass(frozen=True)
class ModesOutcome:
    """What :func:`run_modes_experiment` computed (``report``) and wrote (``summary``:
    :func:`~gan_backend.experiments.mode_collapse_report.write_modes_report`'s dict)."""

    report: DriverReport
    summary: dict


def _print_plan(setting: ModesSetting, out, workers, scheduler, max_runs, stream) -> None:
    """One line: the runs left to do in ``out`` and their estimated wall time."""
    specs = run_specs(setting)
    done = set()
    if (out / RESULTS_FILE).exists():
        with ResultStore(out / RESULTS_FILE, readonly=True) as store:
            done = store.keys()
    todo = [s for s in specs if s.key not in done]
    if max_runs is not None:
        todo = todo[:max_runs]
    workers = workers or max(1, min(os.cpu_count() or 1, len(todo) or 1))
    if scheduler is None and todo:
        eta = estimate_seconds(setting, todo, workers)
        print(f"modes {setting.name}: {len(todo)} of {len(specs)} runs to do on {workers} worker(s); "
              f"estimated {format_seconds(eta)} with a free core per worker (from a timed GAN step on this "
              "machine)", file=stream, flush=True)
    elif todo:
        print(f"modes {setting.name}: {len(todo)} of {len(specs)} runs to do on the cluster at {scheduler}",
              file=stream, flush=True)


def run_modes_experiment(setting: ModesSetting, out, *, workers: int | None = None, scheduler: str | None = None,
                         max_runs: int | None = None, progress: bool = True, figures: bool = True,
                         estimate_only: bool = False, stream=None) -> ModesOutcome | None:
    """The modes experiment in ``out``: print the work left and its estimated time (to
    ``stream``, default stdout), then (unless ``estimate_only``, which returns None) run
    every unfinished run of ``setting`` on the shared driver (one task per run; resumable)
    and write the report (:func:`~gan_backend.experiments.mode_collapse_report.write_modes_report`;
    figures unless ``figures=False`` or interrupted).

    Raises :class:`~gan_backend.experiments.store.ConfigMismatch` (and the driver's other
    errors) for a store of other settings, before anything is computed.
    """
    from gan_backend.experiments.mode_collapse_report import write_modes_report  # lazy: cycle, it imports this module

    out = Path(out)
    _print_plan(setting, out, workers, scheduler, max_runs, sys.stdout if stream is None else stream)
    if estimate_only:
        return None
    rep = run_table(setting, out, workers=workers, scheduler=scheduler, max_runs=max_runs, progress=progress,
                    task=execute_modes_run, first_task=None, cost=functools.partial(run_steps, setting))
    summary = write_modes_report(out, setting, figures=figures and not rep.interrupted, elapsed_s=rep.elapsed_s)
    return ModesOutcome(rep, summary)
