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
# # 07 · Conditional GANs against class imbalance
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/07_class_imbalance.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F07_class_imbalance.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Say why accuracy misleads on imbalanced medical data, and report AUC, balanced accuracy, sensitivity and specificity instead.
# - Run a fair comparison: every arm gets the same classifier, the same number of updates, and a threshold chosen on the validation split only.
# - Apply the classical remedies: class weights, oversampling, classical augmentation.
# - Train a class-conditional GAN, generate the minority class, and check that the images really are of that class.
# - Read a multi-seed result honestly: t-intervals, paired differences, a bootstrap over test cases, and the published baseline.

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
import logging

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import classical_augment, load_dataset_or_default, minority_class
from medgan_course.exercises import nb07, show_solution
from medgan_course.plots import samples_figure
from medgan_course.usecases import imbalance, results
from medgan_course.usecases.classify import ClassifierBudget, positive_scores
from medgan_course.widgets.imbalance import imbalance_explorer, prevalence_metrics

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # hide Keras' notices about re-tracing (one small model per arm)

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any single-label 2D MedMNIST flag, e.g. "pneumoniamnist"
LEVEL = "harsh"           # "natural": the training split as published; "harsh": keep 25% of its minority
SEED = 0                  # the ONE seed run live here (the benchmark runs seeds 0-4)
GAN_STEPS = 30 if SMOKE else 1000      # cGAN generator steps (the benchmark: 1,500)
EPOCHS = 1 if SMOKE else 12            # classifier epochs, the same for every arm (benchmark: 20)
WIDTH = 8 if SMOKE else 16             # classifier width (benchmark: 16)
LIVE_ARMS = (["real", "class_weights", "gan+100", "synthetic_only"] if SMOKE else
             ["real", "class_weights", "oversample", "classical_aug",
              "gan+50", "gan+100", "gan+200", "synthetic_only"])
EXPERIMENT_KEEP = [0.25, 1.0]  # Exercise 4 (the experiment): minority fractions kept, before and after
EXPERIMENT_SEEDS = [0, 1] if SMOKE else [0, 1, 2]   # its seeds (one classifier per fraction and seed)
EXPERIMENT_EPOCHS = 1 if SMOKE else 6                # its classifier epochs (half of EPOCHS, to keep it short)

# %% [markdown]
# ## 1. How imbalanced is BreastMNIST?
#
# The article lists **data imbalance** among the problems GANs could help with: medical datasets
# hold far fewer sick than healthy cases, and a classifier trained on them learns to say "healthy".
# This notebook turns that claim into an experiment. BreastMNIST has breast ultrasound images of
# three kinds merged into two classes: **malignant** (label 0) and **normal or benign** (label 1).
# The *minority class* is the training split's rarest one; the code finds it, so the same notebook
# runs on other MedMNIST flags.

# %%
dataset = load_dataset_or_default(DATASET)
minority = minority_class(dataset.train.labels)
print(dataset)
print(f"minority class: {minority} ({dataset.class_names[minority]!r})")
for split in ("train", "val", "test"):
    counts = dataset.class_counts(split)
    print(f"{split:5s}: {dict(zip(dataset.class_names, counts.tolist()))}, "
          f"minority fraction {counts[minority] / counts.sum():.1%}")

# %%
if dataset.name == "breastmnist":
    assert minority == 0 and dataset.class_counts("train").tolist() == [147, 399]
    assert dataset.class_counts("test").tolist() == [42, 114]

# %% [markdown]
# About one image in four is malignant. A "classifier" that always answers *benign* is right on
# three test images out of four, and finds **no** cancer. `prevalence_metrics` computes what a
# classifier with a given sensitivity (the fraction of malignant cases it catches) and specificity
# (the fraction of benign cases it clears) scores when a given fraction of patients is malignant:

# %%
print(prevalence_metrics(0.5, sensitivity=0.8, specificity=0.9))  # a small check first
test_minority = np.mean(dataset.test.labels == minority)
always_majority = prevalence_metrics(test_minority, sensitivity=0.0, specificity=1.0)
print(f"'always {dataset.class_names[1 - minority] if dataset.num_classes == 2 else 'not minority'}' "
      f"on the test split: accuracy {always_majority['accuracy']:.3f}, "
      f"balanced accuracy {always_majority['balanced_accuracy']:.3f}, sensitivity 0")
if dataset.name == "breastmnist":
    assert round(always_majority["accuracy"], 3) == 0.731  # MedMNIST v2's majority-class ACC

