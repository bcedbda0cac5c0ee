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
# # 02 · GAN theory: the minimax game, the optimal discriminator and mode collapse
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/02_gan_theory.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F02_gan_theory.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Read the article's objective V(D, G) and say who maximises it and who minimises it.
# - Derive the optimal discriminator D* = p_data / (p_data + p_g) and check it numerically.
# - Verify V(D*, G) = -log 4 + 2·JSD(p_data || p_g) and see why JSD gives no signal when the two distributions do not overlap (measured on BreastMNIST).
# - Explain why the minimax generator loss saturates and the non-saturating one does not, with gradients measured on the course's own loss code.
# - Train a toy GAN by alternating discriminator and generator updates, interactively.
# - Measure mode collapse on a ring of 8 Gaussians: modes covered and high-quality samples.

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

# %%
# %matplotlib inline
import inspect

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.exercises import nb02, show_solution
from medgan_course.toy import (
    ToyGAN,
    gaussian_pdf,
    generator_loss_curves,
    js_divergence,
    mixture_pdf,
    mode_coverage,
    modes_covered,
    optimal_discriminator,
    toy_dataset,
    value_function,
)
from medgan_course.toy.plots import coverage_figure, loss_gradient_figure, state_figure
from medgan_course.widgets.playground import playground

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path
DATASET = course.dataset_flag("breastmnist")  # any 2-D MedMNIST flag (section 4)
SEEDS = [0, 1] if SMOKE else [0, 1, 2, 3, 4]   # every toy experiment runs once per seed
D_ONLY_UPDATES = 60 if SMOKE else 200           # discriminator-only updates (section 6)
SATURATION_ROUNDS = 40 if SMOKE else 200        # rounds after them (section 6)
G_UPDATES = 150 if SMOKE else 1500              # generator updates per run (section 8)
PLAYGROUND_ROUNDS = 100 if SMOKE else 1500      # rounds of the static playground run

# %% [markdown]
# ## 1. The minimax game
#
# The article (section 3) describes a GAN as two networks that play against each other: a
# **generator** G turns noise z into fake samples G(z), and a **discriminator** D outputs
# D(x), the probability that x is real. Both are scored by one number, the value function
#
# $$V(D, G) = \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))].$$
#
# D wants to call real samples real (log D(x) near 0) and fakes fake (log(1 - D(G(z))) near 0), so
# D **maximises** V; G wants its fakes called real, so G **minimises** V:
# $\min_G \max_D V(D, G)$ (Goodfellow et al., 2014).
#
# > The article writes the roles the other way round (max over G, min over D). That is a typo
# > worth noticing: with those signs the discriminator would try to be *wrong*. Notebook 04
# > finds the same sign mistake in the article's code.
#
# If the generator's samples have a density $p_g$, the second expectation is an integral over x
# too, and V becomes one integral we can compute on a grid:
# $V = \int p_\text{data}(x)\log D(x) + p_g(x)\log(1 - D(x))\,dx$.

# %%
x = np.linspace(-12, 12, 6001)                             # a 1-D grid
p_data = mixture_pdf(x, means=[-2, 2], stds=0.5)            # the "real" distribution
p_g = gaussian_pdf(x, mean=0.5, std=1.5)                    # what some generator produces
dx = x[1] - x[0]
print("both integrate to 1:", round(p_data.sum() * dx, 4), round(p_g.sum() * dx, 4))

# %%
near_modes = np.abs(np.abs(x) - 2) < 1               # where the real data lives
discriminators = {
    "coin flip (1/2 everywhere)": np.full_like(x, 0.5),
    "moderate (0.7 near ±2, 0.3 elsewhere)": np.where(near_modes, 0.7, 0.3),
    "over-confident (0.98 / 0.01)": np.where(near_modes, 0.98, 0.01),
}
for name, d in discriminators.items():
    print(f"V = {value_function(d, p_data, p_g, x):7.4f}   {name}")
print(f"-log 4 = {-np.log(4):.4f}")

# %% [markdown]
# The coin flip scores exactly -log 4 ≈ -1.386, whatever the distributions. Knowing where the
# real data lives scores higher, but over-confidence is punished: the over-confident D says 0.98
# "real" where many fakes land too, and log(1 - 0.98) is a big penalty. Which D scores *highest*?

