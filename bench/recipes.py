"""The default recipe, chosen by a study: sample quality at equal wall-clock budgets.

Arms (`ARMS`), all the course's DCGAN architecture at 28 px, batch 64:

* `dcgan`: the course's default before this study (spectral norm + hinge + EMA 0.999; now the
  recipe `sn-hinge-ema`, while `dcgan` names the study's winner);
* `plain`: the plain non-saturating DCGAN of notebook 05 (BatchNorm D, Adam 2e-4, beta1 0.5);
* `plain+ema`: `plain`, sampled from an EMA (0.999) of G that copies G's BatchNorm statistics;
* `plain+ema-bn`: the same EMA, its BatchNorm statistics recalibrated under the averaged
  weights (`ema.recalibrate_batch_norm`);
* `plain+ema-bn+diffaug`: that plus DiffAugment (colour, translation, cutout);
* `light-g` / `wide-g`: `plain` with a generator of 16 / 64 base filters instead of 32.

Equal wall-clock, not equal steps: `time` measures each arm's own recipe (steps per second,
median of 3 runs on this machine, XLA off as the package's default) and each budget B seconds
becomes `round(B * steps_per_second)` steps of that arm. The quality runs then train to those
steps, so that other load on the machine changes how long they take but not their results.
Arms that differ only in how they sample (`plain`, `plain+ema`, `plain+ema-bn`) share one
training run per seed and are snapshot at their own step counts: the EMA does not change the
training. At each snapshot 1,000 samples are scored by `evaluation.report.sample_quality` (the
offline domain extractor: "FD (domain features)", with the real test-vs-train floor,
precision, recall and memorized fraction).

    python bench/recipes.py time
    python bench/recipes.py run --dataset breastmnist --budgets 60 300 [--runs ...] [--seeds 0 1 2]
    python bench/recipes.py run --dataset phantoms --budgets 60
    python bench/recipes.py report          # docs/RECIPES.md
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time

import keras

from common import REPO, RESULTS, data_dir, machine, run_missing, write_json
from throughput import BatchClock

OUT = RESULTS / "recipes"
DOC = REPO / "docs" / "RECIPES.md"
N_SAMPLES = 1000
TIMING_WARMUP, TIMING_STEPS = 10, 150
#: arm -> (training run, how it samples: "raw" generator, "ema-copy", "ema-recal").
ARMS = {
    "dcgan": ("dcgan", "ema-copy"),
    "plain": ("plain", "raw"),
    "plain+ema": ("plain", "ema-copy"),
    "plain+ema-bn": ("plain", "ema-recal"),
    "plain+ema-bn+diffaug": ("plain-diffaug", "ema-recal"),
    "light-g": ("light-g", "raw"),
    "wide-g": ("wide-g", "raw"),
}
WHAT = {
    "dcgan": "the default before this study (now recipe `sn-hinge-ema`): spectral-norm D, hinge "
             "loss, EMA 0.999 (BatchNorm statistics copied)",
    "plain": "non-saturating loss, BatchNorm D, no EMA (notebook 05's baseline)",
    "plain+ema": "plain, sampled from an EMA 0.999 that copies G's BatchNorm statistics",
    "plain+ema-bn": "plain, EMA 0.999 with BatchNorm statistics recalibrated",
    "plain+ema-bn+diffaug": "plain+ema-bn trained with DiffAugment",
    "light-g": "plain with a 16-filter generator (32 in the others)",
    "wide-g": "plain with a 64-filter generator",
}


def run_recipes() -> dict:
    """Training run name -> `Recipe` (EMA tracked wherever some arm of the run samples it)."""
    from medgan_course.training.diagnostics import DIFFAUGMENT_POLICY, remedy_recipes
    from medgan_course.training.recipes import get_recipe

    plain = remedy_recipes()["non-saturating"].replace(name="plain", ema_decay=0.999)
    # "dcgan" is the default the study started from, now named "sn-hinge-ema".
    return {"dcgan": get_recipe("sn-hinge-ema").replace(name="dcgan"), "plain": plain,
            "plain-diffaug": plain.replace(name="plain-diffaug", augment_policy=DIFFAUGMENT_POLICY),
            "light-g": plain.replace(name="light-g", generator_filters=16),
            "wide-g": plain.replace(name="wide-g", generator_filters=64)}


def arm_recipe(arm):
    """The recipe an arm would be trained with on its own (what its budget is timed on)."""
    run, mode = ARMS[arm]
    recipe = run_recipes()[run]
    if mode == "raw":
        return recipe.replace(ema_decay=None)
    return recipe.replace(ema_batch_norm="recalibrate" if mode == "ema-recal" else "copy")


def timed_as() -> dict:
    """arm -> the arm whose timing it uses: the first with the same training recipe (arms that
    differ only in how they sample, e.g. `plain+ema` and `plain+ema-bn`, train identically)."""
    firsts, out = {}, {}
    for arm in ARMS:
        key = json_key(arm_recipe(arm).replace(name="-", ema_batch_norm="copy"))
        out[arm] = firsts.setdefault(key, arm)
    return out


def json_key(recipe) -> str:
    return json.dumps(recipe.to_dict(), sort_keys=True)


def time_arms(args) -> None:
    """Steps per second of every arm's recipe: median of `--repeats` fresh runs."""
    from medgan_course.data import load_dataset
    from medgan_course.training.runner import train

    dataset = load_dataset("breastmnist", data_dir=data_dir())
    same = timed_as()
    jit, rates = args.jit_compile == "on", {arm: [] for arm in ARMS if same[arm] == arm}
    for repeat in range(args.repeats):  # repeats outside: drifts of the machine hit all arms
        for arm in rates:
            clock = BatchClock()
            train(arm_recipe(arm), dataset, steps=TIMING_WARMUP + TIMING_STEPS, seed=repeat,
                  jit_compile=jit, sample_every=10**9, extra_callbacks=[clock], progress=False)
            timed = clock.stamps[TIMING_WARMUP - 1:]
            rates[arm].append((len(timed) - 1) / (timed[-1] - timed[0]))
            print(f"repeat {repeat}: {arm:22s} {rates[arm][-1]:6.1f} steps/s", flush=True)
    write_json(OUT / "timing.json", {
        "machine": machine(), "jit_compile": jit, "steps_timed": TIMING_STEPS,
        "steps_per_second": {a: {"runs": rates[same[a]], "median": statistics.median(rates[same[a]]),
                                 "timed_as": same[a]} for a in ARMS}})