# %% [markdown]
# So this notebook reports four numbers for every classifier, with the minority class as the
# *positive* class:
#
# - **AUC**: the probability that a random malignant case gets a higher malignancy score than a
#   random benign one (0.5 is chance); it does not depend on a threshold.
# - **balanced accuracy**: the mean of sensitivity and specificity (0.5 for "always benign").
# - **sensitivity** and **specificity**, at a threshold chosen on the *validation* split.
#
# One caution before any number: BreastMNIST's test split has only 42 malignant images, so **one
# case moves sensitivity by 1/42 = 2.4 points**. Differences of a few points between two
# classifiers can be two or three patients.

# %%
n_test_minority = int(np.sum(dataset.test.labels == minority))
print(f"{n_test_minority} minority test cases: one of them moves sensitivity by {100 / n_test_minority:.1f} points")

# %% [markdown]
# ## 2. Making it harsher
#
# At 27% malignant the imbalance is mild. To see where remedies matter, the experiment also runs a
# **harsh** level that keeps only 25% of the training split's minority images (a seeded random
# draw). Validation and test stay untouched: we want to know how the classifier does on the real
# population, not on a thinned one.

# %%
train, minority = imbalance.imbalanced_train_split(dataset.train, imbalance.LEVELS[LEVEL], seed=SEED)
counts = np.bincount(train.labels, minlength=dataset.num_classes)
print(f"level {LEVEL!r}: keep {imbalance.LEVELS[LEVEL]:.0%} of the minority -> train counts "
      f"{counts.tolist()} ({counts[minority] / counts.sum():.1%} minority)")
full = dataset.class_counts("train")
assert counts[minority] == max(1, round(imbalance.LEVELS[LEVEL] * full[minority]))
assert all(counts[c] == full[c] for c in range(dataset.num_classes) if c != minority)

# %%
bars = {"train (published)": full, f"train ({LEVEL})": counts, "test": dataset.class_counts("test")}
n_min = np.array([c[minority] for c in bars.values()])
n_rest = np.array([c.sum() - c[minority] for c in bars.values()])
fig, ax = plt.subplots(figsize=(6, 2.6))
ax.barh(list(bars), n_min, color="firebrick", label=dataset.class_names[minority])
ax.barh(list(bars), n_rest, left=n_min, color="silver", label="the other class(es)")
ax.set(xlabel="images", title="class balance of the splits")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 3. A fair protocol, and the baseline
#
# Each way of fighting the imbalance is an **arm** of the experiment. To compare arms fairly, every
# arm trains the same small CNN (`models.classifier.build_classifier`) with the same
# `ClassifierBudget`, and:
#
# - gets the **same number of gradient steps**: an arm with more images (oversampling, GAN images)
#   does not also get more training; `equal_steps_budget` sets the steps per epoch from the largest
#   arm's training set;
# - keeps the epoch with the best **validation** AUC, and picks its decision threshold on the
#   **validation** split ([Youden's J](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Youden-s-J) = sensitivity + specificity - 1, the
#   threshold with the largest J); the test split is used once, at the end.
#
# The baseline arm, `real`, trains on the (imbalanced) real images as they are.

# %%
sizes = imbalance.arm_sizes(train, minority)
budget = imbalance.equal_steps_budget(ClassifierBudget(epochs=EPOCHS, width=WIDTH), sizes.values())
print("training images per arm:", sizes)
print(budget)
print(f"every arm: {budget.epochs} epochs x {budget.min_steps_per_epoch} steps of {budget.batch_size} images")

# %%
live = {}   # arm -> result record of THIS notebook's single seed
data = imbalance.arm_data("real", train, minority=minority, num_classes=dataset.num_classes)
base_classifier, live["real"] = imbalance.run_arm("real", data, dataset, minority=minority,
                                                  budget=budget, seed=SEED, progress=True)
m = live["real"]["metrics"]
print(f"baseline (seed {SEED}): AUC {m['auc']:.3f}, balanced accuracy {m['balanced_accuracy']:.3f}, "
      f"sensitivity {m['sensitivity']:.3f}, specificity {m['specificity']:.3f}")

# %%
val_auc = live["real"]["val_auc"]
fig, ax = plt.subplots(figsize=(5, 2.6))
ax.plot(range(1, len(val_auc) + 1), val_auc, "o-")
ax.axvline(live["real"]["best_epoch"] + 1, color="grey", ls="--", label="kept (best validation AUC)")
ax.set(xlabel="epoch", ylabel="validation AUC", title="baseline: model selection on validation")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 4. Classical remedies
#
# Three cheap remedies need no GAN:
#
# - **class weights**: each minority example counts more in the loss, n / (classes x n_class), so
#   both classes weigh the same in total;
# - **oversampling**: minority images are repeated (drawn with replacement) until both classes have
#   the majority's count;
# - **classical augmentation**: every batch is flipped left-right, rotated by up to 10 degrees and
#   shifted by up to 10% (`data.classical_augment`). Only left-right flips: an ultrasound image has a
#   meaningful top (the probe).

