"""The 2-D map: the surface seen from above, its contours, the paths walked, fog and starts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.above.basins import BasinMap
from ..core.above.pictures import basin_rgb
from ..core.defaults import SPENT_COLOR, STATUS_RING_COLORS
from ..core.end_states import Outcome, outcomes
from ..core.engine import Run
from ..core.scene import walker_shades
from ..core.start_patterns import START_KINDS, start_pattern
from ..core.surfaces import Surface
from ..render.frame import TRAIL_POINTS
from ..render.mesh import CONTOURS, WorldMap, sample, shaded_colors
from ..render.view import colormap_levels
from .basins_job import MAX_STEPS
from .theme import BACKGROUND

IMAGE_RES = 256  # colour image samples per side
CONTOUR_RES = 128  # contour samples per side: pyqtgraph's marching squares is Python
START_PEN = pg.mkPen("#ffffff", width=2)
BASIN_OPACITY = 0.7  # the basins over the shaded ground: both read
# Walker rings by Outcome (walking, reached, stuck, diverged), as the terrain view draws them.
_RINGS = np.array(
    [
        pg.mkPen(color, width=1 if i == 0 else 2)
        for i, color in enumerate(STATUS_RING_COLORS.values())
    ],
    dtype=object,
)
_SPENT = pg.mkBrush(SPENT_COLOR)  # a diverged walker is greyed out


class _MapViewBox(pg.ViewBox):
    """A view box whose left click places starts; right click keeps pyqtgraph's menu."""

    clicked = Signal(float, float)  # the clicked point, in surface coordinates

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            point = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(point.x(), point.y())
        else:
            super().mouseClickEvent(ev)


