"""Shared set-up: ``pytest tests/core`` runs where PySide6 is not installed.

Where the Qt stack is installed, the heavy modules are loaded before PySide6 and the
OpenGL contexts are shared before pytest-qt's qapp makes the QApplication (as
fogwalk.render.context does for the app); the ``shown`` fixture is for the drawing tests.
"""

from importlib.util import find_spec

import pytest

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
