"""Auto-checks for the notebooks' exercises: one module per notebook (`nb02`, `nb04`, ...).

A check never raises: it returns a `Feedback` that says what is right or what to look at, so an
unsolved exercise leaves the rest of the notebook running. Each notebook imports its module,
e.g. `from medgan_course.exercises import nb02`.
"""

from medgan_course.exercises.core import Feedback, checker, not_attempted

__all__ = ["Feedback", "checker", "not_attempted"]
