"""The class-imbalance experiment: subsampling, classical remedies, GAN arms, summaries."""

import dataclasses

import numpy as np
import pytest

from medgan_course.data.types import Split
from medgan_course.usecases import imbalance
from medgan_course.usecases.classify import ClassifierBudget


def _split(n_minority=30, n_majority=90, minority=0, num_classes=2):
    labels = np.r_[np.full(n_minority, minority), np.full(n_majority, 1 - minority if
                                                         num_classes == 2 else 2)]
    images = np.linspace(-1, 1, len(labels) * 16, dtype=np.float32).reshape(-1, 4, 4, 1)
    return Split(images, labels.astype(np.int32))


class FakeGAN:
    """Stands in for a trained conditional GAN: images encode the requested class and the seed."""

    def __init__(self):
        self.calls = []

    def generate(self, n, labels=None, seed=None):
        self.calls.append((n, seed))
        rng = np.random.default_rng(seed)
        noise = rng.uniform(-0.1, 0.1, (n, 4, 4, 1)).astype(np.float32)
        return noise + np.asarray(labels, np.float32)[:, None, None, None] * 0.5


def test_harsh_level_keeps_a_quarter_of_the_minority_and_all_of_the_rest():
    train = _split(40, 100)
    harsh, minority = imbalance.imbalanced_train_split(train, 0.25, seed=3)
    assert minority == 0
    assert np.sum(harsh.labels == 0) == 10 and np.sum(harsh.labels == 1) == 100
    same, _ = imbalance.imbalanced_train_split(train, 1.0, seed=3)
    assert same is train
    other, _ = imbalance.imbalanced_train_split(train, 0.25, seed=4)
    assert not np.array_equal(harsh.images, other.images)  # the seed changes which are kept


def test_minority_is_the_rarest_class_whatever_its_index():
    train = _split(20, 60, minority=1)
    harsh, minority = imbalance.imbalanced_train_split(train, 0.5)
    assert minority == 1 and np.sum(harsh.labels == 1) == 10


def test_class_weights_make_each_class_weigh_the_same():
    labels = np.r_[np.zeros(10), np.ones(30), np.full(60, 2)].astype(int)
    weights = imbalance.balanced_class_weights(labels, 4)
    totals = [weights[c] * np.sum(labels == c) for c in range(3)]
    assert np.allclose(totals, totals[0]) and weights[3] == 1.0
    assert weights[0] == pytest.approx(100 / (3 * 10))


def test_oversampling_keeps_every_example_and_balances_the_classes():
    labels = np.r_[np.zeros(7), np.ones(20)].astype(int)
    index = imbalance.oversample_indices(labels, seed=1)
    assert set(range(27)) <= set(index.tolist())
    assert np.bincount(labels[index]).tolist() == [20, 20]
    assert not np.array_equal(index, np.sort(index))  # shuffled


def test_majority_class_is_the_most_common():
    assert imbalance.majority_class(np.array([2, 0, 2, 1, 2, 0])) == 2


def test_equal_steps_budget_covers_the_largest_arm():
    budget = ClassifierBudget(batch_size=64, min_steps_per_epoch=8)
    assert imbalance.equal_steps_budget(budget, [546, 840]).min_steps_per_epoch == 14
    assert imbalance.equal_steps_budget(budget, [100]).min_steps_per_epoch == 8


def test_gan_arms_add_nested_minority_images_and_sizes_match():
    train, gan = _split(30, 90), FakeGAN()
    sizes = imbalance.arm_sizes(train, 0)
    previous = None
    for arm, amount in imbalance.GAN_AMOUNTS.items():
        data = imbalance.arm_data(arm, train, minority=0, num_classes=2, gan=gan, seed=5)
        n = round(amount * 30)
        assert data["n_synthetic"] == n and len(data["labels"]) == sizes[arm] == 120 + n
        assert np.bincount(data["labels"]).tolist() == [30 + n, 90]
        added = data["images"][120:]
        assert np.all(np.abs(added) < 0.2)  # images the fake GAN made for class 0
        if previous is not None:  # +100% starts with the +50% images
            assert np.array_equal(added[:len(previous)], previous)
        previous = added
    with pytest.raises(ValueError, match="GAN"):
        imbalance.arm_data("gan+50", train, minority=0, num_classes=2, gan=None)


