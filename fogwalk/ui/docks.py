"""The window's docks around the terrain, and presentation mode (the terrain alone, full
screen, its legend large)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

BOTTOM_SHARE = 0.3  # of the window's height, for the map and the loss plot under the terrain
GEOMETRY_KEY, STATE_KEY = "window/geometry", "window/state"


def save_layout(window: QMainWindow) -> None:
    """Remember the window's size and place, and its docks' sizes, places and visibility."""
    settings = QSettings("FogWalk", "FogWalk")
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState())


def restore_layout(window: QMainWindow) -> None:
    """Bring back what :func:`save_layout` remembered (nothing, the first time)."""
    settings = QSettings("FogWalk", "FogWalk")
    geometry, state = settings.value(GEOMETRY_KEY), settings.value(STATE_KEY)
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)


def panel_dock(title: str, panel: QWidget, window: QMainWindow) -> QDockWidget:
    """``panel`` in a dock that can be moved, floated and closed (View ▸ its title)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(title.lower())
    dock.setWidget(panel)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
    return dock


class Presentation:
    """Presentation mode: the docks, menus and status bar hidden, the window full screen;
    leaving it brings back what was shown before."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.active = False
        self._shown: list[QWidget] = []
        self._was_maximized = False

    def _hideable(self) -> list[QWidget]:
        window = self.window
        return [*window.findChildren(QDockWidget), window.menuBar(), window.statusBar()]

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        if self.active:
            return
        self.active = True
        self._shown = [widget for widget in self._hideable() if widget.isVisible()]
        self._was_maximized = self.window.isMaximized()
        for widget in self._shown:
            widget.hide()
        self.window.showFullScreen()

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        for widget in self._shown:
            widget.show()
        if self._was_maximized:
            self.window.showMaximized()
        else:
            self.window.showNormal()
