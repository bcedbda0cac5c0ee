"""The checks of notebook 07 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np
from exercise_stubs import rejects_stubs

from medgan_course.exercises import nb07
from medgan_course.exercises.solutions.nb07 import class_weights, oversample, verdict


def test_class_weights_check():
    assert nb07.check_class_weights(class_weights).passed
    rejects_stubs(nb07.check_class_weights)

    def inverse_counts(labels):  # balances, but the mean weight is far from 1
        classes, counts = np.unique(labels, return_counts=True)
        return {int(c): 1.0 / n for c, n in zip(classes, counts)}

    def proportional(labels):  # the wrong way round: favours the majority
        classes, counts = np.unique(labels, return_counts=True)
        return {int(c): n / len(labels) for c, n in zip(classes, counts)}

    feedback = nb07.check_class_weights(inverse_counts)
    assert not feedback.passed and "average weight" in feedback.message
    feedback = nb07.check_class_weights(proportional)
    assert not feedback.passed and "1 / count" in feedback.message


def test_oversample_check():
    assert nb07.check_oversample(oversample).passed
    rejects_stubs(nb07.check_oversample)

    def undersample(labels, seed):
        rng = np.random.default_rng(seed)
        classes, counts = np.unique(labels, return_counts=True)
        return np.concatenate([rng.choice(np.flatnonzero(labels == c), counts.min(), replace=False)
                               for c in classes])

    def minority_twice(labels, seed):  # repeats the minority once: not balanced yet
        minority = np.argmin(np.bincount(labels))
        return np.r_[np.arange(len(labels)), np.flatnonzero(labels == minority)]

    feedback = nb07.check_oversample(undersample)
    assert not feedback.passed and "undersampling" in feedback.message
    feedback = nb07.check_oversample(minority_twice)
    assert not feedback.passed and "majority" in feedback.message


def test_verdict_check():
    assert nb07.check_verdict(verdict).passed
    rejects_stubs(nb07.check_verdict)

    def by_mean(differences):
        return "better" if np.mean(differences) > 0 else "worse"

    def by_majority_of_seeds(differences):
        better = np.sum(np.asarray(differences) > 0)
        return "better" if better >= 4 else "worse" if better <= 1 else "unclear"

    feedback = nb07.check_verdict(by_mean)
    assert not feedback.passed and "mean alone" in feedback.message
    assert not nb07.check_verdict(by_majority_of_seeds).passed
