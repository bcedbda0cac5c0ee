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
# # 00 · Welcome and set-up
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/00_welcome_and_setup.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F00_welcome_and_setup.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Say what the course teaches (GANs for medical imaging), the short article it grows out of, and what it adds: real medical images, working code, measured claims.
# - Run the notebooks locally, on Binder or on Colab, in smoke or full mode, with the real data or (visibly) without it.
# - Check your environment: package versions, GPU or CPU, which datasets load, TensorFlow, widgets.
# - Find your way through notebooks 00-12 and use the exercises' automatic checks.

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

import json
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from medgan_course import course
from medgan_course.data import load_dataset, load_dataset_or_default, to_display_range
from medgan_course.exercises import Feedback, nb00, show_solution
from medgan_course.widgets import _compat

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any single-label 2-D MedMNIST flag, e.g. "pneumoniamnist"
RUN_MODE = "smoke (tiny budgets, for CI)" if SMOKE else "full"
MATMUL_SIZE = 256 if SMOKE else 1024   # side of the matrices in the TensorFlow check

# %% [markdown]
# ## 1. What this course teaches
#
# **Generative adversarial networks (GANs) for medical imaging.** A GAN is two networks trained
# against each other: a *generator* turns random noise into images, a *discriminator* tries to
# tell those fake images from real ones. As the discriminator gets better, so must the generator,
# until its images look like the training data.
#
# The course grows out of a short article on GANs for medical image diagnosis. It has six parts:
#
# | article part | what it says | where the course takes it |
# | --- | --- | --- |
# | 1. Background | AI in medical image diagnosis; GANs can enhance images, ease label shortage, create new samples; imbalance and unstable training are the challenges | 00, 01 |
# | 2. Core concepts | a generator and a discriminator in an adversarial game (Goodfellow et al., 2014) | 02 |
# | 3. Algorithm and maths | alternate generator and discriminator updates; the objective V(D,G) (printed with max and min swapped) | 02, 04 |
# | 4. Code example | a DCGAN in TensorFlow on MNIST | 03, 04 |
# | 5. Trends and challenges | data imbalance, hard convergence, interpretability | 05, 07, 08, 10, 11 |
# | 6. FAQ | advantages and drawbacks of GANs, their medical uses, their challenges | 11 |
#
# The article's code does not run as printed (`batch_size` and `noise_dim` are never defined),
# and once it runs it does not train a GAN: the generator's loss has the wrong sign, the
# discriminator loss is an unconstrained Wasserstein-style difference of raw logits, the whole
# training set goes through the network as one batch, and the images are scaled to [0, 1] while the
# generator outputs [-1, 1]. **Notebook 04 has you find and fix these bugs**; notebook 05 measures
# what each fix changes.
#
# What the course adds to the article:
#
# - **real medical images** (MedMNIST: breast ultrasound, chest X-rays, ...) instead of digits;
# - **measurements instead of promises**: every claim that a technique helps is measured over
#   several seeds and reported with its spread, and where it does not help, the notebook says so;
# - four **use cases** (notebooks 07-10) that test the article's three medical uses and its
#   interpretability challenge.

# %% [markdown]
# **Who it is for.** You know Python and some deep learning (what a convolution, a loss and an
# optimizer are) but not GANs or medical imaging. You can work through the notebooks alone, or an
# instructor can run them as a 3-hour workshop (suggested minutes in the course map below).

# %% [markdown]
# ## 2. How to run the course
#
# | where | how | notes |
# | --- | --- | --- |
# | your computer | `bash scripts/demo.sh` installs everything into `.venv` and trains a small GAN for 60 s; `bash scripts/test.sh` runs all tests and every notebook in smoke mode; then `.venv/bin/jupyter lab` | Python 3.10-3.12, 2 CPU cores are enough |
# | Binder | the *launch binder* badge at the top of each notebook | no install; 1-2 GB of memory; idle sessions are stopped after about 10 minutes, so download your changes |
# | Colab | the *Open in Colab* badge | the set-up cell installs the course package only; Colab's own TensorFlow and ipywidgets are kept |
#
# **Smoke mode or full mode.** Every notebook reads one switch, the environment variable
# `MEDGAN_SMOKE`, in its *Parameters* cell. With `MEDGAN_SMOKE=1` the budgets shrink (a few
# training steps instead of thousands) so that a notebook runs top to bottom in well under a minute:
# this is what CI does to check that every cell works. Without it (or with `MEDGAN_SMOKE=0`) you get
# the full run, built to take at most about 5 minutes per notebook on a 2-core CPU. Smoke mode runs
# exactly the same cells; only its numbers are too small to mean anything.

