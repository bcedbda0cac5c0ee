"""A denoising diffusion model (DDPM) trained with the same data order and budgets as the GANs.

Taught in notebooks/13_diffusion_vs_gan.ipynb, where each piece runs on small inputs first; the
arithmetic (schedules, noising, sampler steps) is NumPy in `models.diffusion_math`, the network
is `models.unet.build_unet`.

* Loss (Ho, Jain & Abbeel 2020): the mean squared error between the noise that was added and the
  network's prediction of it, at a uniformly drawn t.
* Sampling starts from pure noise and removes predicted noise step by step. DDPM's ancestral
  sampler takes all T steps (T network evaluations per image); DDIM (Song, Meng & Ermon 2021)
  takes a deterministic path through a few of them (e.g. 50), with the same trained network.
* Classifier-free guidance (Ho & Salimans 2022): a conditional model is trained with its label
  dropped (replaced by the "no label" token) 10 % of the time; sampling mixes both predictions,
  two evaluations per step.

`train_diffusion` mirrors `runner.train`: the batches of `data_order.step_batches` for the seed,
a step and/or wall-clock budget, a loss history and a progress bar, so that "equal budgets"
against a GAN means the same data, the same clock and the same stopping rule.
`bench/diffusion.py` runs it over seeds. Images are `(N, H, W, C)` float32 in [-1, 1].
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402
from keras import ops  # noqa: E402

from medgan_course.data.types import ImageDataset  # noqa: E402
from medgan_course.errors import UserError  # noqa: E402
from medgan_course.models.diffusion_math import (  # noqa: E402
    add_noise,
    cosine_alpha_bar,
    ddim_step,
    ddim_timesteps,
    ddpm_step,
    guided_noise,
    linear_alpha_bar,
)
from medgan_course.models.unet import build_unet  # noqa: E402
from medgan_course.training import callbacks as cb  # noqa: E402
from medgan_course.training.data_order import step_batches  # noqa: E402
from medgan_course.training.ema import ema_copy, update_ema, warmup_decay  # noqa: E402

#: How often a conditional model trains without its label (classifier-free guidance).
LABEL_DROPOUT = 0.1


class DiffusionModel(keras.Model):
    """A noise-prediction network trained with the DDPM loss, and its samplers.

    Args:
        network: `models.unet.build_unet(...)`: `[noisy_images, t(, labels)] -> noise`.
        alpha_bar: `(T,)` schedule (`cosine_alpha_bar()` by default).
        num_classes: the network's classes when it is conditional, else None.
        ema_decay: keep an exponential moving average of the weights to sample from (None: off).
    """

    def __init__(self, network, alpha_bar=None, *, num_classes=None, ema_decay=0.995, **kwargs):
        super().__init__(**kwargs)
        self.network, self.num_classes, self.ema_decay = network, num_classes, ema_decay
        self.alpha_bar = np.asarray(cosine_alpha_bar() if alpha_bar is None else alpha_bar)
        self.timesteps = len(self.alpha_bar)
        self._alpha_bar = tf.constant(self.alpha_bar, tf.float32)
        self.seed_generator = keras.random.SeedGenerator(0)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ema_network = ema_copy(network, self._zeros(1)) if ema_decay else None
        self._predict = {}

    def ema_decay_at(self, step):
        """The EMA's decay after `step` updates: the GANs' warm-up, `training.ema.warmup_decay`.

        A fixed 0.995 would keep 27 % of the random initial weights after 262 steps (what 60 s of
        training reaches here); the warm-up lets the average forget them in the first steps.
        """
        return warmup_decay(self.ema_decay, step)

    def _zeros(self, n):
        """Inputs of `n` blank images at t = 0 (the "no label" token when conditional)."""
        shape = tuple(self.network.inputs[0].shape[1:])
        inputs = [np.zeros((n, *shape), np.float32), np.zeros(n, np.float32)]
        return inputs + ([np.full(n, self.num_classes, np.int32)] if self.num_classes else [])

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def _inputs(self, noisy_images, t_index, labels):
        t = ops.cast(t_index, "float32") / float(self.timesteps)
        return [noisy_images, t] + ([labels] if self.num_classes else [])

    def _training_labels(self, labels, n):
        """Labels with LABEL_DROPOUT of them replaced by the "no label" token (index num_classes)."""
        drop = keras.random.uniform((n,), seed=self.seed_generator) < LABEL_DROPOUT
        return ops.where(drop, self.num_classes, ops.cast(labels, "int32"))

    def train_step(self, data):
        real_images, labels = data if isinstance(data, tuple) else (data, None)
        n = ops.shape(real_images)[0]
        t_index = keras.random.randint((n,), 0, self.timesteps, seed=self.seed_generator)
        noise = keras.random.normal(ops.shape(real_images), seed=self.seed_generator)
        noisy_images = add_noise(real_images, noise, ops.take(self._alpha_bar, t_index), xp=ops)
        if self.num_classes:
            labels = self._training_labels(labels, n)
        with tf.GradientTape() as tape:
            predicted_noise = self.network(self._inputs(noisy_images, t_index, labels), training=True)
            loss = ops.mean(ops.square(noise - predicted_noise))
        grads = tape.gradient(loss, self.network.trainable_variables)
        self.optimizer.apply(grads, self.network.trainable_variables)
        if self.ema_network is not None:
            update_ema(self.ema_network, self.network, self.ema_decay_at(self.optimizer.iterations))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    # ----------------------------------------------------------------------------- sampling

    def predict_noise(self, noisy_images, t_index, labels=None, *, guidance=0.0, use_ema=True):
        """The network's noise estimate at one timestep, guided when `guidance` > 0.

        Args:
            noisy_images: `(N, H, W, C)` float32.
            t_index: int in [0, T): the timestep, the same for the whole batch.
            labels: `(N,)` int32 class labels (conditional models; None: the "no label" token).
            guidance: classifier-free guidance weight w (0: the conditional prediction alone).
            use_ema: evaluate the EMA weights when the model keeps them.

        Returns:
            `(N, H, W, C)` float32 numpy array.
        """
        network = self.ema_network if use_ema and self.ema_network is not None else self.network
        fn = self._predict.setdefault(id(network), tf.function(lambda *a: network(list(a))))
        n = len(noisy_images)
        t = np.full(n, t_index / self.timesteps, np.float32)
        if not self.num_classes:
            return fn(noisy_images, t).numpy()
        none = np.full(n, self.num_classes, np.int32)
        labels = none if labels is None else np.asarray(labels, np.int32)
        if guidance == 0 or labels is none:
            return fn(noisy_images, t, labels).numpy()
        # One batch of 2N: conditional and unconditional together (2 evaluations per image).
        both = fn(np.concatenate([noisy_images, noisy_images]), np.concatenate([t, t]),
                  np.concatenate([labels, none])).numpy()
        return guided_noise(both[:n], both[n:], guidance)

    def generate(self, n, labels=None, *, seed=0, steps=50, sampler="ddim", guidance=0.0,
                 use_ema=True, batch_size=256, progress=False):
        """Draws `n` images: DDIM over `steps` timesteps, or the full DDPM chain.

        Args:
            n: number of images.
            labels: `(n,)` class labels for a conditional model (None: unconditional).
            seed: seeds the starting noise (and DDPM's per-step noise).
            steps: DDIM timesteps (ignored by "ddpm", which takes all T).
            sampler: "ddim" (deterministic) or "ddpm" (ancestral, T network evaluations).
            guidance: classifier-free guidance weight (conditional models with labels).
            use_ema: sample from the EMA weights when the model keeps them.
            batch_size: images per network evaluation.
            progress: show a progress bar over timesteps.

        Returns:
            `(n, H, W, C)` float32 in [-1, 1].
        """
        if sampler not in ("ddim", "ddpm"):
            raise ValueError(f"sampler must be 'ddim' or 'ddpm', got {sampler!r}")
        rng = np.random.default_rng(seed)
        shape = tuple(self.network.inputs[0].shape[1:])
        chunks = []
        for start in range(0, int(n), batch_size):
            size = min(batch_size, int(n) - start)
            part = None if labels is None else np.asarray(labels)[start:start + size]
            x = rng.standard_normal((size, *shape)).astype(np.float32)
            chunks.append(self._denoise(x, part, rng, steps, sampler, guidance, use_ema, progress))
        return np.concatenate(chunks).astype(np.float32)

    def _denoise(self, x, labels, rng, steps, sampler, guidance, use_ema, progress):
        """Runs one sampler from pure noise `x` to images in [-1, 1]."""
        from tqdm.auto import tqdm

        path = np.arange(self.timesteps)[::-1] if sampler == "ddpm" else ddim_timesteps(steps, self.timesteps)
        for i, t in enumerate(tqdm(path, desc=sampler, unit="step", disable=not progress, leave=False)):
            noise = self.predict_noise(x, int(t), labels, guidance=guidance, use_ema=use_ema)
            t_prev = path[i + 1] if i + 1 < len(path) else -1
            step = ddpm_step if sampler == "ddpm" else ddim_step
            x = step(x, noise, self.alpha_bar, int(t), int(t_prev), rng)
        return np.clip(x, -1, 1)


@dataclass(frozen=True)
class GuidedSampler:
    """A class-conditional diffusion model with its sampler settings, drawn from like a cGAN.

    `generate(n, labels=..., seed=...)` has the cGAN's signature, so notebook 07's
    `usecases.imbalance.generate_class` and `arm_data` treat both families alike.
    """

    model: object
    guidance: float = 1.0
    ddim_steps: int = 50

    def generate(self, n, labels=None, *, seed=0):
        """(n, H, W, C) float32 in [-1, 1]: DDIM over `ddim_steps`, guided by `guidance`."""
        steps = min(self.ddim_steps, self.model.timesteps)
        return self.model.generate(n, labels=labels, seed=seed, steps=steps,
                                   guidance=self.guidance)


#: Keras epochs are only a reporting unit here, as in `runner`.
STEPS_PER_EPOCH = 100
SCHEDULES = {"cosine": cosine_alpha_bar, "linear": linear_alpha_bar}


@dataclass(frozen=True)
class DiffusionRecipe:
    """How the diffusion model is built and trained (the defaults are notebook 13's).

    Attributes:
        base_filters: U-Net filters at full resolution.
        batch_size: images per step.
        learning_rate: Adam's.
        ema_decay: weight averaging for sampling (None: off).
        schedule: "cosine" or "linear".
        conditional: train with labels (and label dropout, for classifier-free guidance).
        timesteps: T, the steps of the forward process (fewer only to make smoke runs quick).
    """

    base_filters: int = 16
    batch_size: int = 32
    learning_rate: float = 1e-3
    ema_decay: float | None = 0.995
    schedule: str = "cosine"
    conditional: bool = False
    timesteps: int = 1000

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DiffusionResult:
    """What `train_diffusion` returns: the model, steps, seconds and the loss per step."""

    model: DiffusionModel
    recipe: DiffusionRecipe
    steps: int
    seconds: float
    images_per_second: float
    losses: np.ndarray


def build_diffusion(recipe: DiffusionRecipe, *, image_size: int, channels: int,
                    num_classes: int | None = None) -> DiffusionModel:
    """A compiled `DiffusionModel`, built eagerly (network, EMA copy and optimizer)."""
    if recipe.schedule not in SCHEDULES:
        raise UserError(f"diffusion schedule must be one of {sorted(SCHEDULES)}, got "
                        f"{recipe.schedule!r}")
    classes = num_classes if recipe.conditional else None
    network = build_unet(image_size, channels, recipe.base_filters, classes)
    model = DiffusionModel(network, SCHEDULES[recipe.schedule](recipe.timesteps), num_classes=classes,
                           ema_decay=recipe.ema_decay)
    model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate))
    model.optimizer.build(network.trainable_variables)  # eagerly, as for the GANs (FACTS.md)
    return model


def train_diffusion(recipe: DiffusionRecipe, dataset: ImageDataset, *, steps: int | None = None,
                    seconds: float | None = None, seed: int = 0, extra_callbacks=(),
                    progress: bool = True) -> DiffusionResult:
    """Trains a diffusion model on `dataset.train` for `steps` and/or `seconds`.

    Args:
        recipe: a `DiffusionRecipe`.
        dataset: an `ImageDataset`; train images `(N, H, W, C)` float32 in [-1, 1].
        steps: stop after this many steps (None: only the time budget counts).
        seconds: stop after this wall-clock budget (None: only `steps` counts).
        seed: seeds the weights, the data order and the noise.
        extra_callbacks: more Keras callbacks (the benchmark's snapshots).
        progress: show a progress bar.

    Returns:
        A `DiffusionResult`.
    """
    if steps is None and seconds is None:
        raise UserError("train_diffusion: give steps, seconds, or both")
    if len(dataset.train.images) < recipe.batch_size:
        raise UserError(f"train_diffusion: {len(dataset.train.images)} training images are fewer "
                        f"than one batch of {recipe.batch_size}; lower batch_size")
    keras.utils.set_random_seed(seed)
    h, _, c = dataset.image_shape
    model = build_diffusion(recipe, image_size=h, channels=c, num_classes=dataset.num_classes)
    model.seed_generator = keras.random.SeedGenerator(seed)
    data = step_batches(dataset.train.images,
                        dataset.train.labels if recipe.conditional else None,
                        batch_size=recipe.batch_size, seed=seed)
    max_steps = steps if steps is not None else 10**9
    budget = cb.TimeBudget(seconds if seconds is not None else math.inf, batch_size=recipe.batch_size)
    history, stop = cb.LossHistory(keys=("loss",)), cb.StopAtStep(max_steps)
    callbacks = [budget, history, stop, *extra_callbacks,
                 *([cb.ProgressBar(steps, seconds, desc="diffusion", keys=("loss",))] if progress else [])]
    started = time.perf_counter()
    model.fit(data, epochs=math.ceil(max_steps / STEPS_PER_EPOCH) if steps else 10**6,
              steps_per_epoch=min(STEPS_PER_EPOCH, max_steps), verbose=0, shuffle=False,
              callbacks=callbacks)
    return DiffusionResult(model=model, recipe=recipe, steps=stop.step,
                           seconds=time.perf_counter() - started,
                           images_per_second=budget.images_per_second or float("nan"),
                           losses=np.asarray(history.history.get("loss", []), np.float32))
