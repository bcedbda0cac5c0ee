"""Tests of medgan_course.training.gan.GAN: steps, learning, precision, saving and resuming.

The networks are tiny Dense models on 2x2 (or 1x1) "images" so that each fit takes a second;
the course DCGAN appears only where its layers matter (conditional inputs, spectral norm).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from medgan_course.training import gan as gan_module  # noqa: E402
from medgan_course.training import losses  # noqa: E402
from medgan_course.training.callbacks import LossHistory  # noqa: E402
from medgan_course.training.distribute import precision  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402

LATENT = 4


def tiny_generator(latent_dim=LATENT, side=2, hidden=16, name="generator"):
    """z (N, latent_dim) -> (N, side, side, 1), linear output (no tanh: toy data may exceed 1)."""
    return keras.Sequential([
        keras.Input((latent_dim,)), keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(side * side, dtype="float32"), keras.layers.Reshape((side, side, 1)),
    ], name=name)


def tiny_discriminator(side=2, hidden=16, name="discriminator"):
    """(N, side, side, 1) -> logits (N, 1) float32."""
    return keras.Sequential([
        keras.Input((side, side, 1)), keras.layers.Flatten(), keras.layers.Dense(hidden),
        keras.layers.LeakyReLU(0.2), keras.layers.Dense(1, dtype="float32"),
    ], name=name)


def adam_pair(lr=1e-3, **kwargs):
    """compile's two optimizers, by keyword: `gan.compile(**adam_pair())`."""
    return {"d_optimizer": keras.optimizers.Adam(lr, **kwargs),
            "g_optimizer": keras.optimizers.Adam(lr, **kwargs)}


def make_gan(loss="non_saturating", lr=1e-3, run_eagerly=False, **kwargs):
    """A compiled tiny GAN; run_eagerly=True skips tracing (faster for a few steps)."""
    gan = GAN(tiny_generator(), tiny_discriminator(), LATENT, **kwargs)
    gan.compile(**adam_pair(lr), loss=loss, run_eagerly=run_eagerly)
    return gan


def toy_images(n=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 2, 2, 1)).astype("float32")


def snapshot(variables):
    return [np.array(v.numpy()) for v in variables]


def changed(before, variables):
    """Which variables differ from their snapshot."""
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


# ------------------------------------------------------------------------------------ steps
def test_train_step_moves_both_networks(tf_seed):
    gan = make_gan()
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    history = gan.fit(toy_images(16), batch_size=16, epochs=1, verbose=0)
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert all(changed(d_before, gan.discriminator.trainable_variables))
    assert set(history.history) == {"d_loss", "g_loss", "real_logit", "fake_logit"}
    assert all(np.isfinite(v[0]) for v in history.history.values())


def test_generator_step_leaves_discriminator_alone_and_vice_versa(tf_seed):
    gan = make_gan()
    d_vars, g_vars = gan.discriminator.trainable_variables, gan.generator.trainable_variables
    d_before, g_before = snapshot(d_vars), snapshot(g_vars)
    g_loss = gan.generator_step(8)
    assert np.isfinite(float(g_loss))
    assert not any(changed(d_before, d_vars))
    assert all(changed(g_before, g_vars))

    d_before, g_before = snapshot(d_vars), snapshot(g_vars)
    logs = gan.discriminator_step(tf.constant(toy_images(8)))
    assert set(logs) == {"d_loss", "real_logit", "fake_logit"}
    assert all(changed(d_before, d_vars))
    assert not any(changed(g_before, g_vars))


def test_n_critic_counts_discriminator_steps(tf_seed):
    gan = make_gan(n_critic=3, run_eagerly=True)
    # Each step takes one real batch of 8 per critic step (tests/test_gan_alternation.py).
    assert gan.real_batch_size(8) == 24
    gan.fit(toy_images(96), batch_size=gan.real_batch_size(8), epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4
    assert int(gan.d_optimizer.iterations) == 12


def test_compile_builds_both_optimizers_before_fit():
    gan = GAN(tiny_generator(), tiny_discriminator(), LATENT)
    d_opt, g_opt = adam_pair().values()
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt)
    assert gan.built and d_opt.built and g_opt.built
    # Adam: iterations, learning rate, then one m and one v per trainable variable.
    assert len(d_opt.variables) == 2 + 2 * len(gan.discriminator.trainable_variables)
    assert len(g_opt.variables) == 2 + 2 * len(gan.generator.trainable_variables)
    z = np.zeros((3, LATENT), "float32")
    assert tuple(gan(z).shape) == (3, 2, 2, 1)


