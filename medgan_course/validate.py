"""Checked numbers: the one place the package says "must be a positive integer/number".

Pure Python (no numpy, no TensorFlow), so every layer can use it, the CLI's parser included.
`positive_int`, `non_negative_int` and `positive_number` check values that code passes; the
`*_arg` functions adapt them to argparse (`type=`), which hands over the command-line text.
"""

from __future__ import annotations

import argparse
import math
import numbers


def positive_int(name: str, value) -> int:
    """Returns `value` as an int if it is an integer >= 1 (bools are not integers here).

    Args:
        name: what the value is, for the message, e.g. "TimeBudget: batch_size".
        value: the value to check (numpy integers are accepted).

    Raises:
        ValueError: `value` is not an integer, or is < 1; the message names it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(name: str, value) -> int:
    """Returns `value` as an int if it is an integer >= 0 (e.g. a seed); bools are refused.

    Raises:
        ValueError: `value` is not an integer, or is negative; the message names it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def positive_number(name: str, value) -> float:
    """Returns `value` as a float if it is a real number > 0 (infinity allowed, NaN not).

    Infinity is allowed because "no limit" is a meaningful budget (e.g. a time budget of
    `math.inf` when only a step count stops training).

    Raises:
        ValueError: `value` is not a real number, is NaN, or is <= 0; the message names it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) \
            or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def positive_int_arg(text: str) -> int:
    """argparse `type=` adapter of `positive_int` (the text of a command-line value)."""
    try:
        return positive_int("the value", int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None


def non_negative_int_arg(text: str) -> int:
    """argparse `type=` adapter of `non_negative_int` (seeds)."""
    try:
        return non_negative_int("the value", int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None


def positive_number_arg(text: str) -> float:
    """argparse `type=` adapter of `positive_number` (the text of a command-line value)."""
    try:
        return positive_number("the value", float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