# %% [markdown]
# ## 2. The optimal discriminator
#
# Fix G. At each point x, the integrand of V is $a\log y + b\log(1 - y)$ with $y = D(x)$,
# $a = p_\text{data}(x)$ and $b = p_g(x)$. Its derivative $a/y - b/(1-y)$ is zero at
# $y = a/(a+b)$, and the second derivative $-a/y^2 - b/(1-y)^2 < 0$ says this is a maximum. D can
# choose every D(x) separately, so the best discriminator is
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}.$$
#
# It is 1 where only real data lives, 0 where only fakes land, and 1/2 where the two densities
# agree. The package's version (used in the rest of the notebook):

# %%
print(inspect.getsource(optimal_discriminator))

# %%
d_star = optimal_discriminator(p_data, p_g)
# Check the derivation by brute force: at every x, try 999 values of D(x) and keep the best.
y = np.linspace(0.001, 0.999, 999)[:, None]
pointwise = p_data * np.log(y) + p_g * np.log(1 - y)        # (999 candidates, grid points)
brute = y[pointwise.argmax(axis=0), 0]
has_mass = (p_data + p_g) > 1e-6
print("max |D* - brute-force argmax| where there is mass:",
      round(float(np.abs(d_star - brute)[has_mass].max()), 4), "(grid step 0.001)")

# %%
rng = np.random.default_rng(0)
v_star = value_function(d_star, p_data, p_g, x)
others = [np.clip(d_star + rng.normal(0, 0.05, x.shape), 1e-6, 1 - 1e-6) for _ in range(50)]
best_other = max(value_function(d, p_data, p_g, x) for d in others)
print(f"V(D*) = {v_star:.4f};  best of 50 perturbed discriminators: {best_other:.4f}")
assert v_star > best_other and np.abs(d_star - brute)[has_mass].max() < 2e-3

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(x, p_data, color="#1b7f3b", label="p_data")
ax.plot(x, p_g, color="#7b3294", label="p_g")
ax.set_xlim(-6, 6)
ax.set_ylabel("density")
right = ax.twinx()
right.plot(x, d_star, "k--", label="D*(x)")
right.set_ylim(0, 1)
right.set_ylabel("D*(x)")
ax.legend(loc="upper left")
right.legend(loc="upper right")
ax.set_title("the optimal discriminator follows the ratio of the two densities")
plt.show()

# %% [markdown]
# ## 3. What the generator minimises: V(D*, G) = -log 4 + 2·JSD
#
# Put D* back into V. Writing $m = (p_\text{data} + p_g)/2$ and KL for the
# [Kullback-Leibler divergence](https://medgan-course.github.io/medgan-course/site/glossary.html#term-KL-divergence) $\mathrm{KL}(p\,\|\,q) = \int p\log(p/q)$
# (never negative, 0 only when $p = q$, not symmetric),
#
# $$V(D^*, G) = \int p_\text{data}\log\frac{p_\text{data}}{2m} + p_g\log\frac{p_g}{2m}
# = -\log 4 + \mathrm{KL}(p_\text{data}\,\|\,m) + \mathrm{KL}(p_g\,\|\,m)
# = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g).$$
#
# The Jensen-Shannon divergence is 0 only when $p_g = p_\text{data}$ and at most log 2 (in
# nats). So *if* D were always optimal, training G would minimise the JSD, and the best G
# reproduces the data exactly, where V = -log 4 and D* = 1/2 everywhere. Let us check the
# identity numerically for generators that sit further and further from the data.

# %%
means = np.linspace(-6, 6, 25)
rows = []
for mean in means:
    p_g_shifted = gaussian_pdf(x, mean, 0.5)
    v = value_function(optimal_discriminator(p_data, p_g_shifted), p_data, p_g_shifted, x)
    jsd = js_divergence(p_data, p_g_shifted, x)
    rows.append((mean, v, -np.log(4) + 2 * jsd, jsd))
rows = np.array(rows)
print(" p_g mean   V(D*,G)   -log4+2JSD      JSD")
for row in rows[::4]:
    print(f"{row[0]:8.1f} {row[1]:9.4f} {row[2]:12.4f} {row[3]:8.4f}")
