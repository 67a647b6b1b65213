"""Shared set-up: OpenGL contexts shared before the QApplication exists (pytest-qt's qapp)."""

from fogwalk.render.context import _import_before_qt

_import_before_qt()  # PySide6's import hook is slow for modules imported after it

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

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