class MapPanel(QWidget):
    """The surface from above, in surface coordinates, with everything walking on it.

    It shows what it is given and keeps no simulation state: :meth:`show_surface`
    once per surface, :meth:`show_run` whenever the run object changes (cheap,
    also while it computes), :meth:`show_step` every frame. A left click places
    the start (or a pattern of starts, from the "Starts" control) and dragging
    a start moves it: both emit :attr:`starts_changed` and leave the rerun to
    the window.
    """

    starts_changed = Signal(tuple)  # tuple of (x, y) float pairs
    basins_toggled = Signal(bool)  # the "Basins" overlay was switched on or off
    drape_toggled = Signal(bool)  # the basins were laid on the terrain, or taken off it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface: Surface | None = None
        self.run: Run | None = None
        self._colors: list[str] = []
        self._starts: tuple[tuple[float, float], ...] = ()
        self._shown: tuple | None = None  # (run, step) last drawn: redraws nothing twice
        self.contour_levels = np.zeros(0)  # the losses the contour lines are drawn at

        self.view_box = _MapViewBox(lockAspect=True)
        self.view_box.clicked.connect(self._on_view_box_clicked)
        self.plot = pg.PlotWidget(viewBox=self.view_box, background=BACKGROUND)
        self.plot.setLabel("bottom", "x")
        self.plot.setLabel("left", "y")
        self.image = pg.ImageItem(axisOrder="row-major")
        # Where a walker from each point ends (the first hiker's basins), over the ground.
        self.basins = pg.ImageItem(axisOrder="row-major")
        self.basins.setOpacity(BASIN_OPACITY)
        self.basin_map = None  # the BasinMap shown, or None
        self.contours = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((0, 0, 0, 110), width=1))
        self.minima = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=_minimum_tip)
        self.positions = pg.ScatterPlotItem(pxMode=True, size=11)
        self.trails: list[pg.PlotDataItem] = []
        self.fog: list[QGraphicsPathItem] = []  # one path of circles per optimizer
        # Bottom to top: image, contours, fog, paths, minima (landmarks stay visible), walkers.
        for z, item in ((0, self.image), (0.5, self.basins), (1, self.contours), (15, self.minima)):
            item.setZValue(z)
            self.plot.addItem(item)
        self.positions.setZValue(20)
        self.plot.addItem(self.positions, ignoreBounds=True)
        self.start_markers: list[pg.TargetItem] = []

        self.kind = QComboBox()
        for kind in START_KINDS:
            self.kind.addItem(kind, kind)
        self.kind.setToolTip(
            "What a click places: one start, a row, a grid or a random cloud of walkers "
            "around the clicked point (a tenth of the map across)"
        )
        self.count = QSpinBox()
        self.count.setRange(1, 1024)
        self.count.setValue(16)
        self.count.setSuffix(" walkers")
        self.count.setToolTip("How many walkers a row, grid or random pattern places")
        self.count.setEnabled(False)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.show_basins_box = QCheckBox("Basins")
        self.show_basins_box.setToolTip(
            "From above the fog: colour every point by where a walker of the first hiker "
            f"starting there ends (up to {MAX_STEPS} steps; computed coarse to fine). Grey: "
            "diverged, dark: still walking. Click a colour to start a hiker there."
        )
        self.show_basins_box.toggled.connect(self.basins_toggled)
        self.drape_box = QCheckBox("On terrain")
        self.drape_box.setToolTip("Also lay the basins on the 3-D terrain, under the fog")
        self.drape_box.setEnabled(False)
        self.show_basins_box.toggled.connect(self.drape_box.setEnabled)
        self.drape_box.toggled.connect(self.drape_toggled)
        hint = QLabel("click: place · drag: move")
        hint.setStyleSheet("color: palette(mid);")
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        controls.addWidget(QLabel("Starts"))
        controls.addWidget(self.kind)
        controls.addWidget(self.count)
        controls.addWidget(self.show_basins_box)
        controls.addWidget(self.drape_box)
        controls.addStretch(1)
        controls.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)

    # --- the surface ----------------------------------------------------------------
    def show_surface(self, surface: Surface, log: bool = False) -> None:
        """Draw ``surface`` as a shaded colour image with contours and its known minima."""
        self.surface = surface
        xmin, xmax, ymin, ymax = surface.domain
        xs, ys, loss = sample(surface, IMAGE_RES)
        finite = loss[np.isfinite(loss)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        world = WorldMap(tuple(surface.domain), low, high, log)
        self.image.setImage(_shaded_rgba(world, loss, xs, ys), autoLevels=False)
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        # Samples sit on the domain's edges: each one is the centre of its pixel.
        self.image.setRect(QRectF(xmin - dx / 2, ymin - dy / 2, xmax - xmin + dx, ymax - ymin + dy))
        self._show_contours(world, surface)
        self.minima.setData(
            [
                {
                    "pos": (m.x, m.y),
                    "symbol": "star" if m.is_global else "o",
                    "size": 15 if m.is_global else 8,
                    "brush": pg.mkBrush("#ffffff" if m.is_global else (255, 255, 255, 150)),
                    "pen": pg.mkPen("#15171a", width=1),
                    "data": m,
                }
                for m in surface.minima
            ]
        )
        self.view_box.setLimits(
            xMin=xmin - (xmax - xmin), xMax=xmax + (xmax - xmin),
            yMin=ymin - (ymax - ymin), yMax=ymax + (ymax - ymin),
        )  # fmt: skip
        self.view_box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.02)
        if not self._starts:
            self._show_start_markers((tuple(surface.start),))

    def show_basins(self, bmap: BasinMap | None) -> None:
        """Drape a basin map over the map (``None``: take it away)."""
        self.basin_map = bmap
        if bmap is None:
            self.basins.clear()
            return
        self.basins.setImage(basin_rgb(bmap, 0), autoLevels=False, levels=(0, 255))
        xmin, xmax, ymin, ymax = bmap.extent
        self.basins.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def _show_contours(self, world: WorldMap, surface: Surface) -> None:
        xs, ys, loss = sample(surface, CONTOUR_RES)
        data = np.where(np.isfinite(loss), loss, world.loss_max)  # holes: no lines inside
        share = np.linspace(0.0, 1.0, CONTOURS + 2)[1:-1]
        self.contour_levels = _loss_at_levels(world, share)
        segments = [pg.isocurve(data, level) for level in self.contour_levels]
        points = np.array([p for segment in segments for pair in segment for p in pair])
        if points.size == 0:
            self.contours.setData([], [])
            return
        # pyqtgraph returns (row, column) indices shifted by half a cell.
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.contours.setData(xs[0] + (points[:, 1] - 0.5) * dx, ys[0] + (points[:, 0] - 0.5) * dy)

    # --- the run --------------------------------------------------------------------
    def show_run(self, run: Run, colors: Sequence[str]) -> None:
        """Show ``run`` (its rows up to ``run.computed``); ``colors`` has one per optimizer."""
        count, walkers = run.xy.shape[1:3]
        colors = list(colors) or ["#ffffff"]
        self.run, self._colors = run, [colors[k % len(colors)] for k in range(count)]
        self._shown = None
        while len(self.trails) > count:
            self.plot.removeItem(self.trails.pop())
            self.plot.removeItem(self.fog.pop())
        while len(self.trails) < count:
            trail = pg.PlotDataItem(connect="finite")
            trail.setZValue(10)
            self.plot.addItem(trail, ignoreBounds=True)  # no NumPy bounds of every path, per frame
            self.trails.append(trail)
            fog = QGraphicsPathItem()
            fog.setZValue(5)
            self.plot.addItem(fog, ignoreBounds=True)
            self.fog.append(fog)
        for k, color in enumerate(self._colors):
            self.trails[k].setPen(pg.mkPen(color, width=2 if walkers < 8 else 1))
            self.fog[k].setPen(pg.mkPen(_alpha(color, 200), width=1))
            # One filled path per optimizer: overlapping circles fill once, not darker.
            self.fog[k].setBrush(pg.mkBrush(_alpha(color, 30)))
        shades = [shade for c in self._colors for shade in walker_shades(c, walkers)]
        self._brushes = np.array([pg.mkBrush(c) for c in shades], dtype=object)

    def show_step(self, step: int | np.ndarray, fog_radius: float | None = None) -> None:
        """Draw every path up to ``step`` (one for all, or one per optimizer and walker), the
        walkers there, and their fog circles.

        ``fog_radius`` is a share of the domain's longer side, or None for no fog.
        """
        run = self.run
        if run is None:
            return
        count, walkers = run.xy.shape[1:3]
        steps = np.broadcast_to(np.clip(step, 0, run.computed), (count, walkers))
        walker = np.arange(walkers)
        points = run.xy[steps, np.arange(count)[:, None], walker]  # (optimizers, walkers, 2)
        key = (run, steps.tobytes())
        if self._shown != key:
            self._shown = key
            budget = TRAIL_POINTS // (count * walkers)
            for k, trail in enumerate(self.trails):
                rows = np.arange(int(steps[k].max()) + 1)[_trail_rows(int(steps[k].max()), budget)]
                # a walker's path ends at its own step (the cost clock shows walkers apart)
                trail.setData(*_paths(run.xy[np.minimum(rows[:, None], steps[k]), k, walker]))
            self._show_positions(run, steps, points)
        self._show_fog(points, fog_radius)

    def _show_positions(self, run: Run, steps: np.ndarray, points: np.ndarray) -> None:
        outcome = outcomes(run, steps)[0].reshape(-1)
        # Shared pen and brush objects: pyqtgraph caches a symbol per pen/brush *object*.
        self.positions.setData(
            pos=points.reshape(-1, 2),
            brush=np.where(outcome == Outcome.DIVERGED, _SPENT, self._brushes),
            pen=_RINGS[outcome],
        )

    def _show_fog(self, points: np.ndarray, fog_radius: float | None) -> None:
        """One circle of clear ground around each walker; ``points`` is (optimizers, walkers, 2)."""
        for fog in self.fog:
            fog.setVisible(fog_radius is not None and self.surface is not None)
        if fog_radius is None or self.surface is None:
            return
        xmin, xmax, ymin, ymax = self.surface.domain
        radius = fog_radius * max(xmax - xmin, ymax - ymin)
        for fog, walkers in zip(self.fog, points, strict=False):
            path = QPainterPath()
            for x, y in walkers.tolist():
                path.addEllipse(QPointF(x, y), radius, radius)
            fog.setPath(path)

    # --- the starts -----------------------------------------------------------------
    def set_starts(self, starts: Sequence[tuple[float, float]]) -> None:
        """Show the scene's starts (empty: the surface's own start) without emitting."""
        self._starts = tuple((float(x), float(y)) for x, y in starts)
        if self._starts:
            self._show_start_markers(self._starts)
        elif self.surface is not None:
            self._show_start_markers((tuple(self.surface.start),))

    def starts(self) -> tuple[tuple[float, float], ...]:
        """The starts the markers show now."""
        return tuple((m.pos().x(), m.pos().y()) for m in self.start_markers)

    def _show_start_markers(self, starts: Sequence[tuple[float, float]]) -> None:
        while len(self.start_markers) > len(starts):
            self.plot.removeItem(self.start_markers.pop())
        while len(self.start_markers) < len(starts):
            marker = pg.TargetItem(
                size=13,
                symbol="o",
                pen=START_PEN,
                brush=(0, 0, 0, 90),
                hoverPen=pg.mkPen("#ffd23f", width=2),
                hoverBrush=(255, 210, 63, 90),
            )
            marker.setZValue(30)
            marker.setToolTip("A start: drag to move it")
            marker.sigPositionChangeFinished.connect(self._on_marker_position_change_finished)
            self.plot.addItem(marker)
            self.start_markers.append(marker)
        for marker, point in zip(self.start_markers, starts, strict=True):
            marker.setPos(pg.Point(*point))

    def _clip(self, x: float, y: float) -> tuple[float, float]:
        if self.surface is None:
            return float(x), float(y)
        xmin, xmax, ymin, ymax = self.surface.domain
        return float(np.clip(x, xmin, xmax)), float(np.clip(y, ymin, ymax))

    def _on_view_box_clicked(self, x: float, y: float) -> None:
        if self.surface is None:
            return
        kind = self.kind.currentData()
        starts = start_pattern(kind, self._clip(x, y), self.count.value(), self.surface.domain)
        self._show_start_markers(starts)  # seen at once; the window confirms with set_starts
        self.starts_changed.emit(starts)

    def _on_marker_position_change_finished(self, marker: pg.TargetItem) -> None:
        moved = self._clip(marker.pos().x(), marker.pos().y())
        marker.setPos(pg.Point(*moved))
        self.starts_changed.emit(self.starts())

    def _on_kind_current_index_changed(self, index: int) -> None:
        self.count.setEnabled(self.kind.itemData(index) != "single")


