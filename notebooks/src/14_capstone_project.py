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
# # 14 · Capstone project: a GAN study of your own
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/14_capstone_project.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F14_capstone_project.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Turn a promise ("GANs help with X") into a question with one metric, a floor and a non-GAN baseline, written down before any training.
# - Run the GAN and the baseline over several seeds with the same data, budget and evaluation.
# - Report every seed's value, the mean with a 95% interval per arm, and the paired difference; state only the verdict those numbers support.
# - Write the study as a report dict that `check_report` accepts, and grade it against the rubric.

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
import copy
import json
import logging

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.evaluation.report import domain_extractor_for
from medgan_course.exercises import capstone, nb14, show_solution
from medgan_course.plots import samples_figure
from medgan_course.usecases import project

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # hide Keras' re-tracing notices (one small model per seed)

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any single-label 2D MedMNIST flag, e.g. "pneumoniamnist"
USE_CASE = "new samples"  # or "class imbalance", "label scarcity", "enhancement" (section 2)
SEEDS = [0, 1, 2] if SMOKE else [0, 1, 2, 3, 4]   # at least 3: check_report refuses fewer
BUDGET = project.ProjectBudget(
    gan_steps=20 if SMOKE else 1000,       # DCGAN (new samples) or cGAN (class imbalance) steps per seed
    extractor_epochs=1 if SMOKE else 10,   # the domain feature extractor (cached after its first run)
    components=32,                         # principal components of the PCA-Gaussian baseline
    classifier_epochs=1 if SMOKE else 12,  # class imbalance: every arm's classifier
    sgan_steps=30 if SMOKE else 400,       # label scarcity: both arms
    eval_every=15 if SMOKE else 50,        # label scarcity: steps between validations
    enhance_steps=20 if SMOKE else 500,    # enhancement: pix2pix steps
)

# %% [markdown]
# ## 1. The brief
#
# Notebooks 06-10 each tested one of the article's promises and found that the answer depends on
# the data, the budget and, above all, on what the GAN is compared with. Now you run such a study
# **alone**, on a dataset and a use case you choose, and write it up so that a sceptical reader
# can check every claim. The project has six steps:
#
# 1. choose a use case and write the **question** down before training;
# 2. measure the **floor**: the reference level of the metric, measured with the same pipeline
#    (for generated images: what real images score; for a classifier: chance);
# 3. pick a **non-GAN baseline**: the cheapest credible method that solves the same problem
#    without a GAN. A GAN that cannot beat it is not worth its cost;
# 4. run both **arms** (the GAN and the baseline) over several **seeds**: each seed re-draws
#    everything random (weights, data order, noise), so the spread over seeds shows how much of a
#    difference is luck;
# 5. summarise with intervals and the paired difference, and write the **report**, a plain dict;
# 6. check it with `capstone.check_report` and grade it with the rubric below.
#
# The rubric is how a reader grades the report. Read it before you start:

# %%
display(Markdown(capstone.rubric_markdown()))

# %% [markdown]
# "Structure auto-checked" means that `check_report` refuses a report where that part is missing
# or contradicts the numbers; whether it is *good* (a strong baseline, an honest limitation) is
# still for a reader to judge.

# %% [markdown]
# ## 2. Choose a use case
#
# Each use case tests one promise with pieces of an earlier notebook. The table says what the GAN
# does, the metric, the floor and the baseline; `project.run_seed` runs one seed of any of them.
# The worked path below is **new samples**: does the course's DCGAN make images closer to real
# ones than a classical sampler? Set `USE_CASE` in the parameters cell to run another; every
# cell below follows it.

# %%
display(Markdown(project.use_cases_markdown()))

# %%
assert USE_CASE in project.USE_CASES, f"USE_CASE must be one of {list(project.USE_CASES)}"
metric_name, higher_is_better = project.METRICS[USE_CASE]
gan_name, baseline_name = project.arm_names(USE_CASE, BUDGET)
print(f"use case: {USE_CASE}\nmetric: {metric_name} ({'higher' if higher_is_better else 'lower'} is better)")
print(f"GAN arm: {gan_name}\nbaseline: {baseline_name}\nseeds: {SEEDS}")

