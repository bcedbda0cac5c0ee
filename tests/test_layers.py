"""The package's layers point one way: data -> models -> training -> evaluation -> course pieces.

Every module of `medgan_course` is parsed with `ast` (nothing is imported), and every import
it makes of another module of the package is checked against the layer order below, function-
level (lazy) imports and `importlib.import_module("medgan_course...")` strings included. A
module may import its own layer and the layers below it, never one above. `plots` and `_tf`
(and the other rank-0 modules) are leaves: any layer may use them, and they use nothing of
the package.
"""

from __future__ import annotations

import ast
import pathlib
import re
import sys

PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1] / "medgan_course"

#: Rank of each top-level piece of the package; higher ranks may import lower ones.
LAYERS = {
    # Leaves: the root's constants, the TensorFlow version check, figures, error types, checks.
    "medgan_course": 0, "_tf": 0, "errors": 0, "validate": 0,
    "data": 1,
    "plots": 1.5,  # figures: uses data.types' range conversions, below models

    "models": 2,
    "training": 3,
    "evaluation": 4,
    "toy": 5, "widgets": 5, "exercises": 5, "usecases": 5, "course": 5,  # course pieces
    "cli": 6, "commands": 6,                            # the command line, on top
}

#: Backward imports that are known and reported, each with who must remove it. Keep it empty;
#: `test_known_exceptions_are_still_real` fails once an entry is no longer needed.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()

_MODULE_STRING = re.compile(r"^medgan_course(\.\w+)+$")


def module_name(path: pathlib.Path) -> str:
    """medgan_course/training/gan.py -> "medgan_course.training.gan" (packages without .__init__)."""
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """True if `name` is a module or package of medgan_course (a file or folder exists)."""
    base = PACKAGE_DIR.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The package modules a `from ... import ...` statement reaches."""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[:len(anchor) - node.level + 1]
        base = ".".join(anchor + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if not base.startswith("medgan_course"):
        return []
    targets = [f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}")]
    return targets or [base]


def source_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import of medgan_course made anywhere in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("medgan_course")]
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, t) for t in _resolve_from(module, is_package, node)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _MODULE_STRING.match(node.value):
            found.append((node.lineno, node.value))  # importlib.import_module / lazy tables
    return found


def package_imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """`source_imports` of one file of the package."""
    return source_imports(path.read_text(encoding="utf-8"), module_name(path),
                          path.name == "__init__.py")


def layer(module: str) -> int:
    """The rank of the piece `module` belongs to (the root package's constants rank 0).

    A piece missing from LAYERS ranks 0 here; `test_every_piece_of_the_package_has_a_layer`
    reports it.
    """
    parts = module.split(".")
    return LAYERS.get("medgan_course" if len(parts) == 1 else parts[1], 0)


def all_modules() -> list[pathlib.Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def backward_imports() -> list[str]:
    """Every import of a higher layer, as "file:line module -> imported (layer a < b)"."""
    offences = []
    for path in all_modules():
        module = module_name(path)
        for line, target in package_imports(path):
            leaf_import = layer(module) == 0 and module != "medgan_course" and target != module
            if (layer(target) > layer(module) or leaf_import) and \
                    (module, target) not in KNOWN_EXCEPTIONS:
                offences.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line} {module} -> "
                                f"{target} (layer {layer(module)} imports layer {layer(target)})")
    return offences


def test_every_piece_of_the_package_has_a_layer():
    pieces = {module_name(p).split(".")[1] for p in all_modules() if module_name(p) != "medgan_course"}
    assert pieces <= set(LAYERS), f"add these to LAYERS: {sorted(pieces - set(LAYERS))}"


def test_no_module_imports_a_higher_layer():
    offences = backward_imports()
    assert not offences, "imports against the layer order:\n" + "\n".join(offences)


def test_known_exceptions_are_still_real():
    imports = {(module_name(p), t) for p in all_modules() for _, t in package_imports(p)}
    stale = KNOWN_EXCEPTIONS - imports
    assert not stale, f"remove these from KNOWN_EXCEPTIONS, they are fixed: {sorted(stale)}"


def test_plots_uses_numpy_matplotlib_and_only_the_leaves_of_the_package():
    """Figures stay light: no TensorFlow, nothing above `data.types` (NumPy-only range maps)."""
    tree = ast.parse((PACKAGE_DIR / "plots.py").read_text(encoding="utf-8"))
    roots, package = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("medgan_course"):
                package.add(node.module)
    third_party = roots - set(sys.stdlib_module_names) - {"__future__", "medgan_course"}
    assert third_party <= {"numpy", "matplotlib"}, sorted(third_party)
    assert package <= {"medgan_course.data.types", "medgan_course.validate"}, sorted(package)


def test_the_checker_sees_lazy_relative_and_string_imports():
    source = ("def f():\n    from medgan_course.evaluation import distances\n"
              "from . import losses\nLAZY = {'x': 'medgan_course.usecases.classify'}\n")
    module = "medgan_course.training.gan"
    imports = [target for _, target in source_imports(source, module)]
    assert sorted(imports) == ["medgan_course.evaluation.distances",
                               "medgan_course.training.losses", "medgan_course.usecases.classify"]
    assert sorted(layer(t) > layer(module) for t in imports) == [False, True, True]
