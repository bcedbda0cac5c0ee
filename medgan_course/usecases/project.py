"""The capstone project's experiments: one seed of a use case, a GAN against a non-GAN baseline.

Taught in notebooks/14_capstone_project.ipynb. `run_seed(use_case, dataset, seed, budget)` runs
one seed and returns the use case's metric for the GAN arm and for the baseline, and the
floor, all measured the same way; the notebook repeats it over seeds and
`exercises.capstone` turns the values into a report. Each use case reuses the machinery of the
notebook that teaches it (06-09); the only new piece is `pca_gaussian_sampler`, the non-GAN
baseline of "new samples". NumPy at import; TensorFlow only when a seed runs.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from medgan_course.validate import positive_int

#: The use cases a project may take: what the GAN does, the metric, the floor, the baseline,
#: the notebook that teaches the pieces, and the two arms' names (budget fields in braces).
USE_CASES = {
    "new samples": {
        "gan": "an unconditional DCGAN makes new images",
        "metric": "FD (domain features), lower is better",
        "floor": "FD of the real test split against the training split (same extractor and "
                 "number of images)",
        "baseline": "PCA-Gaussian sampler (eigen-images with Gaussian weights)",
        "notebook": "06_evaluating_gans",
        "arms": ("DCGAN, recipe 'dcgan', {gan_steps} steps",
                 "PCA-Gaussian sampler, {components} components")},
    "class imbalance": {
        "gan": "a class-conditional GAN adds minority-class images",
        "metric": "test AUC of a small CNN, higher is better",
        "floor": "AUC 0.5: a classifier that ignores the image",
        "baseline": "class weights in the classifier's loss",
        "notebook": "07_class_imbalance",
        "arms": ("cGAN minority images +100%, {gan_steps} cGAN steps",
                 "class weights, same classifier and steps")},
    "label scarcity": {
        "gan": "a semi-supervised GAN learns from unlabelled images too",
        "metric": "test AUC with few labels, higher is better",
        "floor": "AUC 0.5: a classifier that ignores the image",
        "baseline": "the same network trained on the labelled images only",
        "notebook": "08_label_scarcity",
        "arms": ("semi-supervised GAN, {sgan_steps} steps",
                 "labelled images only, same network and steps")},
    "enhancement": {
        "gan": "pix2pix removes noise",
        "metric": "test PSNR (dB), higher is better",
        "floor": "PSNR of the noisy input itself (doing nothing)",
        "baseline": "median filter, its size tuned on the validation split",
        "notebook": "09_image_enhancement",
        "arms": ("pix2pix, L1 + PatchGAN, {enhance_steps} steps",
                 "median filter, size tuned on the validation split")},
}
#: The metric of each use case: (name, higher_is_better).
METRICS = {"new samples": ("FD (domain features)", False), "class imbalance": ("AUC", True),
           "label scarcity": ("AUC", True), "enhancement": ("PSNR (dB)", True)}


@dataclasses.dataclass(frozen=True)
class ProjectBudget:
    """What one seed of each use case gets (steps, not seconds: machine load changes nothing).

    Attributes:
        gan_steps: generator steps of the DCGAN (new samples) and of the cGAN (class imbalance).
        extractor_epochs: epochs of the domain feature extractor (new samples; cached).
        components: principal components of the PCA-Gaussian baseline (new samples).
        classifier_epochs, classifier_width: every class-imbalance arm's classifier.
        imbalance_level: "natural" or "harsh" (`usecases.imbalance.LEVELS`).
        label_fraction: training labels kept (label scarcity).
        sgan_steps: updates of both label-scarcity arms; eval_every: steps between validations.
        enhance_steps: U-Net steps of pix2pix (enhancement).
    """

    gan_steps: int = 1000
    extractor_epochs: int = 10
    components: int = 32
    classifier_epochs: int = 12
    classifier_width: int = 16
    imbalance_level: str = "harsh"
    label_fraction: float = 0.05
    sgan_steps: int = 400
    eval_every: int = 50
    enhance_steps: int = 500

    def to_dict(self) -> dict:
        """JSON-ready (a report can hold it)."""
        return dataclasses.asdict(self)


def use_cases_markdown(use_cases=USE_CASES) -> str:
    """The use cases as a Markdown table (the GAN, metric, floor, baseline, notebook)."""
    lines = ["| use case | the GAN | metric | floor | non-GAN baseline | taught in |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {name} | {u['gan']} | {u['metric']} | {u['floor']} | {u['baseline']} | "
              f"[{u['notebook'][:2]}]({u['notebook']}.ipynb) |" for name, u in use_cases.items()]
    return "\n".join(lines)


def arm_names(use_case: str, budget: ProjectBudget) -> tuple[str, str]:
    """(GAN arm's name, baseline's name) of `use_case`, with the budget's numbers in them."""
    return tuple(name.format(**budget.to_dict()) for name in USE_CASES[use_case]["arms"])


