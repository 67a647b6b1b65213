"""Video frames of a scene, drawn by the same terrain view as the window, and their export."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt

from ..core.engine import Engine, Run, Status
from ..core.errors import FogwalkError
from ..core.export import VideoSettings, frame_steps
from ..core.optimizers import make_optimizer
from ..core.scene import Scene
from ..core.surfaces import get_surface
from ..core.video import VideoWriter
from .frame import frame_at
from .overlay import LegendEntry, burn_overlays
from .view import TerrainView

ORBIT_DEGREES_PER_SECOND = 12.0
FOLLOW_SMOOTHING = 25  # steps: the follow camera looks at the hiker's recent mean position


class ExportCancelledError(FogwalkError):
    """The user stopped the export; nothing was written."""


def compute_run(scene: Scene, last_step: int | None = None) -> Run:
    """Simulate the scene to its last step (or ``last_step``) in one go."""
    surface = get_surface(scene.surface)
    optimizers = [make_optimizer(h.spec) for h in scene.walking]
    if not optimizers:
        raise FogwalkError("the scene has no hiker to export")
    steps = scene.steps if last_step is None else min(scene.steps, last_step)
    engine = Engine(surface, optimizers, scene.starts or (surface.start,), steps)
    engine.advance(steps)
    return engine.result()


class FrameRenderer:
    """Frame ``i`` of a video, depending only on the scene, the settings and ``i``.

    It draws with its own hidden :class:`TerrainView` of exactly the video's
    size, so an export never disturbs the window's view.
    """

    def __init__(self, scene: Scene, run: Run, settings: VideoSettings, camera=None) -> None:
        self.scene, self.run, self.settings = scene, run, settings
        self.steps = frame_steps(settings, run.steps)
        self.view = TerrainView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.view.resize(settings.width, settings.height)
        self.view.marker_scale = max(settings.height / 720.0, 0.6)
        self.view.show()
        self.view.set_terrain(run.surface, scene.resolution, scene.height)
        self.view.set_fog(scene.fog)
        walkers = run.xy.shape[2]
        self.colors = [h.color for h in scene.walking for _ in range(walkers)]
        self.view.set_hiker_colors(self.colors)
        self.camera = camera or self.view.camera_state()

    def __len__(self) -> int:
        return len(self.steps)

    def render(self, index: int) -> np.ndarray:
        """The RGB pixels (height, width, 3) of frame ``index``."""
        step = int(self.steps[index])
        self._place_camera(index, step)
        self.view.show_frame(frame_at(self.run, step))
        pixels = self.view.render_array(self.settings.width, self.settings.height)
        return self._overlay(pixels, step)

    def _place_camera(self, index: int, step: int) -> None:
        state = dict(self.camera)
        if self.settings.camera == "orbit":
            seconds = index / self.settings.fps
            state["azimuth"] = state["azimuth"] + ORBIT_DEGREES_PER_SECOND * seconds
        elif self.settings.camera == "follow":
            recent = self.run.xy[max(0, step - FOLLOW_SMOOTHING) : step + 1, 0, 0]
            loss = self.run.loss[max(0, step - FOLLOW_SMOOTHING) : step + 1, 0, 0]
            world = self.view.mesh.world
            x, y = world.xy(*recent.mean(axis=0))
            state["center"] = (float(x), float(y), float(world.z(loss.mean())))
            state["distance"] = state["distance"] * 0.55
        self.view.set_camera_state(state)

    def _overlay(self, pixels: np.ndarray, step: int) -> np.ndarray:
        settings = self.settings
        legend = []
        if settings.legend:
            statuses = self.run.status_at(step)
            for k, hiker in enumerate(self.scene.walking):
                status = statuses[k, 0]
                mark = {Status.CONVERGED: "✓", Status.DIVERGED: "✗"}.get(status, "")
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
