"""Fixtures of the real-browser tests: chromium (see chromium.py) and a throw-away JupyterLab.

`chromium_browser` (session): a playwright Browser on the system chromium; skips, or fails in CI,
when chromium or playwright is missing. Any test under tests/browser/ may use it, e.g. to open
the built site's pages:

    def test_page(chromium_browser, artefacts):
        page = chromium_browser.new_page()
        log = ConsoleLog(page)      # from chromium import ConsoleLog
        ...
        assert not log.unexpected(), log.report()

`jupyterlab` (session): JupyterLab on 127.0.0.1, a free port and a random token, serving a
temporary copy of notebooks/*.ipynb, with MEDGAN_SMOKE=1 and the caller's MEDGAN_DATA_DIR; its
kernels and the server are stopped at the end whatever happens.
`artefacts`: the folder for screenshots, out/browser/ (MEDGAN_BROWSER_OUT overrides).
These tests run in their own pytest call, without xdist (scripts/test.sh).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium import launch_chromium, require_browser

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    # Under pytest-xdist these tests would share the two cores with the whole suite: they run
    # in their own call instead (scripts/test.sh: pytest -p no:xdist tests/browser).
    under_xdist = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if under_xdist:
                item.add_marker(pytest.mark.skip(
                    reason="browser tests run in their own pytest call: pytest -p no:xdist tests/browser"))


@pytest.fixture(scope="session")
def artefacts() -> Path:
    folder = Path(os.environ.get("MEDGAN_BROWSER_OUT", ROOT / "out" / "browser"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium_browser():
    require_browser()
    with launch_chromium() as browser:
        yield browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """A running JupyterLab: `url(path)` adds the token; `api(method, path)` calls its REST API."""

    def __init__(self, root: Path, port: int, token: str, process, runtime: Path, log: Path):
        self.root, self.port, self.token, self.process = root, port, token, process
        self.runtime, self.log = runtime, log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, method: str, path: str, timeout: float = 10):
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stops every kernel (the tests call it after each notebook to free the two cores)."""
        with contextlib.suppress(Exception):
            for kernel in self.api("GET", "kernels"):
                with contextlib.suppress(Exception):
                    self.api("DELETE", f"kernels/{kernel['id']}", timeout=30)

    def kernel_pids(self) -> list[int]:
        """Kernel processes started by this server (their command line names our runtime dir)."""
        pids = []
        for proc in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError):
                if str(self.runtime).encode() in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
        return [pid for pid in pids if pid != self.process.pid]


def _wait_until_up(lab: JupyterLab, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {lab.process.returncode}:\n"
                               f"{lab.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            lab.api("GET", "status", timeout=2)
            return
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer within {seconds:.0f} s:\n{lab.log.read_text()[-3000:]}")


def _stop(lab: JupyterLab) -> None:
    """Kernels first (REST), then the server (SIGTERM, then SIGKILL), then stray kernels."""
    lab.shutdown_kernels()
    if lab.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.process.pid, signal.SIGTERM)
        try:
            lab.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.process.pid, signal.SIGKILL)
            lab.process.wait(timeout=10)
    for pid in lab.kernel_pids():  # kernels run in their own session: not in the server's group
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory, chromium_browser, artefacts):
    base = tmp_path_factory.mktemp("jupyterlab")
    root, runtime = base / "notebooks", base / "runtime"
    root.mkdir()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, root / notebook.name)
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "news" or update check: both would call the internet.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ)
    env.update({
        "MEDGAN_SMOKE": "1",                    # the notebooks' tiny budgets (as under nbval)
        "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "PYTHONUNBUFFERED": "1",
    })
    # MEDGAN_DATA_DIR / MEDGAN_REQUIRE_REAL_DATA pass through unchanged; a relative folder
    # would break in the temporary copy.
    if env.get("MEDGAN_DATA_DIR"):
        env["MEDGAN_DATA_DIR"] = str(Path(env["MEDGAN_DATA_DIR"]).resolve())
    port, token = free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    lab = JupyterLab(root, port, token, process, runtime, log)
    try:
        _wait_until_up(lab, 90)
        yield lab
    finally:
        _stop(lab)
        shutil.copy2(log, artefacts / "jupyterlab.log")
