"""Reference solutions of notebooks/09_image_enhancement.ipynb's exercises."""

import numpy as np


def my_psnr(clean, restored, data_range=2.0):
    mse = np.mean((np.asarray(clean, np.float64) - restored) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(data_range ** 2 / mse)


def my_speckle(images, looks, rng):
    intensity = (images + 1) / 2                      # [-1, 1] -> [0, 1]
    noisy = intensity * rng.gamma(looks, 1 / looks, size=images.shape)
    return np.clip(noisy, 0, 1) * 2 - 1               # back to [-1, 1]


def noise_models():
    """Exercise 3: in the notebook, `answer = {...}` (the dict below)."""
    return {"breastmnist": "speckle",             # ultrasound: coherent echoes
            "pneumoniamnist": "poisson_gaussian",  # chest X-ray: photon counts
            "organamnist": "poisson_gaussian",     # abdominal CT: photon counts
            "octmnist": "speckle"}                 # optical coherence tomography: coherent light
