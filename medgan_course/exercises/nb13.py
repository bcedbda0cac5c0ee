"""Checks for the exercises of notebooks/13_diffusion_vs_gan.ipynb.

1. `check_add_noise`: the forward process in one jump, x_t from x_0.
2. `check_ddim_step`: one deterministic DDIM update, clipping x_0 and re-deriving the noise.
3. `check_guided_noise`: classifier-free guidance's mix of two noise estimates.

Importing this module imports NumPy only; a check loads the reference arithmetic
(`models.diffusion_math`, NumPy, inside the TensorFlow-importing `models` package) when it runs.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises.core import array_answer, checker


def _math():
    from medgan_course.models import diffusion_math

    return diffusion_math


def _cases(seed=0):
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (3, 4, 4, 1))
    noise = rng.standard_normal(real.shape)
    return real, noise


@checker("The forward process")
def check_add_noise(add_noise):
    """`add_noise(real_images, noise, alpha_bar_t) -> noisy_images` for `(N,)` alpha_bar_t."""
    real, noise = _cases()
    levels = (("abar = 1 (no noise yet)", np.ones(3)), ("three noise levels", np.array([0.9, 0.5, 0.01])))
    for name, a in levels:
        got, problem = array_answer(add_noise(real.copy(), noise.copy(), a.copy()), real.shape)
        if problem:
            return False, problem
        expected = _math().add_noise(real, noise, a)
        if not np.allclose(got, expected, atol=1e-5):
            hint = (" Each image has its own abar_t: reshape it to (N, 1, 1, 1) to broadcast."
                    if name == "three noise levels" else " At abar = 1 the image must come back unchanged.")
            return False, f"for {name} your x_t differs from sqrt(abar) x_0 + sqrt(1 - abar) noise.{hint}"
    return True, ("right: the signal keeps sqrt(abar) of its amplitude and the noise fills the rest, "
                  "so the variance stays about 1 at every t (a variance-preserving process).")


@checker("One DDIM step")
def check_ddim_step(ddim_step):
    """`ddim_step(x, noise, alpha_bar, t, t_prev) -> x at t_prev` (t_prev = -1: the clean image)."""
    math_ = _math()
    alpha_bar = math_.cosine_alpha_bar()
    real, noise = _cases(1)
    for t, t_prev in ((700, 300), (40, -1), (999, 949)):
        x = math_.add_noise(real, noise, np.full(3, alpha_bar[t])) + 0.3  # off the path: clipping matters
        got, problem = array_answer(ddim_step(x.copy(), noise.copy(), alpha_bar, t, t_prev), x.shape)
        if problem:
            return False, problem
        if not np.allclose(got, math_.ddim_step(x, noise, alpha_bar, t, t_prev), atol=1e-4):
            hint = (" At t_prev = -1 return the clipped x_0 estimate itself." if t_prev < 0 else
                    " Estimate x_0, clip it to [-1, 1], re-derive the noise from the clipped x_0, "
                    "then apply the forward process at t_prev.")
            return False, f"from t = {t} to t_prev = {t_prev} your result differs.{hint}"
    return True, ("right: DDIM predicts the clean image, then jumps straight to the noise level of "
                  "t_prev with the same noise: no fresh randomness, so 50 steps can replace 1,000.")


@checker("Classifier-free guidance")
def check_guided_noise(guided_noise):
    """`guided_noise(conditional, unconditional, guidance) -> (1 + w) c - w u`."""
    rng = np.random.default_rng(2)
    c, u = rng.standard_normal((2, 2, 3, 3, 1))
    for w in (0.0, 1.0, 3.0):
        got, problem = array_answer(guided_noise(c.copy(), u.copy(), w), c.shape)
        if problem:
            return False, problem
        if not np.allclose(got, _math().guided_noise(c, u, w), atol=1e-6):
            hint = " With w = 0 it must be the conditional estimate alone." if w == 0 else (
                " Move away from the unconditional estimate: (1 + w) c - w u.")
            return False, f"with guidance w = {w} your estimate differs.{hint}"
    return True, ("right: guidance extrapolates from 'any image' towards 'an image of this class'; "
                  "larger w gives more typical, less varied images, at two network evaluations per step.")
