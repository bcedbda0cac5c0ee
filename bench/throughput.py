"""Training throughput: the package's loop against the TensorFlow tutorial's plain loop.

Same architecture (the article's DCGAN), same data (BreastMNIST train, 546 images), same batch
(256), same process. Each configuration: a fresh model, 3 warm-up steps (tracing), then
`--steps` timed steps; the median of `--repeats` runs is reported. Writes
medgan_course/results/throughput.json; `python bench/report.py` turns it into docs/PERFORMANCE.md.

    python bench/throughput.py [--steps 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time

import keras

from common import RESULTS, data_dir, machine, write_json
from tutorial_loop import tutorial_train

from medgan_course.data import load_dataset
from medgan_course.models.seed import seed_discriminator, seed_generator
from medgan_course.training.distribute import precision as precision_policy
from medgan_course.training.recipes import get_recipe
from medgan_course.training.runner import train

WARMUP = 3


class _BatchClock(keras.callbacks.Callback):
    """Time stamps at every batch end, to time the steps after the warm-up."""

    def __init__(self):
        super().__init__()
        self.stamps = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


def package_run(dataset, steps: int, precision: str, seed: int, jit_compile: bool = False) -> float:
    """Images/s of `runner.train` (the package's GAN.fit loop) on the seed recipe."""
    clock = _BatchClock()
    recipe = get_recipe("seed-dcgan")
    train(recipe, dataset, steps=WARMUP + steps, seed=seed, precision=precision, jit_compile=jit_compile,
          sample_every=10**9, extra_callbacks=[clock], progress=False)
    timed = clock.stamps[WARMUP - 1:]
    return recipe.batch_size * (len(timed) - 1) / (timed[-1] - timed[0])


def tutorial_run(dataset, steps: int, precision: str, seed: int) -> float:
    """Images/s of the tutorial's loop; its models are built under `precision`."""
    keras.utils.set_random_seed(seed)
    with precision_policy(precision):
        generator, discriminator = seed_generator(), seed_discriminator()
    ips, _ = tutorial_train(generator, discriminator, dataset.train.images, steps=steps,
                            warmup_steps=WARMUP)
    return ips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"],
                        help="measure only these; results merge into an existing throughput.json")
    args = parser.parse_args()
    dataset = load_dataset("breastmnist", data_dir=data_dir())
    path = RESULTS / "throughput.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    runs = previous.get("runs", {})
    package_xla = functools.partial(package_run, jit_compile=True)
    configs = [("tutorial", tutorial_run, "float32"), ("package", package_run, "float32"),
               ("package+xla", package_xla, "float32"), ("tutorial", tutorial_run, "mixed_bfloat16"),
               ("package", package_run, "mixed_bfloat16")]
    for side, fn, precision in configs:
        if precision not in args.precisions:
            continue
        values = [fn(dataset, args.steps, precision, seed) for seed in range(args.repeats)]
        runs[f"{side}/{precision}"] = {"images_per_second": values, "median": statistics.median(values),
                                       "steps": args.steps}
        print(f"{side:11s} {precision:15s} median {statistics.median(values):7.1f} images/s "
              f"(runs: {', '.join(f'{v:.1f}' for v in values)})", flush=True)
        write_json(path, {"machine": machine(), "warmup": WARMUP, "batch_size": 256, "runs": runs})


if __name__ == "__main__":
    main()
