"""Checkpoints that let `runner.train` (and `medgan-course train`) resume a killed run exactly.

A run that writes to `--out DIR` keeps its state in a staging folder beside it,
`staging_dir(DIR)` = `.DIR.partial/`, until it is complete; `runner.save_run` then writes the
run files there and renames them into place, and removes the staging folder. The staging
folder holds:

* `request.json`: what the run was asked for (recipe, data, seed, precision, strategy,
  budgets, ...). A run started with other arguments is refused (`check_request`): resuming
  someone else's run would silently mix two experiments.
* `checkpoint.npz`: one file, written to a temporary name and renamed (a kill leaves the
  previous checkpoint or the new one, never half of one). It holds every variable of the GAN
  (both networks, the EMA generator, the latent stream's counter) and of both optimizers,
  in `gan.variables` order with their paths and shapes for checking; the step; the training
  seconds spent; the per-step losses, the sample grids and the steps resumed from. The data
  position is the step itself: batches are a function of (seed, step) (`data_order`).

Why not Keras's `BackupAndRestore`: it resumes at an epoch boundary and keeps no callback
state (losses, sample grids, the time spent). A checkpoint here is taken every
`every_steps` steps or `every_seconds` seconds, whichever comes first (`Checkpointer`).
Default: every `DEFAULT_EVERY_SECONDS` = 30 s, so a 5-minute run loses at most about 30 s
(a tenth) of training when it is killed; a checkpoint of the course's 28 px GAN takes well
under a second (about 7 MB), so saving costs under 1% of the run.

Multi-worker training follows TensorFlow's documented pattern (`training.multiworker`): only
the chief writes (the checkpoint, the request and the run folder); every worker reads the
chief's checkpoint when the job is restarted (the staging folder must be on storage that all
workers see). BatchNormalization's moving statistics are each worker's own (Keras computes
them from the worker's share of the batch), so the chief's are the ones saved.

Taught in notebooks/04_training_loop.ipynb (section 7).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import time
from dataclasses import dataclass, field

import numpy as np

from medgan_course.errors import UserError
from medgan_course.training import callbacks as callbacks_module
from medgan_course.training.callbacks import _StepCounter

#: Default seconds between two checkpoints (see the module docstring).
DEFAULT_EVERY_SECONDS = 30.0
REQUEST_FILE, CHECKPOINT_FILE = "request.json", "checkpoint.npz"
#: Version of checkpoint.npz's layout; another version is refused (start the run again).
CHECKPOINT_FORMAT = 1


@dataclass(frozen=True)
class CheckpointSettings:
    """Where and how often `runner.train` checkpoints.

    Attributes:
        folder: the staging folder (`staging_dir(out)` for a run folder `out`).
        every_steps: checkpoint every this many steps (None: only the clock counts).
        every_seconds: checkpoint after this many seconds since the last one (None: only
            steps count).
        request: more of what a resumed run must share with the interrupted one, beyond what
            `runner.train` sees itself (e.g. the data loader's arguments, the sample count).
    """

    folder: pathlib.Path
    every_steps: int | None = None
    every_seconds: float | None = DEFAULT_EVERY_SECONDS
    request: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "folder", pathlib.Path(self.folder))
        if self.every_steps is None and self.every_seconds is None:
            raise ValueError("CheckpointSettings: give every_steps, every_seconds, or both")


def staging_dir(out) -> pathlib.Path:
    """The staging folder of run folder `out`: `.NAME.partial` beside it."""
    out = pathlib.Path(out)
    return out.parent / f".{out.name}.partial"


def _differences(stored: dict, asked: dict, prefix="") -> list[str]:
    """The keys (dotted) whose values differ between two JSON-like dicts."""
    keys = sorted(set(stored) | set(asked))
    found = []
    for key in keys:
        a, b = stored.get(key), asked.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key} {a!r} -> {b!r}")
    return found


def check_request(folder: pathlib.Path, request: dict, *, write: bool) -> bool:
    """Compares `request` with the interrupted run's in `folder`; records it for a new run.

    Args:
        folder: the staging folder.
        request: JSON-ready dict of what this run is asked to do.
        write: record `request` when the folder holds none (the chief only).

    Returns:
        True when `folder` holds a checkpoint of this same request (the run resumes).

    Raises:
        UserError: the folder holds a run asked for with other arguments (one line naming
            them); nothing is changed.
    """
    request = json.loads(json.dumps(request))  # tuples -> lists, as the stored copy has them
    path = folder / REQUEST_FILE
    if path.is_file():
        stored = json.loads(path.read_text())
        changed = _differences(stored, request)
        if changed:
            raise UserError(f"{folder} holds an interrupted run started with other arguments "
                            f"({'; '.join(changed)}); rerun it with its own arguments to resume "
                            f"it, or delete {folder} to start again")
        return (folder / CHECKPOINT_FILE).is_file()
    if write:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(request, indent=2) + "\n"))
    return False


def _atomic_write(path: pathlib.Path, write) -> None:
    """Calls `write(tmp)` on a temporary path beside `path`, syncs it, renames it onto `path`."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def state_variables(gan) -> list:
    """Every variable a checkpoint holds: the GAN's, then each optimizer's (fixed order)."""
    optimizers = [getattr(gan, key, None) for key in ("d_optimizer", "g_optimizer")]
    return list(gan.variables) + [v for opt in optimizers if opt is not None for v in opt.variables]


@dataclass
class Progress:
    """What a checkpoint holds besides the variables.

    Attributes:
        step: training steps done.
        seconds: training seconds spent (across all resumed sessions).
        history_steps: `LossHistory.steps`; history: `LossHistory.history`.
        samples: `SampleGrid.samples`, list of (step, uint8 images).
        resumed_from: the steps at which earlier sessions resumed.
        finished: None, or why training stopped ("steps", "seconds", a NaN diagnosis).
    """

    step: int = 0
    seconds: float = 0.0
    history_steps: list = field(default_factory=list)
    history: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)
    resumed_from: list = field(default_factory=list)
    finished: str | None = None


