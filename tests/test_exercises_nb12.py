"""The checks of notebook 12's exercises accept the reference solutions
(`exercises.solutions.nb12`, which the notebook shows) and reject stubs and typical mistakes."""


import numpy as np
import pytest

from medgan_course.exercises import nb12
from medgan_course.exercises.solutions.nb12 import build_discriminator, global_batch_and_lr, replica_loss


def stub_none(*args):
    ...  # your code here


def stub_raises(*args):
    raise NotImplementedError


CHECKS = [(nb12.check_global_batch_and_lr, global_batch_and_lr),
          (nb12.check_replica_loss, replica_loss),
          (nb12.check_float32_logits, build_discriminator)]


@pytest.mark.parametrize("check, solution", CHECKS)
def test_each_check_accepts_the_solution(check, solution):
    feedback = check(solution)
    assert feedback.passed, feedback.message


@pytest.mark.parametrize("check", [c for c, _ in CHECKS])
def test_each_check_rejects_unsolved_stubs(check):
    assert "not attempted" in check(...).message
    assert "not attempted" in check(stub_raises).message
    none = check(stub_none)
    assert not none.passed and "returned None" in none.message


@pytest.mark.parametrize("wrong, hint", [
    (lambda b, r, lr, base, rule="linear": (b, lr * r), "TIMES the number of replicas"),
    (lambda b, r, lr, base, rule="linear": (b * r, lr), "must change with the batch"),
    (lambda b, r, lr, base, rule="linear": (b * r, lr * r), "scaled by the number of replicas"),
    (lambda b, r, lr, base, rule="linear": (b * r, lr * b * r / base), "that is the linear rule"),
    (lambda b, r, lr, base, rule="linear": b * r, "return a pair"),
])
def test_batch_check_names_typical_mistakes(wrong, hint):
    feedback = nb12.check_global_batch_and_lr(wrong)
    assert not feedback.passed and hint in feedback.message, feedback.message


def test_replica_loss_check_names_the_local_mean():
    feedback = nb12.check_replica_loss(lambda losses, global_batch: np.mean(losses))
    assert not feedback.passed and "OWN batch" in feedback.message
    other = nb12.check_replica_loss(lambda losses, global_batch: np.sum(losses))
    assert not other.passed and "mean over the global batch" in other.message


def test_replica_loss_check_accepts_tensorflow_code():
    tf = pytest.importorskip("tensorflow")
    feedback = nb12.check_replica_loss(
        lambda losses, global_batch: tf.nn.compute_average_loss(losses, global_batch_size=global_batch))
    assert feedback.passed, feedback.message


def test_float32_check_rejects_float16_logits_and_all_float32_models():
    keras = pytest.importorskip("keras")

    def float16_logits():
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(8), keras.layers.Dense(1)])

    def all_float32():
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(8, dtype="float32"),
                                 keras.layers.Dense(1, dtype="float32")])

    def two_logits():
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(2, dtype="float32")])

    assert "dtype='float32'" in nb12.check_float32_logits(float16_logits).message
    assert "nothing is gained" in nb12.check_float32_logits(all_float32).message
    assert "one logit per image" in nb12.check_float32_logits(two_logits).message
    assert "keras.Model" in nb12.check_float32_logits(lambda: "model").message
    # The check restores the global policy it set.
    assert keras.mixed_precision.global_policy().name == "float32"


def test_importing_the_checks_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, medgan_course.exercises.nb12; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
