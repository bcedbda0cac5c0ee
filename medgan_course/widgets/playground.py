"""The toy-GAN playground: train a GAN on 1-D/2-D data one click at a time, in the spirit of
GAN Lab (Kahng et al. 2019, https://poloclub.github.io/ganlab/).

Buttons "step D", "step G", "train N steps" and "reset"; sliders for the two learning rates
and for N; dropdowns for the dataset and the loss. The picture shows real and generated
samples over the discriminator's decision surface D(x), and both losses per update. Every
callback is a line or two over `toy.gan.ToyGAN` and `toy.plots.state_figure`, which the tests
and the notebook also call directly. Without a widget front end (`_compat.use_static`),
`playground` trains a few rounds and returns the same picture as a static figure.
Taught in notebooks/02_gan_theory.ipynb.
"""

from __future__ import annotations

import html

from medgan_course.toy.data import TOY_DATASETS
from medgan_course.widgets import _compat

#: Losses offered in the dropdown ("wasserstein" needs a Lipschitz critic, see notebook 05).
LOSS_CHOICES = ("non_saturating", "minimax", "least_squares", "hinge")


def _toy_gan(**kwargs):
    """A `ToyGAN` (imported here: it loads TensorFlow)."""
    from medgan_course.toy.gan import ToyGAN

    return ToyGAN(**kwargs)


def render(toy) -> bytes:
    """The playground's picture of `toy` as PNG bytes (the figure is closed afterwards)."""
    from medgan_course.toy.plots import state_figure

    fig = state_figure(toy)
    try:
        return _compat.figure_png(fig)
    finally:
        fig.clear()


class Playground:
    """The widget and its state: `toy` (a `ToyGAN`), the controls, and `image` (PNG).

    Args:
        dataset: a `TOY_DATASETS` name.
        loss: one of `LOSS_CHOICES`.
        d_lr, g_lr: initial learning rates (the sliders span 1e-5 to 1e-1).
        steps: initial value of the "steps per click" slider (rounds of D then G).
        seed: seed of the toy GAN; "reset" returns to step 0 of this seed.
        make_toy: builds the toy GAN from keyword arguments (tests may pass a stand-in).
    """

    def __init__(self, dataset="ring_2d", loss="non_saturating", *, d_lr=1e-3, g_lr=1e-3,
                 steps=100, seed=0, make_toy=_toy_gan):
        import ipywidgets as w

        self._make_toy, self.seed = make_toy, seed
        self.dataset = w.Dropdown(options=[(d.title, k) for k, d in TOY_DATASETS.items()],
                                  value=dataset, description="data")
        self.loss = w.Dropdown(options=list(LOSS_CHOICES), value=loss, description="loss")
        self.d_lr = w.FloatLogSlider(value=d_lr, base=10, min=-5, max=-1, step=0.25,
                                     description="D lr", readout_format=".0e")
        self.g_lr = w.FloatLogSlider(value=g_lr, base=10, min=-5, max=-1, step=0.25,
                                     description="G lr", readout_format=".0e")
        self.steps = w.IntSlider(value=steps, min=1, max=2000, description="steps/click")
        self.step_d = w.Button(description="step D", tooltip="one discriminator update")
        self.step_g = w.Button(description="step G", tooltip="one generator update")
        self.train_n = w.Button(description="train N steps", button_style="primary",
                                tooltip="N rounds of (D update, G update), N = steps/click")
        self.reset = w.Button(description="reset", button_style="warning")
        self.status = w.HTML()
        self.image = w.Image(format="png")
        self._wire()
        self.widget = w.VBox([
            w.HBox([self.dataset, self.loss]), w.HBox([self.d_lr, self.g_lr]),
            w.HBox([self.step_d, self.step_g, self.train_n, self.steps, self.reset]),
            self.status, self.image])
        self.toy = None
        self._rebuild()

    def _wire(self):
        self.step_d.on_click(self._guard(lambda: self.toy.step_discriminator()))
        self.step_g.on_click(self._guard(lambda: self.toy.step_generator()))
        self.train_n.on_click(self._guard(lambda: self.toy.train(self.steps.value)))
        self.reset.on_click(self._guard(lambda: self.toy.reset()))
        for slider in (self.d_lr, self.g_lr):
            slider.observe(self._guard(lambda: self.toy.set_learning_rates(
                self.d_lr.value, self.g_lr.value), redraw=False), names="value")
        for dropdown in (self.dataset, self.loss):
            dropdown.observe(self._guard(self._rebuild, redraw=False), names="value")

    def _guard(self, action, redraw=True):
        """A callback running `action`, then redrawing; errors go to the status line.

        ipywidgets swallows exceptions raised in callbacks, so a learner would see nothing.
        """
        def callback(*_):
            try:
                self.status.value = "<i>working…</i>"
                action()
                if redraw:
                    self.refresh()
                else:
                    self._report()
            except Exception as err:  # shown to the learner, not raised
                self.status.value = (f"<b style='color:#b3261e'>{type(err).__name__}: "
                                     f"{html.escape(str(err))}</b>")
        return callback

    def _rebuild(self):
        """A new toy GAN for the chosen dataset and loss (tracing its graphs takes seconds)."""
        self.toy = self._make_toy(dataset=self.dataset.value, loss=self.loss.value,
                                  d_lr=self.d_lr.value, g_lr=self.g_lr.value, seed=self.seed)
        self.refresh()

    def _report(self):
        d_lr, g_lr = self.toy.learning_rates
        self.status.value = (f"D updates: <b>{self.toy.d_updates}</b> · G updates: "
                             f"<b>{self.toy.g_updates}</b> · D lr {d_lr:.1e} · G lr {g_lr:.1e}")

    def refresh(self):
        """Redraws the picture and the status line from the toy GAN's current state."""
        self.image.value = render(self.toy)
        self._report()

    def _ipython_display_(self):
        _compat.show(self.widget)


def playground(dataset="ring_2d", loss="non_saturating", *, static=None, steps=100, **kwargs):
    """The playground widget, or (no widget front end) a static figure after `steps` rounds.

    Args:
        dataset, loss, steps, **kwargs: as for `Playground` (d_lr, g_lr, seed).
        static: True/False forces the static/widget version; None decides with
            `_compat.use_static()` (no kernel or no ipywidgets -> static).

    Returns:
        A `Playground` (displays itself in a notebook) or a matplotlib `Figure`.
    """
    if _compat.use_static(static):
        from medgan_course.toy.plots import state_figure

        kwargs.pop("make_toy", None)
        toy = _toy_gan(dataset=dataset, loss=loss, **kwargs).train(steps)
        return state_figure(toy, title=f"static playground: {steps} rounds of {loss} "
                                       "(no widget front end)")
    return Playground(dataset, loss, steps=steps, **kwargs)
