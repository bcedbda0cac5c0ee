"""Tests of medgan_course.evaluation.classification: AUC, thresholds, bootstrap and t-intervals."""

import itertools

import numpy as np
import pytest

from medgan_course.evaluation import classification
from medgan_course.evaluation.classification import (
    binary_metrics,
    bootstrap_ci,
    paired_differences,
    roc_auc,
    t_interval,
    youden_threshold,
)


def _brute_force_auc(y, s, positive_class):
    """P(score_pos > score_neg) + 0.5 P(tie), by counting every pair."""
    pos, neg = s[y == positive_class], s[y != positive_class]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@pytest.fixture
def labelled_scores():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    # Rounded scores make many ties, which the rank formula must split in halves.
    s = np.round(rng.random(60) + 0.4 * (y == 0), 1)
    return y, s


@pytest.mark.parametrize("positive_class", [0, 1])
def test_roc_auc_matches_pairwise_count_with_ties(labelled_scores, positive_class):
    y, s = labelled_scores
    expected = _brute_force_auc(y, s, positive_class)
    assert roc_auc(y, s, positive_class=positive_class) == pytest.approx(expected)


def test_roc_auc_known_values():
    y = np.array([0, 0, 1, 1, 1])
    assert roc_auc(y, np.full(5, 0.3)) == 0.5  # constant scores carry no information
    assert roc_auc(y, np.array([0.9, 0.8, 0.1, 0.2, 0.3])) == 1.0  # positive_class=0 scored high
    assert roc_auc(y, np.array([0.9, 0.8, 0.1, 0.2, 0.3]), positive_class=1) == 0.0
    assert roc_auc(y[:, None], np.array([0.9, 0.25, 0.5, 0.2, 0.3])) == pytest.approx(4 / 6)  # (N, 1) labels


