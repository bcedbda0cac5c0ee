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
# # 08 · Semi-supervised GANs against label scarcity
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/08_label_scarcity.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F08_label_scarcity.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Explain the K+1-class discriminator: a classifier over the real classes plus 'fake', and why its real-versus-fake logit is the logsumexp of the K class logits.
# - Write the semi-supervised GAN's losses: cross-entropy on the few labelled images, the unsupervised K+1 loss on unlabelled and generated ones, feature matching for the generator.
# - Set up a fair comparison: the same network trained on the labels alone, with the same steps, batches, optimizer and validation-based model selection.
# - Run one seed live, then read the committed five-seed table at 1%, 5%, 10% and 100% of the labels, and say where the GAN helped and where it did not.

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
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default, minority_class
from medgan_course.exercises import nb08, show_solution
from medgan_course.models.dcgan import real_fake_logits
from medgan_course.plots import samples_figure
from medgan_course.training import semisupervised as sgan_lib
from medgan_course.usecases import results
from medgan_course.usecases import semisupervised as ss

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # hide Keras' re-tracing notices (one small model per arm)

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
LIVE_FRACTIONS = [0.05] if SMOKE else [0.01, 0.10]   # label fractions run live (benchmark: 1%, 5%, 10%, 100%)
STEPS = 30 if SMOKE else 400          # classifier (= discriminator) steps per arm (benchmark: 400)
EVAL_EVERY = 15 if SMOKE else 50      # steps between validation-AUC checkpoints (benchmark: 50)
EXPERIMENT_FRACTIONS = [0.05, 0.10]   # Exercise 4 (the experiment): label fractions, before and after
EXPERIMENT_SEEDS = [0, 1] if SMOKE else [0, 1, 2]   # its seeds (one classifier per fraction and seed)

# %% [markdown]
# ## 1. Labels are the scarce resource
#
# The article's second promise is that GANs help when **labels** are scarce. In medicine images are
# often plentiful, but a label (malignant or not) needs an expert, a biopsy or a follow-up. The
# question of this notebook: if only a few training images carry a label, can a GAN trained on
# *all* of them, labelled or not, give a better classifier than the labelled images alone?
#
# We simulate scarcity on BreastMNIST: a seeded, **stratified** draw keeps the labels of 1%, 5%, 10%
# or 100% of the 546 training images (at least one image per class); every training image remains
# available *without* its label.

# %%
dataset = load_dataset_or_default(DATASET)
positive = minority_class(dataset.train.labels)   # the rarest class is scored as "positive"
print(dataset)
print(f"positive class: {positive} ({dataset.class_names[positive]!r})")
for fraction in ss.FRACTIONS:
    index = ss.labelled_indices(dataset.train.labels, fraction, seed=SEED)
    counts = np.bincount(dataset.train.labels[index], minlength=dataset.num_classes)
    print(f"{fraction:5.0%} of the labels: {len(index):3d} labelled images, per class {counts.tolist()}")

# %%
if dataset.name == "breastmnist":
    one_percent = ss.labelled_indices(dataset.train.labels, 0.01, seed=SEED)
    assert len(one_percent) == 5 and np.bincount(dataset.train.labels[one_percent]).tolist() == [1, 4]

# %% [markdown]
# **1% of 546 is five images: one malignant and four benign.** That is a caricature of scarcity, and
# with one malignant example the result will depend a lot on *which* one was drawn; the seeds of the
# benchmark re-draw it. Two more things to keep in mind:
#
# - the draws at different fractions are independent (the 1% images are not necessarily among the
#   5% ones);
# - the **validation** split keeps all its labels (78 images) in every arm, because model selection
#   and the decision threshold need them. At 1% that is more labels than the training set has: a
#   real label-scarce project would have a small validation set too, and noisier choices.

