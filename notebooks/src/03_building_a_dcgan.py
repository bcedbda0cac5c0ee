# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Building a DCGAN in Keras
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/03_building_a_dcgan.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F03_building_a_dcgan.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Read the article's generator and discriminator layer by layer and predict every shape and parameter count (G 2,330,944, D 212,865).
# - Explain what a transposed convolution does, and measure why a 5x5 kernel with stride 2 paints a checkerboard that a 4x4 kernel does not.
# - Tell batch normalization's training behaviour from its inference behaviour, and show why a WGAN-GP critic must not use it.
# - Compare the course's DCGAN with the article's and say why each change was made.

# %% [markdown]
# ## Set-up
#
# Locally and on Binder the course package is already installed (see README.md). On Colab the next cell installs it; nothing else is installed.

# %%
import sys

# On Colab only: install the course package. Colab already ships TensorFlow and ipywidgets,
# so nothing else is installed (reinstalling them breaks Colab's runtime). The call is the
# `%pip install` magic written as Python, so that the notebook's source stays plain Python.
if "google.colab" in sys.modules:
    from IPython import get_ipython

    PACKAGE = "medgan-course @ git+https://github.com/medgan-course/medgan-course@main"
    get_ipython().run_line_magic("pip", f'install -q "{PACKAGE}"')

# TensorFlow, imported once here with its start-up notice set aside: on CPUs with AVX-512
# VNNI/BF16 or AMX (Colab's among them) it prints a oneDNN notice TF_CPP_MIN_LOG_LEVEL misses.
from medgan_course import course

course.import_tensorflow_quietly()

# %%
# %matplotlib inline
import inspect
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from medgan_course import course, plots
from medgan_course.data import load_dataset_or_default, to_display_range, to_model_range, to_uint8
from medgan_course.exercises import nb03, show_solution
from medgan_course.models import build_models, dcgan, seed
from medgan_course.training.gan import GAN

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any 2-D MedMNIST flag, e.g. "pneumoniamnist"
SEED = 0
N_SHOW = 8                # images per row in the figures
TIMING_REPEATS = 3 if SMOKE else 15   # repeats of each forward-pass timing (median)

# %% [markdown]
# ## 1. The images and their three value ranges
#
# A DCGAN's generator ends in `tanh`, so it makes images in **[-1, 1]**. The real images must be
# in the same range, or the discriminator can tell real from fake by the range alone. The course
# keeps three ranges apart: uint8 [0, 255] on disk, float [-1, 1] for models, float [0, 1] for
# display.

# %%
keras.utils.set_random_seed(SEED)
dataset = load_dataset_or_default(DATASET)
real = dataset.train.images
print(f"{dataset.name}: train {real.shape} {real.dtype}, range [{real.min():.2f}, {real.max():.2f}]")
print("classes:", dataset.class_names)

# %% [markdown]
# The three conversions, run once on a tiny input first:

# %%
tiny = np.array([0, 127, 255], np.uint8)
print("uint8 -> model   :", to_model_range(tiny))
print("model -> display :", to_display_range(to_model_range(tiny)))
print("model -> uint8   :", to_uint8(to_model_range(tiny)))
assert np.array_equal(to_uint8(to_model_range(tiny)), tiny)  # lossless round trip

# %%
fig = plots.samples_figure(real[:N_SHOW * 2], labels=dataset.train.labels[:N_SHOW * 2],
                           class_names=dataset.class_names, ncol=N_SHOW,
                           title=f"real {dataset.name} training images (28 x 28)")
fig

# %% [markdown]
# The article scaled MNIST to **[0, 1]** (`train_images / 255.0`) while its generator outputs
# **[-1, 1]**. A discriminator then only has to notice negative pixels. Keep that in mind for the
# debugging exercise of notebook 04.

# %% [markdown]
# ## 2. The article's generator
#
# This is the generator the article prints (it is TensorFlow's DCGAN tutorial), rewritten for
# Keras 3 without changing a layer. Read it first:

# %%
print(inspect.getsource(seed.seed_generator))

# %%
generator = seed.seed_generator()
generator.summary()


