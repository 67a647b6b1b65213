"""The window's controller: the scene, the engine on its worker thread, and the playback clock.

No widgets: the window applies edits here and draws what the signals say.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.clock import reach
from ..core.defaults import SPEED_RANGE
from ..core.engine import Run
from ..core.pacing import settled
from ..core.scene import RUN, TERRAIN, Scene
from ..core.session import resolve_surface
from .worker import SimulationThread

FRAME_MS = 16  # the playback clock: up to 60 frames per second
LEAD_SECONDS = 4.0  # the engine computes this much playback ahead of the screen
MIN_LEAD = 400
# The map and loss plot learn of new steps at most this often: the worker reports every few
# milliseconds, and redrawing both panels at that rate starved the window for seconds.
PROGRESS_SECONDS = 0.1
SETTLE_SCAN = 64  # steps passed in one tick that are checked for the hikers having settled


class Controller(QObject):
    """Owns the current :class:`Scene`, its run (computed on the worker) and the playback clock.

    :meth:`apply` makes a scene current and says which groups of fields
    changed; the engine reruns only when the run's fields did. The clock
    moves :attr:`position` (in fractional ticks: steps, or gradients' worth of
    measurements on the scene's cost clock) and ticks; the window draws
    :meth:`step` on each tick.
    """

    scene_changed = Signal(object, object)  # the scene, the frozenset of groups that changed
    run_changed = Signal(object)  # a new run's first snapshot (a Run), or None
    run_progressed = Signal(object)  # a newer snapshot of the current run (10 a second at most)
    ticked = Signal()  # the clock moved: draw the step now due
    playing_changed = Signal(bool)
    settled = Signal(int)  # playback paused by itself: every hiker has settled by this step
    failed = Signal(str)  # the engine could not run the scene: a message for the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scene: Scene | None = None
        self.run: Run | None = None
        self.position = 0.0
        self.playing = True
        self.simulation = SimulationThread(self)
        self.simulation.worker.started.connect(self._on_worker_started)
        self.simulation.worker.progressed.connect(self._on_worker_progressed)
        self.simulation.worker.failed.connect(self._on_worker_failed)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._last_tick = time.perf_counter()
        self._reported = 0.0  # when run_progressed was last emitted
        self._unreported = False  # a snapshot arrived since
        self._settle_paused = False  # the run's playback already paused once for settling

    # --- the scene ----------------------------------------------------------------------
    def apply(self, scene: Scene, *, force: bool = False) -> frozenset[str]:
        """Make ``scene`` current; returns the groups of fields that changed.

        A new surface is resolved first, so a bad one raises here and the
        current scene stays.
        """
        changes = scene.changes(None if force else self.scene)
        if TERRAIN in changes:
            resolve_surface(scene)
        self.scene = scene
        if RUN in changes:
            self._restart()
        self.scene_changed.emit(scene, changes)
        return changes

    def _restart(self) -> None:
        """Start the engine again from step 0 for the current scene."""
        self.run, self.position = None, 0.0
        self._settle_paused = False
        self.run_changed.emit(None)
        if not self.scene.walking:
            self.simulation.cancel()  # nothing to walk
            return
        self.simulation.submit(self.scene, self._horizon())

    def _horizon(self) -> int:
        """How far the engine may compute: a few seconds of playback past the screen."""
        lead = max(MIN_LEAD, LEAD_SECONDS * self.scene.speed)
        if self.scene.clock == "cost" and self.run is not None:
            # A hiker cheaper than a gradient a step walks more steps than ticks.
            return int(max(self.position, self.run.computed) + lead)
        return int(self.position + lead)

    def compute_to(self, step: int) -> None:
        """Let the engine compute up to ``step`` (an export needs the whole range)."""
        self.simulation.set_horizon(step)

    # --- worker signals -------------------------------------------------------------------
    def _on_worker_started(self, generation: int, run: Run) -> None:
        if generation == self.simulation.generation:
            self.run = run
            self.run_changed.emit(run)

    def _on_worker_progressed(self, generation: int, run: Run) -> None:
        if generation == self.simulation.generation:
            self.run, self._unreported = run, True
            if run.computed >= run.steps:
                self._report_progress()  # the end: at once

    def _report_progress(self) -> None:
        if self._unreported and self.run is not None:
            self._unreported, self._reported = False, time.perf_counter()
            self.run_progressed.emit(self.run)

    def _on_worker_failed(self, generation: int, message: str) -> None:
        if generation == self.simulation.generation:
            self.failed.emit(message)

    # --- the clock --------------------------------------------------------------------------
    def start(self) -> None:
        self._last_tick = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        """Stop the clock and the worker thread (waits for it): safe to call twice."""
        self.timer.stop()
        self.simulation.stop()

    def step(self) -> int | None:
        """The moment of the clock due on screen (None before the run starts): a step, or a
        measurement budget on the cost clock."""
        if self.run is None:
            return None
        return min(math.floor(self.position), math.floor(self.reach()))

    def reach(self) -> float:
        """How far the clock can go on the run computed so far (0 before it starts)."""
        if self.run is None:
            return 0.0
        return reach(self.run, self.scene.clock, self.scene.costs)

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        run = self.run
        if self.playing and run is not None:
            reachable, before = self.reach(), self.position
            if self.scene.speed >= SPEED_RANGE[1]:
                self.position = reachable  # as fast as the engine goes
            self.position += self.scene.speed * min(elapsed, 0.25)
            self.position = min(self.position, reachable)  # wait for the engine
            if not self._pause_if_settled(run, before) and self.position >= self.scene.steps:
                self.set_playing(False)  # the end: only once the engine got there too
        if self.scene is not None:
            self.simulation.set_horizon(self._horizon())
        if now - self._reported >= PROGRESS_SECONDS:
            self._report_progress()
        self.ticked.emit()

    def _pause_if_settled(self, run: Run, before: float) -> bool:
        """Pause, once a run, at the first step since ``before`` (the last tick's position)
        at which nothing has moved for a while: the story is told. On the step clock only
        (on the cost clock hikers stand at steps of their own), and before the last step."""
        if self._settle_paused or self.scene.clock != "steps":
            return False
        last = min(math.floor(self.position), self.scene.steps - 1)
        first = max(math.floor(before) + 1, last - SETTLE_SCAN + 1)
        for step in range(first, last + 1):
            if settled(run, step):
                self._settle_paused, self.position = True, float(step)
                self.set_playing(False)
                self.settled.emit(step)
                return True
        return False

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playing_changed.emit(playing)

    def toggle_play(self) -> None:
        if not self.playing and self.run is not None and self.position >= self.scene.steps:
            self.position = 0.0  # play again from the start
        self.set_playing(not self.playing)

    def step_once(self) -> None:
        """Pause and move one step on (as far as the engine got)."""
        self.set_playing(False)
        if self.run is not None:
            self.position = float(min(math.floor(self.position) + 1, math.floor(self.reach())))
        self.ticked.emit()

    def seek(self, step: int) -> None:
        """Pause at ``step`` (a scrubber or the loss plot's cursor moved)."""
        self.set_playing(False)
        self.position = float(step)
        self.ticked.emit()

    def rewind(self) -> None:
        self.position = 0.0
        self._settle_paused = False
        self.ticked.emit()
