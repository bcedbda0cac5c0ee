"""Tests of MedMNIST metadata, the MedMNIST/MNIST loaders and the dataset registry.

No test touches the network: downloads come from file:// URLs or from local sockets that
refuse or stall. A made-up flag "tinymnist" with tiny splits (monkeypatched into info.INFO)
makes the loader's happy path fast.
"""

import hashlib
import os
import socket
import time
import warnings

import numpy as np
import pytest

from medgan_course.data import info, medmnist, registry
from medgan_course.data.types import DataUnavailableError

FLAGS_2D = ("pathmnist", "chestmnist", "dermamnist", "octmnist", "pneumoniamnist", "retinamnist",
            "breastmnist", "bloodmnist", "tissuemnist", "organamnist", "organcmnist", "organsmnist")
TINY = "tinymnist"
TINY_SIZES = (8, 2, 3)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test sees the caller's MEDGAN_* variables or the real ~/.keras cache."""
    monkeypatch.delenv("MEDGAN_DATA_DIR", raising=False)
    monkeypatch.delenv("MEDGAN_REQUIRE_REAL_DATA", raising=False)
    monkeypatch.setattr(medmnist, "default_cache_dir", lambda: tmp_path / "default-cache")


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def _write_npz(path, sizes=TINY_SIZES, side=28, channels=1, num_classes=2, **overrides):
    """Writes a MedMNIST-structured file with random uint8 images; overrides replace arrays."""
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in zip(("train", "val", "test"), sizes):
        shape = (n, side, side) + ((channels,) if channels > 1 else ())
        arrays[f"{split}_images"] = rng.integers(0, 256, size=shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % num_classes).astype(np.uint8)[:, None]
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


@pytest.fixture
def tiny_flag(monkeypatch):
    """Registers "tinymnist" (2 classes, 8/2/3 grey images); returns a setter for its facts."""

    def register(md5s=("0" * 32,) * 4, channels=1, url=None):
        entry = info._entry("TinyMNIST", md5s, "binary-class", ("zero", "one"), channels, TINY_SIZES)
        if url is not None:
            entry["url"] = url
        monkeypatch.setitem(info.INFO, TINY, entry)
        monkeypatch.setitem(info.SOURCES, TINY, "tiny test data")
        return entry

    register()
    return register


# --- info ----------------------------------------------------------------------------------

def test_info_has_the_twelve_2d_flags_with_complete_facts():
    assert info.flags() == FLAGS_2D
    for flag in FLAGS_2D:
        entry = info.INFO[flag]
        for size in info.SIZES:
            suffix = "" if size == 28 else f"_{size}"
            assert entry[f"url{suffix}"] == (
                f"https://zenodo.org/records/10519652/files/{info.file_name(flag, size)}?download=1"
            )
            assert len(entry[f"MD5{suffix}"]) == 32 and int(entry[f"MD5{suffix}"], 16) >= 0
        assert entry["n_channels"] in (1, 3) and set(entry["n_samples"]) == {"train", "val", "test"}
        assert entry["license"].startswith("CC BY")
        assert flag in info.SOURCES and "not for clinical use" in info.source(flag)


def test_info_known_facts():
    assert info.md5("breastmnist") == "750601b1f35ba3300ea97c75c52ff8f6"
    assert info.md5("pneumoniamnist") == "28209eda62fecd6e6a2d98b1501bb15f"
    assert info.url("breastmnist", 64).endswith("/files/breastmnist_64.npz?download=1")
    assert info.class_names("breastmnist") == ("malignant", "normal, benign")
    assert info.INFO["pneumoniamnist"]["n_samples"] == {"train": 4708, "val": 524, "test": 624}
    assert info.INFO["dermamnist"]["license"] == "CC BY-NC 4.0"
    assert len(info.class_names("organamnist")) == 11


# --- local files and structural checks -----------------------------------------------------

