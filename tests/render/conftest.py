"""Qt set-up for the drawing tests: OpenGL contexts shared, and widgets shown on screen."""

import pytest
from PySide6.QtCore import QCoreApplication, Qt

# Before pytest-qt's qapp makes the QApplication (as fogwalk.render.context does for the app).
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
