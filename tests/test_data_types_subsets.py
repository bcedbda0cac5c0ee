"""Tests of medgan_course.data.types (containers, range conversions) and .subsets."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from medgan_course.data import subsets
from medgan_course.data.types import (
    ImageDataset,
    Split,
    to_display_range,
    to_model_range,
    to_uint8,
)


def _split(n=6, size=4, labels=None):
    images = np.linspace(-1, 1, n * size * size, dtype=np.float32).reshape(n, size, size, 1)
    return Split(images, np.arange(n) % 2 if labels is None else labels)


# --- conversions -----------------------------------------------------------------------------

def test_uint8_round_trip_is_exact_for_every_value():
    values = np.arange(256, dtype=np.uint8)
    model = to_model_range(values)
    assert model.dtype == np.float32
    assert model[0] == -1.0 and model[-1] == 1.0
    np.testing.assert_array_equal(to_uint8(model), values)


def test_to_display_range_known_values_and_clipping():
    out = to_display_range(np.array([-1.0, 0.0, 1.0, 1.2, -1.5], dtype=np.float32))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0, 1.0, 0.0])
    assert out.dtype == np.float32


def test_to_uint8_clips_and_rounds():
    out = to_uint8(np.array([-2.0, -1.0, 0.0, 0.999, 1.0, 3.0]))
    np.testing.assert_array_equal(out, [0, 0, 128, 255, 255, 255])
    assert out.dtype == np.uint8


def test_conversions_refuse_wrong_dtypes_and_nan():
    with pytest.raises(TypeError, match="uint8"):
        to_model_range(np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="to_model_range"):
        to_display_range(np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        to_uint8(np.array([0.0, np.nan]))


# --- Split and ImageDataset ------------------------------------------------------------------

def test_split_normalises_labels_to_int32():
    split = _split(labels=np.array([0, 1, 1, 0, 1, 0], dtype=np.uint8))
    assert split.labels.dtype == np.int32 and len(split) == 6
    assert "float32" in repr(split) and "[" not in repr(split)  # no array dump


@pytest.mark.parametrize("images, labels, error, match", [
    (np.zeros((2, 4, 4), np.float32), np.zeros(2, int), TypeError, "channel axis"),
    (np.zeros((2, 4, 4, 1), np.float64), np.zeros(2, int), TypeError, "float32"),
    (np.full((2, 4, 4, 1), 255.0, np.float32), np.zeros(2, int), ValueError, r"\[-1, 1\]"),
    (np.full((2, 4, 4, 1), np.nan, np.float32), np.zeros(2, int), ValueError, r"\[-1, 1\]"),
    (np.zeros((2, 4, 4, 1), np.float32), np.zeros((2, 1), int), TypeError, "reshape"),
    (np.zeros((2, 4, 4, 1), np.float32), np.zeros(3, int), ValueError, "2 images but 3"),
])
def test_split_rejects_bad_inputs(images, labels, error, match):
    with pytest.raises(error, match=match):
        Split(images, labels)


def test_image_dataset_properties():
    ds = ImageDataset("toy", _split(6), _split(2), _split(4), ["a", "b"], "made up")
    assert ds.image_shape == (4, 4, 1)
    assert ds.num_classes == 2 and ds.class_names == ("a", "b")
    np.testing.assert_array_equal(ds.class_counts(), [3, 3])
    np.testing.assert_array_equal(ds.class_counts("test"), [2, 2])
    with pytest.raises(ValueError, match="split must be"):
        ds.class_counts("validation")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"
    assert "train/val/test=6/2/4" in repr(ds)


def test_image_dataset_rejects_inconsistent_splits():
    with pytest.raises(ValueError, match="different image shapes"):
        ImageDataset("toy", _split(size=4), _split(size=5), _split(size=4), ["a", "b"], "")
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        ImageDataset("toy", _split(labels=np.full(6, 2)), _split(), _split(), ["a", "b"], "")


def test_importing_the_data_package_does_not_import_tensorflow():
    code = ("import sys, medgan_course.data as d; d.load_dataset; d.make_phantoms; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- subsets -------------------------------------------------------------------------------

LABELS = np.array([0] * 10 + [1] * 30 + [2] * 60)


def test_class_counts_and_minority_class():
    np.testing.assert_array_equal(subsets.class_counts(LABELS, 4), [10, 30, 60, 0])
    assert subsets.minority_class(LABELS) == 0
    assert subsets.minority_class(np.array([2, 2, 1, 1, 1])) == 2  # absent class 0 ignored
    with pytest.raises(ValueError, match="num_classes=2"):
        subsets.class_counts(LABELS, 2)


def test_keep_k_per_class_is_exact_sorted_and_seeded():
    idx = subsets.keep_k_per_class(LABELS, 5, seed=1)
    np.testing.assert_array_equal(np.bincount(LABELS[idx]), [5, 5, 5])
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, subsets.keep_k_per_class(LABELS, 5, seed=1))
    assert not np.array_equal(idx, subsets.keep_k_per_class(LABELS, 5, seed=2))


def test_keep_k_per_class_errors_name_the_short_class():
    with pytest.raises(ValueError, match="class 0 has only 10"):
        subsets.keep_k_per_class(LABELS, 11)
    with pytest.raises(ValueError, match="k must be"):
        subsets.keep_k_per_class(LABELS, 0)


def test_subsample_class_thins_one_class_only():
    idx = subsets.subsample_class(LABELS, 2, 0.25, seed=0)
    np.testing.assert_array_equal(np.bincount(LABELS[idx]), [10, 30, 15])
    assert len(subsets.subsample_class(LABELS, 0, 0.01)) == 10 + 30 + 60 - 9  # at least one kept
    np.testing.assert_array_equal(subsets.subsample_class(LABELS, 1, 1.0), np.arange(100))
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"\(0, 1\]"):
            subsets.subsample_class(LABELS, 1, bad)
    with pytest.raises(ValueError, match="no examples"):
        subsets.subsample_class(LABELS, 3, 0.5)


def test_stratified_subset_keeps_proportions():
    idx = subsets.stratified_subset(LABELS, 0.5, seed=0)
    np.testing.assert_array_equal(np.bincount(LABELS[idx]), [5, 15, 30])
    idx = subsets.stratified_subset(LABELS, 7, seed=0)
    assert len(idx) == 7 and len(np.unique(idx)) == 7
    np.testing.assert_array_equal(np.bincount(LABELS[idx]), [1, 2, 4])


def test_stratified_subset_keeps_rare_classes_in_tiny_subsets():
    labels = np.array([0] + [1] + [2] * 98)
    counts = np.bincount(labels[subsets.stratified_subset(labels, 3, seed=0)], minlength=3)
    np.testing.assert_array_equal(counts, [1, 1, 1])


@pytest.mark.parametrize("bad", [0, 101, 0.0, 1.5, True, "half"])
def test_stratified_subset_rejects_bad_sizes(bad):
    with pytest.raises((ValueError, TypeError)):
        subsets.stratified_subset(LABELS, bad)


def test_take_selects_images_and_labels_together():
    split = _split(6)
    sub = subsets.take(split, np.array([1, 4]))
    np.testing.assert_array_equal(sub.images, split.images[[1, 4]])
    np.testing.assert_array_equal(sub.labels, [1, 0])
    with pytest.raises(TypeError, match="Split"):
        subsets.take(split.images, [0])
