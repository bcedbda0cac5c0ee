"""An exponential moving average (EMA) of a generator's weights.

Sampling from averaged weights gives smoother, better images than the last iterate of a GAN
(Yazici et al. 2019; used by ProGAN, StyleGAN, BigGAN). Taught in
notebooks/05_when_training_fails.ipynb.
"""

from __future__ import annotations

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402


def ema_copy(model: keras.Model, sample_inputs) -> keras.Model:
    """A non-trainable clone of `model` with the same weights, built on `sample_inputs`."""
    ema = keras.models.clone_model(model)
    ema(sample_inputs)
    ema.set_weights(model.get_weights())
    ema.trainable = False
    return ema


def update_ema(ema: keras.Model, model: keras.Model, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * weight for trainable weights; copies the others.

    Non-trainable weights (BatchNorm moving statistics) are copied, as in StyleGAN2-ADA. Runs as
    a merge call so that mirrored variables update on every device; call it inside a replica
    context (e.g. from `train_step`) or outside any strategy.
    """
    pairs = [(e.value, w.value, w.trainable) for e, w in zip(ema.weights, model.weights)]

    def average(ema_var, weight):
        return ema_var.assign(decay * ema_var + (1.0 - decay) * tf.cast(weight, ema_var.dtype))

    def copy(ema_var, weight):
        return ema_var.assign(tf.cast(weight, ema_var.dtype))

    def update(strategy):
        for ema_var, weight, trainable in pairs:
            fn = average if trainable and ema_var.dtype.is_floating else copy
            strategy.extended.update(ema_var, fn, args=(weight,), group=False)

    tf.__internal__.distribute.interim.maybe_merge_call(update, tf.distribute.get_strategy())
