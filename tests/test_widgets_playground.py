"""Tests of the toy-GAN playground widget, driven without a browser (ipywidgets 8 runs
callbacks synchronously: setting `.value` fires observers, `.click()` runs handlers)."""

import subprocess
import sys

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("tensorflow")

from matplotlib.figure import Figure

from medgan_course.widgets import playground as pg


@pytest.fixture(scope="module")
def widget():
    """One playground on the 1-D Gaussian (building a toy GAN traces graphs: seconds)."""
    return pg.Playground("gaussian_1d", steps=30, seed=0)


def test_starts_at_step_zero_with_a_picture(widget):
    widget.reset.click()
    assert (widget.toy.d_updates, widget.toy.g_updates) == (0, 0)
    assert widget.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "D updates: <b>0</b>" in widget.status.value


def test_step_buttons_run_one_update_each_and_redraw(widget):
    widget.reset.click()
    before = widget.image.value
    widget.step_d.click()
    assert (widget.toy.d_updates, widget.toy.g_updates) == (1, 0)
    assert widget.image.value != before
    before = widget.image.value
    widget.step_g.click()
    assert (widget.toy.d_updates, widget.toy.g_updates) == (1, 1)
    assert widget.image.value != before
    assert "G updates: <b>1</b>" in widget.status.value


def test_train_button_runs_the_slider_s_number_of_rounds(widget, monkeypatch):
    widget.reset.click()
    calls = []
    original = widget.toy.train
    monkeypatch.setattr(widget.toy, "train", lambda n: calls.append(n) or original(n))
    widget.steps.value = 25
    before = widget.image.value
    widget.train_n.click()
    assert calls == [25]
    assert (widget.toy.d_updates, widget.toy.g_updates) == (25, 25)
    assert widget.image.value != before


def test_learning_rate_sliders_reach_the_optimizers(widget):
    widget.d_lr.value = 1e-2
    widget.g_lr.value = 1e-4
    assert widget.toy.learning_rates == pytest.approx((1e-2, 1e-4))
    assert float(widget.toy.gan.d_optimizer.learning_rate) == pytest.approx(1e-2)
    assert "D lr 1.0e-02" in widget.status.value
    widget.d_lr.value = widget.g_lr.value = 1e-3


def test_reset_returns_to_step_zero(widget):
    widget.step_d.click()
    widget.reset.click()
    assert (widget.toy.d_updates, widget.toy.g_updates) == (0, 0)
    assert widget.toy.history["d_loss"] == []


def test_dataset_and_loss_dropdowns_build_a_new_toy_gan():
    made = []

    class FakeToy:
        """Records what the widget asked for; draws nothing heavy."""

        def __init__(self, **kwargs):
            made.append(kwargs)
            self.d_updates = self.g_updates = 0
            self.learning_rates = (kwargs["d_lr"], kwargs["g_lr"])

    rendered = []
    original = pg.render
    pg.render = lambda toy: rendered.append(toy) or b"png-%d" % len(rendered)
    try:
        widget = pg.Playground("ring_2d", "non_saturating", make_toy=FakeToy, seed=3)
        widget.loss.value = "minimax"
        widget.dataset.value = "mixture_1d"
    finally:
        pg.render = original
    assert [m["loss"] for m in made] == ["non_saturating", "minimax", "minimax"]
    assert [m["dataset"] for m in made] == ["ring_2d", "ring_2d", "mixture_1d"]
    assert all(m["seed"] == 3 for m in made)
    assert widget.image.value == b"png-3"


def test_errors_in_a_callback_are_shown_not_raised(widget):
    original = widget.toy.step_generator
    widget.toy.step_generator = lambda: 1 / 0
    try:
        widget.step_g.click()
    finally:
        widget.toy.step_generator = original
    assert "ZeroDivisionError" in widget.status.value


def test_static_fallback_returns_a_figure():
    fig = pg.playground("gaussian_1d", static=True, steps=3)
    assert isinstance(fig, Figure)
    assert "static playground: 3 rounds of non_saturating" in fig.get_suptitle()


def test_no_kernel_means_static_by_default():
    # pytest runs outside a Jupyter kernel, so `_compat.use_static()` chooses the figure.
    assert isinstance(pg.playground("gaussian_1d", steps=2), Figure)
    assert isinstance(pg.playground("gaussian_1d", static=False, steps=2), pg.Playground)


def test_importing_the_widget_module_does_not_import_tensorflow():
    code = "import sys, medgan_course.widgets.playground; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
