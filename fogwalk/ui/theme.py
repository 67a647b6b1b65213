"""One visual theme for the whole window: the dark of the map and the loss plot on every
panel, and text no smaller than 13 pixels."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#1b1e23"  # the plots' background, and the panels'
BASE = "#252a31"  # fields, lists, check boxes
BUTTON = "#30363e"
TEXT = "#e6e8eb"
MUTED = "#9aa3ad"  # secondary text: descriptions, measurements, hints
HIGHLIGHT = "#3d8bfd"
TEXT_PX = 13


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the theme, once (a second window finds it there)."""
    if app.property("fogwalk_theme"):
        return
    app.setProperty("fogwalk_theme", True)
    app.setStyle("Fusion")  # the one style that follows a palette on every platform
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: BACKGROUND,
        QPalette.ColorRole.ToolTipBase: BUTTON,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BUTTON,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: HIGHLIGHT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: HIGHLIGHT,
        QPalette.ColorRole.Light: "#5a636e",  # Fusion draws frames and boxes' edges in these
        QPalette.ColorRole.Midlight: "#414851",
        QPalette.ColorRole.Mid: MUTED,
        QPalette.ColorRole.Dark: MUTED,
        QPalette.ColorRole.Shadow: "#0b0d0f",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5d646c"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPixelSize(TEXT_PX)
    app.setFont(font)
