"""Label scarcity: does a semi-supervised GAN beat the same classifier trained on the labels alone?

Only a fraction of the training images keep their labels (1%, 5%, 10%, 100%: a stratified,
seeded draw with at least one image per class, `labelled_indices`); every training image, labelled
or not, is available as an unlabelled image. Two arms per fraction and seed:

- ``supervised``: the discriminator architecture of the SGAN (`build_semi_supervised_discriminator`)
  trained with the labelled cross-entropy only; it never reads an unlabelled image;
- ``sgan``: the same network, same initial weights, same labelled batches, same steps, batch
  size, optimizer and validation-AUC model selection, plus the unsupervised K+1 loss on unlabelled
  and generated images and a feature-matching generator (`training.semisupervised`).

So only the unlabelled + GAN terms differ. A third arm tests the source article's other claim,
"generate labelled data against label scarcity":

- ``cgan``: a class-conditional GAN (`usecases.imbalance.train_conditional_gan`, the "cdcgan"
  recipe) trained on the labelled subset ONLY; its images, labelled with the class they were
  asked for, join that subset, and the supervised arm's network, budget and selection train on
  the union. It runs at 1%, 5% and 10% of the labels (`GENERATED_FRACTIONS`).

 Scoring is `usecases.classify.evaluate_classifier`'s
(threshold by Youden's J on validation; positive class = the training split's rarest class).
Note: the validation split keeps all its labels (78 on BreastMNIST) for model selection and the
threshold, in both arms; with 1% of the labels that is more labels than the training set has.
Taught in notebooks/08_label_scarcity.ipynb; `bench/usecase_semisupervised.py` runs it over seeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from medgan_course.data.subsets import class_counts, minority_class, stratified_subset, take

#: Fractions of the training labels kept.
FRACTIONS = (0.01, 0.05, 0.10, 1.0)
#: Arms in table order; the first is the baseline.
ARMS = ("supervised", "sgan")
BASELINE = "supervised"
ARM_LABELS = {"supervised": "supervised (labels only)",
              "sgan": "semi-supervised GAN (labels + unlabelled)",
              "cgan": "supervised on labels + cGAN-generated labelled images"}
#: The generated-labels arm, and the fractions it runs at (a cGAN needs a labelled subset to learn
#: from; at 100% of the labels there is no scarcity to remedy).
GENERATED = "cgan"
GENERATED_FRACTIONS = (0.01, 0.05, 0.10)
#: Generator steps of the cGAN (a whole cgan run, cGAN and classifier, took 24-74 s on 2 cores).
CGAN_STEPS = 1000
#: How the computed sentences name each arm compared with the supervised one.
_SUBJECT = {"sgan": "the semi-supervised GAN", "cgan": "adding cGAN-generated images"}


@dataclass(frozen=True)
class SemiSupervisedBudget:
    """What both arms get, in steps (so machine load never changes a result).

    Attributes:
        steps: discriminator (= classifier) updates; the SGAN also makes as many generator updates.
        eval_every: steps between validation-AUC checkpoints (the best one is kept).
        batch_size: labelled images per step (all of them when fewer) and unlabelled/fake
            images per step.
        learning_rate, beta_1: Adam for the discriminator (and the generator).
        base_filters: discriminator width; gen_filters: generator width.
        latent_dim: length of z.
        dropout: discriminator dropout (few labels overfit fast).
        unsupervised_weight: weight of the unsupervised loss in the SGAN arm.
    """

    steps: int = 400
    eval_every: int = 50
    batch_size: int = 32
    learning_rate: float = 3e-4
    beta_1: float = 0.5
    base_filters: int = 32
    gen_filters: int = 32
    latent_dim: int = 64
    dropout: float = 0.3
    unsupervised_weight: float = 1.0

    def to_dict(self) -> dict:
        """JSON-ready (written into every result record)."""
        return dataclasses.asdict(self)


def fraction_key(fraction: float) -> str:
    """0.01 -> "1pct", 0.1 -> "10pct", 1.0 -> "100pct" (the prefix of result-file arm names)."""
    return f"{round(100 * fraction):d}pct"


def labelled_indices(labels, fraction: float, seed: int = 0) -> np.ndarray:
    """Which training images keep their labels: a stratified seeded draw, >= 1 per class.

    Built on `data.subsets.stratified_subset`: round(fraction * N) images with the split's class
    proportions. Draws at different fractions are independent (NOT nested): the 1% images need
    not be among the 5% ones. fraction 1.0 keeps every label.

    Args:
        labels: (N,) int class indices of the training split.
        fraction: in (0, 1].
        seed: seed of the draw.

    Returns:
        sorted (n,) int64 indices, n = max(num_classes, round(fraction * N)).
    """
    labels = np.asarray(labels)
    n = max(len(np.unique(labels)), int(round(fraction * len(labels))))
    return stratified_subset(labels, min(n, len(labels)), seed=seed)


def build_model(num_classes: int, image_shape, budget: SemiSupervisedBudget, *, arm: str,
                seed: int = 0):
    """The arm's compiled `SemiSupervisedGAN` (the supervised arm: unsupervised_weight=0).

    The discriminator is built first right after seeding, so both arms start from the same
    classifier weights for the same seed.
    """
    import keras

    from medgan_course.models.dcgan import build_generator, build_semi_supervised_discriminator
    from medgan_course.training.semisupervised import SemiSupervisedGAN

    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose from {ARMS}")
    keras.utils.set_random_seed(seed)
    discriminator = build_semi_supervised_discriminator(
        image_shape[0], image_shape[-1], num_classes, base_filters=budget.base_filters,
        dropout=budget.dropout)
    generator = None
    if arm == "sgan":
        generator = build_generator(budget.latent_dim, image_shape[0], image_shape[-1],
                                    base_filters=budget.gen_filters)
    weight = budget.unsupervised_weight if arm == "sgan" else 0.0
    model = SemiSupervisedGAN(generator, discriminator, budget.latent_dim, seed=seed,
                              unsupervised_weight=weight)

    def adam():
        return keras.optimizers.Adam(budget.learning_rate, beta_1=budget.beta_1)

    model.compile(d_optimizer=adam(), g_optimizer=adam() if arm == "sgan" else None)
    return model


def _batch(rng, n, size):
    """`size` distinct indices into n items (all of them, shuffled, when n <= size)."""
    return rng.choice(n, size=min(size, n), replace=False)


def train_arm(arm: str, labelled, unlabelled_images, val, *, num_classes: int,
              positive_class: int, budget: SemiSupervisedBudget, seed: int = 0,
              progress: bool = False):
    """Trains one arm, keeping the discriminator weights of the best validation-AUC checkpoint.

    Args:
        arm: "supervised" or "sgan".
        labelled: `Split` of the labelled training images (N, H, W, C) in [-1, 1], labels (N,).
        unlabelled_images: (M, H, W, C) float32 in [-1, 1]; never read by the supervised arm.
        val: validation `Split` (model selection only).
        num_classes, positive_class: the task; positive_class is scored by AUC.
        budget: the shared `SemiSupervisedBudget`.
        seed: seeds the weights, z and both batch orders.
        progress: show a tqdm bar.

    Returns:
        (model, history) with history {"val_auc": [...], "best_step": int, "losses": {name:
        [per-checkpoint tracker means]}}.
    """
    import tensorflow as tf

    from medgan_course.evaluation.classification import roc_auc
    from medgan_course.usecases.classify import binary_target, positive_scores

    model = build_model(num_classes, labelled.images.shape[1:], budget, arm=arm, seed=seed)
    step = tf.function(model.train_step, reduce_retracing=True)
    # Two streams: the labelled batches are the same in both arms for a seed.
    label_rng, unlabelled_rng = np.random.default_rng(seed), np.random.default_rng(seed + 10_000)
    val_target = binary_target(val.labels, positive_class)
    best, history = (-1.0, None, -1), {"val_auc": [], "losses": {}}
    steps = range(1, budget.steps + 1)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=arm, leave=False)
    for i in steps:
        index = _batch(label_rng, len(labelled.labels), budget.batch_size)
        unlabelled = None
        if model.semi_supervised:
            unlabelled = unlabelled_images[_batch(unlabelled_rng, len(unlabelled_images),
                                                  budget.batch_size)]
        step((labelled.images[index], labelled.labels[index], unlabelled))
        if i % budget.eval_every == 0 or i == budget.steps:
            auc = roc_auc(val_target, positive_scores(model.discriminator, val.images,
                                                      positive_class))
            history["val_auc"].append(round(float(auc), 4))
            # The trackers' means since the last checkpoint (train_step returns one step's).
            for tracker in model.metrics:
                history["losses"].setdefault(tracker.name, []).append(
                    round(float(tracker.result()), 4))
            model.reset_metrics()
            if auc > best[0]:
                best = (auc, model.discriminator.get_weights(), i)
    model.discriminator.set_weights(best[1])
    history["best_step"] = best[2]
    return model, history


def generated_split(dataset, labelled, *, seed: int = 0, steps: int = CGAN_STEPS,
                    progress: bool = False):
    """The labelled subset plus images a cGAN trained on that subset alone generates.

    As many images are generated as the training split has unlabelled ones (what the SGAN reads),
    in the labelled subset's class proportions.

    Returns:
        `Split`: images (N, H, W, C) float32 in [-1, 1], labels (N,); the real images first.
    """
    from medgan_course.data.types import Split
    from medgan_course.usecases import imbalance

    budget = imbalance.ImbalanceBudget(gan_steps=steps)
    gan = imbalance.train_conditional_gan(dataset, labelled, budget, seed=seed,
                                          progress=progress).gan
    n_fake = len(dataset.train.labels) - len(labelled.labels)
    fake = imbalance.synthetic_split_like(gan, np.resize(labelled.labels, n_fake), seed=30_000 + seed)
    return Split(np.concatenate([labelled.images, fake.images]),
                 np.concatenate([labelled.labels, fake.labels]))


def run_arm(arm: str, dataset, fraction: float, *, budget: SemiSupervisedBudget, seed: int = 0,
            progress: bool = False):
    """Draws the seed's labelled subset, trains one arm and scores it on the test split.

    Args:
        arm: "supervised", "sgan" or "cgan" (`generated_split`, then the supervised training).
        dataset: an `ImageDataset` (train/val/test `Split`s).
        fraction: of the training labels kept.
        budget, seed, progress: as in `train_arm`.

    Returns:
        (model, record): record holds "metrics" (auc, balanced_accuracy, sensitivity, specificity,
        accuracy, threshold), "test_scores", "test_target", "labelled_counts" (per class),
        "n_labelled", "n_unlabelled", "n_synthetic", "fraction", "best_step", "val_auc", "losses".
    """
    from medgan_course.usecases.classify import evaluate_classifier

    positive = minority_class(dataset.train.labels)
    labelled = take(dataset.train, labelled_indices(dataset.train.labels, fraction, seed))
    training = (generated_split(dataset, labelled, seed=seed, progress=progress)
                if arm == GENERATED else labelled)
    model, history = train_arm("supervised" if arm == GENERATED else arm, training,
                               dataset.train.images, dataset.val,
                               num_classes=dataset.num_classes, positive_class=positive,
                               budget=budget, seed=seed, progress=progress)
    report = evaluate_classifier(model.discriminator, dataset.val, dataset.test,
                                 positive_class=positive)
    metrics = {k: report[k] for k in ("auc", "balanced_accuracy", "sensitivity", "specificity",
                                      "accuracy", "threshold")}
    record = {"metrics": metrics, "test_scores": report["test_scores"],
              "test_target": report["test_target"], "fraction": float(fraction),
              "positive_class": positive,
              "labelled_counts": class_counts(labelled.labels, dataset.num_classes).tolist(),
              "n_labelled": int(len(labelled.labels)),
              "n_unlabelled": int(len(dataset.train.labels)) if arm == "sgan" else 0,
              "n_synthetic": int(len(training.labels) - len(labelled.labels)),
              **({"cgan_steps": CGAN_STEPS} if arm == GENERATED else {}),
              "best_step": history["best_step"], "val_auc": history["val_auc"],
              "losses": history["losses"], "budget": budget.to_dict()}
    return model, record


# --------------------------------------------------------------------------------- summaries
def summarise_fraction(records, fraction: float, metrics=None) -> list[dict]:
    """`results.summarise` of one fraction's records, paired against the supervised arm."""
    from medgan_course.usecases import results
    from medgan_course.usecases.imbalance import level_records

    return results.summarise(level_records(records, fraction_key(fraction)), baseline=BASELINE,
                             order=[*ARMS, GENERATED], metrics=metrics or results.METRICS)


