"""The built course website in a real browser: every page of site/_build/html opened in chromium.

Serves the built site (`bash scripts/site.sh --smoke` first) on 127.0.0.1 with http.server in a
thread and, for every HTML page, asserts: each <img> loaded (naturalWidth > 0) except the
launch badges that need the internet, no console error or failed request except those badges,
and math typeset by the site's own MathJax (no CDN). Screenshots of three pages (a theory page,
a training page with figures, the glossary) go to out/browser/site/.

Run (own pytest call, no xdist), after building the site:
    .venv/bin/python -m pytest -p no:xdist tests/browser/test_site.py -v
Without a built site the test skips; with MEDGAN_SITE_REQUIRED=1 (.ci/run) it fails instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from chromium import ConsoleLog, is_offline_badge

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "site" / "_build" / "html"
SCREENSHOTS = {
    "notebooks/02_gan_theory.html": "02_gan_theory.png",
    "notebooks/04_training_loop.html": "04_training_loop.png",
    "site/glossary.html": "glossary.png",
}


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "site" / "index.html").is_file():
        message = f"no built site at {HTML}: run `bash scripts/site.sh --smoke` first"
        if os.environ.get("MEDGAN_SITE_REQUIRED") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pages() -> list[str]:
    if not HTML.is_dir():
        return []
    skip = ("_static/", "_sources/", "_images/")
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not p.relative_to(HTML).as_posix().startswith(skip))


IMAGES_JS = """() => [...document.images].map(img => ({
  src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth}))"""

MATH_JS = """() => ({
  math: document.querySelectorAll('.math, .MathJax_Preview, script[type^="math/tex"]').length,
  typeset: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG').length,
  scripts: [...document.scripts].map(s => s.src).filter(src => /mathjax/i.test(src)),
})"""


def test_every_page_loads_offline(chromium_browser, site_url, artefacts):
    names = pages()
    assert "site/index.html" in names and len(names) >= 20, names
    folder = artefacts / "site"
    folder.mkdir(parents=True, exist_ok=True)
    problems, math_pages = [], 0
    for name in names:
        page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
        log = ConsoleLog(page)
        page.goto(f"{site_url}/{name}", wait_until="load", timeout=60_000)
        # Not "networkidle": the widget manager keeps a blob: request open. Images and math are
        # what must arrive; an offline badge fails at once (no DNS) and counts as complete.
        page.wait_for_function("() => [...document.images].every(img => img.complete)", timeout=30_000)
        for img in page.evaluate(IMAGES_JS):
            if img["width"] == 0 and not is_offline_badge(img["src"], "ERR_NAME_NOT_RESOLVED"):
                problems.append(f"{name}: image did not load: {img['src']}")
        math = page.evaluate(MATH_JS)
        for src in math["scripts"]:
            if not src.startswith(site_url):
                problems.append(f"{name}: MathJax from {src}, not from the site")
        if math["math"]:
            math_pages += 1
            page.wait_for_function(
                "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0",
                timeout=30_000)
        problems += [f"{name}: {line}" for line in log.report().splitlines()]
        if name in SCREENSHOTS:
            page.screenshot(path=str(folder / SCREENSHOTS[name]), full_page=False)
        page.close()
    assert not problems, "\n".join(problems)
    assert math_pages >= 3, f"only {math_pages} pages have math: is MathJax configured?"
    assert all((folder / shot).is_file() for shot in SCREENSHOTS.values())


def test_a_notebook_page_shows_its_executed_outputs(chromium_browser, site_url):
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site_url}/notebooks/04_training_loop.html", wait_until="load")
    outputs = page.locator(".cell_output").count()
    figures = page.evaluate(
        "() => [...document.querySelectorAll('.cell_output img')].filter(i => i.naturalWidth > 0).length")
    launch = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)"
                           ".filter(h => /colab.research.google.com|mybinder.org\\/v2/.test(h))")
    page.close()
    assert outputs > 10, f"only {outputs} cell outputs: were the notebooks executed?"
    assert figures >= 2, f"only {figures} figures on the training page"
    assert any("colab.research.google.com/github/medgan-course/medgan-course/blob/main/notebooks/"
               "04_training_loop.ipynb" in h for h in launch), launch
    assert any("mybinder.org/v2/gh/medgan-course/medgan-course/main" in h for h in launch), launch
