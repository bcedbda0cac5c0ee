"""The course notebooks' anatomy, smoke-mode discipline and exercise structure.

Executing the notebooks is nbval's job (scripts/test.sh adds `--nbval-lax notebooks`); these
tests read the files only, so they are fast and name the cell that breaks a rule. Each notebook
is a pair, notebooks/NN_x.ipynb and its source notebooks/src/NN_x.py (jupytext percent format);
scripts/nbtools.py keeps the pairs in step, and the tests below check they are.
"""

import ast
import importlib.util
import inspect
import json
import pathlib
import re

import nbformat
import pytest

import medgan_course
from medgan_course.course import badges_markdown

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
#: The notebooks' text sources, notebooks/src/NN_x.py (jupytext.toml pairs them).
SOURCES = sorted((REPO_ROOT / "notebooks" / "src").glob("*.py"))


def _load_nbtools():
    """scripts/nbtools.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("nbtools", REPO_ROOT / "scripts" / "nbtools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nbtools = _load_nbtools()
NAME = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
#: The "##" headings every notebook has, in this order (lesson sections go between the
#: parameters and the summary).
REQUIRED = ["Learning objectives", "Set-up", "Parameters", "Summary", "Exercises", "Next"]
SMOKE_WORDS = re.compile(r"\bSMOKE\b|smoke_mode|MEDGAN_SMOKE")
#: The dataset switch: like smoke mode, read in the parameters cell only.
DATASET_WORDS = re.compile(r"dataset_flag|MEDGAN_DATASET")
DATASET_LINE = re.compile(r'^DATASET = course\.dataset_flag\("\w+"\)', re.MULTILINE)


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


#: A solution cell: `show_solution("nbNN", "name", ...)`, alone in its cell.
SOLUTION_CELL = re.compile(r'^show_solution\("(nb\d\d)"((?:, "\w+")+)\)$')


def solution_names(code):
    """(module, [names]) that a solution cell shows, or None when `code` is not one."""
    match = SOLUTION_CELL.match(code.strip())
    return (match.group(1), re.findall(r'"(\w+)"', match.group(2))) if match else None


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
    problems += _exercise_problems(cells[at["Exercises"]:], name[:2])
    return problems


def _setup_problems(cells, at):
    problems = []
    setup = [source(c) for c in cells[at["Set-up"]:at["Parameters"]] if c["cell_type"] == "code"]
    if not any('"google.colab" in sys.modules' in s for s in setup):
        problems.append("set-up must install only on Colab ('\"google.colab\" in sys.modules')")
    for s in setup:
        for line in s.splitlines():
            installs = re.search(r"pip install|run_line_magic\(\"pip\"", line)
            if installs and not line.startswith(("    ", "#")):
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
    if not DATASET_LINE.search(source(cells[index])):
        problems.append('the parameters cell must set DATASET = course.dataset_flag("...")')
    for i, cell in enumerate(cells):
        if i != index and cell["cell_type"] == "code" and SMOKE_WORDS.search(source(cell)):
            problems.append(f"cell {i} reads smoke mode; only the parameters cell may")
        if i != index and cell["cell_type"] == "code" and DATASET_WORDS.search(source(cell)):
            problems.append(f"cell {i} reads the dataset switch; only the parameters cell may")
    return problems


def _exercise_problems(cells, number=None):
    """Each exercise: a prompt, then a stub cell ending with its check, then one solution cell."""
    blocks = exercise_blocks(cells)
    checked = [h for h, _ in blocks if "(experiment)" not in h]
    problems = [] if 2 <= len(checked) <= 4 else [
        f"{len(checked)} checked exercises; the course has 2-4 (plus any experiments)"]
    for heading, block in blocks:
        codes = [source(c) for c in block if c["cell_type"] == "code"]
        if "(experiment)" in heading:
            # Open-ended: change one thing, predict, measure. No check can grade a measurement,
            # so the rule is a written prediction before the measuring cell, and no solution.
            problems += _experiment_problems(heading, codes)
            continue
        if not any(re.search(r"\bnb\d\d\.check_\w+\(", s.strip().splitlines()[-1])
                   for s in codes if s.strip()):
            problems.append(f"{heading}: no stub cell ending with its auto-check (nbNN.check_...(...))")
        solutions = [solution_names(s) for s in codes]
        solutions = [s for s in solutions if s is not None]
        if len(solutions) != 1 or solution_names(codes[-1]) is None:
            problems.append(f"{heading}: needs one solution cell, last: show_solution(\"nbNN\", ...)")
            continue
        module, names = solutions[0]
        if number is not None and module != f"nb{number}":
            problems.append(f"{heading}: shows solutions of {module}, not nb{number}")
            continue
        problems += [f"{heading}: {p}" for p in _solution_problems(module, names)]
    return problems


def _experiment_problems(heading, codes):
    """An experiment exercise: a `prediction = ...` cell, then at least one cell that measures."""
    at = next((i for i, c in enumerate(codes) if re.match(r"\s*prediction\s*=", c)), None)
    if at is None:
        return [f"{heading}: an experiment needs a `prediction = ...` cell before it measures"]
    if at == len(codes) - 1:
        return [f"{heading}: no code cell after the prediction runs the experiment"]
    if any(solution_names(c) is not None for c in codes):
        return [f"{heading}: an experiment has no reference solution to show"]
    return []


def _solution_problems(module, names):
    """Why solutions `names` of `module` cannot be shown (a missing module or name)."""
    try:
        solutions = importlib.import_module(f"medgan_course.exercises.solutions.{module}")
    except ImportError as err:
        if "medgan_course" in str(err):
            return [f"no solutions module medgan_course.exercises.solutions.{module}"]
        return []  # Keras/TensorFlow missing here: the solution-check tests skip too
    return [f"{module} has no solution {name!r}" for name in names if not hasattr(solutions, name)]


# --------------------------------------------------------------------------- the checker itself


def _good_notebook(name="02_x.ipynb"):
    def md(text):
        return {"cell_type": "markdown", "source": text, "metadata": {}}

    def code(text, tags=()):
        return {"cell_type": "code", "source": text, "outputs": [],
                "metadata": {"tags": list(tags)}, "execution_count": None}

    def exercise(k):
        solution = ["optimal_discriminator_mine", "saturation"][k - 1]
        return [md(f"### Exercise {k}: t"), code("answer = ...\nnb02.check_thing(answer)"),
                code(f'show_solution("nb02", "{solution}")')]

    return {"cells": [
        md(f"# 02 · X\n\n{badges_markdown('notebooks/' + name)}"),
        md("## Learning objectives\n\n- a"), md("## Set-up"),
        code('import sys\nif "google.colab" in sys.modules:\n    %pip install -q x'),
        code("from medgan_course import course\ncourse.print_versions()"),
        md("## Parameters"),
        code('SMOKE = course.smoke_mode()\nDATASET = course.dataset_flag("breastmnist")\n'
             "N = 1 if SMOKE else 9", tags=["parameters"]),
        md("## 1. Lesson"), code("print(N)"), md("## Summary\n\ns"), md("## Exercises"),
        *exercise(1), *exercise(2), md("## Next\n\nn")]}


def test_anatomy_checker_accepts_a_good_notebook():
    assert anatomy_problems(_good_notebook(), "02_x.ipynb") == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda nb: nb["cells"].__setitem__(0, {"cell_type": "markdown", "source": "# 02 · X"}),
     "badges"),
    (lambda nb: nb["cells"].pop(1), "headings"),
    (lambda nb: nb["cells"][8].__setitem__("source", "print(3 if SMOKE else 4)"), "reads smoke"),
    (lambda nb: nb["cells"][8].__setitem__("source", "DATASET = course.dataset_flag()"),
     "reads the dataset switch"),
    (lambda nb: nb["cells"][6].__setitem__("source", 'SMOKE = course.smoke_mode()\nDATASET = "x"'),
     "DATASET = course.dataset_flag"),
    (lambda nb: nb["cells"][6]["metadata"].__setitem__("tags", []), "tagged 'parameters'"),
    (lambda nb: nb["cells"][3].__setitem__("source", "%pip install -q x"), "Colab"),
    (lambda nb: nb["cells"][4].__setitem__("source", "import numpy"), "print versions"),
    (lambda nb: nb["cells"].__delitem__(slice(14, 17)), "1 checked exercises"),
    (lambda nb: nb["cells"][12].__setitem__("source", "answer = ..."), "auto-check"),
    (lambda nb: nb["cells"][13].__setitem__("source", "Solution: 1"), "one solution cell"),
    (lambda nb: nb["cells"][13].__setitem__("source", 'show_solution("nb02", "nothing")'),
     "no solution 'nothing'"),
    (lambda nb: nb["cells"][13].__setitem__("source", 'show_solution("nb03", "conv_params")'),
     "not nb02"),
    (lambda nb: nb["cells"][12].__setitem__("source", "nb02.check_thing(answer)\nanswer = 1"),
     "ending with its auto-check"),
    (lambda nb: nb["cells"][3].__setitem__("source", 'get_ipython().run_line_magic("pip", "x")'),
     "unguarded install"),
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


def test_every_exercise_3_stub_of_notebook_04_is_the_article_code():
    """The stub hands the learner the article's code, the same text the check module diagnoses."""
    from medgan_course.exercises.article_debug import ARTICLE_TRAIN_SOURCE

    (path,) = [p for p in NOTEBOOKS if p.name.startswith("04_")]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    stubs = [source(c) for c in cells if source(c).endswith("nb04.check_article_train(train)")]
    assert stubs == [ARTICLE_TRAIN_SOURCE + "\n\nnb04.check_article_train(train)"]


