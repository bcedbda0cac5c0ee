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
# - Compute the [Wasserstein-1](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Wasserstein-distance) or [earth mover's distance](https://medgan-course.github.io/medgan-course/site/glossary.html#term-earth-mover-s-distance) in 1-D, see why it gives a gradient where the JSD gives none, and measure why a critic must be [Lipschitz](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Lipschitz): unconstrained, with [weight clipping](https://medgan-course.github.io/medgan-course/site/glossary.html#term-weight-clipping) and with a [gradient penalty](https://medgan-course.github.io/medgan-course/site/glossary.html#term-gradient-penalty).

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
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.exercises import nb02, show_solution
from medgan_course.toy import (
    ToyGAN,
    expectation,
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
from medgan_course.toy.wasserstein import (
    CONSTRAINTS,
    cdf,
    emd_1d,
    emd_1d_cdf,
    jsd_w1_shift_curves,
    optimal_critic_1d,
    train_critic,
    w1_from_densities,
)
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
CRITIC_STEPS = 200 if SMOKE else 600            # updates per Wasserstein critic (section 9)

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
# ## 9. Wasserstein distance and the critic
#
# Sections 3 and 4 ended on a problem: once p_g and p_data do not overlap, the JSD is stuck at
# log 2 and the generator learns nothing about which way to move. Arjovsky, Chintala and Bottou
# (2017, WGAN) measure the gap with another distance, the
# [Wasserstein-1 distance](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Wasserstein-distance), also called the
# [earth mover's distance](https://medgan-course.github.io/medgan-course/site/glossary.html#term-earth-mover-s-distance) (EMD). Picture p_g as a pile
# of earth and p_data as a hole of the same volume: W1 is the least *average distance* the earth
# must travel to fill the hole,
#
# $$W_1(P, Q) = \inf_{\gamma\in\Pi(P, Q)} \mathbb{E}_{(x, y)\sim\gamma}\,|x - y|,$$
#
# the best over all transport plans γ (joint distributions whose marginals are P and Q). In 1-D
# the best plan moves the i-th smallest point of one sample onto the i-th smallest of the other,
# which gives two formulas for N points each: the mean of $|x_{(i)} - y_{(i)}|$ over the sorted
# samples, and the area between the two CDFs, $\int |F_P(x) - F_Q(x)|\,dx$. First on samples
# whose answer we can work out by hand:

# %%
print(inspect.getsource(emd_1d))
print("emd_1d([0, 1, 2], [5, 6, 7])     =", emd_1d([0, 1, 2], [5, 6, 7]), " (every point moves 5)")
print("emd_1d([0, 0, 3], [1, 1, 1])     =", round(emd_1d([0, 0, 3], [1, 1, 1]), 4),
      " (moves 1, 1 and 2: mean 4/3)")
print("emd_1d_cdf([0, 0, 3], [1, 1, 1]) =", round(emd_1d_cdf([0, 0, 3], [1, 1, 1]), 4),
      " (area between the two step CDFs)")

# %% [markdown]
# Now two distributions of different shapes: P is section 1's p_data (modes at ±2) and Q =
# N(-1.5, 1²), a generator that has found neither mode. We draw 1,000 samples of each (the
# critics below train on exactly these) and compute W1 three ways.

# %%
p_fake = gaussian_pdf(x, mean=-1.5, std=1.0)                       # Q on the grid of section 1
rng = np.random.default_rng(0)
real_1d = np.concatenate([rng.normal(-2, 0.5, 500), rng.normal(2, 0.5, 500)])   # samples of P
fake_1d = rng.normal(-1.5, 1.0, 1000)                                          # samples of Q
w1_true = emd_1d(real_1d, fake_1d)
print(f"W1 of the samples, sorted:       {w1_true:.4f}")
print(f"W1 of the samples, CDF area:     {emd_1d_cdf(real_1d, fake_1d):.4f}")
print(f"W1 of the densities, CDF area:   {w1_from_densities(p_data, p_fake, x):.4f}  "
      "(the population value; 1,000 samples differ from it by chance)")
assert abs(w1_true - emd_1d_cdf(real_1d, fake_1d)) < 1e-9

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
axes[0].plot(x, p_data, color="#1b7f3b", label="P = p_data (real)")
axes[0].plot(x, p_fake, color="#7b3294", label="Q = N(-1.5, 1²) (fake)")
axes[0].set_ylabel("density")
f_real, f_fake = cdf(p_data, x), cdf(p_fake, x)
axes[1].plot(x, f_real, color="#1b7f3b", label="F_P")
axes[1].plot(x, f_fake, color="#7b3294", label="F_Q")
axes[1].fill_between(x, f_real, f_fake, color="grey", alpha=0.4,
                     label=f"area = W1 = {w1_from_densities(p_data, p_fake, x):.2f}")
axes[1].set_ylabel("CDF")
for ax in axes:
    ax.set_xlim(-6, 5)
    ax.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# **W1 against the JSD.** Take section 3's worst case in its simplest form: P = U[0, 1] and
# its copy Q = U[θ, θ + 1] shifted by θ. Once |θ| ≥ 1 the supports are disjoint, and the JSD is
# log 2 whatever θ is; W1 is the distance every grain of earth travels, |θ|.
# `jsd_w1_shift_curves` computes both on a fine grid; first at three shifts we know:

# %%
print({name: np.round(values, 4) for name, values in jsd_w1_shift_curves([0.0, 0.5, 2.0]).items()})
print(f"expected: JSD 0, log 2 / 2 = {np.log(2) / 2:.4f}, log 2 = {np.log(2):.4f};  W1 0, 0.5, 2")

# %%
shift = jsd_w1_shift_curves(np.linspace(-3, 3, 121))
fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharex=True)
axes[0].plot(shift["theta"], shift["jsd"])
axes[0].axhline(np.log(2), color="grey", ls=":", label="log 2")
axes[0].set_title("JSD: flat (no gradient) once |θ| ≥ 1")
axes[0].set_ylabel("nats")
axes[0].legend(fontsize=8)
axes[1].plot(shift["theta"], shift["w1"], color="#b35806")
axes[1].set_title("W1 = |θ|: slope ±1 everywhere")
for ax in axes:
    ax.set_xlabel("θ (shift of Q)")
