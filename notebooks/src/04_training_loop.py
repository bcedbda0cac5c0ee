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
# # 04 · The training loop
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/04_training_loop.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F04_training_loop.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Read the package's `GAN.train_step` line by line: two tapes, alternating updates, n_critic, the non-saturating loss and the EMA of the generator.
# - Measure why the discriminator's tape must not update the generator.
# - Train the course DCGAN on BreastMNIST while a live monitor shows losses and samples.
# - Checkpoint a run, interrupt it and resume it exactly.
# - Compare the article's recipe with the course's for the same time budget, honestly.
# - Find and fix the five bugs of the article's training code.

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
import inspect
import json
import pathlib
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from medgan_course import course, plots
from medgan_course.data import load_dataset_or_default, make_dataset
from medgan_course.evaluation import extract_features, frechet_distance
from medgan_course.evaluation.report import domain_extractor_for
from medgan_course.exercises import nb04, show_solution
from medgan_course.exercises.article_debug import ARTICLE_TRAIN_SOURCE
from medgan_course.training import losses, runner
from medgan_course.training.checkpoint import CheckpointSettings, staging_dir
from medgan_course.training.ema import update_ema, warmup_decay
from medgan_course.training.gan import GAN
from medgan_course.training.recipes import RECIPES
from medgan_course.training.run_folder import DataArgs, load_run
from medgan_course.widgets.monitor import TrainingMonitor, monitor_figure

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path

DATASET = course.dataset_flag("breastmnist")  # any 2-D MedMNIST flag, e.g. "pneumoniamnist"
SEED = 0
RECIPE = "dcgan"              # the course's default recipe (training.recipes.RECIPES)
TRAIN_SECONDS = 5 if SMOKE else 150     # wall-clock budget of the main training run
COMPARE_SECONDS = 2 if SMOKE else 60    # same budget for both recipes in section 8
MONITOR_EVERY = 3 if SMOKE else 100     # steps between two refreshes of the live monitor
RESUME_STEPS = 9              # steps of the interrupt-and-resume demonstration
EXTRACTOR_EPOCHS = 1 if SMOKE else 10   # feature extractor for FD (10 = the benchmark's setting)
EXPERIMENT_STEPS = 5 if SMOKE else 200    # generator steps per seed of Exercise 4 (the experiment)
EXPERIMENT_SEEDS = [0, 1] if SMOKE else [0, 1, 2]   # its seeds (each trains one GAN)

# %% [markdown]
# ## 1. Batches, not the whole dataset
#
# The article passed all training images to the discriminator at once, every "epoch". A GAN is
# trained on small random **batches**: many small noisy steps instead of one huge one, and a real
# batch the same size as the batch of fakes. `data.make_dataset` shuffles, batches and prefetches
# in-memory images with `tf.data`.

# %%
keras.utils.set_random_seed(SEED)
dataset = load_dataset_or_default(DATASET)
recipe = RECIPES[RECIPE]
print(f"{dataset.name}: {dataset.train.images.shape}, recipe {recipe.name!r}, "
      f"batch size {recipe.batch_size}")

# %% [markdown]
# Section 8 scores samples by a Fréchet distance in the features of a small CNN trained on the
# training split (`evaluation.report.domain_extractor_for`; notebook 06 explains it). It is
# trained once and cached, so prepare it now, with the training images' features. First use, on
# a small input: the training set against as many of its own images as the test split holds
# (156 on BreastMNIST; near 0).

# %%
extractor = domain_extractor_for(dataset, epochs=EXTRACTOR_EPOCHS, seed=SEED)
train_features = extract_features(extractor, dataset.train.images)   # (N_train, D) float64
n_test = len(dataset.test.images)   # BreastMNIST: 156, the size every FD here compares
print("features", train_features.shape, f"| FD(train, {n_test} train images) =",
      round(frechet_distance(train_features, extract_features(extractor, dataset.train.images[:n_test])), 4))

# %% [markdown]
# A pipeline over ten images, batches of four:

# %%
small = make_dataset(dataset.train.images[:10], batch_size=4, seed=SEED, repeat=False)
for batch in small:
    print("batch", tuple(batch.shape), f"range [{float(tf.reduce_min(batch)):.2f}, "
          f"{float(tf.reduce_max(batch)):.2f}]")
assert [tuple(b.shape) for b in small] == [(4, 28, 28, 1)] * 2   # drop_remainder: 10 -> 2 x 4

# %% [markdown]
# ## 2. `GAN.train_step`, line by line
#
# The package's `training.gan.GAN` is a `keras.Model` whose `train_step` does one generator update
# and `n_critic` discriminator updates; `fit` calls it once per batch. Here it is:

# %%
print(inspect.getsource(GAN.train_step))

