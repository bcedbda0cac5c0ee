"""Callbacks for GAN training: samples over time, per-step losses, NaN diagnosis, time budget,
an exact step count and a progress bar.

The callbacks are thin; what can be computed without Keras is a pure function: figures in
`plots` (`image_grid`), `diagnose_nonfinite` here. A "step" here is one training step
(one generator update); each callback counts the steps it has seen across all the `fit` calls
it was passed to, and `resume` sets that count (and what it recorded) for a run restarted from
a checkpoint (`training.checkpoint`). Taught in notebooks/04_training_loop.ipynb and
notebooks/05_when_training_fails.ipynb.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings

import numpy as np

from medgan_course._tf import require_tensorflow
from medgan_course.data.types import to_uint8
from medgan_course.plots import image_grid, save_grid_png
from medgan_course.training.sampling import latent_vectors
from medgan_course.validate import positive_int, positive_number

require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)


class _StepCounter(keras.callbacks.Callback):
    """Counts training steps across epochs and `fit` calls, `steps_per_execution` included.

    Keras calls `on_train_batch_end(batch)` with the index of the last step of each execution
    within the epoch, so the steps done since the previous call are the index difference.
    """

    def __init__(self):
        super().__init__()
        self.step = 0
        self._last_batch = -1

    def resume(self, step):
        """Continues counting from `step` (the steps a checkpointed run had done)."""
        self.step = int(step)

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1

    def on_train_batch_end(self, batch, logs=None):
        self.step += batch - self._last_batch
        self._last_batch = batch


class SampleGrid(_StepCounter):
    """Generates images from fixed latent vectors every `every_n_steps` steps.

    The same z (and labels) every time, so the recorded samples show how the generator's
    mapping changes, not how random draws differ. One record is taken before the first step.

    Args:
        z: an int n (n latent vectors drawn once from `seed`) or `(n, latent_dim)` float32.
        every_n_steps: steps between records (>= 1).
        labels: `(n,)` class indices for a conditional GAN (None cycles through the classes).
        out_dir: if given, each record is also written as `step_0000100.png` there.
        seed: seed of the latent vectors when `z` is an int.
        nrow: images per row of the PNG grid (default: about sqrt(n)).

    Attributes:
        samples: list of (step, images) with images `(n, H, W, C)` uint8 in [0, 255].
    """

    def __init__(self, z, every_n_steps, labels=None, out_dir=None, *, seed=0, nrow=None):
        super().__init__()
        every_n_steps = positive_int("SampleGrid: every_n_steps", every_n_steps)
        self.z, self.labels, self.out_dir = z, labels, out_dir
        self.every_n_steps, self.seed, self.nrow = every_n_steps, seed, nrow
        self.samples = []
        self._last_record = None

    def _fixed_latents(self):
        """Draws the fixed z once (the model's latent_dim is known only from `fit`)."""
        if isinstance(self.z, (int, np.integer)):
            self.z = latent_vectors(self.z, self.model.latent_dim, self.seed)
        return self.z

    def resume(self, step, samples=()):
        """Continues from a checkpoint: `step`, and the (step, images) records taken so far."""
        super().resume(step)
        self.samples = list(samples)
        self._last_record = self.samples[-1][0] if self.samples else None

    def on_train_begin(self, logs=None):
        if not hasattr(self.model, "generate"):
            raise TypeError("SampleGrid needs a model with generate(z, labels), "
                            "e.g. training.gan.GAN")
        if self._last_record is None:
            self._record()

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.step - self._last_record >= self.every_n_steps:
            self._record()

    def _record(self):
        """Generates from the fixed z; stores uint8 images (and a PNG when out_dir is set)."""
        self._last_record = self.step
        images = self.model.generate(self._fixed_latents(), self.labels)
        if not np.all(np.isfinite(images)):
            warnings.warn(f"SampleGrid: the generator's output is NaN/inf at step {self.step}; "
                          "nothing recorded (training has diverged, see NaNGuard)", RuntimeWarning,
                          stacklevel=2)
            return
        self.samples.append((self.step, to_uint8(images)))
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)
            nrow = self.nrow or max(1, math.ceil(math.sqrt(len(images))))
            save_grid_png(image_grid(images, nrow),
                          os.path.join(self.out_dir, f"step_{self.step:07d}.png"))


