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
# # 10 · Explainability and trust
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/10_explainability_and_trust.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F10_explainability_and_trust.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Walk through a generator's latent space (interpolation, traversals) and say what smooth paths do and do not prove.
# - Find a class direction in latent space with a classifier, and test it against random directions on latent vectors it was not fitted on.
# - Compute gradient saliency and Grad-CAM for a classifier, and saliency for a discriminator, on real and generated images.
# - Run the model-randomisation sanity check (Adebayo et al. 2018) before believing a saliency map.
# - Check generated images for memorization against the real-data floor, and list what a radiologist would look for that these tools cannot.

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
import logging

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.evaluation import saliency
from medgan_course.evaluation.classification import paired_differences, roc_auc, t_interval
from medgan_course.evaluation.distances import memorization_report
from medgan_course.evaluation.latent import interpolate, random_directions
from medgan_course.exercises import nb10, show_solution
from medgan_course.plots import samples_figure
from medgan_course.usecases import classify, explain, imbalance, results
from medgan_course.usecases.classify import ClassifierBudget, positive_scores
from medgan_course.widgets.latent import latent_explorer, path_figure

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # hide Keras' notices about re-tracing

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any single-label 2D MedMNIST flag, e.g. "pneumoniamnist"
SEED = 0                  # the ONE seed run live here (the benchmark runs seeds 0-4)
GAN_STEPS = 40 if SMOKE else 1500      # cDCGAN generator steps (benchmark: 1,500)
EPOCHS = 2 if SMOKE else 20            # classifier epochs (benchmark: 20)
WIDTH = 8 if SMOKE else 16             # classifier width (benchmark: 16)
N_FIT = 128 if SMOKE else 512          # generated images the class direction is fitted on
N_EVAL = 16 if SMOKE else 64           # NEW latent vectors it is checked on
N_RANDOM = 3 if SMOKE else 8           # random directions it is compared with
N_MAPS = 8 if SMOKE else 32            # images of the saliency sanity check
EXPERIMENT_SEEDS = [0, 1] if SMOKE else [0, 1, 2, 3, 4]   # Exercise 4 (the experiment): random copies and image draws

# %% [markdown]
# Previous: [09_image_enhancement.ipynb](09_image_enhancement.ipynb). The article names three
# challenges for GANs in medicine: imbalanced data, training that is hard to converge, and
# **interpretability**: "GAN-generated images can be hard to explain, which affects doctors'
# diagnosis from them; interpretability analysis methods can improve this." This notebook tries the
# usual interpretability tools on a class-conditional GAN and a classifier trained on BreastMNIST,
# and **measures** what each can tell, and what none of them can.

# %% [markdown]
# ## 1. Two models to explain
#
# We need something to explain: a small CNN **classifier** trained on the real training split
# (malignant vs normal/benign, the protocol of notebook 07), and a class-conditional DCGAN
# (**cDCGAN**) trained on the same images, which draws an image from a latent vector `z` and a
# label. `explain.train_models` trains both with the seed's budget.

# %%
dataset = load_dataset_or_default(DATASET)
majority = imbalance.majority_class(dataset.train.labels)
print(dataset)
print("class names:", dataset.class_names)

# %%
budget = explain.ExplainBudget(gan_steps=GAN_STEPS, classifier=ClassifierBudget(epochs=EPOCHS, width=WIDTH),
                               n_fit=N_FIT, n_eval=N_EVAL, n_random=N_RANDOM, n_saliency=N_MAPS)
gan, classifier, clf_record, minority = explain.train_models(dataset, budget, seed=SEED, progress=True)
m = clf_record["metrics"]
print(f"live seed {SEED}: cDCGAN {clf_record['gan_steps']} steps; classifier test AUC {m['auc']:.3f}, "
      f"sensitivity {m['sensitivity']:.3f}, specificity {m['specificity']:.3f} "
      f"(threshold {m['threshold']:.2f}, chosen on validation)")
live = {"auc": m["auc"], "real_minority_called": m["sensitivity"]}  # this seed's measurements
assert minority != majority and 0.0 <= m["auc"] <= 1.0

# %% [markdown]
# Eight latent vectors, each drawn once with the **malignant** label (top row) and once with the
# **benign** label (bottom row): the label is the only difference between the two rows.

# %%
z8 = np.random.default_rng(SEED).standard_normal((8, gan.latent_dim)).astype(np.float32)
pairs = np.concatenate([gan.generate(z8, labels=np.full(8, minority)), gan.generate(z8, labels=np.full(8, majority))])
samples_figure(pairs, labels=np.repeat([minority, majority], 8), class_names=dataset.class_names,
               title="same z, label malignant (top) or benign (bottom)")


