"""The look-alike fixture: MedMNIST-shaped files of phantoms for flags other than BreastMNIST."""

import numpy as np
import pytest

from medgan_course.data import info, load_dataset_or_default, load_medmnist
from medgan_course.data.lookalike import OFFICIAL_COUNTS, class_counts_for, write_lookalike
from medgan_course.data.medmnist import check_structure


def _arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _check_file(path, flag, scale=1.0):
    """Keys, dtypes, shapes and per-class counts of a look-alike file."""
    entry = info.INFO[flag]
    arrays = _arrays(path)
    assert sorted(arrays) == sorted(f"{s}_{k}" for s in ("train", "val", "test")
                                    for k in ("images", "labels"))
    channels = () if entry["n_channels"] == 1 else (3,)
    for split, counts in class_counts_for(flag).items():
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        expected = counts if scale == 1.0 else tuple(max(1, round(c * scale)) for c in counts)
        n = sum(expected)
        if scale == 1.0:
            assert n == entry["n_samples"][split]
        assert images.dtype == np.uint8 and images.shape == (n, 28, 28) + channels
        assert labels.dtype == np.uint8 and labels.shape == (n, 1)
        found = np.bincount(labels[:, 0], minlength=len(entry["label"]))
        assert tuple(found) == expected, split
    return arrays


@pytest.mark.filterwarnings("ignore:.*not the official file:UserWarning")
@pytest.mark.parametrize("flag", ["pneumoniamnist", "dermamnist"])
def test_official_size_file_has_medmnist_structure_and_the_loader_accepts_it(tmp_path, flag):
    path = write_lookalike(flag, tmp_path)
    assert path == tmp_path / f"{flag}.npz"
    arrays = _check_file(path, flag)
    assert check_structure(arrays, flag, 28) == []
    with pytest.warns(UserWarning, match="not the official file"):
        dataset = load_medmnist(flag, data_dir=tmp_path, download=False)
    entry = info.INFO[flag]
    assert dataset.num_classes == len(entry["label"])
    assert dataset.train.images.shape[-1] == entry["n_channels"]
    assert [len(s.labels) for s in (dataset.train, dataset.val, dataset.test)] == \
        [entry["n_samples"][s] for s in ("train", "val", "test")]


@pytest.mark.filterwarnings("ignore:.*not the official file:UserWarning")
def test_the_notebook_loader_takes_it_as_real_data_with_real_data_required(tmp_path):
    """CI sets MEDGAN_REQUIRE_REAL_DATA=1: a look-alike is a local file, so no phantom fallback."""
    write_lookalike("pneumoniamnist", tmp_path)
    dataset = load_dataset_or_default("pneumoniamnist", data_dir=tmp_path, download=False,
                                      require_real=True)
    assert dataset.name == "pneumoniamnist" and "pneumoniamnist.npz" in dataset.source


def test_official_counts_are_used_where_known_and_add_up_everywhere():
    assert class_counts_for("pneumoniamnist") == {
        "train": (1214, 3494), "val": (135, 389), "test": (234, 390)}
    derma = class_counts_for("dermamnist")
    assert derma["train"] == OFFICIAL_COUNTS["dermamnist"][0]
    assert sum(derma["test"]) == 2005 and derma["test"][5] > 1300  # nv dominates, as in train
    organ = class_counts_for("organamnist")
    assert max(organ["train"]) - min(organ["train"]) <= 1  # equal classes: no official counts
    for flag in info.INFO:
        if not info.INFO[flag]["task"].startswith("multi-label"):
            counts = class_counts_for(flag)
            assert [sum(counts[s]) for s in counts] == list(info.INFO[flag]["n_samples"].values())


def test_classes_differ_and_rgb_channels_differ(tmp_path):
    arrays = _check_file(write_lookalike("dermamnist", tmp_path, scale=0.05), "dermamnist", 0.05)
    images, labels = arrays["train_images"].astype(np.float32), arrays["train_labels"][:, 0]
    assert not np.allclose(images[..., 0], images[..., 1])
    means = np.stack([images[labels == c].mean(axis=(0, 1, 2)) for c in range(7)])
    assert len({tuple(np.round(m)) for m in means}) == 7  # each class has its own tint


def test_it_is_deterministic_and_seeded(tmp_path):
    a = _arrays(write_lookalike("organamnist", tmp_path / "a", scale=0.01))
    b = _arrays(write_lookalike("organamnist", tmp_path / "b", scale=0.01))
    c = _arrays(write_lookalike("organamnist", tmp_path / "c", scale=0.01, seed=1))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["train_images"], c["train_images"])


def test_a_scaled_down_file_is_refused_by_the_loader(tmp_path):
    """The structural check is not weakened: fewer images than MedMNIST's is not its file."""
    _check_file(write_lookalike("organamnist", tmp_path, scale=0.02), "organamnist", 0.02)
    with pytest.raises(ValueError, match="does not have the structure"):
        load_medmnist("organamnist", data_dir=tmp_path, download=False)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*not the official file:UserWarning")
def test_organamnist_at_official_size_loads(tmp_path):
    _check_file(write_lookalike("organamnist", tmp_path), "organamnist")
    dataset = load_medmnist("organamnist", data_dir=tmp_path, download=False)
    assert dataset.num_classes == 11 and len(dataset.test.labels) == 17778


def test_refuses_multi_label_flags_bad_sizes_and_scales(tmp_path):
    with pytest.raises(ValueError, match="multi-label"):
        write_lookalike("chestmnist", tmp_path)
    with pytest.raises(ValueError, match="size"):
        write_lookalike("breastmnist", tmp_path, size=32)
    with pytest.raises(ValueError, match="scale"):
        write_lookalike("breastmnist", tmp_path, scale=0)