@dataclasses.dataclass(frozen=True)
class PCAGaussian:
    """The classical generative model of images: a Gaussian over the leading principal components.

    A new image is the mean training image plus a weighted sum of the first principal
    components ("eigen-images"), each weight drawn from a normal distribution with the variance
    the training images have along it. It copies no training image and needs no network: the
    non-GAN baseline of "new samples", which a GAN must beat to be worth its cost.

    Attributes:
        mean: `(H*W*C,)` float64 mean training image.
        axes: `(k, H*W*C)` float64 principal components (orthonormal rows).
        scale: `(k,)` float64 standard deviation of the training images along each component.
        explained: fraction of the training images' variance the k components hold.
        image_shape: (H, W, C).
    """

    mean: np.ndarray
    axes: np.ndarray
    scale: np.ndarray
    explained: float
    image_shape: tuple

    @classmethod
    def fit(cls, train_images, components: int = 32) -> PCAGaussian:
        """Fits the model to `train_images` `(N, H, W, C)` in [-1, 1]; k = min(components, N - 1)."""
        positive_int("PCAGaussian: components", components)
        x = np.asarray(train_images, np.float64).reshape(len(train_images), -1)
        if len(x) < 2:
            raise ValueError(f"PCAGaussian needs at least 2 training images, got {len(x)}")
        mean = x.mean(axis=0)
        _, singular, axes = np.linalg.svd(x - mean, full_matrices=False)
        k = min(components, len(x) - 1)
        explained = float(np.sum(singular[:k] ** 2) / max(np.sum(singular ** 2), 1e-12))
        return cls(mean, axes[:k], singular[:k] / np.sqrt(len(x) - 1), explained,
                   tuple(np.shape(train_images)[1:]))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """`n` new images `(n, H, W, C)` float32 in [-1, 1] (clipped), seeded."""
        positive_int("PCAGaussian.sample: n", n)
        weights = np.random.default_rng(seed).standard_normal((n, len(self.scale))) * self.scale
        images = np.clip(self.mean + weights @ self.axes, -1.0, 1.0)
        return images.reshape((n, *self.image_shape)).astype(np.float32)


def pca_gaussian_sampler(train_images, n: int, *, components: int = 32, seed: int = 0):
    """`n` images of `PCAGaussian.fit(train_images, components)`: `(n, H, W, C)` float32 in [-1, 1]."""
    return PCAGaussian.fit(train_images, components).sample(n, seed)


@dataclasses.dataclass(frozen=True)
class RealFeatures:
    """A feature extractor with the features of the real training and test images, computed once.

    Attributes:
        extractor: the extractor (`evaluation.report.domain_extractor_for(dataset)`).
        train: `(N_train, D)` float64 features of the training split (the reference).
        test: `(N_test, D)` float64 features of the test split (the floor's real set).
    """

    extractor: object
    train: np.ndarray
    test: np.ndarray

    @classmethod
    def of(cls, extractor, dataset) -> RealFeatures:
        """Extracts the features of `dataset`'s training and test splits."""
        from medgan_course.evaluation.features import extract_features

        return cls(extractor, extract_features(extractor, dataset.train.images),
                   extract_features(extractor, dataset.test.images))

    @property
    def floor(self) -> float:
        """FD of the real test split against the training split: what real images score."""
        from medgan_course.evaluation.distances import frechet_distance

        return frechet_distance(self.train, self.test)


def fd_scores(images: dict, real: RealFeatures) -> dict:
    """FD (domain features) of each image set against the training split, and the floor.

    The FD of `evaluation.report.sample_quality` (same reference, same extractor, as many
    images as the test split) without its KID and precision/recall, which the project does
    not report: they take most of its time.

    Args:
        images: {arm: `(n_test, H, W, C)` float32 in [-1, 1]}.
        real: the real features (`RealFeatures.of(extractor, dataset)`).

    Returns:
        {arm: FD, ..., "floor": FD of the test split, "memorized": {arm: fraction flagged}}.
    """
    from medgan_course.evaluation.distances import frechet_distance, memorization_from_features
    from medgan_course.evaluation.features import extract_features

    arms = list(images)
    together = extract_features(real.extractor, np.concatenate([images[a] for a in arms]))
    features = dict(zip(arms, np.split(together, np.cumsum([len(images[a]) for a in arms])[:-1])))
    scores = {arm: frechet_distance(real.train, f) for arm, f in features.items()}
    scores["floor"] = real.floor
    scores["memorized"] = {arm: memorization_from_features(f, real.train).fraction_flagged
                           for arm, f in features.items()}
    return scores


_LAST_PCA: dict = {}


def _fitted_pca(train_images, components: int) -> PCAGaussian:
    """`PCAGaussian.fit`, kept for the last (images, components): every seed of a project fits
    the same model (only its samples depend on the seed), and the SVD is the slow part."""
    key = (hashlib.sha1(np.ascontiguousarray(train_images).tobytes()).hexdigest(), components)
    if key not in _LAST_PCA:
        _LAST_PCA.clear()
        _LAST_PCA[key] = PCAGaussian.fit(train_images, components)
    return _LAST_PCA[key]


