"""The course's widgets in a real browser: JupyterLab in chromium, every widget notebook Run All.

For each notebook that shows widgets (WIDGET_NOTEBOOKS; test_every_widget_notebook_is_listed
keeps the list complete) the test opens it in JupyterLab, runs Run > Run All Cells from the menu
in smoke mode, waits (bounded) until the kernel is idle and no cell is queued, and asserts: no
cell raised, widget views rendered (`.jupyter-widgets`), none is an error widget
(`.jupyter-widgets-error-widget`), no console error other than the offline launch badges, and
that one interaction per widget changes what is shown. Screenshots go to out/browser/.

Run (own pytest call, no xdist; scripts/test.sh does this):
    .venv/bin/python -m pytest -p no:xdist tests/browser -v
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from chromium import ConsoleLog

ROOT = Path(__file__).resolve().parents[2]

#: Upper bound for one notebook's Run All in smoke mode (measured: see docs/INSTRUCTOR.md).
RUN_SECONDS = 240
#: Upper bound for one interaction's answer from the kernel.
INTERACT_SECONDS = 60


# ----------------------------------------------------------------------------- page helpers
def open_notebook(lab, browser, name, artefacts):
    """A fresh page with `name` open, its kernel started; returns (page, console log)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    log = ConsoleLog(page)
    page.goto(lab.url(f"lab/tree/{name}?reset"), wait_until="domcontentloaded")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.connectionStatus"
        " === 'connected'"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=90_000)
    return page, log


#: The notebook's state: kernel status, queued/running cells, executed and failed code cells.
STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  cells.forEach((cell, i) => {
    const outputs = cell.model.outputs;
    for (let j = 0; j < outputs.length; j++) {
      const out = outputs.get(j).toJSON();
      if (out.output_type === 'error') errors.push(`code cell ${i}: ${out.ename}: ${out.evalue}`);
    }
  });
  const prompts = [...panel.node.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent);
  return {status: kernel ? kernel.status : 'none', queued: prompts.filter(t => t.includes('*')).length,
          executed: cells.filter(c => c.model.executionCount !== null).length,
          code_cells: cells.length, errors};
}"""


def run_all(page, during=None, seconds=RUN_SECONDS):
    """Run > Run All Cells from the menu, then waits until the kernel is idle with nothing queued.

    `during(page)` is called about every 0.3 s while cells run (e.g. to watch a live widget).
    Returns the final STATE_JS dictionary.
    """
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu-item:has-text('Run All Cells')").first.click()
    deadline, started, calm = time.monotonic() + seconds, False, 0
    state = page.evaluate(STATE_JS)
    while time.monotonic() < deadline:
        if during is not None:
            during(page)
        state = page.evaluate(STATE_JS)
        started = started or state["queued"] > 0 or state["executed"] > 0
        done = started and state["queued"] == 0 and state["status"] == "idle"
        calm = calm + 1 if done else 0
        if calm >= 3:   # idle on three polls in a row: not a gap between two cells
            return state
        time.sleep(0.3)
    pytest.fail(f"Run All did not finish within {seconds} s: {state}")


def image_sources(locator):
    return locator.locator("img").evaluate_all("imgs => imgs.map(i => i.src)")


def widget_box(page, text):
    """The outermost widget box (VBox) of the output that contains `text`."""
    return page.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox",
                        has_text=text).first


def wait_for_new_images(box, before, what, seconds=INTERACT_SECONDS):
    """Waits until every image in `box` shows a new picture (a new blob URL); returns them."""
    def all_new():
        now = image_sources(box)
        return len(now) == len(before) and all(a != b for a, b in zip(now, before))

    deadline = time.monotonic() + seconds
    while not all_new() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert all_new(), f"{what}: not every picture changed within {seconds} s"


def wait_for_change(read, before, what, seconds=INTERACT_SECONDS):
    deadline = time.monotonic() + seconds
    now = read()
    while now == before and time.monotonic() < deadline:
        time.sleep(0.25)
        now = read()
    assert now != before, f"{what} did not change within {seconds} s (still {before!r})"
    return now


def drag_slider(page, box, label, fraction):
    """Drags the handle of the slider described `label` in `box` to `fraction` of its track."""
    slider = box.locator(".widget-slider", has=page.locator(".widget-label", has_text=label)).first
    slider.scroll_into_view_if_needed()
    track = slider.locator(".noUi-target").first.bounding_box()
    handle = slider.locator(".noUi-handle").first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], track["y"] + track["height"] / 2, steps=8)
    page.mouse.up()
    return slider


def shoot(locator, artefacts, name):
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(artefacts / name))


# ------------------------------------------------------------------------- interactions
def check_try_me(page, artefacts, stem):
    box = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-hbox", has_text="try me").first
    shoot(box, artefacts, f"{stem}-slider-before.png")
    answer = box.locator(".widget-label", has_text="squared").first
    before = answer.inner_text()
    drag_slider(page, box, "try me", 0.9)
    wait_for_change(answer.inner_text, before, "the answer next to the slider")
    shoot(box, artefacts, f"{stem}-slider-after.png")


def check_playground(page, artefacts, stem):
    box = widget_box(page, "step D")
    shoot(box, artefacts, f"{stem}-playground-before.png")
    status = box.locator(".widget-html", has_text="D updates").first
    before_text, before_images = status.inner_text(), image_sources(box)
    box.locator("button", has_text="step D").first.click()
    wait_for_change(status.inner_text, before_text, "the playground's status line")
    wait_for_new_images(box, before_images, "the playground's picture")
    assert "D updates: 1" in status.inner_text()
    shoot(box, artefacts, f"{stem}-playground-after-step-D.png")


def check_quiz(page, artefacts, stem):
    box = widget_box(page, "real or generated?")
    shoot(box, artefacts, f"{stem}-quiz-before.png")
    progress = box.locator(".widget-label", has_text="Image").first
    before_text, before_images = progress.inner_text(), image_sources(box)
    box.get_by_role("button", name="Real", exact=True).click()
    wait_for_change(progress.inner_text, before_text, "the quiz's question number")
    wait_for_new_images(box, before_images, "the quiz's image")
    assert re.search(r"(right|wrong): that one was", box.inner_text()), box.inner_text()
    shoot(box, artefacts, f"{stem}-quiz-after-answer.png")


def check_latent(page, artefacts, stem):
    box = widget_box(page, "seed A")
    shoot(box, artefacts, f"{stem}-latent-before.png")
    slider = box.locator(".widget-slider", has=page.locator(".widget-label", has_text="t (A")).first
    readout = slider.locator(".widget-readout").first
    before_value, before_images = readout.inner_text(), image_sources(box)
    drag_slider(page, box, "t (A", 0.8)
    wait_for_change(readout.inner_text, before_value, "the latent slider's value")
    wait_for_new_images(box, before_images, "the latent explorer's image")
    shoot(box, artefacts, f"{stem}-latent-after-t.png")


def check_imbalance(page, artefacts, stem):
    box = widget_box(page, "minority")
    shoot(box, artefacts, f"{stem}-imbalance-before.png")
    table = box.locator(".widget-html").first
    before_text, before_images = table.inner_text(), image_sources(box)
    drag_slider(page, box, "minority", 0.85)
    wait_for_change(table.inner_text, before_text, "the imbalance table")
    wait_for_new_images(box, before_images, "the imbalance figure")
    shoot(box, artefacts, f"{stem}-imbalance-after-slider.png")


class MonitorWatch:
    """Collects the live monitor's status lines while notebook 04 trains."""

    JS = """() => [...document.querySelectorAll('.widget-html code')]
                 .map(e => e.textContent).filter(t => /^step \\d+/.test(t))"""

    def __init__(self):
        self.lines, self.images = [], set()

    def __call__(self, page):
        for line in page.evaluate(self.JS):
            if not self.lines or self.lines[-1] != line:
                self.lines.append(line)
        for src in page.locator(".jp-OutputArea-output img.widget-image").evaluate_all(
                "imgs => imgs.map(i => i.src)"):
            self.images.add(src)


