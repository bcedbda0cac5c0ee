"""Distribution strategies and mixed-precision policies for GAN training.

One `tf.distribute.Strategy` decides where the GAN's variables live and how each batch is
split; one Keras dtype policy decides in which float type layers compute. Create the GAN and
its optimizers inside `strategy.scope()` *after* choosing the precision, then `fit` as usual
(docs/ARCHITECTURE.md, "Training"). Taught in notebooks/04_training_loop.ipynb.

Nothing here runs at import: every function touches TensorFlow only when called.
"""

from __future__ import annotations

import contextlib
import json
import os

from medgan_course._tf import require_tensorflow

STRATEGY_NAMES = ("auto", "default", "mirrored", "multiworker")
PRECISION_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def get_strategy(name="auto", devices=None):
    """Returns the `tf.distribute.Strategy` called `name`.

    Args:
        name: one of `STRATEGY_NAMES`:
            - "default": TensorFlow's no-op strategy (one device, no splitting);
            - "mirrored": `MirroredStrategy`, synchronous data parallelism over `devices`,
              else over every local GPU, else over every logical CPU device (TensorFlow's
              own default; see `split_cpu`);
            - "multiworker": `MultiWorkerMirroredStrategy`; reads the cluster from the
              environment variable `TF_CONFIG` at call time;
            - "auto": "mirrored" when more than one GPU is visible, else "default".
        devices: optional list of device names for "mirrored", e.g. ["/cpu:0", "/cpu:1"].

    Returns:
        A `tf.distribute.Strategy`; `strategy.num_replicas_in_sync` says how many replicas
        share each global batch.

    Raises:
        ValueError: unknown name, `devices` given with another strategy, or "multiworker"
            without a valid `TF_CONFIG`.
    """
    tf = require_tensorflow()
    if name not in STRATEGY_NAMES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {STRATEGY_NAMES}")
    if devices is not None and name != "mirrored":
        raise ValueError(f"`devices` is only used by the 'mirrored' strategy, not {name!r}")
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    _check_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


def _check_tf_config():
    """Raises ValueError unless $TF_CONFIG holds JSON with a cluster and this task's role."""
    raw = os.environ.get("TF_CONFIG")
    hint = ('set TF_CONFIG on every worker, e.g. \'{"cluster": {"worker": ["host1:12345", '
            '"host2:12345"]}, "task": {"type": "worker", "index": 0}}\'')
    if not raw:
        raise ValueError("the 'multiworker' strategy needs the environment variable "
                         f"TF_CONFIG; {hint}")
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err}); {hint}") from err
    if not isinstance(config, dict) or "cluster" not in config or "task" not in config:
        raise ValueError(f"TF_CONFIG needs the keys 'cluster' and 'task'; {hint}")


def set_precision(policy):
    """Sets Keras's global dtype policy and returns the previous one's name.

    Call it before building the models: layers take the policy that is global when they are
    created. Under "mixed_float16", `GAN.compile` wraps each optimizer in a
    `LossScaleOptimizer` (float16 gradients underflow without loss scaling); "mixed_bfloat16"
    has float32's exponent range and needs none. Discriminator logits stay float32.

    Args:
        policy: one of `PRECISION_POLICIES`.

    Returns:
        The name of the policy that was global before, for restoring it.

    Raises:
        ValueError: unknown policy name.
    """
    if policy not in PRECISION_POLICIES:
        raise ValueError(f"unknown precision policy {policy!r}; choose one of {PRECISION_POLICIES}")
    require_tensorflow()
    import keras

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    return previous


@contextlib.contextmanager
def precision(policy):
    """Context manager: `set_precision(policy)` inside the block, the previous policy after.

    Example:
        >>> with precision("mixed_bfloat16"):
        ...     generator = build_generator()   # computes in bfloat16, float32 weights
    """
    previous = set_precision(policy)
    try:
        yield policy
    finally:
        set_precision(previous)


def split_cpu(n):
    """Splits the physical CPU into `n` logical devices ("/cpu:0" ... "/cpu:{n-1}").

    This lets `MirroredStrategy` run with several replicas on a machine without GPUs (tests,
    notebooks demonstrating data parallelism). TensorFlow fixes its devices the first time it
    uses them, so call this before anything else touches TensorFlow (building a model,
    creating a tensor, listing logical devices).

    Args:
        n: number of logical CPU devices, >= 1.

    Returns:
        The list of logical CPU device names.

    Raises:
        ValueError: `n` is not a positive integer.
        RuntimeError: TensorFlow has already initialised its devices (restart the Python
            process or kernel and call `split_cpu` first).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"split_cpu needs a positive integer, got {n!r}")
    tf = require_tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    configs = [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
    try:
        tf.config.set_logical_device_configuration(cpu, configs)
    except RuntimeError as err:
        if tf.config.get_logical_device_configuration(cpu) == configs:
            return [d.name for d in tf.config.list_logical_devices("CPU")]
        raise RuntimeError(
            f"split_cpu({n}) came too late: TensorFlow has already initialised its devices "
            f"({err}). Restart the Python process (or notebook kernel) and call split_cpu "
            "before any other TensorFlow operation."
        ) from err
    return [d.name for d in tf.config.list_logical_devices("CPU")]
