"""Distances between sets of images in a feature space: FID, KID, precision/recall, memorization.

Taught in notebooks/06_evaluating_gans.ipynb. All functions take features `(N, D)` (from an
extractor in `features`) except `fid` and `memorization_report`, which take images
`(N, H, W, C)` float32 in [-1, 1] and an extractor. The nearest-neighbour search and the
memorization check live in `evaluation.neighbours` and are re-exported here.

Reading the numbers:
    * FID and KID are comparable only within one pipeline: the same extractor, resize and sample
      size. FID is biased upward at small N; KID's estimator is unbiased, so prefer KID for the
      few hundred images of a MedMNIST split.
    * Always report the real-versus-real floor (`real_vs_real_floor`, e.g. train versus test)
      computed the same way, with the same sample size, beside every FID/KID: a GAN is not
      expected to beat two real samples of the same data.
    * A low FID can come from a generator that copies training images; check
      `memorization_report` too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import linalg

from medgan_course.evaluation.features import extract_features
from medgan_course.evaluation.neighbours import (
    MemorizationReport,
    _as_features,
    _check_same_dim,
    _knn,
    _squared_distance_chunks,
    memorization_from_features,
    memorization_report,
    nearest_neighbours,
)
from medgan_course.validate import positive_int

__all__ = [
    "frechet_distance",
    "fid",
    "kernel_inception_distance",
    "precision_recall",
    "PrecisionRecall",
    "nearest_neighbours",
    "memorization_report",
    "memorization_from_features",
    "MemorizationReport",
    "distance_report",
    "real_vs_real_floor",
    "DistanceReport",
]


def _sqrtm_of_product(sigma_r, sigma_f, eps):
    """sqrtm(sigma_r @ sigma_f), retried with eps on both diagonals when the product is singular."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)  # SciPy only warns when singular
        try:
            covmean = linalg.sqrtm(sigma_r @ sigma_f)
            if np.isfinite(covmean).all():
                return covmean
        except linalg.LinAlgWarning:
            pass
    # Singular: fewer samples than dimensions, or features that never vary (dead ReLUs).
    offset = eps * np.eye(sigma_r.shape[0])
    return linalg.sqrtm((sigma_r + offset) @ (sigma_f + offset))


def frechet_distance(real_features, fake_features, *, eps: float = 1e-6) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (the "F" of FID).

    `||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))` (Heusel et al., NeurIPS 2017).
    With fewer samples than dimensions the covariances are singular and `sqrtm` can fail; as in
    the reference implementations, `eps` is then added to both diagonals. A tiny imaginary part
    of the matrix square root (rounding) is dropped; a large one raises.

    Args:
        real_features: `(N_r, D)` float features of real images, N_r >= 2.
        fake_features: `(N_f, D)` float features of generated images, N_f >= 2.
        eps: diagonal offset used only when the product of covariances is singular.

    Returns:
        The distance, >= 0 up to rounding, as a Python float; 0 for identical sets.

    Raises:
        ValueError: on bad shapes or NaN, or a clearly complex square root.
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    mu_r, mu_f = real.mean(axis=0), fake.mean(axis=0)
    sigma_r = np.atleast_2d(np.cov(real, rowvar=False))
    sigma_f = np.atleast_2d(np.cov(fake, rowvar=False))
    covmean = _sqrtm_of_product(sigma_r, sigma_f, eps)
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0.0, atol=1e-3):
            raise ValueError(
                f"sqrtm returned an imaginary component of {np.abs(covmean.imag).max():.3g}: the "
                "covariances are badly conditioned; use more samples or fewer feature dimensions"
            )
        covmean = covmean.real
    diff = mu_r - mu_f
    return float(diff @ diff + np.trace(sigma_r) + np.trace(sigma_f) - 2.0 * np.trace(covmean))


def fid(real_images, fake_images, extractor: Callable[[np.ndarray], np.ndarray]) -> float:
    """Frechet distance of two image sets in an extractor's feature space.

    Called "FID" only with `InceptionExtractor`; with `DomainExtractor` it is a domain-feature
    Frechet distance, not comparable with published FIDs. Taught in notebooks/06_evaluating_gans.ipynb.

    Args:
        real_images: `(N_r, H, W, C)` float32 in [-1, 1].
        fake_images: `(N_f, H, W, C)` float32 in [-1, 1], same H, W, C.
        extractor: callable `images -> (N, D)` features, e.g. `DomainExtractor.load(dir)`.

    Returns:
        The Frechet distance as a Python float.
    """
    real_features = extract_features(extractor, real_images)
    return frechet_distance(real_features, extract_features(extractor, fake_images))


def _mmd2_unbiased(x, y):
    """Unbiased MMD^2 with the cubic polynomial kernel k(a, b) = (a.b / d + 1)^3, x and y (m, d)."""
    m, d = x.shape
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    # The unbiased estimator leaves out k(x_i, x_i): those terms are what biases MMD upward.
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2.0 * k_xy.mean()


