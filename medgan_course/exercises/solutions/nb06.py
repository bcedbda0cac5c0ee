"""Reference solutions of notebooks/06_evaluating_gans.ipynb's exercises."""

import numpy as np
from scipy import linalg


def frechet_gaussians(mu1, sigma1, mu2, sigma2):
    covmean = linalg.sqrtm(sigma1 @ sigma2).real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1 + sigma2 - 2 * covmean))


def precision_recall_reading():
    """Exercise 2: in the notebook, `answer = {...}` (the dict below), read from the printed table.

    B: realistic (high precision) but covers few real samples (low recall) -> mode collapse.
    C: covers the real data (high recall) but many samples fall off it (low precision).
    """
    return {"mode_collapse": "B", "unrealistic": "C"}


def my_slerp(z0, z1, t):
    omega = np.arccos(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)))
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