# %%
print("on 1 minority + 3 majority labels:", imbalance.balanced_class_weights(np.array([0, 1, 1, 1]), 2))
weights = imbalance.balanced_class_weights(train.labels, dataset.num_classes)
print("on the training split:", {c: round(w, 2) for c, w in weights.items()})
index = imbalance.oversample_indices(train.labels, seed=SEED)
print("after oversampling, class counts:", np.bincount(train.labels[index]).tolist())
assert len(set(np.bincount(train.labels[index]).tolist())) == 1

# %%
originals = train.images[train.labels == minority][:8]
augmented = np.asarray(classical_augment(originals, seed=SEED))
samples_figure(np.concatenate([originals, augmented]), ncol=8,
               title="top: real minority training images; bottom: one classical augmentation each")

# %%
for arm in tqdm([a for a in ("class_weights", "oversample", "classical_aug") if a in LIVE_ARMS],
                desc="classical arms"):
    data = imbalance.arm_data(arm, train, minority=minority, num_classes=dataset.num_classes, seed=SEED)
    _, live[arm] = imbalance.run_arm(arm, data, dataset, minority=minority, budget=budget, seed=SEED,
                                     progress=True)
    print(f"{arm:14s} AUC {live[arm]['metrics']['auc']:.3f}  sensitivity {live[arm]['metrics']['sensitivity']:.3f}")

# %% [markdown]
# ## 5. A conditional GAN for the minority class
#
# A **class-conditional** GAN takes a class label next to the noise vector, so we can ask it for
# malignant images only. The course's `cdcgan` recipe is the course's former default DCGAN recipe
# (`sn-hinge-ema`: hinge loss, spectral-norm discriminator, EMA; the recipe study of
# docs/RECIPES.md replaced it as the unconditional default but did not test conditional GANs)
# with a label embedding in the generator and a
# [projection discriminator](https://medgan-course.github.io/medgan-course/site/glossary.html#term-projection-discriminator) that scores image and label together:
# it adds the inner product of a learnt label embedding with the image's features to its unconditional score. It trains on the imbalanced training split,
# both classes, and learns the minority from the few examples there are. One GAN per seed serves
# every amount of synthetic data.
#
# The moving average of the generator's weights (EMA) uses decay 0.995 here instead of the recipe's
# 0.999: the average starts from the random initial weights, and after 1,000 steps 0.999^1000 =
# 37% of it would still be those.

# %%
gan_budget = imbalance.ImbalanceBudget(gan_steps=GAN_STEPS)
gan_result = imbalance.train_conditional_gan(dataset, train, gan_budget, seed=SEED)
gan = gan_result.gan
print(f"cGAN: {gan_result.steps} steps in {gan_result.seconds:.0f} s (stopped by: {gan_result.stopped})")

# %%
print(imbalance.generate_class(gan, 2, minority, seed=SEED).shape)  # a small check first
other = imbalance.majority_class(train.labels)
fake_minority = imbalance.generate_class(gan, 200, minority, seed=SEED)
fake_other = imbalance.generate_class(gan, 200, other, seed=SEED)   # the SAME latent vectors, other label
assert fake_minority.shape[1:] == dataset.image_shape and np.abs(fake_minority).max() <= 1.0
real_minority = train.images[train.labels == minority][:8]
samples_figure(np.concatenate([real_minority, fake_minority[:8], fake_other[:8]]), ncol=8,
               title=f"rows: real {dataset.class_names[minority]} (train) / generated as "
                     f"{dataset.class_names[minority]!r} /\nsame noise, generated as "
                     f"{dataset.class_names[other]!r} ({gan_result.steps} cGAN steps, seed {SEED})")

# %% [markdown]
# Rows 2 and 3 use the **same** noise vectors and differ only in the label, so the difference between
# them is exactly what the label controls. How much is that, next to what a new noise vector changes?

# %%
label_effect = np.abs(fake_minority - fake_other).mean()
noise_effect = np.abs(fake_minority - np.roll(fake_minority, 1, axis=0)).mean()
print(f"mean |pixel change| from swapping the label: {label_effect:.3f}; from a new noise vector: {noise_effect:.3f}")

# %% [markdown]
# If the first number is much smaller than the second, the generator mostly ignores the label: its
# "malignant" and "benign" images are nearly the same pictures. The class check below asks whether
# the small change the label does make goes the right way.

