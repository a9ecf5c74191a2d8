r"""The slides' Figure 5 on real digits: one AdaGAN step on ``sklearn.datasets.load_digits``.

Figure 5 (AdaGAN on MNIST): after the first AdaGAN step the training digits with the
smallest weights are thick and look like what the first GAN produces, the largest
weights go to thin digits, and the second component makes more thin digits. Here the
data are the 1,797 8×8 digits shipped with scikit-learn (intensities 0..16, scaled to
[0, 1]); the experiment is

1. ``G_1 = train_gan(x)`` (an MLP GAN, :data:`DIGITS_CONFIG`);
2. one AdaGAN step by :func:`gan_backend.adagan_steps` with ``T = 2``: a fresh mixture
   discriminator (D's architecture, :func:`gan_backend.train_classifier`) on data vs
   ``G_1``'s samples, its number of epochs chosen by held-out logistic loss
   (:func:`heldout_classifier`: trained to saturation it memorises the 1,797 training
   digits, ``D(x_i) ≈ 1`` for all of them and the weights come out uniform), R* data weights (``fdiv.weights_from_discriminator``, S12) with
   ``β_2 = 1/2`` (the Boosted schedule ``β_t = 1/t`` and the constant ``β = 1/2`` agree
   at t = 2), and the new component ``G_2^c`` trained on the weighted data;
3. statistics: each digit's ink (total intensity, in units of fully-on pixels) and stroke
   width (:func:`stroke_width`), their Spearman correlation with the weights (two-sided
   permutation p-value, :func:`spearman_permutation`), and the mean ink and width of
   ``G_1``'s samples against ``G_2^c``'s.

The slides' observation predicts a negative correlation of weight with ink and width,
and ``G_2^c`` drawing less ink than ``G_1``.

:class:`DigitsPipeline` holds the choices where the public reference code (tolstikhin/adagan
at commit a6ec3b7) differs: a batch-norm generator with a bounded output, a mixture
discriminator trained for a fixed budget at its own learning rate, fakes redrawn from stored
samples (:class:`StoredSamples`) and the ratio ``(1 − D)/(D + ε)`` (:func:`reference_weights`);
:mod:`gan_backend.experiments.digits_factors` measures them one at a time.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np

import fdiv
from gan_backend.adagan import adagan_steps
from gan_backend.engine.config import GanConfig
from gan_backend.engine.train import train_classifier, train_gan
from gan_backend.engine._validate import as_rng, positive_int

__all__ = [
    "DIGITS_CONFIG",
    "CLASSIFIER_EPOCHS",
    "HOLDOUT",
    "heldout_classifier",
    "BETA",
    "load_digits_data",
    "load_digits_labels",
    "class_stats",
    "ink",
    "stroke_width",
    "slant",
    "figure5_record",
    "spearman_permutation",
    "SpearmanResult",
    "Figure5",
    "run_figure5",
    "DigitsPipeline",
    "FACTORS",
    "REFERENCE_RATIO_EPS",
    "StoredSamples",
    "reference_weights",
    "figure5_stats",
    "plot_figure5",
]

#: The MLP GAN for 8×8 digits: latent 10-D, G 10→128→128→64 (linear output), D
#: 64→128→64→1, leaky ReLU, Glorot init, Adam(β₁ = 0.5) lr 5e-4 for both, batch 64,
#: 300 epochs (8,400 generator steps).
DIGITS_CONFIG = GanConfig(latent_dim=10, g_hidden=(128, 128), d_hidden=(128, 64), activation="leaky_relu",
                          init="glorot", lr_g=5e-4, lr_d=5e-4, batch_size=64, epochs=300)
#: Candidate training lengths (epochs of 28 steps at batch 64) of the mixture
#: discriminator; the one with the smallest held-out logistic loss is used.
CLASSIFIER_EPOCHS = (1, 2, 4, 8, 16, 32)
#: Fraction of real and of generated points held out to choose the classifier's epochs.
HOLDOUT = 0.2
#: β of the second component.
BETA = 0.5
#: ε of the public reference code's density ratio ``(1 − D)/(D + ε)`` (adagan.py at commit a6ec3b7).
REFERENCE_RATIO_EPS = 1e-8
#: A pixel counts as ink for the stroke-width estimate when its intensity is >= this.
INK_THRESHOLD = 0.5


def load_digits_data() -> np.ndarray:
    """The 1,797 digits of ``sklearn.datasets.load_digits`` as rows of 64 intensities in
    [0, 1] (original order). ``ValueError`` naming the package when scikit-learn is missing."""
    try:
        from sklearn.datasets import load_digits  # lazy: scikit-learn costs ~1 s at CLI start-up and may be absent
    except ImportError:
        raise ValueError("the digits experiment needs the package scikit-learn (pip install scikit-learn)") from None
    return np.asarray(load_digits().data, dtype=np.float64) / 16.0


def load_digits_labels() -> np.ndarray:
    """The class (0..9) of each digit of :func:`load_digits_data`, same order."""
    try:
        from sklearn.datasets import load_digits  # lazy: scikit-learn costs ~1 s at CLI start-up and may be absent
    except ImportError:
        raise ValueError("the digits experiment needs the package scikit-learn (pip install scikit-learn)") from None
    return np.asarray(load_digits().target, dtype=np.int64)


def class_stats(x, labels, weights, samples: dict) -> dict:
    """Per-class view of the reweighting: mean ``N·w`` of each class, and the class
    frequencies of the data and of model samples as read by a 5-nearest-neighbour
    classifier on the data (``sklearn.neighbors.KNeighborsClassifier``; its training
    accuracy is reported: it is a reader of samples, not ground truth)."""
    from sklearn.neighbors import KNeighborsClassifier  # lazy: scikit-learn costs ~1 s at CLI start-up

    x, y, w = np.asarray(x), np.asarray(labels), np.asarray(weights)
    reader = KNeighborsClassifier(n_neighbors=5).fit(x, y)
    out = {"mean_n_weight_by_class": {str(c): float(x.shape[0] * w[y == c].mean()) for c in range(10)},
           "class_freq_data": {str(c): float(np.mean(y == c)) for c in range(10)},
           "reader_train_accuracy": float(reader.score(x, y))}
    for name, smp in samples.items():
        pred = reader.predict(np.clip(smp, 0, 1))
        out[f"class_freq_{name}"] = {str(c): float(np.mean(pred == c)) for c in range(10)}
    return out


def _images(name, x) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 64 or not np.all(np.isfinite(a)):
        raise ValueError(f"`{name}` must be a finite (n, 64) array of 8x8 images; got shape {a.shape}")
    return np.clip(a, 0.0, 1.0)


def ink(x) -> np.ndarray:
    """Total intensity of each image (values clipped to [0, 1]): ink in pixel units.

    Examples
    --------
    >>> import numpy as np
    >>> float(ink(np.full((1, 64), 0.5))[0])
    32.0
    """
    return _images("x", x).sum(axis=1)


def stroke_width(x, threshold: float = INK_THRESHOLD) -> np.ndarray:
    r"""Stroke width of each 8×8 image, ``2A / P`` of its binarised version.

    ``A`` is the number of ink pixels (intensity ≥ ``threshold``) and ``P`` the number of
    pixel edges between ink and background (the image border counts as background). A
    stroke of length ``L`` and width ``w`` has ``A ≈ L w`` and ``P ≈ 2L``, so ``2A/P ≈ w``
    (exactly ``w L / (L + w)`` for a straight bar). 0 for an empty image.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); img[1:7, 3:5] = 1.0   # a 6×2 bar: 2·12/16 = 1.5
    >>> float(stroke_width(img.reshape(1, 64))[0])
    1.5
    """
    b = (_images("x", x) >= threshold).reshape(-1, 8, 8)
    padded = np.pad(b, ((0, 0), (1, 1), (1, 1)))
    edges = (np.diff(padded, axis=1) != 0).sum(axis=(1, 2)) + (np.diff(padded, axis=2) != 0).sum(axis=(1, 2))
    area = b.sum(axis=(1, 2))
    return np.where(edges > 0, 2.0 * area / np.maximum(edges, 1), 0.0)


def slant(x) -> np.ndarray:
    r"""Slant of each 8×8 image: the shear ``−Σ v (c − c̄)(r − r̄) / Σ v (r − r̄)²`` of the
    intensity-weighted pixel cloud (row r downwards, column c rightwards), i.e. the
    columns the ink moves right per row upwards: > 0 leans right. 0 for an image whose
    ink lies in one row or is empty.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); img[np.arange(8), 7 - np.arange(8)] = 1.0   # "/": top right
    >>> float(slant(img.reshape(1, 64))[0])
    1.0
    """
    v = _images("x", x).reshape(-1, 8, 8)
    r, c = np.mgrid[0:8, 0:8].astype(np.float64)
    mass = v.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    rbar = (v * r).sum(axis=(1, 2)) / safe
    cbar = (v * c).sum(axis=(1, 2)) / safe
    dr = r[None] - rbar[:, None, None]
    dc = c[None] - cbar[:, None, None]
    var = (v * dr * dr).sum(axis=(1, 2))
    cov = (v * dr * dc).sum(axis=(1, 2))
    return np.where(var > 1e-12, -cov / np.where(var > 1e-12, var, 1.0), 0.0)


@dataclass(frozen=True)
class SpearmanResult:
    """Spearman's ρ, its two-sided permutation p-value and the number of permutations."""

    rho: float
    p_value: float
    permutations: int


