"""The Wasserstein-1 distance and the Wasserstein critic on 1-D toy data.

* `emd_1d`, `emd_1d_cdf`, `cdf`, `w1_from_densities`: the earth mover's (Wasserstein-1)
  distance between 1-D samples or densities (NumPy).
* `jsd_w1_shift_curves`: JSD and W1 between two narrow distributions shifted by theta.
* `optimal_critic_1d`: the 1-Lipschitz function that attains W1 in the Kantorovich-Rubinstein
  duality, on a grid.
* `train_critic`: a small Keras critic trained to maximise E_real[f] - E_fake[f] with no
  constraint, weight clipping or the package's gradient penalty (TensorFlow, loaded on use).

Taught in notebooks/02_gan_theory.ipynb, section 9.
"""

from __future__ import annotations

import numpy as np

from medgan_course.toy.gan import _initialise, _mlp
from medgan_course.toy.theory import js_divergence

#: The critic constraints `train_critic` knows: the article's none, WGAN's clip, WGAN-GP's gp.
CONSTRAINTS = ("none", "clip", "gp")


def emd_1d(a, b) -> float:
    """W1 between two 1-D samples of equal size: the mean |a_(i) - b_(i)| of the sorted samples.

    In 1-D the cheapest transport plan moves the i-th smallest point of one sample onto the
    i-th smallest of the other. Taught in notebooks/02_gan_theory.ipynb, section 9.

    Args:
        a, b: `(N,)` float samples (any float dtype), the same N.

    Returns:
        W1 as a float >= 0, in the samples' units.
    """
    a, b = np.sort(np.ravel(a).astype(np.float64)), np.sort(np.ravel(b).astype(np.float64))
    if a.shape != b.shape:
        raise ValueError(f"emd_1d needs samples of one size; got {a.size} and {b.size} "
                         "(emd_1d_cdf takes any sizes).")
    return float(np.mean(np.abs(a - b)))


def emd_1d_cdf(a, b) -> float:
    """W1 between two 1-D samples as ∫ |F_a(x) - F_b(x)| dx of their empirical CDFs.

    Exact for samples of any sizes (both CDFs are step functions, constant between the merged
    sample points). Taught in notebooks/02_gan_theory.ipynb, section 9.

    Args:
        a: `(N,)` float sample; b: `(M,)` float sample.

    Returns:
        W1 as a float >= 0; equals `emd_1d(a, b)` when N = M.
    """
    a, b = np.sort(np.ravel(a).astype(np.float64)), np.sort(np.ravel(b).astype(np.float64))
    points = np.sort(np.concatenate([a, b]))
    f_a = np.searchsorted(a, points[:-1], side="right") / a.size
    f_b = np.searchsorted(b, points[:-1], side="right") / b.size
    return float(np.sum(np.abs(f_a - f_b) * np.diff(points)))


def cdf(p, x) -> np.ndarray:
    """CDF F(x) of a density `p` `(M,)` on the increasing grid `x` `(M,)` (trapezoid), float64."""
    p, x = np.asarray(p, np.float64), np.asarray(x, np.float64)
    return np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(x))])


def w1_from_densities(p, q, x) -> float:
    """W1 = ∫ |F_p - F_q| dx for densities `p`, `q` `(M,)` on the grid `x` `(M,)`.

    Taught in notebooks/02_gan_theory.ipynb, section 9. The grid must hold (nearly) all of
    both masses; the result is in the units of `x`.
    """
    gap = np.abs(cdf(p, x) - cdf(q, x))
    return float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(np.asarray(x, np.float64))))


def optimal_critic_1d(p, q, x) -> np.ndarray:
    """The 1-Lipschitz f that maximises E_p[f] - E_q[f], on the grid `x` (f = 0 at x[0]).

    Integration by parts gives E_p[f] - E_q[f] = ∫ f'(x) (F_q(x) - F_p(x)) dx, largest under
    |f'| <= 1 for f' = sign(F_q - F_p); its value is then W1 (Kantorovich-Rubinstein).
    Taught in notebooks/02_gan_theory.ipynb, section 9.

    Args:
        p, q: `(M,)` densities (p the "real" one) on the increasing grid `x` `(M,)`.

    Returns:
        `(M,)` float64 values of f, with slopes in {-1, 0, 1}.
    """
    slope = np.sign(cdf(q, x) - cdf(p, x))
    return cdf(slope, x)  # the running integral of the slope, by the same trapezoid rule


