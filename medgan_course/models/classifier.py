"""A small CNN classifier, also used as the offline "domain" feature extractor.

The classifier answers the course's downstream question (does adding GAN images help a
diagnosis model? notebooks/07_class_imbalance.ipynb and 08_label_scarcity.ipynb). Trained on
real medical images, its penultimate layer "features" is a domain-specific embedding:
``feature_model`` exposes it so that FID/KID can be computed offline, without downloading
ImageNet's InceptionV3 (notebooks/06_evaluating_gans.ipynb).
"""

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

require_tensorflow()

import keras  # noqa: E402  (imported after the version check on purpose)

#: Name of the penultimate layer that ``feature_model`` reads.
FEATURES_LAYER = "features"
#: Conv blocks in the classifier; each halves the side, so images need at least 2**3 = 8 px.
NUM_BLOCKS = 3


def _check_classifier_args(image_shape, num_classes, width, dropout, feature_dim):
    """Raises ValueError with the fix for arguments the classifier cannot use."""
    shape = tuple(image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels); got {image_shape!r}.")
    if min(shape[:2]) < 2 ** NUM_BLOCKS:
        raise ValueError(f"images must be at least {2 ** NUM_BLOCKS} px on each side "
                         f"({NUM_BLOCKS} poolings); got image_shape={image_shape!r}.")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2; got {num_classes!r}.")
    positive_int("width", width)
    positive_int("feature_dim", feature_dim)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is a rate in [0, 1); got {dropout!r}.")
    return shape


def build_classifier(image_shape=(28, 28, 1), num_classes=2, width=32, dropout=0.3,
                     name="classifier", *, feature_dim=128):
    """Three Conv-BN-ReLU-MaxPool blocks, global average pooling, "features", logits.

    Filters are ``width``, ``2 * width``, ``4 * width``; the "features" Dense (ReLU) is the
    penultimate layer; dropout sits between it and the logits so that the features themselves
    are deterministic. About 0.11 M parameters for the defaults. Taught in
    notebooks/07_class_imbalance.ipynb.

    Args:
        image_shape: ``(H, W, C)`` with H, W >= 8.
        num_classes: Number of classes (>= 2); the output has one logit per class.
        width: Filters of the first convolution.
        dropout: Dropout rate before the logits.
        name: Keras model name.
        feature_dim: Length of the "features" vector.

    Returns:
        A ``keras.Model`` mapping images ``(N, H, W, C)`` float32 in [-1, 1] to logits
        ``(N, num_classes)`` float32 (use softmax cross-entropy ``from_logits=True``). The logits
        layer stays float32 under mixed precision.

    Raises:
        ValueError: a bad shape, num_classes < 2, a non-positive width or a bad dropout rate.
    """
    shape = _check_classifier_args(image_shape, num_classes, width, dropout, feature_dim)
    layers = keras.layers
    images = keras.Input(shape=shape, name="images")
    x = images
    for block in range(NUM_BLOCKS):
        x = layers.Conv2D(width * 2 ** block, 3, padding="same", use_bias=False)(x)
        # momentum 0.9 (not Keras' 0.99): with a few hundred images per epoch the moving
        # statistics must settle within a short training run.
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    features = layers.Dense(feature_dim, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(dropout)(features) if dropout else features
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)


def feature_model(classifier):
    """A model sharing ``classifier``'s weights that outputs its "features" layer.

    Used by ``evaluation.features`` as the offline domain feature extractor for FD/KID (domain features)
    (notebooks/06_evaluating_gans.ipynb). Call it with ``training=False`` (the default of
    ``predict``) so that BatchNormalization uses its moving statistics.

    Args:
        classifier: A model from ``build_classifier`` (or any functional model with a layer
            named "features").

    Returns:
        A ``keras.Model`` mapping images ``(N, H, W, C)`` float32 in [-1, 1] to features
        ``(N, feature_dim)`` float32, non-negative (ReLU).

    Raises:
        TypeError: ``classifier`` is not a Keras model.
        ValueError: it has no layer named "features".
    """
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"feature_model needs a keras.Model; got {type(classifier).__name__}.")
    names = [layer.name for layer in classifier.layers]
    if FEATURES_LAYER not in names:
        raise ValueError(f"{classifier.name!r} has no layer named {FEATURES_LAYER!r} (layers: "
                         f"{names}); build it with models.classifier.build_classifier.")
    features = classifier.get_layer(FEATURES_LAYER).output
    # Cast so that a mixed-precision classifier still yields float32 features for FID's
    # covariance estimates.
    features = keras.layers.Activation("linear", dtype="float32", name="features_float32")(features)
    # A single input stays a single tensor (not a one-element list), so that calling the model
    # with a plain batch of images does not trigger Keras' input-structure warning.
    inputs = classifier.inputs[0] if len(classifier.inputs) == 1 else classifier.inputs
    return keras.Model(inputs, features, name=f"{classifier.name}_features")
