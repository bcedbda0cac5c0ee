"""Toy data for the GAN playground: 1-D and 2-D Gaussian mixtures, and mode-coverage metrics.

A toy distribution is a mixture of K equal-width Gaussians in 1 or 2 dimensions. Because its
density is known exactly, notebooks/02_gan_theory.ipynb can compare a generator with the
truth: which of the K modes it covers, and how many of its samples are "high quality" (within
3 standard deviations of a mode), the two numbers Metz et al. (2017, unrolled GANs) and
Srivastava et al. (2017, VEEGAN) report on the ring of 8 Gaussians. NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Samples VEEGAN evaluates a generator with, and the high-quality samples a mode needs
#: before it counts as covered (VEEGAN: "fewer than 20 high-quality samples" = mode lost).
EVAL_SAMPLES = 2500
MIN_COUNT = 20


@dataclass(frozen=True)
class ToyDataset:
    """A mixture of Gaussians with one shared standard deviation.

    Attributes:
        name: key in `TOY_DATASETS`, e.g. "ring_2d".
        title: what a plot or a dropdown shows.
        centers: `(K, dim)` float64 mode centres.
        std: standard deviation of every component (isotropic).
        weights: `(K,)` float64 mixture weights summing to 1.
    """

    name: str
    title: str
    centers: np.ndarray
    std: float
    weights: np.ndarray

    @property
    def dim(self) -> int:
        """1 or 2: the dimension of a sample."""
        return int(self.centers.shape[1])

    @property
    def n_modes(self) -> int:
        return int(self.centers.shape[0])

    @property
    def quality_radius(self) -> float:
        """3 standard deviations: a sample this close to a centre is "high quality"."""
        return 3.0 * self.std

    def sample(self, n: int, seed=None) -> np.ndarray:
        """`n` samples, float32 `(n, dim)`; `seed` is an int or a `numpy.random.Generator`."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        modes = rng.choice(self.n_modes, size=n, p=self.weights)
        noise = rng.standard_normal((n, self.dim))
        return (self.centers[modes] + self.std * noise).astype(np.float32)

    def density(self, x) -> np.ndarray:
        """The exact density at points `x` `(N, dim)` (or `(N,)` in 1-D): float64 `(N,)`, >= 0."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.dim)
        sq = ((x[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (N, K)
        norm = (2.0 * np.pi * self.std**2) ** (self.dim / 2.0)
        return (np.exp(-0.5 * sq / self.std**2) / norm) @ self.weights

    def bounds(self, margin: float = 4.0) -> tuple[float, float]:
        """(low, high) of a square window: every centre, `margin` std around it, 15% padding."""
        low = float(self.centers.min()) - margin * self.std
        high = float(self.centers.max()) + margin * self.std
        pad = 0.15 * (high - low)
        return low - pad, high + pad


def ring_centers(k: int = 8, radius: float = 2.0) -> np.ndarray:
    """`(k, 2)` centres evenly spaced on a circle (the "ring of 8 Gaussians")."""
    angles = 2.0 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centers(side: int = 5, spacing: float = 1.0) -> np.ndarray:
    """`(side**2, 2)` centres on a square grid centred at 0 (the "grid of 25 Gaussians")."""
    ticks = spacing * (np.arange(side) - (side - 1) / 2.0)
    xx, yy = np.meshgrid(ticks, ticks)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _equal(centers, std, name, title) -> ToyDataset:
    centers = np.asarray(centers, dtype=np.float64)
    weights = np.full(len(centers), 1.0 / len(centers))
    return ToyDataset(name, title, centers, float(std), weights)


#: The playground's datasets. The widths are wider than the papers' (std 0.02 on a ring of
#: radius 2) so that a CPU learns them in a few thousand steps; the metrics scale with `std`.
TOY_DATASETS = {
    "gaussian_1d": _equal([[3.0]], 0.5, "gaussian_1d", "1-D Gaussian N(3, 0.5²)"),
    "mixture_1d": _equal([[-2.0], [2.0]], 0.4, "mixture_1d", "1-D mixture of 2 Gaussians"),
    "ring_2d": _equal(ring_centers(8, 2.0), 0.05, "ring_2d", "2-D ring of 8 Gaussians"),
    "grid_2d": _equal(grid_centers(5, 1.0), 0.05, "grid_2d", "2-D grid of 25 Gaussians"),
}


def toy_dataset(name) -> ToyDataset:
    """The `ToyDataset` called `name` (a dataset passes through).

    Raises:
        ValueError: unknown name, listing the known ones.
    """
    if isinstance(name, ToyDataset):
        return name
    if name not in TOY_DATASETS:
        raise ValueError(f"Unknown toy dataset {name!r}; choose one of {', '.join(TOY_DATASETS)}.")
    return TOY_DATASETS[name]


def nearest_mode(samples, centers) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, its nearest centre: (indices `(N,)` int, distances `(N,)` float64)."""
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    samples = samples.reshape(len(samples), centers.shape[1])
    dist = np.sqrt(((samples[:, None, :] - centers[None]) ** 2).sum(-1))
    index = dist.argmin(axis=1)
    return index, dist[np.arange(len(samples)), index]


def mode_counts(samples, centers, radius: float) -> np.ndarray:
    """High-quality samples per mode: `(K,)` int, samples within `radius` of that nearest centre."""
    index, dist = nearest_mode(samples, centers)
    return np.bincount(index[dist <= radius], minlength=len(centers))


def modes_covered(samples, centers, radius: float, min_count: int = MIN_COUNT) -> int:
    """How many modes have at least `min_count` high-quality samples (VEEGAN's rule).

    Args:
        samples: `(N, dim)` generated points (VEEGAN uses N = 2500).
        centers: `(K, dim)` mode centres.
        radius: distance that counts as "at" a mode (3 std).
        min_count: high-quality samples a mode needs to count as covered.

    Returns:
        An int in [0, K].
    """
    return int((mode_counts(samples, centers, radius) >= min_count).sum())


def high_quality_fraction(samples, centers, radius: float) -> float:
    """Fraction in [0, 1] of samples within `radius` of their nearest centre."""
    _, dist = nearest_mode(samples, centers)
    return float(np.mean(dist <= radius))


def mode_coverage(samples, dataset, min_count: int = MIN_COUNT) -> dict:
    """{"modes": covered, "of": K, "high_quality": fraction} of `samples` on a `ToyDataset`."""
    dataset = toy_dataset(dataset)
    radius = dataset.quality_radius
    return {"modes": modes_covered(samples, dataset.centers, radius, min_count),
            "of": dataset.n_modes,
            "high_quality": high_quality_fraction(samples, dataset.centers, radius)}
