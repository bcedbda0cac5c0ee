"""The course notebooks' anatomy, smoke-mode discipline and exercise structure.

Executing the notebooks is nbval's job (scripts/test.sh adds `--nbval-lax notebooks`); these
tests read the .ipynb files only, so they are fast and name the cell that breaks a rule.
"""

import ast
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from medgan_course.course import badges_markdown

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
#: scripts/notebooks/NN.py builds notebooks/NN_*.ipynb: the scripts are the notebooks' source.
BUILD_SCRIPTS = sorted((REPO_ROOT / "scripts" / "notebooks").glob("[0-9][0-9].py"))
NAME = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
#: The "##" headings every notebook has, in this order (lesson sections go between the
#: parameters and the summary).
REQUIRED = ["Learning objectives", "Set-up", "Parameters", "Summary", "Exercises", "Next"]
SMOKE_WORDS = re.compile(r"\bSMOKE\b|smoke_mode|MEDGAN_SMOKE")


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def headings(cell, level):
    prefix = "#" * level + " "
    return [line[len(prefix):].strip() for line in source(cell).splitlines()
            if line.startswith(prefix)]


def without_magics(code):
    """Code with IPython magics and shell escapes replaced by `pass`, so `ast` can parse it
    (a bare comment would leave the Colab cell's `if` block empty)."""
    return "\n".join(re.sub(r"^(\s*)([%!])", r"\1pass  # \2", line) for line in code.splitlines())


def exercise_blocks(cells):
    """[(heading, [cells up to the next exercise or "## Next"])] of the exercises section."""
    blocks, current = [], None
    for cell in cells:
        if cell["cell_type"] == "markdown" and headings(cell, 2) and current is not None:
            break
        ex = [h for h in headings(cell, 3) if h.startswith("Exercise")] \
            if cell["cell_type"] == "markdown" else []
        if ex:
            current = (ex[0], [])
            blocks.append(current)
        elif current is not None:
            current[1].append(cell)
    return blocks


def solution_code(markdown):
    """The ```python block inside a <details> Solution block, or None."""
    match = re.search(r"<details>\s*<summary>Solution</summary>\s*```python\n(.*?)```",
                      markdown, re.S)
    return match.group(1) if match else None


def anatomy_problems(notebook, name):
    """Every way notebook `name` (a dict as json.load gives) breaks the course anatomy."""
    problems = []
    cells = notebook.get("cells", [])
    if not NAME.match(name):
        problems.append(f"file name {name!r} is not NN_snake_case.ipynb")
    if not cells or cells[0]["cell_type"] != "markdown":
        return problems + ["first cell must be the Markdown title"]
    title = source(cells[0])
    if not title.startswith(f"# {name[:2]} "):
        problems.append(f"title must start with '# {name[:2]} '")
    if badges_markdown(f"notebooks/{name}") not in title:
        problems.append("title cell lacks the Colab and Binder badges of this notebook "
                        "(medgan_course.course.badges_markdown)")
    found = [(i, h) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             for h in headings(c, 2)]
    order = [h for _, h in found if h in REQUIRED]
    if order != REQUIRED:
        problems.append(f"'##' headings {order} should be exactly {REQUIRED} in this order")
        return problems
    at = {h: i for i, h in found}
    lesson = [h for i, h in found if at["Parameters"] < i < at["Summary"]]
    if not lesson:
        problems.append("no lesson sections between Parameters and Summary")
    problems += _setup_problems(cells, at)
    problems += _parameters_problems(cells, at)
    problems += _exercise_problems(cells[at["Exercises"]:])
    return problems


def _setup_problems(cells, at):
    problems = []
    setup = [source(c) for c in cells[at["Set-up"]:at["Parameters"]] if c["cell_type"] == "code"]
    if not any('"google.colab" in sys.modules' in s for s in setup):
        problems.append("set-up must install only on Colab ('\"google.colab\" in sys.modules')")
    for s in setup:
        for line in s.splitlines():
            if "pip install" in line and not line.startswith("    "):
                problems.append(f"unguarded install line: {line.strip()}")
    if not any("print_versions()" in s for s in setup):
        problems.append("imports cell must print versions (course.print_versions())")
    return problems


