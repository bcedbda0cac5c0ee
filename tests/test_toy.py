"""Tests of medgan_course.toy: GAN theory against closed forms, toy data and metrics, ToyGAN."""

import math

import numpy as np
import pytest

from medgan_course.toy import data as toy_data
from medgan_course.toy import theory
from medgan_course.toy.data import (
    TOY_DATASETS,
    high_quality_fraction,
    mode_counts,
    mode_coverage,
    modes_covered,
    toy_dataset,
)

LOG2, LOG4 = math.log(2.0), math.log(4.0)
X = np.linspace(-12.0, 12.0, 6001)
trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy 1.26 has only trapz


# ------------------------------------------------------------------------------------ theory
def test_js_divergence_of_identical_distributions_is_zero():
    p = theory.mixture_pdf(X, [-1.0, 2.0], [0.5, 1.0], [0.3, 0.7])
    assert theory.js_divergence(p, p, X) == pytest.approx(0.0, abs=1e-9)
    assert theory.js_divergence([0.2, 0.8], [0.2, 0.8]) == pytest.approx(0.0, abs=1e-12)


def test_js_divergence_of_disjoint_distributions_is_log_2():
    p, q = theory.gaussian_pdf(X, -6.0, 0.3), theory.gaussian_pdf(X, 6.0, 0.3)
    assert theory.js_divergence(p, q, X) == pytest.approx(LOG2, abs=1e-6)
    assert theory.js_divergence([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]) == pytest.approx(LOG2)


def test_js_divergence_is_symmetric_and_between_0_and_log_2():
    p, q = theory.gaussian_pdf(X, 0.0, 1.0), theory.gaussian_pdf(X, 1.0, 2.0)
    jsd = theory.js_divergence(p, q, X)
    assert 0.0 < jsd < LOG2
    assert theory.js_divergence(q, p, X) == pytest.approx(jsd, rel=1e-9)


def test_js_divergence_of_a_discrete_pair_by_hand():
    # p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4).
    expected = 0.5 * math.log(4 / 3) + 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2))
    assert theory.js_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(expected, rel=1e-12)


def test_kl_divergence_of_two_gaussians_matches_the_closed_form():
    m1, s1, m2, s2 = 0.5, 0.8, -1.0, 1.5
    closed = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    p, q = theory.gaussian_pdf(X, m1, s1), theory.gaussian_pdf(X, m2, s2)
    assert theory.kl_divergence(p, q, X) == pytest.approx(closed, rel=1e-6)
    assert theory.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_optimal_discriminator_is_one_half_where_generator_matches_data():
    p = theory.mixture_pdf(X, [-2.0, 2.0], 0.5)
    d_star = theory.optimal_discriminator(p, p)
    assert np.allclose(d_star, 0.5)
    assert theory.value_function(d_star, p, p, X) == pytest.approx(-LOG4, abs=1e-6)


def test_optimal_discriminator_values_and_zero_over_zero():
    d_star = theory.optimal_discriminator([3.0, 0.0, 1.0, 0.0], [1.0, 2.0, 0.0, 0.0])
    assert d_star.tolist() == [0.75, 0.0, 1.0, 0.5]


def test_optimal_discriminator_beats_every_other_discriminator():
    p_data = theory.mixture_pdf(X, [-2.0, 2.0], 0.5)
    p_g = theory.gaussian_pdf(X, 0.5, 1.5)
    d_star = theory.optimal_discriminator(p_data, p_g)
    best = theory.value_function(d_star, p_data, p_g, X)
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = np.clip(d_star + rng.normal(0, 0.05, X.shape), 1e-6, 1 - 1e-6)
        assert theory.value_function(other, p_data, p_g, X) < best
    assert theory.value_function(np.full_like(X, 0.5), p_data, p_g, X) < best


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (1.0, 0.7), (3.0, 0.5), (8.0, 0.3)])
def test_value_at_the_optimal_discriminator_is_minus_log_4_plus_twice_the_jsd(mean, std):
    p_data = theory.mixture_pdf(X, [-2.0, 2.0], 0.5)
    p_g = theory.gaussian_pdf(X, mean, std)
    v_star = theory.value_function(theory.optimal_discriminator(p_data, p_g), p_data, p_g, X)
    assert v_star == pytest.approx(-LOG4 + 2 * theory.js_divergence(p_data, p_g, X), abs=1e-6)


def test_value_function_of_a_perfect_discriminator_on_disjoint_supports_is_zero():
    p_data, p_g = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.0, 1.0])
    d = theory.optimal_discriminator(p_data, p_g)
    assert theory.value_function(d, p_data, p_g) == pytest.approx(0.0)
    # D(x) = 0 on real data is the worst possible: a large negative value, never NaN.
    assert theory.value_function(1.0 - d, p_data, p_g) < -600


