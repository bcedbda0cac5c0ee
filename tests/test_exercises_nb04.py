"""The checks of notebook 04 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions.nb04`, which the
notebook's *Solution* cells show; the untouched stub of exercise 3 is the article's own code
(`article_debug.ARTICLE_TRAIN_SOURCE`).
"""

import numpy as np
import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")

import keras
import tensorflow as tf

from medgan_course.exercises import article_debug, nb04
from medgan_course.exercises.solutions.nb04 import EveryN, ema_update, train


def article_function(source=article_debug.ARTICLE_TRAIN_SOURCE):
    """The article's `train`, defined in a namespace that has `tf` (as the notebook's has)."""
    namespace = {"tf": tf}
    exec(source, namespace)
    return namespace["train"]


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub(*args):
    ...  # your code here


def raising_stub(*args):
    raise NotImplementedError


# ------------------------------------------------------------------------------- 1. EMA
def test_ema_accepts_the_solution_and_rejects_stubs():
    assert nb04.check_ema_update(ema_update).passed
    for unsolved in (stub, raising_stub, ...):
        feedback = nb04.check_ema_update(unsolved)
        assert not feedback.passed and feedback.message


def test_ema_names_swapped_weights():
    def swapped(ema, w, d):
        return [d * b + (1 - d) * a for a, b in zip(ema, w)]

    feedback = nb04.check_ema_update(swapped)
    assert not feedback.passed and "swapped" in feedback.message


# ------------------------------------------------------------------------------- 2. callback
class StubCallback(keras.callbacks.Callback):
    def __init__(self, every_n_steps):
        super().__init__()
        ...  # your code here

    def on_train_batch_end(self, batch, logs=None):
        ...  # your code here


class UsesBatchIndex(EveryN):
    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every_n_steps == 0:
            self.records.append((batch + 1, float(logs["g_loss"])))


def test_callback_accepts_the_solution_and_rejects_stubs():
    assert nb04.check_every_n_callback(EveryN).passed
    for unsolved in (StubCallback, raising_stub, ...):
        feedback = nb04.check_every_n_callback(unsolved)
        assert not feedback.passed and feedback.message


def test_callback_names_the_per_epoch_batch_index_mistake():
    feedback = nb04.check_every_n_callback(UsesBatchIndex)
    assert not feedback.passed and "restarts at 0 every epoch" in feedback.message


