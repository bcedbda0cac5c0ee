"""Explainability and trust over seeds: what the tools of notebook 10 measure on BreastMNIST.

For each seed: one real-data classifier and one class-conditional DCGAN trained on the training
split, then `medgan_course.usecases.explain.measure_seed`: the class direction in latent space
against random directions, the label's effect, how often the classifier agrees with the class the
cGAN was asked for, the memorization fraction of generated images against the real-test floor,
and the saliency sanity check (model randomisation, Adebayo et al. 2018). A seed re-draws
everything random. One JSON per seed in medgan_course/results/explain/ (`explain_seed{k}.json`);
existing ones are skipped, so an interrupted run resumes. `--report` writes
docs/results/explain.md from whatever results exist.

    python bench/usecase_explain.py --seeds 0 1 2 3 4
    python bench/usecase_explain.py --report
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

from common import REPO, RESULTS, data_dir, machine, report_only, usecase_parser

from medgan_course.evaluation.classification import paired_differences, t_interval
from medgan_course.usecases import explain, results
from medgan_course.usecases.classify import ClassifierBudget

OUT = RESULTS / "explain"
REPORT = REPO / "docs" / "results" / "explain.md"
ARM = "explain"
#: Budgets (generator steps, classifier epochs): those of bench/usecase_imbalance.py.
DEFAULTS = {"gan_steps": 1500, "epochs": 20, "width": 16}


def _budget(args) -> explain.ExplainBudget:
    return explain.ExplainBudget(gan_steps=args.gan_steps,
                                 classifier=ClassifierBudget(epochs=args.epochs, width=args.width))


def run_seed(root, dataset, seed, budget, context) -> None:
    """One seed, unless its result file exists already."""
    import keras

    if results.is_done(root, ARM, seed):
        print(f"seed {seed}: done already, skipped", flush=True)
        return
    keras.backend.clear_session()
    started = time.perf_counter()
    record = explain.run_seed(dataset, budget, seed=seed)
    record.update(context, budget=budget.to_dict(), seconds=round(time.perf_counter() - started, 1))
    results.save_result(root, ARM, seed, record)
    m = record["metrics"]
    print(f"seed {seed}: direction effect {m['class_effect']:+.3f} vs random "
          f"{m['random_effect_mean']:.3f}; label effect {m['label_effect']:+.3f}; agreement "
          f"{m['agreement_minority']:.2f}/{m['agreement_majority']:.2f}; memorized fake "
          f"{m['memorized_fake_pixels']:.2f} vs real {m['memorized_real_pixels']:.2f}; "
          f"randomisation rho {m['randomisation_spearman_gradient']:.2f} / "
          f"{m['randomisation_spearman_gradcam']:.2f} ({record['seconds']} s)", flush=True)


def main(argv=None) -> None:
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # predict's retracing notices
    parser = usecase_parser(__doc__.splitlines()[0], OUT, REPORT)
    parser.add_argument("--gan-steps", type=int, default=DEFAULTS["gan_steps"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--width", type=int, default=DEFAULTS["width"])
    args = parser.parse_args(argv)
    if report_only(args, write_report):
        return
    from medgan_course.data import load_dataset

    dataset = load_dataset(args.dataset, data_dir=data_dir())
    context = {"dataset": args.dataset, "machine": machine(),
               "command": "python bench/usecase_explain.py " + " ".join(sys.argv[1:])}
    started = time.perf_counter()
    for seed in args.seeds:
        run_seed(args.out, dataset, seed, _budget(args), context)
    print(f"done in {time.perf_counter() - started:.0f} s", flush=True)


# ------------------------------------------------------------------------------------ report
def _cell(values) -> str:
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return "—"
    if len(values) < 2:
        return f"{values[0]:.3f}"
    mean, low, high = t_interval(values)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _paired(records, a, b):
    """(mean, low, high, n a>b, n) of the per-seed difference a - b (None with < 2 seeds)."""
    if len(records) < 2:
        return None
    pair = paired_differences([r["metrics"][a] for r in records], [r["metrics"][b] for r in records])
    return pair.mean, pair.low, pair.high, pair.n_a_better, len(records)


def _sentence(pair, claim, fallback) -> str:
    if pair is None:
        return f"not enough seeds to answer '{claim}'."
    mean, low, high, n_pos, n = pair
    verdict = claim if low > 0 else (fallback if high < 0 else f"no clear answer to '{claim}'")
    return (f"{verdict} (paired difference {mean:+.3f}, 95% CI [{low:+.3f}, {high:+.3f}], "
            f"{n_pos}/{n} seeds positive).")


def _conclusions(records) -> list[str]:
    def m(key):
        return [r["metrics"][key] for r in records]

    out = [
        "- Class direction vs random directions: " + _sentence(
            _paired(records, "class_effect", "random_effect_mean"),
            "the class direction moves P(malignant) more than random directions",
            "random directions move P(malignant) more"),
        "- Latent direction vs label: " + _sentence(
            _paired(records, "class_effect", "label_effect"),
            "moving 3 units along the latent direction changes P(malignant) more than switching "
            "the cGAN's label", "switching the label changes P(malignant) more than the latent "
            "direction"),
        "- Memorization: " + _sentence(
            _paired(records, "memorized_fake_pixels", "memorized_real_pixels"),
            "generated images are flagged as near-copies MORE often than real test images",
            "generated images are flagged as near-copies LESS often than real test images (the "
            "real floor is higher)"),
        f"- Saliency sanity check (Adebayo et al. 2018): the maps of the trained classifier and "
        f"of a re-initialised copy have a mean rank correlation of "
        f"{np.mean(m('randomisation_spearman_gradient')):.2f} (gradient) and "
        f"{np.mean(m('randomisation_spearman_gradcam')):.2f} (Grad-CAM). Near 1 would mean the map "
        "barely depends on the trained weights (it fails the test); lower values mean the map "
        "changes when the training is thrown away, as it should.",
        "- Grad-CAM on generated vs real malignant images: " + _sentence(
            _paired(records, "gradcam_centre_fake", "gradcam_centre_real"),
            "the classifier's Grad-CAM is more central on generated images than on real ones",
            "the classifier's Grad-CAM is less central on generated images than on real ones"),
        f"- Label agreement: the real-data classifier called "
        f"{100 * np.mean(m('agreement_minority')):.0f}% of the images generated as malignant "
        f"malignant, and {100 * np.mean(m('agreement_majority')):.0f}% of those generated as "
        f"benign benign; on real test images its sensitivity was "
        f"{100 * np.mean(m('real_minority_called')):.0f}% and its specificity "
        f"{100 * np.mean([r['classifier']['specificity'] for r in records]):.0f}%.",
    ]
    return out


def write_report(root, path) -> None:
    """Writes the Markdown section from every result file under `root`."""
    records = [r for r in results.load_results(root) if r["arm"] == ARM]
    if not records:
        raise SystemExit(f"no results under {root}; run the benchmark first")
    seeds = [r["seed"] for r in records]
    b, m = records[0]["budget"], records[0]["machine"]
    total = sum(r["seconds"] for r in records)
    lines = ["# Explainability and trust: what the tools measure", "",
             "Generated by `python bench/usecase_explain.py --report` from "
             "`medgan_course/results/explain/*.json` (one file per seed). Taught in "
             "notebooks/10_explainability_and_trust.ipynb.", "",
             f"Dataset: {records[0]['dataset']} (official splits; positive class = the training "
             f"split's rarest, {records[0]['minority']} = malignant). Seeds: "
             f"{', '.join(map(str, seeds))}; a seed re-trains the classifier and the cGAN and "
             "re-draws every latent vector.", "",
             "## In short (computed from the table)", "", *_conclusions(records), "",
             "## Per-measure mean [95% t-interval] over seeds", "",
             "| measure | mean [95% CI] | per seed |", "| --- | --- | --- |"]
    for key, label in explain.MEASURES.items():
        values = [r["metrics"][key] for r in records]
        lines.append(f"| {label} | {_cell(values)} | " + ", ".join(f"{v:.2f}" for v in values) + " |")
    lines += ["", "## Budgets and protocol", "",
              f"- cGAN: recipe `{b['gan_recipe']}`, {b['gan_steps']} generator steps (completed: "
              f"{sorted({r['gan_steps'] for r in records})}), EMA decay {b['gan_ema_decay']}.",
              f"- Classifier: {b['classifier']['epochs']} epochs, width {b['classifier']['width']}, "
              "batch 64, best validation-AUC epoch kept, threshold by Youden's J on validation.",
              f"- Class direction: ridge fit of the classifier's log-odds of malignant on z for "
              f"{b['n_fit']} images generated with the BENIGN label; checked on {b['n_eval']} new "
              f"latent vectors from -{b['max_amount']} to +{b['max_amount']} latent units "
              f"({b['n_amounts']} points) against {b['n_random']} random unit directions (the "
              "random ones are scored by |change|, which favours them).",
              f"- Label agreement: {b['n_check']} images per label, same latent vectors, at the "
              "classifier's validation threshold.",
              "- Memorization: 156 generated images (test class counts) and the 156 real test "
              "images, each against the 546 training images; flagged when closer than half the "
              "median train-to-train nearest-neighbour distance (`evaluation.distances`).",
              f"- Saliency: {b['n_saliency']} random real test images; the classifier's maps "
              "against those of a re-initialised copy (`evaluation.saliency.randomised_copy`), "
              "Spearman rank correlation per image, averaged.", "",
              "## How these numbers were made", "",
              *[f"    {c}" for c in sorted({r['command'] for r in records})], "",
              f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, TensorFlow "
              f"{m['tensorflow']}, Keras {m['keras']}, commit {m['commit']}. Shared with other "
              "jobs while it ran, so times are upper bounds; budgets are in steps and epochs, so "
              "the numbers do not depend on them.", "",
              f"Total compute: {total / 60:.1f} min ({len(records)} seeds; fastest seed "
              f"{min(r['seconds'] for r in records):.0f} s).", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    main()
