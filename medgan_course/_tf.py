"""The one place that imports TensorFlow and checks its version."""

MIN_TF = (2, 16)


def require_tensorflow():
    """Imports TensorFlow, checking that it is 2.16 or newer with Keras 3.

    Returns:
        The `tensorflow` module.

    Raises:
        ImportError: TensorFlow is missing or too old, with the command that fixes it.
    """
    try:
        import tensorflow as tf
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "medgan_course needs TensorFlow 2.16 or newer. Install it with one of: "
            "`pip install 'medgan-course[cpu]'` (laptops, Binder), "
            "`pip install 'medgan-course[gpu]'` (Linux with an NVIDIA GPU); "
            "on Colab TensorFlow is already installed: do not reinstall it."
        ) from err
    version = tuple(int(p) for p in tf.__version__.split(".")[:2])
    if version < MIN_TF:
        raise ImportError(
            f"medgan_course needs TensorFlow >= 2.16 (Keras 3); found {tf.__version__}. "
            "Upgrade with `pip install -U 'tensorflow>=2.16'` (or tensorflow-cpu)."
        )
    return tf
