"""Checks for the exercises of notebooks/00_welcome_and_setup.ipynb.

1. `check_image_shape`: the shape of a dataset's training images, (N, H, W, C).
2. `check_to_display`: model range [-1, 1] -> display range [0, 1].
3. `check_to_model`: display range [0, 1] -> model range [-1, 1], and the round trip.

NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises.core import array_answer, checker

_PROBE_MODEL = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float32)  # model range
_PROBE_DISPLAY = np.array([0.0, 0.25, 0.5, 0.75, 1.0], dtype=np.float32)  # the same, for display


def _as_shape(answer):
    """`answer` as a tuple of ints, or None when it is not a shape."""
    if isinstance(answer, (str, bytes)):
        return None
    try:
        shape = tuple(int(n) for n in answer)
    except (TypeError, ValueError):
        return None
    return shape if all(n == m for n, m in zip(shape, answer)) else None


@checker("image shape")
def check_image_shape(answer, dataset):
    """Accepts `dataset.train.images.shape`, given as a tuple or list of 4 ints.

    Args:
        answer: the learner's (N, H, W, C).
        dataset: the ImageDataset the notebook loaded.
    """
    expected = tuple(dataset.train.images.shape)
    shape = _as_shape(answer)
    if shape is None:
        return False, (f"expected a tuple of 4 integers such as (N, H, W, C); got "
                       f"{type(answer).__name__} {answer!r}. Arrays have a `.shape` attribute.")
    if shape == expected:
        return True, (f"{expected[0]} training images of {expected[1]}x{expected[2]} pixels with "
                      f"{expected[3]} channel(s): (N, H, W, C), the layout every model here uses.")
    if shape == expected[1:]:
        return False, "that is the shape of ONE image; put the number of images N first."
    for split in ("val", "test"):
        if shape == tuple(dataset.split(split).images.shape):
            return False, f"that is the {split} split's shape; the exercise asks for the training split."
    if len(shape) != 4:
        return False, f"images are stored as (N, H, W, C): 4 numbers, you gave {len(shape)}."
    return False, f"{shape} is not the training images' shape; look at dataset.train.images.shape."


def _converted(function, probe):
    """`function(probe)` as a float64 array, or a message saying what is wrong with it."""
    return array_answer(function(probe.copy()), probe.shape)


@checker("model range -> display range")
def check_to_display(to_display):
    """Accepts a function mapping [-1, 1] to [0, 1] linearly ((x + 1) / 2), shape kept.

    Args:
        to_display: the learner's function; called on a float32 array.
    """
    result, problem = _converted(to_display, _PROBE_MODEL)
    if result is None:
        return False, problem
    if np.allclose(result, _PROBE_DISPLAY, atol=1e-5):
        return True, "-1 (black) -> 0, 0 -> 0.5, 1 (white) -> 1: ready for plt.imshow(..., vmin=0, vmax=1)."
    if np.allclose(result, _PROBE_MODEL / 2.0, atol=1e-5):
        return False, "your output runs from -0.5 to 0.5: shift by +1 before halving."
    if np.allclose(result, _PROBE_MODEL + 1.0, atol=1e-5):
        return False, "your output runs from 0 to 2: after adding 1, divide by 2."
    return False, (f"for inputs {_PROBE_MODEL.tolist()} you return {np.round(result, 3).tolist()}; "
                   f"expected {_PROBE_DISPLAY.tolist()}. Which linear map sends -1 to 0 and 1 to 1?")


@checker("display range -> model range")
def check_to_model(to_model, to_display=None):
    """Accepts a function mapping [0, 1] to [-1, 1] linearly (2x - 1), shape kept.

    Args:
        to_model: the learner's function; called on a float32 array.
        to_display: optional; when given (and working), the round trip is checked as well.
    """
    result, problem = _converted(to_model, _PROBE_DISPLAY)
    if result is None:
        return False, problem
    if np.allclose(result, _PROBE_DISPLAY * 2.0, atol=1e-5):
        return False, "your output runs from 0 to 2: subtract 1 after doubling."
    if np.allclose(result, _PROBE_DISPLAY - 1.0, atol=1e-5):
        return False, "your output runs from -1 to 0: double before subtracting 1."
    if not np.allclose(result, _PROBE_MODEL, atol=1e-5):
        return False, (f"for inputs {_PROBE_DISPLAY.tolist()} you return "
                       f"{np.round(result, 3).tolist()}; expected {_PROBE_MODEL.tolist()}.")
    if to_display is None:
        return True, "0 -> -1, 0.5 -> 0, 1 -> 1: the range of the generator's tanh output."
    if _round_trip_ok(to_display, result):
        return True, "0 -> -1, 0.5 -> 0, 1 -> 1, and to_display(to_model(x)) gives x back."
    return True, ("to_model is right, but to_display(to_model(x)) does not give x back: "
                  "Exercise 2's to_display needs another look.")


def _round_trip_ok(to_display, model_values):
    """Whether `to_display` maps `model_values` back to the display probe (never raises)."""
    try:
        back = np.asarray(to_display(np.asarray(model_values, np.float32)), dtype=np.float64)
    except Exception:  # an unsolved Exercise 2 must not hide a solved Exercise 3
        return False
    return back.shape == _PROBE_DISPLAY.shape and np.allclose(back, _PROBE_DISPLAY, atol=1e-5)
