"""Diffusion model against the course's default GAN at equal wall-clock budgets (notebook 13).

Two families, each trained once per seed on BreastMNIST (28 px) to its longest budget:

* `gan`: the default recipe (`dcgan`, chosen by docs/RECIPES.md), batch 64;
* `diffusion`: the DDPM of `training.diffusion` (a 16-filter U-Net, cosine schedule, EMA 0.995).

Equal wall-clock, not equal steps: `time` measures each family's training steps per second
(median of 3 runs, round-robin, one process) and each budget B seconds becomes
`round(B * steps_per_second)` steps of that family, so other load on the machine stretches a
run but does not change its result (as in bench/recipes.py). At each budget the model as it
stands draws as many images as the test split holds (156): the GAN in one forward pass, the
diffusion model with DDIM over 50 steps (and, at the longest budget, DDIM over 10 steps, the
raw weights instead of the EMA, and on `--ddpm-seeds` the full 1,000-step DDPM chain). Each set is
scored by `evaluation.report.sample_quality` (FD in the offline domain extractor's features,
with the real test-vs-train floor; precision, recall, memorized fraction) and each draw is
timed: the sampling cost in images per second and network evaluations per image.

    python bench/diffusion.py time
    python bench/diffusion.py run [--budgets 60 300] [--seeds 0 1 2] [--ddpm-seeds 0]
    python bench/diffusion.py report        # docs/results/diffusion.md (bench/docs.py too)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import keras

from common import REPO, RESULTS, data_dir, machine, run_missing, write_json

OUT = RESULTS / "diffusion"
REPORT = REPO / "docs" / "results" / "diffusion.md"
FAMILIES = ("gan", "diffusion")
GAN_RECIPE = "dcgan"
TIMING_WARMUP, TIMING_STEPS = {"gan": (10, 150), "diffusion": (10, 60)}, None
DDIM_STEPS = 50


def diffusion_recipe():
    from medgan_course.training.diffusion import DiffusionRecipe

    return DiffusionRecipe()


def train_family(family, dataset, *, steps, seed, callbacks=()):
    """Trains one family for `steps`; returns the GAN's `TrainResult` or a `DiffusionResult`."""
    from medgan_course.training.diffusion import train_diffusion
    from medgan_course.training.recipes import get_recipe
    from medgan_course.training.runner import train

    if family == "gan":
        return train(get_recipe(GAN_RECIPE), dataset, steps=steps, seed=seed,
                     sample_every=10**9, extra_callbacks=list(callbacks), progress=False)
    return train_diffusion(diffusion_recipe(), dataset, steps=steps, seed=seed,
                           extra_callbacks=list(callbacks), progress=False)


def time_families(args) -> None:
    """Training steps per second of each family: median of `--repeats` fresh runs."""
    from throughput import BatchClock

    from medgan_course.data import load_dataset

    dataset = load_dataset("breastmnist", data_dir=data_dir())
    rates = {family: [] for family in FAMILIES}
    for repeat in range(args.repeats):  # repeats outside: drifts of the machine hit both
        for family in FAMILIES:
            warmup, timed_steps = TIMING_WARMUP[family]
            clock = BatchClock()
            train_family(family, dataset, steps=warmup + timed_steps, seed=repeat, callbacks=[clock])
            timed = clock.stamps[warmup - 1:]
            rates[family].append((len(timed) - 1) / (timed[-1] - timed[0]))
            print(f"repeat {repeat}: {family:9s} {rates[family][-1]:6.2f} steps/s", flush=True)
    write_json(OUT / "timing.json", {
        "machine": machine(), "command": "python bench/diffusion.py " + " ".join(sys.argv[1:]),
        "steps_per_second": {f: {"runs": rates[f], "median": statistics.median(rates[f])}
                             for f in FAMILIES}})


class _Snapshots(keras.callbacks.Callback):
    """Calls `draw(model, budget)` when training reaches each budget's step."""

    def __init__(self, due, draw):
        super().__init__()
        self.due, self.draw, self.step, self.samples = due, draw, 0, {}  # due: {step: budget}

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step in self.due:
            self.samples[self.due[self.step]] = self.draw(self.model, self.due[self.step])