gap = np.abs(rows[:, 1] - rows[:, 2]).max()
print(f"largest difference between the two sides: {gap:.1e}")
assert gap < 1e-6

# %%
p_same = mixture_pdf(x, [-2, 2], 0.5)
print("p_g = p_data:  V(D*, G) =", round(value_function(optimal_discriminator(p_data, p_same),
                                                      p_data, p_same, x), 6),
      "  JSD =", round(js_divergence(p_data, p_same, x), 6), "  -log 4 =", round(-np.log(4), 6))
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(rows[:, 0], rows[:, 3], "o-", ms=3)
ax.axhline(np.log(2), color="grey", ls=":", label="log 2 (no overlap)")
ax.set_xlabel("mean of p_g = N(mean, 0.5²);  p_data has modes at ±2")
ax.set_ylabel("JSD (nats)")
ax.legend()
plt.show()

# %% [markdown]
# Look at the ends of the curve: once p_g no longer overlaps p_data, the JSD is stuck at log 2.
# Moving the generator closer *without reaching the data* does not change it at all, so the
# generator gets no hint which way to go. High-dimensional images make this the normal case: at
# the start of training, generated and real images barely overlap.

# %% [markdown]
# ## 4. The same picture on real images
#
# Distributions of whole images are out of reach, but one number per image is not. Take each
# BreastMNIST ultrasound's mean brightness as a 1-D sample, histogram it, and compare the real
# training images with three "generators": the held-out test images (a perfect generator: new
# images from the same distribution), pure noise images (roughly what an untrained generator
# produces), and the real images made brighter by δ.

# %%
dataset = load_dataset_or_default(DATASET)
brightness = dataset.train.images.mean(axis=(1, 2, 3))      # (N,) mean pixel in [-1, 1]
print(dataset.name, dataset.train.images.shape, "brightness: mean",
      round(float(brightness.mean()), 3), "SD", round(float(brightness.std()), 3))

# %%
bins = np.linspace(-1.5, 2.5, 81)     # wide enough for the brightened copies


def histogram(values):
    # Probabilities of the bins: a discrete distribution, so js_divergence needs no grid.
    return np.histogram(values, bins)[0] / len(values)


p_real = histogram(brightness)
noise_images = np.random.default_rng(0).uniform(-1, 1, dataset.train.images.shape)
jsd_test = js_divergence(p_real, histogram(dataset.test.images.mean(axis=(1, 2, 3))))
jsd_noise = js_divergence(p_real, histogram(noise_images.mean(axis=(1, 2, 3))))
print(f"JSD(train || test)  = {jsd_test:.3f}  (the floor: finite samples, never exactly 0)")
print(f"JSD(train || noise) = {jsd_noise:.3f}  (log 2 = {np.log(2):.3f})")
assert jsd_test < jsd_noise

# %%
deltas = np.linspace(0, 2, 21)
jsd_shift = [js_divergence(p_real, histogram(brightness + d)) for d in deltas]
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(deltas, jsd_shift, "o-", ms=3, label="real vs real brightened by δ")
ax.axhline(np.log(2), color="grey", ls=":", label="log 2")
ax.axhline(jsd_test, color="#1b7f3b", ls="--", label="real train vs real test")
ax.set_xlabel("δ")
ax.set_ylabel("JSD (nats)")
ax.set_title(f"{dataset.name}: mean brightness per image")
ax.legend(fontsize=8)
plt.show()
print("JSD for δ = 1.0, 1.5, 2.0:", np.round(jsd_shift[10::5], 3))

# %% [markdown]
# Beyond δ ≈ 1 the curve is flat at log 2: a generator 1.5 or 2 brightness units off gets the
# same score, and the optimal discriminator separates them perfectly. The next section shows what
# this does to the generator's gradient, and which loss keeps it alive.

# %% [markdown]
# ## 5. Alternating updates, in code
#
# Nobody can compute D* for images, so GANs approximate the game: the article's recipe is
# *train the generator, train the discriminator, alternate until convergence*. Goodfellow et al.
# (Algorithm 1) do k discriminator updates, then one generator update, on mini-batches. Each
# network moves only its own weights, against the *current* other network.
#
# `ToyGAN` runs exactly this with the course's own `training.gan.GAN` (the class that trains
# the DCGAN in notebook 04) on two small MLPs, and data we can see: 1-D or 2-D points.

