"""One run of the coverage table = one task: (preset, method, modes, run index).

:func:`execute_run` is what a Dask worker executes. It is a pure function of its
:class:`RunSpec` and :class:`~gan_backend.experiment.presets.Preset`: every random
stream is seeded from :func:`derive_seed`, so a run gives the same record on any worker
(with single-threaded BLAS/Numba, which the driver arranges for its local workers).

Random streams of a run (all from SHA-256 of a text key, never Python's ``hash``):

- data: seed of (preset, "data", modes, run): every method of run i sees the same data
  set (paired comparison);
- training: ``spec.seed`` of (preset, method, modes, run);
- evaluation: ``[spec.seed, 1]``, separate from training, so evaluating after each t does
  not change what is trained (the T = 3 rows of a T = 10 run are those of a T = 3 run).
"""
from __future__ import annotations

import hashlib
import io
import os
import socket
import time
from dataclasses import dataclass

import numpy as np

from gan_backend.experiment.presets import Preset

__all__ = ["RunSpec", "derive_seed", "run_specs", "execute_run", "execute_theory", "theory_key",
           "decode_array"]


def derive_seed(*parts) -> int:
    """Deterministic 63-bit seed from the text of ``parts`` (stable across processes)."""
    text = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") & (2**63 - 1)


@dataclass(frozen=True, order=True)
class RunSpec:
    """Identity of one run; :attr:`key` is the primary key of its store row."""

    preset: str
    method: str
    modes: int
    run: int

    @property
    def key(self) -> str:
        return f"{self.preset}/{self.method}/K{self.modes}/run{self.run}"

    @property
    def seed(self) -> int:
        return derive_seed(self.preset, self.method, self.modes, self.run)

    @property
    def data_seed(self) -> int:
        return derive_seed(self.preset, "data", self.modes, self.run)


def run_specs(preset: Preset) -> list[RunSpec]:
    """All runs of ``preset``, run-index-major (run 0 of every cell first)."""
    return [
        RunSpec(preset.name, m, k, r)
        for r in range(preset.runs)
        for k in preset.modes
        for m in preset.methods
    ]


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def decode_array(blob: bytes) -> np.ndarray:
    """Inverse of the ``.npy`` encoding of stored artifacts."""
    return np.load(io.BytesIO(blob), allow_pickle=False)


def _snapshots(mod, x_train, x_select, *, T, gan, options, rng, kwargs):
    from gan_backend.adagan import Snapshot

    if hasattr(mod, "trajectory"):
        yield from mod.trajectory(x_train, T=T, config=gan, rng=rng, options=options, heldout=x_select,
                                  **kwargs)
    else:  # a single-model method (vanilla): T = 1 only
        yield Snapshot(t=1, model=mod.fit(x_train, T=1, config=gan, rng=rng))


def _data(preset: Preset, modes: int, seed: int):
    """One i.i.d. draw of n_train + n_select + n_eval points, split in this order."""
    from gan_backend.datasets import make_dataset

    n_all = preset.n_train + preset.n_select + preset.n_eval
    rng = np.random.default_rng(seed)
    data = make_dataset(preset.dataset, n_all, modes=modes, rng=rng)
    x = np.asarray(data.x)[rng.permutation(n_all)]  # i.i.d. order whatever make_dataset's
    a, b = preset.n_train, preset.n_train + preset.n_select
    return data, x[:a], x[a:b], x[b:]


