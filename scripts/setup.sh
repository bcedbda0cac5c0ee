#!/usr/bin/env bash
# Creates the project's virtual environment, or reuses it, and installs medgan-course into it
# in editable mode.
#
# Usage: bash scripts/setup.sh [EXTRAS]
#   EXTRAS        comma-separated extras of pyproject.toml (default: cpu,course,test)
#   MEDGAN_VENV   where the environment lives (default: .venv in the repository root)
#   PYTHON        the interpreter that creates it (default: python3; 3.10 or newer)
#
# A second run with the same EXTRAS and an unchanged pyproject.toml makes no pip call: the
# install is editable, so code changes need no reinstall; only dependencies and entry points,
# both in pyproject.toml, do. Delete $MEDGAN_VENV/.medgan-setup-* to force a reinstall.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${MEDGAN_VENV:-$root/.venv}
extras=${1:-cpu,course,test}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "setup: $python is missing or older than 3.10; set PYTHON to a Python 3.10+ interpreter" >&2
    exit 1
  fi
  echo "setup: creating the virtual environment $venv"
  "$python" -m venv "$venv"
fi

stamp="$venv/.medgan-setup-${extras//,/_}"
# Hashed with the venv's Python: sha256sum is not on every laptop (macOS has shasum).
want=$("$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$root/pyproject.toml")
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: $venv already holds medgan-course[$extras] for this pyproject.toml"
  exit 0
fi

echo "setup: installing medgan-course[$extras] into $venv"
"$venv/bin/python" -m pip install --prefer-binary --editable "$root[$extras]"
echo "$want" > "$stamp"