# %% [markdown]
# ## 2. K+1 classes: the discriminator becomes the classifier
#
# Salimans et al. (2016) and Odena (2016) give the discriminator **K+1 outputs**: the K real
# classes (here malignant, benign) and one extra class, *fake*. One network then does two jobs:
# it tells real from generated images and classifies the real ones.
#
# A trick removes one output: softmax only cares about differences between logits, so the fake
# logit can be fixed at 0. With class logits l_1 ... l_K and Z = exp(l_1) + ... + exp(l_K):
#
# - P(class k | x is real) = exp(l_k) / Z, an ordinary softmax over the K logits: **the classifier**;
# - P(real | x) = Z / (Z + 1), because the fake class contributes exp(0) = 1;
# - so the real-versus-fake *logit* is log Z = logsumexp(l_1, ..., l_K), and every GAN loss of the
#   course applies to it.
#
# `build_semi_supervised_discriminator` builds such a network (K outputs, a "features" layer for
# later); `real_fake_logits` computes the logsumexp.

# %%
from medgan_course.models.dcgan import build_semi_supervised_discriminator

small = build_semi_supervised_discriminator(num_classes=dataset.num_classes, base_filters=8)
class_logits = np.asarray(small(dataset.train.images[:4], training=False))
print("class logits (4 images x K):\n", class_logits.round(3))
p_real = 1 / (1 + np.exp(-np.asarray(real_fake_logits(class_logits))[:, 0]))
z = np.exp(class_logits).sum(axis=1)
print("P(real) via logsumexp:", p_real.round(4), " Z/(Z+1):", (z / (z + 1)).round(4))
assert np.allclose(p_real, z / (z + 1), atol=1e-5)

# %%
l1 = np.linspace(-6, 6, 200)
fig, ax = plt.subplots(figsize=(5.5, 2.8))
for l2 in (-4.0, 0.0, 3.0):
    logits = np.stack([l1, np.full_like(l1, l2)], axis=1)
    ax.plot(l1, 1 / (1 + np.exp(-np.asarray(real_fake_logits(logits))[:, 0])), label=f"l_2 = {l2:g}")
ax.set(xlabel="class logit l_1", ylabel="P(real) = Z / (Z + 1)", title="K = 2: either class can make an image 'real'")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# An image is judged real when *some* class logit is high. The discriminator therefore can only
# call an image real by pushing it towards one of the classes: learning to spot fakes on unlabelled
# images shapes the same features the classifier uses. That is the hope behind the method.

# %% [markdown]
# ## 3. Three losses
#
# Per training step the discriminator sees a batch of **labelled** images, a batch of **unlabelled**
# ones and a batch of **generated** ones, and minimises
#
#     d_loss = supervised_loss + unsupervised_loss
#
# - `supervised_loss`: softmax cross-entropy of the K logits on the labelled images (this alone
#   is an ordinary classifier);
# - `unsupervised_loss`: -E log D(x) - E log(1 - D(G(z))) with D = Z / (Z + 1), on unlabelled real and
#   generated images: the usual GAN binary cross-entropy applied to the logsumexp logit.

# %%
print(inspect.getsource(sgan_lib.unsupervised_loss))
real_logits = np.array([[3.0, -1.0], [0.5, 2.0]], np.float32)   # unlabelled real: some class is high
fake_logits = np.array([[-4.0, -3.0], [-2.0, -5.0]], np.float32) # generated: every class is low
print("unsupervised loss, good discriminator:", round(float(sgan_lib.unsupervised_loss(real_logits, fake_logits)), 3))
print("unsupervised loss, real and fake swapped:", round(float(sgan_lib.unsupervised_loss(fake_logits, real_logits)), 3))
assert sgan_lib.unsupervised_loss(real_logits, fake_logits) < sgan_lib.unsupervised_loss(fake_logits, real_logits)

