"""Checks of what surrounds the package: install files, Binder, CI scripts, links and hygiene.

Fast tests read the files; the shell-script tests run the real scripts against a fake Python
that records how it was called. The one slow test replays Binder's install in a fresh virtualenv.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import medgan_course

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]

#: The commands README.md gives; .ci/run must run the same test command.
TEST_COMMAND = "bash scripts/test.sh"
MAIN_JOB_COMMAND = "bash scripts/demo.sh"

SHELL_SCRIPTS = [".ci/run", "scripts/setup.sh", "scripts/test.sh", "scripts/demo.sh", "binder/postBuild",
                 "scripts/site.sh", "scripts/colab_replay.sh", "scripts/second_flag.sh"]
DATA_SUFFIXES = (".npz", ".npy", ".dcm", ".h5", ".hdf5", ".keras", ".nii", ".nii.gz", ".tfrecord")
MAX_FILE_BYTES = 1 << 20
#: TensorFlow builds with GPU kernels: several times the size of tensorflow-cpu, useless on Binder.
GPU_TENSORFLOW = {"tensorflow", "tensorflow-gpu", "tf-nightly"}
#: What repo2docker's Python 3.11 base environment already installs (its conda/environment.py-3.11.yml).
BINDER_BASE = {"jupyterlab", "ipykernel"}

URL_RE = re.compile(r"(?:git\+)?https?://[^\s<>()\[\]\"'`\\]+")


# --------------------------------------------------------------------------- helpers


def repo_links(text):
    """The links to a GitHub repository that `text` holds, as dicts.

    Recognised: Binder launch links (`mybinder.org/v2/gh/ORG/REPO/REF?urlpath=lab/tree/PATH`),
    Colab links (`colab.research.google.com/github/ORG/REPO/blob/REF/PATH`) and pip's
    `git+https://github.com/ORG/REPO[.git][@REF]`. Badge images and other URLs are ignored.

    Returns:
        list of {"kind": "binder" | "colab" | "git", "slug": "ORG/REPO", "ref": str | None,
        "path": repository-relative file path or None, "url": the URL as written}.
    """
    links = []
    for url in URL_RE.findall(text):
        url = url.rstrip(".,;:")
        is_git = url.startswith("git+")
        parsed = urllib.parse.urlsplit(url[4:] if is_git else url)
        parts = [p for p in parsed.path.split("/") if p]
        if is_git and parsed.netloc == "github.com" and len(parts) >= 2:
            repo, _, ref = parts[1].partition("@")
            slug = f"{parts[0]}/{repo.removesuffix('.git')}"
            links.append({"kind": "git", "slug": slug, "ref": ref or None, "path": None, "url": url})
        elif parsed.netloc == "mybinder.org" and parts[:2] == ["v2", "gh"] and len(parts) >= 5:
            query = urllib.parse.parse_qs(parsed.query)
            target = (query.get("urlpath") or query.get("labpath") or [""])[0].lstrip("/")
            path = target.removeprefix("lab/tree/").removeprefix("tree/") or None
            links.append({"kind": "binder", "slug": "/".join(parts[2:4]), "ref": parts[4],
                          "path": path, "url": url})
        elif (parsed.netloc == "colab.research.google.com" and parts[:1] == ["github"]
              and len(parts) >= 6 and parts[3] == "blob"):
            links.append({"kind": "colab", "slug": "/".join(parts[1:3]), "ref": parts[4],
                          "path": "/".join(parts[5:]), "url": url})
    return links


def link_problems(links, repo_root=REPO_ROOT):
    """What is wrong with each link: another repository, another branch, or a missing file."""
    problems = []
    for link in links:
        if link["slug"] != medgan_course.REPO_SLUG:
            problems.append(f"{link['url']}: repository {link['slug']}, not {medgan_course.REPO_SLUG}")
        if link["kind"] in ("binder", "colab") and link["ref"] != medgan_course.DEFAULT_BRANCH:
            problems.append(f"{link['url']}: branch {link['ref']}, not {medgan_course.DEFAULT_BRANCH}")
        if link["path"] and not (repo_root / link["path"]).exists():
            problems.append(f"{link['url']}: {link['path']} does not exist in the repository")
    return problems


def notebook_sources(path):
    """The text of every cell of the notebook at `path`, joined (links live in cell sources)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(cell.get("source", [])) for cell in notebook.get("cells", []))


