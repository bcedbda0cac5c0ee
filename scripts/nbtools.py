"""Keeping each course notebook and its text source in step (authors' tool; not in the package).

Every notebook is a pair (see jupytext.toml): ``notebooks/NN_x.ipynb``, what learners open,
committed without outputs, and ``notebooks/src/NN_x.py``, the same cells in jupytext's percent
format, which is the source contributors edit and review. Edit either side, then:

    python scripts/nbtools.py sync [FILE ...]    # bring the pairs back in step (default: all)
    python scripts/nbtools.py check [FILE ...]   # exit 1 naming each pair out of step or with outputs
    python scripts/nbtools.py strip FILE.ipynb ...   # only remove outputs and execution counts
    python scripts/nbtools.py widgets [--without]   # the notebooks that show widgets (or the others)

FILE is either file of a pair. ``sync`` runs ``jupytext --sync`` (the newer file of a pair
gives the cells), then normalises the .ipynb: no outputs or execution counts, cell metadata
reduced to tags, cell ids renumbered ``cell-000``, ``cell-001``, ... (so re-syncing an unchanged
pair changes nothing), and then syncs again so the .py matches the normalised notebook.
tests/test_notebooks.py runs the same checks as ``check``, and the course's anatomy checks.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Where the text twins live, relative to the notebooks' folder (jupytext.toml's `formats`).
SOURCE_DIR = "src"


def twin(path: pathlib.Path) -> pathlib.Path:
    """The other file of a pair: notebooks/x.ipynb <-> notebooks/src/x.py."""
    path = pathlib.Path(path)
    if path.suffix == ".ipynb":
        return path.parent / SOURCE_DIR / f"{path.stem}.py"
    return path.parent.parent / f"{path.stem}.ipynb"


def notebook_paths(files=(), notebooks: pathlib.Path = NOTEBOOKS) -> list[pathlib.Path]:
    """The .ipynb of each pair named by `files` (either side), or of every pair in `notebooks`."""
    if files:
        named = [pathlib.Path(f).resolve() for f in files]
    else:
        named = [*notebooks.glob("*.ipynb"), *(notebooks / SOURCE_DIR).glob("*.py")]
    return sorted({p if p.suffix == ".ipynb" else twin(p) for p in named})


# --------------------------------------------------------------------------- normalising


def strip(notebook):
    """Removes outputs and execution counts (in place)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def normalise(notebook):
    """The committed form (in place): stripped, cell metadata = tags only, ids cell-000, ...

    The pairing lives in jupytext.toml, so the notebook's own `jupytext` metadata is dropped too
    (jupytext adds it when the .py was the newer side).
    """
    strip(notebook)
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags")
        cell.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})
        cell.id = f"cell-{index:03d}"  # stable ids: a re-sync gives no diff, a change a readable one
    return notebook