def check_monitor(page, artefacts, stem, watch):
    steps = {int(re.match(r"step (\d+)", line).group(1)) for line in watch.lines}
    assert len(steps) >= 3, f"the live monitor showed too few steps while training: {watch.lines}"
    assert len(watch.images) >= 3, f"the monitor's picture changed {len(watch.images)} times"
    box = widget_box(page, "steps/s")
    shoot(box, artefacts, f"{stem}-monitor-after-training.png")


#: notebook -> its interactions (each: page, artefacts, file stem).
WIDGET_NOTEBOOKS = {
    "00_welcome_and_setup": [check_try_me],
    "02_gan_theory": [check_playground],
    "04_training_loop": [],             # the live monitor is checked while it trains
    "06_evaluating_gans": [check_quiz, check_latent],
    "07_class_imbalance": [check_imbalance],
    "10_explainability_and_trust": [check_latent],
}


def test_every_widget_notebook_is_listed():
    """A notebook shows widgets when it imports a widget module or ipywidgets itself (the rule of
    scripts/nbtools.py, which also tells scripts/second_flag.sh which notebooks run here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nbtools", ROOT / "scripts" / "nbtools.py")
    nbtools = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nbtools)
    uses = {path.stem for path in nbtools.widget_notebooks()}
    assert uses == set(WIDGET_NOTEBOOKS), f"update WIDGET_NOTEBOOKS: {sorted(uses ^ set(WIDGET_NOTEBOOKS))}"
    others = {path.stem for path in nbtools.widget_notebooks(without=True)}
    assert others and not others & uses and len(others | uses) == len(list(ROOT.glob("notebooks/*.ipynb")))


@pytest.mark.parametrize("stem", sorted(WIDGET_NOTEBOOKS))
def test_widgets_render_and_respond(stem, jupyterlab, chromium_browser, artefacts):
    name = f"{stem}.ipynb"
    assert (jupyterlab.root / name).is_file(), f"notebooks/{name} is missing"
    page, log = open_notebook(jupyterlab, chromium_browser, name, artefacts)
    try:
        watch = MonitorWatch() if stem == "04_training_loop" else None
        started = time.monotonic()
        state = run_all(page, during=watch)
        print(f"{name}: Run All took {time.monotonic() - started:.0f} s")
        page.screenshot(path=str(artefacts / f"{stem}-after-run-all.png"))
        assert not state["errors"], f"{name}: cells raised: {state['errors']}"
        assert state["executed"] == state["code_cells"], f"{name}: not every code cell ran: {state}"
        views = page.locator(".jp-OutputArea-output .jupyter-widgets")
        assert views.count() > 0, f"{name}: no widget view rendered"
        broken = page.locator(".jupyter-widgets-error-widget")
        assert broken.count() == 0, f"{name}: error widgets: {broken.all_inner_texts()[:3]}"
        if watch is not None:
            check_monitor(page, artefacts, stem, watch)
        for interaction in WIDGET_NOTEBOOKS[stem]:
            interaction(page, artefacts, stem)
        assert page.locator(".jupyter-widgets-error-widget").count() == 0
        assert not log.unexpected(), f"{name}: browser console errors:\n{log.report()}"
    finally:
        with_failure = artefacts / f"{stem}-last.png"
        try:
            page.screenshot(path=str(with_failure))
        finally:
            page.close()
            jupyterlab.shutdown_kernels()
