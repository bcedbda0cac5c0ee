"""The checks behind `capstone.check_report`: one function per part of a capstone report.

Each `_check_*` takes the report dict and returns its problems, one line each saying what to
do; a part that is missing or still `...` is left to `missing_keys`, so that nothing is
reported twice. The intervals and the verdict are recomputed from the per-seed values, never
taken from the report. Taught in notebooks/14_capstone_project.ipynb (the schema is in
`exercises.capstone`). NumPy and SciPy only: importing this module imports no TensorFlow.
"""

from __future__ import annotations

import re

import numpy as np

from medgan_course.data.registry import DATASET_NAMES
from medgan_course.evaluation.classification import paired_differences, t_interval
from medgan_course.usecases.project import USE_CASES

#: What a conclusion may say about the GAN against the baseline.
VERDICTS = ("better", "worse", "unclear")
#: The fewest seeds a report may have; the most lenient interval level it may use.
MIN_SEEDS = 3
MIN_CONFIDENCE = 0.95
#: The report's keys, in the order of the schema (`exercises.capstone`).
KEYS = ("dataset", "use_case", "question", "metric", "seeds", "arms", "floor", "intervals",
        "conclusion", "limitations")
#: Words of a metric's name that say which direction is better.
_LOWER_WORDS = {"fd", "fid", "kid", "distance", "error", "loss", "mse", "mae"}
_HIGHER_WORDS = {"auc", "psnr", "ssim", "accuracy", "sensitivity", "specificity", "precision",
                 "recall", "dice", "f1"}


