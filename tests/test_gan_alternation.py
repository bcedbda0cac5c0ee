"""`GAN.train_step`'s alternation: one generator forward pass, the updated discriminator, and
one real batch per critic step (WGAN-GP's Algorithm 1).

The networks are tiny Dense models without BatchNorm or dropout, so that two forward passes on
the same z give the same fakes and a hand-written two-pass reference is exact.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from medgan_course.training import losses  # noqa: E402
from medgan_course.training.adversarial import critic_batches  # noqa: E402
from medgan_course.training.distribute import precision  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402

LATENT, SIDE = 4, 2


class Recorder(keras.layers.Layer):
    """The identity, which keeps (in eager mode) a copy of every batch it sees."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x):
        self.seen.append(np.array(x))
        return x


def generator(recorder=None):
    """z (N, LATENT) -> (N, SIDE, SIDE, 1); `recorder` (if given) sees every z batch."""
    layers = [recorder] if recorder is not None else []
    return keras.Sequential([keras.Input((LATENT,)), *layers,
                             keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(SIDE * SIDE), keras.layers.Reshape((SIDE, SIDE, 1))])


def discriminator(recorder=None):
    """(N, SIDE, SIDE, 1) -> logits (N, 1); `recorder` (if given) sees every image batch."""
    layers = [recorder] if recorder is not None else []
    return keras.Sequential([keras.Input((SIDE, SIDE, 1)), *layers, keras.layers.Flatten(),
                             keras.layers.Dense(16), keras.layers.LeakyReLU(0.2),
                             keras.layers.Dense(1)])


def make_gan(loss="non_saturating", g_recorder=None, d_recorder=None, **kwargs):
    """A compiled tiny GAN with SGD (Adam's first step is nearly sign(gradient), which would
    hide a change of the gradient's size), its weights fixed by the seed."""
    keras.utils.set_random_seed(0)
    gan = GAN(generator(g_recorder), discriminator(d_recorder), LATENT, seed=3, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5),
                loss=loss, run_eagerly=True)
    for recorder in (g_recorder, d_recorder):
        if recorder is not None:
            recorder.seen.clear()  # forget the GAN's build-time calls
    return gan


def real_images(n=8, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, SIDE, SIDE, 1)), tf.float32)


def reference_step(gan, real, updated_discriminator=True):
    """The two-pass step written out: D on G(z), applied; then G on G(z) regenerated from the
    same z, judged by the updated D (or, if not `updated_discriminator`, by the old one)."""
    G, D, name = gan.generator, gan.discriminator, gan.loss_name  # noqa: N806
    z = gan._sample_z(real.shape[0])

    def g_gradients():
        with tf.GradientTape() as tape:
            g_loss = losses.generator_loss(name, D(G(z, training=True), training=True))
        return tape.gradient(g_loss, G.trainable_variables)

    fakes = G(z, training=True)
    with tf.GradientTape() as tape:
        d_loss = losses.discriminator_loss(name, D(real, training=True), D(fakes, training=True))
    d_grads = tape.gradient(d_loss, D.trainable_variables)
    stale_g_grads = None if updated_discriminator else g_gradients()
    gan.d_optimizer.apply_gradients(zip(d_grads, D.trainable_variables))
    g_grads = g_gradients() if updated_discriminator else stale_g_grads
    gan.g_optimizer.apply_gradients(zip(g_grads, G.trainable_variables))


def weights(model):
    return [w.numpy() for w in model.trainable_weights]


def max_difference(a, b):
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


# ------------------------------------------------------------------------ the alternation
@pytest.mark.parametrize("loss, traced", [("non_saturating", False), ("hinge", True)])
def test_train_step_matches_the_two_pass_reference(loss, traced):
    gan, reference = make_gan(loss), make_gan(loss)
    # Traced, the discriminator's update must still come before the generator's loss reads it.
    train_step = tf.function(gan.train_step) if traced else gan.train_step
    for step in range(3):
        train_step(real_images(seed=step))
        reference_step(reference, real_images(seed=step))
    assert max_difference(weights(gan.discriminator), weights(reference.discriminator)) < 1e-5
    assert max_difference(weights(gan.generator), weights(reference.generator)) < 1e-5
    assert int(gan.rng_counter) == int(reference.rng_counter) == 3  # one z per step


