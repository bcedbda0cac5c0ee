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
# # 01 · Medical images for machine learning
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/01_medical_images_for_ml.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F01_medical_images_for_ml.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Say what a pixel value means in a radiograph, an ultrasound image, a CT slice and an MR slice, and why only CT's values have a physical unit (Hounsfield units).
# - Display one CT slice through soft-tissue, lung and bone windows, and read its HU histogram.
# - Describe the twelve 2-D MedMNIST datasets (modality, task, classes, sizes, licence) and load any single-label one with one parameter.
# - Measure BreastMNIST's class imbalance, what a majority-class classifier scores (accuracy versus balanced accuracy versus sensitivity), and how few malignant examples survive when labels are scarce.
# - Recognise a shift in class prevalence between training and test data.

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

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from tqdm.auto import tqdm

from medgan_course import course, plots
from medgan_course.data import (
    DataUnavailableError,
    info,
    keep_k_per_class,
    load_ct_slice,
    load_dataset,
    load_dataset_or_default,
    minority_class,
    shipped_images,
    summary,
    to_display_range,
    window_hu,
)
from medgan_course.evaluation import binary_metrics, macro_auc, majority_baseline, roc_auc
from medgan_course.exercises import nb01, show_solution

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any single-label 2-D MedMNIST flag, e.g. "pneumoniamnist", "dermamnist"
MAX_TRAIN = None          # e.g. 20000 caps the big flags (tissuemnist, pathmnist) to save memory
CT_WINDOWS = {            # name: (level, width) in Hounsfield units
    "soft tissue": (40, 400),
    "lung": (-600, 1500),
    "bone": (400, 1800),
}
LABEL_FRACTIONS = (0.01, 0.05, 0.10)   # shares of images that get a label
N_DRAWS = 200                          # random labellings per share (cheap: counting only)
K_PER_CLASS = (5,) if SMOKE else (5, 20, 50)   # labelled training images per class, classifier
SEEDS = (0, 1) if SMOKE else (0, 1, 2, 3, 4)   # classifier trainings per label budget
TRAIN_STEPS = 10 if SMOKE else 150             # same number of steps for every label budget

# %% [markdown]
# ## 1. What a pixel means
#
# A photograph's pixel says how much light of each colour reached the camera. Medical images
# measure other things, and what a value *means* decides how you may normalise it, augment it and
# compare it across images:
#
# | modality | what is measured | a bright pixel is | unit of the value |
# | --- | --- | --- | --- |
# | **radiograph** (X-ray; PneumoniaMNIST, ChestMNIST) | X-rays that pass through the body onto a detector, summed along each ray | dense tissue that stopped the rays (bone), by the usual display convention | none: depends on exposure and post-processing |
# | **ultrasound** (BreastMNIST) | echoes of sound pulses, strength plotted against depth | a strongly reflecting interface; fluid and many tumours are dark (hypoechoic) | none: depends on gain, depth and the machine; grainy *speckle* is part of the signal |
# | **CT** (OrganA/C/SMNIST) | X-ray attenuation in each small volume, reconstructed from many angles | dense tissue | **Hounsfield units (HU)**: calibrated so that water is 0 and air is -1000 |
# | **MR** | radio signal of hydrogen nuclei in a magnetic field | depends on the sequence: fat is bright in T1, water in T2 | none: values differ between scanners, even between scans |
#
# Photographs (retina fundus, dermatoscopy, microscopy: RetinaMNIST, DermaMNIST, PathMNIST,
# BloodMNIST) are RGB light, with colour balance and staining that vary between sites.
#
# First the dataset of this notebook (BreastMNIST unless you changed `DATASET`): 28 x 28 breast
# ultrasound images.

# %%
dataset = load_dataset_or_default(DATASET, max_train=MAX_TRAIN)
print(dataset)
print(dataset.source)
if dataset.name == "breastmnist":  # facts of the real data (skipped on the phantom fallback)
    assert [len(dataset.split(s)) for s in ("train", "val", "test")] == [546, 78, 156]
    assert dataset.class_names == ("malignant", "normal, benign")

