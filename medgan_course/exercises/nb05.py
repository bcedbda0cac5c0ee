"""Checks for the exercises of notebooks/05_when_training_fails.ipynb.

1. `check_d_accuracy`: the discriminator's balanced accuracy from its logits.
2. `check_logit_gradients`: d g_loss / d logit of the minimax and the non-saturating losses.
3. `check_diagnosis`: name the failure behind four illustrative runs' numbers.
4. `check_remedy`: pick a remedy for each failure.

Importing this module imports no TensorFlow (the checks use NumPy only).
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises.core import checker

# ------------------------------------------------------------------ 1. D accuracy from logits


def _accuracy_cases():
    """(real_logits, fake_logits) cases; the last has 4x more fakes than real images."""
    rng = np.random.default_rng(5)
    return [(rng.normal(1.0, 2.0, 64), rng.normal(-1.0, 2.0, 64)),
            (rng.normal(6.0, 1.0, 32), rng.normal(-6.0, 1.0, 32)),
            (rng.normal(0.5, 1.0, 16), rng.normal(0.5, 1.0, 64))]


def _reference_accuracy(real, fake):
    return 0.5 * (np.mean(real > 0) + np.mean(fake < 0))


@checker("discriminator accuracy from logits")
def check_d_accuracy(d_accuracy):
    """`d_accuracy(real_logits (N,), fake_logits (M,)) -> float`: mean of the per-side accuracies."""
    for real, fake in _accuracy_cases():
        got = d_accuracy(real.copy(), fake.copy())
        if got is None:
            return False, "your function returns None: return the accuracy as a float."
        got = float(np.asarray(got))
        expected = _reference_accuracy(real, fake)
        if np.isclose(got, expected, atol=1e-9):
            continue
        pooled = (np.sum(real > 0) + np.sum(fake < 0)) / (len(real) + len(fake))
        if np.isclose(got, pooled):
            return False, ("with 16 real and 64 fake logits, pooling all 80 lets the fakes "
                           "dominate: average the real-side and the fake-side accuracies.")
        if np.isclose(got, 0.5 * (np.mean(real > 0) + np.mean(fake > 0))):
            return False, ("a fake is classified correctly when its logit is NEGATIVE "
                           "(D says 'fake'); you counted positive fake logits as right.")
        if np.isclose(got, 0.5 * (np.mean(real > 0.5) + np.mean(fake < 0.5))):
            return False, ("these are logits, not probabilities: the threshold is 0 "
                           "(sigmoid(0) = 0.5), not 0.5.")
        return False, (f"expected {expected:.3f}, got {got:.3f}: a real image is right when its "
                       "logit > 0, a fake when its logit < 0; average the two fractions.")
    return True, ("right: 0.5 means D cannot tell real from fake; near 1.0 for hundreds of "
                  "steps means it has overpowered the generator.")


# ------------------------------------------------------------------ 2. Gradients w.r.t. the logit


_LOGITS = np.array([-8.0, -4.0, -1.0, 0.0, 1.0, 4.0])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@checker("the generator's gradient through the logit")
def check_logit_gradients(minimax_grad, non_saturating_grad):
    """Each function maps fake logits `(N,)` -> d g_loss_i / d logit_i `(N,)` (per sample)."""
    answers = {}
    for name, fn in (("minimax_grad", minimax_grad), ("non_saturating_grad", non_saturating_grad)):
        got = fn(_LOGITS.copy())
        if got is None:
            return False, f"{name} returns None: return an array of derivatives."
        got = np.asarray(got, np.float64).reshape(-1)
        if got.shape != _LOGITS.shape:
            return False, f"{name}: return one derivative per logit ({len(_LOGITS)} values)."
        answers[name] = got
    minimax, non_sat = -_sigmoid(_LOGITS), -_sigmoid(-_LOGITS)
    for name, expected in (("minimax_grad", minimax), ("non_saturating_grad", non_sat)):
        got = answers[name]
        if np.allclose(got, expected, atol=1e-6):
            continue
        if np.allclose(got, -expected, atol=1e-6):
            return False, (f"{name}: the sign is flipped. The generator's loss FALLS as the "
                           "logit rises (D finds the fake more real), so the derivative is < 0.")
        other = non_sat if name == "minimax_grad" else minimax
        if np.allclose(got, other, atol=1e-6):
            return False, (f"{name}: this is the other loss's derivative. minimax: "
                           "g_loss = log(1 - sigmoid(l)); non-saturating: -log sigmoid(l).")
        return False, (f"{name}: at logit -8 expected {expected[0]:.4f}, got {got[0]:.4f}. "
                       "Use d/dl log sigmoid(l) = 1 - sigmoid(l) = sigmoid(-l).")
    return True, ("right: at logit -8 (D is sure the fake is fake) the minimax gradient is "
                  f"{minimax[0]:.4f} and the non-saturating one {non_sat[0]:.4f}: the first "
                  "has vanished exactly when the generator needs a signal.")


# ------------------------------------------------------------------ 3. Diagnose four runs

#: The failures of notebook 05, plus a healthy run.
LABELS = ("vanishing gradients", "overpowering discriminator", "mode collapse", "oscillation",
          "healthy")
_SYNONYMS = {"vanishing": "vanishing gradients", "vanishing gradient": "vanishing gradients",
             "overpowering": "overpowering discriminator",
             "strong discriminator": "overpowering discriminator", "collapse": "mode collapse",
             "oscillating": "oscillation", "oscillations": "oscillation"}
#: Illustrative numbers of the kind the notebook's runs print (not a measurement).
CASES = {
    "A": {"loss": "minimax", "d_accuracy": 1.00, "g_grad_norm_start": 3.8,
          "g_grad_norm_end": 0.004, "distinct_fraction": 0.55, "g_loss_oscillation": 0.02},
    "B": {"loss": "non_saturating", "d_accuracy": 0.55, "g_grad_norm_start": 5.2,
          "g_grad_norm_end": 3.1, "distinct_fraction": 0.12, "g_loss_oscillation": 0.05},
    "C": {"loss": "non_saturating", "d_accuracy": 0.99, "g_grad_norm_start": 5.2,
          "g_grad_norm_end": 60.0, "distinct_fraction": 0.60, "g_loss_oscillation": 0.4,
          "g_loss_trend": "rises from 1.4 to 6"},
    "D": {"loss": "non_saturating", "d_accuracy": 0.70, "g_grad_norm_start": 5.2,
          "g_grad_norm_end": 30.0, "distinct_fraction": 0.58, "g_loss_oscillation": 1.6,
          "g_loss_trend": "swings between 4 and 9 for hundreds of steps"},
}
_ANSWERS = {"A": "vanishing gradients", "B": "mode collapse", "C": "overpowering discriminator",
            "D": "oscillation"}
_WHY = {"vanishing gradients": "minimax loss, D always right, and G's gradient 1,000x smaller",
        "mode collapse": "D is not winning and the gradient is fine, but the samples hit few "
                         "distinct real images",
        "overpowering discriminator": "D is right 99% of the time and G's loss keeps rising "
                                      "(the non-saturating loss does not vanish: it explodes)",
        "oscillation": "the smoothed loss keeps swinging instead of settling"}


def _normalise(label):
    label = str(label).strip().lower().replace("-", " ").replace("_", " ")
    return _SYNONYMS.get(label, label)


@checker("diagnose four runs")
def check_diagnosis(answers):
    """`answers`: dict case ("A".."D") -> one of `LABELS`."""
    if not isinstance(answers, dict):
        return False, "answer with a dict such as {'A': 'mode collapse', ...}."
    missing = [case for case in CASES if case not in answers]
    if missing:
        return False, f"label every case; missing: {', '.join(missing)}."
    for case, expected in _ANSWERS.items():
        label = answers[case]
        if label is Ellipsis:
            return False, f"case {case} is still `...`."
        got = _normalise(label)
        if got not in LABELS:
            return False, f"case {case}: {label!r} is not one of {LABELS}."
        if got != expected:
            return False, (f"case {case} is not {got!r}. Look again at which number is far "
                           "from a healthy run's.")
    return True, "right: " + "; ".join(f"{c}: {_ANSWERS[c]} ({_WHY[_ANSWERS[c]]})" for c in "ABCD")


# ------------------------------------------------------------------ 4. Pick a remedy

#: Remedies the learner may pick from (the arms of bench/remedies.py, and two more knobs).
REMEDIES = ("non-saturating", "two-time-scale", "label-smoothing", "spectral-norm", "hinge",
            "wgan-gp", "diffaugment", "ema", "lower learning rates", "slower discriminator")
_GOOD = {
    "vanishing gradients": {"non-saturating", "hinge", "wgan-gp"},
    "overpowering discriminator": {"slower discriminator", "label-smoothing", "diffaugment",
                                   "spectral-norm", "wgan-gp"},
    "oscillation": {"lower learning rates", "ema", "spectral-norm", "wgan-gp"},
}
_WRONG_HINT = {
    ("vanishing gradients", "two-time-scale"): "a faster discriminator makes the minimax "
                                               "gradient vanish even sooner",
    ("overpowering discriminator", "two-time-scale"): "the two time-scale rule as used here "
                                                      "speeds the discriminator UP",
    ("overpowering discriminator", "non-saturating"): "the non-saturating loss is what "
                                                      "explodes when D wins; it does not slow D",
    ("oscillation", "two-time-scale"): "a higher discriminator rate adds to the swinging",
    ("vanishing gradients", "ema"): "averaging G's weights does not give G a gradient",
    ("vanishing gradients", "diffaugment"): "augmentation does not change the loss's "
                                            "saturation",
}


@checker("pick a remedy")
def check_remedy(choices):
    """`choices`: dict failure -> one of `REMEDIES` for the three failures in `_GOOD`."""
    if not isinstance(choices, dict):
        return False, "answer with a dict such as {'vanishing gradients': '...', ...}."
    for failure, good in _GOOD.items():
        if failure not in choices:
            return False, f"pick a remedy for {failure!r} too."
        choice = choices[failure]
        if choice is Ellipsis:
            return False, f"{failure!r} is still `...`."
        choice = str(choice).strip().lower().replace("_", "-")
        if choice not in REMEDIES:
            return False, f"{failure}: {choice!r} is not one of {REMEDIES}."
        if choice not in good:
            hint = _WRONG_HINT.get((failure, choice), "it does not act on this failure's cause")
            return False, f"{failure}: not {choice!r}: {hint}."
    return True, ("reasonable choices. Whether a remedy pays off on YOUR data and budget is a "
                  "measurement: section 7 shows several that did not, here.")
