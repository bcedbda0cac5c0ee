"""Tests of medgan_course.plots: the image grid, its PNG, and the figures (no display needed)."""

import numpy as np
import pytest

from medgan_course import plots


def test_image_grid_places_each_image_and_maps_to_display_range():
    images = np.stack([np.full((2, 3, 1), value, np.float32) for value in (-1.0, 0.0, 1.0)])
    grid = plots.image_grid(images, nrow=2, padding=1, pad_value=0.25)
    assert grid.shape == (2 * (2 + 1) + 1, 2 * (3 + 1) + 1, 1) and grid.dtype == np.float32
    assert 0.0 <= grid.min() and grid.max() <= 1.0
    np.testing.assert_array_equal(grid[1:3, 1:4], 0.0)   # image 0 (-1) at row 0, column 0
    np.testing.assert_array_equal(grid[1:3, 5:8], 0.5)   # image 1 (0) at row 0, column 1
    np.testing.assert_array_equal(grid[4:6, 1:4], 1.0)   # image 2 (+1) at row 1, column 0
    np.testing.assert_array_equal(grid[4:6, 5:8], 0.25)  # empty cell: padding value
    np.testing.assert_array_equal(grid[0], 0.25)


def test_image_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="nrow"):
        plots.image_grid(np.zeros((2, 4, 4, 1), np.float32), nrow=0)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        plots.image_grid(np.zeros((4, 4, 1), np.float32), nrow=2)
    with pytest.raises(TypeError, match="to_model_range"):
        plots.image_grid(np.zeros((2, 4, 4, 1), np.uint8), nrow=2)
    with pytest.raises(ValueError, match="NaN"):
        plots.image_grid(np.full((2, 4, 4, 1), np.nan, np.float32), nrow=2)


def test_save_grid_png_writes_grey_and_colour(tmp_path):
    from matplotlib import image as mpl_image

    grey = plots.image_grid(np.zeros((4, 3, 3, 1), np.float32), nrow=2)
    colour = plots.image_grid(np.zeros((4, 3, 3, 3), np.float32), nrow=2)
    plots.save_grid_png(grey, tmp_path / "grey.png")
    plots.save_grid_png(colour, tmp_path / "colour.png")
    assert mpl_image.imread(tmp_path / "grey.png").shape[:2] == grey.shape[:2]
    assert mpl_image.imread(tmp_path / "colour.png").shape[:2] == colour.shape[:2]


def test_figures_accept_uint8_and_float_samples(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (6, 8, 8), dtype=np.uint8)
    assert plots.samples_figure(images, labels=[0, 1] * 3, ncol=3).axes
    plots.save_progress_png([(0, images[..., None]), (5, images[..., None])], tmp_path / "p.png")
    plots.save_losses_png({"d_loss": [1.0, 0.5, 0.7], "g_loss": [2.0, 1.0]}, tmp_path / "l.png")
    assert (tmp_path / "p.png").exists() and (tmp_path / "l.png").exists()


def test_progress_figure_puts_steps_in_columns_and_latent_vectors_in_rows():
    """One tiled image: column = recorded step (labelled), row = latent vector."""
    steps = [(step, np.full((3, 4, 4, 1), 80 * k, np.uint8)) for k, step in enumerate((0, 10, 20))]
    steps[2][1][1] = 255   # latent vector 1 at step 20: white
    fig = plots.progress_figure(steps, max_rows=2)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["step 0", "step 10", "step 20"]
    grid = ax.images[0].get_array()
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1)          # 2 rows (max_rows) x 3 steps, 1 px padding
    np.testing.assert_allclose(grid[1:5, 6:10], 80 / 255, atol=1e-6)    # row 0, step 10
    np.testing.assert_allclose(grid[6:10, 11:15], 1.0)                 # row 1, step 20
    np.testing.assert_allclose(grid[1:5, 11:15], 160 / 255, atol=1e-6)  # row 0, step 20
    with pytest.raises(ValueError, match="no samples"):
        plots.progress_figure([])
