"""Tests of medgan_course.data.summary: tables, imbalance, majority baseline, label budgets."""

import math

import numpy as np
import pytest

from medgan_course.data import info, make_phantoms, summary


def test_medmnist_table_has_every_flag_with_its_facts():
    rows = summary.medmnist_table()
    assert [r["flag"] for r in rows] == list(info.flags())
    breast = next(r for r in rows if r["flag"] == "breastmnist")
    assert (breast["train"], breast["val"], breast["test"]) == (546, 78, 156)
    assert breast["modality"] == "breast ultrasound" and breast["classes"] == 2
    assert breast["licence"] == "CC BY 4.0"
    assert next(r for r in rows if r["flag"] == "dermamnist")["licence"] == "CC BY-NC 4.0"
    assert set(summary.MODALITIES) == set(info.flags())


def test_markdown_table_formats_rows():
    text = summary.markdown_table([{"a": 1, "b": 0.12345}, {"a": 2, "b": 1.0}])
    assert text.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 0.123 |", "| 2 | 1.000 |"]
    assert summary.markdown_table([{"a": 1, "b": 2}], columns=["b"]).splitlines()[2] == "| 2 |"
    assert summary.markdown_table([]) == ""


def test_split_class_table_counts_and_percentages():
    dataset = make_phantoms(n_train=40, image_size=16, seed=0)
    rows = summary.split_class_table(dataset)
    assert [r["split"] for r in rows] == ["train", "val", "test"]
    for row, split in zip(rows, ("train", "val", "test")):
        counts = dataset.class_counts(split)
        assert row["images"] == len(dataset.split(split))
        assert [row[name] for name in dataset.class_names] == counts.tolist()
        shares = [row[f"{name} %"] for name in dataset.class_names]
        assert sum(shares) == pytest.approx(100.0)


def test_imbalance_ratio():
    assert summary.imbalance_ratio([147, 399]) == pytest.approx(399 / 147)
    assert summary.imbalance_ratio([5, 5, 5]) == 1.0
    assert math.isinf(summary.imbalance_ratio([0, 3]))
    for bad in ([], [-1, 2], [0, 0], [[1, 2]]):
        with pytest.raises(ValueError):
            summary.imbalance_ratio(bad)


def test_balanced_accuracy_and_recall():
    y_true = np.array([0, 0, 1, 1, 1, 1])
    y_pred = np.array([0, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(summary.per_class_recall(y_true, y_pred, 3), [0.5, 0.75, np.nan])
    assert summary.balanced_accuracy(y_true, y_pred, 3) == pytest.approx(0.625)
    with pytest.raises(ValueError, match="one entry per example"):
        summary.per_class_recall(y_true, y_pred[:3], 2)


def test_majority_baseline_matches_breastmnist_numbers():
    train = np.array([0] * 147 + [1] * 399)
    test = np.array([0] * 42 + [1] * 114)
    result = summary.majority_baseline(train, test, 2)
    assert result["majority_class"] == 1
    assert result["accuracy"] == pytest.approx(114 / 156)  # 0.731, MedMNIST v2's majority ACC
    assert result["balanced_accuracy"] == 0.5
    np.testing.assert_array_equal(result["recall"], [0.0, 1.0])


def test_majority_baseline_agrees_with_binary_metrics():
    from medgan_course.evaluation import binary_metrics

    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 2, 50), rng.integers(0, 2, 40)
    result = summary.majority_baseline(train, test, 2)
    scores = np.full(len(test), float(result["majority_class"] == 0))  # P(class 0): 1 or 0
    metrics = binary_metrics(test, scores, 0.5, positive_class=0)
    assert metrics["accuracy"] == pytest.approx(result["accuracy"])
    assert metrics["balanced_accuracy"] == pytest.approx(result["balanced_accuracy"])
    assert metrics["sensitivity"] == pytest.approx(result["recall"][0])


def test_labelled_class_counts_draws_the_right_number_and_is_seeded():
    labels = np.array([0] * 147 + [1] * 399)
    counts = summary.labelled_class_counts(labels, 0.01, 2, seeds=range(200))
    assert counts.shape == (200, 2) and counts.dtype == np.int64
    assert (counts.sum(axis=1) == 5).all()  # round(0.01 * 546)
    # P(no malignant among 5 of 546 drawn without replacement) is about 0.21.
    assert 0.1 < np.mean(counts[:, 0] == 0) < 0.35
    np.testing.assert_array_equal(counts, summary.labelled_class_counts(labels, 0.01, 2, range(200)))
    assert (summary.labelled_class_counts(labels, 1.0, 2, seeds=[0]) == [[147, 399]]).all()
    for bad in (0.0, 1.5, "half"):
        with pytest.raises(ValueError):
            summary.labelled_class_counts(labels, bad, 2)


def test_macro_auc():
    labels = np.array([0, 0, 1, 1])
    perfect = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
    assert summary.macro_auc(labels, perfect) == 1.0
    assert summary.macro_auc(labels, perfect[:, ::-1]) == 0.0
    assert summary.macro_auc(labels, np.full((4, 2), 0.5)) == 0.5
    three = np.array([0, 1, 2, 2])
    probs = np.eye(3)[three] * 0.7 + 0.1
    assert summary.macro_auc(three, probs) == 1.0
    with pytest.raises(ValueError):
        summary.macro_auc(labels, perfect[:3])
    with pytest.raises(ValueError):
        summary.macro_auc(np.zeros(4, int), perfect)


def test_summary_imports_no_tensorflow():
    import subprocess
    import sys

    code = ("import sys, medgan_course.data.summary, medgan_course.exercises.nb00, "
            "medgan_course.exercises.nb01; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
