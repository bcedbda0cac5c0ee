"""Tests of medgan_course.data.summary: tables, imbalance, label budgets."""

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


def test_summary_imports_no_tensorflow():
    import subprocess
    import sys

    code = ("import sys, medgan_course.data.summary, medgan_course.evaluation.classification, "
            "medgan_course.exercises.nb00, "
            "medgan_course.exercises.nb01; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
