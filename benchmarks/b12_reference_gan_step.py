"""B12: one generator step of the reference toy GAN at batch 256, vs JAX ``jit``.

The GAN is the public reference code's ``ToyUnrolledGan``
(:data:`gan_backend.experiments.presets.REFERENCE_TOY_GAN`: G 5→128→128→2 and D
2→128→128→1, tanh, weights N(0, 0.8²), minimax, unrolled 5 steps, Adam β = (0.5, 0.999),
lr 1e-3 for G and 1e-4 for D, float32). Both sides run the engine's step
(:mod:`gan_backend.engine.train`): a D step on 256 real points drawn with replacement and
256 generated ones stacked in one pass; a copy of D and of its Adam state advanced 5
further D steps, each on fresh draws; a G step on fresh latent codes against the copy
(first order: no gradient through the look-ahead). The JAX peer (jax + optax) is that step
under ``jax.jit``, the 5 look-ahead steps as a ``lax.scan`` and a block of steps as an
outer ``lax.scan`` (draws from ``jax.random`` inside). Ours is
:meth:`GanTrainer.steps` (one compiled call per block with the fused kernels).

Fairness as B3 (:mod:`benchmarks.b3_gan_step`): one thread each, set in the environment of
a child process before NumPy and JAX are imported; alternating short blocks, each side's
best block (wall clock, per step); the note adds the CPU-time ratio. A missing JAX makes
the row a FAIL with an install note, not a crash.
"""
from __future__ import annotations

from benchmarks._harness import Row, dense_macs, gemm_note, interleaved_best, jax_cpu, jax_scan_blocks, \
    one_thread_child, script_main, sgemm_gflops

ID = "B12"
#: printed right after B3 (the toy GAN step) by ``python -m benchmarks``
PRINT_AFTER = "B3"
TARGET_JAX = 1.3
NAME = "B12 reference GAN step (tanh 2x128, unrolled 5) vs JAX"


def gemm_flops(config, dim: int) -> int:
    """Floating-point operations of the matrix products of one generator step of ``config``
    (fresh draws per D step, so no shared G forward): each of the ``n_critic + unrolled`` D
    steps runs G forward on ``b`` codes, D forward on ``2b`` rows and D backward (weight
    gradients, input gradients below the first layer); the G step runs G and D forward on
    ``b`` rows, D's input gradients (all layers, no weight gradients) and G backward (weight
    gradients, input gradients below the first layer). Two operations per multiply-add."""
    if config.shared_batch:
        raise ValueError("gemm_flops counts the unshared step (shared_batch=False)")
    b = int(config.batch_size)
    g, g_first = dense_macs((config.latent_dim, *config.g_hidden, dim))
    d, d_first = dense_macs((dim, *config.d_hidden, 1))
    d_step = b * g + 2 * b * (d + d + (d - d_first))
    g_step = b * (g + d + d + g + (g - g_first))
    return 2 * ((config.n_critic + config.unrolled) * d_step + g_step)


