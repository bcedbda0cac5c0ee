"""One sample-quality report, computed the same way by the CLI, the benchmarks and notebook 06.

FID and KID depend on the feature extractor, the image resizing and the sample sizes, so the
report always measures the generated images and a held-out REAL set against the same
reference with the same sizes: the real-versus-real value is the floor the fake value is read
against. Taught in notebooks/06_evaluating_gans.ipynb.
"""

from __future__ import annotations

import hashlib
import pathlib
import warnings

import numpy as np

from medgan_course.data.types import ImageDataset
from medgan_course.evaluation.distances import (
    distance_report,
    memorization_from_features,
    precision_recall,
)
from medgan_course.evaluation.features import DomainExtractor, data_fingerprint, extract_features

#: Version of the extractor's training procedure, part of the cache key. Bump it whenever
#: `DomainExtractor.train` changes what it produces: a cache keyed on data, seed and epochs alone
#: once served an extractor trained before BatchNorm recalibration existed, whose inference-mode
#: predictions were all one class (features on the wrong scale, FIDs meaningless).
EXTRACTOR_PROCEDURE = 2


def extractor_check(extractor: DomainExtractor, images: np.ndarray, labels: np.ndarray) -> dict:
    """Inference-mode accuracy of the extractor's classifier against the majority-class rate.

    An extractor whose classifier cannot beat "always the majority class" has learned nothing
    about the images, so FID/KID computed with it say nothing either.

    Args:
        extractor: a `DomainExtractor`.
        images: `(N, H, W, C)` float32 in [-1, 1]; labels: `(N,)` int class indices.

    Returns:
        {"accuracy": float, "majority_rate": float, "better_than_majority": bool}.
    """
    logits = extractor.classifier.predict(images, batch_size=256, verbose=0)
    labels = np.asarray(labels).reshape(-1)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
    majority = float(np.bincount(labels).max() / len(labels))
    return {"accuracy": accuracy, "majority_rate": majority,
            "better_than_majority": accuracy > majority + 0.01}


def domain_extractor_for(dataset: ImageDataset, *, cache_dir=None, seed: int = 0,
                         epochs: int = 10, progress: bool = True) -> DomainExtractor:
    """The offline extractor for `dataset`, trained once on its training split and cached.

    The cache key is the training data's fingerprint, the seed, the epochs and the version of
    the training procedure, so every run evaluated on the same data uses the very same
    extractor (FIDs from different extractors are not comparable). A freshly trained extractor
    is checked with `extractor_check` on the training split; one that does not beat the
    majority class is still returned (tiny smoke-mode budgets need it) with a RuntimeWarning.

    Args:
        dataset: the dataset whose train split (images `(N, H, W, C)` float32 in [-1, 1],
            labels `(N,)` int32) trains the extractor.
        cache_dir: parent folder of cached extractors (default `~/.cache/medgan-course/extractors`).
        seed: training seed.
        epochs: training epochs.
        progress: show a progress bar while a new extractor trains (a cached one loads at once).
    """
    train = dataset.train
    key = hashlib.sha256(f"{data_fingerprint(train.images, train.labels)}-{seed}-{epochs}"
                         f"-procedure{EXTRACTOR_PROCEDURE}".encode())
    root = pathlib.Path(cache_dir or pathlib.Path.home() / ".cache" / "medgan-course" / "extractors")
    folder = root / f"{dataset.name}-{key.hexdigest()[:16]}"
    if (folder / DomainExtractor.METADATA_FILE).is_file():
        return DomainExtractor.load(folder)
    extractor = DomainExtractor.train(train.images, train.labels, num_classes=dataset.num_classes,
                                      epochs=epochs, seed=seed, progress=progress)
    check = extractor_check(extractor, train.images, train.labels)
    if not check["better_than_majority"]:
        warnings.warn(f"the domain extractor ({epochs} epochs) classifies its own training images "
                      f"no better than the majority class ({check['accuracy']:.3f} vs "
                      f"{check['majority_rate']:.3f}); FID/KID computed with it are not "
                      "meaningful. Train it for more epochs.", RuntimeWarning, stacklevel=2)
    extractor.save(folder)
    return extractor


def sample_quality(fake_images: np.ndarray, dataset: ImageDataset, extractor, *,
                   seed: int = 0, progress: bool = False) -> dict:
    """FD and KID, precision/recall and memorization of generated images, with the real floor.

    Reference set: the training split (what the generator saw). Compared against it: the
    generated images, subsampled to the size of the test split, and the test split itself
    (the floor). Both comparisons therefore use the same extractor and the same sizes.

    Args:
        fake_images: `(N, H, W, C)` float32 in [-1, 1], N >= len(dataset.test).
        dataset: the real data.
        extractor: a feature extractor (`DomainExtractor`, `InceptionExtractor`).
        seed: seed of the subsampling and of KID's subsets.
        progress: show a tqdm bar over the stages (features of three sets, then the scores).

    Returns:
        A JSON-ready dict: fid, kid_mean, kid_std, floor_fid, floor_kid_mean, floor_kid_std,
        precision, recall, memorized_fraction (and its floor for the real test images),
        n_reference, n_compared.
    """
    n_test = len(dataset.test.images)
    if len(fake_images) < n_test:
        raise ValueError(f"sample_quality needs at least {n_test} generated images "
                         f"(the test split's size), got {len(fake_images)}")
    rng = np.random.default_rng(seed)
    fake_images = fake_images[rng.choice(len(fake_images), n_test, replace=False)]
    from tqdm.auto import tqdm

    with tqdm(total=4, desc="sample_quality", unit="stage", disable=not progress, leave=False) as bar:
        features = []
        for name, images in (("training", dataset.train.images), ("generated", fake_images),
                             ("test", dataset.test.images)):
            bar.set_postfix_str(f"features of the {name} images")
            features.append(extract_features(extractor, images))
            bar.update()
        reference, fake, real = features
        bar.set_postfix_str("FD, KID, precision/recall, memorization")
        subset = min(n_test, len(reference))
        fake_report = distance_report(reference, fake, subset_size=subset, seed=seed)
        floor = distance_report(reference, real, subset_size=subset, seed=seed)
        pr = precision_recall(reference, fake, k=3)
        memo = memorization_from_features(fake, reference)
        # Real held-out images are flagged too (near-duplicates exist in MedMNIST): the floor.
        memo_real = memorization_from_features(real, reference)
        bar.update()
    return {"fid": fake_report.fid, "kid_mean": fake_report.kid_mean, "kid_std": fake_report.kid_std,
            "floor_fid": floor.fid, "floor_kid_mean": floor.kid_mean, "floor_kid_std": floor.kid_std,
            "precision": float(pr.precision), "recall": float(pr.recall),
            "memorized_fraction": memo.fraction_flagged,
            "memorized_fraction_real_test": memo_real.fraction_flagged,
            "n_reference": len(reference), "n_compared": n_test}
