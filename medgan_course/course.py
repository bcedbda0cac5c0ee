"""What every notebook of the course shares: smoke mode, versions, the environment check, badges.

Smoke mode is the course's one switch between a learner's run and CI's run, and
`dataset_flag()` ($MEDGAN_DATASET) the one switch of the dataset. Only a notebook's parameters
cell calls them (tests/test_notebooks.py checks that), so CI executes the same cells a learner
executes, with smaller numbers or another flag.
Taught in notebooks/00_welcome_and_setup.ipynb.
"""

from __future__ import annotations

import importlib
import os
import pathlib
import platform
import sys
from urllib.parse import quote

from medgan_course import DEFAULT_BRANCH, REPO_SLUG

#: The environment variable that switches every notebook to smoke mode.
SMOKE_ENV = "MEDGAN_SMOKE"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

#: Packages whose versions a notebook prints, in this order.
VERSION_PACKAGES = ("numpy", "tensorflow", "keras", "matplotlib", "ipywidgets", "medgan_course")


def smoke_mode(environ=None) -> bool:
    """Whether the notebooks run in smoke mode (tiny budgets), read from $MEDGAN_SMOKE.

    Args:
        environ: a mapping to read instead of `os.environ` (for tests).

    Returns:
        True for "1", "true", "yes", "on" (any case); False when unset or "0", "false", ...

    Raises:
        ValueError: any other value, so that a typo never silently runs the full course in CI.
    """
    value = (os.environ if environ is None else environ).get(SMOKE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{SMOKE_ENV}={value!r} is not understood; set it to 1 (smoke mode) "
                     f"or 0 (full mode), or unset it.")


#: The environment variable that switches every notebook to another dataset.
DATASET_ENV = "MEDGAN_DATASET"


def dataset_flag(default: str = "breastmnist", environ=None) -> str:
    """The dataset a notebook loads: $MEDGAN_DATASET if set, else `default`.

    Like `smoke_mode`, only a notebook's parameters cell calls it (tests/test_notebooks.py
    checks that), so one variable runs every notebook on another single-label 2D MedMNIST
    flag: `MEDGAN_DATASET=pneumoniamnist`. Its files are found as usual (MEDGAN_DATA_DIR,
    the cache, a download); CI points MEDGAN_DATA_DIR at a look-alike file
    (`data.lookalike.write_lookalike`).

    Args:
        default: the notebook's own dataset, used when the variable is unset or empty.
        environ: a mapping to read instead of `os.environ` (for tests).

    Returns:
        A name `data.load_dataset` accepts, lower-cased, e.g. "pneumoniamnist".

    Raises:
        ValueError: a name the course cannot load (a typo, a 3D or multi-label flag).
    """
    from medgan_course.data.registry import DATASET_NAMES

    value = (os.environ if environ is None else environ).get(DATASET_ENV, "").strip().lower()
    if not value:
        return default
    if value not in DATASET_NAMES:
        raise ValueError(f"{DATASET_ENV}={value!r} is not a dataset the course loads; "
                         f"choose one of {', '.join(DATASET_NAMES)}, or unset it.")
    return value


def package_version(name: str) -> str:
    """The installed version of module `name`, or "not installed"."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


def versions(packages=VERSION_PACKAGES) -> dict:
    """{"python": "3.11.7", "numpy": "1.26.4", ...}: what a bug report needs."""
    found = {"python": platform.python_version()}
    found.update({name: package_version(name) for name in packages})
    return found


def print_versions(packages=VERSION_PACKAGES) -> None:
    """Prints `versions()` one per line, aligned (the imports cell of every notebook)."""
    for name, version in versions(packages).items():
        print(f"{name:>14}: {version}")


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow once with its C++ start-up notice set aside (the set-up cell's call).

    Some CPUs (AVX-512 VNNI/BF16 or AMX) make TensorFlow print a oneDNN notice that
    TF_CPP_MIN_LOG_LEVEL does not hide; `_tf.import_quietly` sets it aside. With
    TF_CPP_MIN_LOG_LEVEL=0 (show everything) it is shown as usual.
    """
    from medgan_course._tf import import_quietly, require_tensorflow

    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0":
        try:
            import_quietly("tensorflow")
        except ImportError:
            pass  # require_tensorflow says what to install (or upgrade) instead
    require_tensorflow()


