"""The runs of the coverage table and the tasks that compute them.

A *run* is one method on one data draw: :class:`RunSpec` (preset, variant, method,
modes, run index), stored as one row. The methods of one data draw and GAN variant (a
:class:`Group`) share their GANs, so that the table's comparisons are paired and each GAN
is trained once:

- the group's independent GANs 1..T (GAN i trained with the stream ``[gan_seed, i]``,
  :class:`~gan_backend.adagan.methods.IndependentGans`) serve every method that ``uses`` the
  components: Vanilla = GAN 1, Best of T = the best of GANs 1..t, Ensemble = their
  uniform mixture; with ``preset.batch_runs = R`` GANs 2..T of a unit train in lockstep
  blocks of up to R (GAN 1 comes from :func:`execute_first` or :func:`execute_firsts`);
- every other method (the AdaGAN ones) starts from GAN 1 as ``G_1``.

Tasks (what a Dask worker executes, pure functions of their arguments):

- :func:`execute_first` trains a group's GAN 1 and returns it as bytes; with
  ``preset.batch_runs = R`` the GAN 1s still to train are instead :class:`FirstBatch`
  tasks of up to R groups of one GAN variant (:func:`first_batches`):
  :func:`execute_firsts` trains them in one batched call
  (:func:`gan_backend.engine.batched.train_gans_batched`), each on its own data and with the
  stream :func:`execute_first` uses, and returns one entry per group, its record (the
  same GAN to rounding) or the failure of its GAN 1 alone (a diverged one);
- :func:`execute_unit` runs a :class:`Unit` (the group's "components" methods together,
  or one other method) from GAN 1's bytes and returns one record per method;
- with ``preset.batch_runs = R`` the AdaGAN runs are instead :class:`LockstepUnit` tasks
  of up to R runs of one GAN variant (any groups, cells and methods; on a resume only
  the runs not yet stored): :func:`execute_lockstep` advances them in lockstep
  (:func:`gan_backend.engine.lockstep.run_lockstep`), the t-th mixture discriminators of all its
  runs in one batched training, then their t-th components in another, each run from
  its own group's GAN 1 and with its own streams, so its record is the one
  :func:`execute_unit` gives (to rounding). It returns one entry per run: the record, or
  the error of a run that failed on its own (a diverged component, say), which the
  driver retries or reports for that run alone while the others are stored.

Random streams (all from SHA-256 of a text key, never Python's ``hash``):

- data: ``data_seed`` of (preset, "data", modes, run): every variant and method of run i
  sees the same draw;
- independent GANs: ``gan_seed`` of the group; each method's own steps (AdaGAN
  components and discriminators, Best of T's selection) from ``spec.seed``;
- evaluation of a model: seeded by (group, model id) (:attr:`Snapshot.model_id`): the same
  model (e.g. GAN 1, which is every method's ``t = 1`` model) gets the same numbers in
  every method's record; evaluation never draws from a training stream, so the first t
  records of a T-step run are those of a t-step run.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import socket
import time
import traceback
from dataclasses import dataclass

import numpy as np

from gan_backend.adagan import methods, theory
from gan_backend.adagan.methods import IndependentGans
from gan_backend.adagan.methods._independent import failed_gan
from gan_backend.adagan.mixture import Mixture
from gan_backend.engine import batched
from gan_backend.engine.datasets import make_dataset
from gan_backend.engine.generator import Generator
from gan_backend.engine.lockstep import run_lockstep
from gan_backend.experiments.method_policy import shares_components
from gan_backend.experiments.presets import Preset
from gan_backend.metrics.coverage import coverage_or_collapsed, coverage_reference, mode_stats

__all__ = ["RunSpec", "Group", "Unit", "LockstepUnit", "FirstBatch", "derive_seed", "run_specs", "groups",
           "plan_units", "first_batches", "execute_first", "execute_firsts", "execute_unit", "execute_lockstep",
           "execute_theory", "theory_key", "decode_array", "REFERENCE_MODEL_SAMPLES"]

#: Model samples drawn for :func:`gan_backend.coverage_reference` (1,000 fit + 500 bandwidth).
REFERENCE_MODEL_SAMPLES = 1500


def derive_seed(*parts) -> int:
    """Deterministic 63-bit seed from the text of ``parts`` (stable across processes)."""
    text = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") & (2**63 - 1)


def _prefix(preset: str, variant: str) -> str:
    return f"{preset}/{variant}/" if variant else f"{preset}/"


@dataclass(frozen=True, order=True)
class Group:
    """One data draw and GAN variant: the methods of a group share its GANs."""

    preset: str
    modes: int
    run: int
    variant: str = ""

    @property
    def key(self) -> str:
        return f"{_prefix(self.preset, self.variant)}K{self.modes}/run{self.run}"

    @property
    def gan_seed(self) -> int:
        return derive_seed(self.preset, self.variant, "gans", self.modes, self.run)

    @property
    def data_seed(self) -> int:
        return derive_seed(self.preset, "data", self.modes, self.run)


@dataclass(frozen=True, order=True)
class RunSpec:
    """Identity of one run (one method on one group); :attr:`key` is its store row's key."""

    preset: str
    method: str
    modes: int
    run: int
    variant: str = ""

    @property
    def key(self) -> str:
        return f"{_prefix(self.preset, self.variant)}{self.method}/K{self.modes}/run{self.run}"

    @property
    def seed(self) -> int:
        if self.variant:
            return derive_seed(self.preset, self.variant, self.method, self.modes, self.run)
        return derive_seed(self.preset, self.method, self.modes, self.run)

    @property
    def data_seed(self) -> int:
        return self.group.data_seed

    @property
    def group(self) -> Group:
        return Group(self.preset, self.modes, self.run, self.variant)


