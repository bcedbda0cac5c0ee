"""One function that trains a recipe on a dataset, and one that writes a run folder.

Used by the `medgan-course train` command, the benchmarks and the notebooks, so that all three
run the same code. The run folder's layout is `run_folder.RunConfig`; `save_run` is its only
writer. With `checkpoint=` a run checkpoints into a staging folder and, started again with the
same arguments, resumes exactly where its last checkpoint left it (`training.checkpoint`).
Taught in notebooks/04_training_loop.ipynb.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import pathlib
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

# After require_tensorflow() on purpose: it checks the version with a message that says how to
# install TensorFlow before keras (or a module importing it) fails with a bare ImportError.
import keras  # noqa: E402

from medgan_course.data.types import ImageDataset  # noqa: E402
from medgan_course.errors import UserError  # noqa: E402
from medgan_course.models import build_models  # noqa: E402
from medgan_course.training import callbacks as cb  # noqa: E402
from medgan_course.training import checkpoint as ckpt  # noqa: E402
from medgan_course.training import run_folder  # noqa: E402
from medgan_course.training.data_order import step_batches  # noqa: E402
from medgan_course.training.distribute import get_strategy, resolve_precision  # noqa: E402
from medgan_course.training.distribute import precision as precision_policy  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402
from medgan_course.training.multiworker import (  # noqa: E402
    is_chief,
    multi_worker,
    vector_logs_across_workers,
)
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
        checkpoint_folder: the checkpoint (staging) folder, or None; `save_run` removes it.
        writes_files: False on a non-chief multi-worker task (`multiworker.is_chief`).
        resumed_from: the steps at which the run resumed from a checkpoint (empty: never).
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
    checkpoint_folder: pathlib.Path | None = None
    writes_files: bool = True
    resumed_from: tuple = ()


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
            base_filters=recipe.base_filters, generator_filters=recipe.generator_filters)
        gan = GAN(generator, discriminator, recipe.latent_dim,
                  num_classes=num_classes if recipe.conditional else None,
                  n_critic=recipe.n_critic, gp_weight=recipe.gp_weight,
                  ema_decay=recipe.ema_decay, ema_batch_norm=recipe.ema_batch_norm,
                  augment=recipe.augment_policy,
                  label_smoothing=recipe.label_smoothing, seed=seed)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(recipe.d_learning_rate, recipe.beta_1, recipe.beta_2),
            g_optimizer=keras.optimizers.Adam(recipe.g_learning_rate, recipe.beta_1, recipe.beta_2),
            loss=recipe.loss, jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    return gan


def train(recipe: Recipe, dataset: ImageDataset, *, steps: int | None = None,
          seconds: float | None = None, seed: int = 0, precision: str = "float32",
          strategy=None, sample_every: int | None = None, extra_callbacks=(),
          progress: bool = True, jit_compile: bool = False,
          checkpoint: ckpt.CheckpointSettings | None = None) -> TrainResult:
    """Trains `recipe` on `dataset.train` for `steps` generator steps and/or `seconds`.

    Batch s holds the images `data_order.step_batches` assigns to (seed, s), so a run resumed
    from a checkpoint sees exactly the batches, latent vectors and updates of an uninterrupted
    one; under op determinism it ends with the same weights.

    Args:
        recipe: the training recipe.
        dataset: an `ImageDataset`; its train split images `(N, H, W, C)` float32 in [-1, 1].
        steps: stop after this many generator steps (None: only the time budget counts).
        seconds: stop after this wall-clock budget (None: only `steps` counts); a resumed run
            counts the training seconds spent before its checkpoint.
        seed: seeds weights, data order and noise (`keras.utils.set_random_seed`).
        precision: "float32", "mixed_float16", "mixed_bfloat16", or "auto" (the machine's
            best measured policy: `distribute.choose_precision`).
        strategy: a `tf.distribute.Strategy`, or a `distribute.STRATEGY_NAMES` name
            (default: the current strategy).
        sample_every: record a sample grid every this many steps (None: about 10 grids).
        extra_callbacks: more Keras callbacks (e.g. a live monitor widget).
        progress: show a progress bar.
        jit_compile: compile the training step with XLA.
        checkpoint: where and how often to checkpoint (`checkpoint.CheckpointSettings`); when
            its folder holds a checkpoint of the same request, training resumes from it.

    Returns:
        A `TrainResult`.

    Raises:
        UserError: bad budgets or precision, too few images, or a checkpoint folder holding
            a run asked for with other arguments.
    """
    try:
        precision, precision_reason = resolve_precision(precision)
    except ValueError as err:
        raise UserError(str(err)) from None
    settings = _settings(steps, seconds, seed, precision, strategy)
    strategy = _strategy(strategy)
    if seconds is not None and multi_worker(strategy):
        raise UserError("train: a time budget cannot stop every worker of a multi-worker run "
                        "at the same step (their clocks differ); give steps instead")
    writes = is_chief(strategy)
    num_classes = dataset.num_classes if recipe.conditional else None
    global_batch = recipe.batch_size * strategy.num_replicas_in_sync
    # Real images one train_step takes: one batch per critic step (GAN.real_batch_size).
    data_batch = global_batch * recipe.n_critic
    if len(dataset.train.images) < data_batch:
        raise UserError(f"train: {len(dataset.train.images)} training images are fewer than one "
                        f"step's {data_batch} real images (batch {global_batch} x n_critic "
                        f"{recipe.n_critic}); lower the batch size")
    sample_every = sample_every or max(1, (steps or 1000) // 10)
    resume = checkpoint is not None and ckpt.check_request(
        checkpoint.folder, _request(recipe, dataset, settings, sample_every, jit_compile,
                                    strategy, checkpoint), write=writes)
    keras.utils.set_random_seed(seed)
    with precision_policy(precision):
        gan = build_gan(recipe, image_size=dataset.image_shape[0], channels=dataset.image_shape[2],
                        num_classes=num_classes, strategy=strategy, seed=seed,
                        jit_compile=jit_compile)
    vector_logs_across_workers(gan, strategy)
    state = ckpt.load_checkpoint(checkpoint.folder, gan) if resume else ckpt.Progress()
    if resume:
        state.resumed_from.append(state.step)
        print(f"train: resuming from the checkpoint in {checkpoint.folder} at step {state.step}",
              file=sys.stderr)
    data = step_batches(dataset.train.images, dataset.train.labels if recipe.conditional else None,
                        batch_size=data_batch, seed=seed, start_step=state.step)
    max_steps = steps if steps is not None else 10**9
    budget = cb.TimeBudget(seconds if seconds is not None else math.inf, batch_size=global_batch,
                           spent=state.seconds)
    history, guard, stop = cb.LossHistory(), cb.NaNGuard(), cb.StopAtStep(max_steps)
    grid = cb.SampleGrid(16, every_n_steps=sample_every,
                         labels=(np.arange(16) % num_classes) if num_classes else None, seed=seed)
    checkpointer = None if checkpoint is None else ckpt.Checkpointer(
        checkpoint, lambda: ckpt.Progress(
            step=stop.step, seconds=budget.elapsed, history_steps=list(history.steps),
            history=history.history, samples=grid.samples, resumed_from=state.resumed_from),
        write=writes)
    # The checkpointer after the callbacks whose records it saves.
    callbacks = [budget, history, guard, grid, stop, *([checkpointer] if checkpointer else []),
                 *extra_callbacks, *([cb.ProgressBar(steps, seconds)] if progress else [])]
    ckpt.resume_callbacks(callbacks, state)
    finished = state.finished or ("seconds" if seconds is not None and state.seconds >= seconds
                                  else "steps" if state.step >= max_steps else None)
    started = time.perf_counter()
    if finished is None:
        remaining = max_steps - state.step
        gan.fit(data, epochs=math.ceil(remaining / STEPS_PER_EPOCH),
                steps_per_epoch=min(STEPS_PER_EPOCH, remaining), verbose=0,
                shuffle=False, callbacks=callbacks)  # shuffle=False: the data is ordered already
    stopped = finished or guard.diagnosis or ("seconds" if budget.stopped else "steps")
    if checkpointer is not None:  # the last one: a kill while saving the run repeats no step
        checkpointer.set_model(gan)
        checkpointer.save(finished=stopped)
    return TrainResult(gan=gan, recipe=recipe, steps=stop.step,
                       seconds=state.seconds + (time.perf_counter() - started if finished is None
                                                else 0.0),
                       images_per_second=budget.images_per_second or float("nan"),
                       history={k: np.asarray(v, np.float32) for k, v in history.history.items()},
                       stopped=stopped, samples_over_time=grid.samples, settings=settings,
                       class_names=dataset.class_names, data_source=dataset.source,
                       precision_reason=precision_reason,
                       checkpoint_folder=None if checkpoint is None else checkpoint.folder,
                       writes_files=writes, resumed_from=tuple(state.resumed_from))


def _request(recipe, dataset, settings, sample_every, jit_compile, strategy, checkpoint) -> dict:
    """What a resumed run must share with the interrupted one (see `checkpoint.check_request`)."""
    data = {"name": dataset.name, "image_shape": list(dataset.image_shape),
            "train_images": len(dataset.train.images), "source": dataset.source}
    return {"recipe": recipe.to_dict(), "data": data, **asdict(settings),
            "replicas": strategy.num_replicas_in_sync, "sample_every": sample_every,
            "jit_compile": bool(jit_compile), **checkpoint.request}


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
            "resumed_from_steps": list(result.resumed_from),
            "generator_sha256": weights_digest(
                result.gan.sampling_generator().weights),
            # Equal on every worker of a multi-worker run (BatchNormalization's moving
            # statistics, in generator_sha256, are each worker's own).
            "trainable_sha256": weights_digest(result.gan.generator.trainable_weights
                                               + result.gan.discriminator.trainable_weights),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "devices": [d.device_type for d in tf.config.list_logical_devices()]}


def weights_digest(weights) -> str:
    """SHA-256 of a list of weights (their bytes, in order): equal digests, equal weights."""
    digest = hashlib.sha256()
    for weight in weights:
        digest.update(np.ascontiguousarray(np.asarray(weight)).tobytes())
    return digest.hexdigest()


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

    The files are written in the run's staging folder (`checkpoint.staging_dir(out_dir)`, when
    it trained with that checkpoint folder; else a temporary folder beside `out_dir`), renamed
    into place, and then the checkpoint folder is removed. A non-chief multi-worker task
    writes nothing (TensorFlow's pattern: the chief writes) and only returns the metrics.

    Args:
        result: what `train` returned.
        out_dir: the folder to create (must not exist, or be empty).
        data: the `load_dataset` arguments that made the training data.
        n_samples: images in samples.npz.

    Returns:
        The metrics written to metrics.json.
    """
    if not result.writes_files:
        return _metrics(result)
    out_dir = pathlib.Path(out_dir)
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = result.checkpoint_folder
    if staging is not None and pathlib.Path(staging).resolve() == \
            ckpt.staging_dir(out_dir).resolve():
        tmp = pathlib.Path(staging) / "run"
        shutil.rmtree(tmp, ignore_errors=True)  # left by a run killed while saving
        tmp.mkdir(parents=True)
    else:
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
    if staging is not None:  # the run is complete: its checkpoint has served
        shutil.rmtree(staging, ignore_errors=True)
    return metrics


def _write_run_files(result: TrainResult, folder: pathlib.Path, config: RunConfig,
                     n_samples: int) -> dict:
    """Writes every file of a run into `folder`; returns the metrics."""
    from medgan_course import plots as figures

    generator = result.gan.sampling_generator()  # what GAN.generate uses
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
