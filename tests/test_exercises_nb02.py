"""Tests of the exercise checks of notebooks/02_gan_theory.ipynb: each accepts the reference
solution (`exercises.solutions.nb02`, which the
notebook shows), rejects the unsolved stub and typical wrong answers."""

import math

from medgan_course.exercises import nb02
from medgan_course.exercises.solutions.nb02 import optimal_discriminator_mine as optimal_discriminator
from medgan_course.exercises.solutions.nb02 import saturation, v_star_and_jsd


# ------------------------------------------------------------------------- exercise 1
def test_optimal_discriminator_accepts_the_solution():
    feedback = nb02.check_optimal_discriminator(optimal_discriminator)
    assert feedback.passed, feedback.message
    assert feedback.exercise == "optimal discriminator"


def test_optimal_discriminator_rejects_stubs():
    def returns_none(p_data, p_g):
        ...  # your code here

    def raises(p_data, p_g):
        raise NotImplementedError

    for stub in (..., returns_none, raises):
        feedback = nb02.check_optimal_discriminator(stub)
        assert not feedback.passed
    assert "None" in nb02.check_optimal_discriminator(returns_none).message
    assert "not attempted" in nb02.check_optimal_discriminator(raises).message


def test_optimal_discriminator_rejects_swapped_roles():
    feedback = nb02.check_optimal_discriminator(lambda p_data, p_g: 1 - optimal_discriminator(p_data, p_g))
    assert not feedback.passed and "swapped" in feedback.message


def test_optimal_discriminator_rejects_nan_at_zero_over_zero():
    def naive(p_data, p_g):
        return p_data / (p_data + p_g)

    feedback = nb02.check_optimal_discriminator(naive)
    assert not feedback.passed and "0.5" in feedback.message


def test_optimal_discriminator_rejects_a_wrong_formula():
    feedback = nb02.check_optimal_discriminator(lambda p_data, p_g: p_data / (p_data + 2 * p_g + 1e-9))
    assert not feedback.passed and "p_data / (p_data + p_g)" in feedback.message


# ------------------------------------------------------------------------- exercise 2
def test_v_star_and_jsd_accepts_the_solution_and_the_identity_holds():
    v_star, jsd = v_star_and_jsd()
    assert math.isclose(v_star, -math.log(4) + 2 * jsd)
    feedback = nb02.check_v_star_and_jsd(v_star, jsd)
    assert feedback.passed, feedback.message


def test_v_star_and_jsd_rejects_stubs_and_wrong_answers():
    v_star, jsd = v_star_and_jsd()
    assert "not attempted" in nb02.check_v_star_and_jsd(..., ...).message
    assert not nb02.check_v_star_and_jsd(None, jsd).passed
    bits = nb02.check_v_star_and_jsd(v_star, jsd / math.log(2))
    assert not bits.passed and "bits" in bits.message
    nan = nb02.check_v_star_and_jsd(float("nan"), jsd)
    assert not nan.passed and "0 * log 0" in nan.message
    wrong_v = nb02.check_v_star_and_jsd(v_star + 0.1, jsd)
    assert not wrong_v.passed and "V(D*, G) is off" in wrong_v.message
    wrong_jsd = nb02.check_v_star_and_jsd(v_star, jsd + 0.05)
    assert not wrong_jsd.passed and "JSD is off" in wrong_jsd.message


# ------------------------------------------------------------------------- exercise 3
def test_saturation_accepts_the_solution():
    feedback = nb02.check_saturation(*saturation())
    assert feedback.passed, feedback.message


def test_saturation_rejects_stubs_and_wrong_answers():
    minimax, non_saturating, _ = saturation()
    assert "not attempted" in nb02.check_saturation(..., ..., ...).message
    assert not nb02.check_saturation(None, non_saturating, "minimax").passed
    sign = nb02.check_saturation(-minimax, non_saturating, "minimax")
    assert not sign.passed and "sign" in sign.message
    swapped = nb02.check_saturation(non_saturating, minimax, "minimax")
    assert not swapped.passed and "derivative" in swapped.message
    wrong_name = nb02.check_saturation(minimax, non_saturating, "non_saturating")
    assert not wrong_name.passed and "compare their sizes" in wrong_name.message


def test_checks_do_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, medgan_course.exercises.nb02; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
