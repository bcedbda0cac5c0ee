"""Recipes, `runner.train` and `runner.save_run`: what the CLI, benchmarks and notebooks share."""

import numpy as np
import pytest

from medgan_course.data.phantoms import make_phantoms
from medgan_course.training import runner
from medgan_course.training.recipes import RECIPES, get_recipe


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(n_train=128, n_val=16, n_test=32, seed=0)


def test_recipes_are_valid_and_named_consistently():
    for name, recipe in RECIPES.items():
        assert recipe.name == name
    seed = get_recipe("seed-dcgan")
    # The TensorFlow DCGAN tutorial's training of the article's models.
    assert (seed.loss, seed.batch_size, seed.g_learning_rate, seed.d_learning_rate, seed.latent_dim) == (
        "non_saturating", 256, 1e-4, 1e-4, 100)
    default = get_recipe("dcgan")
    assert (default.loss, default.spectral_norm, default.beta_1, default.ema_decay) == ("hinge", True, 0.5, 0.999)


@pytest.mark.parametrize("change, message", [
    ({"loss": "wrong"}, "loss"),
    ({"batch_size": 0}, "batch_size"),
    ({"ema_decay": 1.5}, "ema_decay"),
    ({"gp_weight": 10.0, "batch_norm": None}, "BatchNormalization"),
])
def test_recipe_rejects_bad_fields(change, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("dcgan").replace(spectral_norm=False, **change)


def test_unknown_recipe_lists_known_ones():
    with pytest.raises(ValueError, match="seed-dcgan"):
        get_recipe("stylegan9")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_build_gan_builds_every_recipe(name):
    recipe = RECIPES[name]
    gan = runner.build_gan(recipe, image_size=28, channels=1, num_classes=2 if recipe.conditional else None)
    # Both optimizers are built before fit (their slot variables exist), see docs/ARCHITECTURE.md.
    assert gan.d_optimizer.variables and gan.g_optimizer.variables
    labels = np.array([0, 1], np.int32) if recipe.conditional else None
    images = gan.generate(2, labels, seed=0)
    assert images.shape == (2, 28, 28, 1) and images.min() >= -1 and images.max() <= 1


def test_train_runs_exactly_the_steps_asked(phantoms):
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, steps=7, seed=0,
                          progress=False, sample_every=3)
    assert result.steps == 7 and result.stopped == "steps"
    assert int(result.gan.g_optimizer.iterations.numpy()) == 7
    assert result.history["d_loss"].shape == (7,) and np.all(np.isfinite(result.history["g_loss"]))
    assert [step for step, _ in result.samples_over_time] == [0, 3, 6]


def test_train_stops_on_the_time_budget(phantoms):
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, seconds=0.5, seed=0,
                          progress=False)
    assert result.stopped == "seconds" and result.steps >= 1


def test_train_refuses_a_batch_larger_than_the_data(phantoms):
    with pytest.raises(ValueError, match="batch"):
        runner.train(get_recipe("seed-dcgan"), phantoms, steps=1, progress=False)


def test_same_seed_same_losses(phantoms):
    recipe = get_recipe("dcgan").replace(batch_size=16)
    a = runner.train(recipe, phantoms, steps=3, seed=5, progress=False)
    b = runner.train(recipe, phantoms, steps=3, seed=5, progress=False)
    np.testing.assert_allclose(a.history["d_loss"], b.history["d_loss"], rtol=1e-4)


def test_save_run_leaves_nothing_when_it_fails(phantoms, tmp_path, monkeypatch):
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, steps=1, seed=0,
                          progress=False)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("medgan_course.plots.save_losses_png", broken)
    with pytest.raises(OSError, match="disk full"):
        runner.save_run(result, tmp_path / "run", config={}, n_samples=8)
    assert list(tmp_path.iterdir()) == []  # neither the run nor a partial folder


def test_save_run_refuses_to_overwrite(phantoms, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "old.txt").write_text("keep")
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, steps=1, seed=0,
                          progress=False)
    with pytest.raises(FileExistsError):
        runner.save_run(result, tmp_path / "run", config={}, n_samples=8)
    assert (tmp_path / "run" / "old.txt").read_text() == "keep"


def test_gradient_penalty_with_a_batch_norm_critic_is_refused():
    from medgan_course.models import build_models
    from medgan_course.training.gan import GAN

    generator, discriminator = build_models("dcgan", spectral_norm=False, batch_norm=True)
    with pytest.raises(ValueError, match="BatchNormalization"):
        GAN(generator, discriminator, 128, gp_weight=10.0)
    generator, discriminator = build_models("dcgan", spectral_norm=False, batch_norm=False)
    GAN(generator, discriminator, 128, gp_weight=10.0)  # the WGAN-GP critic is accepted


@pytest.mark.parametrize("elapsed, full", [(5.2, True), (4.7, True), (3.0, False)])
def test_progress_bar_is_full_when_the_time_budget_is_spent(elapsed, full):
    """A run stopped by its time budget ends with a full bar (tqdm draws an unfinished one red);
    a run stopped earlier (e.g. by the NaN guard) keeps its unfinished bar."""
    from medgan_course.training.runner import _ProgressBar

    bar = _ProgressBar(steps=None, seconds=5.0)
    bar.on_train_begin()
    bar.start -= elapsed  # as if `elapsed` seconds had passed
    bar.on_train_end()
    assert (bar.bar.n == bar.bar.total == 5) is full