def test_the_solution_callback_works_in_a_real_fit():
    from medgan_course.training.gan import GAN

    keras.utils.set_random_seed(0)
    gan = GAN(keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="tanh"),
                                keras.layers.Reshape((2, 2, 1))]),
              keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(1)]), 4, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                run_eagerly=True)
    callback = EveryN(2)
    data = np.zeros((20, 2, 2, 1), np.float32)
    gan.fit(data, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    assert [step for step, _ in callback.records] == [2, 4, 6, 8, 10]


# ------------------------------------------------------------------------------- 3. the article
def test_the_reference_fix_passes_with_every_bug_reported_fixed():
    feedback = nb04.check_article_train(train)
    assert feedback.passed, feedback.message
    assert feedback.message.count("✓") == 5


def test_the_untouched_article_code_has_all_five_bugs_named():
    diagnosis = article_debug.diagnose(article_function())
    assert diagnosis["error"] is None
    assert {key: present for key, (present, _) in diagnosis["bugs"].items()} == dict.fromkeys(
        article_debug.BUGS, True)
    feedback = nb04.check_article_train(article_function())
    assert not feedback.passed and "5 of 5 bugs still present" in feedback.message
    for label in article_debug.BUGS.values():
        assert label in feedback.message


def test_a_partly_fixed_version_is_rejected_naming_what_remains():
    # Sign flipped and batch_size/noise_dim/fake_images dealt with, but still the whole dataset
    # in one batch and an unconstrained critic.
    source = (article_debug.ARTICLE_TRAIN_SOURCE
              .replace("generator_loss = discriminator(", "generator_loss = -discriminator(")
              .replace("fake_images, epochs=10000", "epochs=10000, batch_size=16, noise_dim=100"))
    diagnosis = article_debug.diagnose(article_function(source))
    present = {key for key, (flag, _) in diagnosis["bugs"].items() if flag}
    assert present == {"whole_dataset_batch", "unconstrained_critic"}
    feedback = nb04.check_article_train(article_function(source))
    assert not feedback.passed and "2 of 5 bugs still present" in feedback.message
    assert "✓ generator loss sign" in feedback.message


def test_a_wgan_gp_fix_counts_as_a_lipschitz_constraint_but_clipping_nothing_does_not():
    def wasserstein(gp_weight):
        def fixed(generator, discriminator, generator_optimizer, discriminator_optimizer,
                  real_images, epochs, batch_size=16, noise_dim=8):
            batches = tf.data.Dataset.from_tensor_slices(real_images).batch(
                batch_size, drop_remainder=True)
            for _ in range(epochs):
                for real in batches:
                    noise = tf.random.normal([batch_size, noise_dim])
                    with tf.GradientTape() as tape:
                        fake = generator(noise, training=True)
                        eps = tf.random.uniform([batch_size, 1, 1, 1])
                        mixed = eps * real + (1 - eps) * fake
                        with tf.GradientTape() as inner:
                            inner.watch(mixed)
                            out = discriminator(mixed, training=True)
                        norms = tf.norm(tf.reshape(inner.gradient(out, mixed), [batch_size, -1]),
                                        axis=1)
                        d_loss = (tf.reduce_mean(discriminator(fake, training=True))
                                  - tf.reduce_mean(discriminator(real, training=True))
                                  + gp_weight * tf.reduce_mean((norms - 1.0) ** 2))
                    grads = tape.gradient(d_loss, discriminator.trainable_variables)
                    discriminator_optimizer.apply_gradients(
                        zip(grads, discriminator.trainable_variables))
                    with tf.GradientTape() as tape:
                        g_loss = -tf.reduce_mean(discriminator(
                            generator(tf.random.normal([batch_size, noise_dim]), training=True),
                            training=True))
                    grads = tape.gradient(g_loss, generator.trainable_variables)
                    generator_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
        return fixed

    assert nb04.check_article_train(wasserstein(10.0)).passed
    unconstrained = article_debug.diagnose(wasserstein(0.0))["bugs"]
    assert unconstrained["unconstrained_critic"][0] is True
    assert not any(flag for key, (flag, _) in unconstrained.items() if key != "unconstrained_critic")


def test_article_check_rejects_stubs_and_reports_crashes_as_feedback():
    def raising_train(generator, discriminator, generator_optimizer, discriminator_optimizer,
                      real_images, epochs, batch_size=16, noise_dim=8):
        raise NotImplementedError

    for unsolved in (raising_train, ...):
        feedback = nb04.check_article_train(unsolved)
        assert not feedback.passed and "not attempted" in feedback.message
    feedback = nb04.check_article_train(raising_stub)  # train(*args): cannot be called by name
    assert not feedback.passed and "epochs" in feedback.message

    def crashes(generator, discriminator, generator_optimizer, discriminator_optimizer,
                real_images, epochs, batch_size=16, noise_dim=8):
        raise ZeroDivisionError("boom")

    feedback = nb04.check_article_train(crashes)
    assert not feedback.passed and "ZeroDivisionError" in feedback.message

    def no_epochs(generator, discriminator, generator_optimizer, discriminator_optimizer,
                  real_images):
        pass

    feedback = nb04.check_article_train(no_epochs)
    assert not feedback.passed and "epochs" in feedback.message


def test_a_function_that_never_updates_the_generator_is_not_accepted():
    def lazy(generator, discriminator, generator_optimizer, discriminator_optimizer,
             real_images, epochs, batch_size=16, noise_dim=8):
        pass

    diagnosis = article_debug.diagnose(lazy)
    assert diagnosis["bugs"]["generator_sign"][0] is True
    assert "did not change" in diagnosis["bugs"]["generator_sign"][1]
    assert not nb04.check_article_train(lazy).passed


def test_undefined_globals_sees_only_unresolved_global_reads():
    namespace = {"tf": tf}
    exec(article_debug.ARTICLE_TRAIN_SOURCE, namespace)
    assert article_debug.undefined_globals(namespace["train"]) == ["batch_size", "noise_dim"]
