"""The checks of notebook 10 accept the reference solutions and reject stubs and typical mistakes.

The reference solutions are imported from `medgan_course.exercises.solutions`, which the
notebook's *Solution* cells show: they exist once.
"""

import numpy as np
from exercise_stubs import rejects_stubs

from medgan_course.exercises import nb10
from medgan_course.exercises.solutions.nb10 import direction, grad_cam_map, memorization_flags


def test_direction_check():
    assert nb10.check_direction(direction).passed
    rejects_stubs(nb10.check_direction)

    def reversed_direction(z, scores):
        return -direction(z, scores)

    def unnormalised(z, scores):
        low, high = np.quantile(scores, [0.25, 0.75])
        return z[scores >= high].mean(axis=0) - z[scores <= low].mean(axis=0)

    def overall_mean(z, scores):  # no grouping: points nowhere in particular
        m = z.mean(axis=0)
        return m / np.linalg.norm(m)

    feedback = nb10.check_direction(reversed_direction)
    assert not feedback.passed and "wrong way" in feedback.message
    feedback = nb10.check_direction(unnormalised)
    assert not feedback.passed and "norm" in feedback.message
    feedback = nb10.check_direction(overall_mean)
    assert not feedback.passed and "cosine" in feedback.message


def test_grad_cam_check():
    assert nb10.check_grad_cam(grad_cam_map).passed
    rejects_stubs(nb10.check_grad_cam)

    def pixelwise(features, grads):  # HiResCAM-like: no pooling of the gradients
        cam = np.maximum((features * grads).sum(axis=-1), 0.0)
        return cam / cam.max()

    def no_relu(features, grads):
        cam = (features * grads.mean(axis=(0, 1))).sum(axis=-1)
        return cam / np.abs(cam).max()

    def no_normalisation(features, grads):
        return np.maximum((features * grads.mean(axis=(0, 1))).sum(axis=-1), 0.0)

    feedback = nb10.check_grad_cam(pixelwise)
    assert not feedback.passed and "pixel by pixel" in feedback.message
    feedback = nb10.check_grad_cam(no_relu)
    assert not feedback.passed and "ReLU" in feedback.message
    feedback = nb10.check_grad_cam(no_normalisation)
    assert not feedback.passed and "maximum" in feedback.message


def test_memorization_check():
    assert nb10.check_memorization(memorization_flags).passed
    rejects_stubs(nb10.check_memorization)

    def self_included(fakes, train):  # the training image's distance to itself is 0
        d_fake = np.linalg.norm(fakes[:, None] - train[None], axis=2).min(axis=1)
        d_train = np.linalg.norm(train[:, None] - train[None], axis=2).min(axis=1)
        with np.errstate(divide="ignore"):
            return d_fake / np.median(d_train) < 0.5

    def absolute_threshold(fakes, train):  # a fixed distance says nothing about this data's scale
        return np.linalg.norm(fakes[:, None] - train[None], axis=2).min(axis=1) < 0.001

    feedback = nb10.check_memorization(self_included)
    assert not feedback.passed and "left out" in feedback.message
    feedback = nb10.check_memorization(absolute_threshold)
    assert not feedback.passed and "MEDIAN" in feedback.message
    feedback = nb10.check_memorization(lambda f, t: np.zeros(3, bool))
    assert not feedback.passed and "one flag per" in feedback.message
