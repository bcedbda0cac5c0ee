"""`Pix2Pix`: a conditional GAN for paired image-to-image tasks, and the same U-Net with L1 only.

Isola et al. (CVPR 2017) train the generator G on pairs (degraded x, clean y) with

    g_loss = adversarial(D(x, G(x))) + l1_weight * mean |G(x) - y|        (l1_weight = 100)

and the conditional discriminator D on (x, y) as real and (x, G(x)) as fake. The L1 term pulls
G(x) towards the average of the plausible clean images (which is blurry); the adversarial term
pushes it towards images D cannot tell from real ones (which are sharp, but the detail may be
invented). Passing ``discriminator=None`` trains the same generator with the L1 term alone, the
fair comparison: same network, same data order, same optimizer, only the loss differs.

Like `training.gan.GAN`, it is a `training.adversarial.AdversarialModel` (keyword-only
`compile(g_optimizer=, d_optimizer=)` building both optimizers eagerly, per-step logs, loss
scaling), and each network has its own tape. The adversarial losses are
the package's (`training.losses`), applied to the PatchGAN's per-patch logits.
Taught in notebooks/09_image_enhancement.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course._tf import require_tensorflow
from medgan_course.training.adversarial import AdversarialModel
from medgan_course.training.losses import (
    discriminator_loss,
    generator_loss,
    validate_loss_name,
)
from medgan_course.validate import positive_number

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)

#: The paper's weight of the L1 term against the adversarial term.
DEFAULT_L1_WEIGHT = 100.0


@keras.saving.register_keras_serializable(package="medgan_course")
class Pix2Pix(AdversarialModel):
    """U-Net generator (+ optional PatchGAN discriminator) trained by `fit` on (degraded, clean).

    Calling the model restores: ``model(degraded)`` -> restored images, like the generator.

    Args:
        generator: maps degraded images ``(N, H, W, C)`` float32 in [-1, 1] to restored images
            of the same shape in [-1, 1] (e.g. `models.pix2pix.build_unet`).
        discriminator: None (L1-only training), or a model called as
            ``discriminator([condition, candidate])`` returning logits of any shape ``(N, ...)``
            (e.g. `models.pix2pix.build_patch_discriminator`).
        l1_weight: weight of the L1 term (> 0).
        **kwargs: `keras.Model` arguments.

    Raises:
        ValueError: l1_weight <= 0.
    """

    def __init__(self, generator, discriminator=None, *, l1_weight=DEFAULT_L1_WEIGHT, **kwargs):
        super().__init__(**kwargs)
        self.l1_weight = positive_number("Pix2Pix: l1_weight", l1_weight)
        self.generator, self.discriminator = generator, discriminator
        self.loss_name = None
        self._make_trackers(["g_loss", "l1"]
                            + (["d_loss", "g_adv"] if discriminator is not None else []))
        self.built = True

    @property
    def adversarial(self):
        """True when a discriminator takes part (pix2pix), False for L1-only training."""
        return self.discriminator is not None

    def call(self, degraded, training=False):
        """Restores: ``(N, H, W, C)`` float32 in [-1, 1] -> the same shape in [-1, 1]."""
        return self.generator(degraded, training=training)

    def compile(self, *, g_optimizer, d_optimizer=None, loss="non_saturating", **kwargs):
        """Sets the optimizers (by keyword) and the adversarial loss; builds every variable now.

        Args:
            g_optimizer: a `keras.optimizers.Optimizer` for the generator.
            d_optimizer: another one for the discriminator; required exactly when there is one.
            loss: one of `losses.LOSS_NAMES` (the paper's is the non-saturating BCE).
            **kwargs: `AdversarialModel.compile` arguments (`jit_compile`, off by default: it
                slowed the GAN step on the course's CPU; `run_eagerly`, ...).

        Raises:
            ValueError: unknown loss; d_optimizer missing or superfluous.
            TypeError: an optimizer that is not a Keras optimizer, or one object used twice.
        """
        validate_loss_name(loss)
        super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **kwargs)
        self.loss_name = loss

    def _unpack(self, data):
        """`data` -> (degraded, clean), both float32 `(N, H, W, C)`."""
        degraded, clean, _ = keras.utils.unpack_x_y_sample_weight(data)
        if clean is None:
            raise ValueError("Pix2Pix: fit needs (degraded, clean) pairs")
        return tf.cast(degraded, tf.float32), tf.cast(clean, tf.float32)

    def train_step(self, data):
        """One update of both networks on one batch of (degraded, clean) pairs.

        As in TensorFlow's pix2pix tutorial, one forward pass serves both updates: each tape
        watches the whole computation but differentiates only its own network's loss with
        respect to its own variables, so G(x) is computed once per step, not twice.
        """
        degraded, clean = self._unpack(data)
        values = {}
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            restored = self.generator(degraded, training=True)
            values["l1"] = tf.reduce_mean(tf.abs(restored - clean))
            g_loss = self.l1_weight * values["l1"]
            if self.adversarial:
                real_logits = self.discriminator([degraded, clean], training=True)
                fake_logits = self.discriminator([degraded, restored], training=True)
                values["d_loss"] = discriminator_loss(self.loss_name, real_logits, fake_logits)
                values["g_adv"] = generator_loss(self.loss_name, fake_logits)
                g_loss = g_loss + values["g_adv"]
            values["g_loss"] = g_loss
            g_scaled = self.scaled_loss(self.g_optimizer, g_loss)
            if self.adversarial:
                d_scaled = self.scaled_loss(self.d_optimizer, values["d_loss"])
        self._apply(g_tape, g_scaled, self.generator, self.g_optimizer)
        if self.adversarial:
            self._apply(d_tape, d_scaled, self.discriminator, self.d_optimizer)
        return self._record(values)  # this step's values, as every AdversarialModel returns

    def restore(self, degraded, batch_size=256):
        """Restores a NumPy batch: ``(N, H, W, C)`` in [-1, 1] -> float32 NumPy, same shape."""
        degraded = np.asarray(degraded, np.float32)
        parts = [self.generator(degraded[i:i + batch_size], training=False).numpy()
                 for i in range(0, len(degraded), batch_size)]
        return np.concatenate(parts).astype(np.float32)

    def get_config(self):
        return {**super().get_config(),
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": (keras.saving.serialize_keras_object(self.discriminator)
                                  if self.discriminator is not None else None),
                "l1_weight": self.l1_weight}

    @classmethod
    def from_config(cls, config):
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = config.pop("discriminator")
        if discriminator is not None:
            discriminator = keras.saving.deserialize_keras_object(discriminator)
        return cls(generator, discriminator, **config)
