"""Executes the course notebooks for the website, several at a time, into a build folder.

    python site/execute.py OUT_DIR [--jobs N] [--timeout SECONDS] [NOTEBOOK ...]

Each notebooks/NN_name.ipynb runs in a fresh kernel, in notebooks/ (as learners and nbval run
it), with the caller's environment (MEDGAN_SMOKE, MEDGAN_DATA_DIR, ...), and is written with its
outputs and its widgets' state to OUT_DIR/NN_name.ipynb; site/conf.py then shows those outputs
(myst-nb with execution off). Running N notebooks at once keeps both cores busy: in smoke mode a
notebook's kernel uses about one core. Every notebook is executed again unless --reuse, which
keeps a copy newer than its notebook (it cannot see a change to the package: use it only while
editing the site itself). A failing cell is an error that names the notebook and the cell; the
exit status is 1 when any notebook failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"


def execute_one(source: pathlib.Path, target: pathlib.Path, timeout: int) -> None:
    """Runs one notebook with nbclient and writes it, outputs included, to `target`."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
                            store_widget_state=True, resources={"metadata": {"path": str(source.parent)}})
    client.execute()
    partial = target.with_suffix(".partial")
    nbformat.write(notebook, partial)
    partial.replace(target)  # never a half-written copy under the final name


def stale(source: pathlib.Path, target: pathlib.Path) -> bool:
    return not target.is_file() or target.stat().st_mtime < source.stat().st_mtime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--reuse", action="store_true", help="keep copies newer than their notebook")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a worker's call
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_intermixed_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sources = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.one:
        execute_one(sources[0], args.out / sources[0].name, args.timeout)
        return 0

    todo = [s for s in sources if not args.reuse or stale(s, args.out / s.name)]
    print(f"site: executing {len(todo)} of {len(sources)} notebooks, {args.jobs} at a time"
          f" (MEDGAN_SMOKE={os.environ.get('MEDGAN_SMOKE', '0')})", flush=True)

    def run(source):
        # One process per notebook: nbclient's event loop and the kernel stay apart per notebook.
        start = time.monotonic()
        done = subprocess.run([sys.executable, __file__, str(args.out), "--one", "--timeout",
                               str(args.timeout), str(source)], capture_output=True, text=True)
        return source, done, time.monotonic() - start

    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for source, done, seconds in pool.map(run, todo):
            if done.returncode == 0:
                print(f"site: executed {source.name} in {seconds:.0f} s", flush=True)
            else:
                failed.append(source.name)
                tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-40:])
                print(f"site: {source.name} FAILED after {seconds:.0f} s:\n{tail}", file=sys.stderr,
                      flush=True)
    if failed:
        print(f"site: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
