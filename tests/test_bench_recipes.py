"""bench/recipes.py (the recipe study): its arms, budgets and report, on made-up result files.

The study itself takes an hour of CPU; these tests check the parts that decide what the numbers
mean: which recipe each arm is timed with, how two runs covering one budget are merged, and
what the report concludes.
"""

import json
import pathlib
import sys

import pytest

pytest.importorskip("keras")


@pytest.fixture(scope="module")
def recipes_bench():
    bench = pathlib.Path(__file__).resolve().parents[1] / "bench"
    sys.path.insert(0, str(bench))
    try:
        import recipes
        yield recipes
    finally:
        sys.path.remove(str(bench))


def test_each_arm_is_timed_with_its_own_recipe(recipes_bench):
    arm = recipes_bench.arm_recipe
    assert arm("plain").ema_decay is None  # sampled raw: timed without the EMA's cost
    assert arm("plain+ema").ema_decay == 0.999 and arm("plain+ema").ema_batch_norm == "copy"
    assert arm("plain+ema-bn").ema_batch_norm == "recalibrate"
    assert arm("plain+ema-bn+diffaug").augment_policy == "color,translation,cutout"
    assert (arm("light-g").generator_filters, arm("wide-g").generator_filters) == (16, 64)
    assert arm("dcgan").spectral_norm and arm("dcgan").loss == "hinge"
    plain = arm("plain")
    assert (plain.loss, plain.spectral_norm, plain.base_filters) == ("non_saturating", False, 32)
    # Arms sharing a run differ only in how they sample, never in how they train.
    runs = recipes_bench.run_recipes()
    for name, (run, _) in recipes_bench.ARMS.items():
        trained = arm(name).replace(ema_decay=runs[run].ema_decay, ema_batch_norm="copy")
        assert trained == runs[run].replace(name=trained.name), name


def write_record(folder, run, seed, budgets, fids, machine=None):
    scores = {arm: {str(b): {"steps": 100 * b, "fid": fid + 0.01 * b, "floor_fid": 0.4,
                             "precision": 0.7, "recall": 0.3, "memorized_fraction": 0.0}
                    for b in budgets} for arm, fid in fids.items()}
    record = {"machine": machine or {"commit": "x"}, "dataset": "breastmnist", "run": run,
              "seed": seed, "budgets": budgets, "scores": scores}
    path = folder / f"breastmnist_{run}_seed{seed}_{max(budgets)}s.json"
    path.write_text(json.dumps(record))


def test_report_merges_runs_prefers_the_longest_and_pairs_by_seed(recipes_bench, tmp_path):
    for seed in range(3):
        write_record(tmp_path, "plain", seed, [60], {"plain": 9.0, "plain+ema-bn": 9.0})
        write_record(tmp_path, "plain", seed, [60, 300],
                     {"plain": 3.0 + seed, "plain+ema-bn": 2.0 + seed})
        write_record(tmp_path, "dcgan", seed, [60], {"dcgan": 5.0 + 0.1 * seed})
    table = recipes_bench.load_scores(tmp_path)
    assert table[("breastmnist", "plain", 60)][1]["fid"] == pytest.approx(4.6)  # the 300 s run's
    assert recipes_bench.best_arm(table, "breastmnist", 60) == "plain+ema-bn"
    assert recipes_bench.best_arm(table, "breastmnist", 300) == "plain+ema-bn"
    verdict = recipes_bench._verdict(table, ("breastmnist", "plain+ema-bn", 60),
                                     ("breastmnist", "plain", 60))
    assert verdict.startswith("**lower FD**") and "3/3" in verdict
    worse = recipes_bench._verdict(table, ("breastmnist", "dcgan", 60), ("breastmnist", "plain", 60))
    assert worse.startswith("no clear difference")  # 5.0 vs 3.6..5.6: seeds disagree
    timing = {"machine": {"cpu": "c", "cores": 2, "flags": ["avx2"], "tensorflow": "t",
                          "keras": "k"}, "jit_compile": False,
              "steps_per_second": {a: {"median": 25.0} for a in recipes_bench.ARMS}}
    text = "\n".join(recipes_bench.report_lines(table, timing))
    assert "## breastmnist, 300 s" in text and "Lowest mean FD: **plain+ema-bn**" in text
    assert "FD (domain features)" in text and "avx2" in text
    # The decision names the default's arm and checks the targets on its mean FD.
    assert "trained and sampled as the arm **plain**" in text
    assert "Target FD ≤ 2.0 at 60 s (3-seed mean, floor 0.40): 4.60, **NOT met**" in text


def test_best_arm_needs_three_seeds(recipes_bench, tmp_path):
    for seed in range(2):
        write_record(tmp_path, "light-g", seed, [60], {"light-g": 0.5})
    for seed in range(3):
        write_record(tmp_path, "plain", seed, [60], {"plain": 3.0})
    assert recipes_bench.best_arm(recipes_bench.load_scores(tmp_path), "breastmnist", 60) == "plain"


def test_run_missing_runs_only_what_is_not_on_disk_seed_by_seed(recipes_bench, tmp_path, capsys):
    """The study loop of bench/recipes.py and bench/diffusion.py (bench/common.run_missing)."""
    import common

    (tmp_path / "b_seed0.json").write_text("{}")
    calls = []

    def run_one(arm, seed):
        calls.append((seed, arm))
        return {"arm": arm, "seed": seed}

    common.run_missing([0, 1], ["a", "b"], lambda arm, seed: tmp_path / f"{arm}_seed{seed}.json",
                       run_one, "python bench/x.py")
    assert calls == [(0, "a"), (1, "a"), (1, "b")]           # seeds outer; b_seed0 skipped
    assert "b_seed0.json exists, skipped" in capsys.readouterr().out
    written = json.loads((tmp_path / "a_seed1.json").read_text())
    assert written["command"] == "python bench/x.py" and written["seed"] == 1
    assert "cores" in written["machine"]
    assert json.loads((tmp_path / "b_seed0.json").read_text()) == {}   # left as it was
