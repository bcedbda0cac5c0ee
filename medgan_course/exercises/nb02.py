"""Checks for the exercises of notebooks/02_gan_theory.ipynb (NumPy only, no TensorFlow).

1. `check_optimal_discriminator`: implement D*(x) = p_data / (p_data + p_g).
2. `check_v_star_and_jsd`: compute V(D*, G) and JSD for two discrete distributions.
3. `check_saturation`: the generator losses' gradients at a logit where D rejects the fake.
"""

from __future__ import annotations

import math

import numpy as np

from medgan_course.exercises.core import checker

#: Exercise 2's distributions over four bins (the notebook prints the same arrays).
P_DATA = np.array([0.1, 0.4, 0.4, 0.1])
P_G = np.array([0.5, 0.3, 0.2, 0.0])
#: Exercise 3's logit: D(G(z)) = sigmoid(-6) ≈ 0.0025, D is sure the sample is fake.
SATURATION_LOGIT = -6.0


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _reference_d_star(p_data, p_g):
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def _sum_p_log(p, values):
    """Σ p·log(values) over the bins where p > 0 (0·log 0 = 0)."""
    where = p > 0
    return float(np.sum(p[where] * np.log(values[where])))


def reference_v_star_and_jsd(p_data=P_DATA, p_g=P_G):
    """(V(D*, G), JSD(p_data || p_g)) in nats for discrete distributions: the expected answer."""
    d = _reference_d_star(p_data, p_g)
    m = 0.5 * (p_data + p_g)
    v = _sum_p_log(p_data, d) + _sum_p_log(p_g, 1.0 - d)
    jsd = 0.5 * _sum_p_log(p_data, p_data / np.where(m > 0, m, 1.0)) \
        + 0.5 * _sum_p_log(p_g, p_g / np.where(m > 0, m, 1.0))
    return v, jsd


@checker("optimal discriminator")
def check_optimal_discriminator(fn):
    """`fn(p_data, p_g)` must return D* elementwise, and 0.5 where both densities are 0."""
    rng = np.random.default_rng(2)
    p_data, p_g = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    p_data[:5] = 0.0
    p_g[5:10] = 0.0
    p_data[10:12] = p_g[10:12] = 0.0
    expected = _reference_d_star(p_data, p_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        answer = fn(p_data.copy(), p_g.copy())
    if answer is None:
        return False, "your function returned None: did you forget `return`?"
    answer = np.asarray(answer, dtype=np.float64)
    if answer.shape != expected.shape:
        return False, f"expected one value per point, shape {expected.shape}; got {answer.shape}."
    if np.allclose(answer, 1.0 - expected, equal_nan=True) and not np.allclose(answer, expected):
        return False, ("the roles are swapped: D(x) is the probability that x is REAL, so it "
                       "must be near 1 where p_data is large and p_g small.")
    ok = ~((p_data == 0) & (p_g == 0))
    if not np.allclose(answer[ok], expected[ok], atol=1e-9):
        return False, "not p_data / (p_data + p_g) at every point where one density is > 0."
    if not np.allclose(answer[~ok], 0.5):
        return False, ("correct where the densities are positive, but where p_data = p_g = 0 "
                       "(0/0) return 0.5: no sample ever lands there, so D is free, and "
                       "1/2 keeps the output finite (np.divide(..., where=...) helps).")
    return True, ("D* = p_data / (p_data + p_g): 1 where only real data lives, 0 where only "
                  "fakes do, 1/2 wherever the two densities agree.")


@checker("V(D*, G) and JSD")
def check_v_star_and_jsd(v_star, jsd):
    """`v_star` and `jsd` (floats, nats) for `P_DATA` and `P_G`; the identity must hold."""
    expected_v, expected_jsd = reference_v_star_and_jsd()
    if v_star is None or jsd is None:
        return False, "set both `v_star` and `jsd` to numbers."
    v_star, jsd = float(v_star), float(jsd)
    if math.isnan(v_star) or math.isnan(jsd):
        return False, ("a NaN: P_G has a bin with probability 0, and 0 * log 0 must count as 0 "
                       "(sum only over bins where the probability is > 0).")
    problems = []
    if not math.isclose(jsd, expected_jsd, abs_tol=1e-6):
        if math.isclose(jsd, expected_jsd / math.log(2), abs_tol=1e-6):
            return False, "JSD is in bits (log base 2); the identity uses natural logs (np.log)."
        problems.append("JSD is off: ½ KL(p_data || m) + ½ KL(p_g || m) with m = (p_data + p_g)/2")
    if not math.isclose(v_star, expected_v, abs_tol=1e-6):
        problems.append("V(D*, G) is off: Σ p_data log D* + Σ p_g log(1 - D*) with D* from "
                        "exercise 1")
    if problems:
        return False, "; ".join(problems) + "."
    return True, (f"V(D*, G) = {v_star:.4f} = -log 4 + 2·JSD = {-math.log(4) + 2 * jsd:.4f}: "
                  "the discriminator's best value measures how far p_g is from p_data.")


@checker("which loss saturates")
def check_saturation(minimax_grad, non_saturating_grad, saturating_loss):
    """Derivatives w.r.t. the logit l = -6 of log(1 - sigmoid(l)) and -log sigmoid(l)."""
    l = SATURATION_LOGIT  # noqa: E741  the lesson calls the logit l
    expected = {"minimax": -_sigmoid(l), "non_saturating": -_sigmoid(-l)}
    given = {"minimax": minimax_grad, "non_saturating": non_saturating_grad}
    for name, value in given.items():
        if value is None:
            return False, f"set `{name}_grad` to a number."
        if not math.isclose(float(value), expected[name], rel_tol=1e-3, abs_tol=1e-6):
            if math.isclose(float(value), -expected[name], rel_tol=1e-3):
                return False, (f"{name}: the right size but the wrong sign; both losses "
                               "FALL as the logit rises, so both derivatives are negative.")
            return False, (f"{name}: not the derivative at l = {l:g}. Write the loss with "
                           "s = sigmoid(l) and use ds/dl = s(1 - s).")
    if saturating_loss != "minimax":
        return False, ("the derivatives are right; now compare their sizes: which loss gives "
                       "the generator almost no gradient when D rejects its samples?")
    return True, (f"minimax: {expected['minimax']:.4f}, non-saturating: "
                  f"{expected['non_saturating']:.4f}. The minimax loss saturates exactly when "
                  "the generator is worst, early in training.")
