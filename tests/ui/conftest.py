"""Qt set-up for the window tests (as in tests/render/conftest.py), and the main window."""

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from fogwalk.ui.main_window import MainWindow

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


@pytest.fixture
def window(qtbot):
    """The main window, shown; closed (its worker stopped) after each test."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