# %% [markdown]
# Four modalities side by side: one image of the dataset, and three real images that installed
# Python packages ship (pydicom's CT and MR test slices, scikit-image's retina photograph; the
# licences are at the end). `shipped_images` returns each as a single-channel model-range array.

# %%
shipped = shipped_images(image_size=128)
print({name: image.shape for name, image in shipped.items()})


def show_gray(ax, image, title):
    """Shows a model-range (H, W, C) image in display range [0, 1]."""
    image = to_display_range(image)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
show_gray(axes[0], dataset.train.images[0], f"{dataset.name} (28 px)")
show_gray(axes[1], shipped["ct"], "CT, soft-tissue window")
show_gray(axes[2], shipped["mr"], "MR (T2-weighted)")
show_gray(axes[3], shipped["retina"], "retina photo, green channel")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. CT: Hounsfield units and windows
#
# A CT file stores integers; the DICOM header says how to turn them into Hounsfield units:
# **HU = stored value x RescaleSlope + RescaleIntercept**. `load_ct_slice` does that for the CT
# slice that pydicom ships (a chest slice at the level of a vertebra).

# %%
hu, meta = load_ct_slice()
for key in ("modality", "manufacturer", "slope", "intercept", "pixel_spacing_mm",
            "slice_thickness_mm"):
    print(f"{key:>20}: {meta[key]}")
print(f"{'HU range':>20}: {hu.min():.0f} to {hu.max():.0f}, shape {hu.shape}")
assert hu.min() >= -1024 and (hu < -500).any() and (hu > 300).any()  # air/lung and bone present

# %% [markdown]
# The scale is the same in every calibrated scanner: air about **-1000**, lung about -900 to -500,
# fat about -100, water **0**, soft tissue and blood +20 to +80, bone from about +300 to over +1000.
# That spans about 2000 HU, but a screen shows only about 256 grey levels, and eyes tell apart far
# fewer. So radiologists look through a **window**: a level (centre) L and a width W; values below
# L - W/2 are black, above L + W/2 white, linear in between. This is the package's function:

# %%
print(inspect.getsource(window_hu))
probe = np.array([-1000.0, -160.0, 40.0, 240.0, 1000.0])
print("soft-tissue window W400/L40 of", probe, "->", window_hu(probe, level=40, width=400))
assert np.allclose(window_hu(probe, 40, 400), [0, 0, 0.5, 1, 1])

# %% [markdown]
# The same slice through three windows, and the histogram of its HU values with each window's
# range marked. Each window spends all grey levels on its own range and clips the rest:

# %%
fig, axes = plt.subplots(1, len(CT_WINDOWS) + 1, figsize=(13, 3.4),
                         gridspec_kw={"width_ratios": [1] * len(CT_WINDOWS) + [1.6]})
colours = ("tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple")
for ax, (name, (level, width)), colour in zip(axes, CT_WINDOWS.items(), colours):
    shown = window_hu(hu, level, width)
    ax.imshow(shown, cmap="gray", vmin=0, vmax=1)
    clipped = np.mean((shown == 0) | (shown == 1))
    ax.set_title(f"{name}: W{width}/L{level}\n{clipped:.0%} of pixels clipped", fontsize=9,
                 color=colour)
    ax.axis("off")
    axes[-1].axvspan(level - width / 2, level + width / 2, color=colour, alpha=0.15, label=name)