# %% [markdown]
# - `self._unpack(data)`: the real images (and labels, for class-conditional GANs).
# - `critic_batches(...)`: the batch holds one real batch per discriminator step, `n_critic` of
#   them (1 for the DCGAN recipes; 5 for WGAN-GP, whose critic must stay close to optimal and sees
#   a fresh real batch at each step, as in the WGAN-GP paper's Algorithm 1). `earlier` holds all
#   but the last; from then on `real_images, labels` is the last one.
# - `[self.discriminator_step(real, classes) for ... in earlier]`: the first `n_critic - 1`
#   discriminator steps, each with its own fresh fakes (none when `n_critic = 1`).
# - `with tf.GradientTape() as g_tape:`: the step's **one** generator forward pass, recorded on the
#   generator's tape.
# - `self.discriminator_step(real_images, labels, fake_images)`: the discriminator is updated
#   **first**, on those fakes.
# - `self._generator_update(g_tape, fake_images, labels)`: then **one** generator update on the
#   **same** fakes, judged by the **updated** discriminator (as in PyTorch's DCGAN example).
# - `self._update_ema()`: then the moving average of the generator's weights (section 4).
# - The trackers average the logs for Keras's progress display; the returned dict holds this
#   step's values, which `LossHistory` and the live monitor record.
#
# The two steps, each with its **own** tape:

# %%
print(inspect.getsource(GAN.discriminator_step))

# %% [markdown]
# - Given no `fake_images`, it makes fresh ones; either way they are made **outside** the tape:
#   no gradient flows back into the generator.
# - `self._apply(tape, scaled, self.discriminator, self.d_optimizer)`: the gradient is taken with
#   respect to the discriminator's variables only, and only the discriminator's optimizer applies it.
# - `discriminator_loss(self.loss_name, real_logits, fake_logits)`: one scalar from the logits of
#   both batches (`training.losses`: binary cross-entropy, hinge, Wasserstein, ...). The
#   [hinge loss](https://medgan-course.github.io/medgan-course/site/glossary.html#term-hinge-loss) charges D max(0, 1 - logit) on reals and max(0, 1 + logit)
#   on fakes, so D stops pushing on samples it scores beyond the margin; G minimises -logit.
# - `self.scaled_loss(...)` matters only for mixed precision and several devices.

# %%
print(inspect.getsource(GAN.generator_step))
print(inspect.getsource(GAN._generator_update))

# %% [markdown]
# - `generator_step` (used on its own just below) draws fresh z and runs the generator's forward
#   pass **inside** its tape, since the gradient must reach its weights; `train_step` instead hands
#   `_generator_update` the tape of its last discriminator step's fakes. `_generator_update`
#   re-enters that tape (`with tape:`) so the discriminator's judgement joins the recorded forward
#   pass; only `self.generator.trainable_variables` receive the gradient. The article toggled
#   `discriminator.trainable = False` for this; a tape ignores that flag, and differentiating only
#   the generator's variables is what keeps D still.
# - `generator_loss(...)`: for the binary cross-entropy recipes the **non-saturating** loss
#   `-log D(G(z))` (section 3).
#
# Run each step once on one real batch, and check which network moved. (This demonstration GAN
# also keeps an EMA of its generator, the subject of section 4; the default recipe does not.)

# %%
gan = runner.build_gan(recipe.replace(ema_decay=0.999), image_size=28, channels=1, seed=SEED)
real_batch = tf.constant(dataset.train.images[:recipe.batch_size])


def weights_of(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def moved(before, model):
    return any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights))


g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
d_logs = gan.discriminator_step(real_batch)
print("after discriminator_step: D moved", moved(d_before, gan.discriminator),
      "| G moved", moved(g_before, gan.generator), "| d_loss", round(float(d_logs["d_loss"]), 3))
assert moved(d_before, gan.discriminator) and not moved(g_before, gan.generator)

g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
g_loss = gan.generator_step(recipe.batch_size)
print("after generator_step    : D moved", moved(d_before, gan.discriminator),
      "| G moved", moved(g_before, gan.generator), "| g_loss", round(float(g_loss), 3))
assert moved(g_before, gan.generator) and not moved(d_before, gan.discriminator)

# %% [markdown]
# **Why D's tape must not touch G's variables.** The article opened both tapes around the whole
# discriminator update. If the generator's variables received the gradient of the
# *discriminator's* loss, the generator would be trained to make the discriminator's job easier.
# Measure the angle between that gradient and the generator's own:

# %%
z = tf.random.normal((recipe.batch_size, recipe.latent_dim), seed=SEED)
with tf.GradientTape(persistent=True) as tape:
    fakes = gan.generator(z, training=True)
    real_logits = gan.discriminator(real_batch, training=True)
    fake_logits = gan.discriminator(fakes, training=True)
    d_loss = losses.discriminator_loss(recipe.loss, real_logits, fake_logits)
    g_loss = losses.generator_loss(recipe.loss, fake_logits)
variables = gan.generator.trainable_variables


def flat(grads):
    return tf.concat([tf.reshape(g, [-1]) for g in grads], 0)


