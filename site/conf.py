"""Sphinx configuration of the course website (Sphinx + myst-nb + sphinx-book-theme).

Build it with `bash scripts/site.sh` (full budgets) or `bash scripts/site.sh --smoke`; the
source folder is the repository root (`sphinx-build -c site . site/_build/html`), so the
notebooks, docs/*.md and CONTRIBUTING.md are pages where they live, with no copies, and their
relative links work as they do on GitHub. Nothing here needs the network:

- MathJax is served from the build (`_static/mathjax/`, copied from the `jupyter-server-mathjax`
  wheel, a `site` extra), never from a CDN;
- widgets are embedded as the static state saved when myst-nb executes a notebook; the widget
  manager (@jupyter-widgets/html-manager) is served from `_static/vendor/` when this file could
  fetch it once from the npm registry, and otherwise a page shows each widget's text form.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

SITE = pathlib.Path(__file__).resolve().parent
REPO = SITE.parent
sys.path.insert(0, str(REPO))

from medgan_course import DEFAULT_BRANCH, REPO_URL, SITE_URL, __version__  # noqa: E402  (after sys.path)

SMOKE = os.environ.get("MEDGAN_SMOKE", "0") == "1"

project = "GANs for medical imaging"
author = "medgan-course developers"
release = __version__
copyright = "medgan-course developers, MIT licence"

extensions = ["myst_nb", "sphinx.ext.mathjax"]

root_doc = "site/index"
# The source folder is the repository root: only these files are pages.
include_patterns = ["site/*.md", "notebooks/*.ipynb", "docs/*.md", "CONTRIBUTING.md"]
exclude_patterns = ["site/_build", ".venv", "build", "out", "runs", "**/.ipynb_checkpoints", "site/README.md"]

# --- MyST and notebooks ---------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3  # `[text](page.md#a-heading)` links, as GitHub writes them
# scripts/site.sh executes the notebooks beforehand, two at a time (site/execute.py), into
# MEDGAN_SITE_EXECUTED; the pages then show those copies' outputs (see _executed_copy below).
# Without that folder myst-nb executes each notebook itself, one after the other.
EXECUTED = os.environ.get("MEDGAN_SITE_EXECUTED")
nb_execution_mode = "off" if EXECUTED else os.environ.get("MEDGAN_SITE_EXECUTE", "force")
nb_execution_timeout = 900 if not SMOKE else 300  # seconds per cell
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_execution_in_temp = False  # run in notebooks/, as learners and nbval do
nb_merge_streams = True
# Files the build serves but the repository does not hold: MathJax (copied below) and the
# widget manager (@jupyter-widgets/html-manager's require-free embed.js, fetched below).
BUILT_STATIC = SITE / "_build" / "static"
WIDGET_MANAGER = BUILT_STATIC / "vendor" / "html-manager" / "embed.js"
HTML_MANAGER = "@jupyter-widgets/html-manager@1.0.15"  # ipywidgets 8's manager for static pages


def _fetch_widget_manager():
    """Fetches the widget manager's npm tarball once (when npm is there); True when it is here."""
    if WIDGET_MANAGER.is_file():
        return True
    if not shutil.which("npm"):
        print("site: no npm; widgets will show as their text form")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["npm", "pack", "--silent", HTML_MANAGER], cwd=tmp, check=True,
                           capture_output=True, timeout=300)
            tarball = next(pathlib.Path(tmp).glob("*.tgz"))
            with tarfile.open(tarball) as archive:
                archive.extractall(tmp, filter="data")  # Python 3.10.12+: no paths outside tmp
        except (subprocess.SubprocessError, OSError, StopIteration, tarfile.TarError) as error:
            print(f"site: could not fetch {HTML_MANAGER} ({error}); widgets will show as text")
            return False
        dist = pathlib.Path(tmp) / "package" / "dist"
        WIDGET_MANAGER.parent.mkdir(parents=True, exist_ok=True)
        for path in dist.iterdir():  # the bundle and its fonts, not the source map or AMD variant
            if path.is_file() and not path.name.endswith(".map") and "amd" not in path.name:
                shutil.copy2(path, WIDGET_MANAGER.parent / path.name)
    return WIDGET_MANAGER.is_file()


WIDGETS_OFFLINE = _fetch_widget_manager()
# Widgets of other packages would be loaded from this CDN; the course uses only ipywidgets' own
# controls, which the bundle holds, so nothing is fetched.
nb_ipywidgets_js = (
    {"vendor/html-manager/embed.js": {"data-jupyter-widgets-cdn": "https://cdn.jsdelivr.net/npm/"}}
    if WIDGETS_OFFLINE else {}
)

# --- Math without a CDN -----------------------------------------------------------------------


def _local_mathjax():
    """Copies MathJax 2.7 from the jupyter-server-mathjax wheel (a `site` extra) into the build."""
    import jupyter_server_mathjax

    source = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    target = BUILT_STATIC / "mathjax"
    if not (target / "MathJax.js").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)


_local_mathjax()


mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True},
    # The wheel holds the STIX-Web fonts only (as the classic notebook configures them).
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None},
    # The fast preview (PreviewHTML) asks for the TeX fonts, which the wheel leaves out.
    "fast-preview": {"disabled": True},
    "showMathMenu": False,
    "messageStyle": "none",
}
myst_update_mathjax = False  # myst-parser would write a MathJax 3 configuration

# --- HTML -------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "GANs for medical imaging"
html_static_path = [str(BUILT_STATIC), "_static"]
html_extra_path = ["_extra"]  # index.html at the top: a redirect to site/index.html
html_css_files = ["site.css"]
html_favicon = "_static/favicon.svg"  # else browsers ask for /favicon.ico, a 404
html_context = {"default_mode": "light"}  # else the theme logs "invalid theme mode" as an error
html_last_updated_fmt = None
html_copy_source = True
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": DEFAULT_BRANCH,
    "path_to_docs": "",  # the source folder is the repository root
    "use_repository_button": True,
    "use_issues_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
    "home_page_in_toc": True,
    # The theme's default loads icons and fonts from no CDN, but its header links do.
    "icon_links": [],
}

# Warnings as errors (-W) must mean something: only these known, harmless ones are silenced.
suppress_warnings = [
    "mystnb.unknown_mime_type",  # application/vnd.jupyter.widget-view+json without the manager
]


# --- Links to the published site become links inside this build ----------------------------
# The notebooks link to the glossary by its published address (SITE_URL/site/glossary.html#...)
# so that the link works on Colab, Binder and GitHub too; inside the site it stays local.


def _localise_site_links(app, doctree, docname):
    from docutils import nodes

    prefix = SITE_URL + "/"
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if not uri.startswith(prefix):
            continue
        page, _, anchor = uri[len(prefix):].partition("#")
        target = page.removesuffix(".html")
        if target not in app.env.all_docs:
            continue  # an address outside this build stays as it is
        local = app.builder.get_relative_uri(docname, target)
        ref["refuri"] = local + (f"#{anchor}" if anchor else "")


def _executed_copy(app, docname, source):
    """A notebook's page reads its executed copy from MEDGAN_SITE_EXECUTED (site/execute.py)."""
    if not EXECUTED or not docname.startswith("notebooks/"):
        return
    copy = pathlib.Path(EXECUTED) / f"{docname.removeprefix('notebooks/')}.ipynb"
    if not copy.is_file():
        raise RuntimeError(f"no executed copy {copy} of {docname}: run site/execute.py first")
    source[0] = copy.read_text(encoding="utf-8")


def setup(app):
    app.connect("source-read", _executed_copy)
    app.connect("doctree-resolved", _localise_site_links)
