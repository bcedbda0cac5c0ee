"""Tests of medgan_course.usecases.enhancement: noise models, degradations, baselines, metrics,
the train/test split discipline, the tiny training path and the summary of many seeds."""

import numpy as np
import pytest

from medgan_course.data.types import DataUnavailableError, ImageDataset, Split
from medgan_course.evaluation.image_quality import psnr
from medgan_course.usecases import enhancement as enh


def _const(value, n=2000, size=28):
    """n images of one intensity `value` in [0, 1], model range."""
    return np.full((n, size, size, 1), value * 2 - 1, np.float32)


def _smooth(n=40, size=28, seed=0):
    """Smooth random images in [-1, 1] (blurred noise), a stand-in for anatomy."""
    rng = np.random.default_rng(seed)
    images = enh.gaussian_filter(rng.uniform(-1, 1, (n, size, size, 1)), 2.0)
    return (images / np.abs(images).max()).astype(np.float32)


def _toy_dataset(name="phantoms"):
    def split(n, s):
        return Split(_smooth(n, seed=s), np.zeros(n, np.int32))

    return ImageDataset(name, split(64, 0), split(16, 1), split(16, 2), ("x",), "toy")


# ----------------------------------------------------------------------------- noise models
@pytest.mark.parametrize("flag, model", [
    ("breastmnist", "speckle"), ("octmnist", "speckle"), ("pneumoniamnist", "poisson_gaussian"),
    ("chestmnist", "poisson_gaussian"), ("organamnist", "poisson_gaussian"),
    ("dermamnist", "gaussian"), ("bloodmnist", "gaussian"), ("shipped", "poisson_gaussian")])
def test_noise_model_follows_the_modality(flag, model):
    assert enh.noise_model_for(flag) == model


def test_noise_model_rejects_unknown_flags():
    with pytest.raises(ValueError, match="breastmnist"):
        enh.noise_model_for("nosuchmnist")


def _unit_stats(noisy):
    x = (noisy.astype(np.float64) + 1) / 2
    return x.mean(), x.std()


def test_speckle_is_multiplicative_with_variance_one_over_looks():
    rng = np.random.default_rng(0)
    assert np.all(enh.add_speckle(_const(0.0, 10), 4, rng) == -1.0)  # no echo, no speckle
    mean_lo, std_lo = _unit_stats(enh.add_speckle(_const(0.1, 200), 16, rng))
    mean_hi, std_hi = _unit_stats(enh.add_speckle(_const(0.2, 200), 16, rng))
    assert mean_lo == pytest.approx(0.1, rel=0.01) and mean_hi == pytest.approx(0.2, rel=0.01)
    assert std_lo == pytest.approx(0.1 / 4, rel=0.03)       # 0.1 * sqrt(1 / 16)
    assert std_hi / std_lo == pytest.approx(2.0, rel=0.05)  # noise grows with the signal


def test_poisson_gaussian_variance_is_signal_over_peak_plus_read_noise():
    rng = np.random.default_rng(1)
    for value in (0.3, 0.6):
        mean, std = _unit_stats(enh.add_poisson_gaussian(_const(value, 200), 50.0, 0.02, rng))
        assert mean == pytest.approx(value, abs=0.003)
        assert std == pytest.approx(np.sqrt(value / 50 + 0.02**2), rel=0.03)


def test_add_noise_dispatches_clips_and_reproduces_with_the_seed():
    x = _smooth(4)
    a = enh.add_noise(x, "gaussian", np.random.default_rng(3), sigma=0.5)
    b = enh.add_noise(x, "gaussian", np.random.default_rng(3), sigma=0.5)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.min() >= -1 and a.max() <= 1
    with pytest.raises(ValueError, match="noise model"):
        enh.add_noise(x, "salt", np.random.default_rng(0))


# ------------------------------------------------------------------- resolution and filters
def test_downsample_is_the_block_mean():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    np.testing.assert_allclose(enh.downsample(x)[0, ..., 0], [[2.5, 4.5], [10.5, 12.5]])
    with pytest.raises(ValueError, match="divisible"):
        enh.downsample(np.zeros((1, 5, 5, 1)))


def test_bicubic_restores_smooth_images_well_and_constants_exactly():
    np.testing.assert_allclose(enh.upsample_bicubic(enh.downsample(_const(0.3, 2))), -0.4,
                               atol=1e-6)
    x = _smooth(8)
    restored = enh.degrade(x, "sr")
    assert restored.shape == x.shape
    assert psnr(x, restored).mean() > psnr(x, np.repeat(np.repeat(enh.downsample(x), 2, 1), 2, 2)).mean()


