"""tf.data input pipelines over in-memory image arrays.

The article fed the whole training set to the model at once; a pipeline instead shuffles,
batches, augments and prefetches, so the next batch is ready while the current one trains.
Taught in notebooks/04_training_loop.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()


def _check_arrays(images, labels):
    """Validates the arrays and returns them as numpy (labels may be None)."""
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.float32:
        raise TypeError(
            f"images must be a (N, H, W, C) float32 array in [-1, 1], got {images.shape} "
            f"{images.dtype}; convert uint8 with medgan_course.data.to_model_range."
        )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"labels must be a ({len(images)},) integer array, "
                            f"got {labels.shape} {labels.dtype}.")
        labels = labels.astype(np.int32, copy=False)
    return images, labels


def make_dataset(images, labels=None, *, batch_size, shuffle=True, seed=0, repeat=True,
                 drop_remainder=True, augment=None, cache=True):
    """A tf.data.Dataset of batches from in-memory arrays.

    Args:
        images: (N, H, W, C) float32 in [-1, 1], e.g. `dataset.train.images`.
        labels: optional (N,) integer labels; then the dataset yields (images, labels).
        batch_size: images per batch, >= 1 (at most N when drop_remainder is True). A `GAN`
            with n_critic > 1 takes one real batch per critic step in each training batch:
            pass `gan.real_batch_size(batch_size)`.
        shuffle: reshuffle the examples every epoch (with `seed`, so runs are repeatable).
        seed: seed of the shuffle order.
        repeat: loop forever (training by steps); False gives one epoch.
        drop_remainder: drop the last incomplete batch, so every batch has `batch_size`
            images (GAN steps and distribution strategies expect a fixed batch).
        augment: optional callable mapping a (B, H, W, C) float32 batch to one of the same
            shape, e.g. `augment.classical_augment`; applied to images only, labels unchanged.
        cache: keep the sliced elements in memory after the first epoch.

    Returns:
        tf.data.Dataset yielding float32 tensors (B, H, W, C), or ((B, H, W, C), (B,) int32),
        prefetched with AUTOTUNE.
    """
    images, labels = _check_arrays(images, labels)
    if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1):
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}.")
    if drop_remainder and batch_size > len(images):
        # Otherwise the dataset is empty and a repeated empty dataset never yields (a hang).
        raise ValueError(
            f"batch_size={batch_size} exceeds the {len(images)} images, so drop_remainder=True "
            "would leave no batch; use a smaller batch_size or drop_remainder=False."
        )
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be a callable on a batch, got {type(augment).__name__}.")
    elements = images if labels is None else (images, labels)
    dataset = tf.data.Dataset.from_tensor_slices(elements)
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if augment is not None:
        dataset = dataset.map(_images_only(augment), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _images_only(augment):
    """Wraps a batch augmentation so that it leaves the labels of (images, labels) alone."""

    def apply(images, labels=None):
        return augment(images) if labels is None else (augment(images), labels)

    return apply


def steps_per_epoch(num_images, batch_size, drop_remainder=True):
    """Batches in one pass over `num_images` (to turn epochs into steps for a repeated dataset)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    return num_images // batch_size if drop_remainder else -(-num_images // batch_size)
