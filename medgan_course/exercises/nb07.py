"""Checks for the exercises of notebooks/07_class_imbalance.ipynb.

1. `check_class_weights`: weights that make every class count as much in the loss.
2. `check_oversample`: indices that balance the classes without dropping any example.
3. `check_verdict`: "better", "worse" or "unclear" from per-seed paired differences.

NumPy and SciPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.evaluation.classification import t_interval
from medgan_course.exercises.core import checker


def _label_cases():
    """(name, labels) cases: BreastMNIST's counts, the harsh level, three classes, minority = 1."""
    return [
        ("BreastMNIST's training split (147 vs 399)", np.r_[np.zeros(147), np.ones(399)]),
        ("the harsh level (37 vs 399)", np.r_[np.ones(399), np.zeros(37)]),
        ("three classes (10, 30, 60)", np.r_[np.full(60, 2), np.zeros(10), np.ones(30)]),
        ("minority is class 1 (80 vs 20)", np.r_[np.zeros(80), np.ones(20)]),
    ]


# ------------------------------------------------------------------ 1. class weights


@checker("Class weights")
def check_class_weights(class_weights):
    """`class_weights(labels) -> {class: weight}`: equal total weight per class, mean weight 1."""
    for name, labels in _label_cases():
        labels = labels.astype(np.int64)
        got = class_weights(labels.copy())
        if got is None:
            return False, "your function returns None: return a dict {class index: weight}."
        classes = np.unique(labels)
        if not isinstance(got, dict) or set(map(int, got)) != set(classes.tolist()):
            return False, (f"for {name} return a dict with one weight per class present "
                           f"({classes.tolist()}), got {got!r}.")
        per_example = np.array([float(got[int(c)]) for c in labels])
        totals = [per_example[labels == c].sum() for c in classes]
        if not np.allclose(totals, totals[0], rtol=1e-6):
            return False, (f"for {name} the classes' total weights are {np.round(totals, 1)}: "
                           "each class should add up to the same total (weight ∝ 1 / count).")
        if not np.isclose(per_example.mean(), 1.0, rtol=1e-6):
            return False, (f"for {name} the classes balance, but the average weight per example "
                           f"is {per_example.mean():.3f}, not 1 (it would change the effective "
                           "learning rate): multiply by n / number_of_classes.")
    return True, ("every case balances with an average weight of 1: on BreastMNIST a malignant "
                  "example weighs 546 / (2 x 147) = 1.86 and a benign one 0.68.")


# ------------------------------------------------------------------ 2. oversampling


@checker("Oversampling")
def check_oversample(oversample):
    """`oversample(labels, seed) -> indices`: all examples kept, each class at the majority count."""
    for name, labels in _label_cases():
        labels = labels.astype(np.int64)
        got = oversample(labels.copy(), 0)
        if got is None:
            return False, "your function returns None: return an array of indices into labels."
        index = np.asarray(got)
        if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer) or index.size == 0:
            return False, (f"for {name} return a 1-D integer array of indices, got "
                           f"{index.dtype} {index.shape}.")
        if index.min() < 0 or index.max() >= len(labels):
            return False, f"for {name} some indices are outside 0..{len(labels) - 1}."
        counts = np.bincount(labels[index], minlength=labels.max() + 1)
        target = np.bincount(labels).max()
        missing = len(set(range(len(labels))) - set(index.tolist()))
        if missing:
            return False, (f"for {name} {missing} original examples are never used: oversampling "
                           "keeps every example and only ADDS repeats (dropping majority examples "
                           "is undersampling, which throws data away).")
        if not np.all(counts[np.bincount(labels) > 0] == target):
            return False, (f"for {name} the class counts after resampling are {counts.tolist()}; "
                           f"every class should reach the majority's {target}.")
    return True, ("all examples kept and every class brought up to the majority count: the "
                  "classifier now sees each malignant image about 2.7 times per epoch.")


# ------------------------------------------------------------------ 3. verdict from paired diffs


def _reference_verdict(differences):
    _, low, high = t_interval(np.asarray(differences, float))
    return "better" if low > 0 else "worse" if high < 0 else "unclear"


def _verdict_cases():
    """Per-seed paired differences (arm minus baseline) where the mean alone misleads."""
    return [
        [0.020, 0.025, 0.018, 0.022, 0.021],   # small but consistent gain
        [0.060, -0.040, 0.050, -0.030, 0.020],  # positive mean, pure noise
        [-0.010, -0.030, -0.020, -0.015, -0.025],  # consistent loss
        [0.004, -0.003, 0.001, 0.002, -0.001],  # nothing
        [-0.080, 0.010, 0.020, 0.015, 0.012],   # negative mean, one bad seed
    ]


@checker("Better, worse or unclear?")
def check_verdict(verdict):
    """`verdict(differences) -> "better" | "worse" | "unclear"` from a 95% t-interval."""
    for differences in _verdict_cases():
        got = verdict(list(differences))
        if got is None:
            return False, "your function returns None: return 'better', 'worse' or 'unclear'."
        expected = _reference_verdict(differences)
        if got != expected:
            mean = np.mean(differences)
            hint = (" Looking at the mean alone is not enough: with 5 noisy seeds, compute the "
                    "95% t-interval of the differences and ask whether it excludes 0."
                    if (got == "better") == (mean > 0) and got != "unclear" else
                    " Decide by whether the 95% t-interval (t_interval) lies entirely above or "
                    "below 0.")
            return False, (f"for differences {differences} you say {got!r}, "
                           f"expected {expected!r}.{hint}")
    return True, ("all five cases right: a +0.012 mean over seeds that disagree is 'unclear', "
                  "a +0.021 mean that every seed shows is 'better'.")