def test_roc_auc_rejects_bad_input():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc(np.zeros(4, int), np.arange(4.0))
    with pytest.raises(ValueError, match="0 and 1"):
        roc_auc(np.array([0, 1, 2]), np.arange(3.0))
    with pytest.raises(ValueError, match=r"\(N,\)"):
        roc_auc(np.array([0, 1, 1]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        roc_auc(np.array([0, 1]), np.array([0.1, np.nan]))


def test_binary_metrics_hand_example_positive_class_zero():
    # Label 0 (malignant) is positive; a case is called positive when score >= 0.5.
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    s = np.array([0.9, 0.8, 0.6, 0.2, 0.7, 0.4, 0.3, 0.2, 0.1, 0.0])
    m = binary_metrics(y, s, 0.5)
    assert (m["tp"], m["fn"], m["tn"], m["fp"]) == (3, 1, 5, 1)
    assert m["sensitivity"] == pytest.approx(3 / 4)
    assert m["specificity"] == pytest.approx(5 / 6)
    assert m["balanced_accuracy"] == pytest.approx((3 / 4 + 5 / 6) / 2)
    assert m["accuracy"] == pytest.approx(8 / 10)
    # The same scores read with positive_class=1 swap the roles of the two rates.
    m1 = binary_metrics(y, s, 0.5, positive_class=1)
    assert (m1["sensitivity"], m1["specificity"]) == pytest.approx((1 / 6, 1 / 4))


def test_youden_threshold_matches_brute_force(labelled_scores):
    y, s = labelled_scores
    t = youden_threshold(y, s)
    j = {}
    for c in np.unique(s):
        m = binary_metrics(y, s, c)
        j[c] = m["sensitivity"] + m["specificity"] - 1
    assert t in j
    assert j[t] == pytest.approx(max(j.values()))
    assert t == max(c for c in j if j[c] == pytest.approx(max(j.values())))  # highest among ties


def test_youden_threshold_separable_case():
    y = np.array([1, 1, 1, 0, 0])
    assert youden_threshold(y, np.array([0.1, 0.2, 0.3, 0.7, 0.9])) == 0.7


def test_bootstrap_ci_contains_point_and_narrows_with_more_data(labelled_scores):
    y, s = labelled_scores
    point, low, high = bootstrap_ci(roc_auc, y, s, n_boot=300)
    assert point == pytest.approx(roc_auc(y, s))
    assert low < point < high
    _, low4, high4 = bootstrap_ci(roc_auc, np.tile(y, 4), np.tile(s, 4), n_boot=300)
    # Four times the cases: the interval is about half as wide.
    assert high4 - low4 < 0.7 * (high - low)
    assert bootstrap_ci(roc_auc, y, s, n_boot=300) == (point, low, high)  # seeded


def test_bootstrap_interval_width_matches_normal_theory():
    # The bootstrap distribution of a mean has sd ~ sd(scores) / sqrt(n): a 95% interval is
    # about +- 1.96 standard errors wide.
    rng = np.random.default_rng(4)
    y, s = rng.integers(0, 2, 400), rng.normal(size=400)
    point, low, high = bootstrap_ci(lambda yy, ss: float(np.mean(ss)), y, s, n_boot=1000)
    expected_half_width = 1.96 * s.std() / np.sqrt(400)
    assert (high - low) / 2 == pytest.approx(expected_half_width, rel=0.15)


def test_bootstrap_stratified_keeps_class_counts():
    y = np.array([0] * 3 + [1] * 17)
    scores = np.linspace(0, 1, 20)

    def share_positive(yy, ss):
        return float(np.mean(yy == 0))

    _, low, high = bootstrap_ci(share_positive, y, scores, n_boot=200)
    assert low == high == pytest.approx(3 / 20)
    _, low_u, high_u = bootstrap_ci(share_positive, y, scores, n_boot=200, stratified=False)
    assert low_u < high_u  # unstratified resamples vary the class mix (but keep both classes)
    assert low_u > 0


def test_bootstrap_rejects_bad_arguments(labelled_scores):
    y, s = labelled_scores
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci(roc_auc, y, s, n_boot=0)


def test_t_interval_hand_computation():
    mean, low, high = t_interval([1.0, 2.0, 3.0, 4.0])
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2.0  # t_{0.975, df=3} * s / sqrt(4)
    assert (mean, low, high) == pytest.approx((2.5, 2.5 - half, 2.5 + half))
    _, low90, high90 = t_interval([1.0, 2.0, 3.0, 4.0], alpha=0.10)
    assert high90 - low90 < high - low


def test_t_interval_rejects_single_value():
    with pytest.raises(ValueError, match=">= 2"):
        t_interval([0.8])


def test_paired_differences_hand_example():
    result = paired_differences([0.80, 0.82, 0.78], [0.75, 0.80, 0.79])
    np.testing.assert_allclose(result.differences, [0.05, 0.02, -0.01])
    assert result.mean == pytest.approx(0.02)
    assert result.n_a_better == 2
    assert (result.low, result.high) == pytest.approx(t_interval([0.05, 0.02, -0.01])[1:])
    with pytest.raises(ValueError, match="paired"):
        paired_differences([1.0, 2.0], [1.0, 2.0, 3.0])


# ------------------------------------------------ multi-class metrics (from data.summary)
def test_balanced_accuracy_and_recall():
    y_true = np.array([0, 0, 1, 1, 1, 1])
    y_pred = np.array([0, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(classification.per_class_recall(y_true, y_pred, 3), [0.5, 0.75, np.nan])
    assert classification.balanced_accuracy(y_true, y_pred, 3) == pytest.approx(0.625)
    with pytest.raises(ValueError, match="one entry per example"):
        classification.per_class_recall(y_true, y_pred[:3], 2)


def test_majority_baseline_matches_breastmnist_numbers():
    train = np.array([0] * 147 + [1] * 399)
    test = np.array([0] * 42 + [1] * 114)
    result = classification.majority_baseline(train, test, 2)
    assert result["majority_class"] == 1
    assert result["accuracy"] == pytest.approx(114 / 156)  # 0.731, MedMNIST v2's majority ACC
    assert result["balanced_accuracy"] == 0.5
    np.testing.assert_array_equal(result["recall"], [0.0, 1.0])


def test_majority_baseline_agrees_with_binary_metrics():
    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 2, 50), rng.integers(0, 2, 40)
    result = classification.majority_baseline(train, test, 2)
    scores = np.full(len(test), float(result["majority_class"] == 0))  # P(class 0): 1 or 0
    metrics = classification.binary_metrics(test, scores, 0.5, positive_class=0)
    assert metrics["accuracy"] == pytest.approx(result["accuracy"])
    assert metrics["balanced_accuracy"] == pytest.approx(result["balanced_accuracy"])
    assert metrics["sensitivity"] == pytest.approx(result["recall"][0])


def test_macro_auc():
    labels = np.array([0, 0, 1, 1])
    perfect = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
    assert classification.macro_auc(labels, perfect) == 1.0
    assert classification.macro_auc(labels, perfect[:, ::-1]) == 0.0
    assert classification.macro_auc(labels, np.full((4, 2), 0.5)) == 0.5
    three = np.array([0, 1, 2, 2])
    probs = np.eye(3)[three] * 0.7 + 0.1
    assert classification.macro_auc(three, probs) == 1.0
    with pytest.raises(ValueError):
        classification.macro_auc(labels, perfect[:3])
    with pytest.raises(ValueError):
        classification.macro_auc(np.zeros(4, int), perfect)
