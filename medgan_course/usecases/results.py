"""One result file per arm and seed, and the honest summary of many: means, t-intervals, pairs.

A use-case benchmark writes `{root}/{arm}_seed{seed}.json` atomically as each run finishes, so
an interrupted benchmark resumes where it stopped (`is_done`). `summarise` reports, for every arm,
the mean and 95% t-interval of each metric over seeds, and the per-seed paired difference
against the baseline arm (same seeds), which removes the seed-to-seed variation both share.
`bootstrap_over_test_cases` adds the other source of uncertainty: the test split's size (BreastMNIST
has 42 malignant test cases, so one case moves sensitivity by 2.4 points).
Taught in notebooks/07_class_imbalance.ipynb. NumPy only: no TensorFlow.
"""

from __future__ import annotations

import json
import os
import pathlib
import re

import numpy as np

from medgan_course.evaluation.classification import (
    binary_metrics,
    bootstrap_ci,
    paired_differences,
    roc_auc,
    t_interval,
)

#: The metrics every classification use case reports, in table order.
METRICS = ("auc", "balanced_accuracy", "sensitivity", "specificity")
_ARM = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")


def result_path(root, arm: str, seed: int) -> pathlib.Path:
    """`root/arm_seed{seed}.json`; arm names are lower-case words (they become file names)."""
    if not _ARM.match(arm):
        raise ValueError(f"arm name {arm!r} must be lower-case letters, digits, '_', '-', '.', '+'.")
    return pathlib.Path(root) / f"{arm}_seed{int(seed)}.json"


def is_done(root, arm: str, seed: int) -> bool:
    """Whether this arm and seed already have a result (a benchmark skips it when resuming)."""
    return result_path(root, arm, seed).is_file()


def save_result(root, arm: str, seed: int, record: dict) -> pathlib.Path:
    """Writes one run's record atomically (a killed run leaves no half-written file).

    Args:
        root: the use case's results folder.
        arm, seed: which run.
        record: JSON-serialisable; must hold "metrics" ({name: float}); may hold "test_scores"
            and "test_target" (for the bootstrap), budgets, seconds, machine and command.
    """
    if "metrics" not in record:
        raise ValueError("a result record needs a 'metrics' dict")
    path = result_path(root, arm, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"arm": arm, "seed": int(seed), **record}, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def load_results(root) -> list[dict]:
    """Every record under `root`, sorted by arm then seed; [] when the folder does not exist."""
    paths = sorted(pathlib.Path(root).glob("*_seed*.json"))
    records = [json.loads(p.read_text()) for p in paths]
    return sorted(records, key=lambda r: (r["arm"], r["seed"]))


def _by_arm(records):
    arms = {}
    for record in records:
        arms.setdefault(record["arm"], {})[record["seed"]] = record
    return arms


def _interval(values):
    """(mean, low, high) over seeds; the interval is NaN with fewer than two seeds."""
    if len(values) < 2:
        return (float(values[0]) if values else float("nan"), float("nan"), float("nan"))
    return t_interval(values)


def summarise(records, *, baseline: str, metrics=METRICS, order=None) -> list[dict]:
    """Per-arm means with t-intervals and paired differences against `baseline`.

    Args:
        records: from `load_results`.
        baseline: the arm every other arm is compared with (e.g. "real").
        metrics: metric names to summarise.
        order: optional list of arm names fixing the row order (others follow, sorted).

    Returns:
        One dict per arm: {"arm", "seeds": [...], metric: (mean, low, high), ...,
        "vs_baseline": {metric: (mean diff, low, high, n_better, n_pairs)}} (absent for the
        baseline itself or with fewer than two shared seeds).
    """
    arms = _by_arm(records)
    names = [a for a in (order or []) if a in arms] + sorted(set(arms) - set(order or []))
    base = arms.get(baseline, {})
    rows = []
    for arm in names:
        runs = arms[arm]
        row = {"arm": arm, "seeds": sorted(runs)}
        for metric in metrics:
            row[metric] = _interval([runs[s]["metrics"][metric] for s in sorted(runs)])
        shared = sorted(set(runs) & set(base))
        if arm != baseline and len(shared) >= 2:
            row["vs_baseline"] = {}
            for metric in metrics:
                pair = paired_differences([runs[s]["metrics"][metric] for s in shared],
                                          [base[s]["metrics"][metric] for s in shared])
                row["vs_baseline"][metric] = (pair.mean, pair.low, pair.high, pair.n_a_better,
                                              len(shared))
        rows.append(row)
    return rows


def bootstrap_over_test_cases(record: dict, metric: str, *, n_boot: int = 1000, seed: int = 0):
    """(point, low, high) of one run's metric, resampling its test cases (stratified).

    Needs the record's "test_scores" and "test_target" (0 = positive class) and, for the
    threshold metrics, its "metrics"["threshold"].
    """
    target, scores = np.asarray(record["test_target"]), np.asarray(record["test_scores"])
    if metric == "auc":
        fn = roc_auc
    else:
        threshold = record["metrics"]["threshold"]

        def fn(y, s):
            return binary_metrics(y, s, threshold)[metric]

    return bootstrap_ci(fn, target, scores, n_boot=n_boot, seed=seed)


def _fmt(triple, digits=3):
    mean, low, high = triple[:3]
    if np.isnan(low):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def markdown_table(rows, metrics=METRICS, *, labels=None) -> str:
    """A Markdown table: mean [95% t-interval] per metric, then the paired difference in AUC
    and balanced accuracy against the baseline with how many seeds improved."""
    labels = labels or {}
    head = ["arm", "seeds", *metrics, "Δ AUC vs baseline", "Δ bal. acc. vs baseline"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * len(head)) + " |"]
    for row in rows:
        deltas = []
        for metric in ("auc", "balanced_accuracy"):
            d = row.get("vs_baseline", {}).get(metric)
            deltas.append(f"{d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}], {d[3]}/{d[4]} better"
                          if d else "—")
        cells = [labels.get(row["arm"], row["arm"]), str(len(row["seeds"])),
                 *(_fmt(row[m]) for m in metrics), *deltas]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
