"""Tests of the imbalance explorer: the pure metric function and the widget, without a browser."""

import math

import pytest
from matplotlib.figure import Figure

from medgan_course.widgets import imbalance as explorer_module
from medgan_course.widgets.imbalance import ImbalanceExplorer, imbalance_explorer, prevalence_metrics

CLASSIFIERS = {"baseline": (0.70, 0.90), "GAN +100%": (0.80, 0.85)}


def test_majority_classifier_scores_the_majority_share_and_finds_nobody():
    m = prevalence_metrics(0.269, 0.0, 1.0)  # BreastMNIST's test split: 42 of 156 malignant
    assert m["accuracy"] == pytest.approx(1 - 0.269)
    assert m["balanced_accuracy"] == 0.5 and math.isnan(m["ppv"]) and m["npv"] == pytest.approx(0.731)


def test_ppv_falls_with_prevalence_while_balanced_accuracy_does_not_move():
    rare, common = prevalence_metrics(0.02, 0.8, 0.9), prevalence_metrics(0.3, 0.8, 0.9)
    # Bayes: 0.02 * 0.8 / (0.02 * 0.8 + 0.98 * 0.1) = 0.140
    assert rare["ppv"] == pytest.approx(0.016 / (0.016 + 0.098))
    assert rare["ppv"] < 0.2 < common["ppv"]
    assert rare["balanced_accuracy"] == common["balanced_accuracy"] == pytest.approx(0.85)
    assert rare["accuracy"] == pytest.approx(0.02 * 0.8 + 0.98 * 0.9)
    with pytest.raises(ValueError, match="prevalence"):
        prevalence_metrics(1.5, 0.5, 0.5)


def test_slider_redraws_the_figure_and_the_table(monkeypatch):
    seen = []
    original = explorer_module.explorer_figure

    def spy(prevalence, classifiers, **kwargs):
        seen.append((prevalence, dict(classifiers)))
        return original(prevalence, classifiers, **kwargs)

    monkeypatch.setattr(explorer_module, "explorer_figure", spy)
    widget = ImbalanceExplorer(CLASSIFIERS, prevalence=0.27, marks={"train": 0.27})
    before_png, before_table = widget.image.value, widget.table.value
    assert before_png[:4] == b"\x89PNG" and "always benign" in before_table
    widget.slider.value = 0.05
    assert seen[-1] == (0.05, CLASSIFIERS)
    assert widget.image.value != before_png and widget.table.value != before_table
    expected = prevalence_metrics(0.05, *CLASSIFIERS["baseline"])["ppv"]
    assert f"{expected:.2f}" in widget.table.value


def test_static_fallback_returns_figures(capsys):
    figures = imbalance_explorer(CLASSIFIERS, static=True)
    assert len(figures) == 3 and all(isinstance(f, Figure) for f in figures)
    assert isinstance(imbalance_explorer(CLASSIFIERS, static=False), ImbalanceExplorer)
