"""Classifier metrics with honest uncertainty: AUC, sensitivity/specificity, bootstrap and t-intervals.

Also the multi-class measures of notebook 01 (`per_class_recall`, `balanced_accuracy`,
`majority_baseline`, `macro_auc`), which score predictions, not the data.

Used to judge whether GAN-made images help a downstream classifier (taught in
notebooks/07_class_imbalance.ipynb and notebooks/08_label_scarcity.ipynb). NumPy only (the
t-quantile comes from SciPy, which scikit-image already requires).

Conventions for the whole module:
    * Labels `y_true` are `(N,)` integers in {0, 1}.
    * `positive_class` defaults to 0 because BreastMNIST's label 0 is *malignant*, the class a
      screening test must find: sensitivity is the fraction of malignant cases caught.
    * `scores` are `(N,)` floats where HIGHER means MORE LIKELY `positive_class`, for example the
      softmax probability of class 0. Passing the probability of class 1 with the default
      `positive_class=0` silently flips every metric, so name the class you score.
    * Thresholds (for example from `youden_threshold`) are chosen on the VALIDATION split and then
      applied, unchanged, to the test split; choosing them on test inflates the results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from medgan_course.data.subsets import class_counts
from medgan_course.validate import positive_int

__all__ = [
    "roc_auc",
    "binary_metrics",
    "youden_threshold",
    "bootstrap_ci",
    "t_interval",
    "paired_differences",
    "PairedComparison",
    "per_class_recall",
    "balanced_accuracy",
    "majority_baseline",
    "macro_auc",
]


def _check_binary(y_true, scores, positive_class):
    """Validates labels and scores; returns (is_positive bool (N,), scores float64 (N,))."""
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:  # MedMNIST stores labels as (N, 1)
        y = y[:, 0]
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(
            f"y_true and scores must both be (N,) arrays; got {y.shape} and {s.shape}. "
            "For a (N, num_classes) probability array pass the column of the positive class."
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y_true must hold only the labels 0 and 1; found {np.unique(y)}")
    if positive_class not in (0, 1):
        raise ValueError(f"positive_class must be 0 or 1, got {positive_class!r}")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or infinity")
    is_positive = y == positive_class
    if is_positive.all() or not is_positive.any():
        raise ValueError(
            "y_true must contain both classes (positives and negatives) for this metric; "
            f"got only label {int(y[0]) if y.size else 'none'}"
        )
    return is_positive, s


def _average_ranks(values):
    """1-based ranks of `values` (N,), ties sharing the mean of their ranks (as in Mann-Whitney)."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Start of each run of equal values; every member of a run gets the run's mean rank.
    run_start = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    run_id = np.cumsum(run_start) - 1
    starts = np.flatnonzero(run_start)
    ends = np.r_[starts[1:], values.size]  # exclusive
    mean_rank = (starts + 1 + ends) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = mean_rank[run_id]
    return ranks


def roc_auc(y_true, scores, *, positive_class: int = 0) -> float:
    """Area under the ROC curve, by the Mann-Whitney U statistic with tie handling.

    AUC is the probability that a random positive case scores higher than a random negative
    one, ties counting one half. It needs no threshold. Taught in notebooks/07_class_imbalance.ipynb.

    Args:
        y_true: `(N,)` int labels in {0, 1} (`(N, 1)` is accepted). Both classes must occur.
        scores: `(N,)` float scores, higher meaning more likely `positive_class`.
        positive_class: the label treated as positive (0 = malignant in BreastMNIST).

    Returns:
        AUC in [0, 1] as a Python float; 0.5 for constant scores.

    Raises:
        ValueError: on shapes that differ, labels outside {0, 1}, one class only, or NaN scores.
    """
    is_positive, s = _check_binary(y_true, scores, positive_class)
    ranks = _average_ranks(s)
    n_pos = int(is_positive.sum())
    n_neg = is_positive.size - n_pos
    u_statistic = ranks[is_positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u_statistic / (n_pos * n_neg))


def binary_metrics(y_true, scores, threshold: float, *, positive_class: int = 0) -> dict:
    """Sensitivity, specificity, balanced accuracy and accuracy at one threshold.

    A case is predicted positive when `score >= threshold`. Balanced accuracy (mean of
    sensitivity and specificity) is the headline for imbalanced data: BreastMNIST's test split is
    73% benign/normal, so "always benign" has accuracy 0.73 but balanced accuracy 0.5.
    Taught in notebooks/07_class_imbalance.ipynb.

    Args:
        y_true: `(N,)` int labels in {0, 1}; both classes must occur.
        scores: `(N,)` float scores, higher meaning more likely `positive_class`.
        threshold: the decision threshold, chosen on the validation split.
        positive_class: the label treated as positive (default 0 = malignant in BreastMNIST).

    Returns:
        Dict with float `sensitivity` (true-positive rate), `specificity` (true-negative rate),
        `balanced_accuracy`, `accuracy`, and int counts `tp`, `fn`, `tn`, `fp`.
    """
    is_positive, s = _check_binary(y_true, scores, positive_class)
    predicted_positive = s >= threshold
    tp = int(np.sum(predicted_positive & is_positive))
    fn = int(np.sum(~predicted_positive & is_positive))
    tn = int(np.sum(~predicted_positive & ~is_positive))
    fp = int(np.sum(predicted_positive & ~is_positive))
    sensitivity = tp / (tp + fn)
    specificity = tn / (tn + fp)
    return {
        "sensitivity": sensitivity,
        "specificity": specificity,
        "balanced_accuracy": (sensitivity + specificity) / 2.0,
        "accuracy": (tp + tn) / is_positive.size,
        "tp": tp, "fn": fn, "tn": tn, "fp": fp,
    }


