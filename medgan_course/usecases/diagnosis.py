"""Does enhancement help diagnosis? The course classifier scored on noisy, restored and clean images.

The source article claims that GAN enhancement "improves diagnostic accuracy". Notebook 09
measures restoration (PSNR, SSIM); this module measures the claim itself, one seed at a time:

1. Train the course classifier (`classify.train_classifier`, the shared budget) on the CLEAN
   training split: the diagnosis model a hospital already has.
2. Degrade the validation and test splits with the modality's noise (`enhancement.make_pairs`,
   task "denoise": the same seed streams as `bench/usecase_enhancement.py`).
3. Restore both splits with each enhancement arm: the tuned filters, the L1-only U-Net and
   pix2pix (`enhancement.classical_arm`, `enhancement.network_arm`, same budget as notebook 09).
4. Score the classifier on each version of the test split: AUC (threshold-free), and
   sensitivity and specificity at the threshold picked (Youden's J) on the validation split
   processed the same way, because a deployed pipeline is calibrated on what it will be fed.

Arms: "clean" (the ceiling), "noisy" (no enhancement: the baseline), "gaussian", "median", "l1",
"gan". Taught in notebooks/09_image_enhancement.ipynb; `bench/usecase_diagnosis.py` runs 5 seeds.
NumPy at import; the training functions import TensorFlow when called.
"""

from __future__ import annotations

import numpy as np

from medgan_course.data.subsets import minority_class
from medgan_course.data.types import Split
from medgan_course.usecases import enhancement as enh

ARMS = ("clean", "noisy", "gaussian", "median", "l1", "gan")
BASELINE = "noisy"
METRICS = ("auc", "balanced_accuracy", "sensitivity", "specificity")
LABELS = {"clean": "clean images (the ceiling)", "noisy": "noisy images, no enhancement",
          **{arm: enh.LABELS[arm] for arm in ("gaussian", "median", "l1", "gan")}}


def kept_labels(dataset, split: str) -> np.ndarray:
    """Labels of the `split` images that `enhancement.make_pairs` keeps (duplicates of training
    images are left out there), in the same order. `(M,)` int."""
    images = getattr(dataset, split).images
    keep = enh.unique_mask(dataset.train.images, images)
    return np.asarray(getattr(dataset, split).labels)[keep]


def versions(pairs, budget=None, *, arms=ARMS, progress=False):
    """Each arm's (validation, test) images: `(N, H, W, C)` float32 in [-1, 1].

    Yields (arm, val_images, test_images, info); info holds the filter's tuned "param" or the
    network's training "seconds". The networks are trained here (`enhancement.network_arm`).
    """
    budget = budget or enh.TrainBudget()
    for arm in arms:
        if arm == "clean":
            yield arm, pairs.val, pairs.test, {}
        elif arm == "noisy":
            yield arm, pairs.val_degraded, pairs.test_degraded, {}
        elif arm in enh.CLASSICAL["denoise"]:
            test, info = enh.classical_arm(pairs, arm)
            apply = {"gaussian": enh.gaussian_filter, "median": enh.median_filter}[arm]
            yield arm, apply(pairs.val_degraded, info["param"]), test, {"param": info["param"]}
        else:
            test, info = enh.network_arm(pairs, arm, budget, progress=progress)
            yield (arm, info["model"].restore(pairs.val_degraded), test,
                   {"seconds": round(info["seconds"], 1)})


def score(classifier, val: Split, test: Split, *, positive_class: int) -> dict:
    """The classifier on one version of the data: a record for `usecases.results`.

    Returns:
        {"metrics": {auc, balanced_accuracy, sensitivity, specificity, accuracy, threshold},
        "test_scores", "test_target"} (0 = the positive class in "test_target").
    """
    from medgan_course.usecases.classify import evaluate_classifier

    report = evaluate_classifier(classifier, val, test, positive_class=positive_class)
    metrics = {k: report[k] for k in (*METRICS, "accuracy", "threshold")}
    return {"metrics": metrics, "test_scores": report["test_scores"],
            "test_target": report["test_target"]}


