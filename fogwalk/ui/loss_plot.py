"""The loss plot: each optimizer's loss (or distance to a minimum) per step, with a cursor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from ..core.engine import Run

BACKGROUND = "#1b1e23"
EPS = np.finfo(float).eps
RELATIVE_FLOOR = 1e-6  # with no known minimum: the lowest point sits this share of the range up


class LossPlot(QWidget):
    """Loss against step, one curve per optimizer (its first walker), and a step cursor.

    Call :meth:`show_run` when the run object changes, :meth:`update_to` as
    steps are computed (cheap), :meth:`show_step` every frame. Dragging the
    cursor emits :attr:`scrubbed`; the window decides what step to show.
    """

    scrubbed = Signal(int)  # the step the cursor was dragged to

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: Run | None = None
        self.computed = 0
        self.curves: list[pg.PlotDataItem] = []
        self._showing = False  # set while show_step moves the cursor: not a user's scrub
        self._scrubbed_to = -1

        self.plot = pg.PlotWidget(background=BACKGROUND)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "step")
        self.plot.setDownsampling(auto=True, mode="peak")  # long runs stay cheap to draw
        self.plot.setClipToView(True)
        self.plot.setMouseEnabled(x=True, y=False)
        self.legend = self.plot.addLegend(
            offset=(-8, 8),
            labelTextSize="8pt",
            brush=pg.mkBrush(27, 30, 35, 210),  # readable over the curves it covers
            pen=pg.mkPen(255, 255, 255, 40),
        )
        self.cursor = pg.InfiniteLine(
            0,
            angle=90,
            movable=True,
            pen=pg.mkPen("#e8e8e8", width=1.5),
            hoverPen=pg.mkPen("#ffd23f", width=3),
        )
        self.cursor.setZValue(20)
        self.cursor.sigPositionChanged.connect(self._on_cursor_position_changed)
        self.cursor.sigPositionChangeFinished.connect(self._on_cursor_position_change_finished)
        self.plot.addItem(self.cursor, ignoreBounds=True)

        self.log = QCheckBox("Log scale")
        self.log.setToolTip(
            "Log of the loss above f*, the lowest known minimum of the surface (above the "
            "lowest loss plotted when it knows none)"
        )
        self.distance = QCheckBox("Distance to nearest minimum")
        self.distance.setToolTip(
            "Plot how far each optimizer's first walker is from the nearest known minimum"
        )
        self.log.toggled.connect(self._on_log_toggled)
        self.distance.toggled.connect(self._on_distance_toggled)
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        controls.addWidget(self.log)
        controls.addWidget(self.distance)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        self._show_axis_label()

    # --- public API -----------------------------------------------------------------
    def show_run(
        self, run: Run, colors: Sequence[str], labels: Sequence[str] | None = None
    ) -> None:
        """Show ``run``: one curve per optimizer in ``colors``, named by ``labels``."""
        self.run = run
        labels = list(labels) if labels is not None else run.labels
        walkers = run.xy.shape[2]
        self.legend.clear()
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        for color, label in zip(colors, labels, strict=False):
            name = label if walkers == 1 else f"{label}  (walker 1 of {walkers})"
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2), name=name)
            self.plot.addItem(curve)
            self.curves.append(curve)
        self.plot.getPlotItem().setToolTip(
            None if walkers == 1 else "Each curve follows its optimizer's first walker"
        )
        has_minima = bool(run.surface.minima)
        if not has_minima:
            self.distance.setChecked(False)
        self.distance.setEnabled(has_minima)
        self._show_axis_label()
        self.plot.setLimits(xMin=0, xMax=max(run.steps, 1))
        self._frame_steps()
        self.update_to(run.computed)

    def update_to(self, computed: int) -> None:
        """Extend the curves to the ``computed`` steps the engine has finished."""
        if self.run is None:
            return
        self.computed = int(np.clip(computed, 0, self.run.steps))
        self._showing = True  # the bounds may pull the cursor back: that is no scrub
        try:
            self.cursor.setBounds((0, self.computed))  # nothing to scrub beyond what is computed
        finally:
            self._showing = False
        steps = np.arange(self.computed + 1)
        for curve, values in zip(self.curves, self._series(), strict=False):
            curve.setData(steps, values)

    def show_step(self, step: int) -> None:
        """Move the cursor to ``step`` without emitting :attr:`scrubbed`."""
        self._showing = True
        try:
            self.cursor.setValue(step)
        finally:
            self._showing = False
        self._scrubbed_to = int(step)  # a drag emits once it leaves the step shown

    # --- what is plotted ------------------------------------------------------------
    def _series(self) -> list[np.ndarray]:
        """Per optimizer, walker 0's values over steps ``0..computed``, as plotted.

        In log mode every value is positive: no log ever sees a non-positive number.
        """
        run, rows = self.run, slice(0, self.computed + 1)
        if self.distance.isChecked() and run.surface.minima:
            minima = np.array([(m.x, m.y) for m in run.surface.minima])
            xy = run.xy[rows, :, 0]  # (steps, optimizers, 2)
            offsets = xy[:, :, None, :] - minima[None, None, :, :]
            values = np.sqrt((offsets**2).sum(axis=-1)).min(axis=-1)
            floor = EPS * max(1.0, float(np.abs(minima).max()))
            if self.log.isChecked():
                values = np.maximum(values, floor)
            return list(values.T)
        values = run.loss[rows, :, 0]  # (steps, optimizers)
        if self.log.isChecked():
            reference, floor = self._log_reference(values)
            values = np.maximum(values - reference, floor)
        return list(values.T)

    def _log_reference(self, values: np.ndarray) -> tuple[float, float]:
        """What the log is taken above, and the floor that keeps it finite."""
        minima = self.run.surface.minima
        if minima:
            reference = min(m.value for m in minima)
            return reference, EPS * max(1.0, abs(reference))
        reference = float(values.min())
        span = float(values.max()) - reference
        return reference, max(RELATIVE_FLOOR * span, EPS * max(1.0, abs(reference)))

    def _frame_steps(self) -> None:
        """Every step of the run across, the values' range up and down."""
        self.plot.enableAutoRange(axis="y")
        if self.run is not None:  # the curves grow into a fixed frame as steps compute
            self.plot.setXRange(0, max(self.run.steps, 1), padding=0.01)

    def _show_axis_label(self) -> None:
        log = self.log.isChecked()
        self.plot.setLogMode(x=False, y=log)  # pyqtgraph turns auto-range on for both axes
        self._frame_steps()
        if self.distance.isChecked():
            text = "distance to nearest minimum"
        elif not log:
            text = "loss"
        elif self.run is not None and self.run.surface.minima:
            reference = min(m.value for m in self.run.surface.minima)
            text = f"loss − f*   (f* = {reference:.4g})"
        else:
            text = "loss − lowest loss plotted"
        self.plot.setLabel("left", text)

    # --- handlers -------------------------------------------------------------------
    def _on_log_toggled(self, on: bool) -> None:
        self._show_axis_label()
        self.update_to(self.computed)

    def _on_distance_toggled(self, on: bool) -> None:
        self._show_axis_label()
        self.update_to(self.computed)

    def _on_cursor_position_changed(self, line: pg.InfiniteLine) -> None:
        if self._showing:
            return
        step = round(line.value())
        if step != self._scrubbed_to:
            self._scrubbed_to = step
            self.scrubbed.emit(step)

    def _on_cursor_position_change_finished(self, line: pg.InfiniteLine) -> None:
        self._showing = True  # snap to the whole step it stands for, silently
        try:
            line.setValue(round(line.value()))
        finally:
            self._showing = False
