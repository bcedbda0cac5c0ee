"""Checks for the exercises of notebooks/14_capstone_project.ipynb.

1. `check_seed_interval`: the mean and 95% t-interval of a metric over seeds, by hand.
2. `check_baseline_sampler`: a non-GAN baseline generator (a per-pixel Gaussian).
3. `check_example_report`: a complete capstone report of `EXAMPLE`, accepted by `check_report`.

NumPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from medgan_course.data.phantoms import make_phantoms
from medgan_course.exercises.capstone import check_report, seed_interval
from medgan_course.exercises.core import checker

# ------------------------------------------------------------------ 1. an interval over seeds

_INTERVAL_CASES = [[0.81, 0.84, 0.86], [0.82, 0.85, 0.83, 0.88, 0.84], [1.9, 2.3],
                   [5.0, 5.0, 5.0], [12.4, 9.8, 11.1, 10.5, 13.0, 9.9, 12.2]]


def _interval_hint(got, values):
    """Which common slip makes `got` differ from the t-interval of `values`."""
    v = np.asarray(values, np.float64)
    half = abs(got[2] - got[1]) / 2
    slips = {"1.96 (the normal quantile) instead of Student's t with n - 1 degrees of freedom":
             1.96 * v.std(ddof=1) / np.sqrt(v.size),
             "the population std (ddof=0) instead of the sample std (ddof=1)":
             (seed_interval(v)[2] - v.mean()) * v.std() / max(v.std(ddof=1), 1e-12),
             "the std itself instead of the standard error std / sqrt(n)":
             (seed_interval(v)[2] - v.mean()) * np.sqrt(v.size)}
    for slip, wrong in slips.items():
        if np.isclose(half, wrong, rtol=1e-3):
            return f" It looks like you used {slip}."
    return " Half-width: t(0.975, n - 1) x std(ddof=1) / sqrt(n)."


@checker("Mean and 95% interval over seeds")
def check_seed_interval(interval):
    """`interval(values) -> (mean, low, high)`: the 95% Student-t interval of the mean."""
    for values in _INTERVAL_CASES:
        got = interval(list(values))
        if got is None:
            return False, "your function returns None: return (mean, low, high)."
        got = np.asarray(got, np.float64).reshape(-1)
        if got.shape != (3,):
            return False, f"return three numbers (mean, low, high), got {got.size}."
        expected = seed_interval(values)
        if not np.allclose(got, expected, atol=1e-6):
            return False, (f"for {values} you return {np.round(got, 4).tolist()}, expected "
                           f"{np.round(expected, 4).tolist()}.{_interval_hint(got, values)}")
    return True, ("right: with 3 seeds the t quantile is 4.30, not 1.96, so the interval is "
                  "more than twice as wide as a normal one: the honest price of few runs.")


# ------------------------------------------------------------------ 2. a non-GAN baseline


def _sampler_problem(sampler, train):
    """What is wrong with `sampler`'s images for the training images `train`, or None."""
    images = sampler(train.copy(), 2000, 0)
    if images is None:
        return "your function returns None: return an (n, H, W, C) array of images."
    images = np.asarray(images, np.float64)
    if images.shape != (2000, *train.shape[1:]):
        return f"2,000 images must have shape {(2000, *train.shape[1:])}, got {images.shape}."
    if not np.isfinite(images).all() or images.min() < -1 or images.max() > 1:
        return "keep the images in the model range [-1, 1] (np.clip) and finite."
    if not np.array_equal(images[:5], np.asarray(sampler(train.copy(), 5, 0))):
        return "the same seed must give the same images: draw from np.random.default_rng(seed)."
    if np.array_equal(images[:5], np.asarray(sampler(train.copy(), 5, 1))):
        return "another seed must give other images."
    copies = {image.tobytes() for image in train.astype(np.float64)}
    if any(image.tobytes() in copies for image in images):
        return "some images are copies of training images: a baseline must make new ones."
    if np.abs(images.mean(axis=0) - train.mean(axis=0)).mean() > 0.05:
        return "the images' mean should match the training images' mean, pixel by pixel."
    ratio = np.median(images.std(axis=0) / np.maximum(train.std(axis=0), 1e-6))
    if not 0.5 < ratio < 1.5:
        return (f"the images vary {ratio:.2f} times as much as the training images per pixel: "
                "use each pixel's standard deviation over the training images.")
    return None


@checker("A non-GAN baseline")
def check_baseline_sampler(sampler):
    """`sampler(train_images, n, seed) -> (n, H, W, C)`: new images, each pixel Gaussian."""
    train = make_phantoms(n_train=300, n_val=2, n_test=2, image_size=16, seed=5).train.images
    problem = _sampler_problem(sampler, train)
    if problem is not None:
        return False, problem
    return True, ("right: a per-pixel Gaussian matches every pixel's mean and spread but not "
                  "the correlations between pixels, so its images look like noise around the "
                  "mean image. The worked path's PCA-Gaussian keeps the main correlations: a "
                  "harder baseline, which is what a GAN should have to beat.")


# ------------------------------------------------------------------ 3. a complete report

#: ILLUSTRATIVE per-seed results (not a measurement) of a class-imbalance project.
EXAMPLE = {"dataset": "breastmnist", "use_case": "class imbalance",
           "metric": {"name": "AUC", "higher_is_better": True}, "seeds": [0, 1, 2, 3, 4],
           "gan": {"name": "cGAN minority images (+100%)",
                   "per_seed": [0.842, 0.861, 0.828, 0.870, 0.848]},
           "baseline": {"name": "class weights", "per_seed": [0.835, 0.850, 0.838, 0.852, 0.846]},
           "floor": 0.5}


def _example_mismatch(report):
    """Which of EXAMPLE's numbers the (accepted) report does not carry, or None."""
    if report["seeds"] != EXAMPLE["seeds"]:
        return f"use EXAMPLE's seeds {EXAMPLE['seeds']}."
    for arm in ("gan", "baseline"):
        if not np.allclose(report["arms"][arm]["per_seed"], EXAMPLE[arm]["per_seed"]):
            return f"copy arms[{arm!r}]['per_seed'] from EXAMPLE[{arm!r}]['per_seed']."
    if not np.isclose(report["floor"]["value"], EXAMPLE["floor"]):
        return f"the floor of this example is {EXAMPLE['floor']} (chance AUC)."
    if report["metric"] != EXAMPLE["metric"] or report["use_case"] != EXAMPLE["use_case"]:
        return "take the metric and the use case from EXAMPLE."
    return None


@checker("A complete report")
def check_example_report(report):
    """`report`: EXAMPLE's study as a capstone report that `check_report` accepts."""
    problems = check_report(report)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return False, f"check_report found {len(problems)} problem(s): " + " | ".join(
            problems[:3]) + more
    mismatch = _example_mismatch(report)
    if mismatch is not None:
        return False, mismatch
    return True, ("accepted. The GAN's mean AUC is higher and it won on 4 of 5 seeds, yet the "
                  "paired interval includes 0: 'unclear' is the only conclusion these five "
                  "seeds support.")
