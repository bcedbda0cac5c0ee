"""The capstone report's checker (exercises.capstone), its exercises (nb14) and the reference project.

The fast tests use a fixed, realistic report; each breakage must make `check_report` name its
problem. One slow test builds the real reference project (usecases.project, smoke size) and
checks that the checker accepts it and refuses it once a part is removed.
"""

import copy

import numpy as np
import pytest

from medgan_course.data import make_phantoms
from medgan_course.exercises import capstone, nb14
from medgan_course.exercises.solutions import nb14 as solutions
from medgan_course.usecases import project

GAN = [1.93, 2.31, 2.12, 1.88, 2.05]          # FD per seed: lower is better
BASELINE = [4.02, 4.41, 3.95, 4.20, 4.11]


def _report(gan=GAN, baseline=BASELINE, higher_is_better=False, seeds=None) -> dict:
    """A complete, consistent "new samples" report (the numbers are made up)."""
    summary = capstone.summarise_arms(gan, baseline, higher_is_better)
    verdict = summary.pop("verdict")
    return {
        "dataset": "breastmnist", "use_case": "new samples",
        "question": "Does the DCGAN make images closer to the real ones than a PCA sampler?",
        "metric": {"name": "FD (domain features)", "higher_is_better": higher_is_better},
        "seeds": list(seeds or range(len(gan))),
        "arms": {"gan": {"name": "DCGAN, 1000 steps", "per_seed": list(gan)},
                 "baseline": {"name": "PCA-Gaussian sampler", "uses_gan": False,
                              "per_seed": list(baseline)}},
        "floor": {"value": 0.41, "how": "FD of the real test split against the training split"},
        "intervals": summary,
        "conclusion": {"verdict": verdict, "text": "The GAN's FD is lower on every seed, and "
                       "the paired interval excludes 0; it is still five times the floor."},
        "limitations": ["Five seeds and one short budget."],
    }


def _z_interval(values):
    v = np.asarray(values)
    half = 1.96 * v.std(ddof=1) / np.sqrt(len(v))
    return [v.mean(), v.mean() - half, v.mean() + half]


def test_a_complete_consistent_report_is_accepted():
    assert capstone.check_report(_report()) == []
    assert _report()["conclusion"]["verdict"] == "better"
    assert bool(capstone.review_report(_report()))


def test_the_example_reference_of_exercise_3_is_accepted():
    report = solutions.example_report()
    assert capstone.check_report(report) == []
    assert report["conclusion"]["verdict"] == "unclear"


def _set(path, value):
    def breakage(report):
        *parents, last = path
        target = report
        for key in parents:
            target = target[key]
        target[last] = value
    return breakage


def _delete(*path):
    def breakage(report):
        target = report
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return breakage


def _two_seeds(report):
    """Two seeds, with arms and intervals made consistent with them: only the count is wrong."""
    report.update(_report(GAN[:2], BASELINE[:2]))


def _unpaired_difference(report):
    gan, base = capstone.seed_interval(GAN), capstone.seed_interval(BASELINE)
    report["intervals"]["difference"] = [gan[0] - base[0], gan[1] - base[2], gan[2] - base[1]]


