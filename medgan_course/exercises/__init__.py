"""Auto-checks for the notebooks' exercises: one module per notebook (`nb02`, `nb04`, ...).

A check never raises: it returns a `Feedback` that says what is right or what to look at, so an
unsolved exercise leaves the rest of the notebook running. Each notebook imports its module,
e.g. `from medgan_course.exercises import nb02`. The reference solutions live in
`exercises.solutions.nbNN`; a notebook shows them folded with `show_solution("nb02", "name")`.
"""

from medgan_course.exercises.core import Feedback, Solution, checker, not_attempted, show_solution

__all__ = ["Feedback", "Solution", "checker", "not_attempted", "show_solution"]
