"""Train one model on a toy data set and write samples from it (docs/contract.md).

    python -m gan_backend sample --dataset {gmm,ring,grid} [--geometry {default,pacgan}] [--modes K] --method M
        --T T --seed S --n N --out FILE.npy [--data-out FILE.npy] [--network {benchmark,toy}] [--weight-delay]
        [--objective {minimax,nonsaturating,wgan,fgan:<name>,fgan-saturating:<name>}] [--plot FILE.png]
        [--n-data N] [--epochs E] [--lr-decay-start F] [--progress]

The seed fixes everything: it is split (``numpy.random.SeedSequence(S).spawn(3)``) into
independent streams for the data, the training and the final samples, so the same
seed gives identical files and the data do not depend on the method.

``--network`` picks the component GAN: ``benchmark`` is the component of the missing-modes
benchmark (``python -m gan_backend modes``, its setting ``medium``:
:func:`gan_backend.experiments.mode_collapse.get_setting`), with that setting's training
points and mixture discriminator (``--epochs 30 --lr-decay-start none`` gives the ``small`` setting's component); ``toy`` is the toy GAN of docs/theory.md §3. The default
is ``benchmark`` with ``--geometry pacgan`` (the benchmark's data) and ``toy`` otherwise.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from gan_backend.adagan import methods
from gan_backend.engine._validate import fits_in_memory
from gan_backend.cli._args import distinct_outputs, objective_spec, output_file, plot_file
from gan_backend.experiments.driver import format_seconds
from gan_backend.experiments.method_policy import cost as method_cost
from gan_backend.cli._args import decay_start, positive_int, seed as seed_arg
from gan_backend.engine.config import WGAN_DEFAULTS, GanConfig
from gan_backend.engine.datasets import DATASETS, make_dataset
from gan_backend.experiments.mode_collapse import get_setting

NAME = "sample"
HELP = "train one model on toy data and write N samples from it (.npy)"

#: Seconds per GAN step assumed for the up-front estimate (the toy GAN of docs/theory.md
#: §3 on one core: ~0.33 ms measured for benchmark B3; larger networks take longer).
STEP_S = 3.3e-4

#: The most GAN steps (all GANs together) one ``sample`` call trains: about 4 days at
#: :data:`STEP_S`.
MAX_STEPS = 10**9

#: An estimate above this many seconds is printed on stderr before training.
SHOW_ETA_S = 60.0

#: Component networks of ``--network``.
NETWORKS = ("benchmark", "toy")

#: The ``modes`` setting whose component ``--network benchmark`` trains.
BENCHMARK_SETTING = "medium"

#: Training points of the toy network when ``--n-data`` is not given.
TOY_N_DATA = 256_000


@dataclasses.dataclass(frozen=True)
class Setup:
    """What ``sample`` trains: the component ``config``, the number of training points
    ``n_data`` and the AdaGAN loop's ``options`` (None: the methods' defaults)."""

    network: str
    config: GanConfig
    n_data: int
    options: object = None


def default_network(geometry: str) -> str:
    """``benchmark`` for the benchmark's geometry (``pacgan``), ``toy`` otherwise."""
    return "benchmark" if geometry == "pacgan" else "toy"