# %% [markdown]
# **The generator: feature matching.** Salimans et al. tried several generator losses and found
# that **feature matching** gave the best semi-supervised *classifiers* (minibatch discrimination
# gave nicer-looking samples but worse classifiers). The generator is asked to match the *mean*
# activation of the discriminator's "features" layer on a real batch, not to fool the final output:
#
#     g_loss = || mean f(x_real) - mean f(G(z)) ||^2
#
# We use it because our goal is the classifier, not the pictures; expect the samples to look rough.

# %%
print(inspect.getsource(sgan_lib.feature_matching_loss))
a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
print("same mean, other order:", float(sgan_lib.feature_matching_loss(a, a[::-1])),
      "| shifted by 1:", float(sgan_lib.feature_matching_loss(a, a + 1)))

# %% [markdown]
# `training/semisupervised.py` puts the three losses into a Keras model in the keras-io style of
# notebook 04: `compile(d_optimizer=, g_optimizer=)` builds both optimizers at once, and `train_step`
# runs two tapes, one per network. The generator step calls the discriminator with `training=False`,
# so it leaves the discriminator exactly as it was (no dropout noise in the matched features, no
# spectral-norm update).

# %%
print(inspect.getsource(sgan_lib.SemiSupervisedGAN.discriminator_step))

# %% [markdown]
# ## 4. A fair opponent
#
# Against what should the SGAN be compared? The **same network trained on the labelled images
# only**: the `supervised` arm is a `SemiSupervisedGAN` with `unsupervised_weight=0`, which never
# reads an unlabelled image and has no generator. Both arms get, for a given seed:
#
# - the same labelled images and the **same sequence of labelled batches**;
# - the same architecture and the **same initial weights**;
# - the same number of discriminator (= classifier) steps, batch size and optimizer (Adam);
# - the same model selection: validation AUC every few steps, the best checkpoint kept, and the
#   decision threshold chosen on the validation split (Youden's J). The test split is used once.
#
# So the only difference is the unlabelled + GAN part of the loss.

# %%
budget = ss.SemiSupervisedBudget(steps=STEPS, eval_every=EVAL_EVERY)
print(budget)
pair = {arm: ss.build_model(dataset.num_classes, dataset.image_shape, budget, arm=arm, seed=SEED)
        for arm in ss.ARMS}
same_start = all(np.array_equal(a, b) for a, b in zip(pair["supervised"].discriminator.get_weights(),
                                                      pair["sgan"].discriminator.get_weights()))
print("same initial classifier weights in both arms:", same_start)
print("supervised arm has a generator:", pair["supervised"].generator is not None)
assert same_start and pair["supervised"].generator is None

# %% [markdown]
# ## 5. One seed, live
#
# Now both arms train at the fractions in `LIVE_FRACTIONS`, with seed `SEED`. This is **one seed**:
# it shows how the experiment works, and its numbers are not evidence either way.

# %%
live = {}   # (fraction, arm) -> (model, record)
for fraction in tqdm(LIVE_FRACTIONS, desc="fractions"):
    for arm in ss.ARMS:
        live[fraction, arm] = ss.run_arm(arm, dataset, fraction, budget=budget, seed=SEED, progress=True)
        m = live[fraction, arm][1]["metrics"]
        print(f"{fraction:4.0%} {arm:10s}: AUC {m['auc']:.3f}, balanced accuracy {m['balanced_accuracy']:.3f}, "
              f"sensitivity {m['sensitivity']:.3f}, specificity {m['specificity']:.3f}")

# %%
for fraction in LIVE_FRACTIONS:
    rows = results.summarise([{**live[fraction, arm][1], "arm": arm, "seed": SEED} for arm in ss.ARMS],
                             baseline=ss.BASELINE, order=list(ss.ARMS))
    display(Markdown(f"**One seed ({SEED}), {fraction:.0%} of the labels "
                     f"({live[fraction, 'sgan'][1]['n_labelled']} labelled images), {STEPS} steps: "
                     "NOT evidence for or against either arm.**\n\n"
                     + results.markdown_table(rows, labels=ss.ARM_LABELS)))

