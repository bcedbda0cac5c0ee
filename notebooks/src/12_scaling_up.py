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
# # 12 · Scaling up: GPUs, mixed precision, XLA and several devices
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/12_scaling_up.ipynb) [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/medgan-course/medgan-course/main?urlpath=lab%2Ftree%2Fnotebooks%2F12_scaling_up.ipynb)

# %% [markdown]
# ## Learning objectives
#
# - Explain why TensorFlow's devices must be configured before TensorFlow first runs, and split a CPU into logical devices to try MirroredStrategy without a GPU.
# - Read the few lines that change between single-device and distributed GAN training: strategy scope, global batch = per-replica batch × replicas, per-replica loss scaling.
# - Choose a precision policy (float32, mixed_float16 with loss scaling, mixed_bfloat16) and keep the discriminator's logits in float32.
# - Measure training throughput properly (warm-up excluded, fresh repeats, median and spread) and claim no speed-up that was not measured.
# - Know what changes on a GPU, on several machines and on a Colab TPU.

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
import difflib
import gc
import inspect
import json
import os
import pathlib

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from medgan_course import course
from medgan_course.data import load_dataset_or_default
from medgan_course.exercises import nb12, show_solution
from medgan_course.training import runner
from medgan_course.training.adversarial import AdversarialModel
from medgan_course.training.distribute import get_strategy, precision, split_cpu
from medgan_course.training.recipes import get_recipe
from medgan_course.training.throughput import compare, images_per_second, measure_throughput

# Importing TensorFlow (the modules above do) does not fix its devices yet; running the
# first operation does. Section 1 configures them before that happens.

course.print_versions()

# %% [markdown]
# ## Parameters
#
# Everything you may want to change is here. `SMOKE` is true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it only shrinks the numbers below, so CI runs exactly the cells you run.
# `DATASET` is this notebook's dataset; the environment variable `MEDGAN_DATASET` (e.g. `MEDGAN_DATASET=pneumoniamnist`) replaces it in every notebook at once, and every size below that depends on the data follows the dataset loaded.

# %% tags=["parameters"]
SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path
DATASET = course.dataset_flag("breastmnist")  # any single-label 2D MedMNIST flag
RECIPE = "dcgan"          # the course's default recipe: batch 64 on one device
N_CPU_DEVICES = 2         # logical CPU devices for MirroredStrategy (section 1)
WARMUP_STEPS = 1 if SMOKE else 3      # steps left out of every timing (tracing, XLA compilation)
TIMED_STEPS = 2 if SMOKE else 20
BF16_TIMED_STEPS = 1 if SMOKE else 6   # bfloat16 is emulated, hence slow, on most CPUs
REPEATS = 1 if SMOKE else 3            # fresh models per configuration

# %% [markdown]
# ## 1. Devices are fixed the first time TensorFlow runs
#
# TensorFlow decides which devices exist (physical CPUs and GPUs, and the *logical* devices carved
# out of them) the first time it runs anything: creating a tensor, building a model, even listing
# the logical devices. After that the configuration is frozen for the life of the process. So
# anything that configures devices (splitting a CPU or a GPU into logical devices, GPU memory
# growth, connecting to a TPU) must come **before** the first TensorFlow operation, which in a
# notebook means in the first cell that touches TensorFlow, right after the imports.
#
# This machine may have no GPU, so the course splits the CPU into two logical devices. That lets
# `MirroredStrategy` run its real multi-replica code path (two model copies, batches split in two,
# gradients all-reduced) anywhere.

