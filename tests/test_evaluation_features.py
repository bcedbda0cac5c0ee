"""Tests of medgan_course.evaluation.features, and of FID/KID behaviour on images.

One DomainExtractor is trained briefly on generated phantoms (module fixture) and reused: FID and
KID in its feature space must grow as images are blurred, noised, or lose a class. No test
touches the network: InceptionV3 is replaced with a stand-in.
"""

import json

import keras
import numpy as np
import pytest
from scipy import ndimage

from medgan_course.data.phantoms import make_phantoms, render_phantoms
from medgan_course.evaluation import distances
from medgan_course.evaluation.features import (
    DomainExtractor,
    ExtractorUnavailableError,
    InceptionExtractor,
    PixelExtractor,
    check_images,
    data_fingerprint,
    extract_features,
)

N_EVAL = 256  # images per compared set: FID needs N well above the feature dimension (32)


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(n_train=384, n_val=N_EVAL, n_test=N_EVAL, minority_fraction=0.5, seed=0)


@pytest.fixture(scope="module")
def extractor(phantoms):
    train = phantoms.train
    return DomainExtractor.train(train.images, train.labels, num_classes=2, epochs=2, seed=0,
                                 width=8, feature_dim=32)


# --- interface and checks ---------------------------------------------------------------------

def test_check_images_refuses_wrong_type_rank_and_range():
    with pytest.raises(TypeError, match="to_model_range"):
        check_images(np.zeros((2, 8, 8, 1), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        check_images(np.zeros((8, 8, 1), np.float32))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        check_images(np.full((2, 8, 8, 1), 2.0, np.float32))
    assert check_images(np.zeros((2, 8, 8, 1))).dtype == np.float32


def test_extract_features_checks_the_extractor_output():
    images = np.zeros((3, 8, 8, 1), np.float32)
    assert extract_features(PixelExtractor(), images).shape == (3, 64)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        extract_features(lambda x: np.zeros((2, 5)), images)


def test_pixel_extractor_downsamples_by_block_mean():
    images = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 16.0
    features = PixelExtractor(downsample=2)(images)
    np.testing.assert_allclose(features, [[2.5, 4.5, 10.5, 12.5]] / np.float64(16.0))
    assert features.dtype == np.float64
    with pytest.raises(ValueError, match="divisible"):
        PixelExtractor(downsample=3)(images)


# --- InceptionExtractor, without the network ----------------------------------------------------

def test_inception_offline_error_is_clear(monkeypatch):
    def no_network(**kwargs):
        # What keras.utils.get_file raises when the download fails.
        raise Exception("URL fetch failure on https://storage.googleapis.com/inception_v3.h5: "
                        "None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.applications, "InceptionV3", no_network)
    with pytest.raises(ExtractorUnavailableError, match="could not be downloaded") as info:
        InceptionExtractor()
    assert "DomainExtractor" in str(info.value) and "URL fetch failure" in str(info.value)


def test_inception_preprocessing_grey_to_rgb_resize_and_batches(monkeypatch):
    calls = []

    class StandIn:
        """Records its input and returns the per-channel mean, shaped like pooled features."""

        def __call__(self, x, training=False):
            calls.append((tuple(x.shape), training))
            return keras.ops.mean(x, axis=(1, 2))

    def build(include_top, pooling, weights):
        assert (include_top, pooling, weights) == (False, "avg", "imagenet")
        return StandIn()

    monkeypatch.setattr(keras.applications, "InceptionV3", build)
    images = np.concatenate([np.full((3, 28, 28, 1), -1.0), np.full((2, 28, 28, 1), 0.5)]).astype(np.float32)
    features = InceptionExtractor(batch_size=2)(images)
    assert [c[0] for c in calls] == [(2, 299, 299, 3), (2, 299, 299, 3), (1, 299, 299, 3)]
    assert not any(c[1] for c in calls)  # inference mode
    # Inception's preprocessing maps [0, 255] to [-1, 1], so values in [-1, 1] come back unchanged.
    np.testing.assert_allclose(features, [[-1.0] * 3] * 3 + [[0.5] * 3] * 2, atol=1e-5)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        InceptionExtractor()(np.zeros((1, 28, 28, 2), np.float32))


# --- DomainExtractor ----------------------------------------------------------------------------

def test_domain_extractor_features_and_training_record(extractor, phantoms):
    features = extractor(phantoms.val.images[:10])
    assert features.shape == (10, 32) and features.dtype == np.float64
    assert (features >= 0).all()  # ReLU features
    assert extractor.training_fingerprint == data_fingerprint(phantoms.train.images, phantoms.train.labels)
    assert extractor.training["epochs"] == 2 and 0.0 <= extractor.training["final_train_accuracy"] <= 1.0
    with pytest.raises(ValueError, match="trained on images of shape"):
        extractor(np.zeros((2, 32, 32, 1), np.float32))


def test_domain_extractor_batch_norm_statistics_fit_the_training_data(extractor, phantoms):
    # Inference-mode features (moving statistics) must match batch-statistics features on the
    # training images; Keras' lagging running averages alone would shrink them about 20-fold.
    images = phantoms.train.images
    inference = extractor(images)
    batch_mode = np.asarray(extractor._features(images, training=True))
    np.testing.assert_allclose(inference.mean(axis=0), batch_mode.mean(axis=0), rtol=0.1, atol=0.02)


def test_domain_extractor_rejects_bad_labels(phantoms):
    with pytest.raises(ValueError, match="train_labels"):
        DomainExtractor.train(phantoms.val.images[:4], np.array([0, 1, 2, 1]), num_classes=2, epochs=1)


def test_domain_extractor_save_load_round_trip(extractor, phantoms, tmp_path):
    folder = extractor.save(tmp_path / "extractor")
    metadata = json.loads((folder / DomainExtractor.METADATA_FILE).read_text())
    assert metadata["training"]["data_sha256"] == extractor.training_fingerprint
    assert metadata["config"]["feature_dim"] == 32
    loaded = DomainExtractor.load(folder)
    images = phantoms.test.images[:20]
    np.testing.assert_array_equal(loaded(images), extractor(images))
    assert loaded.training == extractor.training


def test_domain_extractor_load_refuses_modified_weights(extractor, tmp_path):
    folder = extractor.save(tmp_path / "extractor")
    weights = folder / DomainExtractor.WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF  # one flipped byte
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum mismatch"):
        DomainExtractor.load(folder)


def test_data_fingerprint_changes_with_any_pixel_or_label():
    images, labels = np.zeros((4, 8, 8, 1), np.float32), np.array([0, 1, 0, 1])
    reference = data_fingerprint(images, labels)
    assert data_fingerprint(images.copy(), labels.copy()) == reference
    changed = images.copy()
    changed[2, 3, 3, 0] = 0.01
    assert data_fingerprint(changed, labels) != reference
    assert data_fingerprint(images, labels[::-1]) != reference


# --- FID and KID grow with damage ---------------------------------------------------------------

def _blur(images, sigma):
    return ndimage.gaussian_filter(images, sigma=(0, sigma, sigma, 0)) if sigma else images


def _noise(images, std, seed=0):
    noise = np.random.default_rng(seed).normal(0, std, images.shape)
    return np.clip(images + noise, -1, 1).astype(np.float32)


def _scores(extractor, real_features, images):
    fake_features = extract_features(extractor, images)
    kid, _ = distances.kernel_inception_distance(real_features, fake_features, subset_size=128, n_subsets=20)
    return distances.frechet_distance(real_features, fake_features), kid


def _assert_increasing(values):
    assert all(a < b for a, b in zip(values, values[1:])), values


@pytest.fixture(scope="module")
def real_features(extractor, phantoms):
    return extract_features(extractor, phantoms.val.images)


def test_fid_and_kid_grow_with_blur(extractor, phantoms, real_features):
    scores = [_scores(extractor, real_features, _blur(phantoms.test.images, s)) for s in (0, 0.7, 1.5, 3)]
    _assert_increasing([fid for fid, _ in scores])
    _assert_increasing([kid for _, kid in scores])


def test_fid_and_kid_grow_with_noise(extractor, phantoms, real_features):
    scores = [_scores(extractor, real_features, _noise(phantoms.test.images, s)) for s in (0, 0.1, 0.3, 0.6)]
    _assert_increasing([fid for fid, _ in scores])
    _assert_increasing([kid for _, kid in scores])


def test_fid_and_kid_grow_when_a_class_is_dropped(extractor, phantoms, real_features):
    both = _scores(extractor, real_features, phantoms.test.images)
    # A "generator" that only ever makes class 1, with as many images as the mixed set.
    one_class, _ = render_phantoms(np.ones(N_EVAL, int), seed=5)
    dropped = _scores(extractor, real_features, one_class)
    # both[1] is about 0 and may be negative (KID is unbiased), hence abs().
    assert dropped[0] > 3 * both[0] and dropped[1] > 3 * abs(both[1]) > 0, (both, dropped)


def test_training_the_extractor_shows_a_progress_bar(phantoms, capsys):
    """Learners wait for this training (notebooks 04-06): it must say how far it is."""
    train = phantoms.train
    DomainExtractor.train(train.images[:64], train.labels[:64], num_classes=2, epochs=2, seed=0,
                          batch_size=32, width=4, feature_dim=8, progress=True)
    err = capsys.readouterr().err
    assert "feature extractor" in err and "4/4" in err  # 2 epochs x 2 batches, filled at the end
