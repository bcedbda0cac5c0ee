#!/usr/bin/env bash
# The course's main job from the command line: sets up .venv if needed (extra cpu), then trains
# the default DCGAN on the embedded phantom images for 60 seconds and writes samples, history
# and a checkpoint to runs/demo. Extra arguments go to `medgan-course train`.
#     bash scripts/demo.sh [--seconds 120 ...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh cpu
# TensorFlow's start-up log is hidden by medgan-course itself (add --verbose to see it).
exec "${MEDGAN_VENV:-$root/.venv}/bin/medgan-course" train \
  --dataset phantoms --recipe dcgan --seconds 60 --out runs/demo "$@"
