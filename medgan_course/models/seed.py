"""The source article's generator and discriminator, layer for layer, in Keras 3.

The article (``../shared/seed/article_zh.md``, section 4) copies the DCGAN of TensorFlow's
"Deep Convolutional Generative Adversarial Network" tutorial. These two builders reproduce it
exactly (same layers, kernel sizes, strides, biases, activations and default slopes, so the same
2,330,944 + 212,865 parameters and the same weight order), with two changes that do not alter
the architecture:

* ``keras.Input`` replaces the Keras 2 ``input_shape=`` argument (deprecated in Keras 3);
* the generator's last layer (tanh) and the discriminator's last Dense are pinned to
  ``dtype="float32"``. Under a ``mixed_float16``/``mixed_bfloat16`` policy every other layer
  computes in 16 bits, but images and logits stay float32, so losses and the tanh range are
  computed at full precision (a float16 logit of 12 already loses the 4th decimal of its sigmoid).
  Under the default float32 policy the pin changes nothing.

The article's *training loop* is broken (see ``article_en.md``); its *models* are fine and are the
baseline of notebooks/03_building_a_dcgan.ipynb, whose improved successor is ``dcgan.py``.
"""

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

require_tensorflow()

import keras  # noqa: E402  (imported after the version check on purpose)

#: The only image size the article's models can make: a 7x7 start doubled twice gives 28.
SEED_IMAGE_SIZE = 28
#: The article's latent size (``input_shape=(100,)``).
SEED_LATENT_DIM = 100
#: Keras' default LeakyReLU slope, which the article uses implicitly (``layers.LeakyReLU()``).
#: Written out because Keras' default is 0.3, not the 0.2 of the DCGAN paper.
KERAS_DEFAULT_LEAKY_SLOPE = 0.3


def _check_seed_shape(image_size, channels, num_classes=None):
    """Raises ValueError unless the request is one the article's fixed architecture can make."""
    if image_size != SEED_IMAGE_SIZE:
        raise ValueError(
            f"The article's models make {SEED_IMAGE_SIZE}x{SEED_IMAGE_SIZE} images only (a 7x7 "
            f"start upsampled twice); got image_size={image_size}. Use the course DCGAN "
            "(models.dcgan.build_generator, name 'dcgan'), which supports 28 and 64 px."
        )
    positive_int("channels (1 grey, 3 RGB)", channels)
    if num_classes is not None:
        raise ValueError(
            "The article's models are unconditional; got num_classes="
            f"{num_classes}. Use the course DCGAN ('dcgan') for class-conditional models."
        )


def seed_generator(latent_dim=SEED_LATENT_DIM, *, image_size=SEED_IMAGE_SIZE, channels=1,
                   name="seed_generator"):
    """The article's generator: Dense -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 28x28xC.

    Taught in notebooks/03_building_a_dcgan.ipynb. Every layer has ``use_bias=False``, as in the
    article (the BatchNormalization after each layer makes a bias redundant; the output layer has
    none either).

    Args:
        latent_dim: Size of the noise vector (the article: 100).
        image_size: Must be 28; any other value raises ValueError.
        channels: Output channels; the article's 1 (grey). Other values change only the last
            layer's filter count.
        name: Keras model name.

    Returns:
        A ``keras.Model`` mapping z ``(N, latent_dim)`` float32 ~ N(0, 1) to images
        ``(N, 28, 28, channels)`` float32 in [-1, 1] (tanh). 2,330,944 parameters for
        ``latent_dim=100, channels=1``, of which 25,472 are BatchNormalization moving statistics.

    Raises:
        ValueError: image_size other than 28, a non-positive latent_dim or channels.
    """
    _check_seed_shape(image_size, channels)
    positive_int("latent_dim", latent_dim)
    layers = keras.layers
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(7 * 7 * 256, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(negative_slope=KERAS_DEFAULT_LEAKY_SLOPE)(x)
    x = layers.Reshape((7, 7, 256))(x)
    for filters, strides in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(filters, (5, 5), strides=strides, padding="same",
                                   use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(negative_slope=KERAS_DEFAULT_LEAKY_SLOPE)(x)
    # dtype="float32": see the module docstring (mixed precision keeps the image in float32).
    images = layers.Conv2DTranspose(channels, (5, 5), strides=2, padding="same", use_bias=False,
                                    activation="tanh", dtype="float32", name="images")(x)
    return keras.Model(z, images, name=name)


def seed_discriminator(image_shape=(SEED_IMAGE_SIZE, SEED_IMAGE_SIZE, 1), *,
                       name="seed_discriminator"):
    """The article's discriminator: two 5x5 stride-2 convolutions, dropout, one logit.

    Taught in notebooks/03_building_a_dcgan.ipynb. It outputs a *logit* (no sigmoid), so it must be
    paired with a loss that expects logits (``training.losses``); the article instead used the raw
    output as a loss, which is one of its defects.

    Args:
        image_shape: ``(28, 28, channels)``; the article's ``(28, 28, 1)``.
        name: Keras model name.

    Returns:
        A ``keras.Model`` mapping images ``(N, 28, 28, C)`` float32 in [-1, 1] to logits
        ``(N, 1)`` float32 (unbounded; sigmoid(logit) = P(real)). 212,865 parameters for C = 1.

    Raises:
        ValueError: image_shape not of the form (28, 28, C).
    """
    if len(tuple(image_shape)) != 3 or image_shape[0] != image_shape[1]:
        raise ValueError(f"image_shape must be (28, 28, channels); got {image_shape!r}.")
    _check_seed_shape(image_shape[0], image_shape[2])
    layers = keras.layers
    images = keras.Input(shape=tuple(image_shape), name="images")
    x = images
    for filters in (64, 128):
        x = layers.Conv2D(filters, (5, 5), strides=2, padding="same")(x)
        x = layers.LeakyReLU(negative_slope=KERAS_DEFAULT_LEAKY_SLOPE)(x)
        x = layers.Dropout(0.3)(x)
    x = layers.Flatten(name="features")(x)
    # dtype="float32": logits stay float32 under mixed precision (module docstring).
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
