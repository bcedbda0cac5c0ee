"""Checks for the exercises of notebooks/09_image_enhancement.ipynb.

1. `check_psnr`: peak signal-to-noise ratio per image, in dB, for images in [-1, 1].
2. `check_speckle`: multiplicative speckle noise with L looks.
3. `check_noise_models`: which noise model fits which MedMNIST modality.

NumPy/SciPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.evaluation.image_quality import psnr
from medgan_course.exercises.core import checker
from medgan_course.usecases.enhancement import NOISE_MODELS, noise_model_for

# ---------------------------------------------------------------------------------- 1. PSNR


def _psnr_cases():
    """(name, clean, restored) pairs in [-1, 1], shape (N, 28, 28, 1)."""
    rng = np.random.default_rng(9)
    clean = np.tanh(rng.normal(size=(3, 28, 28, 1))).astype(np.float32)
    noisy = np.clip(clean + rng.normal(0, [0.05, 0.1, 0.3], (28, 28, 1, 3)).transpose(3, 0, 1, 2),
                    -1, 1).astype(np.float32)
    shifted = np.clip(clean - 0.2, -1, 1).astype(np.float32)
    return [("three noise levels", clean, noisy), ("a darker copy", clean, shifted)]


def _psnr_hint(got, clean, restored):
    """The usual mistake behind `got`, or a generic hint."""
    expected = psnr(clean, restored)
    mse = np.mean((clean.astype(np.float64) - restored) ** 2, axis=(1, 2, 3))
    if got.shape != expected.shape:
        if got.size == 1 and np.isclose(got.item(), 10 * np.log10(4.0 / mse.mean())):
            return ("you return one number for the whole batch: average the squared error over "
                    "each image's pixels only (axis=(1, 2, 3)), one PSNR per image.")
        return f"return one PSNR per image, shape {expected.shape}, not {got.shape}."
    if np.allclose(got, expected - 10 * np.log10(4.0), atol=1e-3):
        return ("off by 6.02 dB: the images are in [-1, 1], so the peak-to-peak range is 2, "
                "and PSNR uses data_range squared = 4.")
    if np.allclose(got, 20 * np.log10(2.0 / mse), atol=1e-3):
        return "PSNR is 10 log10(range^2 / MSE); 20 log10 goes with the RMSE, not the MSE."
    if np.allclose(got, 10 * np.log10(2.0 / mse), atol=1e-3):
        return "square the data range: 10 log10(range^2 / MSE) with range = 2."
    return "compute 10 * log10(data_range**2 / MSE) with the MSE of each image."


@checker("PSNR")
def check_psnr(my_psnr):
    """`my_psnr(clean, restored, data_range=2.0) -> (N,)` compared with the package's `psnr`."""
    for name, clean, restored in _psnr_cases():
        got = my_psnr(clean.copy(), restored.copy())
        if got is None:
            return False, "your function returns None: return the PSNR values."
        got = np.atleast_1d(np.asarray(got, np.float64))
        expected = psnr(clean, restored)
        if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-3):
            return False, f"for {name}: {_psnr_hint(got, clean, restored)}"
    values = psnr(*_psnr_cases()[0][1:])
    return True, (f"matches for all images (e.g. {', '.join(f'{v:.1f}' for v in values)} dB for "
                  "noise of std 0.05, 0.1, 0.3). Each halving of the noise's std adds 6 dB.")


# ------------------------------------------------------------------------------- 2. Speckle

_LOOKS = 8.0


def _speckle_stats(fn):
    """Runs `fn` on three flat images; returns ((mean, std) per intensity, output) or a message."""
    levels = (0.0, 0.15, 0.3)  # [0, 1] intensities, low enough that clipping at 1 is rare
    images = np.stack([np.full((64, 64, 1), 2 * v - 1, np.float32) for v in levels] * 20)
    out = fn(images.copy(), _LOOKS, np.random.default_rng(0))
    if out is None:
        return None, "your function returns None: return the noisy images."
    out = np.asarray(out, np.float64)
    if out.shape != images.shape:
        return None, f"return images of the input's shape {images.shape}, not {out.shape}."
    unit = (out + 1) / 2
    stats = [(unit[i::3].mean(), unit[i::3].std()) for i in range(3)]
    return (stats, out), None


@checker("Speckle noise")
def check_speckle(my_speckle):
    """`my_speckle(images, looks, rng) -> images`: multiplicative Gamma(L, 1/L) speckle."""
    result, problem = _speckle_stats(my_speckle)
    if problem:
        return False, problem
    (black, low, high), out = result
    if out.min() < -1 - 1e-6 or out.max() > 1 + 1e-6:
        return False, "clip the result to [-1, 1] (model range): intensities above 1 saturate."
    if black[1] > 1e-6:
        return False, ("a black pixel (no echo) got noise: speckle multiplies the intensity, "
                       "so 0 stays 0. Did you add the noise instead of multiplying?")
    for (mean, std), level in ((low, 0.15), (high, 0.3)):
        if not np.isclose(mean, level, rtol=0.03):
            return False, (f"at intensity {level} the mean became {mean:.3f}: the multiplier "
                           "must have mean 1 (Gamma(shape=L, scale=1/L)), and work on [0, 1] "
                           "intensities, (x + 1) / 2, not on [-1, 1].")
        if not np.isclose(std, level / np.sqrt(_LOOKS), rtol=0.1):
            return False, (f"at intensity {level} the std is {std:.4f}, expected about "
                           f"{level / np.sqrt(_LOOKS):.4f} = intensity / sqrt(looks): the "
                           "multiplier's variance must be 1 / looks.")
    return True, ("black stays black, and the noise's std grows with the intensity "
                  f"({low[1]:.3f} at 0.15, {high[1]:.3f} at 0.3): multiplicative speckle.")


# --------------------------------------------------------------------------- 3. Noise models

#: The flags asked about, and why each noise model fits.
QUESTION_FLAGS = ("breastmnist", "pneumoniamnist", "organamnist", "octmnist")
_WHY = {"speckle": "coherent echoes interfere: multiplicative speckle",
        "poisson_gaussian": "photon counting plus read-out electronics: Poisson-Gaussian"}


@checker("Noise model per modality")
def check_noise_models(answer):
    """`answer = {flag: noise model}` for the flags of `QUESTION_FLAGS`."""
    if not isinstance(answer, dict) or set(answer) != set(QUESTION_FLAGS):
        return False, f"answer must be a dict with exactly the keys {QUESTION_FLAGS}."
    for flag in QUESTION_FLAGS:
        if answer[flag] not in NOISE_MODELS:
            return False, f"{flag}: choose one of {NOISE_MODELS}, got {answer[flag]!r}."
    wrong = [flag for flag in QUESTION_FLAGS if answer[flag] != noise_model_for(flag)]
    if wrong:
        flag = wrong[0]
        from medgan_course.data import info

        return False, (f"{len(wrong)} wrong, e.g. {flag}: its images are {info.SOURCES[flag]}. "
                       "How are those images formed: echoes of coherent waves, or counted "
                       "photons?")
    return True, "; ".join(f"{flag}: {_WHY[noise_model_for(flag)]}" for flag in QUESTION_FLAGS)