def _new_samples(dataset, seed, budget, real):
    from medgan_course.training.recipes import get_recipe
    from medgan_course.training.runner import train

    n = len(dataset.test.images)
    result = train(get_recipe("dcgan"), dataset, steps=budget.gan_steps, seed=seed, progress=False)
    baseline = _fitted_pca(dataset.train.images, budget.components)
    images = {"gan": result.gan.generate(n, seed=seed), "baseline": baseline.sample(n, seed=seed)}
    scores = fd_scores(images, real)
    return {**scores, "images": {arm: x[:16] for arm, x in images.items()}}


def _class_imbalance(dataset, seed, budget, real=None):
    from medgan_course.usecases import imbalance as imb
    from medgan_course.usecases.classify import ClassifierBudget

    train, minority = imb.imbalanced_train_split(dataset.train, imb.LEVELS[budget.imbalance_level],
                                                 seed=seed)
    sizes = imb.arm_sizes(train, minority, arms=("class_weights", "gan+100"))
    classifier = imb.equal_steps_budget(ClassifierBudget(epochs=budget.classifier_epochs,
                                                         width=budget.classifier_width),
                                        sizes.values())
    gan = imb.train_conditional_gan(dataset, train, imb.ImbalanceBudget(gan_steps=budget.gan_steps),
                                    seed=seed, progress=False).gan
    scores = {}
    for name, arm in (("gan", "gan+100"), ("baseline", "class_weights")):
        data = imb.arm_data(arm, train, minority=minority, num_classes=dataset.num_classes,
                            gan=gan, seed=seed)
        scores[name] = imb.run_arm(arm, data, dataset, minority=minority, budget=classifier,
                                   seed=seed)[1]["metrics"]["auc"]
    images = {"gan": imb.generate_class(gan, 16, minority, seed=seed)}
    return {**scores, "floor": 0.5, "images": images}


def _label_scarcity(dataset, seed, budget, real=None):
    from medgan_course.usecases import semisupervised as ss

    arm_budget = ss.SemiSupervisedBudget(steps=budget.sgan_steps, eval_every=budget.eval_every)
    scores = {name: ss.run_arm(arm, dataset, budget.label_fraction, budget=arm_budget,
                               seed=seed)[1]["metrics"]["auc"]
              for name, arm in (("gan", "sgan"), ("baseline", "supervised"))}
    return {**scores, "floor": 0.5, "images": {}}


def _enhancement(dataset, seed, budget, real=None):
    from medgan_course.usecases import enhancement as enh

    noise = "speckle" if dataset.name == "phantoms" else None  # ultrasound-like phantoms
    pairs = enh.make_pairs(dataset, "denoise", seed, noise=noise)
    restored = {"gan": enh.network_arm(pairs, "gan", enh.TrainBudget(steps=budget.enhance_steps))[0],
                "baseline": enh.classical_arm(pairs, "median")[0]}
    scores = {arm: enh.evaluate(pairs.test, x)["psnr"] for arm, x in restored.items()}
    scores["floor"] = enh.evaluate(pairs.test, pairs.test_degraded)["psnr"]
    images = {"noisy": pairs.test_degraded[:8], **{arm: x[:8] for arm, x in restored.items()}}
    return {**scores, "images": images}


_RUNNERS = {"new samples": _new_samples, "class imbalance": _class_imbalance,
            "label scarcity": _label_scarcity, "enhancement": _enhancement}


def run_seed(use_case: str, dataset, seed: int, budget: ProjectBudget = ProjectBudget(), *,
             real: RealFeatures | None = None) -> dict:
    """Runs one seed of `use_case`: the GAN arm, the non-GAN baseline and the floor.

    The seed re-draws everything random: weights, data order, noise, the data subset of the
    use case (the harsh level's minority images, the labelled images, the test noise).

    Args:
        use_case: one of `USE_CASES`.
        dataset: an `ImageDataset` (images `(N, H, W, C)` float32 in [-1, 1]).
        seed: the run's seed.
        budget: what each arm gets.
        real: "new samples" only: the real features the FD is measured against
            (`RealFeatures.of(report.domain_extractor_for(dataset), dataset)`).

    Returns:
        {"gan": float, "baseline": float, "floor": float, "images": {name: a few
        `(n, H, W, C)` float32 in [-1, 1]}}, plus "memorized" ({arm: fraction}) for "new samples".

    Raises:
        ValueError: an unknown use case, or "new samples" without `real`.
    """
    if use_case not in _RUNNERS:
        raise ValueError(f"use_case {use_case!r} must be one of {', '.join(map(repr, USE_CASES))}")
    if use_case == "new samples" and real is None:
        raise ValueError("'new samples' needs real=RealFeatures.of(extractor, dataset)")
    return _RUNNERS[use_case](dataset, int(seed), budget, real)
