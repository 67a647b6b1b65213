"""Shared set-up: ``pytest tests/core`` runs where PySide6 is not installed.

Where the Qt stack is installed, the heavy modules are loaded before PySide6 and the
OpenGL contexts are shared before pytest-qt's qapp makes the QApplication (as
fogwalk.render.context does for the app); the ``shown`` fixture is for the drawing tests.
"""

import os
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

# Where the user's own settings live (the window's recent files): the tests write elsewhere.
REAL_CONFIG = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")

if find_spec("PySide6") and find_spec("OpenGL"):
    # Once PySide6 is imported its import hook makes every module imported after it slow
    # (about a second for the test suite): load the heavy modules first.
    from fogwalk.render.context import _import_before_qt

    _import_before_qt()
    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


@pytest.fixture
def shown(qtbot):
    """``shown(widget, width, height)``: the widget on screen, closed with the test."""

    def show(widget, width: int, height: int):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """Every test's QSettings (and any fogwalk it starts) write to a folder of its own.

    XDG_CONFIG_HOME is for child processes and QSettings made before the path is set;
    QSettings.setPath redirects this process, whose default paths Qt read once already.
    """
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def user_config() -> Path:
    """The user's own configuration folder, as it was before the tests redirected it."""
    return REAL_CONFIG


@pytest.fixture
def video_frames():
    """``video_frames(path)``: every frame of a video file, decoded by FFmpeg, as RGB arrays."""
    import numpy as np
    from imageio_ffmpeg import read_frames

    def decode(path) -> list:
        reader = read_frames(str(path))
        width, height = next(reader)["size"]
        return [np.frombuffer(frame, np.uint8).reshape(height, width, 3) for frame in reader]

    return decode
