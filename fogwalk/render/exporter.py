"""The one export loop: a scene's frames, drawn by the window's own view code, then encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from ..core.clock import reach, tick_label
from ..core.engine import Run
from ..core.errors import FogwalkError
from ..core.export import VideoSettings, frame_steps
from ..core.scene import Scene
from ..core.session import compute_run, hiker_rows, resolve_surface, shown_steps, video_steps
from ..core.sizes import check_export_size, frame_total
from .encoder import VideoWriter
from .frame import frame_at
from .overlay import burn_overlays, legend_entries
from .view import TerrainView

ORBIT_DEGREES_PER_SECOND = 12.0


class ExportCancelledError(FogwalkError):
    """The user stopped the export; nothing was written."""


class FrameRenderer:
    """Frame ``i`` of a video, depending only on the scene, the settings, the run and ``i``.

    It draws with its own hidden :class:`TerrainView`, so an export never
    disturbs the window's view; the split layout draws a cell per optimizer,
    each labelled (by the view, as on screen) with its name and loss.
    """

    def __init__(self, scene: Scene, settings: VideoSettings, camera: dict | None = None) -> None:
        self.scene, self.settings = scene, settings
        self.total = frame_total(scene, settings)
        check_export_size(scene, settings)  # before the schedule is listed
        self.steps = frame_steps(settings, scene.steps)
        walkers = max(1, len(scene.starts))
        groups = [(h.spec, h.color, walkers) for h in scene.walking]
        if not groups:
            raise FogwalkError("the scene has no hiker to export")
        self.split = settings.layout == "split" and len(groups) > 1
        self.view = TerrainView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.view.resize(settings.width, settings.height)
        self.view.cell_losses = settings.losses
        self.view.show()
        self.view.set_terrain(resolve_surface(scene), scene.resolution, scene.height)
        self.view.set_fog(scene.fog)
        self.view.set_layout("split" if self.split else "overlay", groups)
        if camera is not None and camera.get("fitted", False):
            self.view.fit_camera(camera["elevation"], camera["azimuth"])  # to the export's size
            camera = None
        self.camera = camera or self.view.camera_state()
        motion = {"still": scene.camera, "orbit": "orbit", "follow": "follow"}
        self.view.camera_mode = motion[settings.camera]

    def __len__(self) -> int:
        return len(self.steps)

    def render(self, index: int, run: Run) -> np.ndarray:
        """The RGB pixels (height, width, 3) of frame ``index``, from ``run``.

        A frame shows a moment of the scene's clock: a step, or a measurement
        budget at which each hiker shows its own step.
        """
        tick = int(self.steps[index])
        state = dict(self.camera)
        if self.settings.camera == "orbit":
            state["azimuth"] += ORBIT_DEGREES_PER_SECOND * index / self.settings.fps
        self.view.set_camera_state(state)  # driven cameras then move from here
        self.view.show_frame(frame_at(run, shown_steps(self.scene, run, tick)), self.total)
        pixels = self.view.render_array(self.settings.width, self.settings.height)
        return self._overlay(pixels, run, tick)

    def _overlay(self, pixels: np.ndarray, run: Run, tick: int) -> np.ndarray:
        settings = self.settings
        legend = []
        if settings.legend and not self.split:  # a split cell carries its own label
            legend = legend_entries(hiker_rows(self.scene, run, tick), settings.losses)
        counter = (
            f"{tick_label(self.scene.clock)} {tick} / {self.total}" if settings.counter else ""
        )
        return burn_overlays(pixels, title=settings.title, legend=legend, counter=counter)

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


class ExportLoop:
    """Render and encode a video one frame at a time; the CLI and the app's dialog drive it.

    ``write_next(run)`` draws the next frame from ``run`` (which must have
    computed :attr:`next_step`), so the app can export from the run its
    window is still computing. Nothing is left at the path unless
    :meth:`finish` is reached; :meth:`abort` (or leaving the ``with`` block
    on an error) discards everything.
    """

    def __init__(
        self,
        scene: Scene,
        settings: VideoSettings,
        path,
        *,
        overwrite: bool = False,
        camera: dict | None = None,
    ) -> None:
        self.renderer = FrameRenderer(scene, settings, camera)
        try:
            self.writer = VideoWriter(
                path, settings.width, settings.height, settings.fps, overwrite=overwrite
            )
        except BaseException:
            self.renderer.close()
            raise
        self.done = 0

    def __len__(self) -> int:
        return len(self.renderer)

    @property
    def next_step(self) -> int:
        """The moment of the clock (a step, or a budget) the next frame shows (the last
        one's when all are written)."""
        return int(self.renderer.steps[min(self.done, len(self) - 1)])

    def ready(self, run: Run) -> bool:
        """Whether ``run`` has computed what the next frame shows."""
        scene = self.renderer.scene
        return reach(run, scene.clock, scene.costs) >= self.next_step

    def write_next(self, run: Run) -> int:
        """Render and encode the next frame; returns the number of frames written."""
        if not self.ready(run):
            raise ValueError(f"the run has not computed what frame {self.done} shows yet")
        self.writer.write(self.renderer.render(self.done, run))
        self.done += 1
        return self.done

    def finish(self) -> Path:
        """Close the encoder and put the file in place; returns its path."""
        try:
            return self.writer.close()
        finally:
            self.renderer.close()

    def abort(self) -> None:
        """Stop, and leave nothing behind."""
        self.writer.abort()
        self.renderer.close()

    def __enter__(self) -> ExportLoop:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            self.abort()


def export_video(
    scene: Scene,
    settings: VideoSettings,
    path,
    *,
    run: Run | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Render every frame and encode it to ``path``; returns the number of frames.

    ``run`` is the scene's run if one was computed already (it is computed
    here otherwise). Nothing is left at ``path`` unless the whole video was
    written.
    """
    if run is None or run.computed < video_steps(scene, settings):
        run = compute_run(scene, video_steps(scene, settings))
    with ExportLoop(scene, settings, path, overwrite=overwrite) as loop:
        total = len(loop)
        for _ in range(total):
            if cancelled():
                raise ExportCancelledError("export cancelled; nothing was written")
            done = loop.write_next(run)
            if progress is not None:
                progress(done, total)
        loop.finish()
    return total