def test_filters_work_image_by_image():
    x = np.concatenate([_const(0.0, 1), _const(1.0, 1)])
    np.testing.assert_array_equal(enh.gaussian_filter(x, 2.0), x)
    np.testing.assert_array_equal(enh.median_filter(x, 5), x)


def test_tuning_on_validation_picks_stronger_smoothing_for_stronger_noise():
    clean = _smooth(20)
    weak = enh.add_gaussian_noise(clean, 0.02, np.random.default_rng(0))
    strong = enh.add_gaussian_noise(clean, 0.3, np.random.default_rng(0))
    sigma_weak, _ = enh.tune_filter("gaussian", weak, clean)
    sigma_strong, val_psnr = enh.tune_filter("gaussian", strong, clean)
    assert sigma_strong > sigma_weak
    assert val_psnr > psnr(clean, strong).mean()


# ----------------------------------------------------------------------------------- metrics
def test_detail_ratio_below_one_when_blurred_above_when_noisy():
    clean = _smooth(10, seed=4) * 0.5 + 0.3 * enh.gaussian_filter(
        np.random.default_rng(5).uniform(-1, 1, (10, 28, 28, 1)), 0.7)
    blurred = enh.gaussian_filter(clean, 1.5)
    noisy = enh.add_gaussian_noise(clean, 0.1, np.random.default_rng(0))
    assert enh.evaluate(clean, blurred)["detail_ratio"] < 0.6
    assert enh.evaluate(clean, noisy)["detail_ratio"] > 1.2
    metrics = enh.evaluate(clean, noisy)
    assert len(metrics["psnr_per_image"]) == 10 and 0 < metrics["ssim"] < 1


def test_difference_maps():
    clean, l1, gan = _const(0.5, 2), _const(0.5, 2), _const(0.75, 2)
    to_clean, to_l1 = enh.difference_maps(clean, l1, gan)
    np.testing.assert_allclose(to_clean, 0.5)
    np.testing.assert_allclose(to_l1, 0.5)


# ------------------------------------------------------------------------- data discipline
def test_pairs_use_the_seed_for_val_and_test_noise_only():
    data = _toy_dataset()
    a, b, c = (enh.make_pairs(data, "denoise", s, noise="speckle") for s in (0, 0, 1))
    np.testing.assert_array_equal(a.test_degraded, b.test_degraded)
    assert not np.array_equal(a.test_degraded, c.test_degraded)
    assert not np.array_equal(a.val_degraded[:4], a.test_degraded[:4])
    np.testing.assert_array_equal(a.test, data.test.images)  # targets are the clean test split
    assert enh.make_pairs(data, "sr", 0).noise is None


def test_train_batches_repeat_per_seed_and_draw_fresh_noise_each_epoch():
    pairs = enh.make_pairs(_toy_dataset(), "denoise", 0, noise="gaussian")
    first, again = pairs.train_batches(16), pairs.train_batches(16)
    batches = [next(first) for _ in range(8)]  # two epochs of 64 images
    np.testing.assert_array_equal(batches[0][0], next(again)[0])
    epochs = [{c.tobytes(): d for dd, cc in batches[k:k + 4] for d, c in zip(dd, cc)}
              for k in (0, 4)]
    assert set(epochs[0]) == set(epochs[1])  # every clean image once per epoch
    assert not any(np.array_equal(epochs[0][key], epochs[1][key]) for key in epochs[0])
    assert all(d.shape == (16, 28, 28, 1) for d, _ in batches)


def test_shipped_fallback_keeps_train_val_test_images_apart():
    data = enh.shipped_dataset(28)
    assert data.image_shape == (28, 28, 1) and len(data.train) > 200
    train = {p.tobytes() for p in data.train.images}
    assert not any(p.tobytes() in train for p in data.test.images)


def test_fallback_is_visible_and_refused_when_real_data_is_required(tmp_path, capsys):
    data = enh.load_enhancement_dataset("breastmnist", data_dir=tmp_path, download=False,
                                        require_real=False)
    assert data.name == "shipped" and "REAL DATA UNAVAILABLE" in capsys.readouterr().out
    with pytest.raises(DataUnavailableError):
        enh.load_enhancement_dataset("breastmnist", data_dir=tmp_path, download=False,
                                     require_real=True)


def test_real_breastmnist_gets_speckle(real_data_dir):
    data = enh.load_enhancement_dataset("breastmnist", data_dir=real_data_dir)
    pairs = enh.make_pairs(data, "denoise", 0)
    assert pairs.noise == "speckle" and len(pairs.val) == 78
    assert len(pairs.test) == 155  # one test image is an exact copy of a training image
    train = {image.tobytes() for image in pairs.train}
    assert not any(image.tobytes() in train for image in pairs.test)