def execute_run(spec: RunSpec, preset: Preset) -> dict:
    """Train ``spec.method`` on a fresh data set and measure C after each t.

    Returns a JSON-able record: ``key``, identity fields, ``seed``, ``data_seed``,
    ``config`` (:meth:`Preset.run_config`), ``metrics`` (per-t lists ``t``, ``coverage``,
    ``loglik``, ``bandwidth``, ``modes_captured`` and ``high_quality`` (nearest mode within
    3 std, :func:`gan_backend.coverage.mode_stats`), ``collapsed`` (model samples on one
    point: C = 0, see :func:`gan_backend.methods.best_of.coverage_or_collapsed`),
    ``beta``/``lam`` for AdaGAN methods, ``info`` for Best of T), ``timings``, ``host``,
    and ``artifacts`` (name -> ``.npy`` bytes; run 0 only: final samples, evaluation data,
    data means and, for AdaGAN methods, the weight map after step 1).
    """
    from gan_backend import methods
    from gan_backend.coverage import mode_stats
    from gan_backend.methods.best_of import coverage_or_collapsed

    t_start = time.perf_counter()
    cpu_start = time.process_time()
    wall_start = time.time()
    gan = preset.gan_config()
    data, x_train, x_select, x_eval = _data(preset, spec.modes, spec.data_seed)
    means = np.asarray(data.means)
    t_data = time.perf_counter() - t_start

    train_rng = np.random.default_rng(spec.seed)
    eval_rng = np.random.default_rng([spec.seed, 1])
    mod = methods.get(spec.method)

    ts, cov, loglik, bandwidth, collapsed, captured, hq, betas, lams = ([] for _ in range(9))
    info = None
    t_train = t_eval = 0.0
    artifacts: dict[str, bytes] = {}
    snaps = _snapshots(mod, x_train, x_select, T=preset.T, gan=gan, options=preset.adagan_options(),
                       rng=train_rng, kwargs=preset.method_kwargs(spec.method))
    tick = time.perf_counter()
    last = None
    for snap in snaps:
        t_train += time.perf_counter() - tick
        tick = time.perf_counter()
        samples = np.asarray(snap.model.sample(preset.n_model, eval_rng))
        res = coverage_or_collapsed(samples, x_eval, rng=eval_rng)
        ts.append(int(snap.t))
        cov.append(float(res.c))
        loglik.append(float(res.loglik))
        bandwidth.append(float(res.bandwidth))
        collapsed.append(bool(getattr(res, "collapsed", False)))
        ms = mode_stats(samples, means, data.std)
        captured.append(int(ms.modes_captured))
        hq.append(float(ms.high_quality))
        if snap.step is not None:
            betas.append(float(snap.step.beta))
            lams.append(None if snap.step.lam is None else float(snap.step.lam))
            if spec.run == 0 and snap.t == 2 and snap.step.d is not None:
                m = min(preset.artifact_points, x_train.shape[0])
                wmap = np.column_stack([x_train[:m], snap.step.weights[:m] * x_train.shape[0],
                                        snap.step.d[:m]])
                artifacts["weight_map"] = _npy(wmap.astype(np.float32))
        if snap.info:
            info = snap.info
        last = samples
        t_eval += time.perf_counter() - tick
        tick = time.perf_counter()
    if spec.run == 0 and last is not None:
        m = preset.artifact_points
        artifacts["samples"] = _npy(last[:m].astype(np.float32))
        artifacts["data"] = _npy(x_eval[:m].astype(np.float32))
        artifacts["means"] = _npy(means)

    metrics = {
        "t": ts,
        "coverage": cov,
        "loglik": loglik,
        "bandwidth": bandwidth,
        "modes_captured": captured,
        "high_quality": hq,
        "collapsed": collapsed,
    }
    if betas:
        metrics["beta"] = betas
        metrics["lam"] = lams
    if info:
        metrics["info"] = info
    return {
        "key": spec.key,
        "preset": spec.preset,
        "method": spec.method,
        "modes": spec.modes,
        "run": spec.run,
        "seed": spec.seed,
        "data_seed": spec.data_seed,
        "config": preset.run_config(spec.method, spec.modes),
        "metrics": metrics,
        "timings": {
            "total_s": time.perf_counter() - t_start,
            "cpu_s": time.process_time() - cpu_start,  # this process's CPU time: load-independent
            "data_s": t_data,
            "train_s": t_train,
            "eval_s": t_eval,
            "started_at": wall_start,
        },
        "host": f"{socket.gethostname()}:{os.getpid()}",
        "artifacts": artifacts,
    }


def theory_key(preset: Preset, modes: int) -> str:
    return f"{preset.name}/theory/K{modes}"


def execute_theory(preset: Preset, modes: int) -> dict:
    """Theory in practice (S18 per step, :mod:`gan_backend.theory`) on one Boosted AdaGAN
    run with K = ``modes`` and the preset's settings.

    Returns a JSON-able record with ``steps``: per step t >= 2 the
    :class:`gan_backend.theory.TheoryStep` as a dict (``checks`` one dict per f).
    """
    import dataclasses

    from gan_backend import methods, theory

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
        "host": f"{socket.gethostname()}:{os.getpid()}",
    }
