"""Writes docs/RESULTS.md: the medical use cases' measured results, one section per use case.

    python bench/results_report.py   (or `python bench/docs.py`: every generated page)

Each use-case benchmark (`bench/usecase_<name>.py --report`) writes its own section to
docs/results/<name>.md from its result files; this script puts them together in course order,
with what is not measured yet said as such.
"""

from __future__ import annotations

import pathlib

from common import REPO

SECTIONS = [
    ("imbalance", "Class imbalance: conditional-GAN minority images (notebook 07)"),
    ("semisupervised", "Label scarcity: semi-supervised GAN discriminators (notebook 08)"),
    ("enhancement", "Image enhancement: pix2pix denoising and super-resolution (notebook 09)"),
    ("diagnosis", "Does enhancement help diagnosis? The classifier on denoised images (notebook 09)"),
    ("explain", "Explainability and trust: latent directions, saliency, memorization (notebook 10)"),
    ("diffusion", "Diffusion model against the GAN at equal wall-clock budgets (notebook 13)"),
]


def write(sections=REPO / "docs" / "results", path=REPO / "docs" / "RESULTS.md") -> None:
    """Gathers the use-case sections (Markdown files in `sections`) into one page at `path`."""
    lines = ["# Results of the medical use cases", "",
             "Every number here was measured by the `bench/usecase_*.py` commands named in each "
             "section, over several seeds (a seed re-runs everything random: subsampling, GAN "
             "training, the synthetic draw, the classifier). Regenerate a section with its "
             "command, then this page with `python bench/results_report.py`.", ""]
    for name, title in SECTIONS:
        section = pathlib.Path(sections) / f"{name}.md"
        if section.is_file():
            lines += [section.read_text().strip(), ""]
        else:
            lines += [f"## {title}", "", f"Not measured yet (`bench/usecase_{name}.py`).", ""]
    pathlib.Path(path).write_text("\n".join(lines))


def main() -> None:
    write()
    print("wrote docs/RESULTS.md")


if __name__ == "__main__":
    main()
