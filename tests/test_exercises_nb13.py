"""Notebook 13's exercise checks accept the reference solutions and reject typical mistakes."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from medgan_course.exercises import nb13  # noqa: E402
from medgan_course.exercises.solutions import nb13 as solutions  # noqa: E402


def test_add_noise_accepts_the_solution_and_rejects_mistakes():
    assert nb13.check_add_noise(solutions.add_noise).passed
    # Variances where standard deviations belong: a common slip.
    def variances(x, e, a):
        return a.reshape(-1, 1, 1, 1) * x + (1 - a.reshape(-1, 1, 1, 1)) * e

    wrong = nb13.check_add_noise(variances)
    assert not wrong.passed and "differs" in wrong.message
    # A scalar abar broadcast along the wrong axis.
    assert not nb13.check_add_noise(lambda x, e, a: np.sqrt(a) * x + np.sqrt(1 - a) * e).passed
    assert not nb13.check_add_noise(lambda x, e, a: None).passed


def test_ddim_step_rejects_a_step_without_clipping_or_the_clean_case():
    assert nb13.check_ddim_step(solutions.ddim_step).passed

    def no_clip(x, noise, alpha_bar, t, t_prev):
        real = (x - np.sqrt(1 - alpha_bar[t]) * noise) / np.sqrt(alpha_bar[t])
        if t_prev < 0:
            return real
        return np.sqrt(alpha_bar[t_prev]) * real + np.sqrt(1 - alpha_bar[t_prev]) * noise

    feedback = nb13.check_ddim_step(no_clip)
    assert not feedback.passed and "clip" in feedback.message

    def forgets_the_end(x, noise, alpha_bar, t, t_prev):
        return solutions.ddim_step(x, noise, alpha_bar, t, max(t_prev, 0))

    assert not nb13.check_ddim_step(forgets_the_end).passed


def test_guided_noise_rejects_the_sign_error_and_a_missing_one():
    assert nb13.check_guided_noise(solutions.guided_noise).passed
    assert not nb13.check_guided_noise(lambda c, u, w: (1 + w) * u - w * c).passed
    assert not nb13.check_guided_noise(lambda c, u, w: w * c - w * u).passed
    assert nb13.check_guided_noise(...).message  # an untouched stub is "not attempted"
