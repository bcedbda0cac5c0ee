"""Writing and cleaning the course notebooks (authors' tool; not part of the package).

    python scripts/nbtools.py strip notebooks/*.ipynb   # remove outputs before committing

Each notebook has a build script, scripts/notebooks/NN.py; the script is the notebook's source
(tests/test_notebooks.py checks that running it reproduces the committed notebook byte for byte):

    python scripts/notebooks/05.py     # rebuilds notebooks/05_when_training_fails.ipynb

In a build script:

    from nbtools import Notebook
    nb = Notebook("notebooks/02_gan_theory.ipynb", "GAN theory", objectives=[...],
                  imports="import numpy as np\\nfrom medgan_course import course",
                  parameters='DATASET = "breastmnist"\\nSTEPS = 30 if SMOKE else 3000')
    nb.section("1. The minimax game", "text ...")
    nb.code("x = 1")
    nb.summary("...")
    nb.exercise("Optimal discriminator", "prompt", stub="...", solution="...")
    nb.next("notebooks/03_building_a_dcgan.ipynb", "text")
    nb.write()

Every notebook gets the same anatomy (tests/test_notebooks.py checks it): title with Colab and
Binder badges, learning objectives, set-up (installs only on Colab), imports with versions
printed, a parameters cell (the only cell that reads smoke mode), the lesson, summary, 2-4
exercises with an auto-check and a hidden solution, and "next".
"""

from __future__ import annotations

import pathlib
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from medgan_course import DEFAULT_BRANCH, REPO_URL  # noqa: E402
from medgan_course.course import badges_markdown  # noqa: E402

SETUP_CODE = f'''import sys

# On Colab only: install the course package. Colab already ships TensorFlow and ipywidgets,
# so nothing else is installed (reinstalling them breaks Colab's runtime).
if "google.colab" in sys.modules:
    %pip install -q "medgan-course @ git+{REPO_URL}@{DEFAULT_BRANCH}"'''

SETUP_TEXT = ("## Set-up\n\nLocally and on Binder the course package is already installed "
              "(see README.md). On Colab the next cell installs it; nothing else is installed.")

PARAMETERS_TEXT = ("## Parameters\n\nEverything you may want to change is here. `SMOKE` is "
                   "true when the environment variable `MEDGAN_SMOKE=1` is set (CI does): it "
                   "only shrinks the numbers below, so CI runs exactly the cells you run.")


def _imports_cell(imports):
    """The imports cell: inline figures first (a bare `matplotlib.figure.Figure`, which the
    package's plots return, displays as text until the inline backend is active), then the
    notebook's imports, then the versions."""
    inline = "" if "%matplotlib inline" in imports else "%matplotlib inline\n"
    return inline + imports.rstrip() + "\n\ncourse.print_versions()"


class Notebook:
    """Collects cells in the course's anatomy and writes an output-free .ipynb."""

    def __init__(self, path, title, *, objectives, imports, parameters):
        self.path = pathlib.Path(path)
        number = self.path.name[:2]
        self.cells = [
            nbformat.v4.new_markdown_cell(
                f"# {number} · {title}\n\n{badges_markdown('notebooks/' + self.path.name)}"),
            nbformat.v4.new_markdown_cell(
                "## Learning objectives\n\n" + "\n".join(f"- {o}" for o in objectives)),
            nbformat.v4.new_markdown_cell(SETUP_TEXT),
            nbformat.v4.new_code_cell(SETUP_CODE),
            nbformat.v4.new_code_cell(_imports_cell(imports)),
            nbformat.v4.new_markdown_cell(PARAMETERS_TEXT),
            nbformat.v4.new_code_cell(
                "SMOKE = course.smoke_mode()  # MEDGAN_SMOKE=1: tiny budgets, same code path\n"
                + parameters.rstrip(),
                metadata={"tags": ["parameters"]}),
        ]
        self._exercises = 0

    def md(self, text):
        self.cells.append(nbformat.v4.new_markdown_cell(text.strip("\n")))

    def code(self, source, tags=()):
        metadata = {"tags": list(tags)} if tags else {}
        self.cells.append(nbformat.v4.new_code_cell(source.strip("\n"), metadata=metadata))

    def section(self, heading, text=""):
        self.md(f"## {heading}\n\n{text.strip()}".rstrip())

    def summary(self, text):
        self.md("## Summary\n\n" + text.strip())

    def exercise(self, title, prompt, *, stub, solution):
        """One exercise: prompt, a stub cell that ends with its auto-check, a hidden solution."""
        if self._exercises == 0:
            self.md("## Exercises\n\nEach exercise ends with a check that tells you whether "
                    "your answer is right; it never stops the notebook. Solutions are hidden "
                    "under *Solution*.")
        self._exercises += 1
        self.md(f"### Exercise {self._exercises}: {title}\n\n{prompt.strip()}")
        self.code(stub)
        self.md("<details><summary>Solution</summary>\n\n```python\n"
                + solution.strip("\n") + "\n```\n\n</details>")

    def next(self, notebook, text):
        """The closing cell; `notebook` is the next one's path (or None at the end)."""
        link = f"[{pathlib.Path(notebook).name}]({pathlib.Path(notebook).name})" if notebook else ""
        self.md(f"## Next\n\n{text.strip()} {link}".rstrip())

    def write(self):
        notebook = nbformat.v4.new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        })
        for index, cell in enumerate(notebook.cells):
            cell.id = f"cell-{index:03d}"  # stable ids: rebuilding gives a readable diff
        strip(notebook)
        nbformat.validate(notebook)
        tmp = self.path.with_suffix(".ipynb.tmp")
        nbformat.write(notebook, tmp)
        tmp.replace(self.path)  # never a half-written notebook
        return self.path


def strip(notebook):
    """Removes outputs and execution counts (in place); cell ids stay stable."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    return notebook


def main(argv):
    if len(argv) < 2 or argv[0] != "strip":
        print(__doc__)
        return 2
    for name in argv[1:]:
        notebook = nbformat.read(name, as_version=4)
        nbformat.write(strip(notebook), name)
        print(f"stripped {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