def _ranks(a):
    from scipy.stats import rankdata  # lazy: scipy.stats costs ~0.5 s at CLI start-up

    r = rankdata(a)  # average ranks for ties
    r = r - r.mean()
    norm = math.sqrt(float(r @ r))
    return r / norm if norm > 0 else r


def spearman_permutation(a, b, *, permutations: int = 9999, rng=None) -> SpearmanResult:
    r"""Spearman correlation of ``a`` and ``b`` with a two-sided permutation p-value.

    ``ρ`` is Pearson's correlation of the average ranks (``scipy.stats.spearmanr``'s
    definition). The p-value is ``(1 + #{π : |ρ_π| ≥ |ρ|}) / (1 + B)`` over ``B`` random
    permutations of ``b``'s ranks (never 0; exact in distribution under independence).

    Examples
    --------
    >>> import numpy as np
    >>> r = spearman_permutation(np.arange(50.0), np.arange(50.0) ** 3, permutations=199, rng=0)
    >>> (round(r.rho, 12), r.p_value)
    (1.0, 0.005)
    """
    ra, rb = _ranks(np.asarray(a, np.float64)), _ranks(np.asarray(b, np.float64))
    if ra.shape != rb.shape or ra.ndim != 1 or ra.size < 3:
        raise ValueError(f"`a` and `b` must be 1-D of the same length >= 3; got {ra.shape} and {rb.shape}")
    permutations = positive_int("permutations", permutations)
    if not (np.any(ra) and np.any(rb)):
        return SpearmanResult(float("nan"), float("nan"), int(permutations))
    rho = float(ra @ rb)
    gen = as_rng(rng)
    hits, done = 0, 0
    while done < permutations:
        k = min(1000, permutations - done)
        perm = np.argsort(gen.random((k, rb.size)), axis=1)
        hits += int(np.count_nonzero(np.abs(rb[perm] @ ra) >= abs(rho) - 1e-12))
        done += k
    return SpearmanResult(rho, (1 + hits) / (1 + permutations), int(permutations))


