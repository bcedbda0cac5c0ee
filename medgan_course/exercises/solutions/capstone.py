"""The reference capstone project of notebooks/14_capstone_project.ipynb, run for real.

`reference_report` runs a whole project (every seed of one use case, with
`usecases.project.run_seed`) and writes its report the way the notebook's worked path does;
`exercises.capstone.check_report` accepts it (tests/test_capstone.py builds it in smoke size).
The conclusion and the limitations are computed from the numbers, never written by hand.
Imports TensorFlow only when a project runs.
"""

from __future__ import annotations

import numpy as np

from medgan_course.exercises import capstone
from medgan_course.usecases import project


def run_seeds(use_case, dataset, seeds, budget, *, real=None, progress=True) -> list[dict]:
    """`project.run_seed` for every seed, with a progress bar."""
    from tqdm.auto import tqdm

    return [project.run_seed(use_case, dataset, seed, budget, real=real)
            for seed in tqdm(seeds, desc=f"{use_case}: seeds", disable=not progress)]


def conclusion_text(report: dict, verdict: str) -> str:
    """Two or three sentences on the verdict and the floor, from the report's numbers."""
    iv, metric = report["intervals"], report["metric"]["name"]
    (mean, low, high), floor = iv["difference"], report["floor"]["value"]
    said = {"better": "beat the baseline", "worse": "did worse than the baseline",
            "unclear": "could not be told apart from the baseline"}[verdict]
    return (f"Over {len(report['seeds'])} seeds the GAN {said}: mean {metric} "
            f"{iv['gan'][0]:.3f} against {iv['baseline'][0]:.3f}, paired difference {mean:+.3f} "
            f"(95% interval {low:+.3f} to {high:+.3f}). The floor is {floor:.3f}; the GAN's mean "
            f"is {abs(iv['gan'][0] - floor):.3f} away from it. This is one dataset and one "
            "budget: it says nothing about longer training or other data.")


def limitations(dataset_name: str, use_case: str, budget, n_seeds: int) -> list[str]:
    """The limitations every reference report states."""
    notes = [f"{n_seeds} seeds only: the t-interval is wide, and a small real difference can "
             "stay 'unclear'.", "Short training budgets (report['budget']): longer training "
             "could change the verdict."]
    if dataset_name == "phantoms":
        notes.insert(0, "The data are the embedded phantoms, not images of patients: nothing "
                        "here is about patients.")
    if use_case == "new samples":
        notes.append("FD uses the course's domain features: comparable only within this "
                     "pipeline, not with published FIDs.")
    return notes


def build_report(use_case: str, dataset_name: str, seeds, runs: list[dict],
                 budget: project.ProjectBudget, question: str | None = None) -> dict:
    """The report of a finished project, in the schema of `exercises.capstone`.

    Args:
        use_case: one of `project.USE_CASES`.
        dataset_name: `dataset.name` of the data the runs used.
        seeds: the seeds, in the order of `runs`.
        runs: `project.run_seed` results, one per seed.
        budget: the budget the runs had.
        question: the study's question (default: one written from the use case).
    """
    metric, higher = project.METRICS[use_case]
    gan, baseline = ([float(r[arm]) for r in runs] for arm in ("gan", "baseline"))
    summary = capstone.summarise_arms(gan, baseline, higher)
    verdict = summary.pop("verdict")
    gan_name, baseline_name = project.arm_names(use_case, budget)
    report = {
        "dataset": dataset_name, "use_case": use_case,
        "question": question or f"Does the GAN ({gan_name}) reach a better {metric} than the "
                                f"non-GAN baseline ({baseline_name}) on {dataset_name}?",
        "metric": {"name": metric, "higher_is_better": higher}, "seeds": [int(s) for s in seeds],
        "arms": {"gan": {"name": gan_name, "per_seed": gan},
                 "baseline": {"name": baseline_name, "uses_gan": False, "per_seed": baseline}},
        "floor": {"value": float(np.mean([r["floor"] for r in runs])),
                  "how": project.USE_CASES[use_case]["floor"]},
        "intervals": summary, "budget": budget.to_dict(),
        "limitations": limitations(dataset_name, use_case, budget, len(runs)),
    }
    if "memorized" in runs[0]:  # the second look of "new samples"
        report["second_look"] = {f"memorized fraction ({arm})": float(np.mean(
            [r["memorized"][arm] for r in runs])) for arm in ("gan", "baseline")}
    report["conclusion"] = {"verdict": verdict, "text": conclusion_text(report, verdict)}
    return report


def reference_report(dataset, use_case: str = "new samples", seeds=(0, 1, 2),
                     budget: project.ProjectBudget | None = None, *,
                     extractor=None, progress: bool = False) -> dict:
    """Runs the whole reference project on `dataset` and returns its report.

    Args:
        dataset: an `ImageDataset` (e.g. `data.load_dataset_or_default("breastmnist")`).
        use_case: one of `project.USE_CASES`.
        seeds: at least `capstone.MIN_SEEDS` seeds.
        budget: what each arm gets per seed (default `ProjectBudget()`; tiny in smoke mode).
        extractor: "new samples" only; default `report.domain_extractor_for(dataset)`.
        progress: show progress bars.
    """
    budget = budget or project.ProjectBudget()
    real = None
    if use_case == "new samples":
        from medgan_course.evaluation.report import domain_extractor_for

        extractor = extractor or domain_extractor_for(dataset, epochs=budget.extractor_epochs,
                                                      progress=progress)
        real = project.RealFeatures.of(extractor, dataset)
    runs = run_seeds(use_case, dataset, seeds, budget, real=real, progress=progress)
    return build_report(use_case, dataset.name, seeds, runs, budget)
