"""Imbalance explorer: how the minority fraction changes what a classifier's numbers mean.

A classifier with a fixed decision threshold has a fixed sensitivity (malignant cases caught) and
specificity (benign cases cleared). The fraction of malignant patients it meets, the prevalence,
changes everything else: its accuracy, and the chance that a "malignant" call is right (the
positive predictive value, PPV). The learner moves a slider for the minority fraction; the widget
redraws the class balance of 1,000 patients and the metrics of each classifier it was given (the
notebook passes the measured sensitivity and specificity of its arms) beside "always benign",
the majority-class classifier that scores high accuracy and finds nobody.
All numbers come from the pure function `prevalence_metrics`. Without a widget front end,
`imbalance_explorer` shows the static figure at a few prevalences.
Taught in notebooks/07_class_imbalance.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from medgan_course.widgets import _compat

#: The majority-class classifier: calls everyone benign (sensitivity 0, specificity 1).
ALWAYS_MAJORITY = ("always benign (majority)", (0.0, 1.0))
#: Metrics shown in the bar panel, in order.
SHOWN = ("accuracy", "balanced_accuracy", "ppv")
_LABELS = {"accuracy": "accuracy", "balanced_accuracy": "balanced acc.", "ppv": "PPV"}


def prevalence_metrics(prevalence: float, sensitivity: float, specificity: float) -> dict:
    """What a classifier with this sensitivity and specificity scores at a given prevalence.

    Args:
        prevalence: fraction of minority (positive) cases, in [0, 1].
        sensitivity: fraction of positives called positive, in [0, 1].
        specificity: fraction of negatives called negative, in [0, 1].

    Returns:
        {"accuracy", "balanced_accuracy", "ppv", "npv"} as floats; PPV (NPV) is NaN when the
        classifier never calls anyone positive (negative).
    """
    for name, value in (("prevalence", prevalence), ("sensitivity", sensitivity),
                        ("specificity", specificity)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    p, se, sp = float(prevalence), float(sensitivity), float(specificity)
    called_pos, called_neg = p * se + (1 - p) * (1 - sp), p * (1 - se) + (1 - p) * sp
    return {"accuracy": p * se + (1 - p) * sp, "balanced_accuracy": (se + sp) / 2,
            "ppv": p * se / called_pos if called_pos > 0 else float("nan"),
            "npv": (1 - p) * sp / called_neg if called_neg > 0 else float("nan")}


def _with_majority(classifiers: dict) -> dict:
    return {ALWAYS_MAJORITY[0]: ALWAYS_MAJORITY[1], **dict(classifiers)}


def explorer_figure(prevalence: float, classifiers: dict, *, marks: dict | None = None,
                    class_names=("malignant", "benign")) -> Figure:
    """Class balance, metrics at `prevalence`, and accuracy/PPV over all prevalences.

    Args:
        prevalence: the minority fraction to show, in (0, 1).
        classifiers: {name: (sensitivity, specificity)}; "always benign" is added first.
        marks: optional {label: prevalence} drawn as dotted lines (e.g. the training splits).
        class_names: (minority name, majority name).
    """
    classifiers = _with_majority(classifiers)
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax_bal, ax_bar, ax_line = fig.subplots(1, 3, width_ratios=[0.7, 1.4, 1.4])
    n_min = round(1000 * prevalence)
    ax_bal.bar(class_names, [n_min, 1000 - n_min], color=["firebrick", "silver"])
    ax_bal.set_title(f"1,000 patients, {prevalence:.0%} {class_names[0]}", fontsize=9)
    ax_bal.set_ylim(0, 1000)
    width = 0.8 / len(classifiers)
    x = np.arange(len(SHOWN))
    for i, (name, (se, sp)) in enumerate(classifiers.items()):
        values = prevalence_metrics(prevalence, se, sp)
        heights = [0.0 if np.isnan(values[m]) else values[m] for m in SHOWN]
        ax_bar.bar(x + (i - (len(classifiers) - 1) / 2) * width, heights, width, label=name)
    ax_bar.set_xticks(x, [_LABELS[m] for m in SHOWN])
    ax_bar.set_ylim(0, 1)
    ax_bar.set_title(f"at {prevalence:.0%} (PPV of 'always benign' is undefined: shown as 0)",
                     fontsize=9)
    grid = np.linspace(0.01, 0.6, 60)
    for i, (se, sp) in enumerate(classifiers.values()):
        colour = f"C{i}"
        ax_line.plot(grid, [prevalence_metrics(p, se, sp)["accuracy"] for p in grid], colour)
        ax_line.plot(grid, [prevalence_metrics(p, se, sp)["ppv"] for p in grid], colour, ls="--")
    for label, value in (marks or {}).items():
        ax_line.axvline(value, color="grey", ls=":", lw=1)
        ax_line.text(value, 0.02, f" {label}", rotation=90, fontsize=7, color="grey")
    ax_line.axvline(prevalence, color="black", lw=1)
    ax_line.set(xlabel="minority fraction (prevalence)", ylim=(0, 1))
    ax_line.set_title("solid: accuracy, dashed: PPV", fontsize=9)
    fig.legend(*ax_bar.get_legend_handles_labels(), loc="outside lower center",
               ncol=len(classifiers), fontsize=8)
    return fig


def summary_html(prevalence: float, classifiers: dict) -> str:
    """An HTML table of every classifier's metrics at `prevalence` (what the bars show)."""
    rows = []
    for name, (se, sp) in _with_majority(classifiers).items():
        values = prevalence_metrics(prevalence, se, sp)
        cells = "".join(f"<td>{'—' if np.isnan(values[m]) else f'{values[m]:.2f}'}</td>"
                        for m in (*SHOWN, "npv"))
        rows.append(f"<tr><td>{name}</td><td>{se:.2f}</td><td>{sp:.2f}</td>{cells}</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("classifier", "sens.", "spec.", "accuracy",
                                             "balanced acc.", "PPV", "NPV"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


class ImbalanceExplorer:
    """The widget: a minority-fraction slider -> figure (PNG) and a table of the metrics.

    Args:
        classifiers: {name: (sensitivity, specificity)}.
        prevalence: initial minority fraction.
        marks: optional {label: prevalence} reference lines.
    """

    def __init__(self, classifiers: dict, *, prevalence: float = 0.27, marks: dict | None = None):
        import ipywidgets as w

        self.classifiers, self.marks = dict(classifiers), marks
        self.slider = w.FloatSlider(value=prevalence, min=0.01, max=0.6, step=0.01,
                                    description="minority", readout_format=".0%",
                                    continuous_update=False, layout=w.Layout(width="420px"))
        self.image = w.Image(format="png", layout=w.Layout(width="900px"))
        self.table = w.HTML()
        self.slider.observe(self._redraw, names="value")
        self.box = w.VBox([self.slider, self.image, self.table])
        self._redraw()

    def _redraw(self, change=None):
        p = self.slider.value
        fig = explorer_figure(p, self.classifiers, marks=self.marks)
        self.image.value = _compat.figure_png(fig)
        self.table.value = summary_html(p, self.classifiers)


def static_figure(classifiers: dict, prevalences=(0.05, 0.27, 0.5), marks=None) -> list:
    """The static fallback: the explorer's figure at a few prevalences."""
    return [explorer_figure(p, classifiers, marks=marks) for p in prevalences]


def imbalance_explorer(classifiers: dict, *, prevalence: float = 0.27, marks: dict | None = None,
                       static: bool | None = None):
    """Shows the imbalance explorer (or, without a widget front end, the static figures).

    Args:
        classifiers: {name: (sensitivity, specificity)}, e.g. measured on the test split.
        prevalence: initial minority fraction.
        marks: optional {label: prevalence} reference lines (e.g. BreastMNIST's 27%).
        static: force the static figures (True) or the widget (False); None decides.

    Returns:
        The `ImbalanceExplorer`, or the list of static Figures.
    """
    if _compat.use_static(static):
        figures = static_figure(classifiers, marks=marks)
        for fig in figures:
            _compat.show(fig)
        return figures
    explorer = ImbalanceExplorer(classifiers, prevalence=prevalence, marks=marks)
    _compat.show(explorer.box)
    return explorer
