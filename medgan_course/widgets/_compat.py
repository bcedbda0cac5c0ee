"""What every widget needs: is there a live front end, figures as PNG, static fallbacks.

The widgets use only the ipywidgets API that 7.7 (Colab's) and 8 (JupyterLab 4's) share:
Button, sliders, Dropdown, HTML, Image, Output, HBox/VBox, Layout. Figures reach the page as
PNG bytes in an `Image` widget, which renders the same in both versions and lets tests read
exactly what a learner would see.
Taught in notebooks/02_gan_theory.ipynb (the first widget).
"""

from __future__ import annotations

import io


def ipywidgets_version() -> str | None:
    """The installed ipywidgets version, or None when it is not installed."""
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets.__version__


def in_kernel() -> bool:
    """True inside a Jupyter kernel (a front end may render widgets), False in scripts/tests."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def use_static(static: bool | None = None) -> bool:
    """Whether to show static output instead of widgets.

    Args:
        static: True/False forces the choice; None (default) chooses static when ipywidgets
            is missing or older than 7.7, or when no kernel is running.
    """
    if static is not None:
        return bool(static)
    version = ipywidgets_version()
    if version is None:
        return True
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) < (7, 7) or not in_kernel()


def figure_png(fig, dpi: int = 80) -> bytes:
    """A matplotlib Figure as PNG bytes (no pyplot, no window)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show(obj) -> None:
    """Displays a widget or figure in a notebook; prints a note outside one."""
    try:
        from IPython.display import display
    except ImportError:
        print(f"(no IPython: cannot display {type(obj).__name__})")
        return
    display(obj)
