"""usecases.diagnosis: the course classifier scored on noisy, restored and clean test images."""

import numpy as np
import pytest

from medgan_course.data.types import ImageDataset, Split
from medgan_course.usecases import diagnosis
from medgan_course.usecases import enhancement as enh


def _split(n, seed, size=16):
    """Class 0 (the rarer one): a bright disc; class 1: a dark one. float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) > 0.3).astype(np.int32)
    yy, xx = np.mgrid[:size, :size]
    disc = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2).astype(np.float32)
    level = np.where(labels == 0, 0.8, -0.2)[:, None, None]
    images = np.clip(level * disc - 0.6 * (1 - disc) + rng.normal(0, 0.05, (n, size, size)), -1, 1)
    return Split(images[..., None].astype(np.float32), labels)


@pytest.fixture(scope="module")
def dataset():
    train, val, test = _split(64, 0), _split(32, 1), _split(32, 2)
    # A test image that is an exact copy of a training image: make_pairs leaves it out.
    test.images[3], test.labels[3] = train.images[5], 1 - train.labels[5]
    return ImageDataset("discs", train, val, test, ("bright", "dark"), "generated in the test")


def test_kept_labels_follow_the_images_make_pairs_keeps(dataset):
    pairs = enh.make_pairs(dataset, "denoise", seed=0, noise="speckle")
    labels = diagnosis.kept_labels(dataset, "test")
    assert len(labels) == len(pairs.test) == len(dataset.test.labels) - 1
    np.testing.assert_array_equal(labels, np.delete(dataset.test.labels, 3))
    assert enh.unique_mask(dataset.train.images, dataset.test.images).sum() == 31


def test_classical_versions_filter_validation_and_test_alike(dataset):
    pairs = enh.make_pairs(dataset, "denoise", seed=0, noise="speckle")
    got = {arm: (val, test, info) for arm, val, test, info in
           diagnosis.versions(pairs, arms=("clean", "noisy", "median"))}
    assert got["clean"][1] is pairs.test and got["noisy"][1] is pairs.test_degraded
    val, test, info = got["median"]
    np.testing.assert_allclose(val, enh.median_filter(pairs.val_degraded, info["param"]))
    np.testing.assert_allclose(test, enh.median_filter(pairs.test_degraded, info["param"]))


@pytest.mark.slow
def test_run_seed_scores_every_arm_with_one_classifier(dataset):
    from medgan_course.usecases.classify import ClassifierBudget

    records = diagnosis.run_seed(dataset, 0, budget=enh.TrainBudget(steps=2, batch_size=8,
                                                                    base_filters=4),
                                 classifier_budget=ClassifierBudget(epochs=3, width=8), noise="speckle")
    assert list(records) == list(diagnosis.ARMS)
    for arm, record in records.items():
        assert set(diagnosis.METRICS) <= set(record["metrics"]), arm
        assert record["n_test"] == len(record["test_target"]) == 31
        assert record["positive_class"] == 0
    # The discs are easy: the clean ceiling separates them; noise hurts PSNR, not labels.
    assert records["clean"]["metrics"]["auc"] > 0.9
    assert records["clean"]["psnr"] is None and np.isfinite(records["noisy"]["psnr"])
    assert records["gaussian"]["psnr"] > records["noisy"]["psnr"]
    assert "train_seconds" in records["gan"] and "param" in records["median"]


def _records(gan_gain):
    """Five seeds; the GAN's AUC is the L1's plus `gan_gain` (plus a little seed noise)."""
    out = []
    for seed in range(5):
        base = 0.70 + 0.01 * seed
        aucs = {"clean": base + 0.10, "noisy": base, "gaussian": base + 0.02, "median": base + 0.02,
                "l1": base + 0.03, "gan": base + 0.03 + gan_gain + 0.002 * seed}
        for arm, auc in aucs.items():
            out.append({"arm": arm, "seed": seed, "metrics": {
                "auc": auc, "balanced_accuracy": auc - 0.1, "sensitivity": 0.6, "specificity": 0.7}})
    return out


def test_conclusions_are_computed_from_the_records():
    better = diagnosis.conclusions(_records(+0.05))
    gan_vs_l1 = next(s for s in better if s.startswith(diagnosis.LABELS["gan"] + " minus " +
                                                        diagnosis.LABELS["l1"]))
    assert "auc +0.054" in gan_vs_l1 and "(better, 5/5 seeds higher)" in gan_vs_l1
    worse = diagnosis.conclusions(_records(-0.05))
    assert any("minus U-Net, L1 only" in s and "(worse, 0/5 seeds higher)" in s for s in worse)
    noisy_vs_clean = next(s for s in better if s.startswith(diagnosis.LABELS["noisy"]))
    assert "auc -0.100" in noisy_vs_clean and "(worse" in noisy_vs_clean
    assert diagnosis.conclusions(_records(0.05)[:6]) == []   # one seed: nothing to pair


def test_recovered_is_the_share_of_the_noise_loss_won_back():
    shares = diagnosis.recovered(_records(0.0))
    assert list(shares) == ["gaussian", "median", "l1", "gan"]
    assert shares["gaussian"] == pytest.approx(0.2) and shares["l1"] == pytest.approx(0.3)
    assert shares["gan"] == pytest.approx(np.mean([0.3 + 0.02 * s for s in range(5)]))