@dataclass(frozen=True, eq=False)
class Figure5:
    """Outcome of :func:`run_figure5`: ``g1`` and the new component ``g2`` (Generators),
    the data weights ``weights`` (load_digits order), the mixture discriminator's
    ``d = D(x_i)``, ``beta`` and ``lam`` (λ*), the two AdaGAN step records, and the
    classifier's chosen epochs with the held-out loss of each candidate."""

    x: np.ndarray
    g1: object
    g2: object
    weights: np.ndarray
    d: np.ndarray
    beta: float
    lam: float
    steps: tuple
    classifier_epochs: int | None = None
    classifier_heldout_loss: dict = dataclasses.field(default_factory=dict)


def _logistic_loss(clf, real, fake) -> float:
    """Mean ``−log D(real) − log(1 − D(fake))`` (balanced), from the logits."""
    return float(np.logaddexp(0, -clf.logit(real)).mean() + np.logaddexp(0, clf.logit(fake)).mean())


class heldout_classifier:
    """Mixture-discriminator trainer ``(x_real, x_fake, rng) -> Classifier`` for
    :func:`gan_backend.adagan_steps` whose training length is chosen on held-out data.

    A fraction ``holdout`` of the real and of the generated points is set aside; a fresh
    classifier (:func:`gan_backend.train_classifier`, D's architecture) is trained on the
    rest for each number of epochs in ``epochs``; the one with the smallest held-out
    logistic loss is retrained on all points and returned. ``chosen`` and ``losses``
    record the last choice.
    """

    def __init__(self, config: GanConfig, epochs=CLASSIFIER_EPOCHS, holdout: float = HOLDOUT):
        ep = tuple(int(e) for e in np.atleast_1d(epochs))
        if not ep or min(ep) < 1:
            raise ValueError(f"`epochs` must be positive integers; got {epochs!r}")
        if not 0.0 < float(holdout) < 1.0:
            raise ValueError(f"`holdout` must lie in (0, 1); got {holdout!r}")
        self.config, self.epochs, self.holdout = config, ep, float(holdout)
        self.chosen: int | None = None
        self.losses: dict = {}

    def __call__(self, real, fake, rng):
        real, fake = np.asarray(real), np.asarray(fake)
        if len(self.epochs) > 1:
            pr, pf = rng.permutation(len(real)), rng.permutation(len(fake))
            kr, kf = max(1, int(self.holdout * len(real))), max(1, int(self.holdout * len(fake)))
            fit_r, held_r = real[pr[kr:]], real[pr[:kr]]
            fit_f, held_f = fake[pf[kf:]], fake[pf[:kf]]
            self.losses = {e: _logistic_loss(train_classifier(fit_r, fit_f, self.config, rng=rng, epochs=e),
                                             held_r, held_f) for e in self.epochs}
            self.chosen = min(self.losses, key=self.losses.get)
        else:
            self.chosen = self.epochs[0]
        return train_classifier(real, fake, self.config, rng=rng, epochs=self.chosen)


