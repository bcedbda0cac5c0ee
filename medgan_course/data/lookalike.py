"""MedMNIST-shaped files made of phantoms: run the course on any flag without its real file.

`write_lookalike("pneumoniamnist", folder)` writes `folder/pneumoniamnist.npz` with the keys,
dtypes, shapes, official split sizes (`info.INFO[flag]["n_samples"]`), channels and label
range of MedMNIST's file, so `load_medmnist` accepts it after its structural check, with its
warning that the MD5 is not the official one (the contents were not verified). The images are
the embedded ultrasound-like phantoms (`phantoms.render_phantoms`), NOT the flag's images: a
look-alike tests that code copes with a flag's sizes, class count, balance and channels, and
says nothing about how a method does on that flag's real images. CI uses it to run every
notebook on a second flag (scripts/second_flag.sh); nothing else substitutes it for real data.

How a class is drawn (synthetic, deterministic, documented here and in `_class_style`):

- binary flags: label 0 is the phantoms' irregular (malignant-like) class, label 1 the smooth
  or lesion-free class, as in `phantoms`;
- K > 2 classes: class c is drawn as the phantom class c % 2, with a brightness shift that
  depends on c // 2 (from -40 to +40 grey levels), so neighbouring classes differ in lesion
  type and pairs of classes in brightness;
- colour flags (n_channels 3): each class gets its own tint (per-channel gains between 0.5
  and 1.0), so the three channels differ and colour carries class information, as in
  dermatoscopy or histology.

Class counts per split (`class_counts_for(flag)`); MedMNIST's metadata (`info.INFO`) has split
sizes but no per-class counts:

- official (counted in the official file by others; no MedMNIST document lists them):
  pneumoniamnist, every split (train 1,214 normal / 3,494 pneumonia, val 135 / 389, test
  234 / 390: Kermany et al.'s own test set; the same counts notebooks/01 quotes); dermamnist
  train (akiec 228, bcc 359, bkl 769, df 80, mel 779, nv 4,693, vasc 99) and val (33, 52, 110,
  12, 111, 671, 14), the order of `info.class_names("dermamnist")`; breastmnist, every split
  (147 / 399, 21 / 57, 42 / 114, counted in the course's repacked copy; notebooks 01, 07 and 11
  assert the train and test counts on the real file);
- NOT official: dermamnist's test split (its counts were not found) follows its train
  proportions (largest remainder); every other flag, organamnist included, has
  equal classes (largest remainder), since no source for its counts was found.
A test fixture, taught in no notebook: tests/test_data_lookalike.py; docs/INSTRUCTOR.md.
"""

from __future__ import annotations

import pathlib

import numpy as np

from medgan_course.data import info
from medgan_course.data.phantoms import render_phantoms
from medgan_course.validate import positive_number

_SPLITS = ("train", "val", "test")
#: Official per-class counts, (train, val, test), each in label order; see the module text.
OFFICIAL_COUNTS = {
    "pneumoniamnist": ((1214, 3494), (135, 389), (234, 390)),
    "dermamnist": ((228, 359, 769, 80, 779, 4693, 99), (33, 52, 110, 12, 111, 671, 14), None),
    "breastmnist": ((147, 399), (21, 57), (42, 114)),
}
#: Splits whose counts above are official; the others are proportional or equal.
OFFICIAL_SPLITS = {"pneumoniamnist": ("train", "val", "test"), "dermamnist": ("train", "val"),
                   "breastmnist": ("train", "val", "test")}
_CHUNK = 4096  # images rendered at once: bounds the phantoms' float32 temporaries (~0.5 GB)


def _largest_remainder(total, weights):
    """`total` split in proportion to `weights` (integers summing to `total`)."""
    weights = np.asarray(weights, dtype=np.float64)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return tuple(int(c) for c in counts)


def class_counts_for(flag):
    """{split: (count of class 0, class 1, ...)} the look-alike of `flag` has.

    Official where `OFFICIAL_SPLITS` says so; otherwise the flag's train proportions (when
    official), else equal classes.
    """
    entry = info.entry(flag)
    num_classes = len(entry["label"])
    official = OFFICIAL_COUNTS.get(flag, (None, None, None))
    counts = {}
    for split, given in zip(_SPLITS, official):
        total = entry["n_samples"][split]
        if given is not None:
            counts[split] = tuple(given)
        elif official[0] is not None:
            counts[split] = _largest_remainder(total, official[0])
        else:
            counts[split] = _largest_remainder(total, np.ones(num_classes))
        if sum(counts[split]) != total or len(counts[split]) != num_classes:
            raise AssertionError(f"class counts of {flag} {split} do not add up")  # table typo
    return counts