def files_with_links():
    """Repository files that may carry repository links, with their text; missing ones left out."""
    paths = [REPO_ROOT / name for name in ("README.md", "CREDITS.md", "environment.yml", "pyproject.toml")]
    paths += sorted((REPO_ROOT / "binder").glob("*")) + sorted((REPO_ROOT / "docs").rglob("*.md"))
    texts = {p: p.read_text(encoding="utf-8") for p in paths if p.is_file()}
    texts.update({p: notebook_sources(p) for p in sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))})
    return texts


def colab_install_problems(source):
    """Lines of notebook code that would reinstall what Colab ships, or install extras there.

    Colab ships `tensorflow` and ipywidgets 7.7; installing medgan-course with an extra, or naming
    either package in a pip line, would replace them (see README.md, "Which TensorFlow?").
    """
    problems = []
    for line in source.splitlines():
        if "pip install" not in line:
            continue
        if re.search(r"\btensorflow|\bipywidgets|medgan[-_]course\[", line):
            problems.append(line.strip())
    return problems


def load_environment(path):
    """The conda specs (strings) and the pip requirement lines of an environment.yml."""
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, f"{path}: expected one pip section, found {len(pip_sections)}"
    return conda, pip_sections[0]


def conda_name(spec):
    """'python=3.11' -> 'python'."""
    return re.split(r"[=<>!~ ]", spec, maxsplit=1)[0]


