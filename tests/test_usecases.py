"""The use cases' shared classifier protocol and results format."""

import json

import numpy as np
import pytest

from medgan_course.usecases import results


def _record(auc, bal, seed=0):
    rng = np.random.default_rng(seed)
    target = np.r_[np.zeros(10, int), np.ones(30, int)]
    scores = np.where(target == 0, rng.uniform(0.3, 1, 40), rng.uniform(0, 0.7, 40))
    return {"metrics": {"auc": auc, "balanced_accuracy": bal, "sensitivity": bal,
                        "specificity": bal, "threshold": 0.5},
            "test_scores": scores.tolist(), "test_target": target.tolist()}


def test_results_are_written_atomically_and_found_when_resuming(tmp_path):
    assert not results.is_done(tmp_path, "real", 0)
    path = results.save_result(tmp_path, "real", 0, _record(0.8, 0.7))
    assert path.name == "real_seed0.json" and results.is_done(tmp_path, "real", 0)
    assert not list(tmp_path.glob("*.tmp"))
    assert json.loads(path.read_text())["arm"] == "real"
    with pytest.raises(ValueError, match="metrics"):
        results.save_result(tmp_path, "real", 1, {"auc": 1})
    with pytest.raises(ValueError, match="lower-case"):
        results.result_path(tmp_path, "Real Data", 0)


def test_summarise_pairs_seeds_with_the_baseline(tmp_path):
    base = [0.80, 0.70, 0.75]
    gain = [0.02, 0.021, 0.019]
    for seed, (b, g) in enumerate(zip(base, gain)):
        results.save_result(tmp_path, "real", seed, _record(b, b, seed))
        results.save_result(tmp_path, "gan", seed, _record(b + g, b - g, seed))
    results.save_result(tmp_path, "gan", 7, _record(0.99, 0.99))  # no baseline partner
    rows = results.summarise(results.load_results(tmp_path), baseline="real", order=["real", "gan"])
    assert [r["arm"] for r in rows] == ["real", "gan"]
    real, gan = rows
    assert "vs_baseline" not in real
    assert real["auc"][0] == pytest.approx(np.mean(base))
    assert real["auc"][1] < real["auc"][0] < real["auc"][2]
    diff = gan["vs_baseline"]["auc"]
    # Paired over the 3 shared seeds only: seed 7 has no baseline run.
    assert diff[0] == pytest.approx(0.02) and diff[3] == 3 and diff[4] == 3
    assert 0 < diff[1] < 0.02 < diff[2]  # consistent small gains: interval excludes 0
    assert gan["vs_baseline"]["balanced_accuracy"][3] == 0  # no seed improved
    table = results.markdown_table(rows)
    assert "| gan | 4 |" in table and "3/3 better" in table and "0/3 better" in table


def test_summary_of_a_single_seed_has_no_interval(tmp_path):
    results.save_result(tmp_path, "real", 0, _record(0.8, 0.7))
    (row,) = results.summarise(results.load_results(tmp_path), baseline="real")
    assert row["auc"][0] == 0.8 and np.isnan(row["auc"][1])
    assert "| real | 1 | 0.800 |" in results.markdown_table([row])


def test_bootstrap_over_test_cases_brackets_the_point_estimate():
    record = _record(0.8, 0.7)
    for metric in ("auc", "sensitivity"):
        point, low, high = results.bootstrap_over_test_cases(record, metric, n_boot=200)
        assert low <= point <= high and high - low > 0.01


@pytest.mark.real_data
def test_classifier_protocol_keeps_the_best_validation_epoch(real_data_dir, tf_seed):
    from medgan_course.data import load_dataset
    from medgan_course.usecases import classify

    data = load_dataset("breastmnist", data_dir=real_data_dir)
    budget = classify.ClassifierBudget(epochs=3, width=8, min_steps_per_epoch=4)
    model, history = classify.train_classifier(
        data.train.images, data.train.labels, data.val.images, data.val.labels,
        num_classes=2, positive_class=0, budget=budget, seed=0)
    assert len(history["val_auc"]) == 3
    val_target = classify.binary_target(data.val.labels, 0)
    restored = classify.roc_auc(val_target, classify.positive_scores(model, data.val.images, 0))
    assert restored == pytest.approx(max(history["val_auc"]), abs=1e-6)
    report = classify.evaluate_classifier(model, data.val, data.test, positive_class=0)
    assert len(report["test_scores"]) == 156 and sum(t == 0 for t in report["test_target"]) == 42
    assert 0.0 <= report["auc"] <= 1.0 and 0.0 <= report["threshold"] <= 1.0


def test_binary_target_makes_the_positive_class_zero():
    assert classify_target([2, 0, 1, 2], 2) == [0, 1, 1, 0]


def classify_target(labels, positive):
    from medgan_course.usecases.classify import binary_target

    return binary_target(labels, positive).tolist()