def jsd_w1_shift_curves(thetas, width: float = 1.0, dx: float = 0.01) -> dict:
    """JSD and W1 between U[0, width] and U[theta, theta + width], for each theta.

    The distributions are probability vectors on a grid of step `dx`, so both values are exact
    when theta and width are multiples of dx: JSD = log 2 · min(|theta| / width, 1) (flat once
    the supports are disjoint), W1 = |theta| (a slope of 1 everywhere). Taught in
    notebooks/02_gan_theory.ipynb, section 9.

    Args:
        thetas: `(T,)` shifts, in the same units as `width` and `dx`.

    Returns:
        {"theta", "jsd" (nats), "w1"}: float64 arrays `(T,)`.
    """
    thetas = np.asarray(thetas, np.float64).ravel()
    reach = np.abs(thetas).max(initial=0.0) + width
    x = np.arange(-reach, reach + width + dx / 2, dx)
    p = ((x >= -dx / 2) & (x < width - dx / 2)).astype(np.float64)
    jsd, w1 = [], []
    for theta in thetas:
        q = ((x >= theta - dx / 2) & (x < theta + width - dx / 2)).astype(np.float64)
        jsd.append(js_divergence(p / p.sum(), q / q.sum()))
        w1.append(float(np.sum(np.abs(np.cumsum(p / p.sum()) - np.cumsum(q / q.sum()))) * dx))
    return {"theta": thetas, "jsd": np.array(jsd), "w1": np.array(w1)}


def weight_norm(model) -> float:
    """||all trainable weights of `model`||_2 as one float (kernels and biases together)."""
    return float(np.sqrt(sum(np.sum(np.square(w)) for w in model.get_weights())))


def train_critic(real, fake, constraint: str = "gp", *, steps: int = 500, seed: int = 0,
                 learning_rate: float = 1e-3, clip: float = 0.01, gp_weight: float = 10.0,
                 hidden: int = 32, chunk: int = 50, progress=None) -> dict:
    """Trains a small MLP critic f to maximise E_real[f] - E_fake[f] on fixed samples.

    Each step minimises the package's "wasserstein" critic loss E_fake[f] - E_real[f] (the
    article's `fake_loss - real_loss`) with Adam (beta_1 = 0.5, beta_2 = 0.9), under one of
    `CONSTRAINTS`: "none" (the article), "clip" (every weight clipped to [-clip, clip] after
    each step, Arjovsky et al. 2017) or "gp" (+ gp_weight · `training.losses.gradient_penalty`,
    Gulrajani et al. 2017; each point is a 1 x 1 one-channel image there). The last layer starts
    at zero (f = 0): from a random start a 1-D penalised critic could keep the wrong slope, since
    the penalty resists passing through slope 0 (2 of 5 seeds). Taught in
    notebooks/02_gan_theory.ipynb, section 9.

    Args:
        real, fake: `(N,)` float 1-D samples (N may differ), used whole at every step.
        steps: critic updates; `chunk` of them run per graph call (and per progress update).
        progress: optional tqdm-like class, called as `progress(total=steps)`.

    Returns:
        {"objective": E_real[f] - E_fake[f] before each step, "weight_norm": after each step}
        as float64 `(steps,)` arrays, and "critic": the trained Keras model, points `(M, 1)`.
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"constraint must be one of {CONSTRAINTS}; got {constraint!r}.")
    import keras
    import tensorflow as tf

    from medgan_course.training.losses import discriminator_loss, gradient_penalty

    critic = _mlp(1, 1, hidden, 2, f"critic_{constraint}")
    _initialise(critic, seed)
    critic.layers[-1].kernel.assign(np.zeros(critic.layers[-1].kernel.shape, np.float32))  # f = 0
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9)
    real_t, fake_t = (tf.constant(np.reshape(s, (-1, 1)), tf.float32) for s in (real, fake))
    pairs = min(len(real_t), len(fake_t))  # the penalty pairs real and fake points one to one
    as_images = (tf.reshape(real_t[:pairs], (-1, 1, 1, 1)), tf.reshape(fake_t[:pairs], (-1, 1, 1, 1)))

    def image_critic(images, training=True):
        return critic(tf.reshape(images, (-1, 1)), training=training)

    @tf.function
    def run(first, count):
        logs = tf.TensorArray(tf.float32, size=count)
        for i in tf.range(count):
            with tf.GradientTape() as tape:
                loss = discriminator_loss("wasserstein", critic(real_t), critic(fake_t))
                total = loss
                if constraint == "gp":
                    total += gp_weight * gradient_penalty(image_critic, *as_images,
                                                          seed=seed * 1_000_003 + first + i)
            variables = critic.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(total, variables), variables))
            if constraint == "clip":
                for v in variables:
                    v.assign(tf.clip_by_value(v, -clip, clip))
            logs = logs.write(i, tf.stack([-loss, tf.linalg.global_norm(variables)]))
        return logs.stack()

    bar = progress(total=int(steps)) if progress else None
    history = []
    for first in range(0, int(steps), int(chunk)):
        count = min(int(chunk), int(steps) - first)
        history.append(run(tf.constant(first), tf.constant(count)).numpy())
        if bar is not None:
            bar.update(count)
    if bar is not None:
        bar.close()
    history = np.concatenate(history).astype(np.float64)
    return {"objective": history[:, 0], "weight_norm": history[:, 1], "critic": critic}
