"""Starting the desktop app: the QApplication, an OpenGL check, and the main window."""

from __future__ import annotations

import os
import sys

from ..core.scene import Scene

MIN_GL = (2, 1)


def display_problem() -> str | None:
    """Why no window can open here (no display at all), or None."""
    if sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM", "") in ("", "xcb"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return (
                "FogWalk needs a display, and none is set (DISPLAY is empty). On a headless "
                "machine, install Xvfb and Mesa (apt install xvfb libgl1-mesa-dri) and run "
                "`xvfb-run -s '-screen 0 1920x1080x24' fogwalk`; `fogwalk trace` needs no display."
            )
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return (
            f"Qt's '{os.environ['QT_QPA_PLATFORM']}' platform has no OpenGL windows. Unset "
            "QT_QPA_PLATFORM, or run under Xvfb: xvfb-run fogwalk."
        )
    return None


def opengl_problem() -> str | None:
    """Try to make an OpenGL context; say what is wrong and how to fix it, or None."""
    from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

    context = QOpenGLContext()
    surface = QOffscreenSurface()
    surface.create()
    if not context.create() or not context.makeCurrent(surface):
        return (
            "FogWalk could not initialise OpenGL. Install or update your graphics drivers; "
            "on a headless or remote machine use Mesa's software OpenGL under Xvfb "
            "(apt install xvfb libgl1-mesa-dri; xvfb-run fogwalk)."
        )
    version = context.format().version()
    context.doneCurrent()
    if tuple(version) < MIN_GL:
        return (
            f"FogWalk needs OpenGL {MIN_GL[0]}.{MIN_GL[1]} or newer; this machine offers "
            f"{version[0]}.{version[1]}. Update the graphics drivers, or use Mesa "
            "(libgl1-mesa-dri), whose software renderer provides OpenGL 4.5."
        )
    return None


def _import_before_qt() -> None:
    """Import the heavy non-Qt modules first.

    Once PySide6 is imported, its import hook reads the source of every module
    imported after it (about 0.9 s of FogWalk's start-up); modules already
    loaded skip that.
    """
    import numpy  # noqa: F401
    import OpenGL

    # No glGetError after every call: half the calls, each of which releases the
    # interpreter lock. pyqtgraph only printed those errors; the tests check pixels.
    OpenGL.ERROR_CHECKING = False
    import OpenGL.GL
    import OpenGL.GL.shaders
    import sympy  # noqa: F401

    from .. import core  # noqa: F401
    from ..core import trace  # noqa: F401


def create_application():
    """The QApplication, created once with shared OpenGL contexts (views share the GPU)."""
    _import_before_qt()
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ..core.resources import resource_path

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("FogWalk")
        app.setWindowIcon(QIcon(str(resource_path("icons", "fogwalk.svg"))))
    return app


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
