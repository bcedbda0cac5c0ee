"""The diffusion model of notebook 13: schedules, forward process, samplers, U-Net and training."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from medgan_course.data.types import ImageDataset, Split  # noqa: E402
from medgan_course.errors import UserError  # noqa: E402
from medgan_course.models import diffusion_math as dm  # noqa: E402
from medgan_course.models.unet import build_unet, timestep_features  # noqa: E402
from medgan_course.training.diffusion import LABEL_DROPOUT, DiffusionModel, DiffusionRecipe, train_diffusion  # noqa: E402


@pytest.mark.parametrize("schedule", [dm.cosine_alpha_bar, dm.linear_alpha_bar])
def test_schedules_fall_from_signal_to_noise(schedule):
    alpha_bar = schedule(1000)
    assert alpha_bar.shape == (1000,)
    assert np.all(np.diff(alpha_bar) < 0)
    assert alpha_bar[0] > 0.999 and alpha_bar[-1] < 1e-3 and alpha_bar[-1] > 0


def test_cosine_keeps_more_signal_midway_than_linear():
    # Nichol & Dhariwal's point: the linear schedule destroys the image too early.
    assert dm.cosine_alpha_bar()[400] > dm.linear_alpha_bar()[400] + 0.2


def test_add_noise_endpoints_and_variance():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (4, 8, 8, 1)).astype(np.float32)
    noise = rng.standard_normal(real.shape).astype(np.float32)
    np.testing.assert_allclose(np.asarray(dm.add_noise(real, noise, np.ones(4))), real, atol=1e-6)
    np.testing.assert_allclose(np.asarray(dm.add_noise(real, noise, np.full(4, 1e-12))), noise,
                               atol=1e-5)
    unit = rng.standard_normal((20000, 1, 1, 1)).astype(np.float32)
    mixed = np.asarray(dm.add_noise(unit, rng.standard_normal(unit.shape).astype(np.float32),
                                    np.full(20000, 0.3)))
    assert abs(mixed.var() - 1.0) < 0.05  # variance preserving: sqrt(a)^2 + sqrt(1-a)^2 = 1


def test_predicted_real_inverts_the_forward_process():
    rng = np.random.default_rng(1)
    real = rng.uniform(-0.9, 0.9, (3, 5, 5, 1)).astype(np.float32)
    noise = rng.standard_normal(real.shape).astype(np.float32)
    a = np.array([0.9, 0.5, 0.05])
    noisy = np.asarray(dm.add_noise(real, noise, a))
    np.testing.assert_allclose(dm.predicted_real(noisy, noise, a), real, atol=1e-4)


def test_ddim_timesteps_descend_to_zero():
    path = dm.ddim_timesteps(10)
    assert len(path) == 10 and path[0] == 999 and path[-1] == 0
    assert np.all(np.diff(path) < 0)
    assert len(dm.ddim_timesteps(1000)) == 1000
    with pytest.raises(ValueError, match="sampling steps"):
        dm.ddim_timesteps(0)


def test_ddim_step_with_the_true_noise_lands_on_the_forward_process():
    rng = np.random.default_rng(2)
    alpha_bar = dm.cosine_alpha_bar()
    real = rng.uniform(-0.9, 0.9, (2, 4, 4, 1)).astype(np.float32)
    noise = rng.standard_normal(real.shape).astype(np.float32)
    noisy = np.asarray(dm.add_noise(real, noise, np.full(2, alpha_bar[700])))
    np.testing.assert_allclose(dm.ddim_step(noisy, noise, alpha_bar, 700, 300),
                               np.asarray(dm.add_noise(real, noise, np.full(2, alpha_bar[300]))),
                               atol=1e-4)
    np.testing.assert_allclose(dm.ddim_step(noisy, noise, alpha_bar, 700, -1), real, atol=1e-4)


def test_ddpm_step_is_the_posterior_mean_plus_its_noise():
    alpha_bar = dm.cosine_alpha_bar()
    real = np.full((4000, 1, 1, 1), 0.5, np.float32)
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(real.shape).astype(np.float32)
    t = 500
    noisy = np.asarray(dm.add_noise(real, noise, np.full(len(real), alpha_bar[t])))
    out = dm.ddpm_step(noisy, noise, alpha_bar, t, t - 1, rng)
    # q(x_{t-1} | x_0) has mean sqrt(abar_{t-1}) x_0 and variance 1 - abar_{t-1}.
    assert abs(out.mean() - np.sqrt(alpha_bar[t - 1]) * 0.5) < 0.05
    assert abs(out.var() - (1 - alpha_bar[t - 1])) < 0.05


def _oracle_network(target, alpha_bar):
    """The exact noise predictor for a dataset holding one image: a functional Keras model."""
    from keras import ops

    images = keras.Input(target.shape, name="noisy_images")
    t = keras.Input((), name="t")
    index = ops.cast(ops.round(t * len(alpha_bar)), "int32")
    a = ops.reshape(ops.take(ops.convert_to_tensor(alpha_bar.astype(np.float32)), index), (-1, 1, 1, 1))
    noise = (images - ops.sqrt(a) * target[None]) / ops.sqrt(1.0 - a)
    return keras.Model([images, t], noise)


@pytest.mark.parametrize("sampler,steps", [("ddim", 5), ("ddim", 50), ("ddpm", None)])
def test_samplers_recover_the_only_training_image_from_an_oracle(sampler, steps):
    alpha_bar = dm.cosine_alpha_bar()
    target = np.linspace(-0.8, 0.8, 16, dtype=np.float32).reshape(4, 4, 1)
    model = DiffusionModel(_oracle_network(target, alpha_bar), alpha_bar, ema_decay=None)
    images = model.generate(3, seed=0, sampler=sampler, steps=steps or 50)
    assert images.shape == (3, 4, 4, 1)
    np.testing.assert_allclose(images, np.broadcast_to(target, images.shape), atol=2e-3)


def test_ddpm_costs_one_evaluation_per_timestep_and_ddim_one_per_step(monkeypatch):
    alpha_bar = dm.cosine_alpha_bar(100)
    target = np.zeros((4, 4, 1), np.float32)
    model = DiffusionModel(_oracle_network(target, alpha_bar), alpha_bar, ema_decay=None)
    calls = []
    original = model.predict_noise
    monkeypatch.setattr(model, "predict_noise", lambda *a, **k: calls.append(1) or original(*a, **k))
    model.generate(2, sampler="ddpm")
    assert len(calls) == 100
    calls.clear()
    model.generate(2, sampler="ddim", steps=7)
    assert len(calls) == 7
    with pytest.raises(ValueError, match="sampler"):
        model.generate(2, sampler="euler")


def test_timestep_features_tell_timesteps_apart():
    features = np.asarray(timestep_features(np.array([0.0, 0.001, 0.5], np.float32)))
    assert features.shape == (3, 64) and np.all(np.abs(features) <= 1)
    assert np.linalg.norm(features[0] - features[1]) > 0.1  # neighbouring steps differ


def test_unet_shapes_conditional_and_clone():
    net = build_unet(28, 1, 8, num_classes=3)
    out = net([np.zeros((2, 28, 28, 1), np.float32), np.array([0.1, 0.9], np.float32),
               np.array([0, 3], np.int32)])
    assert out.shape == (2, 28, 28, 1)
    twin = keras.models.clone_model(net)  # the timestep layer survives cloning (no Lambda)
    assert twin.count_params() == net.count_params()
    with pytest.raises(ValueError, match="px"):
        build_unet(32)
    with pytest.raises(ValueError, match="num_classes"):
        build_unet(28, num_classes=1)


def _tiny_dataset(n=48, classes=2):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)
    labels = (np.arange(n) % classes).astype(np.int32)
    split = Split(images, labels)
    return ImageDataset(name="tiny", train=split, val=split, test=split,
                        class_names=tuple(f"c{i}" for i in range(classes)), source="random test arrays")


def test_training_updates_weights_and_the_ema_follows():
    recipe = DiffusionRecipe(base_filters=8, batch_size=16, ema_decay=0.5)
    result = train_diffusion(recipe, _tiny_dataset(), steps=3, seed=0, progress=False)
    assert result.steps == 3 and result.losses.shape == (3,) and np.all(np.isfinite(result.losses))
    model = result.model
    raw, ema = model.network.get_weights(), model.ema_network.get_weights()
    assert any(not np.allclose(r, e) for r, e in zip(raw, ema))  # EMA lags the weights
    images = model.generate(4, seed=1, steps=3)
    assert images.shape == (4, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, model.generate(4, seed=1, steps=3))  # seeded


def test_conditional_guidance_changes_the_samples():
    recipe = DiffusionRecipe(base_filters=8, batch_size=16, conditional=True)
    model = train_diffusion(recipe, _tiny_dataset(), steps=2, seed=0, progress=False).model
    labels = np.array([0, 1, 0, 1])
    plain = model.generate(4, labels=labels, seed=0, steps=3)
    guided = model.generate(4, labels=labels, seed=0, steps=3, guidance=3.0)
    assert not np.allclose(plain, guided)


def test_label_dropout_uses_the_no_label_token():
    recipe = DiffusionRecipe(base_filters=8, batch_size=16, conditional=True)
    model = train_diffusion(recipe, _tiny_dataset(), steps=1, seed=0, progress=False).model
    labels = np.asarray(model._training_labels(np.zeros(20000, np.int32), 20000))
    assert set(np.unique(labels)) == {0, 2}
    assert abs(np.mean(labels == 2) - LABEL_DROPOUT) < 0.01


def test_train_diffusion_rejects_bad_budgets():
    with pytest.raises(UserError, match="steps, seconds"):
        train_diffusion(DiffusionRecipe(), _tiny_dataset(), progress=False)
    with pytest.raises(UserError, match="batch"):
        train_diffusion(DiffusionRecipe(batch_size=64), _tiny_dataset(32), steps=1, progress=False)
    with pytest.raises(UserError, match="schedule"):
        train_diffusion(DiffusionRecipe(schedule="sqrt"), _tiny_dataset(), steps=1, progress=False)


def test_ema_warm_up_forgets_the_initial_weights():
    model = DiffusionModel(build_unet(28, 1, 8), ema_decay=0.995)
    assert float(model.ema_decay_at(0.0)) == pytest.approx(0.1)
    assert float(model.ema_decay_at(10_000.0)) == pytest.approx(0.995)
    # The weight the initialisation keeps after 262 updates: about 0 with the warm-up, 27 % without.
    kept = np.prod([float(model.ema_decay_at(float(s))) for s in range(1, 263)])
    assert kept < 0.01 and 0.995 ** 262 > 0.25