def test_shared_cells_are_the_same_in_every_notebook():
    """What every notebook shares (set-up text and cell, the parameters text) has one wording,
    and the Colab install names this repository's default branch."""
    def shared(path):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return [source(cells[i]) for i in (2, 3, 5)]

    first = shared(NOTEBOOKS[0])
    assert f"git+{medgan_course.REPO_URL}@{medgan_course.DEFAULT_BRANCH}" in first[1]
    for path in NOTEBOOKS[1:]:
        assert shared(path) == first, f"{path.name}: set-up or parameters cells differ from 00's"


# --------------------------------------------------------------------------- the pairs


def test_every_notebook_has_its_text_source_and_vice_versa():
    assert NOTEBOOKS and [p.stem for p in NOTEBOOKS] == [s.stem for s in SOURCES]
    assert nbtools.notebook_paths() == NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_and_its_text_source_are_in_step(path):
    """Same cells, types, sources and tags in notebooks/NN_x.ipynb and notebooks/src/NN_x.py."""
    problems = nbtools.pair_problems(path)
    assert not problems, f"{problems}: run `python scripts/nbtools.py sync {path.name}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    """No outputs or execution counts, and the ids `sync` gives (cell-000, ...)."""
    problems = nbtools.output_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{problems}: run `python scripts/nbtools.py sync {path.name}`"


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_text_source_is_plain_python(path):
    """The .py parses as it stands (magics are comments there; the Colab cell has none)."""
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --------------------------------------------------------------------------- the pair checker itself


@pytest.fixture
def pair(tmp_path):
    """A small notebook pair in step, in tmp_path/notebooks (written by nbtools.sync)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (tmp_path / "jupytext.toml").write_text((REPO_ROOT / "jupytext.toml").read_text())
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}})
    notebook.cells = [nbformat.v4.new_markdown_cell("# 99 · Test\n\nSome text."),
                      nbformat.v4.new_code_cell("N = 3", metadata={"tags": ["parameters"]}),
                      nbformat.v4.new_code_cell("%matplotlib inline\nprint(N)")]
    path = folder / "99_test.ipynb"
    nbformat.write(notebook, path)
    nbtools.sync(path)
    return path


