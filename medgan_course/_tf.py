"""The one place that imports TensorFlow and checks its version."""

import importlib
import os
import sys

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


def import_quietly(module: str = "tensorflow"):
    """Imports `module` with file descriptor 2 (stderr) on a temporary file, then restores it.

    Why: on CPUs where oneDNN is on by default (AVX-512 VNNI/BF16 or AMX, Colab's often among
    them) TensorFlow's C++ side prints a oneDNN notice through absl before it reads
    TF_CPP_MIN_LOG_LEVEL, so a learner would see it in red under every set-up cell. oneDNN stays
    on; only the notice is set aside. If the import fails, what it wrote is shown before the error.
    Taught nowhere: notebooks' set-up cells call it through `course.import_tensorflow_quietly`.

    Returns:
        The imported module (already imported: returned at once, nothing redirected).
    """
    if sys.modules.get(module) is not None:
        return sys.modules[module]
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            return importlib.import_module(module)
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