# %% [markdown]
# Do the generated "malignant" images look malignant **to a model**? We ask the baseline classifier,
# which only saw real images, at its validation threshold: how often it calls minority (a) the images
# generated with the minority label, (b) those generated from the same noise with the other label,
# and (c) the real minority images of the test split (its sensitivity). Only if (a) is well above (b)
# does the label make the images minority-like; if (a) and (b) are alike, the "minority" images are
# just GAN images, and adding them as minority examples may teach the classifier the wrong thing.

# %%
test_minority_images = dataset.test.images[dataset.test.labels == minority]
check = imbalance.synthetic_class_check(base_classifier, fake_minority, test_minority_images,
                                        minority=minority, threshold=live["real"]["metrics"]["threshold"],
                                        fake_other=fake_other)
print(f"the baseline calls minority: {check['fake_called_minority']:.0%} of generated minority-label "
      f"images, {check['other_called_minority']:.0%} of generated other-label images (same noise), "
      f"{check['real_called_minority']:.0%} of real minority test images")
scores = {"real minority (test)": positive_scores(base_classifier, test_minority_images, minority),
          "real other class (test)": positive_scores(base_classifier, dataset.test.images[dataset.test.labels != minority], minority),
          "generated, minority label": positive_scores(base_classifier, fake_minority, minority),
          "generated, other label": positive_scores(base_classifier, fake_other, minority)}
fig, ax = plt.subplots(figsize=(6.5, 2.8))
for name, s in scores.items():
    ax.hist(s, bins=20, range=(0, 1), histtype="step", density=True, lw=2, label=name,
            ls="--" if "other label" in name else "-")
ax.axvline(live["real"]["metrics"]["threshold"], color="black", ls=":", label="threshold (validation)")
ax.set(xlabel="baseline's minority probability", ylabel="density", title=f"one seed ({SEED})")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## 6. Adding synthetic minority images (one seed, live)
#
# The GAN arms add 50%, 100% or 200% of the real minority count as generated minority images (the
# +50% images are the first half of the +100% ones: one draw, reused). The last arm, **synthetic
# only**, trains on generated images alone, with the real split's class counts: it tells how much
# of the real data's information the GAN captured.

# %%
for arm in tqdm([a for a in (*imbalance.GAN_AMOUNTS, "synthetic_only") if a in LIVE_ARMS], desc="GAN arms"):
    data = imbalance.arm_data(arm, train, minority=minority, num_classes=dataset.num_classes,
                              gan=gan, seed=SEED)
    _, live[arm] = imbalance.run_arm(arm, data, dataset, minority=minority, budget=budget, seed=SEED,
                                     progress=True)
    print(f"{arm:14s} +{live[arm]['n_synthetic']} generated  AUC {live[arm]['metrics']['auc']:.3f}  "
          f"sensitivity {live[arm]['metrics']['sensitivity']:.3f}")

# %%
live_rows = results.summarise([{**r, "arm": a, "seed": SEED} for a, r in live.items()],
                              baseline="real", order=list(imbalance.ARMS))
display(Markdown(f"**One seed ({SEED}), level `{LEVEL}`, reduced budget ({GAN_STEPS} cGAN steps, "
                 f"{EPOCHS} classifier epoch(s)): NOT evidence for or against any arm.**\n\n"
                 + results.markdown_table(live_rows, labels=imbalance.ARM_LABELS)))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharey=True)
arms = [a for a in imbalance.ARMS if a in live]
for ax, metric in zip(axes, ("auc", "balanced_accuracy", "sensitivity")):
    for y, arm in enumerate(arms):
        colour = "grey" if arm == "real" else "C1" if arm in imbalance.GAN_AMOUNTS or arm == "synthetic_only" else "C0"
        ax.plot(live[arm]["metrics"][metric], y, "o", color=colour, ms=8)
    ax.axvline(live["real"]["metrics"][metric], color="black", ls="--", lw=1)
    ax.set_yticks(range(len(arms)), [imbalance.ARM_LABELS[a] for a in arms])
    ax.set(title=f"{metric}: ONE seed ({SEED})")
axes[0].invert_yaxis()
fig.tight_layout()
plt.show()

# %% [markdown]
# A single seed cannot tell a remedy from luck: a public rebuild of CovidGAN saw up to **5.3 points**
# of variation from the random draw of synthetic images alone. The next section reads the committed
# benchmark, which repeats everything over five seeds at a larger budget.