class LossHistory(_StepCounter):
    """Records the logged values of every step (Keras's `History` keeps one per epoch).

    `GAN.train_step` logs each step's own values, so these are per-step losses, not running
    means. With `steps_per_execution` k, one value is recorded per k steps (the last one).

    Args:
        keys: the log entries to record (missing ones are skipped).

    Attributes:
        steps: list of step numbers (1-based) at which values were recorded.
        history: dict key -> list of floats, aligned with `steps`.
    """

    def __init__(self, keys=("d_loss", "g_loss", "real_logit", "fake_logit", "gp")):
        super().__init__()
        self.keys = tuple(keys)
        self.steps = []
        self.history = {}

    def resume(self, step, steps=(), history=None):
        """Continues from a checkpoint: `step`, and the `steps`/`history` recorded so far."""
        super().resume(step)
        self.steps = [int(s) for s in steps]
        self.history = {key: [float(v) for v in values] for key, values in (history or {}).items()}

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        logs = logs or {}
        self.steps.append(self.step)
        for key in self.keys:
            if key in logs:
                self.history.setdefault(key, []).append(float(logs[key]))

    @property
    def d_loss(self):
        """Per-step d_loss, float64 `(steps,)`."""
        return np.asarray(self.history.get("d_loss", []), np.float64)

    @property
    def g_loss(self):
        """Per-step g_loss, float64 `(steps,)`."""
        return np.asarray(self.history.get("g_loss", []), np.float64)


def diagnose_nonfinite(loss_key, value, step, *, loss_name=None, gp_weight=0.0,
                       learning_rates=(), compute_dtype="float32", loss_scaled=False):
    """Explains a NaN/inf loss: which loss, when, and the likely causes, most likely first.

    Args:
        loss_key: "d_loss" or "g_loss".
        value: the non-finite value (nan, inf or -inf).
        step: the training step at which it was seen.
        loss_name: the GAN's loss (see `losses.LOSS_NAMES`), if known.
        gp_weight: the gradient-penalty weight.
        learning_rates: the optimizers' learning rates.
        compute_dtype: the networks' compute dtype ("float32", "float16", "bfloat16").
        loss_scaled: whether the optimizers scale the loss (LossScaleOptimizer).

    Returns:
        A multi-line message.
    """
    top_lr = max(learning_rates, default=0.0)
    causes = [  # (flagged by the context?, cause)
        (top_lr > 1e-3, f"learning rate too high (largest here {top_lr:g}): GANs usually train "
                        "with 1e-4 to 2e-4 and Adam beta_1 = 0.5"),
        (loss_name == "wasserstein" and not gp_weight,
         "missing gradient penalty / Lipschitz constraint: an unconstrained critic's logits "
         "grow without bound; set gp_weight=10 (WGAN-GP) or use spectral normalization"),
        (compute_dtype == "float16" and not loss_scaled,
         "float16 overflow without loss scaling: use LossScaleOptimizer (GAN.compile wraps the "
         "optimizers under mixed_float16) or the mixed_bfloat16 policy"),
    ]
    ordered = [c for flag, c in causes if flag] + [c for flag, c in causes if not flag]
    lines = [f"NaNGuard: {loss_key} became {value} at step {step}; training stopped.",
             "Likely causes, most likely first:"]
    lines += [f"  * {cause}" for cause in ordered]
    lines.append("See notebooks/05_when_training_fails.ipynb.")
    return "\n".join(lines)


class NaNGuard(_StepCounter):
    """Stops training when d_loss or g_loss is NaN or infinite, and says why it probably is.

    Args:
        verbose: print the diagnosis when it stops training.

    Attributes:
        diagnosis: None, or the message of `diagnose_nonfinite`.
        stopped_step: None, or the step at which training was stopped.
    """

    def __init__(self, verbose=True):
        super().__init__()
        self.verbose = verbose
        self.diagnosis = None
        self.stopped_step = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        for key in ("d_loss", "g_loss"):
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(float(value)):
                self.diagnosis = diagnose_nonfinite(key, float(value), self.step, **self._context())
                self.stopped_step = self.step
                self.model.stop_training = True
                if self.verbose:
                    print(self.diagnosis)
                return

    def _context(self):
        """What the model says about its loss, penalty, learning rates and precision."""
        optimizers = [getattr(self.model, name, None) for name in ("d_optimizer", "g_optimizer")]
        optimizers = [opt for opt in optimizers if opt is not None]
        generator = getattr(self.model, "generator", self.model)
        return {
            "loss_name": getattr(self.model, "loss_name", None),
            "gp_weight": getattr(self.model, "gp_weight", 0.0),
            "learning_rates": [float(np.asarray(opt.learning_rate)) for opt in optimizers],
            "compute_dtype": generator.dtype_policy.compute_dtype,
            "loss_scaled": any(isinstance(opt, keras.optimizers.LossScaleOptimizer)
                               for opt in optimizers),
        }