#: The single reference choices of :class:`DigitsPipeline`: name -> the fields it sets
#: (``DigitsPipeline().with_factors(name)`` is today's pipeline plus that one choice).
FACTORS = {
    "bounded_bn_generator": {"g_batchnorm": True, "g_output": "sigmoid"},
    "fixed_classifier": {"classifier_epochs": (5,), "classifier_lr": 8e-4},
    "stored_samples": {"stored_samples": 5000},
    "reference_weights": {"ratio_eps": REFERENCE_RATIO_EPS},
}


@dataclass(frozen=True)
class DigitsPipeline:
    """The choices of the Figure 5 pipeline where the public reference code (tolstikhin/adagan
    at commit a6ec3b7, ``adagan_mnist.py``, ``gan.py``, ``adagan.py``) differs from ours. The
    defaults are this package's pipeline; :meth:`reference` turns every reference choice on.

    Attributes
    ----------
    g_batchnorm : bool
        Batch norm in every hidden layer of G (reference: every layer).
    g_output : str or None
        G's output activation (None: linear). The reference's ``"sigmoid"`` branch
        (``input_normalize_sym = False``) on data in [0, 1]; ``σ(a) = (tanh(a/2) + 1)/2``.
    classifier_epochs : tuple of int
        Candidate training lengths of the mixture discriminator, chosen by held-out loss
        (:class:`heldout_classifier`); one value: that fixed budget, no model selection,
        trained on all points (reference: 5).
    classifier_lr : float or None
        The mixture discriminator's learning rate (None: D's, 5e-4; reference 8e-4).
    stored_samples : int or None
        None: the mixture discriminator's fakes are fresh draws of each component. An
        integer m: each component stores m samples once and fakes are drawn uniformly,
        with replacement, from them (reference: 5,000).
    ratio_eps : float or None
        None: R* weights of ``D`` with ``h = (1 − D)/D`` (``h = ∞`` at ``D = 0``,
        ``fdiv.weights_from_discriminator``). ε > 0: the reference's ``h = (1 − D)/(D + ε)``
        (:func:`reference_weights`).

    The reference also scores the classifier on all training points (in-sample), as
    ours does for every setting; its classifier has batch norm (scored in inference
    mode), ours has D's MLP architecture without it.

    Examples
    --------
    >>> DigitsPipeline.reference().classifier_epochs, DigitsPipeline().classifier_epochs
    ((5,), (1, 2, 4, 8, 16, 32))
    >>> DigitsPipeline().with_factors("stored_samples").stored_samples
    5000
    """

    g_batchnorm: bool = False
    g_output: str | None = None
    classifier_epochs: tuple[int, ...] = CLASSIFIER_EPOCHS
    classifier_lr: float | None = None
    stored_samples: int | None = None
    ratio_eps: float | None = None

    def __post_init__(self):
        if not isinstance(self.g_batchnorm, bool):
            raise ValueError(f"`g_batchnorm` must be True or False; got {self.g_batchnorm!r}")
        if self.g_output is not None and self.g_output not in ("sigmoid", "tanh"):
            raise ValueError(f"`g_output` must be None, 'sigmoid' or 'tanh'; got {self.g_output!r}")
        ep = self.classifier_epochs
        ep = (ep,) if isinstance(ep, numbers.Integral) and not isinstance(ep, bool) else ep
        try:
            ep = tuple(ep)
        except TypeError:
            raise ValueError(f"`classifier_epochs` must be positive integers; got {self.classifier_epochs!r}") from None
        if not ep or any(isinstance(e, bool) or not isinstance(e, numbers.Integral) or e < 1 for e in ep):
            raise ValueError(f"`classifier_epochs` must be positive integers; got {self.classifier_epochs!r}")
        object.__setattr__(self, "classifier_epochs", tuple(int(e) for e in ep))
        for name in ("classifier_lr", "ratio_eps"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)
                                  or not (math.isfinite(v) and v > 0)):
                raise ValueError(f"`{name}` must be None or a positive finite number; got {v!r}")
        v = self.stored_samples
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1):
            raise ValueError(f"`stored_samples` must be None or a positive integer; got {v!r}")

    @classmethod
    def reference(cls) -> "DigitsPipeline":
        """Every reference choice on (:data:`FACTORS`)."""
        return cls().with_factors(*FACTORS)

    def with_factors(self, *names: str) -> "DigitsPipeline":
        """This pipeline with the reference choices ``names`` (keys of :data:`FACTORS`) on."""
        fields: dict = {}
        for name in names:
            if name not in FACTORS:
                raise ValueError(f"`factor` must be one of {', '.join(FACTORS)}; got {name!r}")
            fields.update(FACTORS[name])
        return dataclasses.replace(self, **fields)

    def gan_config(self, config: GanConfig) -> GanConfig:
        """``config`` with this pipeline's generator."""
        return dataclasses.replace(config, g_batchnorm=self.g_batchnorm, g_output=self.g_output)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["classifier_epochs"] = list(self.classifier_epochs)
        return d


