#!/usr/bin/env bash
# Replays Google Colab's runtime in a second virtual environment and checks the course there.
#
# Usage: bash scripts/colab_replay.sh [prepare|check|all]     (default: all)
#   prepare  creates $MEDGAN_COLAB_VENV with Colab's versions (tests/colab/constraints.txt);
#            a second run with unchanged constraints makes no pip call
#   check    installs medgan-course as the notebooks' Colab cell does (a plain `pip install`
#            of the package, no extra, not editable: package data comes from the wheel) after
#            recording pip's plan, then runs tests/colab, the kernel-less widget tests and
#            notebooks 02 and 06 (smoke mode, nbval) in that environment
#   MEDGAN_COLAB_VENV   the environment (default: .venv-colab in the repository root)
#   MEDGAN_COLAB_OUT    pip's plan and the freezes go here (default: out/colab)
#   PYTHON              the interpreter (default: python3). Colab runs Python 3.13; Debian
#                       bookworm has 3.11 and no registry serves a 3.13 interpreter, so the
#                       replay runs on 3.11 (docs/INSTRUCTOR.md, "Colab replayed").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-all}
venv=${MEDGAN_COLAB_VENV:-$root/.venv-colab}
out=${MEDGAN_COLAB_OUT:-$root/out/colab}
constraints=$root/tests/colab/constraints.txt
python=${PYTHON:-python3}
pip=("$venv/bin/python" -m pip)
phase() { echo "colab: $1 took $(( SECONDS - $2 )) s"; }

prepare() {
  local t=$SECONDS
  if [ ! -x "$venv/bin/python" ]; then
    echo "colab: creating $venv with $("$python" --version 2>&1) (Colab: Python 3.13)"
    "$python" -m venv "$venv"
  fi
  local stamp="$venv/.colab-pins" want
  want=$("$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$constraints")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "colab: $venv already holds Colab's versions"
  else
    # Colab's packages, then the test tools under the same pins (they may not move them).
    "${pip[@]}" install -q --prefer-binary -r "$constraints"
    "${pip[@]}" install -q --prefer-binary -c "$constraints" "pytest>=8" "nbval>=0.11"
    echo "$want" > "$stamp"
  fi
  phase "prepare (Colab's versions)" "$t"
}

check() {
  local t=$SECONDS work
  mkdir -p "$out"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  # The package as the Colab cell gets it: the repository's files, not its build leftovers
  # (tracked and not-ignored files when this is a git checkout).
  mkdir "$work/src"
  "$venv/bin/python" - "$root" "$work/src" <<'EOF'
import shutil, subprocess, sys
from pathlib import Path
root, dest = Path(sys.argv[1]), Path(sys.argv[2])
try:
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, check=True).stdout
    files = [root / name for name in listed.decode().split("\0") if name]
except (OSError, subprocess.CalledProcessError):  # not a git checkout: all but the usual leftovers
    skip = {".git", ".venv", ".venv-colab", "out", "build", "dist"}
    files = [p for p in root.rglob("*") if not skip & set(p.relative_to(root).parts)]
for path in files:
    if path.is_file():
        target = dest / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
EOF
  "${pip[@]}" uninstall -q -y medgan-course >/dev/null 2>&1 || true
  "${pip[@]}" freeze > "$out/freeze-before.txt"
  # The resolver's plan, with Colab's versions as the installed state (what the test reads).
  "${pip[@]}" install -q --dry-run --report "$out/report.json" "$work/src"
  "$venv/bin/python" - "$out/report.json" <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))["install"]
print("colab: the Colab cell would install", ", ".join(
    f"{i['metadata']['name']} {i['metadata']['version']}" for i in plan))
EOF
  # What the notebooks' Colab cell runs: %pip install "medgan-course @ git+REPO" (no extra).
  "${pip[@]}" install -q "$work/src"
  "${pip[@]}" freeze > "$out/freeze-after.txt"
  phase "install like the Colab cell" "$t"

  t=$SECONDS
  # From a folder without the package in it: imports must find the installed wheel.
  mkdir "$work/run" "$work/notebooks"
  cp "$root/notebooks/02_gan_theory.ipynb" "$root/notebooks/06_evaluating_gans.ipynb" "$work/notebooks/"
  local status=0
  (cd "$work/run" && MEDGAN_COLAB_REPORT="$out/report.json" MEDGAN_SMOKE=1 \
    TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} \
    "$venv/bin/pytest" -c "$root/pyproject.toml" --rootdir "$root" -p no:cacheprovider \
      --durations=5 "$root/tests/colab" "$root"/tests/test_widgets_*.py \
      --nbval-lax --nbval-current-env "$work/notebooks") || status=$?
  phase "tests and notebooks under Colab's versions" "$t"
  return "$status"
}

case "$mode" in
  prepare) prepare ;;
  check) check ;;
  all) prepare; check ;;
  *) echo "usage: bash scripts/colab_replay.sh [prepare|check|all]" >&2; exit 2 ;;
esac