# %%
print(inspect.getsource(ToyGAN.step))

# %%
toy = ToyGAN("gaussian_1d", loss="non_saturating", seed=0)   # data ~ N(3, 0.5²)


def weights(model):
    return [w.numpy().copy() for w in model.trainable_variables]


def moved(before, model):
    return sum(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_variables))


g0, d0 = weights(toy.gan.generator), weights(toy.gan.discriminator)
toy.step_discriminator()
print("after step D: discriminator tensors changed", moved(d0, toy.gan.discriminator),
      "of", len(d0), "| generator tensors changed", moved(g0, toy.gan.generator))
d1 = weights(toy.gan.discriminator)
toy.step_generator()
print("after step G: discriminator tensors changed", moved(d1, toy.gan.discriminator),
      "| generator tensors changed", moved(g0, toy.gan.generator), "of", len(g0))

# %%
print("generated mean before training:", round(float(toy.samples(2000).mean()), 2))
toy.train(400, progress=tqdm)
samples = toy.samples(2000)
print(f"after 400 rounds: mean {samples.mean():.2f} (data: 3.00), SD {samples.std():.2f} (data: 0.50)")
state_figure(toy)

# %% [markdown]
# ## 6. Why the minimax generator loss saturates
#
# In V, the generator's term is $\log(1 - D(G(z)))$: the **minimax** loss. Goodfellow et al.
# already noted that it *saturates* and proposed to train G to maximise $\log D(G(z))$ instead:
# the **non-saturating** loss $-\log D(G(z))$. Same fixed point, very different gradients. With
# $D = \sigma(l)$ for the discriminator's logit l:
#
# - minimax: $\frac{d}{dl}\log(1-\sigma(l)) = -\sigma(l) \to 0$ as $l \to -\infty$;
# - non-saturating: $\frac{d}{dl}[-\log\sigma(l)] = -(1-\sigma(l)) \to -1$ as $l \to -\infty$.
#
# l → -∞ means D confidently rejects the fakes: exactly the situation early in training (and
# on the flat part of the JSD curve). The curves below come from the package's
# `training.losses.generator_loss` through TensorFlow's autodiff, not from these formulas.

# %%
logits = np.linspace(-8, 8, 161)
curves = generator_loss_curves(logits, ("minimax", "non_saturating"))
at = np.argmin(np.abs(logits + 6))
print(f"at l = -6 (D(G(z)) = {1 / (1 + np.exp(6)):.4f}): d loss/dl  minimax",
      f"{curves['minimax'][1][at]:.4f}, non-saturating {curves['non_saturating'][1][at]:.4f}")
loss_gradient_figure(logits, curves)

# %% [markdown]
# Does this matter for a real network? Below, the discriminator trains alone for a while (the
# generator is frozen far from the data, as at the start of training), and after every 20 updates
# we measure the size of the generator's gradient, $\|\partial\,	ext{g\_loss}/\partial	heta_G\|$, under
# each loss, on the same networks and the same z.

# %%
checkpoints = list(range(0, D_ONLY_UPDATES + 1, 20))
norms = {"minimax": [], "non_saturating": []}
toy = ToyGAN("gaussian_1d", seed=0)
for seed in tqdm(SEEDS, desc="seeds"):
    toy.reset(seed)
    per_seed = {name: [] for name in norms}
    for done in range(D_ONLY_UPDATES + 1):
        if done in checkpoints:
            for name in norms:
                per_seed[name].append(toy.generator_gradient_norm(name))
        if done < D_ONLY_UPDATES:
            toy.step_discriminator()
    for name in norms:
        norms[name].append(per_seed[name])
    print(f"seed {seed}: mean D logit on the fakes after {D_ONLY_UPDATES} D updates:",
          round(toy.history["fake_logit"][-1], 2))
norms = {name: np.array(v) for name, v in norms.items()}   # (seeds, checkpoints)

# %%
fig, ax = plt.subplots(figsize=(7, 3))
for name, values in norms.items():
    ax.errorbar(checkpoints, values.mean(0), yerr=values.std(0), marker="o", ms=3, capsize=2,
                label=name)