def pyproject():
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def linux_requirements(*extras):
    """Canonical names of the base requirements plus `extras`, as pip resolves them on Linux."""
    project = pyproject()["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    names = set()
    for spec in specs:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate({"sys_platform": "linux", "extra": ""}):
            names.add(canonicalize_name(req.name))
    return names


def fenced_code_lines(markdown):
    """Every line inside ``` fences of a Markdown text, without prompt ("$ ") or trailing comment."""
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            lines.append(re.sub(r"\s+#.*$", "", line.strip().removeprefix("$ ")))
    return lines


def notebook_output_problems(notebook):
    """Code cells that carry outputs (unless tagged keep_output) or any error output."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        outputs = cell.get("outputs") or []
        if any(o.get("output_type") == "error" for o in outputs):
            problems.append(f"cell {index}: error output")
        elif outputs and "keep_output" not in cell.get("metadata", {}).get("tags", []):
            problems.append(f"cell {index}: {len(outputs)} output(s) committed")
    return problems


def repository_files():
    """Files git would commit: tracked plus untracked-but-not-ignored. Skips outside a git repo."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"not a git work tree: {result.stderr.strip()}")
    return [name for name in result.stdout.split("\0") if name]


# --------------------------------------------------------------------------- links


def test_repo_links_parser_reads_every_kind_of_link():
    text = (
        "[![Binder](https://mybinder.org/badge_logo.svg)]"
        "(https://mybinder.org/v2/gh/org/repo/main?urlpath=lab%2Ftree%2Fnotebooks%2F01.ipynb)\n"
        "https://colab.research.google.com/github/org/repo/blob/dev/notebooks/02.ipynb\n"
        "https://colab.research.google.com/assets/colab-badge.svg\n"
        '%pip install "medgan-course @ git+https://github.com/org/repo.git@v1"\n'
        "See https://github.com/MedMNIST/MedMNIST for the data.\n"
    )
    links = repo_links(text)
    assert [(link["kind"], link["slug"], link["ref"], link["path"]) for link in links] == [
        ("binder", "org/repo", "main", "notebooks/01.ipynb"),
        ("colab", "org/repo", "dev", "notebooks/02.ipynb"),
        ("git", "org/repo", "v1", None),
    ]


def test_link_problems_names_wrong_repository_branch_and_missing_file(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "ok.ipynb").write_text("{}")
    slug, branch = medgan_course.REPO_SLUG, medgan_course.DEFAULT_BRANCH
    good = repo_links(f"https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/ok.ipynb")
    assert link_problems(good, tmp_path) == []
    bad = repo_links(f"https://mybinder.org/v2/gh/someone/fork/{branch}x?urlpath=lab/tree/notebooks/gone.ipynb")
    problems = link_problems(bad, tmp_path)
    assert len(problems) == 3
    assert "someone/fork" in problems[0] and f"{branch}x" in problems[1] and "gone.ipynb" in problems[2]


def test_every_repository_link_points_at_this_repository():
    problems = []
    for path, text in files_with_links().items():
        problems += [f"{path.relative_to(REPO_ROOT)}: {p}" for p in link_problems(repo_links(text))]
    assert not problems, "\n".join(problems)


def test_pyproject_repository_url_is_the_package_constant():
    assert pyproject()["project"]["urls"]["Repository"] == medgan_course.REPO_URL
    assert medgan_course.REPO_URL == f"https://github.com/{medgan_course.REPO_SLUG}"


def test_colab_install_check_flags_reinstalls_and_extras():
    assert colab_install_problems('%pip install "medgan-course @ git+https://github.com/o/r"') == []
    assert len(colab_install_problems(
        "%pip install 'medgan-course[cpu] @ git+https://github.com/o/r'\n"
        "!pip install -q tensorflow==2.15\n"
        "%pip install ipywidgets\n"
        "import tensorflow as tf\n")) == 3


def test_notebooks_never_reinstall_tensorflow_or_ipywidgets():
    problems = {}
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        found = colab_install_problems(notebook_sources(path))
        if found:
            problems[path.name] = found
    assert not problems, f"pip lines that would replace Colab's TensorFlow/ipywidgets: {problems}"


# --------------------------------------------------------------------------- environments


@pytest.mark.parametrize("name", ["environment.yml", "binder/environment.yml"])
def test_conda_part_of_environment_files_is_python_and_pip_only(name):
    conda, pip = load_environment(REPO_ROOT / name)
    assert sorted(conda_name(spec) for spec in conda) == ["pip", "python"]
    assert pip, f"{name}: empty pip section"


def test_binder_installs_tensorflow_cpu_and_every_requirement_of_the_package():
    _, pip_lines = load_environment(REPO_ROOT / "binder" / "environment.yml")
    names = {canonicalize_name(Requirement(line).name) for line in pip_lines}
    assert "tensorflow-cpu" in names
    assert not names & GPU_TENSORFLOW, "Binder has no GPU: use tensorflow-cpu only"
    missing = linux_requirements("cpu", "course") - names
    assert not missing, f"binder/environment.yml lacks requirements of pyproject.toml: {sorted(missing)}"


def test_root_environment_installs_the_project_with_cpu_and_course_extras():
    _, pip_lines = load_environment(REPO_ROOT / "environment.yml")
    assert len(pip_lines) == 1, "one line: the project itself, so pyproject.toml stays the one list"
    option, target = pip_lines[0].split(maxsplit=1)
    assert option in ("-e", "--editable")
    path, _, extras = target.partition("[")
    assert path == "."
    assert {"cpu", "course"} <= set(extras.rstrip("]").split(","))


def test_cpu_extra_never_resolves_to_cuda_tensorflow_on_linux():
    assert linux_requirements("cpu") - linux_requirements() == {"tensorflow-cpu"}


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("name", SHELL_SCRIPTS)
def test_shell_scripts_are_executable_strict_bash(name):
    path = REPO_ROOT / name
    assert os.access(path, os.X_OK), f"{name} is not executable (chmod +x)"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_executable_bit_is_recorded_in_git():
    files = set(repository_files())
    staged = subprocess.run(["git", "ls-files", "-s", *SHELL_SCRIPTS], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout
    modes = {line.split("\t")[1]: line.split()[0] for line in staged.splitlines()}
    assert set(SHELL_SCRIPTS) <= files
    assert {name: mode for name, mode in modes.items() if mode != "100755"} == {}


def test_postbuild_installs_the_package_without_dependencies():
    lines = (REPO_ROOT / "binder" / "postBuild").read_text(encoding="utf-8").splitlines()
    installs = [line.split() for line in lines if "pip install" in line and not line.lstrip().startswith("#")]
    assert len(installs) == 1
    assert "--no-deps" in installs[0] and installs[0][-1] == "."


def test_fenced_code_lines_strips_prompts_and_comments_but_not_prose():
    markdown = "Run `bash scripts/test.sh` here.\n```bash\n$ bash scripts/test.sh   # all tests\nls\n```\n"
    assert fenced_code_lines(markdown) == ["bash scripts/test.sh", "ls"]


def test_ci_runs_the_test_command_that_the_readme_gives():
    ci_lines = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()]
    assert any(line.startswith(TEST_COMMAND) for line in ci_lines if not line.startswith("#"))
    readme = REPO_ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md does not exist yet")
    commands = fenced_code_lines(readme.read_text(encoding="utf-8"))
    assert TEST_COMMAND in commands, f"README.md gives no fenced `{TEST_COMMAND}`"
    assert MAIN_JOB_COMMAND in commands, f"README.md gives no fenced `{MAIN_JOB_COMMAND}`"


FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for the venv's Python: real for `-c` (setup.sh hashes with it), recorded otherwise.
if [ "$1" = "-c" ]; then exec {real} "$@"; fi
echo "$*" >> "{log}"
if [ "$1 $2" = "-m pytest" ]; then
  env | grep '^MEDGAN_' | sort > "{env_log}"
  exit "${{FAKE_PYTEST_STATUS:-0}}"
fi
"""

FAKE_RUFF = """#!/usr/bin/env bash
# Stands in for the venv's ruff: records its arguments, exits with $FAKE_RUFF_STATUS.
echo "$*" >> "{log}"
exit "${{FAKE_RUFF_STATUS:-0}}"
"""


def make_sandbox(tmp_path, with_shared=True):
    """A copy of the repo's scripts beside a fake ../shared, with a fake .venv/bin/python and ruff."""
    repo = tmp_path / "work" / "repo"
    for name in ["pyproject.toml", *SHELL_SCRIPTS]:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, repo / name)
    (repo / "tests").mkdir()
    if with_shared:
        (tmp_path / "work" / "shared" / "data" / "medmnist").mkdir(parents=True)
    fake = repo / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(FAKE_PYTHON.format(real=sys.executable, log=tmp_path / "calls.log",
                                       env_log=tmp_path / "env.log"))
    fake.chmod(0o755)
    ruff = fake.parent / "ruff"
    ruff.write_text(FAKE_RUFF.format(log=tmp_path / "ruff.log"))
    ruff.chmod(0o755)
    # The Colab replay builds a second real environment (minutes, a 600 MB download): here a stub
    # that records its calls stands in for it; tests/colab/ tests the replay itself.
    (repo / "scripts" / "colab_replay.sh").write_text(
        f'#!/usr/bin/env bash\necho "colab_replay $*" >> {tmp_path / "colab.log"}\n')
    return repo


