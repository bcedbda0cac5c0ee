"""The capstone project's report: its schema, the check of its structure, and the rubric.

Taught in notebooks/14_capstone_project.ipynb. A learner's project ends in one plain dict, the
*report*; `check_report` lists everything missing or inconsistent in it, one line each, and
accepts it when the list is empty. The checks force honest reporting: every seed's value is
given (not only a mean), the intervals are recomputed from them and must agree, the floor and a
non-GAN baseline are present, and the conclusion's verdict must be the one the numbers support.

The report (every key required; `REPORT_TEMPLATE` is an empty one to fill):

    dataset      the flag of the data actually loaded ("phantoms" after the offline fallback)
    use_case     one of USE_CASES
    question     the question, asked before training, ending with "?"
    metric       {"name": str, "higher_is_better": bool}
    seeds        >= MIN_SEEDS distinct ints; everything random is re-drawn for each
    arms         {"gan": {"name": str, "per_seed": [float, one per seed]},
                  "baseline": {"name": str, "uses_gan": False, "per_seed": [...]}}
    floor        {"value": float, "how": str}: the reference level, measured the same way
    intervals    {"method": "t" or "bootstrap", "confidence": >= 0.95,
                  "gan": [mean, low, high], "baseline": [...],
                  "difference": [...]}  (GAN minus baseline, paired by seed)
    conclusion   {"verdict": "better", "worse" or "unclear", "text": str}: "better" only when
                 the interval of the paired difference excludes 0 in the metric's good direction
    limitations  [str, ...], at least one (with phantoms: say the data are not patients)

NumPy and SciPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from medgan_course.evaluation.classification import paired_differences
from medgan_course.exercises.report_checks import (
    CHECKS,
    MIN_CONFIDENCE,
    MIN_SEEDS,
    VERDICTS,
    missing_keys,
    seed_interval,
    verdict,
)
from medgan_course.usecases.project import USE_CASES, use_cases_markdown

__all__ = ["MIN_CONFIDENCE", "MIN_SEEDS", "REPORT_TEMPLATE", "RUBRIC", "USE_CASES", "VERDICTS",
           "Review", "check_report", "review_report", "rubric_markdown", "rubric_total",
           "seed_interval", "summarise_arms", "use_cases_markdown", "verdict"]

#: An empty report: copy it and replace every `...`.
REPORT_TEMPLATE = {
    "dataset": ..., "use_case": ..., "question": ...,
    "metric": {"name": ..., "higher_is_better": ...}, "seeds": ...,
    "arms": {"gan": {"name": ..., "per_seed": ...},
             "baseline": {"name": ..., "uses_gan": False, "per_seed": ...}},
    "floor": {"value": ..., "how": ...},
    "intervals": {"method": "t", "confidence": 0.95, "gan": ..., "baseline": ..., "difference": ...},
    "conclusion": {"verdict": ..., "text": ...}, "limitations": ...,
}
#: The rubric: criterion, points, what earns them, and whether `check_report` checks its
#: structure (the rest a reader grades).
RUBRIC = (
    ("Question", 2, "asked before training: a use case, one metric and its direction, and what "
     "would count as a GAN success", True),
    ("Floor", 2, "measured with the same pipeline (extractor, sample size, split) and read "
     "beside every number", True),
    ("Baseline", 3, "a non-GAN method that is a real competitor, with the same data, "
     "evaluation and a comparable budget", True),
    ("Seeds and intervals", 3, "at least 3 seeds (5 is better) that re-draw everything random; "
     "mean and 95% interval per arm and of the paired difference", True),
    ("Conclusion", 4, "the verdict the paired interval supports, the distance to the floor, "
     "and what the result does NOT show", True),
    ("A second look", 3, "one check that could catch what the metric misses: samples, "
     "memorization, per-class recall or a class check", False),
    ("Limitations and reproducibility", 3, "data (phantoms? size?), budgets, and the parameters "
     "that re-run the study exactly", False),
)


def summarise_arms(gan, baseline, higher_is_better: bool, confidence: float = 0.95) -> dict:
    """The report's "intervals" and verdict from per-seed values (same seeds, same order).

    Returns:
        {"method": "t", "confidence", "gan", "baseline", "difference": [mean, low, high] each,
        "verdict": one of VERDICTS}.
    """
    pair = paired_differences(gan, baseline, alpha=1.0 - confidence)
    difference = [pair.mean, pair.low, pair.high]
    return {"method": "t", "confidence": confidence, "gan": list(seed_interval(gan, confidence)),
            "baseline": list(seed_interval(baseline, confidence)), "difference": difference,
            "verdict": verdict(difference, higher_is_better)}


def check_report(report) -> list[str]:
    """Every problem of a capstone report, one line each saying what to do; [] accepts it.

    Never raises: a value of the wrong type becomes a problem, and so does anything the
    checks cannot read. The schema is in this module's docstring.

    Args:
        report: the report dict.

    Returns:
        The problems, in the order of the schema.
    """
    if not isinstance(report, dict):
        return [f"the report must be a dict (copy capstone.REPORT_TEMPLATE), got "
                f"{type(report).__name__}"]
    problems = missing_keys(report)
    for check in CHECKS:
        try:
            problems += check(report)
        except Exception as err:  # a check reports, it never raises
            problems.append(f"could not read the report ({type(err).__name__}: {err}); compare "
                            "it with capstone.REPORT_TEMPLATE")
    return problems


@dataclass(frozen=True)
class Review:
    """`check_report`'s result as a notebook shows it: accepted, or the list of problems."""

    problems: tuple[str, ...]

    def __bool__(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:
        if not self.problems:
            return "✅ Report accepted: complete, and its numbers agree with each other."
        return f"❌ {len(self.problems)} problem(s):\n" + "\n".join(f"- {p}" for p in self.problems)

    def _repr_html_(self) -> str:
        colour = "#b3261e" if self.problems else "#1b7f3b"
        lines = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        head = html.escape(repr(self).splitlines()[0])
        return (f'<div style="border-left:4px solid {colour};padding:4px 8px"><b>{head}</b>'
                f"{'<ul>' + lines + '</ul>' if lines else ''}</div>")


def review_report(report) -> Review:
    """`check_report` for display: shows ✅ or the problems as a list in a notebook."""
    return Review(tuple(check_report(report)))


def rubric_markdown(rubric=RUBRIC) -> str:
    """The rubric as a Markdown table, with the total."""
    lines = ["| criterion | points | full points when | structure auto-checked |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {points} | {earns} | {'yes' if auto else 'no: graded by a reader'} |"
              for name, points, earns, auto in rubric]
    return "\n".join(lines + [f"| **total** | **{sum(r[1] for r in rubric)}** | | |"])


def rubric_total(grades: dict, rubric=RUBRIC) -> str:
    """A self-assessment's total, e.g. "15 / 20", from {criterion: points given}.

    Raises:
        ValueError: an unknown criterion or more points than the criterion has.
    """
    maximum = {name: points for name, points, *_ in rubric}
    for name, points in grades.items():
        if name not in maximum or not isinstance(points, (int, float)) or \
                not 0 <= points <= maximum[name]:
            raise ValueError(f"{name!r}: give 0-{maximum.get(name, 0)} points to one of "
                             f"{list(maximum)}")
    return f"{sum(grades.values())} / {sum(maximum.values())}"
