"""Measuring training throughput (images per second) the way a benchmark should.

Three rules make a throughput number worth quoting:

* exclude the warm-up: the first steps trace the `tf.function` (and compile it under XLA),
  which can take longer than dozens of later steps;
* count the *global* batch: under a multi-replica strategy one step consumes
  `per-replica batch x replicas` images;
* repeat with fresh models and report the median and every run: the spread between runs is the
  honest error bar on a shared or throttled machine.

`images_per_second` is the pure arithmetic (testable without TensorFlow's timing);
`measure_throughput` runs `runner.train` with a `BatchClock` and applies it.
bench/throughput.py applies the same rules to the article's DCGAN. Taught in
notebooks/12_scaling_up.ipynb.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)


class BatchClock(keras.callbacks.Callback):
    """Records `time.perf_counter()` at the end of every training batch.

    Attributes:
        stamps: list of float seconds, one per completed batch (step), in order.
    """

    def __init__(self):
        super().__init__()
        self.stamps = []

    def on_train_begin(self, logs=None):
        self.stamps = []

    def on_train_batch_end(self, batch, logs=None):
        self.stamps.append(time.perf_counter())


def images_per_second(stamps, batch_size: int, warmup_steps: int) -> float:
    """Throughput after the warm-up, from batch-end time stamps.

    The clock starts at the end of step `warmup_steps` (so that step's tracing is excluded) and
    stops at the end of the last step: `batch_size * (timed steps) / (elapsed seconds)`.

    Args:
        stamps: increasing batch-end times in seconds, one per step, at least
            `warmup_steps + 1` of them.
        batch_size: images per step (the GLOBAL batch under a multi-replica strategy), >= 1.
        warmup_steps: steps excluded from the timing, >= 1 (the first step always traces).

    Returns:
        Images per second, a positive float.

    Raises:
        ValueError: too few stamps, non-increasing stamps, or bad batch_size/warmup_steps.
    """
    positive_int("batch_size", batch_size)
    positive_int("warmup_steps (the first step traces)", warmup_steps)
    stamps = [float(s) for s in stamps]
    if len(stamps) < warmup_steps + 1:
        raise ValueError(f"need at least warmup_steps + 1 = {warmup_steps + 1} stamps to time one "
                         f"step after the warm-up, got {len(stamps)}")
    timed = stamps[warmup_steps - 1:]  # starts at the END of the last warm-up step
    elapsed = timed[-1] - timed[0]
    if elapsed <= 0:
        raise ValueError("batch-end stamps must increase")
    return batch_size * (len(timed) - 1) / elapsed


@dataclass
class ThroughputResult:
    """What `measure_throughput` returns.

    Attributes:
        runs: images/s of each repeat (a fresh run, or a window of one run), in order.
        global_batch: images per step (per-replica batch x replicas).
        replicas: `strategy.num_replicas_in_sync`.
        warmup_steps, timed_steps: steps excluded / timed in each repeat.
        config: what was measured (recipe, precision, jit_compile, strategy class).
    """

    runs: list
    global_batch: int
    replicas: int
    warmup_steps: int
    timed_steps: int
    config: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        """Median images/s over the repeats."""
        return float(statistics.median(self.runs))

    @property
    def spread(self) -> tuple:
        """(min, max) images/s over the repeats."""
        return float(min(self.runs)), float(max(self.runs))


def compare(baseline_runs, other_runs) -> dict:
    """How `other` compares with `baseline`, stated no more strongly than the runs allow.

    Args:
        baseline_runs, other_runs: images/s of repeated runs (lists of floats, or
            `ThroughputResult`s).

    Returns:
        {"ratio": median(other) / median(baseline), "verdict": str}. The verdict says "faster"
        or "slower" only when every run of one is above every run of the other (the ranges do
        not overlap) with at least two runs each; otherwise it says why no conclusion is drawn.
    """
    a = list(getattr(baseline_runs, "runs", baseline_runs))
    b = list(getattr(other_runs, "runs", other_runs))
    if not a or not b:
        raise ValueError("compare needs at least one run on each side")
    ratio = statistics.median(b) / statistics.median(a)
    if min(len(a), len(b)) < 2:
        verdict = "one run on a side: no error bar, no conclusion"
    elif min(b) > max(a):
        verdict = "faster (every run above every baseline run)"
    elif max(b) < min(a):
        verdict = "slower (every run below every baseline run)"
    else:
        verdict = "no clear difference (the run ranges overlap)"
    return {"ratio": float(ratio), "verdict": verdict}


def measure_throughput(recipe, dataset, *, warmup_steps: int = 3, timed_steps: int = 8,
                       repeats: int = 3, fresh_models: bool = True, precision: str = "float32",
                       strategy=None, jit_compile: bool = False, seed: int = 0) -> ThroughputResult:
    """Times `recipe`'s training `repeats` times and returns images/s of each repeat.

    With `fresh_models=True` (bench/throughput.py's protocol) each repeat is its own
    `runner.train` run (fresh models, seeds `seed`, `seed + 1`, ...) of `warmup_steps +
    timed_steps` steps. With `fresh_models=False` one run of `warmup_steps + repeats *
    timed_steps` steps is split, after the warm-up, into `repeats` consecutive windows of
    `timed_steps`: one trace (and, under XLA, one compilation, which keeps its memory) per
    configuration instead of one per repeat. Either way `BatchClock` stamps every step and
    `images_per_second` times only the steps after the warm-up.

    Args:
        recipe: a `recipes.Recipe`; its `batch_size` is the per-replica batch.
        dataset: an `ImageDataset` (train images `(N, H, W, C)` float32 in [-1, 1]; N must hold
            one global batch).
        warmup_steps: steps left out of the timing (tracing, XLA compilation), >= 1.
        timed_steps: steps timed per repeat, >= 1.
        repeats: independent runs or windows, >= 1.
        fresh_models: a new run per repeat (True) or windows of one run (False).
        precision: "float32", "mixed_float16" or "mixed_bfloat16".
        strategy: a `tf.distribute.Strategy` (default: the current one).
        jit_compile: compile the training step with XLA.
        seed: seed of the (first) run.

    Returns:
        A `ThroughputResult`.
    """
    from medgan_course.training.runner import train

    positive_int("timed_steps", timed_steps)
    positive_int("repeats", repeats)
    strategy = strategy or tf.distribute.get_strategy()
    global_batch = recipe.batch_size * strategy.num_replicas_in_sync

    def timed_run(steps, run_seed):
        clock = BatchClock()
        train(recipe, dataset, steps=steps, seed=run_seed, precision=precision, strategy=strategy,
              jit_compile=jit_compile, sample_every=10**9, extra_callbacks=[clock], progress=False)
        return clock.stamps

    if fresh_models:
        runs = [images_per_second(timed_run(warmup_steps + timed_steps, seed + r), global_batch,
                                  warmup_steps) for r in range(repeats)]
    else:
        stamps = timed_run(warmup_steps + repeats * timed_steps, seed)
        first = warmup_steps - 1  # the end of the warm-up starts the first window
        runs = [images_per_second(stamps[first + r * timed_steps:first + (r + 1) * timed_steps + 1],
                                  global_batch, 1) for r in range(repeats)]
    config = {"recipe": recipe.name, "precision": precision, "jit_compile": bool(jit_compile),
              "strategy": type(strategy).__name__, "fresh_models": bool(fresh_models)}
    return ThroughputResult(runs, global_batch, strategy.num_replicas_in_sync, warmup_steps,
                            timed_steps, config)
