"""Which pixels does a network look at? Gradient saliency, Grad-CAM, and the sanity check.

Three maps, all `(N, H, W)` float32, one per image:

* `gradient_saliency` (Simonyan et al. 2014, "Deep inside convolutional networks"): the
  absolute gradient of the classifier's class score with respect to each input pixel, "how much
  would the score move if this pixel changed a little". Sharp but noisy.
* `grad_cam` (Selvaraju et al. 2017): the last convolution's feature maps, each weighted by the
  spatial mean of the score's gradient with respect to it, summed, rectified, upsampled to the
  image. Coarse (the classifier's last convolution sees 7 x 7 cells of a 28 px image) but
  class-discriminative.
* `discriminator_saliency`: the gradient of a GAN discriminator's real/fake logit with respect
  to the image: which pixels made it call an image real or fake.

The class score is the class's log-odds against the others, `log p_c - log(1 - p_c)`
(`class_log_odds`): unlike a raw logit it does not change when the same constant is added to
every logit, and for a linear two-class model its gradient is exactly `w_c - w_other`.

A saliency map is only worth reading if it depends on what the model learned. Adebayo et al.
(2018, "Sanity checks for saliency maps") proposed the model-randomisation test: compute the
maps again with a re-initialised copy of the network (`randomised_copy`) and compare the two
with a rank correlation (`spearman_per_image`). Maps that barely change explain the image or the
architecture, not the trained model. Taught in notebooks/10_explainability_and_trust.ipynb.
"""

from __future__ import annotations

import numpy as np

__all__ = ["class_log_odds", "gradient_saliency", "find_last_conv_layer", "grad_cam",
           "discriminator_saliency", "randomised_copy", "spearman_per_image", "mass_in_box",
           "centre_mass"]

#: Images per gradient computation (memory stays small on CPU).
BATCH = 64


def _as_images(images) -> np.ndarray:
    """Checks a batch of images: float32 `(N, H, W, C)`, finite, N >= 1."""
    x = np.asarray(images, np.float32)
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"images must be a (N, H, W, C) batch with N >= 1; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("images contain NaN or infinity")
    return x


def class_log_odds(outputs, class_index: int = 0):
    """Log-odds of one class from logits: a `(N, K)` tensor -> `(N,)` tensor.

    With K = 1 the single output is taken as the logit already (a discriminator, a one-output
    linear model). With K >= 2 it is `logit_c - logsumexp(logits of the other classes)`, which
    equals `log(p_c / (1 - p_c))` under softmax.

    Raises:
        ValueError: `class_index` outside [0, K).
    """
    import tensorflow as tf

    outputs = tf.convert_to_tensor(outputs)
    k = int(outputs.shape[-1])
    if k == 1:
        return outputs[:, 0]
    if not 0 <= int(class_index) < k:
        raise ValueError(f"class_index must be in [0, {k}); got {class_index}")
    others = tf.concat([outputs[:, :class_index], outputs[:, class_index + 1:]], axis=1)
    return outputs[:, class_index] - tf.reduce_logsumexp(others, axis=1)


def _input_gradients(score_fn, images, extra=None) -> np.ndarray:
    """d score_fn(x)[i] / d x[i] for every image, in batches: `(N, H, W, C)` float32.

    `score_fn(x)` (or `score_fn(x, extra_batch)`) must return `(n,)` scores, image i's score
    depending on image i only (true at inference: BatchNorm uses its moving statistics).
    """
    import tensorflow as tf

    grads = []
    for start in range(0, len(images), BATCH):
        x = tf.convert_to_tensor(images[start:start + BATCH])
        with tf.GradientTape() as tape:
            tape.watch(x)
            args = (x,) if extra is None else (x, extra[start:start + BATCH])
            total = tf.reduce_sum(score_fn(*args))
        grads.append(tape.gradient(total, x).numpy())
    return np.concatenate(grads).astype(np.float32)


