"""The EMA generator's BatchNorm statistics: copied from the raw generator, or recalibrated.

`ema.recalibrate_batch_norm` must leave each BatchNormalization layer holding the mean of the
batch statistics its own (averaged) weights produce, and `GAN(ema_batch_norm="recalibrate")`
must sample with those, not with the raw generator's. bench/recipes.py measures which is better.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from medgan_course.training.ema import recalibrate_batch_norm  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402
from medgan_course.training.recipes import get_recipe  # noqa: E402

LATENT = 4


def bn_generator():
    """z (N, 4) -> (N, 2, 2, 1) through Dense -> BatchNorm -> ReLU."""
    return keras.Sequential([
        keras.Input((LATENT,)), keras.layers.Dense(8, name="hidden"),
        keras.layers.BatchNormalization(momentum=0.9, name="bn"), keras.layers.ReLU(),
        keras.layers.Dense(4, dtype="float32", name="out"), keras.layers.Reshape((2, 2, 1)),
    ], name="generator")


def tiny_discriminator():
    return keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(8), keras.layers.LeakyReLU(0.2),
                             keras.layers.Dense(1, dtype="float32")])


def test_recalibration_stores_the_mean_of_the_batch_statistics_and_restores_the_layer(tf_seed):
    model = bn_generator()
    model.trainable = False  # as an EMA copy is
    batches = [np.random.default_rng(k).normal(size=(32, LATENT)).astype("float32")
               for k in range(5)]
    dense = model.get_layer("hidden")
    activations = [dense(b).numpy() for b in batches]
    recalibrate_batch_norm(model, lambda k: batches[k], batches=5)
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), np.mean([a.mean(0) for a in activations], 0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               np.mean([a.var(0) for a in activations], 0), rtol=1e-4, atol=1e-6)
    assert (bn.momentum, model.trainable, bn.trainable) == (0.9, False, False)
    assert not model.trainable_weights


def make_gan(mode):
    gan = GAN(bn_generator(), tiny_discriminator(), LATENT, ema_decay=0.5, ema_batch_norm=mode,
              seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def test_recalibrating_gan_samples_with_statistics_of_its_averaged_weights(tf_seed):
    images = np.random.default_rng(0).uniform(-1, 1, (64, 2, 2, 1)).astype("float32")
    gans = {}
    for mode in ("copy", "recalibrate"):
        keras.utils.set_random_seed(7)
        gans[mode] = make_gan(mode)
        gans[mode].fit(images, batch_size=16, epochs=2, verbose=0, shuffle=False)
    copy_bn = gans["copy"].ema_generator.get_layer("bn")
    raw_bn = gans["copy"].generator.get_layer("bn")
    np.testing.assert_array_equal(copy_bn.moving_mean.numpy(), raw_bn.moving_mean.numpy())
    z = np.random.default_rng(1).normal(size=(8, LATENT)).astype("float32")
    copied, recalibrated = gans["copy"].generate(z), gans["recalibrate"].generate(z)
    assert np.abs(copied - recalibrated).max() > 1e-4  # the statistics differ, so do the images
    ema = gans["recalibrate"].ema_generator
    mean = ema.get_layer("bn").moving_mean.numpy()
    assert np.abs(mean - raw_bn.moving_mean.numpy()).max() > 1e-4
    # Sampling again at the same step does not recalibrate again (and changes nothing).
    np.testing.assert_array_equal(gans["recalibrate"].generate(z), recalibrated)
    np.testing.assert_array_equal(gans["recalibrate"].generator.get_layer("bn").moving_mean.numpy(),
                                  gans["copy"].generator.get_layer("bn").moving_mean.numpy())


def test_ema_batch_norm_is_validated_and_saved():
    with pytest.raises(ValueError, match="ema_batch_norm"):
        GAN(bn_generator(), tiny_discriminator(), LATENT, ema_decay=0.5, ema_batch_norm="average")
    with pytest.raises(ValueError, match="ema_batch_norm"):
        get_recipe("dcgan").replace(ema_batch_norm="average")
    assert make_gan("recalibrate").get_config()["ema_batch_norm"] == "recalibrate"


def test_generator_filters_sets_the_generator_width_alone():
    from medgan_course.training.runner import build_gan

    recipe = get_recipe("dcgan").replace(generator_filters=16)
    gan = build_gan(recipe, image_size=28, channels=1)
    assert gan.generator.get_layer("project").units == 7 * 7 * 32  # 2 x 16 filters at 7x7
    assert build_gan(get_recipe("dcgan"), image_size=28, channels=1).generator.get_layer(
        "project").units == 7 * 7 * 64
    with pytest.raises(ValueError, match="generator_filters"):
        get_recipe("dcgan").replace(generator_filters=0)