def run_seed(dataset, seed: int, *, budget=None, classifier_budget=None, arms=ARMS, noise=None,
             progress=False) -> dict:
    """One seed of the protocol above: {arm: record}.

    Args:
        dataset: an `ImageDataset` with labels (images `(N, H, W, C)` in [-1, 1]).
        seed: seeds the classifier, the noise of the splits and the restorers.
        budget: the restorers' `enhancement.TrainBudget` (default: notebook 09's).
        classifier_budget: the classifier's `classify.ClassifierBudget` (default: the shared one).
        arms: which arms to score (default `ARMS`).
        noise: the noise model (default: the modality's, `enhancement.noise_model_for`).
        progress: tqdm bars for the classifier and the two networks.

    Returns:
        {arm: {"metrics", "test_scores", "test_target", "psnr", "positive_class", "n_test",
        "train_seconds"?, "param"?}}; "psnr" is the mean test PSNR against the clean images
        (None for "clean").
    """
    from medgan_course.usecases import classify

    positive = minority_class(dataset.train.labels)
    classifier, _ = classify.train_classifier(
        dataset.train.images, dataset.train.labels, dataset.val.images, dataset.val.labels,
        num_classes=dataset.num_classes, positive_class=positive,
        budget=classifier_budget or classify.ClassifierBudget(), seed=seed, progress=progress)
    pairs = enh.make_pairs(dataset, "denoise", seed, noise=noise)
    val_labels, test_labels = kept_labels(dataset, "val"), kept_labels(dataset, "test")
    records = {}
    for arm, val_images, test_images, info in versions(pairs, budget, arms=arms, progress=progress):
        record = score(classifier, Split(val_images, val_labels), Split(test_images, test_labels),
                       positive_class=positive)
        # The clean images' PSNR against themselves is infinite: recorded as None.
        psnr = None if arm == "clean" else float(np.mean(enh.psnr(pairs.test, test_images)))
        record.update(psnr=psnr, positive_class=int(positive),
                      n_test=len(test_labels), noise=pairs.noise,
                      **({"train_seconds": info["seconds"]} if "seconds" in info else {}),
                      **({"param": info["param"]} if "param" in info else {}))
        records[arm] = record
    return records


# ------------------------------------------------------------------------------ the summary
def summary(records, reference: str = BASELINE) -> list[dict]:
    """`usecases.results.summarise` rows in `ARMS` order, paired against `reference`."""
    from medgan_course.usecases import results

    return results.summarise(records, baseline=reference, metrics=METRICS, order=list(ARMS))


def paired(records, arm: str, reference: str, metric: str):
    """(mean, low, high, n_better, n_pairs) of `arm` minus `reference` over shared seeds, or None."""
    row = next((r for r in summary(records, reference) if r["arm"] == arm), None)
    return (row or {}).get("vs_baseline", {}).get(metric)


def recovered(records, metric: str = "auc") -> dict:
    """{arm: mean over seeds of (arm - noisy) / (clean - noisy)}: the share of what the noise
    cost that each enhancement arm won back (1 = all of it, 0 = none, < 0 = made it worse)."""
    by = {(r["arm"], r["seed"]): r["metrics"][metric] for r in records}
    seeds = sorted({s for a, s in by if a == "clean"} & {s for a, s in by if a == BASELINE})
    out = {}
    for arm in ARMS[2:]:
        shares = [(by[arm, s] - by[BASELINE, s]) / (by["clean", s] - by[BASELINE, s])
                  for s in seeds if (arm, s) in by and by["clean", s] != by[BASELINE, s]]
        if shares:
            out[arm] = float(np.mean(shares))
    return out


def conclusions(records) -> list[str]:
    """Plain sentences computed from the records: each enhancement against no enhancement,
    the GAN against the L1-only U-Net, and the distance left to the clean images."""
    from medgan_course.usecases.imbalance import verdict

    comparisons = [(arm, BASELINE) for arm in ("gaussian", "median", "l1", "gan")]
    comparisons += [("gan", "l1"), ("noisy", "clean")]
    sentences = []
    for arm, reference in comparisons:
        parts = []
        for metric in ("auc", "sensitivity", "specificity"):
            diff = paired(records, arm, reference, metric)
            if diff is not None:
                parts.append(f"{metric} {diff[0]:+.3f} [{diff[1]:+.3f}, {diff[2]:+.3f}] "
                             f"({verdict(diff)}, {diff[3]}/{diff[4]} seeds higher)")
        if parts:
            sentences.append(f"{LABELS[arm]} minus {LABELS[reference]}: " + "; ".join(parts) + ".")
    return sentences
