"""Class imbalance over seeds: baseline, classical remedies and cGAN minority images (notebook 07).

For each imbalance level (natural: the training split as published; harsh: 25% of its minority
class kept) and each seed, one class-conditional GAN is trained on the (imbalanced) training
split and reused by every GAN arm; then one classifier per arm of
`medgan_course.usecases.imbalance.ARMS`, all with the same number of gradient steps. A seed
re-draws everything random: the subsample, the GAN, the synthetic images and the classifier.
One JSON per level, arm and seed in medgan_course/results/imbalance/ (`{level}.{arm}_seed{k}.json`);
existing ones are skipped, so an interrupted run resumes. `--report` writes
docs/results/imbalance.md from whatever results exist.

    python bench/usecase_imbalance.py --seeds 0 1 2 3 4
    python bench/usecase_imbalance.py --report
"""

from __future__ import annotations

import dataclasses
import pathlib
import sys
import time

import numpy as np

from common import REPO, RESULTS, data_dir, machine, report_only, usecase_parser

from medgan_course.evaluation.classification import t_interval
from medgan_course.usecases import imbalance, results
from medgan_course.usecases.classify import ClassifierBudget

OUT = RESULTS / "imbalance"
#: The real baseline retrained on the machine that ran the cfg arm (`--arms real --out` here):
#: how much a change of machine alone moves the numbers, and a same-machine baseline for cfg.
RERUN = RESULTS / "imbalance_rerun"
REPORT = REPO / "docs" / "results" / "imbalance.md"
#: Budgets chosen after timing one cGAN and one classifier (see the report's "Budgets").
#: diffusion_steps: the cGAN's 1,500 steps took 50.3 and 50.2 s, 1,000 diffusion steps 100.7 and
#: 104.1 s (Intel Xeon, avx512_bf16, 2026-12-04): equal wall-clock is about 490 steps.
DEFAULTS = {"gan_steps": 1500, "diffusion_steps": 500, "guidance": 1.0, "epochs": 20, "width": 16}


def _budget(args) -> imbalance.ImbalanceBudget:
    return imbalance.ImbalanceBudget(
        gan_steps=args.gan_steps, gan_recipe=args.recipe, diffusion_steps=args.diffusion_steps,
        guidance=args.guidance, classifier=ClassifierBudget(epochs=args.epochs, width=args.width))


def _pending(root, level, seed, arms) -> list[str]:
    return [arm for arm in arms if not results.is_done(root, f"{level}.{arm}", seed)]


def run_unit(root, dataset, level, seed, arms, budget, context) -> None:
    """One level and seed: the baseline classifier, the cGAN (once), then the other arms."""
    import keras

    todo = _pending(root, level, seed, arms)
    if not todo:
        return
    keras.backend.clear_session()
    train, minority = imbalance.imbalanced_train_split(dataset.train, imbalance.LEVELS[level], seed)
    # Steps per epoch from ALL arms' sizes, so a run of a few arms keeps the same budget.
    clf_budget = imbalance.equal_steps_budget(
        budget.classifier, imbalance.arm_sizes(train, minority).values())
    common = {**context, "level": level, "keep_fraction": imbalance.LEVELS[level],
              "minority": minority, "train_counts_real": np.bincount(train.labels).tolist(),
              "budget": {**budget.to_dict(), "classifier": dataclasses.asdict(clf_budget)}}
    base_clf, base = None, None
    made = {}  # family -> (sampler, info, check): one cGAN and one diffusion model per unit
    for arm in ["real"] + [a for a in todo if a != "real"]:
        family = ("gan" if imbalance.needs_gan([arm]) else
                  "diffusion" if imbalance.needs_diffusion([arm]) else None)
        if family and family not in made:
            made[family] = _train_generator(family, dataset, train, minority, budget, seed,
                                            base_clf, base, level)
        if arm == "real" and base is not None:
            continue
        sampler, info, check = made.get(family, (None, None, None))
        started = time.perf_counter()
        data = imbalance.arm_data(arm, train, minority=minority, num_classes=dataset.num_classes,
                                  gan=sampler if family == "gan" else None,
                                  diffusion=sampler if family == "diffusion" else None, seed=seed)
        clf, record = imbalance.run_arm(arm, data, dataset, minority=minority, budget=clf_budget,
                                        seed=seed)
        record.update(common, seconds=round(time.perf_counter() - started, 1))
        if info is not None:
            record.update({family: info, "synthetic_check": check})
            if arm in ("gan+100", "cfg+100"):
                record["synthetic_examples"] = imbalance.to_uint8_list(
                    imbalance.generate_class(sampler, 8, minority, seed=20_000 + seed))
        if arm == "real":
            base_clf, base = clf, record
        if arm in todo:
            results.save_result(root, f"{level}.{arm}", seed, record)
            m = record["metrics"]
            print(f"  {level} seed {seed} {arm:15s} AUC {m['auc']:.3f} bal.acc "
                  f"{m['balanced_accuracy']:.3f} sens {m['sensitivity']:.3f} spec "
                  f"{m['specificity']:.3f} ({record['seconds']} s)", flush=True)


