"""Remedies for failing GAN training, compared on an equal budget of generator steps.

Each arm is a one-change variant of a plain DCGAN (`training.diagnostics.remedy_recipes`:
minimax, non-saturating, two time-scale learning rates, label smoothing, spectral norm, hinge,
WGAN-GP, DiffAugment, EMA). Every arm and seed trains on BreastMNIST train for the same number
of GENERATOR steps (`--steps`, default 800; steps, not seconds, so that other processes on the
machine change the timings but not the results; the JSON records the seconds too, and WGAN-GP
spends 5 critic steps per generator step). Then 1,000 samples are scored by
`evaluation.report.sample_quality` (offline domain extractor, cached) beside the real-vs-real
floor, with diagnostics (discriminator accuracy, sample diversity, loss oscillation).

One JSON per arm and seed in medgan_course/results/remedies/ (existing ones are skipped, so the
benchmark resumes); `--report` writes docs/REMEDIES.md from them.

    python bench/remedies.py [--arms minimax non-saturating ...] [--seeds 0 1 2] [--steps 800]
    python bench/remedies.py --report
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time

from common import REPO, RESULTS, data_dir, machine, write_json

OUT = RESULTS / "remedies"
DOC = REPO / "docs" / "REMEDIES.md"
DEFAULT_STEPS = 800
N_SAMPLES = 1000
#: Steps per point of the stored loss curves (means over blocks of this many steps).
CURVE_BLOCK = 10
WHAT = {
    "minimax": "loss = minimax (the saturating generator loss of the 2014 paper)",
    "non-saturating": "baseline: non-saturating loss, BatchNorm D, Adam 2e-4 (beta1 0.5)",
    "two-time-scale": "D learning rate x2 (4e-4), G learning rate /2 (1e-4)",
    "label-smoothing": "one-sided label smoothing, real target 0.9",
    "spectral-norm": "spectral norm on every D layer (and no BatchNorm in D)",
    "hinge": "loss = hinge",
    "wgan-gp": "Wasserstein loss + gradient penalty 10, 5 critic steps, Adam 1e-4 (0, 0.9)",
    "diffaugment": "DiffAugment (colour, translation, cutout) on real and fake",
    "ema": "samples from an EMA of G's weights (decay 0.99)",
}


#: Results made before the EMA warm-up (commit ff9cf12) stand: at decay 0.99 and 800 steps the
#: initial weights' share of the average was 0.99**800 = 0.03 % without it.
EMA_NOTE = ("The ema arm's runs predate the EMA warm-up (commit ff9cf12). At decay 0.99 and 800 "
            "steps that makes no material difference: without the warm-up the random initial "
            "weights still made up 0.99^800 = 0.03 % of the average at the end. One plausible "
            "reason the average did worse here is BatchNorm: the EMA copy averages the "
            "generator's weights but copies its BatchNorm statistics, which belong to the raw "
            "weights, not to the average (this benchmark does not test that explanation).")


def block_means(values, block=CURVE_BLOCK):
    """Means of consecutive blocks of `block` steps, rounded (a compact loss curve)."""
    values = [float(v) for v in values]
    return [round(statistics.fmean(values[i:i + block]), 4)
            for i in range(0, len(values) - block + 1, block)]


def run_one(arm, recipe, seed, dataset, extractor, steps) -> dict:
    """Trains one arm/seed for `steps` generator steps; scores and diagnoses its samples."""
    import numpy as np

    from medgan_course.evaluation import diversity
    from medgan_course.evaluation.features import extract_features
    from medgan_course.evaluation.report import sample_quality
    from medgan_course.training import diagnostics as dg
    from medgan_course.training.runner import train

    started = time.perf_counter()
    result = train(recipe, dataset, steps=steps, seed=seed, progress=False)
    train_seconds = time.perf_counter() - started
    fake = result.gan.generate(N_SAMPLES, seed=seed)
    if not np.all(np.isfinite(fake)):
        return {"arm": arm, "seed": seed, "steps": result.steps, "stopped": result.stopped,
                "diverged": True, "recipe": recipe.to_dict()}
    quality = sample_quality(fake, dataset, extractor, seed=seed)
    rng = np.random.default_rng(seed)
    batch = dataset.train.images[rng.choice(len(dataset.train.images), 64, replace=False)]
    probe = dg.probe(result.gan, batch, seed=seed)
    n_test = len(dataset.test.images)
    fake_features = extract_features(extractor, fake[:n_test])
    test_features = extract_features(extractor, dataset.test.images)
    train_features = extract_features(extractor, dataset.train.images)
    history = result.history
    return {
        "arm": arm, "seed": seed, "steps": result.steps, "stopped": result.stopped,
        "diverged": False, "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "recipe": recipe.to_dict(), **quality,
        "d_accuracy_end": probe["d_accuracy"], "g_grad_norm_end": probe["g_grad_norm"],
        "diversity_ratio": diversity.mean_pairwise_distance(fake_features)
        / diversity.mean_pairwise_distance(test_features),
        "distinct_neighbours": diversity.distinct_neighbours(fake_features, train_features)["fraction"],
        "distinct_neighbours_real_test": diversity.distinct_neighbours(test_features,
                                                                train_features)["fraction"],
        "d_loss_oscillation": dg.oscillation(history["d_loss"]),
        "g_loss_oscillation": dg.oscillation(history["g_loss"]),
        "curves": {"block": CURVE_BLOCK, "d_loss": block_means(history["d_loss"]),
                   "g_loss": block_means(history["g_loss"])},
    }


def run(args) -> None:
    from medgan_course.data import load_dataset
    from medgan_course.evaluation.report import domain_extractor_for
    from medgan_course.training.diagnostics import remedy_recipes

    recipes = remedy_recipes()
    unknown = [a for a in args.arms if a not in recipes]
    if unknown:
        raise SystemExit(f"unknown arms {unknown}; choose from {list(recipes)}")
    dataset = load_dataset("breastmnist", data_dir=data_dir())
    extractor = domain_extractor_for(dataset, seed=0)
    info = machine()
    command = "python bench/remedies.py " + " ".join(sys.argv[1:])
    total, done = len(args.arms) * len(args.seeds), 0
    # Seeds outside, arms inside: an interrupted benchmark leaves whole seeds, all arms alike.
    for seed in args.seeds:
        for arm in args.arms:
            done += 1
            path = args.out / f"{arm}_seed{seed}.json"
            if path.exists():
                print(f"[{done}/{total}] {path.name} exists, skipped", flush=True)
                continue
            print(f"[{done}/{total}] {arm} seed {seed}: {args.steps} steps ...", flush=True)
            record = run_one(arm, recipes[arm], seed, dataset, extractor, args.steps)
            write_json(path, {"machine": info, "command": command, **record})
            if record["diverged"]:
                print(f"    diverged ({record['stopped']})", flush=True)
            else:
                print(f"    {record['train_seconds']:.0f} s: FD {record['fid']:.4f} "
                      f"(floor {record['floor_fid']:.4f}), precision {record['precision']:.2f}, "
                      f"recall {record['recall']:.2f}, D accuracy "
                      f"{record['d_accuracy_end']:.2f}", flush=True)


# ------------------------------------------------------------------------------------ report


def load_results(folder=OUT) -> dict:
    """{arm: [record, ...]} of every JSON in `folder`, records sorted by seed."""
    records = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        records.setdefault(record["arm"], []).append(record)
    return {arm: sorted(rs, key=lambda r: r["seed"]) for arm, rs in records.items()}


def _fmt(values, digits, scale=1.0):
    values = [v * scale for v in values]
    if len(values) < 2:
        return f"{values[0]:.{digits}f}" if values else "n/a"
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def verdict(arm_fids, base_fids) -> str:
    """Paired over seeds: 'helped'/'hurt' when the 95% t-interval of the FD gain excludes 0."""
    from medgan_course.evaluation.classification import paired_differences

    if len(arm_fids) < 2 or len(arm_fids) != len(base_fids):
        return "too few seeds (paired with the baseline)"
    gain = paired_differences(base_fids, arm_fids)  # > 0: the arm's FD is lower (better)
    text = f"{gain.n_a_better}/{len(arm_fids)} seeds better"
    if gain.low > 0:
        return f"**helped** ({text})"
    if gain.high < 0:
        return f"**hurt** ({text})"
    return f"no clear effect ({text})"


def _incomplete_notice(results, wanted=3) -> list[str]:
    """A warning paragraph when an arm has fewer than `wanted` seeds (or is missing)."""
    short = [arm for arm in WHAT if len(results.get(arm, [])) < wanted]
    if not short:
        return []
    return [f"**INCOMPLETE**: fewer than {wanted} seeds for {', '.join(short)}; run the command "
            "above again to finish (it skips the runs already done). Verdicts need at least 2 "
            "seeds.", ""]


def report_lines(results, baseline="non-saturating") -> list[str]:
    """The Markdown of docs/REMEDIES.md from `load_results()`."""
    any_record = next(r for rs in results.values() for r in rs)
    m = any_record["machine"]
    base = {r["seed"]: r["fid"] for r in results.get(baseline, []) if not r["diverged"]}
    lines = ["# Remedies for failing GAN training: an equal-budget comparison", "",
             "Produced by `bench/remedies.py` (notebooks/05_when_training_fails.ipynb loads these "
             "results). Regenerate with:", "", "```bash",
             "export MEDGAN_DATA_DIR=../shared/data/medmnist   # folder holding breastmnist.npz",
             f".venv/bin/{any_record['command']}", ".venv/bin/python bench/remedies.py --report",
             "```", "",
             f"BreastMNIST train (546 images, 28 px). Every arm trains for the same number of "
             f"**generator steps** ({any_record['steps']}, batch 64): an equal budget of updates, "
             "not of time (WGAN-GP takes 5 critic steps per generator step and costs several "
             "times the seconds, shown in the table). Each arm changes one thing from the "
             f"baseline `{baseline}` (`training.diagnostics.remedy_recipes`). "
             "1,000 samples per run, scored by `evaluation.report.sample_quality` with the offline "
             "domain extractor (comparable within this table only); the floor is the test split "
             "against the training split, same extractor, same sizes. Mean ± SD over seeds. "
             "Verdict: paired by seed against the baseline's FD; *helped*/*hurt* only when the "
             "95% t-interval of the difference excludes 0, otherwise *no clear effect*.", "",
             *_incomplete_notice(results),
             "| arm | what changes | seeds | train s | FD (domain features) ↓ | KID ×1000 ↓ | "
             "precision | recall | diversity | D acc. at end | verdict vs baseline |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for arm in WHAT:
        rs = [r for r in results.get(arm, []) if not r["diverged"]]
        diverged = len(results.get(arm, [])) - len(rs)
        if not rs:
            continue
        fids = [r["fid"] for r in rs]
        pairs = [(r["fid"], base[r["seed"]]) for r in rs if r["seed"] in base]
        judged = "baseline" if arm == baseline else verdict([a for a, _ in pairs],
                                                            [b for _, b in pairs])
        lines.append(
            f"| {arm} | {WHAT[arm]} | {len(rs)}{f' (+{diverged} diverged)' if diverged else ''} | "
            f"{statistics.fmean(r['train_seconds'] for r in rs):.0f} | {_fmt(fids, 4)} | "
            f"{_fmt([r['kid_mean'] for r in rs], 2, 1000)} | {_fmt([r['precision'] for r in rs], 2)} | "
            f"{_fmt([r['recall'] for r in rs], 2)} | {_fmt([r['diversity_ratio'] for r in rs], 2)} | "
            f"{_fmt([r['d_accuracy_end'] for r in rs], 2)} | {judged} |")
    floors = [r["floor_fid"] for rs in results.values() for r in rs if not r["diverged"]]
    lines += ["", f"Real-vs-real floor: FD {statistics.fmean(floors):.4f}. Diversity: mean "
              "pairwise feature distance of the samples / that of the real test images (1 = as "
              "diverse as real data). D acc. at end: the discriminator's accuracy on a real and a "
              "generated batch after training (0.5 = cannot tell them apart).", "",
              f"Machine: {m['cpu']}, {m['cores']} cores; TensorFlow {m['tensorflow']}, Keras "
              f"{m['keras']}, Python {m['python']}; commits "
              f"{', '.join(sorted({r['machine']['commit'] for rs in results.values() for r in rs}))}"
              " (shared machine: the seconds include other users' load; the scores do not depend "
              "on it).", "", EMA_NOTE, ""]
    return lines


def report(folder=OUT, doc=DOC) -> None:
    results = load_results(folder)
    if not results:
        raise SystemExit(f"no results in {folder}; run the benchmark first")
    text = "\n".join(report_lines(results))
    doc.write_text(text)
    print(text)


def main() -> None:
    from medgan_course.training.diagnostics import remedy_recipes

    arms = list(WHAT)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", nargs="+", default=arms, help=f"default: {' '.join(arms)}")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help="generator steps per run (the equal budget)")
    parser.add_argument("--report", action="store_true", help="write docs/REMEDIES.md and exit")
    parser.add_argument("--out", type=pathlib.Path, default=OUT,
                        help="results folder (tests use a temporary one)")
    parser.add_argument("--doc", type=pathlib.Path, default=DOC, help="where --report writes")
    args = parser.parse_args()
    assert set(WHAT) == set(remedy_recipes()), "WHAT must describe every remedy arm"
    report(args.out, args.doc) if args.report else run(args)


if __name__ == "__main__":
    main()
