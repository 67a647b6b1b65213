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


@pytest.fixture
def open_in(qtbot):
    """``open_in(window, path)``: open a file as File ▸ Open does, wait for the loading
    thread's answer; True if it opened, False if it failed (after its dialog)."""

    def open_(win: MainWindow, path: str, timeout: int = 20_000) -> bool:
        answers: list[bool] = []
        win.opened.connect(lambda _path: answers.append(True))
        win.open_failed.connect(lambda _message: answers.append(False))
        win.open_path(path)
        qtbot.waitUntil(lambda: bool(answers), timeout=timeout)
        return answers[0]

    return open_
