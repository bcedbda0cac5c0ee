"""Static figures (matplotlib, no display needed): sample grids, samples over time, losses.

Figures are built with `matplotlib.figure.Figure`, not pyplot, so that writing a PNG from a
script or a test never opens a window or touches global state. Notebooks display the returned
figures directly.

Just above `data.types` in the layers (it uses that module's range conversions and nothing
else of the package), so every layer from models up (training callbacks, the CLI, the widgets)
may draw with it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from medgan_course.data.types import to_display_range, to_model_range
from medgan_course.validate import positive_int


def _as_model_range(images) -> np.ndarray:
    """uint8 or float `(N, H, W)` / `(N, H, W, C)` -> float32 `(N, H, W, C)` in [-1, 1]."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    return to_model_range(images) if images.dtype == np.uint8 else images.astype(np.float32)


def image_grid(images, nrow, *, padding=1, pad_value=1.0):
    """Tiles images into one picture, `nrow` images per row, for display or a PNG.

    Args:
        images: `(N, H, W, C)` float array in [-1, 1] (model range).
        nrow: images per row (>= 1); the grid has ceil(N / nrow) rows, the last one padded.
        padding: pixels of `pad_value` between and around the images.
        pad_value: value of the padding in [0, 1] (1.0 = white).

    Returns:
        float32 `(rows * (H + padding) + padding, nrow * (W + padding) + padding, C)` in [0, 1].

    Raises:
        ValueError: not a 4-D non-empty batch, `nrow` < 1, negative padding, NaN/inf values.
        TypeError: integer images (convert uint8 with `data.types.to_model_range`).
    """
    images = to_display_range(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"image_grid expects a non-empty (N, H, W, C) batch, got shape "
                         f"{images.shape}")
    positive_int("image_grid: nrow", nrow)
    if padding < 0:
        raise ValueError(f"image_grid: padding must be >= 0, got {padding}")
    n, height, width, channels = images.shape
    rows = math.ceil(n / nrow)
    grid = np.full((rows * (height + padding) + padding, nrow * (width + padding) + padding,
                    channels), pad_value, np.float32)
    for index, image in enumerate(images):
        top = padding + (index // nrow) * (height + padding)
        left = padding + (index % nrow) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def save_grid_png(grid, path) -> None:
    """Writes an `image_grid` result `(H, W, C)` in [0, 1] as a PNG (grey for C = 1).

    Uses `matplotlib.image.imsave`, which needs no display (no pyplot figure is created).
    """
    from matplotlib import image as mpl_image

    if grid.shape[-1] == 1:
        mpl_image.imsave(path, grid[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
    else:
        mpl_image.imsave(path, np.clip(grid, 0.0, 1.0))


def samples_figure(images, *, labels=None, class_names=None, ncol=8, title=None) -> Figure:
    """A grid of images, each titled with its class when labels are given.

    Args:
        images: uint8 `(N, H, W[, C])` in [0, 255], or float `(N, H, W, C)` in [-1, 1].
        labels: optional `(N,)` class indices.
        class_names: optional names for the labels.
        ncol: images per row.
        title: figure title.
    """
    images = _as_model_range(images)
    rows = math.ceil(len(images) / ncol)
    fig = Figure(figsize=(ncol * 1.1, rows * 1.2 + (0.4 if title else 0)), layout="constrained")
    axes = fig.subplots(rows, ncol, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= len(images):
            continue
        image = (images[index] + 1.0) / 2.0
        ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
        if labels is not None:
            name = class_names[labels[index]] if class_names else str(labels[index])
            ax.set_title(name, fontsize=7)
    if title:
        fig.suptitle(title)
    return fig


def progress_figure(samples_over_time, *, max_columns=8, max_rows=8) -> Figure:
    """Fixed-z samples over training: one column per recorded step, one row per latent vector.

    Args:
        samples_over_time: list of (step, uint8 `(n, H, W, C)`) as `SampleGrid.samples`.
    """
    if not samples_over_time:
        raise ValueError("progress_figure: no samples were recorded")
    picks = np.unique(np.linspace(0, len(samples_over_time) - 1, max_columns).round().astype(int))
    columns = [samples_over_time[i] for i in picks]
    rows = min(max_rows, len(columns[0][1]))
    # One tiled image (row-major: latent vector by step), drawn by one imshow: 64 separate axes
    # under constrained layout took seconds, and tens of seconds on a loaded machine.
    tiles = np.stack([_as_model_range(images)[:rows] for _, images in columns], axis=1)
    grid = image_grid(tiles.reshape(-1, *tiles.shape[2:]), len(columns))
    fig = Figure(figsize=(len(columns) * 1.0, rows * 1.0 + 0.5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
    width = tiles.shape[3] + 1  # image_grid's default padding of 1 pixel
    ax.set_xticks([1 + width * col + (width - 1) / 2 for col in range(len(columns))],
                  [f"step {step}" for step, _ in columns], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.suptitle("the same latent vectors over training")
    return fig


#: One colour per network in every loss chart of the course (monitor, playground, saved runs).
LOSS_COLOURS = {"d_loss": "tab:blue", "g_loss": "tab:orange"}


def losses_figure(history: dict, *, smooth: int = 20) -> Figure:
    """d_loss and g_loss per step, raw (faint) and as a running mean over `smooth` steps."""
    fig = Figure(figsize=(6, 3), layout="constrained")
    ax = fig.subplots()
    for key, colour in LOSS_COLOURS.items():
        values = np.asarray(history.get(key, []), np.float64)
        if not len(values):
            continue
        ax.plot(values, color=colour, alpha=0.25, linewidth=0.8)
        width = max(1, min(smooth, len(values)))
        mean = np.convolve(values, np.ones(width) / width, mode="valid")
        ax.plot(np.arange(width - 1, len(values)), mean, color=colour, label=key)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    return fig


def save_samples_png(images, path, *, labels=None) -> None:
    """Writes `samples_figure(images, labels=labels)` to `path`."""
    samples_figure(images, labels=labels).savefig(path, dpi=100)


def save_progress_png(samples_over_time, path) -> None:
    """Writes `progress_figure(samples_over_time)` to `path` (nothing when none were recorded)."""
    if samples_over_time:
        progress_figure(samples_over_time).savefig(path, dpi=100)


def save_losses_png(history: dict, path) -> None:
    """Writes `losses_figure(history)` to `path`."""
    losses_figure(history).savefig(path, dpi=100)
