"""Tests of medgan_course.evaluation.latent: interpolation paths and random directions (NumPy only)."""

import numpy as np
import pytest

from medgan_course.evaluation.latent import interpolate, lerp, move_along, random_directions, slerp


def _pair(d=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(d), rng.standard_normal(d)


@pytest.mark.parametrize("kind", ["linear", "slerp"])
def test_interpolate_starts_and_ends_at_the_two_vectors(kind):
    z0, z1 = _pair()
    path = interpolate(z0, z1, 7, kind)
    assert path.shape == (7, 64) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], z0, atol=1e-5)
    np.testing.assert_allclose(path[-1], z1, atol=1e-5)


def test_linear_midpoint_is_the_average():
    z0, z1 = _pair()
    np.testing.assert_allclose(interpolate(z0, z1, 3, "linear")[1], (z0 + z1) / 2, atol=1e-6)


def test_slerp_keeps_the_norm_of_equal_norm_vectors_where_lerp_shrinks_it():
    z0, z1 = _pair(d=128)
    z1 = z1 * np.linalg.norm(z0) / np.linalg.norm(z1)
    arc = np.linalg.norm(interpolate(z0, z1, 11, "slerp"), axis=1)
    chord = np.linalg.norm(interpolate(z0, z1, 11, "linear"), axis=1)
    np.testing.assert_allclose(arc, np.linalg.norm(z0), rtol=1e-5)
    # Two near-orthogonal vectors: the chord's midpoint has about 1/sqrt(2) of the norm.
    assert chord[5] < 0.8 * np.linalg.norm(z0)


def test_slerp_moves_at_constant_angular_speed():
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(slerp(z0, z1, 1 / 3), [np.cos(np.pi / 6), np.sin(np.pi / 6)], atol=1e-6)
    assert slerp(z0, z1, 0.5).shape == (2,)


def test_slerp_of_parallel_vectors_falls_back_to_linear_and_refuses_opposite_ones():
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(slerp(z, 2 * z, 0.5), 1.5 * z, rtol=1e-6)
    with pytest.raises(ValueError, match="opposite"):
        slerp(z, -z, 0.5)
    with pytest.raises(ValueError, match="non-zero"):
        slerp(z, np.zeros(3), 0.5)


@pytest.mark.parametrize("bad", [dict(n=1), dict(kind="cubic")])
def test_interpolate_rejects_bad_arguments(bad):
    z0, z1 = _pair()
    with pytest.raises(ValueError):
        interpolate(z0, z1, **{"n": 4, "kind": "linear", **bad})


def test_lerp_rejects_t_outside_unit_interval_and_mismatched_vectors():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lerp(np.zeros(3), np.ones(3), 1.5)
    with pytest.raises(ValueError, match="one length"):
        lerp(np.zeros(3), np.ones(4), 0.5)


def test_random_directions_are_orthonormal_and_seeded():
    d = random_directions(32, 4, seed=1)
    assert d.shape == (4, 32) and d.dtype == np.float32
    np.testing.assert_allclose(d @ d.T, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(d, random_directions(32, 4, seed=1))
    assert not np.allclose(d, random_directions(32, 4, seed=2))
    with pytest.raises(ValueError):
        random_directions(3, 4)


def test_move_along_adds_the_weighted_directions():
    z = np.zeros(3)
    directions = np.eye(3)[:2]
    np.testing.assert_allclose(move_along(z, directions, [2.0, -1.0]), [2.0, -1.0, 0.0])
    with pytest.raises(ValueError):
        move_along(z, directions, [1.0])
