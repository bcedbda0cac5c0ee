"""What every benchmark needs: the data, the machine's description, result files."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "medgan_course" / "results"  # package data: notebooks read them on Colab too


def data_dir() -> str:
    """$MEDGAN_DATA_DIR, else ../shared/data/medmnist; the benchmarks run on real data only."""
    candidate = os.environ.get("MEDGAN_DATA_DIR") or str(REPO.parent / "shared" / "data" / "medmnist")
    if not pathlib.Path(candidate, "breastmnist.npz").is_file():
        raise SystemExit(f"bench: no breastmnist.npz in {candidate}; set MEDGAN_DATA_DIR")
    return candidate


def machine() -> dict:
    """CPU model, core count, the SIMD flags that matter to TensorFlow, versions, commit."""
    info = pathlib.Path("/proc/cpuinfo").read_text() if pathlib.Path("/proc/cpuinfo").exists() else ""
    lines = info.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                 platform.processor())
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    wanted = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile")
    import keras
    import tensorflow as tf

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    # A result measured on a tree with uncommitted code says so: HEAD alone would claim it.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "*.py"],
                           cwd=REPO, capture_output=True, text=True).stdout.strip()
    commit += "+uncommitted" if dirty else ""
    return {"cpu": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags],
            "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "commit": commit}


def write_json(path: pathlib.Path, obj) -> None:
    """Writes JSON atomically (a killed benchmark leaves no half-written result)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    os.replace(tmp, path)


def usecase_parser(description: str, out: pathlib.Path, report_path: pathlib.Path):
    """The options every use-case benchmark shares: --seeds, --dataset, --out, --report(-path).

    Each benchmark adds its own budget options to the parser this returns.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--dataset", default="breastmnist")
    parser.add_argument("--out", type=pathlib.Path, default=out, help="results folder")
    parser.add_argument("--report-path", type=pathlib.Path, default=report_path)
    parser.add_argument("--report", action="store_true", help="only write the Markdown report")
    return parser


def report_only(args, write_report) -> bool:
    """With --report: writes the report from the result files and returns True (then stop)."""
    if args.report:
        write_report(args.out, args.report_path)
        print(f"wrote {args.report_path}")
    return bool(args.report)


def run_missing(seeds, arms, path_of, run_one, command: str) -> None:
    """The study loop of bench/recipes.py and bench/diffusion.py: each (seed, arm) not on disk.

    Seeds are the outer loop, so an interrupted study leaves whole seeds. `path_of(arm, seed)`
    names the result file; `run_one(arm, seed)` returns the record, written with the machine
    and `command` beside it.
    """
    info = machine()
    for seed in seeds:
        for arm in arms:
            path = path_of(arm, seed)
            if path.exists():
                print(f"{path.name} exists, skipped", flush=True)
                continue
            write_json(path, {"machine": info, "command": command, **run_one(arm, seed)})
