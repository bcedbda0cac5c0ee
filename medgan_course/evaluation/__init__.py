"""How results are judged (see docs/ARCHITECTURE.md).

Importing this package imports no TensorFlow; the extractors import it when built.

* `features`: feature extractors (ImageNet InceptionV3 online, a domain CNN offline).
* `distances`: FID, KID, precision/recall, nearest neighbours and memorization, the real floor.
* `image_quality`: PSNR and SSIM for paired images.
* `classification`: AUC, sensitivity/specificity, bootstrap and t-intervals; per-class
  recall, balanced accuracy, the majority baseline and macro AUC.
"""

from medgan_course.evaluation.classification import (
    PairedComparison,
    balanced_accuracy,
    binary_metrics,
    bootstrap_ci,
    macro_auc,
    majority_baseline,
    paired_differences,
    per_class_recall,
    roc_auc,
    t_interval,
    youden_threshold,
)
from medgan_course.evaluation.distances import (
    DistanceReport,
    MemorizationReport,
    PrecisionRecall,
    distance_report,
    fid,
    frechet_distance,
    kernel_inception_distance,
    memorization_from_features,
    memorization_report,
    nearest_neighbours,
    precision_recall,
    real_vs_real_floor,
)
from medgan_course.evaluation.features import (
    DomainExtractor,
    ExtractorUnavailableError,
    InceptionExtractor,
    PixelExtractor,
    check_images,
    data_fingerprint,
    extract_features,
)
from medgan_course.evaluation.image_quality import psnr, ssim

__all__ = [
    # features
    "DomainExtractor", "ExtractorUnavailableError", "InceptionExtractor", "PixelExtractor",
    "check_images", "data_fingerprint", "extract_features",
    # distances
    "DistanceReport", "MemorizationReport", "PrecisionRecall", "distance_report", "fid",
    "frechet_distance", "kernel_inception_distance", "memorization_from_features",
    "memorization_report", "nearest_neighbours",
    "precision_recall", "real_vs_real_floor",
    # image quality
    "psnr", "ssim",
    # classification
    "PairedComparison", "balanced_accuracy", "binary_metrics", "bootstrap_ci", "macro_auc",
    "majority_baseline", "paired_differences", "per_class_recall", "roc_auc", "t_interval",
    "youden_threshold",
]
