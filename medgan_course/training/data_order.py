"""Training batches whose contents are a pure function of (seed, step): resumable exactly.

`data.make_dataset` shuffles with tf.data's stateful shuffle buffer: a run that restarts cannot
get back to "batch 1,234 of seed 0" without replaying every batch before it. Here the stream
of training images is an endless concatenation of permutations of the training set, one per
pass ("epoch" of the data, unrelated to Keras's epochs), with pass e permuted by a stateless
RNG keyed by (seed, e). Batch s holds stream positions s*B ... s*B + B - 1, so it is computed
from (seed, s) alone, and a run resumed at step s sees exactly the batches an uninterrupted
run would have seen. Every image appears once per pass, as with a reshuffling pipeline.

Used by `runner.train`; taught in notebooks/04_training_loop.ipynb (section 7).
"""

from __future__ import annotations

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()


def pass_permutation(seed, epoch, n):
    """The order of the training images in pass `epoch` of the stream.

    Args:
        seed: int (or int64 scalar tensor), the run's seed.
        epoch: int64 scalar (tensor), the pass over the data.
        n: number of training images.

    Returns:
        int32 tensor `(n,)`, a permutation of 0 .. n-1.
    """
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.argsort(tf.random.stateless_uniform((n,), seed=key), stable=True)


def batch_indices(seed, step, batch_size, n):
    """Indices of the images of training batch `step` (see the module docstring).

    Args:
        seed: the run's seed.
        step: int64 scalar (tensor), 0-based training step.
        batch_size: images per batch, 1 .. n.
        n: number of training images.

    Returns:
        int32 tensor `(batch_size,)` of indices in [0, n).
    """
    positions = tf.cast(step, tf.int64) * batch_size + tf.range(batch_size, dtype=tf.int64)
    first = positions[0] // n  # a batch spans at most two passes, because batch_size <= n
    orders = tf.concat([pass_permutation(seed, first, n), pass_permutation(seed, first + 1, n)], 0)
    return tf.gather(orders, positions - first * n)


def step_batches(images, labels=None, *, batch_size, seed, start_step=0):
    """An endless tf.data stream of training batches, starting at batch `start_step`.

    Args:
        images: `(N, H, W, C)` float32 in [-1, 1].
        labels: optional `(N,)` integer labels; then the stream yields (images, labels).
        batch_size: images per batch (1 .. N): what one training step consumes.
        seed: the run's seed (the same seed gives the same batches).
        start_step: the first batch to yield (a resumed run's step).

    Returns:
        tf.data.Dataset of float32 `(batch_size, H, W, C)` batches (and int32 `(batch_size,)`
        labels), prefetched.

    Raises:
        ValueError: `batch_size` out of range, or labels that do not match the images.
    """
    images = np.asarray(images, np.float32)
    n = len(images)
    if not 1 <= batch_size <= n:
        raise ValueError(f"step_batches: batch_size must be in [1, {n}], got {batch_size}")
    if labels is not None and np.shape(labels) != (n,):
        raise ValueError(f"step_batches: labels must have shape ({n},), got {np.shape(labels)}")
    images = tf.constant(images)
    labels = None if labels is None else tf.constant(np.asarray(labels, np.int32))

    def batch(step):
        index = batch_indices(seed, step, batch_size, n)
        picked = tf.gather(images, index)
        return picked if labels is None else (picked, tf.gather(labels, index))

    steps = tf.data.Dataset.range(int(start_step), np.iinfo(np.int64).max)
    return steps.map(batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(
        tf.data.AUTOTUNE)
