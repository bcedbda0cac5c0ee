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
# # 06 · Evaluating GANs for medicine
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/06_evaluating_gans.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F06_evaluating_gans.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Explain what FID, FD (domain features) and KID measure, and why their numbers depend on the feature extractor and the sample size (and measure the Fréchet distance's small-sample bias yourself).
# - Read every score against the real-versus-real floor (train versus test).
# - Tell fidelity from diversity with precision and recall, and spot mode collapse.
# - Check a generator for memorization with nearest training neighbours, against the near-duplicates the real data already holds.
# - Judge samples yourself in a real-or-fake quiz, and walk a generator's latent space.
# - Explain why a good FD does not make a generator useful for medicine.

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
import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.evaluation import (
    extract_features,
    frechet_distance,
    kernel_inception_distance,
    memorization_report,
    precision_recall,
)
from medgan_course.evaluation.latent import interpolate, slerp
from medgan_course.evaluation.report import domain_extractor_for, sample_quality
from medgan_course.exercises import nb06, show_solution
from medgan_course.plots import losses_figure, samples_figure
from medgan_course.training.recipes import get_recipe
from medgan_course.training.runner import train
from medgan_course.widgets.latent import latent_explorer, static_paths_figure
from medgan_course.widgets.quiz import chance_probability, real_or_fake_quiz

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any 2D MedMNIST flag, e.g. "pneumoniamnist"
RECIPE = "dcgan"          # the course's default recipe (notebooks 04 and 05)
TRAIN_SECONDS = 15 if SMOKE else 150     # wall-clock budget of the GAN we evaluate
TRAIN_STEPS = 30 if SMOKE else None      # None: only the time budget stops training
EXTRACTOR_EPOCHS = 1 if SMOKE else 10    # the domain feature extractor (cached after its first run)
N_GENERATED = 1000                       # generated images scored (at least the test split's size)
SAMPLE_SIZES = [20, 40, 80, 160, 320] if SMOKE else [10, 20, 40, 80, 160, 390]
REPEATS = 3 if SMOKE else 20             # random real-vs-real draws per sample size
N_PAIRS = 200 if SMOKE else 400          # latent pairs for the interpolation check
QUIZ_QUESTIONS = 10
EXPERIMENT_N = 50                        # Exercise 4 (the experiment): images per FD instead of the test split's size
EXPERIMENT_DRAWS = 2 if SMOKE else 20   # its random subsamples per sample size
SEED = 0

# %% [markdown]
# ## 1. A generator to evaluate
#
# Every number in this notebook is about one generator, so we first train one: the course's
# `dcgan` recipe on the training split, for a time budget (`TRAIN_SECONDS`). Notebook 04 explains
# `train`; here it is only the source of the images we judge. The **test split is never used for
# training**: it is what real, unseen images of the same data look like.

# %%
dataset = load_dataset_or_default(DATASET)
print(dataset)
print("train class counts:", dict(zip(dataset.class_names, dataset.class_counts("train"))))

# %%
result = train(get_recipe(RECIPE), dataset, steps=TRAIN_STEPS, seconds=TRAIN_SECONDS, seed=SEED)
gan = result.gan
print(f"{result.steps} generator steps in {result.seconds:.0f} s (stopped by: {result.stopped})")

# %%
# sample_quality compares as many fakes as there are test images: never generate fewer.
fake_images = gan.generate(max(N_GENERATED, len(dataset.test.images)), seed=SEED)   # (N, H, W, C) in [-1, 1]
print(fake_images.shape, fake_images.dtype, f"range [{fake_images.min():.2f}, {fake_images.max():.2f}]")
samples_figure(np.concatenate([dataset.test.images[:8], fake_images[:16]]), ncol=8,
               title="row 1: real test images; rows 2-3: generated")

# %%
losses_figure(result.history)

# %% [markdown]
# The losses say little about quality (notebook 05 showed why). The rest of the notebook asks
# the question in four ways: **does a person see the difference, how far apart are the two
# distributions, are the samples realistic and varied, and are they new?**

# %% [markdown]
# ## 2. You are the judge: real or fake?
#
# The oldest evaluation is a human one: show a reader real and generated images, shuffled, and
# count how often they tell them apart (a "visual Turing test"; Chuquicusma et al., ISBI 2018,
# gave one to radiologists with generated lung nodules). Try it. Half of the images below are real **test** images, half
# come from the generator you just trained; click *Real* or *Fake* for each. At the end you see
# your score and the confusion table. (Without a live widget, e.g. on a static web page, you get a
# numbered grid and the answers hidden under it.)

# %%
quiz = real_or_fake_quiz(dataset.test.images, fake_images, n=QUIZ_QUESTIONS, seed=SEED)

# %% [markdown]
# How many right answers show that *you* can tell them apart, rather than luck? Guessing gets each
# image right with probability 1/2, so the number right is binomial. `chance_probability(k, n)`
# is the probability of getting at least k of n right by guessing:

# %%
for k in range(QUIZ_QUESTIONS // 2, QUIZ_QUESTIONS + 1):
    print(f"at least {k:2d} / {QUIZ_QUESTIONS} right by guessing: probability {chance_probability(k, QUIZ_QUESTIONS):.3f}")

# %% [markdown]
# With ten images even 8 right happens by chance about once in twenty (the table above): a human
# test needs many images and several readers before it says anything. Human tests are slow and expensive, so we want numbers a computer can produce
# after every training run. They come next.

# %% [markdown]
# ## 3. Which network looks at the images?
#
# FID, KID and precision/recall do not compare pixels. They pass every image through a
# **feature extractor** (a trained network) and compare the resulting feature vectors. Pixels are
# a poor space: an image shifted by one pixel is "far" from itself. The choice of extractor
# matters more than anything else:
#
# | | ImageNet InceptionV3 (the standard "FID") | the course's domain extractor |
# |---|---|---|
# | trained on | 1.3 M photographs of everyday objects | the training split of *this* dataset (546 images) |
# | needs | a one-time download of about 90 MB | nothing: trained here on the CPU, then cached |
# | numbers comparable with papers | only if resize, sample size and code also match | **never** |
# | sees | generic edges, textures, shapes | what separates this dataset's classes |
# | risk | features made for photos, not ultrasound | trained on the data it then judges; small and noisy |
#
# The package has both (`InceptionExtractor`, `DomainExtractor`). Woodland et al. (MICCAI 2024)
# found that ImageNet features ranked medical GANs in agreement with radiologists, so when you are
# online, use Inception for results you publish. This notebook must run offline (and in CI), so it
# uses the **domain extractor**: a small CNN trained to classify the training split, whose
# penultimate layer gives 128-dimensional features. **Its distances are not FIDs**: they are only
# comparable with each other, computed the same way. The course therefore writes **FD (domain
# features)**, or FD, for FID's formula on these features, and keeps "FID" for Inception's.
#
# `domain_extractor_for` trains it once and caches it under `~/.cache/medgan-course/extractors`
# (keyed by the data, the seed and the epochs), so every later evaluation uses the very same one.

# %%
extractor = domain_extractor_for(dataset, epochs=EXTRACTOR_EPOCHS, seed=SEED)
print("trained on", extractor.training["n_images"], "images for", extractor.training["epochs"],
      "epochs; final training accuracy", round(extractor.training["final_train_accuracy"], 3))
features = extract_features(extractor, dataset.test.images[:4])
print("features of 4 test images:", features.shape, features.dtype)

# %% [markdown]
# Is it a sensible lens? A feature extractor that has learnt nothing would make every distance
# meaningless. Its test accuracy, against always answering the majority class, is a quick check:

# %%
logits = np.asarray(extractor.classifier(dataset.test.images, training=False))
test_accuracy = float(np.mean(logits.argmax(axis=1) == dataset.test.labels))
majority = float(np.max(np.bincount(dataset.test.labels)) / len(dataset.test.labels))
print(f"extractor's test accuracy {test_accuracy:.3f}; majority class alone {majority:.3f}")
assert test_accuracy > majority   # an extractor that learnt nothing would make every distance below meaningless

# %% [markdown]
# ## 4. FID and KID: what they measure
#
# **FID** (Fréchet Inception Distance, Heusel et al. 2017) fits a Gaussian to each set of features
# (mean $\mu$, covariance $\Sigma$) and measures the Fréchet (Wasserstein-2) distance between the
# two Gaussians:
#
# $$\mathrm{FID} = \lVert \mu_r - \mu_g \rVert^2 + \operatorname{Tr}\left(\Sigma_r + \Sigma_g - 2\,(\Sigma_r \Sigma_g)^{1/2}\right)$$
#
# Computed on the domain extractor's features, the same formula is what this course calls
# **FD (domain features)**; `frechet_distance` computes it for any features.
# 0 means identical means and covariances; larger is worse. It sees only the first two moments of
# the features, and estimating a 128 x 128 covariance from a few hundred images is noisy.
#
# **KID** (Kernel Inception Distance, Bińkowski et al. 2018) is the squared maximum mean
# discrepancy with the kernel $k(a, b) = (a \cdot b / d + 1)^3$: roughly, "are features of real
# images more similar to each other than to features of fakes?". Its estimator leaves out each
# image's similarity with itself, which makes it **unbiased**: for two samples of the same
# distribution its expected value is exactly 0, whatever the sample size (single values can be
# slightly negative).
#
# Both first on toy features whose answer we know. Two Gaussian clouds in 2-D, one shifted by 3
# along x: the closed form gives FD = 3² = 9 for the true distributions.

# %%
rng = np.random.default_rng(SEED)
cloud_a = rng.normal(size=(2000, 2))
cloud_b = rng.normal(size=(2000, 2)) + [3.0, 0.0]
print("FD, shifted cloud:", round(frechet_distance(cloud_a, cloud_b), 3), "(9 for the true Gaussians)")
print("FD, same cloud   :", round(frechet_distance(cloud_a, cloud_a), 6))
print("KID (mean, std over subsets), shifted:", np.round(kernel_inception_distance(cloud_a, cloud_b, subset_size=200, n_subsets=20), 3))
print("KID, two fresh samples of one cloud  :", np.round(kernel_inception_distance(cloud_a, rng.normal(size=(2000, 2)), subset_size=200, n_subsets=20), 4))

# %% [markdown]
# ## 5. Sample size matters: FD's bias, KID's unbiasedness
#
# Medical datasets are small: BreastMNIST's test split has 156 images. What does FD do at such
# sizes? We measure it where the right answer is known: **two disjoint random samples of real
# images** (train, validation and test pooled) have true distance 0. For each sample size we draw
# `REPEATS` pairs of samples and compute FD and KID between them.

# %%
all_real = np.concatenate([dataset.train.images, dataset.val.images, dataset.test.images])
real_features = extract_features(extractor, all_real)
print("pooled real features:", real_features.shape)

rng = np.random.default_rng(SEED)
fid_by_n, kid_by_n = {}, {}
for n in tqdm(SAMPLE_SIZES, desc="sample sizes"):
    fids, kids = [], []
    for _ in range(REPEATS):
        order = rng.permutation(len(real_features))
        a, b = real_features[order[:n]], real_features[order[n:2 * n]]   # disjoint samples
        fids.append(frechet_distance(a, b))
        kids.append(kernel_inception_distance(a, b, subset_size=n, n_subsets=1)[0])
    fid_by_n[n], kid_by_n[n] = np.array(fids), np.array(kids)
    print(f"n = {n:3d}: FD {np.mean(fids):.3g} ± {np.std(fids):.2g}   KID {np.mean(kids):+.2g} ± {np.std(kids):.2g}")

# %%
fig, (ax_fid, ax_kid) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
for ax, values, name in ((ax_fid, fid_by_n, "FD"), (ax_kid, kid_by_n, "KID")):
    means = [values[n].mean() for n in SAMPLE_SIZES]
    sds = [values[n].std() for n in SAMPLE_SIZES]
    ax.errorbar(SAMPLE_SIZES, means, yerr=sds, marker="o", capsize=3)
    ax.axhline(0.0, color="grey", linewidth=1, linestyle="--", label="true value: 0")
    ax.set_xscale("log")
    ax.set_xticks(SAMPLE_SIZES, [str(n) for n in SAMPLE_SIZES])
    ax.minorticks_off()
    ax.set_xlabel("images per sample (n)")
    ax.set_title(f"{name} between two real samples (mean ± SD of {REPEATS} draws)")
    ax.legend()
ax_fid.set_ylabel("FD (domain features)")
ax_kid.set_ylabel("domain-feature KID")
plt.show()

# %%
smallest, largest = SAMPLE_SIZES[0], SAMPLE_SIZES[-1]
print(f"FD shrinks {fid_by_n[smallest].mean() / fid_by_n[largest].mean():.0f}x from n={smallest} to n={largest};"
      f" all {REPEATS * len(SAMPLE_SIZES)} FIDs are positive: {all((v > 0).all() for v in fid_by_n.values())}")
kid_small = kid_by_n[smallest]
print(f"KID at n={smallest}: mean {kid_small.mean():+.2g}, {np.sum(kid_small < 0)} of {REPEATS} draws negative")
# The course's claims, checked on this run: FD is biased upward at small n, and is never
# negative; KID's draws scatter around 0 instead of sitting above it.
assert fid_by_n[smallest].mean() > 3 * fid_by_n[largest].mean()
assert all((v > 0).all() for v in fid_by_n.values())

# %% [markdown]
# Two real samples of the same images never get FD 0, and the smaller the samples, the larger the
# FD: it is **biased upward**, roughly in proportion to 1/n, because a covariance estimated from n
# images is noisy and the Fréchet distance counts that noise as distance (FID has the same
# bias). A generator scored with 100 images therefore looks worse than the same generator scored with 1,000. KID's values scatter (a lot, at
# small n) **around 0**: their spread shrinks with n, their centre does not move.
#
# Rules that follow:
#
# * Compare FIDs only at **the same sample size** (and the same extractor and resizing).
# * With a few hundred images, report KID beside FD; give its spread.
# * Always report the **real-versus-real floor** computed the same way. That is next.

# %% [markdown]
# ## 6. The headline numbers, read against the real floor
#
# `sample_quality` is the one report the course uses everywhere (the `medgan-course` command line
# and the benchmarks call it too). It compares two sets against the **training split** (what the
# generator saw), with the same extractor and the same sizes:
#
# * the generated images, subsampled to the size of the test split, and
# * the **real test images**: the *floor*, what a perfect generator that produces new images of
#   the same data would score.
#
# It also returns precision, recall and the memorization fractions (sections 7 and 8). Its code is
# short; read it:

# %%
import inspect

from medgan_course.evaluation import report

print(inspect.getsource(report.sample_quality))

# %%
quality = sample_quality(fake_images, dataset, extractor, seed=SEED, progress=True)
rows = [("FD", "fid", "floor_fid"), ("KID", "kid_mean", "floor_kid_mean"),
        ("memorized fraction", "memorized_fraction", "memorized_fraction_real_test")]
print(f"{'':20s}{'generated':>12s}{'real test (floor)':>20s}")
for name, fake_key, floor_key in rows:
    print(f"{name:20s}{quality[fake_key]:12.3g}{quality[floor_key]:20.3g}")
print(f"precision {quality['precision']:.2f}, recall {quality['recall']:.2f} "
      f"({quality['n_compared']} generated vs {quality['n_reference']} training images)")
assert quality["fid"] > quality["floor_fid"]   # no generator beats the real floor here

# %% [markdown]
# Read the generated column **only against the floor column**: the floor is the distance between
# two real sets of the same data, so it is the best a generator can hope for; an FD many times the
# floor means the generated images differ from the training images far more than two real
# samples of the same data do. On the floor FD the sample-size bias of section 5 and
# the extractor's own difference between the training images (which it was fitted to) and the
# unseen test images both add up; that is exactly why the floor is computed the same way as the
# generated score, not assumed to be 0. `docs/PERFORMANCE.md` lists these numbers for the `dcgan`
# recipe after 60 s and 300 s of training, over three seeds.

# %% [markdown]
# ## 7. Precision and recall: fidelity versus diversity
#
# One distance mixes two failures. A generator can make **realistic but monotonous** images
# (mode collapse: the same few lesions again and again) or **varied but unrealistic** ones. FD
# cannot tell which. Kynkäänniemi et al. (NeurIPS 2019) separate them with k-nearest-neighbour
# balls in feature space:
#
# * around every real feature, a ball reaching its k-th nearest real neighbour: together they
#   approximate the **real manifold**; likewise a **fake manifold**;
# * **precision** = fraction of generated samples inside the real manifold (fidelity: are they
#   realistic?);
# * **recall** = fraction of real samples inside the fake manifold (diversity: is every kind of
#   real image covered?).
#
# A toy example in 2-D, where we can draw the features: real data in three clusters, one
# generator that covers them all and one that collapsed onto one cluster.

# %%
rng = np.random.default_rng(SEED)
centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
def clusters(n, which):
    return centres[rng.choice(which, n)] + 0.6 * rng.normal(size=(n, 2))

toy_real = clusters(300, [0, 1, 2])
toy_generators = {"covers all modes": clusters(300, [0, 1, 2]), "mode collapse": clusters(300, [2])}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharex=True, sharey=True, layout="constrained")
for ax, (name, toy_fake) in zip(axes, toy_generators.items()):
    pr = precision_recall(toy_real, toy_fake, k=3)
    ax.scatter(*toy_real.T, s=6, label="real", alpha=0.6)
    ax.scatter(*toy_fake.T, s=6, label="generated", alpha=0.6)
    ax.set_title(f"{name}: precision {pr.precision:.2f}, recall {pr.recall:.2f}")
    ax.legend(loc="lower left")
plt.show()

# %% [markdown]
# The collapsed generator keeps its precision (its samples are realistic) and loses recall (two
# of three clusters are never produced). On a real dataset a collapsed generator might produce
# only benign-looking lesions: a disaster if the images are meant to teach a classifier what
# malignancy looks like.
#
# For our GAN, `sample_quality` computed both with k = 3 in the domain feature space:

# %%
print(f"precision {quality['precision']:.2f}: fraction of generated images that land among real training images")
print(f"recall    {quality['recall']:.2f}: fraction of real training images the generated ones cover")

# %% [markdown]
# Reading your pair: high precision with low recall means realistic images of only part of the
# data (partial mode collapse, common after short training on a few hundred images); low
# precision means many samples no real image resembles. Section 10 splits recall by class, which
# tells *which* part is missing.
#
# Caveats: with a few hundred images the balls are large and noisy; both numbers depend on k and
# on the extractor, and a few outliers can inflate a manifold (Kynkäänniemi et al. discuss this).
# Compare them between generators scored the same way, not with published values.

# %% [markdown]
# ## 8. Memorization: is it copying its training images?
#
# A generator that returns its training images unchanged would look perfect to FD and precision.
# In medicine that is worse than useless: a copy of a patient's scan is a privacy leak, and it
# adds no information. The check: for every generated image, find its **nearest training image**;
# divide that distance by the typical distance between a training image and its own nearest
# other training image. A ratio below 0.5 is *flagged* as a likely copy (a convention, not a
# test). Pixel space is the right place to find copies (`extractor=None`).
#
# Real data has near-duplicates too. BreastMNIST comes from BUSI, which holds several images of
# some lesions, so the same check on **real test images** (never trained on) is the floor the
# generator's fraction must be read against.

# %%
memo_fake = memorization_report(fake_images, dataset.train.images, k=1)          # pixel space
memo_real = memorization_report(dataset.test.images, dataset.train.images, k=1)
print(f"flagged as likely copies (pixel space): generated {memo_fake.fraction_flagged:.3f}, "
      f"real test images {memo_real.fraction_flagged:.3f}")
print(f"exact copies among the real test images: {int(np.sum(memo_real.distances[:, 0] < 1e-6))}")
if dataset.name == "breastmnist":
    # BreastMNIST's near-duplicates: about 38% of real test images fall below the threshold.
    assert 0.3 < memo_real.fraction_flagged < 0.46


# %%
def nearest_pairs_figure(report, query_images, train_images, title, n=8):
    """The n queries closest to the training set (top row) above their nearest training image."""
    order = np.argsort(report.ratios)[:n]
    fig, axes = plt.subplots(2, n, figsize=(1.2 * n, 2.9), layout="constrained")
    for col, i in enumerate(order):
        for row, image in enumerate((query_images[i], train_images[report.indices[i, 0]])):
            axes[row, col].imshow((image[..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[0, col].set_title(f"ratio {report.ratios[i]:.2f}", fontsize=8)
    axes[0, 0].set_ylabel("query", fontsize=8)
    axes[1, 0].set_ylabel("nearest train", fontsize=8)
    fig.suptitle(title)
    plt.show()

nearest_pairs_figure(memo_real, dataset.test.images, dataset.train.images, "real TEST images and their nearest training image")
nearest_pairs_figure(memo_fake, fake_images, dataset.train.images, "GENERATED images and their nearest training image")

# %% [markdown]
# Look at the pairs before trusting any fraction. The real test images in the first figure sit
# almost on top of training images (the smallest ratio is an exact copy): the dataset itself holds
# near-duplicates. Generated images that close to a training image should worry you only beyond
# what the real data already shows. `sample_quality` reports the same check in the extractor's feature space
# (`memorized_fraction` beside `memorized_fraction_real_test`): feature space also catches copies
# that are shifted or slightly altered, at the price of calling different-looking images with
# similar features "close".

# %% [markdown]
# ## 9. Walking the latent space
#
# The generator maps a latent vector $z \sim \mathcal{N}(0, I)$ of 128 numbers to an image. Moving
# $z$ smoothly and watching the image change smoothly is a classic sign that the generator learnt
# something continuous rather than a lookup table of training images (Radford et al. 2016): a weak
# sign, but a vivid one.
#
# How to move between two vectors $z_A$ and $z_B$? In 128 dimensions almost all standard-normal
# vectors lie near a sphere of radius $\sqrt{128} \approx 11.3$. The straight line between two of
# them cuts through the inside of that sphere: the generator is then asked about vectors unlike
# any it was trained on. **Spherical interpolation** (slerp) follows the arc instead. Measured for
# one random pair:

# %%
latent_dim = gan.latent_dim
rng = np.random.default_rng(SEED)
typical = np.linalg.norm(rng.standard_normal((10000, latent_dim)), axis=1)
z_a, z_b = rng.standard_normal((2, latent_dim)).astype(np.float32)
t = np.linspace(0, 1, 21)
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
for kind in ("linear", "slerp"):
    ax.plot(t, np.linalg.norm(interpolate(z_a, z_b, len(t), kind), axis=1), marker=".", label=kind)
low, high = np.percentile(typical, [1, 99])
ax.axhspan(low, high, color="grey", alpha=0.2, label="1-99% of N(0, I) vectors")
ax.set_xlabel("t (from z_A to z_B)")
ax.set_ylabel("|z|")
ax.legend()
plt.show()
print(f"norm of the linear midpoint {np.linalg.norm((z_a + z_b) / 2):.1f}; "
      f"{np.mean(typical < np.linalg.norm((z_a + z_b) / 2)):.4f} of random vectors are that short")

# %% [markdown]
# Does it matter for the images? We score the midpoints of `N_PAIRS` random pairs, linear and
# spherical, against the training images with the same extractor, beside fresh random vectors,
# each set of the same size (so their FIDs are comparable with each other, section 5):

# %%
rng = np.random.default_rng(SEED + 1)
starts, ends = rng.standard_normal((2, N_PAIRS, latent_dim)).astype(np.float32)
latents = {"random z": rng.standard_normal((N_PAIRS, latent_dim)).astype(np.float32),
           "linear midpoints": (starts + ends) / 2,
           "slerp midpoints": np.stack([slerp(a, b, 0.5) for a, b in zip(starts, ends)])}
train_features = extract_features(extractor, dataset.train.images)
for name, z in latents.items():
    feats = extract_features(extractor, gan.generate(z))
    pr = precision_recall(train_features, feats, k=3)
    print(f"{name:17s} |z| {np.linalg.norm(z, axis=1).mean():5.1f}   FD {frechet_distance(train_features, feats):.3g}"
          f"   precision {pr.precision:.2f}   recall {pr.recall:.2f}")

# %% [markdown]
# Whether the shorter linear midpoints score worse depends on the generator: that is exactly why
# we measured it rather than assumed it (this is one generator, one seed; repeat with another
# `SEED` before you generalise). Now explore yourself: pick two seeds, slide `t` from A to B
# (linear or spherical), and push the image along three random directions of the latent space.
# The strip below shows the whole path; the red frame marks where you are.

# %%
explorer = latent_explorer(lambda z: gan.generate(z), latent_dim, seed_a=0, seed_b=1)

# %% [markdown]
# The same paths as a static figure (what the explorer shows without a live widget):

# %%
static_paths_figure(lambda z: gan.generate(z), latent_dim, seed_a=0, seed_b=1)

# %% [markdown]
# ## 10. Why fidelity is not utility
#
# All the numbers so far measure **fidelity**: do generated images resemble real ones? A medical
# use asks a different question, **utility**: does the generator help with a task, for example
# a classifier for malignancy trained with extra generated images? Two constructed "generators"
# show how far apart the two can be. Both are scored with exactly the same `sample_quality` as our
# GAN:
#
# * the **copier** returns the training images themselves;
# * the **one-class copier** returns only the training images of one class
#   ("normal, benign"): perfect images, but never a malignant one.

# %%
train = dataset.train
rng = np.random.default_rng(SEED)
# The one-class copier returns the training images of the largest class (BreastMNIST: "normal,
# benign"), repeated where that class has fewer images than the test split (which sample_quality
# needs); `missing` is a class it never returns.
copied_class = int(np.argmax(dataset.class_counts("train")))
missing = 0 if copied_class != 0 else 1
one_class = train.images[train.labels == copied_class]
copiers = {
    "copier": train.images[rng.permutation(len(train.images))],
    "one-class copier": np.concatenate([one_class] * -(-len(dataset.test.images) // len(one_class))),
}
print("the one-class copier returns only:", dataset.class_names[copied_class])
scores = {"our GAN": quality}   # section 6, the same report
scores.update({name: sample_quality(images, dataset, extractor, seed=SEED)
               for name, images in tqdm(copiers.items(), desc="scoring")})
print(f"{'':18s}{'FD':>10s}{'KID':>11s}{'precision':>11s}{'recall':>8s}{'memorized':>11s}")
for name, s in scores.items():
    print(f"{name:18s}{s['fid']:10.3g}{s['kid_mean']:11.2g}{s['precision']:11.2f}{s['recall']:8.2f}{s['memorized_fraction']:11.2f}")
floor = scores["our GAN"]
print(f"{'real test (floor)':18s}{floor['floor_fid']:10.3g}{floor['floor_kid_mean']:11.2g}{'':19s}{floor['memorized_fraction_real_test']:11.2f}")
assert scores["copier"]["memorized_fraction"] == 1.0     # every copy is flagged...
assert scores["copier"]["fid"] < scores["our GAN"]["fid"]  # ...yet it beats the GAN on FD
assert scores["copier"]["fid"] < floor["floor_fid"]        # ...and even the real floor

# %% [markdown]
# The copier beats our GAN on FD, and even the real floor (its images are the very ones the
# reference was built from), with perfect precision and high recall: by fidelity alone it is the
# best "generator" in the table. It is also useless: it adds no new image, and a copy of a
# patient's scan may leak who they are. Only the memorization column gives it away.
#
# The one-class copier's images are all real, so its precision is perfect; its overall recall
# drops, but does not say *what* is missing. Splitting recall by class does: for each class, the
# fraction of its training images that the generated images cover.

# %%
train_labels = dataset.train.labels
recall_by_class = {}
for name, images in {"our GAN": fake_images, **copiers}.items():
    picked = images[np.random.default_rng(SEED).choice(len(images), len(dataset.test.images), replace=False)]
    feats = extract_features(extractor, picked)
    recall_by_class[name] = [precision_recall(train_features[train_labels == c], feats, k=3).recall
                             for c in range(dataset.num_classes)]
    print(f"{name:18s}", "   ".join(f"recall of {dataset.class_names[c]!r}: {r:.2f}"
                                     for c, r in enumerate(recall_by_class[name])))
assert recall_by_class["one-class copier"][missing] < recall_by_class["copier"][missing]

# %% [markdown]
# The missing class shows up only when we ask about it. A classifier trained on the one-class
# copier's images could never learn what that class looks like, and an unconditional generator
# like ours does not even say which class an image belongs to.
#
# So a generator for medicine is judged on three axes, each against its real floor: **fidelity**
# (FD/KID, precision), **diversity and novelty** (recall, memorization), and **utility** on the
# task it is meant for, measured with a downstream model on held-out real images. Utility is the
# subject of the use-case notebooks 07 to 10 (class imbalance, scarce labels and more).

# %% [markdown]
# ## Summary
#
# * FD and KID compare two sets of images in a feature space; the **extractor** defines the
#   space. Here it is an offline domain CNN trained on the training split: its numbers are
#   comparable with each other only, never with published (Inception) FIDs.
# * FD is **biased upward at small sample sizes** (measured: two real samples of 20 images are
#   far "apart"); KID is unbiased. Compare scores only at the same sample size, and report the
#   **real-versus-real floor** computed the same way.
# * **Precision** measures fidelity, **recall** diversity: mode collapse keeps precision and
#   loses recall.
# * **Memorization** is checked with nearest training neighbours, read against the real test
#   images (about 38% of BreastMNIST's test images are flagged in pixel space: near-duplicates).
# * A human **real-or-fake** test needs many images to mean anything; ten cannot.
# * Smooth latent walks (slerp keeps |z| typical) are a weak sign against memorization.
# * **Fidelity is not utility**: a copier beats a GAN on FD. Judge a medical generator on the
#   task it is meant to help with.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between random draws.

# %% [markdown]
# ### Exercise 1: The Fréchet distance between two Gaussians, in closed form
#
# Write `frechet_gaussians(mu1, sigma1, mu2, sigma2)` returning
# $\lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{Tr}(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2})$
# for mean vectors `(D,)` and covariance matrices `(D, D)`. The matrix square root is
# `scipy.linalg.sqrtm` (keep its real part: rounding can leave a tiny imaginary one). Check by hand
# first: what is the distance between N(0, 1) and N(3, 4) in one dimension?

# %%
from scipy import linalg  # noqa: F401  for your answer


def frechet_gaussians(mu1, sigma1, mu2, sigma2):
    ...  # your code here

nb06.check_frechet_gaussians(frechet_gaussians)

# %%
show_solution("nb06", "frechet_gaussians")

# %% [markdown]
# ### Exercise 2: Which generator collapsed?
#
# Three toy generators A, B and C were scored against the same real features (2-D, several
# clusters). The next cell prints their measured precision and recall. Which one suffers from
# **mode collapse**, and which one produces **unrealistic** samples? Answer with a dict
# `{"mode_collapse": "A" | "B" | "C", "unrealistic": "A" | "B" | "C"}`.

# %%
for name, pr in nb06.precision_recall_puzzle().items():
    print(f"generator {name}: precision {pr.precision:.2f}, recall {pr.recall:.2f}")

answer = ...  # your code here
nb06.check_precision_recall_reading(answer)

# %%
show_solution("nb06", "precision_recall_reading")


# %% [markdown]
# ### Exercise 3: Spherical interpolation
#
# Write `my_slerp(z0, z1, t)` for two latent vectors `(D,)` and a number `t` in [0, 1]:
# with $\omega$ the angle between them ($\cos\omega = z_0 \cdot z_1 / (\lVert z_0\rVert \lVert z_1\rVert)$),
# return $\frac{\sin((1-t)\,\omega)}{\sin\omega} z_0 + \frac{\sin(t\,\omega)}{\sin\omega} z_1$.
# Then compare the norm of your midpoint with that of the linear midpoint `(z0 + z1) / 2`.

# %%
def my_slerp(z0, z1, t):
    ...  # your code here

nb06.check_slerp(my_slerp)

# %%
show_solution("nb06", "my_slerp")

# %% [markdown]
# ### Exercise 4 (experiment): Score with fewer images
#
# **The one change:** the number of images each FD compares with the training split, from the test
# split's size (what `sample_quality` uses: 156 on BreastMNIST) down to `EXPERIMENT_N` (50). Both
# the GAN's FD and the real floor are computed at that size: `EXPERIMENT_N` generated images, and
# `EXPERIMENT_N` real test images, each against the whole training split, with this notebook's
# extractor. Each size is drawn `EXPERIMENT_DRAWS` times (random subsets of the generated images
# and of the test split).
#
# **Why it might matter:** section 5 measured FD's upward bias at small samples for two real
# samples. A generated set and the floor are both samples, so both move; the question is what
# happens to the *gap* between them, the part that says something about the generator.
#
# **Write your prediction before you run.** At 50 images, what do the GAN's FD, the floor and the
# gap do?

# %%
prediction = "..."  # your prediction, e.g. "both rise, the gap stays the same"

# %%
from medgan_course.evaluation.classification import t_interval

fake_features = extract_features(extractor, fake_images)
test_features = extract_features(extractor, dataset.test.images)
rng = np.random.default_rng(SEED)
sizes = {"test split's size": len(test_features), "EXPERIMENT_N": EXPERIMENT_N}   # the one change
measured = {}
for label, n in tqdm(sizes.items(), desc="Exercise 4: sample sizes"):
    rows = []
    for _ in range(EXPERIMENT_DRAWS):
        fake = fake_features[rng.choice(len(fake_features), n, replace=False)]
        real = test_features[rng.choice(len(test_features), n, replace=False)]
        gan_fd, floor_fd = frechet_distance(train_features, fake), frechet_distance(train_features, real)
        rows.append((gan_fd, floor_fd, gan_fd - floor_fd))
    measured[label] = np.array(rows)
print(f"your prediction: {prediction}\n{EXPERIMENT_DRAWS} random draws per size")
for label, rows in measured.items():
    print(f"{label} ({sizes[label]} images per set):")
    for column, name in enumerate(("GAN's FD", "real floor", "gap, GAN - floor")):
        mean, low, high = t_interval(rows[:, column])
        print(f"   {name:17s} {mean:7.3f} ± {rows[:, column].std(ddof=1):.3f} (mean ± SD; 95% interval "
              f"{low:.3f} to {high:.3f})")

# %% [markdown]
# **What to look for.** Compare the two sizes row by row. A change counts only where the two 95%
# intervals do not overlap; where they overlap, these draws cannot tell the sizes apart. At the
# test split's size the floor uses every test image, so all its draws are the same set and its SD
# is 0 (its real uncertainty, which patients happen to be in the test split, is not seen here).
# What matters for a report is which numbers can be compared: two FDs at different sizes cannot,
# an FD and a floor at the same size can. No committed benchmark varies the sample size: section 5
# of this notebook is the real-versus-real measurement, and docs/RECIPES.md and
# docs/PERFORMANCE.md score every generator with as many images as the test split holds and the
# floor computed at that same size, for exactly this reason. Try `EXPERIMENT_N = 20`, and a
# generator trained longer.

# %% [markdown]
# ## Next
#
# Fidelity, diversity and memorization are now measured against their real floors. The use-case
# notebooks 07 to 10 ask the question that matters in medicine, utility: does training a
# classifier with generated images help, on held-out real patients, under class imbalance and
# scarce labels? Notebook 07 starts with class imbalance: [07_class_imbalance.ipynb](07_class_imbalance.ipynb)
