"""`fogwalk doctor`: what this machine gives FogWalk, checked by doing it, and the fix for
whatever fails.

The OpenGL check draws one small fogged frame with the app's own view and reads its
pixels back: a driver that creates a context but cannot run the fog shader, or an
OpenGL ES context pyqtgraph cannot use, fails here rather than in the window.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from ..core.processes import child_options
from ..core.video import FORMATS


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was found, and the fix if it failed."""

    name: str
    found: str
    ok: bool = True
    fix: str = ""
    required: bool = True  # a failed optional check (numba) does not fail the doctor


def versions() -> list[Check]:
    import numpy
    import OpenGL
    import OpenGL.platform
    import pyqtgraph
    import PySide6
    from PySide6 import QtCore

    return [
        Check("Python", f"{platform.python_version()} ({sys.executable})"),
        Check("Qt", f"{QtCore.qVersion()} (PySide6 {PySide6.__version__})"),
        Check("pyqtgraph", pyqtgraph.__version__),
        Check("NumPy", numpy.__version__),
        Check(
            "PyOpenGL",
            f"{OpenGL.__version__}, platform {OpenGL.platform.PLATFORM.__class__.__name__}",
        ),
    ]


def opengl(app) -> list[Check]:
    """The Qt platform, the GL context's vendor, renderer and version, and one fogged frame."""
    from PySide6.QtCore import Qt

    from ..core import get_surface, simulate
    from ..core.scene import Fog
    from .frame import frame_at
    from .view import TerrainView, rgba

    checks = [Check("Qt platform", app.platformName())]
    view = TerrainView()
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(160, 120)
    view.show()
    app.processEvents()
    vendor, renderer, version = view.gl_strings()
    number = tuple(int(part) for part in version.split()[0].split(".")[:2] if part.isdigit())
    desktop = "OpenGL ES" not in version and number >= (2, 1)
    checks.append(
        Check(
            "OpenGL",
            f"{version}; {renderer} ({vendor})",
            desktop,
            "FogWalk needs desktop OpenGL 2.1 or newer, not OpenGL ES: update the graphics "
            "driver, or run on X11 (QT_QPA_PLATFORM=xcb PYOPENGL_PLATFORM=glx fogwalk)",
        )
    )
    try:
        surface = get_surface("fog_mountain")
        view.set_terrain(surface, 64)
        view.set_hiker_colors(["#ff0000"])
        view.show_frame(frame_at(simulate(surface, ["sgd:lr=0.0"], steps=1), 0))
        view.set_fog(Fog(radius=0.15, density=1.0))
        pixels = view.render_array(160, 120).astype(float)
        fogged = (np.abs(pixels - rgba(Fog().color)[:3] * 255).max(axis=2) <= 3).mean()
        drawn = 0.2 < fogged < 0.98  # the fog hides most, and the hiker's ground shows
        found = f"a {160}x{120} frame drawn offscreen, {fogged:.0%} of it fog"
    except Exception as error:  # a broken driver can fail in many ways: report, never crash
        drawn, found = False, f"failed: {error}"
    finally:
        view.close()
    checks.append(
        Check(
            "Framebuffer and fog shader",
            found,
            drawn,
            "the fog shader did not draw: update the graphics driver, or use Mesa's software "
            "OpenGL (apt install libgl1-mesa-dri; LIBGL_ALWAYS_SOFTWARE=1 fogwalk)",
        )
    )
    return checks


def ffmpeg() -> list[Check]:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    listing = subprocess.run(
        [exe, "-hide_banner", "-encoders"],
        capture_output=True, text=True, timeout=30, check=False, **child_options(),
    ).stdout  # fmt: skip
    wanted = {suffix: args[args.index("-c:v") + 1] for suffix, (_, args) in FORMATS.items()
              if "-c:v" in args}  # fmt: skip
    missing = [
        f"{encoder} ({suffix})" for suffix, encoder in wanted.items() if encoder not in listing
    ]
    found = f"{exe}; " + ", ".join(f"{encoder} for {suffix}" for suffix, encoder in wanted.items())
    return [
        Check(
            "FFmpeg",
            found if not missing else f"{exe} lacks {', '.join(missing)}",
            not missing,
            "reinstall imageio-ffmpeg (pip install --force-reinstall imageio-ffmpeg), whose "
            "FFmpeg has these encoders",
        )
    ]


def numba_status() -> list[Check]:
    try:
        import numba
    except ImportError as error:
        return [Check("numba", f"not available ({error})", False, "pip install numba: the "
                      "compiled engine for huge runs (the NumPy engine works without it)",
                      required=False)]  # fmt: skip
    return [Check("numba", f"{numba.__version__}: the compiled engine is available")]


def report(checks: list[Check]) -> tuple[str, bool]:
    """The printed report, and whether the app and export would work."""
    lines, works = [], True
    for check in checks:
        mark = "ok " if check.ok else ("FAIL" if check.required else "note")
        lines.append(f"{mark:>4}  {check.name}: {check.found}")
        if not check.ok:
            lines.append(f"      fix: {check.fix}")
            works = works and not check.required
    lines.append("FogWalk's app and export work here." if works else "FogWalk would not work.")
    return "\n".join(lines), works


def environment() -> list[Check]:
    shown = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYOPENGL_PLATFORM")
    return [Check("Environment", ", ".join(f"{k}={os.environ.get(k, '')!r}" for k in shown))]
