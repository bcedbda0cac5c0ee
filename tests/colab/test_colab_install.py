"""Colab replayed: installing medgan-course must leave Colab's own packages as they are.

scripts/colab_replay.sh builds a virtual environment with Colab's versions
(tests/colab/constraints.txt), asks pip for its plan to install the package the way the
notebooks' Colab cell does (`pip install --dry-run --report`), installs it (a wheel, no extra),
and runs these tests in that environment with MEDGAN_COLAB_REPORT naming the plan. Elsewhere
(the ordinary test run) they skip.
"""

from __future__ import annotations

import json
import os
import re
from importlib import metadata
from pathlib import Path

import pytest

CONSTRAINTS = Path(__file__).with_name("constraints.txt")
#: Colab's packages that the install cell must never reinstall (FACTS: it breaks the runtime).
KEPT = ("tensorflow", "keras", "numpy", "ipywidgets")

REPORT = os.environ.get("MEDGAN_COLAB_REPORT")
pytestmark = pytest.mark.skipif(not REPORT, reason="run by scripts/colab_replay.sh (Colab's versions)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """{canonical name: version} of tests/colab/constraints.txt."""
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[canonical(name)] = version.strip()
    return found


def planned() -> dict[str, str]:
    """{canonical name: version} of what pip's dry run would install (or reinstall)."""
    report = json.loads(Path(REPORT).read_text())
    return {canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in report["install"]}


def test_constraints_name_the_kept_packages():
    assert set(KEPT) <= set(pins())


def test_install_plan_keeps_colabs_packages():
    plan, pinned = planned(), pins()
    assert "medgan-course" in plan, f"the plan does not install the package: {sorted(plan)}"
    changed = {name: f"{pinned[name]} -> {plan[name]}" for name in KEPT if name in plan}
    assert not changed, f"installing medgan-course on Colab would reinstall {changed}"


def test_installed_versions_are_still_colabs():
    pinned = pins()
    installed = {name: metadata.version(name) for name in pinned}
    assert installed == pinned


def test_package_comes_from_the_wheel_with_its_data():
    import medgan_course
    from medgan_course import course

    location = Path(medgan_course.__file__).resolve()
    assert "site-packages" in location.parts, f"imported from the checkout: {location}"
    direct_url = metadata.distribution("medgan-course").read_text("direct_url.json") or "{}"
    assert not json.loads(direct_url).get("dir_info", {}).get("editable"), "an editable install"
    results = list((location.parent / "results").rglob("*.json"))
    assert results, "the wheel carries no benchmark results (package-data)"
    assert course is not None
