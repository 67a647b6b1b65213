"""Small reusable widgets: a (log) float slider, a colour swatch button, the status line."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from ..core.session import HikerRow
from .theme import MUTED

TICKS = 1000


class FloatSlider(QWidget):
    """A horizontal slider over ``[low, high]`` (log-spaced if ``log``) with a value label."""

    value_changed = Signal(float)

    def __init__(
        self,
        low: float,
        high: float,
        value: float,
        *,
        log: bool = False,
        fmt: str = "{:.3g}",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.low, self.high, self.log, self.fmt = low, high, log, fmt
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, TICKS)
        self.label = QLabel()
        self.label.setMinimumWidth(52)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self._value = value
        self.setValue(value)
        self.slider.valueChanged.connect(self._on_slider_value_changed)

    def _to_tick(self, value: float) -> int:
        value = min(max(value, self.low), self.high)
        if self.log:
            share = math.log(value / self.low) / math.log(self.high / self.low)
        else:
            share = (value - self.low) / (self.high - self.low)
        return round(share * TICKS)

    def _to_value(self, tick: int) -> float:
        share = tick / TICKS
        if self.log:
            return self.low * (self.high / self.low) ** share
        return self.low + share * (self.high - self.low)

    def value(self) -> float:
        return self._value

    def setValue(self, value: float) -> None:
        """Show ``value`` without emitting (values between ticks are kept exactly)."""
        self._value = value
        blocked = self.slider.blockSignals(True)
        self.slider.setValue(self._to_tick(value))
        self.slider.blockSignals(blocked)
        self.label.setText(self.fmt.format(value))

    def _on_slider_value_changed(self, tick: int) -> None:
        self._value = float(f"{self._to_value(tick):.4g}")  # round numbers read better
        self.label.setText(self.fmt.format(self._value))
        self.value_changed.emit(self._value)


class ColorButton(QToolButton):
    """A swatch that opens a colour dialog and emits the chosen '#rrggbb'."""

    color_changed = Signal(str)

    def __init__(self, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(22, 22)
        self.setToolTip("Change this hiker's colour")
        self.setColor(color)
        self.clicked.connect(self._on_clicked)

    def setColor(self, color: str) -> None:
        self._color = color
        self.setStyleSheet(
            f"QToolButton {{ background: {color}; border: 1px solid #444; border-radius: 4px; }}"
        )

    def _on_clicked(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._color), self, "Hiker colour")
        if chosen.isValid():
            self.setColor(chosen.name())
            self.color_changed.emit(chosen.name())


class StatusLine(QLabel):
    """The status bar's text: the clock's moment, each hiker's loss, mark and measurements
    (and its own step on the cost clock), fps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.fps = QLabel()  # frames drawn in the last second, shown at the bar's right end
        self._frame_times: list[float] = []
        self._playing = True
        self._note = ""  # said after the hikers, until playback goes on
        self._text = ""

    def show_playing(self, playing: bool) -> None:
        """Paused, the bar says so instead of a frame rate (only what changes is drawn)."""
        self._playing = playing
        if playing:
            self._note = ""
            self._frame_times = []
        self.fps.setText("" if playing else "paused")

    def show_settled(self, step: int) -> None:
        """Playback paused by itself: every hiker has settled."""
        self._note = f"<b>every hiker has settled by step {step}</b>: paused (Space plays on)"
        self.setText(self._text + " &nbsp;·&nbsp; " + self._note)

    def show_step(self, tick: int, rows: Sequence[HikerRow], clock: str = "steps") -> None:
        """Show the frame now drawn (and count it for the frame rate)."""
        by_cost = clock == "cost"
        parts = [f"{'cost' if by_cost else 'step'} <b>{tick}</b>"]
        for row in rows:
            mark = f" {row.mark}" if row.mark else ""
            more = f" (+{row.walkers - 1})" if row.walkers > 1 else ""
            dot = f"<span style='color:{row.color}'>●</span>"
            step = f"step {row.step}, " if by_cost else ""
            paid = f" <span style='color:{MUTED}'>{step}{row.measurements}</span>"
            parts.append(f"{dot} {row.name} {row.loss:.5g}{mark}{more}{paid}")
        self._text = " &nbsp;·&nbsp; ".join(parts)
        self.setText(self._text + (" &nbsp;·&nbsp; " + self._note if self._note else ""))
        self.setToolTip(
            "Each hiker's loss and, in grey, the surface evaluations its first walker paid for "
            "so far (a gradient brings its loss along; trials are a line search's tries)"
        )
        if not self._playing:
            return
        now = time.perf_counter()
        self._frame_times = [t for t in self._frame_times if now - t < 1.0] + [now]
        self.fps.setText(f"{len(self._frame_times)} fps")
