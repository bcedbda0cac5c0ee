"""The checks of notebook 06 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np

from medgan_course.exercises import nb06
from medgan_course.exercises.solutions.nb06 import frechet_gaussians, my_slerp, precision_recall_reading

ANSWER = precision_recall_reading()


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub_function(*args):
    ...  # your code here


def raising_stub(*args):
    raise NotImplementedError


def test_frechet_accepts_the_solution_and_rejects_stubs():
    assert nb06.check_frechet_gaussians(frechet_gaussians).passed
    for stub in (stub_function, raising_stub, ...):
        feedback = nb06.check_frechet_gaussians(stub)
        assert not feedback.passed and feedback.message


def test_frechet_names_the_typical_mistakes():
    def no_sqrtm(mu1, s1, mu2, s2):
        return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(s1 + s2 - 2 * s1 @ s2))

    def means_only(mu1, s1, mu2, s2):
        return float((mu1 - mu2) @ (mu1 - mu2))

    def square_root(*args):
        return np.sqrt(frechet_gaussians(*args))

    for wrong, hint in ((no_sqrtm, "sqrtm"), (means_only, "covariances"), (square_root, "SQUARED")):
        feedback = nb06.check_frechet_gaussians(wrong)
        assert not feedback.passed and hint in feedback.message, feedback.message


def test_precision_recall_puzzle_has_the_advertised_structure():
    table = nb06.precision_recall_puzzle()
    assert min(table, key=lambda k: table[k].recall) == "B"
    assert min(table, key=lambda k: table[k].precision) == "C"
    assert table["B"].precision > 0.9 and table["A"].recall > 0.9


def test_precision_recall_reading():
    assert nb06.check_precision_recall_reading(ANSWER).passed
    assert not nb06.check_precision_recall_reading(...).passed
    swapped = nb06.check_precision_recall_reading({"mode_collapse": "C", "unrealistic": "B"})
    assert not swapped.passed and "recall" in swapped.message
    wrong_second = nb06.check_precision_recall_reading({"mode_collapse": "B", "unrealistic": "A"})
    assert not wrong_second.passed and "precision" in wrong_second.message
    assert "keys" in nb06.check_precision_recall_reading({"collapse": "B"}).message
    assert "one of" in nb06.check_precision_recall_reading({"mode_collapse": "D", "unrealistic": "C"}).message


def test_slerp_accepts_the_solution_and_rejects_stubs_and_lerp():
    assert nb06.check_slerp(my_slerp).passed
    for stub in (stub_function, raising_stub, ...):
        assert not nb06.check_slerp(stub).passed

    def linear(z0, z1, t):
        return (1 - t) * z0 + t * z1

    feedback = nb06.check_slerp(linear)
    assert not feedback.passed and "linear interpolation" in feedback.message

    def swapped_ends(z0, z1, t):
        return my_slerp(z1, z0, t)

    feedback = nb06.check_slerp(swapped_ends)
    assert not feedback.passed and "t=0 must give z0" in feedback.message
