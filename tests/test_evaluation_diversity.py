"""The diversity measures that reveal mode collapse (evaluation.diversity, NumPy only)."""

import numpy as np
import pytest

from medgan_course.evaluation import diversity


def test_diversity_measures_flag_a_collapsed_set():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(100, 16))
    diverse = rng.normal(size=(100, 16))
    collapsed = np.repeat(rng.normal(size=(3, 16)), 34, axis=0)[:100] \
        + 1e-3 * rng.normal(size=(100, 16))
    assert diversity.mean_pairwise_distance(collapsed) < 0.9 * diversity.mean_pairwise_distance(diverse)
    assert diversity.mean_pairwise_distance(np.zeros((4, 2))) == 0.0
    assert diversity.near_duplicate_fraction(diverse, real) == 0.0
    assert diversity.near_duplicate_fraction(collapsed, real) == 1.0
    assert diversity.distinct_neighbours(collapsed, real)["count"] <= 3
    assert diversity.distinct_neighbours(diverse, real)["fraction"] > 0.4
    with pytest.raises(ValueError, match="NaN"):
        diversity.mean_pairwise_distance(np.array([[0.0], [np.nan]]))


def test_mean_pairwise_distance_subsamples_large_sets():
    x = np.random.default_rng(0).normal(size=(2000, 4))
    full = diversity.mean_pairwise_distance(x[:600], max_n=600)
    assert diversity.mean_pairwise_distance(x, max_n=300) == pytest.approx(full, rel=0.05)