# %% [markdown]
# What each layer does:
#
# | layer | output | job |
# | --- | --- | --- |
# | `Dense(7*7*256, use_bias=False)` | (N, 12544) | projects the 100 numbers of z to a small, deep feature map |
# | `BatchNormalization` | same | normalises each feature over the batch (section 5); makes a bias redundant |
# | `LeakyReLU()` | same | non-linearity; Keras's default slope is **0.3** (the DCGAN paper used 0.2) |
# | `Reshape((7, 7, 256))` | (N, 7, 7, 256) | turns the vector into a 7 x 7 image with 256 channels |
# | `Conv2DTranspose(128, 5, strides=1)` | (N, 7, 7, 128) | mixes channels, keeps the size |
# | `Conv2DTranspose(64, 5, strides=2)` | (N, 14, 14, 64) | **doubles** the size (section 3) |
# | `Conv2DTranspose(1, 5, strides=2, tanh)` | (N, 28, 28, 1) | doubles again to the image; tanh squashes to [-1, 1] |

# %% [markdown]
# The same table from the model itself, with each layer's parameter count:

# %%
def layer_table(model):
    """Prints each layer's type, output shape and parameter count."""
    for layer in model.layers:
        shape = tuple(layer.output.shape)
        print(f"{type(layer).__name__:>20}  {str(shape):>20}  {layer.count_params():>10,}")
    print(f"{'total':>20}  {'':>20}  {model.count_params():>10,}")


layer_table(generator)

# %%
n_weights = sum(int(np.prod(w.shape)) for w in generator.trainable_weights)
n_moving = sum(int(np.prod(w.shape)) for w in generator.non_trainable_weights)
print(f"trainable {n_weights:,} + BatchNorm moving statistics {n_moving:,} "
      f"= {generator.count_params():,}")
assert generator.count_params() == 2_330_944
assert n_moving == 2 * (12544 + 128 + 64)   # moving mean and variance of each BN feature

# %% [markdown]
# Where the 2.3 million parameters are: the `Dense` layer alone has 100 x 12,544 = 1,254,400
# weights, and the 5 x 5 transposed convolution from 256 to 128 channels 5 x 5 x 256 x 128 =
# 819,200. Run the generator on a small batch of z to check the shapes and the range:

# %%
z = np.random.default_rng(SEED).standard_normal((4, seed.SEED_LATENT_DIM)).astype("float32")
images = generator(z, training=False)
print("z", z.shape, "->", "images", tuple(images.shape),
      f"range [{float(tf.reduce_min(images)):.3f}, {float(tf.reduce_max(images)):.3f}]")
assert tuple(images.shape) == (4, 28, 28, 1)
assert float(tf.reduce_max(tf.abs(images))) <= 1.0

# %%
fig = plots.samples_figure(np.asarray(generator(z[:4], training=False)), ncol=4,
                           title="the untrained generator: faint noise near 0 (grey)")
fig

# %% [markdown]
# ## 3. The article's discriminator
#
# Two 5 x 5 convolutions with stride 2 halve the image twice (28 -> 14 -> 7), dropout 0.3 after
# each, then one `Dense(1)`: a **logit**, not a probability (sigmoid(logit) = P(real)).

# %%
print(inspect.getsource(seed.seed_discriminator))

# %%
discriminator = seed.seed_discriminator()
layer_table(discriminator)
assert discriminator.count_params() == 212_865

# %% [markdown]
# Most of its parameters are in the last layer: 7 x 7 x 128 = 6,272 features into one logit, and
# 5 x 5 x 64 x 128 + 128 = 204,928 in the second convolution. On 8 real images, untrained:

# %%
logits = discriminator(real[:8], training=False).numpy()[:, 0]
print("logits     :", logits.round(3))
print("P(real)    :", tf.sigmoid(logits).numpy().round(3))
again = discriminator(real[:8], training=True).numpy()[:, 0]
print("training=True (dropout on) gives other logits:", again.round(3))
assert logits.shape == (8,)


# %% [markdown]
# `training=True` switches dropout on (and batch normalization to batch statistics, section 5).
# A GAN's training step calls both networks with `training=True`; sampling for display uses
# `training=False`.

# %% [markdown]
# ## 4. Transposed convolutions and checkerboard artefacts
#
# A transposed convolution with stride 2 places each input pixel's kernel-sized "stamp" on the
# output, 2 pixels apart, and sums where stamps overlap. With `padding="same"` the output side is
# input x stride. If the kernel size is **not divisible by the stride**, some output pixels are
# covered by more stamps than their neighbours (Odena, Dumoulin & Olah, *Deconvolution and
# Checkerboard Artifacts*, Distill 2016).
#
# Measure it: an all-ones 7 x 7 input, an untrained layer whose weights are all ones and no bias.
# Each output pixel then *counts* the stamps that cover it.

