"""The course's default DCGAN for 28 and 64 px images, unconditional or class-conditional.

Taught in notebooks/03_building_a_dcgan.ipynb, which compares it with the article's model
(``seed.py``). What changes, and why:

* Upsampling by ``Conv2DTranspose(kernel_size=4, strides=2)``: a kernel divisible by its stride
  covers every output pixel equally often, which avoids the checkerboard artefacts of the
  article's 5x5 / stride-2 layers (Odena, Dumoulin & Olah, Distill 2016).
* ReLU in the generator, LeakyReLU(0.2) in the discriminator, tanh output (Radford et al. 2016).
* About 2.5x fewer generator parameters at 28 px (~0.94 M against 2.33 M for ``base_filters=64``):
  BreastMNIST has 546 training images, and a smaller model overfits and memorises less.
* BatchNormalization momentum 0.9 in the generator instead of Keras' 0.99, so the moving
  statistics used by ``generator(z, training=False)`` follow training within tens of steps
  rather than hundreds (short course runs otherwise sample from stale statistics).
* Spectral normalization (Miyato et al. 2018) on every discriminator weight by default, and no
  BatchNormalization there when it is on. Note that ``keras.layers.SpectralNormalization``
  renormalises the kernel *in place* on each ``training=True`` call (no gradient through sigma).

Class-conditional models (``num_classes`` given) take ``[z, labels]`` / ``[images, labels]``:
the generator concatenates a learned label embedding to z; the discriminator uses the projection
head of Miyato & Koyama (2018), ``logit = w.h + b + embed(y).h``.
"""

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

require_tensorflow()

import keras  # noqa: E402  (imported after the version check on purpose)

#: image_size -> (side of the first feature map, number of stride-2 layers that double it).
_GEOMETRY = {28: (7, 2), 64: (8, 3)}
SUPPORTED_IMAGE_SIZES = tuple(_GEOMETRY)
#: The DCGAN paper's discriminator slope.
LEAKY_SLOPE = 0.2
#: Generator BatchNormalization momentum (see the module docstring).
GENERATOR_BN_MOMENTUM = 0.9


def _geometry(image_size):
    """(start side, number of doublings) for a supported image size, else a clear ValueError."""
    if image_size not in _GEOMETRY:
        raise ValueError(
            f"The course DCGAN makes {SUPPORTED_IMAGE_SIZES} px images; got image_size="
            f"{image_size!r}. Resize the data (MedMNIST ships 28 and 64 px files)."
        )
    return _GEOMETRY[image_size]


def _check_positive(**values):
    """Raises ValueError naming the first argument that is not a positive int."""
    for key, value in values.items():
        positive_int(key, value)


def _check_num_classes(num_classes, *, required=False):
    """None (unconditional) or an int >= 2; ValueError otherwise."""
    if num_classes is None and not required:
        return
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2 (or None for an unconditional "
                         f"model); got {num_classes!r}.")


def _labels_input():
    """The class-index input: ``(N,)`` int32, as in docs/ARCHITECTURE.md."""
    return keras.Input(shape=(), dtype="int32", name="labels")


