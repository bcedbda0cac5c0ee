#!/usr/bin/env bash
# The project's one test command (README.md gives it; .ci/run calls it):
#     bash scripts/test.sh [PYTEST_ARGS...]
# Sets up .venv if needed (scripts/setup.sh, extras cpu,course,test,browser), lints with ruff (the
# settings in pyproject.toml), then runs the unit tests and, once notebooks/ holds notebooks,
# executes every notebook under nbval in smoke mode. Without PYTEST_ARGS it then runs the widget
# notebooks in JupyterLab in chromium (tests/browser, its own pytest call: no xdist), which skip
# where chromium or playwright is missing (they fail instead when CI=true).
#   MEDGAN_TEST_WORKERS  pytest-xdist workers (default 2)
#   MEDGAN_SMOKE         passed on to the notebooks' kernels (default 1: tiny, fast runs)
#   MEDGAN_DATA_DIR      folder with breastmnist.npz; without it the real-data tests skip
#   MEDGAN_BROWSER_TESTS 0 leaves out the browser pass (default 1); screenshots go to out/browser/
#   MEDGAN_NOTEBOOK_FLAG a MedMNIST flag: run the notebooks (and the browser pass) on a look-alike
#                        file of that flag (scripts/second_flag.sh) instead of on
#                        $MEDGAN_DATASET / BreastMNIST. CI sets pneumoniamnist: its site build
#                        runs every notebook on BreastMNIST already (scripts/site.sh, a failing
#                        cell fails it), so each notebook runs once on each flag.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh cpu,course,test,browser
python="${MEDGAN_VENV:-$root/.venv}/bin/python"
ruff="$(dirname "$python")/ruff"

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
# nbval's kernels inherit this environment, so one variable switches every notebook to smoke mode.
export MEDGAN_SMOKE=${MEDGAN_SMOKE:-1}

# Lint first: a style error fails in seconds, before minutes of tests.
if ! "$ruff" check medgan_course tests bench scripts notebooks/src; then
  echo "test: ruff found problems; \`$ruff check --fix\` repairs the fixable ones" >&2
  exit 1
fi

targets=(tests)
shopt -s nullglob
notebooks=(notebooks/*.ipynb)
notebook_flag=${MEDGAN_NOTEBOOK_FLAG:-}
if [ ${#notebooks[@]} -gt 0 ] && [ -z "$notebook_flag" ]; then
  # --nbval-lax runs every cell and compares only outputs tagged nbval-check-output;
  # with xdist, nbval needs --dist loadscope (one notebook's cells stay on one worker).
  targets+=(--nbval-lax notebooks)
fi

set +e
"$python" -m pytest -n "${MEDGAN_TEST_WORKERS:-2}" --dist loadscope --durations=15 "${targets[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test: pytest collected no tests; that counts as a failure" >&2
  exit 1
fi

# The widgets in a real browser: JupyterLab + chromium, one notebook at a time (under xdist these
# tests skip themselves). Only on a full run: PYTEST_ARGS select tests of the first call.
browser=0
if [ $# -eq 0 ] && [ "${MEDGAN_BROWSER_TESTS:-1}" != 0 ]; then browser=1; fi

# The notebooks on another flag's look-alike (its own pytest calls: other environment variables).
# With the browser tests, the widget notebooks run on that flag in JupyterLab instead of nbval.
if [ -n "$notebook_flag" ] && [ ${#notebooks[@]} -gt 0 ]; then
  MEDGAN_SECOND_FLAG="$notebook_flag" MEDGAN_SECOND_FLAG_BROWSER=$browser \
    bash scripts/second_flag.sh "$@" || status=$?
  browser=0
  if [ $# -eq 0 ]; then echo "test: browser screenshots in $root/out/browser"; fi
fi

if [ "$browser" = 1 ]; then
  set +e
  "$python" -m pytest -p no:xdist --durations=10 -rs tests/browser/test_chromium_helper.py \
    tests/browser/test_widgets_in_jupyterlab.py
  browser_status=$?
  set -e
  echo "test: browser screenshots in $root/out/browser"
  if [ "$status" -eq 0 ]; then status=$browser_status; fi
fi
exit "$status"
