"""Tests of medgan_course.models: the article's models, the course DCGAN, the classifier."""

import warnings

import numpy as np
import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")

import keras
import tensorflow as tf

from medgan_course import models
from medgan_course.models import classifier, dcgan, seed


def _article_generator():
    """The article's generator_model(), copied literally (section 4 of article_zh.md)."""
    layers = tf.keras.layers
    model = tf.keras.Sequential()
    model.add(layers.Dense(7*7*256, use_bias=False, input_shape=(100,)))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Reshape((7, 7, 256)))
    model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding='same', use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding='same', use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding='same', use_bias=False, activation='tanh'))  # noqa: E501  the article's line, verbatim
    return model


def _article_discriminator():
    """The article's discriminator_model(), copied literally."""
    layers = tf.keras.layers
    model = tf.keras.Sequential()
    model.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding='same', input_shape=[28, 28, 1]))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding='same'))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Flatten())
    model.add(layers.Dense(1))
    return model


def _rng_inputs(n, shape, seed_=0):
    return np.random.default_rng(seed_).standard_normal((n, *shape)).astype("float32")


@pytest.fixture
def mixed_bfloat16():
    """Sets the global mixed_bfloat16 policy for one test and restores the previous one."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    yield
    keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize("ours, article, expected", [
    (seed.seed_generator, _article_generator, 2_330_944),
    (seed.seed_discriminator, _article_discriminator, 212_865),
])
def test_seed_models_are_the_article_models(ours, article, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3 warns about the article's input_shape=
        reference = article()
    model = ours()
    assert model.count_params() == reference.count_params() == expected
    assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]
    # Same layers in the same order: with the article's weights, the same function.
    model.set_weights(reference.get_weights())
    x = _rng_inputs(3, reference.input_shape[1:])
    np.testing.assert_allclose(model(x, training=False), reference(x, training=False), atol=1e-6)


def test_seed_models_use_the_article_activations():
    generator, discriminator = seed.seed_generator(), seed.seed_discriminator()
    slopes = [layer.negative_slope for m in (generator, discriminator) for layer in m.layers
              if isinstance(layer, keras.layers.LeakyReLU)]
    assert slopes == [0.3] * 5  # Keras' default, which the article relies on
    assert generator.layers[-1].get_config()["activation"] == "tanh"
    assert discriminator.layers[-1].get_config()["activation"] == "linear"  # logits
    images = generator(_rng_inputs(4, (100,)), training=False)
    assert images.shape == (4, 28, 28, 1) and images.dtype == tf.float32
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0
    assert discriminator(images).shape == (4, 1)


@pytest.mark.parametrize("build", [
    lambda: seed.seed_generator(image_size=64),
    lambda: seed.seed_discriminator((64, 64, 1)),
    lambda: models.build_models("seed-dcgan", image_size=64),
    lambda: models.build_models("seed-dcgan", num_classes=2),
])
def test_seed_models_refuse_what_the_article_cannot_make(build):
    with pytest.raises(ValueError, match="28|unconditional"):
        build()


@pytest.mark.parametrize("image_size", [28, 64])
def test_dcgan_shapes_dtypes_and_range(image_size):
    generator, discriminator = models.build_models(
        "dcgan", latent_dim=16, image_size=image_size, channels=3)
    z = _rng_inputs(5, (16,))
    images = generator(z, training=True)
    assert images.shape == (5, image_size, image_size, 3) and images.dtype == tf.float32
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
    logits = discriminator(images, training=True)
    assert logits.shape == (5, 1) and logits.dtype == tf.float32


def test_dcgan_is_lighter_than_the_article_and_avoids_checkerboards():
    generator, _ = models.build_models("dcgan", image_size=28)
    assert generator.count_params() < seed.seed_generator().count_params() / 2
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            assert layer.kernel_size == (4, 4) and layer.strides == (2, 2)


def test_conditional_generator_and_projection_discriminator_use_the_labels():
    generator, discriminator = models.build_models(
        "dcgan", latent_dim=8, num_classes=3, base_filters=8, spectral_norm=False)
    z = np.repeat(_rng_inputs(1, (8,)), 3, axis=0)
    labels = np.array([0, 1, 2], dtype="int32")
    images = generator([z, labels], training=False)
    assert images.shape == (3, 28, 28, 1)
    assert float(tf.reduce_max(tf.abs(images[0] - images[1]))) > 0  # same z, other class
    same = np.repeat(images[:1], 3, axis=0)
    logits = discriminator([same, labels], training=False)
    assert logits.shape == (3, 1) and logits.dtype == tf.float32
    assert len(set(np.round(np.asarray(logits).ravel(), 6))) == 3  # same image, other class


def test_projection_head_is_linear_plus_inner_product():
    discriminator = dcgan.build_discriminator(num_classes=2, base_filters=4)
    images, labels = _rng_inputs(2, (28, 28, 1)), np.array([0, 1], dtype="int32")
    features = keras.Model(discriminator.inputs[0],
                           discriminator.get_layer("features").output)(images)
    linear = discriminator.get_layer("sn_linear").layer
    embedding = discriminator.get_layer("sn_class_embedding").layer.kernel  # (classes, F)
    expected = (features @ linear.kernel + linear.bias
                + tf.reduce_sum(tf.gather(embedding, labels) * features, axis=1, keepdims=True))
    np.testing.assert_allclose(discriminator([images, labels]), expected, rtol=1e-4, atol=1e-5)


def test_spectral_norm_wraps_every_weight_and_normalises_it():
    keras.utils.set_random_seed(0)   # unseeded, 20 iterations left sigma 1.058 once in CI
    discriminator = dcgan.build_discriminator(num_classes=2, base_filters=8)
    wrapped = [layer for layer in discriminator.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 4  # two convolutions, the linear head, the class embedding
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in discriminator.layers)
    images, labels = _rng_inputs(2, (28, 28, 1)), np.array([0, 1], dtype="int32")
    # One power iteration per training call; the (2, F) class embedding's two singular values
    # can be close, so convergence needs more than 20 (8 seeds: within 3e-4 of 1 after 100).
    for _ in range(100):
        discriminator([images, labels], training=True)
    for layer in wrapped:
        kernel = np.asarray(layer.layer.kernel)
        sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.01), layer.name


def test_without_spectral_norm_the_discriminator_uses_batchnorm():
    discriminator = dcgan.build_discriminator(image_size=64, spectral_norm=False, base_filters=8)
    types = [type(layer) for layer in discriminator.layers]
    assert keras.layers.SpectralNormalization not in types
    assert types.count(keras.layers.BatchNormalization) == 2  # not after the first conv


def test_mixed_precision_keeps_images_and_logits_float32(mixed_bfloat16):
    generator, discriminator = models.build_models(
        "dcgan", latent_dim=8, num_classes=2, base_filters=8)
    labels = tf.constant([0, 1], dtype=tf.int32)  # Keras refuses lists mixing numpy and tensors
    images = generator([tf.constant(_rng_inputs(2, (8,))), labels])
    assert images.dtype == tf.float32
    assert discriminator([images, labels]).dtype == tf.float32
    assert discriminator.get_layer("sn_conv1").compute_dtype == "bfloat16"  # the rest is mixed
    seed_g, seed_d = models.build_models("seed-dcgan")
    assert seed_d(seed_g(_rng_inputs(2, (100,)))).dtype == tf.float32
    semi = dcgan.build_semi_supervised_discriminator(base_filters=8)
    assert semi(images).dtype == tf.float32
    clf = classifier.build_classifier(width=4)
    assert clf(images).dtype == tf.float32
    assert classifier.feature_model(clf)(images).dtype == tf.float32


def test_save_and_load_round_trip_in_safe_mode(tmp_path):
    generator, discriminator = models.build_models(
        "dcgan", latent_dim=8, num_classes=2, base_filters=8)
    z, labels = tf.constant(_rng_inputs(2, (8,))), tf.constant([1, 0], dtype=tf.int32)
    discriminator([generator([z, labels]), labels], training=True)  # spectral-norm update
    for model, inputs in ((generator, [z, labels]),
                          (discriminator, [generator([z, labels]), labels])):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)  # safe_mode=True by default
        np.testing.assert_array_equal(loaded(inputs, training=False),
                                      model(inputs, training=False))


@pytest.mark.parametrize("build, message", [
    (lambda: dcgan.build_generator(image_size=32), "28, 64"),
    (lambda: dcgan.build_discriminator(image_size=56), "28, 64"),
    (lambda: dcgan.build_generator(num_classes=1), "num_classes"),
    (lambda: dcgan.build_discriminator(num_classes=2.0), "num_classes"),
    (lambda: dcgan.build_generator(latent_dim=0), "latent_dim"),
    (lambda: dcgan.build_discriminator(dropout=1.0), "dropout"),
    (lambda: dcgan.build_semi_supervised_discriminator(num_classes=None), "num_classes"),
    (lambda: models.build_models("stylegan"), "seed-dcgan"),
])
def test_bad_arguments_raise_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_semi_supervised_discriminator_and_real_fake_logit():
    model = dcgan.build_semi_supervised_discriminator(num_classes=3, base_filters=4)
    class_logits = model(_rng_inputs(4, (28, 28, 1)), training=False)
    assert class_logits.shape == (4, 3) and class_logits.dtype == tf.float32
    assert model.get_layer("features").output.shape[-1] == 7 * 7 * 8
    logits = np.array([[0.0, 0.0], [2.0, -1.0], [-30.0, -30.0]], dtype="float32")
    real = np.asarray(dcgan.real_fake_logits(tf.constant(logits, tf.bfloat16)))
    assert real.shape == (3, 1) and real.dtype == np.float32
    z = np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(1 / (1 + np.exp(-real)), z / (z + 1), rtol=1e-2)  # D = Z/(Z+1)
    assert real[0, 0] == pytest.approx(np.log(2.0))


def test_classifier_and_feature_model():
    clf = classifier.build_classifier(image_shape=(28, 28, 1), num_classes=3, width=8)
    images = _rng_inputs(4, (28, 28, 1))
    logits = clf(images, training=False)
    assert logits.shape == (4, 3) and logits.dtype == tf.float32
    features = classifier.feature_model(clf)
    out = np.asarray(features(images, training=False))
    assert out.shape == (4, 128) and (out >= 0).all()
    # Shares the classifier's weights: the logits are a linear map of these features.
    head = clf.get_layer("logits")
    np.testing.assert_allclose(out @ np.asarray(head.kernel) + np.asarray(head.bias),
                               logits, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("build, error", [
    (lambda: classifier.build_classifier(image_shape=(4, 4, 1)), ValueError),
    (lambda: classifier.build_classifier(image_shape=(28, 28)), ValueError),
    (lambda: classifier.build_classifier(num_classes=1), ValueError),
    (lambda: classifier.feature_model(seed.seed_generator()), ValueError),
    (lambda: classifier.feature_model("classifier"), TypeError),
])
def test_classifier_bad_arguments(build, error):
    with pytest.raises(error):
        build()