axes[-1].hist(hu.ravel(), bins=120, color="black")
axes[-1].set(xlabel="Hounsfield units", ylabel="pixels", title="HU histogram of the slice")
axes[-1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The histogram has two peaks: lung (air-filled, near -850 HU) and soft tissue (near 0-50 HU), with
# bone as a long tail to the right. In the soft-tissue window muscles and vessels are distinct, but
# lung is uniformly black and bone uniformly white; the lung window shows the lung, the bone window
# the inside of the vertebra. **For machine learning**, the window is a modelling choice: MedMNIST's
# OrganMNIST images were windowed once and stored as 8-bit images, so anything outside that window
# is gone.

# %% [markdown]
# ## 3. MR and photographs: values without a unit
#
# The MR slice pydicom ships has stored values but no rescale to a physical unit: the numbers
# depend on the scanner, the coil and the sequence. `shipped_images` therefore scales it by its
# own 1st and 99th percentiles, which is also the usual first step before training on MR.

# %%
import pydicom
from pydicom.data import get_testdata_file

mr = pydicom.dcmread(get_testdata_file("MR_small.dcm", download=False))
print(f"MR stored values: {mr.pixel_array.min()} to {mr.pixel_array.max()} ({mr.pixel_array.dtype}),"
      f" repetition time {float(mr.RepetitionTime):.0f} ms, echo time {float(mr.EchoTime):.0f} ms")
print("rescale to a physical unit in the header:", "RescaleSlope" in mr)

# %% [markdown]
# A long repetition time and a long echo time (here 4000 ms and 240 ms) make a **T2-weighted**
# image, in which water is bright. The retina photograph is different again: colour light, of which
# the course keeps the green channel, where vessels have the most contrast.

# %% [markdown]
# ## 4. MedMNIST: twelve 2-D datasets, one format
#
# MedMNIST v2 (Yang et al., *Scientific Data* 2023) took public medical datasets of ten kinds of
# images, resized them to 28 x 28 (and, in MedMNIST+, 64, 128 and 224 px) and split them into
# train, validation and test sets. Every file has the same layout, so one loader serves all of
# them. The table comes from the package's copy of MedMNIST's metadata (`medgan_course.data.info`):

# %%
display(Markdown(summary.markdown_table(summary.medmnist_table())))

# %% [markdown]
# The course uses the single-label ones (all but ChestMNIST, whose images can have several labels
# at once). Change `DATASET` in the Parameters cell to any of them and rerun: every cell below
# adapts. BreastMNIST is the default because it is small (780 images), binary and imbalanced, like
# many real clinical datasets.
#
# Class by class, with label 0 (*malignant* for BreastMNIST) first:

# %%
rows = []
for cls in range(dataset.num_classes):
    rows.append(dataset.train.images[dataset.train.labels == cls][:8])
shown = min(len(r) for r in rows)
fig = plots.samples_figure(np.concatenate([r[:shown] for r in rows]),
                           labels=np.repeat(np.arange(dataset.num_classes), shown),
                           class_names=dataset.class_names, ncol=shown,
                           title=f"{dataset.name}: training images, one row per class")
fig

# %% [markdown]
# ## 5. Class imbalance, measured
#
# How many images of each class are in each split? `summary.split_class_table` counts them:

# %%
table = summary.split_class_table(dataset)
display(Markdown(summary.markdown_table(table)))
train_counts = dataset.class_counts("train")
print("run once on a tiny input: imbalance_ratio([147, 399]) =",
      round(summary.imbalance_ratio([147, 399]), 2))
for split in ("train", "val", "test"):
    print(f"{split:>5}: imbalance ratio (largest class / smallest class) = "
          f"{summary.imbalance_ratio(dataset.class_counts(split)):.2f}")
if dataset.name == "breastmnist":
    assert train_counts.tolist() == [147, 399]          # 26.9% malignant
    assert dataset.class_counts("test").tolist() == [42, 114]

# %%
fig, ax = plt.subplots(figsize=(7, 2.2))
left = np.zeros(3)
for cls, name in enumerate(dataset.class_names):
    shares = np.array([row[f"{name} %"] for row in table])
    ax.barh(["train", "val", "test"], shares, left=left, label=f"{cls}: {name}")
    left += shares
ax.set(xlabel="% of the split", xlim=(0, 100), title=f"{dataset.name}: class shares per split")
ax.invert_yaxis()
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.tight_layout()
plt.show()

# %% [markdown]
# Why it matters: a "classifier" that never looks at the image and always answers the training
# set's most frequent class already gets a respectable **accuracy**. **Balanced accuracy** (the mean
# of each class's recall) and the **sensitivity** for the rare class (the share of its cases found)
# expose it. For BreastMNIST the rare class is *malignant*, the one a screening test must not miss.

# %%
baseline = majority_baseline(dataset.train.labels, dataset.test.labels,
                                     dataset.num_classes)
rare = minority_class(dataset.train.labels)
majority = baseline["majority_class"]
print(f"always answer '{dataset.class_names[majority]}' (class {majority}) on the test split:")
print(f"  accuracy          {baseline['accuracy']:.3f}")
print(f"  balanced accuracy {baseline['balanced_accuracy']:.3f}")
print(f"  sensitivity for the rare class '{dataset.class_names[rare]}': "
      f"{baseline['recall'][rare]:.3f}")

# %% [markdown]
# For two classes, the course's evaluation module gives the same numbers through
# `binary_metrics(y_true, scores, threshold, positive_class=...)`, where the score is the
# probability of the positive class. The majority classifier's score is a constant:

# %%
if dataset.num_classes == 2:
    constant = np.full(len(dataset.test), float(majority == rare))  # P(rare class): 1 or 0
    metrics = binary_metrics(dataset.test.labels, constant, 0.5, positive_class=rare)
    print({k: round(v, 3) for k, v in metrics.items()})
    assert np.isclose(metrics["accuracy"], baseline["accuracy"])
    assert np.isclose(metrics["balanced_accuracy"], baseline["balanced_accuracy"])
    assert np.isclose(metrics["sensitivity"], baseline["recall"][rare])
    print("ROC AUC of a constant score:", roc_auc(dataset.test.labels, constant, positive_class=rare))
else:
    print("binary_metrics needs two classes; balanced accuracy above covers", dataset.num_classes)
if dataset.name == "breastmnist":
    assert round(baseline["accuracy"], 3) == 0.731 and baseline["balanced_accuracy"] == 0.5
    assert baseline["recall"][0] == 0.0  # not one malignant case found

# %% [markdown]
# On BreastMNIST the do-nothing classifier scores **73.1% accuracy** (the same figure MedMNIST v2
# reports as its majority-class accuracy) while finding **no malignant case at all**. Report
# balanced accuracy, sensitivity and specificity, or ROC AUC, never accuracy alone. Notebook 07
# tries to fix the imbalance with a conditional GAN.

# %% [markdown]
# ## 6. Label scarcity, measured
#
# Images are cheap to collect; expert labels are not. Suppose only a small random share of the
# images gets a label (whatever comes first, without looking at the class). How many examples of
# the rare class does that leave? `summary.labelled_class_counts` draws the labelled subset
# `N_DRAWS` times with different seeds and counts the classes in each draw:

# %%
tiny = summary.labelled_class_counts(np.array([0, 0, 1, 1, 1, 1, 1, 1]), 0.5, 2, seeds=range(3))
print("run once on 8 labels, half labelled, 3 draws:\n", tiny)

rows = []
for split in ("train", "val"):
    labels = dataset.split(split).labels
    for fraction in LABEL_FRACTIONS:
        counts = summary.labelled_class_counts(labels, fraction, dataset.num_classes,
                                               seeds=range(N_DRAWS))[:, rare]
        rows.append({"split": split, "labelled share": f"{fraction:.0%}",
                     "labelled images": max(1, round(fraction * len(labels))),
                     f"'{dataset.class_names[rare]}' per draw: mean": float(counts.mean()),
                     "min": int(counts.min()), "max": int(counts.max()),
                     "draws with none": f"{np.mean(counts == 0):.0%}"})
display(Markdown(summary.markdown_table(rows)))

# %%
if dataset.name == "breastmnist":
    # 1% of 546 is 5 images; P(none malignant) = C(399, 5) / C(546, 5) = 0.207 exactly.
    train_1pct = summary.labelled_class_counts(dataset.train.labels, 0.01, 2, range(N_DRAWS))
    assert 0.10 < np.mean(train_1pct[:, 0] == 0) < 0.35

# %% [markdown]
# With 1% of BreastMNIST's training labels (5 images), about one draw in five contains **no
# malignant example at all**, and with 10% of the validation labels a threshold or a model would be
# chosen on a handful of malignant cases. Stratified sampling (`subsets.stratified_subset`) keeps at
# least one per class, but it cannot make one example represent a disease.
#
# How much does the number of labels matter to a classifier? Below, the course's small CNN
# (`models.classifier.build_classifier`, about 32 k weights at `width=16`) is trained on `k`
# labelled images per class, for the same number of steps whatever `k`, several times with
# different seeds (which images are labelled, and the initial weights), and scored by ROC AUC on the
# whole test split. The last run uses every training label.

# %%
import keras

from medgan_course.models.classifier import build_classifier

BATCH_SIZE = 32


def predict_probabilities(model, images, batch_size=512):
    """Softmax class probabilities (N, num_classes), in chunks to bound memory."""
    chunks = [keras.ops.softmax(model(images[i:i + batch_size], training=False)).numpy()
              for i in range(0, len(images), batch_size)]
    return np.concatenate(chunks)


def train_and_score(indices, seed):
    """Trains a fresh small CNN on dataset.train[indices]; returns its test ROC AUC."""
    keras.backend.clear_session()  # frees the previous runs' models, so memory stays flat
    keras.utils.set_random_seed(seed)
    batch = min(BATCH_SIZE, len(indices))
    # Every label budget gets TRAIN_STEPS steps: a small labelled set is cycled through more
    # epochs, so differences come from the labels, not from the training time.
    rng = np.random.default_rng(seed)
    passes = -(-TRAIN_STEPS * batch // len(indices))  # ceiling division
    order = np.concatenate([rng.permutation(indices) for _ in range(passes)])[:TRAIN_STEPS * batch]
    model = build_classifier(dataset.image_shape, dataset.num_classes, width=16)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(dataset.train.images[order], dataset.train.labels[order], batch_size=batch,
              epochs=1, shuffle=False, verbose=0)
    return macro_auc(dataset.test.labels, predict_probabilities(model, dataset.test.images))


print("macro_auc on a tiny input:", macro_auc([0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]))

# %%
smallest_class = int(dataset.class_counts("train").min())
budgets = [k for k in K_PER_CLASS if k <= smallest_class] + [None]  # None: every label
runs = [(k, seed) for k in budgets for seed in SEEDS]
aucs = {k: [] for k in budgets}
for k, seed in tqdm(runs, desc="classifier trainings"):
    indices = (np.arange(len(dataset.train)) if k is None
               else keep_k_per_class(dataset.train.labels, k, seed=seed))
    aucs[k].append(train_and_score(indices, seed))

result_rows = []
for k, values in aucs.items():
    n_labels = len(dataset.train) if k is None else k * dataset.num_classes
    result_rows.append({"labels per class": "all" if k is None else k,
                        "labelled images": n_labels, "runs": len(values),
                        "test AUC mean": float(np.mean(values)),
                        "SD": float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"),
                        "min": float(np.min(values)), "max": float(np.max(values))})
display(Markdown(summary.markdown_table(result_rows)))
assert all(0.0 <= a <= 1.0 for values in aucs.values() for a in values)
for row in result_rows:  # course.record: kept for bench/notebooks.py, quoted below
    course.record(f"auc_k{row['labels per class']}_mean_sd_min_max",
                  [row["test AUC mean"], row["SD"], row["min"], row["max"]])

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.4))
x = [row["labelled images"] for row in result_rows]
ax.errorbar(x, [row["test AUC mean"] for row in result_rows],
            yerr=[0 if np.isnan(row["SD"]) else row["SD"] for row in result_rows],
            fmt="o-", capsize=4, label="mean ± SD over seeds (grey: each run)")