ax.set_yscale("log")
ax.set_xlabel("discriminator-only updates")
ax.set_ylabel("||generator gradient||")
ax.legend()
plt.show()
ratio = norms["non_saturating"][:, -1] / norms["minimax"][:, -1]
print(f"non-saturating / minimax gradient after {D_ONLY_UPDATES} D updates: "
      f"{ratio.mean():.0f}x ± {ratio.std(ddof=1):.0f} (mean ± SD over {len(SEEDS)} seeds)")
assert (ratio > 2).all()


# %% [markdown]
# The more confident the discriminator, the weaker the minimax gradient. Does that slow the
# generator down? We continue from that state with both networks training (1:1), with two
# optimizers: plain SGD, and Adam, which divides each step by a running average of the gradient's
# size.

# %%
def mean_trajectory(loss, optimizer, lr):
    # Generated mean every 10 rounds, after the discriminator-only phase; (seeds, points).
    toy = ToyGAN("gaussian_1d", loss=loss, optimizer=optimizer, d_lr=lr, g_lr=lr)
    runs = []
    for seed in SEEDS:
        toy.reset(seed)
        for _ in range(D_ONLY_UPDATES):
            toy.step_discriminator()
        means = [float(toy.samples(500).mean())]
        for _ in range(SATURATION_ROUNDS // 10):
            toy.train(10)
            means.append(float(toy.samples(500).mean()))
        runs.append(means)
    return np.array(runs)


settings = [("sgd", 0.05), ("adam", 1e-3)]
trajectories = {(loss, opt): mean_trajectory(loss, opt, lr)
                for opt, lr in tqdm(settings, desc="optimizers")
                for loss in ("minimax", "non_saturating")}

# %%
rounds = np.arange(0, SATURATION_ROUNDS + 1, 10)
fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
for ax, (opt, _) in zip(axes, settings):
    for loss in ("minimax", "non_saturating"):
        runs = trajectories[(loss, opt)]
        ax.errorbar(rounds, runs.mean(0), yerr=runs.std(0), marker="o", ms=3, capsize=2,
                    label=loss)
    ax.axhline(3.0, color="#1b7f3b", ls=":", label="data mean")
    ax.set_title(f"{opt}: generated mean (± SD over {len(SEEDS)} seeds)")
    ax.set_xlabel("rounds after the discriminator-only phase")
    ax.legend(fontsize=8)
plt.show()
for (loss, opt), runs in trajectories.items():
    print(f"{opt:>5} {loss:>15}: generated mean after 20 rounds {runs[:, 2].mean():5.2f} ± "
          f"{runs[:, 2].std(ddof=1):.2f}, at the end {runs[:, -1].mean():5.2f} ± {runs[:, -1].std(ddof=1):.2f}")
    # course.record keeps the number for the course's benchmark (bench/notebooks.py), which
    # the text below quotes; outside that benchmark it does nothing.
    course.record(f"{opt}_{loss}_mean_sd_20_rounds", [runs[:, 2].mean(), runs[:, 2].std(ddof=1)])

# %% [markdown]
# With plain SGD a step is proportional to the gradient, so the minimax generator waits. In
# the full run of this notebook recorded in `medgan_course/results/notebooks/02_gan_theory_full.json`
# (5 seeds) its mean was still 0.2 ± 0.2 after 20 rounds, while the
# non-saturating generator had already shot past the data to 6.3 ± 0.3 (at this learning rate SGD
# overshoots and oscillates; both ended near 3 after 200 rounds). With Adam the two curves lay on
# top of each other (1.0 ± 0.3 and 1.0 ± 0.2 after 20 rounds): Adam divides each step by a running
# RMS of the gradient, so a uniformly small gradient still gives a normal-sized step. The numbers
# printed above are this run's. So the saturation is real, and on this easy 1-D toy Adam hides most
# of its cost; the non-saturating loss costs nothing, which is why the course (like nearly every GAN
# since 2014) uses it by default.

# %% [markdown]
# ## 7. The playground
#
# Now play. The widget below trains a toy GAN one click at a time, in the spirit of
# [GAN Lab](https://poloclub.github.io/ganlab/): **step D** and **step G** make one update of one
# network, **train N steps** runs N rounds of (D, G), **reset** goes back to step 0. The
# background is the discriminator's D(x) (green = "real", purple = "fake"); green points are real
# samples, purple ones generated. Things to try:
#
# 1. On *1-D Gaussian*, press **step D** ten times, then **step G** ten times. Watch D(x) form a
#    ramp towards the data, then the generated histogram slide up it.
# 2. On *2-D ring of 8 Gaussians*, train 500 steps with each loss. Then set G lr ten times D lr.
# 3. Set D lr to 1e-5: the generator chases a discriminator that hardly learns.
#
# Without a live notebook (e.g. in a static HTML page) the same function draws a static figure
# after training instead.

# %%
pg = playground("ring_2d", loss="non_saturating", steps=200)
pg

# %% [markdown]
# The same picture without widgets, after a longer run (the static fallback of the widget):

# %%
playground("ring_2d", loss="non_saturating", static=True, steps=PLAYGROUND_ROUNDS)

# %% [markdown]
# ## 8. Mode collapse, measured
#
# A generator can lower its loss by producing only what the current discriminator likes best,
# for example one of the eight modes of the ring. That is **mode collapse**. Metz et al. (2017)
# and Srivastava et al. (2017, VEEGAN) measure it on exactly this ring with two numbers, computed
# on 2,500 generated samples:
#
# - **modes covered**: modes with at least 20 *high-quality* samples (out of 8);
# - **high-quality fraction**: samples within 3 standard deviations of their nearest mode.
#
# First, the metric on samples whose answer we know:

# %%
ring = toy_dataset("ring_2d")
radius = ring.quality_radius
print("every mode (25 points each):", modes_covered(np.repeat(ring.centers, 25, axis=0), ring.centers, radius))
print("one mode only:              ", modes_covered(np.repeat(ring.centers[:1], 200, axis=0), ring.centers, radius))
print("real samples:               ", mode_coverage(ring.sample(2500, seed=0), ring))

# %% [markdown]
# Collapse is what the alternation is supposed to prevent: G takes *small* steps against a
# discriminator that keeps up. Let us break that on purpose. **G-heavy** makes 5 generator updates
# per discriminator update, so G chases a frozen D towards wherever D says "real". **Balanced** is
# the usual 1:1. Both get the same number of generator updates; every run is repeated for each seed.

# %%
settings = {"balanced (1 D : 1 G)": dict(d_steps=1, g_steps=1),
            "G-heavy (1 D : 5 G)": dict(d_steps=1, g_steps=5)}
results, examples = {}, {}
for name, kwargs in settings.items():
    toy = ToyGAN("ring_2d", loss="non_saturating", **kwargs)
    results[name] = []
    for seed in tqdm(SEEDS, desc=name):
        toy.reset(seed).train(G_UPDATES // kwargs["g_steps"])
        samples = toy.samples(2500, seed=123)
        results[name].append(mode_coverage(samples, ring))
        examples.setdefault(name, []).append(samples)

# %%
print(f"{'setting':<22} {'modes covered (of 8)':>22} {'high-quality fraction':>24}")
for name, runs in results.items():
    modes = np.array([r["modes"] for r in runs])
    quality = np.array([r["high_quality"] for r in runs])
    print(f"{name:<22} {modes.mean():>12.1f} ± {modes.std(ddof=1):<7.1f} {quality.mean():>14.2f} ± "
          f"{quality.std(ddof=1):.2f}   per seed: {modes.tolist()}")
print(f"({len(SEEDS)} seeds, mean ± SD; {G_UPDATES} generator updates per run)")
for name, runs in results.items():  # kept for bench/notebooks.py (quoted below)
    key = name.split(" (")[0]
    course.record(f"ring_{key}_modes_mean_sd", [np.mean([r["modes"] for r in runs]),
                                                np.std([r["modes"] for r in runs], ddof=1)])
    course.record(f"ring_{key}_quality_mean_sd", [np.mean([r["high_quality"] for r in runs]),
                                                  np.std([r["high_quality"] for r in runs], ddof=1)])
assert all(0 <= r["modes"] <= 8 and 0 <= r["high_quality"] <= 1 for runs in results.values() for r in runs)

# %%
panels = [(f"{name.split(' (')[0]}, seed {SEEDS[i]}: {results[name][i]['modes']}/8", examples[name][i])
          for name in settings for i in range(min(2, len(SEEDS)))]
coverage_figure([p[1] for p in panels], [p[0] for p in panels], ring)


# %% [markdown]
# In the recorded full run (`02_gan_theory_full.json`: 5 seeds, 1,500 generator updates each) the balanced GAN covered
# 8.0 ± 0.0 of the 8 modes with a high-quality fraction of 0.67 ± 0.05, and the G-heavy one
# 0.4 ± 0.5 modes with 0.02 ± 0.02: its samples piled into one streak that misses almost every
# mode. In smoke mode (CI: 2 seeds, 150 updates) neither GAN has learned the ring yet, and the table
# says nothing about collapse. This is one pair of settings on one toy: it shows the mechanism and
# how to measure it, not a general rule. In the playground, try the classic remedies yourself:
# more discriminator updates per generator update (Goodfellow's k), a lower generator learning
# rate, another loss. Notebook 05 returns to collapse on real images.

# %% [markdown]
# ## Summary
#
# - The article's objective is V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]; D maximises it,
#   G minimises it (the article swaps the two).
# - For a fixed G the best discriminator is D* = p_data / (p_data + p_g); then
#   V(D*, G) = -log 4 + 2·JSD(p_data || p_g), which we checked numerically to 1e-6.
# - When the two distributions do not overlap, the JSD is stuck at log 2 (we saw it on
#   BreastMNIST brightness): no signal tells the generator which way to move.
# - The minimax generator loss log(1 - D(G(z))) has gradient -D(G(z)) w.r.t. the logit, which
#   vanishes when D rejects the fakes; the non-saturating -log D(G(z)) keeps a gradient near -1.
#   We measured the gap on a toy GAN and saw that Adam hides much of it.
# - Training alternates D and G updates. Mode collapse is measurable: modes covered and the
#   high-quality fraction on the ring of 8 Gaussians, over several seeds.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: The optimal discriminator
#
# Implement `optimal_discriminator(p_data, p_g)` for NumPy arrays of densities: return
# p_data / (p_data + p_g) elementwise, and 0.5 wherever both densities are 0 (no sample ever lands
# there, and 0/0 would give NaN). Use NumPy only (not the package's function).

# %%
def optimal_discriminator_mine(p_data, p_g):
    ...  # your code here


nb02.check_optimal_discriminator(optimal_discriminator_mine)

# %%
show_solution("nb02", "optimal_discriminator_mine")

# %% [markdown]
# ### Exercise 2: V(D*, G) and the Jensen-Shannon divergence
#
# `nb02.P_DATA` and `nb02.P_G` are two distributions over four bins (printed below). Using
# NumPy and natural logarithms, compute `v_star` = V(D*, G) = Σ p_data log D* + Σ p_g log(1 - D*)
# and `jsd` = ½ KL(p_data || m) + ½ KL(p_g || m) with m = (p_data + p_g)/2. Careful: one bin of
# P_G is 0, and 0 · log 0 counts as 0. The check also verifies v_star = -log 4 + 2·jsd.

# %%
print("P_DATA =", nb02.P_DATA, " P_G =", nb02.P_G)
v_star = ...  # your code here
jsd = ...  # your code here

nb02.check_v_star_and_jsd(v_star, jsd)

# %%
show_solution("nb02", "v_star_and_jsd")

# %% [markdown]
# ### Exercise 3: Which loss saturates?
#
# The discriminator gives a fake the logit l = -6, so D(G(z)) = σ(-6) ≈ 0.0025. Compute by hand
# (with NumPy) the derivative with respect to l of the minimax generator loss log(1 - σ(l)) and of
# the non-saturating loss -log σ(l), at l = -6. Hint: dσ/dl = σ(l)(1 - σ(l)). Then name the loss
# that saturates: `"minimax"` or `"non_saturating"`.

# %%
minimax_grad = ...  # your code here
non_saturating_grad = ...  # your code here
saturating_loss = ...  # "minimax" or "non_saturating"

nb02.check_saturation(minimax_grad, non_saturating_grad, saturating_loss)

# %%
show_solution("nb02", "saturation")

# %% [markdown]
# ## Next
#
# The toy networks were MLPs on points. Next we build the article's generator and discriminator
# for images, a DCGAN, and check every layer's shapes on BreastMNIST. [03_building_a_dcgan.ipynb](03_building_a_dcgan.ipynb)