class StoredSamples:
    """A sampler that draws, uniformly with replacement, from ``m`` samples of ``generator``
    stored once (the reference code's ``sample_mixture``). ``generator`` stays reachable.

    Examples
    --------
    >>> import numpy as np
    >>> class Count:
    ...     def sample(self, n, rng=None):
    ...         return np.arange(float(n)).reshape(-1, 1)
    >>> s = StoredSamples(Count(), 3, rng=0)
    >>> sorted(set(s.sample(50, rng=1)[:, 0].tolist()))
    [0.0, 1.0, 2.0]
    """

    def __init__(self, generator, m: int, rng=None):
        self.generator = generator
        self.stored = np.asarray(generator.sample(positive_int("m", m), as_rng(rng)), dtype=np.float64)

    def sample(self, n: int, rng=None) -> np.ndarray:
        idx = as_rng(rng).integers(0, self.stored.shape[0], size=int(n))
        return self.stored[idx]


def reference_weights(d, beta: float, eps: float = REFERENCE_RATIO_EPS):
    r"""R* data weights with the reference code's density ratio ``h_i = (1 − D_i)/(D_i + ε)``.

    ``h`` is the ratio ``(1 − d')/d'`` of ``d' = (D + ε)/(1 + ε)``, so the weights are
    ``fdiv.weights_from_discriminator(d', β)`` (S12): ``w_i = (λ − (1 − β) h_i)_+ / (Nβ)``
    with λ fixing ``Σ w = 1``. Unlike ``h = (1 − D)/D``, a point with ``D = 0`` keeps a
    finite ratio ``1/ε``. Returns ``(w, λ)``, the rule form of ``adagan_steps(weights=...)``.

    Examples
    --------
    >>> w, lam = reference_weights([1.0, 0.5, 0.0], 0.5)   # h = (0, 1 - 4e-8, 1e8)
    >>> [round(v, 6) for v in w.tolist()], round(lam, 6)
    ([0.666667, 0.333333, 0.0], 1.0)
    """
    eps = float(eps)
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"`eps` must be a positive finite number; got {eps!r}")
    d = np.asarray(d, dtype=np.float64)
    if d.ndim != 1 or not np.all(np.isfinite(d)) or np.any((d < 0) | (d > 1)):
        raise ValueError("`d` must be a 1-D array of probabilities in [0, 1]")
    res = fdiv.weights_from_discriminator((d + eps) / (1.0 + eps), beta)
    return np.asarray(res.w), float(res.lam)


