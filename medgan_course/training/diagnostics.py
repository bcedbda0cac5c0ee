"""Diagnostics of GAN training failures: numbers to read beside the loss curves.

Each failure of notebooks/05_when_training_fails.ipynb has a measurable symptom:

* an overpowering discriminator: its accuracy on real and fake images goes to 1
  (`discriminator_accuracy`);
* vanishing gradients: the generator's loss stops changing with the discriminator's logits
  (`logit_gradient`) and the gradient reaching the generator's weights collapses
  (`generator_gradient_norm`);
* mode collapse: generated images look alike and land next to few of the real images
  (measured after training by `evaluation.diversity`: they compare samples, not training);
* oscillation: the smoothed losses keep swinging instead of settling (`oscillation`).

`DiagnosticsMonitor` records the first three during `fit`. The functions take and return numpy
arrays. Taught in notebooks/05_when_training_fails.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)

from medgan_course.training.losses import generator_loss  # noqa: E402
from medgan_course.training.sampling import latent_vectors  # noqa: E402


def discriminator_accuracy(real_logits, fake_logits) -> dict:
    """How often the discriminator is right, with logit 0 (probability 0.5) as the threshold.

    Args:
        real_logits: `(N,)` or `(N, 1)` float logits of the discriminator on real images.
        fake_logits: `(M,)` or `(M, 1)` float logits on generated images.

    Returns:
        dict of floats in [0, 1]: "real" (fraction of real images with logit > 0), "fake"
        (fraction of fakes with logit < 0) and "accuracy" (their mean, balanced whatever N, M).
        0.5 means the discriminator cannot tell them apart; 1.0 means it always can.
    """
    real = np.asarray(real_logits, np.float64).reshape(-1)
    fake = np.asarray(fake_logits, np.float64).reshape(-1)
    if not len(real) or not len(fake):
        raise ValueError("discriminator_accuracy: empty logits")
    real_acc, fake_acc = float(np.mean(real > 0.0)), float(np.mean(fake < 0.0))
    return {"real": real_acc, "fake": fake_acc, "accuracy": 0.5 * (real_acc + fake_acc)}


def logit_gradient(loss, fake_logits) -> np.ndarray:
    """d g_loss_i / d logit_i: how much each fake's loss moves when D's logit on it moves.

    The generator learns only through this factor (the chain rule multiplies every gradient
    reaching its weights by it). For "minimax" it is -sigmoid(l), which vanishes when the
    discriminator rejects the fakes confidently (l << 0); for "non_saturating" it is
    -sigmoid(-l), which tends to -1 there.

    Args:
        loss: a name in `losses.LOSS_NAMES`.
        fake_logits: `(N,)` or `(N, 1)` float logits of the discriminator on generated images.

    Returns:
        float64 `(N,)` per-sample derivatives (the batch mean's gradient times N).
    """
    logits = tf.constant(np.asarray(fake_logits, np.float32).reshape(-1))
    with tf.GradientTape() as tape:
        tape.watch(logits)
        g_loss = generator_loss(loss, logits)
    return np.asarray(tape.gradient(g_loss, logits), np.float64) * int(logits.shape[0])


def _augmented(gan, images):
    """The GAN's DiffAugment policy (or callable) applied to `images`, as its training step does."""
    if gan.augment is None:
        return images
    if callable(gan.augment):
        return gan.augment(images)
    from medgan_course.data.augment import diff_augment

    return diff_augment(images, policy=gan.augment)


def _snapshot(models):
    """Every variable's value of `models` (to undo BatchNorm/spectral-norm updates)."""
    return [(v, np.array(v.numpy())) for m in models for v in m.variables]


def _restore(snapshot):
    for variable, value in snapshot:
        variable.assign(value)


def probe(gan, real_images, *, seed=0) -> dict:
    """One look at a GAN as its training step sees it, leaving the GAN unchanged.

    Generates `len(real_images)` fakes from latent vectors of `seed`, runs the discriminator on
    real and fake images (with the GAN's augmentation, `training=True` as in `train_step`), and
    differentiates the generator's loss w.r.t. the generator's weights. BatchNorm statistics and
    spectral-norm kernels that these calls update are restored afterwards.

    Args:
        gan: a compiled unconditional `training.gan.GAN`.
        real_images: `(N, H, W, C)` float32 in [-1, 1], N >= 2.
        seed: seed of the latent vectors.

    Returns:
        dict of floats: d_accuracy, d_real_accuracy, d_fake_accuracy (see
        `discriminator_accuracy`), g_grad_norm (global L2 norm of the gradient of g_loss over
        all generator weights) and logit_grad (mean |d g_loss_i / d logit_i|).
    """
    if gan.num_classes is not None:
        raise ValueError("probe: conditional GANs are not supported")
    real = tf.constant(np.asarray(real_images, np.float32))
    z = tf.constant(latent_vectors(len(real_images), gan.latent_dim, seed))
    saved = _snapshot([gan.generator, gan.discriminator])
    try:
        variables = gan.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = gan.generator(z, training=True)
            fake_logits = gan.discriminator(_augmented(gan, fake), training=True)
            g_loss = generator_loss(gan.loss_name, fake_logits)
        grads = [g for g in tape.gradient(g_loss, variables) if g is not None]
        real_logits = gan.discriminator(_augmented(gan, real), training=True)
    finally:
        _restore(saved)
    accuracy = discriminator_accuracy(real_logits.numpy(), fake_logits.numpy())
    return {"d_accuracy": accuracy["accuracy"], "d_real_accuracy": accuracy["real"],
            "d_fake_accuracy": accuracy["fake"],
            "g_grad_norm": float(tf.linalg.global_norm(grads).numpy()),
            "logit_grad": float(np.mean(np.abs(logit_gradient(gan.loss_name,
                                                              fake_logits.numpy()))))}


def generator_gradient_norm(gan, real_images, *, seed=0) -> float:
    """Global L2 norm of the gradient of g_loss w.r.t. the generator's weights (see `probe`)."""
    return probe(gan, real_images, seed=seed)["g_grad_norm"]


def moving_average(values, window) -> np.ndarray:
    """Running mean over `window` steps ("valid" part only): `(len(values) - window + 1,)`."""
    values = np.asarray(values, np.float64).reshape(-1)
    window = int(window)
    if window < 1 or window > len(values):
        raise ValueError(f"moving_average: window must be in [1, {len(values)}], got {window}")
    return np.convolve(values, np.ones(window) / window, mode="valid")


def oscillation(values, *, window=25) -> float:
    """How much a loss curve keeps swinging once its step-to-step noise is averaged out.

    The curve is smoothed over `window` steps (removing minibatch noise); the measure is the
    standard deviation of the smoothed curve over its second half. A run that has settled
    gives a value near 0; one whose losses go up and down for hundreds of steps (too-high
    learning rates, the players chasing each other) a large one. Compare runs of the same loss.

    Args:
        values: `(T,)` per-step losses, T >= 2 * window.
        window: smoothing width in steps.

    Returns:
        The standard deviation (float >= 0, in the loss's units).
    """
    values = np.asarray(values, np.float64).reshape(-1)
    if len(values) < 2 * window:
        raise ValueError(f"oscillation: need at least {2 * window} steps, got {len(values)}")
    if not np.all(np.isfinite(values)):
        return float("inf")
    smooth = moving_average(values, window)
    return float(np.std(smooth[len(smooth) // 2:]))


class DiagnosticsMonitor(keras.callbacks.Callback):
    """Records `probe(gan, real batch)` every `every_n_steps` steps of `fit`.

    Args:
        real_images: `(N, H, W, C)` float32 in [-1, 1]; a seeded batch of `batch_size` is
            drawn from them at each record.
        every_n_steps: steps between records (>= 1); one record is also taken before training.
        batch_size: images per probe.
        seed: seed of the batches and latent vectors.

    Attributes:
        records: list of dicts, each `probe`'s keys plus "step".
    """

    def __init__(self, real_images, every_n_steps=25, *, batch_size=64, seed=0):
        super().__init__()
        if isinstance(every_n_steps, bool) or not isinstance(every_n_steps, int) \
                or every_n_steps < 1:
            raise ValueError(f"DiagnosticsMonitor: every_n_steps must be an int >= 1, "
                             f"got {every_n_steps!r}")
        self.real_images, self.every_n_steps = np.asarray(real_images, np.float32), every_n_steps
        self.batch_size, self.seed = min(batch_size, len(self.real_images)), seed
        self.records, self.step = [], 0

    def _record(self):
        rng = np.random.default_rng([self.seed, self.step])
        batch = self.real_images[rng.choice(len(self.real_images), self.batch_size, replace=False)]
        self.records.append({"step": self.step,
                             **probe(self.model, batch, seed=self.seed + self.step)})

    def on_train_begin(self, logs=None):
        if not self.records:
            self._record()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every_n_steps == 0:
            self._record()

    def series(self, key) -> tuple[np.ndarray, np.ndarray]:
        """(steps `(R,)` int, values `(R,)` float64) of one recorded key, e.g. "g_grad_norm"."""
        return (np.array([r["step"] for r in self.records]),
                np.array([r[key] for r in self.records], np.float64))


#: DiffAugment's policy for the remedy arm (all three of Zhao et al. 2020's transformations).
DIFFAUGMENT_POLICY = "color,translation,cutout"


def remedy_recipes(base=None) -> dict:
    """The remedies of notebook 05 as one-change variants of a plain DCGAN recipe.

    `base` defaults to the course's DCGAN architecture trained like the DCGAN paper: the
    non-saturating loss, a BatchNorm discriminator without spectral norm, Adam 2e-4 with
    beta_1 0.5, no EMA and no augmentation. Each arm changes one thing with
    `dataclasses.replace`, except WGAN-GP, which needs its loss, penalty, critic steps, a critic
    without BatchNorm and its paper's Adam settings together. bench/remedies.py measures them.

    Args:
        base: the `Recipe` to vary (None: the one described above).

    Returns:
        dict arm name -> `Recipe`, "minimax" (the failing starting point) and "non-saturating"
        (the base) first.
    """
    import dataclasses

    from medgan_course.training.recipes import get_recipe

    if base is None:
        base = dataclasses.replace(get_recipe("dcgan"), name="non-saturating",
                                   loss="non_saturating", spectral_norm=False, ema_decay=None)
    variants = {
        "minimax": {"loss": "minimax"},
        "non-saturating": {},
        # Heusel et al. 2017: a faster discriminator, a slower generator.
        "two-time-scale": {"d_learning_rate": 2 * base.d_learning_rate,
                           "g_learning_rate": base.g_learning_rate / 2},
        "label-smoothing": {"label_smoothing": 0.1},  # real target 0.9 (Salimans et al. 2016)
        "spectral-norm": {"spectral_norm": True},  # no BatchNorm in D then (batch_norm=None)
        "hinge": {"loss": "hinge"},
        "wgan-gp": {"loss": "wasserstein", "gp_weight": 10.0, "n_critic": 5, "batch_norm": False,
                    "g_learning_rate": 1e-4, "d_learning_rate": 1e-4, "beta_1": 0.0,
                    "beta_2": 0.9},
        "diffaugment": {"augment_policy": DIFFAUGMENT_POLICY},
        # A horizon of ~100 steps: 0.999 would still hold half of the random initial weights
        # after 700 steps, longer than the short budgets this comparison runs.
        "ema": {"ema_decay": 0.99},
    }
    return {name: dataclasses.replace(base, name=name, **change)
            for name, change in variants.items()}
