"""The OpenGL bootstrap: a display (Xvfb when there is none), the QApplication, a GL check."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator

from ..core.errors import FogwalkError
from ..core.processes import child_options

MIN_GL = (2, 1)
INSTALL_HINT = (
    "install Xvfb and Mesa's OpenGL (Debian/Ubuntu: apt install xvfb libgl1-mesa-dri), "
    "or run the command under xvfb-run"
)


def choose_gl_platform(environ=os.environ) -> dict[str, str]:
    """Before any Qt or OpenGL import: under Wayland with XWayland there, run Qt on xcb and
    PyOpenGL on GLX, unless the user chose either. Returns what it set.

    pyqtgraph needs desktop OpenGL: on Wayland (NVIDIA's above all) Qt may hand out an
    OpenGL ES context, and PyOpenGL picks EGL whenever WAYLAND_DISPLAY is set, even when
    Qt runs on xcb, so that nothing draws. The known fix is both variables.
    """
    chosen: dict[str, str] = {}
    if not sys.platform.startswith("linux") or not environ.get("WAYLAND_DISPLAY"):
        return chosen
    if environ.get("DISPLAY") and "QT_QPA_PLATFORM" not in environ:
        chosen["QT_QPA_PLATFORM"] = "xcb"
    qt = environ.get("QT_QPA_PLATFORM", chosen.get("QT_QPA_PLATFORM", ""))
    if qt.startswith("xcb") and "PYOPENGL_PLATFORM" not in environ:
        chosen["PYOPENGL_PLATFORM"] = "glx"
    environ.update(chosen)
    return chosen


def has_display() -> bool:
    """Whether an X11 or Wayland display is set in the environment."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _uses_x11() -> bool:
    """Whether Qt will talk to an X server here (xcb), which aborts if it does not answer."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb"):
        return False
    return platform == "xcb" or not os.environ.get("WAYLAND_DISPLAY")


def x_display_silence(display: str) -> str | None:
    """Why the X display ``display`` (``:99``, ``host:0.0``) does not answer, or None if it does.

    A connection to its socket is tried (a second at most): Qt's xcb platform
    aborts the whole process when it cannot connect, so this is asked first.
    """
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return "it is not an X display name such as :0"
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
        addresses = [f"\0{path}", path] if not host.startswith("/") else [path]
        for address in addresses:
            with socket.socket(socket.AF_UNIX) as sock, contextlib.suppress(OSError):
                sock.settimeout(1.0)
                sock.connect(address)
                return None
        return f"no X server listens on {path}"
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
            return None
    except OSError as error:
        return f"no X server answers at {host}:{6000 + int(number)} ({error.strerror or error})"


def display_problem() -> str | None:
    """Why no window can open here (no display, or one that does not answer), or None."""
    if _uses_x11():
        if not has_display():
            return (
                "FogWalk needs a display, and none is set (DISPLAY is empty). On a headless "
                "machine, install Xvfb and Mesa (apt install xvfb libgl1-mesa-dri) and run "
                "`xvfb-run -s '-screen 0 1920x1080x24' fogwalk`; `fogwalk trace` needs no display."
            )
        display = os.environ.get("DISPLAY", "")
        silence = x_display_silence(display) if display else None
        if silence:
            return (
                f"DISPLAY={display} does not answer: {silence}. Start that X server, set DISPLAY "
                "to one that runs, or unset it and run `xvfb-run fogwalk` on a headless machine."
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
    from PySide6.QtGui import QIcon, QSurfaceFormat
    from PySide6.QtWidgets import QApplication

    from ..core.resources import resource_path

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        # Desktop OpenGL (never ES), 2.1 or newer with its fixed functions: what pyqtgraph draws.
        wanted = QSurfaceFormat.defaultFormat()
        wanted.setRenderableType(QSurfaceFormat.RenderableType.OpenGL)
        wanted.setVersion(*MIN_GL)
        wanted.setDepthBufferSize(24)
        QSurfaceFormat.setDefaultFormat(wanted)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("FogWalk")
        app.setWindowIcon(QIcon(str(resource_path("icons", "fogwalk.svg"))))
    return app


@contextlib.contextmanager
def virtual_display(width: int = 1920, height: int = 1080) -> Iterator[str | None]:
    """Use the display there is; on Linux without one, run Xvfb for the duration.

    Parameters
    ----------
    width, height
        The size of the virtual screen.

    Yields
    ------
    str or None
        The display name that was started, or None when one existed already.

    Notes
    -----
    Must be entered before the QApplication is created. A DISPLAY that does
    not answer (a closed session, a stale variable) is set aside for Xvfb too.
    """
    given = os.environ.get("DISPLAY")
    silent = bool(given) and _uses_x11() and x_display_silence(given or "") is not None
    if (has_display() and not silent) or not sys.platform.startswith("linux"):
        yield None
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise FogwalkError(
            f"there is no display to draw on and Xvfb is not installed: {INSTALL_HINT}"
        )
    read_end, write_end = os.pipe()
    # -displayfd: Xvfb picks a free display number and writes it to us once it is ready.
    process = subprocess.Popen(
        [
            xvfb,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **child_options(),  # its own process group, and killed if we are (even by SIGKILL)
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as stream:
            number = stream.readline().strip()
        if not number.isdigit():
            raise FogwalkError(f"Xvfb did not start (status {process.poll()}): {INSTALL_HINT}")
        display = f":{number}"
        os.environ["DISPLAY"] = display
        os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
        yield display
    finally:
        if given:
            os.environ["DISPLAY"] = given
        else:
            os.environ.pop("DISPLAY", None)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if process.poll() is None:
            process.kill()