def youden_threshold(y_true, scores, *, positive_class: int = 0) -> float:
    """The threshold maximising Youden's J = sensitivity + specificity - 1.

    Choose it on the VALIDATION split, then apply it unchanged to the test split.
    Candidates are the observed scores (rule `score >= threshold`); among equally good
    thresholds the highest is returned.

    Args:
        y_true: `(N,)` int labels in {0, 1}; both classes must occur.
        scores: `(N,)` float scores, higher meaning more likely `positive_class`.
        positive_class: the label treated as positive (default 0 = malignant in BreastMNIST).

    Returns:
        The threshold, one of the values in `scores`, as a Python float.
    """
    is_positive, s = _check_binary(y_true, scores, positive_class)
    order = np.argsort(-s, kind="mergesort")
    sorted_scores, sorted_positive = s[order], is_positive[order]
    # After the i-th sorted case, everything with score >= sorted_scores[i] is predicted positive;
    # only the last case of each run of equal scores is a valid cut.
    tpr = np.cumsum(sorted_positive) / sorted_positive.sum()
    fpr = np.cumsum(~sorted_positive) / (~sorted_positive).sum()
    last_of_run = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    j = np.where(last_of_run, tpr - fpr, -np.inf)
    return float(sorted_scores[int(np.argmax(j))])


def _resample_indices(is_positive, rng, stratified, max_tries=100):
    """Indices (N,) of one bootstrap resample holding both classes."""
    n = is_positive.size
    if stratified:
        # Resample each class within itself, so every resample keeps the class counts.
        pos, neg = np.flatnonzero(is_positive), np.flatnonzero(~is_positive)
        return np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
    for _ in range(max_tries):
        idx = rng.integers(0, n, n)
        if 0 < is_positive[idx].sum() < n:  # a one-class resample has no sensitivity or AUC
            return idx
    raise ValueError("could not draw a resample with both classes; use stratified=True")


def bootstrap_ci(
    metric_fn: Callable[[np.ndarray, np.ndarray], float],
    y_true,
    scores,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    stratified: bool = True,
) -> tuple[float, float, float]:
    """Percentile bootstrap confidence interval of a metric over test cases.

    Test cases are resampled with replacement; with `stratified=True` (default) positives and
    negatives are resampled separately, so each resample has the original class counts and
    metrics such as sensitivity or AUC are always defined (one-class resamples are redrawn when
    `stratified=False`). The interval covers test-set sampling only, not training randomness:
    for that, repeat training over seeds and use `t_interval`.
    Taught in notebooks/07_class_imbalance.ipynb.

    Args:
        metric_fn: `metric_fn(y_true (N,), scores (N,)) -> float`, e.g. `roc_auc` or
            `lambda y, s: binary_metrics(y, s, t)["balanced_accuracy"]`.
        y_true: `(N,)` int labels in {0, 1}; both classes must occur.
        scores: `(N,)` float scores passed through to `metric_fn`.
        n_boot: number of resamples (>= 1).
        seed: seed of the NumPy generator drawing the resamples.
        alpha: 1 - confidence level (0.05 gives a 95% interval).
        stratified: resample within each class.

    Returns:
        `(point, low, high)`: the metric on all cases and the alpha/2, 1-alpha/2 percentiles.
    """
    # Positives here only define the strata; which class metric_fn calls positive is its business.
    is_one, s = _check_binary(y_true, scores, positive_class=1)
    positive_int("bootstrap_ci: n_boot", n_boot)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"bootstrap_ci: alpha must be in (0, 1), got {alpha!r}")
    y = is_one.astype(np.int64)
    rng = np.random.default_rng(seed)
    values = np.empty(n_boot, dtype=np.float64)
    for b in range(n_boot):
        idx = _resample_indices(is_one, rng, stratified)
        values[b] = metric_fn(y[idx], s[idx])
    low, high = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(metric_fn(y, s)), float(low), float(high)