BREAKAGES = [
    ("seeds missing", _delete("seeds"), "add report['seeds']"),
    ("seeds left as ...", _set(["seeds"], ...), "fill in report['seeds']: it is still ..."),
    ("too few seeds", _two_seeds, "at least 3 seeds"),
    ("a repeated seed", _set(["seeds"], [0, 1, 2, 3, 3]), "repeat a seed"),
    ("seeds that are not ints", _set(["seeds"], ["a", "b", "c", "d", "e"]), "list of ints"),
    ("bool seeds", _set(["seeds"], [True, False, 2, 3, 4]), "list of ints"),
    ("fewer GAN values than seeds", _set(["arms", "gan", "per_seed"], GAN[:4]), "has 4 values for 5 seeds"),
    ("more baseline values than seeds", _set(["arms", "baseline", "per_seed"], BASELINE + [4.0]),
     "has 6 values for 5 seeds"),
    ("a NaN per-seed value", _set(["arms", "gan", "per_seed"], GAN[:4] + [float("nan")]), "finite numbers"),
    ("only the mean", _set(["arms", "gan", "per_seed"], np.mean(GAN)), "finite numbers"),
    ("no floor", _delete("floor"), "add report['floor']"),
    ("a floor without its value", _set(["floor", "value"], "low"), "floor must be"),
    ("a floor without how", _set(["floor", "how"], ""), "floor['how']"),
    ("no baseline", _delete("arms", "baseline"), "add report['arms']['baseline']"),
    ("no GAN arm", _delete("arms", "gan"), "add report['arms']['gan']"),
    ("a baseline that uses a GAN", _set(["arms", "baseline", "uses_gan"], True), "non-GAN"),
    ("uses_gan left out", _delete("arms", "baseline", "uses_gan"), "non-GAN"),
    ("a baseline named as a GAN", _set(["arms", "baseline", "name"], "WGAN-GP"), "names a GAN"),
    ("pix2pix as baseline", _set(["arms", "baseline", "name"], "pix2pix"), "names a GAN"),
    ("an arm without a name", _set(["arms", "gan", "name"], ""), "give the gan arm a 'name'"),
    ("the same GAN value every seed", _set(["arms", "gan", "per_seed"], [2.0] * 5),
     "same value for every seed"),
    ("arms copied from each other", _set(["arms", "baseline", "per_seed"], GAN), "identical"),
    ("a normal (1.96) interval", _set(["intervals", "gan"], _z_interval(GAN)), "t-interval of the per-seed"),
    ("a wrong mean", _set(["intervals", "baseline"], [4.3, 3.9, 4.4]), "has mean"),
    ("an interval out of order", _set(["intervals", "gan"], [2.0, 2.3, 1.9]), "low <= mean <= high"),
    ("an unpaired difference", _unpaired_difference, "intervals['difference']"),
    ("no interval method", _delete("intervals", "method"), "'method'"),
    ("a 50% interval", _set(["intervals", "confidence"], 0.5), "confidence"),
    ("a bootstrap beyond the values", lambda r: r["intervals"].update(
        method="bootstrap", gan=[float(np.mean(GAN)), 1.0, 3.0]), "bootstrap"),
    ("'unclear' where the numbers say better", _set(["conclusion", "verdict"], "unclear"),
     "say 'better'"),
    ("'worse' where the numbers say better", _set(["conclusion", "verdict"], "worse"), "say 'better'"),
    ("a verdict that is no verdict", _set(["conclusion", "verdict"], "promising"), "conclusion must be"),
    ("a conclusion without text", _set(["conclusion", "text"], "ok"), "conclusion['text']"),
    ("FD with higher is better", _set(["metric", "higher_is_better"], True), "lower is better"),
    ("a metric without a direction", _delete("metric", "higher_is_better"), "metric must be"),
    ("phantoms, not said", _set(["dataset"], "phantoms"), "phantoms"),
    ("an unknown dataset", _set(["dataset"], "my_scans"), "dataset 'my_scans'"),
    ("an unknown use case", _set(["use_case"], "super-resolution"), "use_case"),
    ("a question that is no question", _set(["question"], "We trained a GAN on BreastMNIST."), "'?'"),
    ("no limitations", _set(["limitations"], []), "limitations must be"),
]


