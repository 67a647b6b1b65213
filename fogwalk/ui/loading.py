"""Opening sources off the window's thread: a big file or a heavy formula never freezes it."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from ..core.errors import FogwalkError


class Loader(QObject):
    """Runs one loading job at a time on a thread of its own; the latest request wins.

    ``work`` runs on the loading thread and must not touch widgets; its result
    (or its FogwalkError's message) comes back on the window's thread through
    ``done`` (or ``fail``). A request made while another runs supersedes it:
    the older one's answer is dropped, so a slow file opened first never
    replaces a formula entered after it.
    """

    _finished = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fogwalk-load")
        self._generation = 0
        self._answers: dict[int, tuple[Callable[[Any], None], Callable[[str], None]]] = {}
        queued = Qt.ConnectionType.QueuedConnection  # answers arrive on the window's thread
        self._finished.connect(self._on_finished, queued)
        self._failed.connect(self._on_failed, queued)

    @property
    def busy(self) -> bool:
        """Whether an answer is still to come."""
        return bool(self._answers)

    def load(
        self, work: Callable[[], Any], done: Callable[[Any], None], fail: Callable[[str], None]
    ) -> None:
        """Run ``work`` on the loading thread; then ``done(result)`` or ``fail(message)``."""
        self._generation += 1
        generation = self._generation
        self._answers = {generation: (done, fail)}  # an older request is superseded

        def job() -> None:
            try:
                result = work()
            except FogwalkError as error:
                self._failed.emit(generation, str(error))
            except MemoryError:
                self._failed.emit(generation, "not enough memory to open it")
            else:
                self._finished.emit(generation, result)

        self._executor.submit(job)

    def shutdown(self) -> None:
        """Drop every answer to come; a job running finishes on its own (it writes nothing)."""
        self._answers.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _on_finished(self, generation: int, result: object) -> None:
        answer = self._answers.pop(generation, None)
        if answer is not None:
            answer[0](result)

    def _on_failed(self, generation: int, message: str) -> None:
        answer = self._answers.pop(generation, None)
        if answer is not None:
            answer[1](message)
