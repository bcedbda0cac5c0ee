"""Runs course notebooks in smoke or full mode and measures wall time and the kernel's peak memory.

    python bench/notebooks.py run notebooks/02_gan_theory.ipynb --mode full [--out DIR]
    python bench/notebooks.py run --all --mode smoke
    python bench/notebooks.py table          # writes docs/NOTEBOOKS.md from the results
    python bench/notebooks.py audit site/_build/executed-full --note "..."   # cells over 10 s

Each notebook runs in its own Python process (nbclient starts the kernel as that process's
child), so `getrusage(RUSAGE_CHILDREN).ru_maxrss` there is the kernel's peak resident memory.
Results go to medgan_course/results/notebooks/{stem}_{mode}.json, with the numbers the notebook
kept with `course.record` (the full run's are the ones its prose quotes; tests check them) and
the cells that ran over 10 s (did they show progress?); with --out, the executed notebook and
every PNG it displayed are written there too (look at them).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from common import REPO, RESULTS, data_dir, machine, write_json

OUT = RESULTS / "notebooks"
CELL_TIMEOUT = 1200


def execute(path: pathlib.Path, mode: str, out: pathlib.Path | None) -> dict:
    """Executes one notebook in this process; returns seconds, peak kernel RSS and any error."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    os.environ["MEDGAN_SMOKE"] = "1" if mode == "smoke" else "0"
    # The numbers the notebook keeps with `course.record` (its prose quotes the full run's).
    recorded = pathlib.Path(tempfile.mkdtemp()) / "recorded.json"
    os.environ["MEDGAN_RECORD"] = str(recorded)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    started, error = time.perf_counter(), None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        error = str(err).splitlines()[-1] if str(err) else "CellExecutionError"
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, once it has exited
    if out is not None:
        save_outputs(notebook, path.stem, mode, out)
    # CPU seconds beside wall seconds: on a busy machine wall time stretches, CPU time much less.
    return {"seconds": round(seconds, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "error": error,
            "load_average_1min_end": round(os.getloadavg()[0], 1), "nice": os.nice(0),
            "recorded": json.loads(recorded.read_text()) if recorded.is_file() else {},
            "slow_cells": slow_cells(notebook)}


#: A cell that runs longer than this (seconds) should show progress (issue 12).
SLOW_CELL_SECONDS = 10.0


def slow_cells(notebook, limit=SLOW_CELL_SECONDS) -> list[dict]:
    """Code cells that ran longer than `limit` s, with whether they showed a progress bar.

    nbclient stamps each cell's start and end (metadata.execution); a progress bar is a tqdm
    widget or tqdm's text ("it/s", "step/s" or a "|" bar with a percentage) in its outputs.
    """
    import datetime as dt

    slow = []
    for index, cell in enumerate(notebook.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if cell.cell_type != "code" or not start or not end:
            continue
        seconds = (dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
                   - dt.datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
        if seconds > limit:
            text = json.dumps(cell.get("outputs", []))
            progress = "application/vnd.jupyter.widget-view+json" in text or any(
                mark in text for mark in ("it/s", "step/s", "s/it", "%|"))
            slow.append({"cell": index, "seconds": round(seconds, 1), "progress": progress,
                         "first_line": cell.source.splitlines()[0][:80] if cell.source else ""})
    return slow


# Kept out of OUT: every file there is one notebook run (notebook 00 lists them).
AUDIT = RESULTS / "notebook_audit" / "slow_cells_site_full.json"


def audit(folder: pathlib.Path, note: str) -> None:
    """Records the cells over 10 s (and whether they showed progress) of executed notebooks.

    `folder` holds notebooks executed elsewhere, e.g. by the full site build
    (site/_build/executed-full, two notebooks at a time); nbclient's time stamps give each
    cell's duration. Writes `AUDIT`, which `table` adds to docs/NOTEBOOKS.md.
    """
    import nbformat

    notebooks = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        notebooks[path.name] = slow_cells(nbformat.read(path, as_version=4))
    if not notebooks:
        raise SystemExit(f"audit: no executed notebooks in {folder}")
    write_json(AUDIT, {"machine": machine(), "note": note, "notebooks": notebooks,
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
    print(f"wrote {AUDIT}: {sum(map(len, notebooks.values()))} cells over {SLOW_CELL_SECONDS:.0f} s")


def audit_lines() -> list[str]:
    """The NOTEBOOKS.md section of `AUDIT`: every cell over 10 s, and whether it shows progress."""
    if not AUDIT.is_file():
        return []
    data = json.loads(AUDIT.read_text())
    m = data["machine"]
    lines = ["", "## Cells over 10 s in full mode", "",
             f"From `python bench/notebooks.py audit` on {data['date'][:10]} ({m['cpu']}, "
             f"{m['cores']} cores, commit {m['commit']}). {data['note']}", "",
             "| notebook | cell | seconds | shows progress | first line |",
             "| --- | ---: | ---: | --- | --- |"]
    for name, cells in data["notebooks"].items():
        for cell in cells:
            first = cell["first_line"].replace("|", "\\|")
            lines.append(f"| {name} | {cell['cell']} | {cell['seconds']} | "
                         f"{'yes' if cell['progress'] else '**no**'} | `{first}` |")
    return lines


def save_outputs(notebook, stem: str, mode: str, out: pathlib.Path) -> None:
    """Writes the executed notebook and each displayed PNG (cell index in the name)."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out / f"{stem}_{mode}.ipynb")
    for index, cell in enumerate(notebook.cells):
        for k, output in enumerate(cell.get("outputs", [])):
            png = output.get("data", {}).get("image/png")
            if png:
                (out / f"{stem}_{mode}_cell{index:03d}_{k}.png").write_bytes(base64.b64decode(png))


def run(paths, mode: str, out) -> int:
    """Runs each notebook in a fresh process and writes its result file."""
    failures = 0
    env = {**os.environ, "MEDGAN_DATA_DIR": data_dir(), "MEDGAN_REQUIRE_REAL_DATA": "1",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    for path in paths:
        command = [sys.executable, __file__, "_one", str(path), mode] + ([str(out)] if out else [])
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            failures += 1
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result.update(notebook=path.name, mode=mode, machine=machine(),
                      date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                      command=f"python bench/notebooks.py run notebooks/{path.name} --mode {mode}")
        write_json(OUT / f"{path.stem}_{mode}.json", result)
        failures += result["error"] is not None
        print(f"{path.name} [{mode}]: {result['seconds']} s, peak {result['peak_rss_mb']} MB"
              + (f", ERROR {result['error']}" if result["error"] else ""), flush=True)
    return 1 if failures else 0


def _cells(result: dict) -> list[str]:
    """wall s, CPU s, peak MB and the load during the run, or "not run" / "error"."""
    if not result:
        return ["not run"] * 4
    if result.get("error"):
        return ["error"] * 4
    return [str(result["seconds"]), str(result.get("cpu_seconds", "?")),
            str(result["peak_rss_mb"]), str(result.get("load_average_1min_end", "?"))]


def table(path=REPO / "docs" / "NOTEBOOKS.md") -> None:
    """Writes docs/NOTEBOOKS.md (or `path`): smoke and full wall/CPU seconds, peak memory."""
    results = {}
    for result_file in sorted(OUT.glob("*.json")):
        data = json.loads(result_file.read_text())
        results.setdefault(data["notebook"], {})[data["mode"]] = data
    lines = ["# Notebook run times and memory", "",
             "Measured by `python bench/notebooks.py run --all --mode smoke|full` (each notebook "
             "in a fresh kernel, real BreastMNIST); regenerate this page with "
             "`python bench/notebooks.py table`. Targets: smoke at most about 40 s, full at most "
             "10 min on 2 CPU cores, kernel peak memory at most 1.2 GB (Binder's limit is 2 GB "
             "for the server and all kernels).", "",
             "Wall seconds depend on what else the machine runs: the load average at the end of "
             "each run is listed (2 means the 2 cores were busy with this run alone). CPU seconds "
             "(the kernel's user + system time) depend much less on load; on 2 idle cores the "
             "wall time is roughly CPU seconds / 1.5 to CPU seconds / 1.", "",
             "Runs with a load above about 2 were made (on 2026-11-25) while step-budgeted "
             "benchmarks ran beside them at lower priority: the notebook at nice -15, the "
             "benchmarks at nice 10, with "
             "the kernel's autogroup scheduling switched off so that nice applies "
             "(`/proc/sys/kernel/sched_autogroup_enabled` = 0). The load column counts those "
             "background processes; they took little CPU from the measured run, but they share "
             "caches and memory bandwidth, so wall times are slight upper bounds.", "",
             "| notebook | smoke wall s | smoke CPU s | smoke peak MB | smoke load | "
             "full wall s | full CPU s | full peak MB | full load | machine (smoke / full) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    machines, letters = set(), {}
    for name, modes in sorted(results.items()):
        smoke, full = modes.get("smoke", {}), modes.get("full", {})
        used = []
        for run in (smoke, full):
            if run:
                m = run["machine"]
                cpu = f"{m['cpu']}, {m['cores']} cores ({', '.join(m.get('flags', []))})"
                letter = letters.setdefault(cpu, chr(ord("A") + len(letters)))
                machines.add(f"{m['cpu']}, {m['cores']} cores, commit {m['commit']}")
                used.append(letter)
        lines.append(f"| {name} | " + " | ".join(_cells(smoke) + _cells(full)) + " | "
                     + " / ".join(used) + " |")
    lines += ["", "Machine letters (compare times only between rows of one letter): "
              + "; ".join(f"{letter}: {cpu}" for cpu, letter in letters.items()) + ".",
              "", "Machines: " + "; ".join(sorted(machines)) + "."] + audit_lines()
    pathlib.Path(path).write_text("\n".join(lines) + "\n")
    print(f"wrote {path} ({len(results)} notebooks)")


def main(argv) -> int:
    if argv[:1] == ["_one"]:
        out = pathlib.Path(argv[3]) if len(argv) > 3 else None
        print(json.dumps(execute(pathlib.Path(argv[1]).resolve(), argv[2], out)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    run_parser.add_argument("--all", action="store_true")
    run_parser.add_argument("--mode", choices=("smoke", "full"), required=True)
    run_parser.add_argument("--out", type=pathlib.Path)
    sub.add_parser("table")
    audit_parser = sub.add_parser("audit")
    audit_parser.add_argument("folder", type=pathlib.Path)
    audit_parser.add_argument("--note", default="", help="how the notebooks were executed")
    args = parser.parse_args(argv)
    if args.command == "table":
        table()
        return 0
    if args.command == "audit":
        audit(args.folder, args.note)
        return 0
    paths = sorted((REPO / "notebooks").glob("*.ipynb")) if args.all else args.notebooks
    if not paths:
        parser.error("name notebooks or give --all")
    return run([p.resolve() for p in paths], args.mode, args.out)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
