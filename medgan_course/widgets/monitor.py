"""Live training monitor: loss curves and samples from fixed latent vectors while a GAN trains.

`TrainingMonitor` is a Keras callback. Pass it to `fit` or to `training.runner.train(...,
extra_callbacks=[monitor])`: it records d_loss and g_loss at every step and, every
`every_n_steps` steps, redraws one figure (`monitor_figure`: the losses so far beside a grid of
samples from the same latent vectors each time) into an `ipywidgets.Image`, with a status line
above it. Where no widget front end exists (`_compat.use_static()`: scripts, tests, a kernel
without ipywidgets) it prints the status line instead, and shows the same figure once at the end.

Importing this module does not import TensorFlow: the callback class is created on first use
of `TrainingMonitor` (Keras is needed only once training is under way).
Taught in notebooks/04_training_loop.ipynb.
"""

from __future__ import annotations

import html
import math
import time

import numpy as np
from matplotlib.figure import Figure

from medgan_course.plots import LOSS_COLOURS
from medgan_course.validate import positive_int
from medgan_course.widgets import _compat

#: The log entries the monitor records at every step (missing ones are skipped).
KEYS = ("d_loss", "g_loss")


# ------------------------------------------------------------------------------ pure functions
def running_mean(values, width: int) -> np.ndarray:
    """Mean over the last `width` values at each point (fewer at the start); float64 `(N,)`."""
    values = np.asarray(values, np.float64)
    if not len(values):
        return values
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - max(1, int(width)))
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def tile(images, ncol: int | None = None) -> np.ndarray:
    """Images `(n, H, W, C)` in [-1, 1] -> one picture `(rows*(H+1)+1, ncol*(W+1)+1)` in [0, 1].

    Grey images give a 2-D array, colour ones `(..., 3)`; the 1-pixel gaps are white. NaNs
    (a diverged generator) become mid-grey rather than breaking the figure.
    """
    images = np.clip((np.nan_to_num(np.asarray(images, np.float32)) + 1.0) / 2.0, 0.0, 1.0)
    n, height, width, channels = images.shape
    ncol = ncol or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / ncol)
    grid = np.ones((rows * (height + 1) + 1, ncol * (width + 1) + 1, channels), np.float32)
    for index, image in enumerate(images):
        top, left = 1 + (index // ncol) * (height + 1), 1 + (index % ncol) * (width + 1)
        grid[top:top + height, left:left + width] = image
    return grid[..., 0] if channels == 1 else grid


def status_line(step: int, history: dict, steps_per_second: float | None = None,
                window: int = 20) -> str:
    """The status text, e.g. "step 200 | d_loss 1.234 | g_loss 0.567 | 18.3 steps/s".

    The losses are means over the last `window` recorded steps (per-step GAN losses are noisy).
    """
    parts = [f"step {step}"]
    for key in KEYS:
        values = history.get(key, [])
        if len(values):
            parts.append(f"{key} {float(np.mean(values[-window:])):.3f}")
    if steps_per_second is not None:
        parts.append(f"{steps_per_second:.1f} steps/s")
    return " | ".join(parts)


def monitor_figure(steps, history: dict, images=None, *, step: int | None = None,
                   smooth: int = 20) -> Figure:
    """The monitor's picture: losses per step (left) and the current samples (right).

    Args:
        steps: `(N,)` step numbers at which `history` was recorded.
        history: {"d_loss": `(N,)`, "g_loss": `(N,)`} floats (missing keys are skipped).
        images: optional `(n, H, W, C)` float in [-1, 1]: samples from the fixed latent vectors.
        step: the step the samples were drawn at (their title).
        smooth: width of the running mean drawn over the faint per-step values.

    Returns:
        A matplotlib `Figure` (not attached to pyplot).
    """
    fig = Figure(figsize=(8.0, 3.0), layout="constrained")
    loss_ax, image_ax = fig.subplots(1, 2, width_ratios=[1.6, 1.0])
    steps = np.asarray(steps)
    for key, colour in ((k, LOSS_COLOURS[k]) for k in KEYS):
        values = np.asarray(history.get(key, []), np.float64)
        if not len(values):
            continue
        loss_ax.plot(steps[:len(values)], values, color=colour, alpha=0.25, linewidth=0.8)
        loss_ax.plot(steps[:len(values)], running_mean(values, smooth), color=colour, label=key)
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss")
    if loss_ax.lines:
        loss_ax.legend(loc="upper right", fontsize=8)
    else:
        loss_ax.text(0.5, 0.5, "no steps yet", ha="center", va="center",
                     transform=loss_ax.transAxes)
    image_ax.set_axis_off()
    if images is not None and len(images):
        image_ax.imshow(tile(images), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        image_ax.set_title(f"fixed z, step {step}" if step is not None else "fixed z", fontsize=9)
    return fig


# ------------------------------------------------------------------------------ the callback
class _MonitorLogic:
    """Everything the monitor does; combined with the callbacks' step counter on first use.

    A "step" is one training step (one generator update), counted across epochs and across
    every `fit` the monitor is passed to by `training.callbacks._StepCounter`, the base the
    callback class gets in `_monitor_class` (so the monitor and SampleGrid/LossHistory agree).
    """

    def __init__(self, every_n_steps: int = 100, *, n_samples: int = 16, seed: int = 0,
                 smooth: int = 20, static: bool | None = None, auto_display: bool = True):
        super().__init__()
        positive_int("TrainingMonitor: every_n_steps", every_n_steps)
        positive_int("TrainingMonitor: n_samples", n_samples)
        self.every_n_steps, self.n_samples, self.seed, self.smooth = (
            int(every_n_steps), int(n_samples), seed, smooth)
        self.static = _compat.use_static(static)
        self.auto_display = auto_display  # `self.step` is counted by training.callbacks
        self.steps, self.history = [], {key: [] for key in KEYS}
        self.updates = []          # steps at which the display was refreshed
        self.images = None         # latest samples (n, H, W, C) float32 in [-1, 1]
        self.final_figure = None   # static mode: the figure shown at the end
        self._z, self._displayed, self._timer = None, False, None
        self.image = self.status = self.box = None
        if not self.static:
            self._build_widgets()

    def _build_widgets(self):
        import ipywidgets as w

        self.status = w.HTML(value="<code>waiting for the first step</code>")
        self.image = w.Image(format="png", layout=w.Layout(width="720px"))
        self.box = w.VBox([self.status, self.image])

    # Keras hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self._z is None:  # latent_dim is known only now; the same z for every later fit
            from medgan_course.training.sampling import latent_vectors

            self._z = latent_vectors(self.n_samples, self.model.latent_dim, self.seed)
        self._timer = (time.perf_counter(), self.step)
        if not self.static and self.auto_display and not self._displayed:
            _compat.show(self.box)
            self._displayed = True
        if not self.updates:
            self.update()  # the untrained generator: step 0

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)  # _StepCounter advances self.step
        logs = logs or {}
        recorded = False
        for key in KEYS:
            if key in logs:
                self.history[key].append(float(logs[key]))
                recorded = True
        if recorded:
            self.steps.append(self.step)
        if self.step - (self.updates[-1] if self.updates else 0) >= self.every_n_steps:
            self.update()

    def on_train_end(self, logs=None):
        if not self.updates or self.updates[-1] != self.step:
            self.update()
        if self.static:
            self._draw_samples()
            self.final_figure = self.figure()
            if self.auto_display:
                _compat.show(self.final_figure)

    # Drawing ---------------------------------------------------------------------------------
    def steps_per_second(self):
        """Steps per second since the previous refresh (None when no step was made since)."""
        if self._timer is None:
            return None
        start, first_step = self._timer
        elapsed = time.perf_counter() - start
        if elapsed <= 0 or self.step <= first_step:
            return None
        return (self.step - first_step) / elapsed

    def _draw_samples(self):
        """Samples from the fixed z with the model's `generate` (a GAN's EMA generator if any)."""
        self.images = np.asarray(self.model.generate(self._z), np.float32)

    def figure(self) -> Figure:
        """`monitor_figure` of everything recorded so far."""
        return monitor_figure(self.steps, self.history, self.images,
                              step=self.updates[-1] if self.updates else None, smooth=self.smooth)

    def update(self):
        """Refreshes the display now: status line and figure (widget), or a printed line."""
        line = status_line(self.step, self.history, self.steps_per_second(), self.smooth)
        self.updates.append(self.step)
        self._timer = (time.perf_counter(), self.step)
        if self.static:
            print(line, flush=True)
            return
        self._draw_samples()
        self.status.value = f"<code>{html.escape(line)}</code>"
        self.image.value = _compat.figure_png(self.figure())


_CLASS = None


def _monitor_class():
    """`TrainingMonitor`: `_MonitorLogic` + the step-counting callback (Keras imported here)."""
    global _CLASS
    if _CLASS is None:
        # Private name on purpose: the step counter is shared by the package's callbacks.
        from medgan_course.training.callbacks import _StepCounter

        _CLASS = type("TrainingMonitor", (_MonitorLogic, _StepCounter), {
            "__module__": __name__,
            "__doc__": TRAINING_MONITOR_DOC,
        })
    return _CLASS


TRAINING_MONITOR_DOC = """A Keras callback: live loss curves and fixed-z samples while a GAN trains.

    Args:
        every_n_steps: steps between two refreshes. A refresh (samples, figure, PNG) took about
            0.2 s of CPU on the course's 2-core machine, so refresh every few seconds of
            training, not at every step.
        n_samples: images in the sample grid.
        seed: seed of the fixed latent vectors.
        smooth: width of the running mean drawn over the losses.
        static: True prints lines and shows one figure at the end; False uses the widget;
            None decides (`_compat.use_static`).
        auto_display: display the widget when training starts (static mode: the final figure).

    Attributes:
        steps, history: every recorded step and its {"d_loss": [...], "g_loss": [...]}.
        updates: the steps at which the display was refreshed (0, every_n_steps, ..., last).
        images: the latest samples `(n_samples, H, W, C)` float32 in [-1, 1].
        box, image, status: the widgets (None in static mode).
        final_figure: static mode: the figure shown at the end of training.

    The model must have `latent_dim` and `generate(z)` (e.g. `training.gan.GAN`).
"""


def __getattr__(name):
    if name == "TrainingMonitor":
        return _monitor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