def build_generator(latent_dim=128, image_size=28, channels=1, num_classes=None,
                    base_filters=64, name="generator", *, label_embedding_dim=32):
    """The course generator: project z to a small feature map, then double it to the image size.

    28 px: Dense -> 7x7x(2b) -> 14x14x(b) -> 28x28xC; 64 px: Dense -> 8x8x(4b) -> 16x16x(2b) ->
    32x32x(b) -> 64x64xC, with b = ``base_filters``. Each hidden layer is followed by
    BatchNormalization and ReLU (hence ``use_bias=False``); the last is tanh, kept in float32.
    Taught in notebooks/03_building_a_dcgan.ipynb.

    Args:
        latent_dim: Length of z.
        image_size: 28 or 64.
        channels: Output channels (1 for grey MedMNIST, 3 for RGB).
        num_classes: None for an unconditional model, else the number of classes (>= 2).
        base_filters: Width b of the widest-resolution layer; compute grows as b squared.
        name: Keras model name.
        label_embedding_dim: Length of the learned class embedding concatenated to z.

    Returns:
        A ``keras.Model``. Unconditional: ``generator(z)``; conditional: ``generator([z, labels])``
        with z ``(N, latent_dim)`` float32 ~ N(0, 1) and labels ``(N,)`` int32 in
        [0, num_classes). Output: images ``(N, image_size, image_size, channels)`` float32 in
        [-1, 1].

    Raises:
        ValueError: unsupported image_size, non-positive sizes, num_classes < 2.
    """
    start, doublings = _geometry(image_size)
    _check_positive(latent_dim=latent_dim, channels=channels, base_filters=base_filters,
                    label_embedding_dim=label_embedding_dim)
    _check_num_classes(num_classes)
    layers = keras.layers
    z = keras.Input(shape=(latent_dim,), name="z")
    inputs, x = z, z
    if num_classes is not None:
        labels = _labels_input()
        embedding = layers.Embedding(num_classes, label_embedding_dim, name="label_embedding")
        embedded = embedding(labels)
        inputs, x = [z, labels], layers.Concatenate(name="z_and_label")([z, embedded])
    filters = base_filters * 2 ** (doublings - 1)
    x = layers.Dense(start * start * filters, use_bias=False, name="project")(x)
    x = layers.Reshape((start, start, filters))(x)
    x = layers.BatchNormalization(momentum=GENERATOR_BN_MOMENTUM)(x)
    x = layers.ReLU()(x)
    for _ in range(doublings - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=GENERATOR_BN_MOMENTUM)(x)
        x = layers.ReLU()(x)
    # float32 output under mixed precision: the image range and the losses stay exact.
    images = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh",
                                    dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)


def _maybe_sn(layer, spectral_norm):
    """Wraps ``layer`` in SpectralNormalization (keeping its dtype policy) when asked."""
    if not spectral_norm:
        return layer
    return keras.layers.SpectralNormalization(layer, dtype=layer.dtype_policy,
                                              name=f"sn_{layer.name}")


def _discriminator_trunk(images, image_size, base_filters, spectral_norm, dropout, batch_norm):
    """Stride-2 4x4 convolutions down to the start side; returns the flat features ``(N, F)``.

    The first convolution has no normalisation (DCGAN paper); with ``batch_norm`` the others
    use BatchNormalization. The flattened layer is named "features" so that feature matching
    (Salimans et al. 2016, notebooks/08_label_scarcity.ipynb) can read it.
    """
    _, doublings = _geometry(image_size)
    x = images
    for i in range(doublings):
        conv = keras.layers.Conv2D(base_filters * 2 ** i, 4, strides=2, padding="same",
                                   use_bias=not batch_norm or i == 0, name=f"conv{i}")
        x = _maybe_sn(conv, spectral_norm)(x)
        if batch_norm and i > 0:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE)(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    return keras.layers.Flatten(name="features")(x)


def _check_dropout(dropout):
    """Raises ValueError unless ``dropout`` is a rate in [0, 1)."""
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is a rate in [0, 1); got {dropout!r}.")


def build_discriminator(image_size=28, channels=1, num_classes=None, base_filters=64,
                        spectral_norm=True, dropout=0.0, name="discriminator", *, batch_norm=None):
    """The course discriminator (a "critic" under the Wasserstein loss): images -> one logit.

    28 px: 28 -> 14 -> 7 with b, 2b filters; 64 px: 64 -> 32 -> 16 -> 8 with b, 2b, 4b filters;
    then flatten and a linear head. With ``num_classes`` the head is the projection of Miyato &
    Koyama (2018): ``logit = w.h + b + <embed(y), h>``, i.e. an inner product between the class
    embedding and the features, which Miyato & Koyama found to condition better than
    concatenating labels to the input. Taught in notebooks/03_building_a_dcgan.ipynb and
    notebooks/07_class_imbalance.ipynb.

    Without spectral norm the hidden convolutions use BatchNormalization by default, which
    couples the samples of a batch: for a gradient penalty pass ``batch_norm=False``
    (Gulrajani et al. 2017 drop BatchNorm from the critic for that reason).

    Args:
        image_size: 28 or 64.
        channels: Input channels.
        num_classes: None (unconditional) or the number of classes (>= 2).
        base_filters: Filters of the first convolution.
        spectral_norm: Wrap every convolution, Dense and the class embedding in
            ``keras.layers.SpectralNormalization`` (and use no BatchNormalization).
        dropout: Dropout rate after each LeakyReLU (0 disables it).
        name: Keras model name.
        batch_norm: BatchNormalization after the hidden convolutions; None means "when there
            is no spectral norm". Both at once is refused.

    Returns:
        A ``keras.Model``: ``discriminator(images)`` or ``discriminator([images, labels])`` with
        images ``(N, image_size, image_size, channels)`` float32 in [-1, 1] and labels ``(N,)``
        int32; output logits ``(N, 1)`` float32 (unbounded; the last layers are float32 under
        mixed precision).

    Raises:
        ValueError: unsupported image_size, non-positive sizes, num_classes < 2, bad dropout.
    """
    _geometry(image_size)
    _check_positive(channels=channels, base_filters=base_filters)
    _check_num_classes(num_classes)
    _check_dropout(dropout)
    batch_norm = (not spectral_norm) if batch_norm is None else bool(batch_norm)
    if batch_norm and spectral_norm:
        raise ValueError("choose spectral_norm or batch_norm for the discriminator, not both")
    layers = keras.layers
    images = keras.Input(shape=(image_size, image_size, channels), name="images")
    features = _discriminator_trunk(images, image_size, base_filters, spectral_norm, dropout,
                                    batch_norm)
    logits = _maybe_sn(layers.Dense(1, dtype="float32", name="linear"), spectral_norm)(features)
    if num_classes is None:
        return keras.Model(images, logits, name=name)
    labels = _labels_input()
    # embed(y) written as one_hot(y) @ V (V: (num_classes, F)), the same lookup, because
    # keras.layers.SpectralNormalization around an Embedding casts its output to the int32
    # dtype of the labels (Keras 3.15), which would zero the projection.
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", dtype="float32",
                                      name="one_hot")(labels)
    embedding = layers.Dense(features.shape[-1], use_bias=False, dtype="float32",
                             name="class_embedding")
    embedded = _maybe_sn(embedding, spectral_norm)(one_hot)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    logits = layers.Add(dtype="float32", name="logits")([logits, projection])
    return keras.Model([images, labels], logits, name=name)