# %% [markdown]
# ## 7. The committed benchmark: 5 seeds, two levels
#
# `python bench/usecase_imbalance.py --seeds 0 1 2 3 4` ran every arm at both levels; one result
# file per level, arm and seed is committed in `medgan_course/results/imbalance/`, and
# `docs/results/imbalance.md` holds the full report. A seed re-draws **everything** random: which
# minority images the harsh level keeps, the GAN, the synthetic images and the classifier.
# Intervals are 95% t-intervals over seeds; **Δ** is the per-seed *paired* difference against the
# baseline (same seed), which removes the variation both arms share.
#
# The benchmark has one arm this notebook does not train live: **`cfg+100`** adds the same number of
# minority images as `gan+100`, drawn from a class-conditional **diffusion** model sampled with
# classifier-free guidance (notebook 13 teaches both). It trains on the same imbalanced split for
# about the cGAN's training time (its steps were timed against the cGAN's on one machine; the table
# header below gives them), so the two families meet at an equal cost. Training it here would double this notebook's
# run time, so only its committed results appear.

# %%
root = course.results_dir("imbalance")  # installed with the package
records = results.load_results(root)
if records:
    print(f"{len(records)} result files from {root.name}/ (installed with the package)")
else:
    print("not measured yet: no committed results found (in a clone of the repository, run "
          "python bench/usecase_imbalance.py --seeds 0 1 2 3 4)")

# %%
summary = {level: imbalance.summarise_level(records, level) for level in imbalance.LEVELS}
for level, rows in summary.items():
    if not rows:
        print(f"level {level}: not measured yet")
        continue
    first = next(r for r in records if r["arm"].startswith(level + "."))
    b, c = first["budget"], first["budget"]["classifier"]
    cfg = next((r["diffusion"] for r in records if r["arm"] == f"{level}.cfg+100"), None)
    cfg_text = (f"; diffusion {cfg['steps']} steps, sampled by DDIM over {cfg['ddim_steps']} steps with "
                f"guidance w = {cfg['guidance']}" if cfg else "")
    display(Markdown(f"**Level `{level}`**, real train counts {first['train_counts_real']}. Budgets: cGAN "
                     f"`{b['gan_recipe']}` {b['gan_steps']} steps{cfg_text}; classifier {c['epochs']} epochs x "
                     f"{c['min_steps_per_epoch']} steps, width {c['width']}.\n\n"
                     + results.markdown_table(rows, labels=imbalance.ARM_LABELS)))


# %%
def arm_colour(arm):
    if arm in imbalance.DIFFUSION_AMOUNTS:
        return "C2"
    return "grey" if arm == "real" else "C1" if arm in imbalance.GAN_AMOUNTS or arm == "synthetic_only" else "C0"

def metric_dots(summary, metrics=("auc", "balanced_accuracy", "sensitivity")):
    levels = [lv for lv, rows in summary.items() if rows]
    fig, axes = plt.subplots(len(levels), len(metrics), figsize=(12, 3.0 * len(levels)),
                             squeeze=False, sharey="row")
    for row_axes, level in zip(axes, levels):
        rows = summary[level]
        for ax, metric in zip(row_axes, metrics):
            for y, r in enumerate(rows):
                mean, low, high = r[metric]
                err = np.nan_to_num([[mean - low], [high - mean]])
                ax.errorbar(mean, y, xerr=err, fmt="o", color=arm_colour(r["arm"]), capsize=3)
            ax.axvline(rows[0][metric][0], color="black", ls="--", lw=1)
            ax.set_yticks(range(len(rows)), [imbalance.ARM_LABELS[r["arm"]] for r in rows])
            ax.set_title(f"{level}: {metric}")
        row_axes[0].invert_yaxis()
    fig.suptitle("mean and 95% t-interval over seeds (dashed: the real-data baseline; "
                 "blue: classical remedies, orange: GAN arms, green: diffusion)")
    fig.tight_layout()
    return fig

if records:
    metric_dots(summary)
    plt.show()


# %%
def paired_plot(records, metric="auc"):
    fig, axes = plt.subplots(1, len(imbalance.LEVELS), figsize=(12, 3.0), sharex=True)
    for ax, level in zip(axes, imbalance.LEVELS):
        by = {}
        for r in imbalance.level_records(records, level):
            by.setdefault(r["arm"], {})[r["seed"]] = r["metrics"][metric]
        # "synthetic only" sits far below (see the table); left out so the others stay readable.
        arms = [a for a in imbalance.ARMS[1:-1] if a in by and "real" in by]
        for y, arm in enumerate(arms):
            seeds = sorted(set(by[arm]) & set(by["real"]))
            diffs = [by[arm][s] - by["real"][s] for s in seeds]
            ax.plot(diffs, [y] * len(diffs), "o", alpha=0.6, color="C0")
            ax.plot([np.mean(diffs)], [y], "|", ms=18, color="black")
        ax.axvline(0, color="grey", ls="--")
        ax.set_yticks(range(len(arms)), [imbalance.ARM_LABELS[a] for a in arms])
        ax.invert_yaxis()
        ax.set(title=f"{level}: {metric} minus baseline, per seed", xlabel="paired difference "
               "(synthetic only: off the scale, see the table)")
    fig.tight_layout()
    return fig

