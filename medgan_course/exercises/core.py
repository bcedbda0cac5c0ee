"""The feedback object every exercise check returns, and the decorator that keeps checks safe.

Taught in notebooks/00_welcome_and_setup.ipynb (how exercises work).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

#: What a learner's unsolved stub returns or raises.
_STUB_ERRORS = (NotImplementedError,)


@dataclass(frozen=True)
class Feedback:
    """The result of an exercise check.

    Attributes:
        passed: whether the answer is accepted.
        message: what is right, or a hint at what to look at (never the solution).
        exercise: the exercise's name, shown in the display.
    """

    passed: bool
    message: str
    exercise: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def _label(self) -> str:
        mark = "✅ Correct" if self.passed else "❌ Not yet"
        return f"{mark}{' — ' + self.exercise if self.exercise else ''}"

    def __repr__(self) -> str:
        return f"{self._label()}: {self.message}"

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.passed else "#b3261e"
        return (f'<div style="border-left:4px solid {colour};padding:4px 8px">'
                f"<b>{html.escape(self._label())}</b>: {html.escape(self.message)}</div>")


def array_answer(result, shape):
    """A learner's array answer as float64, or (None, what is wrong with it).

    Args:
        result: what the learner's function returned.
        shape: the shape the answer must have.

    Returns:
        (array, "") when usable; (None, message) when it is None or has another shape.
    """
    if result is None:
        return None, "your function returned None: did you forget `return`?"
    import numpy as np

    result = np.asarray(result, dtype=np.float64)
    if result.shape != tuple(shape):
        return None, f"the output has shape {result.shape}; it must keep the input's shape {tuple(shape)}."
    return result, ""


def first_mismatch(function, reference, cases, same=lambda got, expected: got == expected):
    """The first case where a learner's function disagrees with the reference, or None.

    Args:
        function: the learner's function, called as ``function(*case)``.
        reference: the correct function, same signature.
        cases: argument tuples.
        same: ``same(got, expected) -> bool`` (e.g. a tolerance); not called when got is None.

    Returns:
        None when every case matches, else (case, got, expected); got may be None (a missing
        `return`), which each check turns into its own hint.
    """
    for case in cases:
        got, expected = function(*case), reference(*case)
        if got is None or not same(got, expected):
            return case, got, expected
    return None


def not_attempted(exercise: str = "") -> Feedback:
    """The feedback for an untouched stub."""
    return Feedback(False, "not attempted yet: replace the `...` / `raise NotImplementedError` "
                           "with your answer and run the cell again.", exercise)


def checker(exercise: str):
    """Decorator for a check function: names its feedback and turns errors into feedback.

    The wrapped check may return a `Feedback` or a `(passed, message)` pair. For an answer left
    as `...` (Ellipsis), or learner code that raises `NotImplementedError` (the stub), the result
    is `not_attempted`; any other exception becomes a "your code raised ..." message instead of
    an error, because a check must never stop the notebook.
    """

    def decorate(check):
        @functools.wraps(check)
        def wrapped(*args, **kwargs):
            if any(arg is Ellipsis for arg in (*args, *kwargs.values())):
                return not_attempted(exercise)
            try:
                result = check(*args, **kwargs)
            except _STUB_ERRORS:
                return not_attempted(exercise)
            except Exception as err:  # a check reports, it never raises
                return Feedback(False, f"your code raised {type(err).__name__}: {err}", exercise)
            if isinstance(result, Feedback):
                return Feedback(result.passed, result.message, exercise)
            passed, message = result
            return Feedback(bool(passed), message, exercise)

        return wrapped

    return decorate


@dataclass(frozen=True)
class Solution:
    """The source of a reference solution, shown folded (HTML) or as plain text.

    Attributes:
        title: what the fold says ("Solution").
        source: the solution's code.
    """

    title: str
    source: str

    def __repr__(self) -> str:
        return f"{self.title}:\n\n{self.source}"

    def _repr_html_(self) -> str:
        return (f"<details><summary>{html.escape(self.title)}</summary>"
                f"{_highlighted(self.source)}</details>")


def _highlighted(source: str) -> str:
    """`source` as HTML: coloured by Pygments when it is installed (IPython brings it), else plain."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre><code>{html.escape(source)}</code></pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))


def solution_source(notebook: str, *names: str) -> str:
    """The source of reference solutions `names` of `notebook` ("nb04"), blank-line separated.

    Imports `medgan_course.exercises.solutions.<notebook>` only now: the solutions of some
    notebooks need Keras or TensorFlow, which the check modules never import.
    """
    import importlib
    import inspect

    module = importlib.import_module(f"medgan_course.exercises.solutions.{notebook}")
    return "\n\n\n".join(inspect.getsource(getattr(module, name)).rstrip() for name in names) + "\n"


def show_solution(notebook: str, *names: str) -> Solution:
    """The notebook's *Solution* cell: reference solutions `names` of `notebook`, folded.

    Example: ``show_solution("nb04", "ema_update")`` as the last expression of a cell shows
    a closed *Solution* fold with the source of `solutions.nb04.ema_update`.
    """
    if not names:
        raise TypeError("show_solution() needs at least one solution name")
    return Solution("Solution", solution_source(notebook, *names))
