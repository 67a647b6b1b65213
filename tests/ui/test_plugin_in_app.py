"""An optimizer from the user's own file walks in the window like a built-in one."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from fogwalk.core.optimizers import optimizer_names, registry
from fogwalk.core.optimizers.plugins import load_file
from fogwalk.ui.main_window import MainWindow

SIGNUM_FILE = Path(__file__).resolve().parents[2] / "resources" / "optimizers" / "signum.py"


@pytest.fixture
def signum():
    """``signum`` registered from resources/optimizers/signum.py, and removed again."""
    assert load_file(str(SIGNUM_FILE)) == ["signum"]
    yield "signum"
    registry._REGISTRY.pop("signum")  # the registry is the process's: leave it as found


def test_the_users_optimizer_is_offered_and_walks(qtbot, signum):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    menu = window.hikers_panel.findChild(QMenu)
    menu_texts = [action.text() for action in menu.actions()]
    assert any(text.startswith("signum — steps of fixed length") for text in menu_texts)
    window.hikers_panel.add_requested.emit(signum)
    assert window.scene.hikers[-1].spec == "signum"
    qtbot.waitUntil(
        lambda: (
            window.run is not None
            and window.run.optimizers[-1].name == "signum"
            and window.run.computed >= 20
        ),
        timeout=10_000,
    )
    start = window.run.xy[0, -1, 0]
    assert (abs(window.run.xy[20, -1, 0] - start) > 0).any()  # it walked
    assert signum in optimizer_names()
    window.close()