@dataclass(frozen=True)
class Unit:
    """One task: ``methods`` of ``group`` (all of them computed from the group's GAN 1)."""

    group: Group
    methods: tuple[str, ...]

    @property
    def specs(self) -> tuple[RunSpec, ...]:
        g = self.group
        return tuple(RunSpec(g.preset, m, g.modes, g.run, g.variant) for m in self.methods)

    @property
    def groups(self) -> tuple[Group, ...]:
        """The groups whose GAN 1 the task needs (one)."""
        return (self.group,)

    @property
    def key(self) -> str:
        return f"{self.group.key}/{'+'.join(self.methods)}"


@dataclass(frozen=True)
class LockstepUnit:
    """One task: AdaGAN runs ``specs`` (any groups and methods of one GAN variant) advanced
    in lockstep by :func:`execute_lockstep`, each from its own group's GAN 1.

    Examples
    --------
    >>> a, b = RunSpec("smoke", "boosted", 1, 0), RunSpec("smoke", "topklast", 3, 0)
    >>> u = LockstepUnit((a, b))
    >>> u.key, [g.key for g in u.groups]
    ('smoke/lockstep/boosted/K1/run0+1', ['smoke/K1/run0', 'smoke/K3/run0'])
    """

    specs: tuple[RunSpec, ...]

    def __post_init__(self):
        if not self.specs or len({s.variant for s in self.specs}) != 1:
            raise ValueError(f"`specs` must be runs of one variant; got {[s.key for s in self.specs]}")

    @property
    def methods(self) -> tuple[str, ...]:
        """The method of each run (in run order)."""
        return tuple(s.method for s in self.specs)

    @property
    def groups(self) -> tuple[Group, ...]:
        """The distinct groups of the runs, in run order (one GAN 1 each)."""
        return tuple(dict.fromkeys(s.group for s in self.specs))

    @property
    def key(self) -> str:
        first = self.specs[0]
        rest = f"+{len(self.specs) - 1}" if len(self.specs) > 1 else ""
        return f"{_prefix(first.preset, first.variant)}lockstep/{first.method}/K{first.modes}/run{first.run}{rest}"

    def head(self, n: int) -> "LockstepUnit":
        """The first ``n`` runs (``max_runs`` cuts a unit to fit)."""
        return LockstepUnit(self.specs[:n])