def save_checkpoint(folder: pathlib.Path, gan, progress: Progress) -> pathlib.Path:
    """Writes `folder/checkpoint.npz` atomically (see the module docstring); returns its path."""
    variables = state_variables(gan)
    arrays = {f"var_{i:04d}": np.asarray(v) for i, v in enumerate(variables)}
    meta = {"format": CHECKPOINT_FORMAT, "step": progress.step, "seconds": progress.seconds,
            "history_steps": progress.history_steps, "history": progress.history,
            "resumed_from": progress.resumed_from, "finished": progress.finished,
            "variables": [[v.path, list(v.shape)] for v in variables],
            "sample_steps": [step for step, _ in progress.samples]}
    arrays["meta"] = np.array(json.dumps(meta))
    if progress.samples:
        arrays["samples"] = np.stack([images for _, images in progress.samples])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINT_FILE
    _atomic_write(path, lambda tmp: np.savez(tmp, **arrays))
    return path


def load_checkpoint(folder: pathlib.Path, gan) -> Progress:
    """Restores `gan` (weights, optimizers, latent stream) from `folder`; returns the progress.

    Raises:
        UserError: the checkpoint is of another format, or does not fit this GAN.
    """
    path = folder / CHECKPOINT_FILE
    with np.load(path, allow_pickle=False) as stored:
        meta = json.loads(str(stored["meta"]))
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise UserError(f"{path} is of another checkpoint format; delete {folder} to start "
                            "again")
        variables = state_variables(gan)
        # Shapes, not paths: Keras numbers layer names per process ("dense_3").
        shapes = [list(v.shape) for v in variables]
        if [shape for _, shape in meta["variables"]] != shapes:
            raise UserError(f"{path} does not fit this model (other variables); delete {folder} "
                            "to start again")
        for i, variable in enumerate(variables):
            variable.assign(stored[f"var_{i:04d}"])
        images = stored["samples"] if "samples" in stored else ()
        samples = [(int(step), images[i]) for i, step in enumerate(meta["sample_steps"])]
    return Progress(step=meta["step"], seconds=meta["seconds"],
                    history_steps=meta["history_steps"], history=meta["history"], samples=samples,
                    resumed_from=meta["resumed_from"], finished=meta["finished"])


def resume_callbacks(callbacks, state: Progress) -> None:
    """Sets every step-counting callback (and the records of the losses and grids) to `state`."""
    for callback in callbacks:
        if isinstance(callback, callbacks_module.LossHistory):
            callback.resume(state.step, state.history_steps, state.history)
        elif isinstance(callback, callbacks_module.SampleGrid):
            callback.resume(state.step, state.samples)
        elif isinstance(callback, _StepCounter):
            callback.resume(state.step)


class Checkpointer(_StepCounter):
    """Saves a checkpoint every `every_steps` steps or `every_seconds` seconds.

    Put it after the callbacks whose state it saves, so that a checkpoint at step s holds
    their records up to step s.

    Args:
        settings: a `CheckpointSettings`.
        progress: a function returning the current `Progress` (called at each save).
        write: False on non-chief workers: they count but write nothing.

    Attributes:
        saved_steps: the steps at which this callback wrote a checkpoint.
    """

    def __init__(self, settings: CheckpointSettings, progress, *, write: bool = True):
        super().__init__()
        self.settings, self.progress, self.write = settings, progress, write
        self.saved_steps = []
        self._last_step, self._last_time = 0, None

    def resume(self, step):
        """Continues from `step` (the next checkpoint is due one interval after it)."""
        super().resume(step)
        self._last_step = self.step

    def on_train_begin(self, logs=None):
        self._last_time = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self._last_time is None:  # the clock starts after the first step: a resumed run
            self._last_time = time.monotonic()  # repeats its tracing whatever we save
        every_steps, every_seconds = self.settings.every_steps, self.settings.every_seconds
        due = ((every_steps is not None and self.step - self._last_step >= every_steps)
               or (every_seconds is not None
                   and time.monotonic() - self._last_time >= every_seconds))
        if due:
            self.save()

    def save(self, finished: str | None = None) -> None:
        """Writes a checkpoint now (`finished`: why training stopped, for the last one)."""
        self._last_step, self._last_time = self.step, time.monotonic()
        if self.write:
            progress = self.progress()
            progress.finished = finished
            save_checkpoint(self.settings.folder, self.model, progress)
            self.saved_steps.append(progress.step)