grad_d, grad_g = flat(tape.gradient(d_loss, variables)), flat(tape.gradient(g_loss, variables))
cosine = float(tf.reduce_sum(grad_d * grad_g) / (tf.norm(grad_d) * tf.norm(grad_g)))
print(f"cosine(gradient of d_loss, gradient of g_loss) w.r.t. the generator = {cosine:.3f}")
assert cosine < -0.5   # opposite directions: D's update would undo G's
del tape

# %% [markdown]
# The two gradients point in (nearly) opposite directions: applying the discriminator's
# gradient to the generator would undo the generator's step. Each tape must differentiate
# exactly one network's variables.

# %% [markdown]
# ## 3. The non-saturating generator loss
#
# Goodfellow et al.'s minimax game has the generator minimise `log(1 - D(G(z)))`. Early in
# training the discriminator rejects fakes confidently (logit l << 0), where that loss is flat.
# The **non-saturating** loss `-log D(G(z))` has the same fixed point and a strong gradient there.
# The gradient with respect to a fake's logit, from the package's losses:

# %%
for logit in (-6.0, -2.0, 0.0, 2.0):
    row = []
    for name in ("minimax", "non_saturating", "hinge"):
        l = tf.constant([[logit]])  # noqa: E741  l: the lesson's name for a logit
        with tf.GradientTape() as tape:
            tape.watch(l)
            loss = losses.generator_loss(name, l)
        row.append(f"{name} {float(tape.gradient(loss, l)[0, 0]):+.3f}")
    print(f"D's logit on a fake {logit:+.0f}:  " + "   ".join(row))

# %% [markdown]
# At logit -6 (D is sure the fake is fake) the minimax gradient is about -0.002, the
# non-saturating one about -1: the generator learns from its worst samples instead of stalling.
# Notebook 02 showed this on a toy GAN. The course's default recipe uses the non-saturating loss
# too, as the article's model does when trained the way TensorFlow's tutorial trains it. The
# hinge loss (gradient -1 everywhere) belongs to the recipe `sn-hinge-ema`, the course's default until a
# study at equal wall-clock budgets measured it behind the plain DCGAN (docs/RECIPES.md; the
# numbers are in section 6). The three recipes:

# %%
for name in ("seed-dcgan", RECIPE, "sn-hinge-ema"):
    r = RECIPES[name]
    print(f"{name:>12}: model {r.model}, loss {r.loss}, batch {r.batch_size}, "
          f"Adam lr {r.g_learning_rate:g} beta_1 {r.beta_1}, spectral norm {r.spectral_norm}, "
          f"EMA {r.ema_decay}, base_filters {r.base_filters if r.model == 'dcgan' else '-'}")

# %% [markdown]
# ## 4. The exponential moving average (EMA) of the generator
#
# GAN weights keep oscillating. A common stabiliser keeps a second copy of the generator whose
# weights are a moving average, `ema = decay * ema + (1 - decay) * weights` after every step,
# and samples from it (Yazici et al. 2019). Set `Recipe.ema_decay` (e.g. 0.999) to get one; the
# default recipe leaves it off, for reasons measured in section 6. The package's update:

# %%
print(inspect.getsource(update_ema))

# %% [markdown]
# The average starts at the random initial weights. With a fixed decay, after t steps a share
# `decay ** t` of it would still be that initialisation: 37% after 1,000 steps at 0.999, so a
# short run would sample from a blend of noise and training. The package therefore **warms up**
# the decay, as `tf.train.ExponentialMovingAverage` does: at generator step t it uses
# min(decay, (1 + t) / (10 + t)), an average over roughly the last t / 9 steps until the target
# decay is reached.

# %%
print(inspect.getsource(warmup_decay))

# %%
# The EMA copy is not trainable itself: pair its weights with the generator's trainable ones.
pairs = [(e, w) for e, w in zip(gan.ema_generator.weights, gan.generator.weights) if w.trainable]
ema_before = [e.numpy().copy() for e, _ in pairs]
step = int(gan.g_optimizer.iterations) + 1            # the generator update about to happen
decay = float(warmup_decay(gan.ema_decay, step))
gan.train_step(real_batch)
expected = [decay * b + (1 - decay) * w.numpy() for (_, w), b in zip(pairs, ema_before)]
error = max(float(np.abs(e.numpy() - x).max()) for (e, _), x in zip(pairs, expected))
print(f"generator step {step}: decay used {decay:.3f} (target {gan.ema_decay}); "
      f"the EMA matches decay * ema + (1 - decay) * weights to within {error:.1e}")
assert error < 1e-5
del gan, pairs   # the demonstration GAN is not needed any more (memory)