def run_figure5(x, config: GanConfig = DIGITS_CONFIG, *, rng=None, classifier_epochs=None,
                beta: float = BETA, pipeline: DigitsPipeline | None = None) -> Figure5:
    """Train ``G_1``, run one AdaGAN step with R* weights (``adagan_steps``, T = 2).

    ``pipeline`` (:class:`DigitsPipeline`, default today's) sets the generator's batch norm
    and output, the mixture discriminator's budget and learning rate, where its fakes come
    from and the density ratio of the weights; ``classifier_epochs``, when given, replaces
    the pipeline's. ``g1`` and ``g2`` of the result are the trained generators (also with
    stored samples).

    Examples
    --------
    >>> import dataclasses, numpy as np
    >>> x = np.random.default_rng(0).random((80, 64))
    >>> cfg = dataclasses.replace(DIGITS_CONFIG, epochs=1, batch_size=16)
    >>> f = run_figure5(x, cfg, rng=0, classifier_epochs=1)
    >>> f.weights.shape, bool(abs(f.weights.sum() - 1) < 1e-9)
    ((80,), True)
    """
    if not (0.0 < float(beta) <= 1.0):
        raise ValueError(f"`beta` must lie in (0, 1]; got {beta!r}")
    pipe = DigitsPipeline() if pipeline is None else pipeline
    if not isinstance(pipe, DigitsPipeline):
        raise ValueError(f"`pipeline` must be a DigitsPipeline; got {type(pipe).__name__}")
    if classifier_epochs is not None:
        pipe = dataclasses.replace(pipe, classifier_epochs=classifier_epochs)
    x = np.asarray(x, dtype=np.float64)
    gan_config = pipe.gan_config(config)

    def trainer(data, w, g):
        gen = train_gan(data, gan_config, weights=w, rng=g)
        return gen if pipe.stored_samples is None else StoredSamples(gen, pipe.stored_samples, g)

    clf_config = config if pipe.classifier_lr is None else dataclasses.replace(config, lr_d=pipe.classifier_lr)
    classifier = heldout_classifier(clf_config, pipe.classifier_epochs)
    if pipe.ratio_eps is None:
        rule = "star"
    else:
        def rule(d, b):
            return reference_weights(d, b, pipe.ratio_eps)
    steps = tuple(adagan_steps(x, T=2, trainer=trainer, beta=lambda t, d: float(beta), weights=rule,
                               classifier=classifier, rng=rng))
    s1, s2 = steps
    g1, g2 = (getattr(s.component, "generator", s.component) for s in steps)
    return Figure5(x=x, g1=g1, g2=g2, weights=np.asarray(s2.weights), d=np.asarray(s2.d),
                   beta=float(s2.beta), lam=float(s2.lam), steps=steps, classifier_epochs=classifier.chosen,
                   classifier_heldout_loss={str(k): v for k, v in classifier.losses.items()})


