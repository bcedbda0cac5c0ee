"""medgan_course.validate: the package's one wording of "must be a positive integer/number"."""

import argparse
import math
import subprocess
import sys

import numpy as np
import pytest

from medgan_course.validate import (
    non_negative_int,
    non_negative_int_arg,
    positive_int,
    positive_int_arg,
    positive_number,
    positive_number_arg,
)


@pytest.mark.parametrize("value", [1, 7, np.int64(3), 10**12])
def test_positive_int_accepts_integers_from_one(value):
    assert positive_int("n", value) == value and type(positive_int("n", value)) is int


@pytest.mark.parametrize("value", [0, -1, True, 2.0, "3", None, np.float32(1)])
def test_positive_int_rejects_everything_else_naming_the_value(value):
    with pytest.raises(ValueError, match=r"^Thing: n must be a positive integer, got "):
        positive_int("Thing: n", value)


@pytest.mark.parametrize("value", [0.5, 3, np.float64(2.5), math.inf])
def test_positive_number_accepts_positive_reals_and_infinity(value):
    assert positive_number("s", value) == float(value)


@pytest.mark.parametrize("value", [0, -0.1, math.nan, -math.inf, False, "1", None])
def test_positive_number_rejects_everything_else(value):
    with pytest.raises(ValueError, match="seconds must be a positive number"):
        positive_number("seconds", value)


def test_non_negative_int_accepts_zero_for_seeds():
    assert non_negative_int("seed", 0) == 0 and non_negative_int("seed", np.uint8(3)) == 3
    for value in (-1, True, 1.0):
        with pytest.raises(ValueError, match="seed must be a non-negative integer"):
            non_negative_int("seed", value)


def test_argparse_adapters_parse_text_and_report_it():
    assert positive_int_arg("12") == 12 and positive_number_arg("0.25") == 0.25
    assert non_negative_int_arg("0") == 0
    for adapter, text in [(positive_int_arg, "0"), (positive_int_arg, "1.5"),
                          (non_negative_int_arg, "-2"),
                          (positive_int_arg, "x"), (positive_number_arg, "-1"),
                          (positive_number_arg, "nan")]:
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
            adapter(text)


def test_validate_imports_neither_numpy_nor_tensorflow():
    script = "import sys, medgan_course.validate; print(sorted({'numpy', 'tensorflow'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