def on_colab() -> bool:
    """True inside Google Colab (its runtime module is imported there)."""
    return "google.colab" in sys.modules


def accelerators() -> dict:
    """{"GPU": [...], "TPU": [...]}: device names TensorFlow sees (imports TensorFlow)."""
    import tensorflow as tf

    return {kind: [d.name for d in tf.config.list_physical_devices(kind)] for kind in ("GPU", "TPU")}


def notebook_links(notebook: str, *, slug: str = REPO_SLUG, branch: str = DEFAULT_BRANCH) -> dict:
    """Colab and Binder launch URLs of a notebook, e.g. "notebooks/00_welcome_and_setup.ipynb".

    Returns:
        {"colab": url, "binder": url}.
    """
    path = pathlib.PurePosixPath(notebook).as_posix()
    return {
        "colab": f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}",
        "binder": f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath={quote('lab/tree/' + path, safe='')}",
    }


def badges_markdown(notebook: str) -> str:
    """The Colab and Binder badges a notebook's title cell carries (Markdown)."""
    links = notebook_links(notebook)
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({links['colab']}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({links['binder']})")


def dataset_availability(names=("breastmnist", "pneumoniamnist", "mnist"), data_dir=None) -> dict:
    """Which datasets load here without a download: {name: "local", "cached" or "download"}.

    "local" means found in `data_dir` (default $MEDGAN_DATA_DIR), "cached" in the course's
    download cache; "download" means it would be fetched on first use (needs internet).
    The embedded phantoms are always available and not listed.
    """
    from medgan_course.data.medmnist import default_cache_dir

    data_dir = data_dir or os.environ.get("MEDGAN_DATA_DIR")
    found = {}
    for name in names:
        filename = f"{name}.npz"
        if data_dir and (pathlib.Path(data_dir) / filename).is_file():
            found[name] = "local"
        elif (default_cache_dir() / filename).is_file():
            found[name] = "cached"
        else:
            found[name] = "download"
    return found


#: The committed benchmark results: package data, so that they travel with every install
#: (Colab opens a notebook without the repository beside it, after a pip install).
RESULTS_DIR = pathlib.Path(__file__).resolve().parent / "results"


def results_dir(name: str | None = None) -> pathlib.Path:
    """The folder of committed benchmark results, or its subfolder `name`.

    The files are written by the benchmarks in the repository's `bench/` (each JSON names the
    command, commit and machine that produced it) and installed with the package, so the
    notebooks show the same multi-seed tables on Colab, Binder and a laptop.

    Args:
        name: a benchmark's folder, e.g. "imbalance", "remedies", "quality"; None for the root
            (which also holds throughput.json).

    Returns:
        The folder's path.

    Raises:
        FileNotFoundError: the folder is not there (an install made without package data).
    """
    folder = RESULTS_DIR if name is None else RESULTS_DIR / name
    if not folder.is_dir():
        raise FileNotFoundError(f"no committed results at {folder}; reinstall medgan-course "
                                "(pip install medgan-course @ git+...) to get its package data")
    return folder


#: The environment variable naming the JSON file `record` writes to (bench/notebooks.py sets it).
RECORD_ENV = "MEDGAN_RECORD"


def record(name: str, value, environ=None):
    """Keeps a number the notebook's prose quotes, when a benchmark asks for it; returns `value`.

    bench/notebooks.py runs a notebook with $MEDGAN_RECORD set to a file; each call adds
    `name: value` to it (rounded floats, written atomically), and the benchmark stores them in
    the notebook's committed result file, where tests/test_notebooks_quoted.py compares them
    with the numbers the prose quotes. Without the variable it does nothing.

    Args:
        name: a key, e.g. "auc_mean_k5".
        value: a number, or a list of numbers (floats are kept to 4 decimals).
        environ: a mapping to read instead of `os.environ` (for tests).

    Returns:
        `value`, unchanged.
    """
    path = (os.environ if environ is None else environ).get(RECORD_ENV, "").strip()
    if path:
        import json

        target = pathlib.Path(path)
        kept = json.loads(target.read_text()) if target.is_file() else {}
        kept[name] = [round(float(v), 4) for v in value] if isinstance(value, (list, tuple)) \
            else round(float(value), 4)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(kept, indent=1))
        os.replace(tmp, target)
    return value
