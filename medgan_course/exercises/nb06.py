"""Checks for the exercises of notebooks/06_evaluating_gans.ipynb.

1. `check_frechet_gaussians`: the Frechet distance between two Gaussians in closed form.
2. `precision_recall_puzzle` / `check_precision_recall_reading`: which generator collapsed?
3. `check_slerp`: spherical interpolation between two latent vectors.

NumPy and SciPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from medgan_course.evaluation.distances import precision_recall
from medgan_course.evaluation.latent import lerp, slerp
from medgan_course.exercises.core import checker

# ------------------------------------------------------------------ 1. Frechet distance


def _reference_frechet(mu1, sigma1, mu2, sigma2):
    covmean = linalg.sqrtm(sigma1 @ sigma2).real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1 + sigma2 - 2.0 * covmean))


def _gaussian_cases():
    """(name, mu1, sigma1, mu2, sigma2) test cases: 1-D, identical, diagonal, full covariances."""
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    return [
        ("1-D: N(0, 1) vs N(3, 4)",
         np.array([0.0]), np.array([[1.0]]), np.array([3.0]), np.array([[4.0]])),
        ("two identical Gaussians", np.ones(3), np.eye(3), np.ones(3), np.eye(3)),
        ("same means, different variances",
         np.zeros(2), np.diag([1.0, 9.0]), np.zeros(2), np.diag([4.0, 1.0])),
        ("full 4x4 covariances",
         rng.normal(size=4), a @ a.T + np.eye(4), rng.normal(size=4), b @ b.T + np.eye(4)),
    ]


def _frechet_hint(got, case):
    """A hint naming the usual mistake that produces `got`, or a generic one."""
    _, mu1, s1, mu2, s2 = case
    mean_term = float((mu1 - mu2) @ (mu1 - mu2))
    no_sqrt = mean_term + float(np.trace(s1 + s2 - 2.0 * s1 @ s2))
    if np.isclose(got, mean_term):
        return "you return only the mean term; the covariances contribute too."
    if np.isclose(got, no_sqrt):
        return "take the matrix square root of sigma1 @ sigma2 (scipy.linalg.sqrtm), not the product itself."
    if np.isclose(got, np.sqrt(max(_reference_frechet(*case[1:]), 0.0))):
        return "FID and FD are the SQUARED Frechet distance: do not take the square root of the total."
    return "check the formula ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrtm(S1 S2))."


@checker("Frechet distance between two Gaussians")
def check_frechet_gaussians(frechet_gaussians):
    """`frechet_gaussians(mu1, sigma1, mu2, sigma2) -> float`: compared on four cases."""
    for case in _gaussian_cases():
        name, mu1, s1, mu2, s2 = case
        got = frechet_gaussians(mu1.copy(), s1.copy(), mu2.copy(), s2.copy())
        if got is None:
            return False, "your function returns None: return the distance as a number."
        got = float(np.real(got))
        expected = _reference_frechet(mu1, s1, mu2, s2)
        if not np.isclose(got, expected, rtol=1e-5, atol=1e-8):
            return False, (f"for {name} you return {got:.4g}, expected {expected:.4g}: "
                           f"{_frechet_hint(got, case)}")
    return True, ("all four cases match, e.g. N(0, 1) vs N(3, 4) gives 3^2 + (1 - 2)^2 = 10. "
                  "FID (Inception features) and FD (domain features) are exactly this, with "
                  "the Gaussians fitted to image features.")


# ------------------------------------------------------------------ 2. Reading precision/recall

#: What each puzzle generator does (the learner must work it out from the numbers).
_PUZZLE_ROLES = {"A": "good", "B": "mode collapse", "C": "unrealistic"}


def _puzzle_features(seed):
    """Real 2-D features in 4 clusters; three generators' features (see _PUZZLE_ROLES)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, -4.0], [-4.0, 4.0], [4.0, -4.0], [4.0, 4.0]])

    def clusters(n, which, spread):
        picks = rng.choice(which, n)
        return centres[picks] + spread * rng.normal(size=(n, 2))

    real = clusters(400, [0, 1, 2, 3], 0.7)
    fakes = {"A": clusters(400, [0, 1, 2, 3], 0.7),
             "B": clusters(400, [3], 0.7),             # every sample from one cluster
             "C": clusters(400, [0, 1, 2, 3], 2.5)}     # all clusters, but smeared far off them
    return real, fakes


def precision_recall_puzzle(seed: int = 0) -> dict:
    """Measured precision and recall (k=3) of three toy generators A, B, C against 2-D real features.

    Returns:
        {"A": PrecisionRecall, "B": ..., "C": ...}; which one is which is the exercise.
    """
    real, fakes = _puzzle_features(seed)
    return {name: precision_recall(real, fake, k=3) for name, fake in fakes.items()}


@checker("Reading precision and recall")
def check_precision_recall_reading(answer):
    """`answer = {"mode_collapse": "A"|"B"|"C", "unrealistic": "A"|"B"|"C"}`."""
    if not isinstance(answer, dict) or set(answer) != {"mode_collapse", "unrealistic"}:
        return False, 'answer must be a dict with the keys "mode_collapse" and "unrealistic".'
    table = precision_recall_puzzle()
    collapse, unrealistic = answer["mode_collapse"], answer["unrealistic"]
    if collapse not in table or unrealistic not in table:
        return False, 'each value must be one of "A", "B", "C".'
    if _PUZZLE_ROLES[collapse] != "mode collapse":
        return False, (f"{collapse} has recall {table[collapse].recall:.2f}. A collapsed generator makes "
                       "realistic images (high precision) of only a few kinds: which one covers the "
                       "fewest real images (lowest recall)?")
    if _PUZZLE_ROLES[unrealistic] != "unrealistic":
        return False, (f"{unrealistic} has precision {table[unrealistic].precision:.2f}. Unrealistic samples "
                       "fall outside the real data's manifold: which one has the lowest precision?")
    return True, (f"{collapse}: precision {table[collapse].precision:.2f} but recall "
                  f"{table[collapse].recall:.2f} (realistic, not diverse); {unrealistic}: precision "
                  f"{table[unrealistic].precision:.2f} (many samples off the real manifold).")


# ------------------------------------------------------------------ 3. Slerp


@checker("Spherical interpolation")
def check_slerp(my_slerp):
    """`my_slerp(z0, z1, t) -> (D,)` for a scalar t, compared with the package's `slerp`."""
    rng = np.random.default_rng(3)
    z0, z1 = rng.standard_normal(128), rng.standard_normal(128)
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        got = my_slerp(z0.copy(), z1.copy(), t)
        if got is None:
            return False, "your function returns None: return the interpolated vector."
        got = np.asarray(got, np.float64).reshape(-1)
        if got.shape != z0.shape:
            return False, f"expected a vector of shape {z0.shape}, got {got.shape}."
        expected = slerp(z0, z1, t)
        if not np.allclose(got, expected, atol=1e-4):
            if np.allclose(got, lerp(z0, z1, t), atol=1e-4):
                return False, (f"at t={t} that is linear interpolation: its norm is "
                               f"{np.linalg.norm(got):.2f}, the arc's is "
                               f"{np.linalg.norm(expected):.2f}. Use the angle between z0 and z1.")
            return False, (f"at t={t} your vector differs from slerp's (largest difference "
                           f"{np.abs(got - expected).max():.3g}); t=0 must give z0 and t=1 give z1.")
    return True, ("matches at t = 0, 0.25, 0.5, 0.9, 1. Between two vectors of similar norm the arc keeps "
                  "that norm, so the generator sees points like those it was trained on.")
