"""Diversity of generated samples: the numbers that reveal mode collapse.

A collapsed generator's samples look alike (`mean_pairwise_distance`, `near_duplicate_fraction`)
and land next to few of the real images (`distinct_neighbours`). Each takes images or features
as numpy arrays and is read beside the same measure on as many real images. Taught in
notebooks/05_when_training_fails.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course.evaluation.neighbours import nearest_neighbours


def _as_rows(x, name):
    """`(N, ...)` array -> float64 `(N, D)`; N >= 2 (a distance needs two rows)."""
    x = np.asarray(x, np.float64)
    if x.ndim < 1 or len(x) < 2:
        raise ValueError(f"{name}: need at least 2 rows, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or inf (has training diverged?)")
    return x.reshape(len(x), -1)


def mean_pairwise_distance(x, *, max_n=512, seed=0) -> float:
    """Mean Euclidean distance between distinct pairs of rows: a diversity measure.

    Compare a generator's value with the same measure on as many real images: a collapsed
    generator, whose samples look alike, scores far below the real data.

    Args:
        x: `(N, ...)` images (e.g. `(N, H, W, C)` in [-1, 1]) or features `(N, D)`, N >= 2.
        max_n: at most this many rows (a seeded random subset) keep the cost O(max_n^2).
        seed: seed of the subset.

    Returns:
        The mean distance (float >= 0).
    """
    x = _as_rows(x, "mean_pairwise_distance")
    if len(x) > max_n:
        x = x[np.random.default_rng(seed).choice(len(x), max_n, replace=False)]
    sq = np.einsum("ij,ij->i", x, x)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0)
    n = len(x)
    return float(np.sqrt(d2)[~np.eye(n, dtype=bool)].mean())


def near_duplicate_fraction(x, reference) -> float:
    """Fraction of rows of `x` whose nearest other row is closer than real images ever are.

    The threshold is the smallest nearest-neighbour distance inside `reference` (real images
    or their features): real data has no pair that close, so a generator's pairs below it are
    near-duplicates, the visible sign of mode collapse.

    Args:
        x: `(N, ...)` generated images or features, N >= 2.
        reference: `(M, ...)` real images or features of the same kind, M >= 2.

    Returns:
        A fraction in [0, 1].
    """
    x, reference = _as_rows(x, "near_duplicate_fraction"), _as_rows(reference, "reference")
    threshold = nearest_neighbours(reference, reference, k=2)[0][:, 1].min()
    closest = nearest_neighbours(x, x, k=2)[0][:, 1]  # column 0 is the row itself
    return float(np.mean(closest < threshold))


def distinct_neighbours(x, reference) -> dict:
    """How many different reference rows are the nearest neighbour of some row of `x`.

    N generated images spread over the data hit many different real images; a collapsed
    generator hits a few again and again. Read the fraction beside the same measure for as
    many held-out real images (the floor of a perfect generator).

    Args:
        x: `(N, ...)` generated images or features.
        reference: `(M, ...)` real images or features of the same kind (e.g. the train split).

    Returns:
        dict: "count" (int, distinct nearest reference rows) and "fraction" (count / min(N, M)).
    """
    x, reference = _as_rows(x, "distinct_neighbours"), _as_rows(reference, "reference")
    indices = nearest_neighbours(x, reference, k=1)[1][:, 0]
    count = int(len(np.unique(indices)))
    return {"count": count, "fraction": count / min(len(x), len(reference))}
