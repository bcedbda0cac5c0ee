#!/usr/bin/env bash
# Every notebook in smoke mode on a second MedMNIST flag, from a look-alike file (.ci/run calls
# it after scripts/test.sh):
#     bash scripts/second_flag.sh [PYTEST_ARGS...]
# The notebooks claim to run on any single-label 2-D flag by changing DATASET; this checks it on
# a flag whose sizes, balance and test split differ from BreastMNIST's. The flag's file is
# written by medgan_course.data.lookalike (phantom images in MedMNIST's layout, official split
# sizes) into a temporary folder, beside links to the files of $MEDGAN_DATA_DIR, so the other
# datasets a notebook loads are still the real ones.
#   MEDGAN_SECOND_FLAG   the flag (default pneumoniamnist: binary, 4,708/524/624 images)
#   MEDGAN_TEST_WORKERS  pytest-xdist workers (default 2)
#   MEDGAN_SECOND_FLAG_BROWSER=1 (scripts/test.sh sets it when it runs the browser tests): the
#                        notebooks with widgets (scripts/nbtools.py widgets) run on this flag in
#                        JupyterLab in chromium (tests/browser), which runs every cell of them and
#                        checks the widgets too, and the others under nbval: each notebook runs
#                        once on this flag instead of twice
#   MEDGAN_REQUIRE_REAL_DATA is set to 1: the look-alike is a local file, so a notebook that
#   fell back to the embedded phantoms would fail here instead of passing quietly.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python="${MEDGAN_VENV:-$root/.venv}/bin/python"
flag=${MEDGAN_SECOND_FLAG:-pneumoniamnist}

folder=$(mktemp -d "${TMPDIR:-/tmp}/medgan-second-flag.XXXXXX")
trap 'rm -rf "$folder"' EXIT
if [ -n "${MEDGAN_DATA_DIR:-}" ] && [ -d "$MEDGAN_DATA_DIR" ]; then
  for file in "$MEDGAN_DATA_DIR"/*; do
    if [ -e "$file" ] && [ "$(basename "$file")" != "$flag.npz" ]; then
      ln -s "$(realpath "$file")" "$folder/"
    fi
  done
fi
"$python" -c "import sys; from medgan_course.data.lookalike import write_lookalike; print('second flag: wrote', write_lookalike(sys.argv[1], sys.argv[2]))" "$flag" "$folder"

export MEDGAN_DATASET="$flag" MEDGAN_DATA_DIR="$folder" MEDGAN_REQUIRE_REAL_DATA=1
export MEDGAN_SMOKE=1 TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
browser=${MEDGAN_SECOND_FLAG_BROWSER:-0}
if [ "$browser" = 1 ]; then
  mapfile -t notebooks < <("$python" scripts/nbtools.py widgets --without)
else
  notebooks=(notebooks)
fi
set +e
"$python" -m pytest -n "${MEDGAN_TEST_WORKERS:-2}" --dist loadscope --durations=15 \
  --nbval-lax "${notebooks[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "second flag: pytest collected no notebooks" >&2
  exit 1
fi
if [ "$browser" = 1 ]; then
  echo "second flag: the notebooks with widgets, in JupyterLab in chromium"
  set +e
  "$python" -m pytest -p no:xdist --durations=10 -rs tests/browser/test_chromium_helper.py \
    tests/browser/test_widgets_in_jupyterlab.py
  browser_status=$?
  set -e
  if [ "$status" -eq 0 ]; then status=$browser_status; fi
fi
exit "$status"
