"""The class direction in latent space, its check against random directions, one seed end to end."""

import numpy as np
import pytest

from medgan_course.usecases import explain

D = 12


def _toy(seed=0, gain=2.0):
    """A toy 'generator + classifier': P(class) = sigmoid(gain * z . w_true + 0.3), w_true known."""
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(D)
    w_true /= np.linalg.norm(w_true)

    def score(z):
        return 1.0 / (1.0 + np.exp(-(gain * np.asarray(z) @ w_true + 0.3)))

    return w_true, score


@pytest.mark.parametrize("method, min_cosine", [("regression", 0.99), ("mean_difference", 0.9)])
def test_class_direction_recovers_the_known_direction(method, min_cosine):
    w_true, score = _toy()
    z = np.random.default_rng(1).standard_normal((2000, D))
    d = explain.class_direction(z, score(z), method=method)
    assert d.shape == (D,) and d.dtype == np.float32
    assert np.linalg.norm(d) == pytest.approx(1.0, abs=1e-6)
    assert d @ w_true > min_cosine


def test_class_direction_ignores_an_irrelevant_nonlinear_warp():
    """Scores through any increasing function of z . w still point along w."""
    w_true, _ = _toy(seed=2)
    z = np.random.default_rng(3).standard_normal((3000, D))
    scores = np.clip(0.5 + 0.1 * np.tanh(z @ w_true) ** 3, 0, 1)
    assert explain.class_direction(z, scores) @ w_true > 0.9


def test_class_direction_rejects_bad_input():
    z = np.random.default_rng(0).standard_normal((20, D))
    with pytest.raises(ValueError, match="do not vary"):
        explain.class_direction(z, np.full(20, 0.3))
    with pytest.raises(ValueError, match="method"):
        explain.class_direction(z, np.linspace(0, 1, 20), method="svm")
    with pytest.raises(ValueError, match="N >= 8"):
        explain.class_direction(z, np.linspace(0, 1, 19))
    with pytest.raises(ValueError, match="probabilities"):
        explain.class_direction(z, np.linspace(0, 2, 20))


def test_traverse_moves_exactly_along_the_direction():
    z, d = np.zeros(D), np.eye(D)[3]
    points = explain.traverse(z, d, [-2.0, 0.0, 1.5])
    assert points.shape == (3, D) and points.dtype == np.float32
    np.testing.assert_allclose(points[:, 3], [-2.0, 0.0, 1.5])
    assert np.count_nonzero(points[:, np.arange(D) != 3]) == 0


def test_direction_check_prefers_the_true_direction_to_random_ones():
    w_true, score = _toy()
    z_eval = np.random.default_rng(5).standard_normal((32, D))
    amounts = np.linspace(-3, 3, 7)
    good = explain.direction_check(score, z_eval, w_true, amounts, n_random=6, seed=0)
    assert good["class_effect"] > 0.5
    assert good["beats_all_random"] and good["effect_ratio"] > 2
    assert good["monotonic_fraction"] == 1.0
    assert good["random_monotonic_fraction"] < 1.0
    assert len(good["curve"]) == 7 and good["curve"] == sorted(good["curve"])
    bad = explain.direction_check(score, z_eval, -w_true, amounts, n_random=6, seed=0)
    assert bad["class_effect"] < -0.5 and not bad["beats_all_random"]
    assert bad["monotonic_fraction"] == 0.0


def test_direction_check_does_not_count_a_flat_score_as_monotonic():
    z_eval = np.random.default_rng(0).standard_normal((8, D))
    flat = explain.direction_check(lambda z: np.full(len(z), 0.4), z_eval, np.eye(D)[0],
                                   [-1.0, 0.0, 1.0], n_random=2)
    assert flat["monotonic_fraction"] == 0.0 and flat["class_effect"] == 0.0
    with pytest.raises(ValueError, match="increase"):
        explain.direction_check(lambda z: np.zeros(len(z)), z_eval, np.eye(D)[0], [1.0, 0.0])


def test_review_candidates_picks_confident_and_unrealistic_images():
    scores = np.array([0.1, 0.9, 0.5, 0.95])
    realness = np.array([2.0, -3.0, 0.5, 1.0])
    picks = explain.review_candidates(scores, realness, k=2)
    assert picks["most_confident"].tolist() == [3, 1]
    assert picks["least_real"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="k="):
        explain.review_candidates(scores, realness, k=5)


def test_one_seed_end_to_end_on_phantoms(tf_seed):
    from medgan_course.data import make_phantoms
    from medgan_course.usecases.classify import ClassifierBudget

    data = make_phantoms(n_train=96, n_val=16, n_test=16)
    budget = explain.ExplainBudget(gan_steps=2, classifier=ClassifierBudget(epochs=1, width=4),
                                   n_fit=32, n_eval=4, n_random=2, n_amounts=3, n_saliency=4,
                                   n_check=8)
    record = explain.run_seed(data, budget, seed=0)
    m = record["metrics"]
    assert record["gan_steps"] == 2 and len(record["curve"]) == 3
    for key in ("agreement_minority", "agreement_majority", "memorized_fake_pixels",
                "memorized_real_features", "monotonic_fraction", "gradcam_centre_fake"):
        assert 0.0 <= m[key] <= 1.0, key
    for key in ("randomisation_spearman_gradient", "randomisation_spearman_gradcam",
                "d_vs_classifier_spearman"):
        assert -1.0 <= m[key] <= 1.0, key
    assert m["random_effect_mean"] >= 0 and 0.0 <= m["auc"] <= 1.0