for xi, row, values in zip(x, result_rows, aucs.values()):
    ax.scatter([xi] * len(values), values, color="grey", s=12, alpha=0.7, zorder=3)
    ax.annotate(f"{row['labels per class']}" + ("" if row["labels per class"] == "all" else "/class"),
                (xi, row["test AUC mean"]), textcoords="offset points", xytext=(6, -12), fontsize=8)
ax.axhline(0.5, color="red", linestyle=":", label="chance (AUC 0.5)")
ax.set_xscale("log")
ax.margins(x=0.12)
ax.set(xlabel="labelled training images (log scale)", ylabel="test ROC AUC", ylim=(0.3, 1.0),
       title=f"{dataset.name}: small CNN, {TRAIN_STEPS} steps, {len(SEEDS)} seeds per point")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# How to read it. The full run recorded in `medgan_course/results/notebooks/01_medical_images_for_ml_full.json`
# (BreastMNIST) gave a test AUC of
# 0.715 ± 0.090 (mean ± SD over 5 seeds, range 0.609-0.815) with 5 labelled images per class,
# 0.784 ± 0.038 with 20, 0.838 ± 0.015 with 50 and 0.884 ± 0.014 with all 546 labels (the same
# numbers in two runs on one machine; other machines may differ slightly). With 5 labels per
# class the result depends heavily on *which* five were labelled (the grey dots spread widely);
# more labels raise the mean and shrink the spread. Five seeds make these means rough: the standard
# error of a mean is its SD divided by about 2.2, so points whose error bars overlap are not shown
# to differ. (With all labels the seed changes only the initial weights and the batch order.) In
# smoke mode the classifier trains for a few steps only, and its numbers mean nothing. For scale,
# MedMNIST v2 reports an AUC of 0.901 for a ResNet-18 trained on all of BreastMNIST's training
# labels at 28 px (its Table 3; not measured here). Notebook 08 asks whether a
# semi-supervised GAN, which also learns from the unlabelled images, does better with few labels.

