"""Dataset containers and the conversions between the three value ranges of the course.

Images live in three ranges (docs/ARCHITECTURE.md, "Tensors"):

- on disk: uint8 in [0, 255] (MedMNIST's `.npz` files, PNG);
- for models: float32 in [-1, 1], matching the generator's tanh output;
- for display: float32 in [0, 1], what matplotlib's `imshow` expects.

`to_model_range`, `to_display_range` and `to_uint8` convert between them and refuse the
inputs that usually mean a bug (a float image passed as if it were uint8, NaNs from a
diverged generator). Taught in notebooks/03_building_a_dcgan.ipynb.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# Float rounding in x / 127.5 - 1 can land a few ulps outside [-1, 1]; anything beyond this
# tolerance is a real range error (e.g. images still in [0, 255]).
_RANGE_TOLERANCE = 1e-5


class DataUnavailableError(RuntimeError):
    """A dataset could not be had (no local file, no cache, download failed or refused).

    The message always says how to provide the data: the URL, the expected file name and the
    folder or environment variable (`MEDGAN_DATA_DIR`) the loader looks in. Only
    `registry.load_dataset_or_default` catches it, and then says so in a visible banner.
    """


def to_model_range(images_uint8):
    """Converts uint8 images in [0, 255] to float32 in [-1, 1] (x / 127.5 - 1).

    Args:
        images_uint8: array of any shape, dtype uint8, e.g. (N, H, W, C).

    Returns:
        float32 array of the same shape with values in [-1, 1].

    Raises:
        TypeError: the input is not uint8 (a float image was probably already converted).
    """
    images = np.asarray(images_uint8)
    if images.dtype != np.uint8:
        raise TypeError(
            f"to_model_range expects uint8 images in [0, 255], got dtype {images.dtype}. "
            "If the images are already floats in [-1, 1], use them as they are; if they are "
            "floats in [0, 255], cast them first with .astype(np.uint8)."
        )
    return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def _as_finite_float(images, function_name):
    """Returns `images` as a float32 array, refusing integer dtypes and NaN/inf values."""
    array = np.asarray(images)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{function_name} expects float images in [-1, 1], got dtype {array.dtype}; "
            "convert uint8 images with to_model_range first."
        )
    array = array.astype(np.float32, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{function_name} got NaN or infinite values: the images (often a generator's "
            "output after training diverged) are not displayable; see "
            "notebooks/05_when_training_fails.ipynb."
        )
    return array


def to_display_range(images):
    """Maps model-range images in [-1, 1] to [0, 1] for display ((x + 1) / 2, clipped).

    Values slightly outside [-1, 1] (augmented batches, resampled images) are clipped rather
    than refused, because the result is only looked at.

    Args:
        images: float array (any shape, typically (N, H, W, C)) with values in [-1, 1];
            a TensorFlow tensor works too.

    Returns:
        float32 array of the same shape in [0, 1].

    Raises:
        TypeError: integer input (uint8 images need `to_model_range` first).
        ValueError: NaN or infinite values.
    """
    array = _as_finite_float(images, "to_display_range")
    return np.clip((array + 1.0) * 0.5, 0.0, 1.0)


def to_uint8(images):
    """Maps model-range images in [-1, 1] to uint8 in [0, 255] (clipped, then rounded).

    `to_uint8(to_model_range(u))` returns `u` exactly for every uint8 value.

    Args:
        images: float array of any shape with values in [-1, 1].

    Returns:
        uint8 array of the same shape.

    Raises:
        TypeError: integer input.
        ValueError: NaN or infinite values.
    """
    array = _as_finite_float(images, "to_uint8")
    scaled = (np.clip(array, -1.0, 1.0) + 1.0) * 127.5
    return np.round(scaled).astype(np.uint8)


def _check_model_range(images, what):
    """Raises ValueError unless every value of `images` lies in [-1, 1] (NaN fails too)."""
    if images.size == 0:
        return
    low, high = float(images.min()), float(images.max())
    if not (low >= -1.0 - _RANGE_TOLERANCE and high <= 1.0 + _RANGE_TOLERANCE):
        raise ValueError(
            f"{what} must lie in [-1, 1], found values in [{low:g}, {high:g}]. "
            "Convert uint8 images with to_model_range(images)."
        )


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Split:
    """One split of a dataset: images and their class labels.

    Attributes:
        images: (N, H, W, C) float32 in [-1, 1].
        labels: (N,) int32 class indices (any integer dtype is accepted and stored as int32).
    """

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self):
        images, labels = np.asarray(self.images), np.asarray(self.labels)
        if images.ndim != 4 or images.dtype != np.float32:
            raise TypeError(
                "Split.images must be a (N, H, W, C) float32 array in [-1, 1], got shape "
                f"{images.shape} and dtype {images.dtype}. Add a channel axis with "
                "images[..., None] and convert uint8 with to_model_range."
            )
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(
                f"Split.labels must be a (N,) integer array, got shape {labels.shape} and "
                f"dtype {labels.dtype}. MedMNIST's (N, 1) labels need labels.reshape(-1)."
            )
        if len(images) != len(labels):
            raise ValueError(f"Split has {len(images)} images but {len(labels)} labels.")
        _check_model_range(images, "Split.images")
        # Frozen dataclass: object.__setattr__ is the documented way to normalise fields.
        object.__setattr__(self, "images", images)
        object.__setattr__(self, "labels", labels.astype(np.int32, copy=False))

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return f"Split(images={self.images.shape} float32, labels={self.labels.shape} int32)"


_SPLIT_NAMES = ("train", "val", "test")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ImageDataset:
    """A labelled image dataset with its three splits and where it came from.

    Attributes:
        name: short name, e.g. "breastmnist" or "phantoms".
        train, val, test: the splits; their images share one (H, W, C) shape.
        class_names: one name per class index, e.g. ("malignant", "normal, benign").
        source: provenance and licence of the arrays (real data or generated, and from where).
    """

    name: str
    train: Split
    val: Split
    test: Split
    class_names: tuple[str, ...]
    source: str

    def __post_init__(self):
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        if not self.class_names:
            raise ValueError("ImageDataset needs at least one class name.")
        shapes = {self.split(s).images.shape[1:] for s in _SPLIT_NAMES}
        if len(shapes) != 1:
            raise ValueError(f"the splits of {self.name!r} have different image shapes {shapes}.")
        for split_name in _SPLIT_NAMES:
            labels = self.split(split_name).labels
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(
                    f"{split_name} labels of {self.name!r} must lie in [0, {self.num_classes - 1}] "
                    f"({self.num_classes} class names), found [{labels.min()}, {labels.max()}]."
                )

    def split(self, split_name):
        """Returns the split called "train", "val" or "test"."""
        if split_name not in _SPLIT_NAMES:
            raise ValueError(f"split must be one of {_SPLIT_NAMES}, got {split_name!r}.")
        split = getattr(self, split_name)
        if not isinstance(split, Split):
            raise TypeError(
                f"ImageDataset.{split_name} must be a Split, got {type(split).__name__}."
            )
        return split

    @property
    def image_shape(self):
        """(H, W, C) of every image."""
        return tuple(self.train.images.shape[1:])

    @property
    def num_classes(self):
        """Number of classes (the length of `class_names`)."""
        return len(self.class_names)

    def class_counts(self, split="train"):
        """Images per class in one split.

        Args:
            split: "train", "val" or "test".

        Returns:
            (num_classes,) int64 array; entry k counts the images with label k.
        """
        return np.bincount(self.split(split).labels, minlength=self.num_classes).astype(np.int64)

    def __repr__(self):
        sizes = "/".join(str(len(self.split(s))) for s in _SPLIT_NAMES)
        return (
            f"ImageDataset({self.name!r}, train/val/test={sizes}, image_shape={self.image_shape}, "
            f"classes={self.class_names})"
        )
