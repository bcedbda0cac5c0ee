"""The arithmetic of a denoising diffusion model, in NumPy: schedules, noising, sampler steps.

Taught in notebooks/13_diffusion_vs_gan.ipynb (each function runs there on small inputs first);
`models.diffusion.DiffusionModel` trains and samples with these. NumPy only, so the exercise
checks of notebook 13 import no TensorFlow. Arrays are `(N, H, W, C)`; images in [-1, 1].
"""

from __future__ import annotations

import math

import numpy as np

#: Diffusion steps T of the forward process (DDPM's choice).
TIMESTEPS = 1000


def cosine_alpha_bar(timesteps: int = TIMESTEPS, s: float = 0.008) -> np.ndarray:
    """The fraction of signal variance left after each step, cosine schedule.

    Args:
        timesteps: T.
        s: small offset so that the first steps add a little noise, not none.

    Returns:
        `(T,)` float64, strictly decreasing from about 1 to about 0: abar_t for t = 1 .. T.
    """
    def f(t):
        return np.cos((t / timesteps + s) / (1 + s) * math.pi / 2) ** 2

    alpha_bar = f(np.arange(1, timesteps + 1)) / f(0)
    # Clip each step's beta at 0.999 (Nichol & Dhariwal): the last steps would otherwise be 1.
    betas = np.clip(1 - alpha_bar / np.concatenate([[1.0], alpha_bar[:-1]]), 0, 0.999)
    return np.cumprod(1 - betas)


def linear_alpha_bar(timesteps: int = TIMESTEPS, beta_1: float = 1e-4,
                     beta_T: float = 0.02) -> np.ndarray:
    """abar_t for DDPM's linear schedule of betas (Ho et al. 2020): `(T,)` float64."""
    return np.cumprod(1 - np.linspace(beta_1, beta_T, timesteps))


def add_noise(real_images, noise, alpha_bar_t, xp=np):
    """The forward process in one jump: x_t from x_0.

    Args:
        real_images: `(N, H, W, C)` float32 in [-1, 1].
        noise: `(N, H, W, C)` float32, standard normal.
        alpha_bar_t: `(N,)` float in (0, 1], each image's abar_t.
        xp: the array module: NumPy, or `keras.ops` inside a training step.

    Returns:
        `(N, H, W, C)` noisy images (unbounded; variance about 1).
    """
    a = xp.reshape(alpha_bar_t, (-1, 1, 1, 1))
    return xp.sqrt(a) * real_images + xp.sqrt(1.0 - a) * noise


def predicted_real(noisy_images, predicted_noise, alpha_bar_t):
    """x_0 as the network sees it: the forward process solved for the clean image, clipped."""
    a = np.reshape(alpha_bar_t, (-1, 1, 1, 1))
    return np.clip((noisy_images - np.sqrt(1 - a) * predicted_noise) / np.sqrt(a), -1, 1)


def ddim_timesteps(steps: int, timesteps: int = TIMESTEPS) -> np.ndarray:
    """`steps` evenly spaced indices into the schedule, last to first: `(steps,)` int, T-1 .. 0."""
    if not 1 <= steps <= timesteps:
        raise ValueError(f"sampling steps must be in [1, {timesteps}], got {steps}")
    return np.unique(np.linspace(0, timesteps - 1, steps).round().astype(int))[::-1]


def ddim_step(x, noise, alpha_bar, t, t_prev, rng=None):
    """Deterministic DDIM update (eta = 0) from timestep `t` to `t_prev` (-1: the clean image).

    Args:
        x: `(N, H, W, C)` float32 noisy images at t.
        noise: the network's noise estimate for x, same shape.
        alpha_bar: `(T,)` schedule.
        t, t_prev: schedule indices, t > t_prev >= -1.
        rng: unused (DDIM adds no noise); kept so both steps share one signature.

    Returns:
        `(N, H, W, C)` float32: x at t_prev.
    """
    real = predicted_real(x, noise, alpha_bar[t])
    # Re-derive the noise from the clipped x_0, so the step stays consistent with the clipping.
    noise = (x - math.sqrt(alpha_bar[t]) * real) / math.sqrt(1 - alpha_bar[t])
    if t_prev < 0:
        return real.astype(np.float32)
    a_prev = alpha_bar[t_prev]
    return (math.sqrt(a_prev) * real + math.sqrt(1 - a_prev) * noise).astype(np.float32)


def ddpm_step(x, noise, alpha_bar, t, t_prev, rng):
    """Ancestral DDPM update from `t` to `t - 1` (the posterior mean plus its noise).

    Args: as `ddim_step`, with `rng` a numpy Generator for the added noise.

    Returns:
        `(N, H, W, C)` float32: x at t - 1.
    """
    a_t = alpha_bar[t]
    a_prev = alpha_bar[t_prev] if t_prev >= 0 else 1.0
    beta = 1 - a_t / a_prev
    real = predicted_real(x, noise, a_t)
    # The Gaussian posterior q(x_{t-1} | x_t, x_0), with x_0 as the network predicts it.
    mean = (math.sqrt(a_prev) * beta / (1 - a_t)) * real + (
        math.sqrt(1 - beta) * (1 - a_prev) / (1 - a_t)) * x
    if t_prev < 0:
        return mean.astype(np.float32)
    variance = beta * (1 - a_prev) / (1 - a_t)
    return (mean + math.sqrt(variance) * rng.standard_normal(x.shape)).astype(np.float32)


def guided_noise(conditional, unconditional, guidance):
    """Classifier-free guidance: `(1 + w) * conditional - w * unconditional` (w = 0: conditional).

    Args:
        conditional, unconditional: `(N, H, W, C)` noise estimates with and without the label.
        guidance: the weight w >= 0.

    Returns:
        `(N, H, W, C)`: the guided estimate, pushed away from the unconditional one.
    """
    return (1 + guidance) * conditional - guidance * unconditional
