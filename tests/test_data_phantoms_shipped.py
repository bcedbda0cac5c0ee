"""Tests of the embedded phantoms and of the images shipped by scikit-image and pydicom."""


import numpy as np
import pytest

from medgan_course.data import phantoms, shipped


@pytest.fixture(scope="module")
def phantom_set():
    return phantoms.make_phantoms(n_train=300, n_val=20, n_test=40, seed=5)


# --- phantoms ------------------------------------------------------------------------------

def test_phantoms_shapes_range_and_quantisation(phantom_set):
    ds = phantom_set
    assert ds.name == "phantoms" and ds.image_shape == (28, 28, 1)
    assert ds.class_names == phantoms.CLASS_NAMES and "NOT real patient" in ds.source
    x = ds.train.images
    assert x.dtype == np.float32 and x.min() >= -1.0 and x.max() <= 1.0
    levels = (x + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)  # 256 grey levels, like uint8
    assert x.std() > 0.1  # not blank


def test_phantoms_are_deterministic_by_seed():
    a = phantoms.make_phantoms(n_train=40, n_val=5, n_test=5, seed=1)
    b = phantoms.make_phantoms(n_train=40, n_val=5, n_test=5, seed=1)
    c = phantoms.make_phantoms(n_train=40, n_val=5, n_test=5, seed=2)
    np.testing.assert_array_equal(a.train.images, b.train.images)
    np.testing.assert_array_equal(a.test.labels, b.test.labels)
    assert not np.array_equal(a.train.images, c.train.images)


def test_splits_are_independent_streams():
    a = phantoms.make_phantoms(n_train=30, n_val=5, n_test=5, seed=0)
    b = phantoms.make_phantoms(n_train=30, n_val=5, n_test=50, seed=0)
    np.testing.assert_array_equal(a.train.images, b.train.images)
    assert not np.array_equal(a.val.images, a.train.images[:5])


@pytest.mark.parametrize("fraction", [0.27, 0.1, 0.5])
def test_minority_fraction_holds_in_every_split(fraction):
    ds = phantoms.make_phantoms(n_train=100, n_val=20, n_test=40, minority_fraction=fraction)
    for split, n in (("train", 100), ("val", 20), ("test", 40)):
        np.testing.assert_array_equal(ds.class_counts(split), [round(n * fraction), n - round(n * fraction)])


def test_default_imbalance_is_breastmnist_like():
    counts = phantoms.make_phantoms(n_train=600, n_val=1, n_test=1).class_counts()
    np.testing.assert_array_equal(counts, [162, 438])


def test_64_px_works():
    ds = phantoms.make_phantoms(n_train=20, n_val=4, n_test=4, image_size=64)
    assert ds.train.images.shape == (20, 64, 64, 1)


def _auc(scores_positive, scores_negative):
    """Probability that a positive scores above a negative (Mann-Whitney AUC)."""
    diff = scores_positive[:, None] - scores_negative[None, :]
    return float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0))


def test_classes_are_distinguishable_by_simple_statistics(phantom_set):
    x, y = phantom_set.train.images[..., 0], phantom_set.train.labels
    # Malignant-like lesions are darker and cast shadows: more near-black pixels.
    dark = (x < -0.6).mean(axis=(1, 2))
    assert _auc(dark[y == 0], dark[y == 1]) > 0.8
    # Their margins are irregular: a lesion mask has a longer boundary for its area.
    labels = np.array([0] * 50 + [1] * 50)
    _, masks = phantoms.render_phantoms(labels, image_size=64, seed=3)
    hard = masks > 0.5
    perimeter = ((hard[:, 1:, :] != hard[:, :-1, :]).sum(axis=(1, 2))
                 + (hard[:, :, 1:] != hard[:, :, :-1]).sum(axis=(1, 2)))
    area = hard.sum(axis=(1, 2))
    has_lesion = area > 0
    compactness = perimeter[has_lesion] / np.sqrt(area[has_lesion])
    lesion_labels = labels[has_lesion]
    assert _auc(compactness[lesion_labels == 0], compactness[lesion_labels == 1]) > 0.9