def _train_generator(family, dataset, train, minority, budget, seed, base_clf, base, level):
    """The unit's cGAN or guided diffusion model, its timing, and the baseline's class check."""
    started = time.perf_counter()
    if family == "gan":
        result = imbalance.train_conditional_gan(dataset, train, budget, seed=seed, progress=False)
        sampler = result.gan
        info = {"recipe": budget.gan_recipe, "steps": int(result.steps), "stopped": result.stopped}
    else:
        result, sampler = imbalance.train_conditional_diffusion(dataset, train, budget, seed=seed,
                                                                progress=False)
        info = {"steps": int(result.steps), "guidance": budget.guidance,
                "ddim_steps": budget.ddim_steps, "recipe": result.recipe.to_dict()}
    info["seconds"] = round(time.perf_counter() - started, 1)
    # Same latent vectors (same seed), minority label vs the majority label.
    started = time.perf_counter()
    fakes = imbalance.generate_class(sampler, 200, minority, seed=10_000 + seed)
    others = imbalance.generate_class(sampler, 200, imbalance.majority_class(train.labels),
                                      seed=10_000 + seed)
    info["sampling_seconds_400"] = round(time.perf_counter() - started, 1)
    real_test = dataset.test.images[dataset.test.labels == minority]
    check = imbalance.synthetic_class_check(
        base_clf, fakes, real_test, minority=minority,
        threshold=base["metrics"]["threshold"], fake_other=others)
    print(f"  {level} seed {seed}: {family} {info['steps']} steps in {info['seconds']} s; "
          f"baseline calls minority: {check['fake_called_minority']:.2f} of generated minority, "
          f"{check['other_called_minority']:.2f} of generated majority (same noise), "
          f"{check['real_called_minority']:.2f} of real test minority", flush=True)
    return sampler, info, check


