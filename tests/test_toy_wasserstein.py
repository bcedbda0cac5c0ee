"""Tests of medgan_course.toy.wasserstein (notebooks/02_gan_theory.ipynb, section 9) and of the
gradient-penalty exercise check (exercises.nb02.check_gradient_penalty): the 1-D EMD against
SciPy, the JSD-versus-W1 curves at known points, the duality in 1-D, the three critics'
boundedness, and the check's feedback for the reference solution and each typical mistake."""

import math

import numpy as np
import pytest

from medgan_course.toy import expectation, gaussian_pdf, mixture_pdf
from medgan_course.toy.wasserstein import (
    cdf,
    emd_1d,
    emd_1d_cdf,
    jsd_w1_shift_curves,
    optimal_critic_1d,
    w1_from_densities,
)

GRID = np.linspace(-12, 12, 6001)


# ------------------------------------------------------------------------- the 1-D distance
def test_emd_1d_matches_scipy_and_the_cdf_formula():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.normal(0, 1, 300), rng.gamma(2.0, 1.5, 300)
        expected = stats.wasserstein_distance(a, b)
        assert math.isclose(emd_1d(a, b), expected, rel_tol=1e-9)
        assert math.isclose(emd_1d_cdf(a, b), expected, rel_tol=1e-9)
    a, b = rng.normal(0, 1, 123), rng.normal(2, 0.5, 457)  # unequal sizes: the CDF form only
    assert math.isclose(emd_1d_cdf(a, b), stats.wasserstein_distance(a, b), rel_tol=1e-9)
    with pytest.raises(ValueError, match="emd_1d_cdf"):
        emd_1d(a, b)


def test_emd_1d_by_hand():
    assert emd_1d([0, 1, 2], [5, 6, 7]) == pytest.approx(5.0)
    assert emd_1d([0, 0, 3], [1, 1, 1]) == pytest.approx(4 / 3)
    assert emd_1d_cdf([3, 0, 0], [1, 1, 1]) == pytest.approx(4 / 3)
    assert emd_1d([1.0, 2.0], [2.0, 1.0]) == 0.0


def test_w1_from_densities_of_a_shift_and_of_the_lesson_pair():
    p, q = gaussian_pdf(GRID, 0.0, 1.0), gaussian_pdf(GRID, 1.7, 1.0)
    assert w1_from_densities(p, q, GRID) == pytest.approx(1.7, abs=1e-6)
    assert cdf(p, GRID)[-1] == pytest.approx(1.0, abs=1e-9)
    p_data, p_fake = mixture_pdf(GRID, [-2, 2], 0.5), gaussian_pdf(GRID, -1.5, 1.0)
    assert w1_from_densities(p_data, p_fake, GRID) == pytest.approx(1.5, abs=1e-6)


# ------------------------------------------------------------------------- JSD against W1
def test_jsd_w1_shift_curves_at_known_points():
    curves = jsd_w1_shift_curves([0.0, 0.25, 0.5, 1.0, 2.0, -1.5, -3.0], width=1.0)
    log2 = math.log(2)
    np.testing.assert_allclose(curves["jsd"], [0, log2 / 4, log2 / 2, log2, log2, log2, log2], atol=1e-9)
    np.testing.assert_allclose(curves["w1"], [0, 0.25, 0.5, 1.0, 2.0, 1.5, 3.0], atol=1e-9)
    wide = jsd_w1_shift_curves([0.5], width=2.0)
    assert wide["jsd"][0] == pytest.approx(log2 / 4) and wide["w1"][0] == pytest.approx(0.5)


# ------------------------------------------------------------------------- the duality
@pytest.mark.parametrize("mean, std", [(-1.5, 1.0), (0.5, 1.5)])
def test_optimal_critic_is_1_lipschitz_and_attains_w1(mean, std):
    p, q = mixture_pdf(GRID, [-2, 2], 0.5), gaussian_pdf(GRID, mean, std)
    f = optimal_critic_1d(p, q, GRID)
    assert np.abs(np.diff(f) / np.diff(GRID)).max() <= 1 + 1e-9
    dual = expectation(f, p, GRID) - expectation(f, q, GRID)
    assert dual == pytest.approx(w1_from_densities(p, q, GRID), rel=1e-6)


# ------------------------------------------------------------------------- the critics
def _samples():
    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(-2, 0.5, 100), rng.normal(2, 0.5, 100)])
    return real, rng.normal(-1.5, 1.0, 200)


def test_unconstrained_critic_grows_while_gp_and_clipping_stay_bounded():
    pytest.importorskip("tensorflow")
    from medgan_course.toy.wasserstein import train_critic

    real, fake = _samples()
    w1 = emd_1d(real, fake)
    runs = {name: train_critic(real, fake, name, steps=200, seed=0, chunk=200)
            for name in ("none", "clip", "gp")}
    for run in runs.values():
        assert run["objective"].shape == run["weight_norm"].shape == (200,)
    none, clip, gp = runs["none"], runs["clip"], runs["gp"]
    assert none["objective"][-1] > 5 * w1 and none["objective"][-1] > 1.2 * none["objective"][159]
    assert none["weight_norm"][-1] > 1.3 * none["weight_norm"][0]
    assert 0.5 * w1 < gp["objective"][-1] < 2 * w1
    assert gp["weight_norm"][-1] < 1.5 * gp["weight_norm"][0]
    assert abs(clip["objective"][-1]) < 0.1 * w1
    assert np.abs(np.concatenate([w.ravel() for w in clip["critic"].get_weights()])).max() <= 0.01 + 1e-7