def _class_style(num_classes, n_channels):
    """Per class: (phantom label, grey offset, per-channel gains (n_channels,))."""
    levels = max(1, (num_classes + 1) // 2)
    styles = []
    for c in range(num_classes):
        offset = 0.0 if num_classes <= 2 else -40.0 + 80.0 * (c // 2) / max(1, levels - 1)
        if n_channels == 1:
            gains = np.ones(1, np.float32)
        else:
            gains = 0.75 + 0.25 * np.cos(2 * np.pi * (c / num_classes + np.arange(3) / 3))
        styles.append((c % 2, offset, np.asarray(gains, np.float32)))
    return styles


def _render(labels, size, n_channels, num_classes, seed):
    """uint8 (N, size, size) or (N, size, size, 3) look-alike images of `labels`."""
    styles = _class_style(num_classes, n_channels)
    shape = (len(labels), size, size) + (() if n_channels == 1 else (3,))
    out = np.empty(shape, np.uint8)
    for start in range(0, len(labels), _CHUNK):
        chunk = labels[start:start + _CHUNK]
        base = np.array([styles[c][0] for c in chunk])
        images, _ = render_phantoms(base, image_size=size, seed=[*seed, start])
        grey = (images[..., 0] + 1.0) * 127.5  # (n, s, s) in [0, 255]
        offset = np.array([styles[c][1] for c in chunk], np.float32)[:, None, None]
        grey = grey + offset
        if n_channels == 1:
            pixels = grey
        else:
            gains = np.stack([styles[c][2] for c in chunk])[:, None, None, :]
            pixels = grey[..., None] * gains
        out[start:start + _CHUNK] = np.round(np.clip(pixels, 0, 255)).astype(np.uint8)
    return out


def _scaled(counts, scale):
    """Per-class counts times `scale`, each at least 1."""
    return tuple(max(1, int(round(c * scale))) for c in counts)


def write_lookalike(flag, folder, *, size=28, seed=0, scale=1.0):
    """Writes `folder/{flag}.npz` (or `{flag}_{size}.npz`): MedMNIST's layout, phantom images.

    Args:
        flag: a single-label 2D MedMNIST flag (`info.INFO`), e.g. "pneumoniamnist".
        folder: where to write it (created if missing); point MEDGAN_DATA_DIR at it.
        size: image side, one of `info.SIZES`.
        seed: seed of labels' order and images; the same arguments give the same file.
        scale: fraction of every class count to write. 1.0 (default) gives the official split
            sizes, which `load_medmnist` requires; smaller values give a smaller file that
            the loader rightly refuses (its split sizes are not MedMNIST's), for quick tests
            of code that reads the arrays directly.

    Returns:
        pathlib.Path of the file: keys train/val/test_images, uint8 (N, size, size) for grey
        flags or (N, size, size, 3) for colour flags, and train/val/test_labels, uint8 (N, 1).

    Raises:
        ValueError: unknown or multi-label flag, a size MedMNIST does not have, scale <= 0.
    """
    entry = info.entry(flag)
    if entry["task"].startswith("multi-label"):
        raise ValueError(f"{flag} is multi-label; look-alikes are for single-label flags.")
    if size not in info.SIZES:
        raise ValueError(f"size must be one of {info.SIZES}, got {size!r}.")
    positive_number("scale", scale)
    num_classes = len(entry["label"])
    arrays = {}
    for index, (split, counts) in enumerate(class_counts_for(flag).items()):
        counts = counts if scale == 1.0 else _scaled(counts, scale)
        rng = np.random.default_rng([seed, index, 0])
        labels = rng.permutation(np.repeat(np.arange(num_classes), counts)).astype(np.uint8)
        arrays[f"{split}_images"] = _render(labels, size, entry["n_channels"], num_classes,
                                            seed=[seed, index, 1])
        arrays[f"{split}_labels"] = labels[:, None]
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / info.file_name(flag, size)
    np.savez_compressed(path, **arrays)
    return path