# %% [markdown]
# ## 7. A note on distribution shift
#
# A test split is useful only if it looks like the data the model will meet. Class prevalence is
# the simplest thing that can differ. In PneumoniaMNIST (paediatric chest X-rays, Kermany et al.
# 2018), the MedMNIST file's test split has a larger share of normal images than its training
# split, because MedMNIST kept the source dataset's own test set. The cell measures it if the file
# is available here without downloading, and otherwise quotes the counts stored in the file:

# %%
try:
    pneumonia = load_dataset("pneumoniamnist", download=False)
    normal = {split: int(pneumonia.class_counts(split)[0]) for split in ("train", "val", "test")}
    totals = {split: len(pneumonia.split(split)) for split in ("train", "val", "test")}
    print("measured on the PneumoniaMNIST file found here:")
except DataUnavailableError:
    # Not measured in this run: counts of normal images in pneumoniamnist.npz (MedMNIST v2).
    normal, totals = {"train": 1214, "val": 135, "test": 234}, {"train": 4708, "val": 524, "test": 624}
    print("pneumoniamnist.npz is not available offline here; quoting its stored counts:")
for split in ("train", "val", "test"):
    print(f"  {split:>5}: {normal[split]:4d} normal of {totals[split]:4d} = "
          f"{normal[split] / totals[split]:.1%}")
