"""The loss plot: each optimizer's loss (or distance to a minimum) against steps, measurements
or their cost, with a cursor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.engine import Run
from ..core.measurements import Costs
from ..core.pacing import active_range
from .theme import BACKGROUND, TEXT

EPS = np.finfo(float).eps
RELATIVE_FLOOR = 1e-6  # with no known minimum: the lowest point sits this share of the range up
# What the x-axis counts: steps, surface evaluations after the start, or their cost.
AXES = {
    "steps": "step",
    "measurements": "surface evaluations after the start",
    "cost": "cost of the measurements (gradients' worth)",
}


class LossPlot(QWidget):
    """Loss against step, measurements or cost, one curve per optimizer (its first walker),
    a dot on each at the step it shows and a cursor at the playback clock's moment.

    Call :meth:`show_run` when the run object changes, :meth:`update_to` as
    steps are computed (cheap), :meth:`show_step` every frame. Dragging the
    cursor emits :attr:`scrubbed` (a moment of the clock: a step or a cost);
    the window decides what to show. The cursor is there when the x-axis is
    the clock's (steps on the step clock, cost on the cost clock).
    """

    scrubbed = Signal(int)  # the step the cursor was dragged to

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: Run | None = None
        self.computed = 0
        self.curves: list[pg.PlotDataItem] = []
        self.costs = Costs()
        self.clock = "steps"
        self._colors: list[str] = []
        self._xs: list[np.ndarray] = []  # each curve's x values, rows 0..computed
        self._values: list[np.ndarray] = []
        self._shown_steps: np.ndarray | None = None
        self._showing = False  # set while show_step moves the cursor: not a user's scrub
        self._scrubbed_to = -1
        self._framed = 0  # the steps the x-axis frames now

        self.plot = pg.PlotWidget(background=BACKGROUND)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setDownsampling(auto=True, mode="peak")  # long runs stay cheap to draw
        self.plot.setClipToView(True)
        self.plot.setMouseEnabled(x=True, y=False)
        # The legend sits in a column right of the curves (never over them).
        self.legend = pg.LegendItem(labelTextSize="10pt", labelTextColor=TEXT, verSpacing=-4)
        self.plot.getPlotItem().layout.addItem(self.legend, 2, 3)
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
        self.dots = pg.ScatterPlotItem(size=8, pen=pg.mkPen("#1b1e23", width=1.5))
        self.dots.setZValue(30)
        self.plot.addItem(self.dots, ignoreBounds=True)

        self.axis = QComboBox()
        for key in AXES:
            self.axis.addItem(key, key)
        self.axis.setToolTip(
            "What the x-axis counts: steps; every surface evaluation a hiker paid for after its "
            "start (gradients, losses alone, Hessians); or their cost, a gradient being 1, a "
            "loss 1/3 and a Hessian 2 unless the scene prices them otherwise"
        )
        self.axis.currentIndexChanged.connect(self._on_axis_current_index_changed)

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
        controls.addWidget(QLabel("x:"))
        controls.addWidget(self.axis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        self._show_axis_label()

    # --- public API -----------------------------------------------------------------
    def show_run(
        self,
        run: Run,
        colors: Sequence[str],
        labels: Sequence[str] | None = None,
        costs: Costs | None = None,
    ) -> None:
        """Show ``run``: one curve per optimizer in ``colors``, named by ``labels``, costs
        priced by ``costs``."""
        self.run, self.costs = run, costs or Costs()
        self._colors, self._shown_steps = list(colors), None
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
            self.legend.addItem(curve, name)
            self.curves.append(curve)
        self.plot.getPlotItem().setToolTip(
            None if walkers == 1 else "Each curve follows its optimizer's first walker"
        )
        has_minima = bool(run.surface.minima)
        if not has_minima:
            self.distance.setChecked(False)
        self.distance.setEnabled(has_minima)
        self._show_axis_label()
        self.update_to(run.computed)

    def set_clock(self, clock: str, costs: Costs) -> None:
        """Follow the playback clock and the scene's prices: the x-axis becomes the clock's
        unit, with the cursor on it."""
        changed = (clock, costs) != (self.clock, self.costs)
        self.clock, self.costs = clock, costs
        if changed:
            self.axis.setCurrentIndex(self.axis.findData(clock))  # redraws if the axis changed
            self._show_axis_label()
            self.update_to(self.computed)

    @property
    def x_axis(self) -> str:
        """What the x-axis counts now: a key of :data:`AXES`."""
        return self.axis.currentData()

    def update_to(self, computed: int, run: Run | None = None) -> None:
        """Extend the curves to the ``computed`` steps the engine has finished (``run``: a
        newer snapshot of the run shown, whose measurements go that far)."""
        if run is not None:
            self.run = run
        if self.run is None:
            return
        self.computed = int(np.clip(computed, 0, self.run.steps))
        self._showing = True  # the bounds may pull the cursor back: that is no scrub
        try:
            self.cursor.setBounds((0, self.computed))  # nothing to scrub beyond what is computed
        finally:
            self._showing = False
        self._xs, self._values = self._abscissae(), self._series()
        for curve, xs, values in zip(self.curves, self._xs, self._values, strict=False):
            curve.setData(xs, values)
        self._show_dots()
        self._frame_action()

    def show_step(self, tick: float, steps: np.ndarray | None = None) -> None:
        """Move the cursor to the clock's ``tick`` without emitting :attr:`scrubbed`, and each
        curve's dot to the step its first walker shows (``steps``, one per optimizer; the
        tick itself on the step clock)."""
        self._showing = True
        try:
            self.cursor.setValue(tick)
        finally:
            self._showing = False
        self._scrubbed_to = int(tick)  # a drag emits once it leaves the moment shown
        self._shown_steps = None if steps is None else np.asarray(steps, dtype=int)
        if steps is None:
            self._shown_steps = np.full(len(self.curves), int(tick))
        self._show_dots()

    def _show_dots(self) -> None:
        if self._shown_steps is None or len(self._shown_steps) != len(self._xs):
            self.dots.setData([])
            return
        spots = []
        for k, (xs, values) in enumerate(zip(self._xs, self._values, strict=False)):
            row = int(np.clip(self._shown_steps[k], 0, len(xs) - 1))
            color = self._colors[k % len(self._colors)] if self._colors else "#ffffff"
            spots.append({"pos": (xs[row], values[row]), "brush": pg.mkBrush(color)})
        self.dots.setData(spots)

    # --- what is plotted ------------------------------------------------------------
    def _abscissae(self) -> list[np.ndarray]:
        """Per optimizer, walker 0's x values at steps ``0..computed``."""
        run, count = self.run, len(self.curves)
        steps = np.arange(self.computed + 1)
        if self.x_axis == "steps":
            return [steps] * count
        measured = run.measured(steps[:, None, None], walkers=slice(0, 1))[:, :, 0]
        since_start = measured - measured[:1]  # (steps, optimizers, KINDS)
        if self.x_axis == "measurements":
            xs = since_start[..., :-1].sum(axis=-1)
        else:
            xs = since_start @ self.costs.weights
        return list(xs.T.astype(float))

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
        """Every step of the run across (or every cost the clock runs to; the measurements
        as they come), the values' range up and down."""
        self.plot.enableAutoRange(axis="y")
        if self.run is None:
            return
        if self.x_axis == "measurements":
            self.plot.setLimits(xMin=0, xMax=None)
            self.plot.enableAutoRange(axis="x")
        else:  # the curves grow into a fixed frame as steps compute
            self.plot.setLimits(xMin=0, xMax=max(self.run.steps, 1))
            self._framed = 0
            self._frame_action()

    def _frame_action(self) -> None:
        """On the step axis, frame the steps where something happens (see core.pacing),
        re-framed only when that range changes."""
        if self.run is None or self.x_axis != "steps":
            return
        steps = active_range(self.run)
        if steps != self._framed:
            self._framed = steps
            self.plot.setXRange(0, steps, padding=0.01)

    def _show_cursor(self) -> None:
        """The cursor stands for the clock's moment: only on an axis in the clock's unit."""
        self.cursor.setVisible(self.x_axis == self.clock)

    def _show_axis_label(self) -> None:
        log = self.log.isChecked()
        self.plot.setLogMode(x=False, y=log)  # pyqtgraph turns auto-range on for both axes
        self.plot.setLabel("bottom", AXES[self.x_axis])
        self._frame_steps()
        self._show_cursor()
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

    def _on_axis_current_index_changed(self, index: int) -> None:
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