def seed_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval over seeds: `evaluation.classification.t_interval` at `confidence`.

    Args:
        values: one metric value per seed, at least 2 finite numbers.
        confidence: e.g. 0.95 for a 95% interval.

    Returns:
        (mean, low, high) as floats.
    """
    return t_interval(np.asarray(values, np.float64), alpha=1.0 - confidence)


def verdict(difference, higher_is_better: bool) -> str:
    """"better", "worse" or "unclear" from the (mean, low, high) of GAN minus baseline.

    The GAN is better only when the whole interval lies on the metric's good side of 0.
    """
    _, low, high = difference[:3]
    if low > 0 or high < 0:
        gan_higher = low > 0
        return "better" if gan_higher == bool(higher_is_better) else "worse"
    return "unclear"


def _filled(value) -> bool:
    return value is not Ellipsis and value is not None


def _text(value, minimum: int = 1) -> bool:
    return isinstance(value, str) and len(value.strip()) >= minimum


def _numbers(value, length=None):
    """`value` as a float64 array if it is a list of finite real numbers (of `length`), else None."""
    if not isinstance(value, (list, tuple, np.ndarray)) or any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number))
            for v in value):
        return None
    array = np.asarray(value, np.float64)
    ok = array.ndim == 1 and np.isfinite(array).all() and (length is None or len(array) == length)
    return array if ok else None


def _get(report, *path):
    """report[path[0]][path[1]]..., or None when a level is missing or not a dict."""
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def missing_keys(report) -> list[str]:
    """A problem for each key of `KEYS` that `report` lacks or leaves as `...` or None."""
    return [f"add report[{key!r}] (see capstone.REPORT_TEMPLATE)" if key not in report else
            f"fill in report[{key!r}]: it is still {'...' if report[key] is ... else None}"
            for key in KEYS if key not in report or not _filled(report[key])]


def _check_description(report) -> list[str]:
    problems = []
    dataset, use_case, question = (report.get(k) for k in ("dataset", "use_case", "question"))
    if _filled(dataset) and dataset not in DATASET_NAMES:
        problems.append(f"dataset {dataset!r} is not a flag the course loads; use dataset.name "
                        "of the data you loaded")
    if _filled(use_case) and use_case not in USE_CASES:
        problems.append(f"use_case {use_case!r} must be one of {', '.join(map(repr, USE_CASES))}")
    if _filled(question) and not (_text(question, 20) and question.strip().endswith("?")):
        problems.append("question must be the study's question in a sentence ending with '?'")
    return problems


def _check_metric(report) -> list[str]:
    metric = report.get("metric")
    if not _filled(metric):
        return []
    if not isinstance(metric, dict) or not _text(metric.get("name")) or not isinstance(
            metric.get("higher_is_better"), bool):
        return ["metric must be {'name': str, 'higher_is_better': True or False}"]
    words = set(re.findall(r"[a-z0-9]+", metric["name"].lower()))
    expected = (False if words & _LOWER_WORDS and not words & _HIGHER_WORDS else
                True if words & _HIGHER_WORDS and not words & _LOWER_WORDS else None)
    if expected is not None and metric["higher_is_better"] != expected:
        return [f"metric {metric['name']!r}: {'higher' if expected else 'lower'} is better, so "
                f"set higher_is_better to {expected}"]
    return []


def _check_seeds(report) -> list[str]:
    seeds = report.get("seeds")
    if not _filled(seeds):
        return []
    if not isinstance(seeds, (list, tuple)) or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in seeds):
        return [f"seeds must be a list of ints, e.g. [0, 1, 2]; got {seeds!r}"]
    if len(set(seeds)) != len(seeds):
        return [f"seeds {list(seeds)} repeat a seed: each must be a different run"]
    if len(seeds) < MIN_SEEDS:
        return [f"run at least {MIN_SEEDS} seeds (you have {len(seeds)}): one or two runs cannot "
                "show how much the result varies"]
    return []


def _seed_count(report):
    """The number of seeds if `report['seeds']` is valid, else None."""
    return len(report["seeds"]) if _filled(report.get("seeds")) and not _check_seeds(report) else None


def _check_arm(report, arm: str) -> list[str]:
    entry = _get(report, "arms", arm)
    if not isinstance(entry, dict):
        return [f"add report['arms'][{arm!r}] = {{'name': ..., 'per_seed': [...]}}"]
    problems = [] if _text(entry.get("name")) else [f"give the {arm} arm a 'name' (str)"]
    n, values = _seed_count(report), entry.get("per_seed")
    if _numbers(values) is None:
        problems.append(f"arms[{arm!r}]['per_seed'] must be a list of finite numbers, one per seed")
    elif n is not None and len(values) != n:
        problems.append(f"arms[{arm!r}]['per_seed'] has {len(values)} values for {n} seeds: give "
                        "exactly one per seed, in the order of report['seeds']")
    elif arm == "gan" and n is not None and np.ptp(_numbers(values)) == 0:
        problems.append("the GAN gave the same value for every seed: re-draw everything random "
                        "(weights, data order, noise) for each seed")
    return problems


def _names_a_gan(name: str) -> bool:
    words = re.findall(r"[a-z0-9]+", name.lower())
    return any((w.endswith("gan") and (i == 0 or words[i - 1] not in ("non", "no", "without")))
               or w in ("pix2pix", "adversarial", "discriminator") for i, w in enumerate(words))


def _check_arms(report) -> list[str]:
    if not isinstance(report.get("arms"), dict):
        return [] if not _filled(report.get("arms")) else [
            "arms must be {'gan': {...}, 'baseline': {...}} (see capstone.REPORT_TEMPLATE)"]
    problems = _check_arm(report, "gan") + _check_arm(report, "baseline")
    base = _get(report, "arms", "baseline")
    if isinstance(base, dict):
        if base.get("uses_gan") is not False:
            problems.append("the baseline must be a non-GAN method: set arms['baseline']['uses_gan']"
                            " to False, and compare against a method without a GAN")
        elif _text(base.get("name")) and _names_a_gan(base["name"]):
            problems.append(f"the baseline {base['name']!r} names a GAN: the baseline must be a "
                            "method without one (a filter, a classical sampler, class weights)")
    gan, other = (_numbers(_get(report, "arms", a, "per_seed")) for a in ("gan", "baseline"))
    if gan is not None and other is not None and gan.shape == other.shape and np.all(gan == other):
        problems.append("the GAN and baseline per-seed values are identical: fill each arm with "
                        "its own measurements")
    return problems


def _check_floor(report) -> list[str]:
    floor = report.get("floor")
    if not _filled(floor):
        return []
    if not isinstance(floor, dict) or _numbers([floor.get("value")]) is None:
        return ["floor must be {'value': a number, 'how': 'how it was measured'}"]
    if not _text(floor.get("how"), 10):
        return ["say in floor['how'] how the floor was measured (same pipeline as the arms)"]
    return []


def _per_seed(report):
    """(gan, baseline) per-seed arrays when both arms are valid for the seeds, else None."""
    n = _seed_count(report)
    arms = [_numbers(_get(report, "arms", a, "per_seed"), n) for a in ("gan", "baseline")]
    return None if n is None or any(a is None for a in arms) else arms


def _triple(intervals, name):
    value = _numbers(intervals.get(name), 3)
    return value if value is not None and value[1] <= value[0] <= value[2] else None


def _interval_problem(name, got, values, method, confidence, tolerance):
    """Why the reported (mean, low, high) `got` does not fit the per-seed `values`, or None."""
    mean = float(np.mean(values))
    if abs(got[0] - mean) > tolerance:
        return (f"intervals[{name!r}] has mean {got[0]:.4g}, but the per-seed values give "
                f"{mean:.4g}: recompute it from report['arms']")
    if method == "t":
        expected = seed_interval(values, confidence)
        if max(abs(got[1] - expected[1]), abs(got[2] - expected[2])) > tolerance:
            return (f"intervals[{name!r}] is [{got[1]:.4g}, {got[2]:.4g}], but a {confidence:.0%} "
                    f"t-interval of the per-seed values is [{expected[1]:.4g}, {expected[2]:.4g}]"
                    ": recompute it (capstone.seed_interval)")
    elif got[1] < values.min() - tolerance or got[2] > values.max() + tolerance:
        return (f"intervals[{name!r}] reaches beyond the per-seed values: a bootstrap interval "
                "of the mean lies between their minimum and maximum")
    return None


def _check_intervals(report) -> list[str]:
    intervals = report.get("intervals")
    if not _filled(intervals):
        return []
    if not isinstance(intervals, dict) or intervals.get("method") not in ("t", "bootstrap"):
        return ["intervals must say their 'method': 't' (over seeds) or 'bootstrap'"]
    confidence = intervals.get("confidence")
    if _numbers([confidence]) is None or not MIN_CONFIDENCE <= confidence < 1:
        return [f"intervals['confidence'] must be between {MIN_CONFIDENCE} and 1 (e.g. 0.95): "
                "a narrower level makes noise look like a result"]
    triples = {name: _triple(intervals, name) for name in ("gan", "baseline", "difference")}
    problems = [f"intervals[{name!r}] must be [mean, low, high] with low <= mean <= high"
                for name, value in triples.items() if value is None]
    arms = _per_seed(report)
    if problems or arms is None:
        return problems
    values = {"gan": arms[0], "baseline": arms[1], "difference": arms[0] - arms[1]}
    # Room for rounding to 2 decimals (or 3 significant digits of large values), no more.
    tolerance = 0.005 + 1e-3 * float(np.max(np.abs(np.concatenate(arms))))
    found = (_interval_problem(name, triples[name], values[name], intervals["method"],
                               confidence, tolerance) for name in values)
    return [p for p in found if p is not None]


def _check_conclusion(report) -> list[str]:
    conclusion = report.get("conclusion")
    if not _filled(conclusion):
        return []
    if not isinstance(conclusion, dict) or conclusion.get("verdict") not in VERDICTS:
        return [f"conclusion must be {{'verdict': one of {VERDICTS}, 'text': str}}"]
    problems = [] if _text(conclusion.get("text"), 40) else [
        "write conclusion['text']: a few sentences on the verdict, the floor and the limits"]
    arms, metric = _per_seed(report), report.get("metric")
    confidence = _get(report, "intervals", "confidence")
    if arms is None or _check_metric(report) or not isinstance(metric, dict) or \
            _numbers([confidence]) is None or not 0 < confidence < 1:
        return problems
    pair = paired_differences(arms[0], arms[1], alpha=1.0 - confidence)
    supported = verdict((pair.mean, pair.low, pair.high), metric["higher_is_better"])
    if conclusion["verdict"] != supported:
        reason = ("includes 0: the seeds cannot tell the arms apart" if supported == "unclear"
                  else f"lies on the {'good' if supported == 'better' else 'bad'} side of 0")
        problems.append(f"conclusion says {conclusion['verdict']!r}, but the {confidence:.0%} "
                        f"interval of the paired difference (GAN - baseline) "
                        f"[{pair.low:+.4g}, {pair.high:+.4g}] {reason}: say {supported!r}")
    return problems


def _check_limitations(report) -> list[str]:
    limitations = report.get("limitations")
    if not _filled(limitations):
        return []
    if not isinstance(limitations, (list, tuple)) or not limitations or not all(
            _text(item, 10) for item in limitations):
        return ["limitations must be a list of sentences (str), at least one"]
    if report.get("dataset") == "phantoms" and not any("phantom" in item.lower()
                                                       for item in limitations):
        return ["the data are the embedded phantoms: say in limitations that they are not "
                "images of patients"]
    return []


#: Every part's check, in the order of the schema.
CHECKS = (_check_description, _check_metric, _check_seeds, _check_arms, _check_floor,
           _check_intervals, _check_conclusion, _check_limitations)