# %% [markdown]
# ## 5. Training on BreastMNIST with a live monitor
#
# `training.runner.train(recipe, dataset, seconds=...)` builds the recipe's GAN and calls `fit`
# with the package's callbacks (time budget, per-step losses, NaN guard, fixed-z samples).
# `widgets.monitor.TrainingMonitor` is one more Keras callback: every `MONITOR_EVERY` steps it
# redraws the loss curves and a grid of samples from the **same** 16 latent vectors. Without a
# widget front end (a script, or CI) it prints a line instead and shows the figure at the end.
#
# Its drawing function, on a made-up history first:

# %%
fake_history = {"d_loss": 1.4 - 0.3 * np.tanh(np.arange(50) / 10), "g_loss": 0.7 + 0.01 * np.arange(50)}
monitor_figure(np.arange(1, 51), fake_history, dataset.train.images[:16], step=50)

# %% [markdown]
# Two runs, each with a wall-clock budget. First the baseline for section 8: the article's model
# trained the way TensorFlow's tutorial trains it (recipe `seed-dcgan`: non-saturating loss, Adam
# 1e-4, batch 256) for `COMPARE_SECONDS`. Only 156 of its samples are kept (the test split's size).

# %%
seed_result = runner.train(RECIPES["seed-dcgan"], dataset, seconds=COMPARE_SECONDS, seed=SEED)
seed_images = seed_result.gan.generate(len(dataset.test.images), seed=SEED)
seed_steps = seed_result.steps
print(f"seed-dcgan: {seed_steps} steps in {seed_result.seconds:.0f} s")
del seed_result   # the article's model is large: free it before the next run
gc.collect();


# %% [markdown]
# Now the course recipe, with the live monitor. A small callback also keeps 156 samples from the
# moment the run passes `COMPARE_SECONDS`, for the comparison of section 8.

# %%
class SnapshotAt(keras.callbacks.Callback):
    """Draws `n` samples the first time the wall clock passes `seconds` since fit began."""

    def __init__(self, seconds, n, seed=SEED):
        super().__init__()
        self.seconds, self.n, self.seed = seconds, n, seed
        self.images, self.steps = None, 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.images is None and time.perf_counter() - self.start >= self.seconds:
            self.images, self.at_step = self.model.generate(self.n, seed=self.seed), self.steps


# %%
monitor = TrainingMonitor(every_n_steps=MONITOR_EVERY, seed=SEED)
course_snapshot = SnapshotAt(COMPARE_SECONDS, n=len(dataset.test.images))
result = runner.train(recipe, dataset, seconds=TRAIN_SECONDS, seed=SEED,
                      extra_callbacks=[monitor, course_snapshot])
print(f"{result.steps} steps in {result.seconds:.0f} s ({result.images_per_second:.0f} images/s), "
      f"stopped by: {result.stopped}")

# %%
assert result.stopped == "seconds" and result.steps >= 1
assert monitor.steps[-1] == result.steps and len(monitor.history["d_loss"]) == result.steps
assert np.allclose(monitor.history["g_loss"], result.history["g_loss"])  # same per-step logs
monitor.figure()   # the monitor's last picture, kept in the saved notebook

# %% [markdown]
# ## 6. Samples over time and the losses
#
# The runner recorded samples from fixed latent vectors about every 100 steps
# (`result.samples_over_time`, from the generator the recipe samples with: its EMA when it keeps
# one): each row is one z, each column a moment of training.

# %%
plots.progress_figure(result.samples_over_time)

# %% [markdown]
# The losses are on the left of the monitor's picture above. GAN losses are not a progress bar:
# the two networks move the target for each other, so the curves hover instead of falling to
# zero. What to look for: both finite and roughly steady, and neither network "winning" outright.
# With this recipe's binary cross-entropy, d_loss = 2 ln 2 ≈ 1.386 (the sum over the real and
# the fake batch) means the discriminator says 0.5 to everything (it cannot tell real from fake
# at all), and d_loss near 0 means it is sure of every image, which leaves the generator little
# signal (notebook 05 is about that).

# %% [markdown]
# Does sampling from the moving average help? One picture cannot say; the recipe study
# (`bench/recipes.py`, docs/RECIPES.md) trained the plain DCGAN with **3 seeds** for 60 and 300 s
# and sampled each run three ways at the same step: the raw generator, an EMA (0.999) that
# copies the generator's BatchNorm statistics, and the same EMA with its BatchNorm statistics
# recalibrated under the averaged weights (`training.ema.recalibrate_batch_norm`); and the former
# default, `sn-hinge-ema` (the study's arm `dcgan`). FD (domain features), mean ± SD over the
# seeds (lower is better; the floor is what real held-out images score):

# %%
RECIPES_DIR = course.results_dir("recipes")   # installed with the package, like quality/ below
study = {}
for path in sorted(RECIPES_DIR.glob("breastmnist_*_seed*.json")):
    run = json.loads(path.read_text())
    for arm, by_budget in run["scores"].items():
        for budget, s in by_budget.items():
            study.setdefault((arm, int(budget)), []).append((s["fid"], s["floor_fid"]))
