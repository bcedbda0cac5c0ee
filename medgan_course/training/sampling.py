"""Checked inputs for generating images: latent vectors and class labels (numpy, no TensorFlow).

Taught in notebooks/03_building_a_dcgan.ipynb.
"""

from __future__ import annotations

import numpy as np


def latent_vectors(z, latent_dim: int, seed=None) -> np.ndarray:
    """An int n (n fresh vectors ~ N(0, 1) from `seed`) or an array -> float32 `(n, latent_dim)`.

    Raises:
        ValueError: n < 1, or an array of the wrong shape.
    """
    if isinstance(z, (int, np.integer)) and not isinstance(z, bool):
        if z < 1:
            raise ValueError(f"GAN.generate: n must be >= 1, got {z}")
        return np.random.default_rng(seed).standard_normal((int(z), latent_dim), np.float32)
    z = np.asarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != latent_dim or len(z) == 0:
        raise ValueError(f"GAN.generate: z must be an int or an array (n, {latent_dim}), "
                         f"got shape {z.shape}")
    return z


def generation_labels(labels, n: int, num_classes: int | None):
    """Checked int32 labels `(n,)` for a conditional GAN (None cycles 0, 1, ...); None otherwise.

    Raises:
        ValueError: labels for an unconditional GAN, or labels of the wrong shape or range.
    """
    if num_classes is None:
        if labels is not None:
            raise ValueError("GAN.generate: labels given, but this GAN is unconditional")
        return None
    if labels is None:
        return (np.arange(n) % num_classes).astype(np.int32)
    labels = np.asarray(labels).reshape(-1)
    if labels.shape != (n,) or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"GAN.generate: labels must be {n} class indices in "
                         f"[0, {num_classes}), got shape {labels.shape}")
    return labels.astype(np.int32)
