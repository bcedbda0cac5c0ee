"""Reference solutions of notebooks/13_diffusion_vs_gan.ipynb's exercises."""

import numpy as np


def add_noise(real_images, noise, alpha_bar_t):
    a = np.reshape(alpha_bar_t, (-1, 1, 1, 1))     # one abar per image, broadcast over pixels
    return np.sqrt(a) * real_images + np.sqrt(1 - a) * noise


def ddim_step(x, noise, alpha_bar, t, t_prev):
    real = np.clip((x - np.sqrt(1 - alpha_bar[t]) * noise) / np.sqrt(alpha_bar[t]), -1, 1)
    noise = (x - np.sqrt(alpha_bar[t]) * real) / np.sqrt(1 - alpha_bar[t])  # consistent with the clip
    if t_prev < 0:
        return real
    return np.sqrt(alpha_bar[t_prev]) * real + np.sqrt(1 - alpha_bar[t_prev]) * noise


def guided_noise(conditional, unconditional, guidance):
    return (1 + guidance) * conditional - guidance * unconditional
