"""Tests of medgan_course.training.losses: values on known logits, signs, gradients, WGAN-GP."""

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("keras")

import keras
import tensorflow as tf

from medgan_course.training import losses
from medgan_course.training.losses import (
    LOSS_NAMES,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)

LOG2 = math.log(2.0)
REAL = [[2.0], [-1.0]]
FAKE = [[0.5], [-3.0]]


def _grad_wrt_logits(fn, logits):
    """d fn(logits) / d logits, as a numpy array the shape of ``logits``."""
    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        value = fn(logits)
    return tape.gradient(value, logits).numpy()


def test_bce_losses_at_zero_logits_are_log_2():
    zeros = tf.zeros((4, 1))
    for loss in ("minimax", "non_saturating"):
        assert float(discriminator_loss(loss, zeros, zeros)) == pytest.approx(2 * LOG2)
    assert float(generator_loss("non_saturating", zeros)) == pytest.approx(LOG2)
    assert float(generator_loss("minimax", zeros)) == pytest.approx(-LOG2)  # E log(1 - 1/2)


@pytest.mark.parametrize("loss, d_expected, g_expected", [
    # LSGAN: 0.5*mean((2-1)^2, (-1-1)^2) + 0.5*mean(0.5^2, 3^2); G: 0.5*mean(0.5^2, 4^2).
    ("least_squares", 0.5 * 2.5 + 0.5 * 4.625, 0.5 * 8.125),
    # WGAN: mean(fake) - mean(real) = -1.25 - 0.5; G: -mean(fake).
    ("wasserstein", -1.75, 1.25),
    # Hinge: mean(relu(1-2), relu(1+1)) + mean(relu(1.5), relu(-2)) = 1 + 0.75.
    ("hinge", 1.75, 1.25),
    # BCE by hand: softplus(-real) for real, softplus(fake) for fake.
    ("minimax", np.mean(np.log1p(np.exp([-2.0, 1.0]))) + np.mean(np.log1p(np.exp([0.5, -3.0]))),
     -np.mean(np.log1p(np.exp([0.5, -3.0])))),
    ("non_saturating", None, np.mean(np.log1p(np.exp([-0.5, 3.0])))),
])
def test_losses_on_known_logits(loss, d_expected, g_expected):
    if d_expected is not None:
        assert float(discriminator_loss(loss, REAL, FAKE)) == pytest.approx(d_expected, rel=1e-6)
    assert float(generator_loss(loss, FAKE)) == pytest.approx(g_expected, rel=1e-6)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_generator_loss_decreases_as_fakes_look_more_real(loss):
    # The article minimised D(G(z)) itself: this test fails for that inverted sign.
    logits = np.linspace(-5.0, 0.5, 12, dtype="float32")[:, None]  # LSGAN's target is 1
    grads = _grad_wrt_logits(lambda logit: generator_loss(loss, logit), logits)
    assert (grads < 0).all()


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_discriminator_loss_rewards_separating_real_from_fake(loss):
    # Where D is still unsure (|logit| < 1; LSGAN pulls fakes to 0, not to -inf).
    real = np.linspace(-0.5, 0.5, 6, dtype="float32")[:, None]
    fake = np.linspace(0.1, 0.5, 6, dtype="float32")[:, None]
    d_real = _grad_wrt_logits(lambda r: discriminator_loss(loss, r, fake), real)
    d_fake = _grad_wrt_logits(lambda f: discriminator_loss(loss, real, f), fake)
    assert (d_real < 0).all() and (d_fake > 0).all()


def test_minimax_generator_saturates_and_non_saturating_does_not():
    very_fake = [[-20.0]]  # D confidently rejects the sample: D(G(z)) = sigmoid(-20) ~ 2e-9
    minimax, non_saturating = (
        _grad_wrt_logits(lambda logit, name=name: generator_loss(name, logit), very_fake)
        for name in ("minimax", "non_saturating"))
    assert abs(minimax[0, 0]) < 1e-8
    assert non_saturating[0, 0] == pytest.approx(-1.0, abs=1e-6)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_extreme_logits_give_finite_losses(loss):
    extreme = [[100.0], [-100.0]]
    assert np.isfinite(float(discriminator_loss(loss, extreme, extreme)))
    assert np.isfinite(float(generator_loss(loss, extreme)))
    assert np.isfinite(_grad_wrt_logits(lambda logit: generator_loss(loss, logit), extreme)).all()


def test_label_smoothing_is_one_sided():
    real, fake = [[10.0]], [[-10.0], [3.0]]
    plain = float(discriminator_loss("non_saturating", real, fake))
    smooth = float(discriminator_loss("non_saturating", real, fake, label_smoothing=0.1))
    # Only the real term changes: BCE(0.9, 10) - BCE(1, 10) = 0.1 * 10.
    assert smooth - plain == pytest.approx(1.0, rel=1e-4)
    # The real term is minimised where sigmoid(logit) = 0.9, no longer at +inf.
    optimum = [[math.log(0.9 / 0.1)]]
    grad = _grad_wrt_logits(
        lambda r: discriminator_loss("minimax", r, fake, label_smoothing=0.1), optimum)
    assert grad[0, 0] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kwargs", [
    {"loss": "hinge", "label_smoothing": 0.1},
    {"loss": "minimax", "label_smoothing": 1.0},
    {"loss": "minimax", "label_smoothing": -0.1},
    {"loss": "wgan", "label_smoothing": 0.0},
])
def test_bad_loss_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        discriminator_loss(kwargs["loss"], REAL, FAKE, label_smoothing=kwargs["label_smoothing"])


