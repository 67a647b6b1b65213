"""The map's "Basins" overlay, computed off the window's thread, coarse to fine.

A request computes the basin map of the scene's first walking hiker at
:data:`LEVELS` grids in turn, each answer shown as it comes; a newer request
(the scene changed) or :meth:`BasinsJob.cancel` stops the one running
between two chunks and drops what it would have said.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal

from ..core.above.basins import compute_basins
from ..core.errors import FogwalkError
from ..core.scene import Scene

LEVELS = (32, 64, 128)  # nodes per side, coarse to fine
MAX_STEPS = 500  # an overlay walks at most this far: the app's long playback is for watching
CHUNK = 1024  # walkers between two checks for a newer request


class _SupersededError(Exception):
    pass


class BasinsJob(QObject):
    """Basin maps for the map panel; ``shown(bmap)`` for each level, ``failed(message)``."""

    shown = Signal(object)
    failed = Signal(str)
    _answered = Signal(int, object)
    _refused = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fogwalk-basins")
        self._generation = 0
        self._asked: tuple[object, ...] | None = None  # what the last request depends on
        queued = Qt.ConnectionType.QueuedConnection  # answers arrive on the window's thread
        self._answered.connect(self._on_answered, queued)
        self._refused.connect(self._on_refused, queued)

    def request(self, scene: Scene) -> bool:
        """Compute the basins of ``scene``'s first walking hiker, superseding any running;
        False (and nothing done) when they are those already asked for: the starts,
        colours, fog and playback of a scene do not change its basins."""
        hiker = scene.walking[0] if scene.walking else None
        steps = min(scene.steps, MAX_STEPS)
        asked = (scene.surface, scene.domain, scene.dataset, hiker and hiker.spec, steps)
        if asked == self._asked:
            return False
        self._asked = asked
        self._generation += 1
        generation = self._generation
        if hiker is None:
            return True
        scene = dataclasses.replace(scene, hikers=(hiker,), steps=steps)

        def stop_if_superseded(done: int, total: int) -> None:
            if generation != self._generation:
                raise _SupersededError

        def job() -> None:
            try:
                for side in LEVELS:
                    bmap = compute_basins(
                        scene, (side, side), progress=stop_if_superseded, chunk=CHUNK
                    )
                    self._answered.emit(generation, bmap)
            except _SupersededError:
                pass
            except FogwalkError as error:
                self._refused.emit(generation, str(error))

        self._executor.submit(job)
        return True

    def cancel(self) -> None:
        """Stop the running request; nothing more is shown."""
        self._generation += 1
        self._asked = None

    def shutdown(self) -> None:
        self.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _on_answered(self, generation: int, bmap: object) -> None:
        if generation == self._generation:
            self.shown.emit(bmap)

    def _on_refused(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.failed.emit(message)
