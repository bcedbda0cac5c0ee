"""Shared fixtures: where the real data is, and deterministic TensorFlow seeds."""

import os
import pathlib

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def _find_real_data_dir():
    """The folder holding breastmnist.npz: $MEDGAN_DATA_DIR, else ../shared/data/medmnist."""
    candidates = [os.environ.get("MEDGAN_DATA_DIR"), REPO_ROOT.parent / "shared" / "data" / "medmnist"]
    for candidate in candidates:
        if candidate and (pathlib.Path(candidate) / "breastmnist.npz").is_file():
            return pathlib.Path(candidate)
    return None


@pytest.fixture(scope="session")
def real_data_dir():
    """Path of the folder with the real BreastMNIST, or skip the test when it is absent."""
    found = _find_real_data_dir()
    if found is None:
        if os.environ.get("MEDGAN_REQUIRE_REAL_DATA") == "1":
            pytest.fail("MEDGAN_REQUIRE_REAL_DATA=1 but no breastmnist.npz was found "
                        "(set MEDGAN_DATA_DIR to the folder holding it)")
        pytest.skip("real BreastMNIST not found (set MEDGAN_DATA_DIR)")
    return found


@pytest.fixture
def tf_seed():
    """Seeds Python, NumPy and TensorFlow (through keras.utils.set_random_seed) with 1234."""
    import keras

    keras.utils.set_random_seed(1234)
    return 1234
