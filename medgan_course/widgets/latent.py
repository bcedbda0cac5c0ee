"""Latent-space explorer: walk between two latent vectors, or along a few random directions.

The learner picks two seeds (two latent vectors z_A, z_B), a position t on the path between
them (linear or spherical), and how far to move along a few random orthonormal directions;
the generator's image updates. The latent point is computed by the pure function
`explorer_point`; the widget only reads sliders, calls `generate`, and shows PNG bytes.
Without a widget front end, `latent_explorer` shows a static figure of the same paths.
Taught in notebooks/06_evaluating_gans.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from medgan_course.evaluation.latent import interpolate, lerp, move_along, random_directions, slerp
from medgan_course.widgets import _compat
from medgan_course.widgets.quiz import show_figure

#: Slider range of the direction amounts (latent units: N(0, 1) has SD 1).
AMOUNT_RANGE = 5.0


def seed_vector(seed: int, latent_dim: int) -> np.ndarray:
    """The latent vector of a seed: float32 `(latent_dim,)` ~ N(0, 1).

    The same vector `GAN.generate(1, seed=s)` draws.
    """
    return np.random.default_rng(int(seed)).standard_normal((1, latent_dim), np.float32)[0]


def explorer_point(z_a, z_b, t: float, kind: str = "slerp", directions=None, amounts=None) -> np.ndarray:
    """The latent vector the explorer shows: a point on the path A->B, then moved along directions.

    Args:
        z_a, z_b: latent vectors `(D,)`.
        t: position on the path, 0 (A) to 1 (B).
        kind: "linear" or "slerp".
        directions: optional `(k, D)` directions; amounts: their `(k,)` amounts.

    Returns:
        float32 `(1, D)`, ready for a generator.
    """
    if kind not in ("linear", "slerp"):
        raise ValueError(f"kind must be 'linear' or 'slerp'; got {kind!r}")
    z = (lerp if kind == "linear" else slerp)(z_a, z_b, float(t))
    if directions is not None and len(directions):
        z = move_along(z, directions, amounts)
    return z[None, :].astype(np.float32)


def _to_display(images):
    """(N, H, W, C) in [-1, 1] -> (N, H, W) or (N, H, W, 3) in [0, 1]."""
    images = np.clip((np.asarray(images, np.float32) + 1.0) / 2.0, 0.0, 1.0)
    return images[..., 0] if images.shape[-1] == 1 else images


def image_figure(image, title: str = "") -> Figure:
    """One generated image `(H, W, C)` in [-1, 1], large enough to see (pixels kept sharp)."""
    fig = Figure(figsize=(2.6, 2.8), layout="constrained")
    ax = fig.subplots()
    ax.imshow(_to_display(image[None])[0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return fig


def path_figure(rows, ts, *, row_titles=(), mark_t=None, bottom_labels=None) -> Figure:
    """Rows of images along paths: `rows` is a list of `(n, H, W, C)` arrays in [-1, 1].

    Args:
        rows: image arrays, one per row, each with len(ts) images.
        ts: the label of each column (e.g. t values or amounts).
        row_titles: text left of each row.
        mark_t: column value to frame in red (the explorer's current t), or None.
        bottom_labels: optional text under each column of the last row.
    """
    ncol = len(ts)
    fig = Figure(figsize=(0.95 * ncol + 1.2, 1.05 * len(rows) + 0.3), layout="constrained")
    axes = fig.subplots(len(rows), ncol, squeeze=False)
    closest = None if mark_t is None else int(np.argmin(np.abs(np.asarray(ts) - mark_t)))
    for r, images in enumerate(rows):
        shown = _to_display(images)
        for c, ax in enumerate(axes[r]):
            ax.imshow(shown[c], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"{ts[c]:.2g}", fontsize=7)
            if c == 0 and r < len(row_titles):
                ax.set_ylabel(row_titles[r], fontsize=8)
            if bottom_labels is not None and r == len(rows) - 1:
                ax.set_xlabel(bottom_labels[c], fontsize=7)
            if c == closest:
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
    return fig


def static_paths_figure(generate, latent_dim: int, *, seed_a=0, seed_b=1, n=8, n_directions=2,
                        direction_seed=0) -> Figure:
    """The static fallback: A->B linearly and spherically, then the midpoint moved along directions.

    Args:
        generate: callable float32 `(n, latent_dim)` -> images `(n, H, W, C)` in [-1, 1].
        latent_dim: D.
        seed_a, seed_b: seeds of the two ends.
        n: images per row.
        n_directions: rows of direction sweeps (amounts from -AMOUNT_RANGE to AMOUNT_RANGE).
        direction_seed: seed of the random directions.
    """
    z_a, z_b = seed_vector(seed_a, latent_dim), seed_vector(seed_b, latent_dim)
    rows = [generate(interpolate(z_a, z_b, n, "linear")), generate(interpolate(z_a, z_b, n, "slerp"))]
    titles = ["linear A→B", "slerp A→B"]
    middle = slerp(z_a, z_b, 0.5)
    amounts = np.linspace(-AMOUNT_RANGE, AMOUNT_RANGE, n)
    for i, direction in enumerate(random_directions(latent_dim, n_directions, direction_seed)):
        rows.append(generate(np.stack([move_along(middle, direction[None], [a]) for a in amounts])))
        titles.append(f"direction {i + 1}")
    fig = path_figure(rows, np.linspace(0, 1, n), row_titles=titles,
                      bottom_labels=[f"{a:+.1f}" for a in amounts])
    fig.suptitle("top labels: t from A to B (path rows); bottom labels: amount moved from the "
                 "slerp midpoint (direction rows)", fontsize=8)
    return fig


class LatentExplorer:
    """The widget: seed sliders, path kind, t, direction sliders -> generated image.

    Args:
        generate: callable float32 `(n, latent_dim)` -> images `(n, H, W, C)` in [-1, 1]
            (e.g. `lambda z: gan.generate(z)`).
        latent_dim: D.
        seed_a, seed_b: initial seeds of the two ends.
        n_directions: number of random direction sliders.
        direction_seed: seed of the random directions.
        strip: images in the A->B strip.
    """

    def __init__(self, generate, latent_dim: int, *, seed_a=0, seed_b=1, n_directions=3,
                 direction_seed=0, strip=8):
        import ipywidgets as w

        self.generate, self.latent_dim, self.strip = generate, int(latent_dim), int(strip)
        self.directions = random_directions(self.latent_dim, n_directions, direction_seed)
        slider = dict(continuous_update=False, layout=w.Layout(width="320px"))
        self.seed_a = w.IntSlider(value=seed_a, min=0, max=99, description="seed A", **slider)
        self.seed_b = w.IntSlider(value=seed_b, min=0, max=99, description="seed B", **slider)
        self.kind = w.Dropdown(options=["slerp", "linear"], value="slerp", description="path")
        self.t = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="t (A→B)", **slider)
        self.amounts = [w.FloatSlider(value=0.0, min=-AMOUNT_RANGE, max=AMOUNT_RANGE, step=0.25,
                                      description=f"direction {i + 1}", **slider)
                        for i in range(n_directions)]
        self.image = w.Image(format="png", layout=w.Layout(width="220px"))
        self.path_image = w.Image(format="png", layout=w.Layout(width="640px"))
        self.status = w.HTML()
        for control in (self.seed_a, self.seed_b, self.kind):
            control.observe(self._on_path_change, names="value")
        for control in (self.t, *self.amounts):
            control.observe(self._on_point_change, names="value")
        controls = w.VBox([self.seed_a, self.seed_b, self.kind, self.t, *self.amounts, self.status])
        self.box = w.VBox([w.HBox([controls, self.image]), self.path_image])
        self._on_path_change()

    def ends(self):
        """The two latent vectors `(D,)`, `(D,)` of the current seeds."""
        return (seed_vector(self.seed_a.value, self.latent_dim),
                seed_vector(self.seed_b.value, self.latent_dim))

    def current_z(self) -> np.ndarray:
        """The latent vector `(1, D)` the sliders describe (`explorer_point`)."""
        z_a, z_b = self.ends()
        return explorer_point(z_a, z_b, self.t.value, self.kind.value, self.directions,
                              [s.value for s in self.amounts])

    def _on_point_change(self, change=None):
        z = self.current_z()
        image = self.generate(z)[0]
        self.image.value = _compat.figure_png(image_figure(image, f"t = {self.t.value:.2f}"))
        self.status.value = f"|z| = {np.linalg.norm(z):.1f} (typical: about {np.sqrt(self.latent_dim):.1f})"
        self._draw_path()

    def _on_path_change(self, change=None):
        z_a, z_b = self.ends()
        # Generated once per path; moving t only re-frames the strip (no new generator calls).
        self._path_images = self.generate(interpolate(z_a, z_b, self.strip, self.kind.value))
        self._on_point_change()

    def _draw_path(self):
        ts = np.linspace(0.0, 1.0, self.strip)
        fig = path_figure([self._path_images], ts, row_titles=[f"{self.kind.value} A→B"],
                          mark_t=self.t.value)
        self.path_image.value = _compat.figure_png(fig)


def latent_explorer(generate, latent_dim: int, *, static: bool | None = None, **options):
    """Shows the latent-space explorer (or, without a widget front end, `static_paths_figure`).

    Args:
        generate: callable float32 `(n, latent_dim)` -> images `(n, H, W, C)` in [-1, 1].
        latent_dim: D.
        static: force the static figure (True) or the widget (False); None decides (`_compat.use_static`).
        **options: seed_a, seed_b, n_directions, direction_seed (and strip, widget only).

    Returns:
        The `LatentExplorer`, or the static `Figure`.
    """
    if _compat.use_static(static):
        options.pop("strip", None)
        options["n_directions"] = min(options.get("n_directions", 2), 2)
        fig = static_paths_figure(generate, latent_dim, **options)
        show_figure(fig)
        return fig
    explorer = LatentExplorer(generate, latent_dim, **options)
    _compat.show(explorer.box)
    return explorer