def test_official_local_file_loads_without_warning(tiny_flag, tmp_path):
    path = _write_npz(tmp_path / "local" / "tinymnist.npz")
    tiny_flag(md5s=(_md5(path),) * 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = medmnist.load_medmnist(TINY, data_dir=tmp_path / "local", download=False)
    assert [len(ds.split(s)) for s in ("train", "val", "test")] == list(TINY_SIZES)
    assert ds.image_shape == (28, 28, 1) and ds.train.images.dtype == np.float32
    assert ds.train.labels.dtype == np.int32 and ds.class_names == ("zero", "one")
    raw = np.load(path)["train_images"]
    np.testing.assert_allclose(ds.train.images[..., 0], raw / 127.5 - 1.0, atol=1e-6)
    assert "tiny test data" in ds.source and "not for clinical use" in ds.source


def test_repacked_local_file_is_accepted_with_a_warning(tiny_flag, tmp_path):
    _write_npz(tmp_path / "tinymnist.npz")  # MD5 differs from the registered "000..."
    with pytest.warns(UserWarning, match="repacked"):
        ds = medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False)
    assert len(ds.train) == 8


def test_env_var_names_the_local_folder_at_call_time(tiny_flag, tmp_path, monkeypatch):
    _write_npz(tmp_path / "env" / "tinymnist_64.npz", side=64)
    monkeypatch.setenv("MEDGAN_DATA_DIR", str(tmp_path / "env"))
    with pytest.warns(UserWarning):
        ds = medmnist.load_medmnist(TINY, size=64, download=False)
    assert ds.image_shape == (64, 64, 1) and ds.name == "tinymnist_64"


def test_colour_flag_keeps_three_channels(tiny_flag, tmp_path):
    tiny_flag(channels=3)
    _write_npz(tmp_path / "tinymnist.npz", channels=3)
    with pytest.warns(UserWarning):
        ds = medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False)
    assert ds.image_shape == (28, 28, 3)


@pytest.mark.parametrize("overrides, match", [
    ({"train_images": np.zeros((5, 28, 28), np.uint8)}, r"train_images is \(5, 28, 28\)"),
    ({"val_images": np.zeros((2, 28, 28), np.float32)}, "val_images .* float32"),
    ({"test_labels": None}, "missing key 'test_labels'"),
    ({"train_labels": np.full((8, 1), 7, np.uint8)}, r"span \[7, 7\], expected \[0, 1\]"),
    ({"train_images": np.zeros((8, 28, 28, 3), np.uint8)}, "expected .*28, 28.* uint8"),
])
def test_structurally_wrong_file_raises_with_what_is_wrong(tiny_flag, tmp_path, overrides, match):
    _write_npz(tmp_path / "tinymnist.npz", **overrides)
    with pytest.raises(ValueError, match=match):
        medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False)


def test_wrong_split_sizes_of_a_real_flag_are_refused(tmp_path):
    _write_npz(tmp_path / "breastmnist.npz")  # 8/2/3 instead of 546/78/156
    with pytest.raises(ValueError, match=r"expected \(546, 28, 28\) uint8"):
        medmnist.load_medmnist("breastmnist", data_dir=tmp_path, download=False)


def test_pickled_npz_is_refused_not_executed(tiny_flag, tmp_path):
    _write_npz(tmp_path / "tinymnist.npz", train_labels=np.array([{"evil": 1}] * 8, dtype=object))
    with pytest.raises(ValueError, match="not a readable .npz"):
        medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False)


def test_max_train_is_a_seeded_stratified_subsample(tiny_flag, tmp_path, monkeypatch):
    monkeypatch.setitem(info.INFO[TINY]["n_samples"], "train", 40)
    _write_npz(tmp_path / "tinymnist.npz", sizes=(40, 2, 3))
    with pytest.warns(UserWarning):
        a = medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False, max_train=10, seed=1)
        b = medmnist.load_medmnist(TINY, data_dir=tmp_path, download=False, max_train=10, seed=1)
    np.testing.assert_array_equal(a.class_counts(), [5, 5])
    np.testing.assert_array_equal(a.train.images, b.train.images)
    assert "subsampled to 10" in a.source