def _write_if_changed(notebook, path: pathlib.Path) -> bool:
    """Writes `notebook` to `path` unless the file already holds exactly that; True if written."""
    text = nbformat.writes(notebook) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_suffix(".ipynb.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # never a half-written notebook
    return True


def _jupytext_sync(path: pathlib.Path) -> None:
    from jupytext.cli import jupytext

    jupytext(["--sync", "--quiet", str(path)])


def _drop_own_pairing(ipynb: pathlib.Path) -> None:
    """Removes pairing metadata a notebook may carry (JupyterLab's "Pair Notebook" adds it).

    jupytext's sync obeys a notebook's own `jupytext.formats` before jupytext.toml, and would
    write a second text file; the file's times are kept, so the newer side stays the newer side.
    """
    if not ipynb.is_file():
        return
    notebook = nbformat.read(ipynb, as_version=4)
    if "formats" not in notebook.metadata.get("jupytext", {}):
        return
    stat = ipynb.stat()
    del notebook.metadata.jupytext["formats"]
    nbformat.write(notebook, ipynb)
    os.utime(ipynb, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def sync(path: pathlib.Path) -> None:
    """Brings one pair (`path`: either file) in step: jupytext's sync, the notebook normalised,
    then a second sync."""
    path = pathlib.Path(path)
    ipynb = path if path.suffix == ".ipynb" else twin(path)
    _drop_own_pairing(ipynb)
    _jupytext_sync(ipynb if ipynb.is_file() else twin(ipynb))
    notebook = nbformat.read(ipynb, as_version=4)
    nbformat.validate(notebook)
    if _write_if_changed(normalise(notebook), ipynb):
        _jupytext_sync(ipynb)  # now the newer side: the .py follows the normalised cells


# --------------------------------------------------------------------------- checking


def output_problems(notebook) -> list[str]:
    """Cells that carry outputs or execution counts, or ids that `normalise` would change."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {index} has outputs")
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            problems.append(f"cell {index} has an execution count")
        if cell.get("id") != f"cell-{index:03d}":
            problems.append(f"cell {index} has id {cell.get('id')!r}, not 'cell-{index:03d}'")
    return problems


def _cell_summary(cell):
    return cell.cell_type, cell.source, list(cell.metadata.get("tags", []))


def pair_problems(ipynb: pathlib.Path) -> list[str]:
    """How the pair of `ipynb` is out of step: a missing file, or cells that differ."""
    import jupytext

    source = twin(ipynb)
    missing = [f"{p.name} is missing" for p in (ipynb, source) if not p.is_file()]
    if missing:
        return missing
    notebook = nbformat.read(ipynb, as_version=4)
    text = jupytext.read(source)
    ours, theirs = [_cell_summary(c) for c in notebook.cells], [_cell_summary(c) for c in text.cells]
    if len(ours) != len(theirs):
        return [f"{ipynb.name} has {len(ours)} cells, {source.name} {len(theirs)}"]
    for index, (a, b) in enumerate(zip(ours, theirs)):
        for field, x, y in zip(("type", "source", "tags"), a, b):
            if x != y:
                return [f"cell {index}: the {field} differs between {ipynb.name} and {source.name}"]
    return []


def problems(ipynb: pathlib.Path) -> list[str]:
    """Everything `check` reports for one pair."""
    found = pair_problems(ipynb)
    if ipynb.is_file():
        found += output_problems(nbformat.read(ipynb, as_version=4))
    return found


def stray_sources(notebooks: pathlib.Path = NOTEBOOKS) -> list[pathlib.Path]:
    """Text versions of notebooks outside notebooks/src (a second pairing would write them)."""
    return sorted(p for p in notebooks.glob("*.py") if p.with_suffix(".ipynb").is_file())


def check(paths) -> int:
    """Prints the problems of each pair; 1 if there are any (then run `sync`), else 0."""
    status = 0
    for path in stray_sources():
        print(f"notebooks/{path.name}: a second text copy; the source is {SOURCE_DIR}/{path.name}")
        status = 1
    for ipynb in paths:
        for problem in problems(ipynb):
            print(f"{ipynb.relative_to(ipynb.parent.parent)}: {problem}")
            status = 1
    if status:
        print("run `python scripts/nbtools.py sync` and commit both files of each pair")
    return status


#: A notebook shows widgets when it imports a widget module or ipywidgets itself
#: (tests/browser/test_widgets_in_jupyterlab.py runs exactly these in JupyterLab).
WIDGET_USE = re.compile(r"medgan_course\.widgets\.(playground|quiz|latent|imbalance|monitor)\b|"
                        r"^\s*import ipywidgets", re.M)


def widget_notebooks(notebooks: pathlib.Path = NOTEBOOKS, *, without: bool = False) -> list[pathlib.Path]:
    """The notebooks whose text source uses a widget (`without`: all the others), sorted."""
    return [ipynb for ipynb in sorted(notebooks.glob("*.ipynb"))
            if bool(WIDGET_USE.search(twin(ipynb).read_text())) != without]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("sync", "check", "strip", "widgets"))
    parser.add_argument("files", nargs="*", help="notebooks or their text sources (default: all)")
    parser.add_argument("--without", action="store_true", help="widgets: list the others")
    args = parser.parse_args(argv)
    if args.command == "widgets":
        print("\n".join(str(p.relative_to(ROOT)) for p in widget_notebooks(without=args.without)))
        return 0
    if args.command == "strip":
        for name in args.files:
            notebook = nbformat.read(name, as_version=4)
            nbformat.write(strip(notebook), name)
            print(f"stripped {name}")
        return 0
    paths = notebook_paths(args.files)
    if args.command == "check":
        return check(paths)
    for ipynb in paths:
        sync(ipynb)
        print(f"in step: {ipynb.name} <-> {SOURCE_DIR}/{twin(ipynb).name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