def _order(fig: Figure5) -> np.ndarray:
    """Indices from lowest to highest weight; ties (e.g. the zero weights) broken by D."""
    return np.lexsort((fig.d, fig.weights))


def figure5_stats(fig: Figure5, *, n_samples: int = 2000, permutations: int = 9999, rng=None) -> tuple[dict, dict]:
    """The statistics of ``stats.json`` and the samples of ``G_1`` and ``G_2^c`` shown in the plot."""
    gen = as_rng(rng)
    x, w = fig.x, fig.weights
    ink_x, width_x = ink(x), stroke_width(x)
    s1 = np.clip(fig.g1.sample(n_samples, gen), 0, 1)
    s2 = np.clip(fig.g2.sample(n_samples, gen), 0, 1)
    order = _order(fig)
    low, high = order[:16], order[-16:]

    def spear(a, b):
        r = spearman_permutation(a, b, permutations=permutations, rng=gen)
        return {"rho": r.rho, "p_value": r.p_value, "permutations": r.permutations}

    stats = {
        "n_digits": int(x.shape[0]),
        "beta": fig.beta,
        "lambda_star": fig.lam,
        "zero_weights": int(np.count_nonzero(w == 0)),
        "n_times_weight_quantiles_5_50_95": [float(v) for v in np.percentile(w * x.shape[0], [5, 50, 95])],
        "classifier_epochs": fig.classifier_epochs,
        "classifier_heldout_loss": fig.classifier_heldout_loss,
        "spearman_ink_weight": spear(ink_x, w),
        "spearman_width_weight": spear(width_x, w),
        "spearman_ink_discriminator": spear(ink_x, fig.d),
        "spearman_slant_weight": spear(slant(x), w),
        "mean_ink": {"data": float(ink_x.mean()), "data_reweighted": float(w @ ink_x),
                     "g1": float(ink(s1).mean()), "g2_component": float(ink(s2).mean()),
                     "lowest16": float(ink_x[low].mean()), "highest16": float(ink_x[high].mean())},
        "mean_stroke_width": {"data": float(width_x.mean()), "data_reweighted": float(w @ width_x),
                              "g1": float(stroke_width(s1).mean()), "g2_component": float(stroke_width(s2).mean()),
                              "lowest16": float(width_x[low].mean()), "highest16": float(width_x[high].mean())},
        "lowest16_indices": [int(i) for i in low],
        "highest16_indices": [int(i) for i in high],
        "n_model_samples": int(n_samples),
        "ink_units": "sum of intensities in [0, 1] (load_digits / 16) over the 64 pixels",
        "stroke_width_estimator": f"2*area/perimeter of the image binarised at {INK_THRESHOLD}",
    }
    ink_ok = stats["spearman_ink_weight"]["rho"] < 0 and stats["spearman_ink_weight"]["p_value"] < 0.05
    stats["observation"] = {
        "weight_decreases_with_ink (rho<0, p<0.05)": bool(ink_ok),
        "g2_component_less_ink_than_g1": bool(stats["mean_ink"]["g2_component"] < stats["mean_ink"]["g1"]),
    }
    return stats, {"g1": s1[:16], "g2": s2[:16], "low": x[low], "high": x[high]}


