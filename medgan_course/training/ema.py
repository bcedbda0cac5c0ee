"""An exponential moving average (EMA) of a generator's weights.

Sampling from averaged weights gives smoother, better images than the last iterate of a GAN
(Yazici et al. 2019; used by ProGAN, StyleGAN, BigGAN). Taught in
notebooks/05_when_training_fails.ipynb.
"""

from __future__ import annotations

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)


def ema_copy(model: keras.Model, sample_inputs) -> keras.Model:
    """A non-trainable clone of `model` with the same weights, built on `sample_inputs`."""
    ema = keras.models.clone_model(model)
    ema(sample_inputs)
    ema.set_weights(model.get_weights())
    ema.trainable = False
    return ema


def warmup_decay(decay: float, step):
    """The decay to use at update `step` (1, 2, ...): min(decay, (1 + step) / (10 + step)).

    Why: the average starts at the random initial weights, and after t updates a fraction
    decay**t of it is still that initialisation (0.999**1000 = 37 %), so a short run would
    sample from a blend of noise and training. The warm-up, as in
    `tf.train.ExponentialMovingAverage(num_updates=...)`, averages over a short window first.

    Args:
        decay: the target decay in (0, 1).
        step: int or integer tensor, the number of generator updates so far.

    Returns:
        float32 scalar tensor in (0, decay].
    """
    step = tf.cast(step, tf.float32)
    return tf.minimum(tf.constant(decay, tf.float32), (1.0 + step) / (10.0 + step))


def update_ema(ema: keras.Model, model: keras.Model, decay) -> None:
    """ema <- decay * ema + (1 - decay) * weight for trainable weights; copies the others.

    Non-trainable weights (BatchNorm moving statistics) are copied, as in StyleGAN2-ADA. Runs as
    a merge call so that mirrored variables update on every device; call it inside a replica
    context (e.g. from `train_step`) or outside any strategy.
    """
    pairs = [(e.value, w.value, w.trainable) for e, w in zip(ema.weights, model.weights)]

    def average(ema_var, weight):
        d = tf.cast(decay, ema_var.dtype)
        return ema_var.assign(d * ema_var + (1.0 - d) * tf.cast(weight, ema_var.dtype))

    def copy(ema_var, weight):
        return ema_var.assign(tf.cast(weight, ema_var.dtype))

    def update(strategy):
        for ema_var, weight, trainable in pairs:
            fn = average if trainable and ema_var.dtype.is_floating else copy
            strategy.extended.update(ema_var, fn, args=(weight,), group=False)

    tf.__internal__.distribute.interim.maybe_merge_call(update, tf.distribute.get_strategy())


#: What the EMA generator does with BatchNorm's moving statistics: "copy" the raw generator's
#: (they belong to the raw weights), or "recalibrate" them under the averaged weights.
EMA_BATCH_NORM_MODES = ("copy", "recalibrate")


def recalibrate_batch_norm(model: keras.Model, make_inputs, batches: int = 16) -> None:
    """Re-estimates every BatchNormalization layer's moving statistics under `model`'s weights.

    Why: an EMA generator averages the raw generator's weights, but the moving mean and
    variance copied from the raw generator describe the raw weights' activations, not the
    average's. Running the averaged network in training mode on fresh inputs and averaging the
    batch statistics ("standing statistics", Brock et al. 2019, BigGAN) gives statistics that
    belong to it. Taught in notebooks/05_when_training_fails.ipynb.

    Args:
        model: a Keras model (e.g. `GAN.ema_generator`); it may be non-trainable.
        make_inputs: function k -> the model's k-th input batch (e.g. z `(B, latent_dim)`).
        batches: how many batches to average (the estimate's error shrinks as 1/sqrt(batches)).
    """
    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.BatchNormalization)]
    if not layers:
        return
    saved = [(layer, layer.trainable, layer.momentum) for layer in layers]
    model_trainable = model.trainable
    model.trainable = True  # Keras 3 runs a non-trainable BatchNormalization in inference mode
    try:
        for k in range(batches):
            for layer in layers:  # momentum k/(k+1): the running value is the mean of k+1 batches
                layer.momentum = k / (k + 1)
            model(make_inputs(k), training=True)
    finally:
        model.trainable = model_trainable
        for layer, trainable, momentum in saved:
            layer.trainable, layer.momentum = trainable, momentum
