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


def gradient_penalty_mine(critic, real_images, fake_images):
    """Exercise 4: WGAN-GP's penalty E[(||grad f(x_hat)||_2 - 1)^2], without λ."""
    import tensorflow as tf

    real = tf.cast(real_images, tf.float32)
    fake = tf.cast(fake_images, tf.float32)
    eps = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])   # one ε ~ U[0, 1] per image
    x_hat = real + eps * (fake - real)                      # a random point on each segment
    with tf.GradientTape() as tape:
        tape.watch(x_hat)                                   # x_hat is a tensor, not a variable
        scores = critic(x_hat, training=True)               # (N, 1)
    grads = tape.gradient(scores, x_hat)                    # (N, H, W, C): one per image
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
