"""The checks of notebook 03 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import pytest

pytest.importorskip("keras")

import keras

from medgan_course.exercises import nb03
from medgan_course.exercises.solutions.nb03 import (
    build_small_discriminator,
    conv_params,
    conv_transpose_output_size,
)


# ----------------------------------------------------------------- stubs as the notebook shows them
def stub(*args):
    ...  # your code here


def raising_stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check, solution", [
    (nb03.check_conv_transpose_size, conv_transpose_output_size),
    (nb03.check_conv_params, conv_params),
    (nb03.check_small_discriminator, build_small_discriminator),
])
def test_checks_accept_the_solution_and_reject_stubs(check, solution):
    assert check(solution).passed, check(solution).message
    for unsolved in (stub, raising_stub, ...):
        feedback = check(unsolved)
        assert not feedback.passed and feedback.message


def test_transpose_size_names_the_padding_mistake():
    feedback = nb03.check_conv_transpose_size(lambda s, k, st, p: (s - 1) * st + k)
    assert not feedback.passed and "'same'" in feedback.message and "Keras gives 7" in feedback.message
    feedback = nb03.check_conv_transpose_size(lambda s, k, st, p: s * st)
    assert not feedback.passed and "'valid'" in feedback.message


def test_reference_sizes_are_keras_sizes():
    # The article's generator: 7 -> 7 -> 14 -> 28.
    assert [nb03.keras_transpose_size(*case) for case in nb03.TRANSPOSE_CASES[:3]] == [7, 14, 28]
    for case in nb03.TRANSPOSE_CASES:
        assert nb03.keras_transpose_size(*case) == conv_transpose_output_size(*case)


def test_conv_params_names_the_bias_and_channel_mistakes():
    feedback = nb03.check_conv_params(lambda k, c, f, b: k * k * c * f + f)
    assert not feedback.passed and "use_bias=False" in feedback.message
    feedback = nb03.check_conv_params(lambda k, c, f, b: k * k * f + (f if b else 0))
    assert not feedback.passed and "EVERY input channel" in feedback.message


def _variant(*, batch_norm=False, filters=(32, 64), slope=0.2, activation=None):
    layers = keras.layers
    stack = [keras.Input((28, 28, 1))]
    for f in filters:
        stack.append(layers.Conv2D(f, 4, strides=2, padding="same"))
        if batch_norm:
            stack.append(layers.BatchNormalization())
        stack.append(layers.LeakyReLU(negative_slope=slope))
    stack += [layers.Flatten(), layers.Dense(1, activation=activation)]
    return lambda: keras.Sequential(stack)


@pytest.mark.parametrize("wrong, expected", [
    (_variant(batch_norm=True), "BatchNormalization"),
    (_variant(filters=(64, 128)), "32 then 64 filters"),
    (_variant(slope=0.3), "LeakyReLU"),
    (_variant(activation="sigmoid"), "logits"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(2)]), "(3, 1)"),
])
def test_small_discriminator_names_what_departs_from_the_spec(wrong, expected):
    feedback = nb03.check_small_discriminator(wrong)
    assert not feedback.passed and expected in feedback.message, feedback.message


def test_spec_is_the_course_discriminator_trunk_without_spectral_norm():
    from medgan_course.models import build_discriminator

    course = build_discriminator(28, 1, base_filters=32, spectral_norm=False, batch_norm=False)
    assert course.count_params() == nb03.SMALL_DISCRIMINATOR_PARAMS == 36_513
