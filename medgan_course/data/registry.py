"""One entry point for every dataset of the course, and the notebooks' visible fallback.

`load_dataset` never substitutes: what it cannot load raises. Only `load_dataset_or_default`,
meant for notebooks, falls back to the embedded phantoms when real data is unavailable, and
then prints a banner and warns, so that nobody mistakes phantom results for results on
patients. `MEDGAN_REQUIRE_REAL_DATA=1` (read when it is called) turns that fallback into an
error, for CI runs that must use the real data.
Taught in notebooks/03_building_a_dcgan.ipynb.
"""

from __future__ import annotations

import os
import warnings

from medgan_course.data import info
from medgan_course.data.medmnist import load_medmnist, load_mnist
from medgan_course.data.phantoms import make_phantoms
from medgan_course.data.types import DataUnavailableError

#: Names `load_dataset` accepts: the single-label 2D MedMNIST flags, "mnist" and "phantoms".
DATASET_NAMES = tuple(
    flag for flag in info.flags() if not info.INFO[flag]["task"].startswith("multi-label")
) + ("mnist", "phantoms")

DEFAULT_PHANTOM_TRAIN = 600


def load_dataset(name, *, data_dir=None, size=28, max_train=None, seed=0, download=True):
    """Loads a dataset by name; never substitutes another one.

    Args:
        name: one of DATASET_NAMES, e.g. "breastmnist", "mnist", "phantoms".
        data_dir: folder with the files under their official names; default $MEDGAN_DATA_DIR.
        size: image side in pixels (MedMNIST: 28, 64, 128, 224; phantoms: any >= 16; MNIST: 28).
        max_train: cap on the training split (stratified subsample; for phantoms, its size).
        seed: seed of the subsample (of the generation, for phantoms).
        download: whether MedMNIST files may be downloaded.

    Returns:
        ImageDataset with (N, size, size, C) float32 images in [-1, 1] and (N,) int32 labels.

    Raises:
        ValueError: unknown name, or a size the dataset does not have.
        DataUnavailableError: the data cannot be had; the message says how to provide it.
    """
    if name == "phantoms":
        n_train = DEFAULT_PHANTOM_TRAIN if max_train is None else max_train
        return make_phantoms(n_train=n_train, image_size=size, seed=seed)
    if name == "mnist":
        if size != 28:
            raise ValueError(f"MNIST exists only at 28 px, got size={size}.")
        return load_mnist(data_dir=data_dir, max_train=max_train, seed=seed)
    if name in info.INFO:
        return load_medmnist(name, size=size, data_dir=data_dir, download=download,
                             max_train=max_train, seed=seed)
    raise ValueError(f"unknown dataset {name!r}; choose one of {DATASET_NAMES}.")


def _require_real(require_real):
    """True when the caller, or else MEDGAN_REQUIRE_REAL_DATA=1, forbids the fallback."""
    if require_real is not None:
        return bool(require_real)
    return os.environ.get("MEDGAN_REQUIRE_REAL_DATA", "").strip() == "1"


def _banner(name, err):
    """The text shown when a notebook falls back to the phantoms."""
    rule = "=" * 78
    return (
        f"{rule}\nREAL DATA UNAVAILABLE: {name!r} could not be loaded.\n"
        "Using the embedded phantom dataset instead; results are NOT about real patients.\n"
        f"To use real data: {err}\n{rule}"
    )


def load_dataset_or_default(name, *, data_dir=None, size=28, max_train=None, seed=0,
                            download=True, require_real=None):
    """`load_dataset`, falling back visibly to the phantoms when real data is unavailable.

    For notebooks: they must run anywhere, but must never hide that they did not use real
    data. On `DataUnavailableError` this prints a banner starting "REAL DATA UNAVAILABLE",
    issues a UserWarning, and returns `make_phantoms` at the same image size. Other errors
    (unknown name, wrong structure of a local file) are raised: they are mistakes to fix.

    Args:
        name, data_dir, size, max_train, seed, download: as for `load_dataset`.
        require_real: True raises instead of falling back; None (default) reads the
            environment variable MEDGAN_REQUIRE_REAL_DATA ("1" means True); False allows it.

    Returns:
        ImageDataset: the requested one, or "phantoms" (check `dataset.name`).

    Raises:
        DataUnavailableError: real data unavailable and required.
    """
    try:
        return load_dataset(name, data_dir=data_dir, size=size, max_train=max_train,
                            seed=seed, download=download)
    except DataUnavailableError as err:
        if _require_real(require_real):
            raise
        print(_banner(name, err), flush=True)
        warnings.warn(
            f"REAL DATA UNAVAILABLE for {name!r}: using the embedded phantoms instead "
            f"(results are NOT about real patients). {err}",
            UserWarning,
            stacklevel=2,
        )
        return load_dataset("phantoms", size=size, max_train=max_train, seed=seed)
