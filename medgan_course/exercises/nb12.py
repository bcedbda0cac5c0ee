"""Checks for the exercises of notebooks/12_scaling_up.ipynb.

Importing this module imports no TensorFlow; only `check_float32_logits` needs it (inside).
"""

from __future__ import annotations

import math

import numpy as np

from medgan_course.exercises.core import checker

_NONE_HINT = ("not attempted yet: your function returned None; write its body and `return` "
              "the answer.")


def _close(a, b, tol=1e-9):
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


# ---------------------------------------------------------------------------- 1. batch and LR


def reference_global_batch_and_lr(per_replica_batch, replicas, base_lr, base_batch, rule="linear"):
    """(global batch, learning rate) when `replicas` devices each take `per_replica_batch`.

    The learning rate `base_lr` was tuned for `base_batch`; "linear" scales it by
    global/base (Goyal et al. 2017, for SGD), "sqrt" by the square root of that ratio (the
    rule derived for Adam by Malladi et al. 2022).
    """
    global_batch = per_replica_batch * replicas
    ratio = global_batch / base_batch
    return global_batch, base_lr * (ratio if rule == "linear" else math.sqrt(ratio))


_BATCH_CASES = [(32, 2, 2e-4, 64, "linear"), (64, 8, 1e-4, 256, "linear"),
                (64, 4, 2e-4, 64, "sqrt"), (16, 8, 1e-3, 32, "sqrt"), (256, 1, 1e-4, 256, "linear")]


def _batch_hint(got_batch, got_lr, case):
    per_replica, replicas, base_lr, base_batch, rule = case
    if _close(got_batch, per_replica):
        return "the global batch is the per-replica batch TIMES the number of replicas"
    if _close(got_lr, base_lr) and per_replica * replicas != base_batch:
        return "the learning rate must change with the batch it was tuned for"
    other = "sqrt" if rule == "linear" else "linear"
    if _close(got_lr, reference_global_batch_and_lr(*case[:4], other)[1]):
        return f"that is the {other} rule; this case asks for rule={rule!r}"
    if _close(got_lr, base_lr * replicas):
        return ("you scaled by the number of replicas; scale by global batch / the batch the "
                "learning rate was tuned for (base_batch)")
    return "check the ratio global_batch / base_batch"


@checker("Global batch and learning-rate scaling")
def check_global_batch_and_lr(global_batch_and_lr):
    """Checks `global_batch_and_lr(per_replica_batch, replicas, base_lr, base_batch, rule)`."""
    for case in _BATCH_CASES:
        got = global_batch_and_lr(*case)
        if got is None:
            return False, _NONE_HINT
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return False, "return a pair: (global_batch, learning_rate)."
        want = reference_global_batch_and_lr(*case)
        if not (_close(got[0], want[0]) and _close(got[1], want[1])):
            return False, (f"for {case} you returned ({got[0]}, {float(got[1]):.3g}), expected "
                           f"({want[0]}, {want[1]:.3g}): {_batch_hint(got[0], got[1], case)}.")
    return True, ("right. Both rules are starting points to re-tune from, not laws: GANs are "
                  "sensitive to the learning rate and the D/G balance, so measure sample quality "
                  "after changing the batch.")


# ---------------------------------------------------------------------------- 2. replica loss


def reference_replica_loss(per_example_losses, global_batch_size):
    """One replica's share of the loss: sum of its per-example losses / GLOBAL batch size."""
    return float(np.sum(per_example_losses)) / global_batch_size


@checker("Per-replica loss scaling")
def check_replica_loss(replica_loss):
    """Checks that the replicas' losses add up to the mean over the global batch."""
    rng = np.random.default_rng(12)
    for replicas, per_replica in ((2, 4), (4, 8), (8, 2)):
        losses = rng.gamma(2.0, 0.7, replicas * per_replica)
        global_batch = losses.size
        shares = [replica_loss(part.copy(), global_batch) for part in np.split(losses, replicas)]
        if any(share is None for share in shares):
            return False, _NONE_HINT
        total = sum(float(share) for share in shares)
        if _close(total, losses.mean(), 1e-6):
            continue
        if _close(total, replicas * losses.mean(), 1e-6):
            return False, (f"with {replicas} replicas your losses add up to {replicas}x the mean: "
                           "each replica averaged over its OWN batch, but the gradients of all "
                           "replicas are summed. Divide the sum by the global batch size.")
        return False, (f"with {replicas} replicas of {per_replica} examples the replica losses add "
                       f"up to {total:.4f}, but the mean over the global batch is "
                       f"{losses.mean():.4f}.")
    return True, ("right: this is what tf.nn.compute_average_loss does, and why the course's GAN "
                  "divides each replica's mean loss by the number of replicas.")


# ---------------------------------------------------------------------------- 3. float32 logits


def _compute_dtypes(model):
    return {layer.dtype_policy.compute_dtype for layer in model.layers if layer.weights}


@checker("Float32 logits under mixed precision")
def check_float32_logits(build_discriminator):
    """Calls `build_discriminator()` under "mixed_float16"; the logits must be float32."""
    import keras

    from medgan_course.training.distribute import precision

    with precision("mixed_float16"):
        model = build_discriminator()
    if model is None:
        return False, _NONE_HINT
    if not isinstance(model, keras.Model):
        return False, f"return a keras.Model, not {type(model).__name__}."
    logits = model(np.zeros((2, 28, 28, 1), np.float32))
    dtype = keras.backend.standardize_dtype(logits.dtype)
    if tuple(logits.shape) != (2, 1):
        return False, ("the discriminator must give one logit per image, shape (2, 1); "
                       f"got {tuple(logits.shape)}.")
    if dtype != "float32":
        return False, (f"the logits come out as {dtype}: build the LAST layer with "
                       "dtype='float32' so the loss (and its small differences) is computed in "
                       "float32.")
    if "float16" not in _compute_dtypes(model):
        return False, ("every layer computes in float32, so nothing is gained: let the hidden "
                       "layers follow the global mixed_float16 policy; only the last one needs "
                       "dtype='float32'.")
    return True, ("right: the convolutions run in float16 (fast on GPUs with tensor cores), the "
                  "logits in float32, and the weights are float32 in both.")


__all__ = ["check_global_batch_and_lr", "check_replica_loss", "check_float32_logits"]
