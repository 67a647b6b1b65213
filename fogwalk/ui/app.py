"""Starting the desktop app: a window on each scene, once a display and OpenGL are there."""

from __future__ import annotations

import sys

from ..core.scene import Scene
from ..render.context import create_application, display_problem, opengl_problem


def run(*scenes: Scene) -> int:
    """Open a window on each scene, side by side (the default scene if none); exit status."""
    problem = display_problem()
    if problem:
        print(f"fogwalk: error: {problem}", file=sys.stderr)
        return 1
    app = create_application()
    problem = opengl_problem()
    if problem:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "FogWalk cannot start", problem)
        print(f"fogwalk: error: {problem}", file=sys.stderr)
        return 1
    from .main_window import MainWindow

    screen = app.primaryScreen().availableGeometry()
    windows = []
    for index, scene in enumerate(scenes or (None,)):
        window = MainWindow(scene)
        if len(scenes) > 1:  # side by side, each a share of the screen's width
            width = screen.width() // len(scenes)
            window.resize(width, screen.height())
            window.move(screen.left() + index * width, screen.top())
        window.show()
        windows.append(window)
    return app.exec()