def setup(network: str, objective: str, *, epochs: int | None = None, n_data: int | None = None,
          lr_decay_start=None) -> Setup:
    """The component GAN, training points and AdaGAN options of ``--network``.

    ``benchmark``: the GAN fields, training points and mixture discriminator of the
    ``modes`` setting :data:`BENCHMARK_SETTING` with ``objective`` (for ``wgan`` its
    optimiser, clipping and critic steps stay WGAN's). ``toy``: ``GanConfig.for_objective``.
    ``epochs``, ``n_data`` and ``lr_decay_start`` (a fraction, or ``"none"`` for constant
    learning rates; None keeps the network's) override.
    """
    if network not in NETWORKS:
        raise ValueError(f"`network` must be one of {', '.join(NETWORKS)}; got {network!r}")
    over = {} if epochs is None else {"epochs": epochs}
    if lr_decay_start is not None:
        over["lr_decay_start"] = None if lr_decay_start == "none" else lr_decay_start
    if network == "toy":
        return Setup(network, GanConfig.for_objective(objective, **over),
                     TOY_N_DATA if n_data is None else n_data)
    s = get_setting(BENCHMARK_SETTING)
    fields = {k: v for k, v in s.gan if not (objective == "wgan" and k in WGAN_DEFAULTS)}
    fields.update(over)
    return Setup(network, GanConfig.for_objective(objective, **fields),
                 s.n_train if n_data is None else n_data, s.adagan_options("boosted_star"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, choices=sorted(DATASETS), help="toy data set")
    p.add_argument("--geometry", choices=("default", "pacgan"), default="default",
                   help="ring/grid geometry: default, or pacgan (ring radius 1 std 0.01; grid spacing 2 std 0.05)")
    p.add_argument("--modes", type=positive_int, default=None, metavar="K",
                   help="number of modes (default: gmm 5, ring 8; grid has 25)")
    p.add_argument("--method", required=True, choices=methods.names(), help="training method")
    p.add_argument("--T", type=positive_int, default=1, help="number of GANs (ignored by vanilla)")
    p.add_argument("--seed", type=seed_arg, required=True, metavar="S", help="random seed")
    p.add_argument("--n", type=positive_int, required=True, metavar="N", help="number of samples to write")
    p.add_argument("--out", required=True, metavar="FILE.npy", help="where to write the (N, 2) samples")
    p.add_argument("--data-out", metavar="FILE.npy", help="also write the training data here")
    p.add_argument("--objective", type=objective_spec, default="nonsaturating",
                   help="minimax, nonsaturating (default), wgan, fgan:<fdiv name> (generator maximises "
                        "E g_f(V)) or fgan-saturating:<fdiv name> (generator loss of the saddle point)")
    p.add_argument("--weight-delay", action="store_true",
                   help="AdaGAN methods with data weights (boosted, topklast): train each GAN on the previous "
                        "step's weights, as the public reference code did until its commit b54202d (off by default)")
    p.add_argument("--plot", metavar="FILE.png", help="scatter plot of data and samples")
    p.add_argument("--network", choices=NETWORKS, default=None,
                   help="component GAN: benchmark = the component of `modes --setting medium` (G 5→64→64→64→2 "
                        "and D 2→64→64→64→1 ReLU, Glorot init, lr 1e-3 decayed linearly over the second half, batch 128, "
                        "300 epochs, 32000 training points, mixture discriminator 10 epochs; about 30 s per GAN on one core; "
                        "--epochs 30 --lr-decay-start none gives `modes --setting small`), toy = the 5→10→5→2 GAN of "
                        "docs/theory.md §3 (15 epochs, 256000 points); default: benchmark with "
                        "--geometry pacgan, toy otherwise")
    p.add_argument("--n-data", type=positive_int, default=None, metavar="N",
                   help="number of training points (default: the network's, see --network)")
    p.add_argument("--epochs", type=positive_int, default=None, metavar="E",
                   help="epochs per GAN (default: the network's)")
    p.add_argument("--lr-decay-start", type=decay_start, default=None, metavar="F",
                   help="every GAN's learning rates fall linearly to near zero after this fraction of its training "
                        "(GanConfig.lr_decay_start), or 'none' for constant rates (default: the network's)")
    p.add_argument("--progress", action="store_true", help="progress bar on stderr")


def planned_steps(method, T: int, config: GanConfig, n_data: int) -> tuple[int, int]:
    """``(GANs, generator steps per GAN)`` that ``method`` trains (mixture discriminators
    and classifiers not counted)."""
    return int(method_cost(method.name).gans(T)), int(config.epochs) * max(1, n_data // int(config.batch_size))


def _plot(path: str, data, samples, name: str) -> None:
    import matplotlib  # lazy: matplotlib costs ~0.4 s at CLI start-up

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above

    rng = np.random.default_rng(0)
    show = data.x[rng.choice(data.x.shape[0], size=min(5000, data.x.shape[0]), replace=False)]
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(show[:, 0], show[:, 1], s=2, alpha=0.3, label="data", color="tab:blue")
    ax.scatter(samples[:5000, 0], samples[:5000, 1], s=2, alpha=0.4, label="samples", color="tab:red")
    ax.scatter(data.means[:, 0], data.means[:, 1], marker="x", color="k", s=30, label="modes")
    ax.set_aspect("equal")
    ax.set_title(name)
    leg = ax.legend(loc="upper right")
    for handle in leg.legend_handles:  # legible legend markers whatever the point size
        handle.set_sizes([25])
        handle.set_alpha(1.0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# Bytes per unit of each size argument that must fit in memory at once: a float64 (n, 2)
# sample / data array (with its shuffled copy for data), a (K, 2) array of mode means.
_BYTES = {"--n": 16, "--n-data": 40, "--modes": 16}


def run(args: argparse.Namespace) -> int:
    for flag, value in (("--n", args.n), ("--n-data", args.n_data), ("--modes", args.modes)):
        if value is not None:
            fits_in_memory(flag, value, _BYTES[flag])
    output_file("--out", args.out, suffixes=(".npy",))
    output_file("--data-out", args.data_out, suffixes=(".npy",))
    plot_file("--plot", args.plot)
    distinct_outputs(("--out", args.out), ("--data-out", args.data_out), ("--plot", args.plot))
    if args.dataset == "grid" and args.modes not in (None, 25):
        raise ValueError(f"argument --modes: the grid has 25 modes; got {args.modes}")
    if args.geometry != "default" and args.dataset not in ("ring", "grid"):
        raise ValueError(f"argument --geometry: {args.geometry!r} applies to ring and grid only; got --dataset {args.dataset}")
    if args.weight_delay:
        try:
            methods.check_weight_delay(args.method, True)
        except ValueError as exc:
            raise ValueError(f"argument --weight-delay: {str(exc).replace('`weight_delay` ', '')}".replace(
                f"method {args.method!r}", f"--method {args.method}")) from None
    network = args.network or default_network(args.geometry)
    chosen = setup(network, args.objective, epochs=args.epochs, n_data=args.n_data,
                   lr_decay_start=args.lr_decay_start)
    config, n_data = chosen.config, chosen.n_data
    method = methods.get(args.method)
    gans, steps = planned_steps(method, args.T, config, n_data)
    if gans * steps > MAX_STEPS:
        flag = "--T" if gans > 1 else ("--epochs" if args.epochs is not None else "--n-data")
        raise ValueError(f"argument {flag}: {gans} GAN(s) of {steps} steps each is {gans * steps} steps, more "
                         f"than {MAX_STEPS} (about {format_seconds(MAX_STEPS * STEP_S)} on one core)")
    eta = gans * steps * STEP_S
    if eta > SHOW_ETA_S:
        print(f"sample: {gans} GAN(s) of {steps} steps each; estimated {format_seconds(eta)} on one core "
              f"(at ~{STEP_S * 1e3:.2f} ms a step)", file=sys.stderr, flush=True)
    data_ss, train_ss, sample_ss = np.random.SeedSequence(args.seed).spawn(3)
    data = make_dataset(args.dataset, n_data, modes=args.modes, geometry=args.geometry, rng=np.random.default_rng(data_ss))
    offered = {} if chosen.options is None else {"options": chosen.options}
    if args.weight_delay:
        offered["weight_delay"] = True
    extra = method.accepted(offered)
    model = method.fit(data.x, T=args.T, config=config, rng=np.random.default_rng(train_ss),
                       progress=args.progress, **extra)
    samples = np.asarray(model.sample(args.n, np.random.default_rng(sample_ss)), dtype=np.float64)
    with open(args.out, "wb") as fh:  # exactly the path given
        np.save(fh, samples)
    if args.data_out:
        with open(args.data_out, "wb") as fh:
            np.save(fh, data.x)
    if args.plot:
        _plot(args.plot, data, samples,
              f"{args.method} on {args.dataset} (K={data.modes}), {network} network, {args.objective}, seed {args.seed}")
    return 0
