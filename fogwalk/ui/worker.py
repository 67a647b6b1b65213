"""The simulation worker: runs the engine on a QThread, a bounded distance ahead of playback.

The window never sees the engine: after every chunk the worker hands it an
immutable snapshot (:func:`fogwalk.core.session.snapshot`), whose rows up to
``computed`` the engine never writes again.

The engine and the window share one interpreter lock. A worker that computed
flat out would take it back at every OpenGL call the window makes (PyOpenGL
releases it around each one) and starve the window, so the worker computes
in chunks of a few milliseconds, pauses briefly between them, and waits
(holding nothing) once it is ``lead`` steps ahead of what is on screen.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.engine import Engine
from ..core.errors import FogwalkError
from ..core.scene import Scene
from ..core.session import build_engine, snapshot

CHUNK_SECONDS = 0.008  # compute this long, then let the window run
PAUSE_SECONDS = 0.002


@dataclass(frozen=True)
class Job:
    """One simulation request; a newer generation supersedes every older one."""

    generation: int
    scene: Scene


class SimulationWorker(QObject):
    """Lives on the worker thread; computes up to the horizon the window asks for."""

    started = Signal(int, object)  # generation, the first snapshot (a Run)
    progressed = Signal(int, object)  # generation, a newer snapshot
    failed = Signal(int, str)  # generation, a message for the user

    def __init__(self) -> None:
        super().__init__()
        self._wake = threading.Condition()
        self.latest = 0  # the generation that should run (-1: none)
        self.horizon = 0  # compute at least up to this step

    def request(self, *, generation: int | None = None, horizon: int | None = None) -> None:
        """Called from the window's thread: supersede the job and/or move the horizon."""
        with self._wake:
            if generation is not None:
                self.latest = generation
            if horizon is not None:
                self.horizon = horizon
            self._wake.notify_all()

    def _wait_for_horizon(self, job: Job, engine: Engine) -> bool:
        """Block (without the interpreter lock) until there is work; False if superseded."""
        with self._wake:
            while job.generation == self.latest and engine.computed >= self.horizon:
                self._wake.wait()
            return job.generation == self.latest

    @Slot(object)
    def run_job(self, job: Job) -> None:
        if job.generation != self.latest:
            return  # already superseded while queued
        try:
            # NumPy lanes: compiling holds the interpreter lock for a second, which would
            # freeze the window, and the app's runs are far too small to gain from it.
            engine = build_engine(job.scene, compiled=False)
        except FogwalkError as error:
            self.failed.emit(job.generation, str(error))
            return
        self.started.emit(job.generation, snapshot(engine))
        chunk = 4
        while not engine.done and self._wait_for_horizon(job, engine):
            begin = time.perf_counter()
            engine.advance(min(chunk, max(1, self.horizon - engine.computed)))
            elapsed = time.perf_counter() - begin
            self.progressed.emit(job.generation, snapshot(engine))
            chunk = max(1, min(4096, int(chunk * CHUNK_SECONDS / max(elapsed, 1e-5))))
            time.sleep(PAUSE_SECONDS)


class SimulationThread(QObject):
    """Owns the worker and its thread; :meth:`submit` supersedes any running job."""

    submit_job = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = SimulationWorker()
        self.thread = QThread()
        self.thread.setObjectName("fogwalk-engine")
        self.worker.moveToThread(self.thread)
        self.submit_job.connect(self.worker.run_job)
        self.thread.start()
        self.generation = 0

    def submit(self, scene: Scene, horizon: int) -> int:
        """Queue the scene's run (the running one stops at its next chunk); its generation."""
        self.generation += 1
        self.worker.request(generation=self.generation, horizon=horizon)
        self.submit_job.emit(Job(self.generation, scene))
        return self.generation

    def set_horizon(self, step: int) -> None:
        """Let the worker compute up to ``step`` (it never goes back)."""
        if step > self.worker.horizon:
            self.worker.request(horizon=step)

    def cancel(self) -> None:
        """Stop the current job at its next chunk."""
        self.worker.request(generation=-1)

    def stop(self) -> None:
        """Stop the current job and the thread, and wait for it: safe to call twice."""
        self.cancel()
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