def test_masks_mark_dark_lesions_and_are_empty_without_lesion():
    labels = np.array([0] * 20 + [1] * 20)
    images, masks = phantoms.render_phantoms(labels, image_size=32, seed=0)
    assert masks.shape == (40, 32, 32) and masks.min() >= 0 and masks.max() <= 1
    assert np.all(masks[:20].max(axis=(1, 2)) > 0.9)  # every malignant-like image has a lesion
    empty = masks.max(axis=(1, 2)) < 1e-3
    assert 0 < empty[20:].sum() < 20 and not empty[:20].any()  # some benign-like are normal
    with_lesion = ~empty
    inside = (images[..., 0] * (masks > 0.5)).sum(axis=(1, 2)) / np.maximum((masks > 0.5).sum(axis=(1, 2)), 1)
    outside = (images[..., 0] * (masks < 0.05)).sum(axis=(1, 2)) / (masks < 0.05).sum(axis=(1, 2))
    assert np.all(inside[with_lesion] < outside[with_lesion])  # hypoechoic


@pytest.mark.parametrize("kwargs, match", [
    ({"minority_fraction": 0.6}, "minority_fraction"),
    ({"minority_fraction": 0.0}, "minority_fraction"),
    ({"n_train": 0}, "n_train"),
    ({"image_size": 8}, "image_size"),
])
def test_make_phantoms_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        phantoms.make_phantoms(**{"n_train": 4, "n_val": 2, "n_test": 2, **kwargs})


def test_render_phantoms_rejects_labels_outside_0_1():
    with pytest.raises(ValueError, match="0 .* 1"):
        phantoms.render_phantoms(np.array([0, 2]))


# --- shipped images ------------------------------------------------------------------------

def test_window_hu_known_values():
    np.testing.assert_allclose(shipped.window_hu([-1000, -160, 40, 240, 3000]), [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(shipped.window_hu([-600], level=-600, width=1500), [0.5])
    with pytest.raises(ValueError, match="positive"):
        shipped.window_hu([0], width=0)


def test_extract_patches_known_layout():
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    patches = shipped.extract_patches(image, 2, 2)
    assert patches.shape == (4, 2, 2, 1)
    np.testing.assert_array_equal(patches[0, ..., 0], [[0, 1], [4, 5]])
    np.testing.assert_array_equal(patches[3, ..., 0], [[10, 11], [14, 15]])
    assert shipped.extract_patches(np.stack([image, image]), 3, 1).shape == (8, 3, 3, 1)
    with pytest.raises(ValueError, match="patch_size"):
        shipped.extract_patches(image, 5, 1)
    with pytest.raises(ValueError, match="stride"):
        shipped.extract_patches(image, 2, 0)


def test_ct_slice_in_hounsfield_units():
    pydicom = pytest.importorskip("pydicom")
    try:
        hu, meta = shipped.load_ct_slice()
    except FileNotFoundError:
        pytest.skip("pydicom's test files are not installed")
    raw = pydicom.dcmread(pydicom.data.get_testdata_file("CT_small.dcm", download=False)).pixel_array
    np.testing.assert_allclose(hu, raw * meta["slope"] + meta["intercept"])
    assert hu.shape == (128, 128) and hu.dtype == np.float32 and meta["modality"] == "CT"
    assert meta["intercept"] == -1024.0
    assert hu.min() < -800 and hu.max() > 500  # air around the body, bone inside it


def test_shipped_images_load_as_model_range_squares():
    pytest.importorskip("skimage")
    pytest.importorskip("pydicom")
    try:
        images = shipped.shipped_images(32)
    except FileNotFoundError as err:
        pytest.skip(f"a shipped test file is missing: {err}")
    assert set(images) == {"retina", "microaneurysms", "immunohistochemistry", "cell", "ct", "mr"}
    for name, image in images.items():
        assert image.shape == (32, 32, 1) and image.dtype == np.float32, name
        assert image.min() >= -1.0 and image.max() <= 1.0 and image.std() > 0.05, name
    with pytest.raises(ValueError, match="image_size"):
        shipped.shipped_images(4)
