"""Nearest neighbours in a feature space, and the memorization check built on them.

A generator that copies training images can score a low FID, so its samples' distances to the
nearest training images are read beside FID/KID (`memorization_report`). The search is exact
Euclidean k-NN in memory-bounded chunks; `distances.precision_recall` uses it too. NumPy only.
Taught in notebooks/06_evaluating_gans.ipynb.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from medgan_course.evaluation.features import PixelExtractor, extract_features
from medgan_course.validate import positive_int

__all__ = [
    "nearest_neighbours",
    "memorization_report",
    "memorization_from_features",
    "MemorizationReport",
]


def _as_features(x, name, min_rows=2):
    """Validates a feature array; returns it as float64 (N, D)."""
    f = np.asarray(x, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < min_rows:
        raise ValueError(f"{name} must be a (N, D) array with N >= {min_rows}; got shape {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return f


def _check_same_dim(a, b):
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} vs {b.shape[1]}; "
                         "use one extractor for both sets")


def _squared_distance_chunks(query, reference, chunk_size):
    """Yields (start, (c, N_ref) squared Euclidean distances) for chunks of query rows.

    Uses ||q||^2 + ||r||^2 - 2 q.r (one matrix product per chunk), so memory stays at
    chunk_size x N_ref; rounding can make exact zeros tiny positives.
    """
    positive_int("chunk_size", chunk_size)
    ref_sq = np.einsum("ij,ij->i", reference, reference)
    for start in range(0, query.shape[0], chunk_size):
        q = query[start:start + chunk_size]
        d2 = np.einsum("ij,ij->i", q, q)[:, None] + ref_sq[None, :] - 2.0 * (q @ reference.T)
        yield start, np.maximum(d2, 0.0)


def _knn(query, reference, k, chunk_size, exclude_self):
    """k nearest reference rows per query row; with exclude_self, query IS reference (leave-one-out)."""
    available = reference.shape[0] - (1 if exclude_self else 0)
    if not 1 <= k <= available:
        raise ValueError(f"k must be between 1 and {available} (the reference set size); got {k}")
    distances = np.empty((query.shape[0], k))
    indices = np.empty((query.shape[0], k), dtype=np.int64)
    for start, d2 in _squared_distance_chunks(query, reference, chunk_size):
        rows = np.arange(d2.shape[0])
        if exclude_self:
            d2[rows, start + rows] = np.inf
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]
        # Exact distances of the k candidates, free of the expansion's rounding.
        exact = np.linalg.norm(query[start + rows][:, None, :] - reference[idx], axis=2)
        order = np.argsort(exact, axis=1, kind="stable")
        distances[start + rows] = np.take_along_axis(exact, order, axis=1)
        indices[start + rows] = np.take_along_axis(idx, order, axis=1)
    return distances, indices


def nearest_neighbours(query_features, reference_features, k: int = 1, *, chunk_size: int = 256):
    """The k nearest reference rows of every query row (Euclidean), in memory-bounded chunks.

    Args:
        query_features: `(N_q, D)` float features.
        reference_features: `(N_ref, D)` float features, N_ref >= k.
        k: number of neighbours.
        chunk_size: query rows per chunk; memory is about 8 * chunk_size * N_ref bytes.

    Returns:
        `(distances, indices)`: `(N_q, k)` float64 distances, ascending along axis 1, and
        `(N_q, k)` int64 row indices into `reference_features`.
    """
    query = _as_features(query_features, "query_features", min_rows=1)
    reference = _as_features(reference_features, "reference_features", min_rows=1)
    _check_same_dim(query, reference)
    return _knn(query, reference, k, chunk_size, exclude_self=False)


@dataclasses.dataclass(frozen=True)
class MemorizationReport:
    """Result of `memorization_report`.

    Attributes:
        distances: `(N_fake, k)` float64 distances of each fake to its k nearest training images.
        indices: `(N_fake, k)` int64 indices of those training images (show them side by side).
        train_nn_distances: `(N_train,)` float64 distance of each training image to its nearest
            OTHER training image: how close two genuinely different images of this data are.
        ratios: `(N_fake,)` float64 `distances[:, 0] / median(train_nn_distances)`.
        threshold: ratios below it are flagged.
        flagged: `(N_fake,)` bool, likely copies of a training image.
    """

    distances: np.ndarray
    indices: np.ndarray
    train_nn_distances: np.ndarray
    ratios: np.ndarray
    threshold: float
    flagged: np.ndarray

    @property
    def fraction_flagged(self) -> float:
        """Fraction of fakes flagged as likely copies."""
        return float(self.flagged.mean())


def memorization_report(
    fake_images, train_images, *, extractor=None, k: int = 1, threshold: float = 0.5
) -> MemorizationReport:
    """Flags generated images that are (near-)copies of training images.

    Each fake's distance to its nearest training image is divided by the median leave-one-out
    nearest-neighbour distance among the training images themselves. A ratio near 1 means "as
    far from the training set as a typical training image is from the others"; an exact copy
    has ratio 0. The default `threshold=0.5` (closer than half the typical train-to-train gap)
    is a convention, not a statistical test: nearest-neighbour distances in many dimensions
    concentrate, so genuinely new images rarely fall that low, while copies and near-copies
    (a copy plus slight noise) do. Look at the flagged pairs before concluding anything, and
    always report the same numbers for held-out real images, `memorization_report(test_images,
    train_images)`, beside the generator's: datasets hold near-duplicates. In BreastMNIST (from
    BUSI, with several images of some lesions) about 38% of the real test images fall below 0.5
    against the training split in pixel space, and one is an exact copy of a training image.
    Taught in notebooks/06_evaluating_gans.ipynb.

    Args:
        fake_images: `(N_fake, H, W, C)` float32 in [-1, 1].
        train_images: `(N_train, H, W, C)` float32 in [-1, 1], the generator's training set;
            N_train >= 2.
        extractor: feature extractor, or None for raw pixels (copies are closest there).
        k: number of nearest training images to report per fake (the ratio uses the nearest).
        threshold: ratio below which a fake is flagged.

    Returns:
        A `MemorizationReport`.

    Raises:
        ValueError: on bad images, or when most training images have exact duplicates (the
            median train-to-train distance is 0, so no ratio is defined).
    """
    extractor = PixelExtractor() if extractor is None else extractor
    return memorization_from_features(extract_features(extractor, fake_images),
                                      extract_features(extractor, train_images),
                                      k=k, threshold=threshold)


def memorization_from_features(fake_features, train_features, *, k: int = 1,
                               threshold: float = 0.5) -> MemorizationReport:
    """`memorization_report` on features computed already `(N_fake, D)`, `(N_train, D)`.

    For callers that score several image sets against one training set (extract it once).
    """
    fake = _as_features(fake_features, "fake features", min_rows=1)
    train = _as_features(train_features, "train features", min_rows=2)
    _check_same_dim(fake, train)
    distances, indices = _knn(fake, train, k, chunk_size=256, exclude_self=False)
    train_nn = _knn(train, train, 1, chunk_size=256, exclude_self=True)[0][:, 0]
    typical = float(np.median(train_nn))
    if typical == 0.0:
        raise ValueError("more than half of the training images have exact duplicates; "
                         "deduplicate them first")
    ratios = distances[:, 0] / typical
    return MemorizationReport(distances, indices, train_nn, ratios, float(threshold), ratios < threshold)
