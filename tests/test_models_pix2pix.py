"""Tests of medgan_course.models.pix2pix (U-Net, PatchGAN) and training.pix2pix (Pix2Pix)."""

import numpy as np
import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")

import keras

from medgan_course.models import pix2pix
from medgan_course.training.pix2pix import Pix2Pix


def _images(n, size=28, channels=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, channels)).astype("float32")


# ------------------------------------------------------------------------------ the networks
@pytest.mark.parametrize("size, channels, depth", [(28, 1, 2), (64, 3, 3)])
def test_unet_maps_images_to_images_of_the_same_shape_in_range(size, channels, depth):
    unet = pix2pix.build_unet(size, channels, base_filters=8, depth=depth)
    out = unet(_images(2, size, channels) * 50).numpy()  # huge inputs: tanh still bounds it
    assert out.shape == (2, size, size, channels) and out.dtype == np.float32
    assert np.abs(out).max() <= 1.0


def test_unet_has_a_skip_connection_at_every_level():
    unet = pix2pix.build_unet(28, 1, base_filters=8, depth=2)
    skips = [layer for layer in unet.layers if layer.name.startswith("skip")]
    assert len(skips) == 2
    # The full-resolution skip carries 28x28 features into the last decoder block.
    assert tuple(unet.get_layer("skip0").output.shape[1:3]) == (28, 28)


def test_unet_is_local_a_pixel_changes_its_neighbourhood_only():
    # Convolutions only: a one-pixel change in a corner reaches that corner, not the far one.
    unet = pix2pix.build_unet(28, 1, base_filters=8)
    x = _images(1)
    y = x.copy()
    y[0, 27, 27, 0] += 0.5
    diff = np.abs(unet(y).numpy() - unet(x).numpy())[0, ..., 0]
    assert diff[27, 27] > 0 and diff[0, 0] == 0


@pytest.mark.parametrize("kwargs", [dict(image_size=30), dict(image_size=28, depth=3),
                                    dict(base_filters=0), dict(channels=1.5)])
def test_unet_rejects_impossible_sizes(kwargs):
    with pytest.raises(ValueError):
        pix2pix.build_unet(**kwargs)


def test_patch_discriminator_returns_one_logit_per_patch():
    disc = pix2pix.build_patch_discriminator(28, 1, base_filters=8)
    logits = disc([_images(3), _images(3, seed=1)]).numpy()
    assert logits.shape == (3, 7, 7, 1)


def test_patch_discriminator_receptive_field_matches_patch_size():
    # Changing one input pixel changes only the logits whose patch contains it.
    disc = pix2pix.build_patch_discriminator(28, 1, base_filters=8)
    cond, cand = _images(1), _images(1, seed=1)
    moved = cand.copy()
    moved[0, 0, 0, 0] += 1.0
    changed = np.abs(disc([cond, moved]).numpy() - disc([cond, cand]).numpy())[0, ..., 0] > 0
    # Pixel (0, 0) lies in the 14 px patches of logits (0..1, 0..1) only.
    assert changed[0, 0] and not changed[2:, :].any() and not changed[:, 2:].any()
    assert pix2pix.PATCH_SIZE == 14


def test_patch_discriminator_sees_the_condition():
    disc = pix2pix.build_patch_discriminator(28, 1, base_filters=8)
    cand = _images(1)
    a = disc([_images(1, seed=2), cand]).numpy()
    b = disc([_images(1, seed=3), cand]).numpy()
    assert not np.allclose(a, b)


# ------------------------------------------------------------------------------- Pix2Pix
def _pairs(n=64, seed=0):
    clean = np.tanh(_images(n, seed=seed) * 2)
    noisy = np.clip(clean + 0.3 * np.random.default_rng(seed + 9).standard_normal(clean.shape),
                    -1, 1).astype("float32")
    return noisy, clean


