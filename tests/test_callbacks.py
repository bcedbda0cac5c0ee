"""Tests of medgan_course.training.callbacks (resuming a whole run: tests/test_checkpoint.py)."""

import math

import numpy as np
import pytest

pytest.importorskip("keras")
pytest.importorskip("tensorflow")

import keras

from medgan_course.training.callbacks import (
    LossHistory,
    NaNGuard,
    ProgressBar,
    SampleGrid,
    StopAtStep,
    TimeBudget,
    diagnose_nonfinite,
)
from medgan_course.training.gan import GAN

LATENT = 4


def tiny_gan(loss="non_saturating", lr=1e-3, **compile_kwargs):
    """A compiled GAN of two small Dense networks on 2x2x1 images."""
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Reshape((2, 2, 1))])
    discriminator = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                                      keras.layers.Dense(8), keras.layers.LeakyReLU(0.2),
                                      keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, LATENT)
    gan.compile(d_optimizer=keras.optimizers.Adam(lr), g_optimizer=keras.optimizers.Adam(lr),
                loss=loss, **compile_kwargs)
    return gan


def toy_images(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 2, 2, 1)).astype("float32")


# --------------------------------------------------------------------------------- NaNGuard
def test_diagnosis_puts_the_causes_the_context_makes_likely_first():
    text = diagnose_nonfinite("g_loss", float("nan"), 7, loss_name="wasserstein",
                              learning_rates=[1e-4], compute_dtype="float32")
    assert text.startswith("NaNGuard: g_loss became nan at step 7")
    causes = [line for line in text.splitlines() if line.startswith("  * ")]
    assert len(causes) == 3 and "gradient penalty" in causes[0]
    text = diagnose_nonfinite("d_loss", float("inf"), 2, loss_name="hinge",
                              learning_rates=[1e-4], compute_dtype="float16", loss_scaled=False)
    assert "float16 overflow" in text.splitlines()[2]
    text = diagnose_nonfinite("d_loss", float("inf"), 2, loss_name="wasserstein", gp_weight=10.0,
                              learning_rates=[0.05, 1e-4])
    assert "learning rate too high (largest here 0.05)" in text.splitlines()[2]


def test_nan_guard_stops_at_the_first_nan_with_a_diagnosis(tf_seed, capsys):
    gan = tiny_gan(run_eagerly=True)
    data = toy_images(40)
    data[16:24] = np.nan  # the third batch of 8 poisons the discriminator's loss
    guard = NaNGuard()
    gan.fit(data, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[guard])
    assert guard.stopped_step == 3 and int(gan.g_optimizer.iterations) == 3
    assert "d_loss became nan at step 3" in guard.diagnosis
    assert "learning rate too high" in guard.diagnosis
    assert guard.diagnosis in capsys.readouterr().out
    clean = NaNGuard(verbose=False)
    tiny_gan(run_eagerly=True).fit(toy_images(16), batch_size=8, verbose=0, callbacks=[clean])
    assert clean.diagnosis is None and clean.stopped_step is None


# ------------------------------------------------------------------------------- TimeBudget
def test_time_budget_stops_a_real_fit(tf_seed):
    gan = tiny_gan()
    gan.fit(toy_images(8), batch_size=8, verbose=0)  # traces the step: the budget is for steps
    budget = TimeBudget(0.5, batch_size=8)
    history = gan.fit(toy_images(8), batch_size=8, epochs=100_000, verbose=0, callbacks=[budget])
    assert budget.stopped and 0.5 <= budget.elapsed < 30.0
    assert 2 <= budget.steps < 100_000 and len(history.history["d_loss"]) == budget.steps
    assert budget.images_seen == 8 * budget.steps
    assert budget.images_per_second == pytest.approx(8 * budget.steps_per_second)


def test_time_budget_excludes_the_first_step_from_throughput(monkeypatch):
    clock = iter([0.0, 5.0, 6.0, 7.0])  # start; the first step (tracing) takes 5 s, then 1 s each
    monkeypatch.setattr("medgan_course.training.callbacks.time.perf_counter", lambda: next(clock))
    budget = TimeBudget(6.5, batch_size=8)
    budget.set_model(keras.Sequential())
    budget.on_train_begin()
    budget.on_epoch_begin(0)
    for batch in range(3):
        assert not budget.stopped
        budget.on_train_batch_end(batch)
    assert budget.stopped and budget.model.stop_training
    assert (budget.steps, budget.images_seen, budget.elapsed) == (3, 24, 7.0)
    assert budget.steps_per_second == pytest.approx(1.0)  # 2 steps in the last 2 s, not 3 in 7
    assert budget.images_per_second == pytest.approx(8.0)


def test_time_budget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="seconds"):
        TimeBudget(0)
    with pytest.raises(ValueError, match="batch_size"):
        TimeBudget(10, batch_size=0)


