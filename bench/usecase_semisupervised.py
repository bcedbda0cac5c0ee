"""Label scarcity over seeds: a semi-supervised GAN against the same classifier on labels alone.

For each fraction of training labels kept (1%, 5%, 10%, 100%) and each seed, two arms of
`medgan_course.usecases.semisupervised`: ``supervised`` (the SGAN's discriminator trained with the
labelled cross-entropy only) and ``sgan`` (the same network, initial weights, labelled batches,
steps and model selection, plus the unlabelled K+1 loss and a feature-matching generator). A seed
re-draws which images keep their labels, the weights, z and the batch order. One JSON per
fraction, arm and seed in medgan_course/results/semisupervised/ (`{pct}pct.{arm}_seed{k}.json`); existing
ones are skipped, so an interrupted run resumes. `--report` writes docs/results/semisupervised.md.

    python bench/usecase_semisupervised.py --seeds 0 1 2 3 4
    python bench/usecase_semisupervised.py --report
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

from common import REPO, RESULTS, data_dir, machine, report_only, usecase_parser
from usecase_imbalance import PUBLISHED, _mean_ci  # the report's reference and format

from medgan_course.usecases import results
from medgan_course.usecases import semisupervised as ss

OUT = RESULTS / "semisupervised"
REPORT = REPO / "docs" / "results" / "semisupervised.md"
#: Budgets chosen after timing one step of each arm (see the report's "Budgets").
DEFAULTS = {"steps": 400, "batch_size": 32, "base_filters": 32}
#: Process CPU seconds per step at those defaults, timed here before the run (20-step average).
TIMED_CPU_PER_STEP = {"sgan": 0.062, "supervised": 0.014}


def run_one(root, dataset, fraction, arm, seed, budget, context) -> None:
    """One fraction, arm and seed (skipped when its file exists)."""
    import keras

    name = f"{ss.fraction_key(fraction)}.{arm}"
    if results.is_done(root, name, seed):
        return
    keras.backend.clear_session()
    started = time.perf_counter()
    model, record = ss.run_arm(arm, dataset, fraction, budget=budget, seed=seed)
    record.update(context, seconds=round(time.perf_counter() - started, 1))
    if arm == "sgan":
        from medgan_course.usecases.imbalance import to_uint8_list

        record["samples"] = to_uint8_list(model.generate(8, seed=20_000 + seed))
    results.save_result(root, name, seed, record)
    m = record["metrics"]
    print(f"  {name:16s} seed {seed}: n_lab {record['n_labelled']:3d} AUC {m['auc']:.3f} bal.acc "
          f"{m['balanced_accuracy']:.3f} sens {m['sensitivity']:.3f} spec {m['specificity']:.3f} "
          f"best step {record['best_step']} ({record['seconds']} s)", flush=True)


def main(argv=None) -> None:
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    parser = usecase_parser(__doc__.splitlines()[0], OUT, REPORT)
    parser.add_argument("--fractions", nargs="+", type=float, default=list(ss.FRACTIONS))
    parser.add_argument("--arms", nargs="+", default=[*ss.ARMS, ss.GENERATED],
                        choices=[*ss.ARMS, ss.GENERATED])
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    parser.add_argument("--base-filters", type=int, default=DEFAULTS["base_filters"])
    args = parser.parse_args(argv)
    if report_only(args, write_report):
        return
    from medgan_course.data import load_dataset

    dataset = load_dataset(args.dataset, data_dir=data_dir())
    budget = ss.SemiSupervisedBudget(steps=args.steps, batch_size=args.batch_size,
                                     base_filters=args.base_filters, gen_filters=args.base_filters)
    context = {"dataset": args.dataset, "machine": machine(),
               "command": "python bench/usecase_semisupervised.py " + " ".join(sys.argv[1:])}
    started = time.perf_counter()
    for seed in args.seeds:
        for fraction in args.fractions:
            for arm in args.arms:
                if arm != ss.GENERATED or fraction in ss.GENERATED_FRACTIONS:
                    run_one(args.out, dataset, fraction, arm, seed, budget, context)
    print(f"done in {time.perf_counter() - started:.0f} s", flush=True)


# ------------------------------------------------------------------------------------ report


def _fraction_section(records, fraction) -> list[str]:
    key = ss.fraction_key(fraction)
    recs = [r for r in records if r["arm"].startswith(key + ".")]
    if not recs:
        return [f"## {fraction:.0%} of the labels", "", "Not measured yet.", ""]
    counts = sorted({tuple(r["labelled_counts"]) for r in recs})
    rows = ss.summarise_fraction(records, fraction)
    out = [f"## {fraction:.0%} of the labels", "",
           f"Labelled training images per class (class 0 = malignant): "
           f"{', '.join(str(list(c)) for c in counts)} (n = {recs[0]['n_labelled']}); the SGAN "
           f"also sees all {max(r['n_unlabelled'] for r in recs)} training images without labels."
           + (" With so few labels a single image is a large share of what the classifier "
              "learns from, so expect a wide spread over seeds."
              if recs[0]["n_labelled"] < 20 else ""), "",
           results.markdown_table(rows, labels=ss.ARM_LABELS), "",
           *[f"- {s}" for m in ("auc", "balanced_accuracy", "sensitivity")
             for arm in (*ss.ARMS[1:], ss.GENERATED) for s in ss.conclusions(recs, m, arm)], "",
           *_bootstrap_lines(recs, key), ""]
    return out


def _bootstrap_lines(recs, key, seed=0) -> list[str]:
    by_arm = {r["arm"].split(".", 1)[1]: r for r in recs if r["seed"] == seed}
    if not by_arm:
        return []
    target = next(iter(by_arm.values()))["test_target"]
    n_pos = sum(t == 0 for t in target)
    out = [f"Bootstrap over the {len(target)} test cases ({n_pos} malignant; one case moves "
           f"sensitivity by {100 / n_pos:.1f} points), seed {seed} only, 1,000 stratified "
           "resamples: the test set's sampling error, not the training randomness.", "",
           "| arm | AUC [95% bootstrap] | sensitivity [95% bootstrap] |", "| --- | --- | --- |"]
    for arm in (*ss.ARMS, ss.GENERATED):
        if arm in by_arm:
            cells = [results.bootstrap_over_test_cases(by_arm[arm], m)
                     for m in ("auc", "sensitivity")]
            out.append(f"| {ss.ARM_LABELS[arm]} | " + " | ".join(
                f"{p:.3f} [{lo:.3f}, {hi:.3f}]" for p, lo, hi in cells) + " |")
    return out


def _reference_lines(records) -> list[str]:
    full = [r["metrics"]["auc"] for r in records if r["arm"] == "100pct.supervised"]
    course = [r["metrics"]["auc"] for r in results.load_results(RESULTS / "imbalance")
              if r["arm"] == "natural.real"]
    if not full:
        return []
    lines = ["## Reference points at 100% of the labels", "", "| model | test AUC |",
             "| --- | --- |",
             f"| MedMNIST v2 Table 3, ResNet-18 (28 px) | {PUBLISHED['auc']:.3f} |",
             f"| this benchmark's supervised arm (SGAN discriminator), {len(full)} seed(s) | "
             f"{_mean_ci(full)} |"]
    if course:
        lines.append(f"| the course CNN of notebook 07 (medgan_course/results/imbalance, natural.real), "
                     f"{len(course)} seed(s) | {_mean_ci(course)} |")
    gap = np.mean(full) - PUBLISHED["auc"]
    return lines + ["", f"The supervised arm's mean AUC with every label is {abs(gap):.3f} "
                    f"{'below' if gap < 0 else 'above'} the published ResNet-18's (11 M parameters"
                    ", 100 epochs); this benchmark trains a small discriminator for a few hundred "
                    "steps.", ""]


def _overall_lines(records) -> list[str]:
    lines = ["## In short (computed from the tables below)", ""]
    phrases = {"better": "better than", "worse": "worse than",
               "no clear difference": "not clearly different from",
               "not enough seeds": "not yet comparable (fewer than two seeds) with"}
    for arm, name, short in (("sgan", "the SGAN", "SGAN"),
                             (ss.GENERATED, "adding cGAN-generated images", "labels + cGAN images")):
        for metric in ("auc", "balanced_accuracy"):
            rows = ss.comparison(records, metric, arm)
            for word, phrase in phrases.items():
                hits = [f"{r['fraction']:.0%}" for r in rows if r["verdict"] == word]
                if hits:
                    lines.append(f"- {metric}: {name} was {phrase} the supervised arm at "
                                 f"{', '.join(hits)} of the labels.")
        diffs = [f"{r['fraction']:.0%} {r['diff'][0]:+.3f}"
                 for r in ss.comparison(records, arm=arm) if r["diff"]]
        if diffs:
            lines.append(f"- Mean paired AUC difference, {short} minus supervised: "
                         f"{', '.join(diffs)}.")
    last = [r for r in records if r["best_step"] == r["budget"]["steps"]]
    lines.append(f"- {len(last)} of {len(records)} runs kept their LAST checkpoint (validation AUC "
                 "still rising at the end); those runs might have gained from more steps.")
    return lines + ["", "Better/worse means the 95% t-interval of the per-seed paired difference "
                    "(same seed, same labelled images, same initial weights) excludes 0.", ""]


def write_report(root, path) -> None:
    """Writes the Markdown section from every result file under `root`."""
    records = results.load_results(root)
    if not records:
        raise SystemExit(f"no results under {root}; run the benchmark first")
    seeds = sorted({r["seed"] for r in records})
    budget, m = records[0]["budget"], records[0]["machine"]
    secs = {arm: [r["seconds"] for r in records if r["arm"].endswith("." + arm)] for arm in ss.ARMS}
    total = sum(r["seconds"] for r in records)
    n_test_pos = sum(t == 0 for t in records[0]["test_target"])
    cpu_min = len(ss.FRACTIONS) * 5 * budget["steps"] * sum(TIMED_CPU_PER_STEP.values()) / 60
    lines = ["# Label scarcity: a semi-supervised GAN against the same classifier on labels alone",
             "", "Generated by `python bench/usecase_semisupervised.py --report` from "
             "`medgan_course/results/semisupervised/*.json` (one file per fraction, arm and seed). "
             "Taught in notebooks/08_label_scarcity.ipynb.", "",
             f"Dataset: {records[0]['dataset']} (official splits; positive class = malignant, "
             f"the training split's rarest). Seeds: {', '.join(map(str, seeds))}; a seed re-draws "
             "which training images keep their labels (stratified, at least one per class), the "
             "weights, z and the batch order. Mean [95% t-interval] over seeds; Δ = per-seed "
             "paired difference against the supervised arm.", "",
             f"The test split has {n_test_pos} malignant cases: one case moves sensitivity by "
             f"{100 / n_test_pos:.1f} points, so sensitivity differences of a few points are a "
             "case or two.", ""]
    lines += _overall_lines(records)
    lines += ["## Budgets (identical for both arms)", "",
              f"- {budget['steps']} discriminator steps (the SGAN also makes {budget['steps']} "
              f"generator steps), batch {budget['batch_size']} labelled images (all of them when "
              f"fewer) plus, for the SGAN, {budget['batch_size']} unlabelled and "
              f"{budget['batch_size']} generated images; Adam lr {budget['learning_rate']}, "
              f"beta_1 {budget['beta_1']}.",
              f"- Discriminator = classifier: `build_semi_supervised_discriminator`, width "
              f"{budget['base_filters']}, dropout {budget['dropout']}, spectral norm; generator "
              f"width {budget['gen_filters']}, latent {budget['latent_dim']}, feature matching.",
              f"- Model selection: validation AUC every {budget['eval_every']} steps, best "
              "checkpoint kept; threshold by Youden's J on validation (78 labelled validation "
              "images in both arms, at every fraction).",
              f"- Why {budget['steps']} steps: one step was timed first at "
              f"{TIMED_CPU_PER_STEP['sgan']} CPU-s (SGAN) and {TIMED_CPU_PER_STEP['supervised']} "
              f"CPU-s (supervised), so {len(ss.FRACTIONS)} fractions x 5 seeds cost about "
              f"{cpu_min:.0f} CPU-min of training steps (well within ~15 min on 2 idle cores, "
              "with validation and tracing on top); the machine was shared with several other "
              "benchmarks, which made each step several times slower in wall time.",
              f"- Wall time here: {np.mean(secs['supervised'] or [np.nan]):.0f} s per supervised "
              f"run, {np.mean(secs['sgan'] or [np.nan]):.0f} s per SGAN run on average; the "
              f"fastest (machine nearly idle): {min(secs['supervised'] or [np.nan]):.0f} s and "
              f"{min(secs['sgan'] or [np.nan]):.0f} s.", ""]
    generated = [r for r in records if r["arm"].endswith("." + ss.GENERATED)]
    if generated:
        lines[-1:-1] = [
            f"- cGAN arm: the `cdcgan` recipe trained for {generated[0]['cgan_steps']} generator "
            "steps on the labelled images only (batches of all of them when fewer than 64), EMA "
            "0.995; it generated as many labelled images as the training split has images "
            "without a label ("
            + ", ".join(str(n) for n in sorted({r["n_synthetic"] for r in generated}, reverse=True))
            + " at 1%, 5%, 10%), in the labelled subset's class proportions; then "
            "the supervised arm's training on the union. Wall time "
            f"{np.mean([r['seconds'] for r in generated]):.0f} s per run on average."]
    lines += _reference_lines(records)
    for fraction in ss.FRACTIONS:
        lines += _fraction_section(records, fraction)
    commands = sorted({r["command"] for r in records})
    lines += ["## How these numbers were made", "", "Commands:", "",
              *[f"    {c}" for c in commands], "",
              f"Machine: {m['cpu']}, {m['cores']} cores ({', '.join(m['flags'])}), Python "
              f"{m['python']}, TensorFlow {m['tensorflow']}, Keras {m['keras']}, commit "
              f"{m['commit']}. The machine was shared with other jobs while this ran, so the "
              "times are upper bounds; budgets are in steps, so the numbers do not depend on it.",
              "", f"Total compute: {total / 60:.0f} min ({len(records)} runs).", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    main()
