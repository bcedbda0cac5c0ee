"""Tests of the label-scarcity use case (notebook 08): the K+1 losses, the SGAN's two steps, the
labelled subsets, the fair supervised arm and the computed conclusions."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import tensorflow as tf

from medgan_course.data.types import Split
from medgan_course.training import semisupervised as sgan_lib
from medgan_course.usecases import semisupervised as ss

TINY = ss.SemiSupervisedBudget(steps=30, eval_every=10, batch_size=8, base_filters=4,
                               gen_filters=4, latent_dim=8, dropout=0.0, learning_rate=3e-3)
BREAST_TRAIN = np.array([0] * 147 + [1] * 399, np.int32)


def _toy_split(n=24, seed=0):
    """Two easy classes: class 0 dark images, class 1 bright ones, (n, 28, 28, 1) in [-1, 1]."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int32) % 2
    images = np.where(labels[:, None, None, None] == 0, -0.5, 0.5)
    images = images + 0.2 * rng.standard_normal((n, 28, 28, 1))
    return Split(np.clip(images, -1, 1).astype(np.float32), labels)


def _weights(model):
    return [np.array(w) for w in model.weights]


# ----------------------------------------------------------------------------- the losses
def test_unsupervised_loss_is_the_k_plus_one_likelihood():
    real = np.array([[2.0, -1.0], [0.0, 0.0], [-3.0, 1.0]], np.float32)
    fake = np.array([[-2.0, -2.0], [1.0, 0.5]], np.float32)
    z_real, z_fake = np.exp(real).sum(1), np.exp(fake).sum(1)
    # P(real) = Z / (Z + 1): the fake class has logit 0, so exp(0) = 1 in the softmax's sum.
    expected = -np.mean(np.log(z_real / (z_real + 1))) - np.mean(np.log(1 / (z_fake + 1)))
    got = float(sgan_lib.unsupervised_loss(tf.constant(real), tf.constant(fake)))
    assert got == pytest.approx(expected, rel=1e-5)


def test_supervised_loss_is_cross_entropy_on_the_k_logits():
    logits = np.array([[2.0, 0.0], [0.0, 3.0]], np.float32)
    labels = np.array([0, 0])
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], labels]))
    assert float(sgan_lib.supervised_loss(labels, logits)) == pytest.approx(expected, rel=1e-5)


def test_feature_matching_compares_batch_means():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert float(sgan_lib.feature_matching_loss(a, a[::-1])) == 0.0  # same mean, other order
    assert float(sgan_lib.feature_matching_loss(a, a + 1.0)) == pytest.approx(1.0)


# ------------------------------------------------------------------------------- the steps
def test_labelled_loss_ignores_the_unlabelled_images():
    split = _toy_split(16)
    values = []
    for unlabelled in (split.images[:8], -split.images[8:]):
        model = ss.build_model(2, (28, 28, 1), TINY, arm="sgan", seed=3)
        logs = model.discriminator_step(split.images[:4], split.labels[:4], unlabelled)
        values.append((float(logs["supervised_loss"]), float(logs["unsupervised_loss"])))
    assert values[0][0] == pytest.approx(values[1][0], rel=1e-6)
    # ...while the unsupervised term does see them.
    assert values[0][1] != pytest.approx(values[1][1], rel=1e-3)


def test_generator_step_leaves_the_discriminator_untouched():
    model = ss.build_model(2, (28, 28, 1), TINY, arm="sgan", seed=0)
    before_d = _weights(model.discriminator)
    before_g = [np.array(w) for w in model.generator.trainable_weights]
    model.generator_step(tf.constant(_toy_split(8).images))
    for old, new in zip(before_d, _weights(model.discriminator)):
        np.testing.assert_array_equal(old, new)
    assert any(not np.array_equal(old, np.array(new))
               for old, new in zip(before_g, model.generator.trainable_weights))


def test_discriminator_step_leaves_the_generator_weights_untouched():
    model = ss.build_model(2, (28, 28, 1), TINY, arm="sgan", seed=0)
    split = _toy_split(8)
    before = [np.array(w) for w in model.generator.trainable_weights]
    model.discriminator_step(split.images, split.labels, split.images)
    for old, new in zip(before, model.generator.trainable_weights):
        np.testing.assert_array_equal(old, np.array(new))


class _NoTouching:
    """Stands for unlabelled images that must never be read."""

    def __len__(self):
        raise AssertionError("the supervised arm read the unlabelled images")

    def __getitem__(self, index):
        raise AssertionError("the supervised arm read the unlabelled images")


def test_supervised_arm_uses_no_unlabelled_data_and_no_generator():
    split = _toy_split(16)
    model, history = ss.train_arm("supervised", split, _NoTouching(), _toy_split(12, seed=1),
                                  num_classes=2, positive_class=0, budget=TINY, seed=0)
    assert model.generator is None and not model.semi_supervised
    assert set(history["losses"]) == {"d_loss", "supervised_loss"}
    with pytest.raises(AssertionError, match="unlabelled"):
        ss.train_arm("sgan", split, _NoTouching(), _toy_split(12, seed=1), num_classes=2,
                     positive_class=0, budget=TINY, seed=0)


