"""The checks of notebook 08 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import sys

import numpy as np
from exercise_stubs import rejects_stubs

from medgan_course.exercises import nb08
from medgan_course.exercises.solutions.nb08 import helped_at, labelled_count, real_probability


def test_real_probability_check():
    assert nb08.check_real_probability(real_probability).passed
    rejects_stubs(nb08.check_real_probability)

    def softmax_max(logits):  # forgets the fake class: a softmax over K sums to 1
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).max(axis=1)

    feedback = nb08.check_real_probability(softmax_max)
    assert not feedback.passed and "fake class" in feedback.message

    def naive(logits):  # right formula, overflows at exp(800)
        z = np.exp(logits).sum(axis=1)
        return z / (z + 1)

    with np.errstate(over="ignore", invalid="ignore"):
        feedback = nb08.check_real_probability(naive)
    assert not feedback.passed and "logsumexp" in feedback.message


def test_labelled_count_check():
    assert nb08.check_labelled_count(labelled_count).passed
    assert "27" in nb08.check_labelled_count(labelled_count).message
    rejects_stubs(nb08.check_labelled_count)
    feedback = nb08.check_labelled_count(lambda n, f, k: int(f * n))  # truncates, no minimum
    assert not feedback.passed and "expected" in feedback.message
    feedback = nb08.check_labelled_count(lambda n, f, k: round(f * n))  # forgets the minimum
    assert not feedback.passed and "at least one" in feedback.message


def test_helped_at_check():
    assert helped_at() == [0.05]
    assert nb08.check_helped_at(helped_at()).passed
    assert not nb08.check_helped_at(...).passed
    feedback = nb08.check_helped_at([0.01, 0.05])  # picked by the mean
    assert not feedback.passed and "includes 0" in feedback.message
    assert not nb08.check_helped_at([0.05, 1.0]).passed
    assert not nb08.check_helped_at([]).passed
    assert not nb08.check_helped_at(None).passed


def test_importing_the_checks_imports_no_tensorflow():
    assert nb08.__name__ in sys.modules
    import subprocess

    code = "import sys, medgan_course.exercises.nb08; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
