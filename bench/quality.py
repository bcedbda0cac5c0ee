"""Sample quality after a fixed CPU budget: the seed recipe against the course's default.

For each recipe and seed, one run of `--seconds` (default 300) on BreastMNIST; 1,000 samples
are drawn at every budget in `--checkpoints` (default 60 and 300 s) from the generator as it
stands then (EMA when the recipe keeps one). Each sample set is scored by
`evaluation.report.sample_quality` with the offline domain extractor (trained once on the
training split, cached), beside the train-versus-test floor. One JSON per recipe and seed in
medgan_course/results/quality/ (existing ones are skipped: the benchmark resumes). Then run
`python bench/report.py`.

    python bench/quality.py [--recipes seed-dcgan dcgan] [--seeds 0 1 2] [--seconds 300]
    python bench/quality.py --match-steps OLD_DIR   # re-measure at the step counts of earlier runs

`--match-steps` trains each recipe/seed for exactly the steps an earlier result file (in OLD_DIR)
recorded at each checkpoint and snapshots there, so that the numbers can be re-measured (e.g.
after an evaluation fix) on a busy machine without the load changing the training budget.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time

import keras

from common import RESULTS, data_dir, machine, write_json

from medgan_course.data import load_dataset
from medgan_course.data.types import to_uint8
from medgan_course.evaluation.report import domain_extractor_for, sample_quality
from medgan_course.plots import save_samples_png
from medgan_course.training.recipes import get_recipe
from medgan_course.training.runner import train


class _Snapshots(keras.callbacks.Callback):
    """Draws `n` samples when the wall clock passes each checkpoint (seconds since fit began),
    or, with `at_steps` ({checkpoint: step}), when training reaches that step."""

    def __init__(self, checkpoints, n, seed, at_steps=None):
        super().__init__()
        self.pending, self.n, self.seed, self.samples = sorted(checkpoints), n, seed, {}
        self.at_steps = at_steps

    def on_train_begin(self, logs=None):
        self.start, self.steps = time.perf_counter(), 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        elapsed = time.perf_counter() - self.start
        while self.pending and self._due(elapsed):
            budget = self.pending.pop(0)
            images = self.model.generate(self.n, seed=self.seed)
            self.samples[budget] = {"images": images, "steps": self.steps, "elapsed": elapsed}


    def _due(self, elapsed):
        if self.at_steps is not None:
            return self.steps >= self.at_steps[self.pending[0]]
        return elapsed >= self.pending[0] - 1.0  # the last step may end early


def run_one(recipe_name, seed, dataset, extractor, seconds, checkpoints, at_steps=None) -> dict:
    """Trains one recipe/seed for `seconds` (or to the steps in `at_steps`) and scores its
    samples at each checkpoint."""
    snapshots = _Snapshots(checkpoints, 1000, seed, at_steps)
    budget = {"steps": max(at_steps.values())} if at_steps else {"seconds": seconds}
    result = train(get_recipe(recipe_name), dataset, seed=seed, extra_callbacks=[snapshots],
                   progress=False, **budget)
    scores = {}
    for budget, snap in snapshots.samples.items():
        quality = sample_quality(snap["images"], dataset, extractor, seed=seed)
        scores[str(budget)] = {"steps": snap["steps"], "elapsed": round(snap["elapsed"], 1), **quality}
        print(f"{recipe_name:10s} seed {seed} at {budget:4d} s ({snap['steps']} steps): "
              f"FID {quality['fid']:.3f} (floor {quality['floor_fid']:.3f}), "
              f"KID {quality['kid_mean']:.4f}, precision {quality['precision']:.2f}, "
              f"recall {quality['recall']:.2f}", flush=True)
    final = snapshots.samples[max(snapshots.samples)]["images"][:32]
    (RESULTS / "quality").mkdir(parents=True, exist_ok=True)
    save_samples_png(to_uint8(final), RESULTS / "quality" / f"{recipe_name}_seed{seed}.png")
    return {"recipe": recipe_name, "seed": seed, "seconds": seconds, "steps": result.steps,
            "budget": "steps matched to an earlier run" if at_steps else "seconds",
            "train_seconds": round(result.seconds, 1),
            "images_per_second": result.images_per_second, "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["seed-dcgan", "dcgan"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--checkpoints", nargs="+", type=int, default=[60, 300])
    parser.add_argument("--match-steps", type=pathlib.Path,
                        help="folder of earlier results whose step counts to train to")
    parser.add_argument("--only-budgets", nargs="+", type=int,
                        help="with --match-steps: re-measure only these checkpoints (seconds)")
    args = parser.parse_args()
    dataset = load_dataset("breastmnist", data_dir=data_dir())
    extractor = domain_extractor_for(dataset, seed=0)
    for recipe_name in args.recipes:
        for seed in args.seeds:
            path = RESULTS / "quality" / f"{recipe_name}_seed{seed}.json"
            if path.exists():
                print(f"{path.name} exists, skipped")
                continue
            at_steps = None
            if args.match_steps:
                old = json.loads((args.match_steps / path.name).read_text())
                at_steps = {int(k): v["steps"] for k, v in old["scores"].items()
                            if not args.only_budgets or int(k) in args.only_budgets}
            record = run_one(recipe_name, seed, dataset, extractor, args.seconds,
                             sorted(at_steps or args.checkpoints), at_steps)
            write_json(path, {"machine": machine(), **record})


if __name__ == "__main__":
    main()