def test_validate_loss_name_lists_the_valid_names():
    assert losses.validate_loss_name("hinge") == "hinge"
    with pytest.raises(ValueError, match="non_saturating.*hinge"):
        losses.validate_loss_name("non-saturating")
    with pytest.raises(ValueError):
        generator_loss(None, FAKE)


@pytest.mark.parametrize("dtype", [tf.bfloat16, tf.float16])
@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_low_precision_logits_give_float32_losses(loss, dtype):
    real, fake = tf.constant(REAL, dtype), tf.constant(FAKE, dtype)
    d_loss, g_loss = discriminator_loss(loss, real, fake), generator_loss(loss, fake)
    assert d_loss.dtype == tf.float32 and g_loss.dtype == tf.float32
    assert d_loss.shape == () and g_loss.shape == ()
    assert float(d_loss) == pytest.approx(float(discriminator_loss(loss, REAL, FAKE)), rel=1e-6)


def _linear_critic(weight_norm, shape=(4, 4, 1)):
    """D(x) = w . flatten(x) + b with ||w||_2 = weight_norm: its input gradient has that norm."""
    critic = keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(1)])
    w = np.random.default_rng(0).standard_normal((int(np.prod(shape)), 1))
    critic.layers[-1].set_weights([weight_norm * w / np.linalg.norm(w), np.array([0.3])])
    return critic


def _image_pair(n=8, shape=(4, 4, 1)):
    rng = np.random.default_rng(1)
    return (rng.uniform(-1, 1, (n, *shape)).astype("float32"),
            rng.uniform(-1, 1, (n, *shape)).astype("float32"))


@pytest.mark.parametrize("weight_norm, expected", [(1.0, 0.0), (3.0, 4.0), (0.5, 0.25)])
def test_gradient_penalty_of_linear_critics(weight_norm, expected):
    real, fake = _image_pair()
    penalty = gradient_penalty(_linear_critic(weight_norm), real, fake, seed=3)
    assert penalty.dtype == tf.float32 and penalty.shape == ()
    assert float(penalty) == pytest.approx(expected, abs=1e-5)


def test_gradient_penalty_of_a_critic_on_points_keeps_one_weight_per_sample():
    # (N, D) inputs (notebook 02's toy critics): the weights must broadcast per sample, not to
    # (N, 1, N, D), which would sum N gradients into one norm.
    real, fake = (x.reshape(8, 16) for x in _image_pair())
    penalty = gradient_penalty(_linear_critic(3.0, shape=(16,)), real, fake, seed=3)
    assert float(penalty) == pytest.approx(4.0, abs=1e-5)


def test_gradient_penalty_draws_one_uniform_weight_per_sample():
    seen = []

    def recording_critic(images, training=False):
        seen.append(images.numpy())
        return tf.reduce_sum(images, axis=[1, 2, 3])[:, None]

    n = 2000
    real, fake = np.zeros((n, 2, 2, 1), "float32"), np.ones((n, 2, 2, 1), "float32")
    gradient_penalty(recording_critic, real, fake, seed=0)
    eps = seen[0]  # interpolates between 0 and 1 are the weights themselves
    assert np.allclose(eps, eps[:, :1, :1, :])  # one weight per sample, not per pixel
    eps = eps[:, 0, 0, 0]
    # A normal draw (keras-io's example) has about half its mass outside [0, 1].
    assert eps.min() >= 0.0 and eps.max() <= 1.0
    assert eps.mean() == pytest.approx(0.5, abs=0.03)
    assert eps.var() == pytest.approx(1 / 12, abs=0.01)
    assert len(np.unique(eps)) > n * 0.99


def test_gradient_penalty_is_seeded_and_differentiable_wrt_critic_weights():
    real, fake = _image_pair()
    critic = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    with tf.GradientTape() as tape:
        penalty = gradient_penalty(critic, real, fake, seed=7)
    kernels = [v for v in critic.trainable_variables if "kernel" in v.path]
    # The outer tape sees through the inner one: every kernel gets a non-zero gradient (the
    # output bias does not change the input gradient, so it gets none).
    for grad in tape.gradient(penalty, kernels):
        assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0
    assert float(gradient_penalty(critic, real, fake, seed=7)) == float(penalty)
    assert float(gradient_penalty(critic, real, fake, seed=8)) != float(penalty)


def test_gradient_penalty_passes_the_labels_to_a_conditional_critic():
    # D([x, y]) = <w_y, flatten(x)> with ||w_0|| = 1 and ||w_1|| = 3: the penalty is 0 for
    # class 0 and (3 - 1)^2 = 4 for class 1, so it reveals which labels the critic saw.
    images, labels = keras.Input((4, 4, 1)), keras.Input((), dtype="int32")
    per_class_w = keras.layers.Embedding(2, 16)
    logits = keras.layers.Dot(axes=1)([per_class_w(labels), keras.layers.Flatten()(images)])
    critic = keras.Model([images, labels], logits)
    w = np.random.default_rng(2).standard_normal(16)
    per_class_w.set_weights([np.stack([w, 3 * w]) / np.linalg.norm(w)])
    real, fake = _image_pair()
    for label_batch, expected in (([0] * 8, 0.0), ([1] * 8, 4.0), ([0, 1] * 4, 2.0)):
        penalty = gradient_penalty(critic, real, fake, tf.constant(label_batch, tf.int32), seed=1)
        assert float(penalty) == pytest.approx(expected, abs=1e-5)


def test_gradient_penalty_rejects_mismatched_images():
    real, _ = _image_pair()
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(_linear_critic(1.0), real, real[:, :2], seed=0)
