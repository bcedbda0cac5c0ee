#!/usr/bin/env bash
# Builds the course website (Sphinx + myst-nb + sphinx-book-theme) into site/_build/html:
#     bash scripts/site.sh            # full mode: every notebook executed with its real budgets
#     bash scripts/site.sh --smoke    # smoke mode (or MEDGAN_SMOKE=1): tiny budgets, as CI builds it
# Warnings are errors (-W --keep-going): a broken cross-reference, a missing image or a failing
# cell (myst-nb's nb_execution_raise_on_error) fails the build, after reporting all of them.
#   MEDGAN_VENV           the environment (default .venv); scripts/setup.sh adds the site extra
#   MEDGAN_SITE_EXECUTE   parallel (default: site/execute.py runs the notebooks first), myst
#                         (myst-nb runs them one by one) or off (no outputs: a quick look)
#   MEDGAN_SITE_JOBS      notebooks executed at once (default 2)
#   MEDGAN_SITE_REUSE=1   keep executed copies newer than their notebook (site work only)
# Offline except for one optional step: site/conf.py fetches the widget manager
# (@jupyter-widgets/html-manager) from the npm registry once, when npm is there, into
# site/_build/static/vendor; without it, widgets show as their text form.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
for arg in "$@"; do
  case "$arg" in
    --smoke) export MEDGAN_SMOKE=1 ;;
    *) echo "site: unknown argument $arg (only --smoke)" >&2; exit 2 ;;
  esac
done
export MEDGAN_SMOKE=${MEDGAN_SMOKE:-0}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

bash scripts/setup.sh cpu,course,test,site
python="${MEDGAN_VENV:-$root/.venv}/bin/python"

mode=full; [ "$MEDGAN_SMOKE" = 1 ] && mode=smoke
# One environment per mode, and always a fresh one (-E): the executed copies change under
# notebooks that Sphinx would think unchanged; reading them takes seconds.
doctrees="site/_build/doctrees-$mode"
start=$SECONDS
# Execute every notebook first, MEDGAN_SITE_JOBS at a time (default 2: in smoke mode a kernel
# uses about one core); Sphinx then shows those outputs. MEDGAN_SITE_EXECUTE=myst lets myst-nb
# execute them instead, one after the other; =off shows the notebooks as committed (no outputs).
case "${MEDGAN_SITE_EXECUTE:-parallel}" in
  parallel)
    export MEDGAN_SITE_EXECUTED="$root/site/_build/executed-$mode"
    "$python" site/execute.py "$MEDGAN_SITE_EXECUTED" --jobs "${MEDGAN_SITE_JOBS:-2}" \
      ${MEDGAN_SITE_REUSE:+--reuse}
    echo "site: notebooks executed in $(( SECONDS - start )) s" ;;
  myst) export MEDGAN_SITE_EXECUTE=force ;;
  off) ;;
  *) echo "site: MEDGAN_SITE_EXECUTE is parallel, myst or off" >&2; exit 2 ;;
esac
"$python" -m sphinx -b html -c site -d "$doctrees" -E -W --keep-going \
  -n . site/_build/html
echo "site: built the $mode site in $(( SECONDS - start )) s: $root/site/_build/html/index.html"