@pytest.mark.parametrize("name, breakage, expected", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_each_breakage_is_named(name, breakage, expected):
    report = copy.deepcopy(_report())
    breakage(report)
    problems = capstone.check_report(report)
    assert any(expected in p for p in problems), problems
    assert all(isinstance(p, str) and "\n" not in p for p in problems)


def test_a_claim_of_better_is_refused_when_the_paired_interval_includes_zero():
    gan = [0.842, 0.861, 0.828, 0.870, 0.848]
    base = [0.835, 0.850, 0.838, 0.852, 0.846]
    report = _report(gan, base, higher_is_better=True)
    report["metric"]["name"] = "AUC"
    assert report["conclusion"]["verdict"] == "unclear" and capstone.check_report(report) == []
    report["conclusion"]["verdict"] = "better"   # the GAN's mean is higher, on 4 of 5 seeds
    (problem,) = capstone.check_report(report)
    assert "includes 0" in problem and "say 'unclear'" in problem


def test_a_lower_is_better_metric_turns_the_verdict_around():
    report = _report(BASELINE, GAN)    # the GAN now has the higher FD on every seed
    assert report["conclusion"]["verdict"] == "worse" and capstone.check_report(report) == []
    report["conclusion"]["verdict"] = "better"
    assert any("say 'worse'" in p for p in capstone.check_report(report))


def test_rounded_numbers_and_extra_keys_are_accepted():
    report = _report()
    for name in ("gan", "baseline", "difference"):
        report["intervals"][name] = [round(v, 2) for v in report["intervals"][name]]
    report["budget"] = {"gan_steps": 1000}
    report["arms"]["baseline"]["name"] = "non-GAN PCA sampler"
    assert capstone.check_report(report) == []


def test_a_bootstrap_interval_inside_the_values_is_accepted():
    report = _report()
    report["intervals"]["method"] = "bootstrap"
    for name, values in (("gan", GAN), ("baseline", BASELINE), ("difference", np.subtract(GAN, BASELINE))):
        mean = float(np.mean(values))  # a percentile bootstrap of the mean stays inside the values
        report["intervals"][name] = [mean, (mean + min(values)) / 2, (mean + max(values)) / 2]
    assert capstone.check_report(report) == []


def test_the_template_is_refused_part_by_part():
    problems = capstone.check_report(copy.deepcopy(capstone.REPORT_TEMPLATE))
    assert any("fill in report['question']" in p for p in problems)
    assert len(problems) >= len(capstone.REPORT_TEMPLATE)


ODD_VALUES = [None, "x", [], {}, 5, float("nan"), [None, "a"], {"a": 1}, object()]


def _paths(tree, prefix=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


@pytest.mark.parametrize("odd", ODD_VALUES, ids=[type(v).__name__ for v in ODD_VALUES])
def test_check_report_never_raises_whatever_a_part_holds(odd):
    for path in _paths(_report()):
        report = copy.deepcopy(_report())
        _set(list(path), odd)(report)
        problems = capstone.check_report(report)
        assert isinstance(problems, list) and all(isinstance(p, str) for p in problems), path
    for not_a_dict in (None, [1, 2], "report", 3.5):
        (problem,) = capstone.check_report(not_a_dict)
        assert "must be a dict" in problem


def test_review_shows_the_problems_as_text_and_html():
    report = _report()
    del report["floor"]
    review = capstone.review_report(report)
    assert not review and "1 problem" in repr(review) and "report['floor']" in repr(review)
    assert "<li>" in review._repr_html_() and "Report accepted" in repr(capstone.review_report(_report()))


def test_verdict_and_summarise_arms():
    assert capstone.verdict((1.0, 0.5, 1.5), higher_is_better=True) == "better"
    assert capstone.verdict((1.0, 0.5, 1.5), higher_is_better=False) == "worse"
    assert capstone.verdict((-1.0, -1.5, -0.5), higher_is_better=False) == "better"
    assert capstone.verdict((0.1, -0.5, 0.7), higher_is_better=True) == "unclear"
    summary = capstone.summarise_arms(GAN, BASELINE, higher_is_better=False)
    assert summary["difference"][0] == pytest.approx(np.mean(np.subtract(GAN, BASELINE)))
    assert summary["gan"] == pytest.approx(list(capstone.seed_interval(GAN)))


def test_rubric_and_use_case_tables():
    table = capstone.rubric_markdown()
    assert all(name in table for name, *_ in capstone.RUBRIC) and "**20**" in table
    assert capstone.rubric_total({"Question": 2, "Floor": 1}) == "3 / 20"
    for bad in ({"Question": 3}, {"Style": 1}, {"Floor": "two"}):
        with pytest.raises(ValueError):
            capstone.rubric_total(bad)
    cases = project.use_cases_markdown()
    assert all(f"| {name} |" in cases for name in project.USE_CASES)
    assert set(project.METRICS) == set(project.USE_CASES)


def test_pca_gaussian_sampler_makes_new_seeded_images_in_range():
    train = make_phantoms(n_train=120, n_val=2, n_test=2, image_size=16, seed=1).train.images
    images = project.pca_gaussian_sampler(train, 500, components=300, seed=3)  # capped at N - 1
    assert images.shape == (500, 16, 16, 1) and images.dtype == np.float32
    assert np.abs(images).max() <= 1.0
    assert np.array_equal(images[:4], project.pca_gaussian_sampler(train, 4, components=300, seed=3))
    assert not np.array_equal(images[:4], project.pca_gaussian_sampler(train, 4, components=300, seed=4))
    copies = {image.tobytes() for image in train}
    assert not any(image.tobytes() in copies for image in images)
    assert np.abs(images.mean(axis=0) - train.mean(axis=0)).mean() < 0.05
    assert nb14.check_baseline_sampler(lambda t, n, seed: project.pca_gaussian_sampler(t, n, seed=seed))
    model = project.PCAGaussian.fit(train, components=10)
    assert model.axes.shape == (10, 256) and 0 < model.explained < 1
    assert np.allclose(model.axes @ model.axes.T, np.eye(10), atol=1e-8)
    with pytest.raises(ValueError, match="at least 2"):
        project.PCAGaussian.fit(train[:1])
    fitted = project._fitted_pca(train, 10)   # kept for the next seed of the same project
    assert fitted is project._fitted_pca(train.copy(), 10) and fitted is not project._fitted_pca(train, 9)
    assert np.array_equal(fitted.sample(3, seed=1), model.sample(3, seed=1))


def test_fd_scores_give_the_fd_and_floor_of_sample_quality():
    from medgan_course.evaluation.features import PixelExtractor
    from medgan_course.evaluation.report import sample_quality

    dataset = make_phantoms(n_train=150, n_val=4, n_test=60, image_size=16, seed=2)
    extractor = PixelExtractor(downsample=4)
    fakes = project.pca_gaussian_sampler(dataset.train.images, 60, seed=0)
    scores = project.fd_scores({"pca": fakes}, project.RealFeatures.of(extractor, dataset))
    quality = sample_quality(fakes, dataset, extractor, seed=0)
    assert scores["pca"] == pytest.approx(quality["fid"], rel=1e-6)
    assert scores["floor"] == pytest.approx(quality["floor_fid"], rel=1e-6)
    assert scores["memorized"]["pca"] == pytest.approx(quality["memorized_fraction"])


def test_run_seed_refuses_what_it_cannot_run():
    dataset = make_phantoms(n_train=20, n_val=4, n_test=4, image_size=16)
    with pytest.raises(ValueError, match="use_case"):
        project.run_seed("super-resolution", dataset, 0)
    with pytest.raises(ValueError, match="RealFeatures"):
        project.run_seed("new samples", dataset, 0)


# ------------------------------------------------------------------ the exercises of notebook 14


def test_exercise_checks_accept_the_solutions():
    assert nb14.check_seed_interval(solutions.seed_interval)
    assert nb14.check_baseline_sampler(solutions.pixel_gaussian)
    assert nb14.check_example_report(solutions.example_report())


def test_interval_check_names_the_slip():
    def normal(values):
        return _z_interval(values)

    def population_std(values):
        v = np.asarray(values)
        half = capstone.seed_interval(v)[2] - v.mean()
        return v.mean(), v.mean() - half * v.std() / v.std(ddof=1), v.mean() + half * v.std() / v.std(ddof=1)

    assert "1.96" in nb14.check_seed_interval(normal).message
    assert "ddof=0" in nb14.check_seed_interval(population_std).message
    assert "None" in nb14.check_seed_interval(lambda v: None).message
    assert "not attempted" in nb14.check_seed_interval(...).message


def test_baseline_check_refuses_copies_and_unseeded_samplers():
    def copier(train, n, seed):
        return train[np.random.default_rng(seed).integers(0, len(train), n)]

    def unseeded(train, n, seed):
        return np.clip(train.mean(0) + train.std(0) * np.random.standard_normal((n, *train.shape[1:])), -1, 1)

    def out_of_range(train, n, seed):
        return solutions.pixel_gaussian(train, n, seed) * 3

    assert "copies" in nb14.check_baseline_sampler(copier).message
    assert "same seed" in nb14.check_baseline_sampler(unseeded).message
    assert "[-1, 1]" in nb14.check_baseline_sampler(out_of_range).message


def test_report_check_of_exercise_3_wants_the_example_and_the_right_verdict():
    report = solutions.example_report()
    report["conclusion"]["verdict"] = "better"
    assert "say 'unclear'" in nb14.check_example_report(report).message
    other = _report()    # a complete report, but of another study
    assert "seeds" in nb14.check_example_report(other).message or \
        "per_seed" in nb14.check_example_report(other).message
    assert "not attempted" in nb14.check_example_report(...).message


# ------------------------------------------------------------------ the reference project, for real


@pytest.mark.slow
def test_the_reference_project_in_smoke_size_is_accepted(tmp_path):
    from medgan_course.evaluation.report import domain_extractor_for
    from medgan_course.exercises.solutions import capstone as reference

    dataset = make_phantoms(n_train=200, n_val=20, n_test=60, image_size=28, seed=0)
    budget = project.ProjectBudget(gan_steps=5, extractor_epochs=1)
    extractor = domain_extractor_for(dataset, cache_dir=tmp_path, epochs=1, progress=False)
    report = reference.reference_report(dataset, "new samples", seeds=(0, 1, 2), budget=budget,
                                        extractor=extractor)
    assert capstone.check_report(report) == [], capstone.check_report(report)
    assert report["dataset"] == "phantoms" and len(report["arms"]["gan"]["per_seed"]) == 3
    assert report["floor"]["value"] > 0 and "second_look" in report
    for part in ("floor", "seeds", "intervals"):
        incomplete = copy.deepcopy(report)
        del incomplete[part]
        assert any(f"report[{part!r}]" in p for p in capstone.check_report(incomplete))
