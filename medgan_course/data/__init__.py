"""medgan_course.data: where the course's images come from (see docs/ARCHITECTURE.md, "Data").

Importing this package imports numpy but not TensorFlow: the TensorFlow parts (`make_dataset`,
`diff_augment`, `classical_augment`, from `pipeline` and `augment`) are imported on first use.

Typical use in a notebook::

    from medgan_course.data import load_dataset_or_default
    dataset = load_dataset_or_default("breastmnist")   # real data, or phantoms with a banner
    dataset.train.images  # (546, 28, 28, 1) float32 in [-1, 1]
"""

from medgan_course.data import info
from medgan_course.data.medmnist import load_medmnist, load_mnist
from medgan_course.data.phantoms import make_phantoms, render_phantoms
from medgan_course.data.registry import DATASET_NAMES, load_dataset, load_dataset_or_default
from medgan_course.data.shipped import extract_patches, load_ct_slice, shipped_images, window_hu
from medgan_course.data.subsets import (
    class_counts,
    keep_k_per_class,
    minority_class,
    stratified_subset,
    subsample_class,
    take,
)
from medgan_course.data.types import (
    DataUnavailableError,
    ImageDataset,
    Split,
    to_display_range,
    to_model_range,
    to_uint8,
)

# Names served lazily by __getattr__ (PEP 562), because their modules import TensorFlow.
_LAZY = {
    "make_dataset": "medgan_course.data.pipeline",
    "steps_per_epoch": "medgan_course.data.pipeline",
    "diff_augment": "medgan_course.data.augment",
    "classical_augment": "medgan_course.data.augment",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'medgan_course.data' has no attribute {name!r}")


__all__ = [
    "DATASET_NAMES",
    "DataUnavailableError",
    "ImageDataset",
    "Split",
    "class_counts",
    "classical_augment",
    "diff_augment",
    "extract_patches",
    "info",
    "keep_k_per_class",
    "load_ct_slice",
    "load_dataset",
    "load_dataset_or_default",
    "load_medmnist",
    "load_mnist",
    "make_dataset",
    "make_phantoms",
    "minority_class",
    "render_phantoms",
    "shipped_images",
    "steps_per_epoch",
    "stratified_subset",
    "subsample_class",
    "take",
    "to_display_range",
    "to_model_range",
    "to_uint8",
    "window_hu",
]
