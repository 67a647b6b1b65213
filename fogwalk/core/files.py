"""Safe file output: write to a temporary sibling, rename over the target only when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import FogwalkError


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], mode: str = "w", **open_args: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    If the body raises (or the process dies) the target is untouched and the
    temporary file is removed, so a failed write never leaves a partial file.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FogwalkError(f"cannot write {target}: folder {folder} does not exist")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise FogwalkError(f"cannot write {target}: {error.strerror}") from None
    try:
        with os.fdopen(handle, mode, **open_args) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise FogwalkError(f"cannot write {target}: {error.strerror or error}") from None
        raise
