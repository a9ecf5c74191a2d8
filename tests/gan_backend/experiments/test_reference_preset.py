"""The reference toy GAN (ToyUnrolledGan of tolstikhin/adagan at a6ec3b7) as a variant and presets."""
import numpy as np
import pytest

from gan_backend.engine.config import GanConfig
from gan_backend.engine.train import GanTrainer
from gan_backend.experiments.presets import PRESETS, REFERENCE_VARIANT, get_preset

# The reference code's settings, read from gan.py (ToyUnrolledGan) and adagan_gmm.py (opts, flags).
REFERENCE = dict(latent_dim=5, g_hidden=(128, 128), d_hidden=(128, 128), activation="tanh", init="normal",
                 init_std=0.8, objective="minimax", unrolled=5, lr_g=1e-3, lr_d=1e-4, beta1=0.5,
                 batch_size=256, epochs=20)


@pytest.mark.parametrize("name", ["reference", "reference-adagan", "reference-vanilla", "reference-t3", "reference-t10"])
def test_reference_presets_train_the_reference_gan_and_classifier(name):
    p = get_preset(name)
    assert name in PRESETS and p.variant_names == (REFERENCE_VARIANT[0],) and p.runs == 10
    assert p.gan_config(REFERENCE_VARIANT[0]) == GanConfig(**REFERENCE)
    assert (p.classifier_epochs, p.classifier_lr) == (10, 8e-4)
    assert p.n_train == 256_000


def test_reference_presets_cover_the_delta_cells():
    single, ada = get_preset("reference"), get_preset("reference-adagan")
    assert set(single.methods) == {"vanilla", "best_of", "ensemble"} and single.modes == (3, 5, 7, 10)
    assert single.T == 10  # the T = 3 and T = 10 rows of Best of T and Ensemble
    assert set(ada.methods) == {"boosted", "topklast"} and ada.modes == (7, 10) and ada.T == 3


def test_the_reference_step_runs_on_the_fused_kernels():
    x = np.random.default_rng(0).normal(size=(512, 2))
    assert GanTrainer(x, get_preset("reference").gan_config("reference_toy"), rng=0).fused is True


def test_run_configs_keep_their_keys_without_g_output():
    """Runs stored before GanConfig.g_output existed keep matching: the presets' and the modes
    settings' run configs leave the field out at its default (GanConfig.identity)."""
    from gan_backend.experiments.mode_collapse import get_setting as _modes_setting
    from gan_backend.experiments.presets import PRESETS, get_preset

    for name in PRESETS:
        p = get_preset(name)
        assert "g_output" not in p.run_config(p.methods[0], p.modes[0], p.variant_names[0])["gan"]
    s = _modes_setting("small")
    assert "g_output" not in s.run_config("vanilla", 8)["gan"]


def test_reference_protocol_preset_pairs_the_engine_step_with_the_reference_protocol():
    """reference-protocol: Vanilla (one GAN per run) with the reference GAN trained two ways on
    the same data draws; the second adds exactly the reference code's protocol (gan.py at
    a6ec3b7: `_train_internal` feeds one batch to the D, unrolling and G steps; the roll-back
    assigns D_cp's variables, not its optimiser's slots)."""
    from gan_backend.experiments.presets import REFERENCE_PROTOCOL_VARIANT

    p = get_preset("reference-protocol")
    assert p.methods == ("vanilla",) and p.T == 1 and p.modes == (3, 5, 7, 10) and p.runs == 10
    assert p.variant_names == ("reference_toy", "reference_protocol")
    assert p.gan_config("reference_protocol") == GanConfig(**REFERENCE, shared_batch=True,
                                                           lookahead_adam="persistent")
    assert REFERENCE_PROTOCOL_VARIANT[0] == "reference_protocol"
    # paired: the two variants' runs draw the same data, and differ in their GAN settings only
    from gan_backend.experiments.runs import Group

    a, b = Group(p.name, 5, 2, "reference_toy"), Group(p.name, 5, 2, "reference_protocol")
    assert a.data_seed == b.data_seed and a.gan_seed != b.gan_seed
    ca, cb = p.run_config("vanilla", 5, "reference_toy"), p.run_config("vanilla", 5, "reference_protocol")
    assert {k for k in ca if ca[k] != cb[k]} == {"variant", "gan"}
    assert GanTrainer(np.random.default_rng(0).normal(size=(512, 2)), p.gan_config("reference_protocol"),
                      rng=0).fused is True


def test_reference_vanilla_preset_is_the_vanilla_cells_alone():
    """reference-vanilla: the reference preset's Vanilla cells (one GAN per run) at its 10 runs."""
    p, ref = get_preset("reference-vanilla"), get_preset("reference")
    assert p.methods == ("vanilla",) and p.T == 1 and p.modes == ref.modes and p.runs == ref.runs == 10
    assert p.gan_config(REFERENCE_VARIANT[0]) == ref.gan_config(REFERENCE_VARIANT[0])
    assert p.run_config("vanilla", 7, REFERENCE_VARIANT[0])["gan"] == ref.run_config("vanilla", 7, REFERENCE_VARIANT[0])["gan"]


def test_reference_t3_preset_is_the_reference_preset_at_three_gans_per_run():
    """reference-t3: the reference preset's methods and cells with T = 3 (its Best of T and
    Ensemble T = 3 rows, and Vanilla), the same GAN and classifier, 10 runs per cell."""
    p, ref = get_preset("reference-t3"), get_preset("reference")
    assert p.T == 3 and ref.T == 10
    assert (p.methods, p.modes, p.runs, p.variant_names) == (ref.methods, ref.modes, ref.runs, ref.variant_names)
    assert p.run_config("ensemble", 5, REFERENCE_VARIANT[0])["gan"] == ref.run_config("ensemble", 5, REFERENCE_VARIANT[0])["gan"]


def test_reference_t10_preset_is_the_reference_presets_t10_delta_cells():
    """reference-t10: Best of T and Ensemble at T = 10 on K = 7, 10 (the reference preset's T = 10
    Δ cells), the same GAN and classifier, 10 runs per cell."""
    p, ref = get_preset("reference-t10"), get_preset("reference")
    assert p.T == ref.T == 10 and p.modes == (7, 10) and p.methods == ("best_of", "ensemble")
    assert (p.runs, p.variant_names) == (ref.runs, ref.variant_names)
    assert p.run_config("best_of", 10, REFERENCE_VARIANT[0]) == ref.run_config("best_of", 10, REFERENCE_VARIANT[0])
