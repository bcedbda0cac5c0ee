"""Figures of the toy GAN: data space with the discriminator's decision surface, losses, modes.

`matplotlib.figure.Figure` only (no pyplot), like `medgan_course.plots`: the playground widget
turns these figures into PNG bytes, and the notebook displays the same figures statically.
Taught in notebooks/02_gan_theory.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from medgan_course.plots import LOSS_COLOURS

REAL_COLOUR, FAKE_COLOUR = "#1b7f3b", "#7b3294"


def window(dataset, *samples, max_zoom_out: float = 4.0) -> tuple[float, float]:
    """(low, high) of a square frame: the data's bounds, widened to show 99% of `samples`.

    Generated points far from the data are exactly what a learner must see (early training,
    collapse elsewhere), but one stray point should not shrink the data to a dot: the frame
    grows at most `max_zoom_out` times the data's width.
    """
    low, high = dataset.bounds()
    centre, half = (low + high) / 2, (high - low) / 2
    for points in samples:
        points = np.asarray(points, np.float64)
        if points.size:
            lo, hi = np.percentile(points, [0.5, 99.5])
            pad = 0.05 * (hi - lo)
            low, high = min(low, lo - pad), max(high, hi + pad)
    return max(low, centre - max_zoom_out * half), min(high, centre + max_zoom_out * half)


def _running_mean(values, window):
    """Running mean of a 1-D sequence over `window` (shorter at the start)."""
    values = np.asarray(values, np.float64)
    if len(values) == 0:
        return values
    cumsum = np.cumsum(np.insert(values, 0, 0.0))
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (cumsum[1:] - cumsum[starts]) / (np.arange(1, len(values) + 1) - starts)


def draw_losses(ax, history, window: int = 50) -> None:
    """d_loss and g_loss per update: raw (faint) and running mean, on `ax`."""
    for key, colour in LOSS_COLOURS.items():
        values = history.get(key, [])
        if len(values):
            steps = np.arange(1, len(values) + 1)
            ax.plot(steps, values, color=colour, alpha=0.25, lw=0.8)
            # A marker per point while there are few: one update is a point, not a line.
            ax.plot(steps, _running_mean(values, window), color=colour, lw=1.6, label=key,
                    marker="o" if len(values) < 10 else None, ms=4)
    ax.set_xlabel("update of that network")
    ax.set_title("losses", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    else:
        ax.text(0.5, 0.5, "no updates yet", ha="center", va="center", transform=ax.transAxes)


def draw_data_space_2d(ax, toy, fake, real, resolution: int = 81) -> None:
    """D(x) as a heatmap (0 = fake, 1 = real) with real and generated points on top."""
    low, high = window(toy.dataset, fake)
    surface = toy.decision_surface(toy.grid(resolution, (low, high)))
    image = ax.imshow(surface.reshape(resolution, resolution), origin="lower",
                      extent=(low, high, low, high), vmin=0, vmax=1, cmap="PRGn", alpha=0.8,
                      interpolation="bilinear")
    ax.scatter(real[:, 0], real[:, 1], s=3, color=REAL_COLOUR, label="real", alpha=0.6)
    ax.scatter(fake[:, 0], fake[:, 1], s=3, color=FAKE_COLOUR, label="generated", alpha=0.6)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="D(x)")


def draw_data_space_1d(ax, toy, fake, resolution: int = 201) -> None:
    """True density, histogram of generated samples and D(x) (right axis) along x."""
    low, high = window(toy.dataset, fake)
    grid = toy.grid(resolution, (low, high))
    x = grid[:, 0]
    ax.plot(x, toy.dataset.density(grid), color=REAL_COLOUR, lw=2, label="p_data")
    ax.hist(fake[:, 0], bins=60, range=(low, high), color=FAKE_COLOUR, alpha=0.45,
            label="generated", weights=np.full(len(fake), 60 / (high - low) / len(fake)))
    ax.set_xlim(low, high)
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    right = ax.twinx()
    right.plot(x, toy.decision_surface(grid), color="black", lw=1.2, ls="--", label="D(x)")
    right.set_ylim(0, 1)
    right.set_ylabel("D(x)")
    ax.legend(handles=ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0],
              fontsize=8, loc="upper left")


def state_figure(toy, n: int = 1000, title: str | None = None) -> Figure:
    """The playground's picture of a `ToyGAN`: data space with D(x), and the loss curves.

    Args:
        toy: a `ToyGAN`.
        n: real and generated points to draw.
        title: suptitle; by default the dataset, the loss and the update counts.
    """
    fig = Figure(figsize=(9.5, 4), layout="constrained")
    data_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.15, 1])
    fake = toy.samples(n, seed=0)
    if toy.dataset.dim == 1:
        draw_data_space_1d(data_ax, toy, fake)
    else:
        real = toy.dataset.sample(n, seed=1)
        draw_data_space_2d(data_ax, toy, fake, real)
    data_ax.set_title(toy.dataset.title, fontsize=10)
    draw_losses(loss_ax, toy.history)
    fig.suptitle(title or f"loss={toy.loss} · D updates {toy.d_updates} · "
                          f"G updates {toy.g_updates}", fontsize=11)
    return fig


def loss_gradient_figure(logits, curves) -> Figure:
    """Generator losses (left) and their derivatives w.r.t. the logit (right).

    Args:
        logits: `(M,)` logits l = logit(D(G(z))).
        curves: `theory.generator_loss_curves(logits)`: {name: (values, grads)}.
    """
    fig = Figure(figsize=(9.5, 3.4), layout="constrained")
    value_ax, grad_ax = fig.subplots(1, 2)
    for name, (values, grads) in curves.items():
        value_ax.plot(logits, values, lw=2, label=name)
        grad_ax.plot(logits, grads, lw=2, label=name)
    for ax, label in ((value_ax, "generator loss"), (grad_ax, "d loss / d logit")):
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("discriminator logit on a fake, l   (D(G(z)) = sigmoid(l))")
        ax.set_title(label, fontsize=10)
        ax.legend(fontsize=8)
    grad_ax.axhline(0, color="grey", lw=0.8)
    grad_ax.annotate("D rejects the fake:\nminimax gradient ≈ 0", xy=(logits[0], 0),
                     xytext=(logits[0] + 0.5, -0.55), fontsize=8,
                     arrowprops={"arrowstyle": "->", "color": "grey"})
    return fig


def coverage_figure(sample_sets, titles, dataset) -> Figure:
    """Generated samples of several runs side by side, each mode's 3-std circle drawn.

    Args:
        sample_sets: list of `(N, 2)` generated samples.
        titles: one title per panel (e.g. "non_saturating, seed 0: 8/8 modes").
        dataset: the 2-D `ToyDataset` they imitate.
    """
    fig = Figure(figsize=(2.4 * len(sample_sets), 2.7), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(sample_sets)))
    for ax, samples, title in zip(axes, sample_sets, titles):
        low, high = window(dataset, samples)
        ax.scatter(samples[:, 0], samples[:, 1], s=2, color=FAKE_COLOUR, alpha=0.5)
        for cx, cy in dataset.centers:
            ax.add_patch(_circle((cx, cy), dataset.quality_radius))
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8)
    return fig


def _circle(center, radius):
    from matplotlib.patches import Circle

    return Circle(center, radius, fill=False, color=REAL_COLOUR, lw=1)