def _parameters_problems(cells, at):
    problems = []
    tagged = [i for i, c in enumerate(cells)
              if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1 or cells[tagged[0]]["cell_type"] != "code":
        return [f"need exactly one code cell tagged 'parameters', found {len(tagged)}"]
    index = tagged[0]
    lesson_start = min(i for i in range(at["Parameters"] + 1, len(cells))
                       if cells[i]["cell_type"] == "markdown" and headings(cells[i], 2))
    if not at["Parameters"] < index < lesson_start:
        problems.append("the parameters cell must sit under '## Parameters'")
    if "SMOKE = course.smoke_mode()" not in source(cells[index]):
        problems.append("the parameters cell must set SMOKE = course.smoke_mode()")
    for i, cell in enumerate(cells):
        if i != index and cell["cell_type"] == "code" and SMOKE_WORDS.search(source(cell)):
            problems.append(f"cell {i} reads smoke mode; only the parameters cell may")
    return problems


def _exercise_problems(cells):
    blocks = exercise_blocks(cells)
    problems = [] if 2 <= len(blocks) <= 4 else [f"{len(blocks)} exercises; the course has 2-4"]
    for heading, block in blocks:
        codes = [source(c) for c in block if c["cell_type"] == "code"]
        if not any(re.search(r"\bnb\d\d\.check_\w+\(", s) for s in codes):
            problems.append(f"{heading}: no auto-check call (nbNN.check_...(...))")
        solutions = [solution_code(source(c)) for c in block if c["cell_type"] == "markdown"]
        solutions = [s for s in solutions if s is not None]
        if len(solutions) != 1:
            problems.append(f"{heading}: needs one hidden solution (<details>, ```python)")
            continue
        try:
            ast.parse(without_magics(solutions[0]))
        except SyntaxError as err:
            problems.append(f"{heading}: solution does not parse: {err}")
    return problems


# --------------------------------------------------------------------------- the checker itself


def _good_notebook(name="02_x.ipynb"):
    md = lambda text, **kw: {"cell_type": "markdown", "source": text, "metadata": {}, **kw}
    code = lambda text, tags=(): {"cell_type": "code", "source": text, "outputs": [],
                                  "metadata": {"tags": list(tags)}, "execution_count": None}
    exercise = lambda k: [
        md(f"### Exercise {k}: t"), code(f"answer = ...\nnb02.check_thing(answer)"),
        md("<details><summary>Solution</summary>\n\n```python\nanswer = 1\n```\n\n</details>")]
    return {"cells": [
        md(f"# 02 · X\n\n{badges_markdown('notebooks/' + name)}"),
        md("## Learning objectives\n\n- a"), md("## Set-up"),
        code('import sys\nif "google.colab" in sys.modules:\n    %pip install -q x'),
        code("from medgan_course import course\ncourse.print_versions()"),
        md("## Parameters"), code("SMOKE = course.smoke_mode()\nN = 1 if SMOKE else 9",
                                  tags=["parameters"]),
        md("## 1. Lesson"), code("print(N)"), md("## Summary\n\ns"), md("## Exercises"),
        *exercise(1), *exercise(2), md("## Next\n\nn")]}


def test_anatomy_checker_accepts_a_good_notebook():
    assert anatomy_problems(_good_notebook(), "02_x.ipynb") == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda nb: nb["cells"].__setitem__(0, {"cell_type": "markdown", "source": "# 02 · X"}),
     "badges"),
    (lambda nb: nb["cells"].pop(1), "headings"),
    (lambda nb: nb["cells"][8].__setitem__("source", "print(3 if SMOKE else 4)"), "reads smoke"),
    (lambda nb: nb["cells"][6]["metadata"].__setitem__("tags", []), "tagged 'parameters'"),
    (lambda nb: nb["cells"][3].__setitem__("source", "%pip install -q x"), "Colab"),
    (lambda nb: nb["cells"][4].__setitem__("source", "import numpy"), "print versions"),
    (lambda nb: nb["cells"].__delitem__(slice(14, 17)), "1 exercises"),
    (lambda nb: nb["cells"][12].__setitem__("source", "answer = ..."), "auto-check"),
    (lambda nb: nb["cells"][13].__setitem__("source", "Solution: 1"), "hidden solution"),
    (lambda nb: nb["cells"][7].__setitem__("source", "Lesson"), "no lesson"),
])
def test_anatomy_checker_names_each_breakage(breakage, expected):
    notebook = _good_notebook()
    breakage(notebook)
    problems = anatomy_problems(notebook, "02_x.ipynb")
    assert any(expected in p for p in problems), problems


# --------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_anatomy(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert anatomy_problems(notebook, path.name) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_code_parses(path):
    """Every code cell is valid Python once magics are set aside (a typo fails here first)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            ast.parse(without_magics(source(cell)), filename=f"{path.name}: cell {index}")


def test_next_links_point_at_existing_notebooks():
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = source(notebook["cells"][-1])
        for target in re.findall(r"\]\(([^)]+\.ipynb)\)", text):
            assert (path.parent / target).is_file(), f"{path.name}: next link {target} is missing"


def test_every_notebook_has_its_build_script():
    assert [p.name[:2] for p in NOTEBOOKS] == [s.stem for s in BUILD_SCRIPTS]


@pytest.mark.parametrize("script", BUILD_SCRIPTS, ids=[s.name for s in BUILD_SCRIPTS])
def test_build_script_reproduces_the_committed_notebook(script, tmp_path):
    """A notebook edited by hand (or a script edited without rebuilding) fails here.

    The script runs on a copy of scripts/ and notebooks/, so it never writes into the checkout.
    """
    shutil.copytree(REPO_ROOT / "scripts", tmp_path / "scripts")
    shutil.copytree(REPO_ROOT / "notebooks", tmp_path / "notebooks")
    done = subprocess.run([sys.executable, str(tmp_path / "scripts" / "notebooks" / script.name)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = (tmp_path / "notebooks").glob(f"{script.stem}_*.ipynb")
    committed = REPO_ROOT / "notebooks" / built.name
    assert built.read_bytes() == committed.read_bytes(), (
        f"{committed.name} differs from what {script.relative_to(REPO_ROOT)} builds: edit the "
        f"script and run it, do not edit the notebook by hand")
