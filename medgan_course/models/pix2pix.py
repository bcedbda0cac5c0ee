"""pix2pix networks (Isola et al., CVPR 2017) scaled down to 28-64 px: a U-Net generator and a
PatchGAN discriminator, for image-to-image tasks such as denoising and super-resolution.

Taught in notebooks/09_image_enhancement.ipynb. What differs from the paper, and why:

* The U-Net goes down only ``depth`` times (2 at 28 px: 28 -> 14 -> 7) instead of 8 times
  (256 -> 1): a 28 px image has no room for more, and the skip connections at every level
  already let fine detail bypass the bottleneck, which is the point of a U-Net.
* No BatchNormalization and no dropout in the generator. The paper used dropout as its only
  source of randomness and reported that the network largely ignored it; without it the
  generator is a deterministic function of its input, so "the same U-Net trained with L1 only"
  differs from the GAN by the loss alone. Without BatchNormalization, ``training=True`` and
  ``training=False`` give the same output (no train/test statistics gap on 546 images).
* The PatchGAN sees ``(condition, candidate)`` pairs, as in the paper, and outputs one logit per
  overlapping patch. With the default layers each logit sees a 14 x 14 px patch of a 28 px
  image (about half its side; the paper's 70 px patch is about a quarter of 256 px).
"""

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

require_tensorflow()

import keras  # noqa: E402  (imported after the version check on purpose)

#: LeakyReLU slope of the encoder and the discriminator (the paper's 0.2).
LEAKY_SLOPE = 0.2
#: Receptive field, in input pixels, of one PatchGAN logit with the default layers
#: (4x4 stride 2 -> 3x3 stride 1 -> 4x4 stride 2 -> 1x1: 4, 8, 14, 14).
PATCH_SIZE = 14


def _check_positive(**values):
    """Raises ValueError naming the first argument that is not a positive int."""
    for key, value in values.items():
        positive_int(key, value)


def _check_size(image_size, depth):
    """The U-Net halves the image `depth` times: image_size must be divisible by 2**depth."""
    _check_positive(image_size=image_size, depth=depth)
    if image_size % (2 ** depth) or image_size // (2 ** depth) < 2:
        raise ValueError(
            f"a U-Net of depth {depth} needs an image side divisible by {2 ** depth} with at "
            f"least 2 px left at the bottom; got image_size={image_size} (28 px works with "
            "depth 2, 64 px with depth 2-5).")


def _conv(filters, kernel, strides=1, name=None):
    return keras.layers.Conv2D(filters, kernel, strides=strides, padding="same", name=name)


def build_unet(image_size=28, channels=1, base_filters=16, depth=2, *, residual=False,
               name="unet"):
    """The U-Net generator: degraded image in, restored image out, same size.

    Encoder level k (k = 0..depth) works at ``image_size / 2**k`` px with ``b * 2**k`` filters
    (b = ``base_filters``): a 3x3 convolution, then (except at the bottom) a 4x4 stride-2
    convolution down. The decoder mirrors it with 4x4 stride-2 transposed convolutions (a kernel
    divisible by the stride avoids checkerboard artefacts) and concatenates the encoder's
    features of the same size (the skip connections) before a 3x3 convolution. A last 1x1
    convolution gives the image through tanh, or, with ``residual=True``, a correction added
    to the input and clipped to [-1, 1] (the network then only has to learn what to change,
    which trains faster: VDSR, Kim et al., CVPR 2016). LeakyReLU(0.2) in the encoder, ReLU in the decoder
    (as in the paper). About 0.15 M parameters at b=16, depth 2 (0.6 M at b=32).

    Args:
        image_size: image side in pixels, divisible by ``2**depth`` (28 or 64 in the course).
        channels: image channels (1 for grey MedMNIST).
        base_filters: filters b at full resolution; compute grows as b squared.
        depth: number of halvings (2 at 28 px: 28 -> 14 -> 7).
        residual: predict a correction to the input instead of the image (see above).
        name: Keras model name.

    Returns:
        A ``keras.Model`` mapping degraded images ``(N, image_size, image_size, channels)``
        float32 in [-1, 1] to restored images of the same shape, float32 in [-1, 1].

    Raises:
        ValueError: sizes that are not positive ints, or an image side the depth cannot halve.
    """
    _check_size(image_size, depth)
    _check_positive(channels=channels, base_filters=base_filters)
    layers = keras.layers
    inputs = keras.Input(shape=(image_size, image_size, channels), name="degraded")
    x, skips = inputs, []
    for level in range(depth + 1):
        x = _conv(base_filters * 2 ** level, 3, name=f"enc{level}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE)(x)
        if level < depth:
            skips.append(x)
            x = _conv(base_filters * 2 ** (level + 1), 4, strides=2, name=f"down{level}")(x)
            x = layers.LeakyReLU(LEAKY_SLOPE)(x)
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(base_filters * 2 ** level, 4, strides=2, padding="same",
                                   name=f"up{level}")(x)
        x = layers.ReLU()(x)
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])
        x = _conv(base_filters * 2 ** level, 3, name=f"dec{level}")(x)
        x = layers.ReLU()(x)
    # float32 output under mixed precision: the image range and the L1 loss stay exact.
    if not residual:
        images = layers.Conv2D(channels, 1, activation="tanh", dtype="float32", name="restored")(x)
        return keras.Model(inputs, images, name=name)
    correction = layers.Conv2D(channels, 1, dtype="float32", name="correction")(x)
    images = layers.Add(dtype="float32")([inputs, correction])
    # hard_tanh clips to [-1, 1] (a named activation, so the model saves and loads safely).
    images = layers.Activation("hard_tanh", dtype="float32", name="restored")(images)
    return keras.Model(inputs, images, name=name)


def build_patch_discriminator(image_size=28, channels=1, base_filters=16,
                              name="patch_discriminator"):
    """The conditional PatchGAN: is this candidate a plausible clean version of this input?

    The degraded input and the candidate (clean or generated) are concatenated along channels,
    then 4x4 stride 2 (b) -> 3x3 (2b) -> 4x4 stride 2 (2b) -> 1x1 logits, LeakyReLU(0.2) between,
    no normalisation. Each logit judges one ``PATCH_SIZE`` px patch, so the discriminator
    penalises unrealistic local texture (what L1 alone blurs) and leaves the global layout to
    the L1 term.

    Args:
        image_size: image side in pixels, divisible by 4.
        channels: channels of one image (the network sees 2 * channels).
        base_filters: filters b of the first layer.
        name: Keras model name.

    Returns:
        A ``keras.Model`` called as ``discriminator([condition, candidate])``, both
        ``(N, image_size, image_size, channels)`` float32 in [-1, 1], returning logits
        ``(N, image_size / 4, image_size / 4, 1)`` float32 (one per patch; higher = "real").

    Raises:
        ValueError: sizes that are not positive ints, or an image side not divisible by 4.
    """
    _check_size(image_size, 2)
    _check_positive(channels=channels, base_filters=base_filters)
    layers = keras.layers
    shape = (image_size, image_size, channels)
    condition = keras.Input(shape=shape, name="condition")
    candidate = keras.Input(shape=shape, name="candidate")
    x = layers.Concatenate(name="pair")([condition, candidate])
    for index, (filters, kernel, strides) in enumerate(
            [(base_filters, 4, 2), (2 * base_filters, 3, 1), (2 * base_filters, 4, 2)]):
        x = _conv(filters, kernel, strides, name=f"conv{index}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE)(x)
    logits = layers.Conv2D(1, 1, dtype="float32", name="patch_logits")(x)
    return keras.Model([condition, candidate], logits, name=name)