print(f"always answering 'pneumonia' is right for {1 - normal['train'] / totals['train']:.1%} of "
      f"training images but only {1 - normal['test'] / totals['test']:.1%} of test images")

# %% [markdown]
# Sensitivity and specificity do not depend on prevalence, but accuracy, the positive predictive
# value and any threshold tuned to the training prevalence do. Prevalence in a screening programme,
# a specialist clinic and a public benchmark can differ far more than this; state the prevalence of
# your test data beside every result.

# %% [markdown]
# ## 8. Licences, citation and clinical use
#
# Cite MedMNIST **and** the dataset each flag comes from; the loader records both in
# `dataset.source`:

# %%
print(info.MEDMNIST_CITATION)
print(dataset.source)  # what this notebook really used (the phantoms, after a fallback)
if dataset.name in info.INFO:
    print("licence:", info.entry(dataset.name)["license"])


# %% [markdown]
# - MedMNIST is CC BY 4.0 (DermaMNIST: CC BY-NC 4.0, non-commercial). BreastMNIST is derived from
#   BUSI (Al-Dhabyani et al., *Data in Brief* 28, 104863, 2020).
# - The CT (`CT_small.dcm`) and MR (`MR_small.dcm`) slices are NEMA DICOM WG04 sample images,
#   downsized and distributed with pydicom (MIT); the retina photograph (Mikael Häggström, CC0)
#   comes with scikit-image. CREDITS.md in the repository lists every source.
# - **Not for clinical use.** 28-pixel benchmark images and small models say nothing about a
#   patient; nothing here is a diagnostic tool.

