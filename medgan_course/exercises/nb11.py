"""Checks for the exercises of notebooks/11_challenges_future_faq.ipynb.

Each check calls the learner's function on cases the notebook did not show and compares it with
a reference, recognising the typical wrong answers to give a hint (never the solution).
NumPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import math

import numpy as np

from medgan_course.exercises.core import checker, first_mismatch

_NONE_HINT = ("not attempted yet: your function returned None; write its body and `return` "
              "the answer.")


def _close(a, b, tol=1e-6):
    return a is not None and math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


# ---------------------------------------------------------------------------- 1. PPV


def reference_ppv(sensitivity, specificity, prevalence):
    """Positive predictive value P(disease | positive test) by Bayes' rule (all in [0, 1])."""
    true_pos = sensitivity * prevalence
    false_pos = (1.0 - specificity) * (1.0 - prevalence)
    return true_pos / (true_pos + false_pos)


_PPV_CASES = [(0.9, 0.8, 0.269), (0.9, 0.8, 0.005), (0.75, 0.95, 0.625), (0.6, 0.99, 0.1),
              (0.99, 0.5, 0.742)]


def _ppv_hint(ppv, case):
    sens, spec, prev = case
    wrong = {
        "that is the sensitivity: PPV also depends on the prevalence and the specificity":
            sens,
        "you computed sensitivity x prevalence, the fraction of ALL cases that are true "
        "positives; divide by the fraction of all cases that test positive":
            sens * prev,
        "that looks like the negative predictive value, P(healthy | negative test)":
            spec * (1 - prev) / (spec * (1 - prev) + (1 - sens) * prev),
        "false positives come from the healthy cases: (1 - specificity) x (1 - prevalence)":
            sens * prev / (sens * prev + (1 - spec) * prev),
    }
    for hint, value in wrong.items():
        if _close(ppv(sens, spec, prev), value):
            return hint
    return None


@checker("PPV under a prevalence shift")
def check_ppv(ppv):
    """Checks `ppv(sensitivity, specificity, prevalence) -> float` against Bayes' rule."""
    mismatch = first_mismatch(ppv, reference_ppv, _PPV_CASES, same=_close)
    if mismatch is not None:
        case, got, expected = mismatch
        if got is None:
            return False, _NONE_HINT
        hint = _ppv_hint(ppv, case) or "compare your formula with Bayes' rule in the prompt"
        return False, f"ppv{case} gave {float(got):.4f}, expected {expected:.4f}: {hint}."
    low, high = ppv(0.9, 0.8, 0.005), ppv(0.9, 0.8, 0.269)
    return True, (f"right. With the same sensitivity 0.9 and specificity 0.8, PPV is "
                  f"{high:.2f} at BreastMNIST's 26.9% malignant but {low:.3f} at a screening-like "
                  "0.5%: a test's meaning moves with the population it is used in.")


# ---------------------------------------------------------------------------- 2. attack AUC


def reference_attack_auc(member_distances, nonmember_distances):
    """P(a random member is closer to the synthetic set than a random non-member), ties 1/2."""
    member = np.asarray(member_distances, np.float64).reshape(-1, 1)
    nonmember = np.asarray(nonmember_distances, np.float64).reshape(1, -1)
    return float(np.mean((member < nonmember) + 0.5 * (member == nonmember)))


def _attack_cases():
    rng = np.random.default_rng(11)
    leaky = (rng.gamma(2.0, 0.5, 40), rng.gamma(2.0, 0.5, 25) + 0.6)
    private = (rng.normal(3.0, 1.0, 30), rng.normal(3.0, 1.0, 50))
    tied = (np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 2.0, 4.0]))
    return [leaky, private, tied]


@checker("Membership-inference attack AUC")
def check_attack_auc(attack_auc):
    """Checks `attack_auc(member_distances, nonmember_distances) -> float in [0, 1]`."""
    for members, nonmembers in _attack_cases():
        got = attack_auc(members.copy(), nonmembers.copy())
        if got is None:
            return False, _NONE_HINT
        want = reference_attack_auc(members, nonmembers)
        if _close(got, 1.0 - want) and not _close(want, 0.5):
            return False, ("your AUC is inverted: a SMALLER distance to the synthetic images means "
                           "'more likely a training member', so members should win when they are "
                           "closer.")
        if not _close(got, want):
            tie_hint = (" Count ties as one half." if len(members) == 4 else "")
            return False, (f"got {float(got):.4f}, expected {want:.4f} on {len(members)} members "
                           f"and {len(nonmembers)} non-members: compare EVERY member with EVERY "
                           f"non-member.{tie_hint}")
    return True, ("right. 0.5 means the attacker cannot tell members from non-members; 1.0 means "
                  "every training image is closer to the synthetic set than every unseen image.")


# ---------------------------------------------------------------------------- 3. majority classifier


def reference_majority_metrics(train_labels, test_labels, positive_class=0):
    """Test metrics of always predicting the TRAINING split's most frequent class."""
    train_labels, test_labels = np.asarray(train_labels), np.asarray(test_labels)
    majority = np.bincount(train_labels).argmax()
    predicted_positive = np.full(test_labels.shape, majority == positive_class)
    positive = test_labels == positive_class
    sensitivity = float(np.mean(predicted_positive[positive]))
    specificity = float(np.mean(~predicted_positive[~positive]))
    return {"accuracy": float(np.mean(test_labels == majority)), "sensitivity": sensitivity,
            "balanced_accuracy": (sensitivity + specificity) / 2}


def _majority_cases():
    rng = np.random.default_rng(3)
    # 1: like BreastMNIST (few positives); 2: positives are the training majority;
    # 3: the training majority is the TEST minority (a prevalence shift).
    return [(rng.permutation(np.r_[np.zeros(30, int), np.ones(80, int)]),
             np.r_[np.zeros(9), np.ones(30)].astype(int)),
            (np.r_[np.zeros(50), np.ones(20)].astype(int), np.r_[np.zeros(12), np.ones(8)].astype(int)),
            (np.r_[np.zeros(40), np.ones(60)].astype(int), np.r_[np.zeros(30), np.ones(10)].astype(int))]


@checker("What a majority classifier scores")
def check_majority_metrics(majority_metrics):
    """Checks `majority_metrics(train_labels, test_labels) -> dict` (malignant = label 0)."""
    for train, test in _majority_cases():
        got = majority_metrics(train.copy(), test.copy())
        if got is None:
            return False, _NONE_HINT
        if not isinstance(got, dict) or not {"accuracy", "sensitivity", "balanced_accuracy"} <= set(got):
            return False, "return a dict with the keys 'accuracy', 'sensitivity' and 'balanced_accuracy'."
        want = reference_majority_metrics(train, test)
        wrong_split = reference_majority_metrics(test, test)
        for key in ("accuracy", "sensitivity", "balanced_accuracy"):
            if _close(got[key], want[key]):
                continue
            if _close(got[key], wrong_split[key]):
                return False, ("the majority class must come from the TRAINING labels: a deployed "
                               "model cannot peek at the test set's class balance.")
            if key == "balanced_accuracy" and _close(got[key], want["accuracy"]):
                return False, ("balanced accuracy is the mean of sensitivity and specificity, not "
                               "the accuracy.")
            return False, (f"{key} is {float(got[key]):.3f}, expected {want[key]:.3f}; malignant "
                           f"(label 0) is the positive class.")
    return True, ("right. A classifier that never says 'malignant' keeps the accuracy of the "
                  "majority share while its sensitivity is 0 and balanced accuracy 0.5.")


__all__ = ["check_ppv", "check_attack_auc", "check_majority_metrics"]