def jax_block_factory(x_np, config, jax, optax):
    """The JAX peer for the ``GanConfig`` ``config`` (tanh MLPs, minimax, ``unrolled``
    look-ahead steps): returns ``block(steps)``, which advances ``steps`` generator steps
    in one jitted ``lax.scan`` and waits for the result."""
    import jax.numpy as jnp

    batch, zdim, k_ahead = config.batch_size, config.latent_dim, config.unrolled

    def init(key, sizes):
        params = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            key, k = jax.random.split(key)
            params.append((config.init_std * jax.random.normal(k, (a, b), jnp.float32), jnp.zeros(b, jnp.float32)))
        return params

    def mlp(params, h):
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jnp.tanh(h)
        return h

    dim = x_np.shape[1]
    kg, kd, key = jax.random.split(jax.random.PRNGKey(0), 3)
    G = init(kg, [zdim, *config.g_hidden, dim])
    D = init(kd, [dim, *config.d_hidden, 1])
    opt_g = optax.adam(config.lr_g, b1=config.beta1, b2=config.beta2)
    opt_d = optax.adam(config.lr_d, b1=config.beta1, b2=config.beta2)
    x = jnp.asarray(x_np)
    n = x.shape[0]

    def d_loss(dp, xr, xf):  # minimax D: -log D(x) - log(1 - D(G(z))), on logits
        v = mlp(dp, jnp.concatenate((xr, xf)))
        return jax.nn.softplus(-v[:batch]).mean() + jax.nn.softplus(v[batch:]).mean()

    def g_loss(gp, dp, z):  # minimax G: log(1 - D(G(z))) = -softplus(v)
        return -jax.nn.softplus(mlp(dp, mlp(gp, z))).mean()

    def d_step(gp, dp, sd, k):
        k1, k2 = jax.random.split(k)
        xr = x[jax.random.randint(k1, (batch,), 0, n)]
        xf = jax.lax.stop_gradient(mlp(gp, jax.random.normal(k2, (batch, zdim), jnp.float32)))
        ud, sd = opt_d.update(jax.grad(d_loss)(dp, xr, xf), sd, dp)
        return optax.apply_updates(dp, ud), sd

    def one(carry, _):
        gp, dp, sg, sd, k = carry
        k, k_d, k_ahead_keys, k_g = jax.random.split(k, 4)
        dp, sd = d_step(gp, dp, sd, k_d)

        def ahead(c, kk):  # the look-ahead copy (parameters and Adam state start from D's)
            return d_step(gp, *c, kk), None

        (da, _), _ = jax.lax.scan(ahead, (dp, sd), jax.random.split(k_ahead_keys, k_ahead))
        gg = jax.grad(g_loss)(gp, da, jax.random.normal(k_g, (batch, zdim), jnp.float32))
        ug, sg = opt_g.update(gg, sg, gp)
        return (optax.apply_updates(gp, ug), dp, sg, sd, k), None

    return jax_scan_blocks(one, (G, D, opt_g.init(G), opt_d.init(D), key))


def _worker(smoke: bool) -> dict:
    """Runs in the single-threaded child: times both sides, returns seconds per step."""
    import numpy as np

    from gan_backend.engine.train import GanTrainer
    from gan_backend.experiments.presets import get_preset

    config = get_preset("reference").gan_config("reference_toy")
    n = 4096 if smoke else 256_000
    x = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    trainer = GanTrainer(x, config, rng=0)
    jax, optax = jax_cpu()
    jpeer = None
    if jax is not None:
        jpeer = jax_block_factory(x, config, jax, optax)
    block = 2 if smoke else 10
    sides = [("ours", trainer.steps)] + ([("jax", jpeer)] if jpeer else [])
    for _, fn in sides:  # warm-up (compilation)
        fn(block)
        fn(block)
    wall, cpu, _ = interleaved_best([(k, fn, block) for k, fn in sides], 2 if smoke else 30)
    best = {k: wall.get(k) for k in ("ours", "jax")}
    cpu = {k: cpu.get(k) for k in ("ours", "jax")}
    best["cpu"] = cpu
    best["block"] = block
    best["fused"] = trainer.fused
    best["jax_version"] = None if jax is None else jax.__version__
    best["flops"] = gemm_flops(config, x.shape[1])
    h = config.d_hidden[-1]
    best["sgemm"] = sgemm_gflops(2 * config.batch_size, h, h, 0.05 if smoke else 0.5)
    best["sgemm_shape"] = f"{2 * config.batch_size}x{h} @ {h}x{h}"
    return best


def _child(smoke: bool):
    return one_thread_child("benchmarks.b12_reference_gan_step", smoke)


def rows(smoke: bool = False) -> list[Row]:
    target = f">= {TARGET_JAX:g}x vs JAX jit+scan, 1 thread"
    res = _child(smoke)
    if isinstance(res, str):
        return [Row(NAME, float("nan"), None, None, target, False, note=f"worker failed: {res}")]
    engine = "fused kernels" if res.get("fused") else "readable layers"
    work = gemm_note(res["flops"], res["ours"], res.get("jax"), TARGET_JAX, res["sgemm"], res["sgemm_shape"])
    if res.get("jax") is None:
        return [Row(NAME, res["ours"], None, None, target, False,
                    note=f"jax/optax not installed: pip install '.[bench]'; ours: {engine}; {work}")]
    r = res["jax"] / res["ours"]
    cpu = res["cpu"]
    return [Row(NAME, res["ours"], res["jax"], r, target, r >= TARGET_JAX,
                note=(f"jax {res['jax_version']}, blocks of {res['block']} steps, ours: {engine}; CPU time "
                      f"{cpu['ours'] * 1e3:.2f} vs {cpu['jax'] * 1e3:.2f} ms, {cpu['jax'] / cpu['ours']:.2f}x; "
                      f"{work}"))]


if __name__ == "__main__":
    script_main(rows, _worker)
