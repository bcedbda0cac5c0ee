"""Two real `medgan-course train --strategy multiworker` workers on 127.0.0.1.

They train in step (same trainable weights on both), only the chief writes the run folder, and
after a worker is killed the restarted job resumes from the chief's checkpoint and ends with
the samples of the uninterrupted job. Every process has a timeout and is killed in a `finally`.
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from medgan_course.training import checkpoint as ckpt

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
STEPS, EVERY = 12, 4
TIMEOUT = 300  # seconds for one job; TensorFlow's import alone took 35 s on a loaded 2-core box

pytestmark = pytest.mark.slow


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _start(out, ports):
    """Starts worker 0 (the chief) and worker 1 of a two-worker job; returns the processes."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    command = [sys.executable, "-m", "medgan_course.cli", "train", "--dataset", "phantoms",
               "--max-train", "64", "--batch-size", "8", "--steps", str(STEPS), "--seed", "1",
               "--precision", "float32", "--strategy", "multiworker", "--checkpoint-steps",
               str(EVERY), "--checkpoint-seconds", "100000", "--n-samples", "16", "--quiet",
               "--out", str(out)]
    processes = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                   TF_CONFIG=json.dumps({"cluster": cluster,
                                         "task": {"type": "worker", "index": index}}),
                   PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
        processes.append(subprocess.Popen(command, env=env, cwd=REPO_ROOT, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return processes


def _reports(processes):
    """Waits for both workers; returns their JSON reports (fails on a non-zero status)."""
    reports = []
    for index, process in enumerate(processes):
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, f"worker {index}: {stderr[-3000:]}"
        reports.append(json.loads(stdout))
    return reports


def _kill_all(processes):
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A two-worker job that runs to the end: (its run folder, both workers' reports)."""
    out = tmp_path_factory.mktemp("multiworker") / "run"
    processes = _start(out, _free_ports(2))
    try:
        return out, _reports(processes)
    finally:
        _kill_all(processes)


def test_two_workers_train_the_same_weights(uninterrupted):
    out, (chief, worker) = uninterrupted
    assert chief["out"] == str(out) and worker["out"] is None  # only the chief writes
    assert chief["steps"] == worker["steps"] == STEPS
    assert chief["trainable_sha256"] == worker["trainable_sha256"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]  # no staging folder left
    assert (out / "samples.npz").is_file() and (out / "generator.keras").is_file()


def test_a_killed_worker_resumes_from_the_chiefs_checkpoint(uninterrupted, tmp_path):
    """TensorFlow's fault-tolerance path: a worker dies, the job fails, the job is restarted
    with the same commands and resumes from the last checkpoint."""
    out, ports = tmp_path / "run", _free_ports(2)
    staging = ckpt.staging_dir(out)
    processes = _start(out, ports)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (staging / ckpt.CHECKPOINT_FILE).is_file():
            assert all(p.poll() is None for p in processes), processes[0].stderr.read()[-3000:]
            assert time.monotonic() < deadline, f"no checkpoint within {TIMEOUT} s"
            time.sleep(0.02)
        os.kill(processes[1].pid, signal.SIGKILL)
        try:  # the chief notices the missing heartbeats and fails; else it is stopped too
            processes[0].wait(timeout=90)
        except subprocess.TimeoutExpired:
            processes[0].kill()
    finally:
        _kill_all(processes)
    assert not out.exists()
    with np.load(staging / ckpt.CHECKPOINT_FILE, allow_pickle=False) as stored:
        killed_at = json.loads(str(stored["meta"]))["step"]
    assert EVERY <= killed_at < STEPS

    processes = _start(out, ports)  # the same two commands again
    try:
        chief, worker = _reports(processes)
    finally:
        _kill_all(processes)
    assert chief["resumed_from_steps"] == worker["resumed_from_steps"] == [killed_at]
    assert chief["trainable_sha256"] == worker["trainable_sha256"] == uninterrupted[1][0][
        "trainable_sha256"]
    assert not staging.exists()
    with np.load(out / "samples.npz") as a, np.load(uninterrupted[0] / "samples.npz") as b:
        np.testing.assert_array_equal(a["images"], b["images"])
