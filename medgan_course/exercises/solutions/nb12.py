"""Reference solutions of notebooks/12_scaling_up.ipynb's exercises (exercise 3 imports Keras)."""

import math

import numpy as np


def global_batch_and_lr(per_replica_batch, replicas, base_lr, base_batch, rule="linear"):
    global_batch = per_replica_batch * replicas
    ratio = global_batch / base_batch
    factor = ratio if rule == "linear" else math.sqrt(ratio)
    return global_batch, base_lr * factor


def replica_loss(per_example_losses, global_batch_size):
    return np.sum(per_example_losses) / global_batch_size


def build_discriminator():
    import keras

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(1, dtype="float32"),  # logits in float32
    ])