def _timed(fn):
    """(fn's result, seconds it took)."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def draws(family, model, n, seed, final, ddpm):
    """The sample sets of one snapshot: name -> (images, seconds, network evaluations per image)."""
    if family == "gan":
        images, seconds = _timed(lambda: model.generate(n, seed=seed))
        return {"gan": (images, seconds, 1)}
    plan = {f"ddim{DDIM_STEPS}": dict(steps=DDIM_STEPS)}
    if final:
        plan["ddim10"] = dict(steps=10)
        plan[f"ddim{DDIM_STEPS}-raw"] = dict(steps=DDIM_STEPS, use_ema=False)
        if ddpm:
            plan["ddpm1000"] = dict(sampler="ddpm")
    out = {}
    for name, options in plan.items():
        images, seconds = _timed(lambda options=options: model.generate(n, seed=seed, **options))
        evaluations = model.timesteps if options.get("sampler") == "ddpm" else options["steps"]
        out[name] = (images, seconds, evaluations)
    return out


def run_one(family, seed, dataset, extractor, budgets, rate, ddpm) -> dict:
    """Trains one family/seed to its longest budget; scores every sampler at every budget."""
    from medgan_course.evaluation.report import sample_quality

    n = len(dataset.test.images)
    due = {round(b * rate): b for b in budgets}
    snapshots = _Snapshots(due, lambda model, b: draws(family, model, n, seed, b == max(budgets), ddpm))
    started = time.perf_counter()
    train_family(family, dataset, steps=max(due), seed=seed, callbacks=[snapshots])
    scores = {}
    for budget, sets in sorted(snapshots.samples.items()):
        for sampler, (images, seconds, evaluations) in sets.items():
            quality = sample_quality(images, dataset, extractor, seed=seed)
            scores.setdefault(sampler, {})[str(budget)] = {
                "steps": round(budget * rate), "sampling_seconds": round(seconds, 2),
                "images_per_second": round(n / seconds, 1), "evaluations_per_image": evaluations,
                **quality}
            print(f"  {family} seed {seed} {sampler:12s} {budget:4d} s: FD {quality['fid']:.3f} "
                  f"(floor {quality['floor_fid']:.3f}) precision {quality['precision']:.2f} recall "
                  f"{quality['recall']:.2f} memorized {quality['memorized_fraction']:.3f}; "
                  f"{n / seconds:.1f} images/s", flush=True)
    return {"family": family, "seed": seed, "dataset": dataset.name, "budgets": budgets,
            "steps_per_second": rate, "wall_seconds": round(time.perf_counter() - started, 1),
            "recipe": GAN_RECIPE if family == "gan" else diffusion_recipe().to_dict(),
            "scores": scores}


def run_study(args) -> None:
    import json

    from medgan_course.data import load_dataset
    from medgan_course.evaluation.report import domain_extractor_for

    timing = json.loads((OUT / "timing.json").read_text())
    dataset = load_dataset("breastmnist", data_dir=data_dir())
    extractor = domain_extractor_for(dataset, seed=0)
    run_missing(args.seeds, args.families,
                lambda family, seed: OUT / f"{family}_seed{seed}_{max(args.budgets)}s.json",
                lambda family, seed: run_one(family, seed, dataset, extractor, args.budgets,
                                             timing["steps_per_second"][family]["median"],
                                             seed in args.ddpm_seeds),
                "python bench/diffusion.py " + " ".join(sys.argv[1:]))



# ------------------------------------------------------------------------------------ report


def report_lines(table, timing) -> list[str]:
    """docs/results/diffusion.md as lines: the design, the machine, speeds and the tables."""
    from medgan_course.usecases import diffusion_study as study

    m, rates = timing["machine"], timing["steps_per_second"]
    recipe = diffusion_recipe()
    return ["## Diffusion model against the GAN at equal wall-clock budgets (notebook 13)", "",
            "Produced by `bench/diffusion.py` (its docstring has the design); regenerate with "
            "`python bench/diffusion.py time`, `... run`, `... report`. BreastMNIST, 28 px. Each "
            "budget in seconds became steps at each family's own measured training speed, so both "
            "families had the same CPU time. FD (domain features): Fréchet distance in the "
            "offline domain extractor's features between 156 samples and the training split; the "
            "floor is the real test split against the training split (lower is better). Mean ± SD "
            "over seeds; verdicts paired by seed against the GAN at the same budget (lower/higher "
            "only when the 95 % t-interval of the difference excludes 0).", "",
            f"Machine: {m['cpu']}, {m['cores']} cores, CPU flags {', '.join(m['flags'])}; "
            f"TensorFlow {m['tensorflow']}, Keras {m['keras']}; float32, XLA off; commit "
            f"{m['commit']}.", "",
            "| family | training steps/s (median of 3) | batch | images/s trained |",
            "| --- | ---: | ---: | ---: |",
            f"| GAN (`{GAN_RECIPE}`) | {rates['gan']['median']:.2f} | 64 | "
            f"{64 * rates['gan']['median']:.0f} |",
            f"| diffusion (U-Net, {recipe.base_filters} filters) | {rates['diffusion']['median']:.2f} "
            f"| {recipe.batch_size} | {recipe.batch_size * rates['diffusion']['median']:.0f} |", "",
            study.quality_table(table), "", "### Sampling cost", "",
            "Measured on the draws above (156 images per draw, one process, same machine).", "",
            study.cost_table(table), ""]


def write_report(folder=OUT, path=REPORT) -> None:
    """Writes docs/results/diffusion.md from the result files (nothing when none exist)."""
    import json
    import pathlib

    if not (folder / "timing.json").is_file():
        return
    timing = json.loads((folder / "timing.json").read_text())
    from medgan_course.usecases import diffusion_study as study

    text = "\n".join(report_lines(study.load_study(folder), timing))
    pathlib.Path(path).write_text(text)
    print(f"wrote {path}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    timing = sub.add_parser("time")
    timing.add_argument("--repeats", type=int, default=3)
    run = sub.add_parser("run")
    run.add_argument("--budgets", nargs="+", type=int, default=[60, 300])
    run.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    run.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    run.add_argument("--ddpm-seeds", nargs="*", type=int, default=[0],
                     help="seeds whose diffusion model is also sampled with the full DDPM chain")
    sub.add_parser("report")
    args = parser.parse_args(argv)
    if args.command == "time":
        time_families(args)
    elif args.command == "run":
        run_study(args)
    else:
        write_report(OUT, REPORT)


if __name__ == "__main__":
    main()