class _Snapshots(keras.callbacks.Callback):
    """Generates `N_SAMPLES` images per requested (arm, budget) when training reaches its step."""

    def __init__(self, due, seed):
        super().__init__()
        self.due, self.seed, self.samples, self.step = due, seed, {}, 0  # due: [(step, arm, B)]

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        todo = [(arm, budget) for step, arm, budget in self.due if step == self.step]
        # "ema-copy" before "ema-recal": recalibrating overwrites the copied statistics.
        for arm, budget in sorted(todo, key=lambda t: ARMS[t[0]][1] == "ema-recal"):
            mode = ARMS[arm][1]
            gan = self.model
            gan.ema_batch_norm = "recalibrate" if mode == "ema-recal" else "copy"
            gan._ema_calibrated_at = None
            images = gan.generate(N_SAMPLES, seed=self.seed, use_ema=mode != "raw")
            self.samples[(arm, budget)] = {"images": images, "step": self.step}


def run_one(run, seed, dataset, extractor, budgets, steps_per_second, jit) -> dict:
    """Trains `run` once to its longest budget; scores every arm of it at every budget."""
    from medgan_course.evaluation.report import sample_quality
    from medgan_course.training.runner import train

    arms = [arm for arm, (r, _) in ARMS.items() if r == run]
    due = [(round(b * steps_per_second[arm]), arm, b) for arm in arms for b in budgets]
    snapshots = _Snapshots(due, seed)
    started = time.perf_counter()
    train(run_recipes()[run], dataset, steps=max(s for s, _, _ in due), seed=seed,
          jit_compile=jit, sample_every=10**9, extra_callbacks=[snapshots], progress=False)
    seconds = time.perf_counter() - started
    scores = {}
    for (arm, budget), snap in sorted(snapshots.samples.items()):
        quality = sample_quality(snap["images"], dataset, extractor, seed=seed)
        scores.setdefault(arm, {})[str(budget)] = {"steps": snap["step"], **quality}
        print(f"  {arm:22s} {budget:4d} s = {snap['step']:5d} steps: FD {quality['fid']:.3f} "
              f"(floor {quality['floor_fid']:.3f}) precision {quality['precision']:.2f} recall "
              f"{quality['recall']:.2f} memorized {quality['memorized_fraction']:.3f}", flush=True)
    return {"run": run, "seed": seed, "dataset": dataset.name, "budgets": budgets,
            "jit_compile": jit, "wall_seconds": round(seconds, 1),
            "recipe": run_recipes()[run].to_dict(), "scores": scores}


