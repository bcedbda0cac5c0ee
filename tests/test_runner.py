"""Recipes, `runner.train`, `runner.save_run` and the run folder: what the CLI, benchmarks and
notebooks share."""

import inspect
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from medgan_course.data.phantoms import make_phantoms
from medgan_course.errors import RunFolderError
from medgan_course.training import runner
from medgan_course.training.recipes import RECIPES, get_recipe
from medgan_course.training.run_folder import (
    DataArgs,
    RunConfig,
    TrainSettings,
    generate_from_run,
    load_run,
)


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
    # The default the recipe study chose (docs/RECIPES.md): notebook 05's plain DCGAN.
    default = get_recipe("dcgan")
    assert (default.loss, default.spectral_norm, default.beta_1, default.ema_decay) == (
        "non_saturating", False, 0.5, None)
    former = get_recipe("sn-hinge-ema")
    assert (former.loss, former.spectral_norm, former.ema_decay) == ("hinge", True, 0.999)
    assert get_recipe("dcgan-diffaug") == default.replace(name="dcgan-diffaug",
                                                          augment_policy="color,translation,cutout")


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
        runner.save_run(result, tmp_path / "run", data=DataArgs("phantoms"), n_samples=8)
    assert list(tmp_path.iterdir()) == []  # neither the run nor a partial folder


def test_save_run_refuses_to_overwrite(phantoms, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "old.txt").write_text("keep")
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, steps=1, seed=0,
                          progress=False)
    with pytest.raises(FileExistsError):
        runner.save_run(result, tmp_path / "run", data=DataArgs("phantoms"), n_samples=8)
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
    from medgan_course.training.callbacks import ProgressBar

    bar = ProgressBar(steps=None, seconds=5.0)
    bar.on_train_begin()
    bar.start -= elapsed  # as if `elapsed` seconds had passed
    bar.on_train_end()
    assert (bar.bar.n == bar.bar.total == 5) is full


# ------------------------------------------------------------------- the run folder contract
@pytest.fixture(scope="module")
def saved_run(phantoms, tmp_path_factory):
    """A 2-step run folder written by `save_run`, and the metrics it returned."""
    result = runner.train(get_recipe("dcgan").replace(batch_size=16), phantoms, steps=2, seed=4,
                          precision="float32", progress=False)
    out = tmp_path_factory.mktemp("runs") / "run"
    metrics = runner.save_run(result, out, data=DataArgs("phantoms", max_train=128), n_samples=12)
    return out, metrics


def test_save_run_returns_the_metrics_it_wrote(saved_run):
    out, metrics = saved_run
    assert metrics == json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["precision"] == "float32"
    # seed and precision travel once, inside the TrainResult: save_run takes neither.
    assert not {"seed", "precision", "config"} & set(inspect.signature(runner.save_run).parameters)


def test_run_config_round_trips_the_loaders_arguments(saved_run):
    out, _ = saved_run
    config = load_run(out).config
    assert config.data == DataArgs("phantoms", size=28, data_dir=None, max_train=128)
    assert config.settings == TrainSettings(seed=4, precision="float32", strategy="default",
                                            steps=2, seconds=None)
    assert config.recipe == get_recipe("dcgan").replace(batch_size=16)
    assert config.generator.latent_dim == 128 and config.generator.num_classes is None
    assert config.class_names == tuple(make_phantoms(n_train=8, seed=0).class_names)
    assert RunConfig.from_dict(json.loads((out / "config.json").read_text())) == config


def test_samples_from_the_saved_generator_are_the_runs_samples(saved_run):
    """`sample --seed SEED` with the saved generator redraws samples.npz exactly."""
    out, _ = saved_run
    run = load_run(out)
    images, labels = generate_from_run(run, 12, seed=run.config.settings.seed)
    np.testing.assert_array_equal(images, run.samples())
    assert images.dtype == np.uint8 and images.shape == (12, 28, 28) and labels is None
    with pytest.raises(RunFolderError, match="unconditional"):
        generate_from_run(run, 2, seed=0, label=0)


def _copy_run(source, target, **config_changes):
    shutil.copytree(source, target)
    config = json.loads((target / "config.json").read_text())
    config.update(config_changes)
    (target / "config.json").write_text(json.dumps(config))
    return target


@pytest.mark.parametrize("breakage, message", [
    ("no folder", "no such folder"),
    ("no config", "not a training run folder"),
    ("corrupt json", "corrupt"),
    ("old format", "retrain"),
    ("unknown recipe field", "not a valid run config"),
    ("other latent stream", "latent stream"),
])
def test_load_run_refuses_what_is_not_a_run(saved_run, tmp_path, breakage, message):
    out, _ = saved_run
    broken = tmp_path / "broken"
    if breakage == "no config":
        _copy_run(out, broken)
        (broken / "config.json").unlink()
    elif breakage == "corrupt json":
        _copy_run(out, broken)
        (broken / "config.json").write_text('{"format": 2, "recipe": ')
    elif breakage == "old format":  # the first format: a derived dataset name, no "format"
        _copy_run(out, broken, dataset="breastmnist_64", format=None)
    elif breakage == "unknown recipe field":
        recipe = {**json.loads((out / "config.json").read_text())["recipe"], "warp": 9}
        _copy_run(out, broken, recipe=recipe)
    elif breakage == "other latent stream":
        _copy_run(out, broken, generator={"latent_dim": 128, "latent_stream": "uniform"})
    with pytest.raises(RunFolderError, match=message) as err:
        load_run(broken)
    assert "\n" not in str(err.value)


def test_recipes_know_the_sizes_their_architecture_makes():
    assert get_recipe("seed-dcgan").image_sizes == (28,)
    assert get_recipe("dcgan").image_sizes == (28, 64)
    assert get_recipe("dcgan").check_image_size(64) == 64
    with pytest.raises(ValueError, match="28 px"):
        get_recipe("seed-dcgan").check_image_size(64)
    with pytest.raises(ValueError, match="28 px"):  # build_gan applies the same check
        runner.build_gan(get_recipe("seed-dcgan"), image_size=64, channels=1)


def test_recipes_import_no_tensorflow():
    script = ("import sys; import medgan_course.training.recipes, medgan_course.training.run_folder; "
              "print('tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_every_loss_name_is_a_loss_the_losses_module_computes():
    """The names (TF-free, for the parser) and the losses (TF) must not drift apart."""
    from medgan_course.training import loss_names, losses

    assert losses.LOSS_NAMES is loss_names.LOSS_NAMES  # one tuple, re-exported
    logits = np.array([[0.5], [-1.0]], np.float32)
    for name in loss_names.LOSS_NAMES:
        d_loss = losses.discriminator_loss(name, logits, -logits)
        g_loss = losses.generator_loss(name, -logits)
        assert np.isfinite(float(d_loss)) and np.isfinite(float(g_loss)), name