labels = {"plain": "plain", "plain+ema": "EMA, copied", "plain+ema-bn": "EMA, recalibrated",
          "dcgan": "sn-hinge-ema"}   # the study's arm names -> what they are
for arm, label in labels.items():
    cells = []
    for budget in (60, 300):
        fds = np.array([fd for fd, _ in study.get((arm, budget), [])])
        cells.append(f"{budget:>3} s: {fds.mean():.2f} ± {fds.std(ddof=1):.2f} ({len(fds)} seeds)"
                     if len(fds) > 1 else f"{budget:>3} s: not measured")
    print(f"{label:<18}" + "   ".join(cells))
print("floor:", sorted({round(floor, 2) for v in study.values() for _, floor in v}))

# %% [markdown]
# At 60 s the EMA that copies the BatchNorm statistics was worse than the raw generator on every
# seed: the averaged weights were normalised with statistics of other weights. Recalibrating
# them closed most of that gap. At 300 s the three were within each other's spread. The former
# default was the worst arm at both budgets. Since no variant beat the plain DCGAN by more than
# the spread between seeds (docs/RECIPES.md pairs the seeds and gives each verdict), the default
# `dcgan` is now the plain DCGAN without an EMA; `Recipe.ema_decay` and `ema_batch_norm=
# "recalibrate"` stay one switch away.

# %% [markdown]
# ## 7. Checkpoints and exact resuming
#
# Long runs get interrupted. Give `runner.train` a `checkpoint=CheckpointSettings(folder, ...)`
# and it writes a checkpoint there every `every_steps` steps or `every_seconds` seconds (30 s by
# default): both networks, the EMA generator, **both optimizers' state** (Adam's moments), the
# latent stream's counter, the step, and the losses and sample grids so far. The step is also
# the data position: batch s holds images chosen by `(seed, s)` alone (`training.data_order`),
# so nothing else needs saving. Called again with the same arguments and folder, `train`
# resumes from the last checkpoint; called with other arguments, it refuses.
# `medgan-course train` does exactly this: it checkpoints into `.OUT.partial/` beside `--out`,
# and running the same command again after a crash resumes.
#
# Demonstration: train `RESUME_STEPS` steps straight; train again with a checkpoint every 3
# steps but "crash" after 5; resume; compare.

# %%
# Small batches keep the demonstration quick; the EMA is on so that its restoring is shown too.
resume_recipe = recipe.replace(batch_size=16, ema_decay=0.999)
resume_args = dict(steps=RESUME_STEPS, seed=SEED, precision="float32", sample_every=3,
                   progress=False)


