"""The checks of notebook 11's exercises accept the reference solutions
(`exercises.solutions.nb11`, which the notebook shows) and reject stubs and typical mistakes."""

import numpy as np
import pytest

from medgan_course.exercises import nb11
from medgan_course.exercises.solutions.nb11 import attack_auc, majority_metrics, ppv


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub_none(*args):
    ...  # your code here


def stub_raises(*args):
    raise NotImplementedError


CHECKS = [(nb11.check_ppv, ppv), (nb11.check_attack_auc, attack_auc),
          (nb11.check_majority_metrics, majority_metrics)]


@pytest.mark.parametrize("check, solution", CHECKS)
def test_each_check_accepts_the_solution(check, solution):
    feedback = check(solution)
    assert feedback.passed, feedback.message
    assert "✅" in repr(feedback)


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
def test_each_check_rejects_unsolved_stubs(check):
    assert "not attempted" in check(...).message
    assert "not attempted" in check(stub_raises).message
    none = check(stub_none)
    assert not none.passed and "returned None" in none.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda se, sp, prev: se * prev, "fraction of ALL cases"),
    (lambda se, sp, prev: se, "sensitivity"),
    (lambda se, sp, prev: sp * (1 - prev) / (sp * (1 - prev) + (1 - se) * prev), "negative predictive"),
    (lambda se, sp, prev: se * prev / (se * prev + (1 - sp) * prev), "healthy cases"),
])
def test_ppv_check_names_typical_mistakes(wrong, hint):
    feedback = nb11.check_ppv(wrong)
    assert not feedback.passed and hint in feedback.message


def test_ppv_check_reports_a_crash_without_raising():
    feedback = nb11.check_ppv(lambda se, sp, prev: 1 / 0)
    assert not feedback.passed and "ZeroDivisionError" in feedback.message


def test_attack_auc_check_names_an_inverted_score_and_missing_ties():
    inverted = nb11.check_attack_auc(lambda m, n: 1 - attack_auc(m, n))
    assert not inverted.passed and "inverted" in inverted.message
    no_ties = nb11.check_attack_auc(
        lambda m, n: float(np.mean(np.asarray(m)[:, None] < np.asarray(n)[None, :])))
    assert not no_ties.passed and "ties" in no_ties.message
    means_only = nb11.check_attack_auc(lambda m, n: float(np.mean(m) < np.mean(n)))
    assert not means_only.passed and "EVERY member" in means_only.message


def test_majority_check_names_peeking_at_test_and_accuracy_as_balanced_accuracy():
    def from_test(train_labels, test_labels):
        return majority_metrics(test_labels, test_labels)

    peek = nb11.check_majority_metrics(from_test)
    assert not peek.passed and "TRAINING labels" in peek.message

    def unbalanced(train_labels, test_labels):
        result = majority_metrics(train_labels, test_labels)
        return {**result, "balanced_accuracy": result["accuracy"]}

    feedback = nb11.check_majority_metrics(unbalanced)
    assert not feedback.passed and "mean of sensitivity and specificity" in feedback.message
    missing = nb11.check_majority_metrics(lambda a, b: {"accuracy": 0.7})
    assert not missing.passed and "keys" in missing.message


def test_references_agree_with_the_course_metrics():
    """The checks' references equal the package's own metrics on BreastMNIST-like labels."""
    from medgan_course.evaluation.classification import binary_metrics, roc_auc

    rng = np.random.default_rng(0)
    test = rng.permutation(np.r_[np.zeros(42, int), np.ones(114, int)])
    train = np.r_[np.zeros(147, int), np.ones(399, int)]
    expected = binary_metrics(test, np.zeros(test.size), threshold=1.0)  # never "malignant"
    got = nb11.reference_majority_metrics(train, test)
    for key in ("accuracy", "sensitivity", "balanced_accuracy"):
        assert got[key] == pytest.approx(expected[key])
    members, nonmembers = rng.normal(0, 1, 50), rng.normal(0.5, 1, 40)
    labels = np.r_[np.ones(50, int), np.zeros(40, int)]
    auc = roc_auc(labels, -np.r_[members, nonmembers], positive_class=1)
    assert nb11.reference_attack_auc(members, nonmembers) == pytest.approx(auc)
    assert nb11.reference_ppv(0.9, 0.8, 0.5) == pytest.approx(0.45 / 0.55)


def test_importing_the_checks_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, medgan_course.exercises.nb11; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
