"""The checks of notebook 00 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np
import pytest

from medgan_course.data import make_phantoms
from medgan_course.exercises import nb00
from medgan_course.exercises.solutions.nb00 import image_shape, to_display, to_model


@pytest.fixture(scope="module")
def dataset():
    return make_phantoms(n_train=40, image_size=16, seed=0)


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub(images):
    ...  # your code here


def raising_stub(images):
    raise NotImplementedError


def test_image_shape_accepts_the_solution_and_rejects_the_stub(dataset):
    answer = image_shape(dataset)
    feedback = nb00.check_image_shape(answer, dataset)
    assert feedback.passed and "training images" in feedback.message
    assert nb00.check_image_shape(list(answer), dataset).passed
    unsolved = nb00.check_image_shape(..., dataset)
    assert not unsolved.passed and "not attempted" in unsolved.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda d: d.train.images.shape[1:], "ONE image"),
    (lambda d: d.test.images.shape, "test split"),
    (lambda d: (1, 2, 3), "4 numbers"),
    (lambda d: "546, 28, 28, 1", "tuple of 4 integers"),
    (lambda d: (d.train.images.shape[0] + 1, *d.train.images.shape[1:]), "not the training"),
])
def test_image_shape_names_typical_mistakes(dataset, wrong, hint):
    feedback = nb00.check_image_shape(wrong(dataset), dataset)
    assert not feedback.passed and hint in feedback.message


def test_to_display_accepts_the_solution_and_the_package_function():
    from medgan_course.data import to_display_range

    assert nb00.check_to_display(to_display).passed
    assert nb00.check_to_display(to_display_range).passed


@pytest.mark.parametrize("unsolved", [stub, raising_stub, ...])
def test_conversions_reject_stubs(unsolved):
    for check in (nb00.check_to_display, nb00.check_to_model):
        feedback = check(unsolved)
        assert not feedback.passed and feedback.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: x / 2.0, "-0.5 to 0.5"),
    (lambda x: x + 1.0, "0 to 2"),
    (lambda x: (x + 1.0) / 255.0, "Which linear map"),
    (lambda x: ((x + 1.0) / 2.0)[:2], "keep the input's shape"),
])
def test_to_display_names_typical_mistakes(wrong, hint):
    feedback = nb00.check_to_display(wrong)
    assert not feedback.passed and hint in feedback.message


def test_to_model_accepts_the_solution_and_checks_the_round_trip():
    feedback = nb00.check_to_model(to_model, to_display)
    assert feedback.passed and "gives x back" in feedback.message
    assert nb00.check_to_model(to_model).passed
    # A solved Exercise 3 passes even when Exercise 2 is still a stub, but says so.
    feedback = nb00.check_to_model(to_model, raising_stub)
    assert feedback.passed and "Exercise 2" in feedback.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: x * 2.0, "subtract 1"),
    (lambda x: x - 1.0, "double before"),
    (lambda x: x * 255.0, "expected"),
])
def test_to_model_names_typical_mistakes(wrong, hint):
    feedback = nb00.check_to_model(wrong)
    assert not feedback.passed and hint in feedback.message


def test_checks_do_not_change_the_probe_arrays():
    def in_place(images):
        images += 1.0
        images /= 2.0
        return images

    assert nb00.check_to_display(in_place).passed
    assert nb00.check_to_display(in_place).passed  # the module's probes were copied
    np.testing.assert_array_equal(nb00._PROBE_MODEL, [-1.0, -0.5, 0.0, 0.5, 1.0])
