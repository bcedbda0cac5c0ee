"""Degradations for the enhancement use case: modality-matched noise, downsampling, classical filters.

The simulated acquisition problems that notebook 09 asks networks to undo, and the classical
baselines they must beat: Gaussian and median filters (parameters tuned on the validation split)
and bicubic interpolation. Images are `(N, H, W, C)` in [-1, 1] (the models' range); the noise
models work on [0, 1] intensities internally and clip, as detectors saturate.
Taught in notebooks/09_image_enhancement.ipynb; used by `usecases.enhancement`.
NumPy/SciPy only.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import ndimage

from medgan_course.data import info
from medgan_course.evaluation.image_quality import psnr

TASKS = ("denoise", "sr")
NOISE_MODELS = ("speckle", "poisson_gaussian", "gaussian")
#: Default strength of each noise model (in [0, 1] intensities): clearly degraded, still
#: readable. On the BreastMNIST test images the noisy versions score a PSNR of about 18.1 dB
#: (speckle), 19.6 dB (Poisson-Gaussian) and 20.4 dB (Gaussian).
NOISE_PARAMS = {"speckle": {"looks": 8.0}, "poisson_gaussian": {"peak": 30.0, "read_sigma": 0.02},
                "gaussian": {"sigma": 0.1}}
#: Parameter grids tuned on the validation split (Gaussian sigma in px, median window side).
GRIDS = {"gaussian": (0.5, 0.75, 1.0, 1.25, 1.5, 2.0), "median": (3, 5, 7)}
SR_FACTOR = 2
#: Patterns of `info.SOURCES` that name a modality, and the noise model that fits it.
_MODALITY_PATTERNS = ((r"\bultrasound\b", "speckle"), (r"\boct\b", "speckle"),
                      (r"x-rays?\b", "poisson_gaussian"), (r"\bct\b", "poisson_gaussian"))


# ------------------------------------------------------------------------------- noise models
def noise_model_for(flag):
    """The noise model that fits a dataset's modality, read from `data.info.SOURCES`.

    Ultrasound and OCT form images from coherent echoes whose interference gives multiplicative
    speckle; radiographs and CT count photons (Poisson) read out by noisy electronics (Gaussian);
    other modalities (microscopy, photographs) get additive Gaussian noise. "shipped" (the
    offline fallback, tested on a CT slice) uses Poisson-Gaussian.

    Returns:
        One of `NOISE_MODELS`.
    """
    if flag == "shipped":
        return "poisson_gaussian"
    info.entry(flag)  # raises ValueError, listing the flags, for an unknown one
    source = info.SOURCES[flag].lower()
    for pattern, model in _MODALITY_PATTERNS:
        if re.search(pattern, source):
            return model
    return "gaussian"


def _unit(images):
    """[-1, 1] model range -> [0, 1] float64 intensities."""
    return (np.asarray(images, np.float64) + 1.0) / 2.0


def _model(intensities):
    """[0, 1] intensities (clipped: detectors saturate) -> [-1, 1] float32."""
    return (np.clip(intensities, 0.0, 1.0) * 2.0 - 1.0).astype(np.float32)


def add_speckle(images, looks, rng):
    """Multiplicative speckle: each intensity times Gamma(L, 1/L) noise (mean 1, variance 1/L).

    Fully developed speckle averaged over L independent looks has this distribution; fewer
    looks mean stronger speckle. Images `(N, H, W, C)` in [-1, 1] -> same shape, float32.
    """
    return _model(_unit(images) * rng.gamma(looks, 1.0 / looks, size=np.shape(images)))


def add_poisson_gaussian(images, peak, read_sigma, rng):
    """Photon noise then read-out noise: Poisson(x * peak) / peak + N(0, read_sigma^2).

    `peak` is the photon count of a white pixel: lower dose, fewer photons, noisier image.
    Images `(N, H, W, C)` in [-1, 1] -> same shape, float32.
    """
    counts = rng.poisson(_unit(images) * peak) / peak
    return _model(counts + rng.normal(0.0, read_sigma, size=np.shape(images)))


def add_gaussian_noise(images, sigma, rng):
    """Additive white Gaussian noise of standard deviation `sigma` (in [0, 1] intensities)."""
    return _model(_unit(images) + rng.normal(0.0, sigma, size=np.shape(images)))


def add_noise(images, model, rng, **params):
    """Applies noise model `model` with `params` (default `NOISE_PARAMS[model]`)."""
    functions = {"speckle": add_speckle, "poisson_gaussian": add_poisson_gaussian,
                 "gaussian": add_gaussian_noise}
    if model not in functions:
        raise ValueError(f"noise model must be one of {NOISE_MODELS}, got {model!r}")
    return functions[model](images, rng=rng, **{**NOISE_PARAMS[model], **params})


# ------------------------------------------------------------------------ resolution, filters
def downsample(images, factor=SR_FACTOR):
    """Area downsampling: the mean of each factor x factor block (what a coarser detector sees).

    `(N, H, W, C)` with H, W divisible by `factor` -> `(N, H/factor, W/factor, C)` float32.
    """
    n, height, width, channels = np.shape(images)
    if height % factor or width % factor:
        raise ValueError(f"image side {height}x{width} is not divisible by factor {factor}")
    blocks = np.reshape(images, (n, height // factor, factor, width // factor, factor, channels))
    return blocks.mean(axis=(2, 4)).astype(np.float32)


def upsample_bicubic(images, factor=SR_FACTOR):
    """Cubic-spline upsampling by `factor`, pixel areas aligned with `downsample`; clipped to
    [-1, 1]. `(N, h, w, C)` -> `(N, h*factor, w*factor, C)` float32."""
    images = np.asarray(images, np.float64)
    # One 2-D zoom per image and channel: a single 4-D zoom would also run the cubic spline
    # along the image and channel axes (same result, about 15 times slower).
    zoomed = np.stack([np.stack([ndimage.zoom(image[..., c], factor, order=3, mode="nearest",
                                              grid_mode=True) for c in range(image.shape[-1])],
                                axis=-1) for image in images])
    return np.clip(zoomed, -1.0, 1.0).astype(np.float32)


def degrade(images, task, rng=None, noise="speckle", **params):
    """The networks' input for a task: noisy images, or low-resolution images upsampled back.

    Args:
        images: `(N, H, W, C)` float in [-1, 1], clean.
        task: "denoise" or "sr".
        rng: a `numpy.random.Generator` (denoise only; sr is deterministic).
        noise, params: noise model and its parameters (denoise only).

    Returns:
        `(N, H, W, C)` float32 in [-1, 1].
    """
    if task == "denoise":
        return add_noise(images, noise, rng, **params)
    if task == "sr":
        return upsample_bicubic(downsample(images))
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def gaussian_filter(images, sigma):
    """Gaussian smoothing of each image (not across images or channels), float32."""
    return ndimage.gaussian_filter(np.asarray(images, np.float32), (0, sigma, sigma, 0),
                                   mode="reflect")


def median_filter(images, size):
    """Median of each size x size window of each image, float32."""
    return ndimage.median_filter(np.asarray(images, np.float32), size=(1, size, size, 1),
                                 mode="reflect")


def tune_filter(method, degraded_val, clean_val, grid=None):
    """Picks the filter parameter with the best mean PSNR on the VALIDATION split.

    Returns:
        (best parameter, its mean validation PSNR in dB).
    """
    apply = {"gaussian": gaussian_filter, "median": median_filter}[method]
    scores = {p: float(np.mean(psnr(clean_val, apply(degraded_val, p))))
              for p in (grid or GRIDS[method])}
    best = max(scores, key=scores.get)
    return best, scores[best]