class Crash(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 4:   # the 5th step of this session
            raise KeyboardInterrupt("simulated crash after 5 steps")


straight = runner.train(resume_recipe, dataset, **resume_args)

work = pathlib.Path(tempfile.mkdtemp(prefix="medgan-resume-"))
settings = CheckpointSettings(staging_dir(work / "run"), every_steps=3)
try:
    runner.train(resume_recipe, dataset, checkpoint=settings, extra_callbacks=[Crash()],
                 **resume_args)
except KeyboardInterrupt as err:
    print("interrupted:", err, "| files kept:", sorted(p.name for p in settings.folder.iterdir()))

resumed = runner.train(resume_recipe, dataset, checkpoint=settings, **resume_args)
print("resumed from step", resumed.resumed_from, "| steps:", resumed.steps,
      "| optimizer steps:", int(resumed.gan.g_optimizer.iterations),
      "(straight:", int(straight.gan.g_optimizer.iterations), ")")


# %%
def max_difference(a, b):
    return max(float(np.abs(x - y).max()) for x, y in zip(a.get_weights(), b.get_weights()))


print(f"resumed vs straight, generator weights : max |difference| = "
      f"{max_difference(resumed.gan.generator, straight.gan.generator):.1e}")
print(f"resumed vs straight, EMA generator     : max |difference| = "
      f"{max_difference(resumed.gan.ema_generator, straight.gan.ema_generator):.1e}")
print("per-step losses identical, the steps before the crash included:",
      np.array_equal(resumed.history["g_loss"], straight.history["g_loss"]))
assert max_difference(resumed.gan.generator, straight.gan.generator) < 1e-5
assert int(resumed.gan.g_optimizer.iterations) == int(straight.gan.g_optimizer.iterations)
assert resumed.resumed_from == (3,) and len(resumed.history["g_loss"]) == RESUME_STEPS

# %%
runner.save_run(resumed, work / "run", data=DataArgs(dataset.name), n_samples=16)
print("now in the work folder:", sorted(p.name for p in work.iterdir()))   # the staging is gone
saved = load_run(work / "run").generator()   # safe_mode=True
z16 = np.random.default_rng(SEED).standard_normal((16, recipe.latent_dim)).astype("float32")
assert np.allclose(saved(z16, training=False), resumed.gan.generate(z16), atol=1e-6)
del straight, resumed, saved   # free the demonstration GANs (memory)
gc.collect();

# %% [markdown]
# The resumed run ends with the same weights and the same per-step losses as the uninterrupted
# one, because the optimizers' moments, the step counters, the data position and the latent
# stream were restored, not only the weights. (The GAN builds its optimizers in `compile`; with
# Keras's lazy default a restored GAN silently restarts Adam.) It repeated 2 steps, the ones
# after its last checkpoint: at most one checkpoint interval is ever repeated. Keras's own
# `BackupAndRestore` resumes only at epoch boundaries and keeps no losses or sample grids, so
# the course does not use it.

# %% [markdown]
# ## 8. The article's recipe versus the course's, same time budget
#
# Both recipes had `COMPARE_SECONDS` of wall-clock time on this machine: the article's in its own
# run of section 5, the course's up to the snapshot of its run (which also paid for the live
# monitor; that only handicaps it).

# %%
course_images = course_snapshot.images
print(f"seed-dcgan: {seed_steps} steps; {RECIPE}: {course_snapshot.at_step} steps "
      f"in {COMPARE_SECONDS} s each")

# %%
plots.samples_figure(np.concatenate([seed_images[:8], course_images[:8], dataset.test.images[:8]]),
                     ncol=8, title=f"after {COMPARE_SECONDS} s - row 1: article's recipe; "
                                   f"row 2: course recipe; row 3: real test images")

# %% [markdown]
# A number to go with the picture: the Fréchet distance (FD) between the features of the
# training images and of 156 generated images (the test split's size), next to the same distance
# for the 156 real test images, the **floor** a perfect generator would reach. The features are
# the small CNN's of section 1, so the course calls it **FD (domain features)**. It is not
# comparable with published FIDs: those use the features of ImageNet's Inception network.

# %%
n = len(dataset.test.images)
assert len(seed_images) == len(course_images) == n   # the same sample size on every row
image_sets = {"real test images (floor)": dataset.test.images,
              f"seed-dcgan after {COMPARE_SECONDS} s": seed_images,
              f"{RECIPE} after {COMPARE_SECONDS} s": course_images}
scores = {name: frechet_distance(train_features, extract_features(extractor, images))
          for name, images in image_sets.items()}
for name, value in scores.items():
    print(f"{name:<28} FD {value:.4f}")
assert all(np.isfinite(v) for v in scores.values())

# %% [markdown]
# Look at the pictures as well as the numbers: after very few steps the article's generator makes
# smooth grey images close to the average image, and those can score a *lower* distance than a
# half-trained generator's grainy textures (it happened in one of our runs on a heavily loaded
# machine, where the course recipe had made only a few hundred steps in the budget).
#
# **Read this as one seed.** GAN training is noisy: another seed, another machine load or a few
# seconds more can reorder close results, and a single run cannot tell a real difference from
# that noise. These distances are also comparable only within one extractor (retraining it can
# change their scale by orders of magnitude), so compare the rows above with each other and with their
# floor, not with the numbers below.
#
# The benchmark behind the course's claim ran each recipe with **3 seeds** at 60 and 300 s
# (`medgan_course/results/quality/*.json`; the command and the commit that made them are printed
# below). Mean ± SD over the seeds:

# %%
QUALITY_DIR = course.results_dir("quality")  # installed with the package: Colab has them too
bench_runs = [json.loads(p.read_text()) for p in sorted(QUALITY_DIR.glob("*.json"))]
commits = sorted({run["machine"]["commit"] for run in bench_runs})
budgets = sorted({run.get("budget", "seconds") for run in bench_runs})
print(f"made by bench/quality.py (the exact command is in docs/PERFORMANCE.md); budget: "
      f"{', '.join(budgets)}; commit {', '.join(commits)}; "
      f"{bench_runs[0]['machine']['cpu']}, {bench_runs[0]['machine']['cores']} cores\n")
print(f"{'recipe':<11}{'budget':>7}{'steps':>8}{'FD':>18}{'floor':>9}{'precision':>12}"
      f"{'recall':>12}{'seeds':>7}")
for name in ("seed-dcgan", "dcgan"):
    runs = [run for run in bench_runs if run["recipe"] == name]
    for budget in sorted({int(b) for run in runs for b in run["scores"]}):
        s = [run["scores"][str(budget)] for run in runs if str(budget) in run["scores"]]

        def col(key, s=s):
            return np.array([x[key] for x in s], float)

        print(f"{name:<11}{budget:>6}s{col('steps').mean():>8.0f}"
              f"{col('fid').mean():>10.4f} ± {col('fid').std(ddof=1):.4f}"
              f"{col('floor_fid').mean():>9.4f}"
              f"{col('precision').mean():>7.2f} ± {col('precision').std(ddof=1):.2f}"
              f"{col('recall').mean():>7.2f} ± {col('recall').std(ddof=1):.2f}{len(s):>7}")

# %%
for budget in sorted({b for run in bench_runs for b in run["scores"]}, key=int):
    fids = {name: [run["scores"][budget]["fid"] for run in bench_runs
                   if run["recipe"] == name and budget in run["scores"]]
            for name in ("dcgan", "seed-dcgan")}
    if fids["dcgan"] and fids["seed-dcgan"]:
        print(f"at {budget:>3} s: worst dcgan seed FD {max(fids['dcgan']):.4f}, "
              f"best seed-dcgan seed FD {min(fids['seed-dcgan']):.4f}")
        assert max(fids["dcgan"]) < min(fids["seed-dcgan"])   # the course's claim, every seed

# %% [markdown]
# On the benchmark machine every seed of the course recipe was ahead of every seed of the
# article's recipe at both budgets (the cell above asserts it whenever the results are present),
# and the article's recipe had made only the
# few steps of the `steps` column: each of its steps costs several times more (a 2.3 M-parameter
# generator, batch 256, notebook 03). Speed is not the only difference (kernel size, width,
# batch size, learning rate, latent size); this benchmark does not separate them.

# %% [markdown]
# ## 9. The article's training code
#
# The article's own training function is below (comments translated). It never trained anything:
# it does not even run. Exercise 3 asks you to fix it; its check runs your function on tiny
# models and tells you which bugs are still there. Read it first, and list what you think is
# wrong, line by line. (Hint: there are five bugs that the check looks for, plus a few harmless
# oddities such as an unused tape and a `trainable` toggle that changes nothing here.)
#
# The article called it as
# `train(generator_model(), discriminator_model(), generator_optimizer, discriminator_optimizer,
# train_images, test_images)`, with MNIST's training images scaled to [0, 1].

# %%
print(ARTICLE_TRAIN_SOURCE)


# %% [markdown]
# ## Summary
#
# - `GAN.train_step` = `n_critic` discriminator steps (each on its own real batch) + one generator step on the last one's fakes, judged by the updated discriminator, + the EMA update, each
#   step with its own tape over one network's variables (the two gradients point in opposite
#   directions for the generator, cosine measured above).
# - The non-saturating / hinge generator losses keep a strong gradient when the discriminator
#   rejects the fakes; the minimax loss does not.
# - `runner.train(..., extra_callbacks=[monitor])` trains with the live monitor; samples from
#   fixed z show what the losses cannot: what the generator actually makes. The EMA of the
#   generator warms its decay up, so a short run does not sample from its random start.
# - `runner.train(..., checkpoint=...)` resumes a killed run exactly, optimizer state and data
#   position included; `medgan-course train` resumes when the same command runs again.
# - The default recipe is the plain non-saturating DCGAN: at equal wall-clock budgets (3 seeds) no
#   added stabiliser beat it, and an EMA that copies BatchNorm statistics was worse at 60 s.
# - For the same wall-clock time the course recipe beat the article's on the benchmark (3 seeds);
#   the run above is one seed.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*. The last one is an experiment: it has no check and no solution; you write a prediction, run it, and judge the prediction against the spread between seeds.

# %% [markdown]
# ### Exercise 1: The EMA update
#
# Write `ema_update(ema_weights, weights, decay)`: given two lists of numpy arrays (the average
# and the current weights), return the list of new averages. Then: with `decay = 0.999`, about
# how many recent steps does the average remember?

# %%
def ema_update(ema_weights, weights, decay):
    ...  # your code here: return a list of arrays


nb04.check_ema_update(ema_update)

# %%
show_solution("nb04", "ema_update")


# %% [markdown]
# ### Exercise 2: A callback that acts every n steps
#
# The live monitor is a Keras callback that redraws every n steps. Write `EveryN(every_n_steps)`,
# a `keras.callbacks.Callback` whose `on_train_batch_end(batch, logs)` appends
# `(step, logs["g_loss"])` to a list `self.records` at steps n, 2n, 3n, ... Count steps from 1,
# across epochs: Keras's `batch` argument restarts at 0 in every epoch.

# %%
class EveryN(keras.callbacks.Callback):
    def __init__(self, every_n_steps):
        super().__init__()
        ...  # your code here

    def on_train_batch_end(self, batch, logs=None):
        ...  # your code here


nb04.check_every_n_callback(EveryN)

# %%
show_solution("nb04", "EveryN")


# %% [markdown]
# ### Exercise 3: Debug the article's training code
#
# Fix the article's `train` below so that it trains a GAN. The check calls it by argument name
# with tiny models: `generator, discriminator, generator_optimizer, discriminator_optimizer,
# real_images` and `epochs`, plus `batch_size` and `noise_dim` if your function takes them
# (and `fake_images`, the test images, if it still takes that). Take `batch_size` and
# `noise_dim` as parameters: global values sized for MNIST would not fit the check's tiny
# models. It reports each of the five bugs
# as fixed or still present, with what it measured. A Wasserstein critic is allowed if you bound
# it (gradient penalty or weight clipping); binary cross-entropy is the simplest fix.

# %%
def train(generator, discriminator, generator_optimizer, discriminator_optimizer, real_images, fake_images, epochs=10000):
    for epoch in range(epochs):
        # Train the discriminator
        discriminator.trainable = True
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            noise = tf.random.normal([batch_size, noise_dim])
            generated_images = generator(noise, training=True)
            real_loss = discriminator(real_images, training=True)
            fake_loss = discriminator(generated_images, training=True)
            discriminator_loss = fake_loss - real_loss
        gradients_of_discriminator = disc_tape.gradient(discriminator_loss, discriminator.trainable_variables)
        discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator, discriminator.trainable_variables))

        # Train the generator
        discriminator.trainable = False
        with tf.GradientTape() as gen_tape:
            noise = tf.random.normal([batch_size, noise_dim])
            generated_images = generator(noise, training=True)
            generator_loss = discriminator(generated_images, training=True)
        gradients_of_generator = gen_tape.gradient(generator_loss, generator.trainable_variables)
        generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))


