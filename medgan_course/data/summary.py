"""What a dataset holds before any model sees it: tables, class imbalance, label budgets.

These are the measurements notebooks/01_medical_images_for_ml.ipynb makes on BreastMNIST (and
on any other single-label 2D MedMNIST flag): how many images of each class each split has, how
lopsided the classes are, and how few examples of the rare class survive when only a small
fraction of images is labelled. Scores of predictions (balanced accuracy, the majority-class
baseline, macro AUC) are evaluation, in `evaluation.classification`. NumPy only; no TensorFlow.
Taught in notebooks/01_medical_images_for_ml.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

from medgan_course.data import info
from medgan_course.data.subsets import class_counts

#: Imaging modality of each 2D MedMNIST flag (from the source datasets in `info.SOURCES`).
MODALITIES = {
    "pathmnist": "histology (H&E stained tissue)",
    "chestmnist": "chest X-ray (radiograph)",
    "dermamnist": "dermatoscopy (skin photograph)",
    "octmnist": "retinal OCT",
    "pneumoniamnist": "chest X-ray (radiograph)",
    "retinamnist": "fundus photograph",
    "breastmnist": "breast ultrasound",
    "bloodmnist": "blood cell microscopy",
    "tissuemnist": "kidney cortex cell microscopy",
    "organamnist": "abdominal CT (axial)",
    "organcmnist": "abdominal CT (coronal)",
    "organsmnist": "abdominal CT (sagittal)",
}

_SPLITS = ("train", "val", "test")


def medmnist_table(flags=None):
    """One row of facts per 2D MedMNIST flag, from `info.INFO` (nothing is downloaded).

    Args:
        flags: flags to describe, default all twelve in medmnist's order.

    Returns:
        list of dicts with keys "flag", "modality", "task", "classes" (int), "channels" (int),
        "train", "val", "test" (ints: split sizes) and "licence" (str).
    """
    rows = []
    for flag in info.flags() if flags is None else flags:
        facts = info.entry(flag)
        rows.append({
            "flag": flag,
            "modality": MODALITIES[flag],
            "task": facts["task"],
            "classes": len(facts["label"]),
            "channels": facts["n_channels"],
            **{split: facts["n_samples"][split] for split in _SPLITS},
            "licence": facts["license"],
        })
    return rows


def markdown_table(rows, columns=None):
    """Formats a list of dicts as a Markdown table (notebooks show it with `Markdown(...)`).

    Args:
        rows: list of dicts sharing their keys.
        columns: keys to show, in order; default the first row's keys.

    Returns:
        str: header, separator and one line per row; floats are shown with 3 decimals.
    """
    if not rows:
        return ""
    columns = list(rows[0]) if columns is None else list(columns)

    def cell(value):
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def split_class_table(dataset):
    """Images per class in each split of `dataset`, with the class's share of the split.

    Args:
        dataset: an ImageDataset.

    Returns:
        list of dicts, one per split ("train", "val", "test"), with keys "split", "images"
        and, for each class name c, c (int count) and f"{c} %" (float percentage).
    """
    rows = []
    for split in _SPLITS:
        counts = dataset.class_counts(split)
        row = {"split": split, "images": int(counts.sum())}
        for name, count in zip(dataset.class_names, counts):
            row[name] = int(count)
            row[f"{name} %"] = 100.0 * float(count) / max(1, int(counts.sum()))
        rows.append(row)
    return rows


def imbalance_ratio(counts):
    """Size of the largest class divided by the size of the smallest (1.0 = balanced).

    Args:
        counts: (K,) non-negative class counts, e.g. from `class_counts`; K >= 1.

    Returns:
        float >= 1; inf when some class has no example at all.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or counts.min() < 0 or counts.sum() == 0:
        raise ValueError(f"counts must be a non-empty (K,) array of non-negative counts, "
                         f"not all zero; got {counts!r}.")
    return float("inf") if counts.min() == 0 else float(counts.max() / counts.min())


def labelled_class_counts(labels, fraction, num_classes, seeds=range(100)):
    """Class counts of a random labelled subset, over many draws (label scarcity).

    Each draw labels round(fraction * N) examples picked uniformly at random, without
    looking at the classes (as when an expert annotates whatever images come first), so the
    rare class may be missing altogether. `subsets.stratified_subset` would guarantee it.

    Args:
        labels: (N,) int class indices.
        fraction: share of examples that get a label, in (0, 1].
        num_classes: number of classes K.
        seeds: one draw per seed.

    Returns:
        (len(seeds), K) int64 array: row s counts the labelled examples of each class in draw s.
    """
    labels = np.asarray(labels).reshape(-1)
    if not (isinstance(fraction, numbers.Real) and 0.0 < fraction <= 1.0):
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}.")
    n_labelled = max(1, int(round(fraction * len(labels))))
    rows = []
    for seed in seeds:
        chosen = np.random.default_rng(seed).choice(len(labels), n_labelled, replace=False)
        rows.append(class_counts(labels[chosen], num_classes))
    return np.stack(rows)
