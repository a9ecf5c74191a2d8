"""Benchmark harness: one row per docs/performance.md target, printed as
``name  ours  peer  ratio  target  PASS|FAIL``.

Every row times our code and its peer side by side in the same process, so the
ratio (not the absolute time) is what is judged.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

__all__ = ["Row", "best_time", "format_row", "one_thread_child", "HEADER"]

HEADER = f"{'name':<34} {'ours':>12} {'peer':>12} {'ratio':>8}  {'target':<34} verdict"


@dataclass(frozen=True)
class Row:
    """One benchmark row. ``ours``/``peer`` are seconds (``peer`` may be None when the
    target is absolute); ``ratio`` is peer/ours (speed-up) unless stated in ``target``."""

    name: str
    ours: float
    peer: float | None
    ratio: float | None
    target: str
    passed: bool
    note: str = ""
    skipped: bool = False  # not measurable on this machine (e.g. no GPU): verdict SKIP
    info: bool = False  # shown beside a judged row, never judged itself: verdict INFO


#: environment of a one-thread child: the BLAS/OpenMP pools and XLA's Eigen pool at one thread
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
                  "JAX_PLATFORMS": "cpu"}
#: this machine's OpenBLAS kernel pins, removed from a judged child (see B3)
OPENBLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _one_cpu() -> set | None:
    """One CPU of this process's affinity set (the highest numbered), or None where the
    platform has no affinity call."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    return {max(os.sched_getaffinity(0))}


def one_thread_child(module: str, smoke: bool, *, keep_pins: bool = False):
    """Run ``python -m module --worker [--smoke]`` as a one-thread child and return the JSON
    of its last stdout line (a dict), or its last stderr line (a str) when it failed.

    One thread means both: the thread pools are sized at one through the environment
    (:data:`ONE_THREAD_ENV`, set before NumPy and JAX are imported), and the child is bound
    to one CPU (``sched_setaffinity``, where the platform has it). The binding is what makes
    the JAX side single-threaded: measured with the environment alone, XLA's runtime still
    used 1.4-1.7 cores (CPU time over wall time) on this 2-core machine, and its pool is
    sized from the CPUs the process may run on. ``keep_pins=False`` removes
    :data:`OPENBLAS_PINS` from the child's environment."""
    env = dict(os.environ, **ONE_THREAD_ENV)
    if not keep_pins:
        for k in OPENBLAS_PINS:
            env.pop(k, None)
    cpus = _one_cpu()
    bind = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    cmd = [sys.executable, "-m", module, "--worker"] + (["--smoke"] if smoke else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, preexec_fn=bind)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Minimum over ``repeat`` runs of the mean time of ``number`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def interleaved_best(sides, rounds: int, budget: int | None = None) -> tuple[dict, dict, dict]:
    """Time the sides in alternation, best block per side. ``sides`` holds ``(key, fn, block)``
    with ``fn(block)`` running ``block`` steps; each of ``rounds`` rounds times every side once,
    skipping a side once ``block * round`` exceeds ``budget`` (steps per side and block length).
    Returns, per key, the best wall seconds per step, the best CPU seconds per step and the
    block length of the best wall time (keys of sides never given are absent)."""
    wall, cpu, at = {}, {}, {}
    for i in range(rounds):
        for key, fn, block in sides:
            if budget is not None and block * i > budget:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            fn(block)
            w, c = (time.perf_counter() - t0) / block, (time.process_time() - c0) / block
            if w < wall.get(key, float("inf")):
                wall[key], at[key] = w, block
            cpu[key] = min(cpu.get(key, float("inf")), c)
    return wall, cpu, at


def dense_macs(sizes) -> tuple[int, int]:
    """Multiply-adds per row of an MLP with layer widths ``sizes`` (input first): all its
    weight products together, and its first layer's alone (whose input gradient a backward
    pass skips when the input is data)."""
    sizes = [int(a) for a in sizes]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), sizes[0] * sizes[1]


def sgemm_gflops(m: int, k: int, n: int, seconds: float = 0.3) -> float:
    """This process's float32 matrix-product rate (GFLOP/s, best of short rounds) for an
    ``(m, k) @ (k, n)`` product through NumPy's BLAS: the ceiling a step made of such
    products can approach on this machine and thread count."""
    import numpy as np  # lazy: the harness imports nothing heavy at module level

    rng = np.random.default_rng(0)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    reps = max(1, int(2e8 // (2 * m * k * n)))
    best, t_end = float("inf"), time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        best = min(best, (time.perf_counter() - t0) / reps)
        if time.perf_counter() > t_end:
            return 2.0 * m * k * n / best / 1e9


def gemm_note(flops: float, ours: float, peer: float | None, target: float, rate: float, shape: str) -> str:
    """The note's throughput part: the step's matrix-product work, each side's rate on it, and
    the rate that ``target`` times the peer's speed would need beside the machine's sgemm rate
    (``rate``, measured on ``shape``)."""
    text = f"GEMM work {flops / 1e6:.0f} MFLOP/step: ours {flops / ours / 1e9:.0f} GFLOP/s"
    if peer is not None:
        need = target * flops / peer / 1e9
        text += (f", JAX {flops / peer / 1e9:.0f}; {target:g}x JAX needs {need:.0f} GFLOP/s, "
                 f"{need / rate:.2f} of this machine's 1-thread sgemm ({shape}: {rate:.0f} GFLOP/s)")
    else:
        text += f"; this machine's 1-thread sgemm ({shape}): {rate:.0f} GFLOP/s"
    return text


def _fmt_t(t: float | None) -> str:
    if t is None:
        return "-"
    if t >= 1:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} us"


def format_row(row: Row) -> str:
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    verdict = "SKIP" if row.skipped else "INFO" if row.info else ("PASS" if row.passed else "FAIL")
    line = f"{row.name:<34} {_fmt_t(row.ours):>12} {_fmt_t(row.peer):>12} {ratio:>8}  {row.target:<34} {verdict}"
    return line + (f"  ({row.note})" if row.note else "")


def jax_cpu():
    """``(jax, optax)`` with JAX on its CPU platform, or ``(None, None)`` when either is not
    installed (the JAX peers are optional: their rows then say how to install them)."""
    try:
        import jax  # lazy: JAX is optional (the peer of B3, B11, B12)
        import optax
    except ImportError:
        return None, None
    jax.config.update("jax_platforms", "cpu")
    return jax, optax


def script_main(rows, worker=None) -> None:
    """``python -m benchmarks.<row module> [--smoke]``: print the header and the module's rows;
    with ``--worker`` (the one-thread child of :func:`one_thread_child`), print the JSON of
    ``worker(smoke)`` instead."""
    smoke = "--smoke" in sys.argv
    if worker is not None and "--worker" in sys.argv:
        print(json.dumps(worker(smoke)))
        return
    print(HEADER)
    for r in rows(smoke):
        print(format_row(r))


def jax_scan_blocks(step, carry):
    """The JAX side's timed block: ``block(steps)`` runs ``steps`` iterations of ``step`` (a
    ``jax.lax.scan`` body ``(carry, _) -> (carry, None)``) in one ``jit`` call, keeps the
    carry for the next call and waits for the result."""
    import functools  # lazy: with jax, only the peer side needs it

    import jax  # lazy: JAX is optional (the peer of B3, B11, B12)

    @functools.partial(jax.jit, static_argnums=1)
    def run(c, steps):
        return jax.lax.scan(step, c, None, length=steps)[0]

    state = [carry]

    def block(steps):
        state[0] = jax.block_until_ready(run(state[0], steps))

    return block

