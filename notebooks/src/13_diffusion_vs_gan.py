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
# # 13 · Diffusion models against GANs, measured
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/13_diffusion_vs_gan.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F13_diffusion_vs_gan.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Explain a denoising [diffusion model](https://medgan-course.github.io/medgan-course/site/glossary.html#term-diffusion-model): the forward process that adds noise, the network that predicts the noise, and the sampler that removes it step by step.
# - Say why sampling a diffusion model costs many network evaluations per image, and how [DDIM](https://medgan-course.github.io/medgan-course/site/glossary.html#term-DDIM) cuts 1,000 steps to 50 or 10.
# - Use [classifier-free guidance](https://medgan-course.github.io/medgan-course/site/glossary.html#term-classifier-free-guidance) to sample one class from a conditional diffusion model.
# - Compare a diffusion model with the course's GAN fairly: the same data, the same CPU time, the same yardsticks (FD with its floor, precision, recall, memorization) and the sampling cost, over several seeds.

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
import gc
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.evaluation.report import domain_extractor_for, sample_quality
from medgan_course.exercises import nb13, show_solution
from medgan_course.models import diffusion_math as dmath
from medgan_course.models.unet import build_unet
from medgan_course.plots import samples_figure
from medgan_course.training.diffusion import DiffusionRecipe, train_diffusion
from medgan_course.training.recipes import get_recipe
from medgan_course.training.runner import train  # imports TensorFlow
from medgan_course.usecases import diffusion_study as study
from medgan_course.usecases import imbalance, results

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path
DATASET = course.dataset_flag("breastmnist")  # any single-label 2D MedMNIST flag
SEED = 0                     # the ONE seed run live (the benchmark runs seeds 0-2)
LIVE_SECONDS = None if SMOKE else 60     # CPU budget of EACH family live (the benchmark: 60 and 300 s)
LIVE_STEPS = 3 if SMOKE else None        # smoke mode stops on steps instead
TIMESTEPS = 50 if SMOKE else 1000        # T of the forward process (DDPM's 1,000; smoke: fewer)
DDIM_STEPS = 5 if SMOKE else 50          # steps of the few-step sampler
CHAIN_IMAGES = 2 if SMOKE else 8         # images drawn with the full DDPM chain (it is slow)
CFG_SECONDS = None if SMOKE else 60      # training budget of the class-conditional model
GUIDANCE = [0.0, 1.0, 3.0]               # classifier-free guidance weights to compare
EXTRACTOR_EPOCHS = 1 if SMOKE else 10    # the domain extractor of notebook 06 (cached after 06)
EXPERIMENT_STEPS = [2, 5] if SMOKE else [5, 20, 50]   # Exercise 4: DDIM steps to compare
EXPERIMENT_SEEDS = [0] if SMOKE else [0, 1]            # its sampling seeds

# %% [markdown]
# ## 1. "Why a GAN and not a diffusion model?"
#
# Since 2021 most image generators are **diffusion models** (Ho, Jain & Abbeel 2020; Dhariwal &
# Nichol 2021 reported lower FID than the best GANs on ImageNet). A diffusion model learns to
# *remove noise*: it is trained on real images with noise added, and it generates by starting
# from pure noise and denoising it a little at a time.
#
# Xiao, Kreis & Vahdat (2022) call the choice between the families a **trilemma** of three
# things a generator should have: high-quality samples, coverage of all the data's modes
# (diversity), and fast sampling. GANs sample fast but may miss modes; diffusion models cover the
# modes well but sample slowly. This notebook measures all three on the course's data and
# budget, instead of quoting them.

# %%
dataset = load_dataset_or_default(DATASET)
print(dataset)
real_images = dataset.train.images        # (N, 28, 28, 1) float32 in [-1, 1]

# %% [markdown]
# ## 2. The forward process: noise added on a schedule
#
# Write `x_0` for a real image and `x_t` for the same image after `t` of `T` noising steps
# (`T = 1000` here, as in [DDPM](https://medgan-course.github.io/medgan-course/site/glossary.html#term-DDPM)). Each step adds a little Gaussian noise, and the steps compose into
# one jump:
#
# `x_t = sqrt(abar_t) · x_0 + sqrt(1 − abar_t) · ε`, with `ε` standard normal noise.
#
# `abar_t` (read "alpha bar") is the fraction of the signal's variance still there at step `t`; the
# **[noise schedule](https://medgan-course.github.io/medgan-course/site/glossary.html#term-noise-schedule)** says how it falls from 1 to 0. DDPM used a linear schedule of per-step
# noise; the **cosine schedule** of Nichol & Dhariwal (2021) keeps more signal in the middle
# steps, which matters for small images like ours. Here is `add_noise` on a tiny input first:

# %%
tiny = np.array([1.0, -1.0, 0.5], np.float32).reshape(3, 1, 1, 1)   # three one-pixel "images"
eps = np.array([0.2, 0.2, 0.2], np.float32).reshape(3, 1, 1, 1)
print(dmath.add_noise(tiny, eps, np.array([1.0, 0.5, 0.0])).ravel().round(3))

# %% [markdown]
# At `abar = 1` the pixel is untouched, at `abar = 0` only noise is left, and in between both mix.
# The two schedules:

# %%
schedules = {"cosine": dmath.cosine_alpha_bar(TIMESTEPS), "linear": dmath.linear_alpha_bar(TIMESTEPS)}
fig, ax = plt.subplots(figsize=(5, 3))
for name, alpha_bar in schedules.items():
    ax.plot(alpha_bar, label=name)
ax.set(xlabel="step t", ylabel="abar_t (signal variance left)", title="noise schedules")
ax.legend()
plt.show()

# %%
steps_shown = np.linspace(0, TIMESTEPS - 1, 6).round().astype(int)
rng = np.random.default_rng(SEED)
image = np.repeat(real_images[:1], len(steps_shown), axis=0)
noisy = dmath.add_noise(image, rng.standard_normal(image.shape), schedules["cosine"][steps_shown])
samples_figure(np.clip(noisy, -1, 1), ncol=len(steps_shown),
               title="one image at t = " + ", ".join(str(t) for t in steps_shown))

# %% [markdown]
# ## 3. The network and its loss: predict the noise
#
# The model is a network `ε_θ(x_t, t)` that looks at a noisy image and the step `t` and predicts the
# noise `ε` that was added. Its loss is the **mean squared error** between the true noise and the
# prediction, at a step drawn uniformly for each image. That is the whole training objective; no
# discriminator, no minimax game, so nothing oscillates the way notebook 05's GANs did.
#
# The network is a small **U-Net** (Ronneberger et al. 2015): convolutions that halve the image
# twice (28 → 14 → 7 px), then double it back, with *skip connections* that carry each
# resolution's features across. The step `t` enters every block as a learned bias.

# %%
network = build_unet(image_size=28, channels=1, base_filters=16)
print(f"U-Net: {network.count_params():,} parameters")
t = np.full(4, 0.5, np.float32)                               # t / T for a batch of 4
predicted = network([noisy[:4].astype(np.float32), t]).numpy()
print("predicted noise:", predicted.shape, predicted.dtype)

# %%
true_noise = rng.standard_normal((4, 28, 28, 1)).astype(np.float32)
x_t = dmath.add_noise(real_images[:4], true_noise, np.full(4, 0.5))
loss = np.mean((true_noise - network([x_t.astype(np.float32), t]).numpy()) ** 2)
print(f"loss of the untrained network: {loss:.3f} (predicting 0 everywhere scores about 1)")

# %% [markdown]
# ## 4. Both families, the same CPU time
#
# A fair comparison gives both families the same **wall-clock** budget on the same machine, not
# the same number of steps: a diffusion training step here costs several times a GAN step. First
# the course's default GAN (recipe `dcgan`, notebook 04), then the diffusion model (the package's
# `train_diffusion`, which uses the same data order and stopping rule).

# %%
gan_result = train(get_recipe("dcgan"), dataset, steps=LIVE_STEPS, seconds=LIVE_SECONDS, seed=SEED)
print(f"GAN: {gan_result.steps} steps in {gan_result.seconds:.0f} s")

# %%
recipe = DiffusionRecipe(timesteps=TIMESTEPS)
diffusion = train_diffusion(recipe, dataset, steps=LIVE_STEPS, seconds=LIVE_SECONDS, seed=SEED)
print(f"diffusion: {diffusion.steps} steps in {diffusion.seconds:.0f} s; "
      f"last loss {diffusion.losses[-1]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(diffusion.losses, alpha=0.4)
window = max(1, len(diffusion.losses) // 20)
ax.plot(np.convolve(diffusion.losses, np.ones(window) / window, mode="valid"), label=f"mean of {window}")
ax.set(xlabel="step", ylabel="noise MSE", title="the diffusion loss falls (a GAN's does not)")
ax.legend()
plt.show()

# %% [markdown]
# ## 5. Sampling: 1,000 small denoising steps, or 50 larger ones
#
# DDPM's **ancestral sampler** runs the chain backwards: from `x_T` (pure noise) it estimates the
# noise, moves to `x_{T−1}` and adds a little fresh noise, `T` times. Each step is one **network
# evaluation**, so an image costs `T = 1,000` of them; a GAN's costs one.
#
# **DDIM** (Song, Meng & Ermon 2021) uses the same trained network on a deterministic path through
# a few steps: at each it estimates the clean image `x_0`, then jumps straight to the noise level of
# the next step. Here both are timed on this machine:

# %%
model = diffusion.model
timings = {}
start = time.perf_counter()
chain = model.generate(CHAIN_IMAGES, seed=SEED, sampler="ddpm", progress=True)
timings[f"DDPM, {model.timesteps} steps"] = (time.perf_counter() - start) / CHAIN_IMAGES
for steps in (DDIM_STEPS, 10):
    start = time.perf_counter()
    ddim = model.generate(CHAIN_IMAGES, seed=SEED, steps=min(steps, model.timesteps))
    timings[f"DDIM, {min(steps, model.timesteps)} steps"] = (time.perf_counter() - start) / CHAIN_IMAGES
start = time.perf_counter()
gan_images = gan_result.gan.generate(CHAIN_IMAGES, seed=SEED)
timings["GAN, 1 step"] = (time.perf_counter() - start) / CHAIN_IMAGES
for name, seconds in timings.items():
    print(f"{name:18s} {1000 * seconds:9.1f} ms per image")

# %% [markdown]
# Small batches exaggerate the per-step overhead; section 8 gives the cost on batches of 156
# images, from the benchmark. The samples themselves (after only the live budget):

# %%
samples_figure(np.concatenate([chain, ddim, gan_images]), ncol=CHAIN_IMAGES,
               title="rows: DDPM full chain, DDIM 10 steps, GAN")

# %% [markdown]
# ## 6. The live seed, scored
#
# The yardsticks of notebook 06: **FD (domain features)**, the Fréchet distance between features of
# generated and training images in the course's offline extractor, beside its **floor** (real test
# images scored the same way); **precision** (samples that look like real images) and **recall**
# (real images the samples cover); and the **memorized fraction** (samples nearly identical to a
# training image). The extractor trains once (a progress bar) and is cached.

# %%
extractor = domain_extractor_for(dataset, seed=0, epochs=EXTRACTOR_EPOCHS)
n_test = len(dataset.test.images)
live_sets = {"GAN": gan_result.gan.generate(n_test, seed=SEED),
             f"diffusion, DDIM {DDIM_STEPS}": model.generate(n_test, seed=SEED, steps=min(DDIM_STEPS, model.timesteps), progress=True)}
live = {name: sample_quality(images, dataset, extractor, seed=SEED) for name, images in live_sets.items()}
for name, q in live.items():
    print(f"{name:18s} FD {q['fid']:.2f} (floor {q['floor_fid']:.2f})  precision {q['precision']:.2f}  "
          f"recall {q['recall']:.2f}  memorized {q['memorized_fraction']:.3f}")

# %% [markdown]
# One seed is an anecdote. Section 8 has three seeds at two budgets.

# %% [markdown]
# ## 7. Classifier-free guidance: one class on request
#
# A **class-conditional** diffusion model also gets the label. Ho & Salimans (2022) train it with
# the label replaced by a "no label" token 10 % of the time, so the same network predicts both
# `ε(x_t, label)` and `ε(x_t, no label)`. Sampling mixes the two with a **guidance** weight `w`:
#
# `ε_guided = (1 + w) · ε(x_t, label) − w · ε(x_t, no label)`
#
# `w = 0` is the plain conditional model; larger `w` pushes samples towards what is typical of
# the class (less variety), at two network evaluations per step.

# %%
print(dmath.guided_noise(np.array([1.0]), np.array([0.5]), 2.0))   # (1 + 2) * 1 - 2 * 0.5 = 2

# %%
del gan_result, live_sets   # the GAN's part ends here: free its memory before a second model trains
gc.collect()
conditional = train_diffusion(DiffusionRecipe(conditional=True, timesteps=TIMESTEPS), dataset,
                              steps=LIVE_STEPS, seconds=CFG_SECONDS, seed=SEED).model
per_class = 4
labels = np.repeat(np.arange(dataset.num_classes), per_class)
rows = [conditional.generate(len(labels), labels=labels, seed=SEED, guidance=w,
                             steps=min(DDIM_STEPS, conditional.timesteps)) for w in GUIDANCE]
samples_figure(np.concatenate(rows), labels=np.tile(labels, len(GUIDANCE)),
               class_names=dataset.class_names, ncol=len(labels),
               title="rows: guidance w = " + ", ".join(str(w) for w in GUIDANCE))

# %%
change = float(np.mean(np.abs(rows[-1] - rows[0])))
print(f"mean |pixel change| from w = {GUIDANCE[0]} to w = {GUIDANCE[-1]}: {change:.3f} "
      "(pixels in [-1, 1]; the same noise in every row)")

# %% [markdown]
# Guidance only amplifies the difference between the network's conditional and unconditional
# predictions. After a short budget the network has barely learned to use its label, so there is
# little to amplify: the rows above differ by the small amount printed. Guidance is not a repair for
# an undertrained model; it earns its cost (two network evaluations per step) once the label
# changes the prediction.

# %% [markdown]
# ## 8. The committed study: 3 seeds, 60 s and 300 s
#
# `bench/diffusion.py` trained both families on BreastMNIST for 3 seeds at equal wall-clock
# budgets (each budget turned into steps at each family's measured speed, so machine load does
# not change the result), and scored every sampler with the yardsticks above. Its files travel with
# the package:

# %%
table = study.load_study(course.results_dir("diffusion"))
display(Markdown(study.quality_table(table)))

# %%
display(Markdown(study.cost_table(table)))

# %%
budgets = sorted({b for _, b in table})
fig, ax = plt.subplots(figsize=(5, 3))
for sampler in ("gan", "ddim50", "ddim10"):
    rows_ = [(b, [s["fid"] for s in table[(sampler, b)].values()]) for b in budgets if (sampler, b) in table]
    xs = [b for b, _ in rows_]
    ax.errorbar(xs, [np.mean(v) for _, v in rows_], yerr=[np.std(v, ddof=1) if len(v) > 1 else 0 for _, v in rows_],
                marker="o", capsize=3, label=study.SAMPLERS[sampler].split(",")[0] + (
                    "" if sampler == "gan" else f" ({sampler})"))
floor = np.mean([s["floor_fid"] for s in table[("gan", budgets[-1])].values()])
ax.axhline(floor, color="grey", linestyle="--", label="floor (real test images)")
ax.set(xlabel="training budget (s, 2 CPU cores)", ylabel="FD (domain features)", xscale="log",
       xticks=budgets, xticklabels=[str(b) for b in budgets], title="lower is better; mean ± SD of 3 seeds")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## 9. What the numbers say
#
# The sentences below are computed from the table, so they cannot drift from it.

# %%
cost = study.sampling_cost(table)
lines = []
for b in budgets:
    lines.append(f"- At **{b} s**, DDIM-50 diffusion against the GAN: {study.verdict(table, 'ddim50', b)}.")
    for key in ("recall", "precision"):
        means = {s: np.mean([v[key] for v in table[(s, b)].values()]) for s in ("gan", "ddim50")}
        lines.append(f"  {key}: GAN {means['gan']:.2f}, diffusion {means['ddim50']:.2f}.")
ratio = cost["gan"]["images_per_second"] / cost["ddim50"]["images_per_second"]
lines.append(f"- Sampling: the GAN drew **{ratio:,.0f}x** more images per second than DDIM-50 "
             f"({cost['ddim50']['evaluations_per_image']} network evaluations per image against 1).")
display(Markdown("\n".join(lines)))

# %% [markdown]
# **Downstream use.** Notebook 07's class-imbalance protocol has one more arm, `cfg+100`: minority
# images from a class-conditional diffusion model sampled with guidance, trained for about the
# cGAN's time, added to the real training split for the classifier (5 seeds, the same metrics as
# every other arm). The committed results, paired by seed against the cGAN's `gan+100` arm:

# %%
downstream = results.load_results(course.results_dir("imbalance"))
for level in imbalance.LEVELS:
    diff = imbalance.versus(downstream, level)
    checks = [r["synthetic_check"] for r in downstream if r["arm"] == f"{level}.cfg+100"]
    if diff is None or not checks:
        print(f"{level}: the diffusion arm is not measured yet")
        continue
    called = np.mean([c["fake_called_minority"] for c in checks])
    print(f"{level}: diffusion minus cGAN, AUC {diff['auc'][0]:+.3f} [{diff['auc'][1]:+.3f}, {diff['auc'][2]:+.3f}] "
          f"({imbalance.verdict(diff['auc'])}); the baseline classifier called {called:.0%} of the diffusion "
          "model's 'minority' images minority")


# %% [markdown]
# **At larger scale the literature reports the other side of the trilemma.** With GPUs and days of
# training, diffusion models reached lower FID than GANs on natural images (Dhariwal & Nichol 2021)
# and, in a comparison on fundus, histology and chest X-ray images, compared favourably with GANs,
# especially in diversity (Müller-Franzes et al. 2023, Scientific Reports); surveys of diffusion in medical imaging
# (Kazerouni et al. 2023, Medical Image Analysis) list the same strengths and the sampling cost.
# Faster samplers and distillation (DDIM; Salimans & Ho 2022; consistency models, Song et al.
# 2023) shrink the cost to a few evaluations. What this notebook shows is narrower and is
# measured: on two CPU cores, a few hundred training seconds and 546 images, which family wins.

# %% [markdown]
# ## Summary
#
# - A diffusion model is trained to predict the noise added to real images (a plain regression
#   loss, no adversary) and generates by denoising pure noise step by step.
# - Sampling costs one network evaluation per step: 1,000 for DDPM's chain, 50 or 10 with DDIM,
#   one for a GAN.
# - Classifier-free guidance samples one class from a conditional model, trading variety for
#   typicality, at two evaluations per step.
# - Section 9 states, from the committed three-seed table, which family won each yardstick at
#   60 s and 300 s of CPU time on BreastMNIST; those are small budgets, and the published results at
#   GPU scale favour diffusion on fidelity and diversity. Section 9 also reads notebook 07's
#   benchmark: whether guided diffusion images helped a classifier more than the cGAN's.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between seeds.

# %% [markdown]
# ### Exercise 1: The forward process
#
# Write `add_noise(real_images, noise, alpha_bar_t)`: images `(N, H, W, C)`, noise of the same
# shape, and one `abar_t` per image, `(N,)`. Return `sqrt(abar_t) · x_0 + sqrt(1 − abar_t) · ε`.

# %%
def add_noise(real_images, noise, alpha_bar_t):
    ...  # your code here


nb13.check_add_noise(add_noise)

# %%
show_solution("nb13", "add_noise")


# %% [markdown]
# ### Exercise 2: One DDIM step
#
# Write `ddim_step(x, noise, alpha_bar, t, t_prev)`: estimate the clean image
# `x_0 = (x − sqrt(1 − abar_t) · ε) / sqrt(abar_t)`, clip it to [-1, 1], re-derive the noise from the
# clipped `x_0`, and return the forward process at `t_prev` with that noise (or the clipped `x_0`
# itself when `t_prev` is -1).

# %%
def ddim_step(x, noise, alpha_bar, t, t_prev):
    ...  # your code here


nb13.check_ddim_step(ddim_step)

# %%
show_solution("nb13", "ddim_step")


# %% [markdown]
# ### Exercise 3: Classifier-free guidance
#
# Write `guided_noise(conditional, unconditional, guidance)`, the mix of section 7.

# %%
def guided_noise(conditional, unconditional, guidance):
    ...  # your code here


nb13.check_guided_noise(guided_noise)

# %%
show_solution("nb13", "guided_noise")

# %% [markdown]
# ### Exercise 4 (experiment): How few sampling steps are enough?
#
# **Change one thing:** the number of DDIM steps (`EXPERIMENT_STEPS` in the parameters), with the
# live model and extractor of this notebook. Fewer steps are cheaper; do they cost quality?
# Write your prediction before you run.

# %%
prediction = "..."  # e.g. "FD rises a little from 50 to 20 steps and a lot at 5"

# %%
experiment = {}
for steps in tqdm(EXPERIMENT_STEPS, desc="Exercise 4: one DDIM setting at a time"):
    fds = [sample_quality(model.generate(n_test, seed=s, steps=min(steps, model.timesteps)), dataset,
                          extractor, seed=s)["fid"] for s in EXPERIMENT_SEEDS]
    experiment[steps] = fds
    print(f"DDIM {steps:3d} steps: FD {np.mean(fds):.2f} over sampling seeds {EXPERIMENT_SEEDS} "
          f"(values {np.round(fds, 2).tolist()})")

# %% [markdown]
# **What to look for:** these seeds re-draw only the sampling noise of one trained model, so they
# show sampling spread, not training spread. Call a difference real only if it is larger than the
# spread between seeds at the same setting. The committed study compares DDIM 10 and 50 steps over
# three *trained* models (section 8).

# %% [markdown]
# ## Next
#
# Notebook 14 is a capstone project: pick a use case and a dataset, train, compare against the
# floor and a non-GAN baseline over several seeds, and write a short report that a checker reads.