plt.show()
at = np.searchsorted(shift["theta"], 2.0)
slopes = {name: np.gradient(shift[name], shift["theta"])[at] for name in ("jsd", "w1")}
print(f"d/dθ at θ = 2: JSD {slopes['jsd']:.3f}, W1 {slopes['w1']:.3f}")


# %% [markdown]
# A generator at θ = 2 that follows the JSD's gradient does not move; following W1's it moves
# towards the data at full speed, however far away it started.
#
# **The Kantorovich-Rubinstein duality.** Transport plans between image distributions cannot be
# computed, but the [Kantorovich-Rubinstein duality](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Kantorovich-Rubinstein-duality)
# turns the infimum over plans into a supremum over functions:
#
# $$W_1(P, Q) = \sup_{\|f\|_L \le 1} \mathbb{E}_{x\sim P}[f(x)] - \mathbb{E}_{x\sim Q}[f(x)],$$
#
# over every 1-[Lipschitz](https://medgan-course.github.io/medgan-course/site/glossary.html#term-Lipschitz) f: $|f(x) - f(y)| \le |x - y|$, a slope never
# steeper than 1. A WGAN's discriminator, called the **critic**, is such an f: a network trained
# to maximise E_real[f] - E_fake[f], whose best value is W1. Here Q lies to the left of P
# everywhere (F_Q ≥ F_P), so f(x) = x moves every grain the right way and should attain W1,
# while other 1-Lipschitz functions score less:

# %%
def objective(f, real, fake):
    # E_real[f] - E_fake[f] on samples: what a critic maximises.
    return float(np.mean(f(real)) - np.mean(f(fake)))


print("on two points, f(x) = x:", objective(lambda v: v, np.array([3.0]), np.array([1.0])))
for name, f in {"x": lambda v: v, "tanh(x)": np.tanh, "sin(x)": np.sin, "|x|": np.abs}.items():
    print(f"f(x) = {name:8s} E_P[f] - E_Q[f] = {objective(f, real_1d, fake_1d):.4f}")
print(f"W1 (sorted samples)          = {w1_true:.4f}")
assert abs(objective(lambda v: v, real_1d, fake_1d) - w1_true) < 1e-9

# %% [markdown]
# When neither distribution lies to one side, no straight line attains W1, but the best critic
# still exists: its slope is +1 where F_Q > F_P and -1 where F_Q < F_P (`optimal_critic_1d`). For
# section 1's p_g = N(0.5, 1.5²) it zigzags, and its score is again exactly W1. And the constraint
# matters: scale any f by c and the objective scales by c, so without it the supremum is infinite.

