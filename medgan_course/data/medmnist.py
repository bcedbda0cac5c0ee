"""Loading MedMNIST (and MNIST) from a local folder, the cache or a verified download.

Order of search for `breastmnist.npz` (or `breastmnist_64.npz` at 64 px):

1. the local folder: argument `data_dir`, else the environment variable `MEDGAN_DATA_DIR`
   (read when the function is called);
2. the cache: `~/.keras/datasets/medmnist` (or `cache_dir`);
3. a download from Zenodo with `keras.utils.get_file`, verified against the official MD5.

A file whose MD5 is the official one is used as is. Any other file (a "repacked" copy, e.g.
re-saved with numpy) is used only if its structure matches MedMNIST's exactly, and with a
warning; otherwise loading fails and says what is wrong. Files are read with
`allow_pickle=False`, so a crafted `.npz` cannot run code. Nothing here substitutes another
dataset: what cannot be had raises `DataUnavailableError` saying how to provide it.
Taught in notebooks/03_building_a_dcgan.ipynb.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import socket
import tempfile
import warnings
import zipfile

import numpy as np

from medgan_course.data import info
from medgan_course.data.subsets import stratified_subset
from medgan_course.data.types import DataUnavailableError, ImageDataset, Split, to_model_range
from medgan_course.validate import positive_int, positive_number

#: Above this many bytes of float32 training images, loading asks for `max_train` instead.
MAX_TRAIN_BYTES = 2 * 1024**3
_SPLITS = ("train", "val", "test")


def default_cache_dir():
    """`~/.keras/datasets/medmnist`, where downloads are kept (expanded when called)."""
    return pathlib.Path(os.path.expanduser("~/.keras/datasets/medmnist"))


def file_md5(path):
    """Hex MD5 of a file, read in 1 MiB chunks so large files need little memory."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _how_to_provide(flag, size, cache_dir=None):
    """The instructions every DataUnavailableError for a MedMNIST file carries."""
    return (
        f"To use it, download {info.url(flag, size)} (MD5 {info.md5(flag, size)}) on a machine "
        f"with internet access and put it, named {info.file_name(flag, size)!r}, in a folder "
        "that you pass as data_dir=... or name in the environment variable MEDGAN_DATA_DIR "
        f"(or in the cache folder {cache_dir or default_cache_dir()})."
    )


def check_structure(arrays, flag, size):
    """Checks that the arrays of an `.npz` file are MedMNIST's `flag` at `size` px.

    Args:
        arrays: mapping with keys train/val/test_images and train/val/test_labels.
        flag: the MedMNIST flag whose INFO entry gives the expected sizes and classes.
        size: image side in pixels.

    Returns:
        list of problems, empty when the file has the official structure.
    """
    entry = info.INFO[flag]
    channel_shape = () if entry["n_channels"] == 1 else (entry["n_channels"],)
    num_classes = len(entry["label"])
    problems = [f"missing key {k!r}" for s in _SPLITS for k in (f"{s}_images", f"{s}_labels")
                if k not in arrays]
    if problems:
        return problems
    for split in _SPLITS:
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        n_expected = entry["n_samples"][split]
        if images.dtype != np.uint8 or images.shape != (n_expected, size, size) + channel_shape:
            problems.append(
                f"{split}_images is {images.shape} {images.dtype}, expected "
                f"{(n_expected, size, size) + channel_shape} uint8"
            )
        if labels.shape not in ((n_expected, 1), (n_expected,)) or labels.dtype.kind not in "iu":
            problems.append(f"{split}_labels is {labels.shape} {labels.dtype}, "
                            f"expected ({n_expected}, 1) integers")
        elif labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            problems.append(
                f"{split}_labels span [{labels.min()}, {labels.max()}], "
                f"expected [0, {num_classes - 1}]"
            )
    return problems