def gradient_saliency(model, images, class_index: int = 0, *, signed: bool = False) -> np.ndarray:
    """Vanilla gradient saliency of a classifier (Simonyan et al. 2014).

    Args:
        model: a Keras model mapping images to logits `(N, K)` (K = 1: one logit).
        images: `(N, H, W, C)` float32 in [-1, 1].
        class_index: the class whose log-odds is explained (0 = malignant in BreastMNIST).
        signed: return the raw gradient instead of the map.

    Returns:
        `(N, H, W)` float32 >= 0: the largest absolute gradient over channels; or, with
        `signed=True`, the gradient itself `(N, H, W, C)` float32 (any sign).
    """
    x = _as_images(images)
    grads = _input_gradients(lambda b: class_log_odds(model(b, training=False), class_index), x)
    return grads if signed else np.abs(grads).max(axis=-1)


def _is_conv2d(layer) -> bool:
    import keras

    inner = getattr(layer, "layer", None)  # wrappers such as SpectralNormalization
    return isinstance(layer, keras.layers.Conv2D) or isinstance(inner, keras.layers.Conv2D)


def find_last_conv_layer(model):
    """The last 2-D convolution of a functional or Sequential Keras model (wrappers included).

    Grad-CAM reads this layer: it is the last one that still has a spatial layout, and the
    deepest, so the most class-specific.

    Raises:
        TypeError: `model` is not a Keras model.
        ValueError: the model has no Conv2D layer (a dense-only model has no feature maps; pass
            another model or use `gradient_saliency`).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"need a keras.Model; got {type(model).__name__}")
    for layer in reversed(model.layers):
        if _is_conv2d(layer):
            return layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer, so Grad-CAM has no feature maps "
                     f"to weight (layers: {[layer.name for layer in model.layers]}); use gradient_saliency")


def _upsample(cams, size) -> np.ndarray:
    """`(N, h, w)` -> `(N, H, W)` by bilinear interpolation."""
    import tensorflow as tf

    return tf.image.resize(cams[..., None], size, method="bilinear").numpy()[..., 0]


def grad_cam(model, images, class_index: int = 0, *, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM maps (Selvaraju et al. 2017) of a classifier, upsampled to the image size.

    `cam = ReLU(sum_k alpha_k A_k)` with `A_k` the k-th feature map of the last convolution and
    `alpha_k` the spatial mean of d(class log-odds)/d A_k. Because `alpha_k` is one number per
    channel, Grad-CAM says WHICH features matter and shows WHERE those features are active; a
    region the model ignores can still light up if it activates an important channel.

    Args:
        model: a functional or Sequential Keras model, images -> logits `(N, K)`.
        images: `(N, H, W, C)` float32 in [-1, 1].
        class_index: the class explained.
        layer_name: the convolution to read (default: `find_last_conv_layer`).

    Returns:
        `(N, H, W)` float32 in [0, 1], each map divided by its maximum (all zeros when nothing
        positive is left after the ReLU).

    Raises:
        ValueError: no Conv2D layer, an unknown `layer_name`, or a model without symbolic
            inputs (a subclassed model: rebuild it functionally).
    """
    import keras
    import tensorflow as tf

    x = _as_images(images)
    layer = model.get_layer(layer_name) if layer_name else find_last_conv_layer(model)
    try:
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # no structure warning
        probe = keras.Model(inputs, [layer.output, model.outputs[0]])
    except (AttributeError, ValueError, TypeError) as err:
        raise ValueError(f"Grad-CAM needs a functional or Sequential model with an Input; "
                         f"{model.name!r} has none ({err})") from err
    cams = []
    for start in range(0, len(x), BATCH):
        with tf.GradientTape() as tape:
            features, logits = probe(x[start:start + BATCH], training=False)
            score = tf.reduce_sum(class_log_odds(logits, class_index))
        grads = tape.gradient(score, features)
        alpha = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # (n, 1, 1, K)
        cams.append(tf.nn.relu(tf.reduce_sum(alpha * features, axis=-1)).numpy())
    cam = _upsample(np.concatenate(cams).astype(np.float32), x.shape[1:3])
    cam = np.maximum(cam, 0.0)
    peak = cam.max(axis=(1, 2), keepdims=True)
    return np.where(peak > 0, cam / np.where(peak > 0, peak, 1.0), 0.0).astype(np.float32)


