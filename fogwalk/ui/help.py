"""Help ▸ Keyboard shortcuts (from the window's own actions, so it never goes stale) and
Help ▸ About FogWalk (versions and the OpenGL renderer)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

import fogwalk


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(what, keys) for every action of ``window`` that has a key, in menu order."""
    rows = []
    for action in window.actions():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            rows.append((action.text().replace("&", ""), " or ".join(keys)))
    return rows


def shortcuts_html(window: QMainWindow) -> str:
    cells = "".join(
        f"<tr><td style='padding-right:18px'><b>{keys}</b></td><td>{what}</td></tr>"
        for what, keys in shortcut_rows(window)
    )
    extra = (
        "<p>On the terrain: drag to turn the camera, wheel to zoom, Shift + wheel for the fog "
        "radius; Esc leaves presentation mode. On the map: click to place the start, drag a "
        "start to move it. On the loss plot: drag the cursor to scrub.</p>"
    )
    return f"<table>{cells}</table>{extra}"


def show_shortcuts(window: QMainWindow) -> None:
    QMessageBox.information(window, "Keyboard shortcuts", shortcuts_html(window))


def about_text(renderer: str) -> str:
    from ..render.doctor import versions

    lines = "".join(f"<br>{check.name}: {check.found}" for check in versions())
    return (
        f"<b>FogWalk {fogwalk.__version__}</b>: gradient descent seen from the inside."
        f"{lines}<br>OpenGL: {renderer}"
    )


def show_about(window: QMainWindow) -> None:
    vendor, renderer, version = window.view.gl_strings()
    QMessageBox.about(window, "About FogWalk", about_text(f"{version}; {renderer} ({vendor})"))