def run_study(args) -> None:
    from medgan_course.data import load_dataset
    from medgan_course.evaluation.report import domain_extractor_for

    timing = json.loads((OUT / "timing.json").read_text())
    same = timed_as()  # arms that train identically get one budget in steps
    rates = {a: timing["steps_per_second"][same[a]]["median"] for a in ARMS}
    real = args.dataset != "phantoms"
    dataset = load_dataset(args.dataset, data_dir=data_dir() if real else None)
    extractor = domain_extractor_for(dataset, seed=0)

    def one(run, seed):
        print(f"{dataset.name} {run} seed {seed} (budgets {args.budgets} s):", flush=True)
        return run_one(run, seed, dataset, extractor, args.budgets, rates, timing["jit_compile"])

    run_missing(args.seeds, args.runs,
                lambda run, seed: OUT / f"{dataset.name}_{run}_seed{seed}_{max(args.budgets)}s.json",
                one, "python bench/recipes.py " + " ".join(sys.argv[1:]))


# ------------------------------------------------------------------------------------ report


def load_scores(folder=OUT) -> dict:
    """{(dataset, arm, budget): {seed: scores}}, the longest run's where two cover a budget."""
    table, sources = {}, {}
    for path in sorted(folder.glob("*_seed*_*s.json")):
        record = json.loads(path.read_text())
        for arm, by_budget in record["scores"].items():
            for budget, scores in by_budget.items():
                key, seed = (record["dataset"], arm, int(budget)), record["seed"]
                longest = max(record["budgets"])
                if sources.get((key, seed), -1) < longest:
                    table.setdefault(key, {})[seed] = {**scores, "machine": record["machine"]}
                    sources[(key, seed)] = longest
    return table


def _column(seeds, key):
    return [scores[key] for scores in seeds.values()]


def _mean_sd(values, digits=2):
    if len(values) < 2:
        return f"{values[0]:.{digits}f}" if values else "n/a"
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def best_arm(table, dataset, budget):
    """The arm with the lowest mean FD at (dataset, budget), among arms with >= 3 seeds."""
    means = {arm: statistics.fmean(s["fid"] for s in seeds.values())
             for (d, arm, b), seeds in table.items() if d == dataset and b == budget
             and len(seeds) >= 3}
    return min(means, key=means.get) if means else None


def _verdict(table, key, base_key):
    from medgan_course.evaluation.classification import paired_differences

    arm, base = table.get(key, {}), table.get(base_key, {})
    seeds = sorted(set(arm) & set(base))
    if key == base_key or len(seeds) < 2:
        return "reference" if key == base_key else "too few paired seeds"
    gain = paired_differences([base[s]["fid"] for s in seeds], [arm[s]["fid"] for s in seeds])
    text = f"{gain.n_a_better}/{len(seeds)} seeds lower"
    if gain.low > 0:
        return f"**lower FD** ({text})"
    return f"**higher FD** ({text})" if gain.high < 0 else f"no clear difference ({text})"