def test_synthetic_only_has_the_real_class_counts_and_no_real_image():
    train = _split(30, 90)
    data = imbalance.arm_data("synthetic_only", train, minority=0, num_classes=2, gan=FakeGAN())
    assert np.bincount(data["labels"]).tolist() == [30, 90] and data["n_synthetic"] == 120
    assert not np.isin(data["images"][:, 0, 0, 0], train.images[:, 0, 0, 0]).any()


def test_classical_arms_change_only_how_the_real_images_are_used():
    train = _split(30, 90)
    weights = imbalance.arm_data("class_weights", train, minority=0, num_classes=2)
    assert weights["images"] is train.images and weights["class_weight"][0] == 2.0
    over = imbalance.arm_data("oversample", train, minority=0, num_classes=2, seed=0)
    assert len(over["labels"]) == imbalance.arm_sizes(train, 0)["oversample"] == 180
    with pytest.raises(ValueError, match="unknown arm"):
        imbalance.arm_data("smote", train, minority=0, num_classes=2)


def test_accuracy_at_argmax_uses_the_positive_probability():
    target = [0, 0, 1, 1]  # 0 = positive (minority)
    assert imbalance.accuracy_at_argmax(target, [0.9, 0.4, 0.2, 0.6]) == 0.5
    assert imbalance.accuracy_at_argmax(target, [0.9, 0.6, 0.2, 0.4]) == 1.0


def test_uint8_examples_round_trip_the_display_range():
    images = np.array([-1.0, 0.0, 1.0], np.float32).reshape(1, 1, 3, 1)
    assert imbalance.to_uint8_list(images) == [[[0, 128, 255]]]


def _records(level, arm, aucs):
    return [{"arm": f"{level}.{arm}", "seed": s, "metrics": {
        "auc": a, "balanced_accuracy": a, "sensitivity": a, "specificity": a}}
        for s, a in enumerate(aucs)]


def test_level_summary_and_conclusions_follow_the_numbers():
    base = [0.80, 0.70, 0.75, 0.78, 0.72]
    records = (_records("natural", "real", base)
               + _records("natural", "gan+100", [b + 0.03 + 0.001 * i for i, b in enumerate(base)])
               + _records("natural", "oversample", [b - 0.05 for b in base])
               + _records("natural", "class_weights",
                          [b + d for b, d in zip(base, [.02, -.02, .01, -.01, 0])])
               + _records("harsh", "real", [0.1] * 5))
    rows = imbalance.summarise_level(records, "natural")
    assert [r["arm"] for r in rows] == ["real", "class_weights", "oversample", "gan+100"]
    text = " ".join(imbalance.conclusions(rows, "auc"))
    assert "+100%: better" in text and "oversampling: worse" in text
    assert "class weights: no clear difference from" in text and "5/5 seeds better" in text
    assert "specificity" in " ".join(imbalance.conclusions(rows, "sensitivity"))
    assert imbalance.verdict(None) == "not enough seeds"


@pytest.mark.real_data
def test_one_arm_and_the_class_check_on_real_data(real_data_dir, tf_seed):
    from medgan_course.data import load_dataset

    data = load_dataset("breastmnist", data_dir=real_data_dir)
    train, minority = imbalance.imbalanced_train_split(data.train, 0.25, seed=0)
    budget = ClassifierBudget(epochs=2, width=4, min_steps_per_epoch=3)
    arm = imbalance.arm_data("classical_aug", train, minority=minority, num_classes=2)
    classifier, record = imbalance.run_arm("classical_aug", arm, data, minority=minority,
                                           budget=budget, seed=0)
    assert record["train_counts"] == [37, 399] and len(record["val_auc"]) == 2
    assert set(record["metrics"]) >= {"auc", "sensitivity", "threshold", "accuracy_argmax"}
    malignant = data.test.images[data.test.labels == 0]
    benign = data.test.images[data.test.labels == 1][:10]
    check = imbalance.synthetic_class_check(classifier, malignant[:10], malignant, minority=0,
                                            threshold=record["metrics"]["threshold"],
                                            fake_other=benign)
    assert check["n_fake"] == 10 and check["n_real"] == 42
    assert check["other_mean_score"] != check["fake_mean_score"]
    assert "other_called_minority" not in imbalance.synthetic_class_check(
        classifier, malignant[:2], malignant, minority=0, threshold=0.5)
    # The "fakes" here are real test images: the same classifier must score them alike.
    from medgan_course.usecases.classify import positive_scores

    expected = np.mean(positive_scores(classifier, malignant[:10], 0))
    assert check["fake_mean_score"] == pytest.approx(expected, abs=1e-6)