def test_both_arms_start_from_the_same_classifier_weights():
    sup = ss.build_model(2, (28, 28, 1), TINY, arm="supervised", seed=7)
    semi = ss.build_model(2, (28, 28, 1), TINY, arm="sgan", seed=7)
    other = ss.build_model(2, (28, 28, 1), TINY, arm="supervised", seed=8)
    for a, b in zip(_weights(sup.discriminator), _weights(semi.discriminator)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in
                   zip(_weights(sup.discriminator), _weights(other.discriminator)))


def test_short_training_lowers_the_supervised_loss_and_keeps_the_best_checkpoint():
    split, val = _toy_split(24), _toy_split(16, seed=1)
    model, history = ss.train_arm("sgan", split, split.images, val, num_classes=2,
                                  positive_class=0, budget=TINY, seed=0)
    losses = history["losses"]["supervised_loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert history["best_step"] in (10, 20, 30)
    assert max(history["val_auc"]) > 0.9  # dark vs bright is easy
    assert model.generate(3, seed=0).shape == (3, 28, 28, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="arm"):
        ss.build_model(2, (28, 28, 1), TINY, arm="mixmatch")
    with pytest.raises(ValueError, match="generator"):
        sgan_lib.SemiSupervisedGAN(None, ss.build_model(2, (28, 28, 1), TINY,
                                                        arm="supervised").discriminator)


# ------------------------------------------------------------------------- label subsets
@pytest.mark.parametrize("fraction, counts", [(0.01, [1, 4]), (0.05, [7, 20]), (0.10, [15, 40]),
                                              (1.0, [147, 399])])
def test_labelled_subsets_are_stratified(fraction, counts):
    index = ss.labelled_indices(BREAST_TRAIN, fraction, seed=0)
    assert np.bincount(BREAST_TRAIN[index]).tolist() == counts
    assert len(np.unique(index)) == len(index)


def test_labelled_subsets_are_seeded_and_keep_every_class():
    a = ss.labelled_indices(BREAST_TRAIN, 0.05, seed=1)
    b = ss.labelled_indices(BREAST_TRAIN, 0.05, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, ss.labelled_indices(BREAST_TRAIN, 0.05, seed=2))
    tiny = ss.labelled_indices(np.array([0] * 3 + [1] * 200 + [2] * 5), 0.001, seed=0)
    assert sorted(set(np.array([0] * 3 + [1] * 200 + [2] * 5)[tiny])) == [0, 1, 2]


def test_fraction_keys():
    assert [ss.fraction_key(f) for f in ss.FRACTIONS] == ["1pct", "5pct", "10pct", "100pct"]


# -------------------------------------------------------------------------- conclusions
def _records(delta):
    rng = np.random.default_rng(0)
    out = []
    for seed in range(5):
        base = 0.6 + 0.05 * rng.standard_normal()
        for arm, auc in (("supervised", base), ("sgan", base + delta + 0.005 * seed)):
            metrics = {"auc": auc, "balanced_accuracy": auc - 0.1, "sensitivity": 0.5,
                       "specificity": 0.5 + 0.01 * seed}
            out.append({"arm": f"5pct.{arm}", "seed": seed, "metrics": metrics, "n_labelled": 27})
    return out


def test_conclusions_are_computed_from_the_numbers():
    better, worse = ss.conclusions(_records(0.08)), ss.conclusions(_records(-0.08))
    assert len(better) == 1 and "better than" in better[0] and "27 labelled" in better[0]
    assert "worse than" in worse[0] and "0/5 seeds better" in worse[0]
    assert ss.comparison(_records(0.0), "sensitivity")[0]["verdict"] == "no clear difference"
    assert ss.conclusions(_records(0.08)[:2]) == ["5% of the labels (about 27 labelled images): "
                                                  "not enough seeds."]


def test_conclusions_name_the_generated_labels_arm():
    records = [{**r, "arm": r["arm"].replace("sgan", "cgan")} for r in _records(0.08)]
    (sentence,) = ss.conclusions(records, "auc", arm="cgan")
    assert sentence.startswith("5% of the labels") and "adding cGAN-generated images is better" in sentence
    assert ss.conclusions(records, "auc") == []   # no SGAN records: no SGAN sentence


@pytest.mark.slow
def test_generated_split_adds_generated_images_in_the_subsets_class_proportions():
    """1% of the labels can be 5 images: the cGAN then trains on batches of all 5."""
    from medgan_course.data.types import ImageDataset

    train = _toy_split(40)
    dataset = ImageDataset("toy", train, _toy_split(8, 1), _toy_split(8, 2), ("dark", "bright"), "toy")
    labelled = Split(train.images[:5], np.array([0, 1, 1, 1, 1], np.int32))
    union = ss.generated_split(dataset, labelled, seed=0, steps=2)
    assert union.images.shape == (40, 28, 28, 1) and union.images.dtype == np.float32
    np.testing.assert_array_equal(union.images[:5], labelled.images)   # the real images first
    assert -1 <= union.images.min() and union.images.max() <= 1
    assert np.bincount(union.labels[5:]).tolist() == [7, 28]           # np.resize keeps 1:4