def run_script(repo, script, *args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEDGAN_", "VIRTUAL_ENV"))}
    return subprocess.run(["bash", script, *args], cwd=repo, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def calls(tmp_path):
    return (tmp_path / "calls.log").read_text().splitlines()


def test_setup_installs_once_then_reuses_the_environment(tmp_path):
    repo = make_sandbox(tmp_path)
    for _ in range(2):
        assert run_script(repo, "scripts/setup.sh").returncode == 0
    assert calls(tmp_path) == [f"-m pip install --prefer-binary --editable {repo}[cpu,course,test]"]
    with open(repo / "pyproject.toml", "a") as f:
        f.write("\n# changed\n")
    assert run_script(repo, "scripts/setup.sh").returncode == 0
    assert len(calls(tmp_path)) == 2, "a changed pyproject.toml must trigger a reinstall"


@pytest.mark.parametrize("pytest_status, expected", [(0, 0), (1, 1), (5, 1)])
def test_test_command_runs_pytest_and_treats_no_tests_as_failure(tmp_path, pytest_status, expected):
    repo = make_sandbox(tmp_path)
    result = run_script(repo, "scripts/test.sh", "-k", "x", FAKE_PYTEST_STATUS=str(pytest_status))
    assert result.returncode == expected, result.stderr
    pytest_call = calls(tmp_path)[-1]
    assert pytest_call == "-m pytest -n 2 --dist loadscope --durations=15 tests -k x"
    assert "MEDGAN_SMOKE=1" in (tmp_path / "env.log").read_text()


def test_test_command_lints_with_the_venvs_ruff_first_and_stops_on_a_finding(tmp_path):
    repo = make_sandbox(tmp_path)
    assert run_script(repo, "scripts/test.sh").returncode == 0
    lint = (tmp_path / "ruff.log").read_text().splitlines()
    assert lint == ["check medgan_course tests bench scripts notebooks/src"]
    runs_before = calls(tmp_path).count("-m pytest -n 2 --dist loadscope --durations=15 tests")
    result = run_script(repo, "scripts/test.sh", FAKE_RUFF_STATUS="1")
    assert result.returncode == 1 and "ruff check --fix" in result.stderr
    runs_after = calls(tmp_path).count("-m pytest -n 2 --dist loadscope --durations=15 tests")
    assert runs_after == runs_before == 1, "pytest must not run after a lint failure"


def test_test_command_adds_notebooks_under_nbval_once_there_are_some(tmp_path):
    repo = make_sandbox(tmp_path)
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "01_intro.ipynb").write_text("{}")
    assert run_script(repo, "scripts/test.sh").returncode == 0
    main_runs = [c for c in calls(tmp_path) if "--dist loadscope" in c]
    assert len(main_runs) == 1 and main_runs[0].endswith("tests --nbval-lax notebooks")


def test_notebook_flag_moves_the_notebooks_to_a_look_alike_of_that_flag(tmp_path):
    """MEDGAN_NOTEBOOK_FLAG (CI: pneumoniamnist): unit tests first, then every notebook under
    nbval with MEDGAN_DATASET set to the flag and MEDGAN_DATA_DIR at its look-alike file."""
    repo = make_sandbox(tmp_path)
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "01_intro.ipynb").write_text("{}")
    result = run_script(repo, "scripts/test.sh", MEDGAN_NOTEBOOK_FLAG="pneumoniamnist",
                        MEDGAN_BROWSER_TESTS="0")
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [c for c in calls(tmp_path) if "--dist loadscope" in c]
    assert runs[0].endswith("--durations=15 tests") and runs[1].endswith("--nbval-lax notebooks")
    env = (tmp_path / "env.log").read_text().splitlines()  # the last pytest call's
    assert "MEDGAN_DATASET=pneumoniamnist" in env and "MEDGAN_REQUIRE_REAL_DATA=1" in env
    assert "second flag: wrote" in result.stdout and "pneumoniamnist.npz" in result.stdout