def plot_figure5(panels: dict, path, *, title: str | None = None, keys=("g1", "g2", "low", "high")):
    """Panels of 4×4 digit grids: the default 2×2 is top G_1 | G_2's component, bottom the
    16 lowest | 16 highest weighted training digits; ``keys=("g1", "low", "high")`` gives
    the slides' row G_1 samples | lowest | highest weighted digits."""
    import matplotlib  # lazy: matplotlib costs ~0.4 s at CLI start-up

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above

    labels = {"g1": "samples of G_1", "g2": "samples of G_2's new component",
              "low": "16 lowest-weighted training digits", "high": "16 highest-weighted training digits"}
    keys = tuple(keys)
    if not keys or any(k not in labels for k in keys):
        raise ValueError(f"`keys` must name panels among {', '.join(labels)}; got {keys!r}")
    if len(keys) == 4:
        fig, axes = plt.subplots(2, 2, figsize=(7.2, 7.6))
    else:
        fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 4.0), squeeze=False)
    for ax, key in zip(axes.ravel(), keys):
        label = labels[key]
        imgs = np.clip(np.asarray(panels[key], np.float64), 0, 1).reshape(-1, 8, 8)[:16]
        grid = np.ones((4 * 9 + 1, 4 * 9 + 1))
        for i, im in enumerate(imgs):
            r, c = divmod(i, 4)
            grid[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c] = 1.0 - im
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figure5_record(x, labels, seed: int, config: GanConfig = DIGITS_CONFIG,
                   pipeline: DigitsPipeline | None = None, *, permutations: int = 9999) -> tuple[dict, dict, Figure5]:
    """One Figure 5 run as the ``digits`` command makes it: the seed is split
    (``numpy.random.SeedSequence(seed).spawn(2)``) into the training and the evaluation
    streams; returns ``(stats, panels, fig)``: :func:`figure5_stats` with
    :func:`class_stats` under ``"classes"`` and a Kruskal–Wallis test of the weights
    across classes under ``"kruskal_class_weight"``, the plot's panels, the run."""
    from scipy.stats import kruskal  # lazy: scipy.stats costs ~0.5 s at CLI start-up

    pipe = DigitsPipeline() if pipeline is None else pipeline
    s_train, s_eval = np.random.SeedSequence(int(seed)).spawn(2)
    fig = run_figure5(x, config, rng=np.random.default_rng(s_train), pipeline=pipe)
    g_eval = np.random.default_rng(s_eval)
    stats, panels = figure5_stats(fig, permutations=permutations, rng=g_eval)
    y = np.asarray(labels)
    stats["classes"] = class_stats(x, y, fig.weights, {"g1": fig.g1.sample(2000, g_eval),
                                                       "g2_component": fig.g2.sample(2000, g_eval)})
    kw = kruskal(*(fig.weights[y == c] for c in np.unique(y)))
    stats["kruskal_class_weight"] = {"statistic": float(kw.statistic), "p_value": float(kw.pvalue)}
    stats["seed"] = int(seed)
    stats["generator_steps_per_gan"] = config.epochs * max(1, x.shape[0] // config.batch_size)
    stats["config"] = pipe.gan_config(config).to_dict()
    stats["pipeline"] = pipe.to_dict()
    return stats, panels, fig


def steps_to_config(steps: int, config: GanConfig = DIGITS_CONFIG, n: int = 1797) -> GanConfig:
    """``config`` with enough epochs for at least ``steps`` generator steps on ``n`` points."""
    per_epoch = max(1, n // config.batch_size)
    return dataclasses.replace(config, epochs=max(1, -(-int(steps) // per_epoch)))
