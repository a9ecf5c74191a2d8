"""The WGAN picture (Arjovsky et al. 2017, Figure 2): a saturated GAN discriminator
gives no gradient where the WGAN critic gives a clean one.

1-D setting: real P = N(-2, 0.5²), fake Q = N(2, 0.5²), 8 standard deviations apart.
On fixed samples of both, a GAN discriminator D = σ(V) (MLP 1→64→64→1, ReLU, Adam
lr 1e-2, logistic loss) is trained to optimality (blocks of ``--steps`` steps until
D <= 1e-7 on every fake and >= 1 - 1e-7 on every real sample), and a WGAN critic (same
architecture, RMSProp lr 5e-5, weights clipped to [-0.01, 0.01] after every step,
docs/theory.md §4) maximises E_P V − E_Q V. :func:`run_critic` writes ``DIR/critic.png`` (D(x) and the
critic over x) and ``DIR/gradients.json``::

    {"critic": mean |dV/dx| at the fake samples, "gan": mean |dD/dx| there,
     "ratio": critic / gan, "lipschitz": the critic's Lipschitz constant on the samples,
     "w1_estimate": (E_P V − E_Q V) / lipschitz, "w1_exact": fdiv.wasserstein1 of the
     two Gaussians on a fine grid, "w1_sample": fdiv.wasserstein1 of the two samples, ...}

The critic's values are tiny (clipping bounds its Lipschitz constant by about
c³·64·64), so the W_1 estimate rescales by the Lipschitz bound reached (KR duality:
sup over 1-Lipschitz g of E_P g − E_Q g = W_1; a critic that is L-Lipschitz gives at most
L·W_1). Networks are float64 so that the saturated gradient is resolved, not flushed to 0.
"""
from __future__ import annotations

import json
import os

import numpy as np
from scipy.special import expit
from threadpoolctl import threadpool_limits

import fdiv
from gan_backend.engine.mlp import MLP
from gan_backend.engine.objectives import WGAN, Minimax
from gan_backend.engine.optim import clip_weights, make_optimizer

__all__ = ["REAL", "FAKE", "CLIP", "SATURATED", "compute", "plot", "run_critic"]

REAL = (-2.0, 0.5)   # mean, std of P (real)
FAKE = (2.0, 0.5)    # mean, std of Q (fake)
CLIP = 0.01
#: the GAN discriminator counts as trained to optimality once D(x) <= SATURATED on every
#: fake sample and >= 1 - SATURATED on every real one (at most 10 x --steps steps)
SATURATED = 1e-7
_LOGIT_SAT = float(np.log((1 - SATURATED) / SATURATED))


def _net(rng):
    net = MLP((1, 64, 64, 1), activation="relu", dtype="float64")
    net.init(rng, "glorot")
    return net


def _train(net, opt, loss, real, fake, steps, rng, batch=256, clip=None):
    for _ in range(steps):
        xb = np.concatenate((real[rng.integers(0, real.shape[0], batch)],
                             fake[rng.integers(0, fake.shape[0], batch)]))
        v = net.forward(xb)
        _, g_r, g_f = loss.d_loss(v[:batch], v[batch:], value=False)
        net.backward(np.concatenate((g_r, g_f)), need_dx=False)
        opt.step()
        if clip is not None:
            clip_weights(net.parameters(), clip)


def _input_grad(net, x, outer=None):
    """d(out(V(x)))/dx per row, with out' given by ``outer(v)`` (identity when None)."""
    v = net.forward(x)
    dy = np.ones_like(v) if outer is None else outer(v)
    return net.backward(dy, param_grads=False).ravel(), v.ravel()


def _sigmoid_prime(v):
    s = expit(v)
    return s * (1.0 - s)