@dataclass(frozen=True)
class FirstBatch:
    """One task: the GAN 1 of each of ``groups`` (one GAN variant), trained together by
    :func:`execute_firsts`.

    Examples
    --------
    >>> b = FirstBatch((Group("smoke", 1, 0), Group("smoke", 3, 0)))
    >>> b.key, b.variant
    ('smoke/firsts/K1/run0+1', '')
    """

    groups: tuple[Group, ...]

    def __post_init__(self):
        if not self.groups or len({g.variant for g in self.groups}) != 1:
            raise ValueError(f"`groups` must be groups of one variant; got {[g.key for g in self.groups]}")

    @property
    def variant(self) -> str:
        return self.groups[0].variant

    @property
    def key(self) -> str:
        first = self.groups[0]
        rest = f"+{len(self.groups) - 1}" if len(self.groups) > 1 else ""
        return f"{_prefix(first.preset, first.variant)}firsts/K{first.modes}/run{first.run}{rest}"


def first_batches(preset: Preset, todo) -> list[FirstBatch]:
    """The groups ``todo`` (whose GAN 1 is still to train) cut, per GAN variant and in the
    given order, into :class:`FirstBatch` tasks of up to ``preset.batch_runs`` groups
    (one group per batch when ``batch_runs`` is None).

    Examples
    --------
    >>> from gan_backend.experiments import get_preset
    >>> p = get_preset("smoke").with_(batch_runs=4)
    >>> [b.key for b in first_batches(p, groups(p))]
    ['smoke/firsts/K1/run0+1']
    """
    R = preset.batch_runs or 1
    by_variant: dict[str, list[Group]] = {}
    for g in todo:
        by_variant.setdefault(g.variant, []).append(g)
    return [FirstBatch(tuple(gs[i:i + R])) for gs in by_variant.values() for i in range(0, len(gs), R)]


def groups(preset: Preset) -> list[Group]:
    """All groups of ``preset``, run-index-major (run 0 of every cell first)."""
    return [Group(preset.name, k, r, v) for r in range(preset.runs) for k in preset.modes
            for v in preset.variant_names]


def run_specs(preset: Preset) -> list[RunSpec]:
    """All runs of ``preset``, run-index-major, methods in the preset's order."""
    return [RunSpec(g.preset, m, g.modes, g.run, g.variant) for g in groups(preset) for m in preset.methods]


def plan_units(preset: Preset, done=frozenset()) -> list:
    """The tasks of ``preset``: per group, one unit with every method that uses the shared
    independent GANs (trained once inside it) and one unit per other method.

    With ``preset.batch_runs = R`` the other (AdaGAN) runs not in ``done`` (stored keys)
    are instead cut, in :func:`run_specs` order and per GAN variant, into
    :class:`LockstepUnit` tasks of up to R runs (several groups, cells and methods
    together); each unit is placed where its first run is, so the order stays
    run-index-major. ``done`` does not change the shared units (a unit with some stored
    runs computes them again; the store keeps the first copy).
    """
    shared = tuple(m for m in preset.methods if shares_components(m))
    alone = [m for m in preset.methods if not shares_components(m)]
    lockstep = preset.batch_runs is not None
    out = []
    for g in groups(preset):
        if shared:
            out.append(Unit(g, shared))
        if not lockstep:
            out.extend(Unit(g, (m,)) for m in alone)
    if not lockstep or not alone:
        return out
    order = {s.key: i for i, s in enumerate(run_specs(preset))}
    by_variant: dict[str, list[RunSpec]] = {}
    for s in run_specs(preset):
        if s.method in alone and s.key not in done:
            by_variant.setdefault(s.variant, []).append(s)
    R = preset.batch_runs
    chunks = [LockstepUnit(tuple(todo[i:i + R])) for todo in by_variant.values() for i in range(0, len(todo), R)]
    return sorted(out + chunks, key=lambda u: order[u.specs[0].key])


