"""Tests of the latent-space explorer: the pure point function and the widget, without a browser."""

import numpy as np
import pytest

from medgan_course.evaluation.latent import lerp, slerp
from medgan_course.widgets import latent as latent_module
from medgan_course.widgets.latent import LatentExplorer, explorer_point, latent_explorer, seed_vector

LATENT_DIM = 16


class FakeGenerator:
    """Records every z it receives; the image's brightness encodes z's first coordinate."""

    def __init__(self):
        self.calls = []

    def __call__(self, z):
        z = np.asarray(z)
        assert z.dtype == np.float32 and z.shape[1] == LATENT_DIM
        self.calls.append(z.copy())
        level = np.tanh(z[:, 0])[:, None, None, None]
        return np.broadcast_to(level, (len(z), 8, 8, 1)).astype(np.float32)


def test_seed_vector_matches_the_gans_latent_stream():
    expected = np.random.default_rng(5).standard_normal((1, LATENT_DIM), np.float32)[0]
    np.testing.assert_array_equal(seed_vector(5, LATENT_DIM), expected)


def test_explorer_point_follows_the_path_then_the_directions():
    z_a, z_b = seed_vector(0, LATENT_DIM), seed_vector(1, LATENT_DIM)
    np.testing.assert_allclose(explorer_point(z_a, z_b, 0.3, "linear")[0], lerp(z_a, z_b, 0.3))
    np.testing.assert_allclose(explorer_point(z_a, z_b, 0.3, "slerp")[0], slerp(z_a, z_b, 0.3))
    directions = np.eye(LATENT_DIM, dtype=np.float32)[:2]
    moved = explorer_point(z_a, z_b, 0.0, "slerp", directions, [1.5, -2.0])
    np.testing.assert_allclose(moved[0], z_a + np.array([1.5, -2.0] + [0.0] * (LATENT_DIM - 2)), atol=1e-6)
    with pytest.raises(ValueError):
        explorer_point(z_a, z_b, 0.5, "cubic")


def test_slider_changes_call_the_generator_with_the_expected_z():
    generate = FakeGenerator()
    explorer = LatentExplorer(generate, LATENT_DIM, seed_a=0, seed_b=1, n_directions=2)
    z_a, z_b = seed_vector(0, LATENT_DIM), seed_vector(1, LATENT_DIM)
    assert explorer.path_image.value[:4] == b"\x89PNG"
    before = explorer.image.value
    explorer.t.value = 0.5
    np.testing.assert_allclose(generate.calls[-1][0], slerp(z_a, z_b, 0.5), atol=1e-6)
    explorer.amounts[1].value = 2.0
    expected = slerp(z_a, z_b, 0.5) + 2.0 * explorer.directions[1]
    np.testing.assert_allclose(generate.calls[-1][0], expected, atol=1e-5)
    assert explorer.image.value != before
    explorer.kind.value = "linear"
    expected = lerp(z_a, z_b, 0.5) + 2.0 * explorer.directions[1]
    np.testing.assert_allclose(generate.calls[-1][0], expected, atol=1e-5)


def test_changing_a_seed_regenerates_the_strip():
    generate = FakeGenerator()
    explorer = LatentExplorer(generate, LATENT_DIM, strip=5)
    strip_before, calls_before = explorer.path_image.value, len(generate.calls)
    explorer.seed_b.value = 7
    strips = [z for z in generate.calls[calls_before:] if len(z) == 5]
    assert len(strips) == 1
    np.testing.assert_allclose(strips[0][-1], seed_vector(7, LATENT_DIM), atol=1e-5)
    assert explorer.path_image.value != strip_before
    calls = len(generate.calls)
    explorer.t.value = 0.25  # moving t generates one image, not the strip again
    assert [len(z) for z in generate.calls[calls:]] == [1]


def test_static_fallback_draws_the_paths(monkeypatch):
    shown = []
    monkeypatch.setattr(latent_module._compat, "show", shown.append)
    generate = FakeGenerator()
    fig = latent_explorer(generate, LATENT_DIM, static=True, n_directions=2)
    assert len(shown) == 1 and shown[0].data[:4] == b"\x89PNG"  # shown as PNG bytes
    assert len([ax for ax in fig.axes if ax.images]) == 4 * 8  # 2 paths + 2 directions, 8 columns
    z_a, z_b = seed_vector(0, LATENT_DIM), seed_vector(1, LATENT_DIM)
    np.testing.assert_allclose(generate.calls[1][3], slerp(z_a, z_b, 3 / 7), atol=1e-5)


def test_widget_mode_returns_the_explorer(monkeypatch):
    monkeypatch.setattr(latent_module._compat, "show", lambda obj: None)
    assert isinstance(latent_explorer(FakeGenerator(), LATENT_DIM, static=False), LatentExplorer)