# %%
for name, q in {"Q = N(-1.5, 1²)": p_fake, "p_g = N(0.5, 1.5²)": p_g}.items():
    f_best = optimal_critic_1d(p_data, q, x)
    dual = expectation(f_best, p_data, x) - expectation(f_best, q, x)
    print(f"{name:20s} best critic scores {dual:.4f}; W1 = {w1_from_densities(p_data, q, x):.4f}")
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(x, optimal_critic_1d(p_data, p_g, x), "k", label="best 1-Lipschitz f for p_data vs p_g")
ax.plot(x, p_data * 4, color="#1b7f3b", alpha=0.6, label="p_data (scaled)")
ax.plot(x, p_g * 4, color="#7b3294", alpha=0.6, label="p_g (scaled)")
ax.set_xlim(-6, 6)
ax.set_xlabel("x")
ax.set_title("slope +1 where F_Q > F_P, -1 where F_Q < F_P")
ax.legend(fontsize=8)
plt.show()
for c in (1, 10, 100):
    print(f"f(x) = {c:3d}·x scores {objective(lambda v, c=c: c * v, real_1d, fake_1d):8.2f}")

# %% [markdown]
# **Why the critic must be 1-Lipschitz, measured.** A network trained to maximise E_real[f] -
# E_fake[f] with nothing to stop it can always do better by growing, c·f. That is the article's
# discriminator loss, `fake_loss - real_loss` with no constraint (notebook 04 debugs its code).
# Two remedies keep the critic Lipschitz:
#
# - [weight clipping](https://medgan-course.github.io/medgan-course/site/glossary.html#term-weight-clipping) (WGAN, Arjovsky et al. 2017): after every
#   update, clip every weight to [-c, c] (c = 0.01). This bounds the Lipschitz constant by some
#   K that depends on the architecture, so the critic estimates K·W1;
# - the [gradient penalty](https://medgan-course.github.io/medgan-course/site/glossary.html#term-gradient-penalty)
#   ([WGAN-GP](https://medgan-course.github.io/medgan-course/site/glossary.html#term-WGAN-GP), Gulrajani et al. 2017): add
#   $\lambda\,\mathbb{E}[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2]$ to the critic's loss, at
#   random points $\hat x = x + \epsilon(\tilde x - x)$, ε ~ U[0, 1], between a real x and a fake
#   $\tilde x$ (λ = 10). It uses the package's `training.losses.gradient_penalty`, the one the
#   WGAN-GP recipe trains with.
#
# `train_critic` trains a small MLP critic (two hidden layers of 32, Adam) on the fixed samples
# `real_1d` and `fake_1d`, with one of the three. First a short run on a few points:

# %%
trial = train_critic(real_1d[:64], fake_1d[:64], "gp", steps=20)
print("objective every 5 steps:", np.round(trial["objective"][::5], 3) + 0.0,  # + 0.0: no "-0."
      "| weight norm after 20:", round(trial["weight_norm"][-1], 3))

# %%
critics = {name: [] for name in CONSTRAINTS}
for name, seed in tqdm([(n, s) for n in CONSTRAINTS for s in SEEDS], desc="critics"):
    critics[name].append(train_critic(real_1d, fake_1d, name, steps=CRITIC_STEPS, seed=seed))
labels = {"none": "(a) none (the article)", "clip": "(b) weight clipping, c = 0.01",
          "gp": "(c) gradient penalty, λ = 10"}
colours = {"none": "#b3261e", "clip": "#2166ac", "gp": "#1b7f3b"}

# %%
steps = np.arange(1, CRITIC_STEPS + 1)
fig, axes = plt.subplots(1, 3, figsize=(14, 3.3))
for name, runs in critics.items():
    for i, run in enumerate(runs):
        axes[0].plot(steps, np.maximum(run["objective"], 1e-5), color=colours[name], alpha=0.6,
                     label=labels[name] if i == 0 else None)
        axes[1].plot(steps, run["weight_norm"], color=colours[name], alpha=0.6)
axes[0].axhline(w1_true, color="k", ls=":", label=f"true W1 = {w1_true:.2f}")
axes[0].set(yscale="log", xlabel="critic updates", title="E_real[f] - E_fake[f] (one line per seed)")
axes[1].set(yscale="log", xlabel="critic updates", title="||critic weights||")
axes[0].legend(fontsize=7)
grid_1d = np.linspace(-4, 4, 81, dtype=np.float32)
for name in ("gp", "clip"):
    f_learnt = critics[name][0]["critic"](grid_1d[:, None]).numpy().ravel()
    scale = 1 if name == "gp" else 1000
    axes[2].plot(grid_1d, scale * (f_learnt - f_learnt[40]), color=colours[name],
                 label=labels[name] + ("" if scale == 1 else " ×1000"))