def build_semi_supervised_discriminator(image_size=28, channels=1, num_classes=2,
                                        base_filters=64, spectral_norm=True, dropout=0.3,
                                        name="semi_supervised_discriminator"):
    """A discriminator with K class logits for semi-supervised GANs (Salimans et al. 2016).

    The "K+1 classes" trick: a classifier over the K real classes plus "fake" needs only K logits
    l_1..l_K if the fake logit is fixed at 0. Then P(real | x) = Z / (Z + 1) with
    Z = sum_k exp(l_k), so the real-versus-fake *logit* is ``logsumexp_k l_k``
    (``real_fake_logits``), usable with every loss in ``training.losses``; the labelled images
    additionally get softmax cross-entropy on the K logits. Taught in
    notebooks/08_label_scarcity.ipynb. Dropout defaults to 0.3 because few labels overfit fast.

    Args:
        image_size: 28 or 64.
        channels: Input channels.
        num_classes: K, the number of real classes (>= 2).
        base_filters: Filters of the first convolution.
        spectral_norm: As in ``build_discriminator``.
        dropout: Dropout rate after each LeakyReLU.
        name: Keras model name.

    Returns:
        A ``keras.Model`` mapping images ``(N, image_size, image_size, channels)`` float32 in
        [-1, 1] to class logits ``(N, num_classes)`` float32. Its "features" layer gives the
        flattened features ``(N, F)`` for feature matching.
    """
    _geometry(image_size)
    _check_positive(channels=channels, base_filters=base_filters)
    _check_num_classes(num_classes, required=True)
    _check_dropout(dropout)
    images = keras.Input(shape=(image_size, image_size, channels), name="images")
    features = _discriminator_trunk(images, image_size, base_filters, spectral_norm, dropout,
                                    batch_norm=not spectral_norm)
    head = keras.layers.Dense(num_classes, dtype="float32", name="class_logits")
    return keras.Model(images, _maybe_sn(head, spectral_norm)(features), name=name)


def real_fake_logits(class_logits):
    """Real-versus-fake logit ``(N, 1)`` float32 from K class logits: ``logsumexp_k l_k``.

    See ``build_semi_supervised_discriminator``. Computed in float32 whatever the input dtype.

    Args:
        class_logits: ``(N, K)`` float tensor of class logits.

    Returns:
        ``(N, 1)`` float32 logits; sigmoid of it is P(real) = Z / (Z + 1).
    """
    class_logits = keras.ops.cast(class_logits, "float32")
    return keras.ops.logsumexp(class_logits, axis=-1, keepdims=True)
