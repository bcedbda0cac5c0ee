"""The checks of notebook 01 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np
import pytest

from medgan_course.data import window_hu
from medgan_course.exercises import nb01
from medgan_course.exercises.solutions.nb01 import apply_window, balanced_accuracy, imbalance_ratio


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub(*args):
    ...  # your code here


def raising_stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check, solution", [
    (nb01.check_window, apply_window),
    (nb01.check_window, window_hu),
    (nb01.check_balanced_accuracy, balanced_accuracy),
])
def test_checks_accept_the_solution_and_reject_stubs(check, solution):
    assert check(solution).passed, check(solution).message
    for unsolved in (stub, raising_stub, ...):
        feedback = check(unsolved)
        assert not feedback.passed and feedback.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda hu, level, width: (hu - (level - width / 2)) / width, "clipped"),
    (lambda hu, level, width: np.clip((hu - level) / width, 0, 1), "lower edge"),
    (lambda hu, level, width: (hu - level) / width, "[0, 1]"),
    (lambda hu, level, width: np.clip((hu - level) / (2 * width) + 0.5, 0, 1), "linearly"),
    (lambda hu, level, width: np.clip(hu, 0, 1)[0], "shape"),
])
def test_window_names_typical_mistakes(wrong, hint):
    feedback = nb01.check_window(wrong)
    assert not feedback.passed and hint in feedback.message, feedback.message


BREAST_TRAIN = np.array([0] * 147 + [1] * 399)


def test_imbalance_ratio_accepts_the_solution_and_rejects_the_stub():
    ratio = imbalance_ratio(BREAST_TRAIN)
    feedback = nb01.check_imbalance_ratio(ratio, BREAST_TRAIN)
    assert feedback.passed and "399 / 147 = 2.71" in feedback.message
    assert not nb01.check_imbalance_ratio(..., BREAST_TRAIN).passed


@pytest.mark.parametrize("answer, hint", [
    (147 / 399, "smaller count by the larger"),
    (147 / 546, "share of the split"),
    (2.0, "not the largest"),
    ("2.71", "2.71"),  # a numeric string is read as its number
    ("many", "expected a number"),
])
def test_imbalance_ratio_names_typical_mistakes(answer, hint):
    feedback = nb01.check_imbalance_ratio(answer, BREAST_TRAIN)
    assert hint in feedback.message
    assert feedback.passed == (answer == "2.71")


def test_imbalance_ratio_works_for_many_classes_and_skips_absent_ones():
    labels = np.array([0, 0, 0, 0, 2, 2, 3])  # class 1 absent: the ratio is over present classes
    assert nb01.check_imbalance_ratio(4.0, labels).passed


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, p, k: float(np.mean(y == p)), "plain accuracy"),
    (lambda y, p, k: float(np.mean(p[y == 0] == 0)), "expected"),
    (lambda y, p, k: None, "return"),
])
def test_balanced_accuracy_names_typical_mistakes(wrong, hint):
    feedback = nb01.check_balanced_accuracy(wrong)
    assert not feedback.passed and hint in feedback.message
