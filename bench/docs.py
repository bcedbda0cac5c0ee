"""Rebuilds every generated page of docs/ from the committed result files, or checks them.

    python bench/docs.py            # rewrite docs/results/*.md, RESULTS.md, REMEDIES.md,
                                    # PERFORMANCE.md and NOTEBOOKS.md from medgan_course/results/
    python bench/docs.py --check    # exit 1 naming each committed page that differs

No page here is edited by hand: each is a function of medgan_course/results/ (the benchmarks write
those files; `--report` options and this command only format them). tests/test_docs_pages.py
runs `--check`, so a results file committed without its regenerated page fails the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pathlib
import sys
import tempfile

import recipes

import diffusion
import notebooks
import remedies
import report
import results_report
import usecase_diagnosis
import usecase_enhancement
import usecase_explain
import usecase_imbalance
import usecase_semisupervised
from common import REPO

#: The use-case sections: each benchmark's `write_report(OUT, path)` formats its result files.
USECASES = {
    "imbalance": usecase_imbalance,
    "semisupervised": usecase_semisupervised,
    "enhancement": usecase_enhancement,
    "diagnosis": usecase_diagnosis,
    "explain": usecase_explain,
    "diffusion": diffusion,
}


def build(docs: pathlib.Path) -> list[pathlib.Path]:
    """Writes every generated page under `docs` (a docs/ folder or a scratch copy of one).

    Returns:
        The pages written, relative to `docs`.
    """
    (docs / "results").mkdir(parents=True, exist_ok=True)
    pages = []
    # The writers print what they write; here only the list of pages matters.
    with contextlib.redirect_stdout(io.StringIO()):
        for name, module in USECASES.items():
            module.write_report(module.OUT, docs / "results" / f"{name}.md")
            pages.append(pathlib.Path("results", f"{name}.md"))
        results_report.write(docs / "results", docs / "RESULTS.md")
        remedies.report(remedies.OUT, docs / "REMEDIES.md")
        if (recipes.OUT / "timing.json").is_file():
            recipes.write_report(recipes.OUT, docs / "RECIPES.md")
        report.write(docs / "PERFORMANCE.md")
        notebooks.table(docs / "NOTEBOOKS.md")
    return pages + [pathlib.Path(p) for p in ("RESULTS.md", "REMEDIES.md", "PERFORMANCE.md",
                                              "NOTEBOOKS.md")] + (
        [pathlib.Path("RECIPES.md")] if (recipes.OUT / "timing.json").is_file() else [])


def stale_pages(docs: pathlib.Path = REPO / "docs") -> list[str]:
    """The generated pages whose committed text differs from what `build` makes now."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = pathlib.Path(scratch)
        pages = build(fresh)
        return [str(page) for page in pages
                if not (docs / page).is_file()
                or (docs / page).read_text() != (fresh / page).read_text()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a committed page is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for page in stale:
            print(f"docs/{page} is stale: run `python bench/docs.py` and commit the result",
                  file=sys.stderr)
        return 1 if stale else 0
    for page in build(REPO / "docs"):
        print(f"wrote docs/{page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
