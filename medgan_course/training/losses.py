"""GAN losses on discriminator logits, and the WGAN-GP gradient penalty.

Taught in notebooks/02_gan_theory.ipynb (minimax and non-saturating) and
notebooks/05_when_training_fails.ipynb (least squares, Wasserstein + gradient penalty, hinge).

Goodfellow et al. (2014) define the value function, with D(x) = sigmoid(logit(x)):

    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   min_G max_D V(D, G).

D *maximises* V and G *minimises* it. (The article's section 3 writes max_G and min_D, swapped;
its code then inverts the generator's sign as well.) Every function here returns a quantity to
*minimise*, as a scalar float32 mean over the batch (per replica under a distribution strategy:
the caller scales it). Logits of any float dtype (bfloat16/float16 under mixed precision) are
cast to float32 first, so the sums and exponentials are computed at full precision.
"""

from medgan_course._tf import require_tensorflow
from medgan_course.training.loss_names import LOSS_NAMES, validate_loss_name  # noqa: F401  (re-exported: the losses and their names in one import)

tf = require_tensorflow()

#: Losses that read logits as log-odds of "real", where label smoothing has a meaning.
_BCE_LOSSES = ("minimax", "non_saturating")
#: Added under the square root of the gradient norm: the derivative of sqrt at 0 is infinite,
#: which would turn an all-zero gradient into NaN weights.
_NORM_EPSILON = 1e-12


def _float32(logits):
    """Logits as float32 (N, ...) tensors whatever dtype they came in."""
    return tf.cast(tf.convert_to_tensor(logits), tf.float32)


def _bce(target, logits):
    """Mean binary cross-entropy of sigmoid(logits) against a constant target in [0, 1].

    ``sigmoid_cross_entropy_with_logits`` is the stable form max(l, 0) - l*t + log(1 + e^-|l|),
    so logits of +-100 give finite losses and gradients.
    """
    targets = tf.fill(tf.shape(logits), tf.constant(target, tf.float32))
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))


def discriminator_loss(loss, real_logits, fake_logits, *, label_smoothing=0.0):
    """The discriminator's (critic's) loss to minimise.

    * "minimax" / "non_saturating": binary cross-entropy, real -> 1, fake -> 0, i.e.
      ``-[E log D(x) + E log(1 - D(G(z)))] = -V(D, G)``: minimising it is D's max over V. One-sided
      label smoothing (Salimans et al. 2016) uses the target ``1 - label_smoothing`` for real
      images only, so that D is not rewarded for ever larger logits on real data.
    * "least_squares" (LSGAN, Mao et al. 2017, a = 0, b = 1):
      ``0.5 E(D(x) - 1)^2 + 0.5 E D(G(z))^2`` on the raw outputs.
    * "wasserstein" (Arjovsky et al. 2017): ``E D(G(z)) - E D(x)``, the negated estimate of the
      Wasserstein-1 distance; only meaningful with a Lipschitz critic (``gradient_penalty`` or
      spectral norm).
    * "hinge" (Lim & Ye 2017; Miyato et al. 2018): ``E relu(1 - D(x)) + E relu(1 + D(G(z)))``.

    Args:
        loss: One of ``LOSS_NAMES``.
        real_logits: ``(N, 1)`` or ``(N,)`` discriminator outputs on real images, any float dtype.
        fake_logits: ``(M, 1)`` or ``(M,)`` outputs on generated images.
        label_smoothing: In [0, 1); only for "minimax" and "non_saturating".

    Returns:
        Scalar float32 ``d_loss``.

    Raises:
        ValueError: an unknown loss, or label smoothing out of range or for a loss without it.
    """
    validate_loss_name(loss)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}.")
    if label_smoothing and loss not in _BCE_LOSSES:
        raise ValueError(f"label_smoothing applies to {_BCE_LOSSES} only; got loss={loss!r}.")
    real, fake = _float32(real_logits), _float32(fake_logits)
    if loss in _BCE_LOSSES:
        return _bce(1.0 - label_smoothing, real) + _bce(0.0, fake)
    if loss == "least_squares":
        return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))
    if loss == "wasserstein":
        return tf.reduce_mean(fake) - tf.reduce_mean(real)
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