class TimeBudget(_StepCounter):
    """Stops training once `seconds` of wall-clock time have passed (checked at batch ends).

    Throughput is measured from the end of the first step to the end of the last one, so the
    first step's tracing and compilation does not count.

    Args:
        seconds: the budget per `fit` call (> 0), including `spent`.
        batch_size: images per step, to report images seen and images/second.
        spent: seconds already spent before this callback's first `fit` (a resumed run's
            training time before its checkpoint); they count against the budget.

    Attributes (set during and after `fit`):
        elapsed: `spent` plus the seconds since the start of the last `fit`.
        steps: steps done in the last `fit`.
        images_seen: steps * batch_size (None without batch_size; a last partial batch of an
            epoch is counted as full).
        steps_per_second, images_per_second: measured throughput, None if fewer than 2 steps.
        stopped: True if the budget ended the last `fit`.
    """

    def __init__(self, seconds, batch_size=None, *, spent=0.0):
        super().__init__()
        self.seconds = positive_number("TimeBudget: seconds", seconds)
        self.batch_size = None if batch_size is None else positive_int("TimeBudget: batch_size",
                                                                       batch_size)
        self.spent = float(spent)
        self._reset()

    def _reset(self):
        self.elapsed, self.steps, self.images_seen, self.stopped = self.spent, 0, 0, False
        self.steps_per_second = self.images_per_second = None
        self._first = None  # (time, steps) at the end of the first execution

    def on_train_begin(self, logs=None):
        self._reset()
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        before = self.step
        super().on_train_batch_end(batch, logs)
        now = time.perf_counter()
        self.steps += self.step - before
        self.elapsed = self.spent + now - self._start
        self.images_seen = None if self.batch_size is None else self.steps * self.batch_size
        if self._first is None:
            self._first = (now, self.steps)
        elif now > self._first[0]:
            self.steps_per_second = (self.steps - self._first[1]) / (now - self._first[0])
            if self.batch_size is not None:
                self.images_per_second = self.steps_per_second * self.batch_size
        if self.elapsed >= self.seconds:
            self.stopped = True
            self.model.stop_training = True


class StopAtStep(_StepCounter):
    """Stops `fit` after exactly `max_steps` steps (epochs are only a reporting unit here).

    Args:
        max_steps: steps to run (>= 1), counted across epochs.
    """

    def __init__(self, max_steps: int):
        super().__init__()
        self.max_steps = positive_int("StopAtStep: max_steps", max_steps)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.step >= self.max_steps:
            self.model.stop_training = True


class ProgressBar(_StepCounter):
    """A tqdm bar over steps (or seconds, when only a time budget is given) with the losses.

    Any Keras `fit` can show it: the GAN runner, pix2pix, the domain feature extractor.

    Args:
        steps: the step budget, or None when only `seconds` counts.
        seconds: the time budget (used for the bar when `steps` is None).
        desc: the bar's label.
        keys: the logged values shown beside the bar (those the logs hold).
    """

    def __init__(self, steps: int | None, seconds: float | None = None, *, desc: str = "training",
                 keys=("d_loss", "g_loss")):
        super().__init__()
        if steps is None and seconds is None:
            raise ValueError("ProgressBar: give steps, seconds, or both")
        self.steps, self.seconds, self.desc, self.keys = steps, seconds, desc, tuple(keys)

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        total = self.steps if self.steps is not None else round(self.seconds)
        unit = "step" if self.steps is not None else "s"
        # In a log file (CI, nohup) every refresh is a new line: refresh rarely there. Terminals
        # and notebooks (a widget bar) redraw in place.
        interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
        done = min(total, self.step) if self.steps is not None else 0  # a resumed run's steps
        self.bar = tqdm(total=total, unit=unit, desc=self.desc, initial=done,
                        mininterval=0.1 if interactive else 15.0)
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        # update() (not refresh()) so that tqdm's mininterval limits the redraws.
        done = self.step if self.steps is not None else int(time.perf_counter() - self.start)
        done = min(self.bar.total, done)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)
        if logs and batch % 10 == 0:
            shown = {k: f"{float(logs[k]):.3f}" for k in self.keys if k in logs}
            self.bar.set_postfix(shown, refresh=False)

    def on_train_end(self, logs=None):
        # A spent time budget is a finished run: fill the bar, or tqdm shows an unfinished (red)
        # bar at e.g. 4/5 s because the last redraw came before the last second ticked.
        if self.steps is None and round(time.perf_counter() - self.start) >= self.bar.total:
            self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()