# ----------------------------------------------------------- SampleGrid and LossHistory
def test_sample_grid_records_fixed_latents_and_writes_pngs(tmp_path, tf_seed):
    gan = tiny_gan(steps_per_execution=2)
    grid = SampleGrid(6, every_n_steps=2, out_dir=tmp_path, seed=3)
    history = LossHistory()
    gan.fit(toy_images(48), batch_size=8, epochs=1, verbose=0, callbacks=[grid, history])
    assert [step for step, _ in grid.samples] == [0, 2, 4, 6]
    first, last = grid.samples[0][1], grid.samples[-1][1]
    assert first.shape == (6, 2, 2, 1) and first.dtype == np.uint8
    assert not np.array_equal(first, last)  # training changed the generator
    z = np.random.default_rng(3).standard_normal((6, LATENT), np.float32)  # the same fixed z
    expected = np.round((np.clip(gan.generate(z), -1, 1) + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(last, expected)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        f"step_{s:07d}.png" for s in (0, 2, 4, 6)]
    # steps_per_execution=2: one callback call, hence one history entry, per two steps.
    assert history.steps == [2, 4, 6] and history.d_loss.shape == (3,)


def test_loss_history_records_per_step_values_not_running_means(tf_seed):
    gan = tiny_gan()
    history = LossHistory()
    epochs = gan.fit(toy_images(64), batch_size=8, epochs=2, verbose=0, callbacks=[history])
    assert history.steps == list(range(1, 17))
    assert history.g_loss.shape == (16,) and set(history.history) == {
        "d_loss", "g_loss", "real_logit", "fake_logit"}
    # The epoch logs are the trackers' means, so they are the mean of the per-step values.
    assert epochs.history["d_loss"][1] == pytest.approx(history.d_loss[8:].mean(), rel=1e-5)
    assert epochs.history["g_loss"][0] == pytest.approx(history.g_loss[:8].mean(), rel=1e-5)
    assert np.std(history.d_loss[:8]) > 0


# ------------------------------------------------------------- resuming from a checkpoint
def test_callbacks_resume_their_counts_and_records():
    history = LossHistory(keys=("d_loss",))
    history.resume(2, steps=[1, 2], history={"d_loss": [0.5, 0.25]})
    history.on_epoch_begin(0)
    history.on_train_batch_end(0, {"d_loss": 0.125})
    assert history.steps == [1, 2, 3] and history.history == {"d_loss": [0.5, 0.25, 0.125]}
    grid = SampleGrid(2, every_n_steps=5)
    grid.resume(7, samples=[(0, "a"), (5, "b")])
    assert grid.step == 7 and grid._last_record == 5 and len(grid.samples) == 2
    stop = StopAtStep(10)
    stop.resume(9)
    stop.set_model(keras.Sequential())
    stop.model.stop_training = False
    stop.on_epoch_begin(0)
    stop.on_train_batch_end(0)
    assert stop.step == 10 and stop.model.stop_training


def test_time_budget_counts_the_seconds_spent_before():
    budget = TimeBudget(10.0, spent=9.5)
    budget.set_model(keras.Sequential())
    budget.model.stop_training = False
    budget.on_train_begin()
    budget._start -= 1.0  # as if a second had passed in this session
    budget.on_train_batch_end(0)
    assert budget.elapsed >= 10.5 and budget.stopped and budget.model.stop_training


# ------------------------------------------------------------------ StopAtStep, ProgressBar
def test_stop_at_step_counts_steps_across_epochs_and_executions():
    stop = StopAtStep(5)
    stop.set_model(keras.Sequential())
    stop.model.stop_training = False
    for epoch, batches in enumerate(([1, 3], [1])):  # steps_per_execution=2: indices 1, 3
        stop.on_epoch_begin(epoch)
        for batch in batches:
            assert not stop.model.stop_training
            stop.on_train_batch_end(batch)
    assert stop.step == 6 and stop.model.stop_training
    with pytest.raises(ValueError, match="max_steps must be a positive integer"):
        StopAtStep(0)


def test_stop_at_step_stops_a_real_fit_exactly(tf_seed):
    gan = tiny_gan()
    gan.fit(toy_images(8), batch_size=8, epochs=100, verbose=0, callbacks=[StopAtStep(7)])
    assert int(gan.g_optimizer.iterations) == 7


def test_progress_bar_counts_steps(capsys):
    bar = ProgressBar(steps=4, seconds=None)
    bar.on_train_begin()
    bar.on_epoch_begin(0)
    for batch in range(4):
        bar.on_train_batch_end(batch, {"d_loss": 1.0, "g_loss": 2.0})
    assert bar.bar.n == 4
    bar.on_train_end()
    with pytest.raises(ValueError, match="steps, seconds"):
        ProgressBar(None, None)


@pytest.mark.parametrize("make, message", [
    (lambda: SampleGrid(4, every_n_steps=0), "every_n_steps must be a positive integer"),
    (lambda: TimeBudget(math.nan), "seconds must be a positive number"),
    (lambda: TimeBudget(1, batch_size=2.5), "batch_size must be a positive integer"),
])
def test_callbacks_use_the_shared_checks(make, message):
    with pytest.raises(ValueError, match=message):
        make()
