"""The generated pages of docs/ are what `python bench/docs.py` builds from medgan_course/results/.

A results file committed without its regenerated page (or a page edited by hand) fails here.
"""

import pathlib
import shutil
import sys

import pytest

pytest.importorskip("tensorflow")  # the use-case report modules import the package's TF parts

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import docs as docs_pages  # noqa: E402  (bench/ is not a package: importable only after the path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every generated page, built once into a scratch docs/ folder."""
    scratch = tmp_path_factory.mktemp("docs")
    return scratch, docs_pages.build(scratch)


def test_every_committed_page_is_what_the_command_builds(built):
    scratch, pages = built
    stale = [str(p) for p in pages if (REPO / "docs" / p).read_text() != (scratch / p).read_text()]
    assert not stale, f"stale pages {stale}: run `python bench/docs.py` and commit the result"


def test_results_page_gathers_every_use_case_section(built):
    scratch, _ = built
    text = (scratch / "RESULTS.md").read_text()
    assert "Not measured yet" not in text  # all four use cases have committed results
    for name in docs_pages.USECASES:
        assert (scratch / "results" / f"{name}.md").read_text().strip() in text


def test_check_names_a_page_edited_by_hand(tmp_path):
    copy = tmp_path / "docs"
    shutil.copytree(REPO / "docs", copy)
    (copy / "REMEDIES.md").write_text((copy / "REMEDIES.md").read_text() + "\nhand edit\n")
    assert docs_pages.stale_pages(copy) == ["REMEDIES.md"]