def test_the_generator_step_sees_the_updated_discriminator():
    gan, fresh, stale = make_gan(), make_gan(), make_gan()
    gan.train_step(real_images())
    reference_step(fresh, real_images())
    reference_step(stale, real_images(), updated_discriminator=False)
    assert max_difference(weights(gan.generator), weights(fresh.generator)) < 1e-6
    # The pre-update discriminator would have moved the generator elsewhere.
    assert max_difference(weights(gan.generator), weights(stale.generator)) > 1e-3


@pytest.mark.parametrize("n_critic", [1, 3])
def test_the_generator_runs_once_per_critic_step_and_never_again(n_critic):
    counter = Recorder()
    gan = make_gan(g_recorder=counter, n_critic=n_critic)
    gan.train_step(real_images(4 * n_critic))
    assert len(counter.seen) == n_critic  # n_critic = 1: a single forward pass per step
    assert [len(z) for z in counter.seen] == [4] * n_critic


def test_the_generator_step_reuses_the_last_critic_steps_fakes():
    seen = Recorder()
    gan = make_gan(d_recorder=seen)
    gan.train_step(real_images(4))
    real, fake_in_d_step, fake_in_g_step = seen.seen
    np.testing.assert_array_equal(real, real_images(4).numpy())
    np.testing.assert_array_equal(fake_in_g_step, fake_in_d_step)


# ------------------------------------------------------------------ a real batch per critic step
def test_each_critic_step_sees_its_own_real_batch():
    seen = Recorder()
    gan = make_gan(d_recorder=seen, n_critic=3)
    assert gan.real_batch_size(4) == 12
    real = real_images(12).numpy()
    gan.train_step(tf.constant(real))
    # Per critic step: the real batch, then the fakes; then the generator step's fakes.
    assert len(seen.seen) == 2 * 3 + 1
    for k in range(3):
        np.testing.assert_array_equal(seen.seen[2 * k], real[k::3])  # image i -> step i % 3
    assert [len(batch) for batch in seen.seen] == [4] * 7  # the generator step: batch_size
    np.testing.assert_array_equal(seen.seen[-1], seen.seen[-2])
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1


def test_labels_are_split_with_their_images():
    images, labels = real_images(6), tf.range(6)
    batches = critic_batches(images, labels, 2)
    assert [list(b[1].numpy()) for b in batches] == [[0, 2, 4], [1, 3, 5]]
    for k, (batch, _) in enumerate(batches):
        np.testing.assert_array_equal(batch.numpy(), images.numpy()[k::2])


def test_a_batch_that_does_not_split_into_critic_batches_is_refused():
    gan = make_gan(n_critic=3)
    with pytest.raises(ValueError, match="real_batch_size"):
        gan.train_step(real_images(8))
    with pytest.raises(ValueError, match="multiple of n_critic"):
        gan.fit(real_images(16).numpy(), batch_size=8, verbose=0)  # run_eagerly: shapes known
    # A traced step checks when it runs if its batch size is unknown when traced (20 images
    # in batches of 8: the last batch is smaller, so Keras traces with a None batch size).
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="real_batch_size"):
        gan.fit(real_images(20).numpy(), batch_size=8, verbose=0)


# ------------------------------------------------------------------ the other features still work
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_alternation_trains(policy):
    with precision(policy):
        keras.utils.set_random_seed(0)
        gan = GAN(generator(), discriminator(), LATENT, n_critic=2, ema_decay=0.9,
                  augment="translation")
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                    g_optimizer=keras.optimizers.Adam(1e-3))
    g_before = weights(gan.generator)
    history = gan.fit(real_images(32).numpy(), batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert max_difference(g_before, weights(gan.generator)) > 0
    assert int(gan.g_optimizer.iterations) == 2 and int(gan.d_optimizer.iterations) == 4