if records:
    paired_plot(records, "auc")
    plt.show()

# %% [markdown]
# Each dot is one seed's difference from the baseline trained on the **same** seed; the black tick is
# the mean. An arm helps only if its dots sit consistently right of zero. The second source of
# uncertainty is the test set itself: a **bootstrap over test cases** resamples the 156 test images
# (stratified) for one seed's classifier. It says how much the numbers would move with another 156
# patients, not with another training run.

# %%
for level in imbalance.LEVELS:
    for arm in ("real", "gan+100"):
        record = next((r for r in records if r["seed"] == 0 and r["arm"] == f"{level}.{arm}"), None)
        if record is None:
            continue
        cells = [results.bootstrap_over_test_cases(record, m, n_boot=1000) for m in ("auc", "sensitivity")]
        print(f"{record['arm']:16s} seed 0: " + ", ".join(
            f"{m} {p:.3f} [{lo:.3f}, {hi:.3f}]" for m, (p, lo, hi) in zip(("AUC", "sensitivity"), cells)))

# %% [markdown]
# **Beside the published baseline.** MedMNIST v2 (Table 3) reports, for a ResNet-18 at 28 px on
# BreastMNIST's test split, AUC 0.901 and accuracy 0.863 (accuracy at the larger softmax, which we
# also record as `accuracy_argmax`). Our classifier is a much smaller CNN trained for a few hundred
# steps, so we expect it lower or comparable:

# %%
base = [r for r in records if r["arm"] == "natural.real"]
if base:
    auc = results.summarise(base, baseline="natural.real", metrics=("auc", "accuracy_argmax"))[0]
    print("ResNet-18 (MedMNIST v2):       AUC 0.901, ACC 0.863")
    print(f"our small CNN ({len(base)} seeds, natural): AUC {auc['auc'][0]:.3f} [{auc['auc'][1]:.3f}, {auc['auc'][2]:.3f}], "
          f"ACC {auc['accuracy_argmax'][0]:.3f} [{auc['accuracy_argmax'][1]:.3f}, {auc['accuracy_argmax'][2]:.3f}]")
    print(f"difference in mean AUC: {auc['auc'][0] - 0.901:+.3f}; always-benign ACC: 0.731")

# %%
example = next((r for r in records if r["arm"] == "natural.gan+100" and "synthetic_examples" in r), None)
if example:
    bench_fakes = np.asarray(example["synthetic_examples"], np.uint8)
    real_uint8 = np.round((dataset.train.images[dataset.train.labels == minority][:8, ..., 0] + 1) * 127.5).astype(np.uint8)
    display(samples_figure(np.concatenate([real_uint8, bench_fakes]), ncol=8,
                           title=f"top: real {dataset.class_names[minority]}; bottom: the benchmark's cGAN "
                                 f"({example['gan']['steps']} steps, seed {example['seed']}, natural level)"))
    for level, arm in [(lv, a) for lv in imbalance.LEVELS for a in ("gan+100", "cfg+100")]:
        checks = [r["synthetic_check"] for r in records if r["arm"] == f"{level}.{arm}"]
        if checks:
            called = {k: np.mean([c[f"{k}_called_minority"] for c in checks]) for k in ("fake", "other", "real")}
            real_other = np.mean([1 - r["metrics"]["specificity"] for r in records if r["arm"] == f"{level}.real"])
            family = "cGAN" if arm == "gan+100" else "guided diffusion"
            print(f"{level}, {family}, mean over {len(checks)} seeds, the baseline calls minority: {called['fake']:.0%} of "
                  f"minority-label images, {called['other']:.0%} of other-label images (same noise), "
                  f"{called['real']:.0%} of real minority and {real_other:.0%} of real other-class test images")

# %% [markdown]
# ## 8. What the numbers say
#
# The conclusion below is **computed** from the committed table, not written by hand: an arm is
# "better" or "worse" only when the 95% interval of its paired difference from the baseline
# excludes zero; otherwise the five seeds cannot tell it from the baseline.