# %% [markdown]
# ## 3. The data, and the question
#
# The data come from the package's usual loader: the MedMNIST file if it is found (the folder in
# `MEDGAN_DATA_DIR`, the cache, or a download), otherwise the embedded phantoms, with a banner
# that says so. The report names the data **actually loaded** (`dataset.name`), never the flag
# asked for.

# %%
dataset = load_dataset_or_default(DATASET)
print(dataset)
samples_figure(dataset.train.images[:16], labels=dataset.train.labels[:16],
               class_names=dataset.class_names, ncol=8, title=f"{dataset.name}: training images")

# %% [markdown]
# Now write the question, **before** any result exists, together with what will count as a
# success. Deciding afterwards invites choosing the question that the numbers happen to answer.
# Here success is: the 95% interval of the per-seed paired difference (GAN minus baseline) lies
# entirely on the metric's good side of 0.

# %%
QUESTION = (f"Does the GAN ({gan_name}) reach a better {metric_name} than the non-GAN baseline "
            f"({baseline_name}) on {dataset.name}, over {len(SEEDS)} seeds?")
print(QUESTION)

# %% [markdown]
# ## 4. The floor and the baseline, before the GAN
#
# For new samples the metric is the FD between generated and training images in the features of
# the course's domain classifier
# ([FD (domain features)](https://medgan-course.github.io/medgan-course/site/glossary.html#term-FD-domain-features),
# notebook 06). Its floor is the
# [real-versus-real floor](https://medgan-course.github.io/medgan-course/site/glossary.html#term-real-versus-real-floor):
# the FD of the real test images against the training images, with the same extractor and as
# many images as each arm. No generator is expected to go below it. `RealFeatures` extracts the
# real features once; every seed is measured against them. (The other use cases measure their
# floor inside `run_seed`.)

# %%
real = None
if USE_CASE == "new samples":
    extractor = domain_extractor_for(dataset, epochs=BUDGET.extractor_epochs)
    real = project.RealFeatures.of(extractor, dataset)
    print(f"floor: FD (domain features) of the real test split = {real.floor:.3f}")
else:
    print(f"floor of {USE_CASE!r}: {project.USE_CASES[USE_CASE]['floor']}")

# %% [markdown]
# The baseline of new samples is a **PCA-Gaussian sampler**, the classical model of images as
# "eigen-images": principal component analysis (PCA) finds the directions in which the training
# images vary most; a new image is the mean training image plus a weighted sum of the first
# `components` directions, each weight drawn from a normal distribution with the variance the
# training images have along it. No network, no training loop, a fraction of a second, and it
# copies no training image.

# %%
pca = project.PCAGaussian.fit(dataset.train.images, BUDGET.components)
print(f"{len(pca.scale)} principal components hold {pca.explained:.0%} of the training images' variance")
pca_images = pca.sample(8, seed=0)
assert pca_images.shape == (8, *dataset.image_shape) and np.abs(pca_images).max() <= 1
samples_figure(np.concatenate([dataset.train.images[:8], pca_images]), ncol=8,
               title="top: real training images; bottom: the PCA-Gaussian baseline (no GAN)")

# %% [markdown]
# ## 5. Both arms, seed by seed
#
# `project.run_seed` trains the GAN arm and runs the baseline for one seed, and measures both
# (and the floor) the same way. Everything random depends on the seed, so two calls with the same
# seed give the same numbers on the same machine. Each seed takes a while: watch the bar.

# %%
runs = []
for seed in tqdm(SEEDS, desc=f"{USE_CASE}: GAN and baseline, seed by seed"):
    runs.append(project.run_seed(USE_CASE, dataset, seed, BUDGET, real=real))
    tqdm.write(f"seed {seed}: GAN {runs[-1]['gan']:.3f}, baseline {runs[-1]['baseline']:.3f}, "
               f"floor {runs[-1]['floor']:.3f}")

# %% [markdown]
# Numbers alone can hide a broken arm, so look at what each seed made (rows: seed by seed, each
# arm in turn):

# %%
shown = list(runs[0]["images"])
if shown:
    rows = [run["images"][name][:8] for run in runs for name in shown]
    display(samples_figure(np.concatenate(rows), ncol=8,
                           title=f"rows: {' / '.join(shown)}, for seeds {SEEDS} in turn"))
