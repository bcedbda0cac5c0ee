"""Writes docs/RESULTS.md: the medical use cases' measured results, one section per use case.

    python bench/results_report.py

Each use-case benchmark (`bench/usecase_<name>.py --report`) writes its own section to
docs/results/<name>.md from its result files; this script puts them together in course order,
with what is not measured yet said as such.
"""

from __future__ import annotations

from common import REPO

SECTIONS = [
    ("imbalance", "Class imbalance: conditional-GAN minority images (notebook 07)"),
    ("semisupervised", "Label scarcity: semi-supervised GAN discriminators (notebook 08)"),
    ("enhancement", "Image enhancement: pix2pix denoising and super-resolution (notebook 09)"),
    ("explain", "Explainability and trust: latent directions, saliency, memorization (notebook 10)"),
]


def main() -> None:
    lines = ["# Results of the medical use cases", "",
             "Every number here was measured by the `bench/usecase_*.py` commands named in each "
             "section, over several seeds (a seed re-runs everything random: subsampling, GAN "
             "training, the synthetic draw, the classifier). Regenerate a section with its "
             "command, then this page with `python bench/results_report.py`.", ""]
    for name, title in SECTIONS:
        section = REPO / "docs" / "results" / f"{name}.md"
        if section.is_file():
            lines += [section.read_text().strip(), ""]
        else:
            lines += [f"## {title}", "", f"Not measured yet (`bench/usecase_{name}.py`).", ""]
    (REPO / "docs" / "RESULTS.md").write_text("\n".join(lines))
    print("wrote docs/RESULTS.md")


if __name__ == "__main__":
    main()
