"""Text over the terrain: title, legend with losses, step counter, and split cells' labels.

One painter for the window and the export: the view paints split cells'
labels with :func:`paint_cell_labels` on screen and into the pixels it
renders offscreen, and an export burns its title, legend and counter with
:func:`burn_overlays`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from ..core.defaults import STATUS_RING_COLORS

BOX = QColor(20, 24, 30, 170)
TEXT = QColor(245, 247, 250)
CELL_EDGE = QColor(30, 36, 44)


@dataclass(frozen=True)
class LegendEntry:
    """One hiker in the legend."""

    label: str
    color: str
    loss: float | None = None
    mark: str = ""  # "✓" converged, "✗" diverged

    def text(self) -> str:
        loss = f"   {self.loss:.5g}" if self.loss is not None else ""
        return f"{self.label}{loss}{' ' + self.mark if self.mark else ''}"


def legend_entries(rows: Sequence, losses: bool = True) -> list[LegendEntry]:
    """The legend's entries for the :class:`~fogwalk.core.session.HikerRow` of each hiker."""
    return [
        LegendEntry(row.label, row.color, row.loss if losses else None, row.mark) for row in rows
    ]


def paint_legend(
    painter: QPainter, entries: Sequence[LegendEntry], width: int, height: int
) -> None:
    """The legend in the top right corner of a ``width`` x ``height`` picture on screen, its
    text a fortieth of the height (13 px at least), as an export burns it."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    unit = max(height / 40.0, 13.0)
    _legend(painter, entries, width, unit, unit)
    _key(painter, width, height, unit, unit)


def burn_overlays(
    pixels: np.ndarray,
    *,
    title: str = "",
    legend: Sequence[LegendEntry] = (),
    counter: str = "",
) -> np.ndarray:
    """Draw the overlays onto an (h, w, 3) uint8 image in place and return it."""
    if not pixels.flags.c_contiguous:  # a cell of a larger frame: draw on a copy, put it back
        pixels[...] = burn_overlays(pixels.copy(), title=title, legend=legend, counter=counter)
        return pixels
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    unit = max(height / 40.0, 8.0)  # text scales with the frame
    margin = unit
    if title:
        font = QFont()
        font.setPixelSize(round(unit * 1.5))
        font.setBold(True)
        painter.setFont(font)
        room = width - 2 * margin - unit  # half the width at most beside a legend
        title = _elided(painter.fontMetrics(), title, room / 2 if legend else room)
        _label(painter, font, title, margin, margin, unit)
    if counter:
        font = QFont()
        font.setPixelSize(round(unit))
        box = _measure(painter, font, counter, unit)
        _label(painter, font, counter, margin, height - margin - box.height(), unit)
    if legend:
        _legend(painter, legend, width, margin, unit)
        _key(painter, width, height, margin, unit)
    painter.end()
    return pixels


# What the marks on the terrain mean, drawn in the bottom right corner beside the legend.
KEY_ARROWS = (("#111111", "downhill (the slope measured)"), ("#ffffff", "last step (momentum)"))
KEY_RINGS = tuple((color, name) for name, color in STATUS_RING_COLORS.items())


def _key(painter: QPainter, width: int, height: int, margin: float, unit: float) -> None:
    """Two arrows and the four rings, each with its meaning, in one box."""
    font = QFont()
    font.setPixelSize(round(unit * 0.85))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    row = metrics.height() * 1.3
    rings = "   ".join(name for _, name in KEY_RINGS)
    text_width = max(metrics.horizontalAdvance(t) for t in [t for _, t in KEY_ARROWS] + [rings])
    glyph = unit * 1.6
    box = QRectF(0, 0, glyph + text_width + unit * 1.4, row * 3 + unit * 0.6)
    box.moveBottomRight(QPointF(width - margin, height - margin))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BOX)
    painter.drawRoundedRect(box, unit * 0.4, unit * 0.4)
    left = box.left() + unit * 0.5
    for i, (color, meaning) in enumerate(KEY_ARROWS):
        middle = box.top() + unit * 0.3 + (i + 0.5) * row
        _arrow(painter, QColor(color), left, middle, glyph, unit)
        _text(painter, left + glyph + unit * 0.4, middle, row, meaning)
    middle = box.top() + unit * 0.3 + 2.5 * row
    x = left
    for color, name in KEY_RINGS:
        painter.setPen(QPen(QColor(color), max(unit * 0.16, 1.5)))
        painter.setBrush(QColor(120, 128, 138))
        radius = unit * 0.32
        painter.drawEllipse(QPointF(x + radius, middle), radius, radius)
        x = _text(painter, x + 2 * radius + unit * 0.25, middle, row, name) + unit * 0.6


def _arrow(painter: QPainter, color: QColor, x: float, y: float, length: float, unit) -> None:
    painter.setPen(QPen(color, max(unit * 0.18, 2.0)))
    tip = QPointF(x + length, y)
    painter.drawLine(QPointF(x, y), tip)
    barb = unit * 0.35
    painter.drawLine(tip, QPointF(tip.x() - barb, y - barb * 0.7))
    painter.drawLine(tip, QPointF(tip.x() - barb, y + barb * 0.7))


def _text(painter: QPainter, x: float, middle: float, row: float, text: str) -> float:
    """Draw ``text`` left-aligned at ``x`` on the row centred at ``middle``; returns its end."""
    painter.setPen(TEXT)
    advance = painter.fontMetrics().horizontalAdvance(text)
    painter.drawText(
        QRectF(x, middle - row / 2, advance + 2, row),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        text,
    )
    return x + advance


def _measure(painter: QPainter, font: QFont, text: str, unit: float) -> QRectF:
    painter.setFont(font)
    rect = painter.fontMetrics().boundingRect(text)
    return QRectF(0, 0, rect.width() + unit, rect.height() + unit * 0.6)


def _label(painter: QPainter, font: QFont, text: str, x: float, y: float, unit: float) -> None:
    box = _measure(painter, font, text, unit).translated(x, y)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BOX)
    painter.drawRoundedRect(box, unit * 0.4, unit * 0.4)
    painter.setPen(TEXT)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _elided(metrics, text: str, room: float) -> str:
    """``text``, cut with an ellipsis to ``room`` pixels when longer."""
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(int(room), 1))


def _legend(painter, entries: Sequence[LegendEntry], width: int, margin: float, unit) -> None:
    font = QFont()
    font.setPixelSize(round(unit))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    room = width - 2 * margin - unit * 2.6  # a line never runs off the picture: elided
    lines = [_elided(metrics, entry.text(), room) for entry in entries]
    row = metrics.height() * 1.25
    text_width = max(metrics.horizontalAdvance(line) for line in lines)
    box = QRectF(0, 0, text_width + unit * 2.6, row * len(lines) + unit * 0.6)
    box.moveTopRight(QPointF(width - margin, margin))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(BOX)
    painter.drawRoundedRect(box, unit * 0.4, unit * 0.4)
    for i, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        top = box.top() + unit * 0.3 + i * row
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(entry.color))
        radius = unit * 0.4
        painter.drawEllipse(
            QRectF(box.left() + unit * 0.6, top + row / 2 - radius, 2 * radius, 2 * radius)
        )
        painter.setPen(TEXT)
        painter.drawText(
            QRectF(box.left() + unit * 1.8, top, text_width + unit, row),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            line,
        )


def paint_cell_labels(
    painter: QPainter, cells: Sequence[tuple[QRectF, LegendEntry]], unit: float | None = None
) -> None:
    """Label each split cell (its rectangle, top-left origin) with its hiker, and outline it.

    ``unit`` (the text size) defaults to a thirtieth of a cell's height, 11 px at least.
    """
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    for rect, entry in cells:
        size = unit or max(rect.height() / 30.0, 11.0)
        painter.save()
        painter.setClipRect(rect)
        painter.translate(rect.topLeft())
        _legend(painter, [entry], round(rect.width()), size, size)
        painter.setPen(CELL_EDGE)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(0, 0, rect.width() - 1, rect.height() - 1))
        painter.restore()


def burn_cell_labels(pixels: np.ndarray, cells: Sequence[tuple[QRectF, LegendEntry]]) -> None:
    """:func:`paint_cell_labels` onto an (h, w, 3) uint8 image, in place."""
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    paint_cell_labels(painter, cells)
    painter.end()