def t_interval(values, alpha: float = 0.05) -> tuple[float, float, float]:
    """Student-t confidence interval of a mean, e.g. a metric over training seeds.

    `mean +- t_{1-alpha/2, n-1} * std(ddof=1) / sqrt(n)`. With 3-5 seeds the t-quantile is large
    (4.30 for n=3 at 95%), which is the honest price of few runs.
    Taught in notebooks/08_label_scarcity.ipynb.

    Args:
        values: `(n,)` floats, one per independent run; n >= 2.
        alpha: 1 - confidence level.

    Returns:
        `(mean, low, high)` as Python floats.
    """
    from scipy import stats  # imported here so the module's other functions need only NumPy

    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size < 2 or not np.isfinite(v).all():
        raise ValueError(f"values must be a 1-D array of >= 2 finite numbers; got shape {v.shape}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    mean = v.mean()
    half_width = stats.t.ppf(1.0 - alpha / 2.0, df=v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return float(mean), float(mean - half_width), float(mean + half_width)


class PairedComparison(NamedTuple):
    """Result of `paired_differences`: `a - b` per pair and a t-interval of its mean."""

    differences: np.ndarray  # (n,) float64, a - b
    mean: float
    low: float
    high: float
    n_a_better: int  # pairs with a > b


def paired_differences(a, b, alpha: float = 0.05) -> PairedComparison:
    """Compares two methods run on the same seeds (or folds) through their paired differences.

    Pairing removes the seed-to-seed variation the two methods share, so a real but small gain
    can show although the two separate t-intervals overlap. If the interval excludes 0 the
    difference is unlikely to be seed noise alone. Taught in notebooks/08_label_scarcity.ipynb.

    Args:
        a: `(n,)` metric values of method A, one per seed; n >= 2.
        b: `(n,)` metric values of method B on the same seeds, in the same order.
        alpha: 1 - confidence level.

    Returns:
        `PairedComparison(differences (n,), mean, low, high, n_a_better)`.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b must be 1-D arrays of equal length (paired); got {a.shape}, {b.shape}")
    differences = a - b
    mean, low, high = t_interval(differences, alpha)
    return PairedComparison(differences, mean, low, high, int(np.sum(differences > 0)))


# ------------------------------------------------------------------ multi-class predictions
def per_class_recall(y_true, y_pred, num_classes):
    """Fraction of each class's examples predicted as that class.

    Args:
        y_true: (N,) int class indices.
        y_pred: (N,) int predicted class indices.
        num_classes: number of classes K.

    Returns:
        (K,) float64 array; NaN for a class without examples in `y_true`.
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have one entry per example; got "
                         f"{y_true.shape} and {y_pred.shape}.")
    recall = np.full(num_classes, np.nan)
    for cls in range(num_classes):
        members = y_true == cls
        if members.any():
            recall[cls] = float(np.mean(y_pred[members] == cls))
    return recall


def balanced_accuracy(y_true, y_pred, num_classes):
    """Mean of the per-class recalls over the classes present in `y_true`.

    Unlike accuracy it gives every class the same weight, so a classifier that ignores a rare
    class cannot score well: answering one class always gives exactly 1 / (classes present).

    Returns:
        float in [0, 1].
    """
    return float(np.nanmean(per_class_recall(y_true, y_pred, num_classes)))


def majority_baseline(train_labels, test_labels, num_classes):
    """Scores of the classifier that always answers the training split's most frequent class.

    It needs no image at all, which makes it the floor every real classifier must beat.

    Args:
        train_labels: (N,) int labels the majority class is taken from.
        test_labels: (M,) int labels it is scored on.
        num_classes: number of classes K.

    Returns:
        dict with "majority_class" (int), "accuracy" (float), "balanced_accuracy" (float) and
        "recall" ((K,) float64 per-class recall: 1 for the majority class, 0 for the others).
    """
    majority = int(np.argmax(class_counts(train_labels, num_classes)))
    test_labels = np.asarray(test_labels).reshape(-1)
    predictions = np.full_like(test_labels, majority)
    return {
        "majority_class": majority,
        "accuracy": float(np.mean(predictions == test_labels)),
        "balanced_accuracy": balanced_accuracy(test_labels, predictions, num_classes),
        "recall": per_class_recall(test_labels, predictions, num_classes),
    }


def macro_auc(labels, probabilities):
    """ROC AUC of class probabilities: one-vs-rest, averaged over classes present in `labels`.

    For two classes this is the ordinary AUC (the same whichever class is called positive).

    Args:
        labels: (N,) int class indices.
        probabilities: (N, K) float class probabilities (e.g. a softmax), rows summing to 1.

    Returns:
        float in [0, 1]; 0.5 for uninformative scores.
    """
    labels = np.asarray(labels).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError(f"probabilities must be (N, K) with N = {len(labels)}; got "
                         f"{probabilities.shape}.")
    present = [c for c in range(probabilities.shape[1]) if 0 < np.sum(labels == c) < len(labels)]
    if not present:
        raise ValueError("macro_auc needs at least two classes in labels.")
    aucs = [roc_auc((labels != c).astype(np.int64), probabilities[:, c], positive_class=0)
            for c in present]
    return float(np.mean(aucs))
