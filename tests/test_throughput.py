"""medgan_course.training.throughput: the arithmetic, the clock and one real measurement."""

import json
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from medgan_course.data.phantoms import make_phantoms
from medgan_course.training.recipes import get_recipe
from medgan_course.training.throughput import (
    BatchClock,
    ThroughputResult,
    compare,
    images_per_second,
    measure_throughput,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = get_recipe("dcgan").replace(batch_size=8, base_filters=8)


def test_images_per_second_excludes_the_warm_up():
    # Step 1 took 10 s (tracing), the next ones 0.5 s each: only those count.
    stamps = [10.0, 10.5, 11.0, 11.5, 12.0]
    assert images_per_second(stamps, batch_size=4, warmup_steps=1) == pytest.approx(4 * 4 / 2.0)
    assert images_per_second(stamps, batch_size=4, warmup_steps=3) == pytest.approx(4 * 2 / 1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"stamps": [1.0, 2.0], "batch_size": 4, "warmup_steps": 2}, "at least warmup_steps"),
    ({"stamps": [1.0, 1.0, 1.0], "batch_size": 4, "warmup_steps": 1}, "increase"),
    ({"stamps": [1.0, 2.0], "batch_size": 0, "warmup_steps": 1}, "batch_size"),
    ({"stamps": [1.0, 2.0], "batch_size": 4, "warmup_steps": 0}, "warmup_steps"),
])
def test_images_per_second_rejects_what_cannot_be_timed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        images_per_second(**kwargs)


def test_compare_draws_conclusions_only_from_separated_repeats():
    assert compare([100, 110, 105], [150, 160, 155])["verdict"].startswith("faster")
    assert compare([100, 110, 105], [50, 60, 55])["verdict"].startswith("slower")
    overlap = compare([100, 130, 110], [120, 140, 125])
    assert overlap["verdict"].startswith("no clear difference")
    assert overlap["ratio"] == pytest.approx(125 / 110)
    assert compare([100], [200])["verdict"].startswith("one run")
    result = ThroughputResult([100.0, 120.0], 64, 1, 3, 8)
    assert compare(result, [130.0, 140.0])["ratio"] == pytest.approx(135 / 110)
    assert result.median == 110.0 and result.spread == (100.0, 120.0)


def test_batch_clock_stamps_every_batch():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    clock = BatchClock()
    x = np.zeros((40, 3), np.float32)
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0, callbacks=[clock])
    assert len(clock.stamps) == 5 and np.all(np.diff(clock.stamps) > 0)
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0, callbacks=[clock])
    assert len(clock.stamps) == 5  # a new fit starts a new record


def test_measure_throughput_runs_fresh_repeats_of_the_recipe():
    data = make_phantoms(n_train=32, n_val=8, n_test=8, seed=0)
    result = measure_throughput(TINY, data, warmup_steps=1, timed_steps=2, repeats=2)
    assert len(result.runs) == 2 and all(r > 0 for r in result.runs)
    assert (result.global_batch, result.replicas) == (8, 1)
    assert result.config == {"recipe": "dcgan", "precision": "float32", "jit_compile": False,
                             "strategy": type(__import__("tensorflow").distribute.get_strategy()).__name__,
                             "fresh_models": True}
    with pytest.raises(ValueError, match="repeats"):
        measure_throughput(TINY, data, repeats=0)


class FakeTrain:
    """Stands in for runner.train: records its calls and writes known step times into the clock."""

    def __init__(self):
        self.calls = []

    def __call__(self, recipe, dataset, *, steps, seed, extra_callbacks, **kwargs):
        self.calls.append({"steps": steps, "seed": seed, **kwargs})
        # End of step 1 at 10 s; steps 2-4 take 1 s each, later steps 1.5 s.
        extra_callbacks[0].stamps = list(np.cumsum([10.0] + [1.0 if k < 4 else 1.5 for k in range(1, steps)]))


@pytest.mark.parametrize("fresh", [True, False])
def test_measure_throughput_times_only_the_steps_after_the_warm_up(monkeypatch, fresh):
    from medgan_course.training import runner

    fake = FakeTrain()
    monkeypatch.setattr(runner, "train", fake)
    data = make_phantoms(n_train=32, n_val=8, n_test=8, seed=0)
    result = measure_throughput(TINY, data, warmup_steps=2, timed_steps=2, repeats=3,
                                fresh_models=fresh, seed=5)
    if fresh:  # three runs of 4 steps, seeds 5, 6, 7; steps 3-4 last 1 s each: 8 images/s
        assert [c["steps"] for c in fake.calls] == [4, 4, 4] and [c["seed"] for c in fake.calls] == [5, 6, 7]
        assert result.runs == pytest.approx([8.0, 8.0, 8.0])
    else:  # one run of 2 + 3 x 2 steps; the steps after the 4th last 1.5 s: windows 8, 16/3, 16/3
        assert [c["steps"] for c in fake.calls] == [8]
        assert result.runs == pytest.approx([8.0, 16 / 3, 16 / 3])
    assert all(c["sample_every"] == 10**9 and c["progress"] is False for c in fake.calls)


MIRRORED = textwrap.dedent("""
    import json
    from medgan_course.training.distribute import get_strategy, split_cpu
    split_cpu(2)
    from medgan_course.data.phantoms import make_phantoms
    from medgan_course.training.recipes import get_recipe
    from medgan_course.training.throughput import measure_throughput
    data = make_phantoms(n_train=32, n_val=8, n_test=8, seed=0)
    recipe = get_recipe("dcgan").replace(batch_size=4, base_filters=8)
    result = measure_throughput(recipe, data, warmup_steps=1, timed_steps=2, repeats=1,
                                strategy=get_strategy("mirrored"))
    print(json.dumps({"global_batch": result.global_batch, "replicas": result.replicas,
                      "runs": result.runs}))
""")


@pytest.mark.slow
def test_global_batch_counts_every_replica():
    """Two logical CPU devices: one step consumes 2 x the per-replica batch (own process)."""
    out = subprocess.run([sys.executable, "-c", MIRRORED], capture_output=True, text=True,
                         cwd=REPO_ROOT, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert (result["replicas"], result["global_batch"]) == (2, 8) and result["runs"][0] > 0