def test_sync_writes_the_text_twin_and_is_idempotent(pair):
    text = nbtools.twin(pair)
    assert text == pair.parent / "src" / "99_test.py" and text.is_file()
    assert "# %% tags=[\"parameters\"]" in text.read_text() and "# %matplotlib inline" in text.read_text()
    assert nbtools.problems(pair) == []
    before = pair.read_bytes(), text.read_bytes()
    nbtools.sync(pair)
    assert (pair.read_bytes(), text.read_bytes()) == before


def test_checker_reports_a_text_source_edited_without_sync(pair):
    text = nbtools.twin(pair)
    text.write_text(text.read_text().replace("Some text.", "Other text."))
    assert nbtools.pair_problems(pair) == [
        "cell 0: the source differs between 99_test.ipynb and 99_test.py"]
    assert nbtools.main(["check", str(pair)]) == 1
    nbtools.sync(text)  # the .py is the newer side: the notebook follows it
    assert "Other text." in pair.read_text() and nbtools.problems(pair) == []


def test_checker_reports_missing_cells_tags_and_twins(pair):
    notebook = nbformat.read(pair, as_version=4)
    notebook.cells[1].metadata = {}
    nbformat.write(notebook, pair)
    assert nbtools.pair_problems(pair) == ["cell 1: the tags differs between 99_test.ipynb and 99_test.py"]
    notebook.cells.pop()
    nbformat.write(notebook, pair)
    assert nbtools.pair_problems(pair) == ["99_test.ipynb has 2 cells, 99_test.py 3"]
    nbtools.twin(pair).unlink()
    assert nbtools.pair_problems(pair) == ["99_test.py is missing"]