def report_lines(table, timing) -> list[str]:
    m = timing["machine"]
    lines = ["# The default recipe, chosen by a study", "",
             "Produced by `bench/recipes.py` (see its docstring for the design); regenerate with "
             "`python bench/recipes.py time`, `... run ...`, `... report`.", "",
             "Equal **wall-clock** budgets: each arm's steps = budget × its own measured steps per "
             "second (below). FD (domain features): Fréchet distance in the offline domain "
             "extractor's features between 156 (BreastMNIST) samples and the training split; the "
             "floor is the test split against the training split, same extractor and sizes (lower "
             "is better; the floor is what real held-out images score). Mean ± SD over seeds. "
             "Verdict: paired by seed against `plain` at the same budget; *lower*/*higher* only "
             "when the 95 % t-interval of the difference excludes 0.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, CPU flags {', '.join(m['flags'])}; "
             f"TensorFlow {m['tensorflow']}, Keras {m['keras']}; float32 (what `--precision auto` "
             f"picks on this CPU); XLA {'on' if timing['jit_compile'] else 'off'}.", "",
             "| arm | what it is | steps/s (median of 3) |", "| --- | --- | ---: |"]
    for arm in ARMS:
        lines.append(f"| {arm} | {WHAT[arm]} | {timing['steps_per_second'][arm]['median']:.1f} |")
    for dataset in sorted({d for d, _, _ in table}):
        for budget in sorted({b for d, _, b in table if d == dataset}):
            lines += ["", f"## {dataset}, {budget} s", "",
                      "| arm | seeds | steps | FD (domain features) ↓ | floor | precision | "
                      "recall | memorized | verdict vs plain |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
            for arm in ARMS:
                seeds = table.get((dataset, arm, budget))
                if not seeds:
                    continue
                col = functools.partial(_column, seeds)
                lines.append(
                    f"| {arm} | {len(seeds)} | {statistics.fmean(col('steps')):.0f} | "
                    f"{_mean_sd(col('fid'))} | {statistics.fmean(col('floor_fid')):.2f} | "
                    f"{_mean_sd(col('precision'))} | {_mean_sd(col('recall'))} | "
                    f"{_mean_sd(col('memorized_fraction'), 3)} | "
                    f"{_verdict(table, (dataset, arm, budget), (dataset, 'plain', budget))} |")
            best = best_arm(table, dataset, budget)
            if best:
                lines += ["", f"Lowest mean FD: **{best}**."]
            missing = [arm for arm in ARMS if (dataset, arm, budget) not in table]
            if missing:
                lines += ["", f"Not measured at this budget: {', '.join(missing)}."]
    return lines + decision_lines(table) + [""]


def default_arm():
    """The arm trained and sampled as the package's default recipe (`get_recipe("dcgan")`)."""
    from medgan_course.training.recipes import get_recipe

    default = get_recipe("dcgan")
    for arm in ARMS:
        if arm_recipe(arm).replace(name=default.name) == default:
            return arm
    return None


def _mean_fd(table, key):
    seeds = table.get(key, {})
    return statistics.fmean(s["fid"] for s in seeds.values()) if seeds else None


def decision_lines(table, dataset="breastmnist") -> list[str]:
    """What the study decides: the default, the targets, and the EMA BatchNorm question."""
    arm, lines = default_arm(), ["", "## Decision", ""]
    best = best_arm(table, dataset, 300) or best_arm(table, dataset, 60)
    lines.append(f"- Lowest mean FD on {dataset} at the longest budget measured: **{best}**. "
                 f"The package's default recipe `dcgan` is trained and sampled as the arm "
                 f"**{arm}**.")
    for budget, target in ((60, 2.0), (300, 1.5)):
        fd = _mean_fd(table, (dataset, arm, budget))
        if fd is not None:
            met = "met" if fd <= target else "NOT met"
            lines.append(f"- Target FD ≤ {target} at {budget} s (3-seed mean, floor "
                         f"{_mean_fd_floor(table, (dataset, arm, budget)):.2f}): {fd:.2f}, **{met}**.")
    lines += _challenger_lines(table, arm)
    for budget in (60, 300):
        key = (dataset, "plain+ema-bn", budget)
        if key in table and (dataset, "plain+ema", budget) in table:
            lines.append(f"- EMA BatchNorm statistics at {budget} s, recalibrated against copied "
                         f"(paired by seed): {_verdict(table, key, (dataset, 'plain+ema', budget))}.")
    return lines


def _challenger_lines(table, arm) -> list[str]:
    """Arms with a lower mean FD than the default's, per dataset and budget, with their verdicts."""
    lines, clear = [], False
    for dataset, budget in sorted({(d, b) for d, _, b in table}):
        base = _mean_fd(table, (dataset, arm, budget))
        for other in ARMS:
            fd = _mean_fd(table, (dataset, other, budget))
            if other == arm or fd is None or base is None or fd >= base:
                continue
            verdict = _verdict(table, (dataset, other, budget), (dataset, arm, budget))
            clear = clear or verdict.startswith("**lower")
            lines.append(f"- Lower mean FD than **{arm}** on {dataset} at {budget} s: {other} "
                         f"({fd:.2f} against {base:.2f}): {verdict}.")
    if not clear:
        lines.append(f"- No arm has a lower FD than **{arm}** beyond the spread between seeds on "
                     f"any dataset and budget measured, so the default stays the simplest arm.")
    return lines


def _mean_fd_floor(table, key):
    return statistics.fmean(s["floor_fid"] for s in table[key].values())


def write_report(folder=OUT, doc=DOC) -> None:
    """Writes docs/RECIPES.md (or `doc`) from the result files in `folder`."""
    table = load_scores(folder)
    timing = json.loads((folder / "timing.json").read_text())
    doc.write_text("\n".join(report_lines(table, timing)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    timer = sub.add_parser("time", help="measure every arm's steps per second")
    timer.add_argument("--repeats", type=int, default=3)
    runner = sub.add_parser("run", help="train and score")
    runner.add_argument("--dataset", default="breastmnist", help="breastmnist or phantoms")
    runner.add_argument("--budgets", nargs="+", type=int, default=[60, 300])
    runner.add_argument("--runs", nargs="+", default=list(run_recipes()), choices=list(run_recipes()))
    runner.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    timer.add_argument("--jit-compile", choices=("on", "off"), default="off",
                       help="XLA (off, as the package's default; the quality runs use what the "
                            "timing used)")
    sub.add_parser("report", help="write docs/RECIPES.md")
    args = parser.parse_args()
    if args.command == "report":
        write_report()
        print(f"wrote {DOC}")
    else:
        {"time": time_arms, "run": run_study}[args.command](args)


if __name__ == "__main__":
    main()
