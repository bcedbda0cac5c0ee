"""A small U-Net that predicts the noise in a noisy image: the network of a diffusion model.

Taught in notebooks/13_diffusion_vs_gan.ipynb. The design follows the DDPM U-Net (Ho, Jain &
Abbeel 2020) scaled down for 28 px images and two CPU cores:

* Three resolutions (28, 14, 7 px at 28 px input), one residual block each on the way down and
  up, joined by skip connections: the skips carry fine detail past the bottleneck, which a noise
  predictor needs because the noise it must name is per pixel.
* The timestep enters every residual block as a learned bias per channel, computed from a
  sinusoidal embedding of t / T: one network serves every noise level.
* GroupNormalization, not BatchNormalization: a batch mixes noise levels, so batch statistics
  would mix very different images (and make sampling depend on the batch).
* Class-conditional models (``num_classes`` given) add a learned label embedding to the time
  embedding. Index ``num_classes`` is the "no label" token that classifier-free guidance trains
  with (Ho & Salimans 2022), so one network predicts both conditional and unconditional noise.
"""

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

require_tensorflow()

import keras  # noqa: E402  (imported after the version check on purpose)
from keras import layers, ops  # noqa: E402

#: Image sides the U-Net accepts: divisible by 4 (two halvings).
SUPPORTED_IMAGE_SIZES = (28, 64)
#: Width of the sinusoidal timestep features.
TIME_FEATURES = 64


def timestep_features(t, dim: int = TIME_FEATURES):
    """Sinusoidal features of normalised timesteps, as in the Transformer's positions.

    Args:
        t: `(N,)` float32 in [0, 1] (timestep / number of timesteps).
        dim: number of features (even).

    Returns:
        `(N, dim)` float32 in [-1, 1]: sines and cosines of t at geometric frequencies.
    """
    half = dim // 2
    # Frequencies 1 .. 1000 (times 1000 t): slow ones tell noise levels apart, fast ones nearby t.
    freqs = ops.exp(ops.arange(half, dtype="float32") * (-ops.log(1000.0) / (half - 1)))
    angles = ops.expand_dims(t * 1000.0, -1) * ops.expand_dims(freqs, 0)
    return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)


@keras.saving.register_keras_serializable(package="medgan_course")
class TimestepFeatures(layers.Layer):
    """`timestep_features` as a layer (a Lambda would not survive cloning or saving)."""

    def __init__(self, dim: int = TIME_FEATURES, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    def call(self, t):
        return timestep_features(t, self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _groups(filters: int) -> int:
    """The largest of 8, 4, 2, 1 that divides `filters` (GroupNormalization's groups)."""
    return next(g for g in (8, 4, 2, 1) if filters % g == 0)


def residual_block(x, embedding, filters: int, name: str):
    """Norm-SiLU-conv twice, the embedding added as a per-channel bias between; 1x1 skip if needed.

    Args:
        x: `(N, H, W, C)` feature map.
        embedding: `(N, E)` time (and label) embedding.
        filters: output channels.
        name: prefix of the layer names.

    Returns:
        `(N, H, W, filters)` feature map.
    """
    h = layers.GroupNormalization(_groups(x.shape[-1]), name=f"{name}_norm1")(x)
    h = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(layers.Activation("silu")(h))
    bias = layers.Dense(filters, name=f"{name}_time")(layers.Activation("silu")(embedding))
    h = h + ops.expand_dims(ops.expand_dims(bias, 1), 1)
    h = layers.GroupNormalization(_groups(filters), name=f"{name}_norm2")(h)
    h = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(layers.Activation("silu")(h))
    skip = x if x.shape[-1] == filters else layers.Conv2D(filters, 1, name=f"{name}_skip")(x)
    return skip + h


def _embedding(t, labels, width: int, num_classes):
    """Time embedding `(N, width)`, plus the label's when the model is conditional."""
    features = TimestepFeatures(name="time_features")(t)
    emb = layers.Dense(width, activation="silu", name="time_dense1")(features)
    emb = layers.Dense(width, name="time_dense2")(emb)
    if labels is not None:
        # num_classes + 1 rows: the last is the "no label" token of classifier-free guidance.
        emb = emb + layers.Embedding(num_classes + 1, width, name="label_embedding")(labels)
    return emb


def build_unet(image_size: int = 28, channels: int = 1, base_filters: int = 16,
               num_classes: int | None = None, name: str = "unet") -> keras.Model:
    """The noise-prediction network of notebook 13.

    Args:
        image_size: side of the square images (28 or 64).
        channels: image channels (1 grey, 3 colour).
        base_filters: filters at full resolution; 2x at the two lower ones.
        num_classes: None for an unconditional model; else the number of classes (>= 2).
        name: the model's name.

    Returns:
        A `keras.Model` taking `[noisy_images (N, H, W, C) float32, t (N,) float32 in [0, 1]]`
        (plus `labels (N,) int32 in [0, num_classes]` when conditional, `num_classes` meaning
        "no label") and returning the predicted noise `(N, H, W, C)` float32, unbounded.
    """
    if image_size not in SUPPORTED_IMAGE_SIZES:
        raise ValueError(f"build_unet makes {SUPPORTED_IMAGE_SIZES} px models; got "
                         f"image_size={image_size!r}")
    positive_int("channels", channels)
    positive_int("base_filters", base_filters)
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"num_classes must be None or an int >= 2, got {num_classes!r}")
    images = keras.Input((image_size, image_size, channels), name="noisy_images")
    t = keras.Input((), name="t")
    labels = keras.Input((), dtype="int32", name="labels") if num_classes else None
    emb = _embedding(t, labels, 4 * base_filters, num_classes)
    widths = (base_filters, 2 * base_filters, 2 * base_filters)
    h = layers.Conv2D(widths[0], 3, padding="same", name="stem")(images)
    skips = []
    for level, filters in enumerate(widths):
        h = residual_block(h, emb, filters, f"down{level}")
        skips.append(h)
        if level < len(widths) - 1:  # halve: 28 -> 14 -> 7
            h = layers.Conv2D(widths[level + 1], 3, strides=2, padding="same", name=f"halve{level}")(h)
    h = residual_block(h, emb, widths[-1], "middle")
    for level in reversed(range(len(widths))):
        if level < len(widths) - 1:  # double: 7 -> 14 -> 28
            h = layers.UpSampling2D(2, name=f"double{level}")(h)
            h = layers.Conv2D(widths[level], 3, padding="same", name=f"double{level}_conv")(h)
        h = layers.Concatenate(name=f"skip{level}")([h, skips[level]])
        h = residual_block(h, emb, widths[level], f"up{level}")
    h = layers.Activation("silu")(layers.GroupNormalization(_groups(widths[0]), name="out_norm")(h))
    noise = layers.Conv2D(channels, 3, padding="same", name="noise", dtype="float32")(h)
    inputs = [images, t] + ([labels] if num_classes else [])
    return keras.Model(inputs, noise, name=name)