# %%
for level, rows in summary.items():
    if not rows:
        continue
    print(f"--- level {level} ---")
    for metric in ("auc", "sensitivity"):
        for sentence in imbalance.conclusions(rows, metric):
            print(sentence)
    gan_rows = [r for r in rows if r["arm"] in imbalance.GAN_AMOUNTS and "vs_baseline" in r]
    if not gan_rows:
        print("=> fewer than two seeds with GAN arms: no verdict.")
        continue
    helped = [imbalance.ARM_LABELS[r["arm"]] for r in gan_rows if imbalance.verdict(r["vs_baseline"]["auc"]) == "better"]
    hurt = [imbalance.ARM_LABELS[r["arm"]] for r in gan_rows if imbalance.verdict(r["vs_baseline"]["auc"]) == "worse"]
    print(f"=> GAN minority images {'beat the real-data baseline in AUC: ' + ', '.join(helped) if helped else 'did NOT beat the real-data baseline in AUC at any amount'}"
          f"{'; they made it worse: ' + ', '.join(hurt) if hurt else ''}.")
    best = max(rows, key=lambda r: r["auc"][0])
    within = best["arm"] == "real" or imbalance.verdict(best["vs_baseline"]["auc"]) != "better"
    print(f"=> highest mean AUC: {imbalance.ARM_LABELS[best['arm']]} ({best['auc'][0]:.3f}; baseline "
          f"{rows[0]['auc'][0]:.3f}){', within seed noise of the baseline' if within else ''}.")
    checks = [r["synthetic_check"] for r in records if r["arm"] == f"{level}.gan+100"]
    real_other = np.mean([1 - r["metrics"]["specificity"] for r in records if r["arm"] == f"{level}.real"])
    other = np.mean([c["other_called_minority"] for c in checks])
    if other > real_other + 0.1:
        print(f"=> class check: images generated with the OTHER label are called minority {other:.0%} of the time "
              f"(real other-class images: {real_other:.0%}); the cGAN's images lean towards the minority "
              "class whatever the label, so its 'minority' images are only partly minority-specific.")
    else:
        print(f"=> class check: other-label images are called minority {other:.0%} of the time, "
              f"real other-class images {real_other:.0%}: the label controls the class.")
    diff = imbalance.versus(records, level)
    if diff:
        print(f"=> diffusion (CFG) +100% minus cGAN +100%, paired by seed: AUC {diff['auc'][0]:+.3f} "
              f"[{diff['auc'][1]:+.3f}, {diff['auc'][2]:+.3f}] ({imbalance.verdict(diff['auc'])}), "
              f"sensitivity {diff['sensitivity'][0]:+.3f} [{diff['sensitivity'][1]:+.3f}, {diff['sensitivity'][2]:+.3f}].")

# %% [markdown]
# ## 9. Explore: what the minority fraction does to the numbers
#
# Sensitivity and specificity belong to the classifier; accuracy and the **positive predictive
# value** (PPV: the chance that a "malignant" call is right) also depend on how many patients are
# malignant. Move the slider: "always benign" reaches 95% accuracy when 5% are malignant, while the
# PPV of a real classifier collapses. The classifiers are this notebook's live arms (one seed) at
# their measured sensitivity and specificity; the dotted lines mark the two training splits.

# %%
measured = {imbalance.ARM_LABELS[a]: (live[a]["metrics"]["sensitivity"], live[a]["metrics"]["specificity"])
            for a in ("real", "gan+100") if a in live}
marks = {"train, published": full[minority] / full.sum(), f"train, {LEVEL}": counts[minority] / counts.sum()}
explorer = imbalance_explorer(measured, prevalence=float(test_minority), marks=marks)


# %% [markdown]
# ## Summary
#
# - Accuracy hides imbalance: "always benign" scores 0.731 on BreastMNIST and finds no cancer.
#   Report AUC, balanced accuracy, sensitivity and specificity, with the minority as positive class.
# - A fair comparison gives every arm the same classifier, the same number of updates, and the
#   validation split for model selection and the threshold; the test split is touched once.
# - Class weights, oversampling and classical augmentation are cheap baselines any GAN method must beat.
# - A class-conditional GAN can generate the minority class; check with a real-data classifier that
#   its images are of that class before using them.
# - One seed is an anecdote. Five seeds with paired differences, plus a bootstrap over the 42
#   malignant test cases, say how much of a difference is noise; section 8 states, from the
#   committed numbers, whether GAN images helped here, and whether a guided diffusion model's
#   images did better than the cGAN's at the same training time.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between seeds.

# %% [markdown]
# ### Exercise 1: Class weights
#
# Write `class_weights(labels)` returning `{class: weight}` such that every class present adds up to
# the same total weight in the loss, and the average weight per example is 1 (so the learning rate
# means the same as without weights). Hint: weight = n / (number of classes x count of the class).

# %%
def class_weights(labels):
    ...  # your code here

nb07.check_class_weights(class_weights)

# %%
show_solution("nb07", "class_weights")


