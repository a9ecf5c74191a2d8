"""B3: one D+G step of the toy GAN (THEORY.md §3) at batch 256, vs PyTorch CPU.

Both sides run the same algorithm on the same nets (G 5→10→5→2, D 2→50→30→1, ReLU,
float32), the same losses (non-saturating, on logits) and the same optimiser (Adam,
β = (0.5, 0.999), lr 1e-3 / 1e-4): sample 256 real points with replacement and 256
latent codes, D step on the stacked batch, then a G step on fresh codes. The torch
peer is written the fast way: ``no_grad`` generator forward in the D step, and
``torch.autograd.grad`` w.r.t. G's parameters only in the G step (no D weight grads).

Fairness: one thread each. The measurement runs in a child process whose environment
sets ``OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1`` *before* NumPy
and torch are imported (the BLAS thread pools are sized at import), and calls
``torch.set_num_threads(1)``. Ours and the peer are timed in alternating blocks in
that one process; each side's figure is its best block (per-step mean).

Without torch the row is a FAIL with a note (``pip install '.[bench]'``), not a crash.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks._harness import Row

ID = "B3"
TARGET = 3.0
_NAME = "B3 GAN D+G step (batch 256)"
_ENV_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _torch_step_factory(x_np, batch, torch):
    """The PyTorch peer: returns a zero-argument step function."""
    torch.manual_seed(0)
    F = torch.nn.functional

    def mlp(sizes):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        net = torch.nn.Sequential(*layers)
        with torch.no_grad():
            for m in net:
                if isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0.0, 0.8)
                    m.bias.zero_()
        return net

    G, D = mlp([5, 10, 5, 2]), mlp([2, 50, 30, 1])
    g_params = list(G.parameters())
    opt_g = torch.optim.Adam(g_params, lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999))
    x = torch.from_numpy(x_np)
    n = x.shape[0]

    def step():
        xr = x[torch.randint(0, n, (batch,))]
        with torch.no_grad():
            xf = G(torch.randn(batch, 5))
        v = D(torch.cat((xr, xf)))
        d_loss = F.softplus(-v[:batch]).mean() + F.softplus(v[batch:]).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(batch, 5)))).mean()
        for p, g in zip(g_params, torch.autograd.grad(g_loss, g_params)):
            p.grad = g
        opt_g.step()

    return step


def _worker(smoke: bool) -> dict:
    """Runs in the single-threaded child: times both sides, returns seconds per step."""
    import time

    import numpy as np

    from gan_backend.config import GanConfig
    from gan_backend.train import GanTrainer

    batch = 256
    n = 4096 if smoke else 256_000
    x = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    ours = GanTrainer(x, GanConfig(batch_size=batch), rng=0).step
    try:
        import torch
    except ImportError:
        torch = None
    peer = None
    if torch is not None:
        torch.set_num_threads(1)
        peer = _torch_step_factory(x, batch, torch)
    steps, rounds = (5, 2) if smoke else (300, 7)
    for fn in (ours, peer):  # warm-up
        for _ in range(2 if smoke else 100):
            if fn is not None:
                fn()
    best = {"ours": float("inf"), "peer": float("inf") if peer else None}
    for _ in range(rounds):
        for key, fn in (("ours", ours), ("peer", peer)):
            if fn is None:
                continue
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            best[key] = min(best[key], (time.perf_counter() - t0) / steps)
    best["torch"] = None if torch is None else torch.__version__
    return best


def rows(smoke: bool = False) -> list[Row]:
    env = dict(os.environ, **{k: "1" for k in _ENV_THREADS})
    cmd = [sys.executable, "-m", "benchmarks.b3_gan_step", "--worker"] + (["--smoke"] if smoke else [])
    target = f">= {TARGET:g}x vs torch CPU, 1 thread"
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row(_NAME, float("nan"), None, None, target, False, note=f"worker failed: {tail}")]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    if res["peer"] is None:
        return [Row(_NAME, res["ours"], None, None, target, False,
                    note="torch not installed: pip install '.[bench]'")]
    ratio = res["peer"] / res["ours"]
    return [Row(_NAME, res["ours"], res["peer"], ratio, target, ratio >= TARGET,
                note=f"torch {res['torch']}")]


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(_worker("--smoke" in sys.argv)))
    else:
        from benchmarks._harness import HEADER, format_row

        print(HEADER)
        for r in rows("--smoke" in sys.argv):
            print(format_row(r))