# --- requests refused before any file is read ----------------------------------------------

def test_unknown_and_3d_flags_list_the_valid_ones():
    with pytest.raises(ValueError, match="breastmnist"):
        medmnist.load_medmnist("organmnist3d", download=False)


def test_multi_label_flag_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="multi-label"):
        medmnist.load_medmnist("chestmnist", download=False)


def test_too_large_request_suggests_max_train():
    with pytest.raises(ValueError, match=r"max_train=\d+"):
        medmnist.load_medmnist("tissuemnist", size=224, download=False)
    with pytest.raises(ValueError, match="size must be one of"):
        medmnist.load_medmnist("breastmnist", size=32, download=False)


# --- cache and download --------------------------------------------------------------------

def test_missing_file_without_download_says_how_to_provide_it(tmp_path):
    with pytest.raises(DataUnavailableError) as caught:
        medmnist.load_medmnist("breastmnist", data_dir=tmp_path, download=False)
    message = str(caught.value)
    for needed in (info.url("breastmnist"), "'breastmnist.npz'", "MEDGAN_DATA_DIR", str(tmp_path)):
        assert needed in message


def test_verified_download_lands_in_the_cache_and_is_reused(tiny_flag, tmp_path):
    source = _write_npz(tmp_path / "server" / "tinymnist.npz")
    tiny_flag(md5s=(_md5(source),) * 4, url=source.as_uri())
    cache = tmp_path / "cache"
    ds = medmnist.load_medmnist(TINY, cache_dir=cache, timeout=5)
    assert len(ds.train) == 8 and os.listdir(cache) == ["tinymnist.npz"]
    source.unlink()  # the second load must come from the cache
    assert len(medmnist.load_medmnist(TINY, cache_dir=cache, download=False).train) == 8


def test_corrupt_download_raises_and_leaves_nothing(tiny_flag, tmp_path):
    source = tmp_path / "server" / "tinymnist.npz"
    source.parent.mkdir()
    source.write_bytes(b"truncated garbage")
    tiny_flag(url=source.as_uri())  # official MD5 "000...0" cannot match
    cache = tmp_path / "cache"
    with pytest.raises(DataUnavailableError, match="(?i)hash"):
        medmnist.load_medmnist(TINY, cache_dir=cache, timeout=5)
    assert os.listdir(cache) == []


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_download_fails_fast_with_instructions(tiny_flag, tmp_path):
    tiny_flag(url=f"http://127.0.0.1:{_closed_port()}/tinymnist.npz")
    start = time.monotonic()
    with pytest.raises(DataUnavailableError, match="MEDGAN_DATA_DIR"):
        medmnist.load_medmnist(TINY, cache_dir=tmp_path / "cache", timeout=2)
    assert time.monotonic() - start < 10
    assert os.listdir(tmp_path / "cache") == []


def test_stalled_server_hits_the_socket_timeout(tiny_flag, tmp_path):
    with socket.socket() as server:  # accepts connections in its backlog, never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        tiny_flag(url=f"http://127.0.0.1:{server.getsockname()[1]}/tinymnist.npz")
        start = time.monotonic()
        with pytest.raises(DataUnavailableError):
            medmnist.load_medmnist(TINY, cache_dir=tmp_path / "cache", timeout=0.5)
    assert time.monotonic() - start < 10
    assert socket.getdefaulttimeout() is None  # restored


# --- real BreastMNIST ----------------------------------------------------------------------

