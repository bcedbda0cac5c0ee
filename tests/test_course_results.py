"""`course.results_dir`: the committed benchmark results travel with the package.

Colab opens a notebook without the repository beside it; the notebooks read their multi-seed
tables through `course.results_dir`, so those files must be package data of every install.
"""

import pathlib
import subprocess
import sys
import zipfile

import pytest

from medgan_course import course

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
#: Every benchmark folder a notebook reads (04, 05, 07-12 and 00).
NOTEBOOK_RESULTS = ("quality", "remedies", "imbalance", "semisupervised", "enhancement", "diagnosis",
                    "explain", "notebooks")


@pytest.mark.parametrize("name", NOTEBOOK_RESULTS)
def test_each_folder_the_notebooks_read_holds_results(name):
    assert list(course.results_dir(name).glob("*.json")), name


def test_every_file_in_the_notebook_runs_folder_is_one_run():
    """Notebook 00 prints each file there as a run; another kind of file broke it (CI, stop 18)."""
    import json

    for path in sorted(course.results_dir("notebooks").glob("*.json")):
        run = json.loads(path.read_text())
        missing = {"notebook", "mode", "peak_rss_mb", "machine", "date"} - set(run)
        assert not missing, (path.name, missing)
        assert run.get("error") or "seconds" in run, path.name


def test_root_holds_the_throughput_measurement():
    assert (course.results_dir() / "throughput.json").is_file()


def test_a_missing_folder_says_how_to_get_it():
    with pytest.raises(FileNotFoundError, match="reinstall medgan-course"):
        course.results_dir("no-such-benchmark")


def test_no_notebook_looks_for_results_in_a_checkout():
    """The old search for ../bench/results worked only next to a clone (not on Colab)."""
    for source in sorted((REPO_ROOT / "notebooks" / "src").glob("*.py")):
        text = source.read_text()
        assert '"bench" / "results"' not in text and "bench/results" not in text, source.name


@pytest.mark.slow
def test_the_built_wheel_carries_every_result_file(tmp_path):
    """What `pip install "medgan-course @ git+..."` (Colab's install cell) installs."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path), str(REPO_ROOT)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("medgan_course-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    committed = {str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "medgan_course" / "results").rglob("*")
                 if p.is_file()}
    assert committed and committed <= names, sorted(committed - names)[:5]