axes[2].plot(grid_1d, grid_1d, "k:", label="f(x) = x (attains W1)")
axes[2].set(xlabel="x", title=f"learnt critics, seed {SEEDS[0]} (f(0) = 0)")
axes[2].legend(fontsize=7)
plt.show()

# %%
print(f"true W1 of the samples: {w1_true:.4f}   ({len(SEEDS)} seeds, {CRITIC_STEPS} updates each)")
print(f"{'critic':<32} {'objective at the end':>22} {'/ W1':>10} {'weight norm':>17}")
final, late = {}, {}
for name, runs in critics.items():
    final[name] = np.array([run["objective"][-1] for run in runs])
    late[name] = np.array([run["objective"][int(0.8 * CRITIC_STEPS)] for run in runs])
    norm = np.array([run["weight_norm"][-1] for run in runs])
    print(f"{labels[name]:<32} {final[name].mean():>12.4g} ± {final[name].std(ddof=1):<8.2g}"
          f"{final[name].mean() / w1_true:>10.3g} {norm.mean():>10.3g} ± {norm.std(ddof=1):.2g}")
clipped = np.concatenate([w.ravel() for w in critics["clip"][0]["critic"].get_weights()])
print(f"clipped critic (seed {SEEDS[0]}): {np.mean(np.isclose(np.abs(clipped), 0.01)):.0%} "
      "of its weights sit at ±0.01")
# Qualitative claims, checked in both modes on seeds 0-4 (5 seeds) with 200 and 600 updates:
# the unconstrained objective ended above 10x W1 and grew over the last 20% of the updates by
# at least 1.5x; the GP critic ended within 0.9x-1.2x W1; the clipped one below 0.01x W1.
assert (final["none"] > 5 * w1_true).all() and (final["none"] > 1.2 * late["none"]).all()
assert (final["gp"] > 0.5 * w1_true).all() and (final["gp"] < 2 * w1_true).all()
assert (np.abs(final["clip"]) < 0.1 * w1_true).all()


# %% [markdown]
# Read the three lines against the true W1 (the dotted line). The article's unconstrained critic
# never settles: its objective and its weights keep growing, because a bigger f always scores
# more. Its score says how long it has trained, not how far apart P and Q are, and the generator
# it trains is pushed by ever larger gradients. Weight clipping stops the growth, but the clipped
# network can only express very flat functions: its estimate is W1 times a small, unknown K, and
# most of its weights end up pressed against ±c (the effect Gulrajani et al. observed). The
# gradient penalty keeps the critic's slope near 1 where it matters, and its objective stays
# near W1, a little above it (see the ratio printed above): the penalty is soft, and only checked
# between real and fake points, so the slope may exceed 1 slightly. The learnt f is nearly the
# line f(x) = x that the duality predicts.

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
# - The Wasserstein-1 (earth mover's) distance keeps a slope of 1 where the JSD is flat; by the
#   Kantorovich-Rubinstein duality a 1-Lipschitz critic estimates it. Without a constraint the
#   critic's objective and weights grow without bound (the article's loss); weight clipping
#   bounds it far below W1, the gradient penalty keeps it near W1.

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
# ### Exercise 4: Write `gradient_penalty(critic, real_images, fake_images)`
#
# Write WGAN-GP's penalty for images of shape (N, H, W, C), **without λ** (the critic's loss
# multiplies it by λ = 10): draw one ε ~ Uniform[0, 1] per image, form the interpolates
# x̂ = real + ε (fake - real), take the gradient of `critic(x̂, training=True)` with respect to
# x̂ (a `tf.GradientTape` that watches x̂), and return the mean over the images of
# (‖gradient of that image‖₂ - 1)² as one scalar. The check compares your function with the
# package's `training.losses.gradient_penalty` on small critics.

# %%
def gradient_penalty_mine(critic, real_images, fake_images):
    import tensorflow as tf  # noqa: F401  (you will need it)

    ...  # your code here


nb02.check_gradient_penalty(gradient_penalty_mine)

# %%
show_solution("nb02", "gradient_penalty_mine")

# %% [markdown]
# ## Next
#
# The toy networks were MLPs on points. Next we build the article's generator and discriminator
# for images, a DCGAN, and check every layer's shapes on BreastMNIST. [03_building_a_dcgan.ipynb](03_building_a_dcgan.ipynb)
