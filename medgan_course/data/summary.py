"""What a dataset holds before any model sees it: tables, class imbalance, label budgets.

These are the measurements notebooks/01_medical_images_for_ml.ipynb makes on BreastMNIST (and
on any other single-label 2D MedMNIST flag): how many images of each class each split has, how
lopsided the classes are, what a classifier that always answers the majority class scores, and
how few examples of the rare class survive when only a small fraction of images is labelled.
NumPy only; no TensorFlow.
Taught in notebooks/01_medical_images_for_ml.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

from medgan_course.data import info
from medgan_course.data.subsets import class_counts
from medgan_course.evaluation.classification import roc_auc

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


def per_class_recall(y_true, y_pred, num_classes):
    """Fraction of each class's examples predicted as that class.

    Args:
        y_true: (N,) int class indices.
        y_pred: (N,) int predicted class indices.
        num_classes: number of classes K.

    Returns:
        (K,) float64 array; NaN for a class without examples in `y_true`.
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have one entry per example; got "
                         f"{y_true.shape} and {y_pred.shape}.")
    recall = np.full(num_classes, np.nan)
    for cls in range(num_classes):
        members = y_true == cls
        if members.any():
            recall[cls] = float(np.mean(y_pred[members] == cls))
    return recall


def balanced_accuracy(y_true, y_pred, num_classes):
    """Mean of the per-class recalls over the classes present in `y_true`.

    Unlike accuracy it gives every class the same weight, so a classifier that ignores a rare
    class cannot score well: answering one class always gives exactly 1 / (classes present).

    Returns:
        float in [0, 1].
    """
    return float(np.nanmean(per_class_recall(y_true, y_pred, num_classes)))


def majority_baseline(train_labels, test_labels, num_classes):
    """Scores of the classifier that always answers the training split's most frequent class.

    It needs no image at all, which makes it the floor every real classifier must beat.

    Args:
        train_labels: (N,) int labels the majority class is taken from.
        test_labels: (M,) int labels it is scored on.
        num_classes: number of classes K.

    Returns:
        dict with "majority_class" (int), "accuracy" (float), "balanced_accuracy" (float) and
        "recall" ((K,) float64 per-class recall: 1 for the majority class, 0 for the others).
    """
    majority = int(np.argmax(class_counts(train_labels, num_classes)))
    test_labels = np.asarray(test_labels).reshape(-1)
    predictions = np.full_like(test_labels, majority)
    return {
        "majority_class": majority,
        "accuracy": float(np.mean(predictions == test_labels)),
        "balanced_accuracy": balanced_accuracy(test_labels, predictions, num_classes),
        "recall": per_class_recall(test_labels, predictions, num_classes),
    }


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


def macro_auc(labels, probabilities):
    """ROC AUC of class probabilities: one-vs-rest, averaged over classes present in `labels`.

    For two classes this is the ordinary AUC (the same whichever class is called positive).

    Args:
        labels: (N,) int class indices.
        probabilities: (N, K) float class probabilities (e.g. a softmax), rows summing to 1.

    Returns:
        float in [0, 1]; 0.5 for uninformative scores.
    """
    labels = np.asarray(labels).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError(f"probabilities must be (N, K) with N = {len(labels)}; got "
                         f"{probabilities.shape}.")
    present = [c for c in range(probabilities.shape[1]) if 0 < np.sum(labels == c) < len(labels)]
    if not present:
        raise ValueError("macro_auc needs at least two classes in labels.")
    aucs = [roc_auc((labels != c).astype(np.int64), probabilities[:, c], positive_class=0)
            for c in present]
    return float(np.mean(aucs))