# %%
print("this run is in", RUN_MODE, "mode")
print("MEDGAN_DATA_DIR =", os.environ.get("MEDGAN_DATA_DIR", "(not set)"))

# %% [markdown]
# **Where the data comes from.** The loader looks for MedMNIST files under their official names
# (`breastmnist.npz`, ...) first in the folder named by the environment variable
# **`MEDGAN_DATA_DIR`**, then in its download cache (`~/.keras/datasets/medmnist`), and only then
# downloads them from Zenodo (a few MB for BreastMNIST). `course.dataset_availability()` tells you,
# without downloading anything, where each dataset would come from:

# %%
availability = course.dataset_availability(("breastmnist", "pneumoniamnist", DATASET))
for name, where in availability.items():
    print(f"{name:>15}: {where}")

# %% [markdown]
# "local" and "cached" load offline; "download" needs the internet on first use (and never again).

# %%
dataset = load_dataset_or_default(DATASET)
print(dataset)
print(dataset.source)
if dataset.name == "breastmnist":  # facts of the real data (skipped on the phantom fallback)
    assert [len(dataset.split(s)) for s in ("train", "val", "test")] == [546, 78, 156]
    assert dataset.class_names[0] == "malignant"

# %% [markdown]
# **Offline and without the file?** Then `load_dataset_or_default` does *not* stop the notebook:
# it prints a banner that starts with **REAL DATA UNAVAILABLE**, warns, and returns the course's
# embedded **phantoms**: generated, labelled ultrasound-like pictures (an irregular dark lesion for
# class 0, a smooth one or none for class 1). The notebooks then run, but every number they print is
# about phantoms, **not patients**. Check `dataset.name` when in doubt. Setting
# `MEDGAN_REQUIRE_REAL_DATA=1` turns the fallback into an error (CI does this).
#
# This is what the two look like, side by side:

