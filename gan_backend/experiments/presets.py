"""Presets of the coverage-table experiment (docs/theory.md §3) as frozen dataclasses.

- ``paper``: the protocol of the slides: 35 runs per cell, 256k training points, the
  toy GAN of docs/theory.md §3 with 15 epochs per GAN, T = 10; C evaluated on 10^4 held-out
  points (the reference code used 500 points and an in-sample threshold; its estimator
  is recorded beside ours, :func:`gan_backend.coverage_reference`).
- ``faithful``: the paper's per-GAN protocol unchanged, 10 runs per cell.
- ``figure4``: the slides' Figure 4: 10 modes, Boosted AdaGAN on four GAN variants
  (minimax, non-saturating, each plain and unrolled with 5 steps), 10 runs, same protocol.
- ``objectives``: Vanilla and Boosted AdaGAN T = 10 on K in {5, 10} for every GAN
  objective of the engine (minimax, non-saturating, WGAN, the f-GAN of every registry
  entry and of alpha(-1), alpha(0.5), alpha(2)), 3 runs, the paper's per-GAN protocol.
- ``reference`` and ``reference-adagan``: the faithful table's Δ cells with the public
  reference code's GAN (:data:`REFERENCE_TOY_GAN`, ``ToyUnrolledGan`` of tolstikhin/adagan
  at commit a6ec3b7) and its protocol (20 epochs per GAN, mixture classifier 10 epochs at
  lr 8e-4), 10 runs per cell: ``reference`` the methods built from independent GANs
  (Vanilla, Best of T, Ensemble; T = 3 and 10 rows) at K = 3, 5, 7, 10, ``reference-adagan``
  Boosted and TopKLast at T = 3 on K = 7, 10; ``reference-vanilla`` and ``reference-t3`` the
  reference preset's cells at T = 1 (Vanilla) and T = 3 (Vanilla, Best of T, Ensemble);
  ``reference-t10`` its T = 10 Δ cells (Best of T and Ensemble at K = 7, 10).
- ``quick``: every method and every mode column, reduced so that the whole table takes
  at most 10 minutes on 2 cores; :attr:`Preset.reductions` states what was cut and is
  printed in ``table.md``.
- ``smoke``: a seconds-long end-to-end check for the test suite (results meaningless).

A preset fixes everything that determines a run's result; the run's seeds are derived from
(preset, variant, method, modes, run index) in :mod:`gan_backend.experiments.runs`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import fdiv
from gan_backend.adagan import methods
from gan_backend.adagan.methods import AdaGanOptions
from gan_backend.engine._validate import positive_int
from gan_backend.engine.batched import check_batch_runs
from gan_backend.engine.config import WGAN_DEFAULTS, GanConfig, fgan_defaults
from gan_backend.experiments.seed_table import MODES

__all__ = ["Preset", "PRESETS", "get_preset", "preset_names", "METHODS", "FIGURE4_VARIANTS", "objective_variants",
           "REFERENCE_TOY_GAN", "REFERENCE_VARIANT", "REFERENCE_PROTOCOL_GAN", "REFERENCE_PROTOCOL_VARIANT"]

# Methods of the table, in the seed table's order (registry names).
METHODS: tuple[str, ...] = ("vanilla", "best_of", "ensemble", "topklast", "boosted")


@dataclass(frozen=True)
class Preset:
    """Everything that determines the runs of a table.

    Attributes
    ----------
    name : str
    runs : int
        Runs per (method, modes) cell.
    modes : tuple of int
        Mode counts K (table columns).
    methods : tuple of str
        Registry names of the methods (table rows; T = 3 and T = 10 rows come from one
        T-component trajectory of each method).
    T : int
        Components per run (coverage is recorded after each t = 1..T).
    dataset : str
        ``gan_backend.engine.datasets.make_dataset`` name.
    n_train, n_select, n_eval : int
        Training points, held-out points for Best of T's selection, held-out points on
        which C is reported (three disjoint i.i.d. parts of one draw).
    n_model : int
        Model samples for the coverage KDE.
    gan : tuple of (field, value)
        Overrides of the ``GanConfig`` defaults (docs/theory.md §3 toy GAN).
    classifier_epochs : int or None
        Epochs of the AdaGAN mixture discriminator (None: ``train_classifier`` default).
    classifier_lr : float or None
        Its learning rate (default 1e-3, see :class:`~gan_backend.adagan.methods.AdaGanOptions`;
        None: the GAN's ``lr_d``).
    n_fake : int or None
        Mixture samples for the discriminator (None: n_train).
    artifact_points : int
        Points stored for the figures (samples, weight map) of run 0 of each cell.
    theory_modes : tuple of int
        Mode counts of the ``--theory`` runs (one Boosted AdaGAN run each, S18 per step).
    theory_samples : int
        Samples of P_{t-1} and Q_t per step for the KDE densities of the theory check.
    topklast_reading : str
        ``"reference"`` (default: the reference code's uniform weights on the top r*N points
        by D, beta_t = 1/t, the rule behind the seed table) or ``"slides"`` (beta_t from
        ``fdiv.topklast_beta``, R* weights); see :mod:`gan_backend.adagan.methods.topklast`.
    reductions : str
        What this preset cuts relative to ``paper`` (shown in table.md).
    variants : tuple of (name, ((GanConfig field, value), ...))
        GAN variants, each run for every method (default one unnamed variant: the
        preset's ``gan``); a variant's overrides apply on top of ``gan``.
    batch_runs : int or None
        How the GANs are executed, not what they are: None (default) one by one; R: the
        shared independent GANs of a run in lockstep blocks of up to R
        (:class:`~gan_backend.adagan.methods.IndependentGans`), and the AdaGAN runs in lockstep
        units of up to R runs (:class:`~gan_backend.experiments.runs.LockstepUnit`: at each
        AdaGAN step their mixture discriminators train in one batch, then their new
        components in another). The GANs are the same to rounding either way, so it is
        not part of :meth:`run_config` (a store filled one way resumes the other way) nor
        of any run's key or seed.
    weight_delay : bool
        False (default). True: every AdaGAN component is trained on the previous step's
        data weights, the public reference code's behaviour until its commit b54202d
        (:func:`gan_backend.adagan.adagan_steps`); only for methods with data weights
        (Boosted, TopKLast; any other method is a ``ValueError`` naming ``weight_delay``).
        Part of the runs' settings only when on.
    """

    name: str
    runs: int
    modes: tuple[int, ...] = MODES
    methods: tuple[str, ...] = METHODS
    T: int = 10
    dataset: str = "gmm"
    n_train: int = 256_000
    n_select: int = 10_000
    n_eval: int = 10_000
    n_model: int = 10_000
    gan: tuple[tuple[str, object], ...] = ()
    classifier_epochs: int | None = None
    classifier_lr: float | None = 1e-3
    n_fake: int | None = None
    artifact_points: int = 2000
    theory_modes: tuple[int, ...] = (5, 10)
    theory_samples: int = 4000
    topklast_reading: str = "reference"
    reductions: str = "none (the paper's protocol)"
    variants: tuple = (("", ()),)
    batch_runs: int | None = None
    weight_delay: bool = False

    def __post_init__(self):
        if self.batch_runs is not None:
            check_batch_runs(self.batch_runs)
        for name in ("runs", "T", "n_train", "n_select", "n_eval", "n_model", "artifact_points",
                     "theory_samples"):
            positive_int(name, getattr(self, name))
        for m in self.methods:
            methods.get(m)
        names = [v[0] for v in self.variants]
        if not names or len(set(names)) != len(names) or any(not isinstance(n, str) or "/" in n for n in names):
            raise ValueError(f"`variants` must have distinct names without '/'; got {names!r}")
        if not self.modes or any((not isinstance(k, int)) or k < 1 for k in self.modes):
            raise ValueError(f"`modes` must be positive integers; got {self.modes!r}")
        if any((not isinstance(k, int)) or k < 1 for k in self.theory_modes):
            raise ValueError(f"`theory_modes` must be positive integers; got {self.theory_modes!r}")
        if not self.methods:
            raise ValueError("`methods` must not be empty")
        for m in self.methods:
            methods.check_weight_delay(m, self.weight_delay)
        if self.topklast_reading not in ("slides", "reference"):
            raise ValueError(f"`topklast_reading` must be 'slides' or 'reference'; got {self.topklast_reading!r}")

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(v[0] for v in self.variants)

    def gan_config(self, variant: str = ""):
        """The ``GanConfig`` of the GANs of ``variant`` (defaults + :attr:`gan` + the variant's)."""
        over = dict(self.variants)
        if variant not in over:
            raise ValueError(f"`variant` must be one of {self.variant_names}; got {variant!r}")
        return dataclasses.replace(GanConfig(), **{**dict(self.gan), **dict(over[variant])})

    def method_options(self) -> dict:
        """Method options this preset sets (passed to every method that declares them)."""
        out = {"reading": self.topklast_reading}
        if self.weight_delay:  # only when on: the runs of presets without it keep their settings
            out["weight_delay"] = True
        return out

    def method_kwargs(self, method: str) -> dict:
        """Extra keyword arguments of ``method``'s ``trajectory`` under this preset."""
        declared = methods.get(method).option_names
        return {k: v for k, v in self.method_options().items() if k in declared}

    def adagan_options(self):
        return AdaGanOptions(classifier_epochs=self.classifier_epochs, classifier_lr=self.classifier_lr,
                             n_fake=self.n_fake)

    def run_config(self, method: str, modes: int, variant: str = "") -> dict:
        """JSON-able settings that determine one run (stored with its row; a resume
        against a store holding other settings for the same key is refused)."""
        gan = self.gan_config(variant)
        return {
            **self.method_kwargs(method),
            "layout": "shared-components",
            "method": method,
            "variant": variant,
            "modes": int(modes),
            "T": self.T,
            "dataset": self.dataset,
            "n_train": self.n_train,
            "n_select": self.n_select,
            "n_eval": self.n_eval,
            "n_model": self.n_model,
            "classifier_epochs": self.classifier_epochs,
            "classifier_lr": self.classifier_lr,
            "n_fake": self.n_fake,
            "gan": {k: _jsonable(v) for k, v in _gan_fields(gan).items()},
        }

    def first_config(self, modes: int, variant: str = "") -> dict:
        """JSON-able settings of the first GAN of a data draw (shared by its methods)."""
        cfg = self.run_config("vanilla", modes, variant)
        for k in ("method", "classifier_epochs", "classifier_lr", "n_fake", "n_model", "n_eval", "n_select"):
            cfg.pop(k, None)
        return cfg

    def theory_config(self, modes: int) -> dict:
        """JSON-able settings of one ``--theory`` run (Boosted AdaGAN on K = ``modes``)."""
        cfg = self.run_config("boosted", modes)
        cfg.pop("weight_delay", None)  # the theory runs train Algorithm 1 as written
        cfg["theory_samples"] = self.theory_samples
        return cfg

    def with_(self, **changes) -> "Preset":
        """A copy with some fields replaced (e.g. fewer runs for a test)."""
        return dataclasses.replace(self, **changes)


def _gan_fields(gan) -> dict:
    """A GanConfig's stored identity (:meth:`GanConfig.identity`), another dataclass's fields."""
    return gan.identity() if isinstance(gan, GanConfig) else dataclasses.asdict(gan)


def _jsonable(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (tuple, list)):
        return [_jsonable(u) for u in v]
    return repr(v)


def _paper() -> Preset:
    return Preset(name="paper", runs=35)


def _faithful() -> Preset:
    return Preset(
        name="faithful",
        runs=10,
        reductions=("10 runs per cell instead of 35 (the per-GAN protocol is the paper's: 256k points, "
                    "batch 256, 15 epochs per GAN, mixture discriminator 15 epochs)"),
    )


#: The four GAN variants of the slides' Figure 4.
FIGURE4_VARIANTS = (
    ("minimax", (("objective", "minimax"),)),
    ("nonsaturating", (("objective", "nonsaturating"),)),
    ("minimax_unrolled5", (("objective", "minimax"), ("unrolled", 5))),
    ("nonsaturating_unrolled5", (("objective", "nonsaturating"), ("unrolled", 5))),
)


def _figure4() -> Preset:
    return Preset(
        name="figure4",
        runs=10,
        modes=(10,),
        methods=("boosted",),
        variants=FIGURE4_VARIANTS,
        theory_modes=(),
        reductions=("Figure 4 of the slides: K = 10 only, Boosted AdaGAN only, 10 runs per variant; "
                    "per-GAN protocol as the paper's"),
    )


def _unrolled() -> Preset:
    return Preset(
        name="unrolled",
        runs=5,
        modes=(3, 5, 7, 10),
        methods=tuple(m for m in METHODS if m in ("vanilla", "best_of", "ensemble")),
        variants=(FIGURE4_VARIANTS[2],),
        theory_modes=(),
        reductions=("diagnosis of the faithful table's single-GAN cells: the methods built from independent "
                    "GANs only (Vanilla, Best of T, Ensemble) with the public reference script's GAN (minimax, "
                    "unrolled 5 steps) instead of the non-saturating one; K = 3, 5, 7, 10; 5 runs per cell; "
                    "per-GAN protocol as the paper's"),
    )


#: ``ToyUnrolledGan`` of the public reference code (tolstikhin/adagan, commit a6ec3b7,
#: ``gan.py`` and ``adagan_gmm.py``) as ``GanConfig`` fields: G 5→128→128→2 and D 2→128→128→1
#: with tanh, weights N(0, 0.8²), minimax objective, generator steps against a copy of D
#: advanced 5 steps (first order: no gradient through the look-ahead, as there), Adam(0.5)
#: with lr 1e-3 for G and 1e-4 for D, batch 256, 20 epochs per GAN.
#: The step is the engine's default one (:mod:`gan_backend.engine.train`), which differs from the
#: reference's in three details: the look-ahead copy starts each step from D's Adam state (the
#: reference's copy keeps its own Adam moments across steps), each look-ahead step draws a fresh
#: minibatch and fresh codes (the reference reuses the D step's batch and codes for all 5 and
#: for the G step), and minibatches are drawn with replacement (:mod:`gan_backend.engine._sampling`).
#: :data:`REFERENCE_PROTOCOL_GAN` removes the first two.
REFERENCE_TOY_GAN: tuple[tuple[str, object], ...] = (
    ("latent_dim", 5), ("g_hidden", (128, 128)), ("d_hidden", (128, 128)), ("activation", "tanh"),
    ("init", "normal"), ("init_std", 0.8), ("objective", "minimax"), ("unrolled", 5),
    ("lr_g", 1e-3), ("lr_d", 1e-4), ("beta1", 0.5), ("batch_size", 256), ("epochs", 20),
)

#: :data:`REFERENCE_TOY_GAN` trained by the reference code's protocol (``Gan._train_internal`` and
#: the graph of ``ToyUnrolledGan`` at a6ec3b7): one minibatch of rows and one of codes per
#: generator step, used by the D step, the 5 look-ahead steps and the G step
#: (``GanConfig.shared_batch``), and a look-ahead copy whose Adam state is its own, carried
#: across generator steps (``GanConfig.lookahead_adam = "persistent"``). Left: rows drawn with
#: replacement (the reference draws a batch without; 256 of 256,000 rows repeat one row in
#: about one batch of eight).
REFERENCE_PROTOCOL_GAN: tuple[tuple[str, object], ...] = REFERENCE_TOY_GAN + (
    ("shared_batch", True), ("lookahead_adam", "persistent"))

#: The reference toy GAN as a named GAN variant, and trained by the reference protocol.
REFERENCE_VARIANT = ("reference_toy", REFERENCE_TOY_GAN)
REFERENCE_PROTOCOL_VARIANT = ("reference_protocol", REFERENCE_PROTOCOL_GAN)

#: The reference code's mixture classifier: D's architecture, lr 8e-4 (``learning_rate``),
#: ``mixture_c_epoch_num`` = 10.
_REFERENCE_CLASSIFIER = {"classifier_epochs": 10, "classifier_lr": 8e-4}


def _reference() -> Preset:
    return Preset(
        name="reference",
        runs=10,
        modes=(3, 5, 7, 10),
        methods=("vanilla", "best_of", "ensemble"),
        variants=(REFERENCE_VARIANT,),
        theory_modes=(),
        **_REFERENCE_CLASSIFIER,
        reductions=("the faithful table's Δ cells of the methods built from independent GANs (Vanilla, "
                    "Best of T, Ensemble; T = 3 and 10) at K = 3, 5, 7, 10, 10 runs per cell, with the public "
                    "reference code's GAN (ToyUnrolledGan, tolstikhin/adagan a6ec3b7: G and D 2x128 tanh, "
                    "N(0, 0.8^2) init, minimax, unrolled 5 steps, latent dim 5, lr G 1e-3, D 1e-4, 20 epochs "
                    "per GAN); 256k points, batch 256 as the paper's"),
    )


def _reference_adagan() -> Preset:
    return Preset(
        name="reference-adagan",
        runs=10,
        modes=(7, 10),
        methods=("topklast", "boosted"),
        T=3,
        variants=(REFERENCE_VARIANT,),
        theory_modes=(),
        **_REFERENCE_CLASSIFIER,
        reductions=("the faithful table's Δ cells of the AdaGAN methods (TopKLast, Boosted) at T = 3 on K = 7, "
                    "10, 10 runs per cell, with the public reference code's GAN (ToyUnrolledGan, as in the "
                    "reference preset) and its mixture classifier (10 epochs, lr 8e-4)"),
    )


def _reference_vanilla() -> Preset:
    return _reference().with_(
        name="reference-vanilla",
        methods=("vanilla",),
        T=1,
        reductions=("the Vanilla cells of the reference preset alone (one GAN per run, so T = 1), with the public "
                    "reference code's GAN (ToyUnrolledGan, as in the reference preset) trained by the engine's "
                    "step; 10 runs per cell at a tenth of the reference preset's cost"),
    )


def _reference_t3() -> Preset:
    return _reference().with_(
        name="reference-t3",
        T=3,
        reductions=("the T = 3 cells of the reference preset (Vanilla, Best of T, Ensemble at K = 3, 5, 7, 10; "
                    "three independent GANs per run), with the public reference code's GAN (ToyUnrolledGan, as in "
                    "the reference preset); 10 runs per cell at three tenths of the reference preset's cost"),
    )


def _reference_t10() -> Preset:
    return _reference().with_(
        name="reference-t10",
        modes=(7, 10),
        methods=("best_of", "ensemble"),
        reductions=("the T = 10 Delta cells of the reference preset (Best of T and Ensemble at K = 7, 10; ten "
                    "independent GANs per run, whose first three also give the T = 3 rows), with the public "
                    "reference code's GAN (ToyUnrolledGan, as in the reference preset); 10 runs per cell"),
    )


def _reference_protocol() -> Preset:
    return _reference_vanilla().with_(
        name="reference-protocol",
        variants=(REFERENCE_VARIANT, REFERENCE_PROTOCOL_VARIANT),
        reductions=("the Vanilla cells of the reference preset (one GAN per run, so T = 1), paired on the same "
                    "data draws: the reference toy GAN trained by the engine's step (reference_toy) and by the "
                    "reference code's protocol (reference_protocol: one minibatch per generator step for the D, "
                    "look-ahead and G steps; the look-ahead copy's own Adam state); 10 runs per cell"),
    )


def objective_variants() -> tuple:
    """One GAN variant per objective of the engine: ``minimax``, ``nonsaturating``,
    ``wgan`` (with :data:`~gan_backend.engine.config.WGAN_DEFAULTS`: RMSProp 5e-5, n_critic 5,
    clipping 0.01) and ``fgan:<name>`` (with :data:`~gan_backend.engine.config.FGAN_DEFAULTS`:
    one step size 2e-4 for both players, standardised coordinates, Glorot init, leaky ReLU; for ``tv`` also
    :data:`~gan_backend.engine.config.FGAN_F_DEFAULTS`) for every registry entry and alpha(-1),
    alpha(0.5), alpha(2).

    Examples
    --------
    >>> from gan_backend.experiments.presets import objective_variants
    >>> [name for name, _ in objective_variants()][:4]
    ['minimax', 'nonsaturating', 'wgan', 'fgan-kl']
    """
    out = [("minimax", (("objective", "minimax"),)), ("nonsaturating", (("objective", "nonsaturating"),)),
           ("wgan", (("objective", "wgan"), *sorted(WGAN_DEFAULTS.items())))]
    for f in [*fdiv.names(), "alpha(-1)", "alpha(0.5)", "alpha(2)"]:
        out.append((f"fgan-{f}", (("objective", f"fgan:{f}"), *sorted(fgan_defaults(f"fgan:{f}").items()))))
    return tuple(out)


def _objectives() -> Preset:
    return Preset(
        name="objectives",
        runs=3,
        modes=(5, 10),
        methods=("vanilla", "boosted"),
        variants=objective_variants(),
        theory_modes=(),
        reductions=("every GAN objective of the engine as a variant; K = 5 and 10 only, Vanilla and Boosted "
                    "AdaGAN T = 10 only, 3 runs per cell; per-GAN protocol as the paper's"),
    )


def _quick() -> Preset:
    return Preset(
        name="quick",
        runs=3,
        n_train=8_192,
        n_select=2_000,
        n_eval=2_000,
        n_model=2_000,
        gan=(("epochs", 48),),
        classifier_epochs=30,
        artifact_points=2000,
        theory_modes=(5, 10),
        theory_samples=2000,
        reductions=(
            "3 runs per cell instead of 35 (so the 5%/95% columns are close to the min/max "
            "of 3 values); 8,192 training points instead of 256k, 48 epochs per GAN, i.e. "
            "1,536 GAN steps (batch 256) instead of 15,000; mixture discriminator 30 epochs "
            "(960 steps) instead of 15 epochs (15,000 steps); C from 2,000 model samples on "
            "2,000 held-out points (paper preset: 10^4 and 10^4); Best of T selects on 2,000 "
            "other held-out points"
        ),
    )


def _smoke() -> Preset:
    return Preset(
        name="smoke",
        runs=1,
        modes=(1, 3),
        T=3,
        n_train=512,
        n_select=200,
        n_eval=200,
        n_model=200,
        gan=(("epochs", 2), ("dtype", "float64")),
        classifier_epochs=50,
        artifact_points=200,
        theory_modes=(3,),
        theory_samples=300,
        reductions=(
            "SMOKE TEST ONLY, results meaningless: 1 run, K in {1, 3}, T = 3, 512 training "
            "points, 2 epochs per GAN (4 steps), 50 discriminator epochs (100 steps), 200 evaluation points; "
            "float64, so that its rows do not depend on the order of the floating-point operations "
            "(serial, --batch-runs and lockstep runs give the same table)"
        ),
    )


_FACTORIES = {"smoke": _smoke, "quick": _quick, "paper": _paper, "faithful": _faithful, "figure4": _figure4,
              "unrolled": _unrolled, "objectives": _objectives, "reference": _reference,
              "reference-adagan": _reference_adagan, "reference-protocol": _reference_protocol,
              "reference-vanilla": _reference_vanilla, "reference-t3": _reference_t3,
              "reference-t10": _reference_t10}
PRESETS: tuple[str, ...] = tuple(_FACTORIES)


def preset_names() -> list[str]:
    return list(_FACTORIES)


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (one of :data:`PRESETS`)."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ValueError(f"`preset` must be one of {sorted(_FACTORIES)}; got {name!r}") from None
