"""Checks for the exercises of notebooks/04_training_loop.ipynb.

1. `check_ema_update`: one step of the exponential moving average of a generator's weights.
2. `check_every_n_callback`: a Keras callback that records g_loss every n steps (how the live
   monitor decides when to redraw).
3. `check_article_train`: the article's training function, debugged (see `article_debug`).

Importing this module imports no TensorFlow; checks 2 and 3 import Keras when they run.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises import article_debug
from medgan_course.exercises.core import checker

# ------------------------------------------------------------------ 1. EMA update


def _ema_cases():
    """(ema_weights, weights, decay) cases: a kernel and a bias, three decays."""
    rng = np.random.default_rng(4)
    ema = [rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=2).astype(np.float32)]
    weights = [rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=2).astype(np.float32)]
    return [(ema, weights, decay) for decay in (0.9, 0.999, 0.0)]


def _ema_hint(got, ema, weights, decay):
    swapped = [decay * w + (1 - decay) * e for e, w in zip(ema, weights)]
    if all(np.allclose(g, s, atol=1e-6) for g, s in zip(got, swapped)):
        return ("the decay multiplies the *average* (it forgets slowly), and 1 - decay the new "
                "weights: you swapped them.")
    return "check ema <- decay * ema + (1 - decay) * weights, for each array."


@checker("EMA of the generator's weights")
def check_ema_update(ema_update):
    """`ema_update(ema_weights, weights, decay) -> list of arrays`, compared on three decays."""
    for ema, weights, decay in _ema_cases():
        got = ema_update([e.copy() for e in ema], [w.copy() for w in weights], decay)
        if got is None:
            return False, "your function returns None: return the list of new averages."
        got = [np.asarray(g, np.float64) for g in got]
        if len(got) != len(ema) or any(g.shape != e.shape for g, e in zip(got, ema)):
            return False, "return one array per weight, each with the shape of that weight."
        expected = [decay * e + (1 - decay) * w for e, w in zip(ema, weights)]
        if not all(np.allclose(g, x, atol=1e-6) for g, x in zip(got, expected)):
            return False, f"with decay={decay}: " + _ema_hint(got, ema, weights, decay)
    return True, ("right: with decay 0.999 each update moves the average 0.1% of the way to the "
                  "current weights, so it averages roughly the last 1/(1-0.999) = 1,000 steps.")


# ------------------------------------------------------------------ 2. A callback every n steps


def _drive(callback, epochs):
    """Plays a Keras fit to `callback`: `epochs` is a list of batch counts; returns all g_loss."""
    g_losses, step = {}, 0
    callback.on_train_begin({})
    for epoch, batches in enumerate(epochs):
        callback.on_epoch_begin(epoch, {})
        for batch in range(batches):
            step += 1
            g_losses[step] = 0.5 + 0.01 * step
            callback.on_train_batch_end(batch, {"d_loss": 1.0, "g_loss": g_losses[step]})
        callback.on_epoch_end(epoch, {})
    callback.on_train_end({})
    return g_losses


@checker("a callback every n steps")
def check_every_n_callback(callback_class):
    """`callback_class(every_n_steps)`: after a fit of 7 + 5 steps with n = 3, `records` must be
    [(3, g_loss at 3), (6, ...), (9, ...), (12, ...)]."""
    import keras

    callback = callback_class(3)
    if not isinstance(callback, keras.callbacks.Callback):
        return False, "subclass keras.callbacks.Callback, so that fit can call your hooks."
    g_losses = _drive(callback, [7, 5])
    records = getattr(callback, "records", None)
    if records is None:
        return False, "keep what you record in a list attribute named `records`."
    steps = [int(step) for step, _ in records]
    if steps != [3, 6, 9, 12]:
        hint = ("Keras's `batch` restarts at 0 every epoch: count the steps yourself."
                if steps == [3, 6, 3] or steps == [2, 5, 2] else
                "count steps from 1 (the first step is step 1), and record when step % n == 0.")
        return False, f"over 2 epochs of 7 and 5 steps with n=3 you recorded steps {steps}, " \
                      f"expected [3, 6, 9, 12]: {hint}"
    if not all(np.isclose(float(value), g_losses[step]) for step, value in records):
        return False, "the steps are right, but record logs['g_loss'] of that step."
    return True, ("right: the live monitor works the same way, counting steps across epochs and "
                  "redrawing only every n steps, because drawing costs more than a step.")


# ------------------------------------------------------------------ 3. Debug the article's code


@checker("debug the article's training code")
def check_article_train(train):
    """Runs `train` on tiny models and reports each of the article's five bugs (see
    `article_debug`): passes when all five are fixed."""
    return article_debug.report(article_debug.diagnose(train))