else:
    print(f"{USE_CASE}: no images to show")

# %% [markdown]
# A second look the FD cannot give: a low FD can come from copies of training images
# ([memorization](https://medgan-course.github.io/medgan-course/site/glossary.html#term-memorization),
# notebook 06). `run_seed` flags generated images that lie much closer to a training image than
# two real training images lie to each other.

# %%
if "memorized" in runs[0]:
    for arm in ("gan", "baseline"):
        flagged = np.mean([run["memorized"][arm] for run in runs])
        print(f"{arm:8s}: {flagged:.0%} of its images flagged as near-copies of a training image")

# %% [markdown]
# ## 6. Intervals and the paired difference
#
# Three summaries, all over seeds (notebooks 07 and 08 introduced them):
#
# - the **mean and 95% t-interval** of each arm: mean ± t(0.975, n−1) × std / √n. With 3 seeds
#   t is 4.30, not 1.96: few seeds give wide intervals, and that is the honest price;
# - the **paired difference**, GAN minus baseline on the *same* seed, and its t-interval. Pairing
#   removes the variation both arms share (e.g. a lucky data draw), so it can be clear when the
#   two separate intervals overlap;
# - the **verdict**: "better" or "worse" only when the paired interval lies entirely on one side
#   of 0, else "unclear". `capstone.summarise_arms` computes all three.

# %%
gan = [float(run["gan"]) for run in runs]
baseline = [float(run["baseline"]) for run in runs]
floor = float(np.mean([run["floor"] for run in runs]))
summary = capstone.summarise_arms(gan, baseline, higher_is_better)
for arm in ("gan", "baseline", "difference"):
    mean, low, high = summary[arm]
    print(f"{arm:10s} {mean:9.3f}   95% interval [{low:.3f}, {high:.3f}]")
print(f"floor      {floor:9.3f}\nverdict: {summary['verdict']}")


