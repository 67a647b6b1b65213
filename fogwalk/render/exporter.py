"""Video frames of a scene, drawn by the same terrain view as the window, and their export."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt

from ..core.engine import Engine, Run
from ..core.errors import FogwalkError
from ..core.export import VideoSettings, frame_steps, grid_shape
from ..core.optimizers import make_optimizer
from ..core.scene import Scene
from ..core.video import VideoWriter
from .frame import frame_at, status_mark
from .overlay import LegendEntry, burn_overlays
from .view import TerrainView

ORBIT_DEGREES_PER_SECOND = 12.0


class ExportCancelledError(FogwalkError):
    """The user stopped the export; nothing was written."""


def compute_run(scene: Scene, last_step: int | None = None) -> Run:
    """Simulate the scene to its last step (or ``last_step``) in one go."""
    surface = scene.load_surface()
    optimizers = [make_optimizer(h.spec) for h in scene.walking]
    if not optimizers:
        raise FogwalkError("the scene has no hiker to export")
    steps = scene.steps if last_step is None else min(scene.steps, last_step)
    engine = Engine(surface, optimizers, scene.starts or (surface.start,), steps)
    engine.advance(steps)
    return engine.result()


class FrameRenderer:
    """Frame ``i`` of a video, depending only on the scene, the settings and ``i``.

    It draws with its own hidden :class:`TerrainView`, so an export never
    disturbs the window's view; the split layout draws a cell per optimizer,
    each labelled with its name and loss.
    """

    def __init__(self, scene: Scene, run: Run, settings: VideoSettings, camera=None) -> None:
        self.scene, self.run, self.settings = scene, run, settings
        self.steps = frame_steps(settings, run.steps)
        walkers = run.xy.shape[2]
        self.groups = [(h.spec, h.color, walkers) for h in scene.walking]
        self.split = settings.layout == "split" and len(self.groups) > 1
        rows = grid_shape(len(self.groups))[0] if self.split else 1
        self.view = TerrainView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.view.resize(settings.width, settings.height)
        self.view.marker_scale = max(settings.height / rows / 720.0, 0.6)
        self.view.show()
        self.view.set_terrain(run.surface, scene.resolution, scene.height)
        self.view.set_fog(scene.fog)
        self.view.set_layout("split" if self.split else "overlay", self.groups)
        self.camera = camera or self.view.camera_state()
        self.view.camera_mode = {"still": scene.camera, "orbit": "orbit", "follow": "follow"}[
            settings.camera
        ]

    def __len__(self) -> int:
        return len(self.steps)

    def render(self, index: int) -> np.ndarray:
        """The RGB pixels (height, width, 3) of frame ``index``."""
        step = int(self.steps[index])
        state = dict(self.camera)
        if self.settings.camera == "orbit":
            state["azimuth"] += ORBIT_DEGREES_PER_SECOND * index / self.settings.fps
        self.view.set_camera_state(state)  # driven cameras then move from here
        self.view.show_frame(frame_at(self.run, step), self.run.steps)
        pixels = self.view.render_array(self.settings.width, self.settings.height)
        if self.split:
            self._label_cells(pixels, step)
        return self._overlay(pixels, step)

    def _label_cells(self, pixels: np.ndarray, step: int) -> None:
        height, width = pixels.shape[:2]
        rows, columns = grid_shape(len(self.groups))
        cell_w, cell_h = width // columns, height // rows
        statuses = self.run.status_at(step)
        for k, (label, color, _) in enumerate(self.groups):
            row, column = divmod(k, columns)
            cell = pixels[
                row * cell_h : (row + 1) * cell_h, column * cell_w : (column + 1) * cell_w
            ]
            mark = status_mark(statuses[k, 0])
            loss = float(self.run.loss[step, k, 0]) if self.settings.losses else None
            burn_overlays(cell, legend=[LegendEntry(label, color, loss, mark)])

    def _overlay(self, pixels: np.ndarray, step: int) -> np.ndarray:
        settings = self.settings
        legend = []
        if settings.legend and not self.split:
            statuses = self.run.status_at(step)
            for k, hiker in enumerate(self.scene.walking):
                mark = status_mark(statuses[k, 0])
                loss = float(self.run.loss[step, k, 0]) if settings.losses else None
                legend.append(LegendEntry(hiker.spec, hiker.color, loss, mark))
        counter = f"step {step} / {self.run.steps}" if settings.counter else ""
        return burn_overlays(pixels, title=settings.title, legend=legend, counter=counter)

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


def export_video(
    scene: Scene,
    settings: VideoSettings,
    path,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Render every frame and encode it to ``path``; returns the number of frames.

    Nothing is left at ``path`` unless the whole video was written.
    """
    run = compute_run(scene, settings.last_step)
    renderer = FrameRenderer(scene, run, settings)
    try:
        total = len(renderer)
        with VideoWriter(
            path, settings.width, settings.height, settings.fps, overwrite=overwrite
        ) as writer:
            for index in range(total):
                if cancelled():
                    raise ExportCancelledError("export cancelled; nothing was written")
                writer.write(renderer.render(index))
                if progress is not None:
                    progress(index + 1, total)
        return total
    finally:
        renderer.close()
