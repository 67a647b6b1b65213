"""The window's menus and keyboard shortcuts, in one table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenu

from .help import show_about, show_shortcuts


def _entries(window) -> list[tuple[str, str, list, object]]:
    """(menu, text, keys, slot) for every action of ``window``."""
    controller = window.controller
    return [
        ("&File", "&Open…", [QKeySequence.StandardKey.Open], window.open_file),
        ("&File", "&Save Scenario…", [QKeySequence.StandardKey.Save], window.save_scenario),
        ("&File", "Open &Trajectory…", [], window.open_trajectory),
        ("&File", "&Export Video…", ["Ctrl+E"], window.export_video),
        ("&File", "&Quit", [QKeySequence.StandardKey.Quit], window.close),
        ("&View", "&Fog on/off", ["F"], window.toggle_fog),
        ("&View", "Fog radius &larger", ["+", "="], lambda: window.scale_fog_radius(1)),
        ("&View", "Fog radius &smaller", ["-"], lambda: window.scale_fog_radius(-1)),
        ("&View", "&Overlay / split layout", ["L"], window.toggle_layout),
        ("&View", "Orbit camera", ["1"], lambda: window.set_camera("orbit")),
        ("&View", "Follow camera", ["2"], lambda: window.set_camera("follow")),
        ("&View", "Hiker's eye", ["3"], lambda: window.set_camera("eye")),
        ("&View", "&Top view", ["T"], lambda: window.camera_preset(89.0)),
        ("&View", "&Low view", ["G"], lambda: window.camera_preset(10.0)),
        ("&View", "Reset &camera", ["Home"], window.reset_camera),
        ("&View", "&Presentation mode", ["P", "F11"], window.presentation.toggle),
        ("&Playback", "&Play/pause", ["Space"], controller.toggle_play),
        ("&Playback", "&Step", ["Right"], controller.step_once),
        ("&Playback", "&Reset", ["R"], controller.rewind),
        ("&Playback", "&Clock by steps / by cost", ["C"], window.toggle_clock),
        ("&Help", "&Keyboard shortcuts", ["F1"], lambda: show_shortcuts(window)),
        ("&Help", "&About FogWalk", [], lambda: show_about(window)),
    ]


def build_menus(window: QMainWindow) -> QMenu:
    """Add the menus and shortcuts to ``window``; returns its (empty) Open Recent menu."""
    names = ("&File", "&View", "&Playback", "&Help")
    menus = {name: window.menuBar().addMenu(name) for name in names}
    recent = menus["&File"].addMenu("Open &Recent")
    for menu, text, keys, slot in _entries(window):
        action = QAction(text, window)
        action.setShortcuts([QKeySequence(k) if isinstance(k, str) else k for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        menus[menu].addAction(action)
        window.addAction(action)
    menus["&View"].addSeparator()
    for dock, key in (
        (window.map_dock, "Ctrl+M"),
        (window.loss_dock, "Ctrl+L"),
        (window.controls, "Ctrl+K"),
    ):
        action = dock.toggleViewAction()  # shows or hides the dock, checked while shown
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        menus["&View"].addAction(action)
        window.addAction(action)
    leave = QShortcut(QKeySequence("Escape"), window, window.presentation.leave)
    leave.setContext(Qt.ShortcutContext.WindowShortcut)
    return recent
