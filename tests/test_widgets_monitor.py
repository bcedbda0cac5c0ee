"""Tests of the live training monitor, driven by real (tiny, eager) `fit` calls without a browser."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from medgan_course.widgets import monitor as monitor_module
from medgan_course.widgets.monitor import monitor_figure, running_mean, status_line, tile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
LATENT = 4


def tiny_gan():
    """A compiled GAN of two small Dense networks on 4x4x1 images, eager (no tracing)."""
    keras = pytest.importorskip("keras")
    from medgan_course.training.gan import GAN

    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(16, activation="tanh"),
                                  keras.layers.Reshape((4, 4, 1))])
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                                      keras.layers.Dense(8), keras.layers.LeakyReLU(0.2),
                                      keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, LATENT, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2),
                run_eagerly=True)
    return gan


def toy_images(n=48):
    return np.random.default_rng(0).uniform(-1, 1, (n, 4, 4, 1)).astype("float32")


def recorder():
    """A callback that records, after every step, the logs and the monitor's image bytes."""
    keras = pytest.importorskip("keras")

    class Recorder(keras.callbacks.Callback):
        def __init__(self, monitor):
            super().__init__()
            self.monitor, self.logs, self.images = monitor, [], []

        def on_train_batch_end(self, batch, logs=None):
            self.logs.append({k: float(v) for k, v in logs.items()})
            self.images.append(self.monitor.image.value if self.monitor.image else None)

    return Recorder


# ------------------------------------------------------------------------------ pure functions
def test_running_mean_averages_the_last_values():
    np.testing.assert_allclose(running_mean([1, 3, 5, 7], 2), [1, 2, 4, 6])
    np.testing.assert_allclose(running_mean([2, 4], 10), [2, 3])
    assert running_mean([], 3).shape == (0,)


def test_tile_places_images_in_display_range():
    images = np.stack([np.full((2, 2, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    grid = tile(images, ncol=2)
    assert grid.shape == (2 * 3 + 1, 2 * 3 + 1)
    np.testing.assert_array_equal(grid[1:3, 1:3], 0.0)
    np.testing.assert_array_equal(grid[1:3, 4:6], 0.5)
    np.testing.assert_array_equal(grid[4:6, 1:3], 1.0)
    assert tile(np.full((1, 2, 2, 1), np.nan, np.float32))[1, 1] == 0.5  # NaN: grey, no crash


def test_status_line_reports_recent_means_and_speed():
    line = status_line(40, {"d_loss": [9.0] * 10 + [1.0] * 20, "g_loss": [2.0] * 30}, 12.345)
    assert line == "step 40 | d_loss 1.000 | g_loss 2.000 | 12.3 steps/s"
    assert status_line(0, {"d_loss": [], "g_loss": []}) == "step 0"


def test_monitor_figure_has_losses_and_samples():
    history = {"d_loss": [1.0, 0.9, 0.8], "g_loss": [0.5, 0.7, 0.9]}
    fig = monitor_figure([1, 2, 3], history, np.zeros((4, 4, 4, 1), np.float32), step=3)
    loss_ax, image_ax = fig.axes
    assert isinstance(fig, Figure) and len(loss_ax.lines) == 4  # raw + running mean, 2 losses
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), history["d_loss"])
    assert len(image_ax.images) == 1 and "step 3" in image_ax.get_title()
    assert isinstance(monitor_figure([], {}), Figure)  # before the first step


def test_importing_the_monitor_does_not_import_tensorflow():
    code = ("import sys, medgan_course.widgets.monitor as m; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_bad_arguments_are_refused():
    pytest.importorskip("keras")
    with pytest.raises(ValueError, match="every_n_steps"):
        monitor_module.TrainingMonitor(every_n_steps=0, static=True)
    with pytest.raises(ValueError, match="n_samples"):
        monitor_module.TrainingMonitor(n_samples=0, static=True)
    with pytest.raises(AttributeError):
        monitor_module.NoSuchThing  # noqa: B018  the bare attribute access is what must raise


# ------------------------------------------------------------------------------ the callback
def test_widget_refreshes_every_n_steps_and_records_every_loss():
    keras = pytest.importorskip("keras")
    monitor = monitor_module.TrainingMonitor(every_n_steps=5, n_samples=4, static=False,
                                             auto_display=False)
    assert isinstance(monitor, keras.callbacks.Callback)
    watch = recorder()(monitor)
    gan = tiny_gan()
    gan.fit(toy_images(), batch_size=4, epochs=1, steps_per_epoch=12, verbose=0,
            callbacks=[monitor, watch])

    assert monitor.updates == [0, 5, 10, 12]  # step 0, every 5 steps, and the last step
    assert monitor.steps == list(range(1, 13))
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(monitor.history[key], [logs[key] for logs in watch.logs],
                                   rtol=1e-6)
    # The picture changes exactly at the refresh steps, not at every step.
    changes = [step for step, (a, b) in enumerate(zip(watch.images, watch.images[1:]), start=2)
               if a != b]
    assert changes == [5, 10]
    assert watch.images[0][:4] == b"\x89PNG" and monitor.image.value != watch.images[-2]
    assert "step 12" in monitor.status.value and "d_loss" in monitor.status.value
    assert monitor.images.shape == (4, 4, 4, 1)
    np.testing.assert_allclose(monitor.images, gan.generate(monitor._z), atol=1e-6)


def test_steps_continue_across_fit_calls():
    pytest.importorskip("keras")
    monitor = monitor_module.TrainingMonitor(every_n_steps=4, n_samples=4, static=False,
                                             auto_display=False)
    gan = tiny_gan()
    for _ in range(2):
        gan.fit(toy_images(), batch_size=4, epochs=1, steps_per_epoch=6, verbose=0,
                callbacks=[monitor])
    assert monitor.steps == list(range(1, 13))
    assert monitor.updates == [0, 4, 6, 10, 12]  # the end of each fit refreshes too


def test_the_monitor_counts_steps_with_the_callbacks_step_counter():
    pytest.importorskip("keras")
    from medgan_course.training import callbacks

    monitor_class = monitor_module.TrainingMonitor
    assert issubclass(monitor_class, callbacks._StepCounter)
    # One counting rule: the monitor defines no epoch hook of its own.
    assert "on_epoch_begin" not in vars(monitor_module._MonitorLogic)


def test_static_fallback_prints_lines_and_shows_a_final_figure(capsys):
    pytest.importorskip("keras")
    monitor = monitor_module.TrainingMonitor(every_n_steps=3, n_samples=4, static=True)
    assert monitor.box is None and monitor.image is None
    tiny_gan().fit(toy_images(), batch_size=4, epochs=1, steps_per_epoch=7, verbose=0,
                   callbacks=[monitor])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step ")]
    assert [line.split(" |")[0] for line in lines] == ["step 0", "step 3", "step 6", "step 7"]
    assert "d_loss" in lines[-1] and "g_loss" in lines[-1]
    assert isinstance(monitor.final_figure, Figure)
    assert len(monitor.final_figure.axes[1].images) == 1  # the samples are in it
    assert monitor.images.shape == (4, 4, 4, 1)
