"""Checks for the exercises of notebooks/01_medical_images_for_ml.ipynb.

1. `check_window`: a CT display window, Hounsfield units -> [0, 1].
2. `check_imbalance_ratio`: largest class count / smallest class count of a split.
3. `check_balanced_accuracy`: mean per-class recall, and what "always the majority" scores.

NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.data.shipped import window_hu
from medgan_course.data.summary import imbalance_ratio
from medgan_course.evaluation.classification import balanced_accuracy
from medgan_course.exercises.core import array_answer, checker

#: HU values from air to dense bone, and the windows they are checked through.
_HU_PROBE = np.array([[-1000.0, -600.0, -160.0, -100.0, 0.0],
                      [40.0, 100.0, 240.0, 700.0, 1500.0]], dtype=np.float32)
_WINDOWS = ((40.0, 400.0), (-600.0, 1500.0), (400.0, 1800.0))


def _window_output(apply_window, level, width):
    """The learner's window of the probe as float64, or (None, message)."""
    return array_answer(apply_window(_HU_PROBE.copy(), level, width), _HU_PROBE.shape)


def _window_hint(result, level, width):
    """What a typical wrong window does, judged from its output."""
    unclipped = (_HU_PROBE - (level - width / 2.0)) / width
    if np.allclose(result, unclipped, atol=1e-4):
        return "values outside the window must be clipped to 0 and 1 (np.clip)."
    if np.allclose(result, np.clip((_HU_PROBE - level) / width, 0, 1), atol=1e-4):
        return ("the window's lower edge is level - width / 2, not level: "
                "with L40 W400 a value of 40 HU must become 0.5.")
    if result.min() < -1e-6 or result.max() > 1 + 1e-6:
        return f"values must lie in [0, 1]; yours reach [{result.min():.3g}, {result.max():.3g}]."
    return ("level - width/2 must map to 0, level + width/2 to 1, linearly in between; "
            f"for W{width:g}/L{level:g} that is {level - width / 2:g} HU -> 0 and "
            f"{level + width / 2:g} HU -> 1.")


@checker("CT window")
def check_window(apply_window):
    """Accepts `apply_window(hu, level, width)` that matches `window_hu` on three windows.

    Args:
        apply_window: the learner's function: (H, W) HU array, level and width in HU ->
            (H, W) array in [0, 1].
    """
    for level, width in _WINDOWS:
        result, problem = _window_output(apply_window, level, width)
        if result is None:
            return False, problem
        if not np.allclose(result, window_hu(_HU_PROBE, level, width), atol=1e-4):
            return False, f"W{width:g}/L{level:g}: " + _window_hint(result, level, width)
    return True, ("soft tissue, lung and bone windows all match: one stored image, three "
                  "different pictures, because a screen shows only ~256 grey levels.")


@checker("imbalance ratio")
def check_imbalance_ratio(answer, labels):
    """Accepts the largest class count divided by the smallest one, within 0.01.

    Args:
        answer: the learner's ratio (a number).
        labels: (N,) int labels of the split the exercise is about.
    """
    labels = np.asarray(labels).reshape(-1)
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    expected = imbalance_ratio(counts)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, f"expected a number, got {type(answer).__name__}."
    if abs(value - expected) <= 0.01:
        return True, (f"{counts.max()} / {counts.min()} = {expected:.2f} majority images per "
                      "minority image.")
    if abs(value - 1.0 / expected) <= 0.01:
        return False, "you divided the smaller count by the larger one; the ratio is >= 1."
    if abs(value - counts.min() / counts.sum()) <= 0.01:
        return False, ("that is the minority class's share of the split; the ratio compares "
                       "the largest class with the smallest.")
    return False, f"{value:.3g} is not the largest class count over the smallest one."


def _cases():
    """(y_true, y_pred, num_classes) cases that separate balanced accuracy from look-alikes."""
    y_true = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], dtype=np.int64)
    return [
        (y_true, np.ones_like(y_true), 2),                    # always the majority: 0.5
        (y_true, np.array([0, 1, 1, 1, 1, 1, 1, 1, 0, 1]), 2),  # (1/3 + 6/7) / 2
        (np.array([0, 1, 2, 2, 2, 2]), np.array([0, 2, 2, 2, 2, 1]), 3),  # (1 + 0 + 3/4) / 3
    ]


@checker("balanced accuracy")
def check_balanced_accuracy(balanced_accuracy_fn):
    """Accepts `balanced_accuracy_fn(y_true, y_pred, num_classes)` = mean per-class recall.

    Args:
        balanced_accuracy_fn: the learner's function of (N,) int labels, (N,) int predictions
            and the number of classes, returning a float.
    """
    for y_true, y_pred, num_classes in _cases():
        result = balanced_accuracy_fn(y_true.copy(), y_pred.copy(), num_classes)
        if result is None:
            return False, "your function returned None: did you forget `return`?"
        result = float(result)
        expected = balanced_accuracy(y_true, y_pred, num_classes)
        if abs(result - expected) > 1e-6:
            if abs(result - float(np.mean(y_true == y_pred))) <= 1e-6:
                return False, ("that is plain accuracy; balanced accuracy averages the recall "
                               "of each class, so each class counts the same.")
            return False, (f"for y_true={y_true.tolist()}, y_pred={y_pred.tolist()} you return "
                           f"{result:.4f}, expected {expected:.4f}: the mean over classes of "
                           "(correct predictions of the class) / (examples of the class).")
    return True, ("always answering the majority class scores 0.5 on two classes, whatever "
                  "its accuracy.")
