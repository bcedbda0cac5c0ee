"""course.py (smoke mode, versions, badges, data availability), exercise feedback, widget compat."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from medgan_course import DEFAULT_BRANCH, REPO_SLUG, course
from medgan_course.exercises import Feedback, checker, not_attempted
from medgan_course.widgets import _compat


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("0", False), ("false", False), ("1", True), ("TRUE", True),
    (" yes ", True), ("on", True),
])
def test_smoke_mode_reads_the_environment_variable(value, expected):
    environ = {} if value is None else {"MEDGAN_SMOKE": value}
    assert course.smoke_mode(environ) is expected


def test_smoke_mode_refuses_values_it_does_not_understand():
    with pytest.raises(ValueError, match="MEDGAN_SMOKE='smok'.*set it to 1"):
        course.smoke_mode({"MEDGAN_SMOKE": "smok"})


def test_smoke_mode_reads_os_environ_when_called(monkeypatch):
    monkeypatch.setenv("MEDGAN_SMOKE", "1")
    assert course.smoke_mode() is True
    monkeypatch.setenv("MEDGAN_SMOKE", "0")
    assert course.smoke_mode() is False


def test_versions_lists_python_and_each_package(capsys):
    found = course.versions(("numpy", "no_such_package_xyz"))
    assert found["numpy"] == np.__version__
    assert found["no_such_package_xyz"] == "not installed"
    assert list(found)[0] == "python"
    course.print_versions(("numpy",))
    assert f"numpy: {np.__version__}" in capsys.readouterr().out


def test_notebook_links_and_badges_name_this_repository():
    links = course.notebook_links("notebooks/02_gan_theory.ipynb")
    assert links["colab"] == (f"https://colab.research.google.com/github/{REPO_SLUG}/blob/"
                              f"{DEFAULT_BRANCH}/notebooks/02_gan_theory.ipynb")
    assert links["binder"] == (f"https://mybinder.org/v2/gh/{REPO_SLUG}/{DEFAULT_BRANCH}"
                               "?urlpath=lab%2Ftree%2Fnotebooks%2F02_gan_theory.ipynb")
    badges = course.badges_markdown("notebooks/02_gan_theory.ipynb")
    assert links["colab"] in badges and links["binder"] in badges
    assert "colab-badge.svg" in badges and "badge_logo.svg" in badges


def test_dataset_availability_tells_local_cached_and_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache = tmp_path / "home" / ".keras" / "datasets" / "medmnist"
    cache.mkdir(parents=True)
    (cache / "pneumoniamnist.npz").write_bytes(b"x")
    local = tmp_path / "local"
    local.mkdir()
    (local / "breastmnist.npz").write_bytes(b"x")
    found = course.dataset_availability(("breastmnist", "pneumoniamnist", "dermamnist"),
                                        data_dir=local)
    assert found == {"breastmnist": "local", "pneumoniamnist": "cached", "dermamnist": "download"}


def test_on_colab_is_false_here():
    assert course.on_colab() is False


# --------------------------------------------------------------------------- exercises


def test_checker_turns_results_stubs_and_errors_into_feedback():
    @checker("square")
    def check_square(fn):
        value = fn(3)
        return value == 9, "9 is right" if value == 9 else f"square(3) gave {value}, expected 9"

    def stub(x):
        raise NotImplementedError

    assert check_square(lambda x: x * x) == Feedback(True, "9 is right", "square")
    assert check_square(lambda x: x + x).message == "square(3) gave 6, expected 9"
    assert check_square(stub) == not_attempted("square")
    assert check_square(...) == not_attempted("square")
    crashed = check_square(lambda x: 1 / 0)
    assert not crashed and "ZeroDivisionError" in crashed.message


def test_feedback_displays_its_verdict():
    good, bad = Feedback(True, "ok", "e1"), Feedback(False, "look at <b>", "e2")
    assert bool(good) and not bool(bad)
    assert repr(good).startswith("✅ Correct — e1") and repr(bad).startswith("❌ Not yet — e2")
    assert "&lt;b&gt;" in bad._repr_html_()


# --------------------------------------------------------------------------- widget compat


def test_use_static_outside_a_kernel_unless_forced(monkeypatch):
    assert _compat.in_kernel() is False
    assert _compat.use_static() is True
    assert _compat.use_static(False) is False and _compat.use_static(True) is True
    monkeypatch.setattr(_compat, "in_kernel", lambda: True)
    assert _compat.use_static() is False
    monkeypatch.setattr(_compat, "ipywidgets_version", lambda: "7.6.5")
    assert _compat.use_static() is True
    monkeypatch.setattr(_compat, "ipywidgets_version", lambda: None)
    assert _compat.use_static() is True


def test_figure_png_is_a_png():
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    data = _compat.figure_png(fig)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 500


def test_first_mismatch_names_the_first_wrong_or_missing_answer():
    from medgan_course.exercises.core import first_mismatch

    cases = [(1, 2), (3, 4), (5, 6)]
    def add(a, b):
        return a + b

    assert first_mismatch(add, add, cases) is None
    assert first_mismatch(lambda a, b: a + b if a < 3 else 0, add, cases) == ((3, 4), 0, 7)
    assert first_mismatch(lambda a, b: None, add, cases) == ((1, 2), None, 3)

    def near(a, b):
        return a + b + 1e-9

    assert first_mismatch(near, add, cases) == ((1, 2), 3 + 1e-9, 3)
    assert first_mismatch(near, add, cases, same=lambda g, e: abs(g - e) < 1e-6) is None


@pytest.mark.parametrize("value, expected", [
    (None, "breastmnist"), ("", "breastmnist"), ("  ", "breastmnist"),
    ("pneumoniamnist", "pneumoniamnist"), (" DermaMNIST ", "dermamnist"), ("phantoms", "phantoms"),
])
def test_dataset_flag_reads_the_environment_variable(value, expected):
    environ = {} if value is None else {"MEDGAN_DATASET": value}
    assert course.dataset_flag("breastmnist", environ) == expected


@pytest.mark.parametrize("value", ["breastmnst", "chestmnist", "organmnist3d"])
def test_dataset_flag_refuses_names_the_course_cannot_load(value):
    with pytest.raises(ValueError, match="MEDGAN_DATASET"):
        course.dataset_flag("breastmnist", {"MEDGAN_DATASET": value})


def test_dataset_flag_reads_os_environ_when_called(monkeypatch):
    monkeypatch.setenv("MEDGAN_DATASET", "organamnist")
    assert course.dataset_flag() == "organamnist"
    monkeypatch.delenv("MEDGAN_DATASET")
    assert course.dataset_flag("mnist") == "mnist"