def compute(seed: int, steps: int = 3000, n: int = 2000) -> dict:
    """Train both networks and return the measurements (the JSON object) and curves."""
    rng = np.random.default_rng([seed, 7])
    real = (REAL[0] + REAL[1] * rng.standard_normal(n))[:, None]
    fake = (FAKE[0] + FAKE[1] * rng.standard_normal(n))[:, None]
    D, C = _net(rng), _net(rng)
    with threadpool_limits(limits=1, user_api="blas"):
        opt_d = make_optimizer("adam", D.parameters(), 1e-2, beta1=0.5, beta2=0.999)
        d_steps = 0
        while True:  # to optimality: every sample classified with confidence 1 - SATURATED
            _train(D, opt_d, Minimax(), real, fake, steps, rng)
            d_steps += steps
            v_fake, v_real = D.forward(fake).max(), D.forward(real).min()
            if (v_fake <= -_LOGIT_SAT and v_real >= _LOGIT_SAT) or d_steps >= 10 * steps:
                break
        _train(C, make_optimizer("rmsprop", C.parameters(), 5e-5), WGAN(), real, fake, steps, rng,
               clip=CLIP)
    gd, _ = _input_grad(D, fake, _sigmoid_prime)
    gc, _ = _input_grad(C, fake)
    xs = np.linspace(-5.0, 5.0, 2001)[:, None]
    dxs, vd = _input_grad(D, xs, _sigmoid_prime)
    cxs, vc = _input_grad(C, xs)
    # Lipschitz constant of the critic on the samples (where KR duality for the empirical
    # measures needs it): in 1-D the steepest chord is between neighbours in sorted order
    srt = np.sort(np.concatenate((real.ravel(), fake.ravel())))
    vs = C.forward(srt[:, None]).ravel()
    dx = np.diff(srt)
    keep = dx > 1e-9
    lip = float(np.max(np.abs(np.diff(vs))[keep] / dx[keep]))
    # WGAN's critic maximises E_P V − E_Q V with P real: the KR dual of W_1(P, Q)
    gap = float(C.forward(real).mean() - C.forward(fake).mean())
    grid = fdiv.Grid.regular(-6.0, 6.0, 12000)
    pm = fdiv.gaussian_mixture(grid, [REAL[0]], [REAL[1]], [1.0]).normalized().mass
    qm = fdiv.gaussian_mixture(grid, [FAKE[0]], [FAKE[1]], [1.0]).normalized().mass
    xg = grid.points[:, 0]
    w1_exact = float(fdiv.wasserstein1(pm, qm, xg))
    pts = np.concatenate((real.ravel(), fake.ravel()))
    order = np.argsort(pts)
    mass_r = np.concatenate((np.full(n, 1.0 / n), np.zeros(n)))[order]
    mass_f = np.concatenate((np.zeros(n), np.full(n, 1.0 / n)))[order]
    w1_sample_fdiv = float(fdiv.wasserstein1(mass_r, mass_f, pts[order]))
    res = {
        "critic": float(np.mean(np.abs(gc))), "gan": float(np.mean(np.abs(gd))),
        "lipschitz": lip, "max_slope_grid": float(np.abs(cxs).max()), "kr_gap": gap, "w1_estimate": gap / lip if lip > 0 else float("nan"),
        "w1_exact": w1_exact, "w1_sample": w1_sample_fdiv,
        "setting": {"real": {"mean": REAL[0], "std": REAL[1]}, "fake": {"mean": FAKE[0], "std": FAKE[1]},
                    "n": n, "steps": steps, "gan_steps": d_steps, "clip": CLIP, "seed": seed},
        "gan_max_D_fake": float(1.0 / (1.0 + np.exp(-v_fake))),
    }
    res["ratio"] = res["critic"] / res["gan"] if res["gan"] > 0 else float("inf")
    curves = {"x": xs.ravel(), "D": 1.0 / (1.0 + np.exp(-vd)), "critic": vc, "real": real.ravel(),
              "fake": fake.ravel(), "dD": dxs, "dC": cxs}
    return res, curves


def plot(path: str, res: dict, cv: dict) -> None:
    import matplotlib  # lazy: matplotlib costs ~0.4 s at CLI start-up

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above

    x = cv["x"]
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    bins = np.linspace(-5, 5, 81)
    ax.hist(cv["real"], bins=bins, density=True, alpha=0.3, color="tab:blue", label="real P")
    ax.hist(cv["fake"], bins=bins, density=True, alpha=0.3, color="tab:green", label="fake Q")
    ax.plot(x, cv["D"], color="tab:red", lw=2, label="GAN discriminator D(x)")
    lip = res["lipschitz"]
    crit = (cv["critic"] - cv["critic"].min()) / lip  # unit-Lipschitz scale, min at 0
    ax.plot(x, crit / max(crit.max(), 1e-300), color="tab:purple", lw=2,
            label=f"WGAN critic (rescaled; raw slope ≤ {lip:.1e})")
    ax.set_xlabel("x")
    ax.set_ylim(-0.05, 1.6)
    ax.set_title(f"mean |d/dx| at fake samples: critic {res['critic']:.2e}, GAN D {res['gan']:.2e} "
                 f"(ratio {res['ratio']:.1e})\nW1: critic estimate {res['w1_estimate']:.3f}, "
                 f"exact {res['w1_exact']:.3f}", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _num(x):
    return x if np.isfinite(x) else ("inf" if x > 0 else "nan")


def run_critic(out: str, seed: int, steps: int = 3000, n: int = 2000) -> dict:
    """Train both networks (:func:`compute`), write ``out/critic.png`` and ``out/gradients.json``;
    returns the numbers of ``gradients.json`` (non-finite values as the strings ``"inf"``/``"nan"``
    in the file, floats in the returned dict)."""
    res, cv = compute(seed, steps, n)
    plot(os.path.join(out, "critic.png"), res, cv)
    with open(os.path.join(out, "gradients.json"), "w") as fh:
        json.dump({k: (_num(v) if isinstance(v, float) else v) for k, v in res.items()}, fh, indent=1)
    return res
