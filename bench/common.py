"""What every benchmark needs: the data, the machine's description, result files."""

from __future__ import annotations

import json
import os
import pathlib
import platform
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


def data_dir() -> str:
    """$MEDGAN_DATA_DIR, else ../shared/data/medmnist; the benchmarks run on real data only."""
    candidate = os.environ.get("MEDGAN_DATA_DIR") or str(REPO.parent / "shared" / "data" / "medmnist")
    if not pathlib.Path(candidate, "breastmnist.npz").is_file():
        raise SystemExit(f"bench: no breastmnist.npz in {candidate}; set MEDGAN_DATA_DIR")
    return candidate


def machine() -> dict:
    """CPU model, core count, the SIMD flags that matter to TensorFlow, versions, commit."""
    info = pathlib.Path("/proc/cpuinfo").read_text() if pathlib.Path("/proc/cpuinfo").exists() else ""
    model = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("model name")), platform.processor())
    flags = next((l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("flags")), [])
    wanted = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile")
    import keras
    import tensorflow as tf

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags],
            "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "commit": commit}


def write_json(path: pathlib.Path, obj) -> None:
    """Writes JSON atomically (a killed benchmark leaves no half-written result)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    os.replace(tmp, path)