def test_train_critic_rejects_an_unknown_constraint():
    from medgan_course.toy.wasserstein import train_critic

    with pytest.raises(ValueError, match="constraint"):
        train_critic([0.0], [1.0], "spectral")


# ------------------------------------------------------------------------- the exercise check
def _variant(where="x_hat", norm="per_image", square=True, minus_one=True, lam=1.0,
             eps="uniform", reduce="mean", scores="raw"):
    """A gradient penalty with one deliberate mistake (the defaults give the right one)."""
    import tensorflow as tf

    def penalty(critic, real_images, fake_images):
        real, fake = tf.cast(real_images, tf.float32), tf.cast(fake_images, tf.float32)
        n = tf.shape(real)[0]
        e = {"uniform": lambda: tf.random.uniform([n, 1, 1, 1]),
             "normal": lambda: tf.random.normal([n, 1, 1, 1]),
             "one_per_batch": lambda: tf.random.uniform([])}[eps]()
        with tf.GradientTape() as tape:
            if where == "wrt_real":
                tape.watch(real)
            x_hat = real + e * (fake - real)
            target = {"x_hat": x_hat, "at_real": real, "at_fake": fake, "wrt_real": real}[where]
            if where != "wrt_real":
                tape.watch(target)
            s = critic(x_hat if where in ("x_hat", "wrt_real") else target, training=True)
            if scores == "mean":
                s = tf.reduce_mean(s)
        g = tape.gradient(s, target)
        norms = {"per_image": lambda: tf.sqrt(tf.reduce_sum(tf.square(g), axis=[1, 2, 3]) + 1e-12),
                 "batch": lambda: tf.norm(g),
                 "per_pixel": lambda: tf.abs(g),
                 "squared": lambda: tf.reduce_sum(tf.square(g), axis=[1, 2, 3])}[norm]()
        terms = norms - 1 if minus_one else norms
        terms = tf.square(terms) if square else terms
        return lam * (tf.reduce_mean(terms) if reduce == "mean" else tf.reduce_sum(terms))

    return penalty


MISTAKES = [  # (variant, words the feedback must contain)
    (dict(lam=10.0), "without λ"),
    (dict(norm="batch"), "whole batch"),
    (dict(norm="per_pixel"), "per pixel"),
    (dict(square=False), "missing the square"),
    (dict(minus_one=False), "missing the -1"),
    (dict(square=False, minus_one=False), "mean gradient norm"),
    (dict(norm="squared"), "squared norm"),
    (dict(reduce="sum"), "summed over the images"),
    (dict(scores="mean"), "MEAN of the critic's scores"),
    (dict(where="at_real"), "taken at the real images"),
    (dict(where="at_fake"), "taken at the fake images"),
    (dict(where="wrt_real"), "with respect to the real images"),
    (dict(eps="normal"), "normally distributed"),
    (dict(eps="one_per_batch"), "one ε per image"),
]


def test_gradient_penalty_check_accepts_the_reference_and_agrees_with_the_package():
    pytest.importorskip("tensorflow")
    from medgan_course.exercises import nb02
    from medgan_course.exercises.solutions.nb02 import gradient_penalty_mine
    from medgan_course.training.losses import gradient_penalty

    for fn in (gradient_penalty_mine, _variant(), lambda c, r, f: gradient_penalty(c, r, f)):
        feedback = nb02.check_gradient_penalty(fn)
        assert feedback.passed, feedback.message
        assert feedback.exercise == "gradient penalty"


@pytest.mark.parametrize("kwargs, words", MISTAKES, ids=[w for _, w in MISTAKES])
def test_gradient_penalty_check_names_each_mistake(kwargs, words):
    pytest.importorskip("tensorflow")
    from medgan_course.exercises import nb02

    feedback = nb02.check_gradient_penalty(_variant(**kwargs))
    assert not feedback.passed
    assert words in feedback.message, feedback.message


def test_gradient_penalty_check_reports_stubs_and_never_raises():
    pytest.importorskip("tensorflow")
    from medgan_course.exercises import nb02

    def stub(critic, real_images, fake_images):
        ...  # your code here

    def raises(critic, real_images, fake_images):
        raise NotImplementedError

    def broken(critic, real_images, fake_images):
        return 1 / 0

    assert "None" in nb02.check_gradient_penalty(stub).message
    assert "not attempted" in nb02.check_gradient_penalty(raises).message
    assert "not attempted" in nb02.check_gradient_penalty(...).message
    assert "ZeroDivisionError" in nb02.check_gradient_penalty(broken).message
    assert "one number" in nb02.check_gradient_penalty(lambda c, r, f: np.zeros(len(r))).message


def test_the_formula_mistakes_give_distinct_values():
    from medgan_course.exercises.nb02 import _gp_mistakes, _gp_probe_weights

    values = [v for v, _ in _gp_mistakes(_gp_probe_weights()).values()] + [4.0]  # 4: the right one
    for i, a in enumerate(values):  # the check matches them with rel_tol=1e-3
        assert not any(math.isclose(a, b, rel_tol=0.1) for b in values[i + 1:]), values