@pytest.mark.real_data
def test_real_breastmnist(real_data_dir):
    with pytest.warns(UserWarning, match="MD5 differs"):  # the shared copy is repacked
        ds = medmnist.load_medmnist("breastmnist", data_dir=real_data_dir, download=False)
    assert [len(ds.split(s)) for s in ("train", "val", "test")] == [546, 78, 156]
    assert ds.image_shape == (28, 28, 1) and ds.train.images.dtype == np.float32
    assert ds.train.images.min() == -1.0 and ds.train.images.max() == 1.0
    np.testing.assert_array_equal(ds.class_counts(), [147, 399])
    np.testing.assert_array_equal(ds.class_counts("test"), [42, 114])
    assert "BUSI" in ds.source and "CC BY 4.0" in ds.source


# --- MNIST ---------------------------------------------------------------------------------

def test_mnist_offline_raises_data_unavailable(monkeypatch):
    import keras

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataUnavailableError, match="mnist.npz"):
        medmnist.load_mnist()


def test_mnist_from_a_local_file_carves_a_seeded_val_split(tmp_path, monkeypatch):
    monkeypatch.setattr(medmnist, "MNIST_VAL_SIZE", 20)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "mnist.npz",
             x_train=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8), y_train=np.arange(100) % 10,
             x_test=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), y_test=np.arange(30) % 10)
    ds = medmnist.load_mnist(data_dir=tmp_path, seed=3)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (80, 20, 30)
    assert ds.image_shape == (28, 28, 1) and ds.num_classes == 10
    again = medmnist.load_mnist(data_dir=tmp_path, seed=3)
    np.testing.assert_array_equal(ds.val.images, again.val.images)
    assert not np.array_equal(ds.val.labels, medmnist.load_mnist(data_dir=tmp_path, seed=4).val.labels)


# --- registry ------------------------------------------------------------------------------

def test_dataset_names_and_dispatch():
    assert "breastmnist" in registry.DATASET_NAMES and "chestmnist" not in registry.DATASET_NAMES
    assert registry.DATASET_NAMES[-2:] == ("mnist", "phantoms")
    ds = registry.load_dataset("phantoms", size=32, max_train=20)
    assert ds.name == "phantoms" and ds.image_shape == (32, 32, 1) and len(ds.train) == 20
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'"):
        registry.load_dataset("cifar10")


def test_load_dataset_never_substitutes(tmp_path):
    with pytest.raises(DataUnavailableError):
        registry.load_dataset("breastmnist", data_dir=tmp_path, download=False)


def test_fallback_prints_a_banner_warns_and_matches_the_size(tmp_path, capsys):
    with pytest.warns(UserWarning, match="REAL DATA UNAVAILABLE"):
        ds = registry.load_dataset_or_default(
            "breastmnist", data_dir=tmp_path, size=64, max_train=16, download=False)
    banner = capsys.readouterr().out
    assert "REAL DATA UNAVAILABLE" in banner and "NOT about real patients" in banner
    assert "breastmnist_64.npz" in banner and "MEDGAN_DATA_DIR" in banner
    assert ds.name == "phantoms" and ds.image_shape == (64, 64, 1) and len(ds.train) == 16


def test_require_real_turns_the_fallback_into_an_error(tmp_path, monkeypatch):
    with pytest.raises(DataUnavailableError):
        registry.load_dataset_or_default("breastmnist", data_dir=tmp_path, download=False,
                                         require_real=True)
    monkeypatch.setenv("MEDGAN_REQUIRE_REAL_DATA", "1")
    with pytest.raises(DataUnavailableError):
        registry.load_dataset_or_default("breastmnist", data_dir=tmp_path, download=False)
    with pytest.warns(UserWarning):  # an explicit False beats the environment
        ds = registry.load_dataset_or_default("breastmnist", data_dir=tmp_path, download=False,
                                              max_train=8, require_real=False)
    assert ds.name == "phantoms"


@pytest.mark.real_data
def test_fallback_is_silent_when_real_data_exists(real_data_dir, capsys):
    with pytest.warns(UserWarning, match="repacked"):
        ds = registry.load_dataset_or_default("breastmnist", data_dir=real_data_dir, download=False)
    assert ds.name == "breastmnist" and "REAL DATA UNAVAILABLE" not in capsys.readouterr().out