def test_generator_loss_curves_match_the_derivatives_by_hand():
    pytest.importorskip("tensorflow")
    logits = np.array([-8.0, -2.0, 0.0, 3.0])
    curves = theory.generator_loss_curves(logits)
    sigmoid = 1 / (1 + np.exp(-logits))
    minimax, non_saturating = curves["minimax"], curves["non_saturating"]
    assert np.allclose(minimax[0], np.log(1 - sigmoid), atol=1e-5)
    assert np.allclose(minimax[1], -sigmoid, atol=1e-5)
    assert np.allclose(non_saturating[0], -np.log(sigmoid), atol=1e-5)
    assert np.allclose(non_saturating[1], -(1 - sigmoid), atol=1e-5)
    # Saturation: where D rejects the fake (l = -8), the minimax gradient is ~300x smaller.
    assert abs(non_saturating[1][0]) > 100 * abs(minimax[1][0])


# -------------------------------------------------------------------------- datasets, metrics
def test_samplers_are_seeded_and_shaped():
    for dataset in TOY_DATASETS.values():
        a, b = dataset.sample(100, seed=3), dataset.sample(100, seed=3)
        assert a.shape == (100, dataset.dim) and a.dtype == np.float32
        assert np.array_equal(a, b)
        assert not np.array_equal(a, dataset.sample(100, seed=4))


def test_samples_come_from_their_modes():
    ring = toy_dataset("ring_2d")
    assert ring.n_modes == 8
    assert np.allclose(np.linalg.norm(ring.centers, axis=1), 2.0)
    samples = ring.sample(4000, seed=0)
    assert high_quality_fraction(samples, ring.centers, ring.quality_radius) > 0.98
    counts = mode_counts(samples, ring.centers, ring.quality_radius)
    assert counts.min() > 400  # about 500 per mode
    one_d = toy_dataset("gaussian_1d").sample(20000, seed=0)
    assert one_d.mean() == pytest.approx(3.0, abs=0.02) and one_d.std() == pytest.approx(0.5, abs=0.02)


def test_density_integrates_to_one():
    mixture = toy_dataset("mixture_1d")
    grid = np.linspace(-8, 8, 4001)
    assert trapezoid(mixture.density(grid), grid) == pytest.approx(1.0, abs=1e-6)
    ring = toy_dataset("ring_2d")
    ticks = np.linspace(-3, 3, 601)
    xx, yy = np.meshgrid(ticks, ticks)
    density = ring.density(np.stack([xx.ravel(), yy.ravel()], 1)).reshape(xx.shape)
    assert trapezoid(trapezoid(density, ticks), ticks) == pytest.approx(1.0, abs=1e-3)


def test_modes_covered_on_constructed_samples():
    ring = toy_dataset("ring_2d")
    centers, radius = ring.centers, ring.quality_radius
    every_mode = np.repeat(centers, 30, axis=0)
    assert modes_covered(every_mode, centers, radius) == 8
    collapsed = np.repeat(centers[:1], 240, axis=0) + 0.01
    assert modes_covered(collapsed, centers, radius) == 1
    assert high_quality_fraction(collapsed, centers, radius) == 1.0
    nowhere = np.zeros((240, 2))  # the ring's centre: far from every mode
    assert modes_covered(nowhere, centers, radius) == 0
    assert high_quality_fraction(nowhere, centers, radius) == 0.0
    # A mode needs min_count high-quality samples: 19 samples at a mode do not cover it.
    few = np.concatenate([np.repeat(centers[:3], 20, axis=0), np.repeat(centers[3:4], 19, axis=0)])
    assert modes_covered(few, centers, radius) == 3
    assert modes_covered(few, centers, radius, min_count=19) == 4
    report = mode_coverage(np.concatenate([every_mode, nowhere]), "ring_2d")
    assert report == {"modes": 8, "of": 8, "high_quality": pytest.approx(240 / 480)}


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="ring_2d"):
        toy_data.toy_dataset("spiral")


def test_importing_the_toy_package_does_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys, medgan_course.toy, medgan_course.toy.plots; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------- ToyGAN
@pytest.fixture(scope="module")
def toy_1d():
    pytest.importorskip("tensorflow")
    from medgan_course.toy.gan import ToyGAN

    return ToyGAN("gaussian_1d", seed=0)


def test_toy_gan_learns_a_gaussian_mean(toy_1d):
    toy_1d.reset(0)
    before = toy_1d.samples(2000)
    assert abs(float(before.mean()) - 3.0) > 2.0  # starts far from the data
    toy_1d.train(400)
    after = toy_1d.samples(2000)
    assert float(after.mean()) == pytest.approx(3.0, abs=0.3)
    assert 0.2 < float(after.std()) < 1.0
    assert toy_1d.d_updates == toy_1d.g_updates == 400
    assert len(toy_1d.history["d_loss"]) == len(toy_1d.history["g_loss"]) == 400


