"""The main window: the terrain, the panels, playback, and the controller that ties them."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import Engine, Run
from ..core.errors import FogwalkError
from ..core.export import VideoSettings
from ..core.optimizers import make_optimizer, parse_spec
from ..core.scene import Hiker, Scene
from ..render.frame import frame_at, status_mark
from ..render.mesh import height_is_log
from ..render.view import TerrainView
from .export_dialog import run_export
from .files import ask_open, ask_save, ask_trajectory, recent_files, remember, scene_for_path
from .hyper_editor import HyperDialog
from .loss_plot import LossPlot
from .map_panel import MapPanel
from .panels import MAX_SPEED, FogPanel, HikersPanel, PlaybackPanel, SurfacePanel
from .worker import SimulationThread

FRAME_MS = 16  # the playback clock: up to 60 frames per second
LEAD_SECONDS = 4.0  # the engine computes this much playback ahead of the screen
MIN_LEAD = 400
RADIUS_STEP = 1.15  # one +/- press or wheel notch scales the fog radius by this


class MainWindow(QMainWindow):
    """FogWalk's window. Every edit builds a new :class:`Scene` and applies it."""

    frame_shown = Signal(int)  # the step now on screen (tests and status wait on it)

    def __init__(self, scene: Scene | None = None) -> None:
        super().__init__()
        self.setWindowTitle("FogWalk")
        self.resize(1600, 900)
        self.scene = Scene()
        self.simulation = SimulationThread(self)
        self.simulation.worker.started.connect(self._on_worker_started)
        self.simulation.worker.progressed.connect(self._on_worker_progressed)
        self.simulation.worker.failed.connect(self._on_worker_failed)
        self.run: Run | None = None
        self.engine: Engine | None = None
        self.position = 0.0  # the playback clock, in (fractional) steps
        self.playing = True
        self.shown_step = -1
        self._frame_times: list[float] = []
        self.export_job = None
        self.video_settings = VideoSettings()
        self._ghost_item = None
        self.setAcceptDrops(True)
        self._last_tick = time.perf_counter()

        self.view = TerrainView()
        self.view.fog_wheel.connect(self._on_view_fog_wheel)
        self.map_panel = MapPanel()
        self.map_panel.starts_changed.connect(self._on_map_panel_starts_changed)
        self.loss_plot = LossPlot()
        self.loss_plot.scrubbed.connect(self._on_scrubbed)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.map_panel)
        side.addWidget(self.loss_plot)
        central = QSplitter(Qt.Orientation.Horizontal)
        central.addWidget(self.view)
        central.addWidget(side)
        central.setStretchFactor(0, 3)
        central.setStretchFactor(1, 2)
        self.setCentralWidget(central)
        self._build_panels()
        self._build_actions()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.statusBar().addWidget(self.status, 1)
        self.fps_label = QLabel()
        self.statusBar().addPermanentWidget(self.fps_label)

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.apply(scene or Scene(), force=True)
        self.timer.start()

    # --- building -----------------------------------------------------------------
    def _build_panels(self) -> None:
        self.surface_panel = SurfacePanel()
        self.hikers_panel = HikersPanel()
        self.fog_panel = FogPanel()
        self.playback_panel = PlaybackPanel()
        column = QWidget()
        layout = QVBoxLayout(column)
        for panel in (self.surface_panel, self.hikers_panel, self.fog_panel, self.playback_panel):
            layout.addWidget(panel)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(400)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        self.surface_panel.surface_changed.connect(self._on_surface_panel_surface_changed)
        self.surface_panel.formula_entered.connect(self._on_surface_panel_formula_entered)
        self.surface_panel.resolution_changed.connect(
            lambda r: self.apply(replace(self.scene, resolution=r))
        )
        self.surface_panel.height_changed.connect(
            lambda h: self.apply(replace(self.scene, height=h))
        )
        self.hikers_panel.enabled_changed.connect(
            lambda i, on: self.apply(self.scene.with_hiker(i, enabled=on))
        )
        self.hikers_panel.color_changed.connect(
            lambda i, c: self.apply(self.scene.with_hiker(i, color=c))
        )
        self.hikers_panel.lr_changed.connect(self._on_hikers_panel_lr_changed)
        self.hikers_panel.remove_requested.connect(self._on_hikers_panel_remove_requested)
        self.hikers_panel.add_requested.connect(self._on_hikers_panel_add_requested)
        self.hikers_panel.edit_requested.connect(self._on_hikers_panel_edit_requested)
        self.hikers_panel.duplicate_requested.connect(self._on_hikers_panel_duplicate_requested)
        self.playback_panel.scrubbed.connect(self._on_scrubbed)
        self.fog_panel.fog_changed.connect(lambda fog: self.apply(replace(self.scene, fog=fog)))
        self.playback_panel.play_toggled.connect(self.toggle_play)
        self.playback_panel.step_requested.connect(self.step_once)
        self.playback_panel.reset_requested.connect(self.reset)
        self.playback_panel.speed_changed.connect(
            lambda v: self.apply(replace(self.scene, speed=v))
        )

    def _build_actions(self) -> None:
        menus = {name: self.menuBar().addMenu(name) for name in ("&File", "&View", "&Playback")}
        entries = [
            ("&File", "&Open…", [QKeySequence.StandardKey.Open], self.open_file),
            ("&File", "&Save Scenario…", [QKeySequence.StandardKey.Save], self.save_scenario),
            ("&File", "Open &Trajectory…", [], self.open_trajectory),
            ("&File", "&Export Video…", ["Ctrl+E"], self.export_video),
            ("&File", "&Quit", [QKeySequence.StandardKey.Quit], self.close),
            ("&View", "&Fog on/off", ["F"], self.toggle_fog),
            ("&View", "Fog radius &larger", ["+", "="], lambda: self.scale_fog_radius(1)),
            ("&View", "Fog radius &smaller", ["-"], lambda: self.scale_fog_radius(-1)),
            ("&View", "&Overlay / split layout", ["L"], self.toggle_layout),
            ("&View", "Orbit camera", ["1"], lambda: self.set_camera("orbit")),
            ("&View", "Follow camera", ["2"], lambda: self.set_camera("follow")),
            ("&View", "Hiker's eye", ["3"], lambda: self.set_camera("eye")),
            ("&View", "&Top view", ["T"], lambda: self._camera_preset(elevation=89.0)),
            ("&View", "&Low view", ["G"], lambda: self._camera_preset(elevation=10.0)),
            ("&View", "Reset &camera", ["Home"], self._on_reset_camera),
            ("&Playback", "&Play/pause", ["Space"], self.toggle_play),
            ("&Playback", "&Step", ["Right"], self.step_once),
            ("&Playback", "&Reset", ["R"], self.reset),
        ]
        self.recent_menu = menus["&File"].addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        for menu, text, keys, slot in entries:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) if isinstance(k, str) else k for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(slot)
            menus[menu].addAction(action)
            self.addAction(action)

    # --- the controller --------------------------------------------------------------
    def apply(self, scene: Scene, *, force: bool = False) -> None:
        """Make ``scene`` current: redraw, re-terrain or rerun only what it changed."""
        old, self.scene = self.scene, scene
        if force or (old.surface, old.resolution, old.height) != (
            scene.surface,
            scene.resolution,
            scene.height,
        ):
            self.setCursor(Qt.CursorShape.WaitCursor)
            try:
                surface = scene.load_surface()
                self.view.set_terrain(surface, scene.resolution, scene.height)
                self.map_panel.show_surface(surface, height_is_log(surface, scene.height))
            finally:
                self.unsetCursor()
        if force or old.fog != scene.fog:
            self.view.set_fog(scene.fog)
        walkers = max(1, len(scene.starts))
        self.view.set_layout(scene.layout, [(h.spec, h.color, walkers) for h in scene.walking])
        if force or old.camera != scene.camera:
            self.view.set_camera_mode(scene.camera)
        if force or (old.surface, old.walking, old.starts, old.steps) != (
            scene.surface,
            scene.walking,
            scene.starts,
            scene.steps,
        ):
            self._restart()
        for panel in (self.surface_panel, self.hikers_panel, self.fog_panel, self.playback_panel):
            panel.show_scene(scene)
        self._draw(force=True)

    def _restart(self) -> None:
        """Start the engine again from step 0 for the current scene."""
        self.run, self.engine = None, None
        self.position, self.shown_step = 0.0, -1
        self.map_panel.set_starts(self.scene.starts)
        walking = self.scene.walking
        if not walking:
            self.simulation.cancel()  # nothing to walk
            return
        surface = self.scene.load_surface()
        starts = self.scene.starts or (surface.start,)
        optimizers = [make_optimizer(h.spec) for h in walking]
        self.simulation.submit(surface, optimizers, starts, self.scene.steps, self._horizon())

    def _horizon(self) -> int:
        """How far the engine may compute: a few seconds of playback past the screen."""
        return int(self.position + max(MIN_LEAD, LEAD_SECONDS * self.scene.speed))

    # --- worker signals -----------------------------------------------------------------
    def _on_worker_started(self, generation: int, engine: Engine) -> None:
        if generation == self.simulation.generation:
            self.engine = engine
            self.run = engine.result()
            colors = [h.color for h in self.scene.walking]
            self.map_panel.show_run(self.run, colors)
            self.loss_plot.show_run(self.run, colors, [h.spec for h in self.scene.walking])
            self._draw(force=True)

    def _on_worker_progressed(self, generation: int, computed: int) -> None:
        if generation == self.simulation.generation and self.engine is not None:
            self.run = self.engine.result()
            self.map_panel.show_run(self.run, [h.color for h in self.scene.walking])
            self.loss_plot.update_to(computed)
            self.playback_panel.show_position(self.shown_step, computed, self.scene.steps)

    def _on_worker_failed(self, generation: int, message: str) -> None:
        if generation == self.simulation.generation:
            QMessageBox.warning(self, "FogWalk cannot run this scene", message)

    # --- playback -----------------------------------------------------------------------
    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        if self.playing and self.run is not None:
            if self.scene.speed >= MAX_SPEED:
                self.position = float(self.run.computed)  # as fast as the engine goes
            self.position += self.scene.speed * min(elapsed, 0.25)
            self.position = min(self.position, float(self.run.computed))  # wait for the engine
            if self.position >= self.scene.steps:
                self.set_playing(False)  # the end: only once the engine got there too
        self.simulation.set_horizon(self._horizon())
        self._draw()

    def _draw(self, force: bool = False) -> None:
        run = self.run
        if run is None:
            if force:
                self.view.show_frame(None)
            return
        step = min(math.floor(self.position), run.computed)
        if step == self.shown_step and not force:
            return
        frame = frame_at(run, step)
        self.view.show_frame(frame, self.scene.steps)
        fog = self.scene.fog
        self.map_panel.show_step(step, fog.radius if fog.enabled else None)
        self.loss_plot.show_step(step)
        self.shown_step = step
        self._count_frame()
        self._show_status(run, step)
        self.playback_panel.show_position(step, run.computed, self.scene.steps)
        self.frame_shown.emit(step)

    def _count_frame(self) -> None:
        now = time.perf_counter()
        self._frame_times = [t for t in self._frame_times if now - t < 1.0] + [now]
        self.fps_label.setText(f"{len(self._frame_times)} fps")

    def _show_status(self, run: Run, step: int) -> None:
        walkers = run.xy.shape[2]
        statuses = run.status_at(step)
        parts = [f"step <b>{step}</b>"]
        for k, hiker in enumerate(self.scene.walking[: len(run.optimizers)]):
            loss = run.loss[step, k, 0]
            mark = f" {status_mark(statuses[k, 0])}".rstrip()
            more = f" (+{walkers - 1})" if walkers > 1 else ""
            name = parse_spec(hiker.spec)[0]  # per frame: no need to build the optimizer
            parts.append(
                f"<span style='color:{hiker.color}'>●</span> {name} {loss:.5g}{mark}{more}"
            )
        evals = int(np.minimum(step, np.where(run.status_step >= 0, run.status_step, step)).max())
        parts.append(f"{evals + 1} slope measurements")
        self.status.setText(" &nbsp;·&nbsp; ".join(parts))

    def set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.playback_panel.show_playing(playing)

    def toggle_play(self) -> None:
        if not self.playing and self.run is not None and self.position >= self.scene.steps:
            self.position = 0.0  # play again from the start
        self.set_playing(not self.playing)

    def step_once(self) -> None:
        self.set_playing(False)
        if self.run is not None:
            self.position = float(min(math.floor(self.position) + 1, self.run.computed))
        self._draw()

    def reset(self) -> None:
        self.position = 0.0
        self._draw(force=True)

    # --- fog ----------------------------------------------------------------------------
    def toggle_fog(self) -> None:
        self.apply(
            replace(self.scene, fog=replace(self.scene.fog, enabled=not self.scene.fog.enabled))
        )

    def scale_fog_radius(self, notches: float) -> None:
        radius = float(np.clip(self.scene.fog.radius * RADIUS_STEP**notches, 0.02, 1.0))
        self.apply(replace(self.scene, fog=replace(self.scene.fog, radius=radius)))

    def _on_view_fog_wheel(self, notches: float) -> None:
        self.scale_fog_radius(notches)

    # --- layout and cameras ---------------------------------------------------------------
    def toggle_layout(self) -> None:
        layout = "split" if self.scene.layout == "overlay" else "overlay"
        self.apply(replace(self.scene, layout=layout))

    def set_camera(self, mode: str) -> None:
        self.apply(replace(self.scene, camera=mode))

    def _camera_preset(self, **changes) -> None:
        """A preset over the free camera: looking straight down, or from near the ground."""
        self.apply(replace(self.scene, camera="orbit"))
        self.view.set_camera_state({**self.view.camera_state(), **changes})

    def _on_reset_camera(self) -> None:
        self.apply(replace(self.scene, camera="orbit"))
        self.view.reset_camera()

    # --- hikers ---------------------------------------------------------------------------
    def _on_surface_panel_surface_changed(self, name: str) -> None:
        self.apply(replace(self.scene, surface=name, starts=(), domain=None, dataset=None))
        self.set_playing(True)

    def _on_hikers_panel_lr_changed(self, index: int, lr: float) -> None:
        spec = make_optimizer(self.scene.hikers[index].spec).with_params(lr=lr).spec
        self.apply(self.scene.with_hiker(index, spec=spec))

    def _on_hikers_panel_remove_requested(self, index: int) -> None:
        hikers = self.scene.hikers[:index] + self.scene.hikers[index + 1 :]
        self.apply(replace(self.scene, hikers=hikers))

    def _on_hikers_panel_edit_requested(self, index: int) -> None:
        spec = HyperDialog.edit(self.scene.hikers[index].spec, self)
        if spec is not None:
            self.apply(self.scene.with_hiker(index, spec=spec))

    def _on_hikers_panel_duplicate_requested(self, index: int) -> None:
        copy = replace(self.scene.hikers[index], color=self.scene.next_color())
        hikers = list(self.scene.hikers)
        hikers.insert(index + 1, copy)
        self.apply(replace(self.scene, hikers=tuple(hikers)))

    def _on_map_panel_starts_changed(self, starts: tuple) -> None:
        self.apply(replace(self.scene, starts=tuple(starts)))
        self.set_playing(True)

    def _on_scrubbed(self, step: int) -> None:
        self.set_playing(False)
        self.position = float(step)
        self._draw()

    def _on_hikers_panel_add_requested(self, name: str) -> None:
        hiker = Hiker(make_optimizer(name).spec, self.scene.next_color())
        self.apply(replace(self.scene, hikers=(*self.scene.hikers, hiker)))

    # --- files ------------------------------------------------------------------------------
    def open_file(self) -> None:
        path = ask_open(self)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open a scenario or a surface file; a bad one gets a dialog naming the file."""
        try:
            scene, settings = scene_for_path(path, self.scene, self)
        except FogwalkError as error:
            if str(error) != "opening cancelled":
                QMessageBox.warning(self, "Cannot open", str(error))
            return False
        if settings is not None:
            self.video_settings = settings
        self.apply(scene)
        self.set_playing(True)
        remember(str(Path(path).resolve()))
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

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
        scene = replace(self.scene, surface=text, domain=self.scene.domain, dataset=None, starts=())
        try:
            scene.load_surface()
        except FogwalkError as error:
            self.surface_panel.show_formula_error(str(error))
            return
        self.surface_panel.show_formula_error("")
        self.apply(scene)
        self.set_playing(True)

    def dragEnterEvent(self, event) -> None:  # a Qt override: files dropped on the window
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # a Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
                event.acceptProposedAction()
                return

    # --- export ------------------------------------------------------------------------------
    def export_video(self) -> None:
        """File ▸ Export Video: the same view code renders every frame, offscreen."""
        title = self.scene.load_surface().label
        self.export_job = run_export(
            self, self.scene, title, self.view.camera_state(), self.video_settings
        )

    # --- closing ----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.simulation.stop()
        super().closeEvent(event)
