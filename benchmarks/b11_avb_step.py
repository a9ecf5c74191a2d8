"""B11: one AVB iteration of the default configuration (``AvbConfig()``) vs JAX ``jit``.

An iteration is what :meth:`gan_backend.experiments.avb.train.AvbTrainer.run` does per step:
``adversary_steps`` updates of T (logistic loss, posterior pairs vs prior pairs, batch
512 each) and one (θ, φ) update of ``mean T(x, z) − log p(x|z)`` at ``z = E(x, ε)``,
each on fresh minibatches and noise, float32, Adam. The JAX peer (jax + optax) builds
the same networks from the same config (encoder ``[x, ε] → hidden → 2``, decoder
``z → hidden → 4`` Bernoulli logits, T ``[x, z] → hidden``, residual blocks with a
zero-initialised second layer, linear output, plus ``‖z‖²`` when configured; ELU/ReLU
as configured), and runs a block of iterations — draws included, from ``jax.random`` —
as one jitted ``lax.scan``. Ours is timed the same way, a block per call
(``AvbTrainer.iterate``: the NumPy layers with the compiled ELU and NumPy's OpenBLAS;
not ``run``, which adds the evaluation refit of T after training).

Fairness, as in B3: one thread each, in a child process whose environment sets
``OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1`` and
``XLA_FLAGS = --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` before
NumPy and JAX are imported; alternating short blocks; each side's figure is its best
block (per-iteration mean, wall clock); the note adds the CPU-time ratio. As in B3, the
child runs with the OpenBLAS pins (``OPENBLAS_CORETYPE``, ``OPENBLAS_L2_SIZE``) removed, so
NumPy's OpenBLAS uses the kernel it detects (named in the note). A missing JAX
makes the row a FAIL with the install note, not a crash.
"""
from __future__ import annotations

from benchmarks._harness import Row, dense_macs, gemm_note, interleaved_best, jax_cpu, jax_scan_blocks, \
    one_thread_child, script_main, sgemm_gflops

ID = "B11"
TARGET = 1.0
_NAME = "B11 AVB iteration vs JAX"


def gemm_flops(config, x_dim: int = 4) -> int:
    """Floating-point operations of the matrix products of one AVB iteration of ``config``
    (an AvbConfig), two per multiply-add, on batches of ``m`` rows. Each of the
    ``adversary_steps`` T updates: the encoder forward, T forward on ``2m`` pairs, T's weight
    gradients and its input gradients below the first layer. The (θ, φ) update: encoder,
    decoder and T forward; T's input gradients (all layers, as z's come out of the first),
    the decoder's weight and input gradients, the encoder's weight gradients and its input
    gradients below the first layer. T is the chain of its stem, its residual blocks' two
    layers each and its output (the residual sums are elementwise)."""
    m, k = int(config.batch_size), int(config.latent_dim)
    hid = config.adversary_hidden
    e, e_first = dense_macs((x_dim + config.noise_dim, *config.encoder_hidden, k))
    dec, _ = dense_macs((k, *config.decoder_hidden, x_dim))
    t, t_first = dense_macs((x_dim + k, *hid, *([hid[-1]] * (2 * config.adversary_blocks)), 1))
    t_step = m * e + 2 * m * (t + t + (t - t_first))
    primal = m * (e + dec + t + t + 2 * dec + e + (e - e_first))
    return 2 * (config.adversary_steps * t_step + primal)


