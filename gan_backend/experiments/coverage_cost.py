"""How much a table costs: GAN trainings, discriminators, evaluations, and a wall-time
estimate from a short calibration on this machine.

The calibration times (in CPU seconds of this process, so that other load on the machine
does not inflate it) a few hundred GAN steps of each GAN variant, a few hundred mixture
discriminator steps, and one evaluation of a model (held-out C, reference C, mode
statistics) at the preset's sizes. A task's cost is then its number of steps times the
step times plus its evaluations; the wall time is a longest-first schedule of the tasks
over the workers (each worker one core).
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

import fdiv
from gan_backend.adagan.methods.best_of import SELECT_SAMPLES
from gan_backend.engine.datasets import make_dataset
from gan_backend.engine.train import GanTrainer, train_classifier
from gan_backend.experiments import method_policy
from gan_backend.experiments.presets import Preset
from gan_backend.experiments.runs import REFERENCE_MODEL_SAMPLES, groups, plan_units
from gan_backend.metrics.coverage import coverage, coverage_or_collapsed, coverage_reference, mode_stats

__all__ = ["Calibration", "Plan", "calibrate", "plan_cost", "format_plan", "estimate_preset", "task_seconds",
           "gan_step_seconds"]

# Steps timed per calibration (after a warm-up that also absorbs one-off compilation).
_CAL_STEPS = 300
_WARMUP_STEPS = 30


@dataclass(frozen=True)
class Calibration:
    """Seconds per GAN step (per variant), per discriminator step, per model evaluation
    and per Best-of-T selection score."""

    gan_step: dict
    disc_step: float
    evaluation: float
    selection: float
    adagan_step: float = 0.0  # per AdaGAN step beyond training: mixture samples, D on the data, weights
    gan_step_weighted: dict | None = None  # per GAN step on non-uniform data weights (AdaGAN components)

    def weighted(self, variant: str) -> float:
        return (self.gan_step_weighted or self.gan_step)[variant]


@dataclass(frozen=True)
class Plan:
    """Work left for a table: counts, per-task costs (s) and the estimated wall time."""

    gans: int
    discriminators: int
    evaluations: int
    tasks: int
    runs: int
    cpu_s: float
    wall_s: float
    workers: int
    costs: dict  # task key -> seconds


def _gmm(k: int, n: int, rng) -> np.ndarray:
    return np.asarray(make_dataset("gmm", n, modes=k, rng=rng).x)


def calibrate(preset: Preset) -> Calibration:
    """Time GAN and discriminator steps and one evaluation at ``preset``'s sizes (CPU seconds)."""
    with threadpool_limits(limits=1):  # as in the workers: one thread per math library
        return _calibrate(preset)


