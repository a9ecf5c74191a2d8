"""B8: GAN steps per second with R runs in lockstep on a GPU (CuPy), vs one CPU core.

The toy GAN of docs/theory.md §3 (float32, batch 256, Adam), R independent runs advanced by
:class:`gan_backend.engine.batched.BatchedGanTrainer` on CuPy for R = 1, 64, 512, 4096 (each
run its own data set of 16,384 points and its own seed); the figure is run-steps per
second (R x steps / wall time, the device synchronised before the clock stops). The
peer is the same step on one CPU core (:class:`gan_backend.engine.train.GanTrainer`, fused
kernels, one BLAS thread). Target (docs/performance.md): >= 50x at the best R.

Without CuPy or a GPU the row is SKIP with the reason, never a silent CPU run.
``--smoke`` times R = 1, 4 with a few steps (verdicts not judged).
"""
from __future__ import annotations

import os
import time

import numpy as np

from benchmarks._harness import Row

ID = "B8"
TARGET = 50.0
_NAME = "B8 GAN steps/s, R runs on GPU"
RUNS = (1, 64, 512, 4096)
N_POINTS = 16_384


def _cpu_rate(steps: int) -> float:
    from threadpoolctl import threadpool_limits

    from gan_backend.engine.config import GanConfig
    from gan_backend.engine.train import GanTrainer

    x = np.random.default_rng(0).normal(size=(N_POINTS, 2)).astype(np.float32)
    tr = GanTrainer(x, GanConfig(), rng=0)
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(10):
            tr.step()
        t0 = time.perf_counter()
        for _ in range(steps):
            tr.step()
        return steps / (time.perf_counter() - t0)


def _gpu_rate(cp, runs: int, steps: int) -> float:
    from gan_backend.engine.batched import BatchedGanTrainer
    from gan_backend.engine.config import GanConfig

    x = np.random.default_rng(0).normal(size=(N_POINTS, 2)).astype(np.float32)
    bt = BatchedGanTrainer([x] * runs, GanConfig(), rngs=list(range(runs)))
    for _ in range(3):
        bt.step()
    cp.cuda.Device().synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        bt.step()
    cp.cuda.Device().synchronize()
    return runs * steps / (time.perf_counter() - t0)


def rows(smoke: bool = False) -> list[Row]:
    from gan_backend.engine.backend import cupy_status

    target = f">= {TARGET:g}x one CPU core at best R"
    cp, why = cupy_status()
    if cp is None:
        return [Row(_NAME, float("nan"), None, None, target, False, skipped=True,
                    note=f"skipped: {why}; needs the gpu extra and a CUDA GPU")]
    old = os.environ.get("GAN_BACKEND")
    os.environ["GAN_BACKEND"] = "cupy"
    try:
        cpu = _cpu_rate(20 if smoke else 2000)
        rates = {r: _gpu_rate(cp, r, 3 if smoke else 50) for r in ((1, 4) if smoke else RUNS)}
    finally:
        if old is None:
            os.environ.pop("GAN_BACKEND", None)
        else:
            os.environ["GAN_BACKEND"] = old
    best_r = max(rates, key=rates.get)
    ratio = rates[best_r] / cpu
    per_r = ", ".join(f"R={r}: {v:,.0f}/s" for r, v in rates.items())
    # Row times are seconds per run-step (ours: GPU at the best R; peer: one CPU core)
    return [Row(_NAME, 1.0 / rates[best_r], 1.0 / cpu, ratio, target, ratio >= TARGET,
                note=f"{per_r}; CPU {cpu:,.0f}/s")]


if __name__ == "__main__":
    from benchmarks._harness import script_main

    script_main(rows)
