"""Checks for the exercises of notebooks/03_building_a_dcgan.ipynb.

1. `check_conv_transpose_size`: the output side of a Conv2DTranspose.
2. `check_conv_params`: the parameter count of a convolution.
3. `check_small_discriminator`: a discriminator built to a given specification.

Each answer is compared with what Keras itself builds, so the checks import Keras when they
run (importing this module does not).
"""

from __future__ import annotations

from medgan_course.exercises.core import checker, first_mismatch

# ------------------------------------------------------------------ 1. Conv2DTranspose output size

#: (input side, kernel, stride, padding): the article's layers first, then "valid" cases.
TRANSPOSE_CASES = [(7, 5, 1, "same"), (7, 5, 2, "same"), (14, 5, 2, "same"), (14, 4, 2, "same"),
                   (7, 4, 2, "valid"), (7, 5, 2, "valid"), (8, 3, 2, "valid"), (5, 3, 1, "valid")]


def keras_transpose_size(size, kernel_size, strides, padding):
    """The output side Keras gives a `(1, size, size, 1)` input (what the check trusts)."""
    import keras

    layer = keras.layers.Conv2DTranspose(1, kernel_size, strides=strides, padding=padding)
    return int(layer.compute_output_shape((1, size, size, 1))[1])


def _transpose_hint(got, size, kernel, stride, padding):
    if padding == "same" and got == (size - 1) * stride + kernel:
        return "'same' pads so that the output is exactly input x stride."
    if padding == "valid" and got == size * stride:
        return "'valid' adds no padding: the last kernel overhangs by kernel - stride pixels."
    return "each input pixel paints a kernel-sized patch, patches `stride` pixels apart."


@checker("Conv2DTranspose output size")
def check_conv_transpose_size(conv_transpose_output_size):
    """`conv_transpose_output_size(size, kernel_size, strides, padding) -> int` on 8 cases."""
    mismatch = first_mismatch(conv_transpose_output_size, keras_transpose_size, TRANSPOSE_CASES)
    if mismatch is not None:
        (size, kernel, stride, padding), got, expected = mismatch
        if got is None:
            return False, "your function returns None: return the output side as an int."
        return False, (f"for a {size}x{size} input, kernel {kernel}, stride {stride}, padding "
                       f"'{padding}' Keras gives {expected}, you give {got}: "
                       + _transpose_hint(got, size, kernel, stride, padding))
    return True, ("all 8 cases match Keras: 'same' gives size x stride (7 -> 14 -> 28 in the "
                  "article's generator); 'valid' gives (size - 1) x stride + kernel.")


# ------------------------------------------------------------------ 2. Parameter count

#: (kernel, in_channels, filters, use_bias): the article's layers and the course's.
PARAM_CASES = [(5, 1, 64, True), (5, 64, 128, True), (5, 256, 128, False), (5, 64, 1, False),
               (4, 32, 64, True), (4, 64, 32, False), (3, 3, 16, True)]


def keras_conv_params(kernel_size, in_channels, filters, use_bias):
    """Parameters of a Conv2D built on `in_channels` (Conv2DTranspose has the same count)."""
    import keras

    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 16, 16, in_channels))
    return int(layer.count_params())


def _params_hint(got, kernel, cin, filters, bias):
    weights = kernel * kernel * cin * filters
    if got == weights + filters and not bias:
        return "with use_bias=False there is no bias to count."
    if got == weights and bias:
        return "each filter also has one bias."
    if got in (kernel * kernel * filters, kernel * kernel * filters + filters):
        return "each filter has a kernel x kernel weight for EVERY input channel."
    return "count kernel x kernel x in_channels weights per filter, plus a bias per filter."


@checker("parameters of a convolution")
def check_conv_params(conv_params):
    """`conv_params(kernel_size, in_channels, filters, use_bias) -> int` on 7 layers."""
    mismatch = first_mismatch(conv_params, keras_conv_params, PARAM_CASES)
    if mismatch is not None:
        (kernel, cin, filters, bias), got, expected = mismatch
        if got is None:
            return False, "your function returns None: return the count as an int."
        return False, (f"Conv2D({filters}, {kernel}x{kernel}, use_bias={bias}) on {cin} "
                       f"channels has {expected:,} parameters, you count {got:,}: "
                       + _params_hint(got, kernel, cin, filters, bias))
    return True, ("all 7 match Keras, e.g. the article's 5x5 transposed convolution from 256 to "
                  "128 channels without bias: 5 x 5 x 256 x 128 = 819,200 weights.")


# ------------------------------------------------------------------ 3. A discriminator to spec

#: The specification's parameter count: 544 + 32,832 + 3,137.
SMALL_DISCRIMINATOR_PARAMS = (4 * 4 * 1 * 32 + 32) + (4 * 4 * 32 * 64 + 64) + (7 * 7 * 64 + 1)


def _layers_of(model, kind):
    """Every layer of `kind` in `model`, nested models included, in order."""
    found = []
    for layer in model.layers:
        if isinstance(layer, kind):
            found.append(layer)
        if hasattr(layer, "layers"):
            found += _layers_of(layer, kind)
    return found


def _spec_problem(model, keras):
    """The first way `model` departs from the specification, or None."""
    batch_norms = _layers_of(model, keras.layers.BatchNormalization)
    if batch_norms:
        return ("remove the BatchNormalization: this critic must work with a gradient penalty, "
                "which needs each sample's output to depend on that sample only.")
    convs = _layers_of(model, keras.layers.Conv2D)
    shapes = [(c.filters, tuple(c.kernel_size), tuple(c.strides)) for c in convs]
    if shapes != [(32, (4, 4), (2, 2)), (64, (4, 4), (2, 2))]:
        return (f"expected two Conv2D layers, 32 then 64 filters, 4x4 kernels, stride 2; "
                f"found (filters, kernel, strides) = {shapes}.")
    if any(c.padding != "same" for c in convs):
        return "use padding='same', so that 28 -> 14 -> 7."
    slopes = [float(layer.negative_slope) for layer in _layers_of(model, keras.layers.LeakyReLU)]
    if slopes != [0.2, 0.2]:
        return f"expected LeakyReLU(negative_slope=0.2) after each convolution; found {slopes}."
    return None


@checker("a discriminator to specification")
def check_small_discriminator(build_small_discriminator):
    """`build_small_discriminator() -> keras.Model`: (N, 28, 28, 1) -> logits (N, 1), 36,513
    parameters, no BatchNormalization, two 4x4 stride-2 convolutions with LeakyReLU(0.2)."""
    import keras
    import numpy as np

    model = build_small_discriminator()
    if not isinstance(model, keras.Model):
        return False, "return the keras.Model (e.g. keras.Sequential([...]))."
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    logits = np.asarray(model(images, training=False))
    if logits.shape != (3, 1):
        return False, f"3 images should give logits of shape (3, 1); yours gives {logits.shape}."
    problem = _spec_problem(model, keras)
    if problem:
        return False, problem
    last = model.layers[-1]
    if getattr(last, "activation", None) not in (None, keras.activations.linear):
        return False, ("end with a plain Dense(1): the losses expect logits, not "
                       f"{last.activation.__name__} outputs.")
    if model.count_params() != SMALL_DISCRIMINATOR_PARAMS:
        return False, (f"{model.count_params():,} parameters; the specification has "
                       f"{SMALL_DISCRIMINATOR_PARAMS:,} (did you add a layer or drop a bias?).")
    return True, (f"{SMALL_DISCRIMINATOR_PARAMS:,} parameters, logits (N, 1), no BatchNorm: this "
                  "is the course discriminator's trunk at base_filters=32, without spectral norm.")
