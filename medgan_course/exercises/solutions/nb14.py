"""Reference solutions of notebooks/14_capstone_project.ipynb's exercises."""

import numpy as np
from scipy import stats

from medgan_course.exercises import capstone, nb14


def seed_interval(values):
    v = np.asarray(values, dtype=np.float64)
    half = stats.t.ppf(0.975, df=len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return v.mean(), v.mean() - half, v.mean() + half


def pixel_gaussian(train_images, n, seed):
    mean, std = train_images.mean(axis=0), train_images.std(axis=0)
    noise = np.random.default_rng(seed).standard_normal((n, *train_images.shape[1:]))
    return np.clip(mean + std * noise, -1.0, 1.0).astype(np.float32)


def example_report(example=nb14.EXAMPLE):
    """Exercise 3: in the notebook, `my_report = {...}`: the example's study as a report."""
    metric = example["metric"]
    gan, baseline = example["gan"]["per_seed"], example["baseline"]["per_seed"]
    intervals = capstone.summarise_arms(gan, baseline, metric["higher_is_better"])
    verdict = intervals.pop("verdict")  # "unclear": the paired interval includes 0
    return {
        "dataset": example["dataset"], "use_case": example["use_case"],
        "question": "Do cGAN minority images raise the test AUC above class weights alone?",
        "metric": metric, "seeds": example["seeds"],
        "arms": {"gan": {"name": example["gan"]["name"], "per_seed": gan},
                 "baseline": {"name": example["baseline"]["name"], "uses_gan": False,
                              "per_seed": baseline}},
        "floor": {"value": example["floor"], "how": "chance: a classifier ignoring the image"},
        "intervals": intervals,
        "conclusion": {"verdict": verdict, "text": (
            "The GAN arm's mean AUC is 0.006 higher and it won on 4 of 5 seeds, but the 95% "
            "interval of the paired difference includes 0: unclear. Both are far above chance.")},
        "limitations": ["Five seeds and one dataset; the test split has only 42 malignant cases."],
    }