# %% [markdown]
# ## 2. Walking through latent space
#
# If the generator has learned a smooth map from `z` to images, a path between two latent vectors
# gives a smooth sequence of images; a generator that memorised a few training images jumps between
# them instead (Radford et al., DCGAN, 2016). The latent vectors are standard normal in 128
# dimensions, so they lie near a shell of radius about √128 ≈ 11.3: the straight line between two
# of them dips inside it, the spherical path (**slerp**) stays on it.

# %%
def generate_as(label):
    """A function z (n, latent_dim) -> images, all drawn with one class label."""
    return lambda z: gan.generate(np.asarray(z, np.float32), labels=np.full(len(z), label, np.int32))

z_a, z_b = z8[0], z8[1]
for kind in ("linear", "slerp"):
    norms = np.linalg.norm(interpolate(z_a, z_b, 9, kind), axis=1)
    print(f"{kind:6s}: |z| along the path {np.round(norms, 1)}")

# %%
ts = np.linspace(0, 1, 8)
rows = [generate_as(majority)(interpolate(z_a, z_b, 8, "linear")),
        generate_as(majority)(interpolate(z_a, z_b, 8, "slerp")),
        generate_as(minority)(interpolate(z_a, z_b, 8, "slerp"))]
fig = path_figure(rows, ts, row_titles=["linear, benign", "slerp, benign", "slerp, malignant"])
fig.suptitle("from z_A (left) to z_B (right); top labels: t", fontsize=9)
display(fig)

# %% [markdown]
# Try it yourself: the explorer moves between two seeds and along random directions (without a
# widget front end it shows a static figure of the same paths).

# %%
explorer = latent_explorer(generate_as(majority), gan.latent_dim, seed_a=0, seed_b=1, n_directions=2)

# %% [markdown]
# **What this can and cannot tell.** Smooth paths are weak evidence that the generator is not a
# look-up table of training images; they say nothing about whether each image is anatomically
# plausible, and at 28 × 28 pixels "smooth" is easy. Section 7 tests memorization directly.

# %% [markdown]
# ## 3. A class direction in latent space
#
# The cDCGAN gets the class from its label. Does `z` carry class information too? InterFaceGAN
# (Shen et al. 2020) finds semantic directions by labelling many generated images with a
# classifier and fitting a linear boundary in `z`. `explain.class_direction` does the same with a
# least-squares fit of the classifier's **log-odds of malignant** on `z` (or, with
# `method="mean_difference"`, the mean `z` of the top quarter of scores minus that of the bottom
# quarter). We fit it on images generated with the **benign** label: can `z` alone push a
# "benign" image towards what the classifier calls malignant?

# %%
print(inspect.getsource(explain.class_direction).split('    """')[0] + "    ...")

# %% [markdown]
# First a toy case with a known answer: scores that depend on `z` only through one direction `w`.

# %%
rng = np.random.default_rng(0)
w_true = rng.standard_normal(16)
w_true /= np.linalg.norm(w_true)
z_toy = rng.standard_normal((1000, 16))
toy_scores = 1 / (1 + np.exp(-2 * z_toy @ w_true))
for method in explain.DIRECTION_METHODS:
    cosine = explain.class_direction(z_toy, toy_scores, method=method) @ w_true
    print(f"{method:16s} cosine with the true direction: {cosine:.3f}")
    assert cosine > 0.9

# %%
score = explain.gan_score(gan, classifier, label=majority, positive_class=minority)  # z -> P(malignant)
z_fit = np.random.default_rng(50_000 + SEED).standard_normal((N_FIT, gan.latent_dim)).astype(np.float32)
fit_scores = score(z_fit)
direction = explain.class_direction(z_fit, fit_scores)
print(f"P(malignant) of {N_FIT} benign-labelled images: mean {fit_scores.mean():.2f}, "
      f"10th-90th percentile {np.percentile(fit_scores, 10):.2f}-{np.percentile(fit_scores, 90):.2f}")

# %% [markdown]
# A **traversal**: four new latent vectors moved from -3 to +3 latent units along the class
# direction, and, for contrast, along a random direction of the same length. The number under each
# image is the classifier's P(malignant).

