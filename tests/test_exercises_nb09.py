"""The checks of notebooks/09_image_enhancement.ipynb accept the reference solutions
(`exercises.solutions.nb09`, which the notebook shows), reject the
unsolved stubs and typical wrong answers with a message that helps."""

import sys

import numpy as np

from medgan_course.exercises import nb09
from medgan_course.exercises.solutions.nb09 import my_psnr, my_speckle, noise_models

ANSWER = noise_models()


def _stub(*args):
    ...  # your code here


def _raises(*args):
    raise NotImplementedError


# ---------------------------------------------------------------------------------- 1. PSNR
def test_psnr_accepts_the_solution():
    feedback = nb09.check_psnr(my_psnr)
    assert feedback.passed, feedback.message
    assert "dB" in feedback.message


def test_psnr_rejects_stubs():
    assert "returns None" in nb09.check_psnr(_stub).message
    assert "not attempted" in nb09.check_psnr(_raises).message
    assert not nb09.check_psnr(Ellipsis).passed


def test_psnr_names_the_usual_mistakes():
    def wrong_range(c, r, data_range=2.0):
        return my_psnr(c, r, 1.0)

    assert "6.02 dB" in nb09.check_psnr(wrong_range).message

    def batch_psnr(clean, restored, data_range=2.0):
        return 10 * np.log10(data_range ** 2 / np.mean((clean - restored) ** 2))

    assert "one PSNR per image" in nb09.check_psnr(batch_psnr).message

    def twenty(clean, restored, data_range=2.0):
        return 20 * np.log10(data_range / np.mean((clean - restored) ** 2, axis=(1, 2, 3)))

    assert "RMSE" in nb09.check_psnr(twenty).message
    assert not nb09.check_psnr(lambda c, r, data_range=2.0: my_psnr(c, r) + 1).passed


# ------------------------------------------------------------------------------- 2. Speckle
def test_speckle_accepts_the_solution():
    feedback = nb09.check_speckle(my_speckle)
    assert feedback.passed, feedback.message


def test_speckle_rejects_stubs():
    assert "returns None" in nb09.check_speckle(_stub).message
    assert "not attempted" in nb09.check_speckle(_raises).message


def test_speckle_names_the_usual_mistakes():
    def additive(images, looks, rng):
        intensity = (images + 1) / 2 + rng.normal(0, 0.05, images.shape)
        return np.clip(intensity, 0, 1) * 2 - 1

    assert "multiplies" in nb09.check_speckle(additive).message

    def on_model_range(images, looks, rng):  # multiplies [-1, 1] values: black is -1, not 0
        return np.clip(images * rng.gamma(looks, 1 / looks, images.shape), -1, 1)

    assert not nb09.check_speckle(on_model_range).passed

    def wrong_variance(images, looks, rng):
        intensity = (images + 1) / 2
        return np.clip(intensity * rng.gamma(looks ** 2, 1 / looks ** 2, images.shape), 0, 1) * 2 - 1

    assert "1 / looks" in nb09.check_speckle(wrong_variance).message

    def unclipped(images, looks, rng):
        return my_speckle(images, looks, rng) * 3

    assert "[-1, 1]" in nb09.check_speckle(unclipped).message


# -------------------------------------------------------------------------- 3. Noise models
def test_noise_models_accept_the_answer():
    feedback = nb09.check_noise_models(ANSWER)
    assert feedback.passed, feedback.message
    assert "speckle" in feedback.message


def test_noise_models_reject_stub_and_wrong_answers():
    assert "not attempted" in nb09.check_noise_models(Ellipsis).message
    all_gaussian = {flag: "gaussian" for flag in ANSWER}
    feedback = nb09.check_noise_models(all_gaussian)
    assert not feedback.passed and "4 wrong" in feedback.message
    swapped = {**ANSWER, "breastmnist": "poisson_gaussian"}
    feedback = nb09.check_noise_models(swapped)
    assert not feedback.passed and "ultrasound" in feedback.message
    assert "keys" in nb09.check_noise_models({"breastmnist": "speckle"}).message
    assert "choose one of" in nb09.check_noise_models({**ANSWER, "octmnist": "salt"}).message


def test_importing_the_checks_does_not_import_tensorflow():
    import subprocess

    code = "import sys, medgan_course.exercises.nb09; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