# %%
fig, axes = plt.subplots(1, len(LIVE_FRACTIONS), figsize=(5 * len(LIVE_FRACTIONS), 2.8), squeeze=False)
for ax, fraction in zip(axes[0], LIVE_FRACTIONS):
    for arm, colour in zip(ss.ARMS, ("grey", "C1")):
        record = live[fraction, arm][1]
        steps = [min(budget.eval_every * (i + 1), budget.steps) for i in range(len(record["val_auc"]))]
        ax.plot(steps, record["val_auc"], "o-", color=colour, label=ss.ARM_LABELS[arm])
        ax.axvline(record["best_step"], color=colour, ls=":", lw=1)
    ax.set(xlabel="step", ylabel="validation AUC", title=f"{fraction:.0%} of the labels, seed {SEED}")
    ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# Dotted lines mark the checkpoint each arm keeps (best validation AUC). And what did the SGAN's
# generator learn? Feature matching does not aim for realistic pictures, so do not expect any:

# %%
fraction = LIVE_FRACTIONS[-1]
sgan = live[fraction, "sgan"][0]
fakes = sgan.generate(16, seed=SEED)
assert fakes.shape[1:] == dataset.image_shape and np.abs(fakes).max() <= 1.0
samples_figure(np.concatenate([dataset.train.images[:8], fakes]), ncol=8,
               title=f"top: real training images; below: the SGAN's generator ({STEPS} steps, "
                     f"{fraction:.0%} labels, seed {SEED})")

# %% [markdown]
# ## 6. The committed benchmark: 5 seeds, 4 fractions
#
# `python bench/usecase_semisupervised.py --seeds 0 1 2 3 4` ran both arms at 1%, 5%, 10% and 100%
# of the labels; one result file per fraction, arm and seed is committed in
# `medgan_course/results/semisupervised/`, and `docs/results/semisupervised.md` holds the report. A seed
# re-draws **everything** random: which images keep their labels, the weights, the noise and the
# batch order. Intervals are 95% t-intervals over seeds; **Δ** is the per-seed *paired* difference
# (SGAN minus supervised, same seed, same labelled images, same initial weights).
#
# A third arm tests the source article's other remedy, "generate labelled data": a
# **class-conditional GAN** (cGAN: a generator told which class to draw, notebook 07) is trained on
# the labelled images alone, draws as many labelled images as the training split has unlabelled
# ones, in the labelled images' class proportions, and the supervised arm's network trains on
# the real labelled images plus those (`ss.generated_split`; 1%, 5% and 10% of the labels). It
# reads no unlabelled image: whatever it adds, the cGAN learned from the same few labels.

# %%
root = course.results_dir("semisupervised")  # installed with the package
records = results.load_results(root)
if records:
    b = records[0]["budget"]
    print(f"{len(records)} result files from {root.name}/ (installed with the package)")
    print(f"budget of every run: {b['steps']} steps, batch {b['batch_size']}, discriminator width "
          f"{b['base_filters']}, generator width {b['gen_filters']}, Adam {b['learning_rate']}")
else:
    print("not measured yet: no committed results found (in a clone of the repository, run "
          "python bench/usecase_semisupervised.py --seeds 0 1 2 3 4)")

# %%
summary = {fraction: ss.summarise_fraction(records, fraction) for fraction in ss.FRACTIONS}
for fraction, rows in summary.items():
    recs = [r for r in records if r["arm"].startswith(ss.fraction_key(fraction) + ".")]
    if not rows:
        print(f"{fraction:.0%} of the labels: not measured yet")
        continue
    display(Markdown(f"**{fraction:.0%} of the labels**: {recs[0]['n_labelled']} labelled images "
                     f"(per class {recs[0]['labelled_counts']} for seed {recs[0]['seed']})\n\n"
                     + results.markdown_table(rows, labels=ss.ARM_LABELS)))


