"""medgan_course.models: the networks the course trains (see docs/ARCHITECTURE.md).

* ``seed``: the source article's exact generator and discriminator (28 px, unconditional).
* ``dcgan``: the course's default DCGAN (28 and 64 px, optionally class-conditional), and the
  semi-supervised discriminator of notebooks/08_label_scarcity.ipynb.
* ``classifier``: a small CNN classifier and its "features" extractor.

``build_models(name, ...)`` builds a generator/discriminator pair by name; recipes use it.
Importing this package imports TensorFlow.
"""

from medgan_course.models.classifier import build_classifier, feature_model
from medgan_course.models.dcgan import (
    SUPPORTED_IMAGE_SIZES,
    build_discriminator,
    build_generator,
    build_semi_supervised_discriminator,
    real_fake_logits,
)
from medgan_course.models.seed import SEED_LATENT_DIM, seed_discriminator, seed_generator

#: Model pairs ``build_models`` knows: the article's ("seed-dcgan") and the course's ("dcgan").
MODEL_NAMES = ("seed-dcgan", "dcgan")
#: latent_dim used when ``build_models`` gets none.
DEFAULT_LATENT_DIMS = {"seed-dcgan": SEED_LATENT_DIM, "dcgan": 128}


def build_models(name, *, latent_dim=None, image_size=28, channels=1, num_classes=None,
                 base_filters=64, spectral_norm=True, dropout=0.0, batch_norm=None,
                 generator_filters=None):
    """Builds a fresh ``(generator, discriminator)`` pair by name.

    Taught in notebooks/03_building_a_dcgan.ipynb.

    Args:
        name: One of ``MODEL_NAMES``.
        latent_dim: Length of z; None takes ``DEFAULT_LATENT_DIMS[name]`` (100 or 128).
        image_size: 28 for "seed-dcgan"; 28 or 64 for "dcgan".
        channels: Image channels.
        num_classes: None, or the number of classes for a class-conditional "dcgan"
            (the article's models are unconditional).
        base_filters, spectral_norm, dropout, batch_norm: "dcgan" only (see ``dcgan.build_discriminator``);
            the article's models are fixed and ignore them.
        generator_filters: "dcgan" only: the generator's own width (None: ``base_filters``).

    Returns:
        ``(generator, discriminator)``: unconditional ones are called ``generator(z)`` and
        ``discriminator(images)``, conditional ones ``generator([z, labels])`` and
        ``discriminator([images, labels])``. Images are ``(N, image_size, image_size, channels)``
        float32 in [-1, 1], logits ``(N, 1)`` float32.

    Raises:
        ValueError: an unknown name, or sizes the named models cannot make.
    """
    if name not in MODEL_NAMES:
        raise ValueError(f"Unknown model name {name!r}; choose one of {MODEL_NAMES}.")
    if latent_dim is None:
        latent_dim = DEFAULT_LATENT_DIMS[name]
    if name == "seed-dcgan":
        if num_classes is not None:
            raise ValueError("'seed-dcgan' (the article's model) is unconditional; use 'dcgan' "
                             f"for num_classes={num_classes}.")
        generator = seed_generator(latent_dim, image_size=image_size, channels=channels)
        return generator, seed_discriminator((image_size, image_size, channels))
    generator = build_generator(latent_dim, image_size, channels, num_classes,
                                generator_filters or base_filters)
    discriminator = build_discriminator(image_size, channels, num_classes, base_filters,
                                        spectral_norm=spectral_norm, dropout=dropout,
                                        batch_norm=batch_norm)
    return generator, discriminator


__all__ = [
    "MODEL_NAMES",
    "DEFAULT_LATENT_DIMS",
    "SUPPORTED_IMAGE_SIZES",
    "build_models",
    "seed_generator",
    "seed_discriminator",
    "build_generator",
    "build_discriminator",
    "build_semi_supervised_discriminator",
    "real_fake_logits",
    "build_classifier",
    "feature_model",
]
