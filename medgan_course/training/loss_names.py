"""The names of the GAN losses, without TensorFlow (so the CLI and recipes can check them).

`training.losses` computes the losses; this module only knows their names, so that code that
must not import TensorFlow (the `medgan-course` parser, `training.recipes`) can validate one.
"""

#: The losses ``losses.discriminator_loss`` and ``losses.generator_loss`` know.
LOSS_NAMES = ("minimax", "non_saturating", "least_squares", "wasserstein", "hinge")


def validate_loss_name(name):
    """Returns ``name`` if it is one of ``LOSS_NAMES``.

    Raises:
        ValueError: otherwise, listing the valid names.
    """
    if not isinstance(name, str) or name not in LOSS_NAMES:
        raise ValueError(f"Unknown GAN loss {name!r}; choose one of {', '.join(LOSS_NAMES)}.")
    return name