def _calibrate(preset: Preset) -> Calibration:
    rng = np.random.default_rng(0)
    k = max(preset.modes)
    x = _gmm(k, 4096, rng)
    w = rng.uniform(size=x.shape[0])
    gan_step, gan_step_weighted = {}, {}
    for v in preset.variant_names:
        for weights, out in ((None, gan_step), (w / w.sum(), gan_step_weighted)):
            out[v], tr = _timed_gan_steps(x, preset.gan_config(v), weights)
    cfg = preset.gan_config(preset.variant_names[0])
    b = cfg.batch_size
    per_epoch = max(1, x.shape[0] // b)
    train_classifier(x, x[::-1], cfg, rng=2, epochs=max(1, _WARMUP_STEPS // per_epoch))
    epochs = max(1, _CAL_STEPS // per_epoch)
    c0 = time.process_time()
    clf = train_classifier(x, x[::-1], cfg, rng=2, epochs=epochs)
    disc_step = (time.process_time() - c0) / (epochs * per_epoch)
    big = _gmm(k, preset.n_train, rng)
    gen = tr.generator()
    gen.sample(16, rng)  # warm-up (first calls may compile)
    clf.prob(big[:16])
    fdiv.weights_from_discriminator(np.full(16, 0.5), 0.5, kind="star")
    c0 = time.process_time()
    gen.sample(preset.n_train if preset.n_fake is None else preset.n_fake, rng)
    d = np.clip(np.asarray(clf.prob(big), dtype=np.float64).reshape(-1), 1e-6, 1 - 1e-6)
    fdiv.weights_from_discriminator(d, 0.5, kind="star")
    adagan_step = time.process_time() - c0
    # one evaluation: model samples (a slightly shifted data draw) against held-out points
    model = _gmm(k, preset.n_model + REFERENCE_MODEL_SAMPLES, rng) + 0.1
    x_eval = _gmm(k, preset.n_eval, rng)
    x_ref = _gmm(k, min(500, preset.n_train), rng)
    means = np.zeros((k, 2))
    coverage(model[:64], x_eval[:64], rng=3)  # compile the kernel outside the timing
    c0 = time.process_time()
    coverage(model[:preset.n_model], x_eval, rng=3)
    coverage_or_collapsed(model[preset.n_model:], x_ref, rng=3,
                          estimator=lambda s, d, rng: coverage_reference(s, d, rng=rng,
                                                                         sizes=(x_ref.shape[0], 1000, 500)))
    mode_stats(model[:preset.n_model], means, 1.0)
    evaluation = time.process_time() - c0
    x_sel = _gmm(k, preset.n_select, rng)
    c0 = time.process_time()
    coverage(model[:SELECT_SAMPLES], x_sel, rng=4)
    selection = time.process_time() - c0
    return Calibration(gan_step=gan_step, disc_step=disc_step, evaluation=evaluation, selection=selection,
                       adagan_step=adagan_step, gan_step_weighted=gan_step_weighted)


def _timed_gan_steps(x, config, weights=None):
    """(CPU seconds per GAN step of ``config`` on ``x``, the trainer), trained as
    :func:`~gan_backend.engine.train.train_gan` trains (``GanTrainer.run``) after a warm-up."""
    tr = GanTrainer(x, config, weights=weights, rng=1)
    spe = tr.steps_per_epoch
    tr.run(epochs=max(1, _WARMUP_STEPS // spe))  # warm-up: also absorbs one-off compilation
    epochs = max(1, _CAL_STEPS // spe)
    c0 = time.process_time()
    tr.run(epochs=epochs)
    return (time.process_time() - c0) / (epochs * spe), tr


def gan_step_seconds(x, config) -> float:
    """CPU seconds of one GAN step of ``config`` on the data ``x`` on this machine (one
    thread per math library, as in the workers)."""
    with threadpool_limits(limits=1):
        return _timed_gan_steps(np.asarray(x, dtype=np.float64), config)[0]


def task_seconds(cal: Calibration, variant: str, *, gans: int = 0, gan_steps: int | float = 0,
                 weighted: bool = False, discriminators: int = 0, disc_steps: int = 0, evaluations: int = 0,
                 selections: int = 0) -> float:
    """The cost model of every experiment's tasks: ``gans`` GAN trainings of ``gan_steps``
    steps each (at the weighted-data step time when ``weighted``), ``discriminators`` mixture
    discriminators of ``disc_steps`` steps plus an AdaGAN step's overhead each, and
    ``evaluations`` model evaluations and ``selections`` Best-of-T scores, at the prices of
    ``cal`` (seconds, or any unit: ``Calibration(gan_step={"": 1.0}, ...)`` counts GAN steps).

    >>> cal = Calibration(gan_step={"": 1.0}, disc_step=0.5, evaluation=0.0, selection=0.0)
    >>> task_seconds(cal, "", gans=3, gan_steps=100, discriminators=2, disc_steps=100)
    400.0
    """
    step = cal.weighted(variant) if weighted else cal.gan_step[variant]
    return (gans * gan_steps * step + discriminators * (disc_steps * cal.disc_step + cal.adagan_step)
            + evaluations * cal.evaluation + selections * cal.selection)


def _gan_steps(preset: Preset) -> int:
    cfg = preset.gan_config(preset.variant_names[0])
    return cfg.epochs * max(1, preset.n_train // cfg.batch_size)


def _disc_steps(preset: Preset) -> int:
    cfg = preset.gan_config(preset.variant_names[0])
    epochs = cfg.epochs if preset.classifier_epochs is None else preset.classifier_epochs
    n_fake = preset.n_train if preset.n_fake is None else preset.n_fake
    return epochs * max(1, max(preset.n_train, n_fake) // cfg.batch_size)


def plan_cost(preset: Preset, units, firsts, cal: Calibration, workers: int) -> Plan:
    """Counts and estimated seconds of the tasks ``units`` and ``firsts`` (groups whose GAN 1
    is still to train), on ``workers`` workers. A unit is a
    :class:`~gan_backend.experiments.runs.Unit` or a
    :class:`~gan_backend.experiments.runs.LockstepUnit`, costed as the sum of its runs at
    the calibrated serial step times (on one CPU core the batched AdaGAN training was
    measured at 1.4-1.9x the fused serial one: results/lockstep/README.md)."""
    T = preset.T
    gan_n, disc_n = _gan_steps(preset), _disc_steps(preset)
    costs = {}
    n_gans = n_disc = n_eval = n_runs = 0
    for g in firsts:
        costs[f"first:{g.key}"] = task_seconds(cal, g.variant, gans=1, gan_steps=gan_n)
        n_gans += 1
    for u in units:  # a Unit (one group) or a LockstepUnit (runs of several groups, one variant)
        ms = [method_policy.cost(s.method) for s in u.specs]
        shared = method_policy.shares_components(u.specs[0].method)
        variant = u.specs[0].variant
        gans = max(m.gans(T) for m in ms) - 1  # GAN 1 comes from the first task
        discs = sum(m.discriminators(T) for m in ms)
        if not shared:
            gans = sum(m.gans(T) - 1 for m in ms)
        # distinct models evaluated: GAN 1 of each group + one per later t per method, at most
        evals = len(u.groups) + sum(max(0, (T if m.gans(T) > 1 else 1) - 1) for m in ms)
        selections = sum(m.selections(T) for m in ms)
        costs[u.key] = task_seconds(cal, variant, gans=gans, gan_steps=gan_n, weighted=not shared,
                                    discriminators=discs, disc_steps=disc_n, evaluations=evals,
                                    selections=selections)
        n_gans += gans
        n_disc += discs
        n_eval += evals
        n_runs += len(u.specs)
    cpu = float(sum(costs.values()))
    # longest-first list schedule over the workers (GAN-1 tasks are short and come first)
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for c in sorted(costs.values(), reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + c)
    return Plan(gans=n_gans, discriminators=n_disc, evaluations=n_eval, tasks=len(costs), runs=n_runs,
                cpu_s=cpu, wall_s=max(loads) if costs else 0.0, workers=max(1, workers), costs=costs)


def _hms(s: float) -> str:
    s = int(round(s))
    h, m = divmod(s // 60, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s % 60:02d}s"


def format_plan(preset: Preset, plan: Plan, cal: Calibration) -> str:
    """Two lines: what is left to compute and its estimated wall time."""
    steps = ", ".join(f"{v or preset.name} {1e3 * t:.3f} ms" for v, t in cal.gan_step.items())
    return (f"table --preset {preset.name}: {plan.runs} runs to compute in {plan.tasks} tasks: "
            f"{plan.gans} GAN trainings ({_gan_steps(preset)} steps each), {plan.discriminators} mixture "
            f"discriminators ({_disc_steps(preset)} steps each), {plan.evaluations} model evaluations\n"
            f"estimated wall time {_hms(plan.wall_s)} on {plan.workers} worker(s) "
            f"({plan.cpu_s / 3600:.2f} CPU-hours; calibration, CPU time per step: GAN {steps}, "
            f"discriminator {1e3 * cal.disc_step:.3f} ms; one evaluation {cal.evaluation:.2f} s; "
            f"AdaGAN step overhead {cal.adagan_step:.2f} s)")


def estimate_preset(preset: Preset, workers: int) -> tuple[Plan, Calibration]:
    """The plan and calibration of a whole table of ``preset`` (nothing stored yet)."""
    cal = calibrate(preset)
    return plan_cost(preset, plan_units(preset), groups(preset), cal, workers), cal
