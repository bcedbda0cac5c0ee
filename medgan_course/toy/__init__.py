"""Toy GANs and the theory of the original GAN (notebooks/02_gan_theory.ipynb).

* `theory`: V(D, G), the optimal discriminator, KL and Jensen-Shannon divergences on 1-D grids
  or discrete distributions, and the generator losses' gradients (NumPy; TF for the curves).
* `data`: 1-D/2-D Gaussian mixtures (`TOY_DATASETS`) and mode-coverage metrics (NumPy).
* `gan`: `ToyGAN`, the course's `training.gan.GAN` on MLPs, one update at a time (TensorFlow).
* `plots`: the playground's figures (matplotlib).

Importing this package imports NumPy only; `ToyGAN` loads TensorFlow when first used.
"""

from medgan_course.toy.data import (
    EVAL_SAMPLES,
    TOY_DATASETS,
    ToyDataset,
    high_quality_fraction,
    mode_counts,
    mode_coverage,
    modes_covered,
    toy_dataset,
)
from medgan_course.toy.theory import (
    expectation,
    gaussian_pdf,
    generator_loss_curves,
    js_divergence,
    kl_divergence,
    mixture_pdf,
    optimal_discriminator,
    value_function,
)

__all__ = [
    "EVAL_SAMPLES", "TOY_DATASETS", "ToyDataset", "ToyGAN", "expectation", "gaussian_pdf",
    "generator_loss_curves", "high_quality_fraction", "js_divergence", "kl_divergence",
    "mixture_pdf", "mode_counts", "mode_coverage", "modes_covered", "optimal_discriminator",
    "toy_dataset", "value_function",
]


def __getattr__(name):
    """`ToyGAN` on first use (PEP 562): its module imports TensorFlow."""
    if name == "ToyGAN":
        from medgan_course.toy.gan import ToyGAN

        return ToyGAN
    raise AttributeError(f"module 'medgan_course.toy' has no attribute {name!r}")
