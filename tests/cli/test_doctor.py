"""`fogwalk doctor`: it draws a fogged frame to check OpenGL, and on Wayland it still picks
Qt on xcb and PyOpenGL on GLX."""

import os
import subprocess
import sys

from fogwalk.render.context import choose_gl_platform
from fogwalk.render.doctor import Check, report


def doctor(**env) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYOPENGL_PLATFORM")
    }
    return subprocess.run(
        [sys.executable, "-m", "fogwalk", "doctor"],
        env={**environ, **env}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def line(output: str, name: str) -> str:
    return next(row for row in output.splitlines() if f" {name}:" in row)


def test_doctor_draws_a_frame_and_passes_here(qapp):
    result = doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    assert line(result.stdout, "Framebuffer and fog shader").lstrip().startswith("ok")
    assert line(result.stdout, "OpenGL").lstrip().startswith("ok")  # desktop GL 2.1+
    assert "libx264" in line(result.stdout, "FFmpeg")
    assert result.stdout.rstrip().endswith("FogWalk's app and export work here.")


def test_a_dead_wayland_socket_still_gets_xcb_and_glx(qapp, tmp_path):
    result = doctor(WAYLAND_DISPLAY=str(tmp_path / "wayland-0"))  # nothing listens there
    assert result.returncode == 0, result.stdout + result.stderr
    assert "QT_QPA_PLATFORM='xcb'" in line(result.stdout, "Environment")
    assert "PYOPENGL_PLATFORM='glx'" in line(result.stdout, "Environment")
    assert line(result.stdout, "Qt platform").endswith("xcb")
    assert "GLXPlatform" in line(result.stdout, "PyOpenGL")


def test_the_platform_choice_leaves_a_user_s_own_alone():
    environ = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    assert choose_gl_platform(environ) == {"QT_QPA_PLATFORM": "xcb", "PYOPENGL_PLATFORM": "glx"}
    mine = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}
    assert choose_gl_platform(mine) == {} and mine["QT_QPA_PLATFORM"] == "wayland"
    assert choose_gl_platform({"DISPLAY": ":0"}) == {}  # plain X11: nothing to choose


def test_a_failed_check_names_its_fix_and_fails_the_doctor():
    text, works = report([Check("OpenGL", "3.0 ES", ok=False, fix="update the driver")])
    assert not works and "fix: update the driver" in text and "FAIL" in text
    text, works = report([Check("numba", "missing", ok=False, fix="pip", required=False)])
    assert works  # numba only speeds huge runs up
