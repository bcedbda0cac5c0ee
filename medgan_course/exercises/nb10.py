"""Checks for the exercises of notebooks/10_explainability_and_trust.ipynb.

1. `check_direction`: a class direction in latent space from the difference of means.
2. `check_grad_cam`: Grad-CAM from feature maps and their gradients, by hand.
3. `check_memorization`: flag generated images that sit too close to a training image.

NumPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises.core import array_answer, checker

# ------------------------------------------------------------------ 1. class direction


def _direction_case(seed, d=16, n=1500):
    """Latent vectors, scores sigmoid(2 z.w + 0.5) and the true unit direction w."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    z = rng.standard_normal((n, d))
    return z, 1.0 / (1.0 + np.exp(-(2.0 * z @ w + 0.5))), w


@checker("Class direction by the difference of means")
def check_direction(direction):
    """`direction(z, scores) -> (D,)`: mean z of the top quarter minus the bottom quarter, unit length."""
    for seed in (0, 1):
        z, scores, w = _direction_case(seed)
        got, problem = array_answer(direction(z.copy(), scores.copy()), (z.shape[1],))
        if got is None:
            return False, problem
        norm = np.linalg.norm(got)
        if not np.isfinite(norm) or norm == 0:
            return False, "your direction is zero or not finite: did every z end up in both groups?"
        cosine = got @ w / norm
        if cosine < -0.9:
            return False, ("your direction points the wrong way: it must go from LOW scores to "
                           "HIGH scores (top quarter minus bottom quarter).")
        if cosine < 0.9:
            return False, (f"your direction is only at cosine {cosine:.2f} to the true one: use the "
                           "top and bottom quarters of the scores (np.quantile) and subtract the "
                           "mean z of the bottom group from the mean z of the top group.")
        if not np.isclose(norm, 1.0, atol=1e-4):
            return False, (f"the direction is right but has length {norm:.2f}: divide by its norm, "
                           "so that 'move 3 units along it' means the same for every direction.")
    return True, (f"cosine {cosine:.3f} with the true direction: means of latent vectors already "
                  "find a direction the classifier responds to, without any model fit.")


# ------------------------------------------------------------------ 2. Grad-CAM by hand


def _cam_case(seed):
    rng = np.random.default_rng(seed)
    features = np.maximum(rng.standard_normal((7, 7, 5)), 0.0)
    grads = rng.standard_normal((7, 7, 5)) + np.array([1.0, -1.0, 0.5, 0.0, -0.3])
    return features, grads


def _reference_cam(features, grads):
    cam = np.maximum((features * grads.mean(axis=(0, 1))).sum(axis=-1), 0.0)
    return cam / cam.max() if cam.max() > 0 else cam


@checker("Grad-CAM by hand")
def check_grad_cam(grad_cam_map):
    """`grad_cam_map(features (h, w, K), grads (h, w, K)) -> (h, w)`: ReLU(sum_k alpha_k A_k) / max."""
    for seed in (0, 1, 2):
        features, grads = _cam_case(seed)
        got, problem = array_answer(grad_cam_map(features.copy(), grads.copy()), features.shape[:2])
        if got is None:
            return False, problem
        expected = _reference_cam(features, grads)
        if np.allclose(got, expected, atol=1e-6):
            continue
        raw = (features * grads.mean(axis=(0, 1))).sum(axis=-1)
        hires = np.maximum((features * grads).sum(axis=-1), 0.0)
        if got.min() < -1e-9:
            return False, ("your map has negative values: Grad-CAM keeps only the features that "
                           "RAISE the class score (a ReLU, np.maximum(cam, 0)).")
        if np.allclose(got, hires / hires.max(), atol=1e-6):
            return False, ("you multiplied the gradients and features pixel by pixel: Grad-CAM first "
                           "averages each channel's gradient over the whole map (alpha_k = "
                           "grads[..., k].mean()), one weight per channel.")
        if np.allclose(got, np.maximum(raw, 0.0), atol=1e-6):
            return False, "almost: divide the map by its maximum, so that it lies in [0, 1]."
        return False, ("not the Grad-CAM map: alpha = grads.mean(axis=(0, 1)) (one weight per "
                       "channel), cam = ReLU(sum over channels of alpha * features), then / max.")
    return True, ("that is Grad-CAM: one weight per channel, so it shows where the important "
                  "channels are active, not which pixels the score depends on.")


# ------------------------------------------------------------------ 3. memorization flags


def _memo_case():
    rng = np.random.default_rng(3)
    train = rng.standard_normal((60, 10))
    fakes = rng.standard_normal((20, 10))
    fakes[:4] = train[[5, 17, 30, 41]] + 0.01 * rng.standard_normal((4, 10))  # near-copies
    return fakes, train


def _reference_flags(fakes, train, threshold=0.5):
    d_fake = np.linalg.norm(fakes[:, None] - train[None], axis=2).min(axis=1)
    d_train = np.linalg.norm(train[:, None] - train[None], axis=2)
    np.fill_diagonal(d_train, np.inf)
    return d_fake / np.median(d_train.min(axis=1)) < threshold


@checker("Memorization flags")
def check_memorization(flags_fn):
    """`flags_fn(fakes (N, D), train (M, D)) -> (N,) bool`: nearest-train distance < half the typical gap."""
    fakes, train = _memo_case()
    result = flags_fn(fakes.copy(), train.copy())
    if result is None:
        return False, "your function returned None: did you forget `return`?"
    got = np.asarray(result)
    if got.shape != (len(fakes),):
        return False, f"return one flag per generated image: shape ({len(fakes)},), got {got.shape}."
    got = got.astype(bool)
    expected = _reference_flags(fakes, train)
    if np.array_equal(got, expected):
        return True, (f"{got.sum()} of {len(got)} flagged, exactly the planted near-copies. On "
                      "BreastMNIST, remember the floor: real test images get flagged too.")
    if got.all():
        return False, ("every image is flagged: the typical train-to-train distance must leave "
                       "each training image out (its distance to itself is 0).")
    if not got.any():
        return False, ("nothing is flagged, but four generated images are near-copies of training "
                       "images: compare each generated image's nearest-train distance with half "
                       "the MEDIAN nearest-neighbour distance among the training images, each "
                       "training image left out of its own search (its distance to itself is 0, "
                       "which would make that median 0).")
    return False, (f"{got.sum()} flagged, expected {expected.sum()}: ratio = nearest-train "
                   "distance / median leave-one-out train distance, flagged when below 0.5.")