def discriminator_saliency(discriminator, images, labels=None) -> np.ndarray:
    """Gradient saliency of a GAN discriminator's real/fake logit.

    Args:
        discriminator: images `(N, H, W, C)` (or `[images, labels]` when conditional) -> logits
            `(N, 1)`; larger = "more real".
        images: `(N, H, W, C)` float32 in [-1, 1], real or generated.
        labels: `(N,)` int class indices for a conditional discriminator, else None.

    Returns:
        `(N, H, W)` float32 >= 0, the largest absolute gradient over channels.
    """
    import tensorflow as tf

    x = _as_images(images)
    if labels is None:
        grads = _input_gradients(lambda b: discriminator(b, training=False)[:, 0], x)
    else:
        labels = np.asarray(labels, np.int32).reshape(-1)
        if labels.shape != (len(x),):
            raise ValueError(f"need one label per image: {len(x)}; got shape {labels.shape}")
        grads = _input_gradients(
            lambda b, y: discriminator([b, tf.convert_to_tensor(y)], training=False)[:, 0],
            x, extra=labels)
    return np.abs(grads).max(axis=-1)


def randomised_copy(model, seed: int = 0):
    """A copy of `model` with the same architecture and freshly initialised weights.

    The "cascading" version of Adebayo et al. re-initialises layers from the top one by one; this
    is their full randomisation, the strongest version of the test.

    Args:
        model: a functional or Sequential Keras model.
        seed: seeds the new initial weights.
    """
    import keras

    keras.utils.set_random_seed(int(seed))
    return keras.models.clone_model(model)  # clone_model builds new layers: new weights


def _ranks(x) -> np.ndarray:
    """Average ranks of the rows of `x` (N, P), ties sharing their mean rank (as Spearman needs)."""
    from scipy.stats import rankdata

    return rankdata(x, axis=1)


def spearman_per_image(maps_a, maps_b) -> np.ndarray:
    """Spearman rank correlation between two maps of each image.

    Args:
        maps_a, maps_b: `(N, H, W)` (or `(N, ...)`) float maps of the same images.

    Returns:
        `(N,)` float64 in [-1, 1]; NaN for an image whose map is constant in either set (no
        ranking to compare).
    """
    a = np.asarray(maps_a, np.float64).reshape(len(maps_a), -1)
    b = np.asarray(maps_b, np.float64).reshape(len(maps_b), -1)
    if a.shape != b.shape or a.shape[1] < 2:
        raise ValueError(f"maps must have one shape with >= 2 pixels; got {np.shape(maps_a)} and "
                         f"{np.shape(maps_b)}")
    ra, rb = _ranks(a), _ranks(b)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(axis=1) / np.where(denom > 0, denom, 1.0), np.nan)


def mass_in_box(maps, top: int, left: int, bottom: int, right: int) -> np.ndarray:
    """Fraction of each map's total (non-negative) mass inside rows [top, bottom), columns [left, right).

    Args:
        maps: `(N, H, W)` float maps >= 0.
        top, left, bottom, right: the box in pixels.

    Returns:
        `(N,)` float64 in [0, 1]; NaN for an all-zero map.
    """
    m = np.asarray(maps, np.float64)
    if m.ndim != 3:
        raise ValueError(f"maps must be (N, H, W); got shape {m.shape}")
    if (m < 0).any():
        raise ValueError("maps must be non-negative (take absolute values first)")
    if not (0 <= top < bottom <= m.shape[1] and 0 <= left < right <= m.shape[2]):
        raise ValueError(f"box rows [{top}, {bottom}), cols [{left}, {right}) is not inside "
                         f"{m.shape[1:]}")
    total = m.sum(axis=(1, 2))
    inside = m[:, top:bottom, left:right].sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1.0), np.nan)


def centre_mass(maps, fraction: float = 0.5) -> np.ndarray:
    """`mass_in_box` of the central box covering `fraction` of each side (0.5: a quarter of the area).

    A uniform map gives about `fraction**2`; a map on the lesion (centred in BreastMNIST's crops)
    gives more; a map on the borders (text, calipers, frame edges) gives less.
    """
    m = np.asarray(maps)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1]; got {fraction}")
    h, w = m.shape[1:3]
    dh, dw = max(1, round(h * fraction)), max(1, round(w * fraction))
    top, left = (h - dh) // 2, (w - dw) // 2
    return mass_in_box(m, top, left, top + dh, left + dw)
