"""One function that trains a recipe on a dataset, and one that writes a run folder.

Used by the `medgan-course train` command, the benchmarks and the notebooks, so that all three
run the same code. The run folder's layout is `run_folder.RunConfig`; `save_run` is its only
writer. Taught in notebooks/04_training_loop.ipynb.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pathlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

# After require_tensorflow() on purpose: it checks the version with a message that says how to
# install TensorFlow before keras (or a module importing it) fails with a bare ImportError.
import keras  # noqa: E402

from medgan_course.data.pipeline import make_dataset  # noqa: E402
from medgan_course.data.types import ImageDataset  # noqa: E402
from medgan_course.errors import UserError  # noqa: E402
from medgan_course.models import build_models  # noqa: E402
from medgan_course.training import callbacks as cb  # noqa: E402
from medgan_course.training import run_folder  # noqa: E402
from medgan_course.training.distribute import get_strategy, resolve_precision  # noqa: E402
from medgan_course.training.distribute import precision as precision_policy  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402
from medgan_course.training.recipes import Recipe  # noqa: E402
from medgan_course.training.run_folder import DataArgs, GeneratorSpec, RunConfig, TrainSettings  # noqa: E402
from medgan_course.validate import positive_int, positive_number  # noqa: E402

#: Steps per Keras "epoch": only sets how often epoch-level callbacks run.
STEPS_PER_EPOCH = 100


@dataclass
class TrainResult:
    """What `train` returns.

    Attributes:
        gan: the trained `GAN` (its `generate` uses the EMA generator when the recipe has one).
        recipe: the recipe that was trained.
        steps: generator steps completed.
        seconds: wall-clock seconds of `fit`, compilation included.
        images_per_second: real images consumed per second, first step (tracing) excluded.
        history: per-step arrays "d_loss", "g_loss" (float32, length `steps`).
        stopped: "steps", "seconds" or the NaN diagnosis that stopped training.
        samples_over_time: list of (step, uint8 grid images) from fixed latent vectors.
        settings: seed, precision, strategy and budgets the run was asked for.
        class_names: the training data's class names.
        data_source: the training data's provenance (`ImageDataset.source`).
        precision_reason: why `settings.precision` was chosen (what "auto" read, or the caller).
    """

    gan: GAN
    recipe: Recipe
    steps: int
    seconds: float
    images_per_second: float
    history: dict
    stopped: str
    samples_over_time: list = field(default_factory=list)
    settings: TrainSettings = field(default_factory=TrainSettings)
    class_names: tuple = ()
    data_source: str = ""
    precision_reason: str = ""


def build_gan(recipe: Recipe, *, image_size: int, channels: int, num_classes: int | None = None,
              strategy=None, seed: int = 0, jit_compile: bool = False,
              steps_per_execution: int = 1) -> GAN:
    """Builds and compiles the recipe's GAN (inside `strategy.scope()` when one is given).

    Args:
        recipe: what to build.
        image_size: one of `recipe.image_sizes` (28, or 28 or 64).
        channels: 1 (grey) or 3 (colour).
        num_classes: required when `recipe.conditional`.
        strategy: a `tf.distribute.Strategy`; None uses the current one.
        seed: base seed of the GAN's latent-vector stream.
        jit_compile: compile the training step with XLA (measure first: on some CPUs it is
            slower, see docs/PERFORMANCE.md).
        steps_per_execution: training steps per `tf.function` call.

    Returns:
        A compiled `GAN` whose variables, optimizer slots included, all exist.
    """
    if recipe.conditional and not num_classes:
        raise ValueError(f"recipe {recipe.name!r} is conditional: pass num_classes")
    recipe.check_image_size(image_size)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        generator, discriminator = build_models(
            recipe.model, latent_dim=recipe.latent_dim, image_size=image_size, channels=channels,
            num_classes=num_classes if recipe.conditional else None,
            spectral_norm=recipe.spectral_norm, batch_norm=recipe.batch_norm,
            base_filters=recipe.base_filters)
        gan = GAN(generator, discriminator, recipe.latent_dim,
                  num_classes=num_classes if recipe.conditional else None,
                  n_critic=recipe.n_critic, gp_weight=recipe.gp_weight,
                  ema_decay=recipe.ema_decay, augment=recipe.augment_policy,
                  label_smoothing=recipe.label_smoothing, seed=seed)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(recipe.d_learning_rate, recipe.beta_1, recipe.beta_2),
            g_optimizer=keras.optimizers.Adam(recipe.g_learning_rate, recipe.beta_1, recipe.beta_2),
            loss=recipe.loss, jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    return gan


def train(recipe: Recipe, dataset: ImageDataset, *, steps: int | None = None,
          seconds: float | None = None, seed: int = 0, precision: str = "float32",
          strategy=None, sample_every: int | None = None, extra_callbacks=(),
          progress: bool = True, jit_compile: bool = False) -> TrainResult:
    """Trains `recipe` on `dataset.train` for `steps` generator steps and/or `seconds`.

    Args:
        recipe: the training recipe.
        dataset: an `ImageDataset`; its train split images `(N, H, W, C)` float32 in [-1, 1].
        steps: stop after this many generator steps (None: only the time budget counts).
        seconds: stop after this wall-clock budget (None: only `steps` counts).
        seed: seeds weights, data order and noise (`keras.utils.set_random_seed`).
        precision: "float32", "mixed_float16", "mixed_bfloat16", or "auto" (the machine's
            best measured policy: `distribute.choose_precision`).
        strategy: a `tf.distribute.Strategy`, or a `distribute.STRATEGY_NAMES` name
            (default: the current strategy).
        sample_every: record a sample grid every this many steps (None: about 10 grids).
        extra_callbacks: more Keras callbacks (e.g. a live monitor widget).
        progress: show a progress bar.
        jit_compile: compile the training step with XLA.

    Returns:
        A `TrainResult`.
    """
    try:
        precision, precision_reason = resolve_precision(precision)
    except ValueError as err:
        raise UserError(str(err)) from None
    settings = _settings(steps, seconds, seed, precision, strategy)
    strategy = _strategy(strategy)
    keras.utils.set_random_seed(seed)
    num_classes = dataset.num_classes if recipe.conditional else None
    global_batch = recipe.batch_size * strategy.num_replicas_in_sync
    if len(dataset.train.images) < global_batch:
        raise UserError(f"train: {len(dataset.train.images)} training images are fewer than one "
                        f"batch of {global_batch}; lower the batch size")
    with precision_policy(precision):
        gan = build_gan(recipe, image_size=dataset.image_shape[0], channels=dataset.image_shape[2],
                        num_classes=num_classes, strategy=strategy, seed=seed,
                        jit_compile=jit_compile)
    data = make_dataset(dataset.train.images, dataset.train.labels if recipe.conditional else None,
                        batch_size=global_batch, shuffle=True, seed=seed, repeat=True)
    max_steps = steps if steps is not None else 10**9
    budget = cb.TimeBudget(seconds if seconds is not None else math.inf, batch_size=global_batch)
    history, guard = cb.LossHistory(), cb.NaNGuard()
    grid = cb.SampleGrid(16, every_n_steps=sample_every or max(1, (steps or 1000) // 10),
                         labels=(np.arange(16) % num_classes) if num_classes else None, seed=seed)
    callbacks = [budget, history, guard, grid, cb.StopAtStep(max_steps), *extra_callbacks]
    if progress:
        callbacks.append(cb.ProgressBar(steps, seconds))
    started = time.perf_counter()
    gan.fit(data, epochs=math.ceil(max_steps / STEPS_PER_EPOCH),
            steps_per_epoch=min(STEPS_PER_EPOCH, max_steps), verbose=0,
            shuffle=False, callbacks=callbacks)  # shuffle=False: the pipeline shuffles
    elapsed = time.perf_counter() - started
    return TrainResult(gan=gan, recipe=recipe, steps=budget.steps, seconds=elapsed,
                       images_per_second=budget.images_per_second or float("nan"),
                       history={k: np.asarray(v, np.float32) for k, v in history.history.items()},
                       stopped=guard.diagnosis or ("seconds" if budget.stopped else "steps"),
                       samples_over_time=grid.samples, settings=settings,
                       class_names=dataset.class_names, data_source=dataset.source,
                       precision_reason=precision_reason)


def _settings(steps, seconds, seed, precision, strategy) -> TrainSettings:
    """The checked request of a `train` call, as the run folder records it."""
    if steps is None and seconds is None:
        raise UserError("train: give steps, seconds, or both")
    try:  # the checked values are plain int/float, so that config.json can hold them
        steps = None if steps is None else positive_int("train: steps", steps)
        seconds = None if seconds is None else positive_number("train: seconds", seconds)
    except ValueError as err:
        raise UserError(str(err)) from None
    name = (strategy if isinstance(strategy, str) else "default" if strategy is None
            else type(strategy).__name__)
    return TrainSettings(seed=int(seed), precision=precision, strategy=name, steps=steps,
                         seconds=seconds)


def _strategy(strategy):
    """A `tf.distribute.Strategy` from a name, an instance or None (the current one)."""
    if isinstance(strategy, str):
        try:  # an unknown name or a missing TF_CONFIG: the caller's to fix
            return get_strategy(strategy)
        except ValueError as err:
            raise UserError(str(err)) from None
    return strategy or tf.distribute.get_strategy()


def _metrics(result: TrainResult) -> dict:
    """The numbers a run reports (metrics.json)."""
    tail = max(1, len(result.history.get("d_loss", [])) // 10)
    final = {k: float(np.mean(v[-tail:])) for k, v in result.history.items() if len(v)}
    return {"steps": result.steps, "seconds": round(result.seconds, 2),
            "images_per_second": round(result.images_per_second, 1), "stopped": result.stopped,
            "precision": result.settings.precision, "precision_reason": result.precision_reason,
            "final_losses_mean_last_10pct": final,
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "devices": [d.device_type for d in tf.config.list_logical_devices()]}


def run_config(result: TrainResult, data: DataArgs) -> RunConfig:
    """The `RunConfig` of a trained result whose data `data` names."""
    spec = GeneratorSpec(latent_dim=result.gan.latent_dim, num_classes=result.gan.num_classes)
    return RunConfig(recipe=result.recipe, data=data, settings=result.settings, generator=spec,
                     class_names=tuple(result.class_names), source=result.data_source)


def check_out_dir(out_dir) -> None:
    """Refuses to overwrite: the folder must not exist or be empty.

    Raises:
        FileExistsError: `out_dir` is a file, or a folder with something in it.
    """
    out_dir = pathlib.Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} exists and is not empty; choose a new --out folder")


def save_run(result: TrainResult, out_dir, *, data: DataArgs, n_samples: int = 1000) -> dict:
    """Writes a run folder atomically: everything appears at once, or nothing does.

    Files: samples.npz (`images` uint8, `labels` when conditional), samples.png,
    progress.png (fixed-z samples over training), losses.png, metrics.json, config.json
    (`run_folder.RunConfig`), generator.keras (the EMA generator when the recipe keeps one).
    The samples are drawn with `run_folder.generate_images` from the seed of the run, as
    `medgan-course sample --seed SEED` draws them from the saved generator.

    Args:
        result: what `train` returned.
        out_dir: the folder to create (must not exist, or be empty).
        data: the `load_dataset` arguments that made the training data.
        n_samples: images in samples.npz.

    Returns:
        The metrics written to metrics.json.
    """
    out_dir = pathlib.Path(out_dir)
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        metrics = _write_run_files(result, tmp, run_config(result, data), n_samples)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.replace(tmp, out_dir)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
        raise
    return metrics


def _write_run_files(result: TrainResult, folder: pathlib.Path, config: RunConfig,
                     n_samples: int) -> dict:
    """Writes every file of a run into `folder`; returns the metrics."""
    from medgan_course import plots as figures

    generator = result.gan.ema_generator or result.gan.generator  # what GAN.generate uses
    images, labels = run_folder.generate_images(generator, config.generator, n_samples,
                                                seed=config.settings.seed)
    arrays = {"images": images} if labels is None else {"images": images, "labels": labels}
    np.savez_compressed(folder / run_folder.SAMPLES_FILE, **arrays)
    figures.save_samples_png(images[:64], folder / "samples.png",
                             labels=None if labels is None else labels[:64])
    figures.save_progress_png(result.samples_over_time, folder / "progress.png")
    figures.save_losses_png(result.history, folder / "losses.png")
    metrics = _metrics(result)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    run_folder.write_config(folder, config)
    generator.save(folder / run_folder.GENERATOR_FILE)
    return metrics