# %% [markdown]
# ## Summary
#
# - Pixel values mean different things: only CT's are calibrated (Hounsfield units); radiograph,
#   ultrasound and MR values depend on the machine and settings, and photographs on light and stain.
# - A CT window (level, width) maps a chosen HU range to the grey levels a screen can show;
#   everything outside it is clipped. Stored 8-bit images keep only the window they were saved with.
# - MedMNIST gives twelve 2-D datasets in one format; one parameter, `DATASET`, switches between them.
# - BreastMNIST is imbalanced (147 malignant against 399 normal or benign in training, ratio 2.7):
#   always answering "benign" scores 73.1% accuracy, 0.5 balanced accuracy and 0 sensitivity.
# - With 1% of the training labels (5 images), about one labelling in five has no malignant
#   example. A small CNN trained on 5 labels per class reached a test AUC of 0.715 ± 0.090 over 5
#   seeds, against 0.884 ± 0.014 with all labels (full mode, when written).
# - Training and test prevalence can differ (PneumoniaMNIST: 25.8% versus 37.5% normal).

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: A CT window
#
# Write `apply_window(hu, level, width)` that maps an array of Hounsfield units to [0, 1]:
# `level - width / 2` and below become 0, `level + width / 2` and above become 1, linear in
# between. Then look at the slice through a window of your own, for example the brain window
# W80/L40: `plt.imshow(apply_window(hu, 40, 80), cmap="gray")`.

# %%
def apply_window(hu, level, width):
    ...  # your code here


nb01.check_window(apply_window)

# %%
show_solution("nb01", "apply_window")

# %% [markdown]
# ### Exercise 2: The imbalance ratio
#
# Compute the imbalance ratio of the **training** split yourself (without `summary`): the number of
# images of the largest class divided by the number of the smallest. `np.bincount` counts labels.

# %%
ratio = ...  # your code here
nb01.check_imbalance_ratio(ratio, dataset.train.labels)

# %%
show_solution("nb01", "imbalance_ratio")


# %% [markdown]
# ### Exercise 3: Balanced accuracy
#
# Write `balanced_accuracy(y_true, y_pred, num_classes)`: for each class present in `y_true`, the
# share of its examples predicted as that class (its recall); return the mean of those recalls.
# Then check that the majority classifier of Section 5 scores 0.5 on BreastMNIST's test split:
# `balanced_accuracy(dataset.test.labels, np.ones_like(dataset.test.labels), 2)`.

# %%
def balanced_accuracy(y_true, y_pred, num_classes):
    ...  # your code here


nb01.check_balanced_accuracy(balanced_accuracy)

# %%
show_solution("nb01", "balanced_accuracy")

# %% [markdown]
# ## Next
#
# Notebook 02 starts on GANs themselves: the game between generator and discriminator, the value
# function V(D,G) the article prints (with max and min swapped), and a toy GAN to play with. [02_gan_theory.ipynb](02_gan_theory.ipynb)
