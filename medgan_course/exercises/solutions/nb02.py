"""Reference solutions of notebooks/02_gan_theory.ipynb's exercises."""

import numpy as np

from medgan_course.exercises import nb02


def optimal_discriminator_mine(p_data, p_g):
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def v_star_and_jsd():
    """Exercise 2: in the notebook, `v_star, jsd = v_star_and_jsd()`."""
    p_data, p_g = nb02.P_DATA, nb02.P_G
    total = p_data + p_g
    d_star = np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)
    m = total / 2
    real, fake = p_data > 0, p_g > 0
    v_star = np.sum(p_data[real] * np.log(d_star[real])) + np.sum(p_g[fake] * np.log(1 - d_star[fake]))
    jsd = (0.5 * np.sum(p_data[real] * np.log(p_data[real] / m[real]))
           + 0.5 * np.sum(p_g[fake] * np.log(p_g[fake] / m[fake])))
    return v_star, jsd


def saturation():
    """Exercise 3: in the notebook, `minimax_grad, non_saturating_grad, saturating_loss = saturation()`."""
    s = 1 / (1 + np.exp(6.0))          # sigmoid(-6)
    minimax_grad = -s                   # d/dl log(1 - s) = -s(1 - s)/(1 - s)
    non_saturating_grad = -(1 - s)      # d/dl -log s = -s(1 - s)/s
    saturating_loss = "minimax"
    return minimax_grad, non_saturating_grad, saturating_loss