@pytest.mark.parametrize("with_shared", [True, False])
def test_ci_requires_real_data_exactly_when_shared_has_it(tmp_path, with_shared):
    repo = make_sandbox(tmp_path, with_shared=with_shared)
    result = run_script(repo, ".ci/run")
    assert result.returncode == 0, result.stdout + result.stderr
    env = (tmp_path / "env.log").read_text().splitlines()
    if with_shared:
        expected_dir = (tmp_path / "work" / "shared" / "data" / "medmnist").resolve()
        assert f"MEDGAN_DATA_DIR={expected_dir}" in env and "MEDGAN_REQUIRE_REAL_DATA=1" in env
    else:
        assert not [line for line in env if line.startswith(("MEDGAN_DATA_DIR", "MEDGAN_REQUIRE"))]
    assert "ci: tests (" in result.stdout
    assert (tmp_path / "colab.log").read_text().split() == ["colab_replay", "prepare",
                                                             "colab_replay", "check"]


@pytest.mark.parametrize("pytest_status", [1, 5])
def test_ci_fails_when_the_tests_fail_or_find_nothing(tmp_path, pytest_status):
    repo = make_sandbox(tmp_path)
    result = run_script(repo, ".ci/run", FAKE_PYTEST_STATUS=str(pytest_status))
    assert result.returncode == 1
    assert "ci: CI in all took" in result.stdout, "timings are printed even when tests fail"


# --------------------------------------------------------------------------- hygiene


def test_no_data_or_large_files_would_be_committed():
    offenders = []
    for name in repository_files():
        path = REPO_ROOT / name
        if name.lower().endswith(DATA_SUFFIXES):
            offenders.append(f"{name} (data or weights file)")
        elif path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            offenders.append(f"{name} ({path.stat().st_size / 2**20:.1f} MiB > 1 MiB)")
    assert not offenders, "keep data and weights out of git: " + ", ".join(offenders)