# %%
def auc_vs_fraction(summary, metric="auc"):
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for shift, arm, colour in ((-0.04, "supervised", "grey"), (0.04, "sgan", "C1"), (0.0, "cgan", "C2")):
        points = [(f, r[metric]) for f, rows in summary.items() for r in rows if r["arm"] == arm]
        if not points:
            continue
        x = np.array([f for f, _ in points]) * np.exp(shift)   # a small offset so the bars do not overlap
        mean = np.array([t[0] for _, t in points])
        err = np.nan_to_num(np.array([[t[0] - t[1], t[2] - t[0]] for _, t in points]).T)
        ax.errorbar(x, mean, yerr=err, fmt="o-", color=colour, capsize=3, label=ss.ARM_LABELS[arm])
    if metric == "auc":
        ax.axhline(0.901, color="black", ls="--", lw=1, label="ResNet-18, all labels (MedMNIST v2)")
        ax.axhline(0.5, color="black", ls=":", lw=1, label="chance")
    ax.set_xscale("log")
    ax.set_xticks(list(summary), [f"{f:.0%}" for f in summary])
    ax.set(xlabel="fraction of training labels kept", ylabel=metric,
           title=f"test {metric}: mean and 95% t-interval over seeds")
    ax.legend(fontsize=7)
    return fig

if records:
    auc_vs_fraction(summary)
    plt.show()


# %%
def paired_plot(records, metric="auc", arm="sgan"):
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    for y, fraction in enumerate(ss.FRACTIONS):
        by = {}
        for r in records:
            if r["arm"].startswith(ss.fraction_key(fraction) + "."):
                by.setdefault(r["arm"].split(".", 1)[1], {})[r["seed"]] = r["metrics"][metric]
        seeds = sorted(set(by.get(arm, {})) & set(by.get("supervised", {})))
        diffs = [by[arm][s] - by["supervised"][s] for s in seeds]
        ax.plot(diffs, [y] * len(diffs), "o", alpha=0.6, color="C1" if arm == "sgan" else "C2")
        if diffs:
            ax.plot([np.mean(diffs)], [y], "|", ms=18, color="black")
    ax.axvline(0, color="grey", ls="--")
    ax.set_yticks(range(len(ss.FRACTIONS)), [f"{f:.0%} labels" for f in ss.FRACTIONS])
    ax.invert_yaxis()
    ax.set(xlabel=f"{metric}: {arm} minus supervised, same seed", title="per-seed paired differences (tick: mean)")
    fig.tight_layout()
    return fig

if records:
    for arm in ("sgan", ss.GENERATED):
        paired_plot(records, arm=arm)
        plt.show()

# %% [markdown]
# Each dot is one seed: the SGAN's AUC minus the supervised arm's AUC on the **same** labelled
# images and starting weights (the second plot: the cGAN arm, where measured). A method helps only
# if its dots sit consistently right of zero.
#
# The other source of uncertainty is the test set. BreastMNIST's test split has only **42 malignant
# cases**, so one case moves sensitivity by 1/42 = 2.4 points. A bootstrap over the test cases of
# one seed's classifier shows how much the numbers would move with another 156 patients:

# %%
n_malignant_test = int(np.sum(dataset.test.labels == positive))
print(f"{n_malignant_test} positive test cases: one case = {100 / n_malignant_test:.1f} points of sensitivity")
for fraction in ss.FRACTIONS:
    for arm in (*ss.ARMS, ss.GENERATED):
        record = next((r for r in records if r["seed"] == 0 and r["arm"] == f"{ss.fraction_key(fraction)}.{arm}"), None)
        if record is None:
            continue
        cells = [results.bootstrap_over_test_cases(record, m, n_boot=1000) for m in ("auc", "sensitivity")]
        print(f"{fraction:4.0%} {arm:10s} seed 0: " + ", ".join(
            f"{m} {p:.3f} [{lo:.3f}, {hi:.3f}]" for m, (p, lo, hi) in zip(("AUC", "sensitivity"), cells)))

