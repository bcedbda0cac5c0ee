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
from medgan_course.validate import positive_int

STRATEGY_NAMES = ("auto", "default", "mirrored", "multiworker")
PRECISION_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
#: What `--precision` accepts: a policy, or "auto" (`auto_precision` picks one for the machine).
PRECISION_CHOICES = ("auto",) + PRECISION_POLICIES
#: CPU flags (Linux /proc/cpuinfo) that mean native bfloat16 arithmetic. Without them
#: TensorFlow emulates bfloat16, about 10x slower than float32 (measured, shared/notes/FACTS.md).
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
#: The first CUDA compute capability with float16 tensor cores (Volta).
FLOAT16_MIN_CAPABILITY = (7, 0)


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


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's feature flags as a set of strings; empty where the file does not exist (macOS).

    Args:
        cpuinfo: path of a Linux cpuinfo file (tests pass their own).
    """
    try:
        text = open(cpuinfo, encoding="utf-8", errors="replace").read()
    except OSError:
        return set()
    line = next((li for li in text.splitlines() if li.startswith(("flags", "Features"))), "")
    return set(line.partition(":")[2].split())


def choose_precision(*, gpu_capabilities=(), flags=frozenset()):
    """The precision policy `auto` stands for on a machine with these devices and CPU flags.

    The rule follows measurements (docs/PERFORMANCE.md): float16 with loss scaling on CUDA GPUs
    with tensor cores (every visible GPU at compute capability 7.0 or more); bfloat16 on CPUs
    with native bfloat16 (AVX512_BF16 or AMX); float32 everywhere else, because emulated
    bfloat16 is about 10x slower than float32 and older GPUs gain nothing from float16.

    Args:
        gpu_capabilities: the (major, minor) compute capability of each visible GPU.
        flags: the CPU's feature flags (`cpu_flags()`).

    Returns:
        (policy, reason): a name in `PRECISION_POLICIES` and a short phrase saying why.
    """
    if gpu_capabilities:
        if all(tuple(c) >= FLOAT16_MIN_CAPABILITY for c in gpu_capabilities):
            return "mixed_float16", f"CUDA GPU with compute capability {min(gpu_capabilities)}"
        return "float32", "GPU without float16 tensor cores"
    native = sorted(set(flags) & set(NATIVE_BF16_FLAGS))
    if native:
        return "mixed_bfloat16", f"CPU with native bfloat16 ({', '.join(native)})"
    return "float32", "CPU without native bfloat16 (it would be emulated, about 10x slower)"


def auto_precision():
    """`choose_precision` for this machine: its visible GPUs and its CPU flags.

    Returns:
        (policy, reason), as `choose_precision`.
    """
    tf = require_tensorflow()
    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability", (0, 0))))
    return choose_precision(gpu_capabilities=capabilities, flags=cpu_flags())


def resolve_precision(name):
    """A policy name for `name`, which may be "auto"; returns (policy, reason).

    Raises:
        ValueError: `name` is neither "auto" nor a policy name.
    """
    if name == "auto":
        return auto_precision()
    if name not in PRECISION_POLICIES:
        raise ValueError(f"unknown precision {name!r}; choose one of {PRECISION_CHOICES}")
    return name, "chosen by the caller"


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
    n = positive_int("split_cpu: n", n)
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
