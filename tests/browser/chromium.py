"""Driving Debian's chromium with Python playwright: shared by every real-browser test.

`playwright install` downloads a browser and cannot work offline, so the tests launch the
system's chromium (`apt-get install chromium`, at /usr/bin/chromium; MEDGAN_CHROMIUM overrides)
with flags that keep it off the network and working as root in a container. Usage:

    from tests.browser.chromium import ConsoleLog, launch_chromium, require_browser

    require_browser()                     # skip here, fail in CI, when something is missing
    with launch_chromium() as browser:
        page = browser.new_page()
        log = ConsoleLog(page)            # records console errors, page errors, failed loads
        page.goto(url)
        assert not log.unexpected(), log.report()

`ConsoleLog.unexpected()` leaves out only the offline failures of the launch-badge images
(mybinder.org and colab.research.google.com, see OFFLINE_HOSTS): those pages link to services
that a machine without internet cannot reach, and nothing else may fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from urllib.parse import urlsplit

#: The browser: Debian's chromium unless MEDGAN_CHROMIUM names another binary.
CHROMIUM = os.environ.get("MEDGAN_CHROMIUM", "/usr/bin/chromium")

#: No sandbox (root in a container), no GPU, and no background calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: Hosts whose resources (the launch badges) may fail to load on an offline machine.
OFFLINE_HOSTS = ("mybinder.org", "colab.research.google.com")

#: Network errors that mean "offline", as chromium words them.
OFFLINE_ERRORS = ("ERR_NAME_NOT_RESOLVED", "ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_REFUSED",
                  "ERR_CONNECTION_TIMED_OUT", "ERR_ADDRESS_UNREACHABLE", "ERR_PROXY_CONNECTION_FAILED",
                  "ERR_TUNNEL_CONNECTION_FAILED", "ERR_NETWORK_ACCESS_DENIED")


def in_ci() -> bool:
    """True in CI (CI=true or 1), where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing() -> str | None:
    """Why the browser tests cannot run here (None when chromium and playwright are present)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return (f"no chromium at {CHROMIUM} (apt-get install --no-install-recommends chromium, "
                "or set MEDGAN_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright is not installed (pip install -e '.[browser]')"
    return None


def require_browser() -> None:
    """Skips the calling test when the browser is missing; in CI (CI=true) fails instead."""
    import pytest

    reason = missing()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def launch_chromium(*, headless: bool = True, extra_args=()):
    """A playwright `Browser` on the system chromium; closed (and playwright stopped) on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=headless,
            args=[*CHROMIUM_ARGS, *extra_args], timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def is_offline_badge(url: str | None, text: str = "") -> bool:
    """True for a failed load of a resource on OFFLINE_HOSTS (a launch badge, offline).

    `url` is the resource's address; `text` the console message or failure reason, which must
    name a network error (a 404 or a script error from those hosts still counts).
    """
    host = (urlsplit(url or "").hostname or "").lower()
    on_host = any(host == h or host.endswith("." + h) for h in OFFLINE_HOSTS)
    return on_host and any(code in text for code in OFFLINE_ERRORS)


class ConsoleLog:
    """Everything that went wrong in a page: console errors, uncaught errors, failed requests."""

    def __init__(self, page):
        self.entries: list[tuple[str, str, str]] = []  # (kind, text, url)
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.entries.append(("pageerror", str(err), "")))
        page.on("requestfailed", self._request_failed)

    def _console(self, message):
        if message.type == "error":
            url = (message.location or {}).get("url", "")
            self.entries.append(("console", message.text, url))

    def _request_failed(self, request):
        self.entries.append(("requestfailed", request.failure or "", request.url))

    def unexpected(self) -> list[tuple[str, str, str]]:
        """The entries left after removing offline badge loads."""
        return [entry for entry in self.entries if not is_offline_badge(entry[2], entry[1])]

    def report(self) -> str:
        return "\n".join(f"{kind}: {text} ({url})" for kind, text, url in self.unexpected())