# %%
example = next((r for r in records if r["arm"] == "100pct.sgan" and "samples" in r), None)
if example:
    display(samples_figure(np.asarray(example["samples"], np.uint8), ncol=8,
                           title=f"the benchmark's SGAN generator ({example['budget']['steps']} steps, "
                                 f"all labels, seed {example['seed']}): feature matching, not realism"))

# %% [markdown]
# ## 7. What the numbers say
#
# The sentences below are **computed** from the committed files, not written by hand: an arm is
# "better" or "worse" only when the 95% interval of its paired difference from the supervised arm
# excludes zero; otherwise five seeds cannot tell the two apart.

# %%
for arm in ("sgan", ss.GENERATED):
    for metric in ("auc", "balanced_accuracy", "sensitivity"):
        for sentence in ss.conclusions(records, metric, arm):
            print(sentence)
rows = ss.comparison(records, "auc")
if rows:
    helped = [f"{r['fraction']:.0%}" for r in rows if r["verdict"] == "better"]
    hurt = [f"{r['fraction']:.0%}" for r in rows if r["verdict"] == "worse"]
    unclear = [f"{r['fraction']:.0%}" for r in rows if r["verdict"] == "no clear difference"]
    too_few = [f"{r['fraction']:.0%}" for r in rows if r["verdict"] == "not enough seeds"]
    print(f"=> in AUC the SGAN helped at: {', '.join(helped) or 'no fraction'}; "
          f"hurt at: {', '.join(hurt) or 'no fraction'}; no clear difference at: {', '.join(unclear) or 'no fraction'}"
          + (f"; fewer than two seeds so far at: {', '.join(too_few)}" if too_few else "") + ".")
    full = [r["metrics"]["auc"] for r in records if r["arm"] == "100pct.supervised"]
    if full:
        gap = np.mean(full) - 0.901
        print(f"=> with all labels the supervised arm reaches AUC {np.mean(full):.3f} over {len(full)} seeds, "
              f"{abs(gap):.3f} {'below' if gap < 0 else 'above'} MedMNIST v2's ResNet-18 (0.901).")
    course_cnn = [r["metrics"]["auc"] for r in results.load_results(root.parent / "imbalance")
                  if r["arm"] == "natural.real"]
    if course_cnn:
        print(f"   (notebook 07's classifier, all labels, {len(course_cnn)} seeds: AUC {np.mean(course_cnn):.3f})")
else:
    print("not measured yet: no verdict.")


# %% [markdown]
# ## Summary
#
# - A K+1-class discriminator is a classifier over the real classes plus "fake"; with the fake logit
#   fixed at 0, P(real) = Z / (Z + 1) and the real-versus-fake logit is logsumexp of the class logits.
# - The SGAN's discriminator minimises cross-entropy on the labelled images plus the GAN loss on
#   unlabelled and generated ones; its generator uses feature matching, which Salimans et al. found
#   best for the classifier (not for the pictures).
# - The fair opponent is the same network with the same labelled batches, starting weights, steps,
#   optimizer and validation-based selection, trained on the labels alone.
# - At 1% of BreastMNIST's labels there are five labelled images; validation keeps 78 labels in
#   both arms, and 42 malignant test cases make every sensitivity figure coarse (2.4 points a case).
# - Section 7 states, from five seeds of paired differences, at which label fractions the SGAN
#   helped and where it did not, and whether labelled images from a cGAN trained on the same few
#   labels (the article's "generate labelled data") helped.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between seeds.

# %% [markdown]
# ### Exercise 1: P(real) from K logits
#
# Write `real_probability(logits)` that takes class logits of shape (N, K) (a NumPy array) and returns
# the (N,) probabilities that each image is real, Z / (Z + 1) with Z = sum_k exp(l_k). It must not
# overflow for logits like 800: use `np.logaddexp.reduce(logits, axis=1)` (that is log Z) and a
# sigmoid written without `exp` of a large positive number, e.g. `0.5 * (1 + np.tanh(x / 2))`.

