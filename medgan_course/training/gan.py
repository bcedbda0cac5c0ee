"""`GAN`: a `keras.Model` that trains a generator and a discriminator with `fit`.

The shape is keras-io's (DCGAN, WGAN-GP and conditional GAN examples): the GAN owns both
networks and two optimizers, overrides `train_step`, and reports its losses through `Mean`
trackers. The code it shares with `Pix2Pix` and `SemiSupervisedGAN` (keyword-only
`compile(d_optimizer=, g_optimizer=)` that builds both optimizers eagerly, loss scaling, the
trackers, per-step logs, the saved latent stream) is `training.adversarial.AdversarialModel`;
see its docstring for why. What this model adds:

* Two tapes, each over one network's variables. The tape's variable list alone decides what
  moves; the article's `discriminator.trainable = False` toggle changes nothing for a tape.
* One generator forward pass per step (PyTorch's DCGAN example): the fakes of the last of
  `n_critic` critic steps, once the discriminator has been updated on them, give the
  generator's loss. Each critic step gets its own real batch (WGAN-GP's Algorithm 1).
* Gradient penalty, DiffAugment on real and fake images alike, class-conditional models, an
  exponential moving average (EMA) of the generator's weights, mixed precision with loss
  scaling, and multi-replica strategies.

Taught in notebooks/04_training_loop.ipynb (and used by 05, 07 and 08).
"""

from __future__ import annotations

import random

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)

from medgan_course.training.adversarial import (  # noqa: E402
    AdversarialModel,
    critic_batches,
    replica_id,
)
from medgan_course.training.ema import (  # noqa: E402
    EMA_BATCH_NORM_MODES,
    ema_copy,
    recalibrate_batch_norm,
    update_ema,
    warmup_decay,
)
from medgan_course.training.losses import (  # noqa: E402
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    validate_loss_name,
)
from medgan_course.training.sampling import generation_labels, latent_vectors  # noqa: E402

#: Batch size `generate` feeds the generator with (bounds memory for large `n`).
GENERATE_BATCH_SIZE = 256
#: Seed of the latent batches that recalibrate the EMA generator's BatchNorm statistics.
CALIBRATION_SEED = 2**20


