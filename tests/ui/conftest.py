"""The main window, shown, for the window tests; closed (its worker stopped) after each."""

import pytest

from fogwalk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
