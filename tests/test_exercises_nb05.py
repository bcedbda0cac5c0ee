"""The checks of notebook 05 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np

from medgan_course.exercises import nb05
from medgan_course.exercises.solutions.nb05 import (
    choices,
    d_accuracy,
    diagnosis,
    minimax_grad,
    non_saturating_grad,
)

DIAGNOSIS, REMEDY = diagnosis(), choices()


def stub(*args):
    raise NotImplementedError


def returns_none(*args):
    return None


# ----------------------------------------------------------------- 1. D accuracy
def test_d_accuracy_accepts_the_solution():
    assert nb05.check_d_accuracy(d_accuracy).passed


def test_d_accuracy_rejects_stubs():
    assert not nb05.check_d_accuracy(...).passed
    assert "not attempted" in nb05.check_d_accuracy(stub).message
    assert "None" in nb05.check_d_accuracy(returns_none).message


def test_d_accuracy_names_typical_mistakes():
    def pooled(r, f):
        return (np.sum(r > 0) + np.sum(f < 0)) / (len(r) + len(f))
    feedback = nb05.check_d_accuracy(pooled)
    assert not feedback.passed and "average" in feedback.message
    def wrong_side(r, f):
        return 0.5 * (np.mean(r > 0) + np.mean(f > 0))
    feedback = nb05.check_d_accuracy(wrong_side)
    assert not feedback.passed and "NEGATIVE" in feedback.message
    def probability_threshold(r, f):
        return 0.5 * (np.mean(r > 0.5) + np.mean(f < 0.5))
    feedback = nb05.check_d_accuracy(probability_threshold)
    assert not feedback.passed and "threshold is 0" in feedback.message


# ----------------------------------------------------------------- 2. Logit gradients
def test_logit_gradients_accept_the_solution():
    feedback = nb05.check_logit_gradients(minimax_grad, non_saturating_grad)
    assert feedback.passed, feedback.message


def test_logit_gradients_reject_stubs():
    assert not nb05.check_logit_gradients(..., non_saturating_grad).passed
    assert "not attempted" in nb05.check_logit_gradients(stub, stub).message
    assert "None" in nb05.check_logit_gradients(returns_none, non_saturating_grad).message


def test_logit_gradients_name_typical_mistakes():
    flipped = nb05.check_logit_gradients(lambda x: -minimax_grad(x), non_saturating_grad)
    assert not flipped.passed and "sign" in flipped.message
    swapped = nb05.check_logit_gradients(non_saturating_grad, minimax_grad)
    assert not swapped.passed and "other loss" in swapped.message
    scalar = nb05.check_logit_gradients(lambda x: 0.0, non_saturating_grad)
    assert not scalar.passed and "one derivative per logit" in scalar.message


def test_logit_gradient_check_agrees_with_tensorflow():
    """The checker's formulas are the package's losses differentiated by TensorFlow."""
    import pytest

    pytest.importorskip("tensorflow")
    from medgan_course.training.diagnostics import logit_gradient

    logits = np.linspace(-8, 4, 7)
    assert np.allclose(logit_gradient("minimax", logits), minimax_grad(logits), atol=1e-6)
    assert np.allclose(logit_gradient("non_saturating", logits), non_saturating_grad(logits),
                       atol=1e-6)


# ----------------------------------------------------------------- 3. Diagnosis
def test_diagnosis_accepts_the_solution_and_synonyms():
    assert nb05.check_diagnosis(DIAGNOSIS).passed
    relaxed = {"A": "Vanishing-gradient", "B": "collapse", "C": "overpowering", "D": "oscillating"}
    assert nb05.check_diagnosis(relaxed).passed


def test_diagnosis_rejects_stubs_and_wrong_labels():
    assert not nb05.check_diagnosis(...).passed
    assert "still" in nb05.check_diagnosis({**DIAGNOSIS, "B": ...}).message
    assert "missing" in nb05.check_diagnosis({"A": "vanishing gradients"}).message
    swapped = nb05.check_diagnosis({**DIAGNOSIS, "C": "oscillation", "D": "overpowering discriminator"})
    assert not swapped.passed and "case C" in swapped.message
    assert "not one of" in nb05.check_diagnosis({**DIAGNOSIS, "A": "bad luck"}).message


# ----------------------------------------------------------------- 4. Remedy
def test_remedy_accepts_the_solution():
    assert nb05.check_remedy(REMEDY).passed


def test_remedy_rejects_stubs_and_wrong_choices():
    assert not nb05.check_remedy(...).passed
    assert "still" in nb05.check_remedy({**REMEDY, "oscillation": ...}).message
    wrong = nb05.check_remedy({**REMEDY, "overpowering discriminator": "two-time-scale"})
    assert not wrong.passed and "UP" in wrong.message
    assert "not one of" in nb05.check_remedy({**REMEDY, "oscillation": "more data"}).message
