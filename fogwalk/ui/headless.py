"""A virtual display for exporting where there is no screen: Xvfb, started and stopped here."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

from ..core.errors import FogwalkError

INSTALL_HINT = (
    "install Xvfb and Mesa's OpenGL (Debian/Ubuntu: apt install xvfb libgl1-mesa-dri), "
    "or run the command under xvfb-run"
)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@contextlib.contextmanager
def virtual_display(width: int = 1920, height: int = 1080) -> Iterator[str | None]:
    """Use the display there is; on Linux without one, run Xvfb for the duration.

    Yields the display name that was started, or None when one existed already.
    Must be entered before the QApplication is created.
    """
    if has_display() or not sys.platform.startswith("linux"):
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
        os.environ.pop("DISPLAY", None)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if process.poll() is None:
            process.kill()