def test_the_conditional_gan_generates_the_requested_class_shape(tf_seed):
    from medgan_course.data import make_phantoms

    data = make_phantoms(n_train=128, n_val=8, n_test=8)
    budget = imbalance.ImbalanceBudget(gan_steps=2, gan_recipe="dcgan")
    with pytest.raises(ValueError, match="unconditional"):
        imbalance.train_conditional_gan(data, data.train, budget)
    result = imbalance.train_conditional_gan(
        data, data.train, imbalance.ImbalanceBudget(gan_steps=2), seed=0, progress=False)
    assert result.steps == 2 and result.gan.num_classes == 2
    assert result.gan.ema_decay == 0.995  # the short-run EMA override reached the GAN
    images = imbalance.generate_class(result.gan, 5, 0, seed=1)
    assert images.shape == (5, 28, 28, 1) and np.abs(images).max() <= 1.0


def test_the_diffusion_arm_adds_minority_images_drawn_through_its_sampler():
    train, sampler = _split(30, 90), FakeGAN()
    data = imbalance.arm_data("cfg+100", train, minority=0, num_classes=2, diffusion=sampler, seed=3)
    assert data["n_synthetic"] == 30 and np.bincount(data["labels"]).tolist() == [60, 90]
    assert len(data["labels"]) == imbalance.arm_sizes(train, 0)["cfg+100"]
    assert np.all(np.abs(data["images"][120:]) < 0.2) and sampler.calls == [(30, 3)]
    # Its size never exceeds the largest arm's, so adding it left every arm's budget unchanged.
    sizes = imbalance.arm_sizes(train, 0)
    assert sizes["cfg+100"] < max(sizes.values())
    with pytest.raises(ValueError, match="diffusion"):
        imbalance.arm_data("cfg+100", train, minority=0, num_classes=2, gan=sampler)
    assert imbalance.needs_diffusion(["real", "cfg+100"]) and not imbalance.needs_gan(["cfg+100"])


def test_versus_pairs_the_diffusion_arm_with_the_gan_arm_by_seed():
    gan = [0.80, 0.70, 0.75, 0.78, 0.72]
    records = (_records("natural", "gan+100", gan)
               + _records("natural", "cfg+100", [g - 0.05 + 0.001 * i for i, g in enumerate(gan)]))
    diff = imbalance.versus(records, "natural", metrics=("auc",))
    assert diff["auc"][0] == pytest.approx(-0.048) and imbalance.verdict(diff["auc"]) == "worse"
    assert imbalance.versus(records, "harsh") is None


def test_the_guided_diffusion_sampler_draws_the_requested_class_shape(tf_seed):
    from medgan_course.data import make_phantoms

    data = make_phantoms(n_train=64, n_val=8, n_test=8)
    budget = imbalance.ImbalanceBudget(diffusion_steps=2, guidance=3.0, ddim_steps=4)
    result, sampler = imbalance.train_conditional_diffusion(data, data.train, budget, seed=0,
                                                            progress=False, timesteps=20)
    assert result.steps == 2 and result.model.num_classes == 2
    assert (sampler.guidance, sampler.ddim_steps) == (3.0, 4)
    images = imbalance.generate_class(sampler, 3, 1, seed=2)
    assert images.shape == (3, 28, 28, 1) and np.abs(images).max() <= 1.0
    unguided = dataclasses.replace(sampler, guidance=0.0)
    assert not np.allclose(images, imbalance.generate_class(unguided, 3, 1, seed=2))
