"""Opening things in the window: scenarios, surface files, formulas, drops, bad files."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from fogwalk.core.resources import resource_path


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


def test_open_a_shipped_scenario(window, qtbot, open_in):
    assert open_in(window, str(resource_path("scenarios", "gan_games.toml")))
    assert window.scene.surface == "gan_bilinear" and window.scene.layout == "split"
    assert [h.spec for h in window.scene.walking][1] == "extragradient:lr=0.1"
    qtbot.waitUntil(
        lambda: window.run is not None and window.run.surface.name == "gan_bilinear", timeout=10_000
    )


def test_open_a_surface_file_and_drop_one(window, qtbot, tmp_path, open_in):
    z = np.add.outer(np.linspace(-1, 1, 40) ** 2, np.linspace(-1, 1, 50) ** 2)
    np.save(tmp_path / "bowl.npy", z)
    assert open_in(window, str(tmp_path / "bowl.npy"))
    assert window.scene.surface == str((tmp_path / "bowl.npy").resolve())
    assert window.view.surface.domain == (0.0, 49.0, 0.0, 39.0)
    np.save(tmp_path / "ridge.npy", -z)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "ridge.npy"))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.opened, timeout=20_000):
        window.dropEvent(drop)
    assert window.scene.surface.endswith("ridge.npy")


def test_a_bad_file_says_why_and_changes_nothing(window, warnings_shown, tmp_path, open_in):
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    before = window.scene
    assert not open_in(window, str(tmp_path / "broken.npy"))
    assert window.scene == before
    assert len(warnings_shown) == 1 and "broken.npy" in warnings_shown[0]


def test_formula_field(window, qtbot):
    panel = window.surface_panel
    panel.formula.setText("x^2 + sin(3*y)")
    with qtbot.waitSignal(window.opened, timeout=20_000):  # compiled on the loading thread
        qtbot.keyClick(panel.formula, Qt.Key.Key_Return)
    assert window.scene.surface == "x^2 + sin(3*y)"
    assert panel.surface.currentText().startswith("▸")
    panel.formula.setText("x^2 + foo(y)")
    qtbot.keyClick(panel.formula, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.formula_error.isVisible(), timeout=20_000)
    assert "foo" in panel.formula_error.text()
    assert window.scene.surface == "x^2 + sin(3*y)"  # unchanged


def test_duplicate_and_edit_every_hyper_parameter(window, monkeypatch):
    from fogwalk.ui import main_window as module

    window.hikers_panel.duplicate_requested.emit(3)
    assert [h.spec for h in window.scene.hikers][3:5] == ["adam:lr=0.05", "adam:lr=0.05"]
    assert window.scene.hikers[4].color != window.scene.hikers[3].color
    monkeypatch.setattr(
        module.HyperDialog,
        "edit",
        classmethod(lambda cls, spec, parent: "adam:lr=0.05,amsgrad=true"),
    )
    window.hikers_panel.edit_requested.emit(4)
    assert window.scene.hikers[4].spec == "adam:lr=0.05,amsgrad=true"


def test_a_scenario_whose_surface_is_gone(window, warnings_shown, tmp_path, open_in):
    (tmp_path / "lost.toml").write_text(
        'schema_version = 1\n[surface]\nsource = "moved_away.npy"\n'
    )
    before = window.scene
    assert not open_in(window, str(tmp_path / "lost.toml"))
    assert window.scene == before
    assert "moved_away.npy" in warnings_shown[0]
