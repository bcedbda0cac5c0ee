"""Diagnostics of failing GAN training: each measure separates the failure from a healthy case."""

import dataclasses

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras

from medgan_course.training import diagnostics as dg
from medgan_course.training.runner import build_gan


def test_discriminator_accuracy_is_balanced_over_real_and_fake():
    acc = dg.discriminator_accuracy(np.array([1.0, 2.0, -1.0, 3.0]), np.array([[-1.0]] * 12))
    assert acc == {"real": 0.75, "fake": 1.0, "accuracy": 0.875}
    chance = dg.discriminator_accuracy(np.zeros(5), np.zeros(5))  # logit 0 is neither side
    assert chance["accuracy"] == 0.0
    with pytest.raises(ValueError, match="empty"):
        dg.discriminator_accuracy([], [1.0])


def test_logit_gradient_saturates_for_minimax_only():
    logits = np.array([-10.0, 0.0, 10.0])
    minimax = dg.logit_gradient("minimax", logits)
    non_saturating = dg.logit_gradient("non_saturating", logits)
    assert minimax.shape == (3,)
    assert abs(minimax[0]) < 1e-4 and abs(non_saturating[0]) > 0.9999  # D rejects the fake
    assert np.allclose(minimax[1], -0.5) and np.allclose(non_saturating[1], -0.5)
    assert np.allclose(dg.logit_gradient("hinge", logits), -1.0)


def _tiny_gan(**changes):
    recipe = dataclasses.replace(dg.remedy_recipes()["non-saturating"], base_filters=4,
                                 latent_dim=8, **changes)
    return build_gan(recipe, image_size=28, channels=1, seed=0)


def test_probe_measures_without_changing_the_gan():
    gan = _tiny_gan(augment_policy="translation")
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(np.float32)
    before = [v.numpy().copy() for v in gan.variables]
    # DiffAugment draws its shifts from TensorFlow's global stream: reset it before each call, so
    # both calls see the same augmentation (the comparison below is about the gradient only).
    keras.utils.set_random_seed(3)
    first = dg.probe(gan, real, seed=3)
    assert set(first) == {"d_accuracy", "d_real_accuracy", "d_fake_accuracy", "g_grad_norm",
                          "logit_grad"}
    assert 0.0 <= first["d_accuracy"] <= 1.0 and first["g_grad_norm"] > 0
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, gan.variables))
    keras.utils.set_random_seed(3)
    assert dg.generator_gradient_norm(gan, real, seed=3) == pytest.approx(first["g_grad_norm"],
                                                                          rel=0.2)


def test_monitor_records_every_n_steps_during_fit():
    from medgan_course.data.pipeline import make_dataset

    gan = _tiny_gan()
    real = np.random.default_rng(1).uniform(-1, 1, (64, 28, 28, 1)).astype(np.float32)
    monitor = dg.DiagnosticsMonitor(real, every_n_steps=2, batch_size=8)
    data = make_dataset(real, None, batch_size=16, shuffle=True, seed=0, repeat=True)
    gan.fit(data, epochs=1, steps_per_epoch=4, verbose=0, shuffle=False, callbacks=[monitor])
    steps, values = monitor.series("g_grad_norm")
    assert steps.tolist() == [0, 2, 4] and np.all(values > 0)
    with pytest.raises(ValueError, match="every_n_steps"):
        dg.DiagnosticsMonitor(real, every_n_steps=0)


def test_oscillation_separates_swinging_from_settled_losses():
    rng = np.random.default_rng(0)
    steps = np.arange(400)
    settled = 1.0 + np.exp(-steps / 30) + 0.3 * rng.normal(size=400)  # noisy, but converged
    swinging = 1.0 + np.sin(steps / 15) + 0.3 * rng.normal(size=400)
    assert dg.oscillation(swinging) > 5 * dg.oscillation(settled)
    assert dg.oscillation([1.0] * 60 + [np.nan]) == float("inf")
    with pytest.raises(ValueError, match="at least"):
        dg.oscillation(np.ones(10), window=25)
    assert dg.moving_average([1, 2, 3, 4], 2).tolist() == [1.5, 2.5, 3.5]


def test_remedy_recipes_change_one_thing_each():
    recipes = dg.remedy_recipes()
    base = recipes["non-saturating"]
    assert list(recipes)[:2] == ["minimax", "non-saturating"]
    for name, recipe in recipes.items():
        changed = {f.name for f in dataclasses.fields(base)
                   if getattr(recipe, f.name) != getattr(base, f.name)} - {"name"}
        if name == "wgan-gp":
            assert {"loss", "gp_weight", "n_critic", "batch_norm"} <= changed
        elif name == "two-time-scale":
            assert changed == {"d_learning_rate", "g_learning_rate"}
            assert recipe.d_learning_rate > recipe.g_learning_rate
        else:
            assert len(changed) == (0 if name == "non-saturating" else 1), (name, changed)