# %%
amounts = budget.amounts
z_show = np.random.default_rng(70_000 + SEED).standard_normal((4, gan.latent_dim)).astype(np.float32)
random_dir = random_directions(gan.latent_dim, 1, seed=SEED)[0]
paths = [explain.traverse(z, d, amounts) for d in (direction, random_dir) for z in z_show]  # 8 rows
images = generate_as(majority)(np.concatenate(paths)).reshape(8, len(amounts), *dataset.image_shape)
p_all = positive_scores(classifier, images.reshape(-1, *images.shape[2:]), minority).reshape(8, -1)
fig, axes = plt.subplots(8, len(amounts), figsize=(1.0 * len(amounts) + 1.2, 9.2))
for r in range(8):
    name, p = ("class" if r < 4 else "random"), p_all[r]
    for c, ax in enumerate(axes[r]):
        ax.imshow((images[r, c, ..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{p[c]:.2f}", fontsize=7, labelpad=1)
        if r == 0:
            ax.set_title(f"{amounts[c]:+.0f}", fontsize=8)
        if c == 0:
            ax.set_ylabel(f"{name} #{r % 4 + 1}", fontsize=8)
fig.suptitle("benign label; top: amount moved; under each image: P(malignant)\nrows 1-4: class direction, rows 5-8: a random direction", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# Now the test, on `N_EVAL` latent vectors the direction was **not** fitted on (fitting and testing on
# the same vectors would flatter it): does P(malignant) rise along the class direction, and by more
# than along random directions of the same length?

# %%
z_eval = np.random.default_rng(60_000 + SEED).standard_normal((N_EVAL, gan.latent_dim)).astype(np.float32)
check = explain.direction_check(score, z_eval, direction, amounts, n_random=N_RANDOM, seed=SEED)
random_curves = [explain.scores_along(score, z_eval, d, amounts).mean(axis=0)
                 for d in random_directions(gan.latent_dim, min(N_RANDOM, 3), seed=SEED)]
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.plot(amounts, check["curve"], "o-", color="firebrick", label="class direction")
for i, curve in enumerate(random_curves):
    ax.plot(amounts, curve, "--", color="grey", label="random directions" if i == 0 else None)
ax.set(xlabel="amount moved (latent units)", ylabel="mean P(malignant)", title=f"{N_EVAL} held-out latent vectors, benign label")
ax.legend(fontsize=8)
plt.show()

# %%
label_effect = explain.label_effect(gan, classifier, z_eval, positive_class=minority, other_class=majority)
print(f"class direction, -3 -> +3: P(malignant) changes by {check['class_effect']:+.3f} on average")
print(f"random directions (|change|): {check['random_effect_mean']:.3f} on average, "
      f"largest {max(check['random_effects']):.3f}; beats all {N_RANDOM}: {check['beats_all_random']}")
print(f"monotonic rise along it: {check['monotonic_fraction']:.0%} of held-out z "
      f"(random directions, up or down: {check['random_monotonic_fraction']:.0%})")
print(f"switching only the label (benign -> malignant), same z: {label_effect:+.3f}")
live.update({k: float(check[k]) for k in ("class_effect", "random_effect_mean", "effect_ratio",
                                          "monotonic_fraction", "random_monotonic_fraction")})
live.update(beats_all_random=float(check["beats_all_random"]), label_effect=label_effect)
assert len(check["curve"]) == len(amounts) and len(check["random_effects"]) == N_RANDOM

# %% [markdown]
# The same question without any direction: how often does the classifier (at its validation
# threshold) call the class the cDCGAN was **asked** for? Same latent vectors, both labels:

# %%
n_check = 2 * N_FIT
asked_malignant = imbalance.generate_class(gan, n_check, minority, seed=10_000 + SEED)
asked_benign = imbalance.generate_class(gan, n_check, majority, seed=10_000 + SEED)
calls = imbalance.synthetic_class_check(classifier, asked_malignant, dataset.test.images[dataset.test.labels == minority],
                                        minority=minority, threshold=m["threshold"], fake_other=asked_benign)
live.update(agreement_minority=calls["fake_called_minority"], agreement_majority=1 - calls["other_called_minority"])
print(f"asked for malignant, called malignant: {calls['fake_called_minority']:.0%}; "
      f"asked for benign, called benign: {1 - calls['other_called_minority']:.0%} "
      f"(real malignant test images called malignant: {calls['real_called_minority']:.0%})")

# %% [markdown]
# Look at the traversal again: what changes along the class direction? One simple candidate is the
# overall brightness. Malignant lesions are often darker than their surroundings on ultrasound, but
# "a darker image" is not a diagnosis. How much of the classifier's score does brightness alone
# follow, on real and on generated images?

# %%
from scipy.stats import spearmanr


def brightness(images):  # mean intensity of each image, in [0, 1]
    return ((images + 1) / 2).mean(axis=(1, 2, 3))

ends = {a: generate_as(majority)(z_eval + a * direction) for a in (amounts[0], amounts[-1])}
print(f"mean brightness of the held-out images at {amounts[0]:+.0f}: {brightness(ends[amounts[0]]).mean():.3f}, "
      f"at {amounts[-1]:+.0f}: {brightness(ends[amounts[-1]]).mean():.3f}")
real_p = positive_scores(classifier, dataset.test.images, minority)
rho_real = spearmanr(brightness(dataset.test.images), real_p)[0]
rho_fake = spearmanr(brightness(generate_as(majority)(z_fit)), fit_scores)[0]
print(f"rank correlation of brightness with P(malignant): real test images {rho_real:+.2f}, "
      f"generated (benign label) {rho_fake:+.2f}")
target = classify.binary_target(dataset.test.labels, minority)
print(f"test AUC of darkness alone (score = -brightness): {roc_auc(target, -brightness(dataset.test.images)):.3f}; "
      f"of the classifier: {m['auc']:.3f}")

# %% [markdown]
# **What this can and cannot tell.** A direction that moves the classifier's score is a direction
# *the classifier* responds to: it may be a lesion feature, or brightness, contrast, or a border
# artefact the classifier happens to use. Look at the traversal: what changes? The comparison
# with the label says whether the label or `z` carries more of the class for this GAN (one seed
# here; the five-seed table is in section 9).

# %% [markdown]
# ## 4. What does the classifier look at? Real versus generated images
#
# Two classic maps, both for the class **malignant** (its log-odds, `saliency.class_log_odds`):
#
# - **gradient saliency** (Simonyan et al. 2014): |∂ score / ∂ pixel|, how much the score would move
#   if that pixel changed a little. Sharp, noisy.
# - **Grad-CAM** (Selvaraju et al. 2017): the last convolution's feature maps `A_k`, weighted by the
#   spatial mean of ∂ score / ∂ `A_k`, summed, rectified, upsampled. Coarse (7 × 7 cells here), but
#   class-specific.
#
# First on two images, to see the shapes:

# %%
print("Grad-CAM reads layer:", saliency.find_last_conv_layer(classifier).name)
few = dataset.test.images[:2]
print("gradient saliency:", saliency.gradient_saliency(classifier, few, minority).shape,
      "| Grad-CAM:", saliency.grad_cam(classifier, few, minority).shape)

# %%
real_malignant = dataset.test.images[dataset.test.labels == minority][:6]
fake_malignant = imbalance.generate_class(gan, 6, minority, seed=40_000 + SEED)
shown = np.concatenate([real_malignant, fake_malignant])
grads = saliency.gradient_saliency(classifier, shown, minority)
cams = saliency.grad_cam(classifier, shown, minority)
p_shown = positive_scores(classifier, shown, minority)
fig, axes = plt.subplots(3, 12, figsize=(13, 3.8))
for c in range(12):
    image = (shown[c, ..., 0] + 1) / 2
    axes[0, c].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0, c].set_title(("real" if c < 6 else "generated") + f"\nP={p_shown[c]:.2f}", fontsize=7)
    axes[1, c].imshow(grads[c], cmap="magma")
    axes[2, c].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[2, c].imshow(cams[c], cmap="jet", alpha=0.45, vmin=0, vmax=1)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
for r, name in enumerate(["image", "|gradient|", "Grad-CAM"]):
    axes[r, 0].set_ylabel(name, fontsize=8)
fig.suptitle("malignant: 6 real test images (left) and 6 generated with the malignant label (right)", fontsize=9)
fig.tight_layout()
plt.show()


# %%
def finite_mean(values):  # NaN marks an all-zero map (nothing raised the score): left out
    values = np.asarray(values)[np.isfinite(values)]
    return float(values.mean()) if len(values) else float("nan")

centre_real = finite_mean(saliency.centre_mass(saliency.grad_cam(
    classifier, dataset.test.images[dataset.test.labels == minority][:N_MAPS], minority)))
centre_fake = finite_mean(saliency.centre_mass(saliency.grad_cam(
    classifier, imbalance.generate_class(gan, N_MAPS, minority, seed=40_000 + SEED), minority)))
print(f"Grad-CAM mass in the central quarter of the image (a uniform map: 0.25): "
      f"real malignant {centre_real:.2f}, generated malignant {centre_fake:.2f}"
      + (" (nan: every map was zero, no feature raised the malignant score)"
         if np.isnan([centre_real, centre_fake]).any() else ""))
live.update(gradcam_centre_real=float(centre_real), gradcam_centre_fake=float(centre_fake))

# %% [markdown]
# BreastMNIST's crops are roughly centred on the lesion, so a classifier that looks at the lesion
# should put more than a quarter of its Grad-CAM mass in the centre. A map on the image borders
# would point to something else: the frame, text, or caliper marks that ultrasound machines burn
# into images.

# %% [markdown]
# ## 5. What does the discriminator look at?
#
# The discriminator is a classifier too: real versus generated. The gradient of its logit with
# respect to the image (`saliency.discriminator_saliency`) shows which pixels made it call an image
# real or fake. Its logits also rank generated images by how fake they look to it (section 7 uses
# that).

# %%
real_labels = dataset.test.labels[dataset.test.labels == minority][:6]
d_real = saliency.discriminator_saliency(gan.discriminator, real_malignant, real_labels)
d_fake = saliency.discriminator_saliency(gan.discriminator, fake_malignant, np.full(6, minority))
logits = explain.discriminator_logits(gan, shown, np.full(12, minority))
fig, axes = plt.subplots(2, 12, figsize=(13, 2.7))
for c in range(12):
    axes[0, c].imshow((shown[c, ..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
    axes[0, c].set_title(("real" if c < 6 else "gen.") + f" D={logits[c]:+.1f}", fontsize=7)
    axes[1, c].imshow(np.concatenate([d_real, d_fake])[c], cmap="magma")
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[1, 0].set_ylabel("|dD/dx|", fontsize=8)
fig.suptitle("discriminator logit (larger = more real to it) and its saliency", fontsize=9)
fig.tight_layout()
plt.show()
rho_dc = finite_mean(saliency.spearman_per_image(d_fake, grads[6:]))
print(f"rank correlation between the discriminator's and the classifier's saliency on the generated images: {rho_dc:.2f}")
live["d_vs_classifier_spearman"] = float(rho_dc)

# %% [markdown]
# ## 6. The sanity check: do the maps depend on what the model learned?
#
# Adebayo et al. (2018, "Sanity checks for saliency maps") showed that some popular maps barely
# change when the model's weights are replaced by random ones: they show the image's edges, not the
# model's reasoning. The **model-randomisation test**: compute the maps again with a re-initialised
# copy of the classifier and compare them with a rank (Spearman) correlation. Near 1: the map
# ignores the training. Near 0: it depends on it.

# %%
random_classifier = saliency.randomised_copy(classifier, seed=SEED)
assert not np.allclose(random_classifier.get_weights()[0], classifier.get_weights()[0])
pick = np.random.default_rng(SEED).choice(len(dataset.test.images), N_MAPS, replace=False)
sanity_images = dataset.test.images[pick]
maps = {(name, who): fn(model, sanity_images, minority)
        for name, fn in (("gradient", saliency.gradient_saliency), ("gradcam", saliency.grad_cam))
        for who, model in (("trained", classifier), ("random", random_classifier))}
for name in ("gradient", "gradcam"):
    rho = saliency.spearman_per_image(maps[name, "trained"], maps[name, "random"])
    rho_image = saliency.spearman_per_image(maps[name, "trained"], (sanity_images[..., 0] + 1) / 2)
    finite = rho[np.isfinite(rho)]  # NaN: an all-zero map, no ranking to compare
    print(f"{name:8s}: trained vs random weights rho = {finite_mean(rho):.2f} "
          f"(per image {finite.min(initial=np.inf):.2f} to {finite.max(initial=-np.inf):.2f}, "
          f"{len(finite)} of {len(rho)} images with a ranking); "
          f"trained map vs the image itself rho = {finite_mean(rho_image):.2f}")
    live[f"randomisation_spearman_{name}"] = finite_mean(rho)
    live[f"image_spearman_{name}"] = finite_mean(rho_image)
    assert np.all(np.abs(rho[np.isfinite(rho)]) <= 1.0)

# %%
fig, axes = plt.subplots(4, 5, figsize=(6.5, 5.6))
for r in range(4):
    panels = [(sanity_images[r, ..., 0] + 1) / 2, maps["gradient", "trained"][r], maps["gradient", "random"][r],
              maps["gradcam", "trained"][r], maps["gradcam", "random"][r]]
    for c, panel in enumerate(panels):
        axes[r, c].imshow(panel, cmap="gray" if c == 0 else "magma")
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
for c, name in enumerate(["image", "gradient\ntrained", "gradient\nrandom weights", "Grad-CAM\ntrained", "Grad-CAM\nrandom weights"]):
    axes[0, c].set_title(name, fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. Did the generator copy its training images?
#
# A generator that returns its training images is useless for augmentation and a privacy leak. For
# each generated image, `memorization_report` finds its nearest training image and divides that
# distance by the typical distance between two training images (median leave-one-out
# nearest-neighbour distance); a ratio below 0.5 flags a likely copy. The same check on the REAL
# test images is the floor: BreastMNIST holds several images of some lesions.

# %%
fakes = imbalance.synthetic_split_like(gan, dataset.test.labels, seed=30_000 + SEED).images
memo = memorization_report(fakes, dataset.train.images)
floor = memorization_report(dataset.test.images, dataset.train.images)
print(f"flagged as near-copies (pixels): generated {memo.fraction_flagged:.1%}, "
      f"real test images {floor.fraction_flagged:.1%} (the floor), {len(fakes)} images each")
live.update(memorized_fake_pixels=memo.fraction_flagged, memorized_real_pixels=floor.fraction_flagged)
if dataset.name == "breastmnist":
    assert abs(floor.fraction_flagged - 0.385) < 0.01  # a property of the data, not of any model


# %%
def neighbour_pairs(report, images, title, k=6):
    order = np.argsort(report.ratios)[:k]
    fig, axes = plt.subplots(2, k, figsize=(1.3 * k, 3.0))
    for c, i in enumerate(order):
        axes[0, c].imshow((images[i, ..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        axes[1, c].imshow((dataset.train.images[report.indices[i, 0], ..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        axes[0, c].set_title(f"ratio {report.ratios[i]:.2f}", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("query", fontsize=8)
    axes[1, 0].set_ylabel("nearest\ntraining", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    plt.show()

neighbour_pairs(memo, fakes, "the generated images closest to a training image | their nearest training image")
neighbour_pairs(floor, dataset.test.images, "for comparison: REAL test images closest to a training image")

# %% [markdown]
# Pixel distance catches copies and near-copies; it misses a copy that is shifted or flipped, and
# it cannot tell "the same patient" from "a similar-looking lesion". Read the figure, not only the
# fraction.

# %% [markdown]
# ## 8. Failure cases a radiologist would catch
#
# None of the numbers above says whether an image is *medically* right. The course cannot get
# radiologist labels, so it does the next best thing: it picks the generated images an expert
# should look at first. `explain.review_candidates` returns the images the classifier is **most
# confident** are malignant (if these are wrong, the classifier has learned a shortcut the GAN
# reproduces) and those the discriminator finds **least real**.

# %%
review = imbalance.generate_class(gan, 64, minority, seed=80_000 + SEED)
review_p = positive_scores(classifier, review, minority)
review_d = explain.discriminator_logits(gan, review, np.full(64, minority))
picks = explain.review_candidates(review_p, review_d, k=8)
fig, axes = plt.subplots(2, 8, figsize=(10, 3.2))
for r, (group, title) in enumerate([("most_confident", "most confidently malignant"), ("least_real", "least real to the discriminator")]):
    for c, i in enumerate(picks[group]):
        axes[r, c].imshow((review[i, ..., 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        axes[r, c].set_title(f"P={review_p[i]:.2f} D={review_d[i]:+.1f}", fontsize=7)
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(title.replace(" to", "\nto").replace("ly ", "ly\n"), fontsize=7)
fig.suptitle("64 images generated as malignant: which should an expert look at first?", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# What a breast radiologist would check on such images (the BI-RADS ultrasound lexicon describes
# masses this way), and why the tools above do not:
#
# - **Shape and orientation**: irregular shape and "taller than wide" (not parallel to the skin)
#   are suspicious; oval and parallel are reassuring. A generator can mix them in one image.
# - **Margins**: circumscribed versus indistinct, angular, microlobulated or spiculated. At 28 × 28
#   pixels most margin detail is gone; look at the 64/128/224 px MedMNIST+ versions for this.
# - **Posterior acoustic features**: shadowing behind a mass (suspicious) or enhancement (typical of
#   cysts). A generated "mass" with shadowing that does not line up beneath it is physically
#   impossible.
# - **Echo pattern**: hypoechoic, heterogeneous, calcifications as bright dots.
# - **Implausible anatomy**: the layers from the skin down (skin line, subcutaneous fat, glandular
#   tissue, pectoral muscle, ribs) must be in order and continuous; generated images can break,
#   repeat or blend them.
# - **Artefacts a classifier may use as a shortcut**: the source images (BUSI) include text,
#   caliper crosses and markers placed by the sonographer, more often on lesions that were
#   measured. A GAN reproduces them, and a saliency map on a caliper mark is a warning, not an
#   explanation.
#
# **Honestly:** this course has no radiologist. The maps and ranks above can tell you *where to
# look*; whether what you see is a plausible malignant lesion needs an expert, ideally a reader
# study in which experts try to tell real from generated images without knowing which is which.

# %% [markdown]
# ## 9. One seed is an anecdote: the five-seed benchmark
#
# Everything above is **one seed** (`SEED`), at this notebook's budget. `python
# bench/usecase_explain.py --seeds 0 1 2 3 4` repeats it for five seeds at the full budget; one
# result file per seed is committed in `medgan_course/results/explain/`, and `docs/results/explain.md`
# holds the report. A seed re-trains the classifier and the cDCGAN and re-draws every latent vector.

# %%
root = course.results_dir("explain")  # installed with the package
records = [r for r in results.load_results(root) if r["arm"] == "explain"]
if records:
    b = records[0]["budget"]
    print(f"{len(records)} seeds from {root.name}/ (installed with the package): cDCGAN {b['gan_steps']} steps, classifier "
          f"{b['classifier']['epochs']} epochs (width {b['classifier']['width']})")
else:
    print("not measured yet: no committed results found (in a clone of the repository, run "
          "python bench/usecase_explain.py --seeds 0 1 2 3 4)")


# %%
def cell(values):
    if len(values) < 2:
        return f"{values[0]:.3f}" if values else "—"
    mean, low, high = t_interval(values)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"

head = f"| measure | live seed {SEED} (this notebook's budget) | benchmark: mean [95% CI] over {len(records)} seeds |"
lines = [head, "| --- | --- | --- |"]
for key, label in explain.MEASURES.items():
    lv = f"{live[key]:.3f}" if key in live and np.isfinite(live[key]) else "—"
    lines.append(f"| {label} | {lv} | {cell([r['metrics'][key] for r in records]) if records else 'not measured yet'} |")
display(Markdown("\n".join(lines)))


# %%
def paired(a, b, claim):
    if len(records) < 2:
        return f"{claim}: not measured yet."
    pair = paired_differences([r["metrics"][a] for r in records], [r["metrics"][b] for r in records])
    word = "yes" if pair.low > 0 else "no, the opposite" if pair.high < 0 else "no clear answer"
    return (f"{claim}? {word} (paired difference {pair.mean:+.3f}, 95% CI [{pair.low:+.3f}, "
            f"{pair.high:+.3f}], {pair.n_a_better}/{len(records)} seeds)")

print(paired("class_effect", "random_effect_mean", "Does the class direction move P(malignant) more than random directions"))
print(paired("class_effect", "label_effect", "Does the latent direction (3 units) move it more than switching the label"))
print(paired("memorized_fake_pixels", "memorized_real_pixels", "Are generated images flagged as copies more often than real test images"))


# %% [markdown]
# Read the table with its intervals: a measurement whose interval spans a wide range is a property
# of the seed as much as of the method. The sanity-check rows say how far the two maps depend on
# the trained weights; the agreement rows say how often the classifier sees the class the cGAN was
# asked for, which is the closest this course gets to "is the generated image of the right class".

# %% [markdown]
# ## Summary
#
# - Latent interpolation and traversals show *that* a generator varies smoothly, not that its
#   images are medically right.
# - A class direction can be found with a classifier (InterFaceGAN-style) and must be tested on
#   held-out latent vectors against random directions; it is a direction the *classifier* responds
#   to, whatever that is.
# - Gradient saliency and Grad-CAM show where a model's score is sensitive; the model-randomisation
#   test checks that the maps depend on the training at all. Grad-CAM weights whole channels, so it
#   shows where important features are active, not which pixels the decision depends on.
# - Memorization needs a floor: real test images of BreastMNIST are flagged as near-copies of
#   training images too.
# - What an expert checks (margins, orientation, posterior features, anatomy, artefacts) is not
#   measured by any of these tools; they choose which images to show the expert.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between seeds.

# %% [markdown]
# ### Exercise 1: Class direction by the difference of means
#
# Write `direction(z, scores)`: the mean latent vector of the images in the **top quarter** of
# `scores` minus the mean of the **bottom quarter** (`np.quantile(scores, [0.25, 0.75])`), divided by
# its length. `z` is `(N, D)`, `scores` is `(N,)`; return a `(D,)` unit vector.

# %%
def direction(z, scores):
    ...  # your code here

nb10.check_direction(direction)

# %%
show_solution("nb10", "direction")


# %% [markdown]
# ### Exercise 2: Grad-CAM by hand
#
# Given one image's last-convolution feature maps `features` `(h, w, K)` and the gradients of the
# class score with respect to them `grads` `(h, w, K)`, write `grad_cam_map(features, grads)`: one
# weight per channel, `alpha_k` = the mean of `grads[..., k]` over the map; `cam` = ReLU of the sum
# over channels of `alpha_k * features[..., k]`; divide by its maximum (if positive).

# %%
def grad_cam_map(features, grads):
    ...  # your code here

nb10.check_grad_cam(grad_cam_map)

# %%
show_solution("nb10", "grad_cam_map")


# %% [markdown]
# ### Exercise 3: Memorization flags
#
# Write `memorization_flags(fakes, train)` for feature arrays `fakes` `(N, D)` and `train` `(M, D)`:
# for each generated row, its Euclidean distance to the nearest training row, divided by the
# **median** over training rows of their distance to the nearest OTHER training row; flag (True)
# when that ratio is below 0.5. Return an `(N,)` boolean array.

# %%
def memorization_flags(fakes, train):
    ...  # your code here

nb10.check_memorization(memorization_flags)

# %%
show_solution("nb10", "memorization_flags")

# %% [markdown]
# ### Exercise 4 (experiment): Which map passes the sanity check, and how reliably?
#
# **The one change:** the saliency method inside section 6's model-randomisation test, from
# gradient saliency (`saliency.gradient_saliency`) to Grad-CAM (`saliency.grad_cam`). Section 6
# ran the test once: one re-initialised copy of the classifier, one draw of `N_MAPS` test images.
# Here each seed of `EXPERIMENT_SEEDS` makes a new random copy (`saliency.randomised_copy`) and draws
# new images (seed 0 repeats section 6's draw), and both methods are scored on the same copy and
# images. The trained classifier is this notebook's one classifier throughout.
#
# **Why it might matter:** a map that passes the test once may not pass it for another random copy.
# Grad-CAM's maps are upsampled from 7 × 7 cells, so they hold far fewer independent values to rank
# than the gradient's 28 × 28 pixels, which may make their rank correlation jumpier.
#
# **Write your prediction before you run.** For each method: is the mean rank correlation (trained
# vs random weights) near 0 or near 1, and which method's values spread more between seeds?

# %%
prediction = "..."  # your prediction, e.g. "both near 0; Grad-CAM spreads more"

# %%
methods = {"gradient": saliency.gradient_saliency, "Grad-CAM": saliency.grad_cam}   # the one change
experiment = {name: [] for name in methods}   # method -> mean rank correlation per seed
for seed in EXPERIMENT_SEEDS:
    random_copy = saliency.randomised_copy(classifier, seed=seed)
    chosen = dataset.test.images[np.random.default_rng(seed).choice(len(dataset.test.images), N_MAPS, replace=False)]
    for name, fn in methods.items():
        rho = saliency.spearman_per_image(fn(classifier, chosen, minority), fn(random_copy, chosen, minority))
        experiment[name].append(finite_mean(rho))
print(f"your prediction: {prediction}\n{N_MAPS} test images per seed; seeds {EXPERIMENT_SEEDS}")
for name, values in experiment.items():
    finite = [v for v in values if np.isfinite(v)]   # NaN: every map of that seed was all zero
    if len(finite) < 2:
        print(f"{name:8s} fewer than 2 seeds gave maps with a ranking: {values}")
        continue
    mean, low, high = t_interval(finite)
    print(f"{name:8s} rank corr. trained vs random {mean:+.3f} ± {np.std(finite, ddof=1):.3f} (mean ± SD; "
          f"95% interval {low:+.3f} to {high:+.3f}); per seed {np.round(values, 2).tolist()}")

# %% [markdown]
# **What to look for.** A method fails the test if its interval lies near 1, and passes if it lies
# near 0; the two methods differ only if their intervals do not overlap. The SD answers the second
# half of your prediction. These seeds vary the random copy and the images, not the trained
# classifier. The benchmark re-trains the classifier too: docs/results/explain.md lists, for 5
# seeds, "gradient saliency: rank corr. trained vs random weights" and "Grad-CAM: rank corr.
# trained vs random weights", each with its per-seed values. Is your spread smaller than its?

# %% [markdown]
# ## Next
#
# Notebook 11 collects the open challenges the article lists (imbalance, convergence,
# interpretability), what this course measured about each, and the article's FAQ. [11_challenges_future_faq.ipynb](11_challenges_future_faq.ipynb)