def test_notebook_output_check_flags_outputs_and_errors():
    stream = {"output_type": "stream", "name": "stdout", "text": ["hi\n"]}
    notebook = {"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": []},
        {"cell_type": "code", "metadata": {"tags": ["keep_output"]}, "outputs": [stream]},
        {"cell_type": "code", "metadata": {}, "outputs": [stream]},
        {"cell_type": "code", "metadata": {"tags": ["keep_output"]}, "outputs": [{"output_type": "error"}]},
        {"cell_type": "markdown", "metadata": {}, "source": ["# t"]},
    ]}
    assert notebook_output_problems(notebook) == ["cell 2: 1 output(s) committed", "cell 3: error output"]


def test_notebooks_are_committed_without_outputs():
    problems = {}
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        found = notebook_output_problems(json.loads(path.read_text(encoding="utf-8")))
        if found:
            problems[path.name] = found
    assert not problems, f"strip outputs (or tag the cell keep_output): {problems}"


# --------------------------------------------------------------------------- Binder replay


def copy_work_tree(destination):
    """Copies the files a fresh clone would hold (tracked and not ignored) to `destination`."""
    for name in repository_files():
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def run_logged(args, **kwargs):
    """subprocess.run that fails the test with the command's own output."""
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


REPLAY_CHECK = """
import importlib.metadata as md, json, resource
import medgan_course, tensorflow as tf, keras, ipywidgets, matplotlib
def has(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None
print(json.dumps({
    "package_file": medgan_course.__file__, "tensorflow": tf.__version__, "keras": keras.__version__,
    "ipywidgets": ipywidgets.__version__, "matplotlib": matplotlib.__version__,
    "tensorflow_cpu_dist": has("tensorflow-cpu"), "tensorflow_dist": has("tensorflow"),
    "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


@pytest.mark.slow
def test_binder_install_steps_work_in_a_fresh_virtualenv(tmp_path):
    """Replays Binder: pip section of binder/environment.yml, then binder/postBuild from the root.

    Binder's own base environment already holds JupyterLab and the kernel, so pip finds those
    lines satisfied there; the replay leaves them out too. The pip cache is left on, so CI pays the
    downloads once per machine.
    """
    _, pip_lines = load_environment(REPO_ROOT / "binder" / "environment.yml")
    pip_lines = [line for line in pip_lines
                 if canonicalize_name(Requirement(line).name) not in BINDER_BASE]
    venv, repo = tmp_path / "venv", tmp_path / "repo"
    copy_work_tree(repo)
    run_logged([sys.executable, "-m", "venv", str(venv)])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "MEDGAN_VENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(venv),
               TF_CPP_MIN_LOG_LEVEL="2")
    python = str(venv / "bin" / "python")

    # Can the index be reached at all? Ask pip itself (it knows mirrors and proxies), briefly.
    probe = subprocess.run([python, "-m", "pip", "download", "--no-deps", "--dest", str(tmp_path / "probe"),
                            "--timeout", "10", "--retries", "0", pip_lines[-1]],
                           env=env, capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("package index unreachable, cannot replay Binder's install: "
                    f"{probe.stderr.strip()[-300:]}")

    started = time.monotonic()
    run_logged([python, "-m", "pip", "install", "--prefer-binary", *pip_lines], env=env, timeout=1200)
    installed = time.monotonic()
    run_logged(["bash", "binder/postBuild"], cwd=repo, env=env, timeout=600)
    print(f"Binder replay: pip section {installed - started:.0f} s, "
          f"postBuild {time.monotonic() - installed:.0f} s")
    run_logged([python, "-m", "pip", "check"], env=env)

    # Run from tmp_path, not the copy, so the import can only come from what postBuild installed.
    replay = run_logged([python, "-c", REPLAY_CHECK], cwd=tmp_path, env=env)
    found = json.loads(replay.stdout.splitlines()[-1])
    assert pathlib.Path(found["package_file"]).resolve().is_relative_to(repo.resolve())
    assert Version(found["tensorflow"]) >= Version("2.16")
    assert Version(found["keras"]).major == 3
    assert Version(found["ipywidgets"]).major == 8
    assert found["tensorflow_cpu_dist"] and not found["tensorflow_dist"], \
        "the GPU build `tensorflow` slipped in"
    # mybinder.org guarantees 1 GB: importing the stack must leave room for the course's work.
    assert found["max_rss_mib"] < 1024, f"importing TensorFlow took {found['max_rss_mib']:.0f} MiB"
    assert (venv / "bin" / "medgan-course").is_file(), "postBuild did not install the CLI entry point"
