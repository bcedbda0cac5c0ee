"""The embedded default dataset: generated ultrasound-like phantoms with two classes.

They need no network and no files, so every notebook runs anywhere, and they mimic the
features that separate BreastMNIST's classes (BI-RADS descriptors of breast ultrasound):

- class 0, "irregular lesion (malignant-like)": a very dark (hypoechoic) lesion with an
  irregular, spiculated or lobulated, indistinct margin, often taller than wide, casting a
  posterior acoustic shadow;
- class 1, "smooth or no lesion (benign-like)": a round or oval lesion with a smooth, sharp
  margin, wider than tall, with posterior enhancement, or no lesion at all.

Every image has a sector ("fan") shaped field of view, speckle (multiplicative gamma noise on
the echo intensity, as in fully developed speckle), depth attenuation and log compression, and
is quantised to uint8 like a real file. Label 0 is the minority class, as in BreastMNIST.
They are NOT images of patients: nothing learned on them says anything about real patients.
Taught in notebooks/03_building_a_dcgan.ipynb; lesion masks are used in 10_explainability.
"""

from __future__ import annotations

import numpy as np

from medgan_course.data.types import ImageDataset, Split, to_model_range
from medgan_course.validate import positive_int

CLASS_NAMES = ("irregular lesion (malignant-like)", "smooth or no lesion (benign-like)")
#: Fraction of class-1 images without any lesion ("normal"), as BreastMNIST merges normal+benign.
NO_LESION_FRACTION = 0.3
_MAX_SPIKES = 8
_SPECKLE_LOOKS = 4.0  # gamma shape: higher = smoother speckle (more looks averaged)
_GAIN = 0.3  # echo scale before log compression: sets the overall brightness


def _uniform(rng, low, high, n):
    """(n, 1, 1) float32 uniform draws, shaped to broadcast over (n, H, W) images."""
    return rng.uniform(low, high, size=(n, 1, 1)).astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _tissue(rng, n, u, v):
    """Echo intensity of normal tissue: depth layers, a slow texture and attenuation."""
    frequency, phase = _uniform(rng, 1.5, 3.5, n), _uniform(rng, 0, 6.3, n)
    layers = 0.6 + 0.3 * np.sin(2 * np.pi * frequency * v + phase)
    texture = 0.08 * np.cos(2 * np.pi * (_uniform(rng, 1, 3, n) * u + _uniform(rng, 1, 3, n) * v)
                            + _uniform(rng, 0, 6.3, n))
    attenuation = np.exp(-_uniform(rng, 1.0, 2.2, n) * v)
    return (layers + texture) * attenuation


def _fan(rng, n, u, v):
    """Soft (n, H, W) mask of the sector-shaped field of view of a convex probe."""
    apex_v = _uniform(rng, -0.9, -0.6, n)
    angle = np.arctan2(u - 0.5, v - apex_v)
    half_angle = np.arctan2(0.45, -apex_v) + _uniform(rng, -0.05, 0.05, n)
    return _sigmoid((half_angle - np.abs(angle)) / 0.02)


def _boundary(rng, malignant, phi, r0):
    """Lesion radius R(phi) at each pixel's angle phi around the lesion centre.

    Benign-like: an ellipse wider than tall. Malignant-like: a near-round or taller-than-wide
    ellipse plus lobulation (harmonics 3-6) and sharp spicules (cos^32 peaks).
    """
    n = len(malignant)
    m = malignant[:, None, None]
    elongation = np.where(m, _uniform(rng, 0.75, 1.0, n), _uniform(rng, 1.15, 1.5, n))
    tilt = _uniform(rng, -0.35, 0.35, n)
    a, b = r0 * np.sqrt(elongation), r0 / np.sqrt(elongation)
    radius = a * b / np.sqrt((b * np.cos(phi - tilt)) ** 2 + (a * np.sin(phi - tilt)) ** 2)
    # Irregularity only for the malignant-like rows: computing it for all would triple the cost.
    phi_m, n_m = phi[malignant], int(malignant.sum())
    lobes = sum(_uniform(rng, 0.0, 0.12, n_m) * np.cos(k * phi_m + _uniform(rng, 0, 6.3, n_m))
                for k in range(3, 7))
    n_spikes = rng.integers(3, _MAX_SPIKES + 1, size=(n_m, 1, 1))
    spikes = np.zeros_like(phi_m)
    for j in range(_MAX_SPIKES):
        length = np.where(j < n_spikes, _uniform(rng, 0.3, 0.8, n_m), np.float32(0.0))
        peak = np.maximum(np.cos(phi_m - _uniform(rng, 0, 6.3, n_m)), 0.0)
        for _ in range(5):  # cos^32 by repeated squaring: a narrow spicule, cheaper than **
            peak = peak * peak
        spikes += length * peak
    radius[malignant] *= 1.0 + lobes + spikes
    return radius


