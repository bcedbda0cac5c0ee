"""The downstream classifier protocol every use case shares: same model, same budget, same tuning.

A use case asks "does X help a diagnosis model?". To answer it fairly, every arm (the real-data
baseline included) trains `models.classifier.build_classifier` for the same number of epochs,
keeps the epoch with the best VALIDATION AUC (early stopping by selection), and picks its decision
threshold on the VALIDATION split (Youden's J). The test split is touched once, at the end.

The positive class is the training split's rarest class ("minority"), scored as its softmax
probability; for BreastMNIST that is label 0, malignant. On flags with more than two classes the
task becomes "minority class versus the rest", so one code path serves every 2D MedMNIST flag.
Taught in notebooks/07_class_imbalance.ipynb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from medgan_course.evaluation.classification import binary_metrics, roc_auc, youden_threshold


@dataclass(frozen=True)
class ClassifierBudget:
    """What every arm of an experiment gets: epochs, batch size, learning rate, width.

    Attributes:
        epochs: training epochs over the arm's training set (the best validation epoch is kept).
        batch_size: images per step.
        learning_rate: Adam learning rate.
        width: filters of the classifier's first convolution.
        min_steps_per_epoch: epochs shorter than this are lengthened (so arms with fewer images
            still get as many updates; a fair budget counts steps, not passes).
    """

    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    width: int = 32
    min_steps_per_epoch: int = 8


def binary_target(labels, positive_class: int) -> np.ndarray:
    """(N,) int labels -> (N,) int32 in {0, 1} with 0 = `positive_class` (the metrics' convention)."""
    return np.where(np.asarray(labels) == positive_class, 0, 1).astype(np.int32)


def _batches(images, labels, sample_weight, budget, rng):
    """One epoch of shuffled batches, repeated to at least `min_steps_per_epoch` steps."""
    steps = max(budget.min_steps_per_epoch, math.ceil(len(images) / budget.batch_size))
    for _ in range(steps):
        index = rng.choice(len(images), size=min(budget.batch_size, len(images)), replace=False)
        yield images[index], labels[index], sample_weight[index]


def positive_scores(classifier, images, positive_class: int = 0, batch_size: int = 256):
    """Softmax probability of `positive_class`: (N, H, W, C) in [-1, 1] -> (N,) float64 in [0, 1]."""
    import keras

    logits = classifier.predict(images, batch_size=batch_size, verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.softmax(logits))[:, positive_class].astype(np.float64)


def train_classifier(train_images, train_labels, val_images, val_labels, *, num_classes: int,
                     positive_class: int, budget: ClassifierBudget = ClassifierBudget(),
                     class_weight=None, augment=None, seed: int = 0, progress: bool = False):
    """Trains the course classifier, keeping the weights of the best validation-AUC epoch.

    Args:
        train_images: (N, H, W, C) float32 in [-1, 1] (real, or real plus synthetic).
        train_labels: (N,) int class indices.
        val_images, val_labels: the validation split, used for model selection only.
        num_classes: classes of the dataset.
        positive_class: the class scored by AUC (the minority class).
        budget: the `ClassifierBudget` every arm shares.
        class_weight: optional {class: weight} (the class-weights arm).
        augment: optional `f(images, seed) -> images` applied to each batch (classical aug arm).
        seed: seeds the weights, batch order and augmentation.
        progress: show a tqdm bar over epochs with the last validation AUC.

    Returns:
        (classifier, history) with history {"val_auc": [...], "best_epoch": int}.
    """
    import keras

    keras.utils.set_random_seed(seed)
    from medgan_course.models.classifier import build_classifier

    classifier = build_classifier(train_images.shape[1:], num_classes, width=budget.width)
    optimizer = keras.optimizers.Adam(budget.learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    weights = np.ones(len(train_labels), np.float32) if class_weight is None else \
        np.asarray([class_weight[int(c)] for c in train_labels], np.float32)
    step = _train_step(classifier, optimizer, loss_fn)
    rng, val_target = np.random.default_rng(seed), binary_target(val_labels, positive_class)
    best, history = (-1.0, None, -1), []
    from tqdm.auto import tqdm

    epochs = tqdm(range(budget.epochs), desc="classifier", unit="epoch", disable=not progress,
                  leave=False)
    for epoch in epochs:
        for images, labels, w in _batches(train_images, np.asarray(train_labels), weights, budget, rng):
            if augment is not None:
                images = augment(images, seed=int(rng.integers(2**31)))
            step(images, labels, w)
        auc = roc_auc(val_target, positive_scores(classifier, val_images, positive_class))
        history.append(auc)
        epochs.set_postfix(val_auc=f"{auc:.3f}")
        if auc > best[0]:
            best = (auc, classifier.get_weights(), epoch)
    classifier.set_weights(best[1])
    return classifier, {"val_auc": history, "best_epoch": best[2]}


def _train_step(classifier, optimizer, loss_fn):
    """A compiled weighted cross-entropy step (one tape; the classifier is an ordinary model)."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(images, labels, sample_weight):
        with tf.GradientTape() as tape:
            logits = classifier(images, training=True)
            loss = loss_fn(labels, logits, sample_weight=sample_weight)
        grads = tape.gradient(loss, classifier.trainable_variables)
        optimizer.apply_gradients(zip(grads, classifier.trainable_variables))
        return loss

    return step


def evaluate_classifier(classifier, val_split, test_split, *, positive_class: int) -> dict:
    """Test metrics at the threshold chosen on validation, plus the test scores for bootstraps.

    Args:
        classifier: a trained classifier (logits).
        val_split, test_split: `Split`s with images (N, H, W, C) in [-1, 1] and (N,) labels.
        positive_class: the class that counts as positive (sensitivity = its recall).

    Returns:
        {"auc", "balanced_accuracy", "sensitivity", "specificity", "accuracy", "threshold",
         "test_scores": list of N floats, "test_target": list of N ints (0 = positive)}.
    """
    val_target = binary_target(val_split.labels, positive_class)
    test_target = binary_target(test_split.labels, positive_class)
    threshold = youden_threshold(val_target, positive_scores(classifier, val_split.images, positive_class))
    scores = positive_scores(classifier, test_split.images, positive_class)
    metrics = binary_metrics(test_target, scores, threshold)
    result = {key: float(metrics[key]) for key in
              ("balanced_accuracy", "sensitivity", "specificity", "accuracy")}
    result.update(auc=roc_auc(test_target, scores), threshold=float(threshold),
                  test_scores=[round(float(s), 6) for s in scores],
                  test_target=[int(t) for t in test_target])
    return result
