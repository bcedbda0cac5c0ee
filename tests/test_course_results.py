"""`course.find_results`: the committed bench/results folder that notebooks 11 and 12 read."""

import sys

from medgan_course import course


def _results_tree(root):
    results = root / "bench" / "results"
    results.mkdir(parents=True)
    (results / "throughput.json").write_text("{}")
    return results


def test_find_results_looks_in_the_folder_and_its_parents(tmp_path):
    results = _results_tree(tmp_path)
    (tmp_path / "notebooks").mkdir()
    assert course.find_results(tmp_path / "notebooks") == results
    assert course.find_results(tmp_path) == results


def test_find_results_is_none_outside_a_checkout_and_clones_only_on_colab(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("subprocess.run", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert course.find_results(tmp_path) is None and calls == []
    clone = tmp_path / "clone"
    monkeypatch.setattr(course, "COLAB_CLONE", clone)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert course.find_results(tmp_path / "elsewhere", clone_on_colab=False) is None
    assert course.find_results(tmp_path / "elsewhere") is None  # the (fake) clone found nothing
    assert calls and calls[0][0][:2] == ["git", "clone"] and calls[0][0][-1] == str(clone)
    results = _results_tree(clone)
    assert course.find_results(tmp_path / "elsewhere") == results


def test_find_results_finds_this_repository():
    assert course.find_results(course.pathlib.Path(__file__).parent, clone_on_colab=False) is not None