def comparison(records, metric: str = "auc", arm: str = "sgan") -> list[dict]:
    """Per fraction: `arm`'s paired difference against the supervised arm, and its verdict.

    Returns:
        [{"fraction", "n_labelled", "diff": (mean, low, high, n_better, n_pairs) or None,
          "verdict": "better" / "worse" / "no clear difference" / "not enough seeds"}] for every
        fraction with results.
    """
    from medgan_course.usecases.imbalance import verdict

    out = []
    for fraction in FRACTIONS:
        rows = {r["arm"]: r for r in summarise_fraction(records, fraction)}
        if arm not in rows:
            continue
        diff = rows[arm].get("vs_baseline", {}).get(metric)
        n_lab = [r["n_labelled"] for r in records if r["arm"] == f"{fraction_key(fraction)}.{arm}"]
        out.append({"fraction": fraction, "n_labelled": int(np.median(n_lab)), "diff": diff,
                    "verdict": verdict(diff)})
    return out


def conclusions(records, metric: str = "auc", arm: str = "sgan") -> list[str]:
    """One computed sentence per fraction: did `arm` beat the supervised arm in `metric`?"""
    sentences = []
    for row in comparison(records, metric, arm):
        head = (f"{row['fraction']:.0%} of the labels (about {row['n_labelled']} labelled images)")
        d, word = row["diff"], row["verdict"]
        if d is None:
            sentences.append(f"{head}: {word}.")
            continue
        relation = f"{word} than" if word in ("better", "worse") else "not clearly different from"
        sentences.append(f"{head}: {_SUBJECT[arm]} is {relation} the supervised arm in "
                         f"{metric} ({d[0]:+.3f}, 95% CI [{d[1]:+.3f}, {d[2]:+.3f}], "
                         f"{d[3]}/{d[4]} seeds better).")
    return sentences
