"""Hostile files, scenarios and formulas in the window: a dialog (or the formula field) says
what is wrong, the scene stays, and the window never waits on a file."""

import os
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from fogwalk.ui.files import recent_files


@pytest.fixture
def dialogs(qtbot):
    """The texts of the modal dialogs that appeared, each closed as soon as it showed.

    A QMessageBox runs its own event loop; a timer (which fires inside it) closes it.
    """
    texts: list[str] = []

    def close_modal() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            texts.append(box.text())
            box.done(0)

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(close_modal)
    timer.start()
    yield texts
    timer.stop()


def scenario(tmp_path, text: str, name: str = "hostile.toml") -> str:
    path = tmp_path / name
    path.write_text("schema_version = 1\n" + text)
    return str(path)


def test_a_scenario_with_a_bad_colour_gets_a_dialog_and_the_scene_stays(
    window, qtbot, tmp_path, dialogs, open_in
):
    before = window.scene
    path = scenario(tmp_path, '[[hikers]]\noptimizer = "adam"\ncolor = "not a colour"\n')
    assert open_in(window, path) is False
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    assert f"{path}: hikers[0].color: 'not a colour' is not a colour" in dialogs[0]
    assert window.scene is before


def test_a_scenario_with_steps_beyond_memory_gets_a_dialog_and_the_scene_stays(
    window, qtbot, tmp_path, dialogs, open_in
):
    before = window.scene
    assert open_in(window, scenario(tmp_path, "[start]\nsteps = 1000000000000\n")) is False
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    assert "steps = 1,000,000,000,000 would record" in dialogs[0]
    assert window.scene is before


def test_an_edit_to_huge_steps_gets_a_dialog_from_the_worker(window, qtbot, dialogs):
    window.apply(replace(window.scene, steps=10**12))
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=5000)
    assert "would record 160 TB for 4 hikers x 1 walker" in dialogs[0]
    window.apply(replace(window.scene, steps=50))  # and the window walks again
    qtbot.waitUntil(lambda: window.run is not None and window.run.computed == 50, timeout=5000)


def test_window_tests_leave_the_users_settings_alone(
    window, tmp_path, private_settings, user_config, open_in
):
    real = user_config / "FogWalk" / "FogWalk.conf"
    before = real.read_bytes() if real.exists() else None
    path = scenario(tmp_path, "[start]\nsteps = 20\n", "fine.toml")
    assert open_in(window, path)
    assert str(tmp_path / "fine.toml") in recent_files()
    assert QSettings("FogWalk", "FogWalk").fileName().startswith(str(private_settings))
    assert (real.read_bytes() if real.exists() else None) == before


def test_opening_reads_on_the_loading_thread_and_the_scene_stays_till_then(window, qtbot, tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.add.outer(np.linspace(-1, 1, 1000) ** 2, np.linspace(-1, 1, 900) ** 2))
    before = window.scene
    with qtbot.waitSignal(window.opened, timeout=30_000):
        window.open_path(str(path))
        # open_path returned before the file was read: the window keeps handling events
        assert window.loader.busy and window.scene is before
    assert window.scene.surface == str(path)


@pytest.mark.parametrize("kind", ["fifo", "device", "loop", "huge header"])
def test_hostile_files_get_a_dialog_and_the_scene_stays(
    window, qtbot, tmp_path, dialogs, open_in, kind
):
    path = tmp_path / "surface.npy"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "huge header":
        header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (60000, 60000), }"
        header += b" " * (-(len(header) + 11) % 64) + b"\n"
        path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
    source = "/dev/zero" if kind == "device" else str(path)
    before = window.scene
    assert open_in(window, source) is False
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    expected = {
        "fifo": "is a FIFO (named pipe)",
        "device": "/dev/zero is a device",
        "loop": "a loop of symbolic links",
        "huge header": "60000 x 60000 = 3,600,000,000 cells",
    }[kind]
    assert expected in dialogs[0]
    assert window.scene is before


def test_a_formula_beyond_the_limits_shows_why_under_the_field(window, qtbot):
    panel = window.surface_panel
    before = window.scene
    panel.formula.setText("*".join(f"sin(x+{i}*y)" for i in range(40)))
    qtbot.keyClick(panel.formula, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.formula_error.isVisible(), timeout=20_000)
    assert "its gradient has more than" in panel.formula_error.text()
    assert window.scene is before
