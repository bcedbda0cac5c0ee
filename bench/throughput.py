"""Training throughput: the package's loop against the TensorFlow tutorial's plain loop.

Same architecture (the article's DCGAN), same data (BreastMNIST train, 546 images), same batch
(256), same process. Each configuration: a fresh model, 3 warm-up steps (tracing), then
`--steps` timed steps; the median of `--repeats` runs is reported. Configurations:

* `tutorial`: the tutorial's loop as it writes it (`tutorial_loop.py`);
* `package`: `runner.train`, the course's loop with all its callbacks (history, NaN guard,
  sample grid, time budget), float32, XLA off;
* `package+xla`: the same with `jit_compile=True`;
* `fit/...`: `GAN.fit` without the runner's callbacks, to measure `steps_per_execution` (spe)
  and the input pipeline: `step_batches` (batches gathered from a tensor in memory, the
  package's) against the tutorial's `from_tensor_slices().shuffle().batch()` iterator;
* `course-dcgan/...`: the course's `dcgan` recipe (batch 64) with and without XLA, the loop the
  recipe study (bench/recipes.py) times.

Writes medgan_course/results/throughput.json; `python bench/report.py` turns it into
docs/PERFORMANCE.md.

    python bench/throughput.py [--steps 20] [--repeats 3] [--configs NAME ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import keras

from common import RESULTS, data_dir, machine, write_json
from tutorial_loop import tutorial_train

from medgan_course.data import load_dataset
from medgan_course.models.seed import seed_discriminator, seed_generator
from medgan_course.training.data_order import step_batches
from medgan_course.training.distribute import precision as precision_policy
from medgan_course.training.recipes import get_recipe
from medgan_course.training.runner import build_gan, train

WARMUP = 3


class BatchClock(keras.callbacks.Callback):
    """Time stamps at every batch end (one per execution), to time the steps after the warm-up."""

    def __init__(self):
        super().__init__()
        self.stamps = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


def _rate(stamps, images_per_stamp, warmup_stamps):
    timed = stamps[warmup_stamps - 1:]
    return images_per_stamp * (len(timed) - 1) / (timed[-1] - timed[0])


def package_run(dataset, steps, precision, seed, *, recipe="seed-dcgan", jit_compile=False):
    """Images/s of `runner.train` (the package's GAN.fit loop with its callbacks)."""
    clock, recipe = BatchClock(), get_recipe(recipe)
    train(recipe, dataset, steps=WARMUP + steps, seed=seed, precision=precision,
          jit_compile=jit_compile, sample_every=10**9, extra_callbacks=[clock], progress=False)
    return _rate(clock.stamps, recipe.batch_size, WARMUP)


def _tutorial_pipeline(images, batch_size):
    import tensorflow as tf

    return (tf.data.Dataset.from_tensor_slices(images).shuffle(60000)
            .batch(batch_size, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE))


def fit_run(dataset, steps, precision, seed, *, spe=1, pipeline="step_batches"):
    """Images/s of bare `GAN.fit` on the seed recipe: `spe` steps per call, either pipeline."""
    recipe = get_recipe("seed-dcgan")
    keras.utils.set_random_seed(seed)
    with precision_policy(precision):
        gan = build_gan(recipe, image_size=28, channels=1, seed=seed, steps_per_execution=spe)
    images = dataset.train.images
    data = (step_batches(images, batch_size=recipe.batch_size, seed=seed)
            if pipeline == "step_batches" else _tutorial_pipeline(images, recipe.batch_size))
    warmup_calls = max(1, -(-WARMUP // spe))
    calls = warmup_calls + max(1, steps // spe)
    clock = BatchClock()
    gan.fit(data, epochs=1, steps_per_epoch=calls * spe, verbose=0, callbacks=[clock])
    return _rate(clock.stamps, spe * recipe.batch_size, warmup_calls)


def tutorial_run(dataset, steps, precision, seed):
    """Images/s of the tutorial's loop; its models are built under `precision`."""
    keras.utils.set_random_seed(seed)
    with precision_policy(precision):
        generator, discriminator = seed_generator(), seed_discriminator()
    ips, _ = tutorial_train(generator, discriminator, dataset.train.images, steps=steps,
                            warmup_steps=WARMUP)
    return ips


def _configs():
    """name -> (function, keyword arguments); precision is part of the name after the slash."""
    return {
        "tutorial/float32": (tutorial_run, {}),
        "package/float32": (package_run, {}),
        "package+xla/float32": (package_run, {"jit_compile": True}),
        "fit-spe1/float32": (fit_run, {}),
        "fit-spe4/float32": (fit_run, {"spe": 4}),
        "fit-tutorial-pipeline/float32": (fit_run, {"pipeline": "tutorial"}),
        "course-dcgan/float32": (package_run, {"recipe": "dcgan"}),
        "course-dcgan+xla/float32": (package_run, {"recipe": "dcgan", "jit_compile": True}),
        "tutorial/mixed_bfloat16": (tutorial_run, {}),
        "package/mixed_bfloat16": (package_run, {}),
    }


def main() -> None:
    configs = _configs()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", nargs="+", default=[c for c in configs if "bfloat16" not in c],
                        choices=list(configs),
                        help="measure only these; results merge into an existing throughput.json "
                             "(default: all float32 ones; bfloat16 is emulated without AVX512_BF16)")
    args = parser.parse_args()
    dataset = load_dataset("breastmnist", data_dir=data_dir())
    path = RESULTS / "throughput.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    info = machine()
    runs = previous.get("runs", {}) if previous.get("machine") == info else {}
    # Repeats outside, configurations inside: slow drifts of the machine hit every one alike.
    values = {name: [] for name in args.configs}
    for seed in range(args.repeats):
        for name in args.configs:
            fn, kwargs = configs[name]
            steps = args.steps if "bfloat16" not in name else max(2, args.steps // 10)
            values[name].append(fn(dataset, steps, name.split("/")[1], seed, **kwargs))
            print(f"repeat {seed}: {name:32s} {values[name][-1]:7.1f} images/s", flush=True)
    for name in args.configs:
        runs[name] = {"images_per_second": values[name], "median": statistics.median(values[name]),
                      "steps": args.steps if "bfloat16" not in name else max(2, args.steps // 10)}
        print(f"{name:32s} median {runs[name]['median']:7.1f} images/s", flush=True)
    write_json(path, {"machine": info, "warmup": WARMUP, "runs": runs})


if __name__ == "__main__":
    main()