# %%
phantoms = load_dataset("phantoms", max_train=64)
fig, axes = plt.subplots(2, 6, figsize=(9, 4.2))
for row, (data, what) in enumerate([(dataset, dataset.name), (phantoms, "phantoms")]):
    for col, ax in enumerate(axes[row]):
        cls = col % data.num_classes
        index = np.flatnonzero(data.train.labels == cls)[col // data.num_classes]
        image = to_display_range(data.train.images[index])
        ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{what}\nclass {cls}", fontsize=8)
        ax.axis("off")
fig.suptitle("top: the dataset this notebook loaded; bottom: the embedded phantoms")
fig.tight_layout()
plt.show()
for data in (dataset, phantoms):
    print(f"{data.name}: " + ", ".join(f"class {k} = {n}" for k, n in enumerate(data.class_names)))

# %% [markdown]
# ## 3. Checking your environment
#
# The imports cell printed the versions of Python and the main packages; quote them when you report
# a problem. Next: does TensorFlow see a GPU (or a TPU)? The course runs on a CPU; a GPU only makes
# the full runs faster (notebook 12 is about that).

# %%
devices = course.accelerators()
print("GPUs:", devices["GPU"] or "none", "| TPUs:", devices["TPU"] or "none")
print("on Colab" if course.on_colab() else "not on Colab")

# %% [markdown]
# A tiny TensorFlow computation: multiply two random matrices, compare with NumPy, and time it.
# A matrix product of two n x n matrices costs about 2n³ floating-point operations, so the time
# gives your machine's speed in GFLOP/s (billions of operations per second).

# %%
import tensorflow as tf

a = tf.random.normal((MATMUL_SIZE, MATMUL_SIZE), seed=0)
product = tf.linalg.matmul(a, a)  # the first call also sets TensorFlow up: not timed
error = np.abs(product.numpy() - a.numpy() @ a.numpy()).max() / np.abs(product.numpy()).max()
assert error < 1e-4, error  # TensorFlow and NumPy agree

repeats = 10
start = time.perf_counter()
for _ in range(repeats):
    product = tf.linalg.matmul(a, a)
_ = product.numpy()  # waits until a GPU has really finished
seconds = (time.perf_counter() - start) / repeats
print(f"{MATMUL_SIZE} x {MATMUL_SIZE} matrix product on {product.device.split('/')[-1]}: "
      f"{seconds * 1e3:.1f} ms, about {2 * MATMUL_SIZE ** 3 / seconds / 1e9:.0f} GFLOP/s "
      f"(relative difference to NumPy {error:.1e})")

# %% [markdown]
# **Widgets.** A few notebooks have interactive controls (sliders, buttons) built with
# `ipywidgets`. They need a running kernel and a front end that shows widgets (JupyterLab, Jupyter
# Notebook, VS Code, Colab). Where they cannot work, the course shows a static figure instead.
# If you see a slider below, widgets work here: move it.

# %%
print("ipywidgets:", _compat.ipywidgets_version() or "not installed")
if _compat.use_static():
    print("No live widgets here: the course will show static figures instead.")
else:
    import ipywidgets as widgets

    try_slider = widgets.IntSlider(value=3, min=0, max=10, description="try me")
    try_label = widgets.Label()

    def show_square(change):
        try_label.value = f"{change['new']} squared is {change['new'] ** 2}"

    try_slider.observe(show_square, names="value")
    show_square({"new": try_slider.value})
    _compat.show(widgets.HBox([try_slider, try_label]))

# %% [markdown]
# ## 4. The course map
#
# | # | notebook | what you do | workshop minutes (suggested) |
# | --- | --- | --- | ---: |
# | 00 | [Welcome and set-up](00_welcome_and_setup.ipynb) | what the course is, how to run it, the environment check | 10 |
# | 01 | [Medical images for ML](01_medical_images_for_ml.ipynb) | radiograph, ultrasound, CT (Hounsfield units, windows), MR; MedMNIST; class imbalance and label scarcity measured on BreastMNIST | 20 |
# | 02 | [GAN theory](02_gan_theory.ipynb) | V(D,G), the optimal discriminator, why the original generator loss saturates; a toy GAN playground | 25 |
# | 03 | [Building a DCGAN in Keras](03_building_a_dcgan.ipynb) | the article's generator and discriminator, layer by layer, and the course's lighter DCGAN | 20 |
# | 04 | [The training loop](04_training_loop.ipynb) | two gradient tapes, one step at a time; debugging the article's code until it trains | 30 |
# | 05 | [When training fails](05_when_training_fails.ipynb) | how GAN training fails, and what fixes it (measured over seeds) | 20 |
# | 06 | [Evaluating GANs for medicine](06_evaluating_gans.ipynb) | FD/KID (domain features) beside their real-versus-real floor, precision/recall, memorization | 20 |
# | 07 | [Use case: class imbalance](07_class_imbalance.ipynb) | a conditional GAN makes extra minority-class images; does a classifier gain from them? | 25 |
# | 08 | [Use case: label scarcity](08_label_scarcity.ipynb) | a semi-supervised GAN learns from unlabelled images when only a few are labelled | 25 |
# | 09 | [Use case: image enhancement](09_image_enhancement.ipynb) | pix2pix for denoising and super-resolution | 25 |
# | 10 | [Use case: explainability](10_explainability_and_trust.ipynb) | explainability and trust: what the models look at | 25 |
# | 11 | [Challenges, future and FAQ](11_challenges_future_faq.ipynb) | the article's challenges and FAQ, answered with what the course measured | 10 |
# | 12 | [Scaling up](12_scaling_up.ipynb) | GPU, mixed precision, XLA and distributed training | 15 |
# | 13 | [Diffusion models against GANs](13_diffusion_vs_gan.ipynb) | a small diffusion model, its samplers and guidance, measured against the GAN at equal CPU time | 25 |
# | 14 | [Capstone project](14_capstone_project.ipynb) | your own project: train, compare against the floor and a baseline over seeds, report | 45 |
#
# Notebooks 07-10 are the **use cases**: class imbalance with conditional GANs, label scarcity with
# semi-supervised GANs, image enhancement with pix2pix, and explainability. They can be done in any
# order after 06. A 3-hour workshop fits 00-06, one use case and 11 (180 minutes by the suggested
# times); 12 is for later, on a GPU if you have one. Every notebook is built to take at most about 5 minutes in full mode on a 2-core
# CPU. The cell below prints the run times the course's benchmark measured (its result files are
# installed with the package, so Colab and Binder show them too).

# %%
measured = sorted(course.results_dir("notebooks").glob("*.json"))  # installed with the package
for path in measured:
    run = json.loads(path.read_text())
    status = "ERROR" if run.get("error") else f"{run['seconds']:6.0f} s"
    print(f"{run['notebook']:<40} {run['mode']:<5} {status}, peak {run['peak_rss_mb']:.0f} MB, "
          f"{run['machine']['cores']} cores, {run['date'][:10]}")
if not measured:
    print("no notebook measurements installed (medgan_course/results/notebooks/ is empty)")

# %% [markdown]
# ## 5. How exercises work
#
# Each notebook ends with 2-4 exercises. You write a little code where it says `...  # your code
# here`, run the cell, and its last line calls a check from `medgan_course.exercises` that returns a
# `Feedback`: ✅ with an explanation, or ❌ with a hint. A check never raises an error, so an
# unsolved exercise never stops the rest of the notebook. Solutions are hidden under *Solution*.
#
# A check sees an untouched stub, a wrong answer and a right one like this:

# %%
print(nb00.check_to_display(...))               # the stub: not attempted yet
print(nb00.check_to_display(lambda x: x / 2))   # a wrong answer on purpose: a hint
print(nb00.check_to_display(to_display_range))  # the package's own function: correct

# %%
feedback = nb00.check_to_display(to_display_range)
assert isinstance(feedback, Feedback) and feedback.passed
feedback  # the last value of a cell is displayed as a coloured box

# %% [markdown]
# ## 6. Not for clinical use; licences and credits
#
# **Nothing in this course is a medical device or a diagnostic tool.** The images are research
# benchmarks shrunk to 28-64 pixels, the models are small, and generated images must never be
# presented as patients' images.
#
# - **MedMNIST** (Yang et al., *Scientific Data* 2023, doi:10.1038/s41597-022-01721-8) is licensed
#   **CC BY 4.0** (DermaMNIST: CC BY-NC 4.0). Cite MedMNIST *and* the source dataset of each flag
#   (`dataset.source` prints both; the repository's CREDITS.md lists them all). BreastMNIST comes
#   from the BUSI breast ultrasound dataset (Al-Dhabyani et al., *Data in Brief* 2020).
# - The CT and MR slices come with pydicom (MIT licence), the retina photograph with scikit-image
#   (CC0).
# - The course's code is MIT-licensed, its text CC BY 4.0.

# %% [markdown]
# ## Summary
#
# - The course teaches GANs on real medical images, starting from a six-part article whose code it
#   repairs (notebook 04) and whose claims it measures (notebooks 05-11).
# - One switch, `MEDGAN_SMOKE`, chooses tiny (CI) or full budgets; the same cells run either way.
# - Data comes from `MEDGAN_DATA_DIR`, the cache or a download; without any of them a banner says
#   the notebook fell back to phantoms, which are not patients.
# - `course.accelerators()` and `course.dataset_availability()` tell you what your environment
#   offers; exercises answer with a `Feedback`, never an error.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: The shape of a dataset
#
# What is the shape of the training images of `dataset` (the one this notebook loaded)? Give it as
# a tuple `(N, H, W, C)`: number of images, height, width, channels. Read it from the array rather
# than typing numbers, so it stays right when you change `DATASET`.

# %%
answer = ...  # your code here
nb00.check_image_shape(answer, dataset)

# %%
show_solution("nb00", "image_shape")


# %% [markdown]
# ### Exercise 2: From model range to display range
#
# Models see images in [-1, 1] (the generator's `tanh` output); `plt.imshow` wants [0, 1]. Write
# `to_display(images)` that maps -1 to 0, 0 to 0.5 and 1 to 1, keeping the array's shape.

# %%
def to_display(images):
    ...  # your code here


nb00.check_to_display(to_display)

# %%
show_solution("nb00", "to_display")


# %% [markdown]
# ### Exercise 3: And back
#
# Write the inverse, `to_model(images)`: [0, 1] back to [-1, 1]. The check also tests that
# `to_display(to_model(x))` gives `x` back. Then show one training image with your two functions:
# `plt.imshow(to_display(dataset.train.images[0])[..., 0], cmap="gray")`.

# %%
def to_model(images):
    ...  # your code here


nb00.check_to_model(to_model, to_display)

# %%
show_solution("nb00", "to_model")

# %% [markdown]
# ## Next
#
# Notebook 01 looks at the images themselves: what a pixel means in an X-ray, an ultrasound, a CT
# and an MR image, how the MedMNIST datasets are built, and how imbalanced and how scarce the labels
# of BreastMNIST really are. [01_medical_images_for_ml.ipynb](01_medical_images_for_ml.ipynb)