nb04.check_article_train(train)

# %%
show_solution("nb04", "train")

# %% [markdown]
# ### Exercise 4 (experiment): Sample from the moving average?
#
# **The one change:** `Recipe.ema_decay`, from `None` (the default recipe samples its raw
# generator) to `0.999` (it samples the warmed-up moving average of section 4). The EMA only
# watches the generator's weights and never changes the training, so one run per seed gives both
# sets of samples, and the comparison is paired: same weights history, same latent vectors.
#
# **Why it might matter:** the average smooths out the oscillation of the weights, but it mixes in
# weights from earlier steps, and it copies the raw generator's BatchNorm statistics (section 6).
# With the warm-up of section 4 the decay used at step t is min(0.999, (1 + t) / (10 + t)): about
# 0.96 after 200 steps, so a short run averages over its last few dozen steps only.
#
# Each seed of `EXPERIMENT_SEEDS` trains the course recipe for `EXPERIMENT_STEPS` generator steps;
# as many samples as the test split holds (156 on BreastMNIST) from each generator are scored by FD
# (domain features) against the training split, with the extractor of section 1.
#
# **Write your prediction before you run.** Lower, higher, or no clear difference for the EMA?

# %%
prediction = "..."  # your prediction, e.g. "the EMA's FD is lower on every seed"