def _trail_rows(step: int, budget: int) -> slice | np.ndarray:
    """The rows of a path to draw: all, or past ``budget`` points a thinned selection.

    The newest half of the budget is kept whole, the older part is thinned
    evenly: many walkers over many steps stay fast to draw.
    """
    budget = max(budget, 64)
    if step + 1 <= budget:
        return slice(0, step + 1)
    recent = budget // 2
    older = np.linspace(0, step + 1 - recent, budget - recent, endpoint=False).astype(int)
    return np.concatenate([older, np.arange(step + 1 - recent, step + 1)])


def _paths(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(steps, walkers, 2) -> x and y of every walker's path, one after another, NaN between."""
    steps, walkers = xy.shape[:2]
    if walkers == 1:
        return xy[:, 0, 0], xy[:, 0, 1]
    out = np.empty((walkers, steps + 1, 2))
    out[:, :steps] = xy.transpose(1, 0, 2)
    out[:, steps] = np.nan
    out = out.reshape(-1, 2)
    return out[:, 0], out[:, 1]


def _loss_at_levels(world: WorldMap, share: np.ndarray) -> np.ndarray:
    """The losses at colour levels ``share`` (0..1): the inverse of ``world.level``."""
    span = max(world.loss_max - world.loss_min, 1e-300)
    if not world.log:
        return world.loss_min + share * span
    floor = span * 1e-5  # the same floor WorldMap.level uses
    return world.loss_min + floor * np.expm1(share * np.log1p(span / floor))


def _shaded_rgba(world: WorldMap, loss: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The terrain's colours and hill shading, seen from straight above, as RGBA bytes."""
    colors = shaded_colors(world, loss, xs, ys, colormap_levels)
    return (np.clip(colors, 0.0, 1.0) * 255).astype(np.uint8)


def _minimum_tip(x: float, y: float, data) -> str:
    kind = "global minimum" if data.is_global else "local minimum"
    return f"{kind} {data.value:.6g} at ({x:.6g}, {y:.6g})"


def _alpha(color: str, alpha: int) -> tuple[int, int, int, int]:
    c = pg.mkColor(color)
    return c.red(), c.green(), c.blue(), alpha