def kernel_inception_distance(
    real_features, fake_features, *, subset_size: int = 1000, n_subsets: int = 100, seed: int = 0
) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel (Binkowski et al., ICLR 2018).

    MMD^2 is averaged over `n_subsets` random subsets (drawn without replacement) of
    `min(subset_size, N_r, N_f)` samples from each set. Being unbiased, it is close to 0 (and may
    be slightly negative) for two samples of one distribution, whatever N. Taught in
    notebooks/06_evaluating_gans.ipynb.

    Args:
        real_features: `(N_r, D)` float features, N_r >= 2.
        fake_features: `(N_f, D)` float features, N_f >= 2.
        subset_size: samples per subset; clipped to the smaller set's size.
        n_subsets: number of subsets (>= 1).
        seed: seed of the NumPy generator drawing the subsets.

    Returns:
        `(mean, std)` of MMD^2 over the subsets; `std` is the spread between subsets, not a
        standard error (and 0 when the subset size reaches both set sizes, as every subset is
        then the whole set).
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    positive_int("kernel_inception_distance: n_subsets", n_subsets)
    if subset_size < 2:
        raise ValueError(f"kernel_inception_distance: subset_size must be >= 2, got {subset_size!r}")
    m = min(subset_size, real.shape[0], fake.shape[0])
    rng = np.random.default_rng(seed)
    values = np.array([
        _mmd2_unbiased(real[rng.choice(real.shape[0], m, replace=False)],
                       fake[rng.choice(fake.shape[0], m, replace=False)])
        for _ in range(n_subsets)
    ])
    return float(values.mean()), float(values.std())


class PrecisionRecall(NamedTuple):
    """Improved precision (fidelity) and recall (coverage), each in [0, 1]."""

    precision: float
    recall: float


def _fraction_inside_manifold(points, centres, radii, chunk_size):
    """Fraction of `points` within radius[j] of at least one centres[j]."""
    inside = np.zeros(points.shape[0], dtype=bool)
    for start, d2 in _squared_distance_chunks(points, centres, chunk_size):
        inside[start:start + d2.shape[0]] = (d2 <= radii[None, :] ** 2).any(axis=1)
    return float(inside.mean())


def precision_recall(real_features, fake_features, k: int = 3, *, chunk_size: int = 256) -> PrecisionRecall:
    """Improved precision and recall via k-NN balls (Kynkaanniemi et al., NeurIPS 2019).

    The real manifold is the union of balls around every real feature with radius its distance
    to its k-th nearest other real feature; likewise for fake. Precision = fraction of fakes
    inside the real manifold (are samples realistic?); recall = fraction of reals inside the fake
    manifold (are all modes covered?). A generator that drops a class keeps high precision but
    loses recall. Taught in notebooks/06_evaluating_gans.ipynb.

    Args:
        real_features: `(N_r, D)` float features, N_r > k.
        fake_features: `(N_f, D)` float features, N_f > k.
        k: neighbourhood size (the paper uses 3).
        chunk_size: rows per chunk of the distance computation.

    Returns:
        `PrecisionRecall(precision, recall)`.
    """
    real = _as_features(real_features, "real_features", min_rows=k + 1)
    fake = _as_features(fake_features, "fake_features", min_rows=k + 1)
    _check_same_dim(real, fake)
    real_radii = _knn(real, real, k, chunk_size, exclude_self=True)[0][:, -1]
    fake_radii = _knn(fake, fake, k, chunk_size, exclude_self=True)[0][:, -1]
    return PrecisionRecall(
        precision=_fraction_inside_manifold(fake, real, real_radii, chunk_size),
        recall=_fraction_inside_manifold(real, fake, fake_radii, chunk_size),
    )


class DistanceReport(NamedTuple):
    """FID and KID of one comparison, with the sample sizes they depend on."""

    fid: float
    kid_mean: float
    kid_std: float
    n_real: int
    n_fake: int


def distance_report(
    real_features, fake_features, *, subset_size: int = 1000, n_subsets: int = 100, seed: int = 0
) -> DistanceReport:
    """FID and KID of real versus fake features in one call, so the floor is computed identically.

    Args:
        real_features: `(N_r, D)` float features of real images.
        fake_features: `(N_f, D)` float features of generated images.
        subset_size: KID subset size, as in `kernel_inception_distance`.
        n_subsets: KID subsets.
        seed: seed of the KID subsets.

    Returns:
        `DistanceReport(fid, kid_mean, kid_std, n_real, n_fake)`.
    """
    kid_mean, kid_std = kernel_inception_distance(
        real_features, fake_features, subset_size=subset_size, n_subsets=n_subsets, seed=seed)
    return DistanceReport(frechet_distance(real_features, fake_features), kid_mean, kid_std,
                          len(real_features), len(fake_features))


def real_vs_real_floor(
    train_features, test_features, *, sample_size: int | None = None,
    subset_size: int = 1000, n_subsets: int = 100, seed: int = 0,
) -> DistanceReport:
    """FID and KID between two REAL sets (e.g. train versus test): the floor to report beside every score.

    Two samples of the same data are not at distance 0: finite samples (and for FID its bias at
    small N) put a floor under any generator's score. Compute it with the same extractor, the
    same KID settings and, because FID depends on N, the same number of samples as the
    real-versus-fake comparison (`sample_size`). Taught in notebooks/06_evaluating_gans.ipynb.

    Args:
        train_features: `(N_a, D)` float features of one real set.
        test_features: `(N_b, D)` float features of another real set of the same data.
        sample_size: if given, both sets are first subsampled (without replacement, seeded) to
            this many rows, to match the size of the fake set being judged.
        subset_size: KID subset size, as in `kernel_inception_distance`.
        n_subsets: KID subsets.
        seed: seed for subsampling and KID subsets.

    Returns:
        `DistanceReport(fid, kid_mean, kid_std, n_real, n_fake)` with n_* the sizes used.
    """
    a = _as_features(train_features, "train_features")
    b = _as_features(test_features, "test_features")
    if sample_size is not None:
        if not 2 <= sample_size <= min(len(a), len(b)):
            raise ValueError(f"sample_size must be between 2 and {min(len(a), len(b))}; got {sample_size}")
        rng = np.random.default_rng(seed)
        a = a[rng.choice(len(a), sample_size, replace=False)]
        b = b[rng.choice(len(b), sample_size, replace=False)]
    return distance_report(a, b, subset_size=subset_size, n_subsets=n_subsets, seed=seed)