def test_without_duplicates_drops_copies_of_training_images():
    train = _smooth(5)
    others = np.concatenate([train[2:3], _smooth(3, seed=7)])
    np.testing.assert_array_equal(enh.without_duplicates(train, others), others[1:])


# ------------------------------------------------------------------------------------ arms
def test_classical_arms_are_tuned_on_validation_and_beat_the_noisy_input():
    pairs = enh.make_pairs(_toy_dataset(), "denoise", 0, noise="gaussian")
    noisy, info = enh.classical_arm(pairs, "noisy")
    np.testing.assert_array_equal(noisy, pairs.test_degraded)
    smoothed, info = enh.classical_arm(pairs, "gaussian")
    assert info["param"] in enh.GRIDS["gaussian"]
    assert psnr(pairs.test, smoothed).mean() > psnr(pairs.test, noisy).mean()


@pytest.mark.parametrize("arm", ["l1", "gan"])
def test_network_arm_trains_and_restores_the_test_split(arm):
    pytest.importorskip("tensorflow")
    pairs = enh.make_pairs(_toy_dataset(), "sr", 0)
    budget = enh.TrainBudget(steps=3, batch_size=16, base_filters=4)
    restored, info = enh.network_arm(pairs, arm, budget)
    assert restored.shape == pairs.test.shape and np.abs(restored).max() <= 1
    assert len(info["history"]["l1"]) == 3
    assert ("d_loss" in info["history"]) == (arm == "gan")


# -------------------------------------------------------------------------------- summary
def _records(gan_minus_l1=-0.5):
    """Fake records of 5 seeds; the GAN's PSNR is L1-only's + gan_minus_l1 + per-seed jitter
    that sums to zero (so gan_minus_l1=0 means no difference at all on average)."""
    rng = np.random.default_rng(0)
    jitter = [0.1, -0.1, 0.05, -0.05, 0.0]
    records = []
    for seed in range(5):
        base = 25 + rng.normal(0, 0.3)
        values = {"noisy": base - 7, "gaussian": base, "median": base - 2, "l1": base + 1.0}
        values["gan"] = values["l1"] + gan_minus_l1 + jitter[seed]
        gan_detail = 0.7 - 0.4 * gan_minus_l1 + 0.1 * jitter[seed]  # sharper when PSNR drops
        for arm, detail in (("noisy", 3.0), ("gaussian", 0.5), ("median", 0.5), ("l1", 0.7),
                            ("gan", gan_detail)):
            records.append({"arm": f"denoise_{arm}", "seed": seed, "metrics": {
                "psnr": values[arm], "ssim": values[arm] / 40, "detail_ratio": detail,
                "val_psnr": values[arm]}})
    return records


def test_summary_pairs_against_l1_and_the_best_classical_chosen_on_validation():
    rows = enh.summary_rows(_records(), "denoise")
    assert [r["name"] for r in rows] == ["noisy", "gaussian", "median", "l1", "gan"]
    gan = rows[-1]
    assert gan["best_classical"] == "gaussian"
    assert gan["vs_l1"]["psnr"][0] == pytest.approx(-0.5)
    assert gan["vs_l1"]["psnr"][3] == 0  # no seed where the GAN has the higher PSNR
    assert gan["vs_classical"]["psnr"][0] == pytest.approx(0.5, abs=0.1)
    table = enh.markdown_table(rows)
    assert "Δ PSNR vs gaussian" in table and table.count("\n") == 6


def test_conclusions_follow_the_numbers():
    lower = " ".join(enh.conclusions(enh.summary_rows(_records(-0.5), "denoise")))
    assert "PSNR, against the L1-only U-Net, is lower by 0.5" in lower
    assert "more high-frequency energy" in lower
    same = " ".join(enh.conclusions(enh.summary_rows(_records(0.0), "denoise")))
    assert "PSNR, against the L1-only U-Net, differs by +0.00 dB" in same
    assert "distinguish from seed noise" in same
    assert "more high-frequency energy" not in same  # equal detail ratios in every seed
    assert enh.conclusions([])[0].startswith("Not measured yet")


def test_sr_batches_pair_each_clean_image_with_its_own_low_resolution_version():
    pairs = enh.make_pairs(_toy_dataset(), "sr", 0)
    degraded, clean = next(pairs.train_batches(16))
    np.testing.assert_array_equal(degraded, enh.degrade(clean, "sr"))
