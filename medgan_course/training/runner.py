"""One function that trains a recipe on a dataset, and one that writes a run folder.

Used by the `medgan-course train` command, the benchmarks and the notebooks, so that all three
run the same code. Taught in notebooks/04_training_loop.ipynb.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pathlib
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402

from medgan_course.data.pipeline import make_dataset  # noqa: E402
from medgan_course.data.types import ImageDataset, to_uint8  # noqa: E402
from medgan_course.models import build_models  # noqa: E402
from medgan_course.training import callbacks as cb  # noqa: E402
from medgan_course.training.distribute import precision as precision_policy  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402
from medgan_course.training.recipes import Recipe  # noqa: E402

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
    """

    gan: GAN
    recipe: Recipe
    steps: int
    seconds: float
    images_per_second: float
    history: dict
    stopped: str
    samples_over_time: list = field(default_factory=list)


def build_gan(recipe: Recipe, *, image_size: int, channels: int, num_classes: int | None = None,
              strategy=None, seed: int = 0, jit_compile: bool = False,
              steps_per_execution: int = 1) -> GAN:
    """Builds and compiles the recipe's GAN (inside `strategy.scope()` when one is given).

    Args:
        recipe: what to build.
        image_size: 28 or 64.
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
        precision: "float32", "mixed_float16" or "mixed_bfloat16".
        strategy: a `tf.distribute.Strategy` (default: the current one).
        sample_every: record a sample grid every this many steps (None: about 10 grids).
        extra_callbacks: more Keras callbacks (e.g. a live monitor widget).
        progress: show a progress bar.
        jit_compile: compile the training step with XLA.

    Returns:
        A `TrainResult`.
    """
    if steps is None and seconds is None:
        raise ValueError("train: give steps, seconds, or both")
    keras.utils.set_random_seed(seed)
    strategy = strategy or tf.distribute.get_strategy()
    train_split = dataset.train
    num_classes = dataset.num_classes if recipe.conditional else None
    global_batch = recipe.batch_size * strategy.num_replicas_in_sync
    if len(train_split.images) < global_batch:
        raise ValueError(f"train: {len(train_split.images)} training images are fewer than one "
                         f"batch of {global_batch}; lower the batch size")
    with precision_policy(precision):
        gan = build_gan(recipe, image_size=dataset.image_shape[0], channels=dataset.image_shape[2],
                        num_classes=num_classes, strategy=strategy, seed=seed,
                        jit_compile=jit_compile)
    data = make_dataset(train_split.images, train_split.labels if recipe.conditional else None,
                        batch_size=global_batch, shuffle=True, seed=seed, repeat=True)
    max_steps = steps if steps is not None else 10**9
    budget = cb.TimeBudget(seconds if seconds is not None else math.inf, batch_size=global_batch)
    history, guard = cb.LossHistory(), cb.NaNGuard()
    grid = cb.SampleGrid(16, every_n_steps=sample_every or max(1, (steps or 1000) // 10),
                         labels=(np.arange(16) % num_classes) if num_classes else None, seed=seed)
    callbacks = [budget, history, guard, grid, _StopAtStep(max_steps), *extra_callbacks]
    if progress:
        callbacks.append(_ProgressBar(steps, seconds))
    started = time.perf_counter()
    gan.fit(data, epochs=math.ceil(max_steps / STEPS_PER_EPOCH),
            steps_per_epoch=min(STEPS_PER_EPOCH, max_steps), verbose=0, shuffle=False, callbacks=callbacks)  # the pipeline shuffles
    elapsed = time.perf_counter() - started
    stopped = guard.diagnosis or ("seconds" if budget.stopped else "steps")
    return TrainResult(gan=gan, recipe=recipe, steps=budget.steps, seconds=elapsed,
                       images_per_second=budget.images_per_second or float("nan"),
                       history={k: np.asarray(v, np.float32) for k, v in history.history.items()},
                       stopped=stopped, samples_over_time=grid.samples)


class _StopAtStep(keras.callbacks.Callback):
    """Stops `fit` after exactly `max_steps` steps (epochs are only a reporting unit here)."""

    def __init__(self, max_steps: int):
        super().__init__()
        self.max_steps, self.step = max_steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step >= self.max_steps:
            self.model.stop_training = True


class _ProgressBar(keras.callbacks.Callback):
    """A tqdm bar over steps (or seconds, when only a time budget is given) with the losses."""

    def __init__(self, steps: int | None, seconds: float | None):
        super().__init__()
        self.steps, self.seconds = steps, seconds

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        total = self.steps if self.steps is not None else round(self.seconds)
        unit = "step" if self.steps is not None else "s"
        # In a log file (CI, nohup) every refresh is a new line: refresh rarely there. Terminals
        # and notebooks (a widget bar) redraw in place.
        interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
        interval = 0.1 if interactive else 15.0
        self.bar = tqdm(total=total, unit=unit, desc="training", mininterval=interval)
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.steps is not None:
            self.bar.update(1)
        else:  # update() (not refresh()) so that tqdm's mininterval limits the redraws
            now = min(self.bar.total, int(time.perf_counter() - self.start))
            if now > self.bar.n:
                self.bar.update(now - self.bar.n)
        if logs and batch % 10 == 0:
            self.bar.set_postfix(d_loss=f"{float(logs['d_loss']):.3f}",
                                 g_loss=f"{float(logs['g_loss']):.3f}", refresh=False)

    def on_train_end(self, logs=None):
        # A spent time budget is a finished run: fill the bar, or tqdm shows an unfinished (red)
        # bar at e.g. 4/5 s because the last redraw came before the last second ticked.
        if self.steps is None and round(time.perf_counter() - self.start) >= self.bar.total:
            self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()


def _sample_arrays(gan: GAN, n: int, seed: int):
    """n generated images as uint8 `(n, H, W)` (grey) or `(n, H, W, C)`, plus labels or None."""
    labels = None if gan.num_classes is None else (np.arange(n) % gan.num_classes).astype(np.int32)
    images = to_uint8(gan.generate(n, labels, seed=seed))
    if images.shape[-1] == 1:
        images = images[..., 0]  # MedMNIST's own layout for grey images
    return images, labels


def _metrics(result: TrainResult, precision: str) -> dict:
    """The numbers a run reports (metrics.json)."""
    tail = max(1, len(result.history.get("d_loss", [])) // 10)
    final = {k: float(np.mean(v[-tail:])) for k, v in result.history.items() if len(v)}
    return {"steps": result.steps, "seconds": round(result.seconds, 2),
            "images_per_second": round(result.images_per_second, 1), "stopped": result.stopped,
            "precision": precision, "final_losses_mean_last_10pct": final,
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "devices": [d.device_type for d in tf.config.list_logical_devices()]}


def check_out_dir(out_dir: pathlib.Path) -> None:
    """Refuses to overwrite: the folder must not exist or be empty."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} exists and is not empty; choose a new --out folder")


def save_run(result: TrainResult, out_dir, *, config: dict, n_samples: int = 1000,
             seed: int = 0, precision: str = "float32") -> pathlib.Path:
    """Writes a run folder atomically: everything appears at once, or nothing does.

    Files: samples.npz (`images` uint8, `labels` when conditional), samples.png,
    progress.png (fixed-z samples over training), losses.png, metrics.json, config.json,
    generator.keras (the EMA generator when the recipe keeps one).

    Args:
        result: what `train` returned.
        out_dir: the folder to create (must not exist, or be empty).
        config: the arguments of the run, written to config.json with the recipe.
        n_samples: images in samples.npz.
        seed: seed of the sampled latent vectors.
        precision: the precision policy the run used (for metrics.json).

    Returns:
        The run folder's path.
    """
    from medgan_course import plots as figures

    out_dir = pathlib.Path(out_dir)
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        images, labels = _sample_arrays(result.gan, n_samples, seed)
        arrays = {"images": images} if labels is None else {"images": images, "labels": labels}
        np.savez_compressed(tmp / "samples.npz", **arrays)
        figures.save_samples_png(images[:64], tmp / "samples.png", labels=None if labels is None else labels[:64])
        figures.save_progress_png(result.samples_over_time, tmp / "progress.png")
        figures.save_losses_png(result.history, tmp / "losses.png")
        _write_json(tmp / "metrics.json", _metrics(result, precision))
        _write_json(tmp / "config.json", {"recipe": result.recipe.to_dict(), **config})
        generator = result.gan.ema_generator or result.gan.generator
        generator.save(tmp / "generator.keras")
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.replace(tmp, out_dir)
    except BaseException:
        _remove_tree(tmp)
        raise
    return out_dir


def _write_json(path: pathlib.Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2, default=str) + "\n")


def _remove_tree(path: pathlib.Path) -> None:
    import shutil

    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(path)