# %%
def stamp_counts(layer, size=7):
    """Output of `layer` on an all-ones (1, size, size, 1) input, as a 2-D array."""
    return layer(np.ones((1, size, size, 1), np.float32)).numpy()[0, :, :, 0]


ones = dict(use_bias=False, kernel_initializer="ones")
patterns = {
    "Conv2DTranspose 5x5, stride 2\n(the article)":
        stamp_counts(keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same", **ones)),
    "Conv2DTranspose 4x4, stride 2\n(the course)":
        stamp_counts(keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", **ones)),
    "UpSampling2D + Conv2D 3x3\n(resize-convolution)":
        stamp_counts(keras.Sequential([keras.layers.UpSampling2D(2),
                                       keras.layers.Conv2D(1, 3, padding="same", **ones)])),
}
for name, counts in patterns.items():
    inner = counts[2:-2, 2:-2]  # the border is covered less by any layer: leave it out
    print(f"{name.splitlines()[0]:<34} output {counts.shape}, interior values "
          f"{sorted(set(inner.round(3).ravel().tolist()))}, std {inner.std():.3f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
for ax, (name, counts) in zip(axes, patterns.items()):
    relative = counts / counts[2:-2, 2:-2].mean()   # 1 = the layer's average coverage
    shown = ax.imshow(relative, cmap="coolwarm", vmin=0.4, vmax=1.6, interpolation="nearest")
    ax.set_title(name, fontsize=9)
    ax.set_axis_off()
fig.colorbar(shown, ax=axes, shrink=0.8, label="coverage / interior mean")
fig.suptitle("same all-ones input: only 5x5 / stride 2 covers pixels unevenly (border aside)")
plt.show()

# %%
k5 = patterns["Conv2DTranspose 5x5, stride 2\n(the article)"][2:-2, 2:-2]
k4 = patterns["Conv2DTranspose 4x4, stride 2\n(the course)"][2:-2, 2:-2]
assert k5.std() > 1.0 and sorted(set(k5.ravel().tolist())) == [4.0, 6.0, 9.0]
assert k4.std() == 0.0   # every interior pixel covered by exactly 2 x 2 = 4 stamps

# %% [markdown]
# In one dimension a 5-tap kernel at stride 2 covers output pixels alternately 3 and 2 times; in
# two dimensions that gives 3 x 3 = 9, 3 x 2 = 6 and 2 x 2 = 4 stamps, a period-2 grid. A 4-tap
# kernel covers every pixel exactly 2 times per dimension. A trained network *can* learn weights
# that cancel the unevenness, but, as Odena et al. show, it has to spend capacity on it and in
# practice rarely does so completely. The course's generator therefore uses 4 x 4 kernels at stride 2
# (resize-convolution is the other common fix).
#
# This measures the *mechanism* with constant weights. Random, untrained weights show a period-2
# pattern for **both** kernel sizes (each output phase sees a different subset of weights), so an
# untrained generator is no evidence either way; only the overlap count is a property of the
# architecture.

# %% [markdown]
# ## 5. Batch normalization: training versus inference
#
# `BatchNormalization` normalises each channel with the **batch's** mean and variance when called
# with `training=True`, and with its **moving averages** of them when `training=False`. The moving
# averages follow training slowly: `moving = momentum * moving + (1 - momentum) * batch`.

# %%
batch = np.random.default_rng(SEED).normal(5.0, 3.0, (64, 1)).astype("float32")  # mean 5, sd 3
bn = keras.layers.BatchNormalization()            # Keras default momentum 0.99
out_train = bn(batch, training=True).numpy()
out_infer = bn(batch, training=False).numpy()
print(f"training=True : mean {out_train.mean():+.2f}, sd {out_train.std():.2f}  (batch statistics)")
print(f"training=False: mean {out_infer.mean():+.2f}, sd {out_infer.std():.2f}  "
      f"(moving statistics, still near their start 0 and 1)")
assert abs(out_train.mean()) < 0.01 and abs(out_infer.mean() - 5.0) < 1.0

# %% [markdown]
# How fast the moving mean reaches the batch mean (5) with Keras's momentum and the course's:

# %%
for momentum in (0.99, 0.9):
    layer = keras.layers.BatchNormalization(momentum=momentum)
    means = []
    for _ in range(30):
        layer(batch, training=True)
        means.append(float(layer.moving_mean.numpy()[0]))
    print(f"momentum {momentum}: moving mean after 10 steps {means[9]:.2f}, after 30 {means[29]:.2f}")


# %% [markdown]
# With 0.99 the moving statistics lag the batch statistics by hundreds of steps, so
# `generator(z, training=False)` early in a short run samples with stale statistics. That is why
# the course generator uses momentum 0.9.
#
# **Why a WGAN-GP critic must not use batch normalization.** In training mode one sample's
# output depends on every other sample of the batch. The gradient penalty of WGAN-GP constrains
# the gradient of the critic's output for *one* input with respect to *that* input; with batch
# norm that per-sample gradient is not defined by the sample alone. Measure the coupling: the
# gradient of the logit of image 0 with respect to image 1.

# %%
def cross_gradient(critic, images):
    """Norm of d critic(images)[0] / d images[1] in training mode."""
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit_0 = critic(x, training=True)[0, 0]
    return float(tf.norm(tape.gradient(logit_0, x)[1]))


batch_images = real[:8]
for batch_norm in (True, False):
    critic = dcgan.build_discriminator(28, 1, base_filters=16, spectral_norm=False,
                                       batch_norm=batch_norm)
    print(f"batch_norm={batch_norm!s:<5}: |d logit_0 / d image_1| = "
          f"{cross_gradient(critic, batch_images):.2e}")

# %%
with_bn = dcgan.build_discriminator(28, 1, base_filters=16, spectral_norm=False, batch_norm=True)
without_bn = dcgan.build_discriminator(28, 1, base_filters=16, spectral_norm=False, batch_norm=False)
assert cross_gradient(with_bn, batch_images) > 0.0
assert cross_gradient(without_bn, batch_images) == 0.0

# %% [markdown]
# The package's `GAN` refuses the combination outright:

# %%
small_generator, _ = build_models("dcgan", base_filters=16)
try:
    GAN(small_generator, with_bn, latent_dim=128, gp_weight=10.0)
except ValueError as err:
    print("ValueError:", err)
else:
    raise AssertionError("GAN should refuse a batch-norm critic with a gradient penalty")

# %% [markdown]
# ## 6. The course's DCGAN versus the article's
#
# `models.build_models(name)` builds either pair. The course's default recipe (notebook 04) uses
# `base_filters=32` and a discriminator with BatchNorm instead of spectral norm
# (`spectral_norm=False`; the recipe study of docs/RECIPES.md chose it):

# %%
print(inspect.getsource(dcgan.build_generator))

# %%
course_g, course_d = build_models("dcgan", base_filters=32, spectral_norm=False)
seed_g, seed_d = build_models("seed-dcgan")
layer_table(course_g)
print()
layer_table(course_d)

# %%
z_course = np.random.default_rng(SEED).standard_normal((4, 128)).astype("float32")
assert tuple(course_g(z_course, training=False).shape) == (4, 28, 28, 1)
assert tuple(course_d(real[:4], training=False).shape) == (4, 1)

rows = [
    ("generator parameters", f"{seed_g.count_params():,}", f"{course_g.count_params():,}"),
    ("discriminator parameters", f"{seed_d.count_params():,}", f"{course_d.count_params():,}"),
    ("latent_dim", "100", "128"),
    ("upsampling", "Conv2DTranspose 5x5, stride 2", "Conv2DTranspose 4x4, stride 2"),
    ("generator activation", "LeakyReLU(0.3)", "ReLU"),
    ("generator BatchNorm momentum", "0.99", str(dcgan.GENERATOR_BN_MOMENTUM)),
    ("discriminator", "5x5 conv + dropout 0.3", "4x4 conv + BatchNorm"),
    ("discriminator activation", "LeakyReLU(0.3)", f"LeakyReLU({dcgan.LEAKY_SLOPE})"),
]
print(f"{'':<30}{'article (seed-dcgan)':<32}{'course (dcgan, base_filters=32)'}")
for name, article_value, course_value in rows:
    print(f"{name:<30}{article_value:<32}{course_value}")


# %% [markdown]
# Why each change:
#
# - **4 x 4 kernels at stride 2**: even overlap, no built-in checkerboard (section 4).
# - **Fewer parameters**: BreastMNIST has only 546 training images, and a generator with 2.3
#   million parameters is slow on a CPU (timed below); notebook 04 measures what the lighter
#   model buys for the same training time.
# - **ReLU in the generator, LeakyReLU(0.2) in the discriminator**: the DCGAN paper's choices
#   (Radford et al. 2016); the article silently used Keras's 0.3.
# - **BatchNorm momentum 0.9**: moving statistics that keep up with short runs (section 5).
# - **BatchNorm instead of dropout in the discriminator**: the DCGAN paper's choice. The package
#   also offers **spectral normalization** (`spectral_norm=True`): it bounds how fast the
#   discriminator's output can change with its input (a Lipschitz bound, Miyato et al. 2018) and
#   works per sample, unlike batch norm. It was in the course's default until a study at equal
#   wall-clock budgets measured the plain DCGAN ahead (docs/RECIPES.md; notebook 04 shows the
#   numbers).
#
# How much faster is one forward pass on a batch of 64?

# %%
def forward_ms(model, inputs, repeats=TIMING_REPEATS):
    """Median milliseconds of model(inputs, training=True) after one warm-up call."""
    model(inputs, training=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(inputs, training=True)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


rng = np.random.default_rng(SEED)
for name, g, d in (("article", seed_g, seed_d), ("course", course_g, course_d)):
    z64 = rng.standard_normal((64, g.input_shape[-1])).astype("float32")
    print(f"{name:<8} generator {forward_ms(g, z64):6.1f} ms   "
          f"discriminator {forward_ms(d, real[:64]):6.1f} ms   (eager, batch 64, this machine)")


# %% [markdown]
# These are single eager calls on whatever CPU runs this notebook: read the ratio, not the
# milliseconds. Notebook 04 trains both for the same wall-clock time.

# %% [markdown]
# ## Summary
#
# - The article's DCGAN maps z (100) through Dense -> 7x7x256 -> 7x7x128 -> 14x14x64 -> 28x28x1
#   (2,330,944 parameters, 25,472 of them BatchNorm moving statistics); its discriminator maps 28x28 to
#   one logit with 212,865 parameters.
# - A stride-2 transposed convolution doubles the side; with a 5 x 5 kernel its stamps overlap
#   unevenly (9/6/4 in the interior), with 4 x 4 evenly (4 everywhere).
# - Batch normalization uses batch statistics in training and moving averages in inference, and
#   couples the samples of a batch, so a gradient-penalty critic must not use it.
# - The course's DCGAN: 4 x 4 kernels, ReLU/LeakyReLU(0.2), momentum 0.9, BatchNorm in both
#   networks (spectral norm optional), fewer parameters.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: Output size of a transposed convolution
#
# Write `conv_transpose_output_size(size, kernel_size, strides, padding)`: the output side of a
# `Conv2DTranspose` on a `size x size` input, for `padding` "same" or "valid" (kernel at least
# as large as the stride). The check compares it with Keras on 8 layers.

# %%
def conv_transpose_output_size(size, kernel_size, strides, padding):
    ...  # your code here


nb03.check_conv_transpose_size(conv_transpose_output_size)

# %%
show_solution("nb03", "conv_transpose_output_size")


# %% [markdown]
# ### Exercise 2: Count a convolution's parameters
#
# Write `conv_params(kernel_size, in_channels, filters, use_bias)`: the number of parameters of
# a square `Conv2D` (a `Conv2DTranspose` has the same count). Then check it against the
# generator's second layer in the table of section 2.

# %%
def conv_params(kernel_size, in_channels, filters, use_bias):
    ...  # your code here


nb03.check_conv_params(conv_params)

# %%
show_solution("nb03", "conv_params")


# %% [markdown]
# ### Exercise 3: Build a discriminator to specification
#
# Build a discriminator for 28 x 28 x 1 images that a WGAN-GP could use:
# `Conv2D(32, 4x4, stride 2, same)` -> `LeakyReLU(0.2)` -> `Conv2D(64, 4x4, stride 2, same)` ->
# `LeakyReLU(0.2)` -> `Flatten` -> `Dense(1)` (a logit). No batch normalization. Predict its
# parameter count before you run the check.

# %%
def build_small_discriminator():
    ...  # your code here: return a keras.Model


nb03.check_small_discriminator(build_small_discriminator)

# %%
show_solution("nb03", "build_small_discriminator")

# %% [markdown]
# ## Next
#
# Notebook 04 puts these networks into a training loop: two gradient tapes, alternating updates,
# a live monitor, checkpoints, and the article's broken loop to debug. [04_training_loop.ipynb](04_training_loop.ipynb)