def _jax_block_factory(config, jax, optax):
    """The JAX peer of ``config`` (an AvbConfig): returns ``block(iterations)``."""
    import jax.numpy as jnp

    acts = {"elu": jax.nn.elu, "relu": jax.nn.relu, "tanh": jnp.tanh}
    act, inner = acts[config.activation], acts[config.block_activation]

    def dense(key, a, b, zero=False):
        lim = (6.0 / (a + b)) ** 0.5
        w = jnp.zeros((a, b), jnp.float32) if zero else jax.random.uniform(key, (a, b), jnp.float32, -lim, lim)
        return (w, jnp.zeros(b, jnp.float32))

    def mlp_init(key, sizes):
        keys = jax.random.split(key, len(sizes))
        return [dense(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]

    def mlp(params, h):
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = act(h)
        return h

    x_dim, k = 4, config.latent_dim
    hid = config.adversary_hidden
    key = jax.random.PRNGKey(0)
    ke, kd, kt, kb, key = jax.random.split(key, 5)
    enc = mlp_init(ke, (x_dim + config.noise_dim, *config.encoder_hidden, k))
    dec = mlp_init(kd, (k, *config.decoder_hidden, x_dim))
    stem = mlp_init(kt, (x_dim + k, *hid))
    bkeys = jax.random.split(kb, config.adversary_blocks + 1)
    blocks = [(dense(bk, hid[-1], hid[-1]), dense(bk, hid[-1], hid[-1], zero=True)) for bk in bkeys[:-1]]
    out = dense(bkeys[-1], hid[-1], 1)
    tp = (stem, blocks, out)

    def t_net(tp, x, z):
        stem, blocks, (wo, bo) = tp
        h = jnp.concatenate((x, z), axis=1)
        for w, b in stem:
            h = act(h @ w + b)
        for (w1, b1), (w2, b2) in blocks:
            h = act(h + inner(h @ w1 + b1) @ w2 + b2)
        v = (h @ wo + bo)[:, 0]
        return v + (z * z).sum(axis=1) if config.adversary_prior_term else v

    data = jnp.eye(x_dim, dtype=jnp.float32)
    m = config.batch_size
    opt_p = optax.adam(config.lr, b1=config.beta1, b2=config.beta2)
    opt_t = optax.adam(config.lr_adversary, b1=config.beta1, b2=config.beta2)
    primal = (enc, dec)

    def t_loss(tp, pp, x, eps, zp):
        zq = mlp(pp[0], jnp.concatenate((x, eps), axis=1))
        return jax.nn.softplus(-t_net(tp, x, zq)).mean() + jax.nn.softplus(t_net(tp, x, zp)).mean()

    def p_loss(pp, tp, x, eps):
        z = mlp(pp[0], jnp.concatenate((x, eps), axis=1))
        logits = mlp(pp[1], z)
        ll = (x * logits - jax.nn.softplus(logits)).sum(axis=1)
        return (t_net(tp, x, z) - ll).mean()

    def draws(key):
        k1, k2, k3 = jax.random.split(key, 3)
        x = data[jax.random.randint(k1, (m,), 0, x_dim)]
        return x, jax.random.normal(k2, (m, config.noise_dim), jnp.float32), \
            jax.random.normal(k3, (m, k), jnp.float32)

    def one(carry, _):
        pp, tp, sp, st, key = carry
        for _ in range(config.adversary_steps):
            key, kk = jax.random.split(key)
            x, eps, zp = draws(kk)
            ut, st = opt_t.update(jax.grad(t_loss)(tp, pp, x, eps, zp), st, tp)
            tp = optax.apply_updates(tp, ut)
        key, kk = jax.random.split(key)
        x, eps, _ = draws(kk)
        up, sp = opt_p.update(jax.grad(p_loss)(pp, tp, x, eps), sp, pp)
        return (optax.apply_updates(pp, up), tp, sp, st, key), None

    return jax_scan_blocks(one, (primal, tp, opt_p.init(primal), opt_t.init(tp), key))


def _worker(smoke: bool) -> dict:
    """Runs in the single-threaded child: seconds per iteration of each side."""
    from gan_backend.experiments.avb import AvbConfig, toy_data
    from gan_backend.experiments.avb.train import AvbTrainer

    config = AvbConfig()
    if smoke:
        config = config.replace(batch_size=32, adversary_hidden=(8,), encoder_hidden=(8,), decoder_hidden=(8,))
    trainer = AvbTrainer(toy_data(), config, rng=0)
    ours = trainer.iterate  # the iterations alone: run() adds the evaluation refit of T
    jax, optax = jax_cpu()
    jpeer = None
    if jax is not None:
        jpeer = _jax_block_factory(config, jax, optax)
    blocks = (3,) if smoke else (10,)
    jax_blocks = (3,) if smoke else (10, 50)
    sides = [("ours", ours, b) for b in blocks] + [("jax", jpeer, b) for b in jax_blocks if jpeer is not None]
    for _, fn, b in sides:  # warm-up and compilation
        fn(b)
    wall, cpu, at = interleaved_best(sides, 2 if smoke else 30, budget=400)  # ~400 iterations per side and block
    best = {k: wall.get(k) for k in ("ours", "jax")}
    cpu = {k: cpu.get(k) for k in ("ours", "jax")}
    jax_block = at.get("jax")
    best["cpu"] = cpu
    best["jax_block"] = jax_block
    best["jax_version"] = None if jax is None else jax.__version__
    try:
        import threadpoolctl

        best["blas"] = ",".join(sorted({str(i.get("architecture")) for i in threadpoolctl.threadpool_info()
                                        if i.get("internal_api") == "openblas"})) or None
    except ImportError:
        best["blas"] = None
    best["flops"] = gemm_flops(config)
    h = config.adversary_hidden[-1]
    best["sgemm"] = sgemm_gflops(2 * config.batch_size, h, h, 0.05 if smoke else 0.5)
    best["sgemm_shape"] = f"{2 * config.batch_size}x{h} @ {h}x{h}"
    best["config"] = (f"T {config.adversary_hidden[-1]}-wide, {config.adversary_blocks} blocks, "
                      f"{config.adversary_steps} T steps, batch {config.batch_size}")
    return best


def _child(smoke: bool):
    return one_thread_child("benchmarks.b11_avb_step", smoke)


def rows(smoke: bool = False) -> list[Row]:
    target = f">= {TARGET:g}x vs JAX jit+scan, 1 thread"
    res = _child(smoke)
    if isinstance(res, str):
        return [Row(_NAME, float("nan"), None, None, target, False, note=f"worker failed: {res}")]
    work = gemm_note(res["flops"], res["ours"], res["jax"], TARGET, res["sgemm"], res["sgemm_shape"])
    if res["jax"] is None:
        return [Row(_NAME, res["ours"], None, None, target, False,
                    note=f"jax/optax not installed: pip install '.[bench]'; {work}")]
    r = res["jax"] / res["ours"]
    cpu = res["cpu"]
    return [Row(_NAME, res["ours"], res["jax"], r, target, r >= TARGET,
                note=f"jax {res['jax_version']}, scan of {res['jax_block']} iterations; {res['config']}; "
                     f"CPU time {cpu['ours'] * 1e3:.2f} vs {cpu['jax'] * 1e3:.2f} ms, {cpu['jax'] / cpu['ours']:.2f}x; "
                     f"NumPy's OpenBLAS kernel {res.get('blas')}; {work}")]


if __name__ == "__main__":
    script_main(rows, _worker)
