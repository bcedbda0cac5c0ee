"""Tests of medgan_course.training.distribute, and of GAN training under MirroredStrategy."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")

import keras
import tensorflow as tf

from medgan_course.training.distribute import (
    get_strategy,
    precision,
    set_precision,
    split_cpu,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_default_and_auto_strategies_on_a_machine_without_several_gpus():
    if len(tf.config.list_logical_devices("GPU")) > 1:
        pytest.skip("'auto' picks MirroredStrategy on this multi-GPU machine")
    for name in ("default", "auto"):
        strategy = get_strategy(name)
        assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1


def test_get_strategy_rejects_bad_names_and_arguments():
    with pytest.raises(ValueError, match="unknown strategy"):
        get_strategy("mirror")
    with pytest.raises(ValueError, match="devices"):
        get_strategy("default", devices=["/cpu:0"])


@pytest.mark.parametrize("tf_config, message", [
    (None, "needs the environment variable TF_CONFIG"),
    ("{not json", "not valid JSON"),
    ('{"cluster": {"worker": ["localhost:1"]}}', "'cluster' and 'task'"),
])
def test_multiworker_needs_a_valid_tf_config(monkeypatch, tf_config, message):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=message):
        get_strategy("multiworker")


def test_set_precision_validates_and_returns_the_previous_policy():
    with pytest.raises(ValueError, match="mixed_float16"):
        set_precision("float16")
    previous = set_precision("mixed_bfloat16")
    try:
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert set_precision("float32") == "mixed_bfloat16"
    finally:
        set_precision(previous)


def test_precision_context_restores_the_policy_even_after_an_error():
    before = keras.mixed_precision.global_policy().name
    with pytest.raises(RuntimeError, match="boom"):
        with precision("mixed_float16"):
            assert keras.layers.Dense(2).compute_dtype == "float16"
            raise RuntimeError("boom")
    assert keras.mixed_precision.global_policy().name == before


def test_split_cpu_refuses_bad_counts_and_late_calls():
    with pytest.raises(ValueError, match="positive integer"):
        split_cpu(0)
    tf.constant(1.0) + 1.0  # TensorFlow's devices are now initialised in this process
    with pytest.raises(RuntimeError, match="before any other TensorFlow operation"):
        split_cpu(7)


MIRRORED_SCRIPT = textwrap.dedent("""
    import json
    from medgan_course.training.distribute import get_strategy, split_cpu
    devices = split_cpu(2)  # before anything else touches TensorFlow
    import numpy as np, keras
    from medgan_course.training.gan import GAN

    data = np.random.default_rng(0).uniform(-1, 1, (64, 2, 2, 1)).astype("float32")

    class StepLosses(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.d_loss, self.g_loss = [], []
        def on_train_batch_end(self, batch, logs=None):
            self.d_loss.append(float(logs["d_loss"]))
            self.g_loss.append(float(logs["g_loss"]))

    def run(name):
        strategy = get_strategy(name)
        with strategy.scope():  # the GAN and its optimizers are created inside the scope
            keras.utils.set_random_seed(0)
            gen = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                                    keras.layers.Dense(4), keras.layers.Reshape((2, 2, 1))])
            disc = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                                     keras.layers.Dense(16), keras.layers.LeakyReLU(0.2),
                                     keras.layers.Dense(1)])
            # "recalibrate" reads the step count from a mirrored variable when sampling.
            gan = GAN(gen, disc, 4, n_critic=2, ema_decay=0.9, ema_batch_norm="recalibrate", seed=5)
            # SGD with momentum, not Adam: Adam is blind to the gradient's scale, which the
            # per-replica loss scaling sets; momentum slots make the eager build matter.
            gan.compile(d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5))
        losses = StepLosses()
        gan.fit(data, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[losses])
        ema = [w.tolist() for w in gan.ema_generator.get_weights()]
        return {"replicas": strategy.num_replicas_in_sync, "d_loss": losses.d_loss,
                "g_loss": losses.g_loss, "ema": ema, "sample": gan.generate(3, seed=0).tolist(),
                "d_iterations": int(gan.d_optimizer.iterations.numpy())}

    print(json.dumps({"devices": devices, "single": run("default"), "mirrored": run("mirrored")}))
""")


def run_script(script, timeout=180):
    """Runs `script` in a fresh Python (split_cpu must precede TF's initialisation)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_mirrored_strategy_on_two_cpus_logs_the_single_device_losses():
    import numpy as np

    report = run_script(MIRRORED_SCRIPT)
    single, mirrored = report["single"], report["mirrored"]
    assert len(report["devices"]) == 2
    assert (single["replicas"], mirrored["replicas"]) == (1, 2)
    assert len(mirrored["d_loss"]) == 8 and mirrored["d_iterations"] == 16
    # Same data, seeds and global batch: each replica takes its slice of the same z, losses
    # are divided by the replica count before the gradient sum, and Keras averages the logs.
    np.testing.assert_allclose(mirrored["d_loss"], single["d_loss"], rtol=1e-4)
    np.testing.assert_allclose(mirrored["g_loss"], single["g_loss"], rtol=1e-4)
    for a, b in zip(mirrored["ema"], single["ema"]):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(mirrored["sample"], single["sample"], atol=1e-5)


# ----------------------------------------------------------------- precision "auto"
def test_choose_precision_follows_the_measured_rule():
    from medgan_course.training.distribute import choose_precision

    assert choose_precision(flags={"avx2", "fma"})[0] == "float32"          # bf16 emulated: slower
    assert choose_precision(flags={"avx512f", "avx512_bf16"})[0] == "mixed_bfloat16"
    assert choose_precision(flags={"amx_bf16", "amx_tile"})[0] == "mixed_bfloat16"
    assert choose_precision(gpu_capabilities=[(8, 0)], flags={"avx2"})[0] == "mixed_float16"
    # One old GPU among new ones: float16 would be slow there, so float32 for all.
    assert choose_precision(gpu_capabilities=[(8, 0), (6, 1)])[0] == "float32"
    # A GPU decides even when the host CPU has bfloat16: the GPU does the work.
    assert choose_precision(gpu_capabilities=[(7, 5)], flags={"avx512_bf16"})[0] == "mixed_float16"
    policy, reason = choose_precision(flags=set())
    assert policy == "float32" and "emulated" in reason


def test_cpu_flags_reads_a_cpuinfo_file(tmp_path):
    from medgan_course.training.distribute import cpu_flags

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu avx2 avx512_bf16\n\n"
                    "processor\t: 1\nflags\t\t: fpu avx2 avx512_bf16\n")
    assert cpu_flags(info) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_resolve_precision_on_this_machine_matches_its_cpu_flags():
    from medgan_course.training.distribute import NATIVE_BF16_FLAGS, cpu_flags, resolve_precision

    policy, _ = resolve_precision("auto")
    native = bool(cpu_flags() & set(NATIVE_BF16_FLAGS))
    if not tf.config.list_physical_devices("GPU"):
        assert policy == ("mixed_bfloat16" if native else "float32")
    assert resolve_precision("mixed_float16") == ("mixed_float16", "chosen by the caller")
    with pytest.raises(ValueError, match="unknown precision"):
        resolve_precision("float64")