def test_checker_reports_outputs_and_sync_strips_them(pair):
    """A notebook saved after a run: outputs, execution counts, fresh ids, an edited cell."""
    notebook = nbformat.read(pair, as_version=4)
    notebook.cells[2].source = "print(N + 1)"
    notebook.cells[2].execution_count = 4
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="4\n")]
    notebook.cells[2].id = "a1b2c3"
    nbformat.write(notebook, pair)
    assert nbtools.output_problems(notebook) == [
        "cell 2 has outputs", "cell 2 has an execution count", "cell 2 has id 'a1b2c3', not 'cell-002'"]
    assert nbtools.main(["check", str(pair)]) == 1
    nbtools.sync(pair)  # the .ipynb is the newer side: the .py follows it
    assert "print(N + 1)" in nbtools.twin(pair).read_text()
    assert nbtools.problems(pair) == []
    assert '"outputs": []' in pair.read_text() and "a1b2c3" not in pair.read_text()


def test_sync_does_not_touch_a_pair_in_step(pair):
    text = nbtools.twin(pair)
    stamps = pair.stat().st_mtime_ns, text.stat().st_mtime_ns
    nbtools.sync(pair)
    assert pair.stat().st_mtime_ns == stamps[0]


def test_solution_cells_name_real_solutions_and_every_solution_is_shown():
    """Each solutions module's public functions and classes appear in its notebook's solution
    cells, and nothing else does: no solution exists twice or goes unseen."""
    shown = {}
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            found = solution_names(source(cell)) if cell["cell_type"] == "code" else None
            if found:
                shown.setdefault(found[0], []).extend(found[1])
    folder = REPO_ROOT / "medgan_course" / "exercises" / "solutions"
    for module_path in sorted(folder.glob("nb[0-9][0-9].py")):
        tree = ast.parse(module_path.read_text(encoding="utf-8"))
        defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                   and not n.name.startswith("_")]
        assert sorted(shown.pop(module_path.stem, [])) == sorted(defined), module_path.name
    assert not shown, f"solution cells of notebooks without a solutions module: {sorted(shown)}"


def test_show_solution_folds_the_package_source():
    from medgan_course.exercises import show_solution
    from medgan_course.exercises.solutions import nb05

    shown = show_solution("nb05", "d_accuracy")
    assert shown.source == inspect.getsource(nb05.d_accuracy)
    html = shown._repr_html_()
    assert html.startswith("<details><summary>Solution</summary>") and html.endswith("</details>")
    assert "d_accuracy" in html and "d_accuracy" in repr(shown)
    with pytest.raises(TypeError):
        show_solution("nb05")


def test_sync_ignores_a_notebooks_own_pairing(pair):
    """JupyterLab's "Pair Notebook" writes formats into the notebook; sync keeps to jupytext.toml."""
    notebook = nbformat.read(pair, as_version=4)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    nbformat.write(notebook, pair)
    nbtools.sync(pair)
    assert nbtools.stray_sources(pair.parent) == []
    assert "jupytext" not in nbformat.read(pair, as_version=4).metadata
    (pair.parent / "99_test.py").write_text("# a second copy\n")
    assert nbtools.stray_sources(pair.parent) == [pair.parent / "99_test.py"]


@pytest.mark.parametrize("codes, expected", [
    (['prediction = "FD rises"', "measure()"], None),
    (["measure()"], "prediction = ..."),
    (['prediction = "FD rises"'], "no code cell after the prediction"),
    (['prediction = "x"', "measure()", 'show_solution("nb04", "ema_update")'], "no reference solution"),
])
def test_experiment_exercises_need_a_prediction_then_a_measurement(codes, expected):
    problems = _experiment_problems("Exercise 4 (experiment): x", codes)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0]