# %%
def real_probability(logits):
    ...  # your code here

nb08.check_real_probability(real_probability)

# %%
show_solution("nb08", "real_probability")


# %% [markdown]
# ### Exercise 2: Labels at a fraction
#
# Write `labelled_count(n_train, fraction, num_classes)`: how many training images keep their label
# when a fraction is kept, rounding to the nearest integer but keeping at least one image per class
# (the rule `ss.labelled_indices` follows).

# %%
def labelled_count(n_train, fraction, num_classes):
    ...  # your code here

nb08.check_labelled_count(labelled_count)

# %%
show_solution("nb08", "labelled_count")

# %% [markdown]
# ### Exercise 3: Where did it help?
#
# `nb08.EXAMPLE_TABLE` is an **illustrative** table (not a measurement): for each label fraction the
# per-seed paired AUC difference SGAN minus supervised, as (mean, low, high, seeds better of 5) with
# a 95% t-interval. Set `helped_at` to the list of fractions where the SGAN clearly helped.

# %%
print(nb08.EXAMPLE_TABLE)
helped_at = ...

nb08.check_helped_at(helped_at)

# %%
show_solution("nb08", "helped_at")

# %% [markdown]
# ### Exercise 4 (experiment): Twice the labels
#
# **The one change:** the fraction of training labels kept, from 5% to 10% (`EXPERIMENT_FRACTIONS`;
# on BreastMNIST 27 and 55 labelled images). Only the `supervised` arm trains (the classifier on
# the labels alone, section 4), with this notebook's `budget` and each seed of `EXPERIMENT_SEEDS`;
# a seed re-draws which images keep their labels, the weights and the batches.
#
# **Why it might matter:** the SGAN is only worth its cost where labels are the bottleneck. If
# doubling the labels hardly moves the labels-only classifier, the labels are not what limits it
# at this budget.
#
# **Write your prediction before you run.** Does test AUC rise from 5% to 10%, and by more than the
# spread between seeds?

# %%
prediction = "..."  # your prediction, e.g. "AUC rises by about 0.05, more than the seed spread"

# %%
from medgan_course.evaluation.classification import t_interval

experiment = {fraction: [] for fraction in EXPERIMENT_FRACTIONS}   # fraction -> one metrics dict per seed
for fraction in EXPERIMENT_FRACTIONS:
    for seed in tqdm(EXPERIMENT_SEEDS, desc=f"Exercise 4: {fraction:.0%} of the labels"):
        _, record = ss.run_arm("supervised", dataset, fraction, budget=budget, seed=seed)
        experiment[fraction].append(record["metrics"])
print(f"your prediction: {prediction}\nsupervised arm, {budget.steps} steps, seeds {EXPERIMENT_SEEDS}")
for metric in ("auc", "sensitivity"):
    for fraction, runs in experiment.items():
        values = [r[metric] for r in runs]
        mean, low, high = t_interval(values)
        print(f"{fraction:4.0%} of the labels  {metric:11s} {mean:.3f} ± {np.std(values, ddof=1):.3f} "
              f"(mean ± SD; 95% interval {low:.3f} to {high:.3f})")

# %% [markdown]
# **What to look for.** A change counts only where the two 95% intervals do not overlap; where they
# overlap, these seeds cannot tell 5% from 10% apart, whatever the means say. (Pairing by seed
# helps less here than in section 6: the two fractions' labelled images are independent draws.)
# The full-size answer is in docs/results/semisupervised.md: the `supervised (labels only)` rows
# of its sections "5% of the labels" and "10% of the labels", 5 seeds at the same 400 steps as this
# notebook's full budget, with the SGAN beside them. Try 1% against 100%.

# %% [markdown]
# ## Next
#
# Classification was the article's first two promises. Notebook 09 turns to the third: can a GAN
# **enhance** medical images, denoising them or raising their resolution, better than the same
# network without the adversarial loss? [09_image_enhancement.ipynb](09_image_enhancement.ipynb)