# %%
def seed_figure(gan, baseline, summary, floor, metric):
    """Per-seed dots with mean and 95% interval per arm (left), and the paired difference (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 2.8))
    for y, (arm, values) in enumerate((("gan", gan), ("baseline", baseline))):
        mean, low, high = summary[arm]
        left.plot(values, [y] * len(values), "o", alpha=0.5, color=f"C{y}")
        left.errorbar(mean, y, xerr=[[mean - low], [high - mean]], fmt="|", color="black", capsize=5, ms=18)
    left.axvline(floor, color="grey", ls="--", label="floor")
    left.set(yticks=[0, 1], yticklabels=["GAN", "baseline"], xlabel=metric, ylim=(-0.6, 1.6),
             title="per seed (dots); mean and 95% interval")
    left.legend(fontsize=8)
    mean, low, high = summary["difference"]
    right.plot(np.subtract(gan, baseline), np.zeros(len(gan)), "o", alpha=0.5, color="C2")
    right.errorbar(mean, 0, xerr=[[mean - low], [high - mean]], fmt="|", color="black", capsize=5, ms=18)
    right.axvline(0, color="grey", ls="--")
    right.set(yticks=[], xlabel=f"GAN - baseline, same seed ({metric})",
              title=f"paired difference: {summary['verdict']}")
    fig.tight_layout()
    return fig


seed_figure(gan, baseline, summary, floor, metric_name)
plt.show()

# %% [markdown]
# ## 7. The report
#
# The report is one plain dict, so that a script, a reader and `check_report` all read the same
# thing. Its keys (the module docstring of `medgan_course.exercises.capstone` has the full
# schema, and `capstone.REPORT_TEMPLATE` is an empty one):
#
# | key | holds |
# | --- | --- |
# | `dataset`, `use_case`, `question` | what was studied, asked before training |
# | `metric` | `{"name", "higher_is_better"}` |
# | `seeds` | at least 3 distinct seeds |
# | `arms` | `{"gan": {"name", "per_seed"}, "baseline": {"name", "uses_gan": False, "per_seed"}}`, one value per seed |
# | `floor` | `{"value", "how"}`: the reference level and how it was measured |
# | `intervals` | `method`, `confidence`, and `[mean, low, high]` for `gan`, `baseline` and their paired `difference` |
# | `conclusion` | `{"verdict": "better"/"worse"/"unclear", "text"}` |
# | `limitations` | what the study cannot show, one sentence each |
#
# The conclusion's text is written from the numbers, so it cannot drift from them:

# %%
said = {"better": "beat", "worse": "did worse than", "unclear": "could not be told apart from"}
d_mean, d_low, d_high = summary["difference"]
CONCLUSION = (f"Over {len(SEEDS)} seeds the GAN {said[summary['verdict']]} the baseline: mean "
              f"{metric_name} {summary['gan'][0]:.3f} against {summary['baseline'][0]:.3f}, paired "
              f"difference {d_mean:+.3f} (95% interval {d_low:+.3f} to {d_high:+.3f}). The floor is "
              f"{floor:.3f}, {abs(summary['gan'][0] - floor):.3f} from the GAN's mean.")
LIMITATIONS = [f"{len(SEEDS)} seeds, one dataset and one budget ({BUDGET.gan_steps} GAN steps): "
               "longer training or other data could change the verdict."]
if dataset.name == "phantoms":
    LIMITATIONS.insert(0, "The data are the embedded phantoms, not images of patients.")
print(CONCLUSION)

# %%
report = {
    "dataset": dataset.name,
    "use_case": USE_CASE,
    "question": QUESTION,
    "metric": {"name": metric_name, "higher_is_better": higher_is_better},
    "seeds": list(SEEDS),
    "arms": {"gan": {"name": gan_name, "per_seed": gan},
             "baseline": {"name": baseline_name, "uses_gan": False, "per_seed": baseline}},
    "floor": {"value": floor, "how": project.USE_CASES[USE_CASE]["floor"]},
    "intervals": {key: summary[key] for key in ("method", "confidence", "gan", "baseline", "difference")},
    "conclusion": {"verdict": summary["verdict"], "text": CONCLUSION},
    "limitations": LIMITATIONS,
    "budget": BUDGET.to_dict(),   # extra keys are allowed: they help a reader re-run the study
}
for key, value in report.items():   # json.dumps: the report is plain JSON, ready to save
    print(f"{key}: {json.dumps(value)}")

# %%
assert capstone.check_report(report) == []
capstone.review_report(report)

# %% [markdown]
# `check_report` returned no problem: every part is there and the numbers agree with each other.
# To keep it, write `json.dumps(report, indent=1)` to a file of your own.

# %% [markdown]
# ## 8. What the checker refuses
#
# Each check stops a slip that makes a study look stronger than it is. Each line below breaks a
# copy of the report in one way and prints the first problem `check_report` names:

# %%
other_verdict = next(v for v in capstone.VERDICTS if v != summary["verdict"])
worst = int(np.argmin(gan) if higher_is_better else np.argmax(gan))   # the GAN's worst seed
breakages = {
    "no floor": lambda r: r.pop("floor"),
    "two seeds": lambda r: r.update(seeds=r["seeds"][:2]),
    "a GAN as the baseline": lambda r: r["arms"]["baseline"].update(uses_gan=True),
    "the worst seed dropped": lambda r: r["arms"]["gan"]["per_seed"].pop(worst),
    f"a claim of {other_verdict!r}": lambda r: r["conclusion"].update(verdict=other_verdict),
}
for name, breakage in breakages.items():
    broken = copy.deepcopy(report)
    breakage(broken)
    problems = capstone.check_report(broken)
    assert problems, f"{name} was accepted"
    print(f"{name:24s} -> {problems[0]}")

# %% [markdown]
# A claim stronger than the interval allows ("better" while the paired interval includes 0) is
# the most common slip, and the one the checker cannot be argued out of: it recomputes the
# interval from the per-seed values and derives the verdict itself.

# %% [markdown]
# ## 9. Grade it
#
# The auto-check covers structure; the rubric asks for judgement. Our grades for the worked path,
# with the reasons (grade your own the same way):

# %%
MY_GRADES = {
    "Question": 2,                         # asked before training, with the success criterion
    "Floor": 2,                            # same extractor, split sizes and images per arm
    "Baseline": 2,                         # a real sampler, but a weak one: a mixture of Gaussians would be harder
    "Seeds and intervals": 2 if len(SEEDS) < 5 else 3,
    "Conclusion": 3,                       # verdict and floor; little on what it does NOT show
    "A second look": 2,                    # samples and memorization; no per-class check
    "Limitations and reproducibility": 2,  # budget recorded; no exact command line
}
print("worked path:", capstone.rubric_total(MY_GRADES))

# %% [markdown]
# ## 10. Your project
#
# Now make it yours. Change one thing at a time in the parameters cell and rerun the notebook:
#
# - another `DATASET` (e.g. `"pneumoniamnist"`); every size follows the data;
# - another `USE_CASE`: each one reuses an earlier notebook's experiment (table of section 2);
# - more `SEEDS` (5 or more) and larger budgets, once the small run works;
# - a stronger baseline: write your own non-GAN sampler or remedy, and measure it the same way.
#
# Then rewrite `QUESTION`, `CONCLUSION` and `LIMITATIONS` in your own words, add what your
# second look found, run `capstone.review_report(report)` until it accepts, and grade yourself
# with the rubric. `medgan_course.exercises.solutions.capstone.reference_report(dataset,
# USE_CASE, SEEDS, BUDGET)` runs this whole worked path in one call, if you want to compare.

# %% [markdown]
# ## Summary
#
# - A GAN study starts with a question written before training: one use case, one metric with
#   its direction, and what would count as success.
# - Read every number against a floor measured with the same pipeline, and against a non-GAN
#   baseline that gets the same data and evaluation.
# - Several seeds that re-draw everything random; report each seed's value, the mean and 95%
#   t-interval per arm, and the paired difference.
# - Say "better" only when the paired interval excludes 0; otherwise the honest verdict is
#   "unclear". `check_report` recomputes it, and refuses a report that claims more.
# - A report is data: a plain dict that a checker, a script and a reader all read the same way.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: An interval over seeds
#
# Write `seed_interval(values)` returning `(mean, low, high)`: the mean of the per-seed values and
# its 95% Student-t interval, mean ± t × std / √n, with the sample standard deviation (ddof=1)
# and t the 0.975 quantile of the t distribution with n − 1 degrees of freedom
# (`stats.t.ppf(0.975, df)`).

# %%
from scipy import stats  # noqa: F401  for your answer


def seed_interval(values):
    ...  # your code here


nb14.check_seed_interval(seed_interval)

# %%
show_solution("nb14", "seed_interval")


# %% [markdown]
# ### Exercise 2: A baseline without a GAN
#
# Write `pixel_gaussian(train_images, n, seed)`, the simplest non-GAN generator: every pixel of a
# new image is drawn independently from a normal distribution with that pixel's mean and standard
# deviation over the training images `(N, H, W, C)`. Return `n` images `(n, H, W, C)` clipped to
# [-1, 1], the same ones for the same seed (`np.random.default_rng(seed)`).

# %%
def pixel_gaussian(train_images, n, seed):
    ...  # your code here


nb14.check_baseline_sampler(pixel_gaussian)

# %%
show_solution("nb14", "pixel_gaussian")

# %% [markdown]
# ### Exercise 3: A complete report
#
# `nb14.EXAMPLE` holds the per-seed AUCs of an illustrative class-imbalance study (not a
# measurement). Write its report as `my_report`: start from `copy.deepcopy(capstone.REPORT_TEMPLATE)`,
# fill in every `...`, compute the intervals (`capstone.summarise_arms` or your `seed_interval`),
# and choose the verdict the paired interval supports. The check runs `check_report` and
# compares the numbers with `EXAMPLE`.

# %%
print(nb14.EXAMPLE)
my_report = ...  # your report dict

nb14.check_example_report(my_report)

# %%
show_solution("nb14", "example_report")

# %% [markdown]
# ## Next
#
# This is the end of the course. Share your report with someone who did not run it and ask them
# to find the weakest claim; then strengthen it. The questions the course leaves open are in
# [11_challenges_future_faq.ipynb](11_challenges_future_faq.ipynb), and going bigger (64 px, a
# GPU, several devices) is [12_scaling_up.ipynb](12_scaling_up.ipynb).