def _model(adversarial):
    keras.utils.set_random_seed(0)
    gen = pix2pix.build_unet(28, 1, base_filters=8)
    disc = pix2pix.build_patch_discriminator(28, 1, base_filters=8) if adversarial else None
    model = Pix2Pix(gen, disc)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3),
                  d_optimizer=keras.optimizers.Adam(1e-3) if adversarial else None)
    return model


def test_compile_builds_both_optimizers_eagerly():
    model = _model(adversarial=True)
    assert model.g_optimizer.built and model.d_optimizer.built
    assert len(model.d_optimizer.variables) > 1


@pytest.mark.parametrize("adversarial", [False, True])
def test_training_lowers_the_l1_error(adversarial):
    model = _model(adversarial)
    noisy, clean = _pairs()
    before = float(np.abs(model.restore(noisy) - clean).mean())
    history = model.fit(noisy, clean, batch_size=16, epochs=8, verbose=0).history
    after = float(np.abs(model.restore(noisy) - clean).mean())
    assert after < 0.8 * before
    expected = {"g_loss", "l1"} | ({"d_loss", "g_adv"} if adversarial else set())
    assert set(history) == expected


def test_l1_only_model_changes_only_the_generator_and_gan_changes_both():
    model = _model(adversarial=True)
    noisy, clean = _pairs(32)
    d_before = [w.numpy().copy() for w in model.discriminator.trainable_variables]
    model.fit(noisy, clean, batch_size=16, epochs=1, verbose=0)
    assert any(not np.allclose(a, w.numpy()) for a, w in
               zip(d_before, model.discriminator.trainable_variables))
    assert _model(adversarial=False).discriminator is None


def test_same_seed_same_start_for_both_arms():
    # The L1-only and the GAN arm must start from identical generator weights.
    a, b = _model(False), _model(True)
    for wa, wb in zip(a.generator.weights, b.generator.weights):
        np.testing.assert_array_equal(wa.numpy(), wb.numpy())


def test_compile_refuses_a_missing_or_superfluous_d_optimizer():
    gen = pix2pix.build_unet(28, 1, base_filters=8)
    with pytest.raises(ValueError, match="d_optimizer"):
        Pix2Pix(gen).compile(g_optimizer=keras.optimizers.Adam(),
                             d_optimizer=keras.optimizers.Adam())
    disc = pix2pix.build_patch_discriminator(28, 1, base_filters=8)
    with pytest.raises(ValueError, match="d_optimizer"):
        Pix2Pix(gen, disc).compile(g_optimizer=keras.optimizers.Adam())
    opt = keras.optimizers.Adam()
    with pytest.raises(TypeError, match="two separate instances"):
        Pix2Pix(gen, disc).compile(g_optimizer=opt, d_optimizer=opt)
    with pytest.raises(ValueError, match="l1_weight"):
        Pix2Pix(gen, l1_weight=0)


def test_fit_needs_pairs():
    model = _model(False)
    with pytest.raises(ValueError, match="pairs"):
        model.fit(_pairs(16)[0], batch_size=16, epochs=1, verbose=0)


def test_save_and_load_round_trip(tmp_path):
    model = _model(adversarial=True)
    noisy, _ = _pairs(4)
    path = tmp_path / "p2p.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.restore(noisy), model.restore(noisy), atol=1e-6)
    assert loaded.adversarial and loaded.l1_weight == model.l1_weight


def test_save_and_load_keeps_the_optimizer_state(tmp_path):
    model = _model(adversarial=True)
    noisy, clean = _pairs(32)
    model.fit(noisy, clean, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "p2p.keras")
    loaded = keras.saving.load_model(tmp_path / "p2p.keras")
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    for a, b in zip(model.d_optimizer.variables, loaded.d_optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy())
    l1_only = _model(adversarial=False)
    l1_only.save(tmp_path / "l1.keras")
    assert keras.saving.load_model(tmp_path / "l1.keras").d_optimizer is None
