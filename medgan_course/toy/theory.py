"""The theory of the original GAN, numerically: V(D, G), the optimal discriminator, JSD.

Goodfellow et al. (2014) show that for a fixed generator with density p_g the discriminator
that maximises

    V(D, G) = E_{x~p_data}[log D(x)] + E_{z~p_z}[log(1 - D(G(z)))]
            = ∫ p_data(x) log D(x) + p_g(x) log(1 - D(x)) dx

is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and that then
V(D*, G) = -log 4 + 2 JSD(p_data || p_g). Here densities are arrays on a 1-D grid `x`
(integrated with the trapezoid rule) or, with `x=None`, probability vectors (summed).
Everything is in nats (natural logarithms), so JSD lies in [0, log 2].
Taught in notebooks/02_gan_theory.ipynb.
"""

from __future__ import annotations

import numpy as np

#: Floor for probabilities inside a log. D*(x) = p/(p + q) rounds to exactly 1.0 where q is
#: below 1e-16 p, and log(1 - 1.0) = -inf would then swamp a contribution of about q log q ~ 0.
_TINY = 1e-300
#: NumPy 2 renamed `trapz` to `trapezoid`; the course supports NumPy >= 1.26 (Colab).
_trapezoid = getattr(np, "trapezoid", None) or np.trapz


def gaussian_pdf(x, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """Normal density N(mean, std²) at `x` (any shape), float64, same shape."""
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2.0 * np.pi))


def mixture_pdf(x, means, stds, weights=None) -> np.ndarray:
    """Density of a 1-D Gaussian mixture at `x` (any shape); `weights` default to equal."""
    means, stds = np.atleast_1d(means), np.broadcast_to(np.atleast_1d(stds), np.shape(means))
    weights = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights)
    return sum(w * gaussian_pdf(x, m, s) for m, s, w in zip(means, stds, weights))


def expectation(values, density, x=None) -> float:
    """E[values] under `density`: ∫ density·values dx on grid `x`, or Σ density·values if None.

    Terms where the density is 0 contribute 0 even when `values` is ±inf (0·log 0 = 0).
    """
    values, density = np.asarray(values, np.float64), np.asarray(density, np.float64)
    terms = np.where(density > 0, density * np.where(density > 0, values, 0.0), 0.0)
    return float(terms.sum() if x is None else _trapezoid(terms, x))


def value_function(d, p_data, p_g, x=None) -> float:
    """V(D, G) = E_{p_data}[log D] + E_{p_g}[log(1 - D)] for a discriminator given as values.

    Args:
        d: `(M,)` discriminator outputs D(x) in [0, 1] at the grid points.
        p_data, p_g: `(M,)` densities (or probabilities when `x` is None), >= 0.
        x: `(M,)` increasing grid, or None for discrete distributions.

    Returns:
        V as a float <= 0 (nats); logs are floored at log(1e-300), so a D that gives 0
        to real data or 1 to fakes yields about -690 times that mass instead of -inf.
    """
    d = np.asarray(d, np.float64)
    log_d = np.log(np.maximum(d, _TINY))
    log_not_d = np.log(np.maximum(1.0 - d, _TINY))
    return expectation(log_d, p_data, x) + expectation(log_not_d, p_g, x)


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g), elementwise, in [0, 1].

    Where both densities are 0, no sample ever reaches x and D* is arbitrary; 1/2 is returned.
    """
    p_data, p_g = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def kl_divergence(p, q, x=None) -> float:
    """KL(p || q) = E_p[log p/q] in nats (inf when p has mass where q has none)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    if np.any((p > 0) & (q <= 0)):
        return float("inf")
    where = p > 0  # log p - log q rather than log(p/q): the ratio may overflow
    log_ratio = np.log(np.where(where, p, 1.0)) - np.log(np.where(where, q, 1.0))
    return expectation(log_ratio, p, x)


def js_divergence(p, q, x=None) -> float:
    """Jensen-Shannon divergence ½KL(p || m) + ½KL(q || m), m = (p + q)/2, in [0, log 2] nats.

    Symmetric and always finite: 0 iff p = q, log 2 when p and q do not overlap at all. On a
    grid the densities should each integrate to about 1 (check with `expectation(1, p, x)`).
    """
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m, x) + 0.5 * kl_divergence(q, m, x)


def generator_loss_curves(logits, losses=("minimax", "non_saturating")) -> dict:
    """Each generator loss and its derivative with respect to the discriminator's logit.

    Computed with the package's own `training.losses.generator_loss` and TensorFlow's
    autodiff, one logit l = logit(D(G(z))) at a time, so the curves show exactly what the
    training code differentiates. The minimax loss log(1 - sigmoid(l)) has derivative
    -sigmoid(l), which vanishes as l -> -inf (D rejects the fakes); the non-saturating
    -log sigmoid(l) has -sigmoid(-l) -> -1 there.

    Args:
        logits: `(M,)` discriminator logits on fake samples.
        losses: names from `training.losses.LOSS_NAMES`.

    Returns:
        {name: (loss values `(M,)`, d loss / d logit `(M,)`)} as float64 numpy arrays.
    """
    from medgan_course._tf import require_tensorflow

    tf = require_tensorflow()
    from medgan_course.training.losses import generator_loss

    logits = tf.constant(np.asarray(logits, np.float32).reshape(-1, 1))
    count = int(logits.shape[0])
    curves = {}
    for name in losses:
        # Each loss is a mean over the batch, so the gradient of the batch loss with respect
        # to one logit is that logit's own derivative divided by the batch size.
        with tf.GradientTape() as tape:
            tape.watch(logits)
            batch_loss = generator_loss(name, logits)
        grads = tape.gradient(batch_loss, logits) * count
        # One loss value per logit: the same function on batches of one, vectorised.
        values = tf.vectorized_map(lambda logit, name=name: generator_loss(name, logit[None]),
                                   logits)
        curves[name] = (values.numpy().astype(np.float64),
                        grads.numpy().reshape(-1).astype(np.float64))
    return curves