def _read_npz(path, flag, size):
    """Reads and checks one MedMNIST file; warns when it is not the official file's bytes."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path} is not a readable .npz file ({err}).") from err
    problems = check_structure(arrays, flag, size)
    if problems:
        raise ValueError(
            f"{path} does not have the structure of MedMNIST's {info.file_name(flag, size)}: "
            + "; ".join(problems) + ". " + _how_to_provide(flag, size)
        )
    official_md5 = info.md5(flag, size)
    if file_md5(path) != official_md5:
        warnings.warn(
            f"{path} is not the official file (its MD5 differs from {official_md5}); it is a "
            "repacked or unofficial copy. Its structure, split sizes and labels match "
            "MedMNIST's, so it is used, but its contents were not verified.",
            UserWarning,
            stacklevel=3,
        )
    return arrays


def _download(flag, size, cache_dir, timeout):
    """Downloads one file into `cache_dir` with an MD5 check; returns its path.

    keras.utils.get_file leaves a file with a wrong MD5 in place, so the download goes to a
    temporary folder beside the cache and is moved in (atomically) only once verified.
    """
    import keras  # imported here: keras imports TensorFlow, which loading data must not need

    expected_md5 = info.md5(flag, size)
    if expected_md5 is None:
        raise DataUnavailableError(
            f"No official MD5 is known for {info.file_name(flag, size)}, so it is not "
            "downloaded unverified. " + _how_to_provide(flag, size, cache_dir)
        )
    previous_timeout = socket.getdefaulttimeout()
    staging = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=".download-", dir=cache_dir))
        # urllib's urlretrieve (used by get_file) takes no timeout, so a stalled connection
        # would hang a notebook forever; the default socket timeout is the only handle on it
        # (process-wide, hence restored below).
        socket.setdefaulttimeout(timeout)
        fetched = keras.utils.get_file(
            fname=info.file_name(flag, size), origin=info.url(flag, size),
            file_hash=expected_md5, hash_algorithm="md5", cache_dir=str(staging), cache_subdir="",
        )
        target = cache_dir / info.file_name(flag, size)
        os.replace(fetched, target)
        return target
    except Exception as err:  # network, HTTP, timeout, disk or MD5 errors: "not available"
        raise DataUnavailableError(
            f"Could not download {info.file_name(flag, size)} ({type(err).__name__}: {err}). "
            + _how_to_provide(flag, size, cache_dir)
        ) from err
    finally:
        socket.setdefaulttimeout(previous_timeout)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _local_dir(data_dir):
    """The local folder to search: `data_dir`, else $MEDGAN_DATA_DIR, else None."""
    chosen = data_dir if data_dir is not None else os.environ.get("MEDGAN_DATA_DIR")
    return pathlib.Path(chosen).expanduser() if chosen else None


def find_or_download(flag, *, size=28, data_dir=None, download=True, timeout=60, cache_dir=None):
    """Path of the MedMNIST file for `flag` at `size` px: local folder, cache, then download.

    Raises:
        DataUnavailableError: no file found and downloading is off or failed.
    """
    name = info.file_name(flag, size)
    cache = pathlib.Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    local = _local_dir(data_dir)
    for folder in (local, cache):
        if folder is not None and (folder / name).is_file():
            return folder / name
    if not download:
        searched = ", ".join(str(f) for f in (local, cache) if f is not None)
        raise DataUnavailableError(
            f"{name} was not found (searched {searched}) and download=False. "
            + _how_to_provide(flag, size, cache)
        )
    return _download(flag, size, cache, timeout)


def _check_request(flag, size, max_train):
    """Refuses multi-label flags and requests whose float32 training images exceed ~2 GB."""
    entry = info.entry(flag)
    if entry["task"].startswith("multi-label"):
        raise NotImplementedError(
            f"{flag} is multi-label ({entry['task']}: several labels per image); the course's "
            "datasets have one class per image. Choose a single-label flag, e.g. pneumoniamnist."
        )
    if size not in info.SIZES:
        raise ValueError(f"size must be one of {info.SIZES}, got {size!r}.")
    n_train = entry["n_samples"]["train"]
    if max_train is not None:
        positive_int("max_train (or None)", max_train)
        n_train = min(n_train, max_train)
    n_bytes = n_train * size * size * entry["n_channels"] * 4
    if n_bytes > MAX_TRAIN_BYTES:
        fitting = MAX_TRAIN_BYTES // (size * size * entry["n_channels"] * 4)
        raise ValueError(
            f"{flag} at {size} px would need {n_bytes / 1024**3:.1f} GiB of float32 training "
            f"images; pass max_train={fitting} or fewer (a stratified subsample), or a smaller "
            "size."
        )


def _to_split(images, labels, indices=None):
    """uint8 (N, s, s[, 3]) images and (N, 1) labels -> Split in the model range."""
    if indices is not None:
        images, labels = images[indices], labels[indices]
    if images.ndim == 3:
        images = images[..., None]
    return Split(to_model_range(images), labels.reshape(-1).astype(np.int32))


def load_medmnist(flag, *, size=28, data_dir=None, download=True, max_train=None, seed=0,
                  timeout=60, cache_dir=None):
    """Loads a 2D single-label MedMNIST dataset as model-range arrays.

    Args:
        flag: a key of `info.INFO`, e.g. "breastmnist", "pneumoniamnist", "dermamnist".
        size: 28, 64, 128 or 224 pixels.
        data_dir: folder holding files under their official names; default $MEDGAN_DATA_DIR.
        download: whether to download when no local or cached file exists.
        max_train: keep at most this many training images (seeded stratified subsample).
        seed: seed of that subsample.
        timeout: socket timeout in seconds for the download.
        cache_dir: where downloads are kept; default ~/.keras/datasets/medmnist.

    Returns:
        ImageDataset whose splits hold (N, size, size, C) float32 images in [-1, 1] (C = 1, or
        3 for colour flags) and (N,) int32 labels; BreastMNIST at 28 px gives 546/78/156.

    Raises:
        ValueError: unknown flag or size, a local file with the wrong structure, or float32
            training images above about 2 GB (the message gives the max_train that fits).
        NotImplementedError: a multi-label flag (chestmnist).
        DataUnavailableError: no file could be found or downloaded; the message says how.
    """
    _check_request(flag, size, max_train)
    positive_number("timeout (seconds)", timeout)
    path = find_or_download(flag, size=size, data_dir=data_dir, download=download,
                            timeout=timeout, cache_dir=cache_dir)
    arrays = _read_npz(path, flag, size)
    train_labels = arrays["train_labels"].reshape(-1)
    keep = None
    if max_train is not None and max_train < len(train_labels):
        keep = stratified_subset(train_labels, max_train, seed=seed)
    subsample = ("" if keep is None
                 else f"; train subsampled to {len(keep)} (stratified, seed={seed})")
    return ImageDataset(
        name=flag if size == 28 else f"{flag}_{size}",
        train=_to_split(arrays["train_images"], arrays["train_labels"], keep),
        val=_to_split(arrays["val_images"], arrays["val_labels"]),
        test=_to_split(arrays["test_images"], arrays["test_labels"]),
        class_names=info.class_names(flag),
        source=f"{info.source(flag)}; {size} px file {path}{subsample}",
    )


MNIST_VAL_SIZE = 5000


def _read_mnist(data_dir, timeout):
    """((x_train, y_train), (x_test, y_test)) uint8 arrays from data_dir or keras.datasets."""
    local = _local_dir(data_dir)
    if local is not None and (local / "mnist.npz").is_file():
        with np.load(local / "mnist.npz", allow_pickle=False) as npz:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(npz.files)
            if missing:
                raise ValueError(
                    f"{local / 'mnist.npz'} lacks the keys {sorted(missing)} of keras' mnist.npz."
                )
            return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])
    import keras  # imported here: keras imports TensorFlow

    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return keras.datasets.mnist.load_data()
    except Exception as err:  # offline, DNS, HTTP or hash failures
        raise DataUnavailableError(
            f"Could not get MNIST through keras.datasets.mnist ({type(err).__name__}: {err}). "
            "It downloads https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz "
            "into ~/.keras/datasets; on an offline machine put that file, named 'mnist.npz', "
            "in data_dir or $MEDGAN_DATA_DIR."
        ) from err
    finally:
        socket.setdefaulttimeout(previous_timeout)


def load_mnist(*, data_dir=None, max_train=None, seed=0, timeout=60):
    """Loads MNIST digits (the article's dataset) as an ImageDataset.

    The validation split is the last 5,000 of a seeded permutation of the 60,000 training
    images, so train/val/test are 55,000/5,000/10,000. Taught in notebooks/04_training_loop.ipynb.

    Args:
        data_dir: folder with keras' `mnist.npz`; default $MEDGAN_DATA_DIR, else keras' cache
            or download (needs internet the first time).
        max_train: keep at most this many training images (seeded stratified subsample).
        seed: seed of the validation split and of the subsample.
        timeout: socket timeout in seconds for the download.

    Returns:
        ImageDataset of (N, 28, 28, 1) float32 images in [-1, 1] and (N,) int32 labels 0-9.

    Raises:
        DataUnavailableError: offline and no local copy; the message says how to provide it.
    """
    (x_train, y_train), (x_test, y_test) = _read_mnist(data_dir, timeout)
    order = np.random.default_rng(seed).permutation(len(y_train))
    train_idx, val_idx = np.sort(order[:-MNIST_VAL_SIZE]), np.sort(order[-MNIST_VAL_SIZE:])
    if max_train is not None and max_train < len(train_idx):
        train_idx = train_idx[stratified_subset(y_train[train_idx], max_train, seed=seed)]
    return ImageDataset(
        name="mnist",
        train=_to_split(x_train, y_train, train_idx),
        val=_to_split(x_train, y_train, val_idx),
        test=_to_split(x_test, y_test),
        class_names=tuple(str(d) for d in range(10)),
        source="MNIST handwritten digits (LeCun, Cortes and Burges) via keras.datasets.mnist; "
               f"CC BY-SA 3.0; not medical images; val = {len(val_idx)} of train (seed={seed})",
    )
