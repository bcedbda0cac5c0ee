"""Saliency, Grad-CAM, discriminator saliency and the randomisation sanity check."""

import numpy as np
import pytest

pytest.importorskip("keras")

import keras

from medgan_course.evaluation import saliency


class _QuadrantMask(keras.layers.Layer):
    """Multiplies the image by a fixed mask that keeps rows [r0, r1) and columns [c0, c1)."""

    def __init__(self, box, **kwargs):
        super().__init__(**kwargs)
        self.box = tuple(box)

    def call(self, x):
        r0, r1, c0, c1 = self.box
        mask = np.zeros((1, *x.shape[1:3], 1), np.float32)
        mask[:, r0:r1, c0:c1] = 1.0
        return x * mask


def _quadrant_model(box=(0, 8, 8, 16), size=16, classes=2):
    """A CNN whose output depends only on the pixels inside `box` (top-right quadrant)."""
    x = inputs = keras.Input((size, size, 1))
    x = _QuadrantMask(box)(x)
    x = keras.layers.Conv2D(6, 3, padding="same", use_bias=False, name="conv")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(classes)(x))


def _images(n=4, size=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 1)).astype(np.float32)


def test_saliency_of_a_linear_model_is_its_weights(tf_seed):
    model = keras.Sequential([keras.Input((5, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    w = model.layers[-1].kernel.numpy().reshape(5, 4, 1)
    images = _images(3, 5)[:, :, :4]
    signed = saliency.gradient_saliency(model, images, signed=True)
    np.testing.assert_allclose(signed, np.broadcast_to(w, signed.shape), atol=1e-6)
    expected = np.abs(w[..., 0])[None].repeat(3, 0)
    np.testing.assert_allclose(saliency.gradient_saliency(model, images), expected, atol=1e-6)


def test_two_class_linear_model_saliency_is_the_weight_difference(tf_seed):
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    kernel = model.layers[-1].kernel.numpy()
    signed = saliency.gradient_saliency(model, _images(2, 4), class_index=1, signed=True)
    np.testing.assert_allclose(signed[0, ..., 0], (kernel[:, 1] - kernel[:, 0]).reshape(4, 4), atol=1e-5)


def test_class_log_odds_matches_softmax():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]], np.float32)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    got = saliency.class_log_odds(logits, 2).numpy()
    np.testing.assert_allclose(got, np.log(p[:, 2] / (1 - p[:, 2])), rtol=1e-5)
    with pytest.raises(ValueError, match="class_index"):
        saliency.class_log_odds(logits, 3)


def test_grad_cam_puts_its_mass_in_the_only_quadrant_the_model_reads(tf_seed):
    model = _quadrant_model()
    cams = saliency.grad_cam(model, _images(6), class_index=0)
    assert cams.shape == (6, 16, 16) and cams.dtype == np.float32
    assert cams.min() >= 0 and np.isclose(cams.max(axis=(1, 2)), 1).all()
    top_right = saliency.mass_in_box(cams, 0, 8, 8, 16)
    bottom_left = saliency.mass_in_box(cams, 9, 0, 16, 7)  # beyond the one-pixel spread
    # The 3x3 convolution spreads the quadrant's content by one pixel over its edge, no more.
    with_edge = saliency.mass_in_box(cams, 0, 7, 9, 16)
    assert (with_edge > 0.999).all(), with_edge
    assert (top_right > 0.7).all(), top_right
    assert (bottom_left == 0).all(), bottom_left


def test_gradient_saliency_is_zero_outside_the_quadrant(tf_seed):
    maps = saliency.gradient_saliency(_quadrant_model(), _images(3))
    assert maps.shape == (3, 16, 16)
    assert maps[:, 8:, :].max() == 0 and maps[:, :, :8].max() == 0
    assert maps[:, :8, 8:].max() > 0


def test_find_last_conv_layer_and_clear_errors(tf_seed):
    model = _quadrant_model()
    assert saliency.find_last_conv_layer(model).name == "conv"
    dense = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no Conv2D"):
        saliency.grad_cam(dense, _images(1, 4))
    with pytest.raises(TypeError, match="keras.Model"):
        saliency.find_last_conv_layer(object())
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        saliency.gradient_saliency(model, np.zeros((16, 16, 1), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        saliency.grad_cam(model, np.full((1, 16, 16, 1), np.nan, np.float32))


def test_grad_cam_works_on_the_course_classifier(tf_seed):
    from medgan_course.models.classifier import build_classifier

    model = build_classifier((28, 28, 1), 2, width=4)
    cams = saliency.grad_cam(model, _images(2, 28), class_index=0)
    assert cams.shape == (2, 28, 28) and np.isfinite(cams).all()


def test_discriminator_saliency_plain_and_conditional(tf_seed):
    x = inputs = keras.Input((8, 8, 1))
    plain = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    w = plain.layers[-1].kernel.numpy().reshape(8, 8)
    np.testing.assert_allclose(saliency.discriminator_saliency(plain, _images(2, 8))[1], np.abs(w),
                               atol=1e-6)
    images_in, labels_in = keras.Input((8, 8, 1)), keras.Input((), dtype="int32")
    scale = keras.layers.Embedding(2, 1, name="scale")(labels_in)  # (N, 1): a per-class factor
    logit = keras.layers.Dense(1)(keras.layers.Flatten()(images_in)) * scale
    conditional = keras.Model([images_in, labels_in], logit)
    maps = saliency.discriminator_saliency(conditional, _images(4, 8), labels=[0, 1, 0, 1])
    factors = np.abs(conditional.get_layer("scale").embeddings.numpy()[:, 0])
    # The gradient is the dense kernel times the class's factor: the label must reach the model.
    np.testing.assert_allclose(maps[0] / maps[1], factors[0] / factors[1], rtol=1e-4)
    with pytest.raises(ValueError, match="one label per image"):
        saliency.discriminator_saliency(conditional, _images(4, 8), labels=[0, 1])


def test_randomised_copy_has_new_weights_and_changes_the_maps(tf_seed):
    from medgan_course.models.classifier import build_classifier

    model = build_classifier((16, 16, 1), 2, width=4)
    copy = saliency.randomised_copy(model, seed=3)
    assert [w.shape for w in copy.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(copy.get_weights()[0], model.get_weights()[0])
    images = _images(4)
    same = saliency.spearman_per_image(saliency.gradient_saliency(model, images),
                                       saliency.gradient_saliency(model, images))
    np.testing.assert_allclose(same, 1.0)
    other = saliency.spearman_per_image(saliency.gradient_saliency(model, images),
                                        saliency.gradient_saliency(copy, images))
    assert np.nanmean(other) < 0.9, other


def test_spearman_per_image():
    a = np.arange(12, dtype=float).reshape(1, 3, 4)
    np.testing.assert_allclose(saliency.spearman_per_image(a, a ** 3), [1.0])  # monotone: 1
    np.testing.assert_allclose(saliency.spearman_per_image(a, -a), [-1.0])
    flat = saliency.spearman_per_image(a, np.zeros_like(a))
    assert np.isnan(flat).all()
    with pytest.raises(ValueError, match="one shape"):
        saliency.spearman_per_image(a, a[:, :2])


def test_mass_in_box_and_centre_mass():
    maps = np.zeros((2, 8, 8))
    maps[0, 3:5, 3:5] = 1.0  # all in the centre
    maps[1] = 1.0            # uniform
    np.testing.assert_allclose(saliency.centre_mass(maps), [1.0, 0.25])
    np.testing.assert_allclose(saliency.mass_in_box(maps, 0, 0, 8, 4), [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        saliency.mass_in_box(-maps, 0, 0, 4, 4)
    with pytest.raises(ValueError, match="not inside"):
        saliency.mass_in_box(maps, 0, 0, 9, 4)
    assert np.isnan(saliency.centre_mass(np.zeros((1, 4, 4)))).all()
