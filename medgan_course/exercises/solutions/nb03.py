"""Reference solutions of notebooks/03_building_a_dcgan.ipynb's exercises (exercise 3 imports Keras)."""


def conv_transpose_output_size(size, kernel_size, strides, padding):
    if padding == "same":
        return size * strides
    return (size - 1) * strides + kernel_size


def conv_params(kernel_size, in_channels, filters, use_bias):
    return kernel_size * kernel_size * in_channels * filters + (filters if use_bias else 0)


def build_small_discriminator():
    import keras

    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(64, 4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dense(1),
    ])