def encode_array(a) -> bytes:
    """``a`` in the ``.npy`` encoding of stored artifacts (:func:`decode_array` inverts it)."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def decode_array(blob: bytes) -> np.ndarray:
    """Inverse of the ``.npy`` encoding of stored artifacts."""
    return np.load(io.BytesIO(blob), allow_pickle=False)


def _data(preset: Preset, modes: int, seed: int):
    """One i.i.d. draw of n_train + n_select + n_eval points, split in this order."""
    n_all = preset.n_train + preset.n_select + preset.n_eval
    rng = np.random.default_rng(seed)
    data = make_dataset(preset.dataset, n_all, modes=modes, rng=rng)
    x = np.asarray(data.x)[rng.permutation(n_all)]  # i.i.d. order whatever make_dataset's
    a, b = preset.n_train, preset.n_train + preset.n_select
    return data, x[:a], x[a:b], x[b:]


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_first(group: Group, preset: Preset) -> dict:
    """Train GAN 1 of ``group``; returns ``{"key", "config", "generator" (bytes), "timings", "host"}``."""
    t0, c0 = time.perf_counter(), time.process_time()
    _, x_train, _, _ = _data(preset, group.modes, group.data_seed)
    g = IndependentGans(x_train, preset.T, preset.gan_config(group.variant), seed=group.gan_seed)[0]
    return {
        "key": group.key,
        "config": preset.first_config(group.modes, group.variant),
        "generator": g.to_bytes(),
        "timings": {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0},
        "host": _host(),
    }


def execute_firsts(batch: FirstBatch, preset: Preset) -> list:
    """Train the GAN 1 of every group of ``batch`` in one lockstep call
    (:func:`gan_backend.engine.batched.train_gans_batched`; groups whose training sets differ in
    shape in separate calls), each on its own group's data and with the stream
    :func:`execute_first` uses (:meth:`gan_backend.adagan.methods.IndependentGans.rng_of` ``(1)`` of the group's
    ``gan_seed``), so each GAN is :func:`execute_first`'s to rounding (the batched engine
    sums matrix products in another order).

    Returns one entry per group, in ``batch.groups`` order: its record (as
    :func:`execute_first`'s; ``timings`` split evenly over the batch, ``unit_s`` the
    whole), or, for a group whose GAN 1 failed on its own (it diverged), the exception
    :func:`execute_first` raises for that group (an
    :class:`~gan_backend.adagan.AdaGanError`); the driver stores the records and fails
    only those groups.

    Examples
    --------
    >>> from gan_backend.experiments import get_preset
    >>> p = get_preset("smoke").with_(batch_runs=2, gan=(("epochs", 1),))
    >>> [r["key"] for r in execute_firsts(first_batches(p, groups(p))[0], p)]
    ['smoke/K1/run0', 'smoke/K3/run0']
    """
    t0, c0, wall = time.perf_counter(), time.process_time(), time.time()
    cfg = preset.gan_config(batch.variant)
    xs = [_data(preset, g.modes, g.data_seed)[1] for g in batch.groups]
    rngs = [IndependentGans(x, preset.T, cfg, seed=g.gan_seed).rng_of(1) for g, x in zip(batch.groups, xs)]
    by_shape: dict = {}
    for i, x in enumerate(xs):
        by_shape.setdefault(np.shape(x), []).append(i)
    gans: list = [None] * len(xs)
    for idx in by_shape.values():
        try:
            trained = batched.train_gans_batched([xs[i] for i in idx], cfg, rngs=[rngs[i] for i in idx])
        except Exception as exc:  # the whole call failed: every group, as execute_first would
            raise failed_gan(1, exc) from exc
        for i, g in zip(idx, trained):
            gans[i] = g
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    share = 1.0 / len(xs)
    out = []
    for group, g in zip(batch.groups, gans):
        if isinstance(g, Exception):
            err = failed_gan(1, g)
            err.__cause__ = g
            out.append(err)
            continue
        out.append({
            "key": group.key,
            "config": preset.first_config(group.modes, group.variant),
            "generator": g.to_bytes(),
            "timings": {"total_s": total * share, "cpu_s": cpu * share, "unit_s": total, "started_at": wall},
            "host": _host(),
        })
    return out


class _Evaluator:
    """C (held-out and reference estimators) and mode statistics of a run's models, once
    per model id, each seeded by (group, model id)."""

    def __init__(self, group: Group, preset: Preset, x_eval, x_ref, data):
        self.group, self.preset = group, preset
        self.x_eval, self.x_ref = x_eval, x_ref
        self.means, self.std = np.asarray(data.means), data.std
        self.cache: dict = {}
        self.seconds = 0.0

    def __call__(self, model, model_id: str) -> dict:
        if model_id and model_id in self.cache:
            return self.cache[model_id]
        tick = time.perf_counter()
        if isinstance(model, Mixture) and len(model) == 1:
            model = model.components[0]  # G_1 evaluated as itself, whichever method holds it
        rng = np.random.default_rng(derive_seed(self.group.key, "eval", model_id))
        samples = np.asarray(model.sample(self.preset.n_model, rng))
        held = coverage_or_collapsed(samples, self.x_eval, rng=rng)
        ref_samples = np.asarray(model.sample(REFERENCE_MODEL_SAMPLES, rng))
        n_real = min(500, self.x_ref.shape[0])
        ref = coverage_or_collapsed(ref_samples, self.x_ref, rng=rng,
                                    estimator=lambda s, d, rng: coverage_reference(
                                        s, d, rng=rng, sizes=(n_real, 1000, 500)))
        ms = mode_stats(samples, self.means, self.std)
        out = {
            "coverage": float(held.c),
            "coverage_reference": float(ref.c),
            "loglik": float(held.loglik),
            "bandwidth": float(held.bandwidth),
            "collapsed": bool(getattr(held, "collapsed", False)),
            "modes_captured": int(ms.modes_captured),
            "high_quality": float(ms.high_quality),
            "samples": samples,
            "heldout_result": held,  # the estimators' results (thresholds, data log-densities), for readings
            "reference_result": ref,
        }
        if model_id:
            self.cache[model_id] = out
        self.seconds += time.perf_counter() - tick
        return out


_PER_T = ("coverage", "coverage_reference", "loglik", "bandwidth", "collapsed", "modes_captured", "high_quality")


class _GroupData:
    """What the runs of one group share in a task: the data split, GAN 1, the independent
    GANs (trained on first use) and the evaluator."""

    def __init__(self, group: Group, preset: Preset, first: bytes):
        self.group = group
        self.config = preset.gan_config(group.variant)
        self.data, self.x_train, self.x_select, self.x_eval = _data(preset, group.modes, group.data_seed)
        self.first = Generator.from_bytes(first)
        self.gans = methods.IndependentGans(self.x_train, preset.T, self.config, seed=group.gan_seed,
                                            first=self.first, batch_runs=preset.batch_runs)
        self.evaluate = _Evaluator(group, preset, self.x_eval, self.x_train, self.data)


def _run_method(spec: RunSpec, preset: Preset, gd: _GroupData, engine=None) -> tuple[dict, dict]:
    """One method's trajectory on its group's data, C measured after each t; returns the
    run's ``metrics`` and ``artifacts`` (see :func:`execute_unit`). ``engine`` trains the
    AdaGAN components and discriminators (None: one at a time)."""
    method = methods.get(spec.method)
    x_train = gd.x_train
    offered = {"options": preset.adagan_options(), "heldout": gd.x_select, "first": gd.first,
               "components": gd.gans, **({} if engine is None else {"engine": engine})}
    snaps = method.trajectory(
        x_train, T=preset.T, config=gd.config, rng=np.random.default_rng(spec.seed),
        **method.accepted(offered), **preset.method_kwargs(spec.method))
    metrics = {"t": [], **{k: [] for k in _PER_T}}
    betas, lams, info, last, artifacts = [], [], None, None, {}
    for snap in snaps:
        ev = gd.evaluate(snap.model, snap.model_id)
        metrics["t"].append(int(snap.t))
        for k in _PER_T:
            metrics[k].append(ev[k])
        step = snap.step
        if step is not None:
            betas.append(float(step.beta))
            lams.append(None if step.lam is None else float(step.lam))
            if spec.run == 0 and snap.t == 2 and step.d is not None:
                m = min(preset.artifact_points, x_train.shape[0])
                wmap = np.column_stack([x_train[:m], step.weights[:m] * x_train.shape[0], step.d[:m]])
                artifacts["weight_map"] = encode_array(wmap.astype(np.float32))
        if snap.info:
            info = snap.info
        last = ev["samples"]
    if spec.run == 0 and last is not None:
        m = preset.artifact_points
        artifacts["samples"] = encode_array(last[:m].astype(np.float32))
        artifacts["data"] = encode_array(gd.x_eval[:m].astype(np.float32))
        artifacts["means"] = encode_array(np.asarray(gd.data.means))
    if betas:
        metrics["beta"], metrics["lam"] = betas, lams
    if info:
        metrics["info"] = info
    return metrics, artifacts


def _record(spec: RunSpec, preset: Preset, metrics: dict, artifacts: dict, timings: dict) -> dict:
    return {
        "key": spec.key,
        "preset": spec.preset,
        "method": spec.method,
        "variant": spec.variant,
        "modes": spec.modes,
        "run": spec.run,
        "seed": spec.seed,
        "data_seed": spec.data_seed,
        "config": preset.run_config(spec.method, spec.modes, spec.variant),
        "metrics": metrics,
        "timings": timings,
        "host": _host(),
        "artifacts": artifacts,
    }


def _timings(share: float, total: float, cpu: float, eval_s: float, started: float) -> dict:
    return {"total_s": total * share, "cpu_s": cpu * share, "unit_s": total, "eval_s": eval_s * share,
            "started_at": started}


def execute_unit(unit: Unit, preset: Preset, first: bytes) -> list[dict]:
    """Run ``unit.methods`` on the group's data, starting from GAN 1 (``first``, the bytes
    of :func:`execute_first`), and measure C after each t.

    Returns one JSON-able record per method: ``key``, identity fields (``variant``
    included), ``seed``, ``data_seed``, ``config`` (:meth:`Preset.run_config`), ``metrics``
    (per-t lists ``t``, ``coverage`` (held-out estimator, :func:`gan_backend.metrics.coverage.coverage`),
    ``coverage_reference`` (:func:`gan_backend.coverage_reference` on the first 500
    training points), ``loglik``, ``bandwidth``, ``collapsed``, ``modes_captured``,
    ``high_quality``; ``beta``/``lam`` for AdaGAN methods, ``info`` for Best of T),
    ``timings`` (the unit's time split evenly over its records; ``unit_s`` the whole),
    ``host``, and ``artifacts`` (run 0 only: final samples, evaluation data, data means and,
    for AdaGAN methods, the weight map after step 1).
    """
    t_start, cpu_start, wall_start = time.perf_counter(), time.process_time(), time.time()
    gd = _GroupData(unit.group, preset, first)
    pending = [(spec, *_run_method(spec, preset, gd)) for spec in unit.specs]
    total, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
    t = _timings(1.0 / len(pending), total, cpu, gd.evaluate.seconds, wall_start)
    return [_record(spec, preset, metrics, artifacts, t) for spec, metrics, artifacts in pending]


def execute_lockstep(unit: LockstepUnit, preset: Preset, *firsts: bytes) -> list[dict]:
    """Run the AdaGAN runs of ``unit`` in lockstep (:func:`gan_backend.engine.lockstep.run_lockstep`):
    at each AdaGAN step the mixture discriminators of all its runs train in one batched
    call, then their new components in another.

    ``firsts`` are the bytes of :func:`execute_first` for ``unit.groups``, in that order.
    Each run draws only from its own streams, so its record is :func:`execute_unit`'s for
    the same run (to rounding: the batched engine sums matrix products in another order).

    Returns one entry per run, in ``unit.specs`` order: its record (as
    :func:`execute_unit`'s; ``timings`` split evenly over the unit's runs, ``unit_s`` the
    whole), or, for a run that failed (e.g. a diverged component: that run alone), ``{"key":
    run key, "error": "ExceptionType: message"}``; the driver stores the records and
    reports (or retries) the failed runs.

    Examples
    --------
    >>> from gan_backend.experiments import get_preset
    >>> p = get_preset("smoke").with_(T=2, batch_runs=2)
    >>> unit = next(u for u in plan_units(p) if isinstance(u, LockstepUnit))
    >>> firsts = [execute_first(g, p)["generator"] for g in unit.groups]
    >>> [(r["key"], r["metrics"]["t"]) for r in execute_lockstep(unit, p, *firsts)]
    [('smoke/topklast/K1/run0', [1, 2]), ('smoke/boosted/K1/run0', [1, 2])]
    """
    if len(firsts) != len(unit.groups):
        raise ValueError(f"`firsts` must hold one GAN 1 per group of the unit ({len(unit.groups)}); "
                         f"got {len(firsts)}")
    t_start, cpu_start, wall_start = time.perf_counter(), time.process_time(), time.time()
    shared = {g: _GroupData(g, preset, b) for g, b in zip(unit.groups, firsts)}

    def job(spec):
        return lambda engine: _run_method(spec, preset, shared[spec.group], engine)

    results = run_lockstep([job(spec) for spec in unit.specs])
    total, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
    t = _timings(1.0 / len(unit.specs), total, cpu, sum(gd.evaluate.seconds for gd in shared.values()),
                 wall_start)
    out = []
    for spec, res in zip(unit.specs, results):
        if isinstance(res, Exception):
            msg = "".join(traceback.format_exception_only(type(res), res)).strip()
            out.append({"key": spec.key, "error": msg})
        else:
            out.append(_record(spec, preset, *res, t))
    return out


def theory_key(preset: Preset, modes: int) -> str:
    return f"{preset.name}/theory/K{modes}"


def execute_theory(preset: Preset, modes: int) -> dict:
    """Theory in practice (S18 per step, :mod:`gan_backend.adagan.theory`) on one Boosted AdaGAN
    run with K = ``modes`` and the preset's settings.

    Returns a JSON-able record with ``steps``: per step t >= 2 the
    :class:`gan_backend.adagan.theory.TheoryStep` as a dict (``checks`` one dict per f).
    """
    t0 = time.perf_counter()
    key = theory_key(preset, modes)
    seed = derive_seed(preset.name, "theory", modes)
    data, x_train, _, _ = _data(preset, modes, derive_seed(preset.name, "theory-data", modes))
    snaps = list(methods.get("boosted").trajectory(
        x_train, T=preset.T, config=preset.gan_config(), rng=np.random.default_rng(seed),
        options=preset.adagan_options()))
    t_train = time.perf_counter() - t0
    rng = np.random.default_rng([seed, 1])
    samples = theory.samples_from_steps([s.step for s in snaps], preset.theory_samples, rng=rng)
    p_data = theory.data_density(data.means, data.std)
    steps = theory.theory_steps(samples, p_data, rng=rng)
    return {
        "key": key,
        "modes": int(modes),
        "seed": seed,
        "config": preset.theory_config(modes),
        "steps": [dataclasses.asdict(s) for s in steps],
        "timings": {"total_s": time.perf_counter() - t0, "train_s": t_train},
        "host": _host(),
    }