def _check_number(name, value, low, high=None, *, integer=False):
    """Raises ValueError unless `value` is a number (an int if `integer`) in [low, high]."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < low or (
            high is not None and value > high):
        span = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"GAN: {name} must be {'an int' if integer else 'a number'} {span}, "
                         f"got {value!r}")


def _resolve_augment(augment):
    """None, a DiffAugment policy string, or a callable -> a callable (images, seed) -> images.

    A policy string draws its randomness from `seed` (stateless), so a resumed run repeats the
    augmentations of an uninterrupted one; a user's callable gets the images only.
    """
    if augment is None:
        return None
    if callable(augment):
        return lambda images, seed: augment(images)
    if isinstance(augment, str):
        from medgan_course.data.augment import diff_augment

        return lambda images, seed: diff_augment(images, policy=augment, seed=seed)
    raise TypeError(f"GAN: augment must be None, a DiffAugment policy string such as "
                    f"'color,translation,cutout', or a callable; got {type(augment).__name__}")


def _has_batch_norm(model):
    """True if `model` (or a model nested in it) has a BatchNormalization layer."""
    return any(isinstance(layer, keras.layers.BatchNormalization)
               or (isinstance(layer, keras.Model) and _has_batch_norm(layer))
               for layer in model.layers)


@keras.saving.register_keras_serializable(package="medgan_course")
class GAN(AdversarialModel):
    """Generator + discriminator trained together by `fit` (see the module docstring).

    Calling the GAN generates: `gan(z)` or `gan([z, labels])` -> images, like the generator.

    Args:
        generator: `keras.Model` mapping z `(N, latent_dim)` float32 ~ N(0, 1) (and, when
            conditional, labels `(N,)` int32) to images `(N, H, W, C)` in [-1, 1].
        discriminator: `keras.Model` mapping images (and labels) to logits `(N, 1)` float32.
        latent_dim: length of z.
        num_classes: None for an unconditional GAN, else the number of classes (>= 2); the
            data must then yield `(real_images, labels)`.
        n_critic: discriminator steps per generator step (5 for WGAN-GP).
        gp_weight: weight of the gradient penalty added to the discriminator loss (0 = off).
        ema_decay: None, or the decay in (0, 1) of an exponential moving average of the
            generator's weights kept in `ema_generator` (e.g. 0.999).
        ema_batch_norm: "copy" (the EMA generator uses the raw generator's BatchNorm
            statistics) or "recalibrate" (`generate` first re-estimates them under the averaged
            weights, `ema.recalibrate_batch_norm`, once per generator step).
        augment: None, a DiffAugment policy string ("color,translation,cutout"), or a
            differentiable callable images -> images applied to real AND fake images before
            the discriminator. A callable must be registered with
            `keras.saving.register_keras_serializable` for `GAN.save` to work.
        label_smoothing: one-sided smoothing of the real target for the BCE losses, in [0, 1).
        seed: base seed of the latent-vector stream; None draws one from Python's `random`
            (which `keras.utils.set_random_seed` seeds).
        **kwargs: `keras.Model` arguments (name, dtype, trainable).

    Raises:
        ValueError: out-of-range hyper-parameters, or models that do not fit together.
        TypeError: `augment` of the wrong type.
    """

    def __init__(self, generator, discriminator, latent_dim, *, num_classes=None, n_critic=1,
                 gp_weight=0.0, ema_decay=None, ema_batch_norm="copy", augment=None,
                 label_smoothing=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_number("latent_dim", latent_dim, 1, integer=True)
        _check_number("n_critic", n_critic, 1, integer=True)
        _check_number("gp_weight", gp_weight, 0.0)
        _check_number("label_smoothing", label_smoothing, 0.0, 0.999)
        if num_classes is not None:
            _check_number("num_classes", num_classes, 2, integer=True)
        if ema_decay is not None and not (isinstance(ema_decay, float) and 0.0 < ema_decay < 1.0):
            raise ValueError(f"GAN: ema_decay must be None or a float in (0, 1), got {ema_decay!r}")
        if ema_batch_norm not in EMA_BATCH_NORM_MODES:
            raise ValueError(f"GAN: ema_batch_norm must be one of {EMA_BATCH_NORM_MODES}, got "
                             f"{ema_batch_norm!r}")
        if gp_weight > 0 and _has_batch_norm(discriminator):
            raise ValueError("GAN: a gradient penalty needs a discriminator without "
                             "BatchNormalization (it couples the samples of a batch, so the "
                             "per-sample gradient norm is not the critic's); build it with "
                             "batch_norm=False or spectral_norm=True")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.num_classes, self.n_critic = latent_dim, num_classes, n_critic
        self.gp_weight, self.ema_decay, self.label_smoothing = gp_weight, ema_decay, label_smoothing
        self.augment, self.ema_batch_norm = augment, ema_batch_norm
        self._ema_calibrated_at = None  # the generator step the EMA statistics belong to
        self._augment_fn = _resolve_augment(augment)
        self.loss_name = None
        self._build_submodels()
        self.ema_generator = self._make_ema_generator() if ema_decay is not None else None
        self._make_trackers(["d_loss", "g_loss", "real_logit", "fake_logit"]
                            + (["gp"] if gp_weight > 0 else []))
        # The latent stream's position, saved with the weights (see `_sample_z`).
        self._add_latent_stream(random.randrange(2**31) if seed is None else seed)
        self.built = True

    # ----------------------------------------------------------------------------- building
    def _inputs(self, x, labels):
        """A network's input: x (z or images), or [x, labels] when conditional."""
        return x if self.num_classes is None else [x, labels]

    def _build_submodels(self):
        """Builds both networks on a one-image batch and checks that they fit together.

        Functional and Sequential models are usually built already; subclassed ones are not.
        """
        labels = tf.zeros((1,), tf.int32)
        try:
            images = self.generator(self._inputs(tf.zeros((1, self.latent_dim)), labels))
            logits = self.discriminator(self._inputs(images, labels))
        except (ValueError, TypeError) as err:
            kind = "conditional" if self.num_classes else "unconditional"
            raise ValueError(
                f"GAN: the generator and discriminator do not fit a {kind} GAN with latent_dim="
                f"{self.latent_dim} ({err}). Conditional models take [z, labels] and "
                "[images, labels]; pass num_classes exactly when they are conditional.") from err
        if tuple(logits.shape) != (1, 1):
            raise ValueError(f"GAN: the discriminator must return logits of shape (N, 1), got "
                             f"{tuple(logits.shape)} for one image")

    def _make_ema_generator(self):
        """A non-trainable clone of the generator holding its weights' moving average."""
        return ema_copy(self.generator,
                        self._inputs(tf.zeros((1, self.latent_dim)), tf.zeros((1,), tf.int32)))

    def call(self, inputs, training=False):
        """Generates images: z `(N, latent_dim)` or [z, labels] -> `(N, H, W, C)` in [-1, 1]."""
        return self.generator(inputs, training=training)

    # ---------------------------------------------------------------------------- compiling
    def compile(self, *, d_optimizer, g_optimizer, loss="non_saturating", **kwargs):
        """Sets the loss and the two optimizers (by keyword), and builds every variable now.

        Under a `mixed_float16` policy (global, or the networks' own) each optimizer is wrapped
        in `LossScaleOptimizer`; `mixed_bfloat16` needs no loss scaling.

        Args:
            d_optimizer, g_optimizer: two `keras.optimizers.Optimizer` instances.
            loss: one of `losses.LOSS_NAMES`.
            **kwargs: `AdversarialModel.compile` arguments (`jit_compile`, off by default;
                `steps_per_execution`; `run_eagerly`, ...).

        Raises:
            ValueError: unknown loss, or `optimizer`/`metrics`/`loss_weights` in `kwargs`.
            TypeError: an optimizer is not a Keras optimizer, or both are the same object.
        """
        validate_loss_name(loss)
        super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **kwargs)
        self.loss_name = loss

    # ------------------------------------------------------------------------------ training
    def _unpack(self, data):
        """`data` -> (real_images `(N, H, W, C)` float, labels `(N,)` int32 or None)."""
        real_images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not real_images.dtype.is_floating:
            raise TypeError(f"GAN: real images must be float32 in [-1, 1], got {real_images.dtype};"
                            " convert uint8 images with data.types.to_model_range")
        if self.num_classes is None:
            return real_images, None  # an unconditional GAN ignores labels the data carries
        if labels is None:
            raise ValueError("GAN: a conditional GAN (num_classes set) needs (real_images, "
                             "labels) batches")
        return real_images, tf.cast(tf.reshape(labels, [-1]), tf.int32)

    def _penalty_seed(self):
        """An int64 scalar seed for the gradient penalty's interpolation weights, per replica."""
        drawn = tf.random.stateless_uniform((), seed=self._next_seed(), minval=0,
                                            maxval=2**62, dtype=tf.int64)
        return drawn + tf.cast(replica_id(), tf.int64)

    def _augmented(self, images):
        """DiffAugment (or the given callable) when set; the identity otherwise. DiffAugment's
        draws come from the saved latent stream's counter (`_next_seed`), like z."""
        if self._augment_fn is None:
            return images
        seed = self._next_seed() + tf.stack([tf.constant(0, tf.int64),
                                             tf.cast(replica_id(), tf.int64)])
        return self._augment_fn(images, seed)

    def _check_compiled(self):
        """Raises RuntimeError before `compile` (no loss, no optimizers)."""
        if self.loss_name is None:
            raise RuntimeError("GAN: call compile(d_optimizer=, g_optimizer=, loss=) before "
                               "training")

    def real_batch_size(self, batch_size):
        """Real images one `train_step` takes when each step generates `batch_size` fakes.

        Each of the `n_critic` critic steps sees its own real batch (Gulrajani et al. 2017,
        Algorithm 1): build the data with `make_dataset(images, batch_size=this)`.
        """
        return batch_size * self.n_critic

    def discriminator_step(self, real_images, labels=None, fake_images=None):
        """One discriminator update; only the discriminator moves.

        A conditional GAN generates its fakes with the real batch's labels, so D sees the same
        classes on both sides and the data's class balance. Augmentation (if set) is applied
        to real and fake images alike, so D cannot tell them apart by the augmentation.

        Args:
            real_images: `(N, H, W, C)` float32 in [-1, 1].
            labels: `(N,)` int32 class indices (conditional GANs), else None.
            fake_images: `(N, H, W, C)` fakes to judge (`train_step` passes the ones the
                generator step reuses), or None to generate fresh ones.

        Returns:
            dict of scalar float32 tensors: d_loss (including gp_weight * gp), real_logit
            (mean D(x)), fake_logit (mean D(G(z))) and gp when gp_weight > 0.
        """
        self._check_compiled()
        if fake_images is None:
            z = self._sample_z(tf.shape(real_images)[0])
            fake_images = self.generator(self._inputs(z, labels), training=True)
        with tf.GradientTape() as tape:  # fakes made outside it: no gradient reaches G
            real_aug, fake_aug = self._augmented(real_images), self._augmented(fake_images)
            real_logits = self.discriminator(self._inputs(real_aug, labels), training=True)
            fake_logits = self.discriminator(self._inputs(fake_aug, labels), training=True)
            d_loss = discriminator_loss(self.loss_name, real_logits, fake_logits,
                                        label_smoothing=self.label_smoothing)
            logs = {"real_logit": tf.reduce_mean(tf.cast(real_logits, tf.float32)),
                    "fake_logit": tf.reduce_mean(tf.cast(fake_logits, tf.float32))}
            if self.gp_weight > 0:
                logs["gp"] = gradient_penalty(self.discriminator, real_aug, fake_aug, labels,
                                              seed=self._penalty_seed())
                d_loss = d_loss + self.gp_weight * logs["gp"]
            scaled = self.scaled_loss(self.d_optimizer, d_loss)
        self._apply(tape, scaled, self.discriminator, self.d_optimizer)
        return {"d_loss": d_loss, **logs}

    def generator_step(self, batch_size, labels=None):
        """One generator update on fresh fakes; only the generator moves.

        `train_step` does not call it: it reuses its last critic step's fakes instead.

        Args:
            batch_size: number of fakes (int or scalar int32 tensor).
            labels: `(batch_size,)` int32 classes of the fakes (conditional GANs), else None.

        Returns:
            g_loss, a scalar float32 tensor.
        """
        self._check_compiled()
        z = self._sample_z(batch_size)
        with tf.GradientTape() as tape:  # G's forward pass on the tape: its gradient is needed
            fake_images = self.generator(self._inputs(z, labels), training=True)
        return self._generator_update(tape, fake_images, labels)

    def _generator_update(self, tape, fake_images, labels):
        """The generator's loss on `fake_images` under the CURRENT discriminator, applied.

        Only the generator's variables are differentiated and applied, so only they change,
        whatever `discriminator.trainable` says: the article's toggle has no effect on a tape.
        The discriminator runs with training=True, as in its own step (Keras's
        SpectralNormalization then re-projects its kernels in place, which is no gradient step).

        Args:
            tape: the `tf.GradientTape` that recorded `fake_images = G(z)`; re-entered here, so
                the loss's gradient flows back through that forward pass.
            fake_images: `(N, H, W, C)` float in [-1, 1].
            labels: `(N,)` int32 classes of the fakes (conditional GANs), else None.

        Returns:
            g_loss, a scalar float32 tensor.
        """
        with tape:
            fake_logits = self.discriminator(self._inputs(self._augmented(fake_images), labels),
                                             training=True)
            g_loss = generator_loss(self.loss_name, fake_logits)
            scaled = self.scaled_loss(self.g_optimizer, g_loss)
        self._apply(tape, scaled, self.generator, self.g_optimizer)
        return g_loss

    def train_step(self, data):
        """`n_critic` discriminator steps, one generator step on the last one's fakes, the EMA.

        Each critic step gets its own real batch and fresh z. The last one's fakes, from the
        step's one generator forward pass, update the discriminator first; then the UPDATED
        discriminator judges the same fakes for the generator's loss (PyTorch's DCGAN example).

        Args:
            data: real_images `(n_critic * B, H, W, C)` float32 in [-1, 1] (see
                `real_batch_size`), or (real_images, labels) with labels `(n_critic * B,)` or
                `(n_critic * B, 1)` integers (required when conditional).

        Returns:
            This step's values (float32 scalars): d_loss (including gp_weight * gp), g_loss,
            real_logit, fake_logit and gp, averaged over the critic steps; Keras averages them
            over replicas. Per-step values make per-step histories possible (`LossHistory`);
            the epoch logs are still the trackers' means.

        Raises:
            ValueError: the batch is not a multiple of n_critic (see `critic_batches`).
        """
        real_images, labels = self._unpack(data)
        # real_images, labels: from here on the last critic step's batch.
        *earlier, (real_images, labels) = critic_batches(real_images, labels, self.n_critic)
        d_logs = [self.discriminator_step(real, classes) for real, classes in earlier]
        z = self._sample_z(tf.shape(real_images)[0])
        with tf.GradientTape() as g_tape:  # the step's one generator forward pass
            fake_images = self.generator(self._inputs(z, labels), training=True)
        d_logs.append(self.discriminator_step(real_images, labels, fake_images))  # D moves first
        logs = {key: tf.add_n([d[key] for d in d_logs]) / self.n_critic for key in d_logs[0]}
        logs["g_loss"] = self._generator_update(g_tape, fake_images, labels)  # then G
        if self.ema_generator is not None:
            self._update_ema()
        return self._record(logs)

    def _update_ema(self):
        """Moves `ema_generator` towards the generator, with the warm-up of `ema.warmup_decay`
        (so short runs do not sample from a blend of the random initial weights)."""
        decay = warmup_decay(self.ema_decay, self.g_optimizer.iterations)
        update_ema(self.ema_generator, self.generator, decay)

    # ---------------------------------------------------------------------------- generating
    def generate(self, z, labels=None, *, use_ema=True, seed=None):
        """Generates images with the EMA generator (when there is one) or the raw one.

        Args:
            z: an int n (n fresh latent vectors from `seed`), or latent vectors
                `(n, latent_dim)` float32.
            labels: conditional GANs only: `(n,)` ints in [0, num_classes); None cycles
                through the classes (0, 1, ..., 0, 1, ...).
            use_ema: use `ema_generator` if the GAN keeps one.
            seed: seed of the latent vectors when `z` is an int.

        Returns:
            numpy float32 `(n, H, W, C)` in [-1, 1].

        Raises:
            ValueError: wrong z shape, labels for an unconditional GAN, labels out of range.
        """
        z = latent_vectors(z, self.latent_dim, seed)
        labels = generation_labels(labels, len(z), self.num_classes)
        model = self.sampling_generator(use_ema=use_ema)
        chunks = [slice(i, i + GENERATE_BATCH_SIZE) for i in range(0, len(z), GENERATE_BATCH_SIZE)]
        images = [model(self._inputs(z[c], None if labels is None else labels[c]), training=False)
                  for c in chunks]
        return np.concatenate([np.asarray(x) for x in images]).astype(np.float32, copy=False)

    def sampling_generator(self, *, use_ema=True):
        """The network `generate` samples from: the EMA generator (its BatchNorm statistics
        recalibrated first when `ema_batch_norm` is "recalibrate") or the raw one."""
        if not use_ema or self.ema_generator is None:
            return self.generator
        if self.ema_batch_norm != "recalibrate":
            return self.ema_generator
        step = (int(keras.ops.convert_to_numpy(self.g_optimizer.iterations))  # mirrored too
                if self.loss_name is not None else 0)
        if self._ema_calibrated_at != step:
            labels = generation_labels(None, GENERATE_BATCH_SIZE, self.num_classes)
            recalibrate_batch_norm(self.ema_generator, lambda k: self._inputs(latent_vectors(
                GENERATE_BATCH_SIZE, self.latent_dim, seed=CALIBRATION_SEED + k), labels))
            self._ema_calibrated_at = step
        return self.ema_generator

    # -------------------------------------------------------------------------- serializing
    def get_config(self):
        """Hyper-parameters and both serialized networks (the EMA clone is rebuilt on load)."""
        serialize = keras.saving.serialize_keras_object
        if getattr(self.augment, "__name__", "") == "<lambda>":
            raise ValueError("GAN: a lambda augment cannot be saved; pass a policy string or a "
                             "function registered with keras.saving.register_keras_serializable")
        config = {key: getattr(self, key) for key in (
            "name", "trainable", "latent_dim", "num_classes", "n_critic", "gp_weight",
            "ema_decay", "ema_batch_norm", "label_smoothing", "seed")}
        augment = serialize(self.augment) if callable(self.augment) else self.augment
        return {**config, "augment": augment, "generator": serialize(self.generator),
                "discriminator": serialize(self.discriminator)}

    @classmethod
    def from_config(cls, config):
        """Inverse of `get_config` (respects `load_model`'s safe_mode)."""
        config = dict(config)
        deserialize = keras.saving.deserialize_keras_object
        for key in ("generator", "discriminator"):
            config[key] = deserialize(config[key])
        if isinstance(config.get("augment"), dict):
            config["augment"] = deserialize(config["augment"])
        return cls(**config)
