"""Class imbalance: does a class-conditional GAN's minority class help a diagnosis model?

One experiment, several "arms" that differ only in what the classifier trains on (or how):

- ``real``: the (imbalanced) training split as it is, the baseline;
- ``class_weights``: the same images, each class weighted by n / (k * n_class);
- ``oversample``: every class resampled with replacement up to the majority's count;
- ``classical_aug``: the same images, each batch flipped/rotated/shifted (`classical_augment`);
- ``gan+50``, ``gan+100``, ``gan+200``: real plus cGAN-generated minority images, 50/100/200% of
  the minority count (nested: the +50% images are the first half of the +100% ones);
- ``cfg+100``: real plus minority images from a class-conditional diffusion model sampled with
  classifier-free guidance (notebook 13), 100% of the minority count, trained for about the
  cGAN's wall-clock time;
- ``synthetic_only``: cGAN images only, with the real split's class counts.

An imbalance "level" keeps a fraction of the training split's minority class (1.0 = BreastMNIST as
published, 147 malignant of 546; 0.25 = about 37). Validation and test are never touched. The
minority class is the training split's rarest (`data.subsets.minority_class`), so the same code
runs on any single-label 2D MedMNIST flag. Every arm gets the same classifier budget, measured in
gradient steps (`equal_steps_budget`), and the protocol of `usecases.classify`.
Taught in notebooks/07_class_imbalance.ipynb; `bench/usecase_imbalance.py` runs it over seeds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from medgan_course.data.subsets import class_counts, minority_class, subsample_class, take
from medgan_course.data.types import Split
from medgan_course.usecases.classify import ClassifierBudget

#: Imbalance levels: name -> fraction of the training split's minority class kept.
LEVELS = {"natural": 1.0, "harsh": 0.25}
#: GAN arms: name -> synthetic minority images as a multiple of the real minority count.
GAN_AMOUNTS = {"gan+50": 0.5, "gan+100": 1.0, "gan+200": 2.0}
#: Diffusion arms: name -> synthetic minority images from the guided diffusion model, as above.
DIFFUSION_AMOUNTS = {"cfg+100": 1.0}
#: Every arm, in table order (the first is the baseline).
ARMS = ("real", "class_weights", "oversample", "classical_aug", *GAN_AMOUNTS, *DIFFUSION_AMOUNTS,
        "synthetic_only")
BASELINE = "real"
#: Human-readable arm names for tables and figures.
ARM_LABELS = {
    "real": "real (baseline)", "class_weights": "real + class weights",
    "oversample": "real + oversampling", "classical_aug": "real + classical aug.",
    "gan+50": "real + GAN minority +50%", "gan+100": "real + GAN minority +100%",
    "gan+200": "real + GAN minority +200%", "cfg+100": "real + diffusion (CFG) minority +100%",
    "synthetic_only": "synthetic only",
}


@dataclass(frozen=True)
class ImbalanceBudget:
    """The training budget of one seed and level: one cGAN, then one classifier per arm.

    Attributes:
        gan_steps: generator steps of the class-conditional GAN.
        gan_recipe: name of the recipe in `training.recipes` (must be conditional).
        gan_ema_decay: overrides the recipe's EMA decay. The recipe's 0.999 suits long runs; after
            only 1,500 steps 0.999**1500 = 22% of the averaged generator would still be its random
            initial weights (the EMA starts there), so short runs average over fewer steps.
        diffusion_steps: training steps of the class-conditional diffusion model (the `cfg`
            arms); `bench/usecase_imbalance.py` sets them to the cGAN's wall-clock time.
        guidance: classifier-free guidance weight w of its sampler.
        ddim_steps: DDIM timesteps of its sampler (network evaluations: twice as many).
        classifier: the `ClassifierBudget` every arm shares (its steps per epoch are raised by
            `equal_steps_budget` so that every arm makes the same number of updates).
    """

    gan_steps: int = 2000
    gan_recipe: str = "cdcgan"
    gan_ema_decay: float | None = 0.995
    diffusion_steps: int = 1000
    guidance: float = 1.0
    ddim_steps: int = 50
    classifier: ClassifierBudget = field(default_factory=ClassifierBudget)

    def to_dict(self) -> dict:
        """JSON-ready (written into every result record)."""
        return dataclasses.asdict(self)


def needs_gan(arms) -> bool:
    """Whether any of `arms` trains on GAN images (then the seed's cGAN must be trained)."""
    return any(arm in GAN_AMOUNTS or arm == "synthetic_only" for arm in arms)


def needs_diffusion(arms) -> bool:
    """Whether any of `arms` trains on diffusion images (then the seed's model must be trained)."""
    return any(arm in DIFFUSION_AMOUNTS for arm in arms)


def imbalanced_train_split(train: Split, keep_fraction: float, seed: int = 0):
    """The training split with only `keep_fraction` of its minority class (a seeded draw).

    Args:
        train: the training `Split` (images (N, H, W, C) float32 in [-1, 1], labels (N,)).
        keep_fraction: in (0, 1]; 1.0 returns the split unchanged.
        seed: seed of which minority examples are kept.

    Returns:
        (Split, minority class index). The minority is decided on the FULL training split, so it
        stays the same class at every level.
    """
    minority = minority_class(train.labels)
    if keep_fraction >= 1.0:
        return train, minority
    return take(train, subsample_class(train.labels, minority, keep_fraction, seed=seed)), minority


def balanced_class_weights(labels, num_classes: int) -> dict:
    """{class: n / (num_classes * n_class)}: each present class then weighs as much in the loss.

    Absent classes get weight 1.0 (they never occur, so it does not matter).
    """
    counts = class_counts(labels, num_classes)
    total, present = counts.sum(), np.count_nonzero(counts)
    return {c: float(total / (present * counts[c])) if counts[c] else 1.0
            for c in range(num_classes)}


def oversample_indices(labels, seed: int = 0) -> np.ndarray:
    """Indices that keep every example once and add random repeats up to the majority's count.

    Returns:
        (num_present_classes * majority_count,) int64 indices into `labels`, shuffled.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    present, counts = np.unique(labels, return_counts=True)
    chosen = []
    for cls, count in zip(present, counts):
        members = np.flatnonzero(labels == cls)
        chosen += [members, rng.choice(members, counts.max() - count, replace=True)]
    return rng.permutation(np.concatenate(chosen)).astype(np.int64)


def synthetic_count(amount: float, n_minority: int) -> int:
    """round(amount * n_minority): how many GAN images an arm adds (at least 1)."""
    return max(1, int(round(amount * n_minority)))


def equal_steps_budget(budget: ClassifierBudget, sizes) -> ClassifierBudget:
    """`budget` with enough steps per epoch for the LARGEST training set in `sizes`.

    Every arm then makes exactly `epochs * min_steps_per_epoch` updates and is validated as often,
    so "more data" never silently means "more training".
    """
    steps = max(budget.min_steps_per_epoch, *(math.ceil(n / budget.batch_size) for n in sizes))
    return dataclasses.replace(budget, min_steps_per_epoch=int(steps))


def arm_sizes(train: Split, minority: int, arms=ARMS) -> dict:
    """{arm: number of training images} for the arms of one seed and level."""
    counts = np.bincount(train.labels)
    sizes = {}
    for arm in arms:
        if arm == "oversample":
            sizes[arm] = int(np.count_nonzero(counts) * counts.max())
        elif arm in GAN_AMOUNTS or arm in DIFFUSION_AMOUNTS:
            amount = GAN_AMOUNTS.get(arm, DIFFUSION_AMOUNTS.get(arm))
            sizes[arm] = len(train.labels) + synthetic_count(amount, counts[minority])
        else:
            sizes[arm] = len(train.labels)
    return sizes


def train_conditional_gan(dataset, train: Split, budget: ImbalanceBudget, *, seed: int = 0,
                          progress: bool = True):
    """Trains the budget's class-conditional recipe on `train` (labels included).

    Args:
        dataset: the `ImageDataset` (its val/test are passed along untouched, never trained on).
        train: the (imbalanced) training split the GAN learns from.
        budget: `gan_steps` and `gan_recipe`.
        seed: seeds the GAN's weights, data order and noise.
        progress: show a progress bar.

    Returns:
        `training.runner.TrainResult`; `.gan.generate(n, labels=..., seed=...)` draws images.
    """
    from medgan_course.training import runner
    from medgan_course.training.recipes import get_recipe

    recipe = get_recipe(budget.gan_recipe)
    if budget.gan_ema_decay is not None and recipe.ema_decay is not None:
        recipe = recipe.replace(ema_decay=budget.gan_ema_decay)
    if not recipe.conditional:
        raise ValueError(f"recipe {recipe.name!r} is unconditional; the imbalance experiment "
                         "needs a class-conditional one such as 'cdcgan'")
    if len(train.images) < recipe.batch_size * recipe.n_critic:
        # A handful of labelled images (notebook 08's 1% of the labels): batches of all of them.
        recipe = recipe.replace(batch_size=len(train.images) // recipe.n_critic)
    data = dataclasses.replace(dataset, train=train)
    return runner.train(recipe, data, steps=budget.gan_steps, seed=seed, progress=progress)


def train_conditional_diffusion(dataset, train: Split, budget: ImbalanceBudget, *, seed: int = 0,
                                progress: bool = True, timesteps: int = 1000):
    """Trains a class-conditional diffusion model (label dropout for guidance) on `train`.

    Args:
        dataset: the `ImageDataset` (only its shape and class count are used besides `train`).
        train: the (imbalanced) training split, labels included.
        budget: `diffusion_steps`, `guidance` and `ddim_steps`.
        seed: seeds the weights, data order and noise.
        progress: show a progress bar.
        timesteps: T of the forward process (fewer only for quick smoke runs).

    Returns:
        (`training.diffusion.DiffusionResult`, `GuidedSampler` to draw labelled images from).
    """
    from medgan_course.training.diffusion import DiffusionRecipe, GuidedSampler, train_diffusion

    recipe = DiffusionRecipe(conditional=True, timesteps=timesteps,
                             batch_size=min(32, len(train.images)))
    result = train_diffusion(recipe, dataclasses.replace(dataset, train=train),
                             steps=budget.diffusion_steps, seed=seed, progress=progress)
    return result, GuidedSampler(result.model, budget.guidance, budget.ddim_steps)


def generate_class(gan, n: int, class_index: int, seed: int = 0) -> np.ndarray:
    """`n` images of one class from a conditional GAN or a
    `training.diffusion.GuidedSampler`: (n, H, W, C) float32 in [-1, 1]."""
    return gan.generate(int(n), labels=np.full(int(n), class_index, np.int32), seed=seed)


def with_synthetic(train: Split, fake_images, class_index: int) -> Split:
    """`train` plus `fake_images` (M, H, W, C) in [-1, 1], all labelled `class_index`."""
    labels = np.full(len(fake_images), class_index, train.labels.dtype)
    return Split(np.concatenate([train.images, np.asarray(fake_images, np.float32)]),
                 np.concatenate([train.labels, labels]))


def synthetic_split_like(gan, labels, seed: int = 0) -> Split:
    """A fully synthetic training split with the class counts of `labels`."""
    labels = np.asarray(labels, np.int32)
    fake = gan.generate(len(labels), labels=labels, seed=seed)
    return Split(fake.astype(np.float32), labels)


def arm_data(arm: str, train: Split, *, minority: int, num_classes: int, gan=None,
             diffusion=None, seed: int = 0) -> dict:
    """What the classifier of `arm` trains on: images, labels, class_weight, augment.

    Args:
        arm: one of `ARMS`.
        train: the (imbalanced) real training split.
        minority: the minority class index.
        num_classes: classes of the dataset.
        gan: the seed's trained conditional GAN (GAN arms only).
        diffusion: the seed's `GuidedSampler` (`cfg` arms only).
        seed: seeds oversampling and the synthetic draw.

    Returns:
        {"images" (N, H, W, C) float32 in [-1, 1], "labels" (N,) int32, "class_weight" dict or
        None, "augment" callable or None, "n_synthetic" int}.
    """
    out = {"images": train.images, "labels": train.labels, "class_weight": None,
           "augment": None, "n_synthetic": 0}
    if arm == "class_weights":
        out["class_weight"] = balanced_class_weights(train.labels, num_classes)
    elif arm == "oversample":
        index = oversample_indices(train.labels, seed=seed)
        out.update(images=train.images[index], labels=train.labels[index])
    elif arm == "classical_aug":
        from medgan_course.data.augment import classical_augment

        out["augment"] = lambda images, seed: classical_augment(images, seed=seed)
    elif arm in GAN_AMOUNTS or arm == "synthetic_only":
        if gan is None:
            raise ValueError(f"arm {arm!r} needs the seed's trained conditional GAN")
        if arm == "synthetic_only":
            split = synthetic_split_like(gan, train.labels, seed=seed)
        else:
            largest = synthetic_count(max(GAN_AMOUNTS.values()), np.sum(train.labels == minority))
            n = synthetic_count(GAN_AMOUNTS[arm], np.sum(train.labels == minority))
            # One draw of the largest amount, sliced: +50% is a subset of +100%, and so on.
            fakes = generate_class(gan, largest, minority, seed)[:n]
            split = with_synthetic(train, fakes, minority)
        out.update(images=split.images, labels=split.labels, n_synthetic=len(split.labels)
                   if arm == "synthetic_only" else n)
    elif arm in DIFFUSION_AMOUNTS:
        if diffusion is None:
            raise ValueError(f"arm {arm!r} needs the seed's trained conditional diffusion model")
        n = synthetic_count(DIFFUSION_AMOUNTS[arm], np.sum(train.labels == minority))
        split = with_synthetic(train, generate_class(diffusion, n, minority, seed), minority)
        out.update(images=split.images, labels=split.labels, n_synthetic=n)
    elif arm != "real":
        raise ValueError(f"unknown arm {arm!r}; choose from {ARMS}")
    return out


def accuracy_at_argmax(test_target, test_scores) -> float:
    """Accuracy when the class with the larger softmax wins (binary: score > 0.5 means positive).

    This is how MedMNIST's Table 3 reports ACC, so it is the number to set beside 0.863.
    """
    target, scores = np.asarray(test_target), np.asarray(test_scores)
    return float(np.mean((scores > 0.5) == (target == 0)))


def run_arm(arm: str, data: dict, dataset, *, minority: int, budget: ClassifierBudget,
            seed: int = 0, progress: bool = False):
    """Trains and evaluates one arm's classifier (`progress`: a bar over its epochs).

    Returns:
        (classifier, record) where record holds "metrics" (auc, balanced_accuracy, sensitivity,
        specificity, accuracy, accuracy_argmax, threshold), "test_scores", "test_target",
        "train_counts", "n_synthetic", "best_epoch" and "val_auc" (per epoch).
    """
    from medgan_course.usecases import classify

    classifier, history = classify.train_classifier(
        data["images"], data["labels"], dataset.val.images, dataset.val.labels,
        num_classes=dataset.num_classes, positive_class=minority, budget=budget,
        class_weight=data["class_weight"], augment=data["augment"], seed=seed,
        progress=progress)
    report = classify.evaluate_classifier(classifier, dataset.val, dataset.test,
                                          positive_class=minority)
    metrics = {k: report[k] for k in ("auc", "balanced_accuracy", "sensitivity", "specificity",
                                      "accuracy", "threshold")}
    metrics["accuracy_argmax"] = accuracy_at_argmax(report["test_target"], report["test_scores"])
    record = {"metrics": metrics, "test_scores": report["test_scores"],
              "test_target": report["test_target"],
              "train_counts": class_counts(data["labels"], dataset.num_classes).tolist(),
              "n_synthetic": int(data["n_synthetic"]), "best_epoch": history["best_epoch"],
              "val_auc": [round(float(a), 4) for a in history["val_auc"]]}
    return classifier, record


def majority_class(labels) -> int:
    """The most common class of `labels` (the smallest index on ties)."""
    return int(np.argmax(np.bincount(np.asarray(labels))))


def synthetic_class_check(classifier, fake_minority, real_minority, *, minority: int,
                          threshold: float, fake_other=None) -> dict:
    """Are the GAN's "minority" images of the minority class, to a classifier trained on real data?

    Args:
        classifier: the real-data (baseline) classifier.
        fake_minority: (M, H, W, C) generated images requested as the minority class.
        real_minority: (K, H, W, C) real minority images it never trained on (the test split's).
        minority: the minority class index.
        threshold: the baseline's validation-chosen decision threshold.
        fake_other: optional (M, H, W, C) images generated from the SAME latent vectors with
            another label. The contrast matters: if these are called minority just as often, the
            label does not control the class and the "minority" images are not minority-specific.

    Returns:
        {"fake_called_minority", "real_called_minority": fractions at or above the threshold,
         "fake_mean_score", "real_mean_score": mean minority probability, "n_fake", "n_real"},
        plus "other_called_minority", "other_mean_score" when `fake_other` is given.
    """
    from medgan_course.usecases.classify import positive_scores

    scored = {"fake": fake_minority, "real": real_minority}
    if fake_other is not None:
        scored["other"] = fake_other
    out = {}
    for name, images in scored.items():
        scores = positive_scores(classifier, images, minority)
        out.update({f"{name}_called_minority": float(np.mean(scores >= threshold)),
                    f"{name}_mean_score": float(scores.mean())})
    out.update(n_fake=int(len(fake_minority)), n_real=int(len(real_minority)))
    return out


def to_uint8_list(images) -> list:
    """(N, H, W, C) in [-1, 1] -> nested list of uint8 (N, H, W) for a JSON record (grey only)."""
    array = np.clip(np.round((np.asarray(images)[..., 0] + 1.0) * 127.5), 0, 255)
    return array.astype(np.uint8).tolist()


def verdict(vs_baseline: tuple | None) -> str:
    """"better", "worse" or "no clear difference" from a paired (mean, low, high, ...) difference.

    Better/worse only when the 95% interval of the per-seed paired difference excludes zero.
    """
    if vs_baseline is None or not np.isfinite(vs_baseline[1]):
        return "not enough seeds"
    if vs_baseline[1] > 0:
        return "better"
    if vs_baseline[2] < 0:
        return "worse"
    return "no clear difference"


def level_records(records, level: str) -> list[dict]:
    """The records of one level with the level prefix dropped ("harsh.gan+50" -> "gan+50")."""
    prefix = f"{level}."
    return [{**r, "arm": r["arm"][len(prefix):]} for r in records if r["arm"].startswith(prefix)]


def summarise_level(records, level: str, metrics=None) -> list[dict]:
    """`results.summarise` of one level, rows in `ARMS` order, paired against "real"."""
    from medgan_course.usecases import results

    return results.summarise(level_records(records, level), baseline=BASELINE, order=list(ARMS),
                             metrics=metrics or results.METRICS)


def versus(records, level: str, arm: str = "cfg+100", reference: str = "gan+100",
           metrics=("auc", "sensitivity", "specificity")) -> dict | None:
    """`arm` minus `reference` at one level, paired by seed: {metric: (mean, low, high, n_better,
    n_pairs)}, or None with fewer than two shared seeds (e.g. the diffusion against the cGAN)."""
    from medgan_course.usecases import results

    pair = [r for r in level_records(records, level) if r["arm"] in (arm, reference)]
    rows = results.summarise(pair, baseline=reference, metrics=metrics)
    return next((r.get("vs_baseline") for r in rows if r["arm"] == arm), None)


def conclusions(rows, metric: str = "auc") -> list[str]:
    """One plain sentence per arm, computed from `summarise_level` rows (never hard-coded)."""
    sentences = []
    for row in rows:
        if row["arm"] == BASELINE or metric not in row.get("vs_baseline", {}):
            continue
        diff = row["vs_baseline"][metric]
        label, word = ARM_LABELS.get(row["arm"], row["arm"]), verdict(diff)
        relation = f"{word} than" if word in ("better", "worse") else f"{word} from"
        sentence = (f"{label}: {relation} the baseline in {metric} ({diff[0]:+.3f}, 95% CI "
                    f"[{diff[1]:+.3f}, {diff[2]:+.3f}], {diff[3]}/{diff[4]} seeds better)")
        if metric == "sensitivity" and "specificity" in row["vs_baseline"]:
            # At a validation-chosen threshold the two trade off: never report one alone.
            sentence += f"; specificity {row['vs_baseline']['specificity'][0]:+.3f}"
        sentences.append(sentence + ".")
    return sentences