def test_compile_and_constructor_reject_bad_input():
    gan = GAN(tiny_generator(), tiny_discriminator(), LATENT)
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        gan.compile(**adam_pair(), loss="wassertein")
    opt = keras.optimizers.Adam()
    with pytest.raises(TypeError, match="separate"):
        gan.compile(d_optimizer=opt, g_optimizer=opt)
    with pytest.raises(TypeError, match="Optimizer"):
        gan.compile(d_optimizer="adam", g_optimizer=keras.optimizers.Adam())
    with pytest.raises(RuntimeError, match="compile"):
        gan.generator_step(4)
    with pytest.raises(ValueError, match="n_critic"):
        GAN(tiny_generator(), tiny_discriminator(), LATENT, n_critic=0)
    with pytest.raises(ValueError, match="ema_decay"):
        GAN(tiny_generator(), tiny_discriminator(), LATENT, ema_decay=1.0)
    with pytest.raises(TypeError, match="augment"):
        GAN(tiny_generator(), tiny_discriminator(), LATENT, augment=3)
    with pytest.raises(ValueError, match="do not fit"):
        GAN(tiny_generator(latent_dim=5), tiny_discriminator(), LATENT)
    with pytest.raises(ValueError, match=r"\(N, 1\)"):
        GAN(tiny_generator(), keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten()]),
            LATENT)


def test_uint8_images_are_refused(tf_seed):
    gan = make_gan(run_eagerly=True)
    with pytest.raises(TypeError, match="to_model_range"):
        gan.fit(np.zeros((8, 2, 2, 1), np.uint8), batch_size=8, verbose=0)


def test_augment_reaches_real_and_fake_images(tf_seed):
    # An "augmentation" that blanks every image: if it were applied to one side only,
    # D(real) and D(fake) would differ.
    gan = make_gan(augment=lambda images: tf.zeros_like(images))
    logs = gan.discriminator_step(tf.constant(toy_images(8)))
    assert float(logs["real_logit"]) == pytest.approx(float(logs["fake_logit"]), abs=1e-7)
    plain = make_gan()
    logs = plain.discriminator_step(tf.constant(toy_images(8)))
    assert abs(float(logs["real_logit"]) - float(logs["fake_logit"])) > 1e-4


