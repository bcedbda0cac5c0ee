"""Checks for the exercises of notebooks/08_label_scarcity.ipynb.

1. `check_real_probability`: P(real) = Z / (Z + 1) from K class logits, without overflow.
2. `check_labelled_count`: how many images keep their labels at a fraction, at least one per class.
3. `check_helped_at`: read a table of paired differences; "helped" only where the interval says so.

NumPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises.core import checker, first_mismatch

# ------------------------------------------------------------------ 1. P(real) from K logits


def _reference_real_probability(logits):
    lse = np.logaddexp.reduce(np.asarray(logits, np.float64), axis=1)
    return 0.5 * (1.0 + np.tanh(lse / 2))  # sigmoid(logsumexp) = Z / (Z + 1), no overflow


_LOGIT_CASES = [
    ("two zero logits", np.array([[0.0, 0.0]])),
    ("a confident real image", np.array([[4.0, -2.0], [-2.0, 4.0]])),
    ("a confident fake image", np.array([[-6.0, -5.0]])),
    ("three classes", np.array([[1.0, 0.5, -1.0]])),
    ("huge logits (naive exp overflows)", np.array([[800.0, 10.0], [-800.0, -900.0]])),
]


@checker("P(real) from K logits")
def check_real_probability(real_probability):
    """`real_probability(logits (N, K)) -> (N,)` in [0, 1], equal to Z / (Z + 1)."""
    for name, logits in _LOGIT_CASES:
        got = real_probability(logits.copy())
        if got is None:
            return False, "your function returns None: return an (N,) array of probabilities."
        got = np.asarray(got, np.float64).reshape(-1)
        expected = _reference_real_probability(logits)
        if got.shape != expected.shape:
            return False, (f"for {name} return one probability per image {expected.shape}, "
                           f"got {got.shape}.")
        if not np.all(np.isfinite(got)):
            return False, (f"for {name} you return {got}: exp(800) overflows. Use logsumexp "
                           "(np.logaddexp.reduce) and a sigmoid: Z / (Z + 1) = sigmoid(log Z).")
        if not np.allclose(got, expected, atol=1e-6):
            hint = (" A softmax over the K logits alone always sums to 1: the fake class has a "
                    "logit of 0, so it adds exp(0) = 1 to the denominator."
                    if name == "two zero logits" else "")
            return False, (f"for {name} you return {np.round(got, 4)}, expected "
                           f"{np.round(expected, 4)} (Z = sum of exp(logits)).{hint}")
    return True, ("right, and stable: two zero logits give Z = 2, so P(real) = 2/3; the "
                  "discriminator's real-vs-fake logit is logsumexp of the K class logits.")


# ------------------------------------------------------------------ 2. labelled counts


def _reference_labelled_count(n_train, fraction, num_classes):
    return max(num_classes, int(round(fraction * n_train)))


_COUNT_CASES = [(546, 0.01, 2), (546, 0.05, 2), (546, 0.10, 2), (546, 1.0, 2), (100, 0.01, 3),
                (4708, 0.01, 2)]


@checker("Labels at a fraction")
def check_labelled_count(labelled_count):
    """`labelled_count(n_train, fraction, num_classes) -> int`: round(f * n), >= 1 per class."""
    mismatch = first_mismatch(labelled_count, _reference_labelled_count, _COUNT_CASES,
                              same=lambda got, expected: float(got) == int(got) == expected)
    if mismatch is not None:
        (n_train, fraction, num_classes), got, expected = mismatch
        if got is None:
            return False, "your function returns None: return an int."
        hint = (" Every class keeps at least one labelled image." if
                round(fraction * n_train) < num_classes else
                " Round fraction x n to the nearest integer (5.46 -> 5).")
        return False, (f"labelled_count({n_train}, {fraction}, {num_classes}) = {got!r}, "
                       f"expected {expected}.{hint}")
    return True, ("right: 1% of BreastMNIST's 546 training images is 5 labelled images (1 "
                  "malignant and 4 benign in a stratified draw), 5% is 27 and 10% is 55.")


# ------------------------------------------------------------------ 3. reading a table

#: An ILLUSTRATIVE table (not a measurement): fraction -> (mean, low, high, seeds better of 5)
#: of the per-seed paired AUC difference, SGAN minus supervised.
EXAMPLE_TABLE = {0.01: (0.045, -0.020, 0.110, 4), 0.05: (0.030, 0.008, 0.052, 5),
                 0.10: (-0.004, -0.030, 0.022, 2), 1.0: (-0.015, -0.028, -0.002, 0)}


@checker("Where did it help?")
def check_helped_at(helped_at):
    """`helped_at`: the fractions of EXAMPLE_TABLE where the SGAN clearly helped (low > 0)."""
    if helped_at is None:
        return False, "set helped_at to a list of fractions, e.g. [0.01]."
    try:
        chosen = sorted(float(f) for f in helped_at)
    except TypeError:
        return False, f"helped_at must be a list of fractions, got {helped_at!r}."
    expected = sorted(f for f, row in EXAMPLE_TABLE.items() if row[1] > 0)
    if chosen == expected:
        return True, ("right: only at 5% does the whole interval lie above 0. At 1% the mean "
                      "gain is the largest but the interval includes 0 (4 of 5 seeds is not "
                      "enough with this spread), and at 100% the SGAN was clearly worse.")
    if 0.01 in chosen:
        return False, ("0.01 has the largest mean, but its 95% interval [-0.020, +0.110] "
                       "includes 0: the seeds disagree too much to call it a gain.")
    if 1.0 in chosen or 0.10 in chosen:
        return False, "look at the sign of the interval's bounds: 'helped' needs low > 0."
    return False, f"you chose {chosen}; keep the fractions whose interval lies entirely above 0."