# %%
from tqdm.auto import tqdm

from medgan_course.evaluation.classification import paired_differences, t_interval

ema_recipe = recipe.replace(ema_decay=0.999)   # the one change
experiment = {"raw generator": [], "EMA 0.999": []}
for seed in tqdm(EXPERIMENT_SEEDS, desc="Exercise 4: one GAN per seed"):
    run = runner.train(ema_recipe, dataset, steps=EXPERIMENT_STEPS, seed=seed, progress=False)
    for name, use_ema in (("raw generator", False), ("EMA 0.999", True)):
        images = run.gan.generate(n_test, seed=seed, use_ema=use_ema)
        experiment[name].append(frechet_distance(train_features, extract_features(extractor, images)))
    del run
    gc.collect()
print(f"your prediction: {prediction}\n{EXPERIMENT_STEPS} generator steps, seeds {EXPERIMENT_SEEDS}")
for name, fds in experiment.items():
    mean, low, high = t_interval(fds)
    print(f"{name:14s} FD {mean:.3f} ± {np.std(fds, ddof=1):.3f} (mean ± SD; 95% interval {low:.3f} "
          f"to {high:.3f}); per seed {np.round(fds, 3).tolist()}")
pair = paired_differences(experiment["EMA 0.999"], experiment["raw generator"])
lower = int(np.sum(pair.differences < 0))
print(f"paired by seed, EMA minus raw: {pair.mean:+.3f} (95% interval {pair.low:+.3f} to {pair.high:+.3f});"
      f" EMA lower on {lower} of {len(EXPERIMENT_SEEDS)} seeds")

# %% [markdown]
# **What to look for.** Your prediction held only if the 95% interval of the paired difference
# lies entirely on the side you predicted; if it contains 0, these seeds cannot tell the two
# generators apart, whatever the means say (with 3 seeds the t-factor is 4.3, so only a large,
# consistent difference counts). Then compare with the full-size answer: the recipe study in
# docs/RECIPES.md ran the plain DCGAN with and without an EMA 0.999 (BatchNorm statistics copied,
# and recalibrated) for 60 and 300 s, 3 seeds, and gives a paired verdict for each; its 60 s runs
# made several times more steps than this experiment. Does the step count change the answer? Try
# another `EXPERIMENT_STEPS`, or another decay.

# %% [markdown]
# ## Next
#
# Notebook 05 provokes four classic failures on purpose (vanishing gradients, an overpowering
# discriminator, mode collapse, oscillation), recognises each from numbers, and compares remedies
# on an equal budget. [05_when_training_fails.ipynb](05_when_training_fails.ipynb)
