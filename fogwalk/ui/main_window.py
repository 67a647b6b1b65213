"""The main window: the terrain, the panels and the menus, wired to the controller."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from ..core.above.basins import BasinMap
from ..core.above.pictures import basin_rgb
from ..core.defaults import FOG_RADIUS_RANGE
from ..core.engine import Run
from ..core.errors import FogwalkError
from ..core.export import VideoSettings
from ..core.scene import CAMERA, FOG, PLAYBACK, RUN, TERRAIN, Scene
from ..core.session import hiker_rows, resolve_surface, shown_steps
from ..render.cameras import DEFAULT_AZIMUTH
from ..render.frame import frame_at
from ..render.mesh import GroundImage, height_is_log
from ..render.overlay import legend_entries
from ..render.view import TerrainView
from .actions import build_menus
from .basins_job import BasinsJob
from .controller import Controller
from .docks import BOTTOM_SHARE, Presentation, panel_dock, restore_layout, save_layout
from .export_dialog import run_export
from .files import (
    ask_dataset,
    ask_open,
    ask_save,
    ask_trajectory,
    recent_files,
    remember,
    scene_for_path,
)
from .hyper_editor import HyperDialog
from .loading import Loader
from .loss_plot import LossPlot
from .map_panel import BASIN_OPACITY, MapPanel
from .panels import ControlsDock
from .theme import apply_theme
from .widgets import StatusLine

PANEL_SECONDS = 1 / 15  # the map and the loss plot follow playback at most this often
RADIUS_STEP = 1.15  # one +/- press or wheel notch scales the fog radius by this


class MainWindow(QMainWindow):
    """FogWalk's window. Every edit builds a new :class:`Scene` and applies it."""

    frame_shown = Signal(int)  # the step now on screen (tests and status wait on it)
    opened = Signal(str)  # a file or formula opened (its path or text) and now shown
    open_failed = Signal(str)  # why opening a file failed (after its dialog)

    def __init__(self, scene: Scene | None = None) -> None:
        super().__init__()
        apply_theme(QApplication.instance())
        self.setWindowTitle("FogWalk")
        self.resize(1600, 900)
        self.setAcceptDrops(True)
        self.controller = Controller(self)
        self.loader = Loader(self)
        self.basins_job = BasinsJob(self)
        self.shown_step = -1
        self._panels_drawn, self._panels_step = 0.0, -1  # when and at what the panels drew
        self.export_job = None
        self.video_settings = VideoSettings()
        self._ghost_item = None

        self.view = TerrainView()
        self.map_panel = MapPanel()
        self.loss_plot = LossPlot()
        self.setCentralWidget(self.view)
        self.controls = ControlsDock(self)
        self.map_dock = panel_dock("Map", self.map_panel, self)
        self.loss_dock = panel_dock("Loss", self.loss_plot, self)
        self._arrange_docks()
        restore_layout(self)  # as the user left it last time
        self.presentation = Presentation(self)
        self.surface_panel, self.hikers_panel = self.controls.surface, self.controls.hikers
        self.fog_panel, self.playback_panel = self.controls.fog, self.controls.playback
        self.recent_menu = build_menus(self)
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        self.status = StatusLine()
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.status.fps)
        self._connect()
        self.apply(scene or Scene(), force=True)
        self.controller.start()

    def _arrange_docks(self) -> None:
        """The terrain in the middle, at least 60 % of the window's width: the controls on
        the right, the map and the loss plot side by side under the terrain."""
        right, bottom = (
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.setCorner(Qt.Corner.BottomRightCorner, right)  # the controls run the full height
        self.addDockWidget(right, self.controls)
        self.addDockWidget(bottom, self.map_dock)
        self.splitDockWidget(self.map_dock, self.loss_dock, Qt.Orientation.Horizontal)
        height = round(self.height() * BOTTOM_SHARE)
        self.resizeDocks([self.map_dock], [height], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.map_dock, self.loss_dock],
            [round(height * 1.3), 3 * height],
            Qt.Orientation.Horizontal,
        )

    @property
    def scene(self) -> Scene:
        return self.controller.scene

    @property
    def run(self) -> Run | None:
        return self.controller.run

    # --- building -----------------------------------------------------------------
    def _connect(self) -> None:
        """Panels emit edits, which become new scenes; the controller says what to draw."""
        edit = self.edit
        controller = self.controller
        controller.scene_changed.connect(self._on_controller_scene_changed)
        controller.run_changed.connect(self._on_controller_run_changed)
        controller.run_progressed.connect(self._on_controller_run_progressed)
        controller.ticked.connect(self._draw)
        controller.failed.connect(self._on_controller_failed)
        controller.playing_changed.connect(self.playback_panel.show_playing)
        controller.playing_changed.connect(self.status.show_playing)
        controller.settled.connect(self.status.show_settled)
        self.view.fog_wheel.connect(self.scale_fog_radius)
        self.map_panel.starts_changed.connect(lambda starts: edit(starts=tuple(starts), play=True))
        self.map_panel.basins_toggled.connect(self._on_map_panel_basins_toggled)
        self.map_panel.drape_toggled.connect(lambda _: self._show_basins(self.map_panel.basin_map))
        self.basins_job.shown.connect(self._show_basins)
        self.basins_job.failed.connect(self._on_basins_job_failed)
        self.loss_plot.scrubbed.connect(controller.seek)
        surface = self.surface_panel
        surface.surface_changed.connect(
            lambda name: edit(surface=name, starts=(), domain=None, dataset=None, play=True)
        )
        surface.formula_entered.connect(self._on_surface_panel_formula_entered)
        surface.resolution_changed.connect(lambda r: edit(resolution=r))
        surface.height_changed.connect(lambda h: edit(height=h))
        hikers = self.hikers_panel
        hikers.enabled_changed.connect(lambda i, on: self._edit_hiker(i, enabled=on))
        hikers.color_changed.connect(lambda i, c: self._edit_hiker(i, color=c))
        hikers.lr_changed.connect(self._on_hikers_panel_lr_changed)
        hikers.remove_requested.connect(lambda i: self.apply(self.scene.removing(i)))
        hikers.add_requested.connect(lambda name: self.apply(self.scene.adding(name)))
        hikers.edit_requested.connect(self._on_hikers_panel_edit_requested)
        hikers.duplicate_requested.connect(lambda i: self.apply(self.scene.duplicating(i)))
        self.fog_panel.fog_changed.connect(lambda fog: edit(fog=fog))
        playback = self.playback_panel
        playback.scrubbed.connect(controller.seek)
        playback.play_toggled.connect(controller.toggle_play)
        playback.step_requested.connect(controller.step_once)
        playback.reset_requested.connect(controller.rewind)
        playback.speed_changed.connect(lambda v: edit(speed=v))
        playback.clock_changed.connect(lambda clock: edit(clock=clock))
        playback.show_playing(controller.playing)

    # --- applying scenes ------------------------------------------------------------
    def apply(self, scene: Scene, *, force: bool = False) -> None:
        """Make ``scene`` current: redraw, re-terrain or rerun only what it changed."""
        self.controller.apply(scene, force=force)

    def edit(self, *, play: bool = False, **changes) -> None:
        """Apply the current scene with some fields replaced (and play, for a new walk)."""
        self.apply(replace(self.scene, **changes))
        if play:
            self.controller.set_playing(True)

    def _edit_hiker(self, index: int, **changes) -> None:
        self.apply(self.scene.with_hiker(index, **changes))

    def _on_controller_scene_changed(self, scene: Scene, changes: frozenset) -> None:
        if TERRAIN in changes:
            self.setCursor(Qt.CursorShape.WaitCursor)
            try:
                surface = resolve_surface(scene)
                self.view.set_terrain(surface, scene.resolution, scene.height)
                self.map_panel.show_surface(surface, height_is_log(surface, scene.height))
            finally:
                self.unsetCursor()
        if FOG in changes:
            self.view.set_fog(scene.fog)
        walkers = max(1, len(scene.starts))
        self.view.set_layout(scene.layout, [(h.spec, h.color, walkers) for h in scene.walking])
        if CAMERA in changes:
            self.view.set_camera_mode(scene.camera)
        if RUN in changes:
            self.map_panel.set_starts(scene.starts)
        if PLAYBACK in changes:
            self.loss_plot.set_clock(scene.clock, scene.costs)
        if (TERRAIN in changes or RUN in changes) and self.map_panel.show_basins_box.isChecked():
            self._request_basins()
        self.controls.show_scene(scene)
        self._draw(force=True)

    def _on_map_panel_basins_toggled(self, on: bool) -> None:
        if on:
            self._request_basins()
        else:
            self.basins_job.cancel()
            self._show_basins(None)

    def _request_basins(self) -> None:
        """Basins for this scene; the old ones go when they belonged to another (a moved
        start or a colour changes nothing the basins depend on)."""
        if self.basins_job.request(self.scene):
            self._show_basins(None)

    def _show_basins(self, bmap: BasinMap | None) -> None:
        """The basins (None: none) on the map, and on the terrain when asked."""
        self.map_panel.show_basins(bmap)
        drape = bmap is not None and self.map_panel.drape_box.isChecked()
        self.view.set_ground_image(
            GroundImage(basin_rgb(bmap, 0), bmap.extent, BASIN_OPACITY) if drape else None
        )

    def _on_basins_job_failed(self, message: str) -> None:
        self.map_panel.show_basins_box.setChecked(False)
        QMessageBox.warning(self, "Basins", f"The basins could not be computed: {message}")

    def _on_controller_run_changed(self, run: Run | None) -> None:
        self.shown_step = -1
        if run is not None:
            walking = self.scene.walking
            colors = [h.color for h in walking]
            self.map_panel.show_run(run, colors)
            labels = [h.spec for h in walking]
            self.loss_plot.show_run(run, colors, labels, self.scene.costs)
        self._draw(force=True)

    def _on_controller_run_progressed(self, run: Run) -> None:
        self.map_panel.show_run(run, [h.color for h in self.scene.walking])
        self.loss_plot.update_to(run.computed, run)
        self.playback_panel.show_position(
            self.shown_step, int(self.controller.reach()), self.scene.steps
        )

    def _on_controller_failed(self, message: str) -> None:
        QMessageBox.warning(self, "FogWalk cannot run this scene", message)

    # --- drawing -------------------------------------------------------------------------
    def _draw(self, force: bool = False) -> None:
        run, tick = self.run, self.controller.step()
        if run is None or tick is None:
            if force:
                self.view.show_frame(None)
            return
        scene = self.scene
        if tick == self.shown_step and not force:
            if self._panels_step != tick and not self.controller.playing:
                self._draw_panels(shown_steps(scene, run, tick), tick)  # catch up once paused
            return
        steps = shown_steps(scene, run, tick)
        self.view.show_frame(frame_at(run, steps), scene.steps)
        now = time.perf_counter()
        if force or not self.controller.playing or now - self._panels_drawn >= PANEL_SECONDS:
            self._draw_panels(steps, tick)
        self.shown_step = tick
        rows = hiker_rows(scene, run, tick)
        self.view.legend = legend_entries(rows)
        self.status.show_step(tick, rows, scene.clock)
        self.playback_panel.show_position(tick, int(self.controller.reach()), scene.steps)
        self.frame_shown.emit(tick)

    def _draw_panels(self, steps: np.ndarray, tick: int) -> None:
        """The map and the loss plot at ``tick``: while playing, at most every
        :data:`PANEL_SECONDS` (each redraw costs about what a terrain frame does)."""
        fog = self.scene.fog
        self.map_panel.show_step(steps, fog.radius if fog.enabled else None)
        self.loss_plot.show_step(tick, steps[:, 0])
        self._panels_drawn, self._panels_step = time.perf_counter(), tick

    # --- view ----------------------------------------------------------------------------
    def toggle_fog(self) -> None:
        self.edit(fog=replace(self.scene.fog, enabled=not self.scene.fog.enabled))

    def scale_fog_radius(self, notches: float) -> None:
        radius = float(np.clip(self.scene.fog.radius * RADIUS_STEP**notches, *FOG_RADIUS_RANGE))
        self.edit(fog=replace(self.scene.fog, radius=radius))

    def toggle_clock(self) -> None:
        """Play by steps or by cost (every hiker the same measurement budget a tick)."""
        self.edit(clock="cost" if self.scene.clock == "steps" else "steps")

    def toggle_layout(self) -> None:
        self.edit(layout="split" if self.scene.layout == "overlay" else "overlay")

    def set_camera(self, mode: str) -> None:
        self.edit(camera=mode)

    def camera_preset(self, elevation: float) -> None:
        """A preset over the free camera: looking straight down, or from near the ground,
        at the whole terrain, x to the right as on the map."""
        self.edit(camera="orbit")
        self.view.fit_camera(elevation, DEFAULT_AZIMUTH)

    def reset_camera(self) -> None:
        self.edit(camera="orbit")
        self.view.reset_camera()

    # --- hikers ---------------------------------------------------------------------------
    def _on_hikers_panel_lr_changed(self, index: int, lr: float) -> None:
        self._edit_hiker(index, spec=self.scene.hikers[index].optimizer.with_params(lr=lr).spec)

    def _on_hikers_panel_edit_requested(self, index: int) -> None:
        spec = HyperDialog.edit(self.scene.hikers[index].spec, self)
        if spec is not None:
            self._edit_hiker(index, spec=spec)

    # --- files ------------------------------------------------------------------------------
    def open_file(self) -> None:
        path = ask_open(self)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a scenario or a surface file, read on the loading thread: the window stays
        live. Then :attr:`opened` is emitted, or a dialog names the file and the reason
        (and :attr:`open_failed`); the current scene stays until the new one is read."""
        try:
            dataset = ask_dataset(path, self)
        except FogwalkError as error:
            self._on_open_failed(path, str(error))
            return
        current = self.scene
        self.statusBar().showMessage(f"Opening {path} …")
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.loader.load(
            lambda: scene_for_path(path, current, dataset),
            lambda result: self._on_opened(path, *result),
            lambda message: self._on_open_failed(path, message),
        )

    def _on_opened(self, path: str, scene: Scene, settings: VideoSettings | None) -> None:
        self.unsetCursor()
        if settings is not None:
            self.video_settings = settings
        self.apply(scene)
        self.controller.set_playing(True)
        remember(str(Path(path).resolve()))
        self.statusBar().showMessage(f"Opened {path}", 5000)
        self.opened.emit(path)

    def _on_open_failed(self, path: str, message: str) -> None:
        self.unsetCursor()
        self.statusBar().clearMessage()
        if message != "opening cancelled":
            QMessageBox.warning(self, "Cannot open", message)
        self.open_failed.emit(message)

    def save_scenario(self) -> None:
        path = ask_save(self, self.scene, self.video_settings)
        if path:
            remember(path)
            self.statusBar().showMessage(f"Saved {path}", 5000)

    def open_trajectory(self) -> None:
        points = ask_trajectory(self)
        if points is not None:
            self.show_ghost(points)

    def show_ghost(self, points) -> None:
        """A real training trajectory (loss-landscape projection) drawn beside the hikers."""
        if self._ghost_item is not None:
            self.map_panel.plot.removeItem(self._ghost_item)
        pen = pg.mkPen("#e8e8e8", width=2, style=Qt.PenStyle.DashLine)
        self._ghost_item = self.map_panel.plot.plot(points[:, 0], points[:, 1], pen=pen)
        self.view.set_ghost(points)

    def _on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        for path in recent_files():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        self.recent_menu.setEnabled(True)

    def _on_surface_panel_formula_entered(self, text: str) -> None:
        """A formula is parsed, derived and compiled on the loading thread; its error is
        shown under the field, and the current surface stays until it is ready."""
        wanted = replace(self.scene, surface=text, dataset=None, starts=())
        self.surface_panel.show_formula_error("")
        self.loader.load(
            lambda: resolve_surface(wanted),
            lambda _surface: self._on_formula_ready(text),
            self.surface_panel.show_formula_error,
        )

    def _on_formula_ready(self, text: str) -> None:
        self.edit(surface=text, dataset=None, starts=(), play=True)  # found cached: at once
        self.opened.emit(text)

    def dragEnterEvent(self, event) -> None:  # a Qt override: files dropped on the window
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # a Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
                event.acceptProposedAction()
                return

    # --- export and closing ---------------------------------------------------------------
    def export_video(self) -> None:
        """File ▸ Export Video: the same view code renders every frame, offscreen."""
        title = resolve_surface(self.scene).label
        self.export_job = run_export(
            self, self.controller, title, self.view.export_camera(), self.video_settings
        )

    def closeEvent(self, event) -> None:  # a Qt override
        if self.export_job is not None:
            self.export_job.cancel()  # its partial file goes with it
        self.presentation.leave()  # the layout is remembered as it is outside it
        save_layout(self)
        self.controller.stop()
        self.loader.shutdown()
        self.basins_job.shutdown()
        super().closeEvent(event)