def test_reset_gives_the_run_of_a_fresh_toy_gan_with_that_seed(toy_1d):
    from medgan_course.toy.gan import ToyGAN

    fresh = ToyGAN("gaussian_1d", seed=5).train(20)
    toy_1d.reset(5).train(20)
    assert np.allclose(fresh.samples(100), toy_1d.samples(100), atol=1e-6)
    assert np.allclose(fresh.history["g_loss"], toy_1d.history["g_loss"], atol=1e-6)
    toy_1d.reset(6).train(20)
    assert not np.allclose(fresh.samples(100), toy_1d.samples(100), atol=1e-3)


def test_single_steps_move_only_their_network(toy_1d):
    toy_1d.reset(1)
    gen = [v.numpy().copy() for v in toy_1d.gan.generator.trainable_variables]
    disc = [v.numpy().copy() for v in toy_1d.gan.discriminator.trainable_variables]
    toy_1d.step_discriminator()
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(gen, toy_1d.gan.generator.trainable_variables))
    assert not all(np.array_equal(a, v.numpy())
                   for a, v in zip(disc, toy_1d.gan.discriminator.trainable_variables))
    disc = [v.numpy().copy() for v in toy_1d.gan.discriminator.trainable_variables]
    toy_1d.step_generator()
    assert all(np.array_equal(a, v.numpy())
               for a, v in zip(disc, toy_1d.gan.discriminator.trainable_variables))
    assert (toy_1d.d_updates, toy_1d.g_updates) == (1, 1)


def test_learning_rates_can_be_changed_and_survive_reset(toy_1d):
    toy_1d.set_learning_rates(d_lr=2e-4, g_lr=3e-3)
    assert toy_1d.learning_rates == pytest.approx((2e-4, 3e-3))
    toy_1d.reset()
    assert toy_1d.learning_rates == pytest.approx((2e-4, 3e-3))
    toy_1d.set_learning_rates(1e-3, 1e-3)


def test_decision_surface_and_grid(toy_1d):
    grid = toy_1d.grid(50)
    assert grid.shape == (50, 1)
    surface = toy_1d.decision_surface(grid)
    assert surface.shape == (50,) and surface.min() >= 0.0 and surface.max() <= 1.0


def test_minimax_gradient_is_tiny_when_the_discriminator_rejects_the_fakes(toy_1d):
    toy_1d.reset(0)
    for _ in range(150):
        toy_1d.step_discriminator()
    assert toy_1d.history["fake_logit"][-1] < -3.0  # D is confident the fakes are fake
    minimax = toy_1d.generator_gradient_norm("minimax")
    non_saturating = toy_1d.generator_gradient_norm("non_saturating")
    assert non_saturating > 10 * minimax > 0


def test_d_steps_and_g_steps_set_the_alternation():
    pytest.importorskip("tensorflow")
    from medgan_course.toy.gan import ToyGAN

    toy = ToyGAN("ring_2d", d_steps=2, g_steps=3, hidden=8, depth=1, batch_size=16, seed=0)
    toy.train(5, chunk=2)  # three graph calls: 2 + 2 + 1 rounds
    assert (toy.d_updates, toy.g_updates) == (10, 15)
    toy.step()
    assert (toy.d_updates, toy.g_updates) == (12, 18)
    assert toy.grid(7).shape == (49, 2)
    with pytest.raises(ValueError, match="sgd"):
        ToyGAN("ring_2d", optimizer="rmsprop")


def test_state_figure_draws_both_kinds_of_data(toy_1d):
    from medgan_course.toy.gan import ToyGAN
    from medgan_course.toy.plots import coverage_figure, state_figure

    fig = state_figure(toy_1d, n=200)
    assert len(fig.axes) == 3  # data, D(x) twin axis, losses
    ring = ToyGAN("ring_2d", hidden=8, depth=1, seed=0)
    fig = state_figure(ring, n=200)
    assert "ring" in fig.axes[0].get_title()
    fig = coverage_figure([ring.samples(100), ring.samples(100, seed=1)], ["a", "b"], ring.dataset)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]


def test_draw_losses_marks_each_point_while_there_are_few():
    """After one discriminator step the playground's loss chart shows a dot (a line needs two)."""
    from matplotlib.figure import Figure

    from medgan_course.toy.plots import draw_losses

    ax = Figure().subplots()
    draw_losses(ax, {"d_loss": [1.3], "g_loss": []})
    (faint, mean) = ax.lines
    assert mean.get_marker() == "o" and mean.get_label() == "d_loss"
    ax = Figure().subplots()
    draw_losses(ax, {"d_loss": list(np.linspace(1, 2, 50))})
    assert ax.lines[1].get_marker() in (None, "None", "")