def _lesion(rng, labels, u, v):
    """The lesion of each image: its mask and how it changes the echo around it.

    Returns:
        (inside, echo_factor), both (n, H, W) float32: `inside` in [0, 1] is the soft lesion
        mask (all 0 without a lesion); the tissue echo is multiplied by `echo_factor`, which
        is small inside the lesion (hypoechoic) and below 1 (shadow) or above 1 (enhancement)
        behind it.
    """
    n = len(labels)
    malignant = labels == 0
    present = malignant | (rng.uniform(size=n) >= NO_LESION_FRACTION)
    m = malignant[:, None, None]
    cu, cv = _uniform(rng, 0.3, 0.7, n), _uniform(rng, 0.3, 0.55, n)
    r0 = _uniform(rng, 0.13, 0.24, n)
    du, dv = u - cu, v - cv
    distance, phi = np.hypot(du, dv), np.arctan2(dv, du)
    margin = np.where(m, np.float32(0.035), np.float32(0.012))  # indistinct vs circumscribed
    inside = _sigmoid((_boundary(rng, malignant, phi, r0) - distance) / margin)
    inside = inside * present[:, None, None].astype(np.float32)
    darkness = np.where(m, _uniform(rng, 0.85, 0.97, n), _uniform(rng, 0.75, 0.92, n))
    # Below the lesion: sound is absorbed behind malignant masses (shadow) and passes more
    # easily through fluid-like benign ones (enhancement); columns follow the lesion's width.
    below = _sigmoid((dv - 0.6 * r0) / 0.03) * np.exp(-(du / (0.9 * r0)) ** 2)
    posterior = np.where(m, -_uniform(rng, 0.45, 0.75, n), _uniform(rng, 0.1, 0.35, n))
    posterior = posterior * present[:, None, None].astype(np.float32)
    echo = (1.0 - darkness * inside) * (1.0 + posterior * below * (1.0 - inside))
    return inside, echo


def render_phantoms(labels, *, image_size=28, seed=0):
    """Renders one phantom per label, and the lesion masks (for saliency checks).

    Args:
        labels: (N,) integers in {0, 1}; 0 = irregular (malignant-like), 1 = smooth or none.
        image_size: side of the square images in pixels (>= 16; 28 and 64 in the course).
        seed: seed of every random choice; the same arguments give the same arrays.

    Returns:
        (images, masks): images (N, image_size, image_size, 1) float32 in [-1, 1] (quantised
        to 256 levels, like a real uint8 file); masks (N, image_size, image_size) float32 in
        [0, 1], 1 inside the lesion and 0 everywhere for lesion-free images.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be a (N,) array of 0 (malignant-like) and 1 (benign-like).")
    if not isinstance(image_size, (int, np.integer)) or image_size < 16:
        raise ValueError(f"image_size must be an int >= 16, got {image_size!r}.")
    rng = np.random.default_rng(seed)
    n = len(labels)
    coords = (np.arange(image_size, dtype=np.float32) + 0.5) / image_size
    u, v = coords[None, None, :], coords[None, :, None]
    inside, lesion_echo = _lesion(rng, labels, u, v)
    echo = _tissue(rng, n, u, v) * lesion_echo * _fan(rng, n, u, v)
    speckle = rng.gamma(_SPECKLE_LOOKS, 1.0 / _SPECKLE_LOOKS, size=echo.shape).astype(np.float32)
    # Ultrasound speckle grains are wider than tall (lateral resolution is coarser than axial).
    speckle = 0.5 * speckle + 0.25 * (np.roll(speckle, 1, axis=2) + np.roll(speckle, -1, axis=2))
    # Log compression, as scanners display the echo envelope on a decibel scale (here 40 dB
    # of dynamic range above an echo of 0.01).
    display = np.log10(np.maximum(_GAIN * echo * speckle, 1e-2)) / 2.0 + 1.0
    pixels = np.round(np.clip(display, 0.0, 1.0) * 255.0).astype(np.uint8)
    return to_model_range(pixels[..., None]), inside.astype(np.float32)


def _split_labels(n, minority_fraction, rng):
    """(n,) int32 labels with round(n * minority_fraction) zeros, in random order."""
    n_minority = int(round(n * minority_fraction))
    labels = np.ones(n, dtype=np.int32)
    labels[:n_minority] = 0
    return rng.permutation(labels)


def make_phantoms(n_train=600, n_val=100, n_test=200, image_size=28, minority_fraction=0.27,
                  seed=0):
    """The embedded default dataset "phantoms": generated, labelled ultrasound-like images.

    Each split has round(n * minority_fraction) images of class 0, the minority class, like
    BreastMNIST's 27% malignant. Splits are drawn from independent seeded streams, so changing
    `n_test` does not change the training images. 600 images at 28 px take about 0.1 s.

    Args:
        n_train, n_val, n_test: split sizes (>= 1 each).
        image_size: side in pixels (>= 16; 28 and 64 in the course).
        minority_fraction: fraction of class 0 in every split, in (0, 0.5].
        seed: seed of the whole dataset.

    Returns:
        ImageDataset named "phantoms" with (N, image_size, image_size, 1) float32 images in
        [-1, 1], (N,) int32 labels and `class_names` = CLASS_NAMES.
    """
    sizes = {"train": n_train, "val": n_val, "test": n_test}
    for name, size in sizes.items():
        positive_int(f"n_{name}", size)
    if not 0.0 < minority_fraction <= 0.5:
        raise ValueError(
            "minority_fraction must be in (0, 0.5] (class 0 is the minority), "
            f"got {minority_fraction!r}."
        )
    splits = {}
    for index, (name, size) in enumerate(sizes.items()):
        labels = _split_labels(size, minority_fraction, np.random.default_rng([seed, index, 0]))
        images, _ = render_phantoms(labels, image_size=image_size, seed=[seed, index, 1])
        splits[name] = Split(images, labels)
    return ImageDataset(
        name="phantoms", class_names=CLASS_NAMES, **splits,
        source=(f"generated by medgan_course.data.phantoms (seed={seed}, {image_size} px): "
                "synthetic ultrasound-like phantoms, NOT real patient images; "
                "not for clinical use"),
    )
