"""Full-reference image quality: PSNR and SSIM, one value per image.

For image enhancement (denoising, super-resolution), where every output has a ground-truth
reference. Taught in notebooks/09_image_enhancement.ipynb. They say nothing about unpaired GAN
samples (use FID/KID from `distances` for those).

Images follow the package convention: `(N, H, W, C)` float in [-1, 1], so the data range
(max minus min possible value) is 2.0, not 1.0 or 255. Using the wrong `data_range` shifts PSNR by
a constant and distorts SSIM's stabilising constants, so it is checked against the data.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

__all__ = ["psnr", "ssim"]

# SSIM's Gaussian window (sigma 1.5, truncated at 3.5 sigma) is 11 pixels wide.
_SSIM_MIN_SIZE = 11


def _check_pair(reference, test, data_range):
    """Validates two (N, H, W, C) image arrays; returns them as float64."""
    ref = np.asarray(reference, dtype=np.float64)
    tst = np.asarray(test, dtype=np.float64)
    if ref.ndim != 4 or ref.shape != tst.shape:
        raise ValueError(
            f"reference and test must be (N, H, W, C) arrays of the same shape; got {ref.shape} "
            f"and {tst.shape}. Add axes with x[..., None] (channel) or x[None] (batch)."
        )
    if not (np.isfinite(ref).all() and np.isfinite(tst).all()):
        raise ValueError("images contain NaN or infinity")
    if data_range <= 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    span = max(ref.max(), tst.max()) - min(ref.min(), tst.min())
    if span > data_range * (1.0 + 1e-6):
        raise ValueError(
            f"the images span {span:.3g} but data_range is {data_range}: images in [-1, 1] need "
            "data_range=2.0, [0, 1] needs 1.0, uint8 needs 255"
        )
    return ref, tst


def psnr(reference, test, data_range: float = 2.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image, in decibels.

    `PSNR = 10 log10(data_range^2 / MSE)` with the MSE over each image's pixels and channels.

    Args:
        reference: `(N, H, W, C)` float ground-truth images in [-1, 1].
        test: `(N, H, W, C)` float images to judge, same shape and range.
        data_range: max minus min of the pixel range; 2.0 for [-1, 1].

    Returns:
        `(N,)` float64 PSNR values; `inf` where an image equals its reference exactly.

    Raises:
        ValueError: on shapes that differ or are not 4-D, NaN, or pixels spanning more than
            `data_range`.
    """
    ref, tst = _check_pair(reference, test, data_range)
    mse = np.mean((ref - tst) ** 2, axis=(1, 2, 3))
    with np.errstate(divide="ignore"):  # identical images: MSE 0 -> PSNR inf, by definition
        return 10.0 * np.log10(data_range**2 / mse)


def ssim(reference, test, data_range: float = 2.0) -> np.ndarray:
    """Structural similarity per image (Wang et al., IEEE TIP 2004), Gaussian-weighted.

    Computed with `skimage.metrics.structural_similarity` using the paper's settings
    (`gaussian_weights=True, sigma=1.5, use_sample_covariance=False`, K1=0.01, K2=0.03);
    multi-channel images average SSIM over channels.

    Args:
        reference: `(N, H, W, C)` float ground-truth images in [-1, 1]; H, W >= 11.
        test: `(N, H, W, C)` float images to judge, same shape and range.
        data_range: max minus min of the pixel range; 2.0 for [-1, 1].

    Returns:
        `(N,)` float64 SSIM values in [-1, 1]; 1.0 for identical images.

    Raises:
        ValueError: as `psnr`, and for images smaller than the 11-pixel window.
    """
    ref, tst = _check_pair(reference, test, data_range)
    if min(ref.shape[1:3]) < _SSIM_MIN_SIZE:
        raise ValueError(f"SSIM needs images of at least {_SSIM_MIN_SIZE}x{_SSIM_MIN_SIZE} pixels; "
                         f"got {ref.shape[1:3]}")
    values = [
        structural_similarity(
            r, t, data_range=data_range, channel_axis=-1,
            gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        )
        for r, t in zip(ref, tst)
    ]
    return np.asarray(values, dtype=np.float64)