def test_diffaugment_policy_string_trains_and_is_saved_by_name(tf_seed):
    gan = make_gan(augment="color,translation", run_eagerly=True)
    history = gan.fit(toy_images(8), batch_size=8, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    config = gan.get_config()
    assert config["augment"] == "color,translation"
    assert GAN.from_config(config).augment == "color,translation"


def test_gradient_penalty_is_logged_and_added(tf_seed):
    gan = make_gan(loss="wasserstein", gp_weight=10.0)
    logs = gan.discriminator_step(tf.constant(toy_images(8)))
    assert float(logs["gp"]) > 0.0
    expected = float(logs["fake_logit"]) - float(logs["real_logit"]) + 10.0 * float(logs["gp"])
    assert float(logs["d_loss"]) == pytest.approx(expected, rel=1e-5)
    assert [m.name for m in gan.metrics] == ["d_loss", "g_loss", "real_logit", "fake_logit", "gp"]


def test_ema_generator_is_the_moving_average_of_the_generator(tf_seed):
    gan = make_gan(ema_decay=0.75, run_eagerly=True)
    assert gan.ema_generator is not gan.generator and not gan.ema_generator.trainable_weights
    initial = [w.copy() for w in gan.generator.get_weights()]
    for ema, weight in zip(gan.ema_generator.get_weights(), initial):
        np.testing.assert_array_equal(ema, weight)
    gan.fit(toy_images(8), batch_size=8, verbose=0)  # one step
    decay = min(0.75, 2 / 11)  # the warm-up at step 1: min(decay, (1 + t) / (10 + t))
    for ema, old, new in zip(gan.ema_generator.get_weights(), initial, gan.generator.get_weights()):
        np.testing.assert_allclose(ema, decay * old + (1 - decay) * new, rtol=1e-5, atol=1e-7)


def test_ema_warm_up_forgets_the_initial_weights_in_short_runs():
    from medgan_course.training.ema import warmup_decay

    decays = [float(warmup_decay(0.999, t)) for t in range(1, 1001)]
    assert decays[0] == pytest.approx(2 / 11) and decays[-1] == pytest.approx(1001 / 1010)
    assert float(warmup_decay(0.999, 100_000)) == pytest.approx(0.999)  # the target, later
    assert all(a <= b for a, b in zip(decays, decays[1:]))  # the window only widens
    # The weight the average still gives the initialisation after 1000 updates: the product of
    # the decays. Without the warm-up it is 0.999**1000 = 37 %; with it, far below 1 %.
    assert np.prod(decays) < 1e-3 < 0.999 ** 1000


# ---------------------------------------------------------------------------- conditional
def test_conditional_gan_trains_and_generates_requested_classes(tf_seed):
    from medgan_course.models.dcgan import build_discriminator, build_generator

    gen = build_generator(8, 28, 1, num_classes=2, base_filters=4)
    disc = build_discriminator(28, 1, num_classes=2, base_filters=4)
    gan = GAN(gen, disc, 8, num_classes=2, ema_decay=0.9)
    gan.compile(**adam_pair(2e-4), loss="hinge", run_eagerly=True)
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    labels = np.array([0, 1] * 4, np.uint8).reshape(-1, 1)  # MedMNIST's (N, 1) uint8
    history = gan.fit(images, labels, batch_size=8, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    z = np.random.default_rng(1).standard_normal((2, 8)).astype("float32")
    as_zero = gan.generate(np.repeat(z[:1], 2, 0), labels=[0, 0])
    mixed = gan.generate(np.repeat(z[:1], 2, 0), labels=[0, 1])
    assert as_zero.shape == (2, 28, 28, 1) and as_zero.dtype == np.float32
    assert np.abs(as_zero).max() <= 1.0
    np.testing.assert_array_equal(as_zero[0], mixed[0])
    assert np.abs(mixed[1] - mixed[0]).max() > 1e-4  # the label changes the image
    with pytest.raises(ValueError, match="labels"):
        gan.fit(images, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="class indices"):
        gan.generate(2, labels=[0, 2])


def label_echo_models():
    """G([z, labels]) = images filled with the label; D([x, labels]) = sum(x) + 10 * label.

    With these, the logits say which labels reached which network.
    """
    z, labels = keras.Input((LATENT,)), keras.Input((), dtype="int32")
    as_float = keras.ops.cast(labels, "float32")[:, None]
    images = keras.layers.Reshape((2, 2, 1))(
        keras.layers.Dense(4, kernel_initializer="zeros")(z) + as_float)
    generator = keras.Model([z, labels], images)
    x, d_labels = keras.Input((2, 2, 1)), keras.Input((), dtype="int32")
    summed = keras.layers.Dense(1, kernel_initializer="ones")(keras.layers.Flatten()(x))
    discriminator = keras.Model([x, d_labels],
                                summed + 10.0 * keras.ops.cast(d_labels, "float32")[:, None])
    return generator, discriminator


def test_conditional_steps_pass_the_real_batch_labels_to_both_networks(tf_seed):
    gan = GAN(*label_echo_models(), LATENT, num_classes=2)
    gan.compile(**adam_pair(), run_eagerly=True)
    labels = np.array([[0], [1], [1], [1]], np.uint8)  # MedMNIST's (N, 1) uint8 layout
    history = LossHistory()
    gan.fit(np.zeros((4, 2, 2, 1), "float32"), labels, batch_size=4, verbose=0,
            callbacks=[history])
    # Logged from the discriminator step, before its update: real = 10 * label,
    # fake = 4 * label (the fake image) + 10 * label, with the real batch's labels.
    assert history.history["real_logit"][0] == pytest.approx(7.5)
    assert history.history["fake_logit"][0] == pytest.approx(10.5)


def test_each_latent_draw_is_fresh_and_counted(tf_seed):
    gan = make_gan(seed=7)
    first, second = gan._sample_z(3).numpy(), gan._sample_z(3).numpy()
    assert first.shape == (3, LATENT) and not np.allclose(first, second)
    assert int(gan.rng_counter) == 2
    np.testing.assert_array_equal(make_gan(seed=7)._sample_z(3).numpy(), first)


def test_generate_checks_its_input(tf_seed):
    gan = make_gan()
    first, again = gan.generate(5, seed=3), gan.generate(5, seed=3)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (5, 2, 2, 1) and first.dtype == np.float32
    with pytest.raises(ValueError, match="unconditional"):
        gan.generate(2, labels=[0, 1])
    with pytest.raises(ValueError, match="z must be"):
        gan.generate(np.zeros((2, LATENT + 1)))
    with pytest.raises(ValueError, match=">= 1"):
        gan.generate(0)


# -------------------------------------------------------------------------------- learning
def learn_gaussian(seed, steps=1500, flip_generator_sign=False, monkeypatch=None):
    """Trains a 1-D GAN on N(3, 0.5) 'images' (N, 1, 1, 1); returns 4000 generated values."""
    if flip_generator_sign:  # the article's bug: G pushes its samples to look fake
        original = losses.generator_loss
        monkeypatch.setattr(gan_module, "generator_loss", lambda loss, fake: -original(loss, fake))
    keras.utils.set_random_seed(seed)
    data = np.random.default_rng(seed).normal(3.0, 0.5, (128 * steps, 1, 1, 1)).astype("float32")
    gan = GAN(tiny_generator(side=1), tiny_discriminator(side=1, hidden=64), LATENT)
    gan.compile(**adam_pair(1e-3, beta_1=0.5), steps_per_execution=50)
    gan.fit(data, batch_size=128, epochs=1, verbose=0)
    return gan.generate(4000, seed=1).ravel()


def test_gan_learns_a_gaussian():
    samples = learn_gaussian(seed=0)
    assert samples.mean() == pytest.approx(3.0, abs=0.15)
    assert samples.std() == pytest.approx(0.5, abs=0.15)


def test_with_the_generator_sign_flipped_it_does_not_learn(monkeypatch):
    # The control for the test above: the same set-up with the article's inverted generator
    # objective drifts far away (about -100 here after 1500 steps).
    samples = learn_gaussian(seed=0, flip_generator_sign=True, monkeypatch=monkeypatch)
    assert abs(samples.mean() - 3.0) > 1.0


# ------------------------------------------------------------------------------- precision
def test_mixed_float16_wraps_each_optimizer_in_loss_scaling():
    with precision("mixed_float16"):
        gan = GAN(tiny_generator(), tiny_discriminator(), LATENT)
        gan.compile(**adam_pair())
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.d_optimizer is not gan.g_optimizer
    # Built eagerly too: the wrapped Adam has its moments before the first step.
    assert len(gan.d_optimizer.inner_optimizer.variables) > 2
    float32 = make_gan()
    assert not isinstance(float32.d_optimizer, keras.optimizers.LossScaleOptimizer)


def test_mixed_bfloat16_trains_with_finite_losses_and_float32_logits(tf_seed):
    with precision("mixed_bfloat16"):
        gan = GAN(tiny_generator(), tiny_discriminator(), LATENT)
        gan.compile(**adam_pair())
    assert gan.generator.layers[0].compute_dtype == "bfloat16"
    assert not isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    history = gan.fit(toy_images(16), batch_size=8, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    logits = gan.discriminator(toy_images(4), training=False)
    assert logits.dtype == "float32" and tuple(logits.shape) == (4, 1)


# ---------------------------------------------------------------------------------- saving
def test_keras_save_load_round_trip_keeps_generator_ema_and_optimizers(tmp_path, tf_seed):
    gan = make_gan(ema_decay=0.9, gp_weight=1.0, loss="wasserstein", n_critic=2)
    gan.fit(toy_images(32), batch_size=8, epochs=2, verbose=0)
    z = np.random.default_rng(5).standard_normal((6, LATENT)).astype("float32")
    ema_images, raw_images = gan.generate(z), gan.generate(z, use_ema=False)
    assert np.abs(ema_images - raw_images).max() > 1e-3  # the average lags the raw weights

    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True by default
    assert isinstance(loaded, GAN) and loaded.loss_name == "wasserstein"
    assert (loaded.n_critic, loaded.gp_weight, loaded.ema_decay) == (2, 1.0, 0.9)
    np.testing.assert_array_equal(loaded.generate(z), ema_images)
    np.testing.assert_array_equal(loaded.generate(z, use_ema=False), raw_images)
    assert int(loaded.d_optimizer.iterations) == 16 and int(loaded.g_optimizer.iterations) == 8
    for name in ("d_optimizer", "g_optimizer"):
        for a, b in zip(getattr(gan, name).variables, getattr(loaded, name).variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(loaded.rng_counter) == int(gan.rng_counter) > 0


def test_loading_weights_restores_the_optimizer_iterations(tmp_path, tf_seed):
    gan = make_gan(run_eagerly=True)
    gan.fit(toy_images(40), batch_size=8, verbose=0)
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    fresh = make_gan()
    assert int(fresh.g_optimizer.iterations) == 0
    fresh.load_weights(path)
    assert int(fresh.d_optimizer.iterations) == int(fresh.g_optimizer.iterations) == 5
    for a, b in zip(gan.g_optimizer.variables, fresh.g_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_lambda_augment_cannot_be_saved(tmp_path):
    gan = make_gan(augment=lambda images: images)
    with pytest.raises(ValueError, match="lambda"):
        gan.get_config()
