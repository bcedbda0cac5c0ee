"""Checkpointed, resumable training: `runner.train(checkpoint=...)` and `medgan-course train`.

A resumed run must end exactly where an uninterrupted one does (same batches, latent vectors,
optimizer state, losses and sample grids), repeat at most one checkpoint interval, refuse other
arguments, and never leave a half-written run folder. The CLI test kills a real process with
SIGKILL.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from medgan_course.data.phantoms import make_phantoms
from medgan_course.errors import UserError
from medgan_course.training import checkpoint as ckpt
from medgan_course.training import runner
from medgan_course.training.data_order import batch_indices, step_batches
from medgan_course.training.recipes import get_recipe

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def phantoms():
    return make_phantoms(n_train=48, n_val=8, n_test=8, seed=0)


# ------------------------------------------------------------------------------ data order
def test_batches_are_a_function_of_seed_and_step():
    n, size = 10, 4
    stream = np.concatenate([batch_indices(3, s, size, n).numpy() for s in range(5)])
    for start in range(0, 20, n):  # every pass over the data is a permutation
        assert sorted(stream[start:start + n]) == list(range(n))
    assert not np.array_equal(stream[:n], stream[n:2 * n])  # passes are shuffled differently
    images = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1)
    resumed = next(iter(step_batches(images, batch_size=size, seed=3, start_step=3)))
    np.testing.assert_array_equal(resumed.numpy().ravel(), stream[12:16])
    with pytest.raises(ValueError, match="batch_size"):
        step_batches(images, batch_size=n + 1, seed=0)


# ------------------------------------------------------------------------------ the request
def test_other_arguments_are_refused_and_nothing_changes(tmp_path):
    folder = tmp_path / ".run.partial"
    assert not ckpt.check_request(folder, {"steps": 40, "recipe": {"lr": 1}}, write=True)
    before = (folder / ckpt.REQUEST_FILE).read_bytes()
    with pytest.raises(UserError, match=r"recipe.lr 1 -> 2; steps 40 -> 50") as err:
        ckpt.check_request(folder, {"steps": 50, "recipe": {"lr": 2}}, write=True)
    assert "\n" not in str(err.value) and str(folder) in str(err.value)
    assert (folder / ckpt.REQUEST_FILE).read_bytes() == before
    # The same request without a checkpoint yet: nothing to resume.
    assert not ckpt.check_request(folder, {"steps": 40, "recipe": {"lr": 1}}, write=True)


def test_settings_need_an_interval(tmp_path):
    with pytest.raises(ValueError, match="every_steps"):
        ckpt.CheckpointSettings(tmp_path, every_steps=None, every_seconds=None)
    assert ckpt.CheckpointSettings(tmp_path).every_seconds == ckpt.DEFAULT_EVERY_SECONDS == 30.0


# -------------------------------------------------------------------- in-process interrupt
class _Interrupted(Exception):
    pass


def _interrupt_after(k):
    import keras

    class Interrupt(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = 0

        def on_train_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == k:
                raise _Interrupted(f"after {k} steps")

    return Interrupt()


@pytest.mark.parametrize("name", ["dcgan", "dcgan-diffaug"])
def test_an_interrupted_train_resumes_exactly(phantoms, tmp_path, name):
    """Interrupted after 7 steps with a checkpoint every 3: resumes at 6, repeats 1 step, and
    ends with the weights, losses and sample grids of the uninterrupted run (DiffAugment's
    draws included: they come from the saved latent-stream counter)."""
    recipe = get_recipe(name).replace(batch_size=16)
    args = dict(steps=12, seed=3, precision="float32", sample_every=4, progress=False)
    straight = runner.train(recipe, phantoms, **args)
    settings = ckpt.CheckpointSettings(tmp_path / ".run.partial", every_steps=3, every_seconds=None)
    with pytest.raises(_Interrupted):
        runner.train(recipe, phantoms, checkpoint=settings, extra_callbacks=[_interrupt_after(7)],
                     **args)
    resumed = runner.train(recipe, phantoms, checkpoint=settings, **args)
    assert resumed.resumed_from == (6,) and resumed.steps == 12
    for key in ("d_loss", "g_loss"):
        np.testing.assert_array_equal(resumed.history[key], straight.history[key])
    assert [s for s, _ in resumed.samples_over_time] == [0, 4, 8, 12]
    for (_, a), (_, b) in zip(resumed.samples_over_time, straight.samples_over_time):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(resumed.gan.generate(8, seed=0), straight.gan.generate(8, seed=0))
    assert int(resumed.gan.g_optimizer.iterations) == 12
    # save_run writes the run from the staging folder and removes it.
    runner.save_run(resumed, tmp_path / "run", data=runner.DataArgs("phantoms"), n_samples=8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["resumed_from_steps"] == [6]


def test_a_spent_time_budget_counts_after_resuming(phantoms, tmp_path):
    """A checkpoint holding 1000 s of a 100 s budget: nothing more is trained."""
    recipe = get_recipe("dcgan").replace(batch_size=16)
    settings = ckpt.CheckpointSettings(tmp_path / "ck", every_steps=1, every_seconds=None)
    args = dict(seconds=100.0, seed=0, precision="float32", progress=False, checkpoint=settings)
    with pytest.raises(_Interrupted):
        runner.train(recipe, phantoms, extra_callbacks=[_interrupt_after(2)], **args)
    import keras

    keras.utils.set_random_seed(0)
    gan = runner.build_gan(recipe, image_size=28, channels=1, seed=0)
    state = ckpt.load_checkpoint(settings.folder, gan)
    state.seconds = 1000.0
    ckpt.save_checkpoint(settings.folder, gan, state)
    result = runner.train(recipe, phantoms, **args)
    assert result.stopped == "seconds" and result.steps == state.step == 2


# ------------------------------------------------------------------------ SIGKILL, the CLI
def _command(out, steps=40):
    return [sys.executable, "-m", "medgan_course.cli", "train", "--dataset", "phantoms",
            "--max-train", "64", "--batch-size", "16", "--steps", str(steps), "--seed", "2",
            "--precision", "float32", "--checkpoint-steps", "10", "--checkpoint-seconds",
            "100000", "--n-samples", "32", "--quiet", "--out", str(out)]


def _env():
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))


def _checkpoint_step(folder):
    with np.load(folder / ckpt.CHECKPOINT_FILE, allow_pickle=False) as stored:
        return json.loads(str(stored["meta"]))["step"]


@pytest.mark.slow
def test_a_killed_cli_run_resumes_to_the_same_samples(tmp_path, capsys):
    """SIGKILL after the first checkpoint; rerunning the command resumes from it and ends with
    the uninterrupted run's samples.npz, bit for bit. No run folder exists before the end."""
    straight_out, out = tmp_path / "straight" / "run", tmp_path / "killed" / "run"
    staging = ckpt.staging_dir(out)
    # The uninterrupted twin runs alongside the one that gets killed (the test's wall time).
    straight = subprocess.Popen(_command(straight_out), env=_env(), cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = subprocess.Popen(_command(out), env=_env(), cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not (staging / ckpt.CHECKPOINT_FILE).is_file():
            assert victim.poll() is None, victim.stderr.read()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            assert not out.exists()  # never a half-written run folder
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
        stdout, stderr = straight.communicate(timeout=240)
        assert straight.returncode == 0, stderr[-2000:]
    finally:
        for process in (straight, victim):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    assert not out.exists() and staging.is_dir()
    killed_at = _checkpoint_step(staging)
    assert 10 <= killed_at < 40 and killed_at % 10 == 0
    print(f"killed after the checkpoint at step {killed_at}")

    # Other arguments: refused in one line, exit 2, the staging folder untouched.
    before = {p.name: p.stat().st_mtime_ns for p in staging.iterdir()}
    from medgan_course.cli import main

    assert main(_command(out, steps=50)[3:]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "steps 40 -> 50" in err[0] and "Traceback" not in err[0]
    assert {p.name: p.stat().st_mtime_ns for p in staging.iterdir()} == before and not out.exists()

    resumed = subprocess.run(_command(out), env=_env(), cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"at step {killed_at}" in resumed.stderr
    report = json.loads(resumed.stdout)
    # Repeated steps: those done after the checkpoint at `killed_at`, fewer than one interval.
    assert report["resumed_from_steps"] == [killed_at] and report["steps"] == 40
    assert not staging.exists()
    with np.load(out / "samples.npz") as a, np.load(straight_out / "samples.npz") as b:
        np.testing.assert_array_equal(a["images"], b["images"])
    metrics, twin = (json.loads((p / "metrics.json").read_text()) for p in (out, straight_out))
    assert metrics["final_losses_mean_last_10pct"] == twin["final_losses_mean_last_10pct"]
    assert metrics["generator_sha256"] == twin["generator_sha256"] == json.loads(stdout)[
        "generator_sha256"]
    for figure in ("losses.png", "progress.png"):  # the history before the kill is in them
        assert (out / figure).read_bytes() == (straight_out / figure).read_bytes()