# %%
# The first cell that touches TensorFlow: configure the devices now, or never in this kernel.
CPU_DEVICES = split_cpu(N_CPU_DEVICES)
tf.get_logger().setLevel("ERROR")  # MirroredStrategy would log every all-reduce it sets up
print("logical CPU devices:", CPU_DEVICES)
print("accelerators:", course.accelerators())
print("CPU cores this process may use:", len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
assert len(CPU_DEVICES) == N_CPU_DEVICES

# %%
try:  # too late now: TensorFlow has initialised its devices
    split_cpu(N_CPU_DEVICES + 1)
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# The two logical devices share the same physical cores and the same thread pools. They let the
# course *run* data parallelism on a laptop; they cannot make it faster, because no compute is
# added. Section 5 measures it anyway, to see what the extra copies and the all-reduce cost.

# %% [markdown]
# ## 2. What changes in the code: very little
#
# Data parallelism (`MirroredStrategy` on one machine, `MultiWorkerMirroredStrategy` on several)
# keeps one copy of the models per device (a *replica*), splits every global batch between them,
# and sums the gradients before each update, so every copy stays identical. In Keras the change
# to a training script is a few lines:

# %%
single = """\
recipe = get_recipe("dcgan")
result = runner.train(recipe, data, steps=3000)
"""
distributed = """\
strategy = get_strategy("mirrored")        # or "multiworker", or "auto"
replicas = strategy.num_replicas_in_sync
recipe = get_recipe("dcgan").replace(batch_size=64 // replicas)   # per-replica batch
result = runner.train(recipe, data, steps=3000, strategy=strategy,
                      precision="mixed_bfloat16",   # where the hardware has bfloat16 units (§3)
                      jit_compile=False)            # measure before switching it on (§4)
"""
print("".join(difflib.unified_diff(single.splitlines(True), distributed.splitlines(True),
                                   "single_device.py", "distributed.py")))

# %% [markdown]
# Inside `runner.train`, the strategy touches two places: the models and **both** optimizers are
# created inside `strategy.scope()` (so their variables are mirrored), and the data pipeline
# batches the **global** batch, which Keras splits between the replicas:

# %%
for function in (runner.train, runner.build_gan):
    for line in inspect.getsource(function).splitlines():
        if "strategy" in line and not line.strip().startswith(("strategy:", '"""')):
            print(f"{function.__name__:10s}|{line}")

# %% [markdown]
# **Global batch and learning rate.** With `R` replicas of batch `b`, one step consumes `R × b`
# images. Keeping the per-replica batch and adding replicas therefore changes the optimisation:
# the learning rate was tuned for another batch. Goyal et al. (2017, "Accurate, large minibatch
# SGD") scale SGD's learning rate linearly with the batch (with a warm-up); for Adam a square-root
# rule is better founded (Malladi et al., NeurIPS 2022). GANs are more fragile than classifiers:
# BigGAN (Brock et al., ICLR 2019) gained quality from batches of 2,048 but also collapsed more
# often. Above, the course keeps the **global** batch at 64 (32 per replica), so the recipe's
# learning rates still apply. Exercise 1 computes both rules.
#
# **Per-replica loss.** Each replica computes its loss on its own part of the batch; the
# optimizer then *sums* the replicas' gradients. A replica must therefore contribute its loss
# divided by the **global** batch (for a mean loss: its mean divided by the number of
# replicas), or the update is `R` times too large. The course's GAN does this in both steps:

# %%
print(inspect.getsource(AdversarialModel.scaled_loss))  # both steps differentiate this

# %% [markdown]
# `optimizer.scale_loss` is the mixed-precision loss scaling of the next section; outside
# `mixed_float16` it returns the loss unchanged. Exercise 2 checks the arithmetic.

# %% [markdown]
# ## 3. Mixed precision: float16 with loss scaling, or bfloat16
#
# Mixed precision computes layers in a 16-bit float type while keeping the weights (and the
# optimizer's arithmetic) in float32. It halves memory traffic and uses the fast 16-bit units of
# recent accelerators: float16 on NVIDIA GPUs since Volta (tensor cores; Colab's T4 has them),
# bfloat16 on NVIDIA Ampere and later, on TPUs, and on CPUs with AVX512_BF16 or AMX instructions.
# The two 16-bit types trade range against precision differently:

# %%
import ml_dtypes  # installed with TensorFlow: NumPy types for bfloat16

print(f"{'type':9s} {'exponent bits':>13s} {'significant digits':>18s} {'largest':>10s} {'smallest > 0':>12s}")
for name, info in [("float32", np.finfo(np.float32)), ("float16", np.finfo(np.float16)),
                   ("bfloat16", ml_dtypes.finfo(ml_dtypes.bfloat16))]:
    print(f"{name:9s} {info.nexp:13d} {info.precision:18d} {float(info.max):10.3g} {float(info.smallest_subnormal):12.3g}")

# %% [markdown]
# float16 has float32's precision problem in reverse: a narrow range. Gradients are often smaller
# than its smallest number and silently become zero. **Loss scaling** multiplies the loss by a
# large factor before differentiating (so the gradients are scaled too and stay representable),
# then divides the float32 gradients by the same factor; Keras's `LossScaleOptimizer` picks the
# factor dynamically and skips steps whose gradients overflow. bfloat16 has float32's exponent
# range, so it needs no loss scaling, but only two to three significant digits.

# %%
gradient = np.float32(2e-8)  # a small but real gradient
scale = np.float32(2**15)    # LossScaleOptimizer's initial scale
print("float16, unscaled:           ", np.float16(gradient))
print("float16, scaled then unscaled:", np.float32(np.float16(gradient * scale)) / scale)
print("bfloat16, unscaled:          ", np.float32(ml_dtypes.bfloat16(gradient)))

# %% [markdown]
# In Keras a *dtype policy* sets both types per layer (`compute_dtype`, `variable_dtype`). The
# course sets the global policy with `distribute.precision(...)` around model building; what must
# stay float32 is the end of the discriminator: its logits feed the loss, where small
# differences matter (and the generator's `tanh` output, which the course's models also keep in
# float32). `GAN.compile` wraps **each** of the two optimizers in a `LossScaleOptimizer` under
# `mixed_float16`; Keras's `compile` would wrap only the single optimizer it knows about.

# %%
data = load_dataset_or_default(DATASET)
recipe = get_recipe(RECIPE)
for policy in ("float32", "mixed_float16", "mixed_bfloat16"):
    with precision(policy):
        gan = runner.build_gan(recipe, image_size=data.image_shape[0], channels=data.image_shape[2])
    layers = [layer for layer in gan.discriminator.layers if layer.weights]
    logits = gan.discriminator(data.train.images[:2], training=False)
    print(f"{policy:15s} first layer computes in {layers[0].compute_dtype:8s} "
          f"(weights {layers[0].variable_dtype}), logits {logits.dtype.name}, "
          f"d_optimizer {type(gan.d_optimizer).__name__}")
    assert logits.dtype.name == "float32" and (policy == "mixed_float16") == (
        type(gan.d_optimizer).__name__ == "LossScaleOptimizer")

# %% [markdown]
# ## 4. XLA: compiling the training step
#
# `jit_compile=True` (an argument of `runner.train` and `GAN.compile`) compiles the whole
# training step with XLA, which fuses operations into fewer, larger kernels. The compilation is
# paid once, during the warm-up, and can take longer than dozens of steps. It often helps on GPUs
# and TPUs (TPUs always use XLA); on CPUs the result varies with the model and the CPU. Keras's
# default `jit_compile="auto"` turns XLA off on CPU-only machines and under distribution
# strategies, which is why the course exposes the switch explicitly: measure, then decide.

# %% [markdown]
# ## 5. Measuring throughput properly, and what this CPU measures
#
# Three rules (the course's `training.throughput` module applies them; bench/throughput.py uses
# the same rules for the committed table of §6):
#
# 1. **Exclude the warm-up.** The first step traces the training function into a graph (and
#    compiles it under XLA). Timing from the start of `fit` measures the compiler.
# 2. **Count the global batch.** Under a strategy one step consumes per-replica batch × replicas.
# 3. **Repeat, and report the median and every repeat.** On a shared or throttled machine runs
#    differ; the spread is the error bar. Claim a difference only when the repeats do not overlap.
#    bench/throughput.py repeats with fresh models (`fresh_models=True`: a new trace, and under XLA
#    a new compilation, every time). This notebook builds each configuration once and splits its
#    timed steps into `REPEATS` consecutive windows (`fresh_models=False`): faster, and XLA's
#    compiled code (which stays in memory) is built once.
#
# Here is the arithmetic of rule 1 on made-up time stamps (a 10 s trace, then 0.5 s per step):

# %%
stamps = [10.0, 10.5, 11.0, 11.5, 12.0]  # seconds at the end of steps 1..5
print(f"naive (from t=0, all steps): {64 * len(stamps) / stamps[-1]:6.1f} images/s")
print(f"after 1 warm-up step:        {images_per_second(stamps, batch_size=64, warmup_steps=1):6.1f} images/s")

# %% [markdown]
# Now the real measurement on this machine: four configurations of the course's recipe, each
# built once and timed over `REPEATS` windows (progress bar below): float32 on one device, float32
# with XLA, `MirroredStrategy` over the logical CPU devices (global batch kept at 64), and
# `mixed_bfloat16`.

# %%
mirrored = get_strategy("mirrored")
configs = {
    "float32": dict(recipe=recipe),
    "float32 + XLA": dict(recipe=recipe, jit_compile=True),
    f"mirrored x{mirrored.num_replicas_in_sync}": dict(
        recipe=recipe.replace(batch_size=recipe.batch_size // mirrored.num_replicas_in_sync),
        strategy=mirrored),
    "mixed_bfloat16": dict(recipe=recipe, precision="mixed_bfloat16", timed_steps=BF16_TIMED_STEPS),
}
throughput = {}
for name, config in tqdm(configs.items(), desc="configurations"):
    options = {"warmup_steps": WARMUP_STEPS, "timed_steps": TIMED_STEPS, "repeats": REPEATS,
               "fresh_models": False, **config}
    throughput[name] = measure_throughput(options.pop("recipe"), data, **options)
    gc.collect()  # drop the finished runs' models and graphs before the next configuration

# %%
baseline = throughput["float32"]
print(f"{'configuration':16s} {'global batch':>12s} {'median images/s':>16s}  repeats         vs float32")
for name, result in throughput.items():
    runs = ", ".join(f"{r:.0f}" for r in result.runs)
    versus = compare(baseline, result)
    print(f"{name:16s} {result.global_batch:12d} {result.median:16.0f}  {runs:15s} "
          f"{versus['ratio']:.2f}x: {versus['verdict'] if result is not baseline else '-'}")
assert throughput[f"mirrored x{N_CPU_DEVICES}"].replicas == N_CPU_DEVICES
assert all(r.global_batch == recipe.batch_size for r in throughput.values())
assert all(run > 0 for r in throughput.values() for run in r.runs)

# %%
fig, ax = plt.subplots(figsize=(7, 3))
names = list(throughput)
ax.barh(names, [throughput[n].median for n in names], color="lightsteelblue", label="median")
for y, name in enumerate(names):
    ax.plot(throughput[name].runs, [y] * len(throughput[name].runs), "k.", label="repeats" if y == 0 else None)
ax.invert_yaxis()
ax.set(xlabel="training images per second (after the warm-up)",
       title=f"{RECIPE} on {data.name}, this machine: {REPEATS} repeat(s) per configuration")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()


# %%
def cpu_flags():
    """The CPU's instruction-set flags (Linux only; empty elsewhere)."""
    path = pathlib.Path("/proc/cpuinfo")
    if not path.is_file():
        return set()
    return set(next((line.split(":", 1)[1].split() for line in path.read_text().splitlines()
                     if line.startswith("flags")), []))


flags = cpu_flags()
native = sorted(flags & {"avx512_bf16", "amx_bf16"})
print("native bfloat16 on this CPU:", native or ("no (emulated)" if flags else "unknown (no /proc/cpuinfo)"))

# %% [markdown]
# How to read the table, whatever numbers your machine printed:
#
# - **bfloat16 on a CPU** runs fast only with native instructions (the line above). Without them
#   TensorFlow emulates it and it is usually several times *slower* than float32. Its value is on
#   accelerators and on recent server CPUs.
# - **XLA** changes the kernels, so its effect depends on the CPU and the model. The verdict column
#   says "faster" or "slower" only when every repeat is on one side of every float32 repeat.
# - **Two logical CPU devices** add no cores. Whatever difference appears is overhead (two
#   replicas, an all-reduce every step) or noise, not parallel speed-up; on several GPUs the same
#   code does divide the work.
# - With one repeat per configuration (smoke mode) there is no error bar and the verdict says so.

# %% [markdown]
# ## 6. The committed benchmark
#
# `bench/throughput.py` measured the article's DCGAN (batch 256) with the same rules on the
# course's CI machine: the package's `GAN.fit` loop against the TensorFlow tutorial's plain loop,
# with and without XLA, with `steps_per_execution` 1 and 4 (`fit-spe*`: training steps per
# compiled call), and the course's own `dcgan` recipe (batch 64); 3 warm-up steps, the median of
# fresh runs. Its result file is committed; the cell below reads it (installed with the package,
# so on Colab too) and applies the same verdict rule. docs/PERFORMANCE.md says what the course
# decided from it.

# %%
RESULTS = course.results_dir()  # installed with the package: Colab has them too
committed = json.loads((RESULTS / "throughput.json").read_text())
m = committed["machine"]
print(f"machine: {m['cpu']}, {m['cores']} cores, flags {', '.join(m['flags'])}; "
      f"TensorFlow {m['tensorflow']}, commit {m['commit']}; {committed['warmup']} warm-up steps")
runs = committed["runs"]
for key, run in runs.items():
    print(f"  {key:24s} {run['median']:6.0f} images/s (median of {len(run['images_per_second'])} runs "
          f"of {run['steps']} timed steps: {', '.join(f'{v:.0f}' for v in run['images_per_second'])})")

# %%
pairs = [("tutorial/float32", "package/float32"), ("package/float32", "package+xla/float32"),
         ("course-dcgan/float32", "course-dcgan+xla/float32"),
         ("fit-spe1/float32", "fit-spe4/float32"), ("package/float32", "package/mixed_bfloat16")]
for base_key, other_key in pairs:
    if base_key in runs and other_key in runs:
        c = compare(runs[base_key]["images_per_second"], runs[other_key]["images_per_second"])
        print(f"{other_key:24s} vs {base_key:18s}: {c['ratio']:.2f}x, {c['verdict']}")


# %% [markdown]
# Read the verdicts with the machine line above: its CPU flags say whether bfloat16 was native
# there. An earlier measurement on a CPU with AVX512_BF16 (recorded in docs/PERFORMANCE.md's
# decisions and in the issue that asked for `--precision auto`) found bfloat16 1.33x faster than
# float32 there and XLA slower (0.58x), while on the AVX2-only CPU of the committed table XLA's
# repeats overlap with plain float32's. Same code, different hardware, different
# conclusions: measure on the machine you will train on. Rows measured with a single run carry
# no error bar, and the verdict says so.

# %% [markdown]
# ## 7. On a GPU, on several machines, on a Colab TPU
#
# **One GPU (Colab, a workstation).** Nothing in the course's code changes: TensorFlow places the
# models on the GPU by itself. Use `precision="mixed_float16"` on GPUs with tensor cores (T4,
# V100) or `"mixed_bfloat16"` on Ampere and newer (A100, H100, L4), try `jit_compile=True`, and
# raise the batch until the GPU is busy (then revisit the learning rate, §2).
#
# **Several GPUs in one machine.** `get_strategy("auto")` returns `MirroredStrategy` when more than
# one GPU is visible; pass it to `runner.train(..., strategy=strategy)`. Everything else is §2.
#
# **Several machines.** `MultiWorkerMirroredStrategy` runs the same script on every machine; each
# learns the cluster from the environment variable `TF_CONFIG`, set differently on each worker
# (only `task.index` changes):
#
# ```bash
# export TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
#                    "task": {"type": "worker", "index": 0}}'
# python train.py   # calls get_strategy("multiworker") before anything else touches TensorFlow
# ```
#
# The global batch is now per-replica batch × replicas on *all* workers. A failed worker stops the
# whole job, so checkpoint: `medgan-course train --strategy multiworker --steps N --out DIR`
# (the same command on every worker, with its own `TF_CONFIG`) checkpoints on the chief into
# `.DIR.partial/`, which every worker must see (shared storage), and after a failure the same
# commands resume from it, optimizer state included (notebook 04, section 7). Only the chief
# writes the run folder. The course runs no multi-worker job here; its test suite runs a
# two-worker one on 127.0.0.1 (`tests/test_multiworker.py`).
#
# **A Colab TPU.** A TPU is reached through its own strategy, created (like `split_cpu`) before
# anything else touches TensorFlow:
#
# ```python
# import tensorflow as tf
# resolver = tf.distribute.cluster_resolver.TPUClusterResolver()   # Colab finds its TPU
# tf.config.experimental_connect_to_cluster(resolver)
# tf.tpu.experimental.initialize_tpu_system(resolver)
# strategy = tf.distribute.TPUStrategy(resolver)
# result = runner.train(recipe, data, steps=3000, strategy=strategy, precision="mixed_bfloat16")
# ```
#
# TPUs compute in bfloat16 natively, always compile with XLA, and need fixed batch shapes (the
# course's pipeline drops the last incomplete batch for this reason). Small 28 px models leave a
# TPU mostly idle: it pays off for large images and batches. Honest limits: the course's
# `get_strategy` has no TPU option and the course has not tested `runner.train` on a TPU; Colab's
# TPU offering (hardware and supported TensorFlow versions) changes over time, so check
# *Runtime → Change runtime type* first.

# %% [markdown]
# ## Summary
#
# - Configure devices (split a CPU, GPU memory, connect a TPU) before TensorFlow's first operation;
#   in a notebook, in the first cell that touches TensorFlow.
# - Scaling out changes little code: build models and both optimizers in `strategy.scope()`, batch
#   the global batch (per-replica × replicas), divide each replica's loss by the global batch, and
#   revisit the learning rate when the global batch changes.
# - Mixed precision: `mixed_float16` needs loss scaling for each optimizer, `mixed_bfloat16` does
#   not; keep the logits (and `tanh` outputs) in float32. XLA is a switch to measure, not a default.
# - Measure throughput after a warm-up, with fresh repeats, and report the median with every run;
#   on this CPU the table in §5 is the evidence, and it shows what does *not* help here.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with a check that tells you whether your answer is right; it never stops the notebook. Solutions are hidden under *Solution*.

# %% [markdown]
# ### Exercise 1: Global batch and learning-rate scaling
#
# Write `global_batch_and_lr(per_replica_batch, replicas, base_lr, base_batch, rule="linear")`
# returning `(global_batch, learning_rate)`. `base_lr` was tuned for a batch of `base_batch`.
# The `"linear"` rule multiplies it by `global_batch / base_batch`; the `"sqrt"` rule by the
# square root of that ratio.

# %%
def global_batch_and_lr(per_replica_batch, replicas, base_lr, base_batch, rule="linear"):
    ...  # your code here


nb12.check_global_batch_and_lr(global_batch_and_lr)

# %%
show_solution("nb12", "global_batch_and_lr")


# %% [markdown]
# ### Exercise 2: Per-replica loss scaling
#
# Write `replica_loss(per_example_losses, global_batch_size)`: the scalar loss one replica
# contributes, given the per-example losses of *its* part of the batch. The check splits a global
# batch between 2, 4 and 8 replicas and verifies that the replicas' contributions add up to the
# mean loss over the global batch (the optimizer sums their gradients).

# %%
def replica_loss(per_example_losses, global_batch_size):
    ...  # your code here


nb12.check_replica_loss(replica_loss)

# %%
show_solution("nb12", "replica_loss")

# %% [markdown]
# ### Exercise 3: Float32 logits under mixed precision
#
# Write `build_discriminator()` returning a small `keras.Model` for `(28, 28, 1)` images with one
# logit per image. The check builds it under the `mixed_float16` policy: the hidden layers must
# follow that policy (compute in float16) while the logits come out in float32. One argument of
# one layer does it.

# %%
import keras  # noqa: F401  for your answer


def build_discriminator():
    ...  # your code here


nb12.check_float32_logits(build_discriminator)

# %%
show_solution("nb12", "build_discriminator")

# %% [markdown]
# ## Next
#
# Notebook 13 asks the question a learner asks first in 2026, "why a GAN and not a diffusion
# model?", and measures the answer; notebook 14 is a project of your own. Beyond the course: train the course's recipe on a
# larger MedMNIST dataset at 64 px on a GPU with the two or three lines of §2-§3, and measure, as
# in §5 and with notebook 06's metrics, whether each change pays off.
