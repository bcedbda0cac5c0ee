"""Seeded index selection for label scarcity and class imbalance experiments.

Every function takes a (N,) integer `labels` array and returns sorted int64 indices into it,
so the same selection can be applied to images, labels and any per-example metadata with
`take(split, indices)`. Sorting keeps the original order of the data; the randomness is only in
*which* examples are kept, and it is fixed by `seed`.
Taught in notebooks/07_class_imbalance.ipynb and notebooks/08_label_scarcity.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

from medgan_course.data.types import Split
from medgan_course.validate import positive_int


def _as_labels(labels):
    """Returns `labels` as a (N,) int64 array of non-negative class indices."""
    array = np.asarray(labels)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"labels must be a (N,) integer array, got shape {array.shape} and dtype {array.dtype}."
        )
    if array.size and array.min() < 0:
        raise ValueError(f"labels must be non-negative class indices, found {array.min()}.")
    return array.astype(np.int64, copy=False)


def class_counts(labels, num_classes):
    """Counts the examples of each class.

    Args:
        labels: (N,) integer class indices in [0, num_classes).
        num_classes: number of classes; classes without examples count 0.

    Returns:
        (num_classes,) int64 array of counts.
    """
    labels = _as_labels(labels)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"found label {labels.max()} but num_classes={num_classes}.")
    return np.bincount(labels, minlength=num_classes).astype(np.int64)


def minority_class(labels):
    """The rarest class among those present in `labels` (the smallest index on ties).

    Args:
        labels: (N,) integer class indices, N >= 1.

    Returns:
        int class index; 0 for BreastMNIST's training split (147 malignant against 399).
    """
    labels = _as_labels(labels)
    if labels.size == 0:
        raise ValueError("minority_class needs at least one label.")
    present, counts = np.unique(labels, return_counts=True)
    return int(present[np.argmin(counts)])


def _choose(rng, candidates, n):
    """`n` distinct entries of `candidates` drawn without replacement."""
    return rng.choice(candidates, size=n, replace=False)


def keep_k_per_class(labels, k, seed=0):
    """Keeps exactly `k` examples of every class present (label scarcity, notebook 08).

    Args:
        labels: (N,) integer class indices.
        k: examples to keep per class, >= 1.
        seed: seed of the draw.

    Returns:
        sorted (k * num_present_classes,) int64 indices.

    Raises:
        ValueError: k < 1, or a class has fewer than k examples (names the class and count).
    """
    labels = _as_labels(labels)
    k = positive_int("k", k)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) < k:
            raise ValueError(
                f"class {cls} has only {len(members)} examples, fewer than k={k}; "
                f"use k <= {len(members)}."
            )
        chosen.append(_choose(rng, members, k))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def subsample_class(labels, class_index, ratio, seed=0):
    """Keeps a fraction `ratio` of one class and every example of the others (imbalance).

    The number kept is round(ratio * count), at least 1, so the class never disappears.

    Args:
        labels: (N,) integer class indices.
        class_index: the class to thin out; it must be present.
        ratio: fraction of that class to keep, in (0, 1].
        seed: seed of the draw.

    Returns:
        sorted int64 indices.
    """
    labels = _as_labels(labels)
    if not (isinstance(ratio, numbers.Real) and 0.0 < ratio <= 1.0):
        raise ValueError(f"ratio must be a number in (0, 1], got {ratio!r}.")
    members = np.flatnonzero(labels == class_index)
    if len(members) == 0:
        raise ValueError(f"class {class_index} has no examples in these labels.")
    n_keep = max(1, int(round(ratio * len(members))))
    kept = _choose(np.random.default_rng(seed), members, n_keep)
    return np.sort(np.concatenate([np.flatnonzero(labels != class_index), kept]))


def _per_class_quota(counts, n_total):
    """Splits `n_total` over classes in proportion to `counts` (largest remainder method).

    Every present class gets at least one example when `n_total` allows it, because the point
    of a stratified subset is that the rare class survives.
    """
    exact = counts * (n_total / counts.sum())
    floor = (counts > 0).astype(np.int64) if n_total >= np.count_nonzero(counts) else 0
    quota = np.maximum(np.floor(exact).astype(np.int64), floor)
    # Hand out what is left by largest remainder; quotas never exceed counts since n <= N.
    for cls in np.argsort(-(exact - quota), kind="stable")[: max(0, n_total - quota.sum())]:
        quota[cls] += 1
    # The minimum-one rule can overshoot: take back from the classes most above their share.
    while quota.sum() > n_total:
        excess = np.where(quota > floor, quota - exact, -np.inf)
        quota[int(np.argmax(excess))] -= 1
    return quota


def stratified_subset(labels, fraction_or_n, seed=0):
    """A random subset with the class proportions of `labels` (e.g. to cap a large split).

    Args:
        labels: (N,) integer class indices.
        fraction_or_n: a float in (0, 1] (fraction of N) or an int in [1, N] (subset size).
        seed: seed of the draw.

    Returns:
        sorted int64 indices, round(fraction * N) or n of them.
    """
    labels = _as_labels(labels)
    n_total = _subset_size(fraction_or_n, len(labels))
    present, counts = np.unique(labels, return_counts=True)
    quota = _per_class_quota(counts, n_total)
    rng = np.random.default_rng(seed)
    chosen = [_choose(rng, np.flatnonzero(labels == cls), q) for cls, q in zip(present, quota)]
    return np.sort(np.concatenate(chosen))


def _subset_size(fraction_or_n, n_available):
    """Turns a fraction in (0, 1] or a count in [1, N] into a count, refusing anything else."""
    if isinstance(fraction_or_n, bool):
        raise TypeError("fraction_or_n must be a float fraction or an int count, not a bool.")
    if isinstance(fraction_or_n, numbers.Integral):
        if not 1 <= fraction_or_n <= n_available:
            raise ValueError(f"n must be in [1, {n_available}], got {fraction_or_n}.")
        return int(fraction_or_n)
    if isinstance(fraction_or_n, numbers.Real) and 0.0 < fraction_or_n <= 1.0:
        return max(1, int(round(fraction_or_n * n_available)))
    raise ValueError(
        f"fraction_or_n must be a fraction in (0, 1] or a count in [1, {n_available}], "
        f"got {fraction_or_n!r}."
    )


def take(split, indices):
    """The examples of `split` at `indices`, as a new Split.

    Args:
        split: a Split.
        indices: (M,) integer indices, e.g. from `keep_k_per_class`.

    Returns:
        Split with images (M, H, W, C) float32 and labels (M,) int32.
    """
    if not isinstance(split, Split):
        raise TypeError(f"take expects a Split, got {type(split).__name__}.")
    indices = np.asarray(indices)
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(
            f"indices must be a (M,) integer array, got {indices.shape} {indices.dtype}."
        )
    return Split(split.images[indices], split.labels[indices])
