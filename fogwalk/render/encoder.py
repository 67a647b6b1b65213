"""The export's writer thread: frames are encoded while the next one is drawn."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

import numpy as np

from ..core.errors import FogwalkError
from ..core.video import VideoFile

QUEUE_FRAMES = 8  # frames drawn ahead of the encoder at most


class VideoWriter:
    """A :class:`~fogwalk.core.video.VideoFile` fed from a thread; all or nothing.

    :meth:`write` queues a frame and returns; a frame that failed to encode
    raises at the next :meth:`write` or at :meth:`close`. As a context
    manager, leaving normally finishes the file and leaving with an exception
    discards it.
    """

    def __init__(
        self, path: str | os.PathLike, width: int, height: int, fps: float, *, overwrite=False
    ) -> None:
        self.file = VideoFile(path, width, height, fps, overwrite=overwrite)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="fogwalk-video", daemon=True)
        self._thread.start()

    @property
    def frames(self) -> int:
        """Frames encoded so far."""
        return self.file.frames

    def _drain(self) -> None:
        try:
            while (frame := self._queue.get()) is not None:
                if self._error is None:
                    self.file.write(frame)
        except BaseException as error:  # reported by write() or close()
            self._error = error
            while self._queue.get() is not None:  # unblock the producer
                pass

    def write(self, frame: np.ndarray) -> None:
        """Queue one frame; raises if an earlier frame failed to encode."""
        if self._error is not None:
            raise self._error
        self._queue.put(self.file.check_frame(frame))

    def close(self) -> Path:
        """Finish encoding and move the file into place; returns its path."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            self.file.abort()
            raise self._error
        return self.file.close()

    def abort(self) -> None:
        """Stop and throw away everything written so far. Safe to call more than once."""
        self.file.abort()  # kills the encoder first: a writer blocked on its pipe moves on
        if self._thread.is_alive():
            self._error = self._error or FogwalkError("export cancelled")
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