def main(argv=None) -> None:
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # predict's retracing notices
    parser = usecase_parser(__doc__.splitlines()[0], OUT, REPORT)
    parser.add_argument("--levels", nargs="+", default=list(imbalance.LEVELS),
                        choices=list(imbalance.LEVELS))
    parser.add_argument("--arms", nargs="+", default=list(imbalance.ARMS),
                        choices=list(imbalance.ARMS))
    parser.add_argument("--recipe", default="cdcgan")
    parser.add_argument("--gan-steps", type=int, default=DEFAULTS["gan_steps"])
    parser.add_argument("--diffusion-steps", type=int, default=DEFAULTS["diffusion_steps"])
    parser.add_argument("--guidance", type=float, default=DEFAULTS["guidance"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--width", type=int, default=DEFAULTS["width"])
    args = parser.parse_args(argv)
    if report_only(args, write_report):
        return
    from medgan_course.data import load_dataset

    dataset = load_dataset(args.dataset, data_dir=data_dir())
    context = {"dataset": args.dataset, "machine": machine(),
               "command": "python bench/usecase_imbalance.py " + " ".join(sys.argv[1:])}
    started = time.perf_counter()
    for seed in args.seeds:
        for level in args.levels:
            run_unit(args.out, dataset, level, seed, args.arms, _budget(args), context)
    print(f"done in {time.perf_counter() - started:.0f} s", flush=True)


# ------------------------------------------------------------------------------------ report
PUBLISHED = {"auc": 0.901, "acc": 0.863, "majority_acc": 0.731}


def _mean_ci(values) -> str:
    if len(values) < 2:
        return f"{np.mean(values):.3f}" if values else "—"
    mean, low, high = t_interval(values)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _includes(values, point) -> bool:
    if len(values) < 2:
        return False
    _, low, high = t_interval(values)
    return low <= point <= high


def _budget_lines(recs) -> list[str]:
    first = recs[0]["budget"]
    clf, gan_steps = first["classifier"], sorted({r["gan"]["steps"] for r in recs if "gan" in r})
    gan_secs = [r["gan"]["seconds"] for r in recs if r["arm"].endswith(".gan+100")]
    lines = [f"- cGAN: recipe `{first['gan_recipe']}`, {first['gan_steps']} generator steps "
             f"(completed: {gan_steps}), EMA decay {first['gan_ema_decay']}, one GAN per seed and "
             "level reused by every GAN arm; "
             f"{np.mean(gan_secs) if gan_secs else float('nan'):.0f} s per GAN on average here."]
    diffusion = [r["diffusion"] for r in recs if "diffusion" in r]
    if diffusion:
        d = diffusion[0]
        lines.append(
            f"- Diffusion (`cfg` arm): a class-conditional U-Net ({d['recipe']['base_filters']} "
            f"base filters, label dropout for guidance, {d['recipe']['schedule']} schedule, "
            f"T = {d['recipe']['timesteps']}), {d['steps']} steps of batch "
            f"{d['recipe']['batch_size']}, about the cGAN's training time on the machine it ran "
            f"on ({np.mean([x['seconds'] for x in diffusion]):.0f} s per model); sampled with DDIM "
            f"over {d['ddim_steps']} steps and guidance w = {d['guidance']} "
            f"({2 * d['ddim_steps']} network evaluations per image).")
    return lines + [
        f"- Classifier (every arm): {clf['epochs']} epochs x {clf['min_steps_per_epoch']} "
        f"steps of batch {clf['batch_size']} (the same number of updates for every arm), "
        f"width {clf['width']}, Adam {clf['learning_rate']}; best validation-AUC epoch kept, "
        f"threshold by Youden's J on validation."]


def _level_section(records, level, rerun=()) -> list[str]:
    recs = [r for r in records if r["arm"].startswith(level + ".")]
    if not recs:
        return [f"## Level `{level}`", "", "Not measured yet.", ""]
    rows = imbalance.summarise_level(records, level)
    counts = recs[0]["train_counts_real"]
    out = [f"## Level `{level}`: keep {imbalance.LEVELS[level]:.0%} of the minority class", "",
           f"Real training split: class counts {counts} (minority class {recs[0]['minority']}); "
           "validation and test untouched.", "", *_budget_lines(recs), "",
           "Mean [95% t-interval] over seeds; Δ = per-seed paired difference against the real "
           "baseline (same seed), with its 95% t-interval and how many seeds improved.", "",
           results.markdown_table(rows, labels=imbalance.ARM_LABELS), "",
           "Conclusions computed from the table (better/worse only when the paired interval "
           "excludes 0):", ""]
    for metric in ("auc", "balanced_accuracy", "sensitivity"):
        out += [f"- {s}" for s in imbalance.conclusions(rows, metric)]
    rerun = [r for r in rerun if r["arm"].startswith(level + ".")]
    out += ["", *_check_lines(recs, "gan"), "", *_check_lines(recs, "diffusion", rerun), "",
            *_bootstrap_lines(records, level), ""]
    return out


def _check_lines(recs, family="gan", baseline=None) -> list[str]:
    """The class check of one family; `baseline`: the real-baseline records of the classifier
    that scored it (default: those in `recs`; the diffusion arm's: those of its own machine)."""
    checks = list({r["seed"]: r["synthetic_check"] for r in recs
                   if "synthetic_check" in r and family in r}.values())
    if not checks:
        return []
    name = {"gan": "cGAN", "diffusion": "guided diffusion model"}[family]

    shift = [c["fake_called_minority"] - c["other_called_minority"] for c in checks]
    other = [c["other_called_minority"] for c in checks]
    false_pos = [1 - r["metrics"]["specificity"] for r in (baseline or recs)
                 if r["arm"].endswith(".real")]
    fake, real = (np.mean([c[k + "_called_minority"] for c in checks]) for k in ("fake", "real"))

    def row(label, key):
        return (f"| {label} | {_mean_ci([c[key + '_called_minority'] for c in checks])} | "
                f"{_mean_ci([c[key + '_mean_score'] for c in checks])} |")

    return [f"Are the {name}'s images of the requested (minority) class? The seed's real-data "
            "baseline classifier, at its validation threshold, scored 200 images generated with "
            "the minority label, 200 generated from the SAME latent vectors with the majority "
            "label, and the test split's real images (for the real majority: 1 - specificity; "
            "mean [95% CI] over seeds):", "",
            "| images | called minority | mean minority probability |", "| --- | --- | --- |",
            row("generated, minority label", "fake"),
            row("generated, majority label (same z)", "other"),
            row("real minority (test)", "real"),
            f"| real majority (test) | {_mean_ci(false_pos)} | — |", "",
            f"Per seed, the minority label raised the fraction called minority by "
            f"{100 * np.mean(shift):+.1f} points over the same noise with the majority label "
            f"({sum(d > 0 for d in shift)}/{len(shift)} seeds). Images generated as the MAJORITY "
            f"class were called minority {100 * np.mean(other):.0f}% of the time, against "
            f"{100 * np.mean(false_pos):.0f}% for real majority test images"
            + (f": to the baseline, this {name}'s images lean towards the minority class whatever "
               "the label, so its 'minority' images are only partly minority-specific."
               if np.mean(other) > np.mean(false_pos) + 0.1 else ".")
            + f" Images generated with the minority label were called minority {100 * fake:.0f}% "
              f"of the time, real minority test images {100 * real:.0f}%"
            + ("." if fake > real - 0.2 else f": most of the {name}'s 'minority' images do not "
               "look like the minority class to the classifier.")]


def _bootstrap_lines(records, level, seed=0) -> list[str]:
    by_arm = {r["arm"].split(".", 1)[1]: r for r in records
              if r["arm"].startswith(level + ".") and r["seed"] == seed}
    if not by_arm:
        return []
    n_pos = sum(t == 0 for t in next(iter(by_arm.values()))["test_target"])
    out = [f"Bootstrap over test cases, seed {seed} only (1,000 stratified resamples of the "
           f"{len(next(iter(by_arm.values()))['test_target'])} test cases, {n_pos} of them "
           f"minority: one case moves sensitivity by {100 / n_pos:.1f} points). This interval "
           "is the test set's sampling error alone, not the training randomness:", "",
           "| arm | AUC [95% bootstrap] | sensitivity [95% bootstrap] |", "| --- | --- | --- |"]
    for arm in imbalance.ARMS:
        if arm in by_arm:
            cells = [results.bootstrap_over_test_cases(by_arm[arm], m) for m in ("auc", "sensitivity")]
            out.append(f"| {imbalance.ARM_LABELS[arm]} | " + " | ".join(
                f"{p:.3f} [{lo:.3f}, {hi:.3f}]" for p, lo, hi in cells) + " |")
    return out


def _published_lines(records) -> list[str]:
    base = [r for r in records if r["arm"] == "natural.real"]
    if not base:
        return []
    from medgan_course.models.classifier import build_classifier

    auc = [r["metrics"]["auc"] for r in base]
    acc = [r["metrics"]["accuracy_argmax"] for r in base]
    gap, acc_gap = np.mean(auc) - PUBLISHED["auc"], np.mean(acc) - PUBLISHED["acc"]
    width = base[0]["budget"]["classifier"]["width"]
    params = build_classifier((28, 28, 1), 2, width=width).count_params()
    return ["## Baseline beside the published figure", "",
            "| model | test AUC | test ACC (argmax) |", "| --- | --- | --- |",
            f"| MedMNIST v2 Table 3, ResNet-18 (28 px) | {PUBLISHED['auc']:.3f} | {PUBLISHED['acc']:.3f} |",
            f"| this course's small CNN, real data, {len(base)} seeds | {_mean_ci(auc)} | {_mean_ci(acc)} |",
            f"| always predict the majority class | 0.500 | {PUBLISHED['majority_acc']:.3f} |", "",
            f"Our baseline's mean AUC is {abs(gap):.3f} {'below' if gap < 0 else 'above'} the "
            f"published ResNet-18's, and its mean argmax accuracy {abs(acc_gap):.3f} "
            f"{'below' if acc_gap < 0 else 'above'}; its seeds' AUCs range from {min(auc):.3f} "
            f"to {max(auc):.3f}, and the 95% t-interval "
            f"{'includes' if _includes(auc, PUBLISHED['auc']) else 'excludes'} 0.901. Our CNN has "
            f"{params / 1e3:.0f} k parameters (width {width}) and trains for a few hundred steps; "
            "MedMNIST v2's ResNet-18 has about 11 M and trained for 100 epochs. Argmax accuracy "
            "uses no threshold tuning, so on an imbalanced split it moves a lot from seed to "
            "seed; the tables below use the validation-chosen threshold instead.", ""]


def _unit_time_lines(records, gan_seconds) -> list[str]:
    """The fastest (level, seed) unit: the closest this shared machine came to idle cores."""
    units = {}
    for r in records:
        if "diffusion" in r:
            continue  # the cfg arm ran later, on another machine (see "Machines")
        units[(r["level"], r["seed"])] = units.get((r["level"], r["seed"]), 0.0) + r["seconds"]
    for key, seconds in gan_seconds.items():
        units[key] = units.get(key, 0.0) + seconds
    (level, seed), fastest = min(units.items(), key=lambda kv: kv[1])
    n_classifiers = len(imbalance.ARMS) - len(imbalance.DIFFUSION_AMOUNTS)
    return [f"Fastest unit (one cGAN and {n_classifiers} classifiers): {level} seed {seed} "
            f"in {fastest:.0f} s, when the machine was nearly idle; at that pace the {len(units)} "
            f"units take about {len(units) * fastest / 60:.0f} min."]


def _overall_lines(records) -> list[str]:
    """The verdict in a few computed sentences, and the published reference points beside it."""
    lines = ["## In short (computed from the tables below)", ""]
    for level in imbalance.LEVELS:
        rows = [r for r in imbalance.summarise_level(records, level) if "vs_baseline" in r]
        if not rows:
            continue
        gan = [r for r in rows if r["arm"] in imbalance.GAN_AMOUNTS]
        verdicts = {r["arm"]: imbalance.verdict(r["vs_baseline"]["auc"]) for r in rows}
        better = [imbalance.ARM_LABELS[a] for a, v in verdicts.items() if v == "better"]
        worse = [imbalance.ARM_LABELS[a] for a, v in verdicts.items() if v == "worse"]
        top = max(gan, key=lambda r: r["vs_baseline"]["sensitivity"][0]) if gan else None
        lines.append(
            f"- `{level}`: better than the real baseline in AUC: {', '.join(better) or 'no arm'}; "
            f"worse: {', '.join(worse) or 'no arm'}. "
            + (f"The largest mean sensitivity change from GAN images was "
               f"{100 * top['vs_baseline']['sensitivity'][0]:+.1f} points "
               f"({imbalance.ARM_LABELS[top['arm']]}, 95% CI "
               f"[{100 * top['vs_baseline']['sensitivity'][1]:+.1f}, "
               f"{100 * top['vs_baseline']['sensitivity'][2]:+.1f}], specificity "
               f"{100 * top['vs_baseline']['specificity'][0]:+.1f} points)." if top else ""))
        diff = imbalance.versus(records, level)
        if diff:
            lines.append(
                f"- `{level}`, the two families at the same amount (+100%), diffusion (CFG) minus "
                f"cGAN, paired by seed: AUC {diff['auc'][0]:+.3f} [{diff['auc'][1]:+.3f}, "
                f"{diff['auc'][2]:+.3f}] ({imbalance.verdict(diff['auc'])}), sensitivity "
                f"{100 * diff['sensitivity'][0]:+.1f} points [{100 * diff['sensitivity'][1]:+.1f}, "
                f"{100 * diff['sensitivity'][2]:+.1f}], specificity "
                f"{100 * diff['specificity'][0]:+.1f} points.")
    lines += ["", "Published reference points: Frid-Adar et al. (2018) raised liver-lesion "
              "sensitivity from 78.6% to 85.7% with GAN augmentation; a public rebuild of "
              "CovidGAN saw no gain, and up to 5.3 points of variation from the random draw of "
              "synthetic images alone, which is why every number here is over five seeds.", ""]
    return lines


def _machine_effect_lines(records, rerun) -> list[str]:
    """The baseline retrained on the cfg arm's machine, beside the committed baseline."""
    if not rerun:
        return []
    lines = ["## The same baseline on another machine", "",
             f"The `cfg` arm ran on another machine than the rest ({rerun[0]['machine']['cpu']}, "
             f"flags {', '.join(rerun[0]['machine']['flags'])}): floating-point order differs "
             "between CPUs, so the same seed trains a slightly different classifier. The real "
             "baseline was retrained there (`medgan_course/results/imbalance_rerun/`):", "",
             "| level | seeds | AUC, committed baseline | AUC, retrained there | mean abs. difference "
             "| cfg+100 minus the retrained baseline (paired) |", "| --- | --- | --- | --- | --- | --- |"]
    for level in imbalance.LEVELS:
        here = {r["seed"]: r["metrics"]["auc"] for r in rerun if r["arm"] == f"{level}.real"}
        there = {r["seed"]: r["metrics"]["auc"] for r in records if r["arm"] == f"{level}.real"}
        cfg = [{**r, "arm": "cfg+100"} for r in records if r["arm"] == f"{level}.cfg+100"]
        seeds = sorted(set(here) & set(there))
        if len(seeds) < 2:
            continue
        pair = results.summarise(cfg + [{**r, "arm": "real"} for r in rerun
                                        if r["arm"] == f"{level}.real"], baseline="real",
                                 metrics=("auc",))
        vs = next((r["vs_baseline"]["auc"] for r in pair if "vs_baseline" in r), None)
        lines.append(f"| {level} | {len(seeds)} | {_mean_ci([there[s] for s in seeds])} | "
                     f"{_mean_ci([here[s] for s in seeds])} | "
                     f"{np.mean([abs(here[s] - there[s]) for s in seeds]):.3f} | "
                     + (f"{vs[0]:+.3f} [{vs[1]:+.3f}, {vs[2]:+.3f}] ({imbalance.verdict(vs)})"
                        if vs else "—") + " |")
    return lines + ["", "The tables above pair the cfg arm with the committed baseline; the last "
                    "column pairs it with the baseline trained on its own machine.", ""]


def _machine_lines(records) -> list[str]:
    """One line per machine the records ran on, with the arms it ran (times differ by machine)."""
    by = {}
    for r in records:
        m = r["machine"]
        key = (f"{m['cpu']}, {m['cores']} cores ({', '.join(m['flags'])}), Python {m['python']}, "
               f"TensorFlow {m['tensorflow']}, Keras {m['keras']}")
        entry = by.setdefault(key, {"arms": set(), "commits": set()})
        entry["arms"].add(r["arm"].split(".", 1)[1])
        entry["commits"].add(m["commit"])
    lines = []
    for key, entry in by.items():
        arms = [a for a in imbalance.ARMS if a in entry["arms"]]
        lines.append(f"Machine: {key}, commit {', '.join(sorted(entry['commits']))}: arms "
                     f"{', '.join(arms)}.")
    return lines + ["", "The machines were shared with other jobs while this ran, so the times "
                    "are upper bounds; the budgets are in steps, so the numbers do not depend on "
                    "them. Compare times only within one machine.", ""]


def write_report(root, path) -> None:
    """Writes the Markdown section from every result file under `root`."""
    records = results.load_results(root)
    if not records:
        raise SystemExit(f"no results under {root}; run the benchmark first")
    seeds = sorted({r["seed"] for r in records})
    gan_seconds = {(r["level"], r["seed"]): r["gan"]["seconds"] for r in records if "gan" in r}
    total = sum(r["seconds"] for r in records) + sum(gan_seconds.values())
    commands = sorted({r["command"] for r in records})
    diffusion_seconds = sum(r["diffusion"]["seconds"] for r in records if "diffusion" in r)
    total += diffusion_seconds
    lines = ["# Class imbalance: classical remedies against cGAN minority images", "",
             "Generated by `python bench/usecase_imbalance.py --report` from "
             "`medgan_course/results/imbalance/*.json` (one file per level, arm and seed). "
             "Taught in notebooks/07_class_imbalance.ipynb.", "",
             f"Dataset: {records[0]['dataset']} (official splits; the minority class is the "
             "training split's rarest, scored as the positive class). Seeds: "
             f"{', '.join(map(str, seeds))}; a seed re-draws the subsample, the cGAN, the "
             "synthetic images and the classifier.", ""]
    lines += _overall_lines(records)
    lines += _published_lines(records)
    rerun_root = root.parent / RERUN.name
    rerun = results.load_results(rerun_root) if rerun_root.is_dir() else []
    for level in imbalance.LEVELS:
        lines += _level_section(records, level, rerun)
    lines += _machine_effect_lines(records, rerun)
    lines += ["## How these numbers were made", "", "Commands:", "",
              *[f"    {c}" for c in commands], "",
              *_machine_lines(records),
              f"Total compute: {total / 60:.0f} min ({len(gan_seconds)} cGANs, "
              f"{sum('diffusion' in r for r in records)} diffusion models, {len(records)} "
              "classifiers).", *_unit_time_lines(records, gan_seconds), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    main()