def generator_loss(loss, fake_logits):
    """The generator's loss to minimise: it falls as D scores the fakes as more real.

    * "minimax": G's side of V, ``E log(1 - D(G(z))) = -E softplus(l)`` (l the fake logits).
      It *saturates*: d/dl log(1 - sigmoid(l)) = -sigmoid(l), which tends to 0 when D confidently
      rejects the fakes (l -> -inf, D(G(z)) -> 0), i.e. exactly early in training, when G most
      needs a signal. Kept to show that failure (notebooks/02_gan_theory.ipynb).
    * "non_saturating" (Goodfellow et al. 2014): ``-E log D(G(z)) = E softplus(-l)``, binary
      cross-entropy against "real". Same fixed point, gradient -sigmoid(-l) -> -1 as l -> -inf.
    * "least_squares" (c = 1): ``0.5 E (D(G(z)) - 1)^2`` (falls only up to the target 1).
    * "wasserstein" and "hinge": ``-E D(G(z))``.

    Args:
        loss: One of ``LOSS_NAMES``.
        fake_logits: ``(N, 1)`` or ``(N,)`` discriminator outputs on generated images, any float
            dtype.

    Returns:
        Scalar float32 ``g_loss``.

    Raises:
        ValueError: an unknown loss.
    """
    validate_loss_name(loss)
    fake = _float32(fake_logits)
    if loss == "minimax":
        # log(1 - sigmoid(l)) = -softplus(l), finite for any l (1 - sigmoid(l) underflows to 0).
        return -tf.reduce_mean(tf.nn.softplus(fake))
    if loss == "non_saturating":
        return _bce(1.0, fake)
    if loss == "least_squares":
        return 0.5 * tf.reduce_mean(tf.square(fake - 1.0))
    return -tf.reduce_mean(fake)


def _interpolation_weights(batch_size, rank=4, seed=None):
    """One epsilon ~ Uniform[0, 1] per sample, shaped ``(N, 1, ..., 1)`` (``rank`` axes) float32.

    The shape follows the inputs' rank so that it broadcasts per sample for images ``(N, H, W,
    C)`` and for points ``(N, D)`` alike (a fixed ``(N, 1, 1, 1)`` would turn ``(N, D)`` into
    ``(N, 1, N, D)``).

    Uniform, as in Gulrajani et al. (2017), Algorithm 1: the penalty is meant to hold on the whole
    segment between a real and a fake image. keras-io's WGAN-GP example draws epsilon from a
    *normal* distribution, which puts half the points outside the segment (epsilon < 0 or > 1).
    """
    shape = tf.stack([batch_size] + [1] * (rank - 1))
    if seed is None:
        return tf.random.uniform(shape, minval=0.0, maxval=1.0, dtype=tf.float32)
    return tf.random.stateless_uniform(shape, seed=[seed, 0], minval=0.0, maxval=1.0,
                                       dtype=tf.float32)


def gradient_penalty(discriminator, real_images, fake_images, labels=None, *, seed=None,
                     training=True):
    """WGAN-GP penalty ``E[(||grad_x D(x_hat)||_2 - 1)^2]`` at ``x_hat = x + eps (G(z) - x)``.

    Gulrajani et al. (2017) enforce the critic's 1-Lipschitz constraint softly, on random points
    between real and fake images (eps ~ Uniform[0, 1] per sample). Add
    ``gp_weight * gradient_penalty(...)`` (the paper: 10) to the "wasserstein" critic loss inside
    the critic's GradientTape; the inner tape here lets the outer one differentiate the penalty
    with respect to the critic's weights. Do not use it with a BatchNormalization critic (the
    penalty must be per sample). Taught in notebooks/05_when_training_fails.ipynb.

    Args:
        discriminator: Callable ``discriminator(images, training=...)``, or
            ``discriminator([images, labels], training=...)`` when ``labels`` is given, returning
            ``(N, 1)`` logits.
        real_images: ``(N, H, W, C)`` float images in [-1, 1] (or ``(N, D)`` points).
        fake_images: ``(N, H, W, C)`` generated images, same shape.
        labels: ``(N,)`` int32 class indices for a class-conditional critic, else None. The real
            and fake image of a pair should share the label (conditional GANs sample them so).
        seed: Optional int for reproducible interpolation weights.
        training: Passed to the discriminator (dropout, spectral-norm updates).

    Returns:
        Scalar float32 penalty (>= 0; 0 when every gradient norm is exactly 1).

    Raises:
        ValueError: real and fake images of different static shapes.
    """
    real = tf.cast(real_images, tf.float32)
    fake = tf.cast(fake_images, tf.float32)
    if not real.shape.is_compatible_with(fake.shape):
        raise ValueError(f"real_images {real.shape} and fake_images {fake.shape} must have the "
                         "same shape (one fake per real image).")
    eps = _interpolation_weights(tf.shape(real)[0], real.shape.rank, seed)
    interpolates = real + eps * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        inputs = interpolates if labels is None else [interpolates, labels]
        logits = discriminator(inputs, training=training)
    grads = tf.cast(tape.gradient(logits, interpolates), tf.float32)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads)))
                    + _NORM_EPSILON)
    return tf.reduce_mean(tf.square(norms - 1.0))