# %% [markdown]
# ### Exercise 2: Oversampling
#
# Write `oversample(labels, seed)` returning indices into `labels` that keep **every** example once
# and add random repeats (with replacement) of the smaller classes until every class has the
# majority's count. Shuffle the result.

# %%
def oversample(labels, seed):
    ...  # your code here

nb07.check_oversample(oversample)

# %%
show_solution("nb07", "oversample")

# %% [markdown]
# ### Exercise 3: Better, worse or unclear?
#
# Five seeds gave these paired differences (arm minus baseline, same seed) in AUC. Write
# `verdict(differences)` that returns `"better"` when the 95% t-interval of the mean difference lies
# above 0, `"worse"` when it lies below 0, and `"unclear"` otherwise. `t_interval(values)` from
# `medgan_course.evaluation.classification` returns `(mean, low, high)`.

# %%
from medgan_course.evaluation.classification import t_interval  # noqa: F401  for your answer


def verdict(differences):
    ...  # your code here

nb07.check_verdict(verdict)

# %%
show_solution("nb07", "verdict")

# %% [markdown]
# ### Exercise 4 (experiment): How much does the minority fraction matter?
#
# **The one change:** the fraction of the training split's minority images kept, the argument
# `keep_fraction` of `imbalance.imbalanced_train_split`: the values in `EXPERIMENT_KEEP` (0.25, the
# harsh level, and 1.0, the published split). Only the baseline arm, `real`, trains, with each
# seed of `EXPERIMENT_SEEDS`, for `EXPERIMENT_EPOCHS` epochs of section 3's length (the same
# number of updates at both fractions; half the live arms' epochs, to keep the experiment short).
# A seed re-draws which minority images are kept and the classifier's weights and batches.
#
# **Why it might matter:** four times fewer malignant images to learn from should hurt the
# minority class; but AUC does not depend on the threshold, and the threshold is re-chosen on the
# validation split, so which number suffers, and by how much, is not obvious.
#
# **Write your prediction before you run.** What happens to AUC and to sensitivity when the
# fraction goes from 1.0 to 0.25, and is the change larger than the spread between seeds?

# %%
prediction = "..."  # your prediction, e.g. "AUC drops by more than the seed spread, sensitivity drops more"

# %%
# t_interval (mean, low, high) was imported for Exercise 3
short = imbalance.equal_steps_budget(ClassifierBudget(epochs=EXPERIMENT_EPOCHS, width=WIDTH), sizes.values())
experiment = {keep: [] for keep in EXPERIMENT_KEEP}   # keep fraction -> one metrics dict per seed
for keep in EXPERIMENT_KEEP:
    for seed in tqdm(EXPERIMENT_SEEDS, desc=f"Exercise 4: keep {keep:.0%} of the minority"):
        kept, kept_minority = imbalance.imbalanced_train_split(dataset.train, keep, seed=seed)
        data = imbalance.arm_data("real", kept, minority=kept_minority, num_classes=dataset.num_classes)
        _, record = imbalance.run_arm("real", data, dataset, minority=kept_minority, budget=short, seed=seed)
        experiment[keep].append(record["metrics"])
print(f"your prediction: {prediction}\nseeds {EXPERIMENT_SEEDS}, {short.epochs} epochs x "
      f"{short.min_steps_per_epoch} steps each")
for metric in ("auc", "balanced_accuracy", "sensitivity"):
    for keep, runs in experiment.items():
        values = [r[metric] for r in runs]
        mean, low, high = t_interval(values)
        print(f"keep {keep:4.0%}  {metric:17s} {mean:.3f} ± {np.std(values, ddof=1):.3f} (mean ± SD; "
              f"95% interval {low:.3f} to {high:.3f})")

# %% [markdown]
# **What to look for.** A change counts only where the two 95% intervals do not overlap; where they
# overlap, these seeds cannot tell the two fractions apart. Remember section 1's caution: one of
# BreastMNIST's 42 malignant test cases moves sensitivity by 2.4 points, so expect sensitivity to
# scatter more than AUC. The full-size answer is in docs/results/imbalance.md: its `real (baseline)` rows at the
# levels `natural` (keep 100%) and `harsh` (keep 25%) are this change over 5 seeds, at the
# benchmark's classifier budget (20 epochs, of 14 and 13 steps at the two levels). Try a fraction
# in between, e.g. 0.5.

# %% [markdown]
# ## Next
#
# Imbalance is one kind of scarcity. Notebook 08 asks the article's second question: when only a
# few images are **labelled**, can a GAN trained on all the unlabelled ones help? [08_label_scarcity.ipynb](08_label_scarcity.ipynb)
